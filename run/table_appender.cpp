// Truncating the experiment-wide tables on resume, declared in run/table_appender.hpp.
#include "run/table_appender.hpp"

namespace rlsim::runfile {

void truncate_table(TableFile& tf, hsize_t rows) {
  for (std::size_t k = 0; k < tf.columns.size(); ++k) {
    if (tf.column_rows[k] == rows) continue;
    check_status(H5Dset_extent(tf.columns[k].get(), &rows),
                 "cannot truncate dataset " + tf.where + "/" + tf.names[k]);
    tf.column_rows[k] = rows;
  }
  tf.rows = rows;
}

std::vector<std::int64_t> read_first_rows(hid_t ds, hsize_t rows, const std::string& what,
                                          const ReadLimits& lim) {
  if (rows > lim.max_bytes / sizeof(std::int64_t))
    throw Error(what + " claims " + std::to_string(rows) +
                " rows, more than the file can hold: the file is damaged");
  return read_rows<std::int64_t>(ds, 0, rows, what);
}

void drop_unlisted_rows(TableFile& tf, const std::unordered_set<std::int64_t>& runs,
                        std::set<std::int64_t>& dropped, const ReadLimits& lim) {
  const std::vector<std::int64_t> run =
      read_first_rows(tf.columns.at(0).get(), tf.rows, "dataset " + tf.where + "/run", lim);
  std::size_t keep = 0;
  while (keep < run.size() && runs.count(run[keep]) > 0) ++keep;
  for (std::size_t i = keep; i < run.size(); ++i) {
    if (runs.count(run[i]) > 0)
      throw Error("cannot append to " + tf.where + ": its row " + std::to_string(i) +
                  " belongs to run " + std::to_string(run[i]) + ", after rows of run " +
                  std::to_string(run[keep]) +
                  " which run_table does not list: the file is damaged");
    dropped.insert(run[i]);
  }
  truncate_table(tf, keep);
}

}  // namespace rlsim::runfile

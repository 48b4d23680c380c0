// The experiment-wide tables of a format 3 run file (run_table, episodes, regret, eval) as
// the writer appends to them: each a group of 1-D, chunked, uncompressed, extendible
// datasets, one per column of its column list (run/run_file_tables.hpp).
//
// Contract: call under an hdf5::Lock. append_to_file writes the rows of every column at
// once, past the rows in the file (raw data go straight to the file: no chunk cache), so
// that they are on disk before the flush writes the metadata that refer to them.
// truncate_table and drop_unlisted_rows (resume only) cut the tables back to the runs
// listed in run_table. Failures throw rlsim::Error naming the file and dataset.
#pragma once
#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/hdf5_handles.hpp"
#include "run/run_file_io.hpp"
#include "run/run_file_tables.hpp"

namespace rlsim::runfile {

// Rows per chunk of the experiment-wide tables. An uncompressed chunk takes its whole size
// in the file as soon as one row is in it, so small chunks keep a small experiment's file
// small; larger ones give a long table fewer chunks to index. Episodes and regret
// checkpoints: 4096 rows (32 KiB of a float64 column; a 1,000 x 1,000-episode sweep has 245
// chunks per column). Runs and evaluation episodes, fewer per experiment: 1024 rows. A new
// file's tables take about 0.2 MB once they hold a row.
inline constexpr hsize_t kRunTableChunkRows = 1024;
inline constexpr hsize_t kEpisodeChunkRows = 4096;
inline constexpr hsize_t kRegretChunkRows = 4096;
inline constexpr hsize_t kEvalChunkRows = 1024;

// An experiment-wide table open for appending: its column datasets in column-list order,
// and the rows each holds in the file.
struct TableFile {
  std::string where;  // quoted file name and /name, for messages
  std::vector<hdf5::Dataset> columns;
  std::vector<std::string> names;
  std::vector<hsize_t> column_rows;
  hsize_t rows = 0;  // the fewest rows of any column (all equal unless a flush was cut)
  void reset() {
    columns.clear();
    names.clear();
    column_rows.clear();
  }
};

// Creates group `name` of `file` holding one empty, extendible, chunked and uncompressed
// dataset per column of table type Table. Uncompressed: deflate at any level costs more
// than a short run (BENCHMARKS.md, "Sweeps and logging overhead").
template <class Table, class Columns>
void create_table(hid_t file, const std::string& name, Columns columns, hsize_t chunk_rows,
                  const std::string& path, hid_t gcpl) {
  const std::string where = in_quotes(path) + " /" + name;
  hdf5::Group g(H5Gcreate2(file, name.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT),
                "cannot create group " + where);
  hdf5::PropList dcpl(H5Pcreate(H5P_DATASET_CREATE), "cannot create properties for " + where);
  const hsize_t chunk[1] = {chunk_rows};
  check_status(H5Pset_chunk(dcpl.get(), 1, chunk), "cannot set chunking of " + where);
  check_status(H5Pset_obj_track_times(dcpl.get(), false), "cannot set the time stamps of " + where);
  const hsize_t dims[1] = {0};
  const hsize_t maxdims[1] = {H5S_UNLIMITED};
  hdf5::Dataspace space(H5Screate_simple(1, dims, maxdims),
                        "cannot create the dataspace of " + where);
  Table empty;
  columns(empty, [&](const char* col, auto& column, hsize_t) {
    using T = typename std::decay_t<decltype(column)>::value_type;
    hdf5::Dataset ds(H5Dcreate2(g.get(), col, H5Type<T>::file(), space.get(), H5P_DEFAULT,
                                dcpl.get(), H5P_DEFAULT),
                     "cannot create dataset " + where + "/" + col);
  });
}

// Creates the 1-D column `name` (an added_column) in `group` with `rows` rows, all reading
// as added_column_fill, chunked as dataset `like`.
template <class T>
void add_filled_column(hid_t group, const char* name, hid_t like, hsize_t rows,
                       const std::string& what) {
  hdf5::PropList dcpl(H5Dget_create_plist(like), "cannot read the properties of " + what);
  const T fill = static_cast<T>(added_column_fill);
  check_status(H5Pset_fill_value(dcpl.get(), H5Type<T>::mem(), &fill),
               "cannot set the fill value of " + what);
  const hsize_t dims[1] = {rows};
  const hsize_t maxdims[1] = {H5S_UNLIMITED};
  hdf5::Dataspace space(H5Screate_simple(1, dims, maxdims),
                        "cannot create the dataspace of " + what);
  hdf5::Dataset ds(
      H5Dcreate2(group, name, H5Type<T>::file(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
      "cannot create " + what);
}

// Opens the table group `name` of `file` for appending. A column of the column list the
// file lacks is damage, unless it is an added_column: then it is created (a file written
// before the column existed). Throws naming the file when the
// group or a column is missing or a column is not 1-D (the file is damaged).
template <class Table, class Columns>
TableFile open_table(hid_t file, const std::string& name, Columns columns,
                     const std::string& path) {
  TableFile out;
  out.where = in_quotes(path) + " /" + name;
  hdf5::Group g = open_group(file, name, in_quotes(path));
  // No chunk cache: an append then writes its rows to the file at once (uncompressed
  // chunks are written in place, only the rows selected), so the raw data are on disk
  // before the flush writes the metadata that refer to them (see reserve_file_space).
  hdf5::PropList dapl(H5Pcreate(H5P_DATASET_ACCESS), "cannot create properties for " + out.where);
  check_status(H5Pset_chunk_cache(dapl.get(), 0, 0, 1.0),
               "cannot set the chunk cache of " + out.where);
  Table empty;
  bool first = true;
  columns(empty, [&](const char* col, auto& column, hsize_t) {
    using T = typename std::decay_t<decltype(column)>::value_type;
    const std::string what = "dataset " + out.where + "/" + col;
    if (!link_exists(g.get(), col, what)) {
      if (first || !added_column(col))
        throw Error(out.where + " has no dataset '" + col + "': the file is damaged");
      // A file written before the column existed: it gets the column, with the first
      // column's rows and chunks, every row "unknown" (its fill value: nothing is written).
      add_filled_column<T>(g.get(), col, out.columns.front().get(), out.column_rows.front(), what);
    }
    hdf5::Dataset ds(H5Dopen2(g.get(), col, dapl.get()), "cannot open " + what);
    const hsize_t rows = column_length(ds.get(), what);
    out.rows = first ? rows : std::min(out.rows, rows);
    first = false;
    out.columns.push_back(std::move(ds));
    out.names.emplace_back(col);
    out.column_rows.push_back(rows);
  });
  return out;
}

// Sets every column of `tf` to `rows` rows (fewer: drops rows; resume only).
void truncate_table(TableFile& tf, hsize_t rows);

// Appends the rows of `rows` to the table's datasets in the file.
template <class Table, class Columns>
void append_to_file(TableFile& tf, const Table& rows, Columns columns) {
  const hsize_t n = rows.size();
  if (n == 0) return;
  const hsize_t start = tf.rows, total = tf.rows + n;
  hdf5::Dataspace memory(H5Screate_simple(1, &n, nullptr),
                         "cannot create a dataspace for " + tf.where);
  std::size_t k = 0;
  columns(rows, [&](const char*, const auto& column, hsize_t) {
    using T = typename std::decay_t<decltype(column)>::value_type;
    const hid_t ds = tf.columns.at(k).get();
    const std::string& name = tf.names[k++];
    check_status(H5Dset_extent(ds, &total), "cannot extend dataset " + tf.where + "/" + name);
    hdf5::Dataspace space(H5Dget_space(ds), "cannot read the dataspace of " + tf.where);
    check_status(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &start, nullptr, &n, nullptr),
                 "cannot select rows of " + tf.where + "/" + name);
    check_status(
        H5Dwrite(ds, H5Type<T>::mem(), memory.get(), space.get(), H5P_DEFAULT, column.data()),
        "cannot write dataset " + tf.where + "/" + name);
  });
  tf.rows = total;
  std::fill(tf.column_rows.begin(), tf.column_rows.end(), total);
}

// Shortens an experiment-wide table (its `run` column first) to the rows of runs in `runs`:
// drops the rows of runs a killed writer had not flushed, and evens out columns a kill
// during a flush left of different lengths. Such rows can only be at the end; the runs
// they belong to are added to `dropped`.
void drop_unlisted_rows(TableFile& tf, const std::unordered_set<std::int64_t>& runs,
                        std::set<std::int64_t>& dropped, const ReadLimits& lim);

// The first `rows` values of a 1-D dataset, as int64.
std::vector<std::int64_t> read_first_rows(hid_t ds, hsize_t rows, const std::string& what,
                                          const ReadLimits& lim);

}  // namespace rlsim::runfile

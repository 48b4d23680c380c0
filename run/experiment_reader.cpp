// ExperimentReader (run/hdf5_log.hpp): opens a run file of format 1, 2 or 3, reads its
// experiment attributes, and serves runs by index.
//
// Contract: format 3 (experiment-wide tables): run_table and /groups are read and checked
// when the file is opened; the episodes, regret and eval tables at the first read_run,
// whole when at most max_cached_rows long, else run by run from the file (their `run`
// column read once to find each run's rows). Formats 1 and 2 (a group per run) are read
// run by run (run/run_group_reader.hpp). Damage throws rlsim::Error naming the file and
// object; a format 1-2 run not marked complete never throws (see read_run).
#include "run/hdf5_log.hpp"

#include <hdf5.h>

#include <algorithm>
#include <map>
#include <unordered_map>
#include <utility>

#include "core/error.hpp"
#include "core/hdf5_handles.hpp"
#include "core/hdf5_util.hpp"
#include "run/live_tables.hpp"
#include "run/run_file_io.hpp"
#include "run/run_file_tables.hpp"
#include "run/run_group_reader.hpp"

namespace rlsim {

// The reader is made of the run-file helpers (run/*.hpp above).
using namespace runfile;

namespace {

// A run group's strings (format 3: /groups/G).
struct GroupStrings {
  std::string env_id, agent_id, env_params, agent_params, group;
};

// Where each run's rows are in an experiment-wide table: run index -> (first row, rows).
using RowRanges = std::unordered_map<std::int64_t, std::pair<std::size_t, std::size_t>>;

// Checks the `run` column of a table (every run listed in run_table, each run's rows
// contiguous) and returns each run's rows. Rows after the last row of a listed run that
// belong to runs run_table does not list are not part of the table: a kill during a flush
// can leave them (resume drops them); unlisted rows before it mean damage, and so do
// unlisted rows at the end of a file marked `complete` (no kill left them: a damaged
// run_index would otherwise make the reader drop that run's rows without a word).
RowRanges index_rows(const std::vector<std::int64_t>& run,
                     const std::unordered_map<std::int64_t, std::size_t>& listed, bool complete,
                     const std::string& where) {
  RowRanges out;
  std::size_t end = run.size();
  while (end > 0 && listed.count(run[end - 1]) == 0) --end;
  if (complete && end < run.size())
    throw Error(where + ": row " + std::to_string(end) + " belongs to run " +
                std::to_string(run[end]) +
                ", which run_table does not list, and the file is marked complete: the file is "
                "damaged");
  for (std::size_t i = 0; i < end; ++i) {
    const std::int64_t r = run[i];
    if (i > 0 && run[i - 1] == r) {
      ++out[r].second;
      continue;
    }
    if (listed.count(r) == 0)
      throw Error(where + ": row " + std::to_string(i) + " belongs to run " + std::to_string(r) +
                  ", which run_table does not list: the file is damaged");
    if (!out.emplace(r, std::make_pair(i, std::size_t{1})).second)
      throw Error(where + ": the rows of run " + std::to_string(r) +
                  " are not contiguous (again at row " + std::to_string(i) +
                  "): the file is damaged");
  }
  return out;
}

// An experiment-wide table as the reader holds it: where each run's rows are, and the
// whole table when it is at most max_cached_rows long (else rows are read run by run).
template <class Table>
struct TableCache {
  RowRanges ranges;
  bool whole = false;
  Rows<Table> rows;
};

// The number of rows of the 1-D column `name` of group (path `where`).
hsize_t column_rows(hid_t group, const char* name, const std::string& where) {
  const std::string what = "dataset " + where + "/" + name;
  if (!link_exists(group, name, what)) throw Error(where + " has no dataset '" + name + "'");
  hdf5::Dataset ds(H5Dopen2(group, name, H5P_DEFAULT), "cannot open " + what);
  return column_length(ds.get(), what);
}

// Rows [start, start + count) of the 1-D column `name` of group, converted to T (whose
// type class the stored type must have).
template <class T>
std::vector<T> read_column_rows(hid_t group, const char* name, hsize_t start, hsize_t count,
                                const std::string& where) {
  const std::string what = "dataset " + where + "/" + name;
  hdf5::Dataset ds(H5Dopen2(group, name, H5P_DEFAULT), "cannot open " + what);
  hdf5::Datatype type(H5Dget_type(ds.get()), "cannot read the type of " + what);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5Type<T>::cls)
    throw Error(what + " is of " + class_name(cls) + " type, expected " + H5Type<T>::name);
  if (start + count > column_length(ds.get(), what))
    throw Error(what + " does not have rows " + std::to_string(start) + " to " +
                std::to_string(start + count) + ": the file is damaged");
  return read_rows<T>(ds.get(), start, count, what);
}

// Adds the index of each link of a group named by a decimal number to the
// std::vector<std::int64_t> `data`.
herr_t collect_run_name(hid_t, const char* name, const H5L_info_t*, void* data) {
  try {
    const std::int64_t i = index_of_name(name);
    if (i >= 0) static_cast<std::vector<std::int64_t>*>(data)->push_back(i);
  } catch (...) {
    return -1;
  }
  return 0;
}

// The run indices of the group /runs (names that are decimal integers), sorted.
std::vector<std::int64_t> list_runs(hid_t file, const std::string& path) {
  const std::string where = in_quotes(path) + " /runs";
  hdf5::Group runs(H5Gopen2(file, "runs", H5P_DEFAULT), "cannot open group " + where);
  std::vector<std::int64_t> out;
  hsize_t idx = 0;
  check_status(H5Literate(runs.get(), H5_INDEX_NAME, H5_ITER_INC, &idx, collect_run_name, &out),
               "cannot list the runs in group " + where);
  std::sort(out.begin(), out.end());
  return out;
}

// The message for a run the file does not hold, with the runs it does hold.
std::string no_such_run(const std::string& path, std::int64_t run_index,
                        const std::vector<std::int64_t>& have) {
  const std::string present = have.empty() ? "none"
                                           : std::to_string(have.size()) + ", indices " +
                                                 std::to_string(have.front()) + " to " +
                                                 std::to_string(have.back());
  return "run file " + in_quotes(path) + " has no run " + std::to_string(run_index) +
         " (runs present: " + present + ")";
}

// Run `run_index`'s rows of an experiment-wide table, from memory or from the file (group
// `name` of file).
template <class Table, class Columns>
void copy_run_rows(Table& to, const TableCache<Table>& cache, std::int64_t run_index,
                   Columns columns, hid_t file, const char* name, const std::string& path) {
  const auto it = cache.ranges.find(run_index);
  if (it == cache.ranges.end()) return;
  const auto [start, count] = it->second;
  if (cache.whole) {
    append_rows(to, cache.rows.t, columns, start, count);
    return;
  }
  hdf5::Group g = open_group(file, name, in_quotes(path));
  const std::string w = in_quotes(path) + " /" + name;
  columns(to, [&](const char* col, auto& column, hsize_t) {
    using T = typename std::decay_t<decltype(column)>::value_type;
    if (added_column(col) && !link_exists(g.get(), col, w))
      column.assign(count, static_cast<T>(added_column_fill));
    else
      column = read_column_rows<T>(g.get(), col, start, count, w);
  });
}

}  // namespace

struct ExperimentReader::Impl {
  std::string path;
  hdf5::File file;
  ExperimentMeta meta;
  ReadLimits limits;
  // Format 3: the run table and the groups, read when the file is opened; the other
  // experiment-wide tables, read at the first read_run.
  RunRows run_table;
  std::unordered_map<std::int64_t, std::size_t> row_of;  // run index -> run_table row
  std::map<std::int64_t, GroupStrings> groups;
  bool tables_read = false;
  std::size_t max_cached_rows = kReaderCachedRows;
  TableCache<EpisodeTable> episodes;
  TableCache<RegretCurve> regret;
  TableCache<EvalTable> eval;

  void open_format3();
  void read_tables();
  ~Impl() {
    hdf5::Lock lock;
    file.reset();
  }
};

void ExperimentReader::Impl::open_format3() {
  const hid_t f = file.get();
  const std::string where = in_quotes(path);
  for (const char* g : kFormat3Groups)
    if (!link_exists(f, g, where + " /" + g))
      throw Error("cannot open run file " + where + ": it has no group /" + g +
                  " (the file is damaged)");
  {
    hdf5::Group g = open_group(f, "run_table", where);
    read_table(g.get(), run_table, run_table_columns, "run_table", where, limits);
  }
  for (const std::string& name : link_names(f, "groups", where + " /groups")) {
    const std::string w = where + " /groups/" + name;
    const std::int64_t id = index_of_name(name);
    if (id < 0)
      throw Error(where + " /groups holds '" + name +
                  "', which is not a group number: the file is damaged");
    hdf5::Group g = open_group(f, "groups/" + name, where);
    GroupStrings s;
    s.env_id = read_attr_string(g.get(), "env_id", w, false);
    s.agent_id = read_attr_string(g.get(), "agent_id", w, false);
    s.env_params = read_attr_string(g.get(), "env_params", w, false);
    s.agent_params = read_attr_string(g.get(), "agent_params", w, false);
    s.group = read_attr_string(g.get(), "group", w, false);
    groups.emplace(id, std::move(s));
  }
  for (std::size_t row = 0; row < run_table.size(); ++row) {
    const std::int64_t i = run_table.run_index[row];
    const std::string w = where + " /run_table row " + std::to_string(row);
    if (i < 0)
      throw Error(w + " has run_index " + std::to_string(i) +
                  ", expected >= 0: the file is damaged");
    // Run indices are 0 to planned_runs - 1 (a file that records no plan, 0, is not checked).
    if (meta.planned_runs > 0 && i >= meta.planned_runs)
      throw Error(w + " has run_index " + std::to_string(i) + ", but the experiment planned " +
                  std::to_string(meta.planned_runs) + " runs (indices 0 to " +
                  std::to_string(meta.planned_runs - 1) + "): the file is damaged");
    if (!row_of.emplace(i, row).second)
      throw Error(w + " repeats run_index " + std::to_string(i) + ": the file is damaged");
    if (groups.count(run_table.group[row]) == 0)
      throw Error(w + " (run " + std::to_string(i) + ") has group " +
                  std::to_string(run_table.group[row]) +
                  ", which /groups does not hold: the file is damaged");
    if (run_table.total_steps[row] < 0)
      throw Error(w + " (run " + std::to_string(i) + ") has total_steps " +
                  std::to_string(run_table.total_steps[row]) +
                  ", expected >= 0: the file is damaged");
  }
}

void ExperimentReader::Impl::read_tables() {
  if (tables_read) return;
  const hid_t f = file.get();
  const std::string where = in_quotes(path);
  auto read = [&](const char* name, auto& cache, auto columns) {
    hdf5::Group g = open_group(f, name, where);
    const std::string w = where + " /" + name;
    const std::vector<std::int64_t> run = read_column<std::int64_t>(g.get(), "run", 0, w, limits);
    cache.ranges = index_rows(run, row_of, meta.complete, w);
    if (run.size() <= max_cached_rows) {
      read_table(g.get(), cache.rows, columns, name, w, limits);
      cache.whole = true;
      return;
    }
    columns(cache.rows, [&](const char* col, auto&, hsize_t) {
      if (added_column(col) && !link_exists(g.get(), col, w)) return;
      const hsize_t rows = column_rows(g.get(), col, w);
      if (rows != run.size())
        throw Error(w + ": dataset " + name + "/" + col + " has " + std::to_string(rows) +
                    " rows but " + name + "/run has " + std::to_string(run.size()) +
                    ": the file is damaged");
    });
  };
  read("episodes", episodes, episode_rows);
  read("regret", regret, regret_rows);
  read("eval", eval, eval_rows);
  tables_read = true;
}

ExperimentReader::ExperimentReader(const std::string& path, std::size_t max_cached_rows)
    : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->max_cached_rows = max_cached_rows;
  hdf5::Lock lock;
  // Without HDF5's file lock: a file being written can be read (docs/log-format.md, "Live
  // rows"); reading cannot change it, and rlsim's own writer lock is a sidecar file.
  impl_->file = open_existing(path, H5F_ACC_RDONLY, "run file", false);
  const hid_t f = impl_->file.get();
  impl_->limits = limits_for(f);
  const std::string where = "run file " + in_quotes(path);
  if (!has_attr(f, "rlsim_format_version", where))
    throw Error("cannot open run file " + in_quotes(path) +
                ": it is an HDF5 file but not an rlsim run file (no root attribute "
                "rlsim_format_version)");
  ExperimentMeta& m = impl_->meta;
  m.format_version = read_attr<std::int32_t>(f, "rlsim_format_version", where);
  if (m.format_version < 1 || m.format_version > kLogFormatVersion)
    throw Error("cannot open run file " + in_quotes(path) + ": its rlsim_format_version is " +
                std::to_string(m.format_version) + " but this rlsim reads versions 1 to " +
                std::to_string(kLogFormatVersion) +
                (m.format_version > kLogFormatVersion ? "; use a newer rlsim" : ""));
  impl_->limits.variable_strings = m.format_version < 2;
  impl_->limits.env_column = m.format_version >= 2;
  const bool vlen = impl_->limits.variable_strings;
  m.rlsim_version = read_attr_string(f, "rlsim_version", where, vlen);
  m.git_commit = read_attr_string(f, "git_commit", where, vlen);
  m.created = read_attr_string(f, "created", where, vlen);
  m.command_line = read_attr_string(f, "command_line", where, vlen);
  m.config_text = read_attr_string(f, "config", where, vlen);
  m.master_seed = read_attr<std::uint64_t>(f, "master_seed", where);
  m.planned_runs = read_attr<std::int64_t>(f, "planned_runs", where);
  m.complete = read_attr<std::int32_t>(f, "complete", where) != 0;
  if (m.format_version >= 3) {
    impl_->open_format3();
    return;
  }
  if (!link_exists(f, "runs", where + " /runs"))
    throw Error("cannot open run file " + in_quotes(path) + ": it has no group /runs");
}

ExperimentReader::~ExperimentReader() = default;

const ExperimentMeta& ExperimentReader::meta() const {
  return impl_->meta;
}

std::vector<std::int64_t> ExperimentReader::run_indices() const {
  hdf5::Lock lock;
  if (impl_->meta.format_version >= 3) {
    std::vector<std::int64_t> out = impl_->run_table.run_index;
    std::sort(out.begin(), out.end());
    return out;
  }
  return list_runs(impl_->file.get(), impl_->path);
}

std::vector<LiveRun> ExperimentReader::live_runs() const {
  if (impl_->meta.format_version < 3) return {};
  hdf5::Lock lock;
  const std::unordered_set<std::int64_t> listed(impl_->run_table.run_index.begin(),
                                                impl_->run_table.run_index.end());
  return read_live_runs(impl_->file.get(), "run file " + in_quotes(impl_->path), listed,
                        impl_->limits);
}

std::vector<std::int64_t> ExperimentReader::complete_run_indices() const {
  if (impl_->meta.format_version >= 3) return run_indices();  // every run listed is whole
  hdf5::Lock lock;
  std::vector<std::int64_t> out;
  const std::string where = in_quotes(impl_->path) + " /runs";
  hdf5::Group runs(H5Gopen2(impl_->file.get(), "runs", H5P_DEFAULT), "cannot open group " + where);
  for (std::int64_t i : run_indices())
    if (marked_complete(runs.get(), run_name(i))) out.push_back(i);
  return out;
}

StoredRun ExperimentReader::read_run(std::int64_t run_index, bool with_steps) const {
  hdf5::Lock lock;
  const std::string name = run_name(run_index);
  const std::string& path = impl_->path;
  const std::string where = in_quotes(path) + " /runs/" + name;
  if (impl_->meta.format_version >= 3) {
    Impl& m = *impl_;
    const auto row = m.row_of.find(run_index);
    if (row == m.row_of.end()) throw Error(no_such_run(path, run_index, run_indices()));
    m.read_tables();
    const std::size_t i = row->second;
    const GroupStrings& g = m.groups.at(m.run_table.group[i]);
    StoredRun r;
    r.run_index = run_index;
    r.env_id = g.env_id;
    r.agent_id = g.agent_id;
    r.env_params = g.env_params;
    r.agent_params = g.agent_params;
    r.group = g.group;
    r.seed_index = m.run_table.seed_index[i];
    r.env_seed = m.run_table.env_seed[i];
    r.agent_seed = m.run_table.agent_seed[i];
    r.total_steps = m.run_table.total_steps[i];
    r.complete = true;
    const hid_t f = m.file.get();
    copy_run_rows(r.episodes, m.episodes, run_index, episode_columns, f, "episodes", path);
    copy_run_rows(r.regret, m.regret, run_index, regret_columns, f, "regret", path);
    copy_run_rows(r.evaluations, m.eval, run_index, eval_columns, f, "eval", path);
    if (path_exists(f, "runs/" + name, where)) {
      hdf5::Group gid = open_group(f, "runs/" + name, in_quotes(path));
      read_run_data(gid.get(), r, with_steps, where, m.limits);
    }
    return r;
  }
  hdf5::Group runs(H5Gopen2(impl_->file.get(), "runs", H5P_DEFAULT),
                   "cannot open group " + in_quotes(path) + " /runs");
  if (!link_exists(runs.get(), name, where))
    throw Error(no_such_run(path, run_index, run_indices()));
  if (marked_complete(runs.get(), name))
    return read_run_group(runs.get(), name, run_index, with_steps, where, impl_->limits);
  // A run the experiment did not finish: whatever is readable, never an error.
  try {
    StoredRun r = read_run_group(runs.get(), name, run_index, with_steps, where, impl_->limits);
    r.complete = false;
    return r;
  } catch (const Error&) {
    StoredRun r;
    r.run_index = run_index;
    r.complete = false;
    return r;
  }
}

}  // namespace rlsim

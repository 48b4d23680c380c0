// LiveTables and read_live_runs (run/live_tables.hpp): the live rows of runs in progress.
#include "run/live_tables.hpp"

#include <algorithm>
#include <csignal>
#include <set>

#include "core/error.hpp"
#include "core/hdf5_handles.hpp"
#include "core/hdf5_util.hpp"
#include "run/run_file_tables.hpp"
#include "run/run_group_reader.hpp"
#include "run/table_appender.hpp"

namespace rlsim::runfile {

namespace {

constexpr hsize_t kLiveChunkRows = 1024;

// An empty, extendible, chunked, uncompressed 1-D dataset of T.
template <class T>
void create_column(hid_t group, const std::string& name, const std::string& where) {
  hdf5::PropList dcpl(H5Pcreate(H5P_DATASET_CREATE), "cannot create properties for " + where);
  const hsize_t chunk[1] = {kLiveChunkRows};
  check_status(H5Pset_chunk(dcpl.get(), 1, chunk), "cannot set chunking of " + where);
  check_status(H5Pset_obj_track_times(dcpl.get(), false), "cannot set the time stamps of " + where);
  const hsize_t dims[1] = {0};
  const hsize_t maxdims[1] = {H5S_UNLIMITED};
  hdf5::Dataspace space(H5Screate_simple(1, dims, maxdims),
                        "cannot create the dataspace of " + where);
  hdf5::Dataset ds(H5Dcreate2(group, name.c_str(), H5Type<T>::file(), space.get(), H5P_DEFAULT,
                              dcpl.get(), H5P_DEFAULT),
                   "cannot create dataset " + where + "/" + name);
}

// Appends `values` to the 1-D dataset `name` of `group`, which holds `rows` rows.
template <class T>
void append_column(hid_t group, const std::string& name, hsize_t rows, const std::vector<T>& values,
                   const std::string& where) {
  const hsize_t n = values.size();
  if (n == 0) return;
  const std::string what = "dataset " + where + "/" + name;
  hdf5::Dataset ds(H5Dopen2(group, name.c_str(), H5P_DEFAULT), "cannot open " + what);
  const hsize_t total = rows + n;
  check_status(H5Dset_extent(ds.get(), &total), "cannot extend " + what);
  hdf5::Dataspace space(H5Dget_space(ds.get()), "cannot read the dataspace of " + what);
  check_status(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &rows, nullptr, &n, nullptr),
               "cannot select rows of " + what);
  hdf5::Dataspace memory(H5Screate_simple(1, &n, nullptr), "cannot create a dataspace for " + what);
  check_status(
      H5Dwrite(ds.get(), H5Type<T>::mem(), memory.get(), space.get(), H5P_DEFAULT, values.data()),
      "cannot write " + what);
}

}  // namespace

void LiveTables::write(hid_t file, const std::string& path, hid_t gcpl) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!pending_.load(std::memory_order_relaxed)) return;
  const std::string live_where = in_quotes(path) + " /live";
  for (auto& [index, r] : runs_) {
    if (!has_news(r)) continue;
    if (!link_exists(file, "live", live_where)) create_group(file, "live", live_where, gcpl);
    hdf5::Group live = open_group(file, "live", in_quotes(path));
    const std::string name = run_name(index);
    const std::string where = live_where + "/" + name;
    if (!r.in_file) {
      hdf5::Group g = create_group(live.get(), name, where, gcpl);
      const RunInfo& info = r.info;
      write_attr<std::int64_t>(g.get(), "seed_index", info.seed_index, where);
      write_attr_string(g.get(), "env_id", info.env_id, where);
      write_attr_string(g.get(), "agent_id", info.agent_id, where);
      write_attr_string(g.get(), "env_params", info.env_params.to_text(), where);
      write_attr_string(g.get(), "agent_params", info.agent_params.to_text(), where);
      write_attr_string(g.get(), "group", info.group, where);
      hdf5::Group e = create_group(g.get(), "eval", where + "/eval", gcpl);
      create_column<std::int64_t>(e.get(), "step", where + "/eval");
      create_column<double>(e.get(), "return", where + "/eval");
      create_column<std::int64_t>(e.get(), "length", where + "/eval");
      r.in_file = true;
    }
    hdf5::Group g = open_group(live.get(), name, live_where);
    if (!r.diag.names.empty() && !link_exists(g.get(), "diagnostics", where + "/diagnostics")) {
      hdf5::Group d = create_group(g.get(), "diagnostics", where + "/diagnostics", gcpl);
      write_attr_string_list(d.get(), "columns", r.diag.names, where + "/diagnostics");
      create_column<std::int64_t>(d.get(), "step", where + "/diagnostics");
      for (const std::string& c : r.diag.names)
        create_column<double>(d.get(), c, where + "/diagnostics");
    }
    write_attr<std::int64_t>(g.get(), "steps", r.steps, where);
    r.steps_changed = false;
    if (r.eval.size() > 0) {
      if (crash_runs().count(index) > 0) crash_written_.insert(index);
      const std::string w = where + "/eval";
      hdf5::Group e = open_group(g.get(), "eval", where);
      hdf5::Dataset s(H5Dopen2(e.get(), "step", H5P_DEFAULT), "cannot open " + w + "/step");
      const hsize_t rows = column_length(s.get(), "dataset " + w + "/step");
      append_column(e.get(), "step", rows, r.eval.step, w);
      append_column(e.get(), "return", rows, r.eval.returns, w);
      append_column(e.get(), "length", rows, r.eval.lengths, w);
      r.eval = EvalTable{};
    }
    if (r.diag.size() > 0) {
      const std::string w = where + "/diagnostics";
      hdf5::Group d = open_group(g.get(), "diagnostics", where);
      hdf5::Dataset s(H5Dopen2(d.get(), "step", H5P_DEFAULT), "cannot open " + w + "/step");
      const hsize_t rows = column_length(s.get(), "dataset " + w + "/step");
      append_column(d.get(), "step", rows, r.diag.step, w);
      const std::size_t cols = r.diag.names.size();
      std::vector<double> column(r.diag.size());
      for (std::size_t c = 0; c < cols; ++c) {
        for (std::size_t row = 0; row < column.size(); ++row)
          column[row] = r.diag.values[row * cols + c];
        append_column(d.get(), r.diag.names[c], rows, column, w);
      }
      r.diag.step.clear();
      r.diag.values.clear();
    }
  }
  pending_.store(false, std::memory_order_relaxed);
}

void LiveTables::after_flush() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!crash_runs().empty() && crash_written_.size() == crash_runs().size()) std::raise(SIGKILL);
}

void LiveTables::end_run(hid_t file, std::int64_t run_index, const std::string& path) {
  bool in_file = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = runs_.find(run_index);
    if (it == runs_.end()) return;
    in_file = it->second.in_file;
    runs_.erase(it);
  }
  if (!in_file) return;
  const std::string name = "live/" + run_name(run_index);
  check_status(H5Ldelete(file, name.c_str(), H5P_DEFAULT),
               "cannot delete the live rows " + in_quotes(path) + " /" + name);
}

void LiveTables::remove_all(hid_t file, const std::string& path) {
  delete_or_set_aside(file, "live", path);  // set aside when a kill left part unreadable
}

std::vector<LiveRun> read_live_runs(hid_t file, const std::string& where,
                                    const std::unordered_set<std::int64_t>& listed,
                                    const ReadLimits& lim) {
  std::vector<LiveRun> out;
  if (!link_exists(file, "live", where + " /live")) return out;
  std::set<std::int64_t> indices;
  for (const std::string& name : link_names(file, "live", where + " /live")) {
    const std::int64_t i = index_of_name(name);
    if (i < 0)
      throw Error(where + ": /live holds '" + name +
                  "', which is not a run index: the file is "
                  "damaged");
    if (listed.count(i) == 0) indices.insert(i);
  }
  hdf5::Group live = open_group(file, "live", where);
  for (std::int64_t i : indices) {
    const std::string name = run_name(i);
    const std::string w = where + " /live/" + name;
    hdf5::Group g = open_group(live.get(), name, where + " /live");
    LiveRun r;
    r.run_index = i;
    r.steps = read_attr<std::int64_t>(g.get(), "steps", w);
    r.seed_index = read_attr<std::int64_t>(g.get(), "seed_index", w);
    r.env_id = read_attr_string(g.get(), "env_id", w, false);
    r.agent_id = read_attr_string(g.get(), "agent_id", w, false);
    r.env_params = read_attr_string(g.get(), "env_params", w, false);
    r.agent_params = read_attr_string(g.get(), "agent_params", w, false);
    r.group = read_attr_string(g.get(), "group", w, false);
    if (link_exists(g.get(), "eval", w + "/eval")) {
      hdf5::Group e = open_group(g.get(), "eval", w);
      read_table(e.get(), r.evaluations, eval_columns, "eval", w, lim);
    }
    StoredRun data;
    read_run_data(g.get(), data, false, w, lim);
    r.diagnostics = std::move(data.diagnostics);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace rlsim::runfile

// CheckpointStore (run/checkpoint_store.hpp): the latest checkpoint of each run in
// progress, in /checkpoints of the run file, and the continuation state of each finished
// run, in /continuation (read back by read_continuation_states, run/run_checkpoint.hpp).
#include "run/checkpoint_store.hpp"

#include <algorithm>
#include <vector>

#include "core/error.hpp"
#include "core/hdf5_handles.hpp"
#include "core/hdf5_util.hpp"
#include "core/state_dict_group.hpp"
#include "run/run_file_io.hpp"

namespace rlsim::runfile {

namespace {

constexpr const char* kGroup = "checkpoints";
constexpr const char* kContinuation = "continuation";

void delete_run_group(hid_t root, const std::string& name, const std::string& path) {
  const std::string where = in_quotes(path) + " /checkpoints/" + name;
  if (!link_exists(root, name, where)) return;
  check_status(H5Ldelete(root, name.c_str(), H5P_DEFAULT), "cannot delete " + where);
}

}  // namespace

void CheckpointStore::checkpoint(const RunInfo& run, std::int64_t /*steps*/, StateDict&& state) {
  std::lock_guard<std::mutex> lock(mutex_);
  waiting_[run.run_index] = std::move(state);
  pending_.store(true, std::memory_order_relaxed);
}

void CheckpointStore::continuation(const RunInfo& run, StateDict&& state) {
  std::lock_guard<std::mutex> lock(mutex_);
  finals_[run.run_index] = std::move(state);
}

void CheckpointStore::write(hid_t file, const std::string& path) {
  std::map<std::int64_t, StateDict> todo;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    todo.swap(waiting_);
    pending_.store(false, std::memory_order_relaxed);
  }
  if (todo.empty()) return;
  const std::string where = in_quotes(path) + " /checkpoints";
  if (!link_exists(file, kGroup, where)) create_group(file, kGroup, where);
  hdf5::Group root = open_group(file, kGroup, where);
  for (const auto& [index, state] : todo) {
    const std::string name = run_name(index);
    hdf5::validate_state(path, "/checkpoints/" + name, state);
    delete_run_group(root.get(), name, path);
    hdf5::write_state_group(root.get(), name, state, where + "/" + name);
  }
}

void CheckpointStore::end_run(hid_t file, std::int64_t run_index, const std::string& path) {
  StateDict final_state;
  bool has_final = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    waiting_.erase(run_index);
    if (auto it = finals_.find(run_index); it != finals_.end()) {
      final_state = std::move(it->second);
      finals_.erase(it);
      has_final = true;
    }
  }
  const std::string name = run_name(run_index);
  if (has_final) {
    const std::string where = in_quotes(path) + " /continuation";
    hdf5::validate_state(path, "/continuation/" + name, final_state);
    if (!link_exists(file, kContinuation, where)) create_group(file, kContinuation, where);
    hdf5::Group root = open_group(file, kContinuation, where);
    if (link_exists(root.get(), name, where + "/" + name))
      check_status(H5Ldelete(root.get(), name.c_str(), H5P_DEFAULT),
                   "cannot delete " + where + "/" + name);
    hdf5::write_state_group(root.get(), name, final_state, where + "/" + name);
  }
  const std::string where = in_quotes(path) + " /checkpoints";
  if (!link_exists(file, kGroup, where)) return;
  hdf5::Group root = open_group(file, kGroup, where);
  delete_run_group(root.get(), name, path);
}

void CheckpointStore::remove_all(hid_t file, const std::string& path) {
  delete_or_set_aside(file, kGroup, path);
}

std::map<std::int64_t, StateDict> CheckpointStore::keep_unfinished(
    hid_t file, const std::string& path, const std::unordered_set<std::int64_t>& finished,
    unsigned long long max_bytes, std::vector<std::int64_t>& damaged) {
  std::map<std::int64_t, StateDict> out;
  const std::string where = in_quotes(path) + " /checkpoints";
  if (!link_exists(file, kGroup, where)) return out;
  std::vector<std::string> names, kept, finished_names;
  for (const std::string& name : link_names(file, kGroup, where)) names.push_back(name);
  std::sort(names.begin(), names.end());
  bool any_damaged = false;
  {
    hdf5::Group root = open_group(file, kGroup, where);
    for (const std::string& name : names) {
      const std::int64_t i = index_of_name(name);
      if (i < 0)
        throw Error("run file " + in_quotes(path) + ": /checkpoints holds '" + name +
                    "', which is not a run number: the file is damaged");
      // A checkpoint a kill left half-written (see objects_readable) cannot be read or
      // deleted: an unfinished run then starts over.
      bool readable = true;
      if (finished.count(i) > 0) {
        readable = objects_readable(root.get(), name);
        if (readable) finished_names.push_back(name);
      } else {
        try {
          out.emplace(i, hdf5::read_state_group(root.get(), name, where + "/" + name,
                                                static_cast<hsize_t>(max_bytes)));
          kept.push_back(name);
        } catch (const Error&) {
          readable = false;
          damaged.push_back(i);
        }
      }
      any_damaged = any_damaged || !readable;
    }
    if (!any_damaged) {
      for (const std::string& name : finished_names) delete_run_group(root.get(), name, path);
      return out;
    }
  }
  rebuild_group(file, kGroup, kept, H5P_DEFAULT, path);
  return out;
}

}  // namespace rlsim::runfile

namespace rlsim {

std::map<std::int64_t, StateDict> read_continuation_states(const std::string& path) {
  using namespace runfile;
  hdf5::Lock lock;
  const hdf5::File f = hdf5::open_existing(path, H5F_ACC_RDONLY, "run file", false);
  const hid_t file = f.get();
  const hsize_t max_bytes = limits_for(file).max_bytes;
  std::map<std::int64_t, StateDict> out;
  const std::string where = in_quotes(path) + " /continuation";
  if (!link_exists(file, kContinuation, where)) return out;
  hdf5::Group root = open_group(file, kContinuation, where);
  for (const std::string& name : link_names(file, kContinuation, where)) {
    const std::int64_t i = index_of_name(name);
    if (i < 0)
      throw Error("run file " + in_quotes(path) + ": /continuation holds '" + name +
                  "', which is not a run number: the file is damaged");
    out.emplace(i, hdf5::read_state_group(root.get(), name, where + "/" + name, max_bytes));
  }
  return out;
}

}  // namespace rlsim

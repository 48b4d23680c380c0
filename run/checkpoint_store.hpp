// The run file's checkpoints of runs in progress (RunSpec::checkpoint_every;
// run/run_checkpoint.hpp holds what one is; docs/log-format.md "Checkpoints").
//
// Layout: /checkpoints/NNNNNN (a run in progress, 6-digit index as in /runs) is the run's
// latest checkpoint as a state-dict group (core/state_dict_io.hpp layout: one float64
// dataset per entry, '/' in entry names as subgroups, the attribute
// rlsim_state_dict_version = 1).
//
// Contract:
// - CheckpointStore is the runner's CheckpointSink: checkpoint() is thread-safe and only
//   keeps the run's latest checkpoint in memory (a newer one replaces a waiting one).
// - write(), end_run() and the static functions are called by ExperimentWriter under the
//   hdf5::Lock; write() just before each flush (and before the file is closed after a stop
//   signal), replacing the run's group: the file on disk holds, for each unfinished run,
//   the checkpoint of some flush, never a part of one. end_run() forgets a run and deletes
//   its group when the run is written whole (the same flush makes both changes); finish()
//   deletes /checkpoints, so a complete file has none.
// - keep_unfinished() (resume, WriteMode::append): deletes the groups of runs that
//   run_table lists and returns the others' checkpoints, by run index. A checkpoint that
//   cannot be read (a kill during a flush left it half-written; run/run_file_io.hpp) is
//   listed in `damaged` and its run starts over: /checkpoints is rebuilt from the readable
//   checkpoints of unfinished runs and the old group is set aside in /damaged.
//   remove_all() sets a group holding damage aside the same way instead of deleting it.
// - Continuation states (CheckpointSink::continuation, the END-OF-LOOP state of a finished
//   run, in the same format as a checkpoint): kept in memory until end_run(), which writes
//   it as /continuation/NNNNNN in the same flush as the run's rows. finish() leaves them:
//   a complete file keeps one per run, and `rlsim run --continue` reads them with
//   read_continuations() (docs/log-format.md "Continuation states").
#pragma once
#include <hdf5.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/state_dict.hpp"
#include "run/run_checkpoint.hpp"

namespace rlsim::runfile {

class CheckpointStore : public CheckpointSink {
 public:
  void checkpoint(const RunInfo& run, std::int64_t steps, StateDict&& state) override;
  void continuation(const RunInfo& run, StateDict&& state) override;
  // Whether checkpoints wait for write().
  bool pending() const { return pending_.load(std::memory_order_relaxed); }
  // Under the hdf5::Lock: writes the waiting checkpoints to /checkpoints of `file`.
  void write(hid_t file, const std::string& path);
  // Under the hdf5::Lock: the run is being written whole: forget it, delete its group, and
  // write its continuation state, when it has one.
  void end_run(hid_t file, std::int64_t run_index, const std::string& path);
  // Under the hdf5::Lock: deletes /checkpoints, if there is one.
  static void remove_all(hid_t file, const std::string& path);
  // Under the hdf5::Lock (see the header comment).
  static std::map<std::int64_t, StateDict> keep_unfinished(
      hid_t file, const std::string& path, const std::unordered_set<std::int64_t>& finished,
      unsigned long long max_bytes, std::vector<std::int64_t>& damaged);

 private:
  std::mutex mutex_;
  std::map<std::int64_t, StateDict> waiting_;
  std::map<std::int64_t, StateDict> finals_;  // continuation states waiting for end_run
  std::atomic<bool> pending_{false};
};

}  // namespace rlsim::runfile

// Live rows: the evaluation rows and training diagnostics of runs still in progress,
// written into the run file at each flush, so that a long run can be watched while it
// trains (`rlsim watch`, `rlsim analyze`, `rlsim plot`; docs/log-format.md "Live rows").
//
// Layout: /live/NNNNNN (a run in progress, 6-digit index as in /runs) with the attributes
// `steps` (int64: the run's env steps at its last report), `seed_index` (int64) and the
// strings of table 2b (`env_id`, `agent_id`, `env_params`, `agent_params`, `group`), the
// subgroup `eval` (columns
// step, return, length: table 6 without `run`) and, when the agent records diagnostics,
// the subgroup `diagnostics` (table 7's layout, uncompressed). Every dataset is 1-D,
// chunked and extendible; each flush appends the rows since the last one.
//
// Contract:
// - LiveTables is the runner's LiveSink (run/runner.hpp): update() is thread-safe and only
//   copies rows into memory. A run is live once it has run `min_seconds` (the writer's flush
//   interval), so a sweep of short runs creates no /live groups at all.
// - write(), end_run() and remove_all() are called by ExperimentWriter under the
//   hdf5::Lock, write() just before each flush: the live rows obey the writer's crash
//   safety (the file on disk is the state of a flush). end_run() deletes a run's /live
//   group when its rows go to the experiment-wide tables (the same flush makes both
//   changes); finish() and resume remove /live, so a finished file has none, and its
//   results are those of a file written without live rows.
// - The rows are held by the LiveRowBuffer base (run/live_rows.hpp) until write(). Under MPI
//   the rows of the worker ranks' runs reach it through add() (experiments/mpi_runner.cpp);
//   they are written as those of rank 0's own runs. The test hook RLSIM_TEST_LIVE_CRASH is
//   described in run/live_rows.hpp.
// - read_live_runs() (readers): the /live runs that run_table does not list, sorted.
#pragma once
#include <hdf5.h>

#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/run_result.hpp"
#include "run/hdf5_log.hpp"
#include "run/live_rows.hpp"
#include "run/run_file_io.hpp"
#include "run/runner.hpp"

namespace rlsim::runfile {

// Writes a LiveRowBuffer's rows (its own runs' and those add()ed from MPI worker ranks)
// into the run file.
class LiveTables : public LiveRowBuffer {
 public:
  using LiveRowBuffer::LiveRowBuffer;
  // Under the hdf5::Lock: appends the waiting rows to /live/NNNNNN of `file`.
  void write(hid_t file, const std::string& path, hid_t gcpl);
  // After the writer's flush: the test hook's SIGKILL when it is due (run/live_rows.hpp).
  void after_flush();
  // Under the hdf5::Lock: the run is being written whole: forget it, delete its /live group.
  void end_run(hid_t file, std::int64_t run_index, const std::string& path);
  // Under the hdf5::Lock: deletes /live, if there is one.
  static void remove_all(hid_t file, const std::string& path);

 private:
  std::set<std::int64_t> crash_written_;  // crash_runs() whose eval rows write() wrote
};

// The runs in /live of `file` that `listed` (run_table's run indices) does not hold,
// sorted by run index; none when the file has no /live.
std::vector<LiveRun> read_live_runs(hid_t file, const std::string& where,
                                    const std::unordered_set<std::int64_t>& listed,
                                    const ReadLimits& lim);

}  // namespace rlsim::runfile

// Live rows in memory: the evaluation rows and training diagnostics of runs in progress,
// collected from the runner (LiveSink) until they are written to the run file
// (run/live_tables.hpp, a LiveRowBuffer that writes) or, on an MPI worker rank, sent to
// rank 0 (experiments/mpi_runner.cpp, which keeps this buffer free of HDF5 and MPI).
//
// Contract:
// - update() is thread-safe and only copies the rows the run's tables gained since its last
//   call. A run is live once it has run `min_seconds` (the writer's flush interval); before
//   that its rows are not held, and when it becomes live all its rows so far are, so a
//   sweep of short runs holds nothing.
// - take() hands the waiting rows over (one LiveRows per live run with new rows or steps;
//   the first one of a run even with none) and add() takes such rows from another buffer:
//   the run is live at once. forget() drops a run that has ended.
// - Test hook (tests only): with the environment variable RLSIM_TEST_LIVE_CRASH=N (or a
//   list N,M,…), run N waits in update() once it has evaluation rows, so it never ends (it
//   waits once, for at most 60 s); the writer of the file kills itself (SIGKILL) after the
//   first flush by which it has written evaluation rows of every listed run
//   (LiveTables::after_flush). A deterministic "the file was written while these runs were
//   in progress, and then the writer crashed", whatever the machine's speed
//   (tests/experiments/test_live.cpp, test_mpi_live.cpp).
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <vector>

#include "core/run_result.hpp"
#include "run/runner.hpp"

namespace rlsim {

// The rows of one live run handed from one buffer to another (an MPI worker rank's to rank
// 0's): its ids, its env steps, and its eval and diagnostics rows since the last hand-over.
struct LiveRows {
  RunInfo info;
  std::int64_t steps = 0;
  EvalTable eval;
  DiagnosticsTable diag;
};

class LiveRowBuffer : public LiveSink {
 public:
  // Reads RLSIM_TEST_LIVE_CRASH (see the header); a value that is not a run index is an
  // rlsim::Error.
  explicit LiveRowBuffer(double min_seconds);
  void update(const RunInfo& run, std::int64_t steps, const EvalTable& evaluations,
              const DiagnosticsTable* diagnostics) override;
  double min_seconds() const { return min_seconds_; }
  // Whether rows (or steps) wait.
  bool pending() const { return pending_.load(std::memory_order_relaxed); }
  // The waiting rows, which then no longer wait.
  std::vector<LiveRows> take();
  // Rows from another buffer's take(), appended to the run's waiting rows.
  void add(const LiveRows& rows);
  // The run has ended: its waiting rows are dropped.
  void forget(std::int64_t run_index);

 protected:
  struct Run {
    std::chrono::steady_clock::time_point first_seen;
    bool live = false;  // has run min_seconds: its rows are held
    std::int64_t steps = 0;
    bool steps_changed = false;
    std::size_t eval_seen = 0, diag_seen = 0;  // rows of the run's own tables copied
    EvalTable eval;                            // rows waiting
    DiagnosticsTable diag;
    bool in_file = false;  // handed over once (LiveTables: /live/NNNNNN exists)
    RunInfo info;          // its ids and parameters (attributes of /live/NNNNNN)
  };
  // Whether `r` has something to hand over or write.
  static bool has_news(const Run& r) {
    return r.live && (r.steps_changed || r.eval.size() > 0 || r.diag.size() > 0 || !r.in_file);
  }
  const std::set<std::int64_t>& crash_runs() const { return crash_runs_; }

  std::mutex mutex_;
  std::map<std::int64_t, Run> runs_;
  std::atomic<bool> pending_{false};

 private:
  // Under mutex_: copies the rows of the run's tables not seen yet.
  void copy_new_rows(const RunInfo& run, std::int64_t steps, const EvalTable& evaluations,
                     const DiagnosticsTable* diagnostics,
                     std::chrono::steady_clock::time_point now);
  double min_seconds_;
  std::set<std::int64_t> crash_runs_;  // RLSIM_TEST_LIVE_CRASH, empty when unset
  std::set<std::int64_t> crash_held_;  // those held (under mutex_)
};

}  // namespace rlsim

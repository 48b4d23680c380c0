// Live progress of `rlsim run`: what the user sees while an experiment runs.
//
// On a terminal (Mode::bar) a bar redrawn four times a second on stderr:
//   [#########---------------]  37/100 runs  3.7M/10.0M steps  1.2M steps/s  elapsed 0m12s  ETA
//   0m20s
// Elsewhere (Mode::plain: a log file, a pipe, a batch job) the same numbers as plain lines,
// at most one every `every_seconds`, and always one when the experiment ends:
//   progress: 37/100 runs, 3.7M/10.0M steps, 1.2M steps/s, elapsed 0m12s, ETA 0m20s
// Steps are the env steps the runs have taken (each run adds its steps to RunCounters every
// 4096 steps, run/runner.hpp), so a few long runs show progress long before the first ends.
// The step budget is the sum of the runs' step budgets, each replaced by the steps the run
// took once it has ended (an episode budget may end it early); the bar and the ETA follow
// the steps then. When a run has no step budget (episodes only) the budget is unknown: the
// line shows the steps done alone, and the bar and the ETA follow the runs.
// In both modes a line when a run group (the runs that differ only in their seed) has all
// its runs done, named by its env and agent and the parameters the config gives them:
//   done: FrozenLake-v1 / q-learning alpha=0.5: 20 runs, return (last 100) 0.712 ± 0.031
//   done: BernoulliBandit-v0 / ucb1: 20 runs, final regret 133.3 ± 12.4
// (mean over runs of each run's mean return over its last K episodes — "all N" when the runs
// had only N < K, each run's own count when they differ — or of its final pseudo-regret, ±
// the 95% Student-t half-width across runs; as `rlsim analyze`). Lists in the parameters are
// shortened as analyze shows them ("means=[0.5, 9×0.4]"). Counts cover the
// runs of this invocation (with --resume, the runs still missing). Mode::off prints nothing.
//
// No Debian package offers a C++ terminal progress bar (checked: none in Debian 12), so this
// is a small component of our own; the format functions are separate so tests can check the
// non-terminal output without timing.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "run/runner.hpp"

namespace rlsim {

// "0m05s", "1h02m03s"; "?" for negative or absurd values.
std::string format_duration(double seconds);
// "950.0", "12.3k", "4.5M".
std::string format_rate(double per_second);
// The plain (non-terminal) progress line, without a newline. `step_budget`: > 0 the
// experiment's step budget (steps done / budget are shown, the ETA follows the steps); 0
// unknown (the steps done are shown, the ETA follows the runs); < 0 no step count at all.
std::string progress_plain_line(std::int64_t runs_done, std::int64_t runs_total, std::int64_t steps,
                                double elapsed_seconds, std::int64_t step_budget = -1);
// The terminal bar line (no carriage return or newline), `width` characters of bar.
std::string progress_bar_line(std::int64_t runs_done, std::int64_t runs_total, std::int64_t steps,
                              double elapsed_seconds, int width = 24,
                              std::int64_t step_budget = -1);
// The line printed when a group's `runs` are all done; `returns` and `regrets` hold one value
// per run that has one (runs without a finished episode, or non-bandit runs, have none).
// `fewest`/`most`: the fewest and most episodes a run's return averaged (0: last_k).
std::string group_done_line(const std::string& group, std::int64_t runs,
                            const std::vector<double>& returns, const std::vector<double>& regrets,
                            std::int64_t last_k, std::int64_t fewest = 0, std::int64_t most = 0);

class Progress {
 public:
  enum class Mode { off, bar, plain };
  // `runs`: the runs this invocation will execute (for the group sizes). The display starts
  // at once and ends with stop() or the destructor.
  Progress(RunCounters& counters, const std::vector<RunSpec>& runs, Mode mode, std::ostream& os,
           std::int64_t last_k = 100, double every_seconds = 10.0);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Call for every finished run (from the runner's on_complete: one caller at a time).
  void run_finished(const RunResult& r);
  // Ends the display; with `final_line`, a plain-mode experiment gets its closing line.
  void stop(bool final_line = true);

 private:
  void loop();
  void print_line();
  RunCounters& c_;
  Mode mode_;
  std::ostream& os_;
  std::int64_t total_, last_k_;
  double every_;
  std::chrono::steady_clock::time_point t0_;
  std::map<std::int64_t, std::size_t> group_of_run_;    // run index → group number
  std::map<std::int64_t, std::int64_t> budget_of_run_;  // run index → its step budget
  // The step budget (0: unknown, a run has none); guarded by mutex_.
  std::int64_t step_budget_ = 0;
  std::vector<std::string> group_label_;
  std::vector<std::int64_t> group_size_, group_runs_;
  std::vector<std::vector<double>> group_returns_, group_regrets_;
  std::vector<std::int64_t> group_fewest_, group_most_;  // episodes averaged per run
  std::mutex mutex_;                                     // one writer at a time on os_
  std::atomic<bool> done_{false};
  // The loop waits on wake_ between lines, so stop() ends it at once rather than after the
  // rest of a 250 ms sleep (which every short `rlsim run` used to wait at exit).
  std::mutex wait_mutex_;
  std::condition_variable wake_;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace rlsim

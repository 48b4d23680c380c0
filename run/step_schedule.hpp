// StepSchedule: whether VectorEnv (run/vector_env.hpp) steps its copies on its WorkerPool or
// serially on the calling thread, decided by timing both (issue 18; docs/vector-env.md).
//
// Why: handing a step to a second core costs a round trip of a cache line or more (0.2–2 µs
// here, BENCHMARKS.md), so a light env's step (64 CartPoles: 1.7 µs) can be slower on two
// threads than on one, and on a busy machine a worker may not run at all. The auto rule
// measures instead of guessing: every `interval` steps a probe of 2 (kProbePairs + 1) steps
// alternates serial and parallel ones and times each (the first pair is a warm-up: it wakes
// sleeping workers); the following steps go the way whose median step was faster, parallel
// only if it saved kMargin. The interval doubles (up to kMaxInterval) while the choice holds
// and drops back to kMinInterval when it changes.
//
// Contract: the schedule only decides which thread steps which copy, never what a copy
// computes, so results do not depend on it. run(step) calls step(parallel) once per vector
// step; a step that throws is not counted (the next one takes its place in the probe).
// Forced schedules (tests, benchmarks): serial, parallel, or workers (parallel, and block k
// always on worker k: the caller never takes a late worker's block over).
#pragma once
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <string>

namespace rlsim {

class StepSchedule {
 public:
  enum class Mode { automatic, serial, parallel, workers };
  static constexpr const char* kModeNames[4] = {"auto", "serial", "parallel", "workers"};
  static constexpr int kProbePairs = 3;
  static constexpr std::int64_t kMinInterval = 64, kMaxInterval = 4096;  // steps
  static constexpr double kMargin = 0.9;  // parallel must save 10% of a serial step

  // What the auto rule measured last: its choice, the medians of its timed serial and
  // parallel steps (ns, 0 before the first probe), probes done, the steps between probes.
  struct Stats {
    bool parallel = false;
    double serial_ns = 0, parallel_ns = 0;
    std::int64_t probes = 0;
    std::int64_t interval = kMinInterval;
  };

  Mode mode() const { return mode_; }
  // Sets the mode and forgets what the auto rule measured (also after a new pool).
  void set_mode(Mode m) {
    mode_ = m;
    restart();
  }
  void restart() { auto_ = Auto{}; }
  const Stats& stats() const { return auto_.stats; }

  // Whether a step that is not a probe runs on the pool (`pool` false: there is none).
  bool parallel(bool pool) const {
    if (!pool || mode_ == Mode::serial) return false;
    return mode_ != Mode::automatic || auto_.stats.parallel;
  }

  // One vector step: step(bool parallel), by the mode or the auto rule.
  template <class Step>
  void run(bool pool, const Step& step) {
    if (!pool || mode_ != Mode::automatic) return step(parallel(pool));
    Auto& a = auto_;
    if (a.probe < 0 && a.until_probe > 0) {
      --a.until_probe;
      return step(a.stats.parallel);
    }
    if (a.probe < 0) a.probe = 0;
    const bool par = a.probe % 2 == 1;
    const auto start = std::chrono::steady_clock::now();
    step(par);  // a throwing step is not counted: the next one takes its place
    const std::int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::steady_clock::now() - start)
                                .count();
    if (a.probe >= 2) (par ? a.parallel_times : a.serial_times)[a.probe / 2 - 1] = ns;
    if (++a.probe < 2 * (kProbePairs + 1)) return;
    const auto median = [](std::array<std::int64_t, kProbePairs> t) {
      std::sort(t.begin(), t.end());
      return static_cast<double>(t[kProbePairs / 2]);
    };
    Stats& s = a.stats;
    s.serial_ns = median(a.serial_times);
    s.parallel_ns = median(a.parallel_times);
    const bool choice = s.parallel_ns < kMargin * s.serial_ns;
    s.interval = choice == s.parallel ? std::min(2 * s.interval, kMaxInterval) : kMinInterval;
    s.parallel = choice;
    a.until_probe = s.interval;
    a.probe = -1;
    ++s.probes;
  }

 private:
  struct Auto {
    Stats stats;
    int probe = -1;                // step within the current probe, -1 outside one
    std::int64_t until_probe = 0;  // steps before the next probe
    std::array<std::int64_t, kProbePairs> serial_times{}, parallel_times{};  // ns
  };
  Mode mode_ = Mode::automatic;
  Auto auto_;
};

}  // namespace rlsim

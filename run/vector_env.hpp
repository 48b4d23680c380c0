// VectorEnv: N copies of one env stepped together, for agents that learn from several
// envs at once (A2C, PPO), and for the Python package's make_vec. Copies are stepped on a
// thread pool when threads > 1 and that is faster (below); each copy owns its RNG stream, so
// trajectories do not depend on the thread count.
//
// Seeding: reset(seed) resets copy i with derive_seed(seed, i, "vector-env"), or with seed + i
// when the copies use seeding = "gymnasium" (Gymnasium's vector envs' rule).
// Auto-reset ("same step", as Stable-Baselines3's VecEnv and Gymnasium's SAME_STEP mode):
// when step() ends copy i's episode (terminated or truncated), the copy is reset at once
// (without a seed: its stream continues); obs(i) is then the first observation of the new
// episode, final_obs(i) the last observation of the ended one, and reward/terminated/
// truncated(i) belong to the ended episode's last step. final_obs(i) is only meaningful
// when done(i).
// Auto-reset "next step" (Autoreset::next_step, Gymnasium 1.x's default for its vector envs,
// used by the Python package's make_vec): when step() ends copy i's episode, obs(i) is the
// ended episode's last observation and the copy is not reset yet; the next step() resets it
// instead of stepping it (its action is ignored), with reward 0 and terminated/truncated
// false, and obs(i) the first observation of the new episode.
//
// Threads: with threads > 1 the copies are split into min(threads, N) blocks, one per
// thread of a WorkerPool (run/worker_pool.hpp: persistent threads, the caller's block first,
// a late worker's block taken over by the caller), and whether a step uses the pool at all is
// StepSchedule's auto rule (run/step_schedule.hpp): it times serial and pooled steps now and
// then and takes the faster, so a light env (64 CartPoles) is not slowed by the hand-off and
// a busy machine does not stall the steps. (This replaced an OpenMP region per step, which
// cost microseconds per step and collapsed under load: BENCHMARKS.md.) A VectorEnv built
// inside an active OpenMP parallel region (runs executed in parallel) steps serially, as the
// nested region did before. Results never depend on the threads or the schedule: each copy
// has its own env and stream, and only which thread steps which copy changes.
// Errors: an exception from a copy (e.g. a bad action) is caught per copy and the lowest
// failing copy's is rethrown after the step; an rlsim::Error is rethrown prefixed with
// "vector env copy i of N" (the lowest failing index, whatever the thread count).
// No allocation per step: every Value is sized once, in the constructor.
//
// step(actions, after) and reset(seeds, after) call after(i) on the thread that stepped or
// reset copy i, right after it (the Python package copies each copy's results out there,
// while they are in that core's cache); after must not throw.
#pragma once
#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/env.hpp"
#include "core/space.hpp"
#include "run/step_schedule.hpp"
#include "run/worker_pool.hpp"

namespace rlsim {

enum class Autoreset { same_step, next_step };

class VectorEnv {
 public:
  // All envs must have the same spec (id and spaces); throws rlsim::Error otherwise.
  explicit VectorEnv(std::vector<std::unique_ptr<Env>> envs, int threads = 1,
                     Autoreset autoreset = Autoreset::same_step);

  std::size_t size() const { return envs_.size(); }
  const EnvSpec& spec() const { return envs_.front()->spec(); }
  Env& env(std::size_t i) { return *envs_[i]; }
  // threads >= 1: the pool's threads, the caller included (at most size(); 1 inside an active
  // OpenMP parallel region). Setting it starts a new pool and a new measurement.
  void set_threads(int threads);
  int threads() const { return threads_; }
  // The threads that step the copies when a step runs on the pool (1: no pool).
  int pool_threads() const { return pool_ ? pool_->size() : 1; }
  // Whether steps run on the pool: forced, or measured (StepSchedule); results never change.
  StepSchedule& schedule() { return schedule_; }
  const StepSchedule& schedule() const { return schedule_; }

  void reset(std::uint64_t seed);
  // Resets copy i with seeds[i] (nullopt: without a seed, its stream continues);
  // seeds.size() must equal size().
  void reset(std::span<const std::optional<std::uint64_t>> seeds) {
    reset(seeds, [](std::size_t) {});
  }
  template <class After>
  void reset(std::span<const std::optional<std::uint64_t>> seeds, const After& after) {
    check_count(seeds.size(), "VectorEnv::reset", "seeds", "give one seed per copy");
    run_copies(schedule_.parallel(pool_ != nullptr), [&](std::size_t i) {
      reset_copy(i, seeds[i]);
      after(i);
    });
  }
  // actions.size() must equal size(); each action is validated by its env.
  void step(std::span<const Value> actions) {
    step(actions, [](std::size_t) {});
  }
  template <class After>
  void step(std::span<const Value> actions, const After& after) {
    check_count(actions.size(), "VectorEnv::step", "actions", "give one action per copy");
    schedule_.run(pool_ != nullptr, [&](bool parallel) {
      run_copies(parallel, [&](std::size_t i) {
        step_copy(i, actions[i]);
        after(i);
      });
    });
  }

  std::span<const Value> obs() const { return obs_; }
  const Value& obs(std::size_t i) const { return obs_[i]; }
  const Value& final_obs(std::size_t i) const { return final_obs_[i]; }
  double reward(std::size_t i) const { return results_[i].reward; }
  bool terminated(std::size_t i) const { return results_[i].terminated; }
  bool truncated(std::size_t i) const { return results_[i].truncated; }
  bool done(std::size_t i) const { return results_[i].terminated || results_[i].truncated; }
  const StepResult& result(std::size_t i) const { return results_[i]; }

 private:
  // One copy's reset or step, with the auto-reset rules above.
  void reset_copy(std::size_t i, std::optional<std::uint64_t> seed);
  void step_copy(std::size_t i, const Value& action);
  void check_count(std::size_t got, const char* call, const char* what, const char* fix) const;
  // Rethrows the lowest failing copy's exception (an rlsim::Error prefixed with its copy)
  // and clears the others.
  [[noreturn]] void rethrow_first_error();

  // Runs op(i) for every copy i in blocks [b N / B, (b + 1) N / B), B the pool's threads:
  // all on the caller (`parallel` false) or one block per pool thread.
  template <class Op>
  void run_copies(bool parallel, const Op& op) {
    const std::size_t n = envs_.size();
    const std::size_t blocks = pool_ ? static_cast<std::size_t>(pool_->size()) : 1;
    std::atomic<bool> failed{false};
    const auto block = [&](std::uint32_t b) {
      for (std::size_t i = b * n / blocks; i < (b + 1) * n / blocks; ++i) {
        try {
          op(i);
        } catch (...) {
          errors_[i] = std::current_exception();
          failed.store(true, std::memory_order_relaxed);
        }
      }
    };
    if (parallel && pool_)
      pool_->run(block, schedule_.mode() != StepSchedule::Mode::workers);
    else
      for (std::uint32_t b = 0; b < blocks; ++b) block(b);
    if (failed.load(std::memory_order_relaxed)) rethrow_first_error();
  }

  std::vector<std::unique_ptr<Env>> envs_;
  std::vector<Value> obs_;
  std::vector<Value> final_obs_;
  std::vector<StepResult> results_;
  std::vector<std::exception_ptr> errors_;
  std::vector<std::uint8_t> pending_reset_;  // next_step mode: copy i resets at the next step
  std::unique_ptr<WorkerPool> pool_;         // null: one thread
  StepSchedule schedule_;
  int threads_ = 1;
  Autoreset autoreset_ = Autoreset::same_step;
};

}  // namespace rlsim

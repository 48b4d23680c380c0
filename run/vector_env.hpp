// VectorEnv: N copies of one env stepped together, for agents that learn from several
// envs at once (A2C, PPO). Copies are stepped in parallel with OpenMP when threads > 1;
// each copy owns its RNG stream, so trajectories do not depend on the thread count.
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
// Threads: with threads > 1 the copies are split over OpenMP threads (schedule(static));
// with 1 no parallel region is opened (a VectorEnv inside a parallel run stays serial).
// Errors: an exception from a copy (e.g. a bad action) is caught inside the parallel region
// and rethrown after it; an rlsim::Error is rethrown prefixed with "vector env copy i of N"
// (the lowest failing index, whatever the thread count).
// No allocation per step: every Value is sized once, in the constructor.
#pragma once
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/env.hpp"
#include "core/space.hpp"

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
  void set_threads(int threads);  // threads >= 1
  int threads() const { return threads_; }

  void reset(std::uint64_t seed);
  // Resets copy i with seeds[i] (nullopt: without a seed, its stream continues);
  // seeds.size() must equal size().
  void reset(std::span<const std::optional<std::uint64_t>> seeds);
  // actions.size() must equal size(); each action is validated by its env.
  void step(std::span<const Value> actions);

  std::span<const Value> obs() const { return obs_; }
  const Value& obs(std::size_t i) const { return obs_[i]; }
  const Value& final_obs(std::size_t i) const { return final_obs_[i]; }
  double reward(std::size_t i) const { return results_[i].reward; }
  bool terminated(std::size_t i) const { return results_[i].terminated; }
  bool truncated(std::size_t i) const { return results_[i].truncated; }
  bool done(std::size_t i) const { return results_[i].terminated || results_[i].truncated; }
  const StepResult& result(std::size_t i) const { return results_[i]; }

 private:
  // Resets (stepping = false, with `seeds`, or derived from `seed` when empty) or steps
  // every copy, in parallel if asked.
  void run_copies(bool stepping, std::uint64_t seed,
                  std::span<const std::optional<std::uint64_t>> seeds,
                  std::span<const Value> actions);

  std::vector<std::unique_ptr<Env>> envs_;
  std::vector<Value> obs_;
  std::vector<Value> final_obs_;
  std::vector<StepResult> results_;
  std::vector<std::exception_ptr> errors_;
  std::vector<std::uint8_t> pending_reset_;  // next_step mode: copy i resets at the next step
  int threads_ = 1;
  Autoreset autoreset_ = Autoreset::same_step;
};

}  // namespace rlsim

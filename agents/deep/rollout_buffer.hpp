// RolloutBuffer: the rollout of an on-policy agent (A2C, PPO), as Stable-Baselines3's
// RolloutBuffer, and the minibatches its update reads.
//
// Contract:
// - A rollout is n_steps steps × n_envs envs, stored step-major (row t·n_envs + i is step t
//   of env i). Per row: the policy's input (the observation as normalised for the network,
//   obs_dim floats), the action as the update needs it (`action_width` floats: the index
//   of a Discrete action, or the unclipped Gaussian sample of a Box action), its log-prob,
//   V(s), the (scaled) reward, the terminated / truncated flags and V(final observation)
//   of a truncated step (advantage.hpp).
// - Collection: the acting step writes each env's row of the current step (set_action) and
//   the step's observations (set_observations); the outcome writes the flags
//   (set_outcome), the rewards (set_rewards) and the final values, then advance() moves to
//   the next step. full() after n_steps steps; compute_targets() then fills the GAE
//   advantages and returns, and clear() starts the next rollout.
// - Minibatches: gather() copies rows in a given order into a Minibatch (sized once by
//   make_minibatch(), no allocation after); MinibatchPass walks an order batch_size rows at
//   a time, the last minibatch possibly smaller; shuffle_rows() draws the order of a PPO
//   epoch (Fisher–Yates).
// - save/load: "<prefix>obs|actions|log_probs|values|rewards|final_values|terminated|
//   truncated" (the partial rollout; advantages and returns are recomputed when it is full).
//   The position is the owner's to save (with its counters).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "core/state_dict.hpp"

namespace rlsim {

// Rows of a rollout copied out for one gradient step.
struct Minibatch {
  std::int64_t rows = 0;
  std::vector<float> obs, actions, log_probs, values, advantages, returns;
  std::vector<std::int64_t> labels;  // Discrete actions: the indices; empty for Box
  // Advantages to mean 0, std 1 (unbiased std + 1e-8, as SB3); nothing with fewer than 2 rows.
  void normalize_advantages();
};

class RolloutBuffer {
 public:
  // `discrete`: actions are indices (one float per row, also given as Minibatch::labels).
  RolloutBuffer(std::int64_t n_envs, std::int64_t n_steps, std::int64_t obs_dim,
                std::int64_t action_width, bool discrete);

  std::int64_t n_envs() const { return n_envs_; }
  std::int64_t n_steps() const { return n_steps_; }
  std::int64_t size() const { return n_envs_ * n_steps_; }
  std::int64_t position() const { return pos_; }
  bool full() const { return pos_ == n_steps_; }

  // The current step. Env i's action (action_width floats), its log-prob and V(s).
  void set_action(std::int64_t env, std::span<const float> action, float log_prob, float value);
  // The n_envs observations the actions were chosen on, row-major.
  void set_observations(std::span<const float> obs);
  // Env i's flags (a step both terminated and truncated counts as terminated); its final
  // value is reset to 0 until set_final_value.
  void set_outcome(std::int64_t env, bool terminated, bool truncated);
  bool truncated(std::int64_t env) const;
  void set_rewards(std::span<const float> rewards);  // n_envs
  void set_final_value(std::int64_t env, float value);
  void advance() { ++pos_; }
  void clear() { pos_ = 0; }
  // Throws rlsim::Error naming `owner` when `pos` is not in [0, n_steps] (a loaded state).
  void set_position(std::int64_t pos, const std::string& owner);

  // GAE(λ) advantages and returns of the full rollout, from V(s_T) of each env.
  void compute_targets(std::span<const float> last_values, double gamma, double gae_lambda);
  std::span<const float> values() const { return values_; }
  std::span<const float> returns() const { return returns_; }

  // A minibatch with room for the whole rollout.
  Minibatch make_minibatch() const;
  // Copies rows `rows` (in that order) into `out`.
  void gather(std::span<const std::int64_t> rows, Minibatch& out) const;

  void save(StateDict& out, const std::string& prefix) const;
  // Throws rlsim::Error naming `owner` when an entry is missing or has another size.
  void load(const StateDict& in, const std::string& prefix, const std::string& owner);

 private:
  std::size_t row(std::int64_t env) const { return static_cast<std::size_t>(pos_ * n_envs_ + env); }

  std::int64_t n_envs_, n_steps_, obs_dim_, action_width_;
  bool discrete_;
  std::int64_t pos_ = 0;
  std::vector<float> obs_, actions_, log_probs_, values_, rewards_, final_values_;
  std::vector<std::uint8_t> terminated_, truncated_;
  std::vector<float> advantages_, returns_;
};

// `order` (resized to `rows`) ← a uniformly random permutation of 0 … rows−1: the identity,
// then Fisher–Yates swaps k ↔ rng.integer(0, k) for k = rows−1 down to 1.
void shuffle_rows(std::vector<std::int64_t>& order, std::int64_t rows, Rng& rng);

// One pass over a rollout in `order`, batch_size rows at a time (the last minibatch may be
// smaller):  for (MinibatchPass pass(rollout, order, 64); pass.next(mb);) { ... }
class MinibatchPass {
 public:
  MinibatchPass(const RolloutBuffer& rollout, std::span<const std::int64_t> order,
                std::int64_t batch_size);
  // Gathers the next minibatch into `out`; false when the pass is over.
  bool next(Minibatch& out);

 private:
  const RolloutBuffer& rollout_;
  std::span<const std::int64_t> order_;
  std::int64_t batch_size_;
  std::int64_t start_ = 0;
};

}  // namespace rlsim

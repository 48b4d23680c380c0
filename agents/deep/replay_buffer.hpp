// Experience replay for DQN (Lin 1992; Mnih et al. 2015), with n-step returns (Sutton
// 1988; Hessel et al. 2018 "Rainbow", §2) and proportional prioritized sampling (Schaul
// et al. 2016, "Prioritized Experience Replay", ICLR).
//
// ReplayBuffer is a ring of `capacity` transitions in preallocated float arrays (no heap
// allocation after construction): obs, action (a Discrete index for DQN, or `action_dim`
// floats for Box actions: SAC, TD3, DDPG), n-step return G, the observation after
// the last step of the window, and its bootstrap discount d (γ^k after k steps, 0 when the
// window ended in a real termination). The TD target is y = G + d·V(next_obs). Once full,
// each add overwrites the oldest transition.
//
// NStepWindow turns single env steps into those n-step transitions. Gymnasium's meaning
// of the flags is kept: a termination ends the MDP, so the windows that contain it stop
// there with d = 0; a truncation (time limit) only cuts the episode, so the windows that
// contain it stop there and bootstrap from the final observation, d = γ^k. At either end
// the pending (shorter) windows are flushed, oldest first.
//
// Prioritized sampling (proportional variant, §3.3): P(i) = p_i^α / Σ_k p_k^α with
// p_i = |δ_i| + ε; new transitions get the largest priority seen so far. The batch is
// drawn stratified: one prefix uniform in each of B equal segments of [0, Σ). Importance
// weights w_i = (N·P(i))^(−β) are divided by the largest weight of the batch (as
// Dopamine's prioritized replay does; the paper's "normalize by 1/max_i w_i").
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "agents/deep/sum_tree.hpp"
#include "core/rng.hpp"
#include "core/state_dict.hpp"

namespace rlsim {

class ReplayBuffer {
 public:
  // action_dim = 0: Discrete actions (one index each); >= 1: Box actions of that many floats.
  ReplayBuffer(std::int64_t capacity, std::int64_t obs_dim, std::int64_t action_dim = 0);
  std::int64_t capacity() const { return capacity_; }
  std::int64_t size() const { return size_; }
  std::int64_t obs_dim() const { return obs_dim_; }
  std::int64_t action_dim() const { return action_dim_; }
  std::int64_t next_index() const { return pos_; }
  // Stores one transition; returns the slot it went to. The first form is for a buffer of
  // Discrete actions, the second for Box actions (action.size() == action_dim).
  std::int64_t add(std::span<const float> obs, std::int64_t action, float ret,
                   std::span<const float> next_obs, float discount);
  std::int64_t add(std::span<const float> obs, std::span<const float> action, float ret,
                   std::span<const float> next_obs, float discount);

  std::span<const float> obs(std::int64_t i) const;
  std::span<const float> next_obs(std::int64_t i) const;
  std::int64_t action(std::int64_t i) const { return actions_[static_cast<std::size_t>(i)]; }
  std::span<const float> box_action(std::int64_t i) const;
  float ret(std::int64_t i) const { return returns_[static_cast<std::size_t>(i)]; }
  float discount(std::int64_t i) const { return discounts_[static_cast<std::size_t>(i)]; }

  // Uniform indices in [0, size) (with replacement), as SB3's ReplayBuffer.sample.
  void sample_uniform(Rng& rng, std::span<std::int64_t> out) const;

  // Entries "<prefix>obs", "<prefix>next_obs", "<prefix>action" (size, or size × action_dim
  // for Box actions), "<prefix>return", "<prefix>discount" (the stored rows only) and
  // "<prefix>position" = [pos, size].
  void save(StateDict& out, const std::string& prefix) const;
  void load(const StateDict& in, const std::string& prefix);

 private:
  // Writes everything but the action; returns the slot (pos_ not yet advanced).
  std::int64_t place(std::span<const float> obs, float ret, std::span<const float> next_obs,
                     float discount);
  std::int64_t capacity_, obs_dim_, action_dim_;
  std::int64_t pos_ = 0, size_ = 0;
  // Uninitialised until written: a large, partly used buffer commits no memory it does
  // not touch.
  std::unique_ptr<float[]> obs_, next_obs_;
  std::unique_ptr<std::int64_t[]> actions_;  // Discrete actions only
  std::unique_ptr<float[]> box_actions_;     // Box actions only
  std::unique_ptr<float[]> returns_, discounts_;
};

// Proportional prioritization on top of a ReplayBuffer's slots.
class PrioritizedSampler {
 public:
  PrioritizedSampler(std::int64_t capacity, double alpha, double eps);
  // A new transition in `slot` gets the maximal priority seen so far (1 at first).
  void on_add(std::int64_t slot);
  // Stratified sample of out.size() slots among the first `size`, with their importance
  // weights for exponent beta (normalised by the batch maximum).
  void sample(Rng& rng, std::int64_t size, double beta, std::span<std::int64_t> out,
              std::span<float> weights) const;
  // p = (|td_error| + eps)^alpha.
  void update(std::int64_t slot, double td_error);
  const SumTree& tree() const { return tree_; }
  double max_priority() const { return max_priority_; }
  void save(StateDict& out, const std::string& prefix, std::int64_t size) const;
  void load(const StateDict& in, const std::string& prefix, std::int64_t size);

 private:
  SumTree tree_;
  double alpha_, eps_;
  double max_priority_ = 1.0;  // of p^α
};

class NStepWindow {
 public:
  NStepWindow(std::int64_t n, double gamma, std::int64_t obs_dim);
  std::int64_t n() const { return n_; }
  std::int64_t pending() const { return count_; }
  // Adds one env step; writes every n-step transition that is complete into `buffer`
  // (and tells `prioritized` of each new slot if not null).
  void push(std::span<const float> obs, std::int64_t action, double reward,
            std::span<const float> next_obs, bool terminated, bool truncated, ReplayBuffer& buffer,
            PrioritizedSampler* prioritized);
  void clear() { count_ = 0; }
  void save(StateDict& out, const std::string& prefix) const;
  void load(const StateDict& in, const std::string& prefix);

 private:
  void emit(std::int64_t k, std::span<const float> next_obs, bool terminated, ReplayBuffer& buffer,
            PrioritizedSampler* prioritized);
  std::int64_t n_, obs_dim_;
  double gamma_;
  std::int64_t head_ = 0, count_ = 0;  // ring of the last n steps
  std::vector<float> obs_;
  std::vector<std::int64_t> actions_;
  std::vector<double> rewards_;
};

}  // namespace rlsim

// Base of the non-contextual bandit policies: agents that pick one of K arms and learn
// from the reward of the arm pulled.
//
// Contract: the observation is ignored (bandit problems observe Discrete(1), always 0); the
// action is Discrete(K) (its `start` is honoured). For every arm the base keeps the pull
// count N_a, the reward sum S_a, the sum of squared rewards and the empirical mean, and the
// total number of pulls t; observe() updates them in O(1) without allocating. Arms are
// numbered 0..K−1 inside a policy. In evaluation mode a policy acts greedily on the
// empirical means (lowest index among ties, probability 1) and observe() learns nothing.
// save/load move these statistics through a StateDict, plus a policy's own arrays
// (save_extra/load_extra).
//
// Helpers shared by the policies (compatibility checks, horizon resolution, argmax,
// sampling from a probability vector) are declared here too.
#pragma once
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/agent.hpp"
#include "core/registry.hpp"
#include "core/rng.hpp"

namespace rlsim {

class BanditPolicy : public Agent {
 public:
  std::int64_t num_arms() const { return k_; }
  std::int64_t pulls() const { return t_; }
  std::int64_t count(std::int64_t arm) const { return counts_[check_arm(arm)]; }
  double reward_sum(std::int64_t arm) const { return sums_[check_arm(arm)]; }
  double reward_square_sum(std::int64_t arm) const { return squares_[check_arm(arm)]; }
  double empirical_mean(std::int64_t arm) const { return means_[check_arm(arm)]; }
  const std::string& name() const { return name_; }

  void observe(const Transition& transition) override {
    if (evaluation()) return;
    record(arm_of(transition.action), transition.reward);
  }
  void save(StateDict& out) const override;
  void load(const StateDict& in) override;

 protected:
  BanditPolicy(std::string name, std::int64_t num_arms, std::int64_t first_action = 0);

  std::int64_t arm_of(const Value& action) const {
    const std::int64_t arm = action.index - first_action_;
    check_arm(arm);
    return arm;
  }
  // Writes the chosen arm and its probability into the runner's buffers.
  void emit(std::int64_t arm, Value& action, Decision& decision, double probability) const {
    action.index = arm + first_action_;
    decision.probability = probability;
    decision.log_prob = probability == 1.0 ? 0.0 : std::log(probability);
  }
  // Evaluation mode: the greedy arm on empirical means, lowest index among ties.
  void act_greedy(Value& action, Decision& decision) const;
  // Updates N, S, the sum of squares, the mean and t.
  void record(std::int64_t arm, double reward) {
    const auto a = static_cast<std::size_t>(arm);
    const std::int64_t n = ++counts_[a];
    sums_[a] += reward;
    squares_[a] += reward * reward;
    means_[a] = sums_[a] / static_cast<double>(n);
    if (n == 1) --unpulled_;
    ++t_;
  }
  // The lowest-numbered arm never pulled, or −1 once every arm has been pulled.
  std::int64_t first_unpulled() const;
  // Throws naming the policy when reward is outside [lo, hi] (policies whose model needs it).
  void require_reward_in(double reward, double lo, double hi) const {
    if (!(reward >= lo && reward <= hi)) reward_out_of_range(reward, lo, hi);
  }

  virtual void save_extra(StateDict& /*out*/) const {}
  virtual void load_extra(const StateDict& /*in*/) {}

  std::vector<std::int64_t> counts_;
  std::vector<double> sums_;
  std::vector<double> squares_;
  std::vector<double> means_;
  std::int64_t t_ = 0;
  std::int64_t unpulled_ = 0;

 private:
  std::size_t check_arm(std::int64_t arm) const {
    if (arm < 0 || arm >= k_) arm_out_of_range(arm);
    return static_cast<std::size_t>(arm);
  }
  [[noreturn]] void arm_out_of_range(std::int64_t arm) const;
  [[noreturn]] void reward_out_of_range(double reward, double lo, double hi) const;

  std::string name_;
  std::int64_t k_ = 0;
  std::int64_t first_action_ = 0;
};

// AgentEntry::check for non-contextual policies: Discrete(K ≥ 2) actions and a single
// context (Discrete(1) observations).
std::optional<std::string> check_non_contextual(const EnvSpec& spec, const Env& env);
// AgentEntry::check for contextual policies: Discrete(K ≥ 2) actions and a flat
// Box(d) context.
std::optional<std::string> check_contextual(const EnvSpec& spec, const Env& env);

// `horizon` if positive, else the env's time limit; throws naming `who` when neither is set.
std::int64_t resolve_horizon(std::int64_t horizon, const EnvSpec& spec, const std::string& who);

// Index of the first maximum of x[0..n).
inline std::int64_t argmax_first(const double* x, std::int64_t n) {
  std::int64_t best = 0;
  double v = x[0];
  for (std::int64_t i = 1; i < n; ++i)
    if (x[i] > v) {
      v = x[i];
      best = i;
    }
  return best;
}

// Inverse-CDF draw from probabilities p[0..n) (summing to 1) with one uniform u ∈ [0, 1);
// rounding that leaves u beyond the total picks the last arm with positive probability.
inline std::int64_t sample_index(const double* p, std::int64_t n, double u) {
  double acc = 0.0;
  std::int64_t last_positive = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    if (p[i] > 0.0) last_positive = i;
    acc += p[i];
    if (u < acc) return i;
  }
  return last_positive;
}

// Argmax with ties broken uniformly at random: returns the arm and writes the number of
// tied maxima into `ties` (uses at most one uniform draw, only when there are ties).
std::int64_t argmax_random_tie(const double* x, std::int64_t n, Rng& rng, std::int64_t& ties);

}  // namespace rlsim

// Base of the non-contextual bandit policies: agents that pick one of K arms and learn
// from the reward of the arm pulled.
//
// Contract: the observation is ignored (bandit problems observe Discrete(1), always 0); the
// action is Discrete(K) (its `start` is honoured). For every arm the base keeps the pull
// count N_a, the reward sum S_a, the sum of squared rewards and the empirical mean, and the
// total number of pulls t; learn() (called by BanditAgent::observe, at once or at the end of
// a batch) updates them in O(1) without allocating. Arms are
// numbered 0..K−1 inside a policy. In evaluation mode a policy acts greedily on the
// empirical means (lowest index among ties, probability 1) and observe() learns nothing.
// save/load move these statistics through a StateDict, plus a policy's own arrays
// (save_extra/load_extra), its random stream and pending feedback (save_shared_state).
//
// Registration: every policy file ends with its own registration (RLSIM_REGISTER) of a
// bandit_policy_entry, which adds the parameters every bandit policy has
// (BanditPolicyConfig: batch) to the policy's ConfigSchema and applies them to the policy
// its factory makes.
//
// Helpers shared by the policies (compatibility checks, horizon resolution, argmax,
// sampling from a probability vector) are declared here too.
#pragma once
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/agent.hpp"
#include "core/registry.hpp"
#include "core/rng.hpp"

namespace rlsim {

// Shared by every bandit policy (BanditPolicy, LinearPolicy and the other contextual ones).
//
// Batched feedback: with batch B > 1 (parameter `batch`, default 1) rewards are revealed
// to the policy only at the end of each batch of B pulls: observe() copies the transition
// into a buffer that grows to the longest batch seen (at most B, and at most the pulls
// made) and is then reused, and when B are pending they are learnt in order. Choices
// within a batch therefore use the state at the batch start (the policy's own random
// stream still advances with each choice). end_episode() learns a partial batch; save/load
// keep the pending transitions (save_shared_state). Model: the "batched bandits" of Perchet,
// Rigollet, Chassang & Snowberg (2016), "Batched bandit problems", Ann. Statist. 44(2),
// with a fixed grid of equal batches.
//
// action_probabilities(obs, out) writes π(a | obs) for every arm a (0-based), for the
// policy as it is now (its mode and state), without learning: what off-policy
// evaluation of a fixed target policy needs. A deterministic policy writes an indicator;
// a policy whose distribution has no closed form (Thompson sampling) throws.
class BanditAgent : public Agent {
 public:
  void observe(const Transition& transition) final;
  void end_episode() override { flush_feedback(); }
  void set_batch(std::int64_t batch);
  std::int64_t batch() const { return batch_; }
  // Transitions observed but not yet revealed to the learner.
  std::int64_t pending_feedback() const { return pending_; }
  // K, the number of arms.
  virtual std::int64_t num_arms() const = 0;
  virtual void action_probabilities(const Value& obs, std::span<double> out) = 0;
  // Every policy saves its statistics (or model) and stream.
  bool has_state() const override { return true; }

 protected:
  // Learning from one revealed transition.
  virtual void learn(const Transition& transition) = 0;
  // Learns every pending transition, in order.
  void flush_feedback();
  // Checks out.size() == num_arms() for action_probabilities.
  void check_distribution_size(std::span<double> out, const std::string& who) const;
  // The policy's own random stream (nullptr for a deterministic policy).
  virtual Rng* random_stream() { return nullptr; }
  // What every policy's save/load adds to its own arrays, so that a loaded policy continues
  // exactly as one never interrupted: the random stream's engine state as "rng"
  // (core/rng_state.hpp), and the transitions of a batch not yet revealed as "pending.*"
  // (present only when some are pending). Both are optional on load (states saved before
  // they existed load: the stream the policy was built with, nothing pending); load
  // replaces whatever was pending, and checks everything before changing anything.
  void save_shared_state(StateDict& out) const;
  void load_shared_state(const StateDict& in, const std::string& who);

 private:
  struct Pending {
    Value obs, action, next_obs;
    double reward = 0.0;
    bool terminated = false, truncated = false;
  };
  std::int64_t batch_ = 1;
  std::int64_t pending_ = 0;
  std::vector<Pending> buffer_;
};

class BanditPolicy : public BanditAgent {
 public:
  std::int64_t num_arms() const final { return k_; }
  // Evaluation mode: the greedy arm. Otherwise act() on `obs` must report probability 1
  // (deterministic index policies): the chosen arm gets 1; stochastic policies override.
  void action_probabilities(const Value& obs, std::span<double> out) override;
  std::int64_t pulls() const { return t_; }
  std::int64_t count(std::int64_t arm) const { return counts_[check_arm(arm)]; }
  double reward_sum(std::int64_t arm) const { return sums_[check_arm(arm)]; }
  double reward_square_sum(std::int64_t arm) const { return squares_[check_arm(arm)]; }
  double empirical_mean(std::int64_t arm) const { return means_[check_arm(arm)]; }
  const std::string& name() const { return name_; }

  void learn(const Transition& transition) override {
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
  // The forced uniform exploration of the change-point policies (M-UCB: Cao et al. 2019,
  // Algorithm 1; GLR-klUCB: Besson et al. 2022, Algorithm 1): with period p = ⌊K/α⌋, the
  // pull made `since` steps after the last restart goes to arm (since mod p) − 1 when that
  // is an arm (0..K−1); otherwise −1, no forced pull.
  std::int64_t forced_exploration_arm(std::int64_t since, std::int64_t period) const {
    const std::int64_t a = since % period;
    return a >= 1 && a <= k_ ? a - 1 : -1;
  }
  // The learn preamble of the policies whose model needs Bernoulli-range rewards (the
  // change-point policies): checks the reward is in [0, 1], records it (record) and returns
  // the transition's arm.
  std::int64_t record_unit_reward(const Transition& transition) {
    const std::int64_t arm = arm_of(transition.action);
    require_reward_in(transition.reward, 0.0, 1.0);
    record(arm, transition.reward);
    return arm;
  }
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

// The parameters every bandit policy has, whatever its model.
struct BanditPolicyConfig {
  std::int64_t batch = 1;  // rewards are revealed every `batch` pulls (1: after each pull)
};

// A policy's own config `Own` (the one its constructor takes) together with the common
// parameters: the Config a registration binds. Policies whose registered parameters differ
// from their constructor's config define their own XParams deriving from
// BanditPolicyConfig (or from BanditParams<Own>).
template <class Own>
struct BanditParams : Own, BanditPolicyConfig {};

// Adds the fields of BanditPolicyConfig (batch) to a policy's schema, after its own.
template <class Config>
ConfigSchema<Config>& add_bandit_policy_fields(ConfigSchema<Config>& schema) {
  static_assert(std::is_base_of_v<BanditPolicyConfig, Config>,
                "a bandit policy's Config derives from BanditPolicyConfig (or BanditParams<Own>)");
  return schema.field("batch", &BanditPolicyConfig::batch,
                      "rewards are revealed to the policy every `batch` pulls (batched "
                      "feedback; 1: after each pull)",
                      range(1, 1e9));
}

// Refuses a batch longer than an episode of the env (its time limit, e.g. a bandit's horizon
// T): rewards would then be revealed only at the episode's end, where every pull is already
// made, and the pending pulls would be held for nothing (batch = T is the one-batch extreme).
// `owner` prefixes the message (e.g. "agent 'ucb1': ").
void check_batch(std::int64_t batch, const EnvSpec& spec, const std::string& owner);

// The registry entry of a bandit policy: agent_entry with the common parameters added to
// `schema` (add_bandit_policy_fields) and applied to the policy `make(ctx, config)` returns
// (a std::unique_ptr to a BanditAgent).
template <class Config, class Make>
AgentEntry bandit_policy_entry(
    std::string id, std::string doc, ConfigSchema<Config> schema,
    std::function<std::optional<std::string>(const EnvSpec&, const Env&)> check, Make make) {
  add_bandit_policy_fields(schema);
  std::string owner = "agent '" + id + "': ";
  return agent_entry(std::move(id), std::move(doc), std::move(schema), std::move(check),
                     [make = std::move(make), owner = std::move(owner)](
                         const AgentContext& ctx, const Config& c) -> std::unique_ptr<Agent> {
                       check_batch(c.batch, ctx.spec, owner);
                       auto policy = make(ctx, c);
                       static_assert(
                           std::is_base_of_v<BanditAgent, typename decltype(policy)::element_type>,
                           "a bandit policy's factory returns a BanditAgent");
                       policy->set_batch(c.batch);
                       return policy;
                     });
}

// AgentEntry::check for non-contextual policies: Discrete(K ≥ 2) actions and a single
// context (Discrete(1) observations).
std::optional<std::string> check_non_contextual(const EnvSpec& spec, const Env& env);
// AgentEntry::check for contextual policies: Discrete(K ≥ 2) actions and a flat
// Box(d) context.
std::optional<std::string> check_contextual(const EnvSpec& spec, const Env& env);

// Reward support of an env as text: "unbounded rewards", "rewards in [0, inf)", ...
std::string describe_reward_range(const EnvSpec& spec);
// Empty when the env's rewards (EnvSpec reward_min/reward_max) lie in [lo, hi]; otherwise
// "<model> needs rewards in [lo, hi]; <env> has <its range>: use <alternative>".
std::optional<std::string> require_reward_range(const EnvSpec& spec, double lo, double hi,
                                                const std::string& model,
                                                const std::string& alternative);
// AgentEntry::check for non-contextual policies whose model needs rewards in [lo, hi].
std::function<std::optional<std::string>(const EnvSpec&, const Env&)> check_non_contextual_in(
    double lo, double hi, std::string model, std::string alternative);

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

// First a < k of largest index(a) (a callable): the argmax of the index policies, lowest
// index among ties; −inf and NaN indices never win over a finite one found first.
template <typename Index>
std::int64_t argmax_of(std::int64_t k, Index index) {
  std::int64_t best = 0;
  double best_value = -std::numeric_limits<double>::infinity();
  for (std::int64_t a = 0; a < k; ++a) {
    const double v = index(a);
    if (v > best_value) {
      best_value = v;
      best = a;
    }
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

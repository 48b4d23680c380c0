#include "bandits/policies/greedy.hpp"

#include <algorithm>
#include <memory>

#include "bandits/policies/state_io.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"

namespace rlsim {

// ---------------------------------------------------------------------------- epsilon-greedy

EpsilonGreedy::EpsilonGreedy(std::int64_t num_arms, const EpsilonGreedyConfig& config,
                             std::uint64_t seed, std::int64_t first_action)
    : BanditPolicy(config.decreasing ? "epsilon-decreasing" : "epsilon-greedy", num_arms,
                   first_action),
      config_(config),
      rng_(seed),
      q_(static_cast<std::size_t>(num_arms), config.initial_value) {
  if (config.decreasing) {
    if (!(config.c > 0.0) || !(config.d > 0.0 && config.d < 1.0))
      throw Error("policy 'epsilon-decreasing': need c > 0 and 0 < d < 1 (got c = " +
                  std::to_string(config.c) + ", d = " + std::to_string(config.d) + ")");
    c_over_d2_ = config.c / (config.d * config.d);
  } else if (!(config.epsilon >= 0.0 && config.epsilon <= 1.0)) {
    throw Error("policy 'epsilon-greedy': epsilon = " + std::to_string(config.epsilon) +
                " is outside [0, 1]");
  }
}

double EpsilonGreedy::epsilon() const {
  if (!config_.decreasing) return config_.epsilon;
  const double n = static_cast<double>(t_ + 1);
  return std::min(1.0, c_over_d2_ * static_cast<double>(num_arms()) / n);
}

double EpsilonGreedy::value(std::int64_t arm) const {
  return count(arm) > 0 ? means_[static_cast<std::size_t>(arm)] : config_.initial_value;
}

void EpsilonGreedy::action_probabilities(const Value& obs, std::span<double> out) {
  if (evaluation()) return BanditPolicy::action_probabilities(obs, out);
  check_distribution_size(out, name());
  // The law act() samples from: ε/K everywhere plus (1 − ε)/#ties on the tied maxima.
  const std::int64_t k = num_arms();
  double top = value(0);
  for (std::int64_t a = 1; a < k; ++a) top = std::max(top, value(a));
  std::int64_t ties = 0;
  for (std::int64_t a = 0; a < k; ++a) ties += value(a) == top;
  const double eps = epsilon();
  for (std::int64_t a = 0; a < k; ++a)
    out[static_cast<std::size_t>(a)] =
        eps / static_cast<double>(k) +
        (value(a) == top ? (1.0 - eps) / static_cast<double>(ties) : 0.0);
}

void EpsilonGreedy::act(const Value&, Value& action, Decision& decision) {
  if (evaluation()) return act_greedy(action, decision);
  const std::int64_t k = num_arms();
  for (std::int64_t a = 0; a < k; ++a) {
    const auto i = static_cast<std::size_t>(a);
    q_[i] = counts_[i] > 0 ? means_[i] : config_.initial_value;
  }
  const double eps = epsilon();
  const double kd = static_cast<double>(k);
  double top = q_[0];
  std::int64_t ties = 0;
  for (std::int64_t a = 0; a < k; ++a) top = std::max(top, q_[static_cast<std::size_t>(a)]);
  for (std::int64_t a = 0; a < k; ++a) ties += q_[static_cast<std::size_t>(a)] == top;
  std::int64_t arm;
  if (rng_.uniform() < eps) {
    arm = rng_.integer(0, k - 1);
  } else {
    std::int64_t j = ties == 1 ? 0 : rng_.integer(0, ties - 1);
    arm = 0;
    for (std::int64_t a = 0; a < k; ++a)
      if (q_[static_cast<std::size_t>(a)] == top && j-- == 0) {
        arm = a;
        break;
      }
  }
  const bool greedy = q_[static_cast<std::size_t>(arm)] == top;
  const double p = eps / kd + (greedy ? (1.0 - eps) / static_cast<double>(ties) : 0.0);
  emit(arm, action, decision, p);
}

// ---------------------------------------------------------------------------- ETC

ExploreThenCommit::ExploreThenCommit(std::int64_t num_arms, std::int64_t m,
                                     std::int64_t first_action)
    : BanditPolicy("explore-then-commit", num_arms, first_action), m_(m) {
  if (m < 1)
    throw Error("policy 'explore-then-commit': m = " + std::to_string(m) +
                " is invalid: each arm must be explored m >= 1 times");
}

void ExploreThenCommit::act(const Value&, Value& action, Decision& decision) {
  if (evaluation()) return act_greedy(action, decision);
  const std::int64_t k = num_arms();
  if (committed_ < 0) {
    if (t_ < m_ * k) return emit(t_ % k, action, decision, 1.0);
    committed_ = argmax_first(means_.data(), k);
  }
  emit(committed_, action, decision, 1.0);
}

void ExploreThenCommit::save_extra(StateDict& out) const {
  put_scalar(out, "committed_arm", static_cast<double>(committed_));
}

void ExploreThenCommit::load_extra(const StateDict& in) {
  committed_ = static_cast<std::int64_t>(get_scalar(in, "committed_arm", "explore-then-commit"));
}

// ---------------------------------------------------------------------------- registration

namespace {

using EpsilonGreedyParams = BanditParams<EpsilonGreedyConfig>;

struct ExploreThenCommitParams : BanditPolicyConfig {
  std::int64_t m = 50;  // pulls of each arm before committing
};

void register_greedy_policies(Registry& registry) {
  using E = EpsilonGreedyParams;
  registry.add_agent(bandit_policy_entry(
      "epsilon-greedy",
      "epsilon-greedy on sample averages, random greedy ties (Sutton & Barto 2018, 2.2-2.4)",
      ConfigSchema<E>()
          .field("epsilon", &E::epsilon, "probability of a uniformly random arm", range(0, 1))
          .field("initial_value", &E::initial_value, "value estimate of an arm never pulled"),
      check_non_contextual, [](const AgentContext& ctx, const E& c) {
        return std::make_unique<EpsilonGreedy>(ctx.spec.action_space.n(), c, ctx.seed,
                                               ctx.spec.action_space.start());
      }));
  registry.add_agent(bandit_policy_entry(
      "epsilon-decreasing",
      "epsilon_n-greedy, epsilon_n = min(1, cK/(d^2 n)) (Auer, Cesa-Bianchi & Fischer 2002)",
      ConfigSchema<E>()
          .field("c", &E::c, "c > 0 (their analysis needs c > 5)", at_least(0))
          .field("d", &E::d, "0 < d < 1, a lower bound on the smallest gap", range(0, 1))
          .field("initial_value", &E::initial_value, "value estimate of an arm never pulled"),
      check_non_contextual, [](const AgentContext& ctx, const E& p) {
        EpsilonGreedyConfig c = p;
        c.decreasing = true;
        return std::make_unique<EpsilonGreedy>(ctx.spec.action_space.n(), c, ctx.seed,
                                               ctx.spec.action_space.start());
      }));
  using T = ExploreThenCommitParams;
  registry.add_agent(bandit_policy_entry(
      "explore-then-commit",
      "explore-then-commit: m pulls per arm, then the empirical best (Lattimore & Szepesvari "
      "2020, ch. 6)",
      ConfigSchema<T>().field("m", &T::m, "pulls of each arm before committing", range(1, 1e15)),
      check_non_contextual, [](const AgentContext& ctx, const T& p) {
        return std::make_unique<ExploreThenCommit>(ctx.spec.action_space.n(), p.m,
                                                   ctx.spec.action_space.start());
      }));
}

}  // namespace
RLSIM_REGISTER(register_greedy_policies)

}  // namespace rlsim

#include "bandits/policies/greedy.hpp"

#include <algorithm>

#include "bandits/policies/state_io.hpp"
#include "core/error.hpp"

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

void register_greedy_policies(Registry& registry) {
  {
    AgentEntry e;
    e.id = "epsilon-greedy";
    e.doc = "epsilon-greedy on sample averages, random greedy ties (Sutton & Barto 2018, 2.2-2.4)";
    e.schema = ParamSchema{
        param_double("epsilon", 0.1, "probability of a uniformly random arm", 0.0, 1.0),
        param_double("initial_value", 0.0, "value estimate of an arm never pulled"),
    };
    e.check = check_non_contextual;
    e.make = [](const AgentContext& ctx, const Params& p) {
      EpsilonGreedyConfig c;
      c.epsilon = p.get_double("epsilon");
      c.initial_value = p.get_double("initial_value");
      return std::unique_ptr<Agent>(
          new EpsilonGreedy(ctx.spec.action_space.n(), c, ctx.seed, ctx.spec.action_space.start()));
    };
    add_bandit_policy(registry, std::move(e));
  }
  {
    AgentEntry e;
    e.id = "epsilon-decreasing";
    e.doc = "epsilon_n-greedy, epsilon_n = min(1, cK/(d^2 n)) (Auer, Cesa-Bianchi & Fischer 2002)";
    e.schema = ParamSchema{
        param_double("c", 0.15, "c > 0 (their analysis needs c > 5)", 0.0),
        param_double("d", 0.1, "0 < d < 1, a lower bound on the smallest gap", 0.0, 1.0),
        param_double("initial_value", 0.0, "value estimate of an arm never pulled"),
    };
    e.check = check_non_contextual;
    e.make = [](const AgentContext& ctx, const Params& p) {
      EpsilonGreedyConfig c;
      c.initial_value = p.get_double("initial_value");
      c.decreasing = true;
      c.c = p.get_double("c");
      c.d = p.get_double("d");
      return std::unique_ptr<Agent>(
          new EpsilonGreedy(ctx.spec.action_space.n(), c, ctx.seed, ctx.spec.action_space.start()));
    };
    add_bandit_policy(registry, std::move(e));
  }
  {
    AgentEntry e;
    e.id = "explore-then-commit";
    e.doc =
        "explore-then-commit: m pulls per arm, then the empirical best (Lattimore & "
        "Szepesvari 2020, ch. 6)";
    e.schema = ParamSchema{
        param_int("m", 50, "pulls of each arm before committing", 1, 1e15),
    };
    e.check = check_non_contextual;
    e.make = [](const AgentContext& ctx, const Params& p) {
      return std::unique_ptr<Agent>(new ExploreThenCommit(ctx.spec.action_space.n(), p.get_int("m"),
                                                          ctx.spec.action_space.start()));
    };
    add_bandit_policy(registry, std::move(e));
  }
}

}  // namespace rlsim

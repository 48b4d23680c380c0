#include "agents/tabular/random_agent.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "core/error.hpp"
#include "core/registry.hpp"

namespace rlsim {

std::optional<std::string> random_agent_check(const EnvSpec& spec, const Env& env) {
  const Space& space = spec.action_space;
  if (space.is_discrete()) return require_discrete_actions(spec, env);
  for (std::size_t i = 0; i < space.low().size(); ++i) {
    const float lo = space.low()[i], hi = space.high()[i];
    if (!std::isfinite(lo) || !std::isfinite(hi)) {
      return "it samples Box actions uniformly, which needs finite bounds, but element " +
             std::to_string(i) + " of the action space is unbounded";
    }
    if (!(hi > lo)) {
      return "it samples Box actions uniformly, which needs high > low, but element " +
             std::to_string(i) + " of the action space has zero width";
    }
  }
  return std::nullopt;
}

namespace {

const EnvSpec& checked(const EnvSpec& spec) {
  const Space& space = spec.action_space;
  if (space.is_discrete()) {
    if (space.n() < 1) throw Error("agent 'random': " + spec.id + " has no actions");
    return spec;
  }
  for (std::size_t i = 0; i < space.low().size(); ++i) {
    const float lo = space.low()[i], hi = space.high()[i];
    if (!std::isfinite(lo) || !std::isfinite(hi) || !(hi > lo)) {
      throw Error(
          "agent 'random' needs a Discrete action space or a Box with finite bounds "
          "and high > low; " +
          spec.id + " has actions " + space.describe());
    }
  }
  return spec;
}

}  // namespace

RandomAgent::RandomAgent(const EnvSpec& spec, std::uint64_t seed)
    : action_space_(checked(spec).action_space), rng_(seed) {
  if (action_space_.is_discrete()) {
    probability_ = 1.0 / static_cast<double>(action_space_.n());
    log_prob_ = -std::log(static_cast<double>(action_space_.n()));
  } else {
    probability_ = std::numeric_limits<double>::quiet_NaN();
    double log_volume = 0.0;
    for (std::size_t i = 0; i < action_space_.low().size(); ++i) {
      log_volume += std::log(static_cast<double>(action_space_.high()[i]) -
                             static_cast<double>(action_space_.low()[i]));
    }
    log_prob_ = -log_volume;
  }
}

void RandomAgent::act(const Value& /*obs*/, Value& action, Decision& decision) {
  if (action_space_.is_discrete()) {
    action.index = action_space_.start() + rng_.integer(0, action_space_.n() - 1);
  } else {
    action_space_.prepare(action);
    const std::vector<float>& low = action_space_.low();
    const std::vector<float>& high = action_space_.high();
    for (std::size_t i = 0; i < low.size(); ++i) {
      auto x = static_cast<float>(rng_.uniform(low[i], high[i]));
      // Rounding to float may reach `high`; Box bounds are inclusive, so this stays inside.
      action.vec[i] = std::min(x, high[i]);
    }
  }
  decision.probability = probability_;
  decision.log_prob = log_prob_;
}

namespace {

void register_random_agent(Registry& registry) {
  registry.add_agent(
      agent_entry("random",
                  "uniform random actions: 1/n for Discrete(n), 1/volume for a bounded Box (the "
                  "equiprobable random policy, S&B 2nd ed. §4.1)",
                  ConfigSchema<RandomAgentConfig>(), random_agent_check,
                  [](const AgentContext& ctx, const RandomAgentConfig&) {
                    return std::make_unique<RandomAgent>(ctx.spec, ctx.seed);
                  }));
}

}  // namespace

RLSIM_REGISTER(register_random_agent)

}  // namespace rlsim

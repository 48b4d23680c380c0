#include "agents/control/heuristic_lander.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/error.hpp"

namespace rlsim {

std::optional<std::string> heuristic_lander_check(const EnvSpec& spec, const Env&) {
  const bool discrete_id = spec.id == "LunarLander-v3";
  const bool continuous_id = spec.id == "LunarLanderContinuous-v3";
  if (!discrete_id && !continuous_id)
    return "it is Gymnasium's hand-tuned LunarLander controller, which reads the lander's "
           "(x, y, vx, vy, angle, angular velocity, leg contacts) observation and fires its "
           "engines; use it on LunarLander-v3 or LunarLanderContinuous-v3";
  const Space& obs = spec.observation_space;
  const Space& act = spec.action_space;
  const bool obs_ok = obs.is_box() && obs.flat_size() == 8;
  const bool act_ok = discrete_id ? act.is_discrete() && act.n() == 4 && act.start() == 0
                                  : act.is_box() && act.flat_size() == 2;
  if (!obs_ok || !act_ok)
    return "it needs an 8-component Box observation and " +
           std::string(discrete_id ? "Discrete(4)" : "Box(-1, 1, (2,))") + " actions, but " +
           spec.id + " has " + obs.describe() + " and " + act.describe();
  return std::nullopt;
}

HeuristicLanderAgent::HeuristicLanderAgent(const EnvSpec& spec)
    : continuous_(spec.action_space.is_box()) {
  // Env is unused by the check.
  if (spec.id != "LunarLander-v3" && spec.id != "LunarLanderContinuous-v3")
    throw Error("agent 'heuristic-lander' cannot run on " + spec.id +
                ": it flies only LunarLander-v3 and LunarLanderContinuous-v3");
}

HeuristicLanderAgent::Command HeuristicLanderAgent::command(const float* s) {
  // Gains and targets of Gymnasium's heuristic(); computed in double from the float32
  // observation, as numpy does with Python floats.
  const double x = s[0], y = s[1], vx = s[2], vy = s[3], angle = s[4], omega = s[5];
  const double angle_targ = std::clamp(x * 0.5 + vx * 1.0, -0.4, 0.4);
  const double hover_targ = 0.55 * std::fabs(x);
  Command c;
  c.angle_todo = (angle_targ - angle) * 0.5 - omega * 1.0;
  c.hover_todo = (hover_targ - y) * 0.5 - vy * 0.5;
  if (s[6] != 0.0f || s[7] != 0.0f) {
    c.angle_todo = 0.0;
    c.hover_todo = -vy * 0.5;
  }
  return c;
}

std::int64_t HeuristicLanderAgent::discrete_action(const Command& c) {
  if (c.hover_todo > std::fabs(c.angle_todo) && c.hover_todo > 0.05) return 2;
  if (c.angle_todo < -0.05) return 3;
  if (c.angle_todo > +0.05) return 1;
  return 0;
}

void HeuristicLanderAgent::act(const Value& obs, Value& action, Decision& decision) {
  if (obs.vec.size() != 8)
    throw Error("agent 'heuristic-lander' got an observation of " + std::to_string(obs.vec.size()) +
                " components; LunarLander's has 8");
  const Command c = command(obs.vec.data());
  if (continuous_) {
    if (action.vec.size() != 2) action.vec.resize(2);
    action.vec[0] = static_cast<float>(std::clamp(c.hover_todo * 20 - 1, -1.0, 1.0));
    action.vec[1] = static_cast<float>(std::clamp(-c.angle_todo * 20, -1.0, 1.0));
  } else {
    action.index = discrete_action(c);
  }
  decision.probability = 1.0;
  decision.log_prob = 0.0;
}

namespace {

void register_heuristic_lander(Registry& registry) {
  registry.add_agent(agent_entry(
      "heuristic-lander",
      "Gymnasium's hand-written LunarLander controller (lunar_lander.py heuristic()), discrete "
      "and continuous; deterministic, does not learn",
      ConfigSchema<HeuristicLanderConfig>(), heuristic_lander_check,
      [](const AgentContext& ctx, const HeuristicLanderConfig&) {
        return std::make_unique<HeuristicLanderAgent>(ctx.spec);
      }));
}

}  // namespace

RLSIM_REGISTER(register_heuristic_lander)

}  // namespace rlsim

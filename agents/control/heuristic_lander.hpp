// heuristic-lander: the hand-written PID-style controller of Gymnasium's LunarLander
// (function heuristic() in gymnasium/envs/box2d/lunar_lander.py, Gymnasium 1.x), for
// LunarLander-v3 (Discrete(4)) and LunarLanderContinuous-v3 (Box(-1, 1, (2,))).
//
// From the observation s = (x, y, vx, vy, angle, angular velocity, leg contacts) alone:
//   angle target  = clip(0.5 x + 1.0 vx, -0.4, 0.4)   (lean towards the pad, at most 0.4 rad)
//   hover target  = 0.55 |x|
//   angle todo    = 0.5 (angle target - angle) - 1.0 angular velocity
//   hover todo    = 0.5 (hover target - y) - 0.5 vy
//   with a leg on the ground: angle todo = 0, hover todo = -0.5 vy.
// Continuous: action clip([20 hover todo - 1, -20 angle todo], -1, 1). Discrete: the main
// engine (2) when hover todo > |angle todo| and > 0.05, else the right engine (3) when
// angle todo < -0.05, the left engine (1) when angle todo > 0.05, else nothing (0).
// Deterministic: probability 1 and log_prob 0 on every decision (a point mass; for the
// continuous env this is not a density). It does not learn and has no state to save.
// The registry refuses envs other than the two LunarLander ids: the gains are tuned to
// that observation layout and those actions.
#pragma once
#include <optional>
#include <string>

#include "core/agent.hpp"
#include "core/registry.hpp"

namespace rlsim {

// It has no parameters: the gains are Gymnasium's.
struct HeuristicLanderConfig {};

// Empty when the heuristic can fly the env, else the reason it cannot.
std::optional<std::string> heuristic_lander_check(const EnvSpec& spec, const Env& env);

class HeuristicLanderAgent final : public Agent {
 public:
  // Throws rlsim::Error when heuristic_lander_check refuses the spec.
  explicit HeuristicLanderAgent(const EnvSpec& spec);
  void act(const Value& obs, Value& action, Decision& decision) override;

  struct Command {
    double hover_todo;
    double angle_todo;
  };
  // The controller's two outputs for an 8-component observation.
  static Command command(const float* s);
  static std::int64_t discrete_action(const Command& c);

 private:
  bool continuous_;
};

}  // namespace rlsim

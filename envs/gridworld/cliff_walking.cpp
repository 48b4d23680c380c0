// CliffWalking-v1 and CliffWalkingSlippery-v1: Gymnasium 1.x's cliff walking
// (gymnasium/envs/toy_text/cliffwalking.py; Sutton & Barto 2018, Example 6.6), a Gridworld
// (gridworld.hpp) with its exact model.
//
// The ids keep Gymnasium's spaces, action numbering, rewards, termination, time limits and
// reward thresholds, as registered in gymnasium/envs/__init__.py (1.x): 4x12 grid, start
// (3, 0), goal (3, 11), cliff (3, 1..10); actions 0 up, 1 right, 2 down, 3 left; -1 per
// step, -100 for the cliff (back to the start, not terminated); v1's is_slippery defaults
// to false (the CliffWalkingSlippery-v1 id sets it): then the intended and each
// perpendicular direction with 1/3; no time limit, no threshold.
#include <memory>

#include "core/registry.hpp"
#include "envs/gridworld/gridworld.hpp"

namespace rlsim {

namespace {

// The parameter, with CliffWalking-v1's default.
struct CliffWalkingConfig {
  bool is_slippery = false;
};

// CliffWalkingSlippery-v1's default.
struct CliffWalkingSlipperyConfig : CliffWalkingConfig {
  CliffWalkingSlipperyConfig() { is_slippery = true; }
};

constexpr char kCliffWalkingId[] = "CliffWalking-v1";
constexpr char kCliffWalkingSlipperyId[] = "CliffWalkingSlippery-v1";

std::unique_ptr<Env> make_cliff_walking(const CliffWalkingConfig& p, const char* id) {
  GridworldConfig c;
  c.id = id;
  // Gymnasium 1.x cliffwalking.py: 4x12, start [3, 0], goal [3, 11], cliff [3, 1..10].
  c.map = {"............", "............", "............", "SCCCCCCCCCCG"};
  c.allowed = ".SCG";
  // Gymnasium's CliffWalking action numbering: 0 UP, 1 RIGHT, 2 DOWN, 3 LEFT.
  c.actions = {{-1, 0, "Up"}, {0, 1, "Right"}, {1, 0, "Down"}, {0, -1, "Left"}};
  if (p.is_slippery) {
    // v1's is_slippery: intended and each perpendicular direction with 1/3.
    c.slip = 2.0 / 3.0;
    c.slip_model = SlipModel::Perpendicular;
  }
  // seeding = "gymnasium": cliffwalking.py's lists give each move 1 / len(deltas).
  c.gymnasium = true;
  c.gymnasium_intended = 1.0 / 3.0;
  c.gymnasium_perpendicular = 1.0 / 3.0;
  c.step_reward = -1.0;
  c.goal_reward = -1.0;  // reaching the goal is an ordinary -1 step
  c.cliff_reward = -100.0;
  c.max_episode_steps = 0;  // Gymnasium registers CliffWalking without a TimeLimit
  return std::make_unique<Gridworld>(c);
}

template <class C>
ConfigSchema<C> cliff_walking_schema() {
  return ConfigSchema<C>().field("is_slippery", &C::is_slippery,
                                 "move in the intended or a perpendicular direction, 1/3 each",
                                 source("Gymnasium make argument is_slippery"));
}

void register_cliff_walking(Registry& registry) {
  registry.add_env(env_entry(
      kCliffWalkingId,
      "Gymnasium 1.x CliffWalking (Sutton & Barto Example 6.6): -1 per step, cliff -100 "
      "and back to start; no time limit",
      cliff_walking_schema<CliffWalkingConfig>(),
      [](const CliffWalkingConfig& c) { return make_cliff_walking(c, kCliffWalkingId); }));
  registry.add_env(env_entry(
      kCliffWalkingSlipperyId, "Gymnasium 1.x CliffWalking with is_slippery=True",
      cliff_walking_schema<CliffWalkingSlipperyConfig>(), [](const CliffWalkingSlipperyConfig& c) {
        return make_cliff_walking(c, kCliffWalkingSlipperyId);
      }));
}

}  // namespace
RLSIM_REGISTER(register_cliff_walking)

}  // namespace rlsim

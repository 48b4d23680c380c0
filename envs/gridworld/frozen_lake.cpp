// FrozenLake-v1 and FrozenLake8x8-v1: Gymnasium 1.x's frozen lake
// (gymnasium/envs/toy_text/frozen_lake.py), a Gridworld (gridworld.hpp) with its exact model.
//
// The ids keep Gymnasium's spaces, action numbering, rewards, termination, time limits and
// reward thresholds, as registered in gymnasium/envs/__init__.py (1.x): actions 0 left,
// 1 down, 2 right, 3 up; reward_schedule (G, H, F) = (1, 0, 0); is_slippery (default true):
// intended direction with success_rate (1/3), each perpendicular with
// (1 - success_rate) / 2; limit 100 (8x8 id: 200); threshold 0.70 (0.85). The two ids
// differ only in those and in the default map. Not supported: Gymnasium's random map
// (desc=None, map_name=None).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "envs/gridworld/gridworld.hpp"

namespace rlsim {

namespace {

// Gymnasium 1.x, gymnasium/envs/toy_text/frozen_lake.py, MAPS.
const std::vector<std::string> kMap4x4 = {"SFFF", "FHFH", "FFFH", "HFFG"};
const std::vector<std::string> kMap8x8 = {"SFFFFFFF", "FFFFFFFF", "FFFHFFFF", "FFFFFHFF",
                                          "FFFHFFFF", "FHHFFFHF", "FHFFHFHF", "FFFHFFFG"};

// The parameters, with FrozenLake-v1's defaults.
struct FrozenLakeConfig {
  std::string map_name = "4x4";
  std::string desc;  // empty: the map named by map_name
  bool is_slippery = true;
  double success_rate = 1.0 / 3.0;
  std::vector<double> reward_schedule = {1.0, 0.0, 0.0};
  void validate() const {
    if (reward_schedule.size() != 3)
      throw Error("reward_schedule has " + std::to_string(reward_schedule.size()) +
                  " values; it needs 3: the rewards for reaching G (goal), H (hole) and F "
                  "(frozen)");
  }
};

// FrozenLake8x8-v1's defaults: the 8x8 map.
struct FrozenLake8x8Config : FrozenLakeConfig {
  FrozenLake8x8Config() { map_name = "8x8"; }
};

// What Gymnasium 1.x registers with each id (gymnasium/envs/__init__.py).
struct Registered {
  const char* id;
  std::int64_t max_episode_steps;
  double reward_threshold;
};
constexpr Registered kFrozenLake = {"FrozenLake-v1", 100, 0.70};
constexpr Registered kFrozenLake8x8 = {"FrozenLake8x8-v1", 200, 0.85};

std::unique_ptr<Env> make_frozen_lake(const FrozenLakeConfig& p, const Registered& r) {
  GridworldConfig c;
  c.id = r.id;
  if (!p.desc.empty()) {
    c.map = split_map_rows(p.desc);
  } else {
    c.map = p.map_name == "8x8" ? kMap8x8 : kMap4x4;
  }
  c.allowed = "SFHG";
  // Gymnasium's FrozenLake action numbering: 0 LEFT, 1 DOWN, 2 RIGHT, 3 UP.
  c.actions = {{0, -1, "Left"}, {1, 0, "Down"}, {0, 1, "Right"}, {-1, 0, "Up"}};
  if (p.is_slippery) {
    c.slip = 1.0 - p.success_rate;
    c.slip_model = SlipModel::Perpendicular;
  }
  // seeding = "gymnasium": frozen_lake.py's lists give success_rate to the intended move
  // and fail_rate = (1.0 - success_rate) / 2.0 to each perpendicular one.
  c.gymnasium = true;
  c.gymnasium_intended = p.success_rate;
  c.gymnasium_perpendicular = (1.0 - p.success_rate) / 2.0;
  c.goal_reward = p.reward_schedule[0];
  c.hole_reward = p.reward_schedule[1];
  c.step_reward = p.reward_schedule[2];
  c.max_episode_steps = r.max_episode_steps;
  c.reward_threshold = r.reward_threshold;
  return std::make_unique<Gridworld>(c);
}

template <class C>
ConfigSchema<C> frozen_lake_schema() {
  return ConfigSchema<C>()
      .field("map_name", &C::map_name, "Gymnasium's preloaded map", choices({"4x4", "8x8"}),
             source("Gymnasium make argument map_name"))
      .field("desc", &C::desc,
             "custom map (rows of S F H G separated by '/' or newlines); overrides map_name")
      .field("is_slippery", &C::is_slippery,
             "move in the intended direction with success_rate only",
             source("Gymnasium make argument is_slippery"))
      .field("success_rate", &C::success_rate,
             "slippery: P(intended direction); each perpendicular gets (1 - it) / 2",
             range(0.0, 1.0), source("Gymnasium make argument success_rate"))
      .field("reward_schedule", &C::reward_schedule,
             "rewards for entering G (goal), H (hole), F (frozen or start)",
             source("Gymnasium make argument reward_schedule"));
}

void register_frozen_lake(Registry& registry) {
  registry.add_env(env_entry(
      kFrozenLake.id, "Gymnasium 1.x FrozenLake: cross a slippery lake to G without falling in H",
      frozen_lake_schema<FrozenLakeConfig>(),
      [](const FrozenLakeConfig& c) { return make_frozen_lake(c, kFrozenLake); }));
  registry.add_env(
      env_entry(kFrozenLake8x8.id, "Gymnasium 1.x FrozenLake on the 8x8 map",
                frozen_lake_schema<FrozenLake8x8Config>(),
                [](const FrozenLake8x8Config& c) { return make_frozen_lake(c, kFrozenLake8x8); }));
}

}  // namespace
RLSIM_REGISTER(register_frozen_lake)

}  // namespace rlsim

#include "envs/classic/mountain_car.hpp"

#include <cmath>
#include <memory>

#include "core/registry.hpp"

namespace rlsim {

namespace {
EnvSpec mountain_car_spec() {
  EnvSpec spec;
  spec.id = MountainCarEnv::kId;
  spec.observation_space = Space::box({static_cast<float>(MountainCarEnv::kMinPosition),
                                       static_cast<float>(-MountainCarEnv::kMaxSpeed)},
                                      {static_cast<float>(MountainCarEnv::kMaxPosition),
                                       static_cast<float>(MountainCarEnv::kMaxSpeed)},
                                      {2});
  spec.action_space = Space::discrete(3);
  spec.max_episode_steps = 200;
  spec.reward_threshold = -110.0;
  spec.defines_success = true;  // the car reached the flag
  // seeding = "gymnasium": reset draws np_random.uniform as Gymnasium does (docs/seeding.md).
  spec.gymnasium_seeding = true;
  return spec;
}
}  // namespace

MountainCarEnv::MountainCarEnv(MountainCarConfig config)
    : MountainCarBase(mountain_car_spec(), config, kGoalPosition) {}

void MountainCarEnv::advance(MountainCarState& s, std::int64_t action) {
  // velocity += (action - 1) * force + cos(3 * position) * (-gravity), summed as Gymnasium does
  const double velocity = s.velocity + (static_cast<double>(action - 1) * kForce +
                                        std::cos(3 * s.position) * (-kGravity));
  s = move(s.position, velocity);
}

StepResult MountainCarEnv::do_step(const Value& action, Value& obs) {
  advance(state_, action.index);
  StepResult result;
  result.terminated = state_.position >= kGoalPosition && state_.velocity >= config_.goal_velocity;
  result.reward = -1.0;
  result.success = result.terminated;
  write_observation(obs);
  return result;
}

namespace {
void register_mountain_car(Registry& registry) {
  registry.add_env(env_entry(MountainCarEnv::kId,
                             "drive an underpowered car up a hill, 3 actions; Gymnasium 1.x "
                             "mountain_car.py (Moore 1990)",
                             mountain_car_schema("0.5"), [](const MountainCarConfig& c) {
                               return std::make_unique<MountainCarEnv>(c);
                             }));
}
}  // namespace
RLSIM_REGISTER(register_mountain_car)

}  // namespace rlsim

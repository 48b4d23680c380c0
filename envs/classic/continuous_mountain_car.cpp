#include "envs/classic/continuous_mountain_car.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/registry.hpp"

namespace rlsim {

namespace {
EnvSpec continuous_mountain_car_spec() {
  using E = ContinuousMountainCarEnv;
  EnvSpec spec;
  spec.id = E::kId;
  spec.observation_space =
      Space::box({static_cast<float>(E::kMinPosition), static_cast<float>(-E::kMaxSpeed)},
                 {static_cast<float>(E::kMaxPosition), static_cast<float>(E::kMaxSpeed)}, {2});
  spec.action_space =
      Space::box(static_cast<float>(E::kMinAction), static_cast<float>(E::kMaxAction), {1});
  spec.max_episode_steps = 999;
  spec.reward_threshold = 90.0;
  spec.env_clips_actions = true;
  spec.defines_success = true;  // the car reached the flag
  // seeding = "gymnasium": reset draws np_random.uniform as Gymnasium does (docs/seeding.md).
  spec.gymnasium_seeding = true;
  return spec;
}

// Continuous_MountainCarEnv.step up to (excluding) the float32 storage of the state.
ContinuousMountainCarState unrounded_step(const ContinuousMountainCarState& s, double action) {
  using E = ContinuousMountainCarEnv;
  double position = s.position;
  double velocity = s.velocity;
  const double force = std::min(std::max(action, E::kMinAction), E::kMaxAction);
  velocity += force * E::kPower - 0.0025 * std::cos(3 * position);
  return E::move(position, velocity);
}

// self.state = np.array([position, velocity], dtype=np.float32)
ContinuousMountainCarState round_to_float32(const ContinuousMountainCarState& s) {
  return {static_cast<double>(static_cast<float>(s.position)),
          static_cast<double>(static_cast<float>(s.velocity))};
}
}  // namespace

ContinuousMountainCarEnv::ContinuousMountainCarEnv(ContinuousMountainCarConfig config)
    : MountainCarBase(continuous_mountain_car_spec(), config, kGoalPosition) {}

void ContinuousMountainCarEnv::advance(ContinuousMountainCarState& s, double action) {
  s = round_to_float32(unrounded_step(s, action));
}

StepResult ContinuousMountainCarEnv::do_step(const Value& action, Value& obs) {
  const double a = action.vec[0];
  const ContinuousMountainCarState next = unrounded_step(state_, a);
  StepResult result;
  // Gymnasium decides termination on the float64 values, before storing them as float32.
  result.terminated = next.position >= kGoalPosition && next.velocity >= config_.goal_velocity;
  // reward = 100 if terminated; reward -= math.pow(action[0], 2) * 0.1 (unclipped action)
  result.reward = (result.terminated ? 100.0 : 0.0) - std::pow(a, 2) * 0.1;
  result.success = result.terminated;
  state_ = round_to_float32(next);
  write_observation(obs);
  return result;
}

namespace {
void register_continuous_mountain_car(Registry& registry) {
  registry.add_env(env_entry(ContinuousMountainCarEnv::kId,
                             "drive an underpowered car up a hill, continuous force; Gymnasium "
                             "1.x continuous_mountain_car.py (Moore 1990)",
                             mountain_car_schema("0.45"), [](const ContinuousMountainCarConfig& c) {
                               return std::make_unique<ContinuousMountainCarEnv>(c);
                             }));
}
}  // namespace
RLSIM_REGISTER(register_continuous_mountain_car)

}  // namespace rlsim

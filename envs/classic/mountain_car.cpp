#include "envs/classic/mountain_car.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "envs/classic/detail.hpp"

namespace rlsim {

namespace {
EnvSpec mountain_car_spec() {
  EnvSpec spec;
  spec.id = "MountainCar-v0";
  spec.observation_space = Space::box({static_cast<float>(MountainCarEnv::kMinPosition),
                                       static_cast<float>(-MountainCarEnv::kMaxSpeed)},
                                      {static_cast<float>(MountainCarEnv::kMaxPosition),
                                       static_cast<float>(MountainCarEnv::kMaxSpeed)},
                                      {2});
  spec.action_space = Space::discrete(3);
  spec.max_episode_steps = 200;
  spec.reward_threshold = -110.0;
  spec.defines_success = true;  // the car reached the flag
  return spec;
}
}  // namespace

MountainCarEnv::MountainCarEnv(MountainCarConfig config)
    : Env(mountain_car_spec()), config_(config) {
  classic_detail::check_reset_bounds(config_.reset_low, config_.reset_high, spec().id);
  if (!std::isfinite(config_.goal_velocity))
    throw Error("MountainCar-v0: goal_velocity must be a finite number");
}

void MountainCarEnv::advance(MountainCarState& s, std::int64_t action) {
  double velocity = s.velocity;
  double position = s.position;
  velocity += static_cast<double>(action - 1) * kForce + std::cos(3 * position) * (-kGravity);
  velocity = std::clamp(velocity, -kMaxSpeed, kMaxSpeed);
  position += velocity;
  position = std::clamp(position, kMinPosition, kMaxPosition);
  if (position == kMinPosition && velocity < 0) velocity = 0;
  s = {position, velocity};
}

void MountainCarEnv::write_observation(Value& obs) const {
  classic_detail::size_observation(obs, 2);
  obs.vec[0] = static_cast<float>(state_.position);
  obs.vec[1] = static_cast<float>(state_.velocity);
}

void MountainCarEnv::do_reset(Value& obs) {
  state_ = {rng().uniform(config_.reset_low, config_.reset_high), 0.0};
  write_observation(obs);
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

void MountainCarEnv::get_state(std::vector<double>& out) const {
  out.assign({state_.position, state_.velocity});
}

void MountainCarEnv::set_state(std::span<const double> state) {
  classic_detail::check_state(state, spec().id, {"position", "velocity"});
  state_ = {state[0], state[1]};
  mark_running();
}

void MountainCarEnv::observe(Value& obs) const {
  write_observation(obs);
}

std::string MountainCarEnv::render_text() const {
  char buf[96];
  std::snprintf(buf, sizeof buf, "position=%+.4f velocity=%+.5f", state_.position, state_.velocity);
  return buf;
}

}  // namespace rlsim

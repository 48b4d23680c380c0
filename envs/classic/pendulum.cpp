#include "envs/classic/pendulum.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "envs/classic/detail.hpp"

namespace rlsim {

namespace {
EnvSpec pendulum_spec() {
  const float max_speed = static_cast<float>(PendulumEnv::kMaxSpeed);
  const float max_torque = static_cast<float>(PendulumEnv::kMaxTorque);
  EnvSpec spec;
  spec.id = "Pendulum-v1";
  spec.observation_space = Space::box({-1.f, -1.f, -max_speed}, {1.f, 1.f, max_speed}, {3});
  spec.action_space = Space::box(-max_torque, max_torque, {1});
  spec.max_episode_steps = 200;
  spec.reward_threshold = std::nullopt;  // Pendulum-v1 is registered without one
  spec.env_clips_actions = true;
  return spec;
}
}  // namespace

PendulumEnv::PendulumEnv(PendulumConfig config) : Env(pendulum_spec()), config_(config) {
  if (!std::isfinite(config_.g))
    throw Error("Pendulum-v1: g = " + std::to_string(config_.g) + " must be a finite number");
  if (!(config_.x_init >= 0.0) || !std::isfinite(config_.x_init) || !(config_.y_init >= 0.0) ||
      !std::isfinite(config_.y_init))
    throw Error(
        "Pendulum-v1: x_init and y_init are the half-widths of the symmetric reset "
        "ranges; use finite numbers >= 0");
}

double PendulumEnv::angle_normalize(double x) {
  // numpy's remainder: fmod, then shifted by the divisor when the signs differ.
  const double a = x + kPi;
  const double b = 2 * kPi;
  double mod = std::fmod(a, b);
  if (mod != 0.0) {
    if ((b < 0) != (mod < 0)) mod += b;
  } else {
    mod = std::copysign(0.0, b);
  }
  return mod - kPi;
}

double PendulumEnv::advance(PendulumState& s, double u, double g) {
  const double th = s.theta;
  const double thdot = s.theta_dot;
  const double an = angle_normalize(th);
  const double costs = an * an + 0.1 * (thdot * thdot) + 0.001 * (u * u);
  double newthdot =
      thdot +
      (3 * g / (2 * kLength) * std::sin(th) + 3.0 / (kMass * (kLength * kLength)) * u) * kDt;
  newthdot = std::clamp(newthdot, -kMaxSpeed, kMaxSpeed);
  const double newth = th + newthdot * kDt;
  s = {newth, newthdot};
  return costs;
}

void PendulumEnv::write_observation(Value& obs) const {
  classic_detail::size_observation(obs, 3);
  obs.vec[0] = static_cast<float>(std::cos(state_.theta));
  obs.vec[1] = static_cast<float>(std::sin(state_.theta));
  obs.vec[2] = static_cast<float>(state_.theta_dot);
}

void PendulumEnv::do_reset(Value& obs) {
  // np_random.uniform(low=-high, high=high) with high = [x_init, y_init]: two draws in order.
  state_.theta = rng().uniform(-config_.x_init, config_.x_init);
  state_.theta_dot = rng().uniform(-config_.y_init, config_.y_init);
  last_u_ = 0.0;
  write_observation(obs);
}

StepResult PendulumEnv::do_step(const Value& action, Value& obs) {
  // u = np.clip(u, -max_torque, max_torque)[0]: clipped in float32, used as a double.
  const float max_torque = static_cast<float>(kMaxTorque);
  const double u = std::clamp(action.vec[0], -max_torque, max_torque);
  last_u_ = u;
  StepResult result;
  result.reward = -advance(state_, u, config_.g);
  write_observation(obs);
  return result;
}

void PendulumEnv::get_state(std::vector<double>& out) const {
  out.assign({state_.theta, state_.theta_dot});
}

void PendulumEnv::set_state(std::span<const double> state) {
  classic_detail::check_state(state, spec().id, {"theta", "theta_dot"});
  state_ = {state[0], state[1]};
  mark_running();
}

// The observation is (cos θ, sin θ, dθ): θ comes back by atan2, in (−π, π] (the picture and
// the next observation are periodic in θ).
bool PendulumEnv::state_from_observation(const Value& obs, std::vector<double>& state) const {
  const auto& o = obs.vec;
  state.assign({std::atan2(static_cast<double>(o[1]), static_cast<double>(o[0])),
                static_cast<double>(o[2])});
  return true;
}

void PendulumEnv::observe(Value& obs) const {
  write_observation(obs);
}

std::string PendulumEnv::render_text() const {
  char buf[96];
  std::snprintf(buf, sizeof buf, "theta=%+.4f theta_dot=%+.4f torque=%+.3f", state_.theta,
                state_.theta_dot, last_u_);
  return buf;
}

}  // namespace rlsim

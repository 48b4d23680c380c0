#include "envs/classic/pendulum.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "core/registry.hpp"
#include "envs/classic/detail.hpp"
#include "envs/classic/draw.hpp"

namespace rlsim {

namespace {
EnvSpec pendulum_spec() {
  const float max_speed = static_cast<float>(PendulumEnv::kMaxSpeed);
  const float max_torque = static_cast<float>(PendulumEnv::kMaxTorque);
  EnvSpec spec;
  spec.id = PendulumEnv::kId;
  spec.observation_space = Space::box({-1.f, -1.f, -max_speed}, {1.f, 1.f, max_speed}, {3});
  spec.action_space = Space::box(-max_torque, max_torque, {1});
  spec.max_episode_steps = 200;
  spec.reward_threshold = std::nullopt;  // Pendulum-v1 is registered without one
  spec.env_clips_actions = true;
  spec.can_terminate = false;  // no terminal state: only the time limit ends an episode
  // seeding = "gymnasium": reset draws np_random.uniform as Gymnasium does (docs/seeding.md).
  spec.gymnasium_seeding = true;
  return spec;
}
}  // namespace

PendulumEnv::PendulumEnv(PendulumConfig config) : Env(pendulum_spec()), config_(config) {
  if (!std::isfinite(config_.g))
    throw Error(std::string(kId) + ": g = " + std::to_string(config_.g) +
                " must be a finite number");
  if (!(config_.x_init >= 0.0) || !std::isfinite(config_.x_init) || !(config_.y_init >= 0.0) ||
      !std::isfinite(config_.y_init))
    throw Error(std::string(kId) +
                ": x_init and y_init are the half-widths of the symmetric reset "
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
  state_.theta = draw_uniform(-config_.x_init, config_.x_init);
  state_.theta_dot = draw_uniform(-config_.y_init, config_.y_init);
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

// pendulum.py's render(): the rod with its rounded ends, the torque, the axle; y up, flipped.
bool PendulumEnv::render(Image& frame) const {
  Canvas c(kRenderWidth, kRenderHeight);
  c.clear(1.0, 1.0, 1.0);
  c.flip_y();
  const double bound = 2.2;
  const double scale = kRenderWidth / (bound * 2);
  const double offset = kRenderWidth / 2.0;
  const double rod_length = kLength * scale, rod_width = 0.2 * scale;
  const double a = state_.theta + kPi / 2;
  classic_draw::fill_rotated_box(c, 0.0, rod_length, rod_width / 2, -rod_width / 2, a, offset,
                                 offset, 204, 77, 77);
  c.fill_circle(offset, offset, rod_width / 2, 204, 77, 77);
  double end[2];
  classic_draw::rotated(rod_length, 0.0, a, offset, offset, end);
  c.fill_circle(end[0], end[1], rod_width / 2, 204, 77, 77);
  // The applied torque: an arc around the axle whose sweep grows with |u| (Gymnasium scales
  // an arrow bitmap by |u| / 2), counter-clockwise for u > 0.
  if (last_u_ != 0.0) {
    const double sweep = std::min(std::abs(last_u_) / kMaxTorque, 1.0) * 1.5 * kPi;
    const double radius = 0.35 * scale;
    const double start = -kPi / 2;
    cairo_t* cr = c.cr();
    c.set_rgb(40, 40, 40);
    cairo_set_line_width(cr, 0.06 * scale);
    cairo_new_sub_path(cr);
    if (last_u_ > 0)
      cairo_arc(cr, offset, offset, radius, start, start + sweep);
    else
      cairo_arc_negative(cr, offset, offset, radius, start, start - sweep);
    cairo_stroke(cr);
    const double tip = last_u_ > 0 ? start + sweep : start - sweep;
    const double dir = last_u_ > 0 ? 1.0 : -1.0;
    // Arrow head: a triangle at the arc's end, pointing along the tangent.
    const double tx = -std::sin(tip) * dir, ty = std::cos(tip) * dir;
    const double hx = offset + radius * std::cos(tip), hy = offset + radius * std::sin(tip);
    const double h = 0.12 * scale, w = 0.08 * scale;
    const double head[6] = {hx + tx * h,
                            hy + ty * h,
                            hx + std::cos(tip) * w,
                            hy + std::sin(tip) * w,
                            hx - std::cos(tip) * w,
                            hy - std::sin(tip) * w};
    c.fill_polygon(head, 3, 40, 40, 40);
  }
  c.fill_circle(offset, offset, 0.05 * scale, 0, 0, 0);
  c.to_image(frame);
  return true;
}

namespace {
void register_pendulum(Registry& registry) {
  using C = PendulumConfig;
  registry.add_env(env_entry(
      PendulumEnv::kId, "swing up and hold an inverted pendulum; Gymnasium 1.x pendulum.py",
      ConfigSchema<C>()
          .field("g", &C::g, "acceleration of gravity in m/s^2",
                 source("Gymnasium make argument g"))
          .field("x_init", &C::x_init, "reset theta ~ uniform(-x_init, x_init)", at_least(0.0),
                 source("Gymnasium reset option x_init"))
          .field("y_init", &C::y_init, "reset theta_dot ~ uniform(-y_init, y_init)", at_least(0.0),
                 source("Gymnasium reset option y_init")),
      [](const C& c) { return std::make_unique<PendulumEnv>(c); }));
}
}  // namespace
RLSIM_REGISTER(register_pendulum)

}  // namespace rlsim

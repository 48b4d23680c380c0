#include "envs/classic/cart_pole.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

#include "core/registry.hpp"
#include "envs/classic/detail.hpp"
#include "envs/classic/draw.hpp"

// GCC's SLP vectorizer merges the four state stores of a step into one 256-bit store; the
// next step's 64-bit loads of single components cannot be store-forwarded from it on x86
// cores such as this project's AMD EPYC, which stalls each step (measured: CartPole's
// physics 2x slower). Scalar stores keep the step at the speed of a hand-written loop.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-slp-vectorize")
#endif

namespace rlsim {

namespace {
EnvSpec cart_pole_spec(const CartPoleConfig& config) {
  // Observation bounds: 2 * x_threshold, inf, 2 * theta_threshold, inf as float32
  // (cartpole.py: "Angle limit set to 2 * theta_threshold_radians so failing observation is
  // still within bounds").
  const float inf = std::numeric_limits<float>::infinity();
  const float x_high = static_cast<float>(CartPoleEnv::kXThreshold * 2);
  const float theta_high = static_cast<float>(CartPoleEnv::kThetaThresholdRadians * 2);
  EnvSpec spec;
  spec.id = CartPoleEnv::kId;
  spec.observation_space =
      Space::box({-x_high, -inf, -theta_high, -inf}, {x_high, inf, theta_high, inf}, {4});
  spec.action_space = Space::discrete(2);
  spec.max_episode_steps = 500;
  // seeding = "gymnasium": reset draws np_random.uniform as Gymnasium does (docs/seeding.md).
  spec.gymnasium_seeding = true;
  // Registered threshold 475; Gymnasium's docs give 0 for the Sutton-Barto reward, whose
  // best return is 0.
  spec.reward_threshold = config.sutton_barto_reward ? 0.0 : 475.0;
  return spec;
}
}  // namespace

CartPoleEnv::CartPoleEnv(CartPoleConfig config) : Env(cart_pole_spec(config)), config_(config) {
  classic_detail::check_reset_bounds(config_.reset_low, config_.reset_high, spec().id);
}

void CartPoleEnv::advance(CartPoleState& s, std::int64_t action, CartPoleIntegrator integrator) {
  // The operations are ordered as in CartPoleEnv.step, so results match Python's doubles.
  const double force = action == 1 ? kForceMag : -kForceMag;
  const double costheta = std::cos(s.theta);
  const double sintheta = std::sin(s.theta);
  // https://coneural.org/florian/papers/05_cart_pole.pdf (cited by Gymnasium)
  const double temp =
      (force + kPoleMassLength * (s.theta_dot * s.theta_dot) * sintheta) / kTotalMass;
  const double thetaacc = (kGravity * sintheta - costheta * temp) /
                          (kLength * (4.0 / 3.0 - kMassPole * (costheta * costheta) / kTotalMass));
  const double xacc = temp - kPoleMassLength * thetaacc * costheta / kTotalMass;
  if (integrator == CartPoleIntegrator::Euler) {
    s.x = s.x + kTau * s.x_dot;
    s.x_dot = s.x_dot + kTau * xacc;
    s.theta = s.theta + kTau * s.theta_dot;
    s.theta_dot = s.theta_dot + kTau * thetaacc;
  } else {
    s.x_dot = s.x_dot + kTau * xacc;
    s.x = s.x + kTau * s.x_dot;
    s.theta_dot = s.theta_dot + kTau * thetaacc;
    s.theta = s.theta + kTau * s.theta_dot;
  }
}

bool CartPoleEnv::is_terminal(const CartPoleState& s) {
  return s.x < -kXThreshold || s.x > kXThreshold || s.theta < -kThetaThresholdRadians ||
         s.theta > kThetaThresholdRadians;
}

void CartPoleEnv::write_observation(Value& obs) const {
  classic_detail::size_observation(obs, 4);
  obs.vec[0] = static_cast<float>(state_.x);
  obs.vec[1] = static_cast<float>(state_.x_dot);
  obs.vec[2] = static_cast<float>(state_.theta);
  obs.vec[3] = static_cast<float>(state_.theta_dot);
}

void CartPoleEnv::do_reset(Value& obs) {
  // np_random.uniform(low, high, size=(4,)): four draws in state order.
  state_.x = draw_uniform(config_.reset_low, config_.reset_high);
  state_.x_dot = draw_uniform(config_.reset_low, config_.reset_high);
  state_.theta = draw_uniform(config_.reset_low, config_.reset_high);
  state_.theta_dot = draw_uniform(config_.reset_low, config_.reset_high);
  write_observation(obs);
}

StepResult CartPoleEnv::do_step(const Value& action, Value& obs) {
  advance(state_, action.index, config_.integrator);
  StepResult result;
  result.terminated = is_terminal(state_);
  // The base Env refuses steps after termination, so Gymnasium's steps_beyond_terminated
  // branch (reward 0, or -1 with the Sutton-Barto reward) cannot occur.
  if (config_.sutton_barto_reward)
    result.reward = result.terminated ? -1.0 : 0.0;
  else
    result.reward = 1.0;
  write_observation(obs);
  return result;
}

void CartPoleEnv::get_state(std::vector<double>& out) const {
  out.assign({state_.x, state_.x_dot, state_.theta, state_.theta_dot});
}

void CartPoleEnv::set_state(std::span<const double> state) {
  classic_detail::check_state(state, spec().id, {"x", "x_dot", "theta", "theta_dot"});
  state_ = {state[0], state[1], state[2], state[3]};
  mark_running();
}

void CartPoleEnv::observe(Value& obs) const {
  write_observation(obs);
}

std::string CartPoleEnv::render_text() const {
  char buf[160];
  std::snprintf(buf, sizeof buf, "x=%+.4f x_dot=%+.4f theta=%+.4f theta_dot=%+.4f", state_.x,
                state_.x_dot, state_.theta, state_.theta_dot);
  return buf;
}

// cartpole.py's render(): the cart, the pole on its axle, the track; y up, then flipped.
bool CartPoleEnv::render(Image& frame) const {
  Canvas c(kRenderWidth, kRenderHeight);
  c.clear(1.0, 1.0, 1.0);
  c.flip_y();
  const double scale = kRenderWidth / (kXThreshold * 2);
  const double pole_width = 10.0, pole_len = scale * (2 * kLength);
  const double cart_width = 50.0, cart_height = 30.0;
  const double axle_offset = cart_height / 4.0;
  const double cart_x = state_.x * scale + kRenderWidth / 2.0, cart_y = 100.0;
  c.fill_rect(cart_x - cart_width / 2, cart_y - cart_height / 2, cart_width, cart_height, 0, 0, 0);
  classic_draw::fill_rotated_box(c, -pole_width / 2, pole_width / 2, pole_len - pole_width / 2,
                                 -pole_width / 2, -state_.theta, cart_x, cart_y + axle_offset, 202,
                                 152, 101);
  c.fill_circle(cart_x, cart_y + axle_offset, pole_width / 2, 129, 132, 203);
  c.line(0.0, cart_y, kRenderWidth, cart_y, 1.0, 0, 0, 0);
  c.to_image(frame);
  return true;
}

namespace {
void register_cart_pole(Registry& registry) {
  using C = CartPoleConfig;
  registry.add_env(env_entry(
      CartPoleEnv::kId,
      "balance a pole on a cart; Gymnasium 1.x cartpole.py (Barto, Sutton & Anderson 1983)",
      classic_detail::with_reset_bounds(
          ConfigSchema<C>()
              .field("sutton_barto_reward", &C::sutton_barto_reward,
                     "reward 0 per step and -1 on termination instead of +1 per step",
                     source("Gymnasium make argument"))
              .field("kinematics_integrator", &C::integrator, "Euler or semi-implicit Euler",
                     names<CartPoleIntegrator>(
                         {{"euler", CartPoleIntegrator::Euler},
                          {"semi-implicit", CartPoleIntegrator::SemiImplicitEuler}}),
                     source("Gymnasium cartpole.py")),
          "each state component"),
      [](const C& c) { return std::make_unique<CartPoleEnv>(c); }));
}
}  // namespace
RLSIM_REGISTER(register_cart_pole)

}  // namespace rlsim

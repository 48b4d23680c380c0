#include "envs/classic/acrobot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "core/registry.hpp"
#include "envs/classic/detail.hpp"
#include "envs/classic/draw.hpp"

namespace rlsim {

namespace {
EnvSpec acrobot_spec() {
  const float v1 = static_cast<float>(AcrobotEnv::kMaxVel1);
  const float v2 = static_cast<float>(AcrobotEnv::kMaxVel2);
  EnvSpec spec;
  spec.id = AcrobotEnv::kId;
  spec.observation_space =
      Space::box({-1.f, -1.f, -1.f, -1.f, -v1, -v2}, {1.f, 1.f, 1.f, 1.f, v1, v2}, {6});
  spec.action_space = Space::discrete(3);
  spec.max_episode_steps = 500;
  spec.reward_threshold = -100.0;
  spec.defines_success = true;  // the free end reached the target height
  // seeding = "gymnasium": reset and the torque noise draw np_random.uniform as Gymnasium does
  // (docs/seeding.md).
  spec.gymnasium_seeding = true;
  return spec;
}

// The augmented state of acrobot.py's rk4: the 4 state components and the torque.
using Aug = std::array<double, 5>;

// AcrobotEnv._dsdt, with the operations in the same order.
Aug dsdt(const Aug& y, AcrobotDynamics dynamics) {
  constexpr double m1 = AcrobotEnv::kLinkMass1;
  constexpr double m2 = AcrobotEnv::kLinkMass2;
  constexpr double l1 = AcrobotEnv::kLinkLength1;
  constexpr double lc1 = AcrobotEnv::kLinkComPos1;
  constexpr double lc2 = AcrobotEnv::kLinkComPos2;
  constexpr double i1 = AcrobotEnv::kLinkMoi;
  constexpr double i2 = AcrobotEnv::kLinkMoi;
  constexpr double g = AcrobotEnv::kGravity;
  constexpr double pi = AcrobotEnv::kPi;
  const double a = y[4];
  const double theta1 = y[0];
  const double theta2 = y[1];
  const double dtheta1 = y[2];
  const double dtheta2 = y[3];
  const double cos_theta2 = std::cos(theta2);
  const double sin_theta2 = std::sin(theta2);
  const double d1 =
      m1 * (lc1 * lc1) + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * cos_theta2) + i1 + i2;
  const double d2 = m2 * (lc2 * lc2 + l1 * lc2 * cos_theta2) + i2;
  const double phi2 = m2 * lc2 * g * std::cos(theta1 + theta2 - pi / 2.0);
  const double phi1 = -m2 * l1 * lc2 * (dtheta2 * dtheta2) * sin_theta2 -
                      2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin_theta2 +
                      (m1 * lc1 + m2 * l1) * g * std::cos(theta1 - pi / 2) + phi2;
  double ddtheta2;
  if (dynamics == AcrobotDynamics::Nips) {
    ddtheta2 = (a + d2 / d1 * phi1 - phi2) / (m2 * (lc2 * lc2) + i2 - (d2 * d2) / d1);
  } else {
    ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * sin_theta2 - phi2) /
               (m2 * (lc2 * lc2) + i2 - (d2 * d2) / d1);
  }
  const double ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  return {dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0};
}

Aug axpy(const Aug& y, double h, const Aug& k) {
  Aug out;
  for (std::size_t i = 0; i < 5; ++i) out[i] = y[i] + h * k[i];
  return out;
}

// acrobot.py's wrap(x, m, M) and bound(x, m, M).
double wrap(double x, double m, double big_m) {
  const double diff = big_m - m;
  while (x > big_m) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}
double bound(double x, double m, double big_m) {
  return std::min(std::max(x, m), big_m);
}
}  // namespace

AcrobotEnv::AcrobotEnv(AcrobotConfig config) : Env(acrobot_spec()), config_(config) {
  classic_detail::check_reset_bounds(config_.reset_low, config_.reset_high, spec().id);
  if (!(config_.torque_noise_max >= 0.0) || !std::isfinite(config_.torque_noise_max))
    throw Error(std::string(kId) + ": torque_noise_max = " +
                std::to_string(config_.torque_noise_max) + " is invalid; use a finite number >= 0");
}

AcrobotEnv::State AcrobotEnv::advance(const State& s, double torque, AcrobotDynamics dynamics) {
  // rk4(self._dsdt, s_augmented, [0, self.dt]): one step of length dt.
  const Aug y0 = {s[0], s[1], s[2], s[3], torque};
  const double dt = kDt - 0.0;
  const double dt2 = dt / 2.0;
  const Aug k1 = dsdt(y0, dynamics);
  const Aug k2 = dsdt(axpy(y0, dt2, k1), dynamics);
  const Aug k3 = dsdt(axpy(y0, dt2, k2), dynamics);
  const Aug k4 = dsdt(axpy(y0, dt, k3), dynamics);
  State ns;
  for (std::size_t i = 0; i < 4; ++i)
    ns[i] = y0[i] + dt / 6.0 * (((k1[i] + 2 * k2[i]) + 2 * k3[i]) + k4[i]);
  ns[0] = wrap(ns[0], -kPi, kPi);
  ns[1] = wrap(ns[1], -kPi, kPi);
  ns[2] = bound(ns[2], -kMaxVel1, kMaxVel1);
  ns[3] = bound(ns[3], -kMaxVel2, kMaxVel2);
  return ns;
}

bool AcrobotEnv::is_terminal(const State& s) {
  return -std::cos(s[0]) - std::cos(s[1] + s[0]) > 1.0;
}

void AcrobotEnv::write_observation(Value& obs) const {
  classic_detail::size_observation(obs, 6);
  obs.vec[0] = static_cast<float>(std::cos(state_[0]));
  obs.vec[1] = static_cast<float>(std::sin(state_[0]));
  obs.vec[2] = static_cast<float>(std::cos(state_[1]));
  obs.vec[3] = static_cast<float>(std::sin(state_[1]));
  obs.vec[4] = static_cast<float>(state_[2]);
  obs.vec[5] = static_cast<float>(state_[3]);
}

void AcrobotEnv::do_reset(Value& obs) {
  // np_random.uniform(low, high, size=(4,)).astype(np.float32)
  for (double& x : state_)
    x = static_cast<double>(
        static_cast<float>(draw_uniform(config_.reset_low, config_.reset_high)));
  write_observation(obs);
}

StepResult AcrobotEnv::do_step(const Value& action, Value& obs) {
  double torque = kAvailTorque[static_cast<std::size_t>(action.index)];
  if (config_.torque_noise_max > 0)
    torque += draw_uniform(-config_.torque_noise_max, config_.torque_noise_max);
  state_ = advance(state_, torque, config_.dynamics);
  StepResult result;
  result.terminated = is_terminal(state_);
  result.reward = result.terminated ? 0.0 : -1.0;
  result.success = result.terminated;
  write_observation(obs);
  return result;
}

void AcrobotEnv::get_state(std::vector<double>& out) const {
  out.assign(state_.begin(), state_.end());
}

void AcrobotEnv::set_state(std::span<const double> state) {
  classic_detail::check_state(state, spec().id, {"theta1", "theta2", "dtheta1", "dtheta2"});
  std::copy(state.begin(), state.end(), state_.begin());
  mark_running();
}

void AcrobotEnv::observe(Value& obs) const {
  write_observation(obs);
}

// The observation is (cos θ1, sin θ1, cos θ2, sin θ2, dθ1, dθ2): the angles come back by
// atan2, in (−π, π] as the dynamics keep them.
bool AcrobotEnv::state_from_observation(const Value& obs, std::vector<double>& state) const {
  const auto& o = obs.vec;
  state.assign({std::atan2(static_cast<double>(o[1]), static_cast<double>(o[0])),
                std::atan2(static_cast<double>(o[3]), static_cast<double>(o[2])),
                static_cast<double>(o[4]), static_cast<double>(o[5])});
  return true;
}

std::string AcrobotEnv::render_text() const {
  char buf[160];
  std::snprintf(buf, sizeof buf, "theta1=%+.4f theta2=%+.4f dtheta1=%+.4f dtheta2=%+.4f", state_[0],
                state_[1], state_[2], state_[3]);
  return buf;
}

// acrobot.py's render(): the line to reach, then each link and its joint; y up, flipped.
bool AcrobotEnv::render(Image& frame) const {
  Canvas c(kRenderWidth, kRenderHeight);
  c.clear(1.0, 1.0, 1.0);
  c.flip_y();
  const State& s = state_;
  const double bound = kLinkLength1 + kLinkLength2 + 0.2;
  const double scale = kRenderWidth / (bound * 2);
  const double offset = kRenderWidth / 2.0;
  const double p1[2] = {-kLinkLength1 * std::cos(s[0]) * scale,
                        kLinkLength1 * std::sin(s[0]) * scale};
  // acrobot.py swaps the coordinates of the joints ([:, ::-1]) and draws one link from each
  // of the first two (its zip stops there, so the tip p2 is not needed).
  const double xs[2] = {0.0, p1[1]}, ys[2] = {0.0, p1[0]};
  const double thetas[2] = {s[0] - kPi / 2, s[0] + s[1] - kPi / 2};
  const double lengths[2] = {kLinkLength1 * scale, kLinkLength2 * scale};
  c.line(-2.2 * scale + offset, 1.0 * scale + offset, 2.2 * scale + offset, 1.0 * scale + offset,
         1.0, 0, 0, 0);
  for (int i = 0; i < 2; ++i) {
    const double x = xs[i] + offset, y = ys[i] + offset;
    classic_draw::fill_rotated_box(c, 0.0, lengths[i], 0.1 * scale, -0.1 * scale, thetas[i], x, y,
                                   0, 204, 204);
    c.fill_circle(x, y, 0.1 * scale, 204, 204, 0);
  }
  c.to_image(frame);
  return true;
}

namespace {
void register_acrobot(Registry& registry) {
  using C = AcrobotConfig;
  registry.add_env(env_entry(
      AcrobotEnv::kId,
      "swing a two-link pendulum's tip above a line; Gymnasium 1.x acrobot.py (Sutton 1996)",
      classic_detail::with_reset_bounds(
          ConfigSchema<C>()
              .field("book_or_nips", &C::dynamics,
                     "dynamics of Sutton & Barto's book or of the NIPS 1996 paper",
                     names<AcrobotDynamics>(
                         {{"book", AcrobotDynamics::Book}, {"nips", AcrobotDynamics::Nips}}),
                     source("Gymnasium acrobot.py"))
              .field("torque_noise_max", &C::torque_noise_max,
                     "adds uniform(-x, x) noise to the torque each step", at_least(0.0),
                     source("Gymnasium acrobot.py")),
          "each state component"),
      [](const C& c) { return std::make_unique<AcrobotEnv>(c); }));
}
}  // namespace
RLSIM_REGISTER(register_acrobot)

}  // namespace rlsim

// Step-for-step agreement of the classic-control envs with Gymnasium's equations.
//
// Each reference transition is computed here, independently of the env's code, from the
// equations of gymnasium/envs/classic_control/*.py (Gymnasium 1.x), in double precision,
// for chosen (state, action) pairs including the boundary cases. Observations must agree
// to float32 precision (one ulp), the env's double state and rewards to ~1e-12.
#include <array>
#include <cmath>

#include "core/error.hpp"
#include "envs/classic/cart_pole.hpp"
#include "tests/envs/test_classic_util.hpp"

using classic_test::box;
using classic_test::discrete;
using classic_test::make;
using classic_test::require_close;
using classic_test::require_obs;
using classic_test::require_state;
using classic_test::start_at;
using rlsim::StepResult;
using rlsim::Value;

namespace {
constexpr double kPi = 3.14159265358979323846;

// ---------------------------------------------------------------- CartPole (cartpole.py)
struct CartPoleRef {
  std::vector<double> next;
  bool terminated;
};

CartPoleRef cart_pole_ref(const std::vector<double>& s, int action, bool euler) {
  const double g = 9.8, mc = 1.0, mp = 0.1, half_len = 0.5, tau = 0.02;
  const double m = mp + mc;
  const double f = action == 1 ? 10.0 : -10.0;
  const double x = s[0], v = s[1], th = s[2], w = s[3];
  // Florian (2007) without friction, as Gymnasium writes it.
  const double tmp = (f + mp * half_len * w * w * std::sin(th)) / m;
  const double alpha = (g * std::sin(th) - std::cos(th) * tmp) /
                       (half_len * (4.0 / 3.0 - mp * std::cos(th) * std::cos(th) / m));
  const double acc = tmp - mp * half_len * alpha * std::cos(th) / m;
  std::vector<double> n(4);
  if (euler) {
    n = {x + tau * v, v + tau * acc, th + tau * w, w + tau * alpha};
  } else {
    const double v2 = v + tau * acc, w2 = w + tau * alpha;
    n = {x + tau * v2, v2, th + tau * w2, w2};
  }
  const double theta_max = 12.0 * 2.0 * kPi / 360.0;
  const bool term = n[0] < -2.4 || n[0] > 2.4 || n[2] < -theta_max || n[2] > theta_max;
  return {n, term};
}

void check_cart_pole(const std::vector<double>& s, int action, bool euler, bool sutton_barto,
                     std::optional<bool> expect_terminated = std::nullopt) {
  auto env = make("CartPole-v1",
                  {{"kinematics_integrator", std::string(euler ? "euler" : "semi-implicit")},
                   {"sutton_barto_reward", sutton_barto}});
  start_at(*env, s);
  Value obs;
  const StepResult r = env->step(discrete(action), obs);
  const CartPoleRef ref = cart_pole_ref(s, action, euler);
  INFO("state " << s[0] << " " << s[1] << " " << s[2] << " " << s[3] << " action " << action
                << (euler ? " euler" : " semi-implicit"));
  require_obs(obs, ref.next);
  require_state(*env, ref.next);
  REQUIRE(r.terminated == ref.terminated);
  if (expect_terminated) REQUIRE(r.terminated == *expect_terminated);
  REQUIRE_FALSE(r.truncated);
  // +1 on every step including the terminating one; Sutton-Barto: 0, and -1 on termination.
  const double reward = sutton_barto ? (ref.terminated ? -1.0 : 0.0) : 1.0;
  REQUIRE(r.reward == reward);
}

// ---------------------------------------------------------------- Acrobot (acrobot.py)
using A4 = std::array<double, 4>;

A4 acrobot_deriv(const A4& s, double torque, bool book) {
  // Sutton & Barto's acrobot with m1 = m2 = l1 = 1, lc1 = lc2 = 0.5, I1 = I2 = 1, g = 9.8.
  const double m1 = 1, m2 = 1, l1 = 1, lc1 = 0.5, lc2 = 0.5, i1 = 1, i2 = 1, g = 9.8;
  const double t1 = s[0], t2 = s[1], w1 = s[2], w2 = s[3];
  const double d1 =
      m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * std::cos(t2)) + i1 + i2;
  const double d2 = m2 * (lc2 * lc2 + l1 * lc2 * std::cos(t2)) + i2;
  const double phi2 = m2 * lc2 * g * std::cos(t1 + t2 - kPi / 2);
  const double phi1 = -m2 * l1 * lc2 * w2 * w2 * std::sin(t2) -
                      2 * m2 * l1 * lc2 * w2 * w1 * std::sin(t2) +
                      (m1 * lc1 + m2 * l1) * g * std::cos(t1 - kPi / 2) + phi2;
  double num = torque + d2 / d1 * phi1 - phi2;
  if (book) num -= m2 * l1 * lc2 * w1 * w1 * std::sin(t2);
  const double dd2 = num / (m2 * lc2 * lc2 + i2 - d2 * d2 / d1);
  const double dd1 = -(d2 * dd2 + phi1) / d1;
  return {w1, w2, dd1, dd2};
}

// Classical RK4 over dt = 0.2 without the wrapping and bounds.
A4 acrobot_rk4(const A4& s, double torque, bool book) {
  const double h = 0.2;
  auto shifted = [&](const A4& k, double c) {
    A4 o;
    for (int i = 0; i < 4; ++i) o[i] = s[i] + c * k[i];
    return o;
  };
  const A4 k1 = acrobot_deriv(s, torque, book);
  const A4 k2 = acrobot_deriv(shifted(k1, h / 2), torque, book);
  const A4 k3 = acrobot_deriv(shifted(k2, h / 2), torque, book);
  const A4 k4 = acrobot_deriv(shifted(k3, h), torque, book);
  A4 o;
  for (int i = 0; i < 4; ++i) o[i] = s[i] + h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  return o;
}

double wrap_pi(double x) {
  while (x > kPi) x -= 2 * kPi;
  while (x < -kPi) x += 2 * kPi;
  return x;
}

struct AcrobotRef {
  A4 unclipped;
  std::vector<double> next;
  std::vector<double> obs;
  bool terminated;
};

AcrobotRef acrobot_ref(const A4& s, double torque, bool book) {
  AcrobotRef r;
  r.unclipped = acrobot_rk4(s, torque, book);
  const A4& u = r.unclipped;
  r.next = {wrap_pi(u[0]), wrap_pi(u[1]), std::clamp(u[2], -4 * kPi, 4 * kPi),
            std::clamp(u[3], -9 * kPi, 9 * kPi)};
  const auto& n = r.next;
  r.obs = {std::cos(n[0]), std::sin(n[0]), std::cos(n[1]), std::sin(n[1]), n[2], n[3]};
  r.terminated = -std::cos(n[0]) - std::cos(n[1] + n[0]) > 1.0;
  return r;
}

AcrobotRef check_acrobot(const A4& s, int action, bool book) {
  auto env = make("Acrobot-v1", {{"book_or_nips", std::string(book ? "book" : "nips")}});
  start_at(*env, {s.begin(), s.end()});
  Value obs;
  const StepResult r = env->step(discrete(action), obs);
  const AcrobotRef ref = acrobot_ref(s, action - 1.0, book);
  INFO("state " << s[0] << " " << s[1] << " " << s[2] << " " << s[3] << " action " << action
                << (book ? " book" : " nips"));
  require_obs(obs, ref.obs);
  require_state(*env, ref.next);
  REQUIRE(r.terminated == ref.terminated);
  REQUIRE(r.success == ref.terminated);
  REQUIRE(r.reward == (ref.terminated ? 0.0 : -1.0));
  return ref;
}

// ---------------------------------------------------------- MountainCar (mountain_car.py)
struct CarRef {
  std::vector<double> next;
  bool terminated;
};

CarRef mountain_car_ref(double p, double v, double accel, double power, double goal_position,
                        double goal_velocity) {
  v = v + accel * power - 0.0025 * std::cos(3 * p);
  v = std::min(0.07, std::max(-0.07, v));
  p = p + v;
  p = std::min(0.6, std::max(-1.2, p));
  if (p <= -1.2 && v < 0) v = 0;  // inelastic left wall
  return {{p, v}, p >= goal_position && v >= goal_velocity};
}

void check_mountain_car(double p, double v, int action, double goal_velocity = 0.0,
                        std::optional<bool> expect_terminated = std::nullopt) {
  auto env = make("MountainCar-v0", {{"goal_velocity", goal_velocity}});
  start_at(*env, {p, v});
  Value obs;
  const StepResult r = env->step(discrete(action), obs);
  const CarRef ref = mountain_car_ref(p, v, action - 1.0, 0.001, 0.5, goal_velocity);
  INFO("position " << p << " velocity " << v << " action " << action);
  require_obs(obs, ref.next);
  require_state(*env, ref.next);
  REQUIRE(r.terminated == ref.terminated);
  if (expect_terminated) REQUIRE(r.terminated == *expect_terminated);
  REQUIRE(r.reward == -1.0);
}

// Gymnasium stores the continuous car's state as float32 after each step.
void check_continuous_car(double p, double v, float action, double goal_velocity = 0.0,
                          std::optional<bool> expect_terminated = std::nullopt) {
  auto env = make("MountainCarContinuous-v0", {{"goal_velocity", goal_velocity}});
  start_at(*env, {p, v});
  Value obs;
  const StepResult r = env->step(box(action), obs);
  const double force = std::min(1.0, std::max(-1.0, static_cast<double>(action)));
  const CarRef ref = mountain_car_ref(p, v, force, 0.0015, 0.45, goal_velocity);
  INFO("position " << p << " velocity " << v << " action " << action);
  const std::vector<double> stored = {static_cast<float>(ref.next[0]),
                                      static_cast<float>(ref.next[1])};
  require_obs(obs, stored);
  require_state(*env, stored);
  REQUIRE(r.terminated == ref.terminated);
  if (expect_terminated) REQUIRE(r.terminated == *expect_terminated);
  // The action cost uses the unclipped action.
  const double a = action;
  require_close(r.reward, (ref.terminated ? 100.0 : 0.0) - 0.1 * a * a);
}

// ----------------------------------------------------------------- Pendulum (pendulum.py)
struct PendulumRef {
  std::vector<double> next;
  std::vector<double> obs;
  double reward;
};

PendulumRef pendulum_ref(double th, double thdot, double u, double g = 10.0) {
  u = std::min(2.0, std::max(-2.0, u));
  // Angle in [-pi, pi): theta - 2 pi floor((theta + pi) / (2 pi)).
  const double norm = th - 2 * kPi * std::floor((th + kPi) / (2 * kPi));
  const double cost = norm * norm + 0.1 * thdot * thdot + 0.001 * u * u;
  const double dt = 0.05, m = 1.0, l = 1.0;
  double w = thdot + (3 * g / (2 * l) * std::sin(th) + 3.0 / (m * l * l) * u) * dt;
  w = std::min(8.0, std::max(-8.0, w));
  const double th2 = th + w * dt;
  return {{th2, w}, {std::cos(th2), std::sin(th2), w}, -cost};
}

void check_pendulum(double th, double thdot, float action, double g = 10.0) {
  auto env = make("Pendulum-v1", {{"g", g}});
  start_at(*env, {th, thdot});
  Value obs;
  const StepResult r = env->step(box(action), obs);
  const PendulumRef ref = pendulum_ref(th, thdot, action, g);
  INFO("theta " << th << " theta_dot " << thdot << " torque " << action << " g " << g);
  require_obs(obs, ref.obs);
  require_state(*env, ref.next);
  require_close(r.reward, ref.reward, 1e-9);
  REQUIRE_FALSE(r.terminated);
}
}  // namespace

TEST_CASE("CartPole-v1 transitions follow Gymnasium's equations", "[classic][cartpole]") {
  const std::vector<std::vector<double>> states = {
      {0.0, 0.0, 0.0, 0.0},    {0.01, -0.02, 0.03, -0.04}, {-1.3, 1.7, 0.15, -2.0},
      {2.0, -0.5, -0.18, 1.1}, {0.4, 3.0, 0.2, 2.5},       {-2.2, -2.0, -0.1, -0.8},
      {1.0, 0.0, 0.209, 0.0},  {0.0, 0.0, -0.05, 0.3},
  };
  for (bool euler : {true, false})
    for (bool sb : {false, true})
      for (const auto& s : states)
        for (int a : {0, 1}) check_cart_pole(s, a, euler, sb);
}

TEST_CASE("CartPole-v1 terminates exactly beyond 2.4 and 12 degrees", "[classic][cartpole]") {
  const double theta_max = 12 * 2 * kPi / 360;
  REQUIRE(rlsim::CartPoleEnv::kThetaThresholdRadians == theta_max);
  for (bool sb : {false, true}) {
    // Euler moves x and theta with the old velocities: with zero velocities they stay put,
    // on the threshold itself, which is not beyond it.
    check_cart_pole({2.4, 0.0, 0.0, 0.0}, 1, true, sb, false);
    check_cart_pole({-2.4, 0.0, 0.0, 0.0}, 0, true, sb, false);
    check_cart_pole({0.0, 0.0, theta_max, 0.0}, 1, true, sb, false);
    check_cart_pole({0.0, 0.0, -theta_max, 0.0}, 0, true, sb, false);
    // Just beyond: terminated, with +1 (or -1 for Sutton-Barto) on that step.
    check_cart_pole({2.4, 1e-9, 0.0, 0.0}, 1, true, sb, true);
    check_cart_pole({-2.4, -1e-9, 0.0, 0.0}, 0, true, sb, true);
    check_cart_pole({0.0, 0.0, theta_max, 1e-9}, 1, true, sb, true);
    check_cart_pole({0.0, 0.0, -theta_max, -1e-9}, 0, true, sb, true);
    check_cart_pole({2.39, 1.0, 0.0, 0.0}, 0, true, sb, true);
    check_cart_pole({0.0, 0.0, 0.2, 0.5}, 0, true, sb, true);
    // Semi-implicit Euler uses the new velocity: zero old velocity can still cross.
    check_cart_pole({2.4, 0.0, 0.0, 0.0}, 1, false, sb, true);
    // (action 0 pushes the cart left, which tips the pole further right)
    check_cart_pole({0.0, 0.0, theta_max, 0.0}, 0, false, sb, true);
  }
  // The observation space bounds are 2 * 2.4 and 2 * 12 degrees, as float32.
  auto env = make("CartPole-v1");
  const auto& os = env->spec().observation_space;
  REQUIRE(os.high() ==
          std::vector<float>{4.8f, INFINITY, static_cast<float>(2 * theta_max), INFINITY});
  REQUIRE(os.low() ==
          std::vector<float>{-4.8f, -INFINITY, -static_cast<float>(2 * theta_max), -INFINITY});
}

TEST_CASE("CartPole-v1 does not step past termination", "[classic][cartpole]") {
  auto env = make("CartPole-v1");
  start_at(*env, {2.4, 1.0, 0.0, 0.0});
  Value obs;
  REQUIRE(env->step(discrete(1), obs).terminated);
  REQUIRE_THROWS_AS(env->step(discrete(1), obs), rlsim::Error);
}

TEST_CASE("Acrobot-v1 transitions follow Gymnasium's RK4 dynamics", "[classic][acrobot]") {
  const std::vector<A4> states = {
      {0.0, 0.0, 0.0, 0.0},    {0.05, -0.08, 0.02, 0.09}, {1.2, -0.7, 2.5, -4.0},
      {-2.8, 2.9, -6.0, 10.0}, {0.3, 1.4, 3.0, -12.0},    {-1.5, 0.0, 4 * kPi, 0.0},
  };
  for (bool book : {true, false})
    for (const auto& s : states)
      for (int a : {0, 1, 2}) check_acrobot(s, a, book);
}

TEST_CASE("Acrobot-v1 wraps angles, bounds velocities and terminates as Gymnasium",
          "[classic][acrobot]") {
  for (bool book : {true, false}) {
    // theta2 passes pi (wrapped) and dtheta1 exceeds 4 pi (clipped to it).
    AcrobotRef r = check_acrobot({0.0, 1.0, 0.0, 28.0}, 0, book);
    REQUIRE(r.unclipped[1] > kPi);
    REQUIRE(r.unclipped[2] > 4 * kPi);
    REQUIRE(r.next[2] == 4 * kPi);
    // dtheta1 below -4 pi and dtheta2 above 9 pi; theta2 wrapped from above 2 pi.
    r = check_acrobot({1.0, 2.0, -5.0, 27.0}, 2, book);
    REQUIRE(r.unclipped[2] < -4 * kPi);
    REQUIRE(r.unclipped[3] > 9 * kPi);
    REQUIRE(r.next[3] == 9 * kPi);
    // dtheta2 below -9 pi; theta2 wrapped from below -pi.
    r = check_acrobot({-2.0, -2.0, 12.0, -27.0}, 0, book);
    REQUIRE(r.unclipped[3] < -9 * kPi);
    REQUIRE(r.next[3] == -9 * kPi);
    REQUIRE(r.unclipped[1] < -kPi);
    // Angles set far outside [-pi, pi] need more than one wrap.
    r = check_acrobot({10.0, -10.0, 0.1, -0.2}, 1, book);
    REQUIRE(r.unclipped[0] > 3 * kPi);
    REQUIRE(r.unclipped[1] < -3 * kPi);
    // theta1 passes pi: the tip is high, -cos(t1) - cos(t1 + t2) > 1: terminated, reward 0.
    r = check_acrobot({3.0, 0.0, 5.0, 0.0}, 1, book);
    REQUIRE(r.unclipped[0] > kPi);
    REQUIRE(r.terminated);
    // Hanging down: not terminated, reward -1.
    r = check_acrobot({0.0, 0.0, 0.0, 0.0}, 2, book);
    REQUIRE_FALSE(r.terminated);
  }
}

TEST_CASE("Acrobot-v1 torque noise is uniform(-max, max) drawn after the reset draws",
          "[classic][acrobot]") {
  // Gymnasium draws the 4 reset uniforms, then one noise uniform per step, from the same
  // generator; our env does the same with its own Rng.
  const double noise_max = 0.5;
  auto env = make("Acrobot-v1", {{"torque_noise_max", noise_max}});
  Value obs;
  env->reset(obs, 77);
  const A4 s = {0.4, -0.3, 1.0, -2.0};
  env->set_state({s.begin(), s.end()});
  env->step(discrete(2), obs);
  rlsim::Rng rng(77);
  for (int i = 0; i < 4; ++i) rng.uniform(-0.1, 0.1);
  const double noise = rng.uniform(-noise_max, noise_max);
  REQUIRE(std::fabs(noise) > 1e-3);  // the check below would not see a tiny noise
  const AcrobotRef ref = acrobot_ref(s, 1.0 + noise, true);
  require_obs(obs, ref.obs);
  require_state(*env, ref.next);
}

TEST_CASE("MountainCar-v0 transitions follow Gymnasium's equations", "[classic][mountaincar]") {
  for (double p : {-0.5, -0.9, 0.1, 0.45, -1.1})
    for (double v : {0.0, 0.03, -0.04})
      for (int a : {0, 1, 2}) check_mountain_car(p, v, a);
}

TEST_CASE("MountainCar-v0 wall, speed limit and goal", "[classic][mountaincar]") {
  // Left wall: the position is clipped to -1.2 and the negative velocity reset to 0.
  check_mountain_car(-1.19, -0.05, 0);
  {
    auto env = make("MountainCar-v0");
    start_at(*env, {-1.19, -0.05});
    Value obs;
    env->step(discrete(0), obs);
    require_state(*env, {-1.2, 0.0});
    REQUIRE(obs.vec[0] == -1.2f);
    REQUIRE(obs.vec[1] == 0.0f);
  }
  // At the wall with the velocity turning positive, it keeps its velocity.
  check_mountain_car(-1.2, 0.0, 2);
  // Speed limit +-0.07.
  check_mountain_car(-0.5, 0.0699, 2);
  check_mountain_car(-0.2, -0.0699, 0);
  // Goal at 0.5 with velocity >= goal_velocity (default 0).
  check_mountain_car(0.49, 0.02, 2, 0.0, true);
  check_mountain_car(0.5, 0.0, 2, 0.0, true);
  check_mountain_car(0.48, 0.005, 1, 0.0, false);
  // With goal_velocity 0.05 the same arrival is not enough.
  check_mountain_car(0.49, 0.02, 2, 0.05, false);
  // The right edge clips the position at 0.6 (velocity kept).
  check_mountain_car(0.58, 0.06, 2, 0.0, true);
}

TEST_CASE("MountainCarContinuous-v0 transitions, clipping and reward", "[classic][mountaincar]") {
  for (double p : {-0.5, -0.9, 0.1, -1.1})
    for (double v : {0.0, 0.03, -0.04})
      for (float a : {-1.0f, -0.3f, 0.0f, 0.7f, 1.0f}) check_continuous_car(p, v, a);
  // Out-of-range forces are clipped to [-1, 1]; the action cost uses the raw action.
  check_continuous_car(-0.5, 0.01, 3.0f);
  check_continuous_car(-0.5, 0.01, -7.5f);
  {
    auto a = make("MountainCarContinuous-v0");
    auto b = make("MountainCarContinuous-v0");
    start_at(*a, {-0.5, 0.01});
    start_at(*b, {-0.5, 0.01});
    Value oa, ob;
    const StepResult ra = a->step(box(3.0f), oa);
    const StepResult rb = b->step(box(1.0f), ob);
    REQUIRE(oa.vec == ob.vec);
    REQUIRE(ra.reward == Approx(-0.9).epsilon(1e-12));
    REQUIRE(rb.reward == Approx(-0.1).epsilon(1e-12));
  }
  // Left wall, speed limit, goal at 0.45 (+100), goal_velocity.
  check_continuous_car(-1.19, -0.05, -1.0f);
  check_continuous_car(-0.5, 0.0699, 1.0f);
  check_continuous_car(0.44, 0.02, 0.5f, 0.0, true);
  check_continuous_car(0.44, 0.02, 0.5f, 0.05, false);
  check_continuous_car(0.40, 0.01, 0.0f, 0.0, false);
}

TEST_CASE("MountainCarContinuous-v0 keeps Gymnasium's float32 state over many steps",
          "[classic][mountaincar]") {
  auto env = make("MountainCarContinuous-v0");
  Value obs;
  env->reset(obs, 3);
  std::vector<double> s;
  env->get_state(s);
  double p = s[0], v = s[1];
  rlsim::Rng rng(9);
  for (int t = 0; t < 300 && !env->episode_over(); ++t) {
    const float a = static_cast<float>(rng.uniform(-1.5, 1.5));
    const StepResult r = env->step(box(a), obs);
    const CarRef ref =
        mountain_car_ref(p, v, std::min(1.0, std::max(-1.0, double(a))), 0.0015, 0.45, 0.0);
    p = static_cast<float>(ref.next[0]);
    v = static_cast<float>(ref.next[1]);
    require_state(*env, {p, v});
    REQUIRE(r.terminated == ref.terminated);
  }
}

TEST_CASE("Pendulum-v1 transitions, angle normalisation and speed limit", "[classic][pendulum]") {
  for (double th : {0.0, 0.4, -2.0, 3.1, kPi, -kPi, 3 * kPi + 0.1, -7.0, 20.0})
    for (double w : {0.0, -0.6, 3.0, 7.9, -7.9})
      for (float u : {-2.0f, -0.5f, 0.0f, 1.25f, 2.0f}) check_pendulum(th, w, u);
  // Gravity is a parameter (Gymnasium's g, default 10).
  check_pendulum(1.0, 0.5, 1.0f, 9.81);
  // The speed limit: 7.9 plus a push past 8 is clipped to 8.
  {
    auto env = make("Pendulum-v1");
    start_at(*env, {kPi / 2, 7.9});
    Value obs;
    env->step(box(2.0f), obs);
    std::vector<double> s;
    env->get_state(s);
    REQUIRE(s[1] == 8.0);
    REQUIRE(obs.vec[2] == 8.0f);
  }
  // Normalisation: 3 pi + 0.1 costs like -pi + 0.1; -pi costs like pi (pi^2).
  {
    auto env = make("Pendulum-v1");
    start_at(*env, {3 * kPi + 0.1, 0.0});
    Value obs;
    const double r = env->step(box(0.0f), obs).reward;
    require_close(r, -(kPi - 0.1) * (kPi - 0.1), 1e-9);
    start_at(*env, {-kPi, 0.0});
    require_close(env->step(box(0.0f), obs).reward, -kPi * kPi, 1e-12);
  }
}

TEST_CASE("Pendulum-v1 clips out-of-range torque exactly as Gymnasium", "[classic][pendulum]") {
  // np.clip(u, -2, 2): 5 acts (and costs) as 2, -3.5 as -2; the env accepts them.
  for (const auto& [raw, clipped] : {std::pair{5.0f, 2.0f}, std::pair{-3.5f, -2.0f},
                                     std::pair{2.0000002f, 2.0f}, std::pair{1e30f, 2.0f}}) {
    auto a = make("Pendulum-v1");
    auto b = make("Pendulum-v1");
    start_at(*a, {0.7, -1.3});
    start_at(*b, {0.7, -1.3});
    Value oa, ob;
    const StepResult ra = a->step(box(raw), oa);
    const StepResult rb = b->step(box(clipped), ob);
    REQUIRE(oa.vec == ob.vec);
    REQUIRE(ra.reward == rb.reward);
    check_pendulum(0.7, -1.3, raw);
  }
  REQUIRE(make("Pendulum-v1")->spec().env_clips_actions);
  REQUIRE(make("MountainCarContinuous-v0")->spec().env_clips_actions);
}

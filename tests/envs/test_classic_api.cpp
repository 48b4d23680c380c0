// Interface behaviour of the classic-control envs: registration and specs as Gymnasium
// registers them, parameters, seeding and determinism, state get/set, time limits and the
// rejection of invalid actions and states.
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "envs/classic/acrobot.hpp"
#include "envs/classic/cart_pole.hpp"
#include "envs/classic/pendulum.hpp"
#include "tests/envs/test_classic_util.hpp"

using classic_test::box;
using classic_test::discrete;
using classic_test::make;
using rlsim::StepResult;
using rlsim::Value;

namespace {
const std::vector<std::string> kIds = {"CartPole-v1", "Acrobot-v1", "MountainCar-v0",
                                       "MountainCarContinuous-v0", "Pendulum-v1"};

void random_action(const rlsim::Space& as, rlsim::Rng& rng, Value& action) {
  if (as.is_discrete()) {
    action.index = rng.integer(as.start(), as.start() + as.n() - 1);
  } else {
    action.vec.resize(as.flat_size());
    for (std::size_t i = 0; i < action.vec.size(); ++i)
      action.vec[i] = static_cast<float>(rng.uniform(as.low()[i], as.high()[i]));
  }
}

struct Trace {
  std::vector<float> obs;
  std::vector<double> rewards;
  std::vector<int> flags;
};

// Episodes back to back: the first reset seeded, the others continuing the env's stream.
Trace run(rlsim::Env& env, std::uint64_t seed, std::uint64_t policy_seed, int steps) {
  Trace t;
  rlsim::Rng policy(policy_seed);
  Value obs, action;
  env.reset(obs, seed);
  t.obs.insert(t.obs.end(), obs.vec.begin(), obs.vec.end());
  for (int i = 0; i < steps; ++i) {
    random_action(env.spec().action_space, policy, action);
    const StepResult r = env.step(action, obs);
    t.obs.insert(t.obs.end(), obs.vec.begin(), obs.vec.end());
    t.rewards.push_back(r.reward);
    t.flags.push_back(r.terminated * 2 + r.truncated);
    if (r.terminated || r.truncated) {
      env.reset(obs);
      t.obs.insert(t.obs.end(), obs.vec.begin(), obs.vec.end());
    }
  }
  return t;
}
}  // namespace

TEST_CASE("classic envs are registered with Gymnasium's specs", "[classic][api]") {
  for (const auto& id : kIds) REQUIRE(classic_test::registry().has_env(id));
  const double pi = 3.14159265358979323846;
  struct Expect {
    std::string id;
    std::string act;
    std::int64_t limit;
    std::optional<double> threshold;
  };
  const std::vector<Expect> expected = {
      {"CartPole-v1", "Discrete(2)", 500, 475.0},
      {"Acrobot-v1", "Discrete(3)", 500, -100.0},
      {"MountainCar-v0", "Discrete(3)", 200, -110.0},
      {"MountainCarContinuous-v0", "Box(-1, 1, (1,), float32)", 999, 90.0},
      {"Pendulum-v1", "Box(-2, 2, (1,), float32)", 200, std::nullopt},
  };
  for (const auto& e : expected) {
    auto env = make(e.id);
    INFO(e.id);
    REQUIRE(env->spec().id == e.id);
    REQUIRE(env->spec().action_space.describe() == e.act);
    REQUIRE(env->spec().max_episode_steps == e.limit);
    REQUIRE(env->spec().reward_threshold == e.threshold);
    REQUIRE(env->has_state());
  }
  const float f4pi = static_cast<float>(4 * pi), f9pi = static_cast<float>(9 * pi);
  REQUIRE(make("Acrobot-v1")->spec().observation_space.high() ==
          std::vector<float>{1, 1, 1, 1, f4pi, f9pi});
  REQUIRE(make("Acrobot-v1")->spec().observation_space.low() ==
          std::vector<float>{-1, -1, -1, -1, -f4pi, -f9pi});
  REQUIRE(make("MountainCar-v0")->spec().observation_space.low() ==
          std::vector<float>{-1.2f, -0.07f});
  REQUIRE(make("MountainCar-v0")->spec().observation_space.high() ==
          std::vector<float>{0.6f, 0.07f});
  REQUIRE(make("MountainCarContinuous-v0")->spec().observation_space.low() ==
          std::vector<float>{-1.2f, -0.07f});
  REQUIRE(make("Pendulum-v1")->spec().observation_space.high() ==
          std::vector<float>{1.f, 1.f, 8.f});
  // Sutton-Barto rewards are at most 0, and Gymnasium's docs give threshold 0 for them.
  REQUIRE(make("CartPole-v1", {{"sutton_barto_reward", true}})->spec().reward_threshold == 0.0);
}

TEST_CASE("classic env parameters are typed, checked and applied", "[classic][api]") {
  REQUIRE_THROWS_AS(make("CartPole-v1", {{"gravity", 3.0}}), rlsim::Error);
  REQUIRE_THROWS_AS(make("CartPole-v1", {{"kinematics_integrator", std::string("rk4")}}),
                    rlsim::Error);
  REQUIRE_THROWS_AS(make("CartPole-v1", {{"reset_low", 0.1}, {"reset_high", 0.0}}), rlsim::Error);
  REQUIRE_THROWS_AS(make("Acrobot-v1", {{"book_or_nips", std::string("paper")}}), rlsim::Error);
  REQUIRE_THROWS_AS(make("Acrobot-v1", {{"torque_noise_max", -1.0}}), rlsim::Error);
  REQUIRE_THROWS_AS(make("Pendulum-v1", {{"x_init", -1.0}}), rlsim::Error);
  REQUIRE_THROWS_AS(make("Pendulum-v1", {{"g", std::string("ten")}}), rlsim::Error);
  // The registry's time-limit override.
  auto env = make("Pendulum-v1", {{"max_episode_steps", std::int64_t{7}}});
  REQUIRE(env->spec().max_episode_steps == 7);
  // Reset bounds (Gymnasium's reset options low/high, x_init/y_init).
  Value obs;
  auto cp = make("CartPole-v1", {{"reset_low", 0.5}, {"reset_high", 0.5}});
  cp->reset(obs, 4);
  REQUIRE(obs.vec == std::vector<float>(4, 0.5f));
  auto pend = make("Pendulum-v1", {{"x_init", 0.0}, {"y_init", 0.0}});
  pend->reset(obs, 4);
  REQUIRE(obs.vec == std::vector<float>{1.f, 0.f, 0.f});
  auto car = make("MountainCar-v0", {{"reset_low", -0.55}, {"reset_high", -0.55}});
  car->reset(obs, 4);
  REQUIRE(obs.vec == std::vector<float>{-0.55f, 0.f});
}

TEST_CASE("classic env resets follow Gymnasium's distributions", "[classic][api]") {
  Value obs;
  std::vector<double> s;
  const int n = 2000;
  SECTION("CartPole-v1: every component uniform(-0.05, 0.05)") {
    auto env = make("CartPole-v1");
    double sum = 0, lo = 1, hi = -1;
    for (int i = 0; i < n; ++i) {
      env->reset(obs, i == 0 ? std::optional<std::uint64_t>(1) : std::nullopt);
      env->get_state(s);
      for (double x : s) {
        sum += x;
        lo = std::min(lo, x);
        hi = std::max(hi, x);
      }
      for (std::size_t k = 0; k < 4; ++k) REQUIRE(obs.vec[k] == static_cast<float>(s[k]));
    }
    REQUIRE(lo >= -0.05);
    REQUIRE(hi < 0.05);
    REQUIRE(lo < -0.049);
    REQUIRE(hi > 0.049);
    // Mean 0, sd 0.1 / sqrt(12) per draw.
    REQUIRE(std::fabs(sum / (4 * n)) < 4 * 0.1 / std::sqrt(12.0) / std::sqrt(4.0 * n));
  }
  SECTION("Acrobot-v1: uniform(-0.1, 0.1) rounded to float32") {
    auto env = make("Acrobot-v1");
    for (int i = 0; i < n; ++i) {
      env->reset(obs, i == 0 ? std::optional<std::uint64_t>(2) : std::nullopt);
      env->get_state(s);
      for (double x : s) {
        REQUIRE(std::fabs(x) <= 0.1);
        REQUIRE(static_cast<double>(static_cast<float>(x)) == x);
      }
      REQUIRE(obs.vec[0] == static_cast<float>(std::cos(s[0])));
      REQUIRE(obs.vec[5] == static_cast<float>(s[3]));
    }
  }
  SECTION("MountainCar: position uniform(-0.6, -0.4), velocity 0") {
    for (const char* id : {"MountainCar-v0", "MountainCarContinuous-v0"}) {
      auto env = make(id);
      double sum = 0;
      for (int i = 0; i < n; ++i) {
        env->reset(obs, i == 0 ? std::optional<std::uint64_t>(3) : std::nullopt);
        env->get_state(s);
        REQUIRE(s[0] >= -0.6);
        REQUIRE(s[0] < -0.4);
        REQUIRE(s[1] == 0.0);
        sum += s[0];
      }
      REQUIRE(std::fabs(sum / n + 0.5) < 4 * 0.2 / std::sqrt(12.0 * n));
    }
  }
  SECTION("Pendulum-v1: theta uniform(-pi, pi), theta_dot uniform(-1, 1)") {
    auto env = make("Pendulum-v1");
    double lo = 0, hi = 0;
    for (int i = 0; i < n; ++i) {
      env->reset(obs, i == 0 ? std::optional<std::uint64_t>(5) : std::nullopt);
      env->get_state(s);
      REQUIRE(std::fabs(s[0]) <= rlsim::PendulumEnv::kPi);
      REQUIRE(std::fabs(s[1]) <= 1.0);
      lo = std::min(lo, s[0]);
      hi = std::max(hi, s[0]);
    }
    REQUIRE(lo < -3.1);
    REQUIRE(hi > 3.1);
  }
}

TEST_CASE("classic envs: same seed gives the same trajectory and reset(seed) repeats it",
          "[classic][api]") {
  for (const auto& id : kIds) {
    INFO(id);
    auto a = make(id);
    auto b = make(id);
    const Trace ta = run(*a, 42, 7, 1500);
    const Trace tb = run(*b, 42, 7, 1500);
    REQUIRE(ta.obs == tb.obs);
    REQUIRE(ta.rewards == tb.rewards);
    REQUIRE(ta.flags == tb.flags);
    // A different env seed gives a different trajectory.
    const Trace tc = run(*b, 43, 7, 1500);
    REQUIRE(ta.obs != tc.obs);
    // Reseeding the used env reproduces the first trajectory.
    const Trace td = run(*a, 42, 7, 1500);
    REQUIRE(ta.obs == td.obs);
    // Every observation lies in the observation space.
    const auto& os = a->spec().observation_space;
    const std::size_t d = os.flat_size();
    Value v;
    v.vec.resize(d);
    for (std::size_t i = 0; i + d <= ta.obs.size(); i += d) {
      std::copy(ta.obs.begin() + i, ta.obs.begin() + i + d, v.vec.begin());
      REQUIRE(os.contains(v));
    }
  }
}

TEST_CASE("classic envs: get_state/set_state round trip", "[classic][api]") {
  for (const auto& id : kIds) {
    INFO(id);
    auto env = make(id, {{"max_episode_steps", std::int64_t{0}}});
    rlsim::Rng policy(11);
    Value obs, action, obs_at_save;
    env->reset(obs, 21);
    for (int i = 0; i < 5; ++i) {
      random_action(env->spec().action_space, policy, action);
      env->step(action, obs);
    }
    REQUIRE_FALSE(env->episode_over());
    std::vector<double> saved;
    env->get_state(saved);
    obs_at_save = obs;
    std::vector<Value> actions(30);
    for (auto& a : actions) random_action(env->spec().action_space, policy, a);
    auto play = [&](std::vector<float>& out) {
      for (const auto& a : actions) {
        if (env->episode_over()) break;
        const StepResult r = env->step(a, obs);
        out.insert(out.end(), obs.vec.begin(), obs.vec.end());
        out.push_back(static_cast<float>(r.reward));
      }
    };
    std::vector<float> first, second;
    play(first);
    env->set_state(saved);
    std::vector<double> again;
    env->get_state(again);
    REQUIRE(again == saved);
    Value observed;
    env->observe(observed);
    REQUIRE(observed.vec == obs_at_save.vec);
    play(second);
    REQUIRE(first == second);
    REQUIRE_FALSE(env->render_text().empty());
  }
}

TEST_CASE("classic envs reject bad states and actions", "[classic][api]") {
  Value obs;
  for (const auto& id : kIds) {
    INFO(id);
    auto env = make(id);
    env->reset(obs, 1);
    std::vector<double> s;
    env->get_state(s);
    std::vector<double> longer = s;
    longer.push_back(0.0);
    REQUIRE_THROWS_AS(env->set_state(longer), rlsim::Error);
    std::vector<double> nan_state = s;
    nan_state[0] = std::numeric_limits<double>::quiet_NaN();
    REQUIRE_THROWS_AS(env->set_state(nan_state), rlsim::Error);
    std::vector<double> after;
    env->get_state(after);
    REQUIRE(after == s);  // a refused state leaves the env unchanged
  }
  // Discrete envs: out-of-range actions (Gymnasium asserts action_space.contains).
  for (const char* id : {"CartPole-v1", "Acrobot-v1", "MountainCar-v0"}) {
    auto env = make(id);
    env->reset(obs, 1);
    const std::int64_t n = env->spec().action_space.n();
    REQUIRE_THROWS_AS(env->step(discrete(n), obs), rlsim::Error);
    REQUIRE_THROWS_AS(env->step(discrete(-1), obs), rlsim::Error);
  }
  // Continuous envs clip finite actions but refuse NaN and wrong sizes.
  for (const char* id : {"Pendulum-v1", "MountainCarContinuous-v0"}) {
    auto env = make(id);
    env->reset(obs, 1);
    REQUIRE_THROWS_AS(env->step(box(std::numeric_limits<float>::quiet_NaN()), obs), rlsim::Error);
    Value two;
    two.vec = {0.f, 0.f};
    REQUIRE_THROWS_AS(env->step(two, obs), rlsim::Error);
    REQUIRE_NOTHROW(env->step(box(100.f), obs));
    REQUIRE_NOTHROW(env->step(box(-std::numeric_limits<float>::infinity()), obs));
  }
}

TEST_CASE("classic envs: time limits truncate, goals terminate", "[classic][api]") {
  Value obs;
  // Pendulum never terminates: exactly 200 steps, the last one truncated.
  auto pend = make("Pendulum-v1");
  pend->reset(obs, 8);
  for (int t = 1; t <= 200; ++t) {
    const StepResult r = pend->step(box(0.5f), obs);
    REQUIRE_FALSE(r.terminated);
    REQUIRE(r.truncated == (t == 200));
  }
  // MountainCar with the "push in the direction of motion" policy reaches the flag.
  for (const char* id : {"MountainCar-v0", "MountainCarContinuous-v0"}) {
    auto car = make(id);
    car->reset(obs, 9);
    StepResult r;
    int t = 0;
    while (!car->episode_over()) {
      const bool right = obs.vec[1] >= 0;
      r = std::string(id) == "MountainCar-v0" ? car->step(discrete(right ? 2 : 0), obs)
                                              : car->step(box(right ? 1.f : -1.f), obs);
      ++t;
    }
    INFO(id << " finished after " << t << " steps");
    REQUIRE(r.terminated);
    REQUIRE(r.success);
    REQUIRE(obs.vec[0] >= (std::string(id) == "MountainCar-v0" ? 0.5f : 0.45f));
  }
  // The time limit (here overridden to 3 steps) truncates; CartPole does not fall that fast.
  auto cp_short = make("CartPole-v1", {{"max_episode_steps", std::int64_t{3}}});
  cp_short->reset(obs, 10);
  REQUIRE_FALSE(cp_short->step(discrete(0), obs).truncated);
  REQUIRE_FALSE(cp_short->step(discrete(1), obs).truncated);
  REQUIRE(cp_short->step(discrete(0), obs).truncated);
}

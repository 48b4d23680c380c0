// Non-stationary and adversarial problems: oracle semantics step by step, random change
// points, the reflected random walk, the anti-UCB1 adversary (UCB1 earns nothing, EXP3 has
// sublinear regret), and switching-bandit policies beating UCB1 under abrupt changes.
#include <catch2/catch.hpp>

#include <cmath>

#include "bandits/policies/exp3.hpp"
#include "bandits/policies/nonstationary_ucb.hpp"
#include "bandits/policies/ucb.hpp"
#include "bandits/problems/adversarial.hpp"
#include "bandits/problems/nonstationary.hpp"
#include "bandits/register.hpp"
#include "helpers.hpp"

using namespace rlsim;

TEST_CASE("piecewise-stationary: the oracle follows the segments", "[bandits][nonstationary]") {
  PiecewiseStationaryConfig c;
  c.arms = 2;
  c.means = {0.1, 0.9, 0.8, 0.2, 0.5, 0.6};
  c.change_points = {3, 5};
  c.horizon = 8;
  PiecewiseStationaryBandit env(c);
  Value obs, next, action;
  env.reset(obs, 1);
  action.index = 0;
  const double want0[8] = {0.1, 0.1, 0.1, 0.8, 0.8, 0.5, 0.5, 0.5};
  const double best[8] = {0.9, 0.9, 0.9, 0.8, 0.8, 0.6, 0.6, 0.6};
  for (int t = 0; t < 8; ++t) {
    INFO("step " << t);
    CHECK(env.oracle()->expected_reward(0) == want0[t]);
    CHECK(env.oracle()->best_expected_reward() == best[t]);
    StepResult r = env.step(action, next);
    CHECK(r.truncated == (t == 7));
  }
  env.reset(obs, 2);
  CHECK(env.oracle()->expected_reward(1) == 0.9);

  PiecewiseStationaryConfig bad = c;
  bad.change_points = {5, 3};
  CHECK_THROWS_WITH(PiecewiseStationaryBandit(bad), Catch::Contains("change_points[1]"));
  bad.change_points = {3};
  CHECK_THROWS_WITH(PiecewiseStationaryBandit(bad), Catch::Contains("means"));
  bad = c;
  bad.means[2] = 1.5;
  CHECK_THROWS_WITH(PiecewiseStationaryBandit(bad), Catch::Contains("means[2]"));
}

TEST_CASE("piecewise-stationary: random change points and means", "[bandits][nonstationary]") {
  PiecewiseStationaryConfig c;
  c.arms = 3;
  c.changes = 4;
  c.horizon = 50;
  PiecewiseStationaryBandit env(c);
  Value obs, next, action;
  env.reset(obs, 9);
  const auto points = env.change_points();
  REQUIRE(points.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(points[i] >= 1);
    CHECK(points[i] <= 49);
    if (i) CHECK(points[i] > points[i - 1]);
  }
  // The oracle changes exactly at the change points.
  action.index = 0;
  std::vector<double> prev = env.current_means();
  int changes = 0;
  for (std::int64_t t = 1; t < 50; ++t) {
    env.step(action, next);
    const bool at_change = std::find(points.begin(), points.end(), t) != points.end();
    if (env.current_means() != prev) {
      ++changes;
      CHECK(at_change);
    }
    prev = env.current_means();
  }
  CHECK(changes == 4);
  env.reset(obs, 9);
  CHECK(env.change_points() == points);
  env.reset(obs, 10);
  CHECK(env.change_points() != points);
}

TEST_CASE("random walk: means stay in [0, 1] and move by N(0, sigma^2)",
          "[bandits][nonstationary]") {
  RandomWalkConfig c;
  c.means = {0.5, 0.02};
  c.sigma = 0.002;
  c.horizon = 20000;
  RandomWalkBandit env(c);
  Value obs, next, action;
  env.reset(obs, 3);
  action.index = 0;
  double s = 0.0, s2 = 0.0, lowest = 1.0, highest = 0.0;
  int n = 0;
  double before = env.current_means()[0];
  bool best_ok = true;
  for (int t = 0; t < 20000; ++t) {
    env.step(action, next);
    const auto& m = env.current_means();
    lowest = std::min({lowest, m[0], m[1]});
    highest = std::max({highest, m[0], m[1]});
    best_ok = best_ok && env.best_expected_reward() == std::max(m[0], m[1]);
    if (before > 0.1 && before < 0.9) {  // away from the walls: a plain Gaussian step
      const double d = m[0] - before;
      s += d;
      s2 += d * d;
      ++n;
    }
    before = m[0];
  }
  CHECK(best_ok);
  CHECK(lowest >= 0.0);
  CHECK(highest <= 1.0);
  REQUIRE(n > 10000);
  CHECK(std::abs(s / n) < 5 * 0.002 / std::sqrt(n));
  CHECK(std::sqrt(s2 / n) == Approx(0.002).epsilon(0.03));
  RandomWalkConfig bad;
  bad.sigma = 0.0;
  CHECK_THROWS_WITH(RandomWalkBandit(bad), Catch::Contains("sigma"));
}

TEST_CASE("adversarial: table oracle and best arm in hindsight", "[bandits][adversarial]") {
  AdversarialConfig c;
  c.adversary = "table";
  c.arms = 3;
  c.table = {1, 0, 0.5,  //
             0, 1, 0.5};
  c.horizon = 5;  // rows 0 1 0 1 0: totals 3, 2, 2.5
  AdversarialBandit env(c);
  CHECK(env.arm_totals() == std::vector<double>{3.0, 2.0, 2.5});
  CHECK(env.best_arm_in_hindsight() == 0);
  Value obs, next, action;
  env.reset(obs, 0);
  action.index = 1;
  double regret = 0.0, reward = 0.0;
  for (int t = 0; t < 5; ++t) {
    CHECK(env.oracle()->expected_reward(2) == 0.5);
    CHECK(env.oracle()->best_expected_reward() == (t % 2 == 0 ? 1.0 : 0.0));
    regret += env.oracle()->best_expected_reward() - env.oracle()->expected_reward(1);
    reward += env.step(action, next).reward;
  }
  CHECK(reward == 2.0);
  CHECK(regret == 3.0 - 2.0);  // the weak regret against arm 0
  c.table = {1, 0};
  CHECK_THROWS_WITH(AdversarialBandit(c), Catch::Contains("table"));
}

TEST_CASE("adversarial: anti-ucb1 defeats UCB1 but not EXP3", "[bandits][adversarial]") {
  AdversarialConfig c;
  c.arms = 3;
  c.horizon = 3000;
  AdversarialBandit env(c);
  CHECK(env.arm_totals() == std::vector<double>{2000.0, 2000.0, 2000.0});
  Ucb1 ucb(3);
  auto r = test::run_loop(env, ucb, 3000, 1);
  CHECK(r.total_reward == 0.0);
  CHECK(r.pseudo_regret == 2000.0);  // linear: (K − 1)/K · T
  // EXP3 against an oblivious adversary: E[regret] ≤ sqrt(2 T K ln K) = 140.
  double mean_regret = 0.0;
  for (int i = 0; i < 8; ++i) {
    Exp3Config e;
    e.horizon = 3000;
    Exp3 exp3(3, e, 50 + i);
    mean_regret += test::run_loop(env, exp3, 3000, 1).pseudo_regret / 8;
  }
  CHECK(mean_regret < std::sqrt(2.0 * 3000 * 3 * std::log(3.0)));
  AdversarialConfig odd;
  odd.arms = 2;
  odd.horizon = 5;  // arm 0 pays 0 at steps 0, 2, 4; arm 1 at 1, 3
  CHECK(AdversarialBandit(odd).arm_totals() == std::vector<double>{2.0, 3.0});
  CHECK(AdversarialBandit(odd).best_arm_in_hindsight() == 1);
}

TEST_CASE("switching bandits: discounted and sliding-window UCB beat UCB1",
          "[bandits][nonstationary]") {
  // Arm 0 is best (0.9 vs 0.5) for 3000 pulls, then drops to 0.3: UCB1's all-time mean of
  // arm 0 stays high for thousands of pulls, while the forgetting policies switch quickly.
  PiecewiseStationaryConfig c;
  c.arms = 2;
  c.means = {0.9, 0.5, 0.3, 0.5};
  c.change_points = {3000};
  c.horizon = 10000;
  double ucb = 0.0, ducb = 0.0, swucb = 0.0;
  const int runs = 4;
  for (int i = 0; i < runs; ++i) {
    PiecewiseStationaryBandit env(c);
    Ucb1 a(2);
    ucb += test::run_loop(env, a, 10000, i).pseudo_regret / runs;
    DiscountedUcbConfig dc;
    dc.horizon = 10000;
    DiscountedUcb b(2, dc);
    ducb += test::run_loop(env, b, 10000, i).pseudo_regret / runs;
    SlidingWindowUcbConfig sc;
    sc.horizon = 10000;
    SlidingWindowUcb s(2, sc);
    swucb += test::run_loop(env, s, 10000, i).pseudo_regret / runs;
  }
  INFO("UCB1 " << ucb << ", D-UCB " << ducb << ", SW-UCB " << swucb);
  CHECK(ucb > 700.0);  // ~0.1 of the 7000 pulls after the change
  CHECK(ducb < 0.7 * ucb);
  CHECK(swucb < 0.3 * ucb);
}

TEST_CASE("non-stationary and adversarial problems through the registry",
          "[bandits][nonstationary]") {
  Registry registry;
  register_bandits(registry);
  for (const char* id :
       {"PiecewiseStationaryBandit-v0", "RandomWalkBandit-v0", "AdversarialBandit-v0"}) {
    INFO(id);
    auto env = registry.make_env(id, {});
    CHECK(env->spec().max_episode_steps == 10000);
    CHECK(env->spec().observation_space == Space::discrete(1));
    REQUIRE(env->oracle() != nullptr);
  }
  auto env = registry.make_env("PiecewiseStationaryBandit-v0",
                               {{"changes", std::int64_t{3}}, {"arms", std::int64_t{4}}});
  Value obs;
  env->reset(obs, 1);
  CHECK(env->spec().action_space.n() == 4);
}

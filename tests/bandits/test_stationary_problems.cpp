// Stationary bandit problems: spaces, horizon, oracle, reward laws (moments from fixed-seed
// samples against closed forms), drawn means, parameter validation.
#include <catch2/catch.hpp>

#include <cmath>

#include "bandits/problems/stationary.hpp"
#include "bandits/register.hpp"
#include "core/error.hpp"

using namespace rlsim;

namespace {

struct Moments {
  double mean = 0.0;
  double var = 0.0;
};

// n pulls of `arm`; the horizon (which always ends an episode) is crossed by starting the
// next episode without re-seeding, which draws nothing for fixed means.
Moments sample_arm(Env& env, std::int64_t arm, int n, std::uint64_t seed) {
  Value obs, next, action;
  action.index = arm;
  env.reset(obs, seed);
  double s = 0.0, s2 = 0.0;
  for (int i = 0; i < n; ++i) {
    const StepResult step = env.step(action, next);
    const double r = step.reward;
    s += r;
    s2 += r * r;
    if (step.truncated) env.reset(obs);
  }
  Moments m;
  m.mean = s / n;
  m.var = s2 / n - m.mean * m.mean;
  return m;
}

// |sample mean − mu| within 5 standard errors.
void check_mean(const Moments& m, double mu, double var, int n) {
  INFO("sample mean " << m.mean << " expected " << mu);
  CHECK(std::abs(m.mean - mu) < 5.0 * std::sqrt(var / n));
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("bandit problems: spaces, horizon truncation and oracle", "[bandits][problems]") {
  StationaryBanditConfig c;
  c.means = {0.2, 0.7, 0.5};
  c.horizon = 5;
  BernoulliBandit env(c);
  CHECK(env.spec().id == "BernoulliBandit-v0");
  CHECK(env.spec().observation_space == Space::discrete(1));
  CHECK(env.spec().action_space == Space::discrete(3));
  CHECK(env.spec().max_episode_steps == 5);
  REQUIRE(env.oracle() != nullptr);
  CHECK(env.oracle()->best_expected_reward() == 0.7);
  CHECK(env.oracle()->expected_reward(2) == 0.5);
  CHECK_THROWS_AS(env.oracle()->expected_reward(3), Error);

  Value obs, next, action;
  obs.index = 7;
  env.reset(obs, 1);
  CHECK(obs.index == 0);
  action.index = 1;
  for (int t = 0; t < 5; ++t) {
    StepResult r = env.step(action, next);
    CHECK(next.index == 0);
    CHECK((r.reward == 0.0 || r.reward == 1.0));
    CHECK_FALSE(r.terminated);
    CHECK(r.truncated == (t == 4));
  }
  CHECK_THROWS_AS(env.step(action, next), Error);
  action.index = 3;
  env.reset(obs, 1);
  CHECK_THROWS_AS(env.step(action, next), Error);
}

TEST_CASE("bandit problems: reward laws match their means and variances", "[bandits][problems]") {
  const int n = 200000;
  SECTION("Bernoulli") {
    StationaryBanditConfig c;
    c.means = {0.05, 0.5, 0.9};
    BernoulliBandit env(c);
    for (int a = 0; a < 3; ++a) {
      const double mu = c.means[static_cast<std::size_t>(a)];
      check_mean(sample_arm(env, a, n, 11 + a), mu, mu * (1 - mu), n);
    }
  }
  SECTION("Gaussian, per-arm sigma") {
    GaussianBanditConfig c;
    c.means = {-1.0, 2.0};
    c.sigmas = {0.5, 3.0};
    GaussianBandit env(c);
    for (int a = 0; a < 2; ++a) {
      const double mu = c.means[static_cast<std::size_t>(a)];
      const double s = c.sigmas[static_cast<std::size_t>(a)];
      Moments m = sample_arm(env, a, n, 21 + a);
      check_mean(m, mu, s * s, n);
      // Var(sample variance) = 2 s^4 / n for a normal law.
      CHECK(std::abs(m.var - s * s) < 5.0 * std::sqrt(2.0 / n) * s * s);
    }
  }
  SECTION("Gaussian, common sigma") {
    GaussianBanditConfig c;
    c.means = {0.0, 1.0};
    c.sigma = 2.0;
    GaussianBandit env(c);
    CHECK(env.sigmas() == std::vector<double>{2.0, 2.0});
    Moments m = sample_arm(env, 1, n, 5);
    check_mean(m, 1.0, 4.0, n);
    CHECK(std::abs(m.var - 4.0) < 5.0 * std::sqrt(2.0 / n) * 4.0);
  }
  SECTION("Beta") {
    BetaBanditConfig c;
    c.means = {0.3, 0.8};
    c.concentration = 4.0;
    BetaBandit env(c);
    for (int a = 0; a < 2; ++a) {
      const double mu = c.means[static_cast<std::size_t>(a)];
      const double var = mu * (1 - mu) / (c.concentration + 1);
      Moments m = sample_arm(env, a, n, 31 + a);
      check_mean(m, mu, var, n);
      CHECK(std::abs(m.var - var) < 0.02 * var);
    }
  }
  SECTION("Beta with shapes below 1") {
    BetaBanditConfig c;
    c.means = {0.1, 0.5};
    c.concentration = 0.5;  // Beta(0.05, 0.45) and Beta(0.25, 0.25)
    BetaBandit env(c);
    for (int a = 0; a < 2; ++a) {
      const double mu = c.means[static_cast<std::size_t>(a)];
      const double var = mu * (1 - mu) / (c.concentration + 1);
      Moments m = sample_arm(env, a, n, 41 + a);
      check_mean(m, mu, var, n);
      CHECK(std::abs(m.var - var) < 0.03 * var);
    }
  }
  SECTION("exponential") {
    StationaryBanditConfig c;
    c.means = {0.5, 2.0};
    ExponentialBandit env(c);
    for (int a = 0; a < 2; ++a) {
      const double mu = c.means[static_cast<std::size_t>(a)];
      Moments m = sample_arm(env, a, n, 51 + a);
      check_mean(m, mu, mu * mu, n);
      CHECK(std::abs(m.var - mu * mu) < 0.03 * mu * mu);
    }
  }
  SECTION("Poisson") {
    StationaryBanditConfig c;
    c.means = {0.7, 30.0};
    PoissonBandit env(c);
    for (int a = 0; a < 2; ++a) {
      const double mu = c.means[static_cast<std::size_t>(a)];
      Moments m = sample_arm(env, a, n, 61 + a);
      check_mean(m, mu, mu, n);
      CHECK(std::abs(m.var - mu) < 0.03 * mu);
    }
  }
}

TEST_CASE("bandit problems: means drawn per reset from the env's Rng", "[bandits][problems]") {
  StationaryBanditConfig c;
  c.means_distribution = "uniform";
  c.arms = 6;
  c.means_low = 0.2;
  c.means_high = 0.4;
  BernoulliBandit env(c);
  CHECK(env.means_drawn());
  Value obs;
  env.reset(obs, 3);
  const std::vector<double> first = env.current_means();
  REQUIRE(first.size() == 6);
  double best = 0.0;
  for (double m : first) {
    CHECK(m >= 0.2);
    CHECK(m < 0.4);
    best = std::max(best, m);
  }
  CHECK(env.best_expected_reward() == best);
  env.reset(obs, 3);
  CHECK(env.current_means() == first);  // same seed, same instance
  env.reset(obs, 4);
  CHECK(env.current_means() != first);
  env.reset(obs);  // no seed: the stream continues, a new instance
  const std::vector<double> third = env.current_means();
  env.reset(obs, 4);
  CHECK(env.current_means() != third);
}

TEST_CASE("bandit problems: invalid parameters name the parameter", "[bandits][problems]") {
  StationaryBanditConfig one;
  one.means = {0.5};
  CHECK_THAT(error_of([&] { BernoulliBandit b(one); }),
             Catch::Contains("means") && Catch::Contains("K >= 2"));
  StationaryBanditConfig drawn;
  drawn.means_distribution = "uniform";
  drawn.arms = 1;
  CHECK_THAT(error_of([&] { BernoulliBandit b(drawn); }), Catch::Contains("arms"));
  StationaryBanditConfig bad;
  bad.means = {0.5, 1.2};
  CHECK_THAT(error_of([&] { BernoulliBandit b(bad); }), Catch::Contains("means[1]"));
  bad.means = {-0.1, 0.5};
  CHECK_THAT(error_of([&] { BernoulliBandit b(bad); }), Catch::Contains("means[0]"));
  StationaryBanditConfig range;
  range.means_distribution = "uniform";
  range.arms = 3;
  range.means_high = 1.5;
  CHECK_THAT(error_of([&] { BernoulliBandit b(range); }), Catch::Contains("means_high"));

  GaussianBanditConfig g;
  g.sigma = 0.0;
  CHECK_THAT(error_of([&] { GaussianBandit b(g); }), Catch::Contains("sigma"));
  g.sigma = -1.0;
  CHECK_THAT(error_of([&] { GaussianBandit b(g); }), Catch::Contains("sigma"));
  GaussianBanditConfig gs;
  gs.means = {0.0, 1.0};
  gs.sigmas = {1.0, 0.0};
  CHECK_THAT(error_of([&] { GaussianBandit b(gs); }), Catch::Contains("sigmas[1]"));
  gs.sigmas = {1.0};
  CHECK_THAT(error_of([&] { GaussianBandit b(gs); }), Catch::Contains("sigmas"));

  BetaBanditConfig beta;
  beta.means = {0.0, 0.5};
  CHECK_THAT(error_of([&] { BetaBandit b(beta); }), Catch::Contains("means[0]"));
  beta.means = {0.2, 0.5};
  beta.concentration = 0.0;
  CHECK_THAT(error_of([&] { BetaBandit b(beta); }), Catch::Contains("concentration"));
  StationaryBanditConfig pos;
  pos.means = {1.0, 0.0};
  CHECK_THAT(error_of([&] { PoissonBandit b(pos); }), Catch::Contains("means[1]"));
  CHECK_THAT(error_of([&] { ExponentialBandit b(pos); }), Catch::Contains("means[1]"));
  StationaryBanditConfig h;
  h.horizon = 0;
  CHECK_THAT(error_of([&] { BernoulliBandit b(h); }), Catch::Contains("horizon"));
}

TEST_CASE("bandit problems: built through the registry", "[bandits][problems]") {
  Registry registry;
  register_bandits(registry);
  for (const char* id : {"BernoulliBandit-v0", "GaussianBandit-v0", "BetaBandit-v0",
                         "ExponentialBandit-v0", "PoissonBandit-v0"}) {
    INFO(id);
    auto env = registry.make_env(id, {});
    CHECK(env->spec().max_episode_steps == 10000);
    CHECK(env->spec().action_space.n() == 9);
    REQUIRE(env->oracle() != nullptr);
    Value obs;
    env->reset(obs, 0);
    CHECK(env->oracle()->best_expected_reward() == 0.9);
  }
  auto env = registry.make_env("BernoulliBandit-v0", {{"means", std::vector<double>{0.1, 0.3}},
                                                      {"horizon", std::int64_t{50}}});
  CHECK(env->spec().action_space.n() == 2);
  CHECK(env->spec().max_episode_steps == 50);
  auto drawn =
      registry.make_env("PoissonBandit-v0", {{"means_distribution", std::string("uniform")},
                                             {"arms", std::int64_t{4}},
                                             {"means_low", 1.0},
                                             {"means_high", 5.0}});
  CHECK(drawn->spec().action_space.n() == 4);
  CHECK_THROWS_AS(registry.make_env("BernoulliBandit-v0", {{"sigma", 1.0}}), Error);
  CHECK_THROWS_WITH(registry.make_env("GaussianBandit-v0", {{"sigma", 0.0}}),
                    Catch::Contains("sigma"));
}

// Statistical regret tests with fixed seeds: each would fail if its policy were wrong.
//
// Instance: Bernoulli arms μ = (0.3, 0.5, 0.7, 0.8, 0.9), T = 10⁴ pulls, averaged over
// 8 runs (env seed i, agent seed 1000 + i). Reference constants:
//   uniform random: R(T) = T (μ* − mean μ) = 0.26 T = 2600 exactly in expectation;
//   UCB1 (Auer et al. 2002, Thm 1): R(T) ≤ 8 ln T Σ 1/Δ + (1 + π²/3) Σ Δ, Σ 1/Δ = 19.17,
//     i.e. R(T)/ln T ≤ 153.3 + 4.3/ln T;
//   Lai & Robbins: lim R(T)/ln T = Σ Δ / kl(μ, μ*) = 4.92 for any consistent policy; KL-UCB and
//     Thompson sampling attain it asymptotically, so at T = 10⁴ their R(T)/ln T sits near it.
#include <catch2/catch.hpp>

#include <cmath>

#include "bandits/policies/exp3.hpp"
#include "bandits/policies/greedy.hpp"
#include "bandits/policies/preference.hpp"
#include "bandits/policies/thompson.hpp"
#include "bandits/policies/ucb.hpp"
#include "bandits/problems/stationary.hpp"
#include "bandits/register.hpp"
#include "run/runner.hpp"
#include "helpers.hpp"

using namespace rlsim;

namespace {

const std::vector<double> kMeans = {0.3, 0.5, 0.7, 0.8, 0.9};
constexpr std::int64_t kT = 10000;
constexpr int kRuns = 8;

struct Summary {
  double regret = 0.0;       // mean pseudo-regret at T
  double regret_1000 = 0.0;  // mean pseudo-regret at t = 1000
  double max_ratio = 0.0;    // max over runs and t ≥ 100 of R(t) / ln t
};

template <class Make>
Summary run_policy(Make make) {
  Summary s;
  for (int i = 0; i < kRuns; ++i) {
    StationaryBanditConfig c;
    c.means = kMeans;
    c.horizon = kT;
    BernoulliBandit env(c);
    auto agent = make(static_cast<std::uint64_t>(1000 + i));
    auto r = test::run_loop(env, *agent, kT, static_cast<std::uint64_t>(i), true);
    s.regret += r.pseudo_regret / kRuns;
    s.regret_1000 += r.regret_curve[999] / kRuns;
    for (std::size_t t = 99; t < r.regret_curve.size(); ++t)
      s.max_ratio = std::max(s.max_ratio, r.regret_curve[t] / std::log(double(t + 1)));
  }
  return s;
}

double lai_robbins() {
  double c = 0.0;
  for (double m : kMeans)
    if (m < 0.9) c += (0.9 - m) / (m * std::log(m / 0.9) + (1 - m) * std::log((1 - m) / 0.1));
  return c;
}

}  // namespace

TEST_CASE("regret: Lai-Robbins constant of the test instance", "[bandits][regret]") {
  CHECK(lai_robbins() == Approx(4.92).margin(0.01));
}

TEST_CASE("regret: uniform random and pure greedy are linear", "[bandits][regret]") {
  // epsilon = 1 is the uniform random policy.
  Summary uniform = run_policy([](std::uint64_t seed) {
    EpsilonGreedyConfig c;
    c.epsilon = 1.0;
    return std::make_unique<EpsilonGreedy>(5, c, seed);
  });
  // Pseudo-regret of a uniform policy: sum of T i.i.d. gaps, mean 0.26, sd 0.215 per pull.
  CHECK(std::abs(uniform.regret - 2600.0) < 5 * 0.215 * std::sqrt(kT * kRuns) / kRuns);
  CHECK(uniform.regret / uniform.regret_1000 == Approx(10.0).epsilon(0.1));
  Summary greedy = run_policy([](std::uint64_t seed) {
    EpsilonGreedyConfig c;
    c.epsilon = 0.0;
    return std::make_unique<EpsilonGreedy>(5, c, seed);
  });
  CHECK(greedy.regret > 0.04 * kT);
  CHECK(greedy.regret / greedy.regret_1000 > 8.0);
}

TEST_CASE("regret: UCB1, KL-UCB, Thompson are logarithmic", "[bandits][regret]") {
  const double uniform = 2600.0;
  Summary ucb1 = run_policy([](std::uint64_t) { return std::make_unique<Ucb1>(5); });
  Summary klucb = run_policy([](std::uint64_t) { return std::make_unique<KlUcb>(5); });
  Summary ts = run_policy([](std::uint64_t seed) {
    return std::make_unique<BetaThompson>(5, BetaThompsonConfig{}, seed);
  });
  Summary bayes = run_policy([](std::uint64_t) { return std::make_unique<BayesUcb>(5); });
  Summary moss = run_policy([](std::uint64_t) { return std::make_unique<Moss>(5, kT); });
  Summary tuned = run_policy([](std::uint64_t) { return std::make_unique<Ucb1Tuned>(5); });
  Summary ucbv = run_policy([](std::uint64_t) { return std::make_unique<UcbV>(5); });
  Summary exp3 = run_policy([](std::uint64_t seed) {
    Exp3Config c;
    c.horizon = kT;
    return std::make_unique<Exp3>(5, c, seed);
  });
  Summary grad = run_policy([](std::uint64_t seed) {
    return std::make_unique<GradientBandit>(5, GradientBanditConfig{}, seed);
  });
  for (auto [name, s] : {std::pair{"ucb1", ucb1},
                         {"kl-ucb", klucb},
                         {"thompson", ts},
                         {"bayes-ucb", bayes},
                         {"moss", moss},
                         {"ucb1-tuned", tuned},
                         {"ucb-v", ucbv},
                         {"exp3", exp3},
                         {"gradient", grad}})
    INFO(name << ": R(T) = " << s.regret << ", R(1000) = " << s.regret_1000
              << ", max R(t)/ln t = " << s.max_ratio);
  const double ln_t = std::log(double(kT));
  // UCB1: far below uniform, within Auer et al.'s bound at every t, logarithmic growth.
  CHECK(ucb1.regret < 0.25 * uniform);
  CHECK(ucb1.max_ratio < 153.3 + 4.3);
  CHECK(ucb1.regret / ucb1.regret_1000 < 4.0);  // linear growth would give 10
  // Asymptotically optimal policies: R(T)/ln T near the Lai–Robbins constant.
  for (const Summary* s : {&klucb, &ts, &bayes}) {
    CHECK(s->regret < 0.05 * uniform);
    CHECK(s->regret / ln_t > 0.3 * lai_robbins());
    CHECK(s->regret / ln_t < 2.0 * lai_robbins());
    CHECK(s->regret < 0.5 * ucb1.regret);
  }
  CHECK(moss.regret < 0.1 * uniform);
  CHECK(tuned.regret < ucb1.regret);
  CHECK(ucbv.regret < 0.25 * uniform);
  CHECK(ucbv.regret / ucbv.regret_1000 < 4.0);
  // EXP3: expected regret ≤ sqrt(2 T K ln K) (Lattimore & Szepesvári, Thm 11.2).
  CHECK(exp3.regret < std::sqrt(2.0 * kT * 5 * std::log(5.0)));
  CHECK(grad.regret < 0.1 * uniform);
}

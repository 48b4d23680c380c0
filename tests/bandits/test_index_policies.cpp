// Index policies on fixed histories: every index against its closed form computed here, the
// KL-UCB root against an independent bisection, the Bayes-UCB quantile against closed-form
// Beta quantiles and a bisection on the regularised incomplete beta function.
#include <catch2/catch.hpp>

#include <cmath>

#include <boost/math/special_functions/beta.hpp>

#include "bandits/math/kl.hpp"
#include "bandits/policies/ucb.hpp"
#include "helpers.hpp"

using namespace rlsim;
using rlsim::test::feed;

namespace {

// A fixed history on 3 arms: arm 0 pulled 4 times (rewards 1,0,1,1), arm 1 twice (0, 1),
// arm 2 three times (0.5, 0.25, 1). t = 9 pulls.
void fixed_history(Agent& p) {
  feed(p, 0, 1.0);
  feed(p, 1, 0.0);
  feed(p, 2, 0.5);
  feed(p, 0, 0.0);
  feed(p, 1, 1.0);
  feed(p, 2, 0.25);
  feed(p, 0, 1.0);
  feed(p, 0, 1.0);
  feed(p, 2, 1.0);
}
const double kN[3] = {4, 2, 3};
const double kS[3] = {3.0, 1.0, 1.75};
const double kQ[3] = {3.0, 1.0, 0.25 + 0.0625 + 1.0};  // sums of squares
const double kT = 9;

std::int64_t chosen(Agent& p) {
  Value obs, action;
  Decision d;
  p.act(obs, action, d);
  CHECK(d.probability == 1.0);
  CHECK(d.log_prob == 0.0);
  return action.index;
}

template <class Policy>
std::int64_t argmax_index(const Policy& p) {
  std::int64_t best = 0;
  for (std::int64_t a = 1; a < p.num_arms(); ++a)
    if (p.index(a) > p.index(best)) best = a;
  return best;
}

// Independent bisection for max{q ≥ p : d(p, q) ≤ level} with the divergences written out.
double bisect_kl(const std::function<double(double)>& d, double lo, double hi, double level) {
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (d(mid) > level ? hi : lo) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

TEST_CASE("ucb1: round robin first, then mean + sqrt(2 ln t / N)", "[bandits][policies]") {
  Ucb1 p(3);
  Value obs, action;
  Decision d;
  for (int a = 0; a < 3; ++a) {
    p.act(obs, action, d);
    CHECK(action.index == a);
    CHECK(p.index(a) == std::numeric_limits<double>::infinity());
    feed(p, a, 0.0);
  }
  Ucb1 q(3);
  fixed_history(q);
  for (int a = 0; a < 3; ++a)
    CHECK(q.index(a) == Approx(kS[a] / kN[a] + std::sqrt(2 * std::log(kT) / kN[a])).epsilon(1e-14));
  CHECK(q.pulls() == 9);
  CHECK(q.count(0) == 4);
  CHECK(q.empirical_mean(2) == 1.75 / 3);
  CHECK(chosen(q) == argmax_index(q));
  CHECK(chosen(q) == 1);  // 0.5 + sqrt(2 ln 9 / 2) is the largest
}

TEST_CASE("ucb1-tuned: variance term min(1/4, V)", "[bandits][policies]") {
  Ucb1Tuned p(3);
  fixed_history(p);
  for (int a = 0; a < 3; ++a) {
    const double mean = kS[a] / kN[a];
    const double v = kQ[a] / kN[a] - mean * mean + std::sqrt(2 * std::log(kT) / kN[a]);
    CHECK(p.index(a) ==
          Approx(mean + std::sqrt(std::log(kT) / kN[a] * std::min(0.25, v))).epsilon(1e-14));
  }
  CHECK(chosen(p) == argmax_index(p));
}

TEST_CASE("ucb-v: empirical Bernstein index", "[bandits][policies]") {
  UcbVConfig c;
  c.zeta = 1.5;
  c.c = 0.5;
  c.b = 2.0;
  UcbV p(3, c);
  fixed_history(p);
  for (int a = 0; a < 3; ++a) {
    const double mean = kS[a] / kN[a];
    const double var = kQ[a] / kN[a] - mean * mean;
    const double eps = 1.5 * std::log(kT);
    CHECK(p.index(a) ==
          Approx(mean + std::sqrt(2 * var * eps / kN[a]) + 0.5 * 3 * 2.0 * eps / kN[a])
              .epsilon(1e-14));
  }
  CHECK(chosen(p) == argmax_index(p));
}

TEST_CASE("moss: horizon-dependent index", "[bandits][policies]") {
  Moss p(3, 100);
  fixed_history(p);
  for (int a = 0; a < 3; ++a) {
    const double mean = kS[a] / kN[a];
    CHECK(p.index(a) ==
          Approx(mean + std::sqrt(std::max(0.0, std::log(100.0 / (3 * kN[a]))) / kN[a]))
              .epsilon(1e-14));
  }
  // With T/K below N the bonus vanishes: the index is the empirical mean.
  Moss small(3, 6);
  fixed_history(small);
  CHECK(small.index(0) == 0.75);
  CHECK(chosen(p) == argmax_index(p));
}

TEST_CASE("kl-ucb: upper bounds against an independent bisection", "[bandits][policies]") {
  auto bern = [](double p) {
    return [p](double q) {
      double d = 0.0;
      if (p > 0) d += p * std::log(p / q);
      if (p < 1) d += (1 - p) * std::log((1 - p) / (1 - q));
      return d;
    };
  };
  for (double p : {0.0, 1e-6, 0.1, 0.37, 0.5, 0.9, 0.999, 1.0}) {
    for (double level : {1e-8, 1e-3, 0.05, 0.4, 2.0, 30.0}) {
      INFO("bernoulli p=" << p << " level=" << level);
      const double got = kl_upper_bound(KlFamily::Bernoulli, p, level);
      const double want = p == 1.0 ? 1.0 : bisect_kl(bern(p), p, 1.0, level);
      CHECK(std::abs(got - want) < 1e-9);
    }
  }
  for (double p : {0.0, 0.2, 3.0, 50.0}) {
    for (double level : {1e-6, 0.1, 1.0, 10.0}) {
      INFO("poisson p=" << p << " level=" << level);
      auto d = [p](double q) { return q - p + (p > 0 ? p * std::log(p / q) : 0.0); };
      CHECK(std::abs(kl_upper_bound(KlFamily::Poisson, p, level) - bisect_kl(d, p, 1e4, level)) <
            1e-9);
    }
  }
  for (double p : {0.01, 1.0, 7.0}) {
    for (double level : {1e-6, 0.1, 1.0, 5.0}) {
      INFO("exponential p=" << p << " level=" << level);
      auto d = [p](double q) { return p / q - 1 - std::log(p / q); };
      const double want = bisect_kl(d, p, p * 1e4, level);
      CHECK(std::abs(kl_upper_bound(KlFamily::Exponential, p, level) - want) < 1e-9 * (1 + want));
    }
  }
  CHECK(kl_upper_bound(KlFamily::Gaussian, 0.3, 0.5, 2.0) == Approx(0.3 + 2.0 * 1.0));
  CHECK(kl_divergence(KlFamily::Bernoulli, 0.3, 0.6) ==
        Approx(0.3 * std::log(0.5) + 0.7 * std::log(0.7 / 0.4)));
  CHECK_THROWS_AS(kl_upper_bound(KlFamily::Bernoulli, 1.5, 0.1), Error);
}

TEST_CASE("kl-ucb: index on a fixed history and the argmax", "[bandits][policies]") {
  for (double c : {0.0, 3.0}) {
    KlUcbConfig cfg;
    cfg.c = c;
    KlUcb p(3, cfg);
    fixed_history(p);
    const double rhs = std::log(kT) + c * std::log(std::log(kT));
    CHECK(p.exploration() == Approx(rhs).epsilon(1e-15));
    for (int a = 0; a < 3; ++a) {
      const double mean = kS[a] / kN[a];
      auto d = [mean](double q) {
        return mean * std::log(mean / q) + (1 - mean) * std::log((1 - mean) / (1 - q));
      };
      CHECK(std::abs(p.index(a) - bisect_kl(d, mean, 1.0, rhs / kN[a])) < 1e-9);
    }
    CHECK(chosen(p) == argmax_index(p));
  }
  KlUcbConfig g;
  g.divergence = KlFamily::Gaussian;
  g.sigma = 0.5;
  KlUcb p(3, g);
  fixed_history(p);
  for (int a = 0; a < 3; ++a)
    CHECK(p.index(a) ==
          Approx(kS[a] / kN[a] + 0.5 * std::sqrt(2 * std::log(kT) / kN[a])).epsilon(1e-14));
  KlUcb bern(2);
  CHECK_THROWS_AS(feed(bern, 0, 1.5), Error);
}

TEST_CASE("kl-ucb: pruned argmax equals the plain argmax on random histories",
          "[bandits][policies]") {
  Rng rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    KlUcb p(6);
    const int pulls = 6 + static_cast<int>(rng.integer(0, 300));
    for (int i = 0; i < pulls; ++i)
      feed(p, i < 6 ? i : rng.integer(0, 5), rng.bernoulli(0.2 + 0.1 * (i % 6)) ? 1.0 : 0.0);
    CHECK(chosen(p) == argmax_index(p));
  }
}

TEST_CASE("bayes-ucb: Beta quantile index", "[bandits][policies]") {
  BayesUcb p(3);
  Value obs, action;
  Decision d;
  p.act(obs, action, d);  // round 1: every quantile is at level 0
  CHECK(action.index == 0);
  CHECK(p.tail_level() == 1.0);
  // Arm 0: 3 successes in 3 pulls -> Beta(4, 1): upper quantile (1 − δ)^(1/4).
  // Arm 1: 0 successes in 2 pulls -> Beta(1, 3): upper quantile 1 − δ^(1/3).
  feed(p, 0, 1.0);
  feed(p, 0, 1.0);
  feed(p, 0, 1.0);
  feed(p, 1, 0.0);
  feed(p, 1, 0.0);
  const double delta = 1.0 / 6.0;  // round t = 6
  CHECK(p.tail_level() == Approx(delta));
  CHECK(p.index(0) == Approx(std::pow(1 - delta, 1.0 / 4)).epsilon(1e-12));
  CHECK(p.index(1) == Approx(1 - std::pow(delta, 1.0 / 3)).epsilon(1e-12));
  CHECK(p.index(2) == Approx(1 - delta).epsilon(1e-12));  // Beta(1, 1)

  // A fractional history against a bisection on I_x(a, b).
  BayesUcb q(3);
  fixed_history(q);
  const double level = 1.0 / 10.0;
  for (int a = 0; a < 3; ++a) {
    const double alpha = 1 + kS[a], beta = 1 + kN[a] - kS[a];
    double lo = 0, hi = 1;
    for (int i = 0; i < 100; ++i) {
      const double mid = 0.5 * (lo + hi);
      (1.0 - boost::math::ibeta(alpha, beta, mid) > level ? lo : hi) = mid;
    }
    CHECK(std::abs(q.index(a) - 0.5 * (lo + hi)) < 1e-9);
  }
  CHECK(chosen(q) == argmax_index(q));

  BayesUcbConfig c;
  c.c = 2.0;
  c.horizon = 1000;
  BayesUcb r(2, c);
  feed(r, 0, 1.0);
  CHECK(r.tail_level() == Approx(1.0 / (2 * std::pow(std::log(1000.0), 2))));
  CHECK_THROWS_AS(feed(r, 0, -0.5), Error);
}

TEST_CASE("index policies: evaluation mode is greedy and does not learn", "[bandits][policies]") {
  Ucb1 p(3);
  fixed_history(p);
  p.set_evaluation(true);
  Value obs, action;
  Decision d;
  p.act(obs, action, d);
  CHECK(action.index == 0);  // means 0.75, 0.5, 0.583
  feed(p, 1, 1.0);
  CHECK(p.pulls() == 9);
}

TEST_CASE("index policies: save/load round trip", "[bandits][policies]") {
  KlUcb p(3);
  fixed_history(p);
  StateDict s;
  p.save(s);
  KlUcb q(3);
  q.load(s);
  for (int a = 0; a < 3; ++a) CHECK(q.index(a) == p.index(a));
  CHECK(q.pulls() == 9);
  KlUcb wrong(4);
  CHECK_THROWS_AS(wrong.load(s), Error);
}

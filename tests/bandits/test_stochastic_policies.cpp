// Randomised policies: reported probabilities against their formulas and against the
// empirical frequency of the arms drawn; hand-computed learning steps; Thompson posteriors
// and choice probabilities against closed forms.
#include <catch2/catch.hpp>

#include <cmath>

#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/erf.hpp>

#include "bandits/policies/exp3.hpp"
#include "bandits/policies/greedy.hpp"
#include "bandits/policies/nonstationary_ucb.hpp"
#include "bandits/policies/preference.hpp"
#include "bandits/policies/thompson.hpp"
#include "helpers.hpp"

using namespace rlsim;
using rlsim::test::feed;

namespace {

struct Draw {
  std::int64_t arm;
  double probability;
};

Draw draw(Agent& p) {
  Value obs, action;
  Decision d;
  p.act(obs, action, d);
  if (std::isfinite(d.probability) && std::abs(d.log_prob - std::log(d.probability)) > 1e-12)
    FAIL("log_prob " << d.log_prob << " is not log(" << d.probability << ")");
  return {action.index, d.probability};
}

// Draws n times without learning and checks each reported probability equals `want` and
// that the empirical frequencies agree with it (within 5 standard errors).
void check_distribution(Agent& p, const std::vector<double>& want, int n = 40000) {
  std::vector<int> hits(want.size(), 0);
  bool exact = true;
  for (int i = 0; i < n; ++i) {
    Draw d = draw(p);
    ++hits[static_cast<std::size_t>(d.arm)];
    exact = exact && std::abs(d.probability - want[static_cast<std::size_t>(d.arm)]) < 1e-12;
  }
  CHECK(exact);
  for (std::size_t a = 0; a < want.size(); ++a) {
    const double f = static_cast<double>(hits[a]) / n;
    INFO("arm " << a << " frequency " << f << " probability " << want[a]);
    CHECK(std::abs(f - want[a]) <= 5.0 * std::sqrt(want[a] * (1 - want[a]) / n) + 1e-12);
  }
}

double normal_cdf(double x) {
  return 0.5 * boost::math::erfc(-x / std::sqrt(2.0));
}

}  // namespace

TEST_CASE("epsilon-greedy: exact probabilities with random greedy ties", "[bandits][policies]") {
  EpsilonGreedyConfig c;
  c.epsilon = 0.3;
  EpsilonGreedy p(3, c, 1);
  feed(p, 0, 1.0);
  feed(p, 0, 0.0);
  feed(p, 1, 0.5);
  feed(p, 2, 0.2);
  // Q = (0.5, 0.5, 0.2): arms 0 and 1 tie.
  check_distribution(p, {0.1 + 0.35, 0.1 + 0.35, 0.1});
  EpsilonGreedyConfig optimistic;
  optimistic.epsilon = 0.0;
  optimistic.initial_value = 5.0;
  EpsilonGreedy q(4, optimistic, 2);
  feed(q, 1, 1.0);
  CHECK(q.value(1) == 1.0);
  CHECK(q.value(0) == 5.0);
  check_distribution(q, {1.0 / 3, 0.0, 1.0 / 3, 1.0 / 3}, 9000);
}

TEST_CASE("epsilon-decreasing: epsilon_n = min(1, cK/(d^2 n))", "[bandits][policies]") {
  EpsilonGreedyConfig c;
  c.decreasing = true;
  c.c = 0.5;
  c.d = 0.2;
  EpsilonGreedy p(4, c, 3);
  CHECK(p.epsilon() == 1.0);  // n = 1: 0.5 * 4 / 0.04 = 50
  for (int i = 0; i < 99; ++i) feed(p, i % 4, 0.0);
  CHECK(p.epsilon() == Approx(0.5));  // n = 100
  for (int i = 0; i < 900; ++i) feed(p, 2, 1.0);
  CHECK(p.epsilon() == Approx(50.0 / 1000));
  // Q = (0, 0, ~1, 0): greedy arm 2.
  const double e = p.epsilon();
  check_distribution(p, {e / 4, e / 4, e / 4 + 1 - e, e / 4});
  CHECK_THROWS_AS(EpsilonGreedy(
                      4,
                      [] {
                        EpsilonGreedyConfig b;
                        b.decreasing = true;
                        b.d = 1.5;
                        return b;
                      }(),
                      1),
                  Error);
}

TEST_CASE("explore-then-commit: m rounds of round robin, then the empirical best",
          "[bandits][policies]") {
  ExploreThenCommit p(3, 2);
  const double rewards[3] = {0.2, 0.9, 0.5};
  for (int t = 0; t < 6; ++t) {
    Draw d = draw(p);
    CHECK(d.arm == t % 3);
    CHECK(d.probability == 1.0);
    feed(p, d.arm, rewards[d.arm]);
  }
  CHECK(p.committed_arm() == -1);
  for (int t = 0; t < 10; ++t) {
    Draw d = draw(p);
    CHECK(d.arm == 1);
    feed(p, d.arm, 0.0);  // bad luck after committing does not matter
  }
  CHECK(p.committed_arm() == 1);
}

TEST_CASE("softmax: Boltzmann probabilities, fixed and decaying temperature",
          "[bandits][policies]") {
  SoftmaxConfig c;
  c.tau = 0.5;
  SoftmaxPolicy p(3, c, 4);
  feed(p, 0, 1.0);
  feed(p, 1, 0.5);
  // Q = (1, 0.5, 0 [never pulled]).
  const double z = std::exp(2.0) + std::exp(1.0) + 1.0;
  check_distribution(p, {std::exp(2.0) / z, std::exp(1.0) / z, 1.0 / z});
  SoftmaxConfig d = c;
  d.decay = true;
  SoftmaxPolicy q(3, d, 5);
  feed(q, 0, 1.0);
  feed(q, 1, 0.5);
  const double tau = 0.5 / std::log(4.0);
  CHECK(q.temperature() == Approx(tau));
  const double w0 = std::exp(1.0 / tau), w1 = std::exp(0.5 / tau), w2 = 1.0;
  const double s = w0 + w1 + w2;
  check_distribution(q, {w0 / s, w1 / s, w2 / s});
}

TEST_CASE("gradient bandit: Sutton & Barto eq. 2.12 by hand", "[bandits][policies]") {
  GradientBanditConfig c;
  c.alpha = 0.1;
  GradientBandit p(3, c, 6);
  feed(p, 1, 1.0);  // first reward is its own baseline: no change
  CHECK(p.preferences() == std::vector<double>{0.0, 0.0, 0.0});
  CHECK(p.baseline() == 1.0);
  feed(p, 0, 0.0);  // R − R̄ = −1, π uniform
  CHECK(p.preferences()[0] == Approx(-0.1 * (2.0 / 3)));
  CHECK(p.preferences()[1] == Approx(0.1 / 3));
  CHECK(p.preferences()[2] == Approx(0.1 / 3));
  CHECK(p.baseline() == 0.5);
  const double h0 = -0.2 / 3, h1 = 0.1 / 3;
  const double z = std::exp(h0) + 2 * std::exp(h1);
  CHECK(p.probabilities()[0] == Approx(std::exp(h0) / z));
  feed(p, 2, 2.0);  // R − R̄ = 1.5, π = current probabilities
  const double p2 = std::exp(h1) / z, p0 = std::exp(h0) / z;
  CHECK(p.preferences()[2] == Approx(h1 + 0.15 * (1 - p2)));
  CHECK(p.preferences()[0] == Approx(h0 - 0.15 * p0));
  check_distribution(p, p.probabilities());

  GradientBanditConfig nb;
  nb.alpha = 0.2;
  nb.baseline = false;
  GradientBandit q(2, nb, 7);
  feed(q, 0, 1.0);
  CHECK(q.preferences()[0] == Approx(0.2 * 0.5));
  CHECK(q.preferences()[1] == Approx(-0.2 * 0.5));
}

TEST_CASE("pursuit and reinforcement comparison by hand", "[bandits][policies]") {
  Pursuit p(3, 0.1, 8);
  feed(p, 2, 1.0);
  CHECK(p.probabilities()[2] == Approx(1.0 / 3 + 0.1 * (2.0 / 3)));
  CHECK(p.probabilities()[0] == Approx(0.3));
  feed(p, 0, 2.0);  // greedy arm is now 0
  CHECK(p.probabilities()[0] == Approx(0.3 + 0.1 * 0.7));
  CHECK(p.probabilities()[2] == Approx(0.4 * 0.9));
  check_distribution(p, p.probabilities());

  ReinforcementComparisonConfig c;
  c.alpha = 0.1;
  c.beta = 0.2;
  ReinforcementComparison r(3, c, 9);
  feed(r, 0, 1.0);
  CHECK(r.preferences()[0] == Approx(0.2));
  CHECK(r.reference() == Approx(0.1));
  feed(r, 1, 0.0);
  CHECK(r.preferences()[1] == Approx(0.2 * (0.0 - 0.1)));
  CHECK(r.reference() == Approx(0.09));
  const double z = std::exp(0.2) + std::exp(-0.02) + 1.0;
  CHECK(r.probabilities()[0] == Approx(std::exp(0.2) / z));
  check_distribution(r, r.probabilities());
}

TEST_CASE("thompson: Beta posterior parameters", "[bandits][policies]") {
  BetaThompsonConfig c;
  c.prior_alpha = 2.0;
  c.prior_beta = 3.0;
  BetaThompson p(3, c, 10);
  feed(p, 0, 1.0);
  feed(p, 0, 1.0);
  feed(p, 0, 0.0);
  feed(p, 2, 0.0);
  CHECK(p.posterior_alpha(0) == 4.0);
  CHECK(p.posterior_beta(0) == 4.0);
  CHECK(p.posterior_alpha(1) == 2.0);
  CHECK(p.posterior_beta(2) == 4.0);
  // Fractional rewards become one Bernoulli trial each.
  for (int i = 0; i < 1000; ++i) feed(p, 1, 0.3);
  CHECK(p.posterior_alpha(1) + p.posterior_beta(1) == 2.0 + 3.0 + 1000);
  CHECK(std::abs((p.posterior_alpha(1) - 2.0) / 1000 - 0.3) < 5 * std::sqrt(0.21 / 1000));
  CHECK_THROWS_AS(feed(p, 1, 1.5), Error);
  Draw d = draw(p);
  CHECK(std::isnan(d.probability));
}

TEST_CASE("thompson: exact choice probabilities", "[bandits][policies]") {
  // Two Beta arms with integer parameters: P(θ_B > θ_A) has a finite-sum closed form
  // (Σ_{i<α_B} B(α_A+i, β_A+β_B) / ((β_B+i) B(1+i, β_B) B(α_A, β_A))).
  BetaThompsonConfig c;
  c.propensity = true;
  BetaThompson p(2, c, 11);
  for (int i = 0; i < 3; ++i) feed(p, 0, 1.0);
  feed(p, 0, 0.0);  // arm 0 ~ Beta(4, 2)
  feed(p, 1, 1.0);
  feed(p, 1, 0.0);
  feed(p, 1, 0.0);  // arm 1 ~ Beta(2, 3)
  const int aa = 4, ba = 2, ab = 2, bb = 3;
  double p1 = 0.0;
  for (int i = 0; i < ab; ++i)
    p1 += boost::math::beta(aa + i, ba + bb) /
          ((bb + i) * boost::math::beta(1 + i, bb) * boost::math::beta(aa, ba));
  CHECK(p.choice_probability(1) == Approx(p1).epsilon(1e-9));
  CHECK(p.choice_probability(0) == Approx(1 - p1).epsilon(1e-9));
  // The reported probability is that of the arm drawn, and frequencies agree.
  int hits0 = 0;
  const int n = 4000;
  bool exact = true;
  for (int i = 0; i < n; ++i) {
    Draw d = draw(p);
    exact = exact && std::abs(d.probability - (d.arm == 0 ? 1 - p1 : p1)) < 1e-9;
    hits0 += d.arm == 0;
  }
  CHECK(exact);
  CHECK(std::abs(hits0 / double(n) - (1 - p1)) < 5 * std::sqrt(p1 * (1 - p1) / n));

  GaussianThompsonConfig g;
  g.sigma = 2.0;
  g.propensity = true;
  GaussianThompson q(4, g, 12);
  feed(q, 0, 1.0);
  feed(q, 0, 2.0);
  feed(q, 1, 0.5);
  feed(q, 3, -1.0);
  CHECK(q.posterior_mean(0) == Approx(3.0 / 3));
  CHECK(q.posterior_sd(0) == Approx(2.0 / std::sqrt(3.0)));
  CHECK(q.posterior_mean(2) == 0.0);
  CHECK(q.posterior_sd(2) == 2.0);
  double total = 0.0;
  for (int a = 0; a < 4; ++a) total += q.choice_probability(a);
  CHECK(total == Approx(1.0).epsilon(1e-9));
  GaussianThompson two(2, g, 13);
  feed(two, 0, 1.0);
  const double m0 = 0.5, s0 = 2.0 / std::sqrt(2.0), m1 = 0.0, s1 = 2.0;
  CHECK(two.choice_probability(0) ==
        Approx(normal_cdf((m0 - m1) / std::sqrt(s0 * s0 + s1 * s1))).epsilon(1e-9));
}

TEST_CASE("exp3: probabilities and loss-based weight update by hand", "[bandits][policies]") {
  Exp3Config c;
  c.eta = 0.5;
  Exp3 p(3, c, 14);
  Draw d = draw(p);
  CHECK(d.probability == Approx(1.0 / 3));
  feed(p, d.arm, 0.25);
  // L̂_a = (1 − 0.25) / (1/3) = 2.25 for the arm drawn.
  std::vector<double> loss(3, 0.0);
  loss[static_cast<std::size_t>(d.arm)] = 2.25;
  for (std::size_t a = 0; a < 3; ++a) CHECK(p.estimated_losses()[a] == Approx(loss[a]));
  auto expected = [&] {
    double z = 0.0;
    for (double l : loss) z += std::exp(-0.5 * l);
    std::vector<double> out;
    for (double l : loss) out.push_back(std::exp(-0.5 * l) / z);
    return out;
  };
  for (std::size_t a = 0; a < 3; ++a) CHECK(p.probabilities()[a] == Approx(expected()[a]));
  // Second step on arm 2 (given, whatever the draw) with reward 1: no loss, no change.
  const std::vector<double> before = p.probabilities();
  feed(p, 2, 1.0);
  for (std::size_t a = 0; a < 3; ++a) CHECK(p.probabilities()[a] == Approx(before[a]));
  // Third step on arm 1 with reward 0.
  loss[1] += 1.0 / before[1];
  feed(p, 1, 0.0);
  for (std::size_t a = 0; a < 3; ++a) CHECK(p.probabilities()[a] == Approx(expected()[a]));
  check_distribution(p, expected());
  CHECK_THROWS_AS(feed(p, 0, 1.5), Error);

  // Uniform mixing γ and the default learning rate.
  Exp3Config m;
  m.gamma = 0.3;
  m.horizon = 1000;
  Exp3 q(4, m, 15);
  CHECK(q.eta() == Approx(std::sqrt(2 * std::log(4.0) / (1000 * 4))));
  feed(q, 0, 0.0);  // P = 1/4 for every arm before the update
  const double w0 = std::exp(-q.eta() * 4.0);
  const double soft0 = w0 / (w0 + 3);
  CHECK(q.probabilities()[0] == Approx(0.7 * soft0 + 0.3 / 4));
  CHECK(q.probabilities()[3] == Approx(0.7 * (1 - soft0) / 3 + 0.3 / 4));
}

TEST_CASE("exp3-ix and exp3p: updates by hand", "[bandits][policies]") {
  Exp3IxConfig c;
  c.horizon = 500;
  Exp3Ix p(2, c, 16);
  const double eta = std::sqrt(2 * std::log(2.0) / (2 * 500));
  CHECK(p.eta() == Approx(eta));
  CHECK(p.gamma() == Approx(eta / 2));
  feed(p, 1, 0.2);  // L̃_1 = 0.8 / (1/2 + γ)
  const double l1 = 0.8 / (0.5 + eta / 2);
  CHECK(p.probabilities()[1] == Approx(std::exp(-eta * l1) / (1 + std::exp(-eta * l1))));

  Exp3PConfig e;
  e.horizon = 1000;
  e.delta = 0.1;
  Exp3P q(3, e, 17);
  const double gamma = std::min(0.6, 2 * std::sqrt(0.6 * 3 * std::log(3.0) / 1000));
  const double alpha = 2 * std::sqrt(std::log(3 * 1000 / 0.1));
  CHECK(q.gamma_mix() == Approx(gamma));
  CHECK(q.alpha() == Approx(alpha));
  feed(q, 0, 0.6);  // P uniform = 1/3
  const double rate = gamma / 9, bonus = alpha / std::sqrt(3000.0);
  CHECK(q.scores()[0] == Approx(rate * (0.6 * 3 + bonus * 3)));
  CHECK(q.scores()[1] == Approx(rate * bonus * 3));
  const double w0 = std::exp(q.scores()[0]), w1 = std::exp(q.scores()[1]);
  CHECK(q.probabilities()[0] == Approx((1 - gamma) * w0 / (w0 + 2 * w1) + gamma / 3));
}

TEST_CASE("discounted and sliding-window UCB: statistics and indices by hand",
          "[bandits][policies]") {
  DiscountedUcbConfig c;
  c.gamma = 0.9;
  DiscountedUcb p(2, c);
  CHECK(draw(p).arm == 0);
  feed(p, 0, 1.0);
  CHECK(draw(p).arm == 1);
  feed(p, 1, 0.0);
  feed(p, 0, 0.5);
  // N(0) = 0.81 + 1, S(0) = 0.81 + 0.5; N(1) = 0.9, S(1) = 0.
  CHECK(p.discounted_count(0) == Approx(1.81));
  CHECK(p.discounted_sum(0) == Approx(1.31));
  CHECK(p.discounted_count(1) == Approx(0.9));
  const double n = 2.71;
  CHECK(p.index(0) == Approx(1.31 / 1.81 + 2 * std::sqrt(0.6 * std::log(n) / 1.81)));
  CHECK(p.index(1) == Approx(0.0 + 2 * std::sqrt(0.6 * std::log(n) / 0.9)));
  CHECK(draw(p).arm == 0);  // 1.874 > 1.630
  DiscountedUcbConfig d;
  d.horizon = 10000;
  CHECK(DiscountedUcb(2, d).gamma() == Approx(1 - 1 / (4 * 100.0)));

  SlidingWindowUcbConfig s;
  s.tau = 3;
  SlidingWindowUcb q(2, s);
  feed(q, 0, 1.0);
  feed(q, 1, 0.5);
  feed(q, 0, 0.0);
  feed(q, 0, 1.0);  // the first pull leaves the window
  CHECK(q.window_count(0) == 2);
  CHECK(q.window_sum(0) == 1.0);
  CHECK(q.window_count(1) == 1);
  CHECK(q.index(0) == Approx(0.5 + std::sqrt(0.6 * std::log(3.0) / 2)));
  feed(q, 0, 1.0);
  feed(q, 0, 1.0);  // arm 1 leaves the window: infinite index
  CHECK(q.window_count(1) == 0);
  CHECK(draw(q).arm == 1);
  SlidingWindowUcbConfig t;
  t.horizon = 10000;
  CHECK(SlidingWindowUcb(2, t).tau() ==
        static_cast<std::int64_t>(4 * std::sqrt(10000 * std::log(10000.0))));
}

TEST_CASE("randomised policies: save/load round trip", "[bandits][policies]") {
  GradientBanditConfig c;
  GradientBandit p(3, c, 18);
  feed(p, 0, 1.0);
  feed(p, 1, 0.0);
  StateDict s;
  p.save(s);
  GradientBandit q(3, c, 19);
  q.load(s);
  CHECK(q.preferences() == p.preferences());
  CHECK(q.probabilities() == p.probabilities());
  SlidingWindowUcbConfig w;
  w.tau = 4;
  SlidingWindowUcb a(2, w);
  for (int i = 0; i < 7; ++i) feed(a, i % 2, 0.1 * i);
  StateDict t;
  a.save(t);
  SlidingWindowUcb b(2, w);
  b.load(t);
  for (int arm = 0; arm < 2; ++arm) CHECK(b.index(arm) == a.index(arm));
}

TEST_CASE("randomised policies continue their draws after save and load", "[bandits][policies]") {
  EpsilonGreedyConfig c;
  c.epsilon = 0.5;
  EpsilonGreedy p(4, c, 31);
  for (int i = 0; i < 20; ++i) {
    const Draw d = draw(p);
    feed(p, d.arm, 0.1 * static_cast<double>(d.arm));
  }
  StateDict s;
  p.save(s);
  REQUIRE(s.count("rng") == 1);
  EpsilonGreedy q(4, c, 32);  // another stream: load must replace it
  q.load(s);
  for (int i = 0; i < 50; ++i) {
    const Draw a = draw(p), b = draw(q);
    REQUIRE(a.arm == b.arm);
    REQUIRE(a.probability == b.probability);
    feed(p, a.arm, 0.3);
    feed(q, b.arm, 0.3);
  }
  // A state saved before "rng" existed still loads (the policy keeps its own stream).
  s.erase("rng");
  EpsilonGreedy old(4, c, 33);
  old.load(s);
  CHECK(old.pulls() == 20);
  // A record that is not an engine state is refused, naming the policy.
  s["rng"] = ArrayRecord{{3}, {1.0, 2.0, 3.0}};
  CHECK_THROWS_WITH(old.load(s), Catch::Contains("epsilon-greedy") && Catch::Contains("rng"));
}

TEST_CASE("sliding-window UCB restores its running window sums bit for bit",
          "[bandits][policies]") {
  SlidingWindowUcbConfig w;
  w.tau = 4;
  SlidingWindowUcb a(2, w);
  // Rewards 0.1 (i + 1): after 6 pulls the running sum of arm 1 (0.2 + 0.4 + 0.6 − 0.2 + ...)
  // is 1.0000000000000002, while summing its window afresh gives 1.0.
  for (int i = 0; i < 6; ++i) feed(a, i % 2, 0.1 * (i + 1));
  StateDict t;
  a.save(t);
  SlidingWindowUcb b(2, w);
  b.load(t);
  for (int arm = 0; arm < 2; ++arm) {
    CHECK(b.window_sum(arm) == a.window_sum(arm));
    CHECK(b.index(arm) == a.index(arm));
  }
  // States saved without the sums load with them recomputed from the window.
  t.erase("window_sums");
  SlidingWindowUcb c(2, w);
  c.load(t);
  CHECK(c.window_sum(0) == a.window_sum(0));
  CHECK(c.window_sum(1) == Approx(a.window_sum(1)));
  CHECK(c.window_sum(1) != a.window_sum(1));  // so restoring by a resum would not be exact
  // A window that does not fit this policy is refused before it is used as an index.
  t["window_arms"].data[0] = 7.0;
  CHECK_THROWS_WITH(c.load(t), Catch::Contains("window_arms"));
  SlidingWindowUcbConfig other;
  other.tau = 2;
  SlidingWindowUcb d(2, other);
  t["window_arms"].data[0] = 1.0;
  CHECK_THROWS_AS(d.load(t), Error);  // 4 arms saved for a window of 2
}

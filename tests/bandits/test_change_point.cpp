// Change-point detectors (bandits/math/change_detectors.hpp) on hand examples, the restart
// logic of cusum-ucb, m-ucb and glr-klucb, and their regret against UCB1 on an abrupt change.
//
// Hand examples: the detection sample of each detector on a stream with one clear change is
// worked out in the comments from the papers' definitions; a stationary Bernoulli(0.5) stream
// of a fixed seed raises no alarm at the thresholds the policies use by default.
#include <catch2/catch.hpp>

#include <cmath>

#include "bandits/math/change_detectors.hpp"
#include "bandits/register.hpp"
#include "core/rng.hpp"
#include "helpers.hpp"
#include "run/runner.hpp"
#include "tests/test_util.hpp"

using namespace rlsim;
using rlsim::test::registry;

namespace {

// The sample (1-based) at which `update` first returns true, or 0 if never.
template <class Detector>
std::int64_t first_alarm(Detector& d, const std::vector<double>& ys) {
  for (std::size_t i = 0; i < ys.size(); ++i)
    if (d.update(ys[i])) return static_cast<std::int64_t>(i) + 1;
  return 0;
}

std::vector<double> step_stream(int zeros, int ones) {
  std::vector<double> ys(static_cast<std::size_t>(zeros), 0.0);
  ys.insert(ys.end(), static_cast<std::size_t>(ones), 1.0);
  return ys;
}

std::vector<double> bernoulli_stream(double p, int n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<double> ys;
  for (int i = 0; i < n; ++i) ys.push_back(rng.uniform() < p ? 1.0 : 0.0);
  return ys;
}

StateDict saved(const Agent& agent) {
  StateDict s;
  agent.save(s);
  return s;
}

}  // namespace

TEST_CASE("change point: two-sided CUSUM (Liu et al. 2018) on hand examples", "[change-point]") {
  // M = 10 zeros give u0 = 0; each 1 then adds 1 − 0 − 0.1 = 0.9 to g+: 0.9, 1.8, 2.7 > h = 2
  // at the third 1, sample 13. g− stays 0.
  CusumDetector d(10, 0.1, 2.0);
  CHECK(first_alarm(d, step_stream(10, 5)) == 13);
  CHECK(d.g_plus() == Approx(2.7));
  CHECK(d.g_minus() == 0.0);
  // Downward change: u0 = 1, each 0 adds 0.9 to g−.
  CusumDetector down(10, 0.1, 2.0);
  std::vector<double> ys(10, 1.0);
  ys.insert(ys.end(), 5, 0.0);
  CHECK(first_alarm(down, ys) == 13);
  // Nothing before the reference is formed, even on a wild stream.
  CusumDetector early(10, 0.1, 0.5);
  CHECK(first_alarm(early, {0, 1, 0, 1, 1, 1, 1, 1, 1, 1}) == 0);
  // Stationary Bernoulli(0.5), one segment of Besson et al.'s problem 1 (1000 samples, seed 1),
  // at cusum-ucb's settings there (M = 200, eps = 0.1, h = ln(5000/4)): no alarm. (CUSUM's
  // false alarms are not rare on Bernoulli(0.5) with eps = 0.1: the stream of seed 1 raises
  // one at sample 1478.)
  CusumDetector quiet(200, 0.1, std::log(5000.0 / 4.0));
  CHECK(first_alarm(quiet, bernoulli_stream(0.5, 1000, 1)) == 0);
  // After reset the detector starts over: a new reference from the next M samples.
  d.reset();
  CHECK(d.samples() == 0);
  CHECK(first_alarm(d, step_stream(10, 2)) == 0);
}

TEST_CASE("change point: window detector CD(w, b) (Cao et al. 2019) on hand examples",
          "[change-point]") {
  // w = 4, b = 1.5: 0 0 1 1 has half sums 0 and 2, |2 − 0| > 1.5 at sample 4; 0 0 0 1 has 1.
  WindowDetector d(4, 1.5);
  CHECK(first_alarm(d, {0, 0, 1, 1}) == 4);
  WindowDetector e(4, 1.5);
  CHECK(first_alarm(e, {0, 0, 0, 1, 0, 0, 1, 0}) == 0);
  // w = 200, b = 43.4: 200 zeros then ones. At sample 200 + j the older half of the window
  // (samples j + 1 .. j + 100) is all zeros for j <= 100 and the newer half holds j ones:
  // the first j with j > 43.4 is 44, sample 244.
  WindowDetector big(200, 43.4);
  CHECK(first_alarm(big, step_stream(200, 100)) == 244);
  // Stationary Bernoulli(0.5), seed 2, with m-ucb's default b = sqrt(w/2 ln(2 K T^2)) for
  // w = 200, K = 3, T = 5000: no alarm.
  WindowDetector quiet(200, std::sqrt(100.0 * std::log(2.0 * 3.0 * 5000.0 * 5000.0)));
  CHECK(first_alarm(quiet, bernoulli_stream(0.5, 5000, 2)) == 0);
}

TEST_CASE("change point: Bernoulli GLR (Besson et al. 2022) on hand examples", "[change-point]") {
  // δ = 0.05, no sub-sampling. 10 zeros then ones; the best split is s = 10 (left mean 0,
  // right mean 1), statistic 10 kl(0, μ) + j kl(1, μ) = 10 ln(n/10) + j ln(n/j), μ = j/n,
  // against β(n) = ln(n^1.5 / 0.05):
  //   n = 12 (j = 2): 1.823 + 3.584 = 5.407 < 6.723;  n = 13 (j = 3): 2.624 + 4.399 = 7.023
  //   > 6.843.
  BernoulliGlr d(0.05, 1, 1);
  CHECK(first_alarm(d, step_stream(10, 5)) == 13);
  CHECK(d.statistic() == Approx(10.0 * std::log(1.3) + 3.0 * std::log(13.0 / 3.0)).epsilon(1e-12));
  CHECK(d.threshold(13) == Approx(std::log(std::pow(13.0, 1.5) / 0.05)).epsilon(1e-12));
  // Sub-sampling Δn = 10: the test runs at n = 10, 20, ...: the alarm comes at n = 20.
  BernoulliGlr sub(0.05, 10, 1);
  CHECK(first_alarm(sub, step_stream(10, 15)) == 20);
  // Δs = 4 checks splits 4, 8, 12: with the change after sample 10 the statistic is lower
  // than with every split, so the alarm is no earlier.
  BernoulliGlr coarse(0.05, 1, 4);
  CHECK(first_alarm(coarse, step_stream(10, 15)) >= 13);
  // A constant stream has no change whatever its length.
  BernoulliGlr flat(0.05, 1, 1);
  CHECK(first_alarm(flat, std::vector<double>(300, 1.0)) == 0);
  // Stationary Bernoulli(0.5), seed 3, with glr-klucb's defaults for T = 5000
  // (δ = 1/sqrt(T), Δn = Δs = 10): no alarm.
  BernoulliGlr quiet(1.0 / std::sqrt(5000.0), 10, 10);
  CHECK(first_alarm(quiet, bernoulli_stream(0.5, 5000, 3)) == 0);
}

TEST_CASE("change point: restarts of glr-klucb (local and global), cusum-ucb and m-ucb",
          "[change-point]") {
  auto env = registry().make_env("BernoulliBandit-v0", {{"means", std::vector<double>{0.5, 0.5}}});
  auto counts = [](const Agent& a) { return saved(a).at("restart_counts").data; };
  // Arm 1 gets 5 rewards, then arm 0 the 10-zeros-then-ones stream: the GLR (δ = 0.05, no
  // sub-sampling) fires at arm 0's 13th sample, step 18.
  for (const char* restart : {"local", "global"}) {
    INFO(restart);
    auto agent = registry().make_agent("glr-klucb",
                                       {{"delta", 0.05},
                                        {"delta_n", std::int64_t{1}},
                                        {"delta_s", std::int64_t{1}},
                                        {"restart", std::string(restart)},
                                        {"horizon", std::int64_t{1000}}},
                                       *env, 1);
    for (int i = 0; i < 5; ++i) test::feed(*agent, 1, 1.0);
    const auto ys = step_stream(10, 3);
    for (std::size_t i = 0; i + 1 < ys.size(); ++i) test::feed(*agent, 0, ys[i]);
    CHECK(counts(*agent) == std::vector<double>{12, 5});
    CHECK(agent->diagnostics()->size() == 0);
    test::feed(*agent, 0, 1.0);
    const std::vector<double> after =
        std::string(restart) == "local" ? std::vector<double>{0, 5} : std::vector<double>{0, 0};
    CHECK(counts(*agent) == after);
    REQUIRE(agent->diagnostics()->size() == 1);
    CHECK(agent->diagnostics()->step[0] == 18);
    CHECK(agent->diagnostics()->values[0] == 0.0);  // the arm
    const auto steps = saved(*agent).at("restart_steps").data;
    CHECK(steps == (std::string(restart) == "local" ? std::vector<double>{18, 0}
                                                    : std::vector<double>{18, 18}));
  }
  {  // cusum-ucb: local restart of the arm whose CUSUM fires (M = 10, eps = 0.1, h = 2).
    auto agent = registry().make_agent(
        "cusum-ucb", {{"M", std::int64_t{10}}, {"eps", 0.1}, {"h", 2.0}, {"alpha", 0.1}}, *env, 1);
    for (int i = 0; i < 4; ++i) test::feed(*agent, 1, 0.0);
    const auto ys = step_stream(10, 3);
    for (std::size_t i = 0; i + 1 < ys.size(); ++i) test::feed(*agent, 0, ys[i]);
    CHECK(counts(*agent) == std::vector<double>{12, 4});
    test::feed(*agent, 0, 1.0);
    CHECK(counts(*agent) == std::vector<double>{0, 4});
    REQUIRE(agent->diagnostics()->size() == 1);
    CHECK(agent->diagnostics()->step[0] == 17);
  }
  {  // m-ucb: global restart; the next K pulls are the forced exploration 0, 1.
    auto agent = registry().make_agent(
        "m-ucb", {{"w", std::int64_t{4}}, {"b", 1.5}, {"gamma", 0.1}}, *env, 1);
    for (int i = 0; i < 3; ++i) test::feed(*agent, 1, 1.0);
    for (double y : {0.0, 0.0, 1.0}) test::feed(*agent, 0, y);
    CHECK(counts(*agent) == std::vector<double>{3, 3});
    test::feed(*agent, 0, 1.0);  // arm 0's window 0 0 1 1: alarm at step 7
    CHECK(counts(*agent) == std::vector<double>{0, 0});
    CHECK(saved(*agent).at("restart_step").data[0] == 7);
    Value obs, action;
    Decision d;
    agent->act(obs, action, d);
    CHECK(action.index == 0);
    test::feed(*agent, 0, 1.0);
    agent->act(obs, action, d);
    CHECK(action.index == 1);
    CHECK(d.probability == 1.0);
  }
}

TEST_CASE("change point: detector policies beat UCB1 when the best arm collapses",
          "[change-point]") {
  // Two arms, T = 10^4: 0.9 / 0.5 for 5000 pulls, then 0.1 / 0.5. UCB1 keeps pulling the old
  // best arm for thousands of pulls (its 5000 good rewards hold its mean above 0.5); a working
  // detector restarts within tens of pulls. A detector that never fired would leave each policy
  // with UCB1's regret plus its forced exploration.
  const std::int64_t T = 10000;
  const RawParams env = {{"arms", std::int64_t{2}},
                         {"means", std::vector<double>{0.9, 0.5, 0.1, 0.5}},
                         {"change_points", std::vector<double>{5000}},
                         {"horizon", T}};
  auto mean_regret = [&](const std::string& agent, const RawParams& params) {
    double sum = 0.0;
    const int seeds = 5;
    for (int s = 0; s < seeds; ++s) {
      RunSpec spec;
      spec.env_id = "PiecewiseStationaryBandit-v0";
      spec.env_params = env;
      spec.agent_id = agent;
      spec.agent_params = params;
      spec.seed_index = s;
      spec.master_seed = 7;
      spec.budget.episodes = 1;
      sum += execute_run(registry(), spec).regret.pseudo_regret.back();
    }
    return sum / seeds;
  };
  const double ucb = mean_regret("ucb1", {});
  INFO("UCB1 " << ucb);
  CHECK(ucb > 500.0);
  for (const auto& [agent, params] : std::vector<std::pair<std::string, RawParams>>{
           {"glr-klucb", {}},
           {"glr-klucb", {{"restart", std::string("global")}}},
           {"cusum-ucb", {}},
           {"m-ucb", {{"w", std::int64_t{200}}}}}) {
    const double r = mean_regret(agent, params);
    INFO(agent << " " << r);
    CHECK(r < 0.5 * ucb);
  }
}

TEST_CASE("change point: optimal_pulls counts the pulls of the arm that is best at each pull",
          "[change-point][runner]") {
  // Arm 0 is best (0.9 vs 0.5) for 500 pulls, then worst (0.1 vs 0.5). Every gap is 0.4, so a
  // pull adds 0 to the pseudo-regret exactly when it is of the arm best at that pull: the
  // every-step curve's two sums must step together, across the change point too.
  RunSpec spec;
  spec.env_id = "PiecewiseStationaryBandit-v0";
  spec.env_params = {{"arms", std::int64_t{2}},
                     {"means", std::vector<double>{0.9, 0.5, 0.1, 0.5}},
                     {"change_points", std::vector<double>{500}},
                     {"horizon", std::int64_t{1000}}};
  spec.agent_id = "ucb1";
  spec.master_seed = 3;
  spec.budget.episodes = 1;
  spec.regret_every_step = true;
  const RunResult res = execute_run(registry(), spec);
  const RegretCurve& c = res.regret;
  REQUIRE(c.size() == 1000);
  std::int64_t after_change = 0, optimal_after_change = 0;
  bool together = true;
  for (std::size_t i = 0; i < c.size(); ++i) {
    const std::int64_t d_opt = c.optimal_pulls[i] - (i ? c.optimal_pulls[i - 1] : 0);
    const double d_pseudo = c.pseudo_regret[i] - (i ? c.pseudo_regret[i - 1] : 0.0);
    together = together && (d_opt == 1) == (d_pseudo == 0.0) && (d_opt == 0 || d_opt == 1);
    if (c.step[i] > 500) {
      ++after_change;
      optimal_after_change += d_opt;
    }
  }
  CHECK(together);
  // UCB1 holds on to arm 0 for a while after it collapsed: both kinds of pulls occur there.
  CHECK(optimal_after_change > 0);
  CHECK(optimal_after_change < after_change);
  CHECK(c.optimal_pulls.back() ==
        c.step.back() - static_cast<std::int64_t>(std::llround(c.pseudo_regret.back() / 0.4)));
}

// Fixed-confidence best-arm identification: T*(μ) of Garivier & Kaufmann (2016) against hand
// values and a brute-force optimization over the simplex, the δ-correctness of
// successive-elimination, lucb and track-and-stop over 1,000 runs, the runner's early stop and
// its round trip through the run file.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <functional>

#include "bandits/math/kl.hpp"
#include "bandits/math/optimal_weights.hpp"
#include "bandits/register.hpp"
#include "run/hdf5_log.hpp"
#include "run/runner.hpp"
#include "tests/test_util.hpp"

using namespace rlsim;
using rlsim::test::registry;

namespace {

// Minimum of a convex function on [lo, hi] by ternary search.
double convex_min(const std::function<double(double)>& f, double lo, double hi) {
  for (int i = 0; i < 200; ++i) {
    const double a = lo + (hi - lo) / 3.0, b = hi - (hi - lo) / 3.0;
    (f(a) < f(b) ? hi : lo) = f(a) < f(b) ? b : a;
  }
  return f(0.5 * (lo + hi));
}

// inf over the alternatives where arm a beats the best arm `best`, for weights w: the
// minimum over a ≠ best and over the common value λ ∈ [μ_a, μ_best] of
// w_best d(μ_best, λ) + w_a d(μ_a, λ), found by ternary search (not the closed form).
double inner_inf(KlFamily f, const std::vector<double>& mu, const std::vector<double>& w,
                 std::size_t best) {
  double out = std::numeric_limits<double>::infinity();
  for (std::size_t a = 0; a < mu.size(); ++a) {
    if (a == best) continue;
    out = std::min(out, convex_min(
                            [&](double lam) {
                              return w[best] * kl_divergence(f, mu[best], lam) +
                                     w[a] * kl_divergence(f, mu[a], lam);
                            },
                            mu[a], mu[best]));
  }
  return out;
}

RunResult run_once(const std::string& agent, const RawParams& agent_params,
                   const RawParams& env_params, std::int64_t seed_index,
                   const std::string& env = "BernoulliBandit-v0", bool save_agent = false) {
  RunSpec spec;
  spec.env_id = env;
  spec.env_params = env_params;
  spec.agent_id = agent;
  spec.agent_params = agent_params;
  spec.seed_index = seed_index;
  spec.run_index = seed_index;
  spec.master_seed = 2016;
  spec.budget.episodes = 1;
  spec.save_agent = save_agent;
  return execute_run(registry(), spec);
}

}  // namespace

TEST_CASE("best arm: T*(mu) on two arms against hand values", "[best-arm]") {
  // Gaussian, sigma = 1, means 1 and 0: by symmetry w* = (1/2, 1/2) and the alternative
  // meets at 1/2: T*^{-1} = 2 · (1/2) · (1/2)² / 2 = 1/8, T* = 8 σ² / Δ² = 8.
  const OptimalWeights g = optimal_weights(KlFamily::Gaussian, {1.0, 0.0}, 1.0);
  CHECK(g.t_star == Approx(8.0).epsilon(1e-9));
  CHECK(g.w[0] == Approx(0.5).epsilon(1e-9));
  // Sigma scales T* by σ²: 8 · 4 = 32.
  CHECK(optimal_weights(KlFamily::Gaussian, {0.0, 1.0}, 2.0).t_star == Approx(32.0).epsilon(1e-9));
  // Bernoulli 0.7 / 0.3: symmetric about 1/2, so w* = (1/2, 1/2), λ = 1/2 and
  // T*^{-1} = kl(0.7, 0.5) = 0.7 ln 1.4 + 0.3 ln 0.6 = 0.0822863, T* = 12.1527.
  const OptimalWeights b = optimal_weights(KlFamily::Bernoulli, {0.7, 0.3});
  CHECK(b.t_star == Approx(1.0 / (0.7 * std::log(1.4) + 0.3 * std::log(0.6))).epsilon(1e-9));
  CHECK(b.t_star == Approx(12.1527).epsilon(1e-4));
  CHECK(b.w[1] == Approx(0.5).epsilon(1e-9));
  // Tied best arms: no finite T*.
  CHECK(std::isinf(optimal_weights(KlFamily::Bernoulli, {0.5, 0.5, 0.2}).t_star));
}

TEST_CASE("best arm: T*(mu) and w*(mu) match a brute-force optimization over the simplex",
          "[best-arm]") {
  {  // Two Bernoulli arms, asymmetric: golden-section search over w_1 of the inner infimum.
    const std::vector<double> mu{0.9, 0.6};
    auto value = [&](double w1) { return inner_inf(KlFamily::Bernoulli, mu, {w1, 1 - w1}, 0); };
    double lo = 1e-6, hi = 1 - 1e-6;
    for (int i = 0; i < 200; ++i) {
      const double a = lo + (hi - lo) / 3.0, b = hi - (hi - lo) / 3.0;
      if (value(a) > value(b))
        hi = b;
      else
        lo = a;
    }
    const double w1 = 0.5 * (lo + hi);
    const OptimalWeights o = optimal_weights(KlFamily::Bernoulli, mu);
    CHECK(o.t_star == Approx(1.0 / value(w1)).epsilon(1e-6));
    CHECK(o.w[0] == Approx(w1).epsilon(1e-4));
  }
  {  // Three Bernoulli arms: a 300 × 300 grid over the simplex, then the best cell refined.
    const std::vector<double> mu{0.5, 0.4, 0.2};
    double best = 0.0, bw1 = 0.0, bw2 = 0.0;
    const int n = 300;
    for (int i = 1; i < n; ++i)
      for (int j = 1; i + j < n; ++j) {
        const double w1 = double(i) / n, w2 = double(j) / n;
        const double v = inner_inf(KlFamily::Bernoulli, mu, {w1, w2, 1 - w1 - w2}, 0);
        if (v > best) best = v, bw1 = w1, bw2 = w2;
      }
    for (double step = 1.0 / n; step > 1e-7; step /= 2)  // coordinate refinement
      for (int it = 0; it < 20; ++it)
        for (auto [d1, d2] : {std::pair{step, 0.0},
                              {-step, 0.0},
                              {0.0, step},
                              {0.0, -step},
                              {step, -step},
                              {-step, step}}) {
          const double w1 = bw1 + d1, w2 = bw2 + d2;
          if (w1 <= 0 || w2 <= 0 || w1 + w2 >= 1) continue;
          const double v = inner_inf(KlFamily::Bernoulli, mu, {w1, w2, 1 - w1 - w2}, 0);
          if (v > best) best = v, bw1 = w1, bw2 = w2;
        }
    const OptimalWeights o = optimal_weights(KlFamily::Bernoulli, mu);
    CHECK(o.t_star == Approx(1.0 / best).epsilon(1e-5));
    CHECK(o.w[0] == Approx(bw1).margin(1e-3));
    CHECK(o.w[1] == Approx(bw2).margin(1e-3));
    CHECK(o.w[0] + o.w[1] + o.w[2] == Approx(1.0));
  }
}

TEST_CASE("best arm: at delta = 0.05 the error rate over 1,000 runs is within its binomial noise",
          "[best-arm]") {
  // An easy Bernoulli problem (0.8 vs 0.3, T* = 6.4), so that 1,000 runs take a few seconds.
  // A δ-correct policy errs in at most δ of the runs: 1,000 runs at δ = 0.05 give at most
  // 50 errors on average, 50 + 3 sqrt(1000 · 0.05 · 0.95) = 70.7 at three binomial standard
  // deviations. Every run must stop (the horizon, 10^5 pulls, is far), and the mean stopping
  // time respects the lower bound E[τ] >= T*(μ) kl(δ, 1 − δ) of every δ-correct policy.
  const double delta = 0.05;
  const RawParams env{{"means", std::vector<double>{0.8, 0.3}}, {"horizon", std::int64_t{100000}}};
  const double t_star = optimal_weights(KlFamily::Bernoulli, {0.8, 0.3}).t_star;
  const double bound = t_star * kl_divergence(KlFamily::Bernoulli, delta, 1 - delta);
  for (const char* agent : {"successive-elimination", "lucb", "track-and-stop"}) {
    INFO(agent);
    int errors = 0, stopped = 0;
    double total = 0.0;
    for (int s = 0; s < 1000; ++s) {
      const RunResult r = run_once(agent, {{"delta", delta}}, env, s);
      const Identification& id = r.identification;
      REQUIRE(id.can_stop);
      stopped += id.stopped;
      errors += id.correct == 0;
      total += static_cast<double>(id.stop_time);
      // The run ends at the stop: one (truncated) episode of stop_time pulls.
      REQUIRE(r.total_steps == id.stop_time);
      REQUIRE(r.episodes.lengths.at(0) == id.stop_time);
      REQUIRE(r.episodes.truncated.at(0) == 1);
    }
    INFO("errors " << errors << ", mean stopping time " << total / 1000 << ", bound " << bound);
    CHECK(stopped == 1000);
    CHECK(errors <= 70);
    CHECK(total / 1000 >= bound);
  }
}

TEST_CASE("best arm: stops on Gaussian arms; a policy that cannot stop runs its budget",
          "[best-arm]") {
  const RawParams env{{"means", std::vector<double>{1.0, 0.0, 0.2}},
                      {"sigma", 1.0},
                      {"horizon", std::int64_t{100000}}};
  for (const auto& [agent, params] : std::vector<std::pair<std::string, RawParams>>{
           {"track-and-stop", {{"delta", 0.05}}},
           {"lucb", {{"delta", 0.05}, {"sigma", 1.0}}},
           {"successive-elimination", {{"delta", 0.05}, {"sigma", 1.0}}}}) {
    INFO(agent);
    const RunResult r = run_once(agent, params, env, 0, "GaussianBandit-v0");
    CHECK(r.identification.stopped);
    CHECK(r.identification.recommended == 0);
    CHECK(r.identification.correct == 1);
    CHECK(r.total_steps < 100000);
  }
  const RunResult u = run_once(
      "ucb1", {}, {{"means", std::vector<double>{0.8, 0.3}}, {"horizon", std::int64_t{500}}}, 0);
  CHECK_FALSE(u.identification.can_stop);
  CHECK(u.total_steps == 500);
}

TEST_CASE("best arm: the stop is written to the run file and read back", "[best-arm]") {
  const auto path = std::filesystem::temp_directory_path() / "rlsim_test_best_arm.h5";
  std::filesystem::remove(path);
  std::vector<RunResult> runs;
  runs.push_back(run_once("lucb", {{"delta", 0.1}}, {{"means", std::vector<double>{0.8, 0.3}}}, 0));
  runs.push_back(run_once(
      "ucb1", {}, {{"means", std::vector<double>{0.8, 0.3}}, {"horizon", std::int64_t{50}}}, 1));
  {
    ExperimentMeta meta;
    meta.config_text = "";
    ExperimentWriter w(path.string(), meta);
    for (const RunResult& r : runs) w.write_run(r);
    w.finish();
  }
  ExperimentReader reader(path.string());
  const StoredRun a = reader.read_run(0), b = reader.read_run(1);
  CHECK(a.identification.can_stop);
  CHECK(a.identification.stopped);
  CHECK(a.identification.stop_time == runs[0].identification.stop_time);
  CHECK(a.identification.recommended == runs[0].identification.recommended);
  CHECK(a.identification.correct == runs[0].identification.correct);
  CHECK_FALSE(b.identification.can_stop);
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + ".lock");
}

TEST_CASE("best arm: the L-infinity projection onto the floored simplex, on hand examples",
          "[best-arm]") {
  using V = std::vector<double>;
  auto near = [](const V& a, const V& b) {
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] == Approx(b[i]).margin(1e-15));
  };
  // Already in the floored simplex: unchanged.
  near(project_onto_floor({0.4, 0.3, 0.3}, 0.1), {0.4, 0.3, 0.3});
  // Two arms raised by 0.1 each; the only arm above the floor gives the 0.2 (max move 0.2,
  // which no point of the floored simplex beats: its first weight is at most 0.8).
  near(project_onto_floor({1.0, 0.0, 0.0}, 0.1), {0.8, 0.1, 0.1});
  // One arm raised by 0.05; the two others give 0.025 each.
  near(project_onto_floor({0.5, 0.45, 0.05}, 0.1), {0.475, 0.425, 0.1});
  // Water-filling stops at the floor: the 0.1 raised for the last arm cannot come equally
  // from the four others (0.12 - 0.025 < 0.1), so 0.12 goes to the floor (gives 0.02) and
  // the three largest give eta = 0.08 / 3 each.
  near(project_onto_floor({0.6, 0.12, 0.14, 0.14, 0.0}, 0.1),
       {0.6 - 0.08 / 3, 0.1, 0.14 - 0.08 / 3, 0.14 - 0.08 / 3, 0.1});
  CHECK_THROWS_AS(project_onto_floor({0.5, 0.5}, 0.6), Error);
}

TEST_CASE("best arm: C-tracking keeps every count near the summed proportions (Lemma 7)",
          "[best-arm]") {
  // Garivier & Kaufmann (2016), Lemma 7: with C-tracking, after t pulls every arm has
  // N_a(t) >= sqrt(t + K^2) - 2K and |N_a(t) - S_a(t)| <= K (1 + sqrt(t)), S_a the sum of
  // the projected proportions; the sums add up to t. Checked on the saved state at the stop.
  const std::vector<double> means{0.5, 0.45, 0.43, 0.4};  // the paper's mu1
  const RawParams env{{"means", means}, {"horizon", std::int64_t{1000000}}};
  double total = 0.0;
  int errors = 0;
  for (std::int64_t seed = 0; seed < 5; ++seed) {
    const RunResult r = run_once("track-and-stop", {{"delta", 0.1}, {"tracking", std::string("C")}},
                                 env, seed, "BernoulliBandit-v0", true);
    REQUIRE(r.identification.stopped);
    errors += r.identification.correct == 0;
    total += static_cast<double>(r.identification.stop_time);
    REQUIRE(r.has_agent_state);
    const auto& counts = r.agent_state.at("counts").data;
    const auto& sums = r.agent_state.at("tracking_sums").data;
    const double t = static_cast<double>(r.identification.stop_time), k = 4.0;
    double sum = 0.0;
    for (std::size_t a = 0; a < 4; ++a) {
      INFO("seed " << seed << " arm " << a << " N " << counts[a] << " S " << sums[a]);
      CHECK(counts[a] >= std::sqrt(t + k * k) - 2 * k);
      CHECK(std::abs(counts[a] - sums[a]) <= k * (1 + std::sqrt(t)));
      sum += sums[a];
    }
    CHECK(sum == Approx(t).epsilon(1e-12));
  }
  // T*(mu1) ln(1/delta) = 2279 is the asymptotic floor of every delta-correct policy; D-tracking
  // stops at about 1.9x it here (docs/bandits.md), C-tracking must be of the same order.
  const double floor = optimal_weights(KlFamily::Bernoulli, means).t_star * std::log(1.0 / 0.1);
  INFO("mean stopping time " << total / 5 << ", floor " << floor);
  CHECK(total / 5 > floor);
  CHECK(total / 5 < 4 * floor);
  CHECK(errors <= 2);
}

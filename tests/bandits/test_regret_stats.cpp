// Statistical regret tests through the runner (run/runner.hpp execute_runs), fixed seeds:
// the orders of growth the theory predicts, against constants stated in each test.
//
//   Lai & Robbins (1985): any consistent policy has liminf R(T)/ln T ≥ C on Bernoulli arms,
//     C = Σ_{a: Δa > 0} Δa / kl(μa, μ*); Thompson sampling (Kaufmann, Korda & Munos 2012;
//     Agrawal & Goyal 2012) and KL-UCB (Garivier & Cappé 2011) attain it asymptotically.
//   Auer, Cesa-Bianchi & Fischer (2002), Thm 1: UCB1's R(T) ≤ Σ 8 ln T/Δa + (1 + π²/3) Σ Δa.
//   Uniform play and pure greedy (ε = 0) have regret linear in T.
//   Auer, Cesa-Bianchi, Freund & Schapire (2002): EXP3's weak regret is O(sqrt(T K ln K)) for
//     any oblivious adversary, while UCB1 is fooled linearly by AdversarialBandit-v0's
//     "anti-ucb1" sequence.
//   Garivier & Moulines (2011): sliding-window UCB tracks abrupt changes that UCB1 does not.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "bandits/register.hpp"
#include "run/runner.hpp"

using namespace rlsim;

namespace {

constexpr int kSeeds = 20;

const Registry& bandit_registry() {
  static const Registry r = [] {
    Registry reg;
    register_bandits(reg);
    return reg;
  }();
  return r;
}

// Runs `seeds` seeds of one (env, agent) pair for `pulls` pulls; results sorted by seed index.
std::vector<RunResult> run_seeds(const std::string& env_id, const RawParams& env_params,
                                 const std::string& agent_id, const RawParams& agent_params,
                                 std::int64_t pulls, int seeds = kSeeds, int threads = 2,
                                 std::uint64_t master_seed = 2024) {
  std::vector<RunSpec> specs;
  for (int s = 0; s < seeds; ++s) {
    RunSpec spec;
    spec.run_index = s;
    spec.env_id = env_id;
    spec.env_params = env_params;
    spec.env_params["horizon"] = pulls;
    spec.agent_id = agent_id;
    spec.agent_params = agent_params;
    spec.seed_index = s;
    spec.master_seed = master_seed;
    spec.budget.episodes = 1;
    specs.push_back(spec);
  }
  std::vector<RunResult> out;
  RunnerOptions options;
  options.threads = threads;
  options.on_complete = [&](RunResult&& r) { out.push_back(std::move(r)); };
  execute_runs(bandit_registry(), specs, options);
  std::sort(out.begin(), out.end(), [](const RunResult& a, const RunResult& b) {
    return a.info.run_index < b.info.run_index;
  });
  REQUIRE(out.size() == static_cast<std::size_t>(seeds));
  return out;
}

// Pseudo-regret after t pulls, interpolated between checkpoints.
double regret_at(const RegretCurve& c, std::int64_t t) {
  REQUIRE(!c.step.empty());
  REQUIRE(t <= c.step.back());
  const auto it = std::lower_bound(c.step.begin(), c.step.end(), t);
  const auto i = static_cast<std::size_t>(it - c.step.begin());
  if (c.step[i] == t || i == 0) return c.pseudo_regret[i];
  const double w =
      static_cast<double>(t - c.step[i - 1]) / static_cast<double>(c.step[i] - c.step[i - 1]);
  return c.pseudo_regret[i - 1] + w * (c.pseudo_regret[i] - c.pseudo_regret[i - 1]);
}

double mean_regret_at(const std::vector<RunResult>& runs, std::int64_t t) {
  double sum = 0.0;
  for (const auto& r : runs) sum += regret_at(r.regret, t);
  return sum / static_cast<double>(runs.size());
}

double bernoulli_kl(double p, double q) {
  auto xlogy = [](double x, double y) { return x == 0.0 ? 0.0 : x * std::log(x / y); };
  return xlogy(p, q) + xlogy(1.0 - p, 1.0 - q);
}

double lai_robbins_constant(const std::vector<double>& means) {
  const double best = *std::max_element(means.begin(), means.end());
  double c = 0.0;
  for (double m : means)
    if (best - m > 0.0) c += (best - m) / bernoulli_kl(m, best);
  return c;
}

const std::vector<double> kEasy = {0.9, 0.8, 0.7};

}  // namespace

TEST_CASE("regret: Thompson and KL-UCB reach the Lai-Robbins rate on Chapelle-Li's instance",
          "[regret-stats]") {
  // Chapelle & Li (2011), Fig. 1 setting with K = 10, ε = 0.1: best arm 0.5, nine at 0.4.
  std::vector<double> means(10, 0.4);
  means[0] = 0.5;
  const double c = lai_robbins_constant(means);
  CHECK(c == Approx(9 * 0.1 / bernoulli_kl(0.4, 0.5)));
  const std::int64_t T = 100000;
  const double bound = c * std::log(static_cast<double>(T));
  for (const char* id : {"thompson", "kl-ucb"}) {
    const auto runs = run_seeds("BernoulliBandit-v0", {{"means", means}}, id, {}, T);
    const double r = mean_regret_at(runs, T);
    INFO(id << ": mean R(T) = " << r << ", Lai-Robbins C ln T = " << bound);
    // Within a factor 3 of the asymptotic bound either way (finite-T regret of an optimal
    // policy sits near it; a logarithmic but suboptimal policy such as UCB1 is 3x above).
    CHECK(r <= 3.0 * bound);
    CHECK(r >= 0.3 * bound);
  }
  // UCB1 on the same instance is well above: its constant is Σ 2/Δ-ish, not Σ Δ/kl.
  const auto ucb = run_seeds("BernoulliBandit-v0", {{"means", means}}, "ucb1", {}, T);
  CHECK(mean_regret_at(ucb, T) > 2.0 * bound);
}

TEST_CASE("regret: UCB1's R(T)/ln T stays below Auer et al.'s bound at every T", "[regret-stats]") {
  const std::int64_t T = 100000;
  const auto runs = run_seeds("BernoulliBandit-v0", {{"means", kEasy}}, "ucb1", {}, T);
  const double c_lr = lai_robbins_constant(kEasy);
  for (std::int64_t t : {1000, 10000, 100000}) {
    const double lt = std::log(static_cast<double>(t));
    const double r = mean_regret_at(runs, t);
    // Thm 1: Σ 8/Δ = 8 (1/0.1 + 1/0.2) = 120 per ln t, plus (1 + π²/3)(0.1 + 0.2) once.
    const double auer = 120.0 * lt + (1.0 + std::numbers::pi * std::numbers::pi / 3.0) * 0.3;
    INFO("t = " << t << ": R = " << r << ", R/ln t = " << r / lt);
    CHECK(r <= auer);
    CHECK(r / lt >= c_lr);  // and never below the Lai-Robbins constant (3.55)
  }
  // Logarithmic, not linear, growth: R(10^5) / R(10^4) tends to ln 10^5 / ln 10^4 = 1.25; at
  // these T it is still larger (1.86 measured) because UCB1's index keeps the 0.8 arm in play for
  // about 8 ln t / Δ² ≈ 7,000-9,000 pulls. Linear regret would give 10.
  const double growth = mean_regret_at(runs, 100000) / mean_regret_at(runs, 10000);
  INFO("R(1e5) / R(1e4) = " << growth);
  CHECK(growth <= 3.0);
}

TEST_CASE("regret: uniform play and pure greedy have linear regret", "[regret-stats]") {
  const std::int64_t T = 100000;
  // Uniform: every pull costs the mean gap (0 + 0.1 + 0.2) / 3 = 0.1 in expectation.
  const auto uniform =
      run_seeds("BernoulliBandit-v0", {{"means", kEasy}}, "epsilon-greedy", {{"epsilon", 1.0}}, T);
  for (std::int64_t t : {10000, 100000})
    CHECK(mean_regret_at(uniform, t) / static_cast<double>(t) == Approx(0.1).margin(0.005));
  // Greedy with Q = 0 for unpulled arms commits to the first arm that pays: with probability
  // about 2/3 a suboptimal one, for ever.
  const auto greedy =
      run_seeds("BernoulliBandit-v0", {{"means", kEasy}}, "epsilon-greedy", {{"epsilon", 0.0}}, T);
  const double r4 = mean_regret_at(greedy, 10000), r5 = mean_regret_at(greedy, 100000);
  INFO("greedy: R(1e4) = " << r4 << ", R(1e5) = " << r5);
  CHECK(r5 / 100000.0 >= 0.02);
  CHECK(r5 >= 8.0 * r4);  // linear: ×10 from 1e4 to 1e5 (logarithmic would be ×1.25)
}

TEST_CASE("regret: EXP3 is sublinear on the anti-UCB1 adversary, UCB1 linear", "[regret-stats]") {
  const std::int64_t T = 100000;
  const std::int64_t K = 3;
  const RawParams env = {{"adversary", std::string("anti-ucb1")}, {"arms", K}};
  const auto ucb = run_seeds("AdversarialBandit-v0", env, "ucb1", {}, T, 2);
  // UCB1 earns nothing; the best arm in hindsight earns about T (K − 1)/K.
  CHECK(mean_regret_at(ucb, T) / static_cast<double>(T) == Approx(2.0 / 3.0).margin(0.01));
  const auto exp3 = run_seeds("AdversarialBandit-v0", env, "exp3", {}, T);
  const double r = mean_regret_at(exp3, T);
  // Weak-regret bound of EXP3 with its tuned rate: sqrt(2 T K ln K) (Lattimore & Szepesvári
  // 2020, Thm 11.2) = 812 here.
  const double bound =
      std::sqrt(2.0 * static_cast<double>(T * K) * std::log(static_cast<double>(K)));
  INFO("EXP3 mean weak regret " << r << ", bound " << bound);
  CHECK(r <= bound);
  CHECK(r / static_cast<double>(T) < 0.01);
}

TEST_CASE("regret: sliding-window UCB beats UCB1 on abrupt changes", "[regret-stats]") {
  // The best arm collapses at mid-horizon (0.9 → 0.1) while the other stays at 0.5: UCB1's
  // 5·10^4 pulls of the old best arm keep its empirical mean above 0.5 for about as many pulls
  // again, while the window (default τ = 4 sqrt(T ln T) = 4,291 pulls) forgets them. (When the
  // other arm improves instead, UCB1 recovers quickly: that arm's rising mean re-selects it.)
  const std::int64_t T = 100000;
  const RawParams env = {{"arms", std::int64_t{2}},
                         {"means", std::vector<double>{0.9, 0.5, 0.1, 0.5}},
                         {"change_points", std::vector<double>{50000}}};
  const auto ucb = run_seeds("PiecewiseStationaryBandit-v0", env, "ucb1", {}, T);
  const auto sw = run_seeds("PiecewiseStationaryBandit-v0", env, "sliding-window-ucb", {}, T);
  const double r_ucb = mean_regret_at(ucb, T), r_sw = mean_regret_at(sw, T);
  INFO("UCB1 " << r_ucb << ", SW-UCB " << r_sw);
  CHECK(r_sw < 0.5 * r_ucb);
  // Before the change both are ordinary stationary learners: UCB1 is not worse there.
  CHECK(mean_regret_at(ucb, 50000) <= mean_regret_at(sw, 50000));
}

TEST_CASE("regret: --threads 1 and 2 give identical regret curves", "[regret-stats]") {
  for (const char* id : {"ucb1", "thompson", "exp3", "kl-ucb"}) {
    INFO(id);
    const auto one = run_seeds("BernoulliBandit-v0", {{"means", kEasy}}, id, {}, 5000, 6, 1);
    const auto two = run_seeds("BernoulliBandit-v0", {{"means", kEasy}}, id, {}, 5000, 6, 2);
    for (std::size_t i = 0; i < one.size(); ++i) {
      CHECK(one[i].regret.step == two[i].regret.step);
      CHECK(one[i].regret.pseudo_regret == two[i].regret.pseudo_regret);
      CHECK(one[i].regret.realised_regret == two[i].regret.realised_regret);
    }
    // Different seeds give different curves (the comparison above is not vacuous).
    CHECK(one[0].regret.realised_regret != one[1].regret.realised_regret);
  }
}

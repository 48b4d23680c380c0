// Pulls per second of bandit policies, one thread, T = 10^6 pulls per run: each policy through
// the runner (registry-built env and agent, run/runner.hpp execute_run with the regret
// oracle summed every pull and recorded at log-spaced checkpoints, no file I/O) and, as the
// floor, a hand-written bare loop with the same maths (no Env/Agent interface, no
// validation, no logging beyond the same regret sums).
//
//   ucb1, kl-ucb, thompson (Beta), exp3 on BernoulliBandit-v0, K = 10, means 0.05, 0.15, …, 0.95
//   linucb (α = 1, λ = 1) on LinearContextualBandit-v0, K = 10, d = 10, unit-sphere contexts
//
// The bare loops use the same building blocks as the policies where those are the maths
// (rlsim::Rng, the Marsaglia–Tsang GammaSampler, kl_upper_bound), so the ratio measures the
// cost of the interface, the runner and the policies' bookkeeping.
// Run: bench_bandits --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// items_per_second is pulls per second.
#include <benchmark/benchmark.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "bandits/math/gamma_sampler.hpp"
#include "bandits/math/kl.hpp"
#include "bandits/register.hpp"
#include "core/registry.hpp"
#include "core/rng.hpp"
#include "run/runner.hpp"

namespace {

constexpr std::int64_t kPulls = 1000000;
constexpr int kArms = 10;
constexpr int kDim = 10;

const rlsim::Registry& registry() {
  static const rlsim::Registry r = [] {
    rlsim::Registry reg;
    rlsim::register_bandits(reg);
    return reg;
  }();
  return r;
}

std::vector<double> bernoulli_means() {
  std::vector<double> m(kArms);
  for (int a = 0; a < kArms; ++a) m[static_cast<std::size_t>(a)] = 0.05 + 0.1 * a;
  return m;
}

// ---------------------------------------------------------------------------- runner

void bm_runner(benchmark::State& state, const std::string& agent_id, bool contextual) {
  rlsim::RunSpec spec;
  spec.agent_id = agent_id;
  spec.budget.episodes = 1;
  spec.master_seed = 1;
  if (contextual) {
    spec.env_id = "LinearContextualBandit-v0";
    spec.env_params = {
        {"arms", std::int64_t{kArms}}, {"dimension", std::int64_t{kDim}}, {"horizon", kPulls}};
  } else {
    spec.env_id = "BernoulliBandit-v0";
    spec.env_params = {{"means", bernoulli_means()}, {"horizon", kPulls}};
  }
  double regret = 0.0;
  std::int64_t seed = 0;
  for (auto _ : state) {
    spec.seed_index = seed++;
    const rlsim::RunResult r = rlsim::execute_run(registry(), spec);
    regret += r.regret.pseudo_regret.back();
  }
  state.SetItemsProcessed(state.iterations() * kPulls);
  state.counters["regret"] = regret / static_cast<double>(state.iterations());
}

// ---------------------------------------------------------------------------- bare loops

// The regret bookkeeping every bare loop does: the runner's sums at its checkpoints.
struct RegretSums {
  std::vector<std::int64_t> checkpoints = rlsim::log_spaced_checkpoints(kPulls);
  std::vector<double> at;
  std::size_t next = 0;
  double pseudo = 0.0, realised = 0.0;
  RegretSums() { at.reserve(checkpoints.size()); }
  void add(std::int64_t t, double gap, double best_minus_reward) {
    pseudo += gap;
    realised += best_minus_reward;
    if (next < checkpoints.size() && t == checkpoints[next]) {
      at.push_back(pseudo);
      ++next;
    }
  }
};

struct Stats {
  double n[kArms] = {}, s[kArms] = {}, mean[kArms] = {};
  void add(int a, double r) {
    n[a] += 1.0;
    s[a] += r;
    mean[a] = s[a] / n[a];
  }
};

template <class Choose, class Learn>
double bernoulli_loop(std::uint64_t seed, Choose choose, Learn learn) {
  const std::vector<double> mu = bernoulli_means();
  double best = 0.0;
  for (double m : mu) best = std::max(best, m);
  rlsim::Rng env_rng(rlsim::derive_seed(1, seed, "env"));
  RegretSums regret;
  for (std::int64_t t = 1; t <= kPulls; ++t) {
    const int a = choose(t);
    const double r = env_rng.uniform() < mu[static_cast<std::size_t>(a)] ? 1.0 : 0.0;
    regret.add(t, best - mu[static_cast<std::size_t>(a)], best - r);
    learn(a, r);
  }
  benchmark::DoNotOptimize(regret.at.data());
  return regret.pseudo;
}

template <class Loop>
void bm_bare(benchmark::State& state, Loop loop) {
  double regret = 0.0;
  std::uint64_t seed = 0;
  for (auto _ : state) regret += loop(seed++);
  state.SetItemsProcessed(state.iterations() * kPulls);
  state.counters["regret"] = regret / static_cast<double>(state.iterations());
}

double bare_ucb1(std::uint64_t seed) {
  Stats st;
  double inv[kArms] = {}, idx[kArms];
  return bernoulli_loop(
      seed,
      [&](std::int64_t t) {
        if (t <= kArms) return static_cast<int>(t - 1);
        const double c = 2.0 * std::log(static_cast<double>(t - 1));
        for (int a = 0; a < kArms; ++a) idx[a] = st.mean[a] + std::sqrt(c * inv[a]);
        int best = 0;
        for (int a = 1; a < kArms; ++a)
          if (idx[a] > idx[best]) best = a;
        return best;
      },
      [&](int a, double r) {
        st.add(a, r);
        inv[a] = 1.0 / st.n[a];
      });
}

double bare_kl_ucb(std::uint64_t seed) {
  Stats st;
  using rlsim::KlFamily;
  return bernoulli_loop(
      seed,
      [&](std::int64_t t) {
        if (t <= kArms) return static_cast<int>(t - 1);
        const double rhs = std::log(static_cast<double>(t - 1));
        int best = -1;
        double best_value = -std::numeric_limits<double>::infinity();
        for (int a = 0; a < kArms; ++a) {
          // The same shortcut as the policy: an arm whose divergence to the current best
          // already exceeds the budget cannot win.
          if (best >= 0 && st.mean[a] < best_value &&
              st.n[a] * rlsim::kl_divergence(KlFamily::Bernoulli, st.mean[a], best_value) >= rhs)
            continue;
          const double v = rlsim::kl_upper_bound(KlFamily::Bernoulli, st.mean[a], rhs / st.n[a]);
          if (v > best_value) {
            best_value = v;
            best = a;
          }
        }
        return best;
      },
      [&](int a, double r) { st.add(a, r); });
}

// The same index, evaluating the arm of largest empirical mean first: the other arms are then
// mostly dismissed by the one-divergence test instead of a root find each. Not what the policy
// does (it scans arms in order); an experiment for the report in BENCHMARKS.md.
double bare_kl_ucb_best_first(std::uint64_t seed) {
  Stats st;
  using rlsim::KlFamily;
  return bernoulli_loop(
      seed,
      [&](std::int64_t t) {
        if (t <= kArms) return static_cast<int>(t - 1);
        const double rhs = std::log(static_cast<double>(t - 1));
        int first = 0;
        for (int a = 1; a < kArms; ++a)
          if (st.mean[a] > st.mean[first]) first = a;
        int best = first;
        double best_value =
            rlsim::kl_upper_bound(KlFamily::Bernoulli, st.mean[first], rhs / st.n[first]);
        for (int a = 0; a < kArms; ++a) {
          if (a == first) continue;
          if (st.mean[a] < best_value &&
              st.n[a] * rlsim::kl_divergence(KlFamily::Bernoulli, st.mean[a], best_value) >= rhs)
            continue;
          const double v = rlsim::kl_upper_bound(KlFamily::Bernoulli, st.mean[a], rhs / st.n[a]);
          if (v > best_value || (v == best_value && a < best)) {
            best_value = v;
            best = a;
          }
        }
        return best;
      },
      [&](int a, double r) { st.add(a, r); });
}

double bare_thompson(std::uint64_t seed) {
  rlsim::Rng rng(rlsim::derive_seed(1, seed, "agent"));
  rlsim::GammaSampler alpha[kArms], beta[kArms];
  double succ[kArms] = {}, fail[kArms] = {};
  return bernoulli_loop(
      seed,
      [&](std::int64_t) {
        int best = 0;
        double best_value = -1.0;
        for (int a = 0; a < kArms; ++a) {
          const double theta = rlsim::sample_beta(rng, alpha[a], beta[a]);
          if (theta > best_value) {
            best_value = theta;
            best = a;
          }
        }
        return best;
      },
      [&](int a, double r) {
        if (r == 1.0)
          alpha[a].set_shape(1.0 + (succ[a] += 1.0));
        else
          beta[a].set_shape(1.0 + (fail[a] += 1.0));
      });
}

double bare_exp3(std::uint64_t seed) {
  rlsim::Rng rng(rlsim::derive_seed(1, seed, "agent"));
  const double eta = std::sqrt(2.0 * std::log(double{kArms}) / (double(kPulls) * kArms));
  double score[kArms] = {}, p[kArms];
  return bernoulli_loop(
      seed,
      [&](std::int64_t) {
        double mx = score[0];
        for (int a = 1; a < kArms; ++a) mx = std::max(mx, score[a]);
        double z = 0.0;
        for (int a = 0; a < kArms; ++a) z += (p[a] = std::exp(score[a] - mx));
        for (int a = 0; a < kArms; ++a) p[a] /= z;
        const double u = rng.uniform();
        double acc = 0.0;
        for (int a = 0; a < kArms; ++a) {
          acc += p[a];
          if (u < acc) return a;
        }
        return kArms - 1;
      },
      [&](int a, double r) { score[a] -= eta * (1.0 - r) / p[a]; });
}

// LinUCB on linear contexts: the env's draws (unit-sphere contexts and θ_a, Gaussian noise
// σ = 0.1, contexts stored as float) and the policy's Sherman–Morrison update, inline.
// Fixed = true uses compile-time 10×10 Eigen types (the floor); false uses dynamic-size ones
// as the policy must (d is a run-time parameter), to separate that cost from the interface's.
template <bool Fixed>
double bare_linucb(std::uint64_t seed) {
  constexpr int kRows = Fixed ? kDim : Eigen::Dynamic;
  using Mat = Eigen::Matrix<double, kRows, kRows>;
  using Vec = Eigen::Matrix<double, kRows, 1>;
  rlsim::Rng env_rng(rlsim::derive_seed(1, seed, "env"));
  auto sphere = [&](Vec& v) {
    for (int i = 0; i < kDim; ++i) v[i] = env_rng.normal();
    v /= v.norm();
  };
  Vec theta_true[kArms];
  for (auto& th : theta_true) {
    th.resize(kDim);
    sphere(th);
  }
  Mat inv[kArms];
  Vec b[kArms], theta[kArms];
  for (int a = 0; a < kArms; ++a) {
    inv[a].setIdentity(kDim, kDim);
    b[a].setZero(kDim);
    theta[a].setZero(kDim);
  }
  Vec x(kDim), y(kDim);
  double mu[kArms];
  RegretSums regret;
  auto new_context = [&] {
    sphere(x);
    for (int i = 0; i < kDim; ++i) x[i] = static_cast<double>(static_cast<float>(x[i]));
    for (int a = 0; a < kArms; ++a) mu[a] = theta_true[a].dot(x);
  };
  new_context();
  for (std::int64_t t = 1; t <= kPulls; ++t) {
    int best = 0;
    double best_value = -std::numeric_limits<double>::infinity();
    for (int a = 0; a < kArms; ++a) {
      y.noalias() = inv[a] * x;
      const double v = theta[a].dot(x) + std::sqrt(x.dot(y));
      if (v > best_value) {
        best_value = v;
        best = a;
      }
    }
    double mu_star = mu[0];
    for (int a = 1; a < kArms; ++a) mu_star = std::max(mu_star, mu[a]);
    const double r = mu[best] + 0.1 * env_rng.normal();
    regret.add(t, mu_star - mu[best], mu_star - r);
    y.noalias() = inv[best] * x;
    inv[best].noalias() -= (y / (1.0 + x.dot(y))) * y.transpose();
    b[best].noalias() += r * x;
    theta[best].noalias() = inv[best] * b[best];
    new_context();
  }
  benchmark::DoNotOptimize(regret.at.data());
  return regret.pseudo;
}

}  // namespace

BENCHMARK_CAPTURE(bm_runner, ucb1, std::string("ucb1"), false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(bm_bare, ucb1, bare_ucb1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(bm_runner, kl_ucb, std::string("kl-ucb"), false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(bm_bare, kl_ucb, bare_kl_ucb)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(bm_bare, kl_ucb_best_first, bare_kl_ucb_best_first)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(bm_runner, thompson, std::string("thompson"), false)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(bm_bare, thompson, bare_thompson)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(bm_runner, exp3, std::string("exp3"), false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(bm_bare, exp3, bare_exp3)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(bm_runner, linucb, std::string("linucb"), true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(bm_bare, linucb, bare_linucb<true>)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(bm_bare, linucb_dynamic_size, bare_linucb<false>)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();

// Step rate of a VectorEnv (run/vector_env.hpp): N copies (8 and 16) of an env stepped
// together with uniform random actions, on 1 and 2 threads (the pool and its auto rule);
// items_per_second is env steps per second (vector steps × N), wall-clock. After the runs,
// the 2-thread/1-thread ratio of each (env, N) is printed. Issue #5's target: ≥ 1.8× for
// LunarLander-v3 on 2 threads. Envs come from the argument list below; an id the registry lacks is
// reported as skipped.
//
// Actions are drawn up front into a ring of vector steps, so the loop measures the envs
// and the vector machinery (pool hand-off, auto-reset) alone.
// Run: bench_vector_env --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
// Use an idle machine: other processes on the cores distort the thread ratio.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/registry.hpp"
#include "core/rng.hpp"
#include "envs/register.hpp"
#include "run/vector_env.hpp"

namespace {

constexpr std::size_t kRing = 1024;  // vector steps of pre-drawn actions

const rlsim::Registry& registry() {
  static const rlsim::Registry r = [] {
    rlsim::Registry reg;
    rlsim::register_envs(reg);
    return reg;
  }();
  return r;
}

void bm_vector_env(benchmark::State& state, const std::string& id, std::size_t copies,
                   int threads) {
  if (!registry().has_env(id)) {
    state.SkipWithError((id + " is not registered").c_str());
    for (auto _ : state) {
    }
    return;
  }
  std::vector<std::unique_ptr<rlsim::Env>> envs;
  for (std::size_t i = 0; i < copies; ++i) envs.push_back(registry().make_env(id, {}));
  rlsim::VectorEnv venv(std::move(envs), threads);
  const rlsim::Space& as = venv.spec().action_space;
  rlsim::Rng rng(2024);
  std::vector<std::vector<rlsim::Value>> ring(kRing, std::vector<rlsim::Value>(copies));
  for (auto& row : ring)
    for (auto& a : row) {
      as.prepare(a);
      if (as.is_discrete()) {
        a.index = rng.integer(as.start(), as.start() + as.n() - 1);
      } else {
        for (std::size_t k = 0; k < a.vec.size(); ++k)
          a.vec[k] = static_cast<float>(rng.uniform(as.low()[k], as.high()[k]));
      }
    }
  venv.reset(1);
  std::size_t i = 0;
  std::int64_t episodes = 0;
  for (auto _ : state) {
    venv.step(ring[i++ & (kRing - 1)]);
    for (std::size_t c = 0; c < copies; ++c) episodes += venv.done(c);
  }
  benchmark::DoNotOptimize(episodes);
  const auto steps =
      static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(copies);
  state.SetItemsProcessed(steps);
  state.counters["mean_len"] =
      episodes ? static_cast<double>(steps) / static_cast<double>(episodes) : 0.0;
}

// Console output as usual, plus a record of each run's rate for the ratio table.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.error_occurred) continue;
      auto it = r.counters.find("items_per_second");
      if (it != r.counters.end()) rates[r.benchmark_name()] = it->second.value;
    }
  }
  std::map<std::string, double> rates;
};

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> ids{"LunarLander-v3", "CartPole-v1", "Acrobot-v1"};
  const std::vector<std::size_t> copies{8, 16};
  for (const auto& id : ids)
    for (std::size_t n : copies)
      for (int threads : {1, 2})
        benchmark::RegisterBenchmark(("vector_env/" + id + "/copies:" + std::to_string(n) +
                                      "/threads:" + std::to_string(threads))
                                         .c_str(),
                                     bm_vector_env, id, n, threads)
            ->UseRealTime();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  std::printf("\n2-thread / 1-thread step-rate ratio:\n");
  for (const auto& [name, rate] : reporter.rates) {
    const auto pos = name.find("/threads:1");
    if (pos == std::string::npos) continue;
    std::string two = name;
    two.replace(pos, 10, "/threads:2");
    auto it = reporter.rates.find(two);
    if (it == reporter.rates.end() || rate <= 0) continue;
    std::printf("  %-50s %.2fx\n", name.substr(0, pos).append(name.substr(pos + 10)).c_str(),
                it->second / rate);
  }
  return 0;
}

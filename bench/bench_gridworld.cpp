// Env steps per second for the gridworlds, one thread: (1) the Env interface alone with
// uniform random actions (resets included), and (2) the full runner loop (registry-built
// env and `random` agent, episode accounting, no file I/O).
// Run: build/release/bench/bench_gridworld --benchmark_repetitions=5
//        --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include "core/registry.hpp"
#include "run/runner.hpp"
#include "experiments/builtins.hpp"

namespace {

const rlsim::Registry& registry() {
  static rlsim::Registry r = [] {
    rlsim::Registry reg;
    rlsim::register_builtins(reg);
    return reg;
  }();
  return r;
}

void BM_EnvInterface(benchmark::State& state, const char* id) {
  auto env = registry().make_env(id, {});
  rlsim::Rng rng(1);
  rlsim::Value obs, action;
  env->spec().action_space.prepare(action);
  const std::int64_t n = env->spec().action_space.n();
  env->reset(obs, 1);
  std::int64_t steps = 0;
  for (auto _ : state) {
    for (int i = 0; i < 1000; ++i) {
      action.index = rng.integer(0, n - 1);
      const rlsim::StepResult r = env->step(action, obs);
      if (r.terminated || r.truncated) env->reset(obs);
    }
    steps += 1000;
  }
  state.counters["steps/s"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}

void BM_Runner(benchmark::State& state, const char* id) {
  rlsim::RunSpec spec;
  spec.env_id = id;
  spec.agent_id = "random";
  spec.budget.steps = 100000;
  std::int64_t steps = 0;
  for (auto _ : state) {
    rlsim::RunResult r = rlsim::execute_run(registry(), spec);
    steps += r.total_steps;
    benchmark::DoNotOptimize(r.episodes.returns.data());
  }
  state.counters["steps/s"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK_CAPTURE(BM_EnvInterface, FrozenLake, "FrozenLake-v1");
BENCHMARK_CAPTURE(BM_EnvInterface, FrozenLake8x8, "FrozenLake8x8-v1");
BENCHMARK_CAPTURE(BM_EnvInterface, CliffWalking, "CliffWalking-v1");
BENCHMARK_CAPTURE(BM_EnvInterface, Taxi, "Taxi-v4");
BENCHMARK_CAPTURE(BM_EnvInterface, WindyGridworld, "WindyGridworld-v0");
BENCHMARK_CAPTURE(BM_EnvInterface, FourRooms, "FourRooms-v0");
BENCHMARK_CAPTURE(BM_Runner, FrozenLake, "FrozenLake-v1")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Runner, CliffWalking, "CliffWalking-v1")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Runner, Taxi, "Taxi-v4")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Runner, WindyGridworld, "WindyGridworld-v0")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Runner, FourRooms, "FourRooms-v0")->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();

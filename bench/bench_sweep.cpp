// Sweep throughput and the cost of logging: RLSIM_SWEEP_RUNS (default 1,000) short runs of
// tabular Q-learning on FrozenLake-v1, 1,000 episodes each (issue #8), through the same
// execute_runs() and ExperimentWriter that `rlsim run` uses, on 1 and 2 OpenMP threads.
//
// log = 0: logging off: each RunResult is dropped (the runner still fills its in-memory
//          episode table; no file is opened)
// log = 1: episode logging: every run is written to an HDF5 run file as it finishes
//          (episode table, run attributes; flushed at most once a second and at the end),
//          as `rlsim run` does by default
// log = 2: step logging: as 1 with log_steps (log.steps = true)
// The file is created inside the timed region and deleted after it. runs_per_s is the figure
// to compare; bench/sweep.sh runs this with 3 repetitions plus the `mpirun -np 2` sweep, and
// BENCHMARKS.md ("Sweeps and logging overhead") records the table.
#include <benchmark/benchmark.h>

#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "run/hdf5_log.hpp"
#include "run/runner.hpp"
#include "experiments/cli_util.hpp"

namespace {

std::int64_t sweep_runs() {
  if (const char* s = std::getenv("RLSIM_SWEEP_RUNS")) return std::max(1L, std::atol(s));
  return 1000;
}

std::vector<rlsim::RunSpec> sweep_specs(bool log_steps) {
  std::vector<rlsim::RunSpec> specs;
  const std::int64_t n = sweep_runs();
  for (std::int64_t i = 0; i < n; ++i) {
    rlsim::RunSpec s;
    s.run_index = i;
    s.env_id = "FrozenLake-v1";
    s.agent_id = "q-learning";
    s.seed_index = i;
    s.master_seed = 1;
    s.budget.episodes = 1000;
    s.log_steps = log_steps;
    specs.push_back(std::move(s));
  }
  return specs;
}

void BM_Sweep(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const int log = static_cast<int>(state.range(1));
  const rlsim::Registry registry = rlsim::make_registry({});
  const std::vector<rlsim::RunSpec> specs = sweep_specs(log == 2);
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("rlsim_bench_sweep_" + std::to_string(getpid()) + ".h5"))
                               .string();
  std::int64_t steps = 0;
  for (auto _ : state) {
    rlsim::RunCounters counters;
    rlsim::RunnerOptions opts;
    opts.threads = threads;
    opts.counters = &counters;
    if (log == 0) {
      opts.on_complete = [](rlsim::RunResult&& r) { benchmark::DoNotOptimize(r.total_steps); };
      rlsim::execute_runs(registry, specs, opts);
    } else {
      rlsim::ExperimentMeta meta;
      meta.config_text = "# bench_sweep";
      meta.planned_runs = static_cast<std::int64_t>(specs.size());
      rlsim::ExperimentWriter writer(path, meta);
      opts.on_complete = [&writer](rlsim::RunResult&& r) { writer.write_run(r); };
      rlsim::execute_runs(registry, specs, opts);
      writer.finish();
    }
    steps = counters.steps.load();
    state.PauseTiming();
    std::filesystem::remove(path);
    state.ResumeTiming();
  }
  state.counters["runs_per_s"] = benchmark::Counter(static_cast<double>(specs.size()),
                                                    benchmark::Counter::kIsIterationInvariantRate);
  state.counters["steps_per_s"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(BM_Sweep)
    ->ArgNames({"threads", "log"})
    ->ArgsProduct({{1, 2}, {0, 1, 2}})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kSecond);

BENCHMARK_MAIN();

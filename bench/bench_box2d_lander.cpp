// Step rate of LunarLander-v3 and LunarLanderContinuous-v3 (Gymnasium 1.x on Box2D 2.4)
// through the runner-facing Env interface, with uniform random actions and resets, one
// thread; and a bare loop driving the physics class (LunarLanderSim) directly, without the
// Env interface, with the same actions and resets. Gymnasium's own rate is about 39,000
// steps/s with pre-generated actions (bench/reference.md).
//
// Actions are drawn up front into a ring, so the loops measure the env alone
// (bench/bench_env_loop.hpp).
// Run: bench_box2d_lander --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// items_per_second is steps per second.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench/bench_env_loop.hpp"
#include "core/registry.hpp"
#include "core/rng.hpp"
#include "envs/box2d/lunar_lander.hpp"
#include "envs/register.hpp"

namespace {

const rlsim::Registry& registry() {
  static const rlsim::Registry r = [] {
    rlsim::Registry reg;
    rlsim::register_envs(reg);
    return reg;
  }();
  return r;
}

void bm_env(benchmark::State& state, const std::string& id) {
  auto env = registry().make_env(id, {});
  rlsim_bench::run_random_actions(state, *env);
}

// LunarLanderSim driven directly: the physics and reward alone, with the 1000-step limit
// counted by hand, no action validation, no virtual calls.
void bm_lander_bare_loop(benchmark::State& state) {
  const rlsim_bench::ActionRing ring(rlsim::Space::discrete(4));
  const std::vector<std::int64_t>& actions = ring.indices;
  rlsim::Rng env_rng(1);
  rlsim::LunarLanderSim sim;
  sim.reset(env_rng);
  std::size_t i = 0;
  std::int64_t elapsed = 0, episodes = 0;
  for (auto _ : state) {
    const auto out = sim.step_discrete(actions[i++ & (rlsim_bench::kRing - 1)], env_rng);
    benchmark::DoNotOptimize(sim.observation().data());
    benchmark::DoNotOptimize(out.reward);
    if (out.terminated || ++elapsed >= 1000) {
      sim.reset(env_rng);
      elapsed = 0;
      ++episodes;
    }
  }
  rlsim_bench::report_steps(state, episodes);
}

}  // namespace

BENCHMARK_CAPTURE(bm_env, LunarLander_v3, std::string("LunarLander-v3"));
BENCHMARK_CAPTURE(bm_env, LunarLanderContinuous_v3, std::string("LunarLanderContinuous-v3"));
BENCHMARK(bm_lander_bare_loop);

BENCHMARK_MAIN();

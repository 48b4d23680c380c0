// Step rate of BipedalWalker-v3 and BipedalWalkerHardcore-v3 (Gymnasium 1.x's
// bipedal_walker.py on Box2D 2.4) through the Env interface, with uniform random actions and
// resets, one thread; and a bare loop driving the physics class (BipedalWalkerSim) directly,
// with the same actions, the 1600-step limit and no interface.
//
// Actions are drawn up front into a ring, so the loops measure the env alone. Gymnasium's
// figure for comparison: 6,300 steps/s (bench/reference.md).
// Run: bench_box2d_walker --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// items_per_second is steps per second; mean_len the mean episode length.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench/bench_env_loop.hpp"
#include "core/registry.hpp"
#include "core/rng.hpp"
#include "envs/box2d/bipedal_walker.hpp"
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

// BipedalWalkerSim::reset/step called directly: the Box2D physics, lidar and reward alone.
void bm_walker_bare_loop(benchmark::State& state) {
  const rlsim_bench::ActionRing ring(rlsim::Space::box(-1.0f, 1.0f, {4}));
  const std::vector<float>& actions = ring.floats;
  rlsim::BipedalWalkerSim sim(false);
  rlsim::Rng rng(1);
  float obs[rlsim::bipedal::kObservationSize];
  sim.reset(rng, obs);
  std::size_t i = 0;
  std::int64_t elapsed = 0, episodes = 0;
  for (auto _ : state) {
    const rlsim::BipedalStep r =
        sim.step(actions.data() + 4 * (i++ & (rlsim_bench::kRing - 1)), obs);
    benchmark::DoNotOptimize(obs);
    if (r.terminated || ++elapsed >= 1600) {
      sim.reset(rng, obs);
      elapsed = 0;
      ++episodes;
    }
  }
  rlsim_bench::report_steps(state, episodes);
}

}  // namespace

BENCHMARK_CAPTURE(bm_env, BipedalWalker_v3, std::string("BipedalWalker-v3"));
BENCHMARK_CAPTURE(bm_env, BipedalWalkerHardcore_v3, std::string("BipedalWalkerHardcore-v3"));
BENCHMARK(bm_walker_bare_loop);

BENCHMARK_MAIN();

// Step rate of BipedalWalker-v3 and BipedalWalkerHardcore-v3 (Gymnasium 1.x's
// bipedal_walker.py on Box2D 2.4) through the Env interface, with uniform random actions and
// resets, one thread; and a bare loop driving the physics class (BipedalWalkerSim) directly,
// with the same actions, the 1600-step limit and no interface.
//
// Actions are drawn up front into a ring, so the loops measure the env alone. Gymnasium's
// figure for comparison: 6,300 steps/s (/work/shared/reference/README.md).
// Run: bench_box2d_walker --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// items_per_second is steps per second; mean_len the mean episode length.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/registry.hpp"
#include "core/rng.hpp"
#include "envs/box2d/bipedal_walker.hpp"

namespace {

constexpr std::size_t kRing = 1 << 16;  // actions (4 floats each)

const rlsim::Registry& registry() {
  static const rlsim::Registry r = [] {
    rlsim::Registry reg;
    rlsim::register_box2d_walker_envs(reg);
    return reg;
  }();
  return r;
}

std::vector<float> action_ring() {
  rlsim::Rng rng(2024);
  std::vector<float> actions(kRing * 4);
  for (float& a : actions) a = static_cast<float>(rng.uniform(-1.0, 1.0));
  return actions;
}

void bm_env(benchmark::State& state, const std::string& id) {
  auto env = registry().make_env(id, {});
  const std::vector<float> actions = action_ring();
  rlsim::Value obs, action;
  env->spec().action_space.prepare(action);
  env->reset(obs, 1);
  std::size_t i = 0;
  std::int64_t episodes = 0;
  for (auto _ : state) {
    const float* a = actions.data() + 4 * (i++ & (kRing - 1));
    for (int j = 0; j < 4; ++j) action.vec[static_cast<std::size_t>(j)] = a[j];
    const rlsim::StepResult r = env->step(action, obs);
    if (r.terminated || r.truncated) {
      env->reset(obs);
      ++episodes;
    }
  }
  benchmark::DoNotOptimize(obs.vec.data());
  state.SetItemsProcessed(state.iterations());
  state.counters["mean_len"] =
      episodes ? static_cast<double>(state.iterations()) / static_cast<double>(episodes) : 0.0;
}

// BipedalWalkerSim::reset/step called directly: the Box2D physics, lidar and reward alone.
void bm_walker_bare_loop(benchmark::State& state) {
  const std::vector<float> actions = action_ring();
  rlsim::BipedalWalkerSim sim(false);
  rlsim::Rng rng(1);
  float obs[rlsim::bipedal::kObservationSize];
  sim.reset(rng, obs);
  std::size_t i = 0;
  std::int64_t elapsed = 0, episodes = 0;
  for (auto _ : state) {
    const rlsim::BipedalStep r = sim.step(actions.data() + 4 * (i++ & (kRing - 1)), obs);
    benchmark::DoNotOptimize(obs);
    if (r.terminated || ++elapsed >= 1600) {
      sim.reset(rng, obs);
      elapsed = 0;
      ++episodes;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["mean_len"] =
      episodes ? static_cast<double>(state.iterations()) / static_cast<double>(episodes) : 0.0;
}

}  // namespace

BENCHMARK_CAPTURE(bm_env, BipedalWalker_v3, std::string("BipedalWalker-v3"));
BENCHMARK_CAPTURE(bm_env, BipedalWalkerHardcore_v3, std::string("BipedalWalkerHardcore-v3"));
BENCHMARK(bm_walker_bare_loop);

BENCHMARK_MAIN();

// Step rate of LunarLander-v3 and LunarLanderContinuous-v3 (Gymnasium 1.x on Box2D 2.4)
// through the runner-facing Env interface, with uniform random actions and resets, one
// thread; and a bare loop driving the physics class (LunarLanderSim) directly, without the
// Env interface, with the same actions and resets. Gymnasium's own rate is about 39,000
// steps/s with pre-generated actions (/work/shared/reference/README.md).
//
// Actions are drawn up front into a ring, so the loops measure the env alone.
// Run: bench_box2d_lander --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// items_per_second is steps per second.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/registry.hpp"
#include "core/rng.hpp"
#include "envs/box2d/lunar_lander.hpp"

namespace {

constexpr std::size_t kRing = 1 << 16;

const rlsim::Registry& registry() {
  static const rlsim::Registry r = [] {
    rlsim::Registry reg;
    rlsim::register_box2d_lander_envs(reg);
    return reg;
  }();
  return r;
}

void bm_env(benchmark::State& state, const std::string& id) {
  auto env = registry().make_env(id, {});
  const rlsim::Space& as = env->spec().action_space;
  rlsim::Rng rng(2024);
  std::vector<std::int64_t> discrete(kRing);
  std::vector<float> continuous(2 * kRing);
  for (std::size_t i = 0; i < kRing; ++i) {
    if (as.is_discrete()) {
      discrete[i] = rng.integer(0, as.n() - 1);
    } else {
      continuous[2 * i] = static_cast<float>(rng.uniform(-1.0, 1.0));
      continuous[2 * i + 1] = static_cast<float>(rng.uniform(-1.0, 1.0));
    }
  }
  rlsim::Value obs, action;
  as.prepare(action);
  env->reset(obs, 1);
  std::size_t i = 0;
  std::int64_t episodes = 0;
  for (auto _ : state) {
    const std::size_t k = i++ & (kRing - 1);
    if (as.is_discrete()) {
      action.index = discrete[k];
    } else {
      action.vec[0] = continuous[2 * k];
      action.vec[1] = continuous[2 * k + 1];
    }
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

// LunarLanderSim driven directly: the physics and reward alone, with the 1000-step limit
// counted by hand, no action validation, no virtual calls.
void bm_lander_bare_loop(benchmark::State& state) {
  rlsim::Rng rng(2024);
  std::vector<std::int64_t> actions(kRing);
  for (auto& a : actions) a = rng.integer(0, 3);
  rlsim::Rng env_rng(1);
  rlsim::LunarLanderSim sim;
  sim.reset(env_rng);
  std::size_t i = 0;
  std::int64_t elapsed = 0, episodes = 0;
  for (auto _ : state) {
    const auto out = sim.step_discrete(actions[i++ & (kRing - 1)], env_rng);
    benchmark::DoNotOptimize(sim.observation().data());
    benchmark::DoNotOptimize(out.reward);
    if (out.terminated || ++elapsed >= 1000) {
      sim.reset(env_rng);
      elapsed = 0;
      ++episodes;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["mean_len"] =
      episodes ? static_cast<double>(state.iterations()) / static_cast<double>(episodes) : 0.0;
}

}  // namespace

BENCHMARK_CAPTURE(bm_env, LunarLander_v3, std::string("LunarLander-v3"));
BENCHMARK_CAPTURE(bm_env, LunarLanderContinuous_v3, std::string("LunarLanderContinuous-v3"));
BENCHMARK(bm_lander_bare_loop);

BENCHMARK_MAIN();

// The random-action loop shared by the env benchmarks (bench_classic, bench_box2d_lander,
// bench_box2d_walker): actions drawn up front into a ring (like the "actions pre-generated"
// figures of Gymnasium in bench/reference.md) so that the loop measures the
// env alone; the env stepped through the runner-facing Env interface, reset after every
// episode end; items_per_second = steps per second and a mean_len counter (steps per
// finished episode) to check that the benchmark plays the episodes it should.
#pragma once
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "core/env.hpp"
#include "core/rng.hpp"

namespace rlsim_bench {

inline constexpr std::size_t kRing = 1 << 16;

// kRing uniform random actions of `space` from Rng(2024): indices for a Discrete space,
// kRing * dim floats (row by row) for a Box, each element uniform(low, high).
struct ActionRing {
  explicit ActionRing(const rlsim::Space& space) : discrete(space.is_discrete()) {
    rlsim::Rng rng(2024);
    dim = discrete ? 1 : space.flat_size();
    if (discrete) {
      indices.resize(kRing);
      for (auto& a : indices) a = rng.integer(space.start(), space.start() + space.n() - 1);
    } else {
      floats.resize(kRing * dim);
      for (std::size_t i = 0; i < kRing; ++i)
        for (std::size_t d = 0; d < dim; ++d)
          floats[i * dim + d] = static_cast<float>(rng.uniform(space.low()[d], space.high()[d]));
    }
  }
  bool discrete;
  std::size_t dim;
  std::vector<std::int64_t> indices;
  std::vector<float> floats;
};

// Sets items processed (steps) and the mean episode length.
inline void report_steps(benchmark::State& state, std::int64_t episodes) {
  state.SetItemsProcessed(state.iterations());
  state.counters["mean_len"] =
      episodes ? static_cast<double>(state.iterations()) / static_cast<double>(episodes) : 0.0;
}

// Steps `env` (first reset seeded with 1) with the ring's actions, resetting at episode ends.
inline void run_random_actions(benchmark::State& state, rlsim::Env& env) {
  const rlsim::Space& as = env.spec().action_space;
  const ActionRing ring(as);
  rlsim::Value obs, action;
  as.prepare(action);
  env.reset(obs, 1);
  std::size_t i = 0;
  std::int64_t episodes = 0;
  auto after_step = [&](const rlsim::StepResult& r) {
    if (r.terminated || r.truncated) {
      env.reset(obs);
      ++episodes;
    }
  };
  if (ring.discrete) {
    for (auto _ : state) {
      action.index = ring.indices[i++ & (kRing - 1)];
      after_step(env.step(action, obs));
    }
  } else {
    for (auto _ : state) {
      const float* a = ring.floats.data() + ring.dim * (i++ & (kRing - 1));
      for (std::size_t d = 0; d < ring.dim; ++d) action.vec[d] = a[d];
      after_step(env.step(action, obs));
    }
  }
  benchmark::DoNotOptimize(obs.vec.data());
  report_steps(state, episodes);
}

}  // namespace rlsim_bench

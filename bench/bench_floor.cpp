// A training run against the floor of its own dense products (issue 20, part 1).
//
//   bench_floor CONFIG.toml [--repeat=N] [KEY=VALUE ...]
//
// Runs the first run of the experiment (seed index 0) on this thread, without evaluation
// (eval.every=0, save_agent=false are added before the user's overrides), with a
// nn::ProductRecorder installed: every dense product of the training (forward and backward
// of each update, target-network forwards, acting forwards) is counted by shape. Then it
// replays exactly those products, the same shapes and counts, in a bare loop on the same
// dispatch (nn::dense_product: the GEMM kernel of nn/gemm.cpp, or Eigen where the dispatch
// takes Eigen), on operands that stay in cache. It prints the FLOPs, the bare-loop time, the
// run's time and their ratio ("× floor"), with wall and CPU time of this process (one
// thread). It also measures, in the same process, the core's FP32 peak with a loop of
// independent FMAs (AVX2: 8 floats per instruction; AVX-512: 16) and the GEMM's rate on one
// 64×256×256 product, so that the floor reads down to the silicon.
//
// It also times the env alone, the same number of steps with uniform random actions (resets
// included; episode lengths differ from the trained policy's), since for Box2D envs the env
// and not the products is the floor: "run / (bare loop + env)".
//
// The recorder costs one thread-local load and a short search per product (a few ns against
// products of 0.1-100 µs). BENCHMARKS.md ("Training against its FLOP floor") has the table.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include <immintrin.h>

#include "core/env.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"
#include "core/rng.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/config.hpp"
#include "nn/product.hpp"
#include "run/runner.hpp"

namespace {

using rlsim::nn::Index;

struct Clock {
  double wall = 0.0, cpu = 0.0;
  static Clock now() {
    timespec w{}, c{};
    clock_gettime(CLOCK_MONOTONIC, &w);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
    return {double(w.tv_sec) + 1e-9 * double(w.tv_nsec),
            double(c.tv_sec) + 1e-9 * double(c.tv_nsec)};
  }
  Clock operator-(const Clock& o) const { return {wall - o.wall, cpu - o.cpu}; }
};

// Peak FP32 FMA rate: 12 independent accumulator chains (enough to cover FMA latency × units
// on current cores), `iters` rounds. Returns FLOP per CPU second.
__attribute__((target("avx2,fma"))) double peak_avx2(std::int64_t iters) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(float(i) * 1e-3f);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  const Clock t0 = Clock::now();
  for (std::int64_t it = 0; it < iters; ++it) {
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
    __asm__ volatile(""
                     : "+x"(acc[0]), "+x"(acc[1]), "+x"(acc[2]), "+x"(acc[3]), "+x"(acc[4]),
                       "+x"(acc[5]), "+x"(acc[6]), "+x"(acc[7]), "+x"(acc[8]), "+x"(acc[9]),
                       "+x"(acc[10]), "+x"(acc[11]));
  }
  const Clock dt = Clock::now() - t0;
  __m256 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
  alignas(32) float out[8];
  _mm256_store_ps(out, s);
  if (out[0] == 12345.0f) std::printf(" ");  // keep the result alive
  return 2.0 * 8.0 * 12.0 * double(iters) / dt.cpu;
}

__attribute__((target("avx512f"))) double peak_avx512(std::int64_t iters) {
  __m512 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(float(i) * 1e-3f);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  const Clock t0 = Clock::now();
  for (std::int64_t it = 0; it < iters; ++it) {
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    __asm__ volatile(""
                     : "+v"(acc[0]), "+v"(acc[1]), "+v"(acc[2]), "+v"(acc[3]), "+v"(acc[4]),
                       "+v"(acc[5]), "+v"(acc[6]), "+v"(acc[7]), "+v"(acc[8]), "+v"(acc[9]),
                       "+v"(acc[10]), "+v"(acc[11]));
  }
  const Clock dt = Clock::now() - t0;
  __m512 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, acc[i]);
  if (_mm512_reduce_add_ps(s) == 12345.0f) std::printf(" ");
  return 2.0 * 16.0 * 12.0 * double(iters) / dt.cpu;
}

// Best of `reps` measurements (the machine is shared: the best is the least disturbed).
template <class F>
double best_of(int reps, F f) {
  double best = 0.0;
  for (int r = 0; r < reps; ++r) best = std::max(best, f());
  return best;
}

struct Operands {
  std::vector<float> lhs, rhs, out, bias;
};

Operands operands_for(const rlsim::nn::ProductShape& s) {
  Operands o;
  auto fill = [](std::vector<float>& v, std::size_t n, float scale) {
    v.resize(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = scale * float(int(i * 7919 % 17) - 8);
  };
  fill(o.lhs, std::size_t(s.lhs_rows * s.lhs_cols), 1.0f / 64);
  fill(o.rhs, std::size_t(s.rhs_rows * s.rhs_cols), 1.0f / 64);
  fill(o.out, std::size_t(s.m() * s.n()), 0.0f);
  fill(o.bias, std::size_t(s.n()), 1.0f / 128);
  return o;
}

void run_product(const rlsim::nn::ProductShape& s, Operands& o) {
  rlsim::nn::dense_product(o.out.data(), o.lhs.data(), s.lhs_rows, s.lhs_cols, s.lhs_transposed,
                           o.rhs.data(), s.rhs_rows, s.rhs_cols, s.rhs_transposed, s.accumulate,
                           s.bias ? o.bias.data() : nullptr);
}

// GEMM rate on one shape: FLOP per CPU second, best of 3 rounds of `calls` products.
double gemm_rate(const rlsim::nn::ProductShape& s, int calls) {
  Operands o = operands_for(s);
  return best_of(3, [&] {
    const Clock t0 = Clock::now();
    for (int i = 0; i < calls; ++i) run_product(s, o);
    return s.flops() * calls / (Clock::now() - t0).cpu;
  });
}

// CPU seconds of `steps` env steps with uniform random actions (drawn up front), resets
// included: the env's share of a run, for envs whose step is not negligible (Box2D).
double env_seconds(const rlsim::Registry& registry, const rlsim::RunSpec& spec,
                   std::int64_t steps) {
  std::unique_ptr<rlsim::Env> env = registry.make_env(spec.env_id, spec.env_params);
  const rlsim::Space& as = env->spec().action_space;
  constexpr std::size_t kRing = 1 << 12;
  rlsim::Rng rng(2024);
  const std::size_t dim = as.is_discrete() ? 1 : as.flat_size();
  std::vector<std::int64_t> indices(kRing);
  std::vector<float> floats(kRing * dim);
  for (std::size_t i = 0; i < kRing; ++i) {
    if (as.is_discrete()) {
      indices[i] = rng.integer(as.start(), as.start() + as.n() - 1);
    } else {
      for (std::size_t d = 0; d < dim; ++d)
        floats[i * dim + d] = static_cast<float>(rng.uniform(as.low()[d], as.high()[d]));
    }
  }
  rlsim::Value obs, action;
  as.prepare(action);
  env->reset(obs, 1);
  const Clock t0 = Clock::now();
  for (std::int64_t s = 0; s < steps; ++s) {
    const std::size_t i = static_cast<std::size_t>(s) & (kRing - 1);
    if (as.is_discrete()) {
      action.index = indices[i];
    } else {
      for (std::size_t d = 0; d < dim; ++d) action.vec[d] = floats[i * dim + d];
    }
    const rlsim::StepResult r = env->step(action, obs);
    if (r.terminated || r.truncated) env->reset(obs);
  }
  return (Clock::now() - t0).cpu;
}

std::string shape_text(const rlsim::nn::ProductShape& s) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%ldx%ldx%ld %s%s%s%s", long(s.m()), long(s.n()), long(s.k()),
                s.lhs_transposed ? "At" : "A", s.rhs_transposed ? "Bt" : "B",
                s.accumulate ? " +=" : "", s.bias ? " +bias" : "");
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::printf(
        "usage: bench_floor CONFIG.toml [--repeat=N] [KEY=VALUE ...]\n"
        "Runs the config's first run (one thread, no evaluation) recording its dense\n"
        "products, replays them in a bare loop on the same kernel, and prints FLOPs, the\n"
        "bare-loop time, the run's time and their ratio; also the core's FP32 FMA peak.\n"
        "--repeat=N: N rounds of run and bare loop alternating; the minimum CPU time of each\n"
        "is reported, with the per-round ratios.\n"
        "Example: bench_floor experiments/configs/dqn_cartpole.toml agent.keep_best=false\n");
    return argc < 2 ? 2 : 0;
  }
  try {
    std::vector<std::string> overrides{"eval.every=0", "save_agent=false"};
    int repeat = 1;
    for (int i = 2; i < argc; ++i) {
      const std::string a = argv[i];
      if (a.rfind("--repeat=", 0) == 0) {
        repeat = std::max(1, std::atoi(a.c_str() + 9));
      } else {
        overrides.push_back(a);
      }
    }
    const rlsim::ExperimentConfig config = rlsim::load_config_file(argv[1], overrides);
    const rlsim::Registry registry = rlsim::make_registry({});
    const std::vector<rlsim::RunSpec> specs = rlsim::expand_runs(config, registry);
    const rlsim::RunSpec& spec = specs.at(0);

    // The silicon: FMA peak (AVX2 and, where the core has it, AVX-512).
    const double avx2 = best_of(3, [] { return peak_avx2(20'000'000); });
    const double avx512 = __builtin_cpu_supports("avx512f")
                              ? best_of(3, [] { return peak_avx512(20'000'000); })
                              : 0.0;
    const rlsim::nn::ProductShape ref{64, 256, 256, 256, false, false, false, true};
    const double gemm = gemm_rate(ref, 2000);

    // The run, recording its products (first round), then the same products shape by shape
    // in a bare loop; `repeat` rounds of both, alternating, so that each ratio is taken
    // side by side. The least disturbed round (minimum CPU time) of each is reported.
    rlsim::nn::ProductRecorder recorder;
    Clock run{1e300, 1e300}, bare{1e300, 1e300};
    std::vector<double> ratios;
    std::int64_t steps = 0;
    std::vector<double> shape_cpu;
    for (int round = 0; round < repeat; ++round) {
      if (round == 0) rlsim::nn::install_product_recorder(&recorder);
      const Clock r0 = Clock::now();
      const rlsim::RunResult result = rlsim::execute_run(registry, spec);
      const Clock r = Clock::now() - r0;
      if (round == 0) rlsim::nn::install_product_recorder(nullptr);
      steps = result.total_steps;
      Clock b{};
      shape_cpu.assign(recorder.counts().size(), 0.0);
      for (std::size_t s = 0; s < recorder.counts().size(); ++s) {
        const rlsim::nn::ProductCount& c = recorder.counts()[s];
        Operands o = operands_for(c.shape);
        const Clock t0 = Clock::now();
        for (std::int64_t i = 0; i < c.count; ++i) run_product(c.shape, o);
        const Clock dt = Clock::now() - t0;
        b.wall += dt.wall;
        b.cpu += dt.cpu;
        shape_cpu[s] = dt.cpu;
      }
      ratios.push_back(r.cpu / b.cpu);
      run = {std::min(run.wall, r.wall), std::min(run.cpu, r.cpu)};
      bare = {std::min(bare.wall, b.wall), std::min(bare.cpu, b.cpu)};
    }
    std::printf("%-30s %12s %10s %9s %9s\n", "product (m x n x k), last round", "count", "GFLOP",
                "CPU s", "GFLOP/s");
    for (std::size_t s = 0; s < recorder.counts().size(); ++s) {
      const rlsim::nn::ProductCount& c = recorder.counts()[s];
      const double gf = c.shape.flops() * double(c.count) * 1e-9;
      std::printf("%-30s %12ld %10.2f %9.3f %9.1f\n", shape_text(c.shape).c_str(), long(c.count),
                  gf, shape_cpu[s], gf / shape_cpu[s]);
    }
    std::sort(ratios.begin(), ratios.end());
    const double env_cpu = env_seconds(registry, spec, steps);
    const double flops = recorder.flops();
    double load[3] = {0, 0, 0};
    getloadavg(load, 3);
    std::printf("\nconfig %s (run 0 of %zu: %s on %s), %ld env steps, %d round(s)\n", argv[1],
                specs.size(), spec.agent_id.c_str(), spec.env_id.c_str(), long(steps), repeat);
    std::printf("FP32 FMA peak (CPU time): AVX2 %.1f GFLOP/s, AVX-512 %.1f GFLOP/s\n", avx2 * 1e-9,
                avx512 * 1e-9);
    const double peak = std::max(avx2, avx512);
    std::printf(
        "GEMM 64x256x256 (+bias): %.1f GFLOP/s = %.0f%% of the AVX2 peak, %.0f%% of the core's\n",
        gemm * 1e-9, 100.0 * gemm / avx2, 100.0 * gemm / peak);
    std::printf("products: %.3f GFLOP in %ld calls\n", flops * 1e-9, [&] {
      long n = 0;
      for (const auto& c : recorder.counts()) n += long(c.count);
      return n;
    }());
    std::printf("bare loop: %.3f s wall, %.3f s CPU (%.1f GFLOP/s)\n", bare.wall, bare.cpu,
                flops * 1e-9 / bare.cpu);
    std::printf("run:       %.3f s wall, %.3f s CPU\n", run.wall, run.cpu);
    std::printf("x floor:   %.2f (wall), %.2f (CPU); per-round CPU ratios %.2f-%.2f, median %.2f\n",
                run.wall / bare.wall, run.cpu / bare.cpu, ratios.front(), ratios.back(),
                ratios[ratios.size() / 2]);
    std::printf("at the core's FMA peak the products would take %.3f s: run = %.2f x that (CPU)\n",
                flops / peak, run.cpu / (flops / peak));
    std::printf(
        "env alone: %.3f s CPU for %ld random-action steps; run / (bare loop + env) = %.2f (CPU)\n",
        env_cpu, long(steps), run.cpu / (bare.cpu + env_cpu));
    std::printf("load average %.2f %.2f %.2f\n", load[0], load[1], load[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_floor: %s\n", e.what());
    return 1;
  }
  return 0;
}

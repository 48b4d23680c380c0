// rlsim::nn speed on the shapes RL uses, one thread. Each case exists with the same name
// in bench/torch/bench_nn_torch.cpp (libtorch), for the side-by-side table in
// BENCHMARKS.md.
//
// Cases, for ReLU MLPs (sizes in-h-h-out) at a batch size:
//   forward           inference only (a tape with grad disabled; torch: NoGradGuard)
//   forward_backward  forward, MSE loss against a fixed target, zero_grad, backward
//   adam_step         forward_backward + Adam step
// and dqn_update: online and target networks (batch 32, 4-64-64-2; and batch 64, 4-256-256-2,
// the shape of experiments/configs/dqn_cartpole.toml); target r + γ·(1−done)·max_a Q'(s', a)
// without gradients, Q(s, a) by gather, Huber loss, backward, global-norm clipping at 10, Adam.
// (dqn_update/4-256-256-2/b64 has no libtorch counterpart yet.)
//
// Run: build/bench/bench_nn --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "nn/nn.hpp"
#include "core/rng.hpp"

namespace nn = rlsim::nn;

namespace {

enum class Mode { forward, forward_backward, adam_step };

nn::Matrix random_matrix(rlsim::Rng& rng, nn::Index r, nn::Index c) {
  nn::Matrix m(r, c);
  for (nn::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(rng.normal());
  return m;
}

void bench_mlp(benchmark::State& state, std::vector<nn::Index> sizes, nn::Index batch, Mode mode) {
  rlsim::Rng rng(1);
  nn::Mlp mlp(sizes, nn::Activation::relu, nn::Activation::identity, rng);
  nn::Adam adam(mlp.named_parameters(), {.lr = 1e-4});
  const nn::Matrix x = random_matrix(rng, batch, sizes.front());
  const nn::Matrix y = random_matrix(rng, batch, sizes.back());
  nn::Tape tape(mode != Mode::forward);
  for (auto _ : state) {
    tape.reset();
    const nn::Var out = mlp.forward(tape.constant(x));
    if (mode == Mode::forward) {
      benchmark::DoNotOptimize(out.value().data());
      continue;
    }
    const nn::Var loss = nn::mse_loss(out, tape.constant(y));
    adam.zero_grad();
    tape.backward(loss);
    if (mode == Mode::adam_step) adam.step();
    benchmark::DoNotOptimize(mlp.layer(0).weight.grad.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

void bench_dqn_update(benchmark::State& state, std::vector<nn::Index> sizes, nn::Index batch) {
  rlsim::Rng rng(2);
  nn::Mlp online(sizes, nn::Activation::relu, nn::Activation::identity, rng);
  nn::Mlp target = online;
  nn::Adam adam(online.named_parameters(), {.lr = 1e-4});
  const nn::Matrix obs = random_matrix(rng, batch, sizes.front()),
                   next_obs = random_matrix(rng, batch, sizes.front());
  nn::Matrix reward(batch, 1), not_done(batch, 1);
  std::vector<std::int64_t> actions(batch);
  for (nn::Index i = 0; i < batch; ++i) {
    reward(i, 0) = 1.0f;
    not_done(i, 0) = i % 10 == 0 ? 0.0f : 1.0f;
    actions[static_cast<std::size_t>(i)] = rng.integer(0, sizes.back() - 1);
  }
  nn::Tape tape;
  for (auto _ : state) {
    tape.reset();
    tape.set_grad_enabled(false);
    const nn::Var q_next = nn::max(target.forward(tape.constant(next_obs)), 1);
    const nn::Var y = tape.constant(reward) + 0.99f * (tape.constant(not_done) * q_next);
    tape.set_grad_enabled(true);
    const nn::Var q = nn::gather(online.forward(tape.constant(obs)), actions);
    const nn::Var loss = nn::smooth_l1_loss(q, y);
    adam.zero_grad();
    tape.backward(loss);
    nn::clip_grad_norm(adam.parameters(), 10.0);
    adam.step();
    benchmark::DoNotOptimize(loss.item());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

std::string sizes_name(const std::vector<nn::Index>& sizes) {
  std::string s;
  for (nn::Index v : sizes) {
    if (!s.empty()) s += '-';
    s += std::to_string(v);
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  struct Case {
    std::vector<nn::Index> sizes;
    nn::Index batch;
  };
  const std::vector<Case> cases = {
      {{4, 64, 64, 2}, 1},           {{4, 64, 64, 2}, 32},    {{4, 64, 64, 2}, 256},
      {{8, 256, 256, 4}, 32},        {{8, 256, 256, 4}, 256}, {{128, 512, 512, 18}, 256},
      {{2048, 2048, 2048, 10}, 256},
  };
  const std::pair<Mode, const char*> modes[] = {{Mode::forward, "forward"},
                                                {Mode::forward_backward, "forward_backward"},
                                                {Mode::adam_step, "adam_step"}};
  for (const Case& c : cases) {
    for (const auto& [mode, mode_name] : modes) {
      const std::string name =
          "mlp/" + sizes_name(c.sizes) + "/b" + std::to_string(c.batch) + "/" + mode_name;
      benchmark::RegisterBenchmark(name.c_str(), bench_mlp, c.sizes, c.batch, mode)
          ->Unit(benchmark::kMicrosecond);
    }
  }
  for (const Case& c : {Case{{4, 64, 64, 2}, 32}, Case{{4, 256, 256, 2}, 64}}) {
    const std::string name = "dqn_update/" + sizes_name(c.sizes) + "/b" + std::to_string(c.batch);
    benchmark::RegisterBenchmark(name.c_str(), bench_dqn_update, c.sizes, c.batch)
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

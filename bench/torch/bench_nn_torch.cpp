// The cases of bench/bench_nn.cpp with PyTorch's C++ library (libtorch), same names,
// same shapes, one thread (torch::set_num_threads(1), at::set_num_interop_threads(1);
// run with OPENBLAS_NUM_THREADS=1). Forward-only cases run under torch::NoGradGuard;
// the others are forward, MSE loss, zero_grad, backward (and Adam's step), as in
// bench_nn. Which BLAS libtorch uses depends on how libblas.so.3 resolves: see
// BENCHMARKS.md for the commands.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include <torch/torch.h>

namespace {

enum class Mode { forward, forward_backward, adam_step };

torch::nn::Sequential make_mlp(const std::vector<std::int64_t>& sizes) {
  torch::nn::Sequential net;
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    net->push_back(torch::nn::Linear(sizes[i], sizes[i + 1]));
    if (i + 2 < sizes.size()) net->push_back(torch::nn::ReLU());
  }
  return net;
}

void bench_mlp(benchmark::State& state, std::vector<std::int64_t> sizes, std::int64_t batch,
               Mode mode) {
  torch::manual_seed(1);
  auto mlp = make_mlp(sizes);
  torch::optim::Adam adam(mlp->parameters(), torch::optim::AdamOptions(1e-4));
  const auto x = torch::randn({batch, sizes.front()});
  const auto y = torch::randn({batch, sizes.back()});
  for (auto _ : state) {
    if (mode == Mode::forward) {
      torch::NoGradGuard no_grad;
      auto out = mlp->forward(x);
      benchmark::DoNotOptimize(out.data_ptr<float>());
      continue;
    }
    auto loss = torch::mse_loss(mlp->forward(x), y);
    adam.zero_grad();
    loss.backward();
    if (mode == Mode::adam_step) adam.step();
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

void bench_dqn_update(benchmark::State& state) {
  const std::int64_t batch = 32;
  torch::manual_seed(2);
  auto online = make_mlp({4, 64, 64, 2});
  auto target = make_mlp({4, 64, 64, 2});
  {
    torch::NoGradGuard no_grad;
    auto src = online->parameters();
    auto dst = target->parameters();
    for (std::size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
  }
  torch::optim::Adam adam(online->parameters(), torch::optim::AdamOptions(1e-4));
  const auto obs = torch::randn({batch, 4}), next_obs = torch::randn({batch, 4});
  const auto reward = torch::ones({batch});
  auto not_done = torch::ones({batch});
  for (std::int64_t i = 0; i < batch; i += 10) not_done[i] = 0.0f;
  const auto actions = torch::randint(0, 2, {batch, 1}, torch::kLong);
  for (auto _ : state) {
    torch::Tensor y;
    {
      torch::NoGradGuard no_grad;
      const auto q_next = std::get<0>(target->forward(next_obs).max(1));
      y = reward + 0.99 * not_done * q_next;
    }
    const auto q = online->forward(obs).gather(1, actions).squeeze(1);
    auto loss = torch::smooth_l1_loss(q, y);
    adam.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(online->parameters(), 10.0);
    adam.step();
    benchmark::DoNotOptimize(loss.item<float>());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

std::string sizes_name(const std::vector<std::int64_t>& sizes) {
  std::string s;
  for (auto v : sizes) {
    if (!s.empty()) s += '-';
    s += std::to_string(v);
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  at::set_num_interop_threads(1);
  torch::set_num_threads(1);
  benchmark::AddCustomContext("torch_version", TORCH_VERSION);
  benchmark::AddCustomContext("torch_threads", std::to_string(torch::get_num_threads()));
  struct Case {
    std::vector<std::int64_t> sizes;
    std::int64_t batch;
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
  benchmark::RegisterBenchmark("dqn_update/4-64-64-2/b32", bench_dqn_update)
      ->Unit(benchmark::kMicrosecond);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

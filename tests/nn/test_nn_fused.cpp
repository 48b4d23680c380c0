// The fused kernels of issue 20 against the code they replaced: nn::adam_update (Adam::step
// with weight_decay = 0) against Adam's Eigen array expressions bit for bit, and the product
// recorder (nn/product.hpp) against the products a forward and backward pass must run.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/rng.hpp"
#include "nn/nn.hpp"
#include "nn/product.hpp"

namespace nn = rlsim::nn;
using nn::Index;

namespace {

// Adam::step's update as it was written before the fusion (chunks of 1024 floats, Eigen
// array expressions), the reference.
void reference_adam(nn::Matrix& w, const nn::Matrix& g, nn::Matrix& m, nn::Matrix& v, float b1,
                    float b2, float step_size, float inv_sqrt_bc2, float eps) {
  using Vec = Eigen::Array<float, 1, Eigen::Dynamic>;
  const Index n = w.size();
  for (Index at = 0; at < n; at += 1024) {
    const Index len = std::min<Index>(1024, n - at);
    Eigen::Map<Vec> ww(w.data() + at, len), mm(m.data() + at, len), vv(v.data() + at, len);
    const Eigen::Map<const Vec> gg(g.data() + at, len);
    mm = b1 * mm + (1.0f - b1) * gg;
    vv = b2 * vv + (1.0f - b2) * gg.square();
    ww -= step_size * mm / (vv.sqrt() * inv_sqrt_bc2 + eps);
  }
}

}  // namespace

TEST_CASE("nn fused: adam_update equals Adam's Eigen expressions bit for bit", "[nn]") {
  rlsim::Rng rng(5);
  // Sizes below one packet, with tails, past one 1024 chunk, and zero moments (v = 0 at the
  // first step, where the square root's edge cases are).
  for (const auto& [rows, cols] : std::vector<std::pair<Index, Index>>{
           {1, 1}, {1, 2}, {3, 5}, {1, 17}, {4, 256}, {33, 33}, {256, 256}, {64, 1}}) {
    CAPTURE(rows, cols);
    nn::Matrix w(rows, cols), g(rows, cols), m = nn::Matrix::Zero(rows, cols),
                                             v = nn::Matrix::Zero(rows, cols);
    for (Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<float>(rng.normal());
    nn::Matrix w2 = w, m2 = m, v2 = v;
    for (int step = 1; step <= 6; ++step) {
      for (Index i = 0; i < g.size(); ++i) {
        // Some exact zeros and tiny gradients, so that v holds zeros and denormal-range values.
        const double u = rng.uniform();
        g.data()[i] = u < 0.1 ? 0.0f : static_cast<float>(rng.normal() * (u < 0.2 ? 1e-20 : 1.0));
      }
      const double bc1 = 1.0 - std::pow(0.9, step), bc2 = 1.0 - std::pow(0.999, step);
      const auto step_size = static_cast<float>(1e-3 / bc1);
      const auto inv = static_cast<float>(1.0 / std::sqrt(bc2));
      reference_adam(w, g, m, v, 0.9f, 0.999f, step_size, inv, 1e-8f);
      nn::adam_update(w2.data(), g.data(), m2.data(), v2.data(), w2.size(), 0.9f, 0.999f, step_size,
                      inv, 1e-8f);
      REQUIRE(m == m2);
      REQUIRE(v == v2);
      REQUIRE(w == w2);
    }
  }
}

TEST_CASE("nn fused: Adam::step with weight_decay = 0 takes the fused path, same numbers", "[nn]") {
  rlsim::Rng rng(9);
  nn::Parameter p(40, 50);
  for (Index i = 0; i < p.value.size(); ++i) p.value.data()[i] = static_cast<float>(rng.normal());
  nn::Matrix w = p.value, m = nn::Matrix::Zero(40, 50), v = m;
  nn::Adam adam({{"p", &p}}, {.lr = 0.01});
  for (int step = 1; step <= 3; ++step) {
    for (Index i = 0; i < p.grad.size(); ++i) p.grad.data()[i] = static_cast<float>(rng.normal());
    adam.step();
    const double bc1 = 1.0 - std::pow(0.9, step), bc2 = 1.0 - std::pow(0.999, step);
    reference_adam(w, p.grad, m, v, 0.9f, 0.999f, static_cast<float>(0.01 / bc1),
                   static_cast<float>(1.0 / std::sqrt(bc2)), 1e-8f);
    REQUIRE(p.value == w);
  }
}

TEST_CASE("nn fused: the product recorder counts every product of a pass by shape", "[nn]") {
  rlsim::Rng rng(3);
  nn::Mlp mlp({4, 32, 2}, nn::Activation::relu, nn::Activation::identity, rng);
  nn::ProductRecorder recorder;
  REQUIRE(nn::install_product_recorder(&recorder) == nullptr);
  for (int i = 0; i < 3; ++i) {
    nn::Tape tape;
    nn::Var y = mlp(tape.constant(nn::Matrix::Ones(8, 4)));
    tape.backward(nn::sum(y));
  }
  REQUIRE(nn::install_product_recorder(nullptr) == &recorder);
  // Per pass: two forward products (8×4·4×32, 8×32·32×2), the weight gradients of both
  // layers (xᵀ·g) and the input gradient of the second layer (g·Wᵀ; the input is a constant).
  double flops = 0.0;
  std::int64_t calls = 0;
  for (const nn::ProductCount& c : recorder.counts()) {
    CHECK(c.count == 3);
    calls += c.count;
    flops += c.shape.flops() * 3;
  }
  CHECK(calls == 15);
  const double per_pass = 2.0 * (8 * 32 * 4 + 8 * 2 * 32 + 4 * 32 * 8 + 32 * 2 * 8 + 8 * 32 * 2);
  CHECK(recorder.flops() == flops);
  CHECK(flops == 3 * per_pass);
  // Nothing is recorded without a recorder.
  nn::Tape tape;
  mlp(tape.constant(nn::Matrix::Ones(8, 4)));
  CHECK(recorder.flops() == flops);
}

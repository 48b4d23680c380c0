// core/nn/gemm: the packed AVX2 product against a double-precision reference, over shapes
// that exercise every edge (rows not a multiple of 6, columns not a multiple of 16, depth
// past one 256 block and not a multiple of 8), transposed operands and accumulation; and
// the ops that use it (linear, matmul) against Eigen's product.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/nn/gemm.hpp"
#include "core/nn/nn.hpp"
#include "core/rng.hpp"

namespace nn = rlsim::nn;
using nn::Index;

namespace {

std::vector<float> random_vector(rlsim::Rng& rng, Index n) {
  std::vector<float> v(static_cast<std::size_t>(n));
  for (float& x : v) x = static_cast<float>(rng.normal());
  return v;
}

// Max |C − ref| / (Σ_k |A_ik B_kj| + 1) over all elements: the forward error bound of a
// float dot product is about k·ε times Σ|a b|.
double relative_error(Index m, Index n, Index k, const std::vector<float>& a, Index ars, Index acs,
                      const std::vector<float>& b, Index brs, Index bcs,
                      const std::vector<float>& c0, const std::vector<float>& c, bool accumulate) {
  double worst = 0.0;
  for (Index i = 0; i < m; ++i) {
    for (Index j = 0; j < n; ++j) {
      double ref = accumulate ? c0[static_cast<std::size_t>(i * n + j)] : 0.0, mag = 1.0;
      for (Index p = 0; p < k; ++p) {
        const double x = static_cast<double>(a[static_cast<std::size_t>(i * ars + p * acs)]) *
                         static_cast<double>(b[static_cast<std::size_t>(p * brs + j * bcs)]);
        ref += x;
        mag += std::abs(x);
      }
      worst = std::max(worst, std::abs(c[static_cast<std::size_t>(i * n + j)] - ref) / mag);
    }
  }
  return worst;
}

}  // namespace

TEST_CASE("nn gemm: matches a double reference for all shapes, strides and modes", "[nn]") {
  rlsim::Rng rng(7);
  const Index shapes[][3] = {{6, 16, 1},    {7, 17, 3},    {64, 256, 256}, {64, 256, 4},
                             {256, 64, 64}, {13, 33, 300}, {4, 256, 64},   {64, 2, 256},
                             {1, 256, 256}, {12, 48, 8},   {30, 40, 9},    {6, 16, 0},
                             {256, 1, 64},  {40, 3, 70},   {17, 4, 9},     {64, 2, 300},
                             {256, 2, 4},   {33, 1, 0},    {16, 5, 16},    {15, 2, 8}};
  for (const auto& s : shapes) {
    const Index m = s[0], n = s[1], k = s[2];
    for (int variant = 0; variant < 16; ++variant) {
      const bool ta = (variant & 1) != 0, tb = (variant & 2) != 0, acc = (variant & 4) != 0;
      const bool with_bias = (variant & 8) != 0 && !acc;
      CAPTURE(m, n, k, ta, tb, acc, with_bias);
      // A is stored row-major as m×k, or as k×m when transposed; B likewise.
      const auto a = random_vector(rng, m * k), b = random_vector(rng, k * n);
      const Index ars = ta ? 1 : k, acs = ta ? m : 1, brs = tb ? 1 : n, bcs = tb ? k : 1;
      const auto c0 = random_vector(rng, m * n);
      auto c = c0;
      const bool taken =
          nn::gemm(m, n, k, a.data(), ars, acs, b.data(), brs, bcs, c.data(), n, acc);
      if (!taken) {
        // Only shapes that Eigen handles better are declined (a build without AVX2/FMA, such
        // as the sanitizer preset, declines every shape), and then nothing is written.
#if defined(__AVX2__) && defined(__FMA__)
        CHECK((n < 16 || m < 6));
#endif
        CHECK(c == c0);
        continue;
      }
      CHECK(relative_error(m, n, k, a, ars, acs, b, brs, bcs, c0, c, acc) < 1e-6);
    }
  }
#if defined(__AVX2__) && defined(__FMA__)
  std::vector<float> a(64 * 64, 1.0f), b(64 * 64, 1.0f), c(64 * 64, 0.0f);
  CHECK(nn::gemm(64, 64, 64, a.data(), 64, 1, b.data(), 64, 1, c.data(), 64, false));
#endif
}

TEST_CASE("nn gemm: linear and matmul give Eigen's product, forward and backward", "[nn]") {
  rlsim::Rng rng(3);
  for (const Index batch : {1, 7, 64}) {
    CAPTURE(batch);
    nn::Parameter w(33, 40), bias(1, 40);
    for (Index i = 0; i < w.value.size(); ++i) w.value.data()[i] = static_cast<float>(rng.normal());
    for (Index i = 0; i < 40; ++i) bias.value(0, i) = static_cast<float>(rng.normal());
    nn::Matrix x(batch, 33), seed(batch, 40);
    for (Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.normal());
    for (Index i = 0; i < seed.size(); ++i) seed.data()[i] = static_cast<float>(rng.normal());
    nn::Tape tape;
    nn::Parameter xp;
    xp.value = x;
    xp.grad = nn::Matrix::Zero(batch, 33);
    w.grad.setZero();
    bias.grad.setZero();
    const nn::Var y = nn::linear(tape.param(xp), tape.param(w), tape.param(bias));
    tape.backward(y, seed);
    const nn::Matrix y_ref = (x * w.value).rowwise() + bias.value.row(0);
    const nn::Matrix dw_ref = x.transpose() * seed, dx_ref = seed * w.value.transpose();
    CHECK((y.value() - y_ref).cwiseAbs().maxCoeff() < 1e-4f);
    CHECK((w.grad - dw_ref).cwiseAbs().maxCoeff() < 1e-4f);
    CHECK((xp.grad - dx_ref).cwiseAbs().maxCoeff() < 1e-4f);
    tape.reset();
    const nn::Var z = nn::matmul(tape.constant(x), tape.param(w));
    const nn::Matrix z_ref = x * w.value;
    CHECK((z.value() - z_ref).cwiseAbs().maxCoeff() < 1e-4f);
  }
}

TEST_CASE("nn gemm: a narrow linear layer (value head, Eigen) gives the product with its bias",
          "[nn]") {
  rlsim::Rng rng(5);
  for (const Index outputs : {1, 2, 3, 4}) {
    CAPTURE(outputs);
    nn::Parameter w(64, outputs), bias(1, outputs);
    for (Index i = 0; i < w.value.size(); ++i) w.value.data()[i] = static_cast<float>(rng.normal());
    for (Index i = 0; i < outputs; ++i) bias.value(0, i) = static_cast<float>(rng.normal());
    nn::Matrix x(70, 64), seed(70, outputs);
    for (Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.normal());
    for (Index i = 0; i < seed.size(); ++i) seed.data()[i] = static_cast<float>(rng.normal());
    nn::Tape tape;
    w.grad.setZero();
    bias.grad.setZero();
    const nn::Var y = nn::linear(tape.constant(x), tape.param(w), tape.param(bias));
    tape.backward(y, seed);
    const nn::Matrix y_ref = (x * w.value).rowwise() + bias.value.row(0);
    const nn::Matrix dw_ref = x.transpose() * seed;
    CHECK((y.value() - y_ref).cwiseAbs().maxCoeff() < 1e-4f);
    CHECK((w.grad - dw_ref).cwiseAbs().maxCoeff() < 1e-4f);
  }
}

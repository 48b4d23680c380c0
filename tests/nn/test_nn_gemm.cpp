// nn/gemm: the packed AVX2 product against a double-precision reference, over shapes
// that exercise every edge (rows not a multiple of 6, columns not a multiple of 16, depth
// past one 256 block and not a multiple of 8), transposed operands and accumulation; and
// the ops that use it (linear, matmul) against Eigen's product.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/rng.hpp"
#include "nn/gemm.hpp"
#include "nn/nn.hpp"

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

// linear_tanh is one node for tanh(linear(x, W, b)); its values and every gradient must be
// those of the two-node form bit for bit, on the GEMM kernel's shapes (edge tiles, depth past
// one 256 block) and on Eigen's (narrow or short products).
TEST_CASE("nn gemm: linear_tanh equals tanh(linear) bit for bit, forward and backward", "[nn]") {
  rlsim::Rng rng(11);
  struct Shape {
    Index batch, in, out;
    bool bias;
  };
  for (const Shape s : {Shape{256, 64, 64, true}, Shape{8, 4, 64, true}, Shape{70, 33, 40, true},
                        Shape{13, 300, 17, false}, Shape{5, 64, 64, true}, Shape{64, 16, 3, true},
                        Shape{1, 4, 64, true}}) {
    CAPTURE(s.batch, s.in, s.out, s.bias);
    nn::Parameter x(s.batch, s.in), w(s.in, s.out), b(1, s.out);
    for (nn::Parameter* p : {&x, &w, &b}) {
      for (Index i = 0; i < p->value.size(); ++i)
        p->value.data()[i] = static_cast<float>(rng.normal(0.0, 0.7));
    }
    nn::Matrix seed(s.batch, s.out);
    for (Index i = 0; i < seed.size(); ++i) seed.data()[i] = static_cast<float>(rng.normal());
    nn::Matrix value[2], gx[2], gw[2], gb[2];
    for (int fused = 0; fused < 2; ++fused) {
      for (nn::Parameter* p : {&x, &w, &b}) p->grad.setZero();
      nn::Tape tape;
      const nn::Var bias = s.bias ? tape.param(b) : nn::Var();
      const nn::Var y = fused ? nn::linear_tanh(tape.param(x), tape.param(w), bias)
                              : nn::tanh(nn::linear(tape.param(x), tape.param(w), bias));
      tape.backward(y, seed);
      value[fused] = y.value();
      gx[fused] = x.grad;
      gw[fused] = w.grad;
      gb[fused] = b.grad;
    }
    CHECK(value[0] == value[1]);
    CHECK(gx[0] == gx[1]);
    CHECK(gw[0] == gw[1]);
    CHECK(gb[0] == gb[1]);
    CHECK(value[1].cwiseAbs().maxCoeff() <= 1.0f);
  }
}

// linear_relu is one node for relu(linear(x, W, b)); its values and every gradient must be
// those of the two-node form bit for bit, on the GEMM kernel's shapes (DQN's 64×256×256, edge
// tiles, depth past one 256 block, AVX-512 and AVX2 column blocks) and on Eigen's (narrow or
// short products, one row). The inputs have exact zeros (zero rows of x with zero bias
// entries give pre-activations of exactly 0, where relu'(0) = 0) and negative values.
TEST_CASE("nn gemm: linear_relu equals relu(linear) bit for bit, forward and backward", "[nn]") {
  rlsim::Rng rng(29);
  struct Shape {
    Index batch, in, out;
    bool bias;
  };
  for (const Shape s : {Shape{64, 256, 256, true}, Shape{8, 4, 64, true}, Shape{70, 33, 40, true},
                        Shape{13, 300, 17, false}, Shape{5, 64, 64, true}, Shape{64, 16, 3, true},
                        Shape{1, 4, 64, true}, Shape{12, 7, 2, false}}) {
    CAPTURE(s.batch, s.in, s.out, s.bias);
    nn::Parameter x(s.batch, s.in), w(s.in, s.out), b(1, s.out);
    for (nn::Parameter* p : {&x, &w, &b}) {
      for (Index i = 0; i < p->value.size(); ++i)
        p->value.data()[i] = static_cast<float>(rng.normal(0.0, 0.7));
    }
    for (Index i = 0; i < x.value.size(); i += 5) x.value.data()[i] = 0.0f;  // zeros in x
    for (Index i = 0; i < s.batch; i += 3) x.value.row(i).setZero();
    for (Index j = 0; j < s.out; j += 2) b.value(0, j) = 0.0f;
    nn::Matrix seed(s.batch, s.out);
    for (Index i = 0; i < seed.size(); ++i) seed.data()[i] = static_cast<float>(rng.normal());
    nn::Matrix value[2], gx[2], gw[2], gb[2];
    for (int fused = 0; fused < 2; ++fused) {
      for (nn::Parameter* p : {&x, &w, &b}) p->grad.setZero();
      nn::Tape tape;
      const nn::Var bias = s.bias ? tape.param(b) : nn::Var();
      const nn::Var y = fused ? nn::linear_relu(tape.param(x), tape.param(w), bias)
                              : nn::relu(nn::linear(tape.param(x), tape.param(w), bias));
      tape.backward(y, seed);
      value[fused] = y.value();
      gx[fused] = x.grad;
      gw[fused] = w.grad;
      gb[fused] = b.grad;
    }
    // == on floats would let −0 pass for +0: compare the bits.
    auto same_bits = [](const nn::Matrix& p, const nn::Matrix& q) {
      return p.size() == q.size() &&
             std::memcmp(p.data(), q.data(), sizeof(float) * static_cast<std::size_t>(p.size())) ==
                 0;
    };
    CHECK(same_bits(value[0], value[1]));
    CHECK(same_bits(gx[0], gx[1]));
    CHECK(same_bits(gw[0], gw[1]));
    CHECK(same_bits(gb[0], gb[1]));
    // The test's inputs reach both sides of the kink and the kink itself.
    CHECK(value[1].minCoeff() == 0.0f);
    CHECK(value[1].maxCoeff() > 0.0f);
    CHECK((value[1].array() == 0.0f).count() > value[1].size() / 4);
  }
}

// gemm with relu stores max(0, v) of the product it stores without (0 > v ? 0 : v, as Eigen's
// x.max(0.0f)), for both kernels: full and edge tiles, depth past one 256 block (the ReLU must
// wait for the last block), transposed operands, bias and accumulation, and depth 0.
TEST_CASE("nn gemm: gemm with relu stores relu of the product, bit for bit", "[nn]") {
  rlsim::Rng rng(31);
  const Index shapes[][3] = {{64, 256, 256}, {7, 40, 9}, {13, 56, 300}, {30, 48, 17}, {8, 16, 0}};
  for (const auto& s : shapes) {
    const Index m = s[0], n = s[1], k = s[2];
    for (int variant = 0; variant < 16; ++variant) {
      const bool ta = (variant & 1) != 0, tb = (variant & 2) != 0, acc = (variant & 4) != 0;
      const bool with_bias = (variant & 8) != 0 && !acc;
      const bool avx2 = variant % 3 == 0;
      CAPTURE(m, n, k, ta, tb, acc, with_bias, avx2);
      auto a = random_vector(rng, m * k);
      for (Index i = 0; i < m * k; i += 7) a[static_cast<std::size_t>(i)] = 0.0f;
      const auto b = random_vector(rng, k * n), bias = random_vector(rng, n);
      const auto c0 = random_vector(rng, m * n);
      const Index ars = ta ? 1 : k, acs = ta ? m : 1, brs = tb ? 1 : n, bcs = tb ? k : 1;
      auto plain = c0, fused = c0;
      const float* bp = with_bias ? bias.data() : nullptr;
      auto run = avx2 ? nn::gemm_avx2 : nn::gemm;
      const bool t1 =
          run(m, n, k, a.data(), ars, acs, b.data(), brs, bcs, plain.data(), n, acc, bp, false);
      const bool t2 =
          run(m, n, k, a.data(), ars, acs, b.data(), brs, bcs, fused.data(), n, acc, bp, true);
      REQUIRE(t1 == t2);
      if (!t1) continue;  // a build without AVX2/FMA
      for (float& v : plain) v = Eigen::numext::maxi(v, 0.0f);
      CHECK(std::memcmp(plain.data(), fused.data(), sizeof(float) * plain.size()) == 0);
    }
  }
}

// gemm_narrow must give Eigen's product bit for bit (it replaces Eigen's for 2- and 3-column
// outputs): plain and transposed A, with a bias, assigning and accumulating, over depths
// that exercise each part of Eigen's order (below 8, odd, multiples of 8 with remainders).
TEST_CASE("nn gemm: gemm_narrow equals Eigen's product bit for bit", "[nn]") {
  rlsim::Rng rng(17);
  using Eigen::Map;
  int taken = 0;
  for (const Index m : {4, 8, 12, 20, 64, 256}) {
    for (const Index n : {2, 3}) {
      for (const Index k : {1, 3, 7, 9, 16, 17, 63, 64, 65, 256, 300}) {
        for (const bool transposed : {false, true}) {
          for (const int mode : {0, 1, 2}) {  // 0: C = A·B, 1: C = A·B + bias, 2: C += A·B
            CAPTURE(m, n, k, transposed, mode);
            // A (m×k) stored row-major, or as its transpose (k×m row-major).
            const std::vector<float> a = random_vector(rng, m * k), b = random_vector(rng, k * n),
                                     bias = random_vector(rng, n), c0 = random_vector(rng, m * n);
            const Index ars = transposed ? 1 : k, acs = transposed ? m : 1;
            std::vector<float> c = c0;
            const bool ok = nn::gemm_narrow(m, n, k, a.data(), ars, acs, b.data(), n, 1, c.data(),
                                            n, mode == 2, mode == 1 ? bias.data() : nullptr);
            if (!ok) {
              CHECK(c == c0);  // declined: nothing written
              continue;
            }
            ++taken;
            // Eigen, as nn/ops_linear.cpp's product() calls it.
            nn::Matrix ref = Map<const nn::Matrix>(c0.data(), m, n);
            const Map<const nn::Matrix> bm(b.data(), k, n);
            if (mode == 1) ref.rowwise() = Map<const nn::Matrix>(bias.data(), 1, n).row(0);
            if (transposed) {
              const Map<const nn::Matrix> at(a.data(), k, m);
              if (mode == 0) {
                ref.noalias() = at.transpose() * bm;
              } else {
                ref.noalias() += at.transpose() * bm;
              }
            } else {
              const Map<const nn::Matrix> am(a.data(), m, k);
              if (mode == 0) {
                ref.noalias() = am * bm;
              } else {
                ref.noalias() += am * bm;
              }
            }
            CHECK(Map<const nn::Matrix>(c.data(), m, n) == ref);
          }
        }
      }
    }
  }
#if defined(__AVX2__) && defined(__FMA__)
  if (Eigen::internal::packet_traits<float>::size == 8)
    CHECK(taken > 300);  // PPO's heads among them
#endif
}

// On an AVX-512 build gemm runs column blocks of 32 on a 6×32 kernel; each element is the same
// FMA chain as in the 6×16 AVX2 kernel, so the two give the same bits (on other builds both
// are the AVX2 kernel). Shapes with 32-column blocks, tails of ≤ 16 (AVX2 kernel) and > 16
// (a part-filled 32-wide tile), depth past one 256 block, transposed operands, bias, accumulation.
TEST_CASE("nn gemm: the AVX-512 kernel gives the AVX2 kernel's bits", "[nn]") {
  rlsim::Rng rng(23);
  const Index shapes[][3] = {{64, 256, 256}, {256, 64, 64}, {7, 40, 9},   {13, 56, 300},
                             {6, 32, 1},     {30, 48, 17},  {64, 256, 4}, {9, 100, 64}};
  for (const auto& s : shapes) {
    const Index m = s[0], n = s[1], k = s[2];
    for (int variant = 0; variant < 16; ++variant) {
      const bool ta = (variant & 1) != 0, tb = (variant & 2) != 0, acc = (variant & 4) != 0;
      const bool with_bias = (variant & 8) != 0 && !acc;
      CAPTURE(m, n, k, ta, tb, acc, with_bias);
      const auto a = random_vector(rng, m * k), b = random_vector(rng, k * n);
      const auto bias = random_vector(rng, n), c0 = random_vector(rng, m * n);
      const Index ars = ta ? 1 : k, acs = ta ? m : 1, brs = tb ? 1 : n, bcs = tb ? k : 1;
      auto c = c0, c2 = c0;
      const float* bp = with_bias ? bias.data() : nullptr;
      const bool t1 =
          nn::gemm(m, n, k, a.data(), ars, acs, b.data(), brs, bcs, c.data(), n, acc, bp);
      const bool t2 =
          nn::gemm_avx2(m, n, k, a.data(), ars, acs, b.data(), brs, bcs, c2.data(), n, acc, bp);
      REQUIRE(t1 == t2);
      CHECK(c == c2);
    }
  }
}

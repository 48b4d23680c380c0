// Finite-difference gradient checks of every nn op against independent double-precision
// references: each case gives the op on the tape (float32) and the same function written
// directly in double. The test checks the forward value against the reference, then the
// tape's vector-Jacobian product (backward with a random seed W) against central
// differences of Σ W ⊙ reference(x) in double. Shapes are drawn at random (batch 1
// included) and every broadcasting form is covered.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "nn/losses.hpp"
#include "nn/ops.hpp"

#include "tests/nn/nn_test_util.hpp"

namespace {

MatD map(const MatD& x, double (*f)(double)) {
  return x.unaryExpr(f);
}

double sigmoid_d(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}
double softplus_d(double x) {
  return std::log1p(std::exp(x));
}
double relu_d(double x) {
  return x > 0 ? x : 0.0;
}

}  // namespace

TEST_CASE("nn ops: elementwise unary gradients", "[nn][grad]") {
  rlsim::Rng rng(101);
  for (auto [r, c] : shapes(rng)) {
    INFO("shape " << r << "×" << c);
    auto any = [&] { return random_matrix(rng, r, c, -2.0, 2.0); };
    auto pos = [&] { return random_matrix(rng, r, c, 0.2, 3.0); };
    auto kinked = [&](std::vector<double> k) { return away_from(rng, r, c, -2.0, 2.0, k); };

    check_gradients(
        "exp", {any()}, [](auto& v) { return nn::exp(v[0]); },
        [](const Inputs& x) { return MatD(x[0].array().exp()); }, rng);
    check_gradients(
        "log", {pos()}, [](auto& v) { return nn::log(v[0]); },
        [](const Inputs& x) { return MatD(x[0].array().log()); }, rng);
    check_gradients(
        "pow 2.5", {pos()}, [](auto& v) { return nn::pow(v[0], 2.5f); },
        [](const Inputs& x) { return MatD(x[0].array().pow(2.5)); }, rng);
    check_gradients(
        "pow 3", {any()}, [](auto& v) { return nn::pow(v[0], 3.0f); },
        [](const Inputs& x) { return MatD(x[0].array().cube()); }, rng);
    check_gradients(
        "square", {any()}, [](auto& v) { return nn::square(v[0]); },
        [](const Inputs& x) { return MatD(x[0].array().square()); }, rng);
    check_gradients(
        "sqrt", {pos()}, [](auto& v) { return nn::sqrt(v[0]); },
        [](const Inputs& x) { return MatD(x[0].array().sqrt()); }, rng);
    check_gradients(
        "abs", {kinked({0.0})}, [](auto& v) { return nn::abs(v[0]); },
        [](const Inputs& x) { return MatD(x[0].array().abs()); }, rng);
    check_gradients(
        "clamp", {kinked({-0.5, 0.7})}, [](auto& v) { return nn::clamp(v[0], -0.5f, 0.7f); },
        [](const Inputs& x) { return MatD(x[0].array().max(-0.5).min(0.7)); }, rng);
    check_gradients(
        "relu", {kinked({0.0})}, [](auto& v) { return nn::relu(v[0]); },
        [](const Inputs& x) { return map(x[0], relu_d); }, rng);
    check_gradients(
        "leaky_relu", {kinked({0.0})}, [](auto& v) { return nn::leaky_relu(v[0], 0.1f); },
        [](const Inputs& x) {
          return MatD(x[0].unaryExpr([](double z) { return z > 0 ? z : 0.1 * z; }));
        },
        rng);
    check_gradients(
        "tanh", {any()}, [](auto& v) { return nn::tanh(v[0]); },
        [](const Inputs& x) { return MatD(x[0].array().tanh()); }, rng);
    check_gradients(
        "sigmoid", {any()}, [](auto& v) { return nn::sigmoid(v[0]); },
        [](const Inputs& x) { return map(x[0], sigmoid_d); }, rng);
    check_gradients(
        "softplus", {any()}, [](auto& v) { return nn::softplus(v[0]); },
        [](const Inputs& x) { return map(x[0], softplus_d); }, rng);
    check_gradients(
        "elu", {kinked({0.0})}, [](auto& v) { return nn::elu(v[0], 1.3f); },
        [](const Inputs& x) {
          return MatD(x[0].unaryExpr([](double z) { return z > 0 ? z : 1.3 * std::expm1(z); }));
        },
        rng);
    check_gradients(
        "neg", {any()}, [](auto& v) { return -v[0]; }, [](const Inputs& x) { return MatD(-x[0]); },
        rng);
    check_gradients(
        "affine", {any()}, [](auto& v) { return nn::affine(v[0], 2.5f, -1.0f); },
        [](const Inputs& x) { return MatD(2.5 * x[0].array() - 1.0); }, rng);
    check_gradients(
        "x + s", {any()}, [](auto& v) { return v[0] + 0.75f; },
        [](const Inputs& x) { return MatD(x[0].array() + 0.75); }, rng);
    check_gradients(
        "s - x", {any()}, [](auto& v) { return 0.75f - v[0]; },
        [](const Inputs& x) { return MatD(0.75 - x[0].array()); }, rng);
    check_gradients(
        "s * x", {any()}, [](auto& v) { return -1.5f * v[0]; },
        [](const Inputs& x) { return MatD(-1.5 * x[0].array()); }, rng);
    check_gradients(
        "x / s", {any()}, [](auto& v) { return v[0] / 4.0f; },
        [](const Inputs& x) { return MatD(x[0].array() / 4.0); }, rng);
    check_gradients(
        "s / x", {away_from(rng, r, c, -2.0, 2.0, {0.0}, 0.3)}, [](auto& v) { return 3.0f / v[0]; },
        [](const Inputs& x) { return MatD(3.0 / x[0].array()); }, rng);
  }
}

TEST_CASE("nn ops: softplus and sigmoid stay finite and exact for large inputs", "[nn]") {
  nn::Tape tape;
  nn::Matrix x(1, 4);
  x << -100.0f, -30.0f, 30.0f, 100.0f;
  const Var v = tape.constant(x);
  const auto sp = nn::softplus(v).value();
  CHECK(sp(0, 0) == Approx(0.0).margin(1e-30));
  CHECK(sp(0, 1) == Approx(std::exp(-30.0)).epsilon(1e-5));
  CHECK(sp(0, 2) == Approx(30.0));
  CHECK(sp(0, 3) == Approx(100.0));
  const auto s = nn::sigmoid(v).value();
  CHECK(s(0, 0) >= 0.0f);
  CHECK(s(0, 0) < 1e-30f);
  CHECK(s(0, 3) == 1.0f);
}

namespace {
// Broadcast shape pairs (a, b) for an output of r × c.
std::vector<std::pair<std::pair<Index, Index>, std::pair<Index, Index>>> broadcast_pairs(Index r,
                                                                                         Index c) {
  return {{{r, c}, {r, c}}, {{r, c}, {1, c}}, {{r, c}, {r, 1}}, {{r, c}, {1, 1}},
          {{1, c}, {r, c}}, {{r, 1}, {r, c}}, {{1, 1}, {r, c}}, {{r, 1}, {1, c}}};
}

MatD expand(const MatD& x, Index r, Index c) {
  MatD out(r, c);
  for (Index i = 0; i < r; ++i) {
    for (Index j = 0; j < c; ++j) out(i, j) = x(x.rows() == 1 ? 0 : i, x.cols() == 1 ? 0 : j);
  }
  return out;
}
}  // namespace

TEST_CASE("nn ops: binary ops with broadcasting", "[nn][grad]") {
  rlsim::Rng rng(202);
  for (auto [r, c] : shapes(rng)) {
    for (auto [sa, sb] : broadcast_pairs(r, c)) {
      INFO("a " << sa.first << "×" << sa.second << ", b " << sb.first << "×" << sb.second);
      const Index orows = std::max(sa.first, sb.first), ocols = std::max(sa.second, sb.second);
      auto ref = [orows, ocols](auto f) {
        return [f, orows, ocols](const Inputs& x) {
          const MatD a = expand(x[0], orows, ocols), b = expand(x[1], orows, ocols);
          return MatD(f(a.array(), b.array()));
        };
      };
      const MatD a = random_matrix(rng, sa.first, sa.second, -2.0, 2.0);
      const MatD b = random_matrix(rng, sb.first, sb.second, -2.0, 2.0);
      check_gradients(
          "add", {a, b}, [](auto& v) { return v[0] + v[1]; },
          ref([](const auto& x, const auto& y) { return x + y; }), rng);
      check_gradients(
          "sub", {a, b}, [](auto& v) { return v[0] - v[1]; },
          ref([](const auto& x, const auto& y) { return x - y; }), rng);
      check_gradients(
          "mul", {a, b}, [](auto& v) { return v[0] * v[1]; },
          ref([](const auto& x, const auto& y) { return x * y; }), rng);
      const MatD bd = away_from(rng, sb.first, sb.second, -2.0, 2.0, {0.0}, 0.4);
      check_gradients(
          "div", {a, bd}, [](auto& v) { return v[0] / v[1]; },
          ref([](const auto& x, const auto& y) { return x / y; }), rng);
      // minimum/maximum: keep the operands apart so no element is at a tie.
      const MatD bm = random_matrix(rng, sb.first, sb.second, -0.3, 0.3);
      MatD am = random_matrix(rng, sa.first, sa.second, 0.5, 1.5);
      for (Index i = 0; i < am.size(); ++i) {
        if (rng.bernoulli(0.5)) am.data()[i] = -am.data()[i];
      }
      check_gradients(
          "minimum", {am, bm}, [](auto& v) { return nn::minimum(v[0], v[1]); },
          ref([](const auto& x, const auto& y) { return x.min(y); }), rng);
      check_gradients(
          "maximum", {am, bm}, [](auto& v) { return nn::maximum(v[0], v[1]); },
          ref([](const auto& x, const auto& y) { return x.max(y); }), rng);
    }
  }
}

TEST_CASE("nn ops: minimum/maximum split the gradient at ties; clamp passes it at bounds", "[nn]") {
  nn::Parameter a(1, 2), b(1, 2);
  a.value << 1.0f, 2.0f;
  b.value << 1.0f, 3.0f;
  nn::Tape tape;
  tape.backward(nn::sum(nn::minimum(tape.param(a), tape.param(b))));
  CHECK(a.grad(0, 0) == 0.5f);
  CHECK(b.grad(0, 0) == 0.5f);
  CHECK(a.grad(0, 1) == 1.0f);
  CHECK(b.grad(0, 1) == 0.0f);
  nn::Parameter x(1, 3);
  x.value << -1.0f, 0.5f, 1.0f;
  tape.reset();
  tape.backward(nn::sum(nn::clamp(tape.param(x), -1.0f, 0.8f)));
  CHECK(x.grad(0, 0) == 1.0f);  // at the lower bound: passes (PyTorch)
  CHECK(x.grad(0, 1) == 1.0f);
  CHECK(x.grad(0, 2) == 0.0f);
}

TEST_CASE("nn ops: matmul and linear gradients", "[nn][grad]") {
  rlsim::Rng rng(303);
  for (int trial = 0; trial < 5; ++trial) {
    const Index r = trial == 0 ? 1 : rng.integer(1, 6), k = rng.integer(1, 6),
                c = rng.integer(1, 6);
    INFO("r " << r << " k " << k << " c " << c);
    check_gradients(
        "matmul", {random_matrix(rng, r, k, -1, 1), random_matrix(rng, k, c, -1, 1)},
        [](auto& v) { return nn::matmul(v[0], v[1]); },
        [](const Inputs& x) { return MatD(x[0] * x[1]); }, rng);
    check_gradients(
        "linear",
        {random_matrix(rng, r, k, -1, 1), random_matrix(rng, k, c, -1, 1),
         random_matrix(rng, 1, c, -1, 1)},
        [](auto& v) { return nn::linear(v[0], v[1], v[2]); },
        [](const Inputs& x) {
          MatD y = x[0] * x[1];
          y.rowwise() += x[2].row(0);
          return y;
        },
        rng);
    check_gradients(
        "linear without bias", {random_matrix(rng, r, k, -1, 1), random_matrix(rng, k, c, -1, 1)},
        [](auto& v) { return nn::linear(v[0], v[1], Var()); },
        [](const Inputs& x) { return MatD(x[0] * x[1]); }, rng);
    check_gradients(
        "linear_tanh",
        {random_matrix(rng, r, k, -1, 1), random_matrix(rng, k, c, -1, 1),
         random_matrix(rng, 1, c, -1, 1)},
        [](auto& v) { return nn::linear_tanh(v[0], v[1], v[2]); },
        [](const Inputs& x) {
          MatD y = x[0] * x[1];
          y.rowwise() += x[2].row(0);
          return MatD(y.array().tanh());
        },
        rng);
    check_gradients(
        "linear_tanh without bias",
        {random_matrix(rng, r, k, -1, 1), random_matrix(rng, k, c, -1, 1)},
        [](auto& v) { return nn::linear_tanh(v[0], v[1], Var()); },
        [](const Inputs& x) { return MatD((x[0] * x[1]).array().tanh()); }, rng);
    // linear_relu: inputs drawn again until every pre-activation is at least 0.05 from the
    // kink, so that the central differences do not straddle it.
    auto away_from_kink = [&](bool bias) {
      for (;;) {
        Inputs v = {random_matrix(rng, r, k, -1, 1), random_matrix(rng, k, c, -1, 1)};
        if (bias) v.push_back(random_matrix(rng, 1, c, -1, 1));
        MatD z = v[0] * v[1];
        if (bias) z.rowwise() += v[2].row(0);
        if (z.cwiseAbs().minCoeff() >= 0.05) return v;
      }
    };
    check_gradients(
        "linear_relu", away_from_kink(true),
        [](auto& v) { return nn::linear_relu(v[0], v[1], v[2]); },
        [](const Inputs& x) {
          MatD y = x[0] * x[1];
          y.rowwise() += x[2].row(0);
          return map(y, relu_d);
        },
        rng);
    check_gradients(
        "linear_relu without bias", away_from_kink(false),
        [](auto& v) { return nn::linear_relu(v[0], v[1], Var()); },
        [](const Inputs& x) { return map(MatD(x[0] * x[1]), relu_d); }, rng);
  }
}

TEST_CASE("nn ops: reductions and axis ops", "[nn][grad]") {
  rlsim::Rng rng(404);
  for (auto [r, c] : shapes(rng)) {
    INFO("shape " << r << "×" << c);
    const MatD x = random_matrix(rng, r, c, -2, 2);
    auto scalar = [](double v) { return MatD::Constant(1, 1, v); };
    check_gradients(
        "sum", {x}, [](auto& v) { return nn::sum(v[0]); },
        [&](const Inputs& a) { return scalar(a[0].sum()); }, rng);
    check_gradients(
        "mean", {x}, [](auto& v) { return nn::mean(v[0]); },
        [&](const Inputs& a) { return scalar(a[0].mean()); }, rng);
    check_gradients(
        "sum axis 0", {x}, [](auto& v) { return nn::sum(v[0], 0); },
        [](const Inputs& a) { return MatD(a[0].colwise().sum()); }, rng);
    check_gradients(
        "sum axis 1", {x}, [](auto& v) { return nn::sum(v[0], 1); },
        [](const Inputs& a) { return MatD(a[0].rowwise().sum()); }, rng);
    check_gradients(
        "mean axis 0", {x}, [](auto& v) { return nn::mean(v[0], 0); },
        [](const Inputs& a) { return MatD(a[0].colwise().mean()); }, rng);
    check_gradients(
        "mean axis 1", {x}, [](auto& v) { return nn::mean(v[0], 1); },
        [](const Inputs& a) { return MatD(a[0].rowwise().mean()); }, rng);
    // Distinct values 0.1 apart (shuffled) so the arg-max is unique under ±h.
    MatD d(r, c);
    for (Index i = 0; i < d.size(); ++i) d.data()[i] = 0.1 * static_cast<double>(i) - 1.0;
    for (Index i = d.size() - 1; i > 0; --i) std::swap(d.data()[i], d.data()[rng.integer(0, i)]);
    check_gradients(
        "max axis 0", {d}, [](auto& v) { return nn::max(v[0], 0); },
        [](const Inputs& a) { return MatD(a[0].colwise().maxCoeff()); }, rng);
    check_gradients(
        "max axis 1", {d}, [](auto& v) { return nn::max(v[0], 1); },
        [](const Inputs& a) { return MatD(a[0].rowwise().maxCoeff()); }, rng);
    check_gradients(
        "min axis 0", {d}, [](auto& v) { return nn::min(v[0], 0); },
        [](const Inputs& a) { return MatD(a[0].colwise().minCoeff()); }, rng);
    check_gradients(
        "min axis 1", {d}, [](auto& v) { return nn::min(v[0], 1); },
        [](const Inputs& a) { return MatD(a[0].rowwise().minCoeff()); }, rng);
    for (int axis : {0, 1}) {
      INFO("axis " << axis);
      // Reference softmax family, written out per line along the axis.
      auto lse = [axis](const MatD& a) -> MatD {
        const MatD e = a.array().exp();
        const MatD s = axis == 1 ? MatD(e.rowwise().sum()) : MatD(e.colwise().sum());
        return s.array().log();
      };
      auto log_softmax_ref = [axis, lse](const MatD& a) {
        const MatD l = lse(a);
        return MatD(a - expand(l, a.rows(), a.cols()));
      };
      check_gradients(
          "logsumexp", {x}, [axis](auto& v) { return nn::logsumexp(v[0], axis); },
          [lse](const Inputs& a) { return lse(a[0]); }, rng);
      check_gradients(
          "log_softmax", {x}, [axis](auto& v) { return nn::log_softmax(v[0], axis); },
          [log_softmax_ref](const Inputs& a) { return log_softmax_ref(a[0]); }, rng);
      check_gradients(
          "softmax", {x}, [axis](auto& v) { return nn::softmax(v[0], axis); },
          [log_softmax_ref](const Inputs& a) { return MatD(log_softmax_ref(a[0]).array().exp()); },
          rng);
    }
  }
}

TEST_CASE("nn ops: softmax family is stable for large logits", "[nn]") {
  nn::Tape tape;
  nn::Matrix x(2, 3);
  x << 1000.0f, 1001.0f, 1002.0f, -1000.0f, -1000.0f, -1000.0f;
  const Var v = tape.constant(x);
  const auto p = nn::softmax(v, 1).value();
  const double e1 = std::exp(-1.0), e2 = std::exp(-2.0);
  CHECK(p(0, 2) == Approx(1.0 / (1.0 + e1 + e2)));
  CHECK(p(1, 0) == Approx(1.0 / 3.0));
  const auto l = nn::logsumexp(v, 1).value();
  CHECK(l(0, 0) == Approx(1002.0 + std::log(1.0 + e1 + e2)));
  CHECK(l(1, 0) == Approx(-1000.0 + std::log(3.0)));
}

TEST_CASE(
    "nn: two-column softmax and log_softmax equal the general loop bit for bit, log_softmax's "
    "backward too",
    "[nn]") {
  // The general loop (nn/ops_reduce.cpp's softmax_forward before its two-column path), written
  // out here with the same Eigen row expressions: the fast path must give the same bits.
  auto general = [](const nn::Matrix& x, bool log) {
    nn::Matrix y(x.rows(), x.cols());
    for (nn::Index i = 0; i < x.rows(); ++i) {
      const auto xi = x.row(i).array();
      const float m = xi.maxCoeff();
      auto yi = y.row(i).array();
      yi = (xi - m).exp();
      const float s = yi.sum();
      if (log) {
        yi = xi - (m + std::log(s));
      } else {
        yi /= s;
      }
    }
    return y;
  };
  const float inf = std::numeric_limits<float>::infinity();
  rlsim::Rng rng(2026);
  std::vector<float> values = {0.0f,    -0.0f, 1.0f,  -1.0f,  1e-30f, 88.0f, -88.0f,     100.0f,
                               -200.0f, 3.5f,  1e20f, -1e20f, inf,    -inf,  0.69314718f};
  for (int k = 0; k < 200; ++k) values.push_back(static_cast<float>(rng.normal() * 5.0));
  nn::Matrix x(static_cast<nn::Index>(values.size() * values.size()), 2);
  nn::Index r = 0;
  for (float a : values) {
    for (float b : values) {
      x(r, 0) = a;
      x(r, 1) = b;
      ++r;
    }
  }
  for (const bool log : {true, false}) {
    nn::Tape tape;
    const nn::Var v = tape.constant(x);
    const nn::Matrix got = (log ? nn::log_softmax(v, 1) : nn::softmax(v, 1)).value();
    const nn::Matrix want = general(x, log);
    nn::Index differ = 0;
    for (nn::Index i = 0; i < x.rows(); ++i) {
      for (nn::Index j = 0; j < 2; ++j) {
        if (std::memcmp(&got(i, j), &want(i, j), sizeof(float)) != 0) ++differ;
      }
    }
    INFO((log ? "log_softmax" : "softmax"));
    CHECK(differ == 0);
  }
  // log_softmax's backward, seeded with a gradient that is one-hot in half of the rows (as
  // a gather's) and dense in the others, against the general loop's g − e^y Σ g.
  nn::Matrix seed(x.rows(), 2);
  for (nn::Index i = 0; i < x.rows(); ++i) {
    seed(i, 0) = static_cast<float>(rng.normal());
    seed(i, 1) = i % 2 == 0 ? 0.0f : static_cast<float>(rng.normal());
  }
  nn::Parameter p(x.rows(), 2);
  p.value = x;
  nn::Tape tape;
  const nn::Var y = nn::log_softmax(tape.param(p), 1);
  tape.backward(y, seed);
  const nn::Matrix yv = y.value();
  nn::Matrix want = nn::Matrix::Zero(x.rows(), 2);
  for (nn::Index i = 0; i < x.rows(); ++i) {
    const auto g = seed.row(i).array();
    want.row(i).array() += g - yv.row(i).array().exp() * g.sum();
  }
  nn::Index differ = 0;
  for (nn::Index i = 0; i < x.rows(); ++i) {
    for (nn::Index j = 0; j < 2; ++j) {
      if (std::memcmp(&p.grad(i, j), &want(i, j), sizeof(float)) != 0) ++differ;
    }
  }
  CHECK(differ == 0);
}

TEST_CASE("nn ops: gather, concat, slice and detach", "[nn][grad]") {
  rlsim::Rng rng(505);
  for (auto [r, c] : shapes(rng)) {
    INFO("shape " << r << "×" << c);
    std::vector<std::int64_t> idx(static_cast<std::size_t>(r));
    for (auto& k : idx) k = rng.integer(0, c - 1);
    check_gradients(
        "gather", {random_matrix(rng, r, c, -2, 2)},
        [&idx](auto& v) { return nn::gather(v[0], idx); },
        [&idx](const Inputs& a) {
          MatD y(a[0].rows(), 1);
          for (Index i = 0; i < y.rows(); ++i) y(i, 0) = a[0](i, idx[static_cast<std::size_t>(i)]);
          return y;
        },
        rng);
    const std::vector<std::int32_t> idx32(idx.begin(), idx.end());
    check_gradients(
        "gather int32", {random_matrix(rng, r, c, -2, 2)},
        [&idx32](auto& v) { return nn::gather(v[0], std::span<const std::int32_t>(idx32)); },
        [&idx](const Inputs& a) {
          MatD y(a[0].rows(), 1);
          for (Index i = 0; i < y.rows(); ++i) y(i, 0) = a[0](i, idx[static_cast<std::size_t>(i)]);
          return y;
        },
        rng);
    const Index c2 = rng.integer(1, 4), r2 = rng.integer(1, 4);
    check_gradients(
        "concat axis 1",
        {random_matrix(rng, r, c, -1, 1), random_matrix(rng, r, c2, -1, 1),
         random_matrix(rng, r, 1, -1, 1)},
        [](auto& v) {
          return nn::concat({v[0], v[1], v[2]}, 1);
        },
        [](const Inputs& a) {
          MatD y(a[0].rows(), a[0].cols() + a[1].cols() + a[2].cols());
          y << a[0], a[1], a[2];
          return y;
        },
        rng);
    check_gradients(
        "concat axis 0", {random_matrix(rng, r, c, -1, 1), random_matrix(rng, r2, c, -1, 1)},
        [](auto& v) {
          return nn::concat({v[0], v[1]}, 0);
        },
        [](const Inputs& a) {
          MatD y(a[0].rows() + a[1].rows(), a[0].cols());
          y << a[0], a[1];
          return y;
        },
        rng);
    const Index start1 = rng.integer(0, c - 1), len1 = rng.integer(1, c - start1);
    check_gradients(
        "slice axis 1", {random_matrix(rng, r, c, -1, 1)},
        [=](auto& v) { return nn::slice(v[0], 1, start1, len1); },
        [=](const Inputs& a) { return MatD(a[0].middleCols(start1, len1)); }, rng);
    const Index start0 = rng.integer(0, r - 1), len0 = rng.integer(1, r - start0);
    check_gradients(
        "slice axis 0", {random_matrix(rng, r, c, -1, 1)},
        [=](auto& v) { return nn::slice(v[0], 0, start0, len0); },
        [=](const Inputs& a) { return MatD(a[0].middleRows(start0, len0)); }, rng);
    // A value used twice: the gradients of both uses add up.
    check_gradients(
        "x·x + slice(x)", {random_matrix(rng, r, c, -1, 1)},
        [](auto& v) { return v[0] * v[0] + nn::slice(v[0], 1, 0, v[0].cols()); },
        [](const Inputs& a) { return MatD(a[0].array().square() + a[0].array()); }, rng);
  }
  // detach: d/dx Σ x·detach(x) = detach(x), not 2x.
  nn::Parameter p(2, 3);
  p.value << 1, -2, 3, 0.5f, 4, -1;
  nn::Tape tape;
  const Var x = tape.param(p);
  tape.backward(nn::sum(x * nn::detach(x)));
  CHECK(p.grad.isApprox(p.value));
}

TEST_CASE("nn ops: fused losses", "[nn][grad]") {
  rlsim::Rng rng(606);
  for (auto [r, c] : shapes(rng)) {
    INFO("shape " << r << "×" << c);
    const MatD p = random_matrix(rng, r, c, -2, 2);
    // Differences away from ±δ so the kink of the Huber loss is not straddled.
    const double delta = 0.7;
    MatD t = p;
    for (Index i = 0; i < t.size(); ++i) {
      t.data()[i] -= away_from(rng, 1, 1, -2.0, 2.0, {-delta, delta})(0, 0);
    }
    check_gradients(
        "mse_loss", {p, t}, [](auto& v) { return nn::mse_loss(v[0], v[1]); },
        [](const Inputs& a) { return MatD::Constant(1, 1, (a[0] - a[1]).array().square().mean()); },
        rng);
    auto huber = [](double d, double k) {
      return std::abs(d) <= k ? 0.5 * d * d : k * (std::abs(d) - 0.5 * k);
    };
    check_gradients(
        "huber_loss", {p, t}, [=](auto& v) { return nn::huber_loss(v[0], v[1], delta); },
        [=](const Inputs& a) {
          const MatD d = a[0] - a[1];
          return MatD::Constant(1, 1,
                                d.unaryExpr([&](double z) { return huber(z, delta); }).mean());
        },
        rng);
    check_gradients(
        "smooth_l1_loss", {p, t}, [=](auto& v) { return nn::smooth_l1_loss(v[0], v[1], delta); },
        [=](const Inputs& a) {
          const MatD d = a[0] - a[1];
          return MatD::Constant(
              1, 1, d.unaryExpr([&](double z) { return huber(z, delta) / delta; }).mean());
        },
        rng);
  }
}

TEST_CASE("nn ops: every op in op_list.hpp has its own name", "[nn]") {
  std::set<std::string> names;
  for (int i = 0; i < nn::kOpCount; ++i) {
    const std::string name = nn::op_name(static_cast<nn::Op>(i));
    INFO("op " << i << ": " << name);
    CHECK(name != "unknown");
    CHECK(names.insert(name).second);
  }
  CHECK(std::string(nn::op_name(nn::Op::constant)) == "constant");
  CHECK(std::string(nn::op_name(nn::Op::linear_tanh)) == "linear_tanh");
  CHECK(std::string(nn::op_name(nn::Op::linear_relu)) == "linear_relu");
  CHECK(std::string(nn::op_name(nn::Op::huber)) == "huber");
  CHECK(std::string(nn::op_name(static_cast<nn::Op>(nn::kOpCount))) == "unknown");
  // The tape's messages name the op of the node.
  nn::Tape tape;
  const Var y = nn::log_softmax(tape.constant(nn::Matrix::Zero(2, 3)), 1);
  CHECK_THROWS_WITH(tape.grad(y), Catch::Contains("(log_softmax)"));
}

TEST_CASE("nn ops: shape errors name the shapes", "[nn]") {
  nn::Tape tape;
  const Var a = tape.constant(nn::Matrix::Zero(3, 4));
  const Var b = tape.constant(nn::Matrix::Zero(2, 4));
  CHECK_THROWS_WITH(nn::add(a, b), Catch::Contains("3×4") && Catch::Contains("2×4"));
  CHECK_THROWS_WITH(nn::matmul(a, b), Catch::Contains("columns must equal"));
  CHECK_THROWS_WITH(nn::sum(a, 2), Catch::Contains("axis 2"));
  const std::vector<std::int64_t> bad = {0, 4, 1};
  CHECK_THROWS_WITH(nn::gather(a, bad), Catch::Contains("index 4 at row 1"));
  CHECK_THROWS_WITH(nn::slice(a, 1, 2, 3), Catch::Contains("[2, 5)"));
  CHECK_THROWS_AS(tape.backward(a), rlsim::Error);  // 3×4 is not a loss
  nn::Tape other;
  const Var c = other.constant(nn::Matrix::Zero(3, 4));
  CHECK_THROWS_WITH(nn::add(a, c), Catch::Contains("different tapes"));
  tape.reset();
  CHECK_THROWS_WITH(nn::relu(a), Catch::Contains("reset"));
}

TEST_CASE("nn losses: cross-entropy, Gaussian and categorical terms", "[nn][grad]") {
  rlsim::Rng rng(707);
  const double half_log_2pi = 0.5 * std::log(2.0 * std::numbers::pi);
  for (auto [b, k] : shapes(rng)) {
    INFO("batch " << b << ", width " << k);
    std::vector<std::int64_t> labels(static_cast<std::size_t>(b));
    for (auto& l : labels) l = rng.integer(0, k - 1);
    auto log_softmax_rows = [](const MatD& z) {
      MatD out = z;
      for (Index i = 0; i < z.rows(); ++i) {
        const double m = z.row(i).maxCoeff();
        out.row(i).array() -= m + std::log((z.row(i).array() - m).exp().sum());
      }
      return out;
    };
    const MatD logits = random_matrix(rng, b, k, -3, 3);
    check_gradients(
        "cross_entropy", {logits}, [&](auto& v) { return nn::cross_entropy(v[0], labels); },
        [&](const Inputs& a) {
          const MatD l = log_softmax_rows(a[0]);
          double s = 0.0;
          for (Index i = 0; i < l.rows(); ++i) s -= l(i, labels[static_cast<std::size_t>(i)]);
          return MatD::Constant(1, 1, s / static_cast<double>(l.rows()));
        },
        rng);
    check_gradients(
        "categorical_log_prob", {logits},
        [&](auto& v) { return nn::categorical_log_prob(v[0], labels); },
        [&](const Inputs& a) {
          const MatD l = log_softmax_rows(a[0]);
          MatD y(l.rows(), 1);
          for (Index i = 0; i < l.rows(); ++i) y(i, 0) = l(i, labels[static_cast<std::size_t>(i)]);
          return y;
        },
        rng);
    check_gradients(
        "categorical_entropy", {logits}, [](auto& v) { return nn::categorical_entropy(v[0]); },
        [&](const Inputs& a) {
          const MatD l = log_softmax_rows(a[0]);
          return MatD(-(l.array().exp() * l.array()).rowwise().sum());
        },
        rng);
    // Diagonal Gaussian, log-std per sample (b × k) and state-independent (1 × k).
    auto gauss_ref = [half_log_2pi](const Inputs& a) {
      const MatD& mu = a[0];
      const MatD& ls = a[1];
      const MatD& act = a[2];
      MatD y(mu.rows(), 1);
      for (Index i = 0; i < mu.rows(); ++i) {
        double s = 0.0;
        for (Index j = 0; j < mu.cols(); ++j) {
          const double l = ls(ls.rows() == 1 ? 0 : i, j);
          const double z = (act(i, j) - mu(i, j)) / std::exp(l);
          s += -0.5 * z * z - l - half_log_2pi;
        }
        y(i, 0) = s;
      }
      return y;
    };
    for (Index ls_rows : {b, Index{1}}) {
      INFO("log_std rows " << ls_rows);
      check_gradients(
          "gaussian_log_prob",
          {random_matrix(rng, b, k, -1, 1), random_matrix(rng, ls_rows, k, -1, 0.5),
           random_matrix(rng, b, k, -2, 2)},
          [](auto& v) { return nn::gaussian_log_prob(v[0], v[1], v[2]); }, gauss_ref, rng);
      check_gradients(
          "gaussian_entropy", {random_matrix(rng, ls_rows, k, -1, 0.5)},
          [](auto& v) { return nn::gaussian_entropy(v[0]); },
          [](const Inputs& a) {
            return MatD(
                (a[0].array() + 0.5 * (1.0 + std::log(2.0 * std::numbers::pi))).rowwise().sum());
          },
          rng);
    }
  }
  // Reference values: N(0, 1) at its mean has log-density −½log 2π per dimension and
  // entropy ½log(2πe) per dimension; a uniform categorical has entropy log K.
  nn::Tape tape;
  const Var zero = tape.constant(nn::Matrix::Zero(1, 3));
  CHECK(nn::gaussian_log_prob(zero, zero, zero).item() == Approx(-3.0 * half_log_2pi));
  CHECK(nn::gaussian_entropy(zero).item() ==
        Approx(1.5 * (1.0 + std::log(2.0 * std::numbers::pi))));
  CHECK(nn::categorical_entropy(tape.constant(nn::Matrix::Constant(1, 4, 0.3f))).item() ==
        Approx(std::log(4.0)));
}

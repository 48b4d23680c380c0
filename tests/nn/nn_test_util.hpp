// Helpers shared by the nn tests: random matrices and the finite-difference gradient
// check against a double-precision reference (see test_nn_ops.cpp for the method).
#pragma once
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "nn/tape.hpp"
#include "core/rng.hpp"

namespace nn = rlsim::nn;
using nn::Index;
using nn::Var;
using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Inputs = std::vector<MatD>;
using Build = std::function<Var(std::vector<Var>&)>;
using Reference = std::function<MatD(const Inputs&)>;

namespace nn_test {

inline MatD random_matrix(rlsim::Rng& rng, Index r, Index c, double lo, double hi) {
  MatD m(r, c);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform(lo, hi);
  return m;
}

// Values whose distance to every point in `kinks` is at least `margin`.
inline MatD away_from(rlsim::Rng& rng, Index r, Index c, double lo, double hi,
                      std::vector<double> kinks, double margin = 0.05) {
  MatD m(r, c);
  for (Index i = 0; i < m.size(); ++i) {
    double x;
    bool ok;
    do {
      x = rng.uniform(lo, hi);
      ok = true;
      for (double k : kinks) ok = ok && std::abs(x - k) >= margin;
    } while (!ok);
    m.data()[i] = x;
  }
  return m;
}

// Rounds to float, so the reference sees exactly the tape's inputs.
inline MatD as_float(const MatD& m) {
  return m.cast<float>().cast<double>();
}

struct Tolerance {
  double abs = 2e-4;
  double rel = 2e-3;
};

inline void check_gradients(const std::string& name, Inputs inputs, const Build& build,
                            const Reference& reference, rlsim::Rng& rng, Tolerance tol = {}) {
  INFO("op: " << name);
  for (MatD& m : inputs) m = as_float(m);
  std::vector<nn::Parameter> params(inputs.size());
  nn::Tape tape;
  std::vector<Var> vars;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    params[k].value = inputs[k].cast<float>();
    params[k].grad.setZero(inputs[k].rows(), inputs[k].cols());
    vars.push_back(tape.param(params[k]));
  }
  const Var y = build(vars);
  const MatD expected = reference(inputs);
  REQUIRE(y.rows() == expected.rows());
  REQUIRE(y.cols() == expected.cols());
  const MatD got = y.value().cast<double>();
  for (Index i = 0; i < got.size(); ++i) {
    INFO("forward element " << i << ": tape " << got.data()[i] << ", reference "
                            << expected.data()[i]);
    CHECK(std::abs(got.data()[i] - expected.data()[i]) <=
          tol.abs + tol.rel * std::abs(expected.data()[i]));
  }
  const MatD seed = random_matrix(rng, expected.rows(), expected.cols(), -1.0, 1.0);
  tape.backward(y, seed.cast<float>());
  auto objective = [&](const Inputs& x) { return (reference(x).array() * seed.array()).sum(); };
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    for (Index j = 0; j < inputs[k].size(); ++j) {
      Inputs plus = inputs, minus = inputs;
      const double h = 1e-6 * std::max(1.0, std::abs(inputs[k].data()[j]));
      plus[k].data()[j] += h;
      minus[k].data()[j] -= h;
      const double numeric = (objective(plus) - objective(minus)) / (2.0 * h);
      const double analytic = params[k].grad.data()[j];
      INFO("input " << k << " (" << inputs[k].rows() << "×" << inputs[k].cols() << ") element " << j
                    << ": analytic " << analytic << ", numeric " << numeric);
      CHECK(std::abs(analytic - numeric) <= tol.abs + tol.rel * std::abs(numeric));
    }
  }
}

// Shapes: batch 1 and single column always, plus random ones.
inline std::vector<std::pair<Index, Index>> shapes(rlsim::Rng& rng) {
  std::vector<std::pair<Index, Index>> s = {{1, 1}, {1, 5}, {4, 1}};
  for (int i = 0; i < 3; ++i) s.emplace_back(rng.integer(2, 6), rng.integer(2, 6));
  return s;
}

}  // namespace nn_test

using namespace nn_test;  // NOLINT: test helpers

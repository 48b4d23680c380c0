#include "nn/init.hpp"

#include <algorithm>
#include <cmath>

#include <Eigen/QR>

namespace rlsim::nn {
namespace init {

namespace {
void check_nonempty(const char* name, const Matrix& w) {
  if (w.size() == 0) {
    throw Error(std::string("nn::init::") + name + ": the matrix is " +
                shape_string(w.rows(), w.cols()) + "; it must not be empty");
  }
}
}  // namespace

void zeros(Matrix& w) {
  w.setZero();
}

void constant(Matrix& w, float value) {
  w.setConstant(value);
}

void uniform(Matrix& w, Rng& rng, double lo, double hi) {
  for (Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<float>(rng.uniform(lo, hi));
}

void normal(Matrix& w, Rng& rng, double mean, double stddev) {
  for (Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<float>(rng.normal(mean, stddev));
}

void xavier_uniform(Matrix& w, Rng& rng, double gain) {
  check_nonempty("xavier_uniform", w);
  const double a = gain * std::sqrt(6.0 / static_cast<double>(w.rows() + w.cols()));
  uniform(w, rng, -a, a);
}

void xavier_normal(Matrix& w, Rng& rng, double gain) {
  check_nonempty("xavier_normal", w);
  normal(w, rng, 0.0, gain * std::sqrt(2.0 / static_cast<double>(w.rows() + w.cols())));
}

void kaiming_uniform(Matrix& w, Rng& rng, double gain) {
  check_nonempty("kaiming_uniform", w);
  const double a = gain * std::sqrt(3.0 / static_cast<double>(w.rows()));
  uniform(w, rng, -a, a);
}

void kaiming_normal(Matrix& w, Rng& rng, double gain) {
  check_nonempty("kaiming_normal", w);
  normal(w, rng, 0.0, gain / std::sqrt(static_cast<double>(w.rows())));
}

void lecun_uniform(Matrix& w, Rng& rng) {
  check_nonempty("lecun_uniform", w);
  const double a = 1.0 / std::sqrt(static_cast<double>(w.rows()));
  uniform(w, rng, -a, a);
}

void orthogonal(Matrix& w, Rng& rng, double gain) {
  check_nonempty("orthogonal", w);
  // QR of a tall Gaussian matrix (max × min): Q has orthonormal columns.
  const Index big = std::max(w.rows(), w.cols()), small = std::min(w.rows(), w.cols());
  Eigen::MatrixXd g(big, small);
  for (Index j = 0; j < small; ++j) {
    for (Index i = 0; i < big; ++i) g(i, j) = rng.normal();
  }
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
  Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(big, small);
  const Eigen::MatrixXd r = qr.matrixQR().topRows(small).triangularView<Eigen::Upper>();
  for (Index j = 0; j < small; ++j) {
    if (r(j, j) < 0.0) q.col(j) *= -1.0;
  }
  if (w.rows() >= w.cols()) {
    w = (gain * q).cast<float>();
  } else {
    w = (gain * q.transpose()).cast<float>();
  }
}

}  // namespace init

void Init::apply(Matrix& weight, Matrix& bias, Rng& rng) const {
  switch (kind) {
    case Kind::lecun_uniform: {
      init::lecun_uniform(weight, rng);
      const double a = 1.0 / std::sqrt(static_cast<double>(weight.rows()));
      init::uniform(bias, rng, -a, a);
      return;
    }
    case Kind::xavier_uniform:
      init::xavier_uniform(weight, rng, gain);
      break;
    case Kind::xavier_normal:
      init::xavier_normal(weight, rng, gain);
      break;
    case Kind::kaiming_uniform:
      init::kaiming_uniform(weight, rng, gain);
      break;
    case Kind::kaiming_normal:
      init::kaiming_normal(weight, rng, gain);
      break;
    case Kind::orthogonal:
      init::orthogonal(weight, rng, gain);
      break;
    case Kind::zeros:
      init::zeros(weight);
      break;
  }
  init::constant(bias, this->bias);
}

}  // namespace rlsim::nn

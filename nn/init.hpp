// Weight initialisers, drawing from rlsim::Rng only (Boost.Random distributions, so the
// same seed gives the same weights on every platform).
//
// A weight is stored inputs × outputs (tape.hpp: y = x·W), so fan_in = rows and
// fan_out = cols. Formulas, as in PyTorch's torch.nn.init:
// - Xavier/Glorot (Glorot & Bengio 2010): uniform ±gain·√(6/(fan_in+fan_out)),
//   normal σ = gain·√(2/(fan_in+fan_out)).
// - He/Kaiming (He et al. 2015), fan_in mode: uniform ±gain·√(3/fan_in),
//   normal σ = gain/√fan_in; gain √2 for ReLU.
// - Orthogonal (Saxe, McClelland & Ganguli 2014): Q of the QR decomposition of a
//   standard Gaussian matrix, signs fixed by diag(R) so Q is uniformly distributed
//   (Mezzadri 2007), times gain. The rows or columns, whichever are fewer, are orthonormal.
// - LeCun uniform ±1/√fan_in: PyTorch's default for nn.Linear (weight and bias).
// Gains (torch.nn.init.calculate_gain): identity/sigmoid 1, tanh 5/3, relu √2,
// leaky_relu √(2/(1+slope²)), elu/softplus 1 (PyTorch gives no gain for these: 1).
#pragma once
#include <string>

#include "nn/tape.hpp"
#include "core/rng.hpp"

namespace rlsim::nn {

namespace init {
void zeros(Matrix& w);
void constant(Matrix& w, float value);
void uniform(Matrix& w, Rng& rng, double lo, double hi);
void normal(Matrix& w, Rng& rng, double mean, double stddev);
void xavier_uniform(Matrix& w, Rng& rng, double gain = 1.0);
void xavier_normal(Matrix& w, Rng& rng, double gain = 1.0);
void kaiming_uniform(Matrix& w, Rng& rng, double gain = 1.4142135623730951);
void kaiming_normal(Matrix& w, Rng& rng, double gain = 1.4142135623730951);
void orthogonal(Matrix& w, Rng& rng, double gain = 1.0);
void lecun_uniform(Matrix& w, Rng& rng);
}  // namespace init

// How a layer initialises its weight (and bias). Value type, for module constructors.
struct Init {
  enum class Kind {
    lecun_uniform,  // PyTorch's nn.Linear default; bias U(±1/√fan_in) too
    xavier_uniform,
    xavier_normal,
    kaiming_uniform,
    kaiming_normal,
    orthogonal,
    zeros,
  };
  Kind kind = Kind::lecun_uniform;
  double gain = 1.0;
  float bias = 0.0f;  // constant bias for every kind but lecun_uniform

  static Init lecun() { return {Kind::lecun_uniform, 1.0, 0.0f}; }
  static Init xavier_uniform(double gain = 1.0) { return {Kind::xavier_uniform, gain, 0.0f}; }
  static Init xavier_normal(double gain = 1.0) { return {Kind::xavier_normal, gain, 0.0f}; }
  static Init kaiming_uniform(double gain = 1.4142135623730951) {
    return {Kind::kaiming_uniform, gain, 0.0f};
  }
  static Init kaiming_normal(double gain = 1.4142135623730951) {
    return {Kind::kaiming_normal, gain, 0.0f};
  }
  static Init orthogonal(double gain = 1.0) { return {Kind::orthogonal, gain, 0.0f}; }
  static Init zeros() { return {Kind::zeros, 1.0, 0.0f}; }

  // Initialises a layer's weight (fan_in × fan_out) and bias (1 × fan_out).
  void apply(Matrix& weight, Matrix& bias, Rng& rng) const;
};

}  // namespace rlsim::nn

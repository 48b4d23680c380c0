// The fused losses: mse_loss and huber_loss (mean over all elements, 1×1), each a single
// node whose backward rule is written after the forward. Losses composed of other ops
// (cross-entropy, smooth L1, the distribution terms) are in losses.cpp.
#include <string>

#include "nn/ops.hpp"
#include "nn/ops_detail.hpp"

namespace rlsim::nn {
using namespace detail;

// --- fused losses: y = mean ℓ(p − t) ---
//   MSE:   ℓ(d) = d²,                               ∂y/∂p = 2d/N
//   Huber: ℓ(d) = ½d² (|d| ≤ δ), δ(|d| − ½δ) else,  ∂y/∂p = clamp(d, −δ, δ)/N
namespace {
Var loss_impl(Op op, const char* name, Var prediction, Var target, float delta) {
  Tape& t = tape_of(prediction, target);
  const Node& p0 = t.node(prediction);
  const Node& t0 = t.node(target);
  if (p0.rows != t0.rows || p0.cols != t0.cols) {
    throw Error(std::string("nn::") + name + ": the prediction is " + shape_of(p0) +
                " and the target is " + shape_of(t0) + "; they must have the same shape");
  }
  if (op == Op::huber && !(delta > 0.0f)) {
    throw Error("nn::huber_loss: delta = " + std::to_string(delta) + "; it must be > 0");
  }
  Var y = t.push(op, 1, 1, p0.requires_grad || t0.requires_grad);
  Node& out = t.node_at(y.id());
  const Node& p = t.node_at(prediction.id());
  const Node& q = t.node_at(target.id());
  out.in[0] = prediction.id();
  out.in[1] = target.id();
  out.a = delta;
  const Index n = p.rows * p.cols;
  const auto d = ConstRowMap(p.value, n) - ConstRowMap(q.value, n);
  float total = 0.0f;
  if (op == Op::mse) {
    total = d.square().sum();
  } else {
    const auto ad = d.abs();
    total = (ad <= delta).select(0.5f * d.square(), delta * (ad - 0.5f * delta)).sum();
  }
  out.value[0] = n > 0 ? total / static_cast<float>(n) : 0.0f;
  return y;
}
}  // namespace

Var mse_loss(Var prediction, Var target) {
  return loss_impl(Op::mse, "mse_loss", prediction, target, 0.0f);
}
Var huber_loss(Var prediction, Var target, float delta) {
  return loss_impl(Op::huber, "huber_loss", prediction, target, delta);
}
void detail::loss_backward(Tape& t, Node& n) {
  Node& p = t.node_at(n.in[0]);
  Node& q = t.node_at(n.in[1]);
  const Index size = p.rows * p.cols;
  if (size == 0) return;
  const float scale = n.grad[0] / static_cast<float>(size);
  const auto d = cavalue(p) - cavalue(q);
  if (n.op == Op::mse) {
    accumulate(p, d * (2.0f * scale));
    accumulate(q, d * (-2.0f * scale));
  } else {
    accumulate(p, d.max(-n.a).min(n.a) * scale);
    accumulate(q, d.max(-n.a).min(n.a) * (-scale));
  }
}

}  // namespace rlsim::nn

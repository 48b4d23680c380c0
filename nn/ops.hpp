// Differentiable ops on tape values (see tape.hpp for the layout: row-major, batch ×
// features). Each op computes its value at once, records itself on its inputs' tape, and
// has its backward rule next to its forward rule in its family's file (nn/op_list.hpp lists
// the ops and names the files: ops_elementwise.cpp, ops_linear.cpp, ops_reduce.cpp,
// ops_shape.cpp, ops_loss.cpp).
//
// Broadcasting (add, sub, mul, div, minimum, maximum): each operand is either of the
// output's shape, a 1×C row (repeated over rows), an R×1 column (repeated over columns)
// or a 1×1 scalar; anything else is an Error naming both shapes. The gradient of a
// broadcast operand is summed over the repeated dimension.
//
// Axis convention (as numpy's with keepdims): axis 0 reduces over rows (R×C → 1×C),
// axis 1 over columns (R×C → R×1). softmax/log_softmax normalise along the axis.
//
// Subgradients where the derivative is undefined follow PyTorch 1.13: relu'(0) = 0,
// abs'(0) = 0, clamp passes the gradient where lo ≤ x ≤ hi, minimum/maximum split it
// equally between tied operands, max/min along an axis send it to the first arg-max.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <span>

#include "nn/tape.hpp"

namespace rlsim::nn {

// --- linear algebra ---
Var matmul(Var a, Var b);  // (R×K)(K×C)
// x·W + b with x R×I, W I×O, b 1×O (b may be a default Var: no bias). One node.
Var linear(Var x, Var weight, Var bias);
// tanh(x·W + b) as one node: the values and gradients of tanh(linear(x, W, b)) bit for bit,
// without the pre-activation's value and gradient buffers.
Var linear_tanh(Var x, Var weight, Var bias);
// relu(x·W + b) as one node, the same bit for bit as relu(linear(x, W, b)); the ReLU is applied
// in the product's store and its mask in the bias gradient's pass (issue 20).
Var linear_relu(Var x, Var weight, Var bias);

// --- elementwise with broadcasting ---
Var add(Var a, Var b);
Var sub(Var a, Var b);
Var mul(Var a, Var b);
Var div(Var a, Var b);
Var minimum(Var a, Var b);
Var maximum(Var a, Var b);

// --- elementwise, one input ---
Var affine(Var x, float scale, float shift);  // scale·x + shift
Var neg(Var x);
Var exp(Var x);
Var log(Var x);
Var pow(Var x, float exponent);
Var square(Var x);
Var sqrt(Var x);
Var abs(Var x);
Var clamp(Var x, float lo, float hi);
Var relu(Var x);
Var leaky_relu(Var x, float negative_slope = 0.01f);
Var tanh(Var x);
Var sigmoid(Var x);
Var softplus(Var x);  // log(1 + eˣ)
Var elu(Var x, float alpha = 1.0f);

// --- reductions and axis ops ---
Var sum(Var x);  // 1×1
Var mean(Var x);
Var sum(Var x, int axis);
Var mean(Var x, int axis);
Var max(Var x, int axis);
Var min(Var x, int axis);
Var softmax(Var x, int axis);
Var log_softmax(Var x, int axis);
Var logsumexp(Var x, int axis);

// --- indexing and shape ---
// out(i) = x(i, index[i]): R×C → R×1 (e.g. Q(s, a) from all actions' values).
Var gather(Var x, std::span<const std::int64_t> index);
Var gather(Var x, std::span<const std::int32_t> index);
Var concat(std::initializer_list<Var> parts, int axis);
Var concat(std::span<const Var> parts, int axis);
// `length` rows (axis 0) or columns (axis 1) from `start`.
Var slice(Var x, int axis, Index start, Index length);
// The same value, treated as a constant: no gradient flows through it.
Var detach(Var x);

// --- fused losses (mean over all elements; 1×1) ---
Var mse_loss(Var prediction, Var target);
// Huber (1964): ½d² for |d| ≤ δ, δ(|d| − ½δ) beyond; d = prediction − target.
Var huber_loss(Var prediction, Var target, float delta = 1.0f);

// --- operators ---
inline Var operator+(Var a, Var b) {
  return add(a, b);
}
inline Var operator-(Var a, Var b) {
  return sub(a, b);
}
inline Var operator*(Var a, Var b) {
  return mul(a, b);
}
inline Var operator/(Var a, Var b) {
  return div(a, b);
}
inline Var operator-(Var x) {
  return neg(x);
}
inline Var operator+(Var x, float s) {
  return affine(x, 1.0f, s);
}
inline Var operator+(float s, Var x) {
  return affine(x, 1.0f, s);
}
inline Var operator-(Var x, float s) {
  return affine(x, 1.0f, -s);
}
inline Var operator-(float s, Var x) {
  return affine(x, -1.0f, s);
}
inline Var operator*(Var x, float s) {
  return affine(x, s, 0.0f);
}
inline Var operator*(float s, Var x) {
  return affine(x, s, 0.0f);
}
inline Var operator/(Var x, float s) {
  return affine(x, 1.0f / s, 0.0f);
}
Var operator/(float s, Var x);  // s / x

}  // namespace rlsim::nn

// The elementwise ops: one input (affine, reciprocal, exp, log, pow, square, sqrt, abs, clamp,
// relu, leaky_relu, tanh, sigmoid, softplus, elu) and two inputs with broadcasting (add,
// sub, mul, div, minimum, maximum). Each op's rule (forward and backward side by side) is
// a struct in ops_elementwise.hpp; this file holds the drivers that apply the rules to tape
// nodes, then each op's public function and backward entry point (op_list.hpp) together.
#include <algorithm>
#include <string>

#include "nn/ops.hpp"
#include "nn/ops_elementwise.hpp"

namespace rlsim::nn {
using namespace detail;

namespace {

// ===================================================================================
// One input: y = f(x) elementwise, with a and b the op's scalar arguments.
// ===================================================================================

template <class OpT>
Var unary(Op op, Var x, float a = 0.0f, float b = 0.0f) {
  Tape& t = x.tape();
  const Node& in = t.node(x);
  const bool rg = in.requires_grad;
  const Index r = in.rows, c = in.cols;
  Var y = t.push(op, r, c, rg);
  Node& out = t.node_at(y.id());
  const Node& src = t.node_at(x.id());
  out.in[0] = x.id();
  out.a = a;
  out.b = b;
  avalue(out) = OpT::f(cavalue(src), a, b);
  return y;
}

template <class OpT>
void unary_backward(Tape& t, Node& n) {
  Node& x = t.node_at(n.in[0]);
  accumulate(x, OpT::df(agrad(n), cavalue(x), cavalue(n), n.a, n.b));
}

// ===================================================================================
// Two inputs with broadcasting (ops.hpp): a full-shape operand is read in place, a row,
// column or scalar one is repeated; the gradient of a repeated operand is summed over the
// repetition.
// ===================================================================================

enum class Bcast { full, row, col, scalar };

Bcast bcast_kind(const Node& x, Index rows, Index cols) {
  if (x.rows == rows && x.cols == cols) return Bcast::full;
  if (x.rows == 1 && x.cols == 1) return Bcast::scalar;
  if (x.rows == 1) return Bcast::row;
  return Bcast::col;
}

// Calls f(line) where line(i, width) is row i of x broadcast to `width` columns.
template <class F>
void with_lines(const Node& x, Bcast kind, F&& f) {
  const float* d = x.value;
  const Index c = x.cols;
  switch (kind) {
    case Bcast::full:
      f([d, c](Index i, Index w) { return ConstRowMap(d + i * c, w); });
      break;
    case Bcast::row:
      f([d](Index, Index w) { return ConstRowMap(d, w); });
      break;
    case Bcast::col:
      f([d](Index i, Index w) { return RowArray::Constant(w, d[i]); });
      break;
    case Bcast::scalar:
      f([d](Index, Index w) { return RowArray::Constant(w, d[0]); });
      break;
  }
}

// Adds a full-shape row contribution into a broadcast operand's gradient.
template <class Expr>
void sink(Node& x, Bcast kind, Index i, const Expr& e) {
  switch (kind) {
    case Bcast::full:
      RowMap(x.grad + i * x.cols, x.cols) += e;
      break;
    case Bcast::row:
      RowMap(x.grad, x.cols) += e;
      break;
    case Bcast::col:
      x.grad[i] += e.sum();
      break;
    case Bcast::scalar:
      x.grad[0] += e.sum();
      break;
  }
}

template <class OpT>
Var binary(Op op, const char* name, Var a, Var b) {
  Tape& t = tape_of(a, b);
  const Node& na = t.node(a);
  const Node& nb = t.node(b);
  const Index rows = std::max(na.rows, nb.rows), cols = std::max(na.cols, nb.cols);
  auto fits = [&](const Node& n) {
    return (n.rows == rows || n.rows == 1) && (n.cols == cols || n.cols == 1);
  };
  if (!fits(na) || !fits(nb)) {
    throw Error(std::string("nn::") + name + ": shapes " + shape_of(na) + " and " + shape_of(nb) +
                " do not broadcast; each dimension must be equal or 1 in one operand");
  }
  const bool rg = na.requires_grad || nb.requires_grad;
  Var y = t.push(op, rows, cols, rg);
  Node& out = t.node_at(y.id());
  const Node& x0 = t.node_at(a.id());
  const Node& x1 = t.node_at(b.id());
  out.in[0] = a.id();
  out.in[1] = b.id();
  const Bcast ka = bcast_kind(x0, rows, cols), kb = bcast_kind(x1, rows, cols);
  if (ka != Bcast::row && ka != Bcast::col && kb != Bcast::row && kb != Bcast::col) {
    // No row/column broadcast: one flat vectorised loop.
    const Index n = rows * cols;
    with_lines(x0, ka == Bcast::full ? Bcast::full : Bcast::scalar, [&](auto la) {
      with_lines(x1, kb == Bcast::full ? Bcast::full : Bcast::scalar,
                 [&](auto lb) { RowMap(out.value, n) = OpT::f(la(0, n), lb(0, n)); });
    });
    return y;
  }
  with_lines(x0, ka, [&](auto la) {
    with_lines(x1, kb, [&](auto lb) {
      for (Index i = 0; i < rows; ++i) {
        RowMap(out.value + i * cols, cols) = OpT::f(la(i, cols), lb(i, cols));
      }
    });
  });
  return y;
}

template <class OpT>
void binary_backward(Tape& t, Node& n) {
  Node& x0 = t.node_at(n.in[0]);
  Node& x1 = t.node_at(n.in[1]);
  const Index rows = n.rows, cols = n.cols;
  const Bcast ka = bcast_kind(x0, rows, cols), kb = bcast_kind(x1, rows, cols);
  if (x0.requires_grad) grad_for_scatter(x0);
  if (x1.requires_grad) grad_for_scatter(x1);
  with_lines(x0, ka, [&](auto la) {
    with_lines(x1, kb, [&](auto lb) {
      for (Index i = 0; i < rows; ++i) {
        const ConstRowMap g(n.grad + i * cols, cols);
        const ConstRowMap y(n.value + i * cols, cols);
        if (x0.requires_grad) sink(x0, ka, i, OpT::da(g, la(i, cols), lb(i, cols), y));
        if (x1.requires_grad) sink(x1, kb, i, OpT::db(g, la(i, cols), lb(i, cols), y));
      }
    });
  });
}

// Same-shape fast path of binary_backward: whole-array expressions, no zeroing pass.
template <class OpT>
bool binary_backward_flat(Tape& t, Node& n) {
  Node& x0 = t.node_at(n.in[0]);
  Node& x1 = t.node_at(n.in[1]);
  if (x0.rows != n.rows || x0.cols != n.cols || x1.rows != n.rows || x1.cols != n.cols) {
    return false;
  }
  const Index size = n.rows * n.cols;
  const ConstRowMap g(n.grad, size), y(n.value, size), a(x0.value, size), b(x1.value, size);
  auto acc = [&](Node& x, const auto& e) {
    if (!x.requires_grad) return;
    RowMap gx(x.grad, size);
    if (x.grad_ready) {
      gx += e;
    } else {
      gx = e;
      x.grad_ready = true;
    }
  };
  acc(x0, OpT::da(g, a, b, y));
  acc(x1, OpT::db(g, a, b, y));
  return true;
}

template <class OpT>
void binary_backward_any(Tape& t, Node& n) {
  if (!binary_backward_flat<OpT>(t, n)) binary_backward<OpT>(t, n);
}

}  // namespace

// ===================================================================================
// Each op: its public function, then its backward entry point.
// ===================================================================================

Var affine(Var x, float scale, float shift) {
  return unary<AffineOp>(Op::affine, x, scale, shift);
}
Var neg(Var x) {
  return affine(x, -1.0f, 0.0f);
}
void detail::affine_backward(Tape& t, Node& n) {
  unary_backward<AffineOp>(t, n);
}

Var operator/(float s, Var x) {
  return unary<ReciprocalOp>(Op::reciprocal, x, s);
}
void detail::reciprocal_backward(Tape& t, Node& n) {
  unary_backward<ReciprocalOp>(t, n);
}

Var exp(Var x) {
  return unary<ExpOp>(Op::exp, x);
}
void detail::exp_backward(Tape& t, Node& n) {
  unary_backward<ExpOp>(t, n);
}

Var log(Var x) {
  return unary<LogOp>(Op::log, x);
}
void detail::log_backward(Tape& t, Node& n) {
  unary_backward<LogOp>(t, n);
}

Var pow(Var x, float exponent) {
  return unary<PowOp>(Op::pow, x, exponent);
}
void detail::pow_backward(Tape& t, Node& n) {
  unary_backward<PowOp>(t, n);
}

Var square(Var x) {
  return unary<SquareOp>(Op::square, x);
}
void detail::square_backward(Tape& t, Node& n) {
  unary_backward<SquareOp>(t, n);
}

Var sqrt(Var x) {
  return unary<SqrtOp>(Op::sqrt, x);
}
void detail::sqrt_backward(Tape& t, Node& n) {
  unary_backward<SqrtOp>(t, n);
}

Var abs(Var x) {
  return unary<AbsOp>(Op::abs, x);
}
void detail::abs_backward(Tape& t, Node& n) {
  unary_backward<AbsOp>(t, n);
}

Var clamp(Var x, float lo, float hi) {
  if (!(lo <= hi)) {
    throw Error("nn::clamp: lo = " + std::to_string(lo) + " is above hi = " + std::to_string(hi) +
                "; need lo ≤ hi");
  }
  return unary<ClampOp>(Op::clamp, x, lo, hi);
}
void detail::clamp_backward(Tape& t, Node& n) {
  unary_backward<ClampOp>(t, n);
}

Var relu(Var x) {
  return unary<ReluOp>(Op::relu, x);
}
void detail::relu_backward(Tape& t, Node& n) {
  unary_backward<ReluOp>(t, n);
}

Var leaky_relu(Var x, float negative_slope) {
  return unary<LeakyReluOp>(Op::leaky_relu, x, negative_slope);
}
void detail::leaky_relu_backward(Tape& t, Node& n) {
  unary_backward<LeakyReluOp>(t, n);
}

Var tanh(Var x) {
  return unary<TanhOp>(Op::tanh, x);
}
void detail::tanh_backward(Tape& t, Node& n) {
  unary_backward<TanhOp>(t, n);
}

Var sigmoid(Var x) {
  return unary<SigmoidOp>(Op::sigmoid, x);
}
void detail::sigmoid_backward(Tape& t, Node& n) {
  unary_backward<SigmoidOp>(t, n);
}

Var softplus(Var x) {
  return unary<SoftplusOp>(Op::softplus, x);
}
void detail::softplus_backward(Tape& t, Node& n) {
  unary_backward<SoftplusOp>(t, n);
}

Var elu(Var x, float alpha) {
  return unary<EluOp>(Op::elu, x, alpha);
}
void detail::elu_backward(Tape& t, Node& n) {
  unary_backward<EluOp>(t, n);
}

Var add(Var a, Var b) {
  return binary<AddOp>(Op::add, "add", a, b);
}
void detail::add_backward(Tape& t, Node& n) {
  binary_backward_any<AddOp>(t, n);
}

Var sub(Var a, Var b) {
  return binary<SubOp>(Op::sub, "sub", a, b);
}
void detail::sub_backward(Tape& t, Node& n) {
  binary_backward_any<SubOp>(t, n);
}

Var mul(Var a, Var b) {
  return binary<MulOp>(Op::mul, "mul", a, b);
}
void detail::mul_backward(Tape& t, Node& n) {
  binary_backward_any<MulOp>(t, n);
}

Var div(Var a, Var b) {
  return binary<DivOp>(Op::div, "div", a, b);
}
void detail::div_backward(Tape& t, Node& n) {
  binary_backward_any<DivOp>(t, n);
}

Var minimum(Var a, Var b) {
  return binary<MinimumOp>(Op::minimum, "minimum", a, b);
}
void detail::minimum_backward(Tape& t, Node& n) {
  binary_backward_any<MinimumOp>(t, n);
}

Var maximum(Var a, Var b) {
  return binary<MaximumOp>(Op::maximum, "maximum", a, b);
}
void detail::maximum_backward(Tape& t, Node& n) {
  binary_backward_any<MaximumOp>(t, n);
}

}  // namespace rlsim::nn

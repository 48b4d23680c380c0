// The reductions and axis ops: sum and mean (of all elements, or along an axis), max and min
// along an axis, and the softmax family (softmax, log_softmax, logsumexp) along an axis.
// Each op: its forward (helpers, then the public functions), then its backward rule.
#include <cmath>
#include <cstdint>
#include <string>

#include "nn/ops.hpp"
#include "nn/ops_detail.hpp"

namespace rlsim::nn {
using namespace detail;

// --- sum / mean of all elements: y = a·Σx;  ∂L/∂x = a·g everywhere ---
namespace {
Var sum_all(Var x, float scale) {
  Tape& t = x.tape();
  const bool rg = t.node(x).requires_grad;
  Var y = t.push(Op::sum, 1, 1, rg);
  Node& out = t.node_at(y.id());
  const Node& in = t.node_at(x.id());
  out.in[0] = x.id();
  out.a = scale;
  out.value[0] = cavalue(in).sum() * scale;
  return y;
}
}  // namespace

Var sum(Var x) {
  return sum_all(x, 1.0f);
}
Var mean(Var x) {
  const Node& n = x.tape().node(x);
  return sum_all(x, 1.0f / static_cast<float>(n.rows * n.cols));
}
void detail::sum_backward(Tape& t, Node& n) {
  Node& x = t.node_at(n.in[0]);
  accumulate(x, Array::Constant(x.rows, x.cols, n.grad[0] * n.a));
}

// --- sum / mean along an axis: y_i = a·Σ_j x_ij;  ∂L/∂x_ij = a·g_i ---
namespace {
Var sum_axis(Var x, int axis, float scale_numerator, bool mean) {
  check_axis(mean ? "mean" : "sum", axis);
  Tape& t = x.tape();
  const Node& in0 = t.node(x);
  const Index rows = axis == 0 ? 1 : in0.rows, cols = axis == 0 ? in0.cols : 1;
  const Index n_reduced = axis == 0 ? in0.rows : in0.cols;
  const float scale = mean ? scale_numerator / static_cast<float>(n_reduced) : scale_numerator;
  Var y = t.push(Op::sum_axis, rows, cols, in0.requires_grad);
  Node& out = t.node_at(y.id());
  const Node& in = t.node_at(x.id());
  out.in[0] = x.id();
  out.axis = axis;
  out.a = scale;
  const ConstMatrixMap xv = cvalue_of(in);
  if (axis == 1) {
    for (Index i = 0; i < in.rows; ++i) out.value[i] = xv.row(i).sum() * scale;
  } else {
    RowMap o(out.value, in.cols);
    o.setZero();
    for (Index i = 0; i < in.rows; ++i) o += ConstRowMap(in.value + i * in.cols, in.cols);
    o *= scale;
  }
  return y;
}
}  // namespace

Var sum(Var x, int axis) {
  return sum_axis(x, axis, 1.0f, false);
}
Var mean(Var x, int axis) {
  return sum_axis(x, axis, 1.0f, true);
}
void detail::sum_axis_backward(Tape& t, Node& n) {
  Node& x = t.node_at(n.in[0]);
  if (!x.requires_grad) return;
  ArrayMap gx = grad_for_scatter(x);
  if (n.axis == 1) {
    for (Index i = 0; i < x.rows; ++i) gx.row(i) += n.grad[i] * n.a;
  } else {
    const ConstRowMap g(n.grad, x.cols);
    for (Index i = 0; i < x.rows; ++i) RowMap(x.grad + i * x.cols, x.cols) += g * n.a;
  }
}

// --- max / min along an axis: y_i = x_{i,k(i)} with k(i) the first arg-max (arg-min);
//     ∂L/∂x_{i,k(i)} = g_i, zero elsewhere. The arg-max indices are kept on the tape. ---
namespace {
template <int Axis>
void extreme_forward(const Node& in, Node& out, std::int32_t* arg, bool is_max) {
  const ConstMatrixMap xv = cvalue_of(in);
  for (Index i = 0; i < lines_of<Axis>(in); ++i) {
    Index k = 0;
    const auto l = line<Axis>(xv, i);
    out.value[i] = is_max ? l.maxCoeff(&k) : l.minCoeff(&k);
    arg[i] = static_cast<std::int32_t>(k);
  }
}

Var extreme(Var x, int axis, bool is_max) {
  check_axis(is_max ? "max" : "min", axis);
  Tape& t = x.tape();
  const Node& in0 = t.node(x);
  if (in0.rows == 0 || in0.cols == 0) {
    throw Error(std::string("nn::") + (is_max ? "max" : "min") + ": the input is " + shape_of(in0) +
                "; it must not be empty");
  }
  const Index rows = axis == 0 ? 1 : in0.rows, cols = axis == 0 ? in0.cols : 1;
  Var y = t.push(is_max ? Op::max_axis : Op::min_axis, rows, cols, in0.requires_grad);
  const std::int32_t off = t.push_ints(static_cast<std::size_t>(rows * cols));
  Node& out = t.node_at(y.id());
  const Node& in = t.node_at(x.id());
  out.in[0] = x.id();
  out.axis = axis;
  out.start = off;
  out.count = static_cast<std::int32_t>(rows * cols);
  if (axis == 1) {
    extreme_forward<1>(in, out, t.ints(off), is_max);
  } else {
    extreme_forward<0>(in, out, t.ints(off), is_max);
  }
  return y;
}
}  // namespace

Var max(Var x, int axis) {
  return extreme(x, axis, true);
}
Var min(Var x, int axis) {
  return extreme(x, axis, false);
}
void detail::extreme_backward(Tape& t, Node& n) {
  Node& x = t.node_at(n.in[0]);
  if (!x.requires_grad) return;
  ArrayMap gx = grad_for_scatter(x);
  const std::int32_t* arg = t.ints(n.start);
  for (Index i = 0; i < n.count; ++i) {
    if (n.axis == 1) {
      gx(i, arg[i]) += n.grad[i];
    } else {
      gx(arg[i], i) += n.grad[i];
    }
  }
}

// --- softmax / log-softmax / logsumexp along an axis (max-shifted for stability) ---
//   softmax:      y = e^(x−m)/Σe^(x−m);      ∂L/∂x = y ⊙ (g − Σ g⊙y)
//   log_softmax:  y = x − lse(x);             ∂L/∂x = g − e^y Σ g
//   logsumexp:    y = m + log Σ e^(x−m);      ∂L/∂x = g ⊙ e^(x−y)
namespace {
// Two columns along axis 1 (a two-action policy's logits, row-major so each row is two
// adjacent floats): the general loop's operations on scalars, without Eigen's dynamic-size
// reductions, and without the exponential of the maximum's own x − m, which is exp(0) = 1
// exactly whenever m is finite. The same bits as the general loop (test `nn: two-column
// softmax and log_softmax equal the general loop bit for bit, log_softmax's backward too`).
void softmax_forward_pairs(const Node& in, Node& out, Op kind) {
  const float* x = in.value;
  float* y = out.value;
  for (Index i = 0; i < in.rows; ++i, x += 2, y += 2) {
    const float m = x[0] < x[1] ? x[1] : x[0];  // Eigen's maxCoeff: std::max(x0, x1)
    float e0, e1;
    if (std::isfinite(m)) {
      const bool first = !(x[0] < x[1]);  // which one m is
      e0 = first ? 1.0f : std::exp(x[0] - m);
      e1 = first ? std::exp(x[1] - m) : 1.0f;
    } else {
      e0 = std::exp(x[0] - m);
      e1 = std::exp(x[1] - m);
    }
    const float s = e0 + e1;
    if (kind == Op::softmax) {
      y[0] = e0 / s;
      y[1] = e1 / s;
    } else {
      const float shift = m + std::log(s);
      y[0] = x[0] - shift;
      y[1] = x[1] - shift;
    }
  }
}

template <int Axis>
void softmax_forward(const Node& in, Node& out, Op kind) {
  if (Axis == 1 && in.cols == 2 && kind != Op::logsumexp) {
    softmax_forward_pairs(in, out, kind);
    return;
  }
  const ConstMatrixMap xv = cvalue_of(in);
  MatrixMap yv = value_of(out);
  for (Index i = 0; i < lines_of<Axis>(in); ++i) {
    const auto x = line<Axis>(xv, i).array();
    const float m = x.maxCoeff();
    if (kind == Op::logsumexp) {
      out.value[i] = m + std::log((x - m).exp().sum());
      continue;
    }
    auto y = line<Axis>(yv, i).array();
    y = (x - m).exp();
    const float s = y.sum();
    if (kind == Op::softmax) {
      y /= s;
    } else {
      y = x - (m + std::log(s));
    }
  }
}

// The backward of log_softmax over two columns: the general loop's expression on the two
// scalars. (softmax keeps the general loop: which product of its two-term sum a compiler
// fuses into an FMA is not fixed by the source.)
void log_softmax_backward_pairs(Node& x, const Node& n) {
  const float* y = n.value;
  const float* g = n.grad;
  float* gx = x.grad;
  for (Index i = 0; i < x.rows; ++i, y += 2, g += 2, gx += 2) {
    const float s = g[0] + g[1];
    gx[0] += g[0] - std::exp(y[0]) * s;
    gx[1] += g[1] - std::exp(y[1]) * s;
  }
}

template <int Axis>
void softmax_backward_lines(Node& x, const Node& n) {
  if (Axis == 1 && x.cols == 2 && n.op == Op::log_softmax) {
    log_softmax_backward_pairs(x, n);
    return;
  }
  const ConstMatrixMap yv = cvalue_of(n);
  const ConstMatrixMap xv = cvalue_of(x);
  const ConstMatrixMap gv(n.grad, n.rows, n.cols);
  MatrixMap gx = grad_of(x);
  for (Index i = 0; i < lines_of<Axis>(x); ++i) {
    auto gxi = line<Axis>(gx, i).array();
    if (n.op == Op::logsumexp) {
      gxi += n.grad[i] * (line<Axis>(xv, i).array() - n.value[i]).exp();
      continue;
    }
    const auto y = line<Axis>(yv, i).array();
    const auto g = line<Axis>(gv, i).array();
    if (n.op == Op::softmax) {
      gxi += y * (g - (g * y).sum());
    } else {
      gxi += g - y.exp() * g.sum();
    }
  }
}

Var softmax_like(Var x, int axis, Op kind, const char* name) {
  check_axis(name, axis);
  Tape& t = x.tape();
  const Node& in0 = t.node(x);
  if (in0.rows == 0 || in0.cols == 0) {
    throw Error(std::string("nn::") + name + ": the input is " + shape_of(in0) +
                "; it must not be empty");
  }
  Index rows = in0.rows, cols = in0.cols;
  if (kind == Op::logsumexp) (axis == 0 ? rows : cols) = 1;
  Var y = t.push(kind, rows, cols, in0.requires_grad);
  Node& out = t.node_at(y.id());
  const Node& in = t.node_at(x.id());
  out.in[0] = x.id();
  out.axis = axis;
  if (axis == 1) {
    softmax_forward<1>(in, out, kind);
  } else {
    softmax_forward<0>(in, out, kind);
  }
  return y;
}
}  // namespace

Var softmax(Var x, int axis) {
  return softmax_like(x, axis, Op::softmax, "softmax");
}
Var log_softmax(Var x, int axis) {
  return softmax_like(x, axis, Op::log_softmax, "log_softmax");
}
Var logsumexp(Var x, int axis) {
  return softmax_like(x, axis, Op::logsumexp, "logsumexp");
}
void detail::softmax_backward(Tape& t, Node& n) {
  Node& x = t.node_at(n.in[0]);
  if (!x.requires_grad) return;
  grad_for_scatter(x);
  if (n.axis == 1) {
    softmax_backward_lines<1>(x, n);
  } else {
    softmax_backward_lines<0>(x, n);
  }
}

}  // namespace rlsim::nn

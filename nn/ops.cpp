// Each op: its forward (the public function) and its backward rule side by side.
// backward_node() at the end dispatches on the node's Op with one switch: no virtual
// call, no std::function, no allocation.
#include "nn/ops.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "nn/gemm.hpp"

namespace rlsim::nn {
namespace {

using Array = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowArray = Eigen::Array<float, 1, Eigen::Dynamic>;
using ArrayMap = Eigen::Map<Array>;
using ConstArrayMap = Eigen::Map<const Array>;
using RowMap = Eigen::Map<RowArray>;
using ConstRowMap = Eigen::Map<const RowArray>;

MatrixMap value_of(Node& n) {
  return MatrixMap(n.value, n.rows, n.cols);
}
ConstMatrixMap cvalue_of(const Node& n) {
  return ConstMatrixMap(n.value, n.rows, n.cols);
}
MatrixMap grad_of(Node& n) {
  return MatrixMap(n.grad, n.rows, n.cols);
}
ArrayMap avalue(Node& n) {
  return ArrayMap(n.value, n.rows, n.cols);
}
ConstArrayMap cavalue(const Node& n) {
  return ConstArrayMap(n.value, n.rows, n.cols);
}
ArrayMap agrad(Node& n) {
  return ArrayMap(n.grad, n.rows, n.cols);
}

Tape& tape_of(Var a, Var b) {
  Tape& t = a.tape();
  if (&b.tape() != &t) {
    throw Error("nn: the inputs of an op come from different tapes; record them on one tape");
  }
  return t;
}

std::string shape_of(const Node& n) {
  return shape_string(n.rows, n.cols);
}

void check_axis(const char* op, int axis) {
  if (axis != 0 && axis != 1) {
    throw Error(std::string("nn::") + op + ": axis " + std::to_string(axis) +
                " is not valid; use 0 (over rows) or 1 (over columns)");
  }
}

// Adds `e` (an array expression of the node's shape) into the node's gradient; the first
// contribution of a backward pass assigns, so gradients need no zeroing pass.
template <class Expr>
void accumulate(Node& n, const Expr& e) {
  if (!n.requires_grad) return;
  if (n.grad_ready) {
    agrad(n) += e;
  } else {
    agrad(n) = e;
    n.grad_ready = true;
  }
}

// For scatter-style contributions (+= into parts): zeroes the gradient on first use.
ArrayMap grad_for_scatter(Node& n) {
  if (!n.grad_ready) {
    agrad(n).setZero();
    n.grad_ready = true;
  }
  return agrad(n);
}

// ===================================================================================
// Elementwise ops with one input. Each struct holds the forward f(x) and the backward
// df(g, x, y) = ∂L/∂x given g = ∂L/∂y, as Eigen array expressions; a and b are the op's
// scalar arguments.
// ===================================================================================

struct AffineOp {  // y = a·x + b
  static auto f(const auto& x, float a, float b) { return x * a + b; }
  static auto df(const auto& g, const auto&, const auto&, float a, float) { return g * a; }
};
struct ReciprocalOp {  // y = a / x;  dy/dx = −a/x² = −y/x
  static auto f(const auto& x, float a, float) { return a / x; }
  static auto df(const auto& g, const auto& x, const auto& y, float, float) { return -g * y / x; }
};
struct ExpOp {  // dy/dx = y
  static auto f(const auto& x, float, float) { return x.exp(); }
  static auto df(const auto& g, const auto&, const auto& y, float, float) { return g * y; }
};
struct LogOp {  // dy/dx = 1/x
  static auto f(const auto& x, float, float) { return x.log(); }
  static auto df(const auto& g, const auto& x, const auto&, float, float) { return g / x; }
};
struct PowOp {  // y = x^a;  dy/dx = a·x^(a−1)
  static auto f(const auto& x, float a, float) { return x.pow(a); }
  static auto df(const auto& g, const auto& x, const auto&, float a, float) {
    return g * a * x.pow(a - 1.0f);
  }
};
struct SquareOp {
  static auto f(const auto& x, float, float) { return x.square(); }
  static auto df(const auto& g, const auto& x, const auto&, float, float) { return g * 2.0f * x; }
};
struct SqrtOp {  // dy/dx = 1/(2y)
  static auto f(const auto& x, float, float) { return x.sqrt(); }
  static auto df(const auto& g, const auto&, const auto& y, float, float) { return g * 0.5f / y; }
};
struct AbsOp {  // dy/dx = sign(x), 0 at 0
  static auto f(const auto& x, float, float) { return x.abs(); }
  static auto df(const auto& g, const auto& x, const auto&, float, float) { return g * x.sign(); }
};
struct ClampOp {  // y = min(max(x, a), b); gradient passes where a ≤ x ≤ b
  static auto f(const auto& x, float a, float b) { return x.max(a).min(b); }
  static auto df(const auto& g, const auto& x, const auto&, float a, float b) {
    return ((x >= a) && (x <= b)).select(g, 0.0f);
  }
};
struct ReluOp {
  static auto f(const auto& x, float, float) { return x.max(0.0f); }
  static auto df(const auto& g, const auto& x, const auto&, float, float) {
    return (x > 0.0f).select(g, 0.0f);
  }
};
struct LeakyReluOp {  // slope a below 0 (Maas et al. 2013)
  static auto f(const auto& x, float a, float) { return (x > 0.0f).select(x, x * a); }
  static auto df(const auto& g, const auto& x, const auto&, float a, float) {
    return (x > 0.0f).select(g, g * a);
  }
};
struct TanhOp {  // dy/dx = 1 − y²
  static auto f(const auto& x, float, float) { return x.tanh(); }
  static auto df(const auto& g, const auto&, const auto& y, float, float) {
    return g * (1.0f - y.square());
  }
};
struct SigmoidOp {  // dy/dx = y(1 − y)
  static auto f(const auto& x, float, float) { return x.logistic(); }
  static auto df(const auto& g, const auto&, const auto& y, float, float) {
    return g * y * (1.0f - y);
  }
};
struct SoftplusOp {  // log(1 + eˣ) = max(x, 0) + log1p(e^−|x|), stable; dy/dx = σ(x)
  static auto f(const auto& x, float, float) { return x.max(0.0f) + (-x.abs()).exp().log1p(); }
  static auto df(const auto& g, const auto& x, const auto&, float, float) {
    return g * x.logistic();
  }
};
struct EluOp {  // Clevert et al. 2016: x > 0 ? x : a(eˣ − 1); dy/dx = x > 0 ? 1 : y + a
  static auto f(const auto& x, float a, float) {
    return (x > 0.0f).select(x, (x.exp() - 1.0f) * a);
  }
  static auto df(const auto& g, const auto& x, const auto& y, float a, float) {
    return (x > 0.0f).select(g, g * (y + a));
  }
};

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
// Elementwise ops with two inputs and broadcasting. f(a, b) is the forward; da and db
// give ∂L/∂a and ∂L/∂b at full output shape from g = ∂L/∂y (and y).
// ===================================================================================

struct AddOp {
  static auto f(const auto& a, const auto& b) { return a + b; }
  static auto da(const auto& g, const auto&, const auto&, const auto&) { return g; }
  static auto db(const auto& g, const auto&, const auto&, const auto&) { return g; }
};
struct SubOp {
  static auto f(const auto& a, const auto& b) { return a - b; }
  static auto da(const auto& g, const auto&, const auto&, const auto&) { return g; }
  static auto db(const auto& g, const auto&, const auto&, const auto&) { return -g; }
};
struct MulOp {
  static auto f(const auto& a, const auto& b) { return a * b; }
  static auto da(const auto& g, const auto&, const auto& b, const auto&) { return g * b; }
  static auto db(const auto& g, const auto& a, const auto&, const auto&) { return g * a; }
};
struct DivOp {  // y = a/b; ∂y/∂a = 1/b, ∂y/∂b = −y/b
  static auto f(const auto& a, const auto& b) { return a / b; }
  static auto da(const auto& g, const auto&, const auto& b, const auto&) { return g / b; }
  static auto db(const auto& g, const auto&, const auto& b, const auto& y) { return -g * y / b; }
};
struct MinimumOp {  // ties split the gradient equally (PyTorch 1.13)
  static auto f(const auto& a, const auto& b) { return a.min(b); }
  static auto da(const auto& g, const auto& a, const auto& b, const auto&) {
    return (a < b).select(g, (a == b).select(g * 0.5f, 0.0f));
  }
  static auto db(const auto& g, const auto& a, const auto& b, const auto&) {
    return (b < a).select(g, (a == b).select(g * 0.5f, 0.0f));
  }
};
struct MaximumOp {
  static auto f(const auto& a, const auto& b) { return a.max(b); }
  static auto da(const auto& g, const auto& a, const auto& b, const auto&) {
    return (a > b).select(g, (a == b).select(g * 0.5f, 0.0f));
  }
  static auto db(const auto& g, const auto& a, const auto& b, const auto&) {
    return (b > a).select(g, (a == b).select(g * 0.5f, 0.0f));
  }
};

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

// Picks row i (axis 1) or column i (axis 0) of a matrix expression.
template <int Axis, class M>
auto line(M&& m, Index i) {
  if constexpr (Axis == 1) {
    return m.row(i);
  } else {
    return m.col(i);
  }
}

template <int Axis>
Index lines_of(const Node& n) {
  return Axis == 1 ? n.rows : n.cols;
}

// out (row-major, op(lhs).rows × op(rhs).cols) = op(lhs)·op(rhs) (+ bias, a row added to
// every row), or out += op(lhs)·op(rhs) when `accumulate`; op transposes when its flag is
// set. The operands are row-major buffers of the given shapes. nn/gemm.hpp takes the
// shapes it is faster on; Eigen the others.
void product(float* out, const float* lhs, Index lhs_rows, Index lhs_cols, bool lhs_transposed,
             const float* rhs, Index rhs_rows, Index rhs_cols, bool rhs_transposed, bool accumulate,
             const float* bias = nullptr, bool tanh_out = false) {
  const Index m = lhs_transposed ? lhs_cols : lhs_rows, k = lhs_transposed ? lhs_rows : lhs_cols;
  const Index n = rhs_transposed ? rhs_rows : rhs_cols;
  if (accumulate) bias = nullptr;
  if (tanh_out) {
    // Applied after the product, in place. (Applying Eigen's packet tanh to the GEMM kernel's
    // registers before the store was measured slower: ~1.8x the samples of this pass.)
    product(out, lhs, lhs_rows, lhs_cols, lhs_transposed, rhs, rhs_rows, rhs_cols, rhs_transposed,
            accumulate, bias);
    ArrayMap o(out, m, n);
    o = TanhOp::f(o, 0.0f, 0.0f);
    return;
  }
  const Index a_rs = lhs_transposed ? 1 : lhs_cols, a_cs = lhs_transposed ? lhs_cols : 1;
  const Index b_rs = rhs_transposed ? 1 : rhs_cols, b_cs = rhs_transposed ? rhs_cols : 1;
  if (gemm(m, n, k, lhs, a_rs, a_cs, rhs, b_rs, b_cs, out, n, accumulate, bias) ||
      gemm_narrow(m, n, k, lhs, a_rs, a_cs, rhs, b_rs, b_cs, out, n, accumulate, bias)) {
    return;
  }
  if (bias != nullptr) {
    // Start from the bias and let the product accumulate: one pass less than y = x·W; y += b.
    const ConstRowMap bv(bias, n);
    for (Index i = 0; i < m; ++i) RowMap(out + i * n, n) = bv;
    accumulate = true;
  }
  MatrixMap o(out, m, n);
  const ConstMatrixMap l(lhs, lhs_rows, lhs_cols), r(rhs, rhs_rows, rhs_cols);
  auto run = [&](const auto& a, const auto& b) {
    if (accumulate) {
      o.noalias() += a * b;
    } else {
      o.noalias() = a * b;
    }
  };
  if (lhs_transposed) {
    if (rhs_transposed) {
      run(l.transpose(), r.transpose());
    } else {
      run(l.transpose(), r);
    }
  } else if (rhs_transposed) {
    run(l, r.transpose());
  } else {
    run(l, r);
  }
}

}  // namespace

// ===================================================================================
// Public ops
// ===================================================================================

// --- matmul: y = a·b;  ∂L/∂a = g·bᵀ, ∂L/∂b = aᵀ·g ---
Var matmul(Var a, Var b) {
  Tape& t = tape_of(a, b);
  const Node& na = t.node(a);
  const Node& nb = t.node(b);
  if (na.cols != nb.rows) {
    throw Error("nn::matmul: a is " + shape_of(na) + " and b is " + shape_of(nb) +
                "; a's columns must equal b's rows");
  }
  Var y = t.push(Op::matmul, na.rows, nb.cols, na.requires_grad || nb.requires_grad);
  Node& out = t.node_at(y.id());
  out.in[0] = a.id();
  out.in[1] = b.id();
  const Node& an = t.node_at(a.id());  // na and nb may dangle after push
  const Node& bn = t.node_at(b.id());
  product(out.value, an.value, an.rows, an.cols, false, bn.value, bn.rows, bn.cols, false, false);
  return y;
}

namespace {
// ∂L/∂x (+)= op(lhs)·op(rhs), assigning on the first contribution of a backward pass.
void accumulate_product(Node& x, const float* lhs, Index lhs_rows, Index lhs_cols,
                        bool lhs_transposed, const float* rhs, Index rhs_rows, Index rhs_cols,
                        bool rhs_transposed) {
  if (!x.requires_grad) return;
  product(x.grad, lhs, lhs_rows, lhs_cols, lhs_transposed, rhs, rhs_rows, rhs_cols, rhs_transposed,
          x.grad_ready);
  x.grad_ready = true;
}

void matmul_backward(Tape& t, Node& n) {
  Node& a = t.node_at(n.in[0]);
  Node& b = t.node_at(n.in[1]);
  accumulate_product(a, n.grad, n.rows, n.cols, false, b.value, b.rows, b.cols, true);
  accumulate_product(b, a.value, a.rows, a.cols, true, n.grad, n.rows, n.cols, false);
}
}  // namespace

// --- linear: y = x·W + b;  ∂L/∂x = g·Wᵀ, ∂L/∂W = xᵀ·g, ∂L/∂b = Σ_rows g ---
// --- linear_tanh: y = tanh(x·W + b); the same with g ⊙ (1 − y²) in place of g ---
namespace {
Var linear_node(Op op, Var x, Var weight, Var bias) {
  const char* name = op == Op::linear ? "linear" : "linear_tanh";
  Tape& t = tape_of(x, weight);
  const Node& nx = t.node(x);
  const Node& nw = t.node(weight);
  if (nx.cols != nw.rows) {
    throw Error(std::string("nn::") + name + ": the input is " + shape_of(nx) +
                " and the weight is " + shape_of(nw) +
                "; the input's columns must equal the weight's rows");
  }
  bool rg = nx.requires_grad || nw.requires_grad;
  if (bias.valid()) {
    const Node& nb = t.node(bias);
    if (&bias.tape() != &t || nb.rows != 1 || nb.cols != nw.cols) {
      throw Error(std::string("nn::") + name + ": the bias is " + shape_of(nb) + "; it must be 1×" +
                  std::to_string(nw.cols) + " on the same tape as the input");
    }
    rg = rg || nb.requires_grad;
  }
  Var y = t.push(op, nx.rows, nw.cols, rg);
  Node& out = t.node_at(y.id());
  out.in[0] = x.id();
  out.in[1] = weight.id();
  out.in[2] = bias.valid() ? bias.id() : -1;
  const Node& xn = t.node_at(x.id());
  const Node& wn = t.node_at(weight.id());
  product(out.value, xn.value, xn.rows, xn.cols, false, wn.value, wn.rows, wn.cols, false, false,
          bias.valid() ? t.node_at(bias.id()).value : nullptr, op == Op::linear_tanh);
  if (op == Op::linear_tanh && out.requires_grad)
    out.aux = t.scratch(static_cast<std::size_t>(out.rows * out.cols));
  return y;
}
}  // namespace

Var linear(Var x, Var weight, Var bias) {
  return linear_node(Op::linear, x, weight, bias);
}
Var linear_tanh(Var x, Var weight, Var bias) {
  return linear_node(Op::linear_tanh, x, weight, bias);
}

namespace {
// out[j] += g[0][j] + g[1][j] + … in that order (one rounding per row, as row-by-row adds),
// 8 columns at a time in a register rather than through memory.
void add_column_sums(float* out, const float* g, Index rows, Index cols) {
  using Pack = Eigen::Array<float, 1, 8>;
  Index j = 0;
  for (; j + 8 <= cols; j += 8) {
    Pack acc = Eigen::Map<const Pack>(out + j);
    for (Index i = 0; i < rows; ++i) acc += Eigen::Map<const Pack>(g + i * cols + j);
    Eigen::Map<Pack>(out + j) = acc;
  }
  for (; j < cols; ++j) {
    float acc = out[j];
    for (Index i = 0; i < rows; ++i) acc += g[i * cols + j];
    out[j] = acc;
  }
}

// g: ∂L/∂(x·W + b), n.rows × n.cols.
void linear_backward(Tape& t, Node& n, const float* g) {
  Node& x = t.node_at(n.in[0]);
  Node& w = t.node_at(n.in[1]);
  accumulate_product(x, g, n.rows, n.cols, false, w.value, w.rows, w.cols, true);
  accumulate_product(w, x.value, x.rows, x.cols, true, g, n.rows, n.cols, false);
  if (n.in[2] >= 0) {
    Node& b = t.node_at(n.in[2]);
    if (b.requires_grad) add_column_sums(grad_for_scatter(b).data(), g, n.rows, n.cols);
  }
}
void linear_backward(Tape& t, Node& n) {
  linear_backward(t, n, n.grad);
}
// The pre-activation gradient is TanhOp's df, the expression tanh's own backward assigns.
void linear_tanh_backward(Tape& t, Node& n) {
  ArrayMap(n.aux, n.rows, n.cols) = TanhOp::df(agrad(n), cavalue(n), cavalue(n), 0.0f, 0.0f);
  linear_backward(t, n, n.aux);
}
}  // namespace

Var add(Var a, Var b) {
  return binary<AddOp>(Op::add, "add", a, b);
}
Var sub(Var a, Var b) {
  return binary<SubOp>(Op::sub, "sub", a, b);
}
Var mul(Var a, Var b) {
  return binary<MulOp>(Op::mul, "mul", a, b);
}
Var div(Var a, Var b) {
  return binary<DivOp>(Op::div, "div", a, b);
}
Var minimum(Var a, Var b) {
  return binary<MinimumOp>(Op::minimum, "minimum", a, b);
}
Var maximum(Var a, Var b) {
  return binary<MaximumOp>(Op::maximum, "maximum", a, b);
}

Var affine(Var x, float scale, float shift) {
  return unary<AffineOp>(Op::affine, x, scale, shift);
}
Var neg(Var x) {
  return affine(x, -1.0f, 0.0f);
}
Var operator/(float s, Var x) {
  return unary<ReciprocalOp>(Op::reciprocal, x, s);
}
Var exp(Var x) {
  return unary<ExpOp>(Op::exp, x);
}
Var log(Var x) {
  return unary<LogOp>(Op::log, x);
}
Var pow(Var x, float exponent) {
  return unary<PowOp>(Op::pow, x, exponent);
}
Var square(Var x) {
  return unary<SquareOp>(Op::square, x);
}
Var sqrt(Var x) {
  return unary<SqrtOp>(Op::sqrt, x);
}
Var abs(Var x) {
  return unary<AbsOp>(Op::abs, x);
}
Var clamp(Var x, float lo, float hi) {
  if (!(lo <= hi)) {
    throw Error("nn::clamp: lo = " + std::to_string(lo) + " is above hi = " + std::to_string(hi) +
                "; need lo ≤ hi");
  }
  return unary<ClampOp>(Op::clamp, x, lo, hi);
}
Var relu(Var x) {
  return unary<ReluOp>(Op::relu, x);
}
Var leaky_relu(Var x, float negative_slope) {
  return unary<LeakyReluOp>(Op::leaky_relu, x, negative_slope);
}
Var tanh(Var x) {
  return unary<TanhOp>(Op::tanh, x);
}
Var sigmoid(Var x) {
  return unary<SigmoidOp>(Op::sigmoid, x);
}
Var softplus(Var x) {
  return unary<SoftplusOp>(Op::softplus, x);
}
Var elu(Var x, float alpha) {
  return unary<EluOp>(Op::elu, x, alpha);
}

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
void sum_all_backward(Tape& t, Node& n) {
  Node& x = t.node_at(n.in[0]);
  accumulate(x, Array::Constant(x.rows, x.cols, n.grad[0] * n.a));
}

// --- sum / mean along an axis: y_i = a·Σ_j x_ij;  ∂L/∂x_ij = a·g_i ---
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
void sum_axis_backward(Tape& t, Node& n) {
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
}  // namespace

Var sum(Var x) {
  return sum_all(x, 1.0f);
}
Var mean(Var x) {
  const Node& n = x.tape().node(x);
  return sum_all(x, 1.0f / static_cast<float>(n.rows * n.cols));
}
Var sum(Var x, int axis) {
  return sum_axis(x, axis, 1.0f, false);
}
Var mean(Var x, int axis) {
  return sum_axis(x, axis, 1.0f, true);
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
void extreme_backward(Tape& t, Node& n) {
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
}  // namespace

Var max(Var x, int axis) {
  return extreme(x, axis, true);
}
Var min(Var x, int axis) {
  return extreme(x, axis, false);
}

// --- softmax / log-softmax / logsumexp along an axis (max-shifted for stability) ---
//   softmax:      y = e^(x−m)/Σe^(x−m);      ∂L/∂x = y ⊙ (g − Σ g⊙y)
//   log_softmax:  y = x − lse(x);             ∂L/∂x = g − e^y Σ g
//   logsumexp:    y = m + log Σ e^(x−m);      ∂L/∂x = g ⊙ e^(x−y)
namespace {
template <int Axis>
void softmax_forward(const Node& in, Node& out, Op kind) {
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

template <int Axis>
void softmax_backward_lines(Node& x, const Node& n) {
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

void softmax_backward(Tape& t, Node& n) {
  Node& x = t.node_at(n.in[0]);
  if (!x.requires_grad) return;
  grad_for_scatter(x);
  if (n.axis == 1) {
    softmax_backward_lines<1>(x, n);
  } else {
    softmax_backward_lines<0>(x, n);
  }
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

// --- gather: y_i = x_{i, k_i};  ∂L/∂x_{i, k_i} += g_i ---
namespace {
template <class Int>
Var gather_impl(Var x, std::span<const Int> index) {
  Tape& t = x.tape();
  const Node& in0 = t.node(x);
  if (static_cast<Index>(index.size()) != in0.rows) {
    throw Error("nn::gather: " + std::to_string(index.size()) + " indices for an input of " +
                shape_of(in0) + "; give one column index per row");
  }
  for (std::size_t i = 0; i < index.size(); ++i) {
    if (index[i] < 0 || static_cast<Index>(index[i]) >= in0.cols) {
      throw Error("nn::gather: index " + std::to_string(index[i]) + " at row " + std::to_string(i) +
                  " is outside [0, " + std::to_string(in0.cols) + ")");
    }
  }
  Var y = t.push(Op::gather, in0.rows, 1, in0.requires_grad);
  const std::int32_t off = t.push_ints(index.size());
  Node& out = t.node_at(y.id());
  const Node& in = t.node_at(x.id());
  out.in[0] = x.id();
  out.start = off;
  out.count = static_cast<std::int32_t>(index.size());
  std::int32_t* k = t.ints(off);
  for (std::size_t i = 0; i < index.size(); ++i) {
    k[i] = static_cast<std::int32_t>(index[i]);
    out.value[i] = in.value[static_cast<Index>(i) * in.cols + k[i]];
  }
  return y;
}
void gather_backward(Tape& t, Node& n) {
  Node& x = t.node_at(n.in[0]);
  if (!x.requires_grad) return;
  ArrayMap gx = grad_for_scatter(x);
  const std::int32_t* k = t.ints(n.start);
  for (Index i = 0; i < n.count; ++i) gx(i, k[i]) += n.grad[i];
}
}  // namespace

Var gather(Var x, std::span<const std::int64_t> index) {
  return gather_impl(x, index);
}
Var gather(Var x, std::span<const std::int32_t> index) {
  return gather_impl(x, index);
}

// --- concat along an axis; the gradient of each part is its block of g ---
Var concat(std::initializer_list<Var> parts, int axis) {
  return concat(std::span<const Var>(parts.begin(), parts.size()), axis);
}

Var concat(std::span<const Var> parts, int axis) {
  check_axis("concat", axis);
  if (parts.empty()) throw Error("nn::concat: no parts given; give at least one");
  Tape& t = parts[0].tape();
  const Node& first = t.node(parts[0]);
  Index rows = first.rows, cols = first.cols;
  bool rg = first.requires_grad;
  for (std::size_t p = 1; p < parts.size(); ++p) {
    if (&parts[p].tape() != &t) throw Error("nn::concat: parts come from different tapes");
    const Node& n = t.node(parts[p]);
    const bool ok = axis == 0 ? n.cols == cols : n.rows == rows;
    if (!ok) {
      throw Error("nn::concat: part " + std::to_string(p) + " is " + shape_of(n) +
                  " but part 0 is " + shape_of(first) + "; along axis " + std::to_string(axis) +
                  " their " + (axis == 0 ? "columns" : "rows") + " must match");
    }
    (axis == 0 ? rows : cols) += axis == 0 ? n.rows : n.cols;
    rg = rg || n.requires_grad;
  }
  Var y = t.push(Op::concat, rows, cols, rg);
  const std::int32_t off = t.push_ints(parts.size());
  Node& out = t.node_at(y.id());
  out.axis = axis;
  out.start = off;
  out.count = static_cast<std::int32_t>(parts.size());
  MatrixMap v = value_of(out);
  Index at = 0;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    const Node& n = t.node_at(parts[p].id());
    t.ints(off)[p] = parts[p].id();
    if (axis == 0) {
      v.middleRows(at, n.rows) = cvalue_of(n);
      at += n.rows;
    } else {
      v.middleCols(at, n.cols) = cvalue_of(n);
      at += n.cols;
    }
  }
  return y;
}

namespace {
void concat_backward(Tape& t, Node& n) {
  const ConstMatrixMap g(n.grad, n.rows, n.cols);
  Index at = 0;
  for (std::int32_t p = 0; p < n.count; ++p) {
    Node& x = t.node_at(t.ints(n.start)[p]);
    const Index len = n.axis == 0 ? x.rows : x.cols;
    if (x.requires_grad) {
      if (n.axis == 0) {
        accumulate(x, g.middleRows(at, len).array());
      } else {
        accumulate(x, g.middleCols(at, len).array());
      }
    }
    at += len;
  }
}
}  // namespace

// --- slice: y = block of x;  ∂L/∂x += g in that block ---
Var slice(Var x, int axis, Index start, Index length) {
  check_axis("slice", axis);
  Tape& t = x.tape();
  const Node& in0 = t.node(x);
  const Index extent = axis == 0 ? in0.rows : in0.cols;
  if (start < 0 || length < 0 || start + length > extent) {
    throw Error("nn::slice: [" + std::to_string(start) + ", " + std::to_string(start + length) +
                ") along axis " + std::to_string(axis) + " is outside an input of " +
                shape_of(in0) + "; need 0 ≤ start ≤ start + length ≤ " + std::to_string(extent));
  }
  const Index rows = axis == 0 ? length : in0.rows, cols = axis == 0 ? in0.cols : length;
  Var y = t.push(Op::slice, rows, cols, in0.requires_grad);
  Node& out = t.node_at(y.id());
  const Node& in = t.node_at(x.id());
  out.in[0] = x.id();
  out.axis = axis;
  out.start = static_cast<std::int32_t>(start);
  if (axis == 0) {
    value_of(out) = cvalue_of(in).middleRows(start, length);
  } else {
    value_of(out) = cvalue_of(in).middleCols(start, length);
  }
  return y;
}

namespace {
void slice_backward(Tape& t, Node& n) {
  Node& x = t.node_at(n.in[0]);
  if (!x.requires_grad) return;
  grad_for_scatter(x);
  const ConstMatrixMap g(n.grad, n.rows, n.cols);
  if (n.axis == 0) {
    grad_of(x).middleRows(n.start, n.rows) += g;
  } else {
    grad_of(x).middleCols(n.start, n.cols) += g;
  }
}
}  // namespace

// --- detach: shares the input's value, records no dependency ---
Var detach(Var x) {
  Tape& t = x.tape();
  const Node& in0 = t.node(x);
  Var y = t.push(Op::detach, in0.rows, in0.cols, false);
  Node& out = t.node_at(y.id());
  out.value = t.node_at(x.id()).value;
  return y;
}

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

void loss_backward(Tape& t, Node& n) {
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
}  // namespace

Var mse_loss(Var prediction, Var target) {
  return loss_impl(Op::mse, "mse_loss", prediction, target, 0.0f);
}
Var huber_loss(Var prediction, Var target, float delta) {
  return loss_impl(Op::huber, "huber_loss", prediction, target, delta);
}

// ===================================================================================
// Dispatch
// ===================================================================================

void backward_node(Tape& t, std::int32_t id) {
  Node& n = t.node_at(id);
  switch (n.op) {
    case Op::constant:
    case Op::parameter:
    case Op::detach:
      break;
    case Op::affine:
      unary_backward<AffineOp>(t, n);
      break;
    case Op::reciprocal:
      unary_backward<ReciprocalOp>(t, n);
      break;
    case Op::exp:
      unary_backward<ExpOp>(t, n);
      break;
    case Op::log:
      unary_backward<LogOp>(t, n);
      break;
    case Op::pow:
      unary_backward<PowOp>(t, n);
      break;
    case Op::square:
      unary_backward<SquareOp>(t, n);
      break;
    case Op::sqrt:
      unary_backward<SqrtOp>(t, n);
      break;
    case Op::abs:
      unary_backward<AbsOp>(t, n);
      break;
    case Op::clamp:
      unary_backward<ClampOp>(t, n);
      break;
    case Op::relu:
      unary_backward<ReluOp>(t, n);
      break;
    case Op::leaky_relu:
      unary_backward<LeakyReluOp>(t, n);
      break;
    case Op::tanh:
      unary_backward<TanhOp>(t, n);
      break;
    case Op::sigmoid:
      unary_backward<SigmoidOp>(t, n);
      break;
    case Op::softplus:
      unary_backward<SoftplusOp>(t, n);
      break;
    case Op::elu:
      unary_backward<EluOp>(t, n);
      break;
    case Op::add:
      binary_backward_any<AddOp>(t, n);
      break;
    case Op::sub:
      binary_backward_any<SubOp>(t, n);
      break;
    case Op::mul:
      binary_backward_any<MulOp>(t, n);
      break;
    case Op::div:
      binary_backward_any<DivOp>(t, n);
      break;
    case Op::minimum:
      binary_backward_any<MinimumOp>(t, n);
      break;
    case Op::maximum:
      binary_backward_any<MaximumOp>(t, n);
      break;
    case Op::matmul:
      matmul_backward(t, n);
      break;
    case Op::linear:
      linear_backward(t, n);
      break;
    case Op::linear_tanh:
      linear_tanh_backward(t, n);
      break;
    case Op::sum:
      sum_all_backward(t, n);
      break;
    case Op::sum_axis:
      sum_axis_backward(t, n);
      break;
    case Op::max_axis:
    case Op::min_axis:
      extreme_backward(t, n);
      break;
    case Op::softmax:
    case Op::log_softmax:
    case Op::logsumexp:
      softmax_backward(t, n);
      break;
    case Op::gather:
      gather_backward(t, n);
      break;
    case Op::concat:
      concat_backward(t, n);
      break;
    case Op::slice:
      slice_backward(t, n);
      break;
    case Op::mse:
    case Op::huber:
      loss_backward(t, n);
      break;
  }
}

const char* op_name(Op op) {
  switch (op) {
    case Op::constant:
      return "constant";
    case Op::parameter:
      return "parameter";
    case Op::detach:
      return "detach";
    case Op::affine:
      return "affine";
    case Op::reciprocal:
      return "reciprocal";
    case Op::exp:
      return "exp";
    case Op::log:
      return "log";
    case Op::pow:
      return "pow";
    case Op::square:
      return "square";
    case Op::sqrt:
      return "sqrt";
    case Op::abs:
      return "abs";
    case Op::clamp:
      return "clamp";
    case Op::relu:
      return "relu";
    case Op::leaky_relu:
      return "leaky_relu";
    case Op::tanh:
      return "tanh";
    case Op::sigmoid:
      return "sigmoid";
    case Op::softplus:
      return "softplus";
    case Op::elu:
      return "elu";
    case Op::add:
      return "add";
    case Op::sub:
      return "sub";
    case Op::mul:
      return "mul";
    case Op::div:
      return "div";
    case Op::minimum:
      return "minimum";
    case Op::maximum:
      return "maximum";
    case Op::matmul:
      return "matmul";
    case Op::linear:
      return "linear";
    case Op::linear_tanh:
      return "linear_tanh";
    case Op::sum:
      return "sum";
    case Op::sum_axis:
      return "sum_axis";
    case Op::max_axis:
      return "max_axis";
    case Op::min_axis:
      return "min_axis";
    case Op::softmax:
      return "softmax";
    case Op::log_softmax:
      return "log_softmax";
    case Op::logsumexp:
      return "logsumexp";
    case Op::gather:
      return "gather";
    case Op::concat:
      return "concat";
    case Op::slice:
      return "slice";
    case Op::mse:
      return "mse";
    case Op::huber:
      return "huber";
  }
  return "unknown";
}

}  // namespace rlsim::nn

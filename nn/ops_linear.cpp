// The linear-algebra ops: matmul (y = a·b), linear (y = x·W + b), linear_tanh
// (y = tanh(x·W + b) as one node) and linear_relu (y = max(0, x·W + b) as one node), each
// with its backward rule after its forward. Every
// product, forward or backward, goes through dense_product (nn/product.hpp):
// nn/gemm.hpp's kernels on the shapes they take, Eigen's product on the others.
#include <string>

#include "nn/ops.hpp"
#include "nn/ops_elementwise.hpp"
#include "nn/product.hpp"

namespace rlsim::nn {
using namespace detail;

namespace {

// nn/product.hpp's dense_product (with ReLU in its store when `relu_out`), then tanh in place
// when `tanh_out`.
void product(float* out, const float* lhs, Index lhs_rows, Index lhs_cols, bool lhs_transposed,
             const float* rhs, Index rhs_rows, Index rhs_cols, bool rhs_transposed, bool accumulate,
             const float* bias = nullptr, bool tanh_out = false, bool relu_out = false) {
  dense_product(out, lhs, lhs_rows, lhs_cols, lhs_transposed, rhs, rhs_rows, rhs_cols,
                rhs_transposed, accumulate, bias, relu_out);
  if (tanh_out) {
    // Applied after the product, in place. (Applying Eigen's packet tanh to the GEMM kernel's
    // registers before the store was measured slower: ~1.8x the samples of this pass.)
    const Index m = lhs_transposed ? lhs_cols : lhs_rows;
    const Index n = rhs_transposed ? rhs_rows : rhs_cols;
    ArrayMap o(out, m, n);
    o = TanhOp::f(o, 0.0f, 0.0f);
  }
}

// ∂L/∂x (+)= op(lhs)·op(rhs), assigning on the first contribution of a backward pass.
void accumulate_product(Node& x, const float* lhs, Index lhs_rows, Index lhs_cols,
                        bool lhs_transposed, const float* rhs, Index rhs_rows, Index rhs_cols,
                        bool rhs_transposed) {
  if (!x.requires_grad) return;
  product(x.grad, lhs, lhs_rows, lhs_cols, lhs_transposed, rhs, rhs_rows, rhs_cols, rhs_transposed,
          x.grad_ready);
  x.grad_ready = true;
}

}  // namespace

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
void detail::matmul_backward(Tape& t, Node& n) {
  Node& a = t.node_at(n.in[0]);
  Node& b = t.node_at(n.in[1]);
  accumulate_product(a, n.grad, n.rows, n.cols, false, b.value, b.rows, b.cols, true);
  accumulate_product(b, a.value, a.rows, a.cols, true, n.grad, n.rows, n.cols, false);
}

// --- linear: y = x·W + b;  ∂L/∂x = g·Wᵀ, ∂L/∂W = xᵀ·g, ∂L/∂b = Σ_rows g ---
// --- linear_tanh: y = tanh(x·W + b); the same with g ⊙ (1 − y²) in place of g ---
// --- linear_relu: y = max(0, x·W + b); the same with g ⊙ [y > 0] in place of g ---
namespace {
Var linear_node(Op op, Var x, Var weight, Var bias) {
  const char* name = op_name(op);
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
          bias.valid() ? t.node_at(bias.id()).value : nullptr, op == Op::linear_tanh,
          op == Op::linear_relu);
  if (op != Op::linear && out.requires_grad)
    out.aux = t.scratch(static_cast<std::size_t>(out.rows * out.cols));
  return y;
}

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

// aux = Rule::df(g, y, y) (TanhOp's or ReluOp's df, the same operations element by element)
// and, in the same pass over the rows, out[j] += aux[0][j] + aux[1][j] + … in
// add_column_sums's order (each column summed row after row from out[j]): one pass over the
// rows instead of two. Row by row, so every access is sequential (a column-block order was
// measured 2x slower here). ReluOp's df reads its input x through x > 0, which is y > 0 for
// y = max(0, x) (false for x ≤ 0, −0 and NaN alike), so y stands for x.
template <class Rule>
void df_column_sums(float* aux, float* out, const float* g, const float* y, Index rows,
                    Index cols) {
  Eigen::Map<RowArray> o(out, cols);
  for (Index i = 0; i < rows; ++i) {
    Eigen::Map<RowArray> ai(aux + i * cols, cols);
    const ConstRowMap yi(y + i * cols, cols);
    ai = Rule::df(ConstRowMap(g + i * cols, cols), yi, yi, 0.0f, 0.0f);
    o += ai;
  }
}

// g: ∂L/∂(x·W + b), n.rows × n.cols. With bias_done, the bias gradient is already added.
void linear_backward_from(Tape& t, Node& n, const float* g, bool bias_done = false) {
  Node& x = t.node_at(n.in[0]);
  Node& w = t.node_at(n.in[1]);
  accumulate_product(x, g, n.rows, n.cols, false, w.value, w.rows, w.cols, true);
  accumulate_product(w, x.value, x.rows, x.cols, true, g, n.rows, n.cols, false);
  if (n.in[2] >= 0 && !bias_done) {
    Node& b = t.node_at(n.in[2]);
    if (b.requires_grad) add_column_sums(grad_for_scatter(b).data(), g, n.rows, n.cols);
  }
}

// The backward of linear_tanh and linear_relu: aux = Rule::df of the incoming gradient (with
// the bias gradient in the same pass when the bias takes one), then linear's products on aux.
template <class Rule>
void activated_linear_backward(Tape& t, Node& n) {
  if (n.in[2] >= 0 && t.node_at(n.in[2]).requires_grad) {
    Node& b = t.node_at(n.in[2]);
    df_column_sums<Rule>(n.aux, grad_for_scatter(b).data(), n.grad, n.value, n.rows, n.cols);
    linear_backward_from(t, n, n.aux, true);
    return;
  }
  ArrayMap(n.aux, n.rows, n.cols) = Rule::df(agrad(n), cavalue(n), cavalue(n), 0.0f, 0.0f);
  linear_backward_from(t, n, n.aux);
}
}  // namespace

Var linear(Var x, Var weight, Var bias) {
  return linear_node(Op::linear, x, weight, bias);
}
void detail::linear_backward(Tape& t, Node& n) {
  linear_backward_from(t, n, n.grad);
}

Var linear_tanh(Var x, Var weight, Var bias) {
  return linear_node(Op::linear_tanh, x, weight, bias);
}
// The pre-activation gradient is TanhOp's df, the expression tanh's own backward assigns.
// With a bias that takes a gradient, df_column_sums computes that df and the bias gradient in
// one pass.
void detail::linear_tanh_backward(Tape& t, Node& n) {
  activated_linear_backward<TanhOp>(t, n);
}

Var linear_relu(Var x, Var weight, Var bias) {
  return linear_node(Op::linear_relu, x, weight, bias);
}
// The pre-activation gradient is ReluOp's df (g where the output is positive, +0 elsewhere),
// the expression relu's own backward assigns; the bias gradient sums it in add_column_sums's
// order, so every gradient is relu(linear(...))'s bit for bit.
void detail::linear_relu_backward(Tape& t, Node& n) {
  activated_linear_backward<ReluOp>(t, n);
}

}  // namespace rlsim::nn

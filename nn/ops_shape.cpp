// The indexing and shape ops: gather (one column per row), concat and slice along an axis,
// and detach (the same value with no gradient). Each op: its forward, then its backward rule.
#include <cstdint>
#include <string>

#include "nn/ops.hpp"
#include "nn/ops_detail.hpp"

namespace rlsim::nn {
using namespace detail;

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
}  // namespace

Var gather(Var x, std::span<const std::int64_t> index) {
  return gather_impl(x, index);
}
Var gather(Var x, std::span<const std::int32_t> index) {
  return gather_impl(x, index);
}
void detail::gather_backward(Tape& t, Node& n) {
  Node& x = t.node_at(n.in[0]);
  if (!x.requires_grad) return;
  ArrayMap gx = grad_for_scatter(x);
  const std::int32_t* k = t.ints(n.start);
  for (Index i = 0; i < n.count; ++i) gx(i, k[i]) += n.grad[i];
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
void detail::concat_backward(Tape& t, Node& n) {
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
void detail::slice_backward(Tape& t, Node& n) {
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

// --- detach: shares the input's value, records no dependency ---
Var detach(Var x) {
  Tape& t = x.tape();
  const Node& in0 = t.node(x);
  Var y = t.push(Op::detach, in0.rows, in0.cols, false);
  Node& out = t.node_at(y.id());
  out.value = t.node_at(x.id()).value;
  return y;
}

}  // namespace rlsim::nn

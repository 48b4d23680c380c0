// Internal to the op implementation files (nn/ops*.cpp); not part of the nn API.
//
// Holds what the op families share: Eigen views of a node's value and gradient, the
// gradient-accumulation helpers, input checks, and the declarations of the backward
// functions that op_list.hpp names (each defined in its op family's file, next to the op's
// forward). Every backward function takes the tape and the node whose gradient n.grad is
// ready, and adds the node's contribution to its inputs' gradients.
#pragma once
#include <cstdint>
#include <string>

#include "nn/op_list.hpp"
#include "nn/tape.hpp"

namespace rlsim::nn::detail {

// The helpers have internal linkage (an unnamed namespace), as they had when every op was in
// one file: each op file gets its own copy, which the compiler inlines as it did then. (As
// templates with external linkage, accumulate and the rules were not inlined into their
// callers, which slowed small steps by a few percent.)
namespace {

using Array = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowArray = Eigen::Array<float, 1, Eigen::Dynamic>;
using ArrayMap = Eigen::Map<Array>;
using ConstArrayMap = Eigen::Map<const Array>;
using RowMap = Eigen::Map<RowArray>;
using ConstRowMap = Eigen::Map<const RowArray>;

inline MatrixMap value_of(Node& n) {
  return MatrixMap(n.value, n.rows, n.cols);
}
inline ConstMatrixMap cvalue_of(const Node& n) {
  return ConstMatrixMap(n.value, n.rows, n.cols);
}
inline MatrixMap grad_of(Node& n) {
  return MatrixMap(n.grad, n.rows, n.cols);
}
inline ArrayMap avalue(Node& n) {
  return ArrayMap(n.value, n.rows, n.cols);
}
inline ConstArrayMap cavalue(const Node& n) {
  return ConstArrayMap(n.value, n.rows, n.cols);
}
inline ArrayMap agrad(Node& n) {
  return ArrayMap(n.grad, n.rows, n.cols);
}

inline Tape& tape_of(Var a, Var b) {
  Tape& t = a.tape();
  if (&b.tape() != &t) {
    throw Error("nn: the inputs of an op come from different tapes; record them on one tape");
  }
  return t;
}

inline std::string shape_of(const Node& n) {
  return shape_string(n.rows, n.cols);
}

inline void check_axis(const char* op, int axis) {
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
inline ArrayMap grad_for_scatter(Node& n) {
  if (!n.grad_ready) {
    agrad(n).setZero();
    n.grad_ready = true;
  }
  return agrad(n);
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

}  // namespace

// The backward rule of the ops that propagate no gradient (leaves, detach).
inline void no_backward(Tape&, Node&) {}

// The backward functions named in op_list.hpp (a function shared by several ops is
// declared once per op, which C++ allows).
#define RLSIM_NN_DECLARE_BACKWARD(name, backward) void backward(Tape& t, Node& n);
RLSIM_NN_OPS(RLSIM_NN_DECLARE_BACKWARD)
#undef RLSIM_NN_DECLARE_BACKWARD

}  // namespace rlsim::nn::detail

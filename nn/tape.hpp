// Reverse-mode automatic differentiation on a tape of float32 matrices.
//
// Layout: every value is a row-major Eigen float matrix, batch × features: one sample
// per row. A bias or a per-feature vector is a 1×C row, a per-sample scalar an R×1
// column, a scalar a 1×1 matrix.
//
// Contract:
// - Parameters (weights, biases) live outside the tape, in Parameter objects owned by
//   modules. tape.param(p) puts p on the tape without copying it; backward() *adds* the
//   gradient of the loss into p.grad (zero it with Optimizer::zero_grad or zero_grad()).
// - Ops run eagerly when they are called (ops.hpp) and record themselves on the tape;
//   backward(loss) walks the tape once in reverse and fills the gradient of every node
//   and parameter that the loss depends on. Backward may be called once per recording.
// - reset() forgets the recording but keeps every buffer: a training loop that records
//   the same shapes each iteration allocates nothing after its first iteration. Values
//   live in an arena of aligned blocks that only grows; after a pass that needed more
//   than one block they are merged into one.
// - A Var is a handle (tape, node index, recording generation); using a Var after its
//   tape was reset is an error, not undefined behaviour.
// - A tape is used by one thread at a time; there is no global state (no global tape,
//   no global grad mode: set_grad_enabled is per tape).
//
// The design follows micrograd (Karpathy) and ggml: a topologically ordered tape with
// each op's backward rule written next to its forward rule (nn/op_list.hpp lists the ops,
// nn/ops_*.cpp implement them by family).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

// rlsim parallelises across runs, never inside one step: Eigen must not start OpenMP
// threads (and allocate their bookkeeping) inside a matrix product. rlsim_core is built
// with OpenMP, so say so before Eigen is configured. Best set for every translation unit
// (a PUBLIC compile definition of rlsim_core), so that all of them agree.
#ifndef EIGEN_DONT_PARALLELIZE
#define EIGEN_DONT_PARALLELIZE
#endif
#include <Eigen/Core>

#include "core/error.hpp"
#include "nn/op_list.hpp"

namespace rlsim::nn {

using Index = Eigen::Index;
using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixMap = Eigen::Map<Matrix>;
using ConstMatrixMap = Eigen::Map<const Matrix>;

// A trainable array: its value and the gradient that backward() accumulates into.
struct Parameter {
  Matrix value;
  Matrix grad;
  Parameter() = default;
  Parameter(Index rows, Index cols)
      : value(Matrix::Zero(rows, cols)), grad(Matrix::Zero(rows, cols)) {}
};

// "3×4", for error messages.
std::string shape_string(Index rows, Index cols);

class Tape;

// A handle to one recorded value.
class Var {
 public:
  Var() = default;
  Tape& tape() const;
  std::int32_t id() const { return id_; }
  Index rows() const;
  Index cols() const;
  ConstMatrixMap value() const;
  // The value of a 1×1 Var.
  float item() const;
  bool valid() const { return tape_ != nullptr; }

 private:
  friend class Tape;
  Var(Tape* tape, std::int32_t id, std::uint32_t generation)
      : tape_(tape), id_(id), generation_(generation) {}
  Tape* tape_ = nullptr;
  std::int32_t id_ = -1;
  std::uint32_t generation_ = 0;
};

// The kinds of recorded nodes, one per row of nn/op_list.hpp (which names the file that
// holds each op's forward and backward).
enum class Op : std::uint8_t {
#define RLSIM_NN_OP_ENUMERATOR(name, backward) name,
  RLSIM_NN_OPS(RLSIM_NN_OP_ENUMERATOR)
#undef RLSIM_NN_OP_ENUMERATOR
};
#define RLSIM_NN_OP_COUNT(name, backward) +1
inline constexpr int kOpCount = 0 RLSIM_NN_OPS(RLSIM_NN_OP_COUNT);
#undef RLSIM_NN_OP_COUNT

// The op's name as written in op_list.hpp ("linear_tanh"), for messages.
const char* op_name(Op op);

// One recorded value. Public for the op implementations (nn/ops_*.cpp); users see Vars.
struct Node {
  Op op = Op::constant;
  bool requires_grad = false;
  bool grad_ready = false;  // grad holds a value in the current backward pass
  Index rows = 0, cols = 0;
  std::int32_t in[3] = {-1, -1, -1};  // input node ids
  std::int32_t axis = -1;
  std::int32_t start = 0;    // slice start, or offset into the tape's integer buffer
  std::int32_t count = 0;    // number of integers (concat inputs, gather indices, arg-max)
  float a = 0.0f, b = 0.0f;  // scalar arguments of the op
  float* value = nullptr;
  float* grad = nullptr;  // null unless requires_grad
  // An op's own scratch of the node's shape (linear_tanh, linear_relu), or null.
  float* aux = nullptr;
  Parameter* param = nullptr;
};

class Tape {
 public:
  // A tape with grad disabled records values only (inference, target networks).
  explicit Tape(bool grad_enabled = true) : grad_enabled_(grad_enabled) {}
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;
  ~Tape();

  // Forgets the recording, keeps the buffers. Invalidates every Var of this tape.
  void reset();
  void set_grad_enabled(bool enabled) { grad_enabled_ = enabled; }
  bool grad_enabled() const { return grad_enabled_; }

  // Leaves. A constant copies its data (so the caller's buffer may change afterwards).
  Var constant(const float* data, Index rows, Index cols);
  template <class Derived>
  Var constant(const Eigen::MatrixBase<Derived>& m) {
    Var v = push(Op::constant, m.rows(), m.cols(), false);
    MatrixMap(nodes_[v.id()].value, m.rows(), m.cols()) = m.template cast<float>();
    return v;
  }
  Var scalar(float x) { return constant(&x, 1, 1); }
  // A parameter leaf: no copy; backward adds into p.grad (resized to p.value's shape if
  // it differs, which allocates once).
  Var param(Parameter& p);

  // Fills gradients from a 1×1 loss (seed 1), or from an output with a given seed of the
  // output's shape (the vector of a vector-Jacobian product).
  void backward(Var loss);
  void backward(Var output, const Eigen::Ref<const Matrix>& seed);

  ConstMatrixMap value(Var v) const;
  // The gradient of a node after backward(); throws if the node got none.
  ConstMatrixMap grad(Var v) const;
  std::size_t size() const { return nodes_.size(); }

  // --- for op implementations (nn/ops_*.cpp) ---
  // Checks that v belongs to this tape's current recording and returns its node.
  Node& node(Var v);
  const Node& node(Var v) const;
  Node& node_at(std::int32_t id) { return nodes_[static_cast<std::size_t>(id)]; }
  // Appends a node with value (and grad, when requires_grad && grad_enabled) buffers.
  Var push(Op op, Index rows, Index cols, bool requires_grad);
  // A scratch buffer of n floats that stays valid until reset().
  float* scratch(std::size_t n) { return arena_.allocate(n); }
  // Appends n integers to the tape's integer buffer; returns their offset.
  std::int32_t push_ints(std::size_t n);
  std::int32_t* ints(std::int32_t offset) { return ints_.data() + offset; }
  const std::int32_t* ints(std::int32_t offset) const { return ints_.data() + offset; }
  std::uint32_t generation() const { return generation_; }

 private:
  // Aligned bump allocator over float blocks; pointers stay valid until reset().
  class Arena {
   public:
    float* allocate(std::size_t n);
    void reset();

   private:
    struct Free {
      void operator()(float* p) const;
    };
    struct Block {
      std::unique_ptr<float[], Free> data;
      std::size_t size = 0;
    };
    std::vector<Block> blocks_;
    std::size_t current_ = 0, used_ = 0;
  };

  void check(Var v) const;
  void run_backward(std::int32_t from);

  std::vector<Node> nodes_;
  std::vector<std::int32_t> ints_;
  Arena arena_;
  std::uint32_t generation_ = 1;
  bool grad_enabled_ = true;
};

// Runs the backward rule of node `id` (the dispatch in ops.cpp, generated from op_list.hpp).
void backward_node(Tape& tape, std::int32_t id);

inline Tape& Var::tape() const {
  if (tape_ == nullptr) throw Error("nn::Var: used before being assigned a tape value");
  return *tape_;
}
inline Index Var::rows() const {
  return tape().node(*this).rows;
}
inline Index Var::cols() const {
  return tape().node(*this).cols;
}
inline ConstMatrixMap Var::value() const {
  return tape().value(*this);
}

}  // namespace rlsim::nn

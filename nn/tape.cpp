#include "nn/tape.hpp"

#include <algorithm>
#include <cstdlib>
#include <new>

namespace rlsim::nn {

std::string shape_string(Index rows, Index cols) {
  return std::to_string(rows) + "×" + std::to_string(cols);
}

float Var::item() const {
  const Node& n = tape().node(*this);
  if (n.rows != 1 || n.cols != 1) {
    throw Error("nn::Var::item: the value is " + shape_string(n.rows, n.cols) +
                "; item() needs a 1×1 value");
  }
  return n.value[0];
}

// --- Arena ---

namespace {
constexpr std::size_t kAlignFloats = 16;  // 64 bytes: a cache line, a full AVX-512 register
constexpr std::size_t kMinBlockFloats = std::size_t{1} << 14;
}  // namespace

void Tape::Arena::Free::operator()(float* p) const {
  std::free(p);
}

float* Tape::Arena::allocate(std::size_t n) {
  n = (n + kAlignFloats - 1) / kAlignFloats * kAlignFloats;
  if (n == 0) n = kAlignFloats;
  for (;;) {
    if (current_ < blocks_.size()) {
      Block& b = blocks_[current_];
      if (used_ + n <= b.size) {
        float* p = b.data.get() + used_;
        used_ += n;
        return p;
      }
      ++current_;
      used_ = 0;
      continue;
    }
    const std::size_t last = blocks_.empty() ? 0 : blocks_.back().size;
    const std::size_t size = std::max({n, 2 * last, kMinBlockFloats});
    void* raw = std::aligned_alloc(kAlignFloats * sizeof(float), size * sizeof(float));
    if (raw == nullptr) throw std::bad_alloc();
    Block b;
    b.data.reset(static_cast<float*>(raw));
    b.size = size;
    blocks_.push_back(std::move(b));
    current_ = blocks_.size() - 1;
    used_ = 0;
  }
}

void Tape::Arena::reset() {
  if (blocks_.size() > 1) {
    // The last recording needed several blocks: merge them so the next one needs one.
    std::size_t total = 0;
    for (const Block& b : blocks_) total += b.size;
    blocks_.clear();
    void* raw = std::aligned_alloc(kAlignFloats * sizeof(float), total * sizeof(float));
    if (raw == nullptr) throw std::bad_alloc();
    Block b;
    b.data.reset(static_cast<float*>(raw));
    b.size = total;
    blocks_.push_back(std::move(b));
  }
  current_ = 0;
  used_ = 0;
}

// --- Tape ---

Tape::~Tape() = default;

void Tape::reset() {
  nodes_.clear();
  ints_.clear();
  arena_.reset();
  ++generation_;
}

void Tape::check(Var v) const {
  if (v.tape_ != this) {
    throw Error(v.tape_ == nullptr ? "nn: a default-constructed Var was used as an op input"
                                   : "nn: a Var from another tape was used; every input of "
                                     "an op must be recorded on the same tape");
  }
  if (v.generation_ != generation_ || v.id_ < 0 ||
      static_cast<std::size_t>(v.id_) >= nodes_.size()) {
    throw Error(
        "nn: a Var recorded before the last tape.reset() was used; record it again after "
        "reset()");
  }
}

Node& Tape::node(Var v) {
  check(v);
  return nodes_[static_cast<std::size_t>(v.id_)];
}

const Node& Tape::node(Var v) const {
  check(v);
  return nodes_[static_cast<std::size_t>(v.id_)];
}

Var Tape::push(Op op, Index rows, Index cols, bool requires_grad) {
  Node n;
  n.op = op;
  n.rows = rows;
  n.cols = cols;
  n.requires_grad = requires_grad && grad_enabled_;
  const auto size = static_cast<std::size_t>(rows * cols);
  if (op != Op::parameter && op != Op::detach) n.value = arena_.allocate(size);
  if (n.requires_grad && op != Op::parameter) n.grad = arena_.allocate(size);
  const auto id = static_cast<std::int32_t>(nodes_.size());
  nodes_.push_back(n);
  return Var(this, id, generation_);
}

std::int32_t Tape::push_ints(std::size_t n) {
  const auto offset = static_cast<std::int32_t>(ints_.size());
  ints_.resize(ints_.size() + n);
  return offset;
}

Var Tape::constant(const float* data, Index rows, Index cols) {
  Var v = push(Op::constant, rows, cols, false);
  std::copy(data, data + rows * cols, nodes_[static_cast<std::size_t>(v.id_)].value);
  return v;
}

Var Tape::param(Parameter& p) {
  if (p.grad.rows() != p.value.rows() || p.grad.cols() != p.value.cols()) {
    p.grad.setZero(p.value.rows(), p.value.cols());
  }
  Var v = push(Op::parameter, p.value.rows(), p.value.cols(), true);
  Node& n = nodes_[static_cast<std::size_t>(v.id_)];
  n.param = &p;
  n.value = p.value.data();
  if (n.requires_grad) n.grad = p.grad.data();
  return v;
}

ConstMatrixMap Tape::value(Var v) const {
  const Node& n = node(v);
  return ConstMatrixMap(n.value, n.rows, n.cols);
}

ConstMatrixMap Tape::grad(Var v) const {
  const Node& n = node(v);
  if (!n.requires_grad || !n.grad_ready) {
    throw Error(std::string("nn::Tape::grad: node ") + std::to_string(v.id()) + " (" +
                op_name(n.op) +
                ") has no gradient: it does not depend on a parameter, or the last "
                "backward() did not reach it");
  }
  return ConstMatrixMap(n.grad, n.rows, n.cols);
}

void Tape::backward(Var loss) {
  Node& n = node(loss);
  if (n.rows != 1 || n.cols != 1) {
    throw Error("nn::Tape::backward: the loss is " + shape_string(n.rows, n.cols) +
                "; backward(loss) needs a 1×1 loss (or pass a seed of the output's shape)");
  }
  const float one = 1.0f;
  backward(loss, ConstMatrixMap(&one, 1, 1));
}

void Tape::backward(Var output, const Eigen::Ref<const Matrix>& seed) {
  Node& n = node(output);
  if (seed.rows() != n.rows || seed.cols() != n.cols) {
    throw Error("nn::Tape::backward: the seed is " + shape_string(seed.rows(), seed.cols()) +
                " but the output is " + shape_string(n.rows, n.cols) + "; they must match");
  }
  if (!n.requires_grad) {
    throw Error(
        "nn::Tape::backward: the output does not depend on any parameter (or the tape's grad "
        "is disabled), so there is nothing to differentiate");
  }
  for (Node& m : nodes_) m.grad_ready = (m.op == Op::parameter);
  if (n.op == Op::parameter) {
    MatrixMap(n.grad, n.rows, n.cols) += seed;
  } else {
    MatrixMap(n.grad, n.rows, n.cols) = seed;
    n.grad_ready = true;
  }
  run_backward(output.id());
}

void Tape::run_backward(std::int32_t from) {
  for (std::int32_t i = from; i >= 0; --i) {
    const Node& n = nodes_[static_cast<std::size_t>(i)];
    if (n.requires_grad && n.grad_ready && n.op != Op::parameter) backward_node(*this, i);
  }
}

}  // namespace rlsim::nn

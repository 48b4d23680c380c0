// The parts of the op table that are generated from op_list.hpp: op_name() and
// backward_node(), the dispatch from a node's Op to its backward rule (one switch: no
// virtual call, no std::function, no allocation). The ops themselves, each forward next to
// its backward, are in the family files: ops_elementwise.cpp, ops_linear.cpp,
// ops_reduce.cpp, ops_shape.cpp and ops_loss.cpp.
#include "nn/ops.hpp"

#include <cstddef>
#include <iterator>

#include "nn/op_list.hpp"
#include "nn/ops_detail.hpp"

namespace rlsim::nn {

void backward_node(Tape& t, std::int32_t id) {
  Node& n = t.node_at(id);
  switch (n.op) {
#define RLSIM_NN_BACKWARD_CASE(name, backward) \
  case Op::name:                               \
    detail::backward(t, n);                    \
    break;
    RLSIM_NN_OPS(RLSIM_NN_BACKWARD_CASE)
#undef RLSIM_NN_BACKWARD_CASE
  }
}

const char* op_name(Op op) {
#define RLSIM_NN_OP_NAME(name, backward) #name,
  static constexpr const char* kNames[] = {RLSIM_NN_OPS(RLSIM_NN_OP_NAME)};
#undef RLSIM_NN_OP_NAME
  const auto i = static_cast<std::size_t>(op);
  return i < std::size(kNames) ? kNames[i] : "unknown";
}

}  // namespace rlsim::nn

// The list of tape ops, written once. Everything else that enumerates the ops is generated
// from it: the Op enum (tape.hpp), op_name() and backward_node()'s dispatch (ops.cpp), and
// the declarations of the backward functions (ops_detail.hpp).
//
// A row X(name, backward) declares Op::name, named "name" in messages, whose backward rule
// is detail::backward(Tape&, Node&); several ops may share one rule (it reads n.op), and
// ops that propagate no gradient have no_backward. Each op's forward (its public function
// in ops.hpp) and its backward are side by side in its family's file, named in the comment
// above its group of rows.
//
// Adding an op: a row here, its forward and backward in its family's file (or a new
// nn/ops_*.cpp, which the CMake glob picks up), its declaration in ops.hpp, and a
// finite-difference gradient test in tests/nn/test_nn_ops.cpp.
//
// The order of the rows is the order of the enum's values; nothing stores those values.
#pragma once

// clang-format off
#define RLSIM_NN_OPS(X)                                                                 \
  /* leaves (tape.cpp) and detach (ops_shape.cpp): no gradient flows through them */    \
  X(constant, no_backward)                                                              \
  X(parameter, no_backward)                                                             \
  X(detach, no_backward)                                                                \
  /* elementwise, one input (ops_elementwise.hpp/.cpp) */                               \
  X(affine, affine_backward)          /* a·x + b: neg, scalar add/sub/mul/div */        \
  X(reciprocal, reciprocal_backward)  /* a / x */                                       \
  X(exp, exp_backward)                                                                  \
  X(log, log_backward)                                                                  \
  X(pow, pow_backward)                                                                  \
  X(square, square_backward)                                                            \
  X(sqrt, sqrt_backward)                                                                \
  X(abs, abs_backward)                                                                  \
  X(clamp, clamp_backward)                                                              \
  X(relu, relu_backward)                                                                \
  X(leaky_relu, leaky_relu_backward)                                                    \
  X(tanh, tanh_backward)                                                                \
  X(sigmoid, sigmoid_backward)                                                          \
  X(softplus, softplus_backward)                                                        \
  X(elu, elu_backward)                                                                  \
  /* elementwise, two inputs with broadcasting (ops_elementwise.hpp/.cpp) */            \
  X(add, add_backward)                                                                  \
  X(sub, sub_backward)                                                                  \
  X(mul, mul_backward)                                                                  \
  X(div, div_backward)                                                                  \
  X(minimum, minimum_backward)                                                          \
  X(maximum, maximum_backward)                                                          \
  /* linear algebra (ops_linear.cpp) */                                                 \
  X(matmul, matmul_backward)                                                            \
  X(linear, linear_backward)                                                            \
  X(linear_tanh, linear_tanh_backward) /* tanh(x·W + b) as one node */                  \
  X(linear_relu, linear_relu_backward) /* max(0, x·W + b) as one node */                \
  /* reductions and axis ops (ops_reduce.cpp) */                                        \
  X(sum, sum_backward)                                                                  \
  X(sum_axis, sum_axis_backward)                                                        \
  X(max_axis, extreme_backward)                                                         \
  X(min_axis, extreme_backward)                                                         \
  X(softmax, softmax_backward)                                                          \
  X(log_softmax, softmax_backward)                                                      \
  X(logsumexp, softmax_backward)                                                        \
  /* indexing and shape (ops_shape.cpp) */                                              \
  X(gather, gather_backward)                                                            \
  X(concat, concat_backward)                                                            \
  X(slice, slice_backward)                                                              \
  /* fused losses (ops_loss.cpp) */                                                     \
  X(mse, loss_backward)                                                                 \
  X(huber, loss_backward)
// clang-format on

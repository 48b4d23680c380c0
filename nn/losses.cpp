#include "nn/losses.hpp"

#include <string>

namespace rlsim::nn {

namespace {
// ½ log(2π) and ½ log(2πe) = ½(1 + log 2π).
constexpr float kHalfLog2Pi = 0.91893853320467274178f;
constexpr float kHalfLog2PiE = 1.41893853320467274178f;
}  // namespace

Var cross_entropy(Var logits, std::span<const std::int64_t> labels) {
  return -mean(gather(log_softmax(logits, 1), labels));
}

Var gaussian_log_prob(Var mean, Var log_std, Var action) {
  const Index b = mean.rows(), d = mean.cols();
  if (action.rows() != b || action.cols() != d) {
    throw Error("nn::gaussian_log_prob: the mean is " + shape_string(b, d) + " and the action is " +
                shape_string(action.rows(), action.cols()) + "; they must have the same shape");
  }
  if (log_std.cols() != d || (log_std.rows() != b && log_std.rows() != 1)) {
    throw Error("nn::gaussian_log_prob: log_std is " +
                shape_string(log_std.rows(), log_std.cols()) + "; it must be " +
                shape_string(b, d) + " (state-dependent) or " + shape_string(1, d) +
                " (state-independent)");
  }
  const Var z = (action - mean) * exp(-log_std);
  return sum(-0.5f * square(z) - log_std, 1) - static_cast<float>(d) * kHalfLog2Pi;
}

Var gaussian_entropy(Var log_std) {
  return sum(log_std, 1) + static_cast<float>(log_std.cols()) * kHalfLog2PiE;
}

Var categorical_log_prob(Var logits, std::span<const std::int64_t> actions) {
  return gather(log_softmax(logits, 1), actions);
}

Var categorical_entropy(Var logits) {
  return categorical_entropy_of_log_softmax(log_softmax(logits, 1));
}

Var categorical_entropy_of_log_softmax(Var log_p) {
  return -sum(exp(log_p) * log_p, 1);
}

Var smooth_l1_loss(Var prediction, Var target, float beta) {
  if (!(beta > 0.0f)) {
    throw Error("nn::smooth_l1_loss: beta = " + std::to_string(beta) + "; it must be > 0");
  }
  return huber_loss(prediction, target, beta) / beta;
}

}  // namespace rlsim::nn

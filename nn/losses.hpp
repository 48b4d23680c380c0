// Losses and distribution terms for RL, built from the ops in ops.hpp (so each one's
// gradient is the composition of tested op gradients). Shapes follow tape.hpp: batch ×
// features; per-sample results are B×1 columns, reduced losses 1×1.
//
// References: cross-entropy and the categorical terms are the usual softmax forms
// (Goodfellow, Bengio & Courville 2016, §6.2.2.3); the diagonal Gaussian log-density
// and entropy are those of SB3's DiagGaussianDistribution / CleanRL's PPO-continuous.
#pragma once
#include <cstdint>
#include <span>

#include "nn/ops.hpp"

namespace rlsim::nn {

// Mean over the batch of −log softmax(logits)[label]. logits B×K, one label per row.
Var cross_entropy(Var logits, std::span<const std::int64_t> labels);

// log π(a) under a diagonal Gaussian N(mean, exp(log_std)²), summed over action
// dimensions: B×1. mean and action are B×D; log_std is B×D (state-dependent, learned by
// the network) or 1×D (state-independent, a free parameter broadcast over the batch).
Var gaussian_log_prob(Var mean, Var log_std, Var action);
// Entropy of that Gaussian, Σ_d (log σ_d + ½ log(2πe)): R×1 with R the rows of log_std.
Var gaussian_entropy(Var log_std);

// log softmax(logits)[action] per row: B×1.
Var categorical_log_prob(Var logits, std::span<const std::int64_t> actions);
// −Σ_k p_k log p_k per row, p = softmax(logits): B×1.
Var categorical_entropy(Var logits);
// The same from log_p = log_softmax(logits, 1), for a caller that already has it (the
// categorical log-probability and entropy of one batch then share one log-softmax).
Var categorical_entropy_of_log_softmax(Var log_p);

// Smooth L1 loss with parameter β (PyTorch's SmoothL1Loss): Huber(δ = β)/β.
Var smooth_l1_loss(Var prediction, Var target, float beta = 1.0f);

}  // namespace rlsim::nn

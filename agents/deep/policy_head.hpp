// The policy heads of the on-policy actor-critic agents (A2C, PPO), as Stable-Baselines3's
// CategoricalDistribution (Discrete actions, logits from the network) and
// DiagGaussianDistribution (Box actions: the network gives the mean, a state-independent
// learned log std gives the spread).
//
// Acting, on one row of the network's action output:
// - categorical_mode: the first maximum of the logits. categorical_sample: one uniform draw
//   u·z (z = Σ exp(l_j − max l)) inverted on the cumulative sums, with its log-probability
//   (l_a − max l) − log z.
// - gaussian_sample: a = μ + exp(log σ)·ε with one normal draw ε per dimension, in order;
//   returns the log-density Σ (−ε²/2 − log σ − log √(2π)) of the unclipped sample.
// - PolicyHead::act: the sample (training) or the most likely action (evaluation: the
//   argmax, or μ; probability 1, no random draws), written for the env (a Box action clipped
//   to its bounds) and, unclipped, for the rollout.
// Training, on the tape: PolicyHead::evaluate records log π(a|s) of a minibatch's actions
// (B×1, differentiable) and the entropy (B×1 categorical, 1×1 Gaussian).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "agents/deep/rollout_buffer.hpp"
#include "core/agent.hpp"
#include "core/rng.hpp"
#include "core/space.hpp"
#include "nn/nn.hpp"

namespace rlsim {

nn::Index categorical_mode(std::span<const float> logits);
struct CategoricalDraw {
  nn::Index action = 0;
  double log_prob = 0.0;
};
CategoricalDraw categorical_sample(std::span<const float> logits, Rng& rng);

// Writes the sample into `sample` (mean.size() values) and returns its log-density.
double gaussian_sample(std::span<const float> mean, std::span<const float> log_std, Rng& rng,
                       std::span<float> sample);

class PolicyHead {
 public:
  // Discrete: a categorical head over n logits; Box: a diagonal Gaussian of its dimensions.
  explicit PolicyHead(const Space& action_space);

  bool discrete() const { return discrete_; }
  // Outputs of the network's action layer: logits or mean dimensions.
  nn::Index outputs() const { return outputs_; }
  // Floats per stored action: 1 (the index) or the dimensions.
  std::int64_t stored_width() const { return discrete_ ? 1 : outputs_; }

  // Acts on one row `head` of the network's action output (log_std: the Gaussian's, else
  // ignored): fills the env's `action` and `decision`, and `stored` (stored_width() floats)
  // with the action the update learns from. Returns its log-probability (0 when
  // deterministic).
  double act(std::span<const float> head, std::span<const float> log_std, bool deterministic,
             Rng& rng, Value& action, Decision& decision, std::span<float> stored);

  struct Terms {
    nn::Var log_prob;  // B×1
    nn::Var entropy;   // B×1 (categorical) or 1×1 (Gaussian: state-independent)
  };
  // Records the terms for the minibatch's actions given the network's action output `head`
  // (B × outputs()) and, for the Gaussian, its log std parameter. The entropy is recorded
  // with gradients only when `entropy_grad` (with ent_coef = 0 it feeds diagnostics only).
  Terms evaluate(nn::Tape& tape, nn::Var head, nn::Parameter* log_std, const Minibatch& mb,
                 bool entropy_grad) const;

 private:
  bool discrete_;
  nn::Index outputs_;
  std::int64_t action_start_ = 0;
  std::vector<float> low_, high_;
};

}  // namespace rlsim

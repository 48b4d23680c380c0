#include "agents/deep/policy_head.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace rlsim {

namespace {
constexpr double kHalfLog2Pi = 0.91893853320467274178;
}  // namespace

nn::Index categorical_mode(std::span<const float> logits) {
  nn::Index best = 0;
  const auto n = static_cast<nn::Index>(logits.size());
  for (nn::Index j = 1; j < n; ++j)
    if (logits[static_cast<std::size_t>(j)] > logits[static_cast<std::size_t>(best)]) best = j;
  return best;
}

CategoricalDraw categorical_sample(std::span<const float> logits, Rng& rng) {
  const auto n = static_cast<nn::Index>(logits.size());
  const float top = logits[static_cast<std::size_t>(categorical_mode(logits))];
  auto at = [&](nn::Index j) { return logits[static_cast<std::size_t>(j)]; };
  double z = 0.0;
  for (nn::Index j = 0; j < n; ++j) z += std::exp(static_cast<double>(at(j) - top));
  const double u = rng.uniform() * z;
  double cumulative = 0.0;
  CategoricalDraw draw;
  draw.action = n - 1;
  for (nn::Index j = 0; j < n; ++j) {
    cumulative += std::exp(static_cast<double>(at(j) - top));
    if (u < cumulative) {
      draw.action = j;
      break;
    }
  }
  draw.log_prob = static_cast<double>(at(draw.action) - top) - std::log(z);
  return draw;
}

double gaussian_sample(std::span<const float> mean, std::span<const float> log_std, Rng& rng,
                       std::span<float> sample) {
  double log_density = 0.0;
  for (std::size_t k = 0; k < mean.size(); ++k) {
    const double noise = rng.normal();
    sample[k] = static_cast<float>(mean[k] + std::exp(log_std[k]) * noise);
    log_density += -0.5 * noise * noise - log_std[k] - kHalfLog2Pi;
  }
  return log_density;
}

PolicyHead::PolicyHead(const Space& action_space)
    : discrete_(action_space.is_discrete()),
      outputs_(discrete_ ? action_space.n() : static_cast<nn::Index>(action_space.flat_size())),
      action_start_(discrete_ ? action_space.start() : 0) {
  if (!discrete_) {
    low_ = action_space.low();
    high_ = action_space.high();
  }
}

double PolicyHead::act(std::span<const float> head, std::span<const float> log_std,
                       bool deterministic, Rng& rng, Value& action, Decision& decision,
                       std::span<float> stored) {
  if (discrete_) {
    CategoricalDraw draw;
    if (deterministic)
      draw.action = categorical_mode(head);
    else
      draw = categorical_sample(head, rng);
    action.index = draw.action + action_start_;
    decision.probability = std::exp(draw.log_prob);
    decision.log_prob = draw.log_prob;
    stored[0] = static_cast<float>(draw.action);
    return draw.log_prob;
  }
  action.vec.resize(static_cast<std::size_t>(outputs_));
  double log_density = 0.0;
  if (deterministic) {
    std::copy(head.begin(), head.end(), stored.begin());
    decision.probability = 1.0;
    decision.log_prob = 0.0;
  } else {
    log_density = gaussian_sample(head, log_std, rng, stored);
    decision.probability = std::numeric_limits<double>::quiet_NaN();
    decision.log_prob = log_density;
  }
  for (std::size_t k = 0; k < stored.size(); ++k)
    action.vec[k] = std::clamp(stored[k], low_[k], high_[k]);
  return log_density;
}

PolicyHead::Terms PolicyHead::evaluate(nn::Tape& tape, nn::Var head, nn::Parameter* log_std,
                                       const Minibatch& mb, bool entropy_grad) const {
  Terms t;
  if (discrete_ && !entropy_grad) {
    // The entropy is only reported: it reads the log-softmax that the log-probability took
    // its gradient through (the same values), computed once. With an entropy gradient the
    // two terms keep their own log-softmax, so each backward pass sums as it always has.
    const nn::Var log_p = nn::log_softmax(head, 1);
    t.log_prob = nn::gather(log_p, mb.labels);
    tape.set_grad_enabled(false);
    t.entropy = nn::categorical_entropy_of_log_softmax(log_p);
  } else if (discrete_) {
    t.log_prob = nn::categorical_log_prob(head, mb.labels);
    t.entropy = nn::categorical_entropy(head);
  } else {
    nn::Var ls = tape.param(*log_std);
    t.log_prob = nn::gaussian_log_prob(
        head, ls, tape.constant(mb.actions.data(), static_cast<nn::Index>(mb.rows), outputs_));
    tape.set_grad_enabled(entropy_grad);
    t.entropy = nn::gaussian_entropy(ls);
  }
  tape.set_grad_enabled(true);
  return t;
}

}  // namespace rlsim

#include "agents/deep/ppo.hpp"

#include <algorithm>
#include <cmath>

#include "agents/deep/advantage.hpp"

namespace rlsim {

nn::Var ppo_policy_loss(nn::Var log_prob, nn::Var old_log_prob, nn::Var advantages,
                        float clip_range) {
  nn::Var ratio = nn::exp(log_prob - old_log_prob);
  nn::Var unclipped = advantages * ratio;
  nn::Var clipped = advantages * nn::clamp(ratio, 1.0f - clip_range, 1.0f + clip_range);
  return -nn::mean(nn::minimum(unclipped, clipped));
}

nn::Var ppo_value_loss(nn::Var values, nn::Var old_values, nn::Var returns, float clip_range_vf) {
  if (clip_range_vf <= 0.0f) return nn::mse_loss(values, returns);
  nn::Var predicted = old_values + nn::clamp(values - old_values, -clip_range_vf, clip_range_vf);
  return nn::mse_loss(predicted, returns);
}

PpoAgent::PpoAgent(const PpoConfig& config, const Space& observation_space,
                   const Space& action_space, std::uint64_t seed)
    : OnPolicyAgent("ppo", config.base, observation_space, action_space, seed), ppo_(config) {
  if (ppo_.batch_size < 1 || ppo_.n_epochs < 1)
    throw Error("ppo: batch_size and n_epochs must be >= 1");
  permutation_.resize(static_cast<std::size_t>(config_.n_envs * config_.n_steps));
  diagnostics_.names = {
      "policy_loss",        "value_loss",    "entropy_loss", "approx_kl", "clip_fraction",
      "explained_variance", "learning_rate", "clip_range",   "loss",      "epochs"};
}

double PpoAgent::current_clip_range() const {
  return ppo_.clip_range * (ppo_.linear_clip_range ? progress_remaining() : 1.0);
}

void PpoAgent::train() {
  const double lr = apply_learning_rate();
  const double clip = current_clip_range();
  const auto clip_f = static_cast<float>(clip);
  const auto total = static_cast<std::int64_t>(permutation_.size());
  double pg_sum = 0.0, vf_sum = 0.0, ent_sum = 0.0, kl_sum = 0.0, cf_sum = 0.0, last_loss = 0.0;
  std::int64_t minibatches = 0, kl_count = 0, epochs = 0;
  bool stop = false;
  for (std::int64_t epoch = 0; epoch < ppo_.n_epochs && !stop; ++epoch) {
    for (std::int64_t k = 0; k < total; ++k) permutation_[static_cast<std::size_t>(k)] = k;
    for (std::int64_t k = total - 1; k > 0; --k)  // Fisher–Yates
      std::swap(permutation_[static_cast<std::size_t>(k)],
                permutation_[static_cast<std::size_t>(rng_.integer(0, k))]);
    for (std::int64_t start = 0; start < total; start += ppo_.batch_size) {
      const std::int64_t b = std::min(ppo_.batch_size, total - start);
      gather(
          std::span<const std::int64_t>(permutation_.data() + start, static_cast<std::size_t>(b)));
      if (config_.normalize_advantage) normalize_minibatch_advantages();
      Evaluated e = evaluate_minibatch();
      nn::Tape& tape = train_tape_;
      const auto rows = static_cast<nn::Index>(b);
      nn::Var old_log_prob = tape.constant(mb_log_probs_.data(), rows, 1);
      nn::Var advantages = tape.constant(mb_advantages_.data(), rows, 1);
      nn::Var policy_loss = ppo_policy_loss(e.log_prob, old_log_prob, advantages, clip_f);
      nn::Var value_loss = ppo_value_loss(e.value, tape.constant(mb_values_.data(), rows, 1),
                                          tape.constant(mb_returns_.data(), rows, 1),
                                          static_cast<float>(ppo_.clip_range_vf));
      nn::Var entropy_loss = -nn::mean(e.entropy);
      nn::Var loss = policy_loss + static_cast<float>(config_.ent_coef) * entropy_loss +
                     static_cast<float>(config_.vf_coef) * value_loss;
      // Diagnostics from the recorded values.
      auto lp = e.log_prob.value();
      double kl = 0.0, clipped = 0.0;
      for (nn::Index r = 0; r < rows; ++r) {
        const double log_ratio =
            static_cast<double>(lp(r, 0)) - mb_log_probs_[static_cast<std::size_t>(r)];
        const double ratio = std::exp(log_ratio);
        kl += (ratio - 1.0) - log_ratio;
        if (std::abs(ratio - 1.0) > clip) clipped += 1.0;
      }
      kl /= static_cast<double>(rows);
      pg_sum += policy_loss.item();
      vf_sum += value_loss.item();
      ent_sum += entropy_loss.item();
      cf_sum += clipped / static_cast<double>(rows);
      kl_sum += kl;
      ++kl_count;
      ++minibatches;
      if (ppo_.target_kl > 0.0 && kl > 1.5 * ppo_.target_kl) {
        stop = true;
        break;
      }
      optimizer_->zero_grad();
      tape.backward(loss);
      if (config_.max_grad_norm > 0.0)
        nn::clip_grad_norm(optimizer_->parameters(), config_.max_grad_norm);
      optimizer_->step();
      last_loss = loss.item();
    }
    ++epochs;
  }
  const auto m = static_cast<double>(std::max<std::int64_t>(minibatches, 1));
  diagnostics_.add_row(
      num_timesteps_,
      {pg_sum / m, vf_sum / m, ent_sum / m,
       kl_sum / static_cast<double>(std::max<std::int64_t>(kl_count, 1)), cf_sum / m,
       explained_variance(values_, returns_), lr, clip, last_loss, static_cast<double>(epochs)});
}

}  // namespace rlsim

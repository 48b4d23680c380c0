#include "agents/deep/a2c.hpp"

#include <numeric>

#include "agents/deep/advantage.hpp"

namespace rlsim {

A2cAgent::A2cAgent(const OnPolicyConfig& config, const Space& observation_space,
                   const Space& action_space, std::uint64_t seed)
    : OnPolicyAgent("a2c", config, observation_space, action_space, seed) {
  rows_.resize(static_cast<std::size_t>(config_.n_envs * config_.n_steps));
  std::iota(rows_.begin(), rows_.end(), std::int64_t{0});
  diagnostics_.names = {"policy_loss", "value_loss", "entropy_loss", "explained_variance",
                        "learning_rate"};
}

void A2cAgent::train() {
  const double lr = apply_learning_rate();
  gather(rows_);
  if (config_.normalize_advantage) normalize_minibatch_advantages();
  Evaluated e = evaluate_minibatch();
  nn::Tape& tape = train_tape_;
  const auto rows = static_cast<nn::Index>(rows_.size());
  nn::Var advantages = tape.constant(mb_advantages_.data(), rows, 1);
  nn::Var policy_loss = -nn::mean(advantages * e.log_prob);
  nn::Var value_loss = nn::mse_loss(e.value, tape.constant(mb_returns_.data(), rows, 1));
  nn::Var entropy_loss = -nn::mean(e.entropy);
  nn::Var loss = policy_loss + static_cast<float>(config_.ent_coef) * entropy_loss +
                 static_cast<float>(config_.vf_coef) * value_loss;
  optimizer_->zero_grad();
  tape.backward(loss);
  if (config_.max_grad_norm > 0.0)
    nn::clip_grad_norm(optimizer_->parameters(), config_.max_grad_norm);
  optimizer_->step();
  diagnostics_.add_row(num_timesteps_, {policy_loss.item(), value_loss.item(), entropy_loss.item(),
                                        explained_variance(values_, returns_), lr});
}

}  // namespace rlsim

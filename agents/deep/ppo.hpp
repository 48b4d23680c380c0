// PPO: proximal policy optimisation with the clipped surrogate objective (Schulman et al.
// 2017, "Proximal policy optimization algorithms", eq. 7), GAE(λ) advantages and minibatch
// epochs, with Stable-Baselines3 2.x's parameter names, defaults and update order
// (stable_baselines3/ppo/ppo.py).
//
// Contract (rollouts, normalisation, spaces and save/load: on_policy.hpp):
// - After each rollout of n_steps × n_envs: n_epochs passes over a random permutation of
//   the rollout in minibatches of batch_size (the last one may be smaller). Per minibatch:
//   advantages normalised (normalize_advantage), ratio r = exp(log π − log π_old),
//   policy loss −mean(min(A·r, A·clip(r, 1 ± ε))), value loss MSE(returns, V) with V
//   optionally clipped to V_old ± clip_range_vf (SB3's form: the clipped prediction only),
//   entropy loss −mean(H), loss = policy + ent_coef·entropy + vf_coef·value; Adam step after
//   clipping the global gradient norm to max_grad_norm.
// - target_kl > 0: approx_kl = mean((r − 1) − log r) (Schulman's k3 estimator, as SB3) is
//   computed before each step; when it exceeds 1.5·target_kl the update stops there,
//   without that step (SB3).
// - Schedules: learning rate and clip range ε are constant or linear in
//   progress_remaining (rl-zoo's lin_X: X·progress_remaining).
// - Diagnostics per update: policy_loss (SB3's policy_gradient_loss), value_loss,
//   entropy_loss (minibatch means), approx_kl (mean over minibatches), clip_fraction,
//   explained_variance (rollout values vs returns), learning_rate, clip_range, loss (last
//   minibatch), epochs (run before any early stop).
// - batch_size need not divide n_steps × n_envs (SB3 only warns): the last minibatch of an
//   epoch is then smaller.
#pragma once
#include "agents/deep/on_policy.hpp"

namespace rlsim {

// Defaults: SB3 2.x PPO (stable_baselines3/ppo/ppo.py) and OnPolicyConfig's.
struct PpoConfig : OnPolicyConfig {
  std::int64_t batch_size = 64;
  std::int64_t n_epochs = 10;
  double clip_range = 0.2;
  Annealing clip_range_schedule = Annealing::constant;
  double clip_range_vf = 0.0;  // 0: no value clipping
  double target_kl = 0.0;      // 0: no early stop
  // batch_size >= 2 when normalize_advantage (a single advantage normalises to 0).
  void validate() const;
};

// The clipped surrogate loss −mean(min(A·r, A·clip(r, 1 − ε, 1 + ε))) with
// r = exp(log_prob − old_log_prob); log_prob B×1 (differentiable), old_log_prob and
// advantages B×1 constants.
nn::Var ppo_policy_loss(nn::Var log_prob, nn::Var old_log_prob, nn::Var advantages,
                        float clip_range);
// MSE(returns, V') with V' = V (clip_range_vf = 0) or old_values + clip(V − old_values, ±clip).
nn::Var ppo_value_loss(nn::Var values, nn::Var old_values, nn::Var returns, float clip_range_vf);

class PpoAgent : public OnPolicyAgent {
 public:
  PpoAgent(const PpoConfig& config, const Space& observation_space, const Space& action_space,
           std::uint64_t seed);
  const PpoConfig& ppo_config() const { return ppo_; }
  double current_clip_range() const;

 protected:
  void train() override;

 private:
  PpoConfig ppo_;
  std::vector<std::int64_t> permutation_;
  Minibatch minibatch_;
};

}  // namespace rlsim

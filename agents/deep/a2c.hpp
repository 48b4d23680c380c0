// A2C: synchronous advantage actor-critic (Mnih et al. 2016, "Asynchronous methods for
// deep reinforcement learning", Algorithm S3, run synchronously over N envs), with
// Stable-Baselines3 2.x's parameter names, defaults and update (stable_baselines3/a2c/a2c.py).
//
// Contract (rollouts, normalisation, spaces and save/load: on_policy.hpp):
// - After each rollout of n_steps × n_envs, one gradient step on the whole rollout:
//   advantages from GAE(λ) (λ = 1, SB3's default, is the n-step advantage of Mnih et al.
//   with bootstrap from V(s_T)), optionally normalised; loss = −mean(A·log π(a|s))
//   + ent_coef·(−mean H) + vf_coef·MSE(returns, V); global gradient norm clipped to
//   max_grad_norm; RMSprop (α 0.99, ε 1e-5, SB3's use_rms_prop = True default) or Adam.
// - Diagnostics per update: policy_loss, value_loss, entropy_loss, explained_variance,
//   learning_rate.
#pragma once
#include "agents/deep/on_policy.hpp"

namespace rlsim {

// Defaults: SB3 2.x A2C (stable_baselines3/a2c/a2c.py) where it differs from PPO's
// OnPolicyConfig, which holds the rest.
struct A2cConfig : OnPolicyConfig {
  A2cConfig() {
    n_steps = 5;
    gae_lambda = 1.0;
    learning_rate = 7e-4;
    normalize_advantage = false;
    use_rms_prop = true;
  }
};

class A2cAgent : public OnPolicyAgent {
 public:
  A2cAgent(const OnPolicyConfig& config, const Space& observation_space, const Space& action_space,
           std::uint64_t seed);

 protected:
  void train() override;

 private:
  std::vector<std::int64_t> rows_;
  Minibatch minibatch_;
};

}  // namespace rlsim

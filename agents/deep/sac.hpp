// Soft Actor-Critic (SAC; Haarnoja et al. 2018, "Soft Actor-Critic: Off-Policy Maximum
// Entropy Deep Reinforcement Learning with a Stochastic Actor", ICML, and "Soft Actor-Critic
// Algorithms and Applications", arXiv:1812.05905 for the automatic entropy tuning), as in
// Stable-Baselines3 2.x (stable_baselines3/sac/sac.py, sac/policies.py). Parameter names and
// defaults follow SB3 2.x.
//
// Contract (the acting and storing are OffPolicyAgent's, off_policy.hpp):
// - Actor: an MLP trunk with ReLU hidden layers (every layer of net_arch), then two linear
//   heads, the mean m and log σ (clamped to [−20, 2], SB3's LOG_STD_MIN/MAX). The policy is
//   the squashed Gaussian a = tanh(u), u = m + σ·ε, ε ~ N(0, I), with
//   log π(a|s) = Σ_j [log N(u_j; m_j, σ_j) − log(1 − a_j² + 1e−6)] (Haarnoja et al. 2018,
//   appendix C, eq. 21; the 1e−6 is SB3's). Evaluation acts with tanh(m).
// - Two Q-networks on [s, a] (ContinuousCritic) and a Polyak target copy of them.
// - Each gradient step, in SB3's order: minibatch; sample a_π ~ π(·|s); with automatic
//   entropy tuning, α = exp(log α) and one Adam step on the loss
//   −mean(log α · (log π(a_π|s) + H̄)) (H̄ = target_entropy, default −dim(A)); the target
//   y = r + d·(min_i Q'_i(s', a') − α log π(a'|s')), a' ~ π(·|s'); critic loss
//   ½ Σ_i MSE(Q_i(s, a), y), one Adam step; actor loss mean(α log π(a_π|s) − min_i Q_i(s, a_π))
//   with the updated critics, one Adam step; every target_update_interval-th step of the
//   phase, Polyak update of the target critics with τ.
// - save/load adds "actor.*", "critic.*", "critic_target.*", "actor_optimizer.*",
//   "critic_optimizer.*" and, with automatic tuning, "log_ent_coef" and "ent_coef_optimizer.*".
// - diagnostics(): critic_loss, actor_loss, ent_coef, ent_coef_loss (0 with a fixed α),
//   learning_rate; one row per training phase (means over its gradient steps).
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "agents/deep/off_policy.hpp"

namespace rlsim {

// Defaults: SB3 2.x SAC (sac.py) and its SACPolicy (net_arch [256, 256], ReLU).
struct SacConfig : OffPolicyConfig {
  double learning_rate = 3e-4;
  std::vector<nn::Index> net_arch{256, 256};
  // "auto" (learned, initial value 1), "auto_X" (learned, initial value X > 0) or a fixed
  // number "X" >= 0, as SB3's ent_coef.
  std::string ent_coef = "auto";
  // "auto" (−dim(A)) or a number, as SB3's target_entropy.
  std::string target_entropy = "auto";
  std::int64_t target_update_interval = 1;
  void validate() const;
};

// ent_coef parsed: whether α is learned, and its (initial) value.
struct EntCoef {
  bool learned = true;
  double value = 1.0;
};
EntCoef parse_ent_coef(const std::string& text);

// The squashed Gaussian of SAC for given mean m, log σ (already clamped) and standard normal
// draws ε (all B × A on one tape): a = tanh(m + σε) and log π(a) (B × 1) as above.
struct SquashedSample {
  nn::Var action, log_prob;
};
SquashedSample squashed_gaussian(nn::Var mean, nn::Var log_std, nn::Var eps);

class SquashedGaussianActor : public nn::Module {
 public:
  SquashedGaussianActor(nn::Index obs_dim, nn::Index action_dim,
                        const std::vector<nn::Index>& net_arch, Rng& rng);
  // Mean and clamped log σ of the Gaussian before squashing.
  void distribution(nn::Var obs, nn::Var& mean, nn::Var& log_std);
  nn::Var forward(nn::Var obs) override;  // the deterministic action tanh(m)
  std::unique_ptr<nn::Module> clone() const override {
    return std::make_unique<SquashedGaussianActor>(*this);
  }
  void collect_parameters(const std::string& prefix, std::vector<nn::NamedParameter>& out) override;

 private:
  nn::Mlp latent_;
  nn::Linear mu_, log_std_;
};

class SacAgent : public OffPolicyAgent {
 public:
  SacAgent(const SacConfig& config, const Space& observation_space, const Space& action_space,
           std::uint64_t seed);

  double ent_coef() const;
  double target_entropy() const { return target_entropy_; }
  nn::Parameter& log_ent_coef() { return log_ent_coef_; }
  // Zeroes log α's gradient, records −mean(log α · (log π_i + H̄)) for the given log π_i,
  // backpropagates it and returns it (no optimizer step).
  double ent_coef_loss_backward(std::span<const float> log_probs);
  SquashedGaussianActor& actor() { return actor_; }
  ContinuousCritic& critic() { return critic_; }
  ContinuousCritic& critic_target() { return critic_target_; }

 protected:
  void deterministic_action(std::span<const float> obs, std::span<float> out) override;
  double sample_policy_action(std::span<const float> obs, std::span<float> out) override;
  void train(std::int64_t gradient_steps) override;
  void save_learner(StateDict& out) const override;
  void load_learner(const StateDict& in) override;

 private:
  void fill_normal(nn::Matrix& m);

  SacConfig config_;
  EntCoef ent_;
  double target_entropy_;
  SquashedGaussianActor actor_;
  ContinuousCritic critic_, critic_target_;
  nn::ParameterSync critic_sync_;
  nn::Adam actor_optimizer_, critic_optimizer_;
  nn::Parameter log_ent_coef_{1, 1};
  std::optional<nn::Adam> ent_optimizer_;
  nn::Tape act_tape_{false}, target_tape_{false}, critic_tape_{true}, actor_tape_{true},
      ent_tape_{true};
  nn::Matrix eps_, eps_next_, eps_one_, target_q_;
  std::vector<float> log_probs_;
};

}  // namespace rlsim

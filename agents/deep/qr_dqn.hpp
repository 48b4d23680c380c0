// QR-DQN: distributional DQN with quantile regression (Dabney, Rowland, Bellemare & Munos
// 2018, "Distributional Reinforcement Learning with Quantile Regression", AAAI). The return
// distribution Z(s, a) is N Diracs at learned locations θ_i(s, a), the quantiles of Z at the
// midpoints τ̂_i = (2i − 1)/(2N), i = 1..N (Lemma 2 of the paper); Q(s, a) is their mean.
// Parameter names and defaults follow sb3-contrib 2.x's QRDQN (sb3_contrib/qrdqn/qrdqn.py,
// policies.py, common/utils.py quantile_huber_loss), so rl-baselines3-zoo's tuned values
// (hyperparams/qrdqn.yml) carry over.
//
// Contract (what is not said here is DQN's, agents/deep/dqn.hpp: acting, ε schedule,
// replay, n-step windows, prioritized sampling, target updates, training phases, keep_best,
// diagnostics, save/load — the same machinery, not a copy):
// - The network outputs n_actions × n_quantiles values per observation: column a·N + i is
//   θ_i(s, a) (0-based i). Greedy actions (acting, evaluation, the target's a*) maximise the
//   mean over the quantiles; ties go to the first action.
// - Target (Algorithm 1 of the paper, with DQN's n-step and double options): for a sample
//   with n-step return G, bootstrap discount d (γ^k after k steps, 0 after a termination; a
//   time-limit truncation bootstraps) and next observation s',
//   T θ_j = G + d·θ'_j(s', a*), j = 1..N, with θ' the target network and a* the greedy
//   action of the target network's means (double_q: of the online network's).
// - Loss: quantile Huber loss, u_ij = T θ_j − θ_i(s, a),
//   ρ^κ_τ(u) = |τ − 1{u < 0}|·L_κ(u)/κ, L_κ(u) = ½u² (|u| ≤ κ), κ(|u| − ½κ) otherwise;
//   per sample ℓ = Σ_i (1/N) Σ_j ρ^κ_{τ̂_i}(u_ij) (sum over the current quantiles, mean over
//   the target quantiles: the loss of the paper's Algorithm 1, and sb3-contrib's
//   quantile_huber_loss with sum_over_quantiles = True, which is this with κ = 1), and the
//   minibatch loss is the mean over the batch of w·ℓ (w: prioritized replay's importance weight,
//   else 1). With prioritized replay a sample's new priority is ℓ + priority_eps (Dabney et al.
//   2018 use none; the per-sample loss is the TD-error analogue).
// - Optimizer: Adam with ε = 0.01/batch_size (sb3-contrib's default, after the paper's
//   0.01/32 at batch 32); gradients clipped to max_grad_norm unless it is 0 (the default,
//   sb3-contrib's max_grad_norm = None).
// - save/load: DQN's entries ("q_net.*" and "q_net_target.*" hold the quantile networks).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "agents/deep/dqn.hpp"

namespace rlsim {

// Defaults: sb3-contrib 2.x QRDQN (sb3_contrib/qrdqn/qrdqn.py) where they differ from SB3's
// DQN (DqnConfig holds the rest; the same in both): learning_rate 5e-5,
// exploration_fraction 0.005, exploration_final_eps 0.01, max_grad_norm None (0 here: no
// clipping); n_quantiles 200 (QuantileNetwork, sb3_contrib/qrdqn/policies.py; the paper's
// Atari setting).
struct QrDqnConfig : DqnConfig {
  QrDqnConfig() {
    learning_rate = 5e-5;
    exploration_fraction = 0.005;
    exploration_final_eps = 0.01;
    max_grad_norm = 0.0;
  }
  std::int64_t n_quantiles = 200;
  double kappa = 1.0;  // Dabney et al. 2018 use κ = 1
  void validate() const;
};

// The quantile Huber loss above, for a batch: current (B × N) are θ_i, target (B × M) the
// T θ_j, weights (B, or empty: all 1). Returns mean_b w_b·ℓ_b; writes ℓ_b (unweighted) into
// per_sample (size B) and ∂loss/∂θ into grad (B × N) when they are not empty / null. Sums
// in double precision.
double quantile_huber_loss(const nn::Matrix& current, const nn::Matrix& target, double kappa,
                           std::span<const float> weights, std::span<double> per_sample,
                           nn::Matrix* grad);

class QrDqnAgent final : public DqnAgent {
 public:
  QrDqnAgent(const QrDqnConfig& config, const Space& observation_space, const Space& action_space,
             std::uint64_t seed);

  std::int64_t n_quantiles() const { return n_quantiles_; }
  // The target quantiles T θ_j (rows × N) for the rows of next_obs, as in the contract.
  void compute_quantile_targets(const nn::Matrix& next_obs, std::span<const float> returns,
                                std::span<const float> discounts, nn::Matrix& out);
  // Zeroes the gradients, backpropagates the quantile Huber loss of θ(obs, a) against
  // `targets` (rows × N) with importance weights, writes the per-sample losses into
  // td_error_ and returns the loss (no optimizer step).
  double quantile_loss_backward(const nn::Matrix& obs, std::span<const std::int64_t> actions,
                                const nn::Matrix& targets, std::span<const float> weights);

 protected:
  nn::Index greedy_action(const nn::ConstMatrixMap& output, nn::Index row) const override;
  double minibatch_loss_backward(double& q_sum) override;

 private:
  std::int64_t n_quantiles_;
  double kappa_;
  nn::Matrix target_quantiles_, current_quantiles_, quantile_grad_, output_seed_;
  std::vector<double> per_sample_loss_;
};

}  // namespace rlsim

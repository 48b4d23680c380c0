// Contextual policies for linear payoffs with disjoint per-arm parameters: E[r | x, a] = θ_aᵀx
// with x the Box(d) observation.
//
// Both keep, per arm, A_a⁻¹ with A_a = λ I + Σ x xᵀ over the contexts in which a was pulled
// (updated by the Sherman–Morrison rank-one formula A⁻¹ ← A⁻¹ − (A⁻¹x)(A⁻¹x)ᵀ / (1 + xᵀA⁻¹x),
// O(d²) per pull) and b_a = Σ r x, so θ̂_a = A_a⁻¹ b_a. O(K d²) work per pull; Eigen buffers
// allocated once. The context's size must be d. The per-pull loops are
// bandits/policies/linear_kernel.hpp, compiled for each fixed d ≤ 16 (run-time d above), with
// identical numbers either way.
//
//   linucb           p_a = θ̂_aᵀx + α sqrt(xᵀA_a⁻¹x); the largest p_a, lowest index among
//                    ties, probability 1. Li, Chu, Langford & Schapire (2010), "A
//                    contextual-bandit approach to personalized news article
//                    recommendation", WWW, Alg. 1 (λ = 1 there).
//   linear-thompson  Agrawal & Goyal (2013), "Thompson sampling for contextual bandits with
//                    linear payoffs", ICML, Alg. 1, with the disjoint features b_a(t) = e_a ⊗ x:
//                    then B is block-diagonal, the posterior N(μ̂, v² B⁻¹) factorises over
//                    arms, and the score b_a(t)ᵀμ̃ = xᵀθ̃_a ~ N(xᵀθ̂_a, v² xᵀA_a⁻¹x)
//                    independently per arm — so each arm's score is drawn directly as that
//                    scalar normal, exactly the paper's algorithm at O(d²) per arm.
//                    v = R sqrt(24 d ln(1/δ) / ε) by default (their Thm 1), or given.
//                    Probability of the choice: NaN unless `propensity` (quadrature).
//   contextual-epsilon-greedy  with probability ε a uniformly random arm, otherwise the
//                    greedy arm argmax_a θ̂_aᵀx of the per-arm models (lowest index among
//                    ties), so the propensities are exact: 1 − ε + ε/K for the greedy arm and
//                    ε/K for the others. ε-greedy: Sutton & Barto (2018), Reinforcement
//                    Learning, sec. 2.2; its contextual form with a regression oracle as in
//                    Langford & Zhang (2007), "The epoch-greedy algorithm for contextual
//                    multi-armed bandits", NIPS (constant ε here). model = "ridge": the
//                    ridge regression above (exact, Sherman–Morrison). model = "logistic"
//                    (rewards in [0, 1], e.g. LogisticContextualBandit-v0): per-arm logistic
//                    regression P(r = 1 | x) = σ(θ_aᵀx) fitted online by one Newton step per
//                    observation on the L2-penalised log-likelihood with the Hessian
//                    accumulated at the current estimate (the online Laplace approximation
//                    of Chapelle & Li 2011, Alg. 3, with the full instead of a diagonal
//                    precision; equivalently the extended Kalman filter for logistic
//                    regression): with p = σ(θ_aᵀx) before the update and w = p(1 − p),
//                    H_a ← H_a + w x xᵀ (H_a = λ I initially; H_a⁻¹ kept by Sherman–Morrison)
//                    and θ_a ← θ_a + H_a⁻¹ x (r − p). σ is increasing, so the greedy arm is
//                    still argmax θ̂_aᵀx.
#pragma once
#include <Eigen/Dense>

#include "bandits/policies/bandit_policy.hpp"
#include "bandits/policies/linear_kernel.hpp"

namespace rlsim {

class LinearPolicy : public BanditAgent {
 public:
  std::int64_t num_arms() const final { return k_; }
  // Evaluation mode: the indicator of argmax θ̂_aᵀx; otherwise act() must be deterministic
  // (linucb); linear-thompson throws (no closed form).
  void action_probabilities(const Value& obs, std::span<double> out) override;
  std::int64_t dimension() const { return d_; }
  std::int64_t pulls() const { return t_; }
  const Eigen::MatrixXd& inverse(std::int64_t arm) const;  // A_a⁻¹
  const Eigen::VectorXd& b(std::int64_t arm) const;
  const Eigen::VectorXd& theta(std::int64_t arm) const;  // θ̂_a = A_a⁻¹ b_a
  // xᵀ A_a⁻¹ x for a context x.
  double variance_term(std::int64_t arm, const Eigen::VectorXd& x) const;
  void learn(const Transition& transition) override;
  void save(StateDict& out) const override;
  void load(const StateDict& in) override;
  // Compile-time-d loops (the default, for d ≤ linear_kernel::kMaxFixedDimension) or the
  // run-time-d ones; both give identical numbers (for tests and benchmarks).
  void set_fixed_size_kernels(bool fixed);
  bool fixed_size_kernels() const { return fixed_size_; }

 protected:
  LinearPolicy(std::string name, std::int64_t num_arms, std::int64_t dimension, double lambda,
               std::int64_t first_action);
  // Copies the observation into x_ (throws if its size is not d).
  void read_context(const Value& obs);
  void emit(std::int64_t arm, Value& action, Decision& decision, double probability) const;
  // Evaluation mode: argmax θ̂_aᵀx.
  void act_greedy(Value& action, Decision& decision);
  // mean_[a] = θ̂_aᵀx and quad_[a] = xᵀA_a⁻¹x for the context in x_, every arm.
  void compute_scores();
  // The model update after `arm` earned reward r in context x_ (default: the ridge step).
  virtual void update(std::size_t arm, double r);

  std::string name_;
  std::int64_t k_, d_, first_action_;
  double lambda_;
  std::int64_t t_ = 0;
  std::vector<Eigen::MatrixXd> inverse_;
  std::vector<Eigen::VectorXd> b_, theta_;
  Eigen::VectorXd x_, y_;                                 // context and A⁻¹x scratch
  std::vector<const double*> inverse_data_, theta_data_;  // per-arm storage for the kernels
  std::vector<double> mean_, quad_;
  bool fixed_size_ = true;
  linear_kernel::Kernels kernels_;
};

struct LinUcbConfig {
  double alpha = 1.0;
  double lambda = 1.0;
};

class LinUcb final : public LinearPolicy {
 public:
  LinUcb(std::int64_t num_arms, std::int64_t dimension, const LinUcbConfig& config = {},
         std::int64_t first_action = 0);
  // p_a for context x.
  double ucb(std::int64_t arm, const Eigen::VectorXd& x) const;
  void act(const Value& obs, Value& action, Decision& decision) override;

 private:
  double alpha_;
};

struct LinearThompsonConfig {
  double v = 0.0;  // 0: R sqrt(24 d ln(1/δ) / ε)
  double r = 0.1;
  double epsilon = 0.5;
  double delta = 0.1;
  double lambda = 1.0;
  bool propensity = false;
};

class LinearThompson final : public LinearPolicy {
 public:
  LinearThompson(std::int64_t num_arms, std::int64_t dimension, const LinearThompsonConfig& config,
                 std::uint64_t seed, std::int64_t first_action = 0);
  double v() const { return v_; }
  void act(const Value& obs, Value& action, Decision& decision) override;

 protected:
  Rng* random_stream() override { return &rng_; }

 private:
  double v_;
  bool propensity_;
  Rng rng_;
  std::vector<double> sd_;  // per-arm score law (with mean_), kept for the propensity
};

enum class RewardModel { Ridge, Logistic };

class ContextualEpsilonGreedy final : public LinearPolicy {
 public:
  ContextualEpsilonGreedy(std::int64_t num_arms, std::int64_t dimension, double epsilon,
                          double lambda, std::uint64_t seed, std::int64_t first_action = 0,
                          RewardModel model = RewardModel::Ridge);
  double epsilon() const { return epsilon_; }
  RewardModel model() const { return model_; }
  void save(StateDict& out) const override;
  void load(const StateDict& in) override;
  // argmax_a θ̂_aᵀx for the context in obs (lowest index among ties).
  std::int64_t greedy_arm(const Value& obs);
  void act(const Value& obs, Value& action, Decision& decision) override;
  void action_probabilities(const Value& obs, std::span<double> out) override;

 protected:
  void update(std::size_t arm, double r) override;
  Rng* random_stream() override { return &rng_; }

 private:
  double epsilon_;
  Rng rng_;
  RewardModel model_;
};

}  // namespace rlsim

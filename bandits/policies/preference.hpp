// Stochastic policies that keep an explicit distribution over arms; the probability reported
// for the arm drawn is that distribution's entry (exact). Each draws its arm by inverse CDF
// from one uniform of its own Rng; O(K) per pull, no allocation.
//
//   softmax                   π(a) ∝ exp(Q_a / τ) on sample averages Q (initial_value for an
//                             arm never pulled). Temperature fixed, or decaying τ_t = τ / ln(t+2)
//                             (t = pulls so far), the logarithmic annealing studied by
//                             Kuleshov & Precup (2014), "Algorithms for multi-armed bandit
//                             problems", §4. Boltzmann exploration: Sutton & Barto (2018) §2.8
//                             and Cesa-Bianchi & Fischer (1998).
//   gradient-bandit           π = softmax(H); after reward R on arm A:
//                             H(A) += α (R − R̄)(1 − π(A)), H(a) −= α (R − R̄) π(a) for a ≠ A,
//                             R̄ the average of the rewards before this one (R̄ = R at the first
//                             pull), or 0 without baseline. Sutton & Barto (2018) §2.8, eq. 2.12.
//   pursuit                   π moves toward the greedy arm of the updated sample averages:
//                             π(a*) += β (1 − π(a*)), π(a) −= β π(a) otherwise (lowest index
//                             among greedy ties); π starts uniform. Thathachar & Sastry (1985);
//                             Sutton & Barto (1998, 1st ed.) §2.9.
//   reinforcement-comparison  π = softmax(p); p(A) += β (R − r̄); then r̄ += α (R − r̄).
//                             Sutton & Barto (1998, 1st ed.) §2.8.
#pragma once
#include "bandits/policies/bandit_policy.hpp"

namespace rlsim {

// Softmax of x / temperature into p (max-subtracted).
void softmax_into(const double* x, std::int64_t n, double temperature, double* p);

struct SoftmaxConfig {
  double tau = 0.1;
  bool decay = false;  // τ_t = τ / ln(t + 2)
  double initial_value = 0.0;
};

class SoftmaxPolicy final : public BanditPolicy {
 public:
  SoftmaxPolicy(std::int64_t num_arms, const SoftmaxConfig& config, std::uint64_t seed,
                std::int64_t first_action = 0);
  double temperature() const;
  // The distribution the next pull is drawn from.
  const std::vector<double>& probabilities();
  void act(const Value& obs, Value& action, Decision& decision) override;
  void action_probabilities(const Value& obs, std::span<double> out) override;

 protected:
  Rng* random_stream() override { return &rng_; }

 private:
  SoftmaxConfig config_;
  Rng rng_;
  std::vector<double> q_, p_;
};

struct GradientBanditConfig {
  double alpha = 0.1;
  bool baseline = true;
};

class GradientBandit final : public BanditPolicy {
 public:
  GradientBandit(std::int64_t num_arms, const GradientBanditConfig& config, std::uint64_t seed,
                 std::int64_t first_action = 0);
  const std::vector<double>& preferences() const { return h_; }
  const std::vector<double>& probabilities() const { return p_; }
  double baseline() const { return baseline_; }
  void act(const Value& obs, Value& action, Decision& decision) override;
  void action_probabilities(const Value& obs, std::span<double> out) override;
  void learn(const Transition& transition) override;

 protected:
  void save_extra(StateDict& out) const override;
  void load_extra(const StateDict& in) override;
  Rng* random_stream() override { return &rng_; }

 private:
  GradientBanditConfig config_;
  Rng rng_;
  std::vector<double> h_, p_;
  double baseline_ = 0.0;
};

class Pursuit final : public BanditPolicy {
 public:
  Pursuit(std::int64_t num_arms, double beta, std::uint64_t seed, std::int64_t first_action = 0);
  const std::vector<double>& probabilities() const { return p_; }
  void act(const Value& obs, Value& action, Decision& decision) override;
  void action_probabilities(const Value& obs, std::span<double> out) override;
  void learn(const Transition& transition) override;

 protected:
  void save_extra(StateDict& out) const override;
  void load_extra(const StateDict& in) override;
  Rng* random_stream() override { return &rng_; }

 private:
  double beta_;
  Rng rng_;
  std::vector<double> p_;
};

struct ReinforcementComparisonConfig {
  double alpha = 0.1;  // step size of the reference reward
  double beta = 0.1;   // step size of the preferences
  double initial_reference = 0.0;
};

class ReinforcementComparison final : public BanditPolicy {
 public:
  ReinforcementComparison(std::int64_t num_arms, const ReinforcementComparisonConfig& config,
                          std::uint64_t seed, std::int64_t first_action = 0);
  const std::vector<double>& preferences() const { return h_; }
  const std::vector<double>& probabilities() const { return p_; }
  double reference() const { return reference_; }
  void act(const Value& obs, Value& action, Decision& decision) override;
  void action_probabilities(const Value& obs, std::span<double> out) override;
  void learn(const Transition& transition) override;

 protected:
  void save_extra(StateDict& out) const override;
  void load_extra(const StateDict& in) override;
  Rng* random_stream() override { return &rng_; }

 private:
  ReinforcementComparisonConfig config_;
  Rng rng_;
  std::vector<double> h_, p_;
  double reference_;
};

}  // namespace rlsim

// Exponential-weights policies for adversarial bandits with rewards in [0, 1]. Each keeps a
// score per arm, plays P = (1 − γ) softmax(score) + γ / K (γ = 0 where there is no uniform
// mixing) and reports the exact P of the arm drawn. O(K) per pull, no allocation; rewards
// outside [0, 1] are an error.
//
//   exp3     loss-based importance-weighted estimator: L̂_a += (1 − X) / P_a for the arm
//            pulled; score = −η L̂. η defaults to sqrt(2 ln K / (T K)), γ to 0:
//            Lattimore & Szepesvári (2020), Bandit Algorithms, §11.3 and Thm 11.2; EXP3 of
//            Auer, Cesa-Bianchi, Freund & Schapire (2002), SIAM J. Comput. 32(1), whose
//            uniform mixing γ is kept as an option.
//   exp3-ix  implicit exploration: L̃_a += (1 − X) / (P_a + γ) for the arm pulled, no mixing;
//            η = sqrt(2 ln K / (K T)), γ = η / 2 by default. Neu (2015), "Explore no more:
//            improved high-probability regret bounds for non-stochastic bandits", NIPS, Thm 1.
//   exp3p    EXP3.P: score s_j += γ/(3K) (x̂_j + α / (P_j sqrt(K T))) for every arm, x̂_j =
//            X / P_j for the arm pulled and 0 otherwise; defaults γ = min(3/5, 2 sqrt(3/5 ·
//            K ln K / T)) and α = 2 sqrt(ln(K T / δ)): Auer et al. (2002), Fig. 4 and Thm 6.3.
//
// All three need rewards in [0, 1] (the setting of Auer et al. 2002): their registry check
// refuses problems whose EnvSpec reward range is not inside [0, 1].
#pragma once
#include "bandits/policies/bandit_policy.hpp"

namespace rlsim {

class ExponentialWeights : public BanditPolicy {
 public:
  // The distribution of the next pull.
  const std::vector<double>& probabilities();
  const std::vector<double>& scores() const { return score_; }
  double gamma_mix() const { return mix_; }
  void act(const Value& obs, Value& action, Decision& decision) override;
  void action_probabilities(const Value& obs, std::span<double> out) override;
  void learn(const Transition& transition) override;

 protected:
  ExponentialWeights(std::string name, std::int64_t num_arms, double mix, std::uint64_t seed,
                     std::int64_t first_action);
  // Updates score_ after reward x ∈ [0, 1] on `arm`, drawn with probabilities p_.
  virtual void update(std::int64_t arm, double x) = 0;
  void save_extra(StateDict& out) const override;
  void load_extra(const StateDict& in) override;
  Rng* random_stream() override { return &rng_; }

  std::vector<double> score_;
  std::vector<double> p_;

 private:
  double mix_;
  bool fresh_ = false;  // p_ matches score_
  Rng rng_;
};

struct Exp3Config {
  double eta = 0.0;    // 0: sqrt(2 ln K / (T K))
  double gamma = 0.0;  // uniform mixing
  std::int64_t horizon = 0;
};

class Exp3 final : public ExponentialWeights {
 public:
  Exp3(std::int64_t num_arms, const Exp3Config& config, std::uint64_t seed,
       std::int64_t first_action = 0);
  double eta() const { return eta_; }
  // Cumulative estimated losses L̂.
  std::vector<double> estimated_losses() const;

 protected:
  void update(std::int64_t arm, double x) override;

 private:
  double eta_;
};

struct Exp3IxConfig {
  double eta = 0.0;     // 0: sqrt(2 ln K / (K T))
  double gamma = -1.0;  // < 0: eta / 2
  std::int64_t horizon = 0;
};

class Exp3Ix final : public ExponentialWeights {
 public:
  Exp3Ix(std::int64_t num_arms, const Exp3IxConfig& config, std::uint64_t seed,
         std::int64_t first_action = 0);
  double eta() const { return eta_; }
  double gamma() const { return gamma_; }

 protected:
  void update(std::int64_t arm, double x) override;

 private:
  double eta_, gamma_;
};

struct Exp3PConfig {
  double delta = 0.05;
  double alpha = 0.0;  // 0: 2 sqrt(ln(K T / δ))
  double gamma = 0.0;  // 0: min(3/5, 2 sqrt(3/5 · K ln K / T))
  std::int64_t horizon = 0;
};

class Exp3P final : public ExponentialWeights {
 public:
  Exp3P(std::int64_t num_arms, const Exp3PConfig& config, std::uint64_t seed,
        std::int64_t first_action = 0);
  double alpha() const { return alpha_; }

 protected:
  void update(std::int64_t arm, double x) override;

 private:
  double alpha_, gamma_, bonus_scale_;
};

}  // namespace rlsim

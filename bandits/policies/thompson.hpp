// Thompson sampling: draw one sample from each arm's posterior and pull the largest.
//
//   thompson             Beta–Bernoulli: prior Beta(α₀, β₀) (default uniform), posterior
//                        Beta(α₀ + S_a, β₀ + F_a). Rewards in [0, 1] that are not 0 or 1 are
//                        turned into a Bernoulli(r) success by the policy's own Rng, as in
//                        Agrawal & Goyal (2012), "Analysis of Thompson sampling for the
//                        multi-armed bandit problem", COLT, Alg. 2. Thompson (1933).
//   optimistic-thompson  the same, each sample replaced by max(sample, posterior mean):
//                        Chapelle & Li (2011), "An empirical evaluation of Thompson sampling",
//                        NIPS, §4 ("optimistic Thompson sampling").
//   gaussian-thompson    θ_a ~ N(μ̂_a, σ² / (N_a + 1)) with μ̂_a = S_a / (N_a + 1): Agrawal &
//                        Goyal (2013), "Further optimal regret bounds for Thompson sampling",
//                        AISTATS, Alg. 2 (σ = 1 there; σ scales it for known reward noise).
//
// Beta draws use the exact Marsaglia–Tsang gamma sampler (bandits/math/gamma_sampler.hpp),
// whose constants are updated only for the arm pulled: O(K) draws and O(1) setup per pull,
// no allocation. The probability of the arm chosen, P(arm = argmax of the K draws), has no
// closed form: it is reported as NaN unless `propensity` is on, in which case it is computed
// by adaptive Gauss–Kronrod quadrature of ∫ f_a(x) Π_{b≠a} F_b(x) dx over the chosen arm's
// posterior (relative tolerance 1e-10; O(K) CDF evaluations per node — for off-policy
// evaluation, not for speed). Optimistic Thompson always reports NaN.
//
// thompson and optimistic-thompson need rewards in [0, 1]: their registry check refuses
// problems whose EnvSpec reward range is not inside it (gaussian-thompson accepts any).
#pragma once
#include "bandits/math/gamma_sampler.hpp"
#include "bandits/policies/bandit_policy.hpp"

namespace rlsim {

struct BetaThompsonConfig {
  double prior_alpha = 1.0;
  double prior_beta = 1.0;
  bool optimistic = false;
  bool propensity = false;
};

class BetaThompson final : public BanditPolicy {
 public:
  BetaThompson(std::int64_t num_arms, const BetaThompsonConfig& config, std::uint64_t seed,
               std::int64_t first_action = 0);
  double posterior_alpha(std::int64_t arm) const;
  double posterior_beta(std::int64_t arm) const;
  // P(arm has the largest posterior draw), by quadrature.
  double choice_probability(std::int64_t arm) const;
  void act(const Value& obs, Value& action, Decision& decision) override;
  void learn(const Transition& transition) override;

 protected:
  void save_extra(StateDict& out) const override;
  void load_extra(const StateDict& in) override;
  Rng* random_stream() override { return &rng_; }

 private:
  void refresh(std::size_t arm);
  BetaThompsonConfig config_;
  Rng rng_;
  std::vector<double> successes_, failures_;
  std::vector<GammaSampler> alpha_, beta_;
  mutable std::vector<double> shape_a_, shape_b_;  // scratch for choice_probability
};

struct GaussianThompsonConfig {
  double sigma = 1.0;
  bool propensity = false;
};

class GaussianThompson final : public BanditPolicy {
 public:
  GaussianThompson(std::int64_t num_arms, const GaussianThompsonConfig& config, std::uint64_t seed,
                   std::int64_t first_action = 0);
  double posterior_mean(std::int64_t arm) const;
  double posterior_sd(std::int64_t arm) const;
  double choice_probability(std::int64_t arm) const;
  void act(const Value& obs, Value& action, Decision& decision) override;
  void learn(const Transition& transition) override;

 protected:
  void load_extra(const StateDict& in) override;
  Rng* random_stream() override { return &rng_; }

 private:
  void refresh(std::size_t arm);
  GaussianThompsonConfig config_;
  Rng rng_;
  std::vector<double> mean_, sd_;
};

}  // namespace rlsim

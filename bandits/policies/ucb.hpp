// Index policies for stationary stochastic bandits: each arm gets an upper-confidence index
// computed from its statistics, and the policy pulls the arm of largest index.
//
// Contract (all of them): t is the number of pulls so far and N_a, μ̂_a the pull count and
// empirical mean of arm a. Policies that need every arm once (all but Bayes-UCB) first pull
// the arms in order 0..K−1 (IndexPolicy, bandits/policies/index_policy.hpp). Ties go to the
// lowest index, so every choice is deterministic given the history and is reported with
// probability 1. index(a) is public so tests can check it on a fixed history; act() picks
// argmax_a index(a) (KL-UCB and Bayes-UCB skip the root /
// quantile of an arm that provably cannot beat the current best, which does not change the
// choice; KL-UCB visits the arms by decreasing empirical mean so that the first root found is
// usually the winner's and the skip test fires for most others — tests/bandits/
// test_kl_ucb_order.cpp checks the choices equal the unpruned argmax step by step). No
// allocation per pull; O(K) work per pull (KL-UCB: K root finds at most).
//
//   UCB1        μ̂ + sqrt(2 ln t / N)                       Auer, Cesa-Bianchi & Fischer (2002),
//                                                          Machine Learning 47, Fig. 1
//   UCB1-Tuned  μ̂ + sqrt(ln t / N · min(1/4, V)),         same paper, §4 ("UCB1-TUNED"),
//               V = mean of squares − μ̂² + sqrt(2 ln t / N)
//   UCB-V       μ̂ + sqrt(2 V ε / N) + c · 3 b ε / N,       Audibert, Munos & Szepesvári (2009),
//               ε = ζ ln t, V the empirical variance        Theor. Comp. Sci. 410(19), eq. (1)
//               (defaults ζ = 1.2, c = 1, rewards in [0, b] with b = 1)
//   MOSS        μ̂ + sqrt(max(ln(T / (K N)), 0) / N)       Audibert & Bubeck (2009), COLT
//   KL-UCB      max{q : N d(μ̂, q) ≤ ln t + c ln ln t}      Garivier & Cappé (2011), COLT; c = 0
//               (ln ln t counted only where positive)       by default as in their experiments
//   Bayes-UCB   Q(1 − 1/(t (ln T)^c), Beta(1 + S, 1 + N − S)), t = pulls + 1 (the round)
//               Kaufmann, Cappé & Garivier (2012), AISTATS, Alg. 1, uniform prior; c = 0 as in
//               their experiments; rewards in [0, 1] (fractional S for non-binary rewards).
//
// Reward ranges (EnvSpec reward_min/reward_max), checked when the policy is made: UCB1-Tuned
// (its 1/4 is the variance bound of [0, 1] rewards) and Bayes-UCB refuse problems whose
// rewards are not in [0, 1]; UCB-V refuses unbounded rewards and takes b = reward_max −
// reward_min by default (parameter b = 0; its index is shift-invariant); KL-UCB's divergence
// "auto" (the default) is Bernoulli on [0, 1] problems and Gaussian otherwise, and an
// explicit family must match the support (Bernoulli [0, 1], Poisson/exponential >= 0).
#pragma once
#include <cmath>
#include <limits>

#include "bandits/math/kl.hpp"
#include "bandits/policies/bandit_policy.hpp"
#include "bandits/policies/index_policy.hpp"

namespace rlsim {

class Ucb1 final : public IndexPolicy<Ucb1> {
 public:
  explicit Ucb1(std::int64_t num_arms, std::int64_t first_action = 0);
  double index(std::int64_t arm) const;
  // argmax_a index(a) from a branch-free, vectorised index loop.
  std::int64_t best_arm();
  void learn(const Transition& transition) override;

 protected:
  void load_extra(const StateDict& in) override;

 private:
  // 1/N per arm and the index buffer, so the index loop is branch-free and vectorises.
  std::vector<double> inverse_counts_, index_;
};

class Ucb1Tuned final : public IndexPolicy<Ucb1Tuned> {
 public:
  explicit Ucb1Tuned(std::int64_t num_arms, std::int64_t first_action = 0);
  double index(std::int64_t arm) const;
};

struct UcbVConfig {
  double zeta = 1.2;  // exploration function ε_t = ζ ln t
  double c = 1.0;     // weight of the range term
  double b = 1.0;     // rewards lie in [0, b]
};

class UcbV final : public IndexPolicy<UcbV> {
 public:
  UcbV(std::int64_t num_arms, const UcbVConfig& config = {}, std::int64_t first_action = 0);
  double index(std::int64_t arm) const;

 private:
  UcbVConfig config_;
};

class Moss final : public IndexPolicy<Moss> {
 public:
  Moss(std::int64_t num_arms, std::int64_t horizon, std::int64_t first_action = 0);
  double index(std::int64_t arm) const;

 private:
  double horizon_over_k_;
};

struct KlUcbConfig {
  KlFamily divergence = KlFamily::Bernoulli;
  double c = 0.0;      // exploration: ln t + c ln ln t
  double sigma = 1.0;  // Gaussian divergence: the known reward standard deviation
};

class KlUcb final : public IndexPolicy<KlUcb> {
 public:
  KlUcb(std::int64_t num_arms, const KlUcbConfig& config = {}, std::int64_t first_action = 0);
  double index(std::int64_t arm) const;
  // ln t + c ln ln t at the current t (the right-hand side before division by N).
  double exploration() const;
  // argmax_a index(a), skipping the roots of arms that cannot win.
  std::int64_t best_arm();
  void learn(const Transition& transition) override;

 private:
  KlUcbConfig config_;
  std::vector<std::int64_t> order_;  // arms by decreasing empirical mean (then index)
};

struct BayesUcbConfig {
  double c = 0.0;
  std::int64_t horizon = 0;  // T in (ln T)^c; needed only when c > 0
};

class BayesUcb final : public BanditPolicy {
 public:
  BayesUcb(std::int64_t num_arms, const BayesUcbConfig& config = {}, std::int64_t first_action = 0);
  // The posterior tail mass 1/(t (ln T)^c) above the index at the current round.
  double tail_level() const;
  double index(std::int64_t arm) const;
  void act(const Value& obs, Value& action, Decision& decision) override;
  void learn(const Transition& transition) override;

 private:
  double log_horizon_power_ = 1.0;  // (ln T)^c
};

}  // namespace rlsim

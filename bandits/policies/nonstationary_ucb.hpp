// UCB policies for non-stationary (piecewise-stationary) bandits, from Garivier & Moulines
// (2011), "On upper-confidence bound policies for switching bandit problems", ALT (arXiv
// 0805.3415). Rewards are assumed in [0, B].
//
//   discounted-ucb      N_t(γ, i) = Σ_s γ^{t−s} 1[I_s = i], X̄_t(γ, i) the γ-discounted mean,
//                       n_t(γ) = Σ_i N_t(γ, i); index X̄ + 2B sqrt(ξ ln n_t(γ) / N_t(γ, i)).
//   sliding-window-ucb  counts and means over the last τ pulls; index
//                       X̄ + B sqrt(ξ ln min(t, τ) / N_t(τ, i)).
//
// An arm with no (windowed) pull has an infinite index; ties go to the lowest index, so the
// choice is deterministic (probability 1). Discounted UCB first pulls every arm once
// (IndexPolicy, bandits/policies/index_policy.hpp); the sliding window does not (an arm
// whose window count is 0 has the infinite index). Defaults are the paper's simulation
// settings: ξ = 0.6, B = 1, γ = 1 − 1/(4 sqrt T), τ = ⌊4 sqrt(T ln T)⌋ (T the horizon). O(K)
// per pull; the sliding window keeps a ring buffer of τ pulls allocated once and re-sums its
// window every τ pulls so that subtracting evicted rewards does not accumulate rounding.
#pragma once
#include "bandits/policies/bandit_policy.hpp"
#include "bandits/policies/index_policy.hpp"

namespace rlsim {

struct DiscountedUcbConfig {
  double gamma = 0.0;  // 0: 1 − 1/(4 sqrt T)
  double xi = 0.6;
  double b = 1.0;
  std::int64_t horizon = 0;
};

class DiscountedUcb final : public IndexPolicy<DiscountedUcb> {
 public:
  DiscountedUcb(std::int64_t num_arms, const DiscountedUcbConfig& config,
                std::int64_t first_action = 0);
  double gamma() const { return gamma_; }
  double discounted_count(std::int64_t arm) const { return n_[static_cast<std::size_t>(arm)]; }
  double discounted_sum(std::int64_t arm) const { return s_[static_cast<std::size_t>(arm)]; }
  double index(std::int64_t arm) const;
  // argmax_a index(a) with n_t(γ) summed once.
  std::int64_t best_arm();
  void learn(const Transition& transition) override;

 protected:
  void save_extra(StateDict& out) const override;
  void load_extra(const StateDict& in) override;

 private:
  double gamma_, xi_, b_;
  std::vector<double> n_, s_;
};

struct SlidingWindowUcbConfig {
  std::int64_t tau = 0;  // 0: ⌊4 sqrt(T ln T)⌋
  double xi = 0.6;
  double b = 1.0;
  std::int64_t horizon = 0;
};

class SlidingWindowUcb final : public BanditPolicy {
 public:
  SlidingWindowUcb(std::int64_t num_arms, const SlidingWindowUcbConfig& config,
                   std::int64_t first_action = 0);
  std::int64_t tau() const { return tau_; }
  std::int64_t window_count(std::int64_t arm) const { return wn_[static_cast<std::size_t>(arm)]; }
  double window_sum(std::int64_t arm) const { return ws_[static_cast<std::size_t>(arm)]; }
  double index(std::int64_t arm) const;
  void act(const Value& obs, Value& action, Decision& decision) override;
  void learn(const Transition& transition) override;

 protected:
  void save_extra(StateDict& out) const override;
  void load_extra(const StateDict& in) override;

 private:
  void resum();
  std::int64_t tau_;
  double xi_, b_;
  std::vector<std::int64_t> wn_;
  std::vector<double> ws_;
  std::vector<std::int32_t> ring_arm_;
  std::vector<double> ring_reward_;
  std::int64_t filled_ = 0;  // pulls in the window
  std::int64_t head_ = 0;    // next slot to write
};

}  // namespace rlsim

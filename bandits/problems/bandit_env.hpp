// Base of every bandit problem: an Env whose step is one pull of one of K arms, with an exact
// regret oracle.
//
// Contract: the action space is Discrete(K), K ≥ 2 (at most kMaxArms); a non-contextual
// problem observes Discrete(1) (always 0), a contextual one a Box(d) context. A bandit never
// terminates (EnvSpec::can_terminate = false): an episode is the horizon T, which is part of
// the problem (EnvSpec::horizon = T): it ends every episode, truncated, whatever
// max_episode_steps says (0 or a longer limit leave T; a shorter one is refused by the
// registry, docs/bandits.md), and a run's budget is one episode of T pulls. Truncated, not
// terminated: the arms and the oracle are as valid after pull T as before it; T is where
// the experiment stops, not a state of the problem (Gymnasium's distinction). oracle() returns the
// env itself: expected_reward(a) is the expected reward of arm a at the current step (after
// reset/step, before the next step), best_expected_reward() that of the best arm, so a runner
// computes the exact pseudo-regret Σ_t (μ*_t − μ_{a_t}(t)). Derived problems keep `means_` (the
// current expected reward of each arm) up to date and call update_best() whenever it changes. Every
// problem sets its EnvSpec reward_min/reward_max to the support of its rewards (a valid bound,
// infinite when the rewards are unbounded) with set_reward_range, so policies whose model needs
// bounded rewards (KL-UCB Bernoulli, EXP3, Beta Thompson) refuse it up front.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/env.hpp"

namespace rlsim {

class BanditEnv : public Env, public Oracle {
 public:
  std::int64_t num_arms() const { return k_; }
  std::int64_t horizon() const { return horizon_; }
  const std::vector<double>& current_means() const { return means_; }

  const Oracle* oracle() const override { return this; }
  double expected_reward(std::int64_t arm) const override {
    if (arm < 0 || arm >= k_) arm_out_of_range(arm);
    return means_[static_cast<std::size_t>(arm)];
  }
  double best_expected_reward() const override { return best_; }
  void observe(Value& obs) const override;

 protected:
  // Non-contextual problems pass Space::discrete(1) as the observation space.
  BanditEnv(std::string id, std::int64_t num_arms, std::int64_t horizon, Space observation_space);
  void update_best();
  // Sets EnvSpec::reward_min/reward_max (the support of the rewards; ±inf when unbounded).
  void set_reward_range(double lo, double hi);

  std::vector<double> means_;
  double best_ = 0.0;

 private:
  [[noreturn]] void arm_out_of_range(std::int64_t arm) const;
  std::int64_t k_ = 0;
  std::int64_t horizon_ = 0;
};

// The most arms a problem accepts: a policy keeps a few numbers per arm (and a contextual one
// a d x d matrix per arm), so K is bounded well below what exhausts memory.
inline constexpr std::int64_t kMaxArms = 1000000;

// Validation helpers shared by the problems; each throws rlsim::Error naming `id` and `param`.
// require_arms: 2 <= K <= kMaxArms.
void require_arms(const std::string& id, const std::string& param, std::int64_t k);
void require_horizon(const std::string& id, std::int64_t horizon);
// Every value finite and in [lo, hi] (open ends when lo_open/hi_open); `why` says what the
// values are (e.g. "a Bernoulli arm's mean is a probability").
void require_values_in(const std::string& id, const std::string& param,
                       const std::vector<double>& values, double lo, double hi, bool lo_open,
                       bool hi_open, const std::string& why);

}  // namespace rlsim

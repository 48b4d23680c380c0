// Twin Delayed DDPG (TD3; Fujimoto, van Hoof & Meger 2018, "Addressing Function
// Approximation Error in Actor-Critic Methods", ICML), and DDPG (Lillicrap et al. 2016,
// "Continuous control with deep reinforcement learning", ICLR) as its special case, as in
// Stable-Baselines3 2.x (stable_baselines3/td3/td3.py; ddpg/ddpg.py sets policy_delay 1, no
// target smoothing and one critic). Parameter names and defaults follow SB3 2.x.
//
// Contract (the acting and storing are OffPolicyAgent's, off_policy.hpp):
// - Actor μ(s): an MLP with ReLU hidden layers and a tanh output (scaled actions in
//   [-1, 1]); n_critics Q-networks on [s, a] (ContinuousCritic); target copies of both.
// - Each gradient step (SB3's TD3.train): a uniform minibatch; the target
//   y = r + d·min_i Q'_i(s', clip(μ'(s') + clip(ε, −c, c), −1, 1)), ε ~ N(0, σ²) per action
//   element (σ = target_policy_noise, c = target_noise_clip; no draw when σ = 0 or c = 0);
//   critic loss Σ_i MSE(Q_i(s, a), y), one Adam step. Every policy_delay-th update (counted
//   over the whole run): actor loss −mean Q_1(s, μ(s)), one Adam step, then Polyak updates
//   of both target networks with τ.
// - Training exploration is the deterministic actor plus action_noise (off_policy.hpp).
// - save/load adds "actor.*", "actor_target.*", "critic.*", "critic_target.*",
//   "actor_optimizer.*", "critic_optimizer.*".
// - diagnostics(): critic_loss, actor_loss (NaN in a phase without an actor update),
//   learning_rate; one row per training phase (means over its gradient steps).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "agents/deep/off_policy.hpp"

namespace rlsim {

// Defaults: SB3 2.x TD3 (td3.py) and its TD3Policy (net_arch [400, 300], from the paper).
struct Td3Config : OffPolicyConfig {
  double learning_rate = 1e-3;
  std::vector<nn::Index> net_arch{400, 300};
  std::int64_t policy_delay = 2;
  double target_policy_noise = 0.2;
  double target_noise_clip = 0.5;
  std::int64_t n_critics = 2;
  void validate() const;
};

class Td3Agent : public OffPolicyAgent {
 public:
  Td3Agent(const Td3Config& config, const Space& observation_space, const Space& action_space,
           std::uint64_t seed, std::string name = "td3");

  // The TD3 target y (B × 1) for next observations (B × obs), rewards and discounts (B × 1)
  // and the target-policy noise ε before clipping (B × act).
  void compute_targets(const nn::Matrix& next_obs, const nn::Matrix& reward,
                       const nn::Matrix& discount, const nn::Matrix& noise, nn::Matrix& out);
  nn::Mlp& actor() { return actor_; }
  nn::Mlp& actor_target() { return actor_target_; }
  ContinuousCritic& critic() { return critic_; }
  ContinuousCritic& critic_target() { return critic_target_; }

 protected:
  void deterministic_action(std::span<const float> obs, std::span<float> out) override;
  double sample_policy_action(std::span<const float> obs, std::span<float> out) override;
  void train(std::int64_t gradient_steps) override;
  void save_learner(StateDict& out) const override;
  void load_learner(const StateDict& in) override;

 private:
  Td3Config config_;
  nn::Mlp actor_, actor_target_;
  ContinuousCritic critic_, critic_target_;
  nn::ParameterSync actor_sync_, critic_sync_;
  nn::Adam actor_optimizer_, critic_optimizer_;
  nn::Tape act_tape_{false}, target_tape_{false}, critic_tape_{true}, actor_tape_{true};
  nn::Matrix target_noise_, target_q_;
};

}  // namespace rlsim

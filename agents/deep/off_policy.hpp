// The common part of the off-policy agents for Box actions: SAC (sac.hpp), TD3 (td3.hpp) and
// DDPG (ddpg.cpp). It follows Stable-Baselines3 2.x's OffPolicyAlgorithm
// (stable_baselines3/common/off_policy_algorithm.py: collect_rollouts, _sample_action,
// _store_transition), so SB3's parameter names, defaults and rl-baselines3-zoo's tuned
// hyperparameters carry over.
//
// Contract of OffPolicyAgent:
// - Box observations (flattened) and a Box action space with finite bounds. The networks
//   work in the scaled action space [-1, 1]^d; an action a in [-1, 1] is sent to the env as
//   low + (a + 1)(high − low)/2 (SB3's unscale_action), and the replay buffer stores the
//   scaled action (recomputed from the env's action in observe()).
// - act: in training, uniform random actions in [-1, 1]^d for the first learning_starts env
//   steps (SB3 samples the action space), then the policy's training action
//   (sample_policy_action: SAC samples its squashed Gaussian, TD3/DDPG use the
//   deterministic actor); with action_noise, the noise is added and the sum clipped to
//   [-1, 1] (SB3 adds it during warm-up too). In evaluation mode: the deterministic action
//   (deterministic_action), no random draws. Decision, as PPO's: a deterministic action
//   (evaluation, or TD3/DDPG without noise) has probability 1 and log_prob 0; otherwise
//   probability is NaN and log_prob the log-density of the env action before clipping,
//   with the Jacobian of the rescaling: uniform in warm-up, the tanh-Gaussian for SAC, the
//   noise's density for the deterministic actor plus noise (SAC and warm-up with noise
//   report the density without the noise: the sum has none in closed form).
// - observe: stores (s, a, r, s', d) with d = γ, or 0 after a termination; a truncation
//   (time limit) bootstraps from the final observation (SB3's handle_timeout_termination).
//   The action noise is reset at the end of every episode. Then, every train_freq env steps
//   once more than learning_starts were taken, train(gradient_steps) (−1: train_freq
//   updates, as SB3).
// - Target networks use nn::ParameterSync (nn/module.hpp), as DQN: polyak(τ).
// - save/load: "counters" = [env steps, gradient updates], "rng" (one stream for
//   exploration, noise and minibatch sampling), "noise.*" (the Ornstein–Uhlenbeck state),
//   with save_replay_buffer also "replay.*"; the derived agent adds its networks and
//   optimizers (save_learner/load_learner). A loaded agent continues bit for bit.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "agents/deep/keep_best.hpp"
#include "agents/deep/replay_buffer.hpp"
#include "core/agent.hpp"
#include "core/config_schema.hpp"
#include "core/registry.hpp"
#include "core/rng.hpp"
#include "nn/nn.hpp"

namespace rlsim {

enum class ActionNoiseKind { none, normal, ornstein_uhlenbeck };

// Defaults shared by SB3 2.x's SAC, TD3 and DDPG (sac.py, td3.py, ddpg.py); the learning
// rate and net_arch, which differ, are in each agent's config.
struct OffPolicyConfig {
  std::int64_t buffer_size = 1000000;
  std::int64_t learning_starts = 100;
  std::int64_t batch_size = 256;
  double tau = 0.005;
  double gamma = 0.99;
  std::int64_t train_freq = 1;
  std::int64_t gradient_steps = 1;
  ActionNoiseKind action_noise = ActionNoiseKind::none;
  double action_noise_sigma = 0.1;
  bool save_replay_buffer = false;
  bool keep_best = false;  // agents/deep/keep_best.hpp
};

// The fields of OffPolicyConfig for an agent's schema (C derives from OffPolicyConfig).
template <class C>
ConfigSchema<C>& add_off_policy_fields(ConfigSchema<C>& schema, const std::string& sb3) {
  const Source s = source(sb3);
  return schema
      .field("buffer_size", &C::buffer_size, "replay capacity in transitions", at_least(1), s)
      .field("learning_starts", &C::learning_starts,
             "env steps of uniform random actions before learning starts", at_least(0), s)
      .field("batch_size", &C::batch_size, "minibatch size per gradient step", at_least(1), s)
      .field("tau", &C::tau, "Polyak coefficient of the target networks (1 = hard copy)",
             range(0, 1), s)
      .field("gamma", &C::gamma, "discount factor", range(0, 1), s)
      .field("train_freq", &C::train_freq, "env steps between training phases", at_least(1), s)
      .field("gradient_steps", &C::gradient_steps,
             "gradient steps per training phase; -1 = as many as env steps in the phase, i.e. "
             "train_freq",
             at_least(-1), s)
      .field("action_noise", &C::action_noise,
             "exploration noise added to the scaled action in training (then clipped to [-1, "
             "1]): none, normal N(0, sigma²), or ornstein-uhlenbeck (theta 0.15, dt 0.01, "
             "reset each episode; SB3's OrnsteinUhlenbeckActionNoise)",
             names<ActionNoiseKind>({{"none", ActionNoiseKind::none},
                                     {"normal", ActionNoiseKind::normal},
                                     {"ornstein-uhlenbeck", ActionNoiseKind::ornstein_uhlenbeck}}),
             source("SB3 2.x common/noise.py"))
      .field("action_noise_sigma", &C::action_noise_sigma,
             "standard deviation of the action noise, per action dimension (in the scaled "
             "space [-1, 1])",
             at_least(0), source("rl-baselines3-zoo noise_std"))
      .field("save_replay_buffer", &C::save_replay_buffer,
             "include the replay buffer in the saved state (needed for training to continue "
             "exactly after load; large)")
      .field("keep_best", &C::keep_best, kKeepBestDoc);
}

// Exploration noise of SB3 2.x (stable_baselines3/common/noise.py): NormalActionNoise
// (mean 0, sigma) and OrnsteinUhlenbeckActionNoise (mean 0, sigma, theta 0.15, dt 1e-2):
// x ← x + θ(0 − x)dt + σ√dt·N(0, 1), x = 0 after reset().
class ActionNoise {
 public:
  ActionNoise(ActionNoiseKind kind, double sigma, std::int64_t dim);
  bool active() const { return kind_ != ActionNoiseKind::none && sigma_ > 0.0; }
  // Writes one draw (active() only) and returns its log-density.
  double sample(Rng& rng, std::span<float> out);
  void reset();
  void save(StateDict& out, const std::string& prefix) const;
  void load(const StateDict& in, const std::string& prefix);

 private:
  ActionNoiseKind kind_;
  double sigma_;
  std::vector<double> state_;  // Ornstein–Uhlenbeck x
};

// n Q-networks Q_i(s, a), each an MLP on the concatenation [s, a] (SB3's ContinuousCritic,
// parameters "qf<i>.<layer>.weight"). forward(x) takes x = [s, a] (B × (obs + act)) and
// returns B × n, one column per critic.
class ContinuousCritic : public nn::Module {
 public:
  ContinuousCritic(nn::Index input_dim, const std::vector<nn::Index>& net_arch,
                   std::int64_t n_critics, Rng& rng);
  nn::Var forward(nn::Var x) override;
  nn::Var q(std::size_t i, nn::Var x) { return q_[i].forward(x); }
  std::size_t size() const { return q_.size(); }
  std::unique_ptr<nn::Module> clone() const override {
    return std::make_unique<ContinuousCritic>(*this);
  }
  void collect_parameters(const std::string& prefix, std::vector<nn::NamedParameter>& out) override;

 private:
  std::vector<nn::Mlp> q_;
};

// Checks that an env suits sac/td3/ddpg (Box observations, bounded Box actions).
std::optional<std::string> off_policy_check(const std::string& agent, const EnvSpec& spec);

class OffPolicyAgent : public Agent {
 public:
  OffPolicyAgent(std::string name, const OffPolicyConfig& config, const Space& observation_space,
                 const Space& action_space, std::uint64_t seed);

  void act(const Value& obs, Value& action, Decision& decision) override;
  void observe(const Transition& transition) override;
  DiagnosticsTable* diagnostics() override { return &diagnostics_; }
  bool has_state() const override { return true; }
  void save(StateDict& out) const override;
  void load(const StateDict& in) override;
  // keep_best (agents/deep/keep_best.hpp): the actor network of the best evaluation (the
  // only part that decides evaluation-mode actions; its target is for training).
  void evaluated(std::int64_t step, double mean_return) override {
    keep_best_.evaluated(*this, step, mean_return);
  }
  bool finish_training() override { return keep_best_.finish(*this); }

  std::int64_t num_timesteps() const { return num_timesteps_; }
  std::int64_t num_updates() const { return num_updates_; }
  const ReplayBuffer& replay() const { return buffer_; }
  std::int64_t obs_dim() const { return obs_dim_; }
  std::int64_t action_dim() const { return action_dim_; }

 protected:
  // The scaled action in [-1, 1]^d for one observation (1 × obs): deterministic (evaluation)
  // or the training action before noise; the latter returns its log-density in the scaled
  // space, or NaN when the action is deterministic (TD3, DDPG).
  virtual void deterministic_action(std::span<const float> obs, std::span<float> out) = 0;
  virtual double sample_policy_action(std::span<const float> obs, std::span<float> out) = 0;
  virtual void train(std::int64_t gradient_steps) = 0;
  virtual void save_learner(StateDict& out) const = 0;
  virtual void load_learner(const StateDict& in) = 0;

  // Draws a uniform minibatch into batch_obs_, batch_action_, batch_next_, batch_reward_
  // (B × 1) and batch_discount_ (B × 1).
  void sample_batch();

  OffPolicyConfig common_;
  std::string name_;
  std::int64_t obs_dim_, action_dim_;
  std::vector<float> low_, high_;
  Rng rng_;
  ActionNoise noise_;
  ReplayBuffer buffer_;
  std::int64_t num_timesteps_ = 0, num_updates_ = 0;
  nn::Matrix batch_obs_, batch_action_, batch_next_, batch_reward_, batch_discount_;
  DiagnosticsTable diagnostics_;

 private:
  std::vector<float> scaled_, noise_draw_;
  std::vector<std::int64_t> batch_index_;
  KeepBest keep_best_;
};

}  // namespace rlsim

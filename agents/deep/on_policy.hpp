// OnPolicyAgent: what A2C (a2c.hpp) and PPO (ppo.hpp) share, after Stable-Baselines3's
// OnPolicyAlgorithm: rollout collection over N vectorised envs, observation / reward
// normalisation (VecNormalize), the actor-critic network, GAE targets and save/load.
//
// Contract:
// - Box observations (flattened); Discrete actions (categorical policy over logits) or Box
//   actions (diagonal Gaussian with state-independent log_std). num_envs() = n_envs; with
//   n_envs = 1 the runner calls act/observe, which are the batched forms with N = 1.
// - Rollouts of n_steps × n_envs. act_batch normalises the N observations (updating the
//   running statistics), samples the actions and stores observation, action, log-prob and
//   V(s). A Box action is clipped to the action bounds for the env; the stored action and
//   its log-prob are those of the unclipped sample (SB3). observe_batch stores the (scaled)
//   rewards and the flags; for a truncated step it evaluates V(final observation) for the
//   bootstrap (advantage.hpp). When the rollout is full, the next act_batch computes
//   V(s_T) from its observations (as SB3 uses _last_obs), the GAE targets, and calls
//   train() before acting with the updated policy.
// - Schedules follow SB3: progress_remaining = 1 − num_timesteps / total_timesteps at each
//   update; a linear learning rate is learning_rate · progress_remaining (rl-zoo's lin_X).
// - Evaluation mode: observations normalised with the frozen statistics, the most likely
//   action (argmax, or the mean clipped to the bounds), probability 1, no random draws,
//   no learning, nothing stored.
// - save/load (StateDict): "policy.*" (actor_critic.hpp), "optimizer.*", "obs_rms.*",
//   "ret_rms.*" when normalising, the partial rollout "rollout.*", "counters" =
//   [num_timesteps, rollout position, updates], "rng": a loaded agent continues exactly as
//   the uninterrupted one would.
// - No allocation per step: every buffer is sized in the constructor.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "agents/deep/actor_critic.hpp"
#include "agents/deep/running_normalizer.hpp"
#include "core/agent.hpp"
#include "nn/nn.hpp"
#include "core/rng.hpp"

namespace rlsim {

struct OnPolicyConfig {
  std::int64_t n_envs = 1;
  std::int64_t n_steps = 2048;
  double gamma = 0.99;
  double gae_lambda = 0.95;
  bool normalize_advantage = true;
  double ent_coef = 0.0;
  double vf_coef = 0.5;
  double max_grad_norm = 0.5;
  double learning_rate = 3e-4;
  bool linear_lr = false;  // learning_rate · progress_remaining
  std::int64_t total_timesteps = 100000;
  bool normalize_obs = false;
  bool normalize_reward = false;
  double clip_obs = 10.0;
  double clip_reward = 10.0;
  std::vector<nn::Index> net_arch{64, 64};
  nn::Activation activation = nn::Activation::tanh;
  bool shared_trunk = false;
  bool ortho_init = true;
  double log_std_init = 0.0;
  // Optimizer: Adam (eps 1e-5, SB3 ActorCriticPolicy's default) or RMSprop.
  bool rms_prop = false;
  double adam_eps = 1e-5;
  double rms_prop_alpha = 0.99;
  double rms_prop_eps = 1e-5;
};

class OnPolicyAgent : public Agent {
 public:
  OnPolicyAgent(std::string name, const OnPolicyConfig& config, const Space& observation_space,
                const Space& action_space, std::uint64_t seed);
  void act(const Value& obs, Value& action, Decision& decision) override;
  void observe(const Transition& transition) override;
  std::int64_t num_envs() const override { return config_.n_envs; }
  void act_batch(std::span<const Value> obs, std::span<Value> actions,
                 std::span<Decision> decisions) override;
  void observe_batch(std::span<const Transition> transitions) override;
  DiagnosticsTable* diagnostics() override { return &diagnostics_; }
  void save(StateDict& out) const override;
  void load(const StateDict& in) override;

  ActorCriticNet& network() { return net_; }
  nn::Optimizer& optimizer() { return *optimizer_; }
  std::int64_t num_timesteps() const { return num_timesteps_; }
  std::int64_t updates() const { return updates_; }
  const OnPolicyConfig& config() const { return config_; }
  // SB3's _current_progress_remaining: 1 − num_timesteps / total_timesteps, at least 0.
  double progress_remaining() const;
  const ObservationNormalizer* obs_normalizer() const { return obs_norm_ ? &*obs_norm_ : nullptr; }

 protected:
  // One update from the full rollout (advantages_ and returns_ are filled).
  virtual void train() = 0;
  // Copies rollout rows `rows` into the minibatch buffers.
  void gather(std::span<const std::int64_t> rows);
  struct Evaluated {
    nn::Var log_prob;  // B×1
    nn::Var entropy;   // B×1 (categorical) or 1×1 (Gaussian: state-independent)
    nn::Var value;     // B×1
  };
  // Records the policy on the gathered minibatch on train_tape_ (which it resets).
  Evaluated evaluate_minibatch();
  // Normalises the gathered advantages to mean 0, std 1 (unbiased std + 1e-8, as SB3).
  void normalize_minibatch_advantages();
  // Sets the optimizer's learning rate for this update and returns it.
  double apply_learning_rate();

  std::string name_;
  OnPolicyConfig config_;
  bool discrete_;
  nn::Index obs_dim_, action_dim_;             // action_dim_: logits (Discrete) or dimensions (Box)
  std::int64_t action_start_ = 0, store_dim_;  // store_dim_: 1 (index) or action_dim_
  std::vector<float> low_, high_;
  Rng rng_;
  ActorCriticNet net_;
  std::unique_ptr<nn::Optimizer> optimizer_;
  nn::Tape act_tape_{false}, train_tape_{true};
  std::optional<ObservationNormalizer> obs_norm_;
  std::optional<RewardNormalizer> reward_norm_;

  // The rollout, step-major (t·N + i).
  std::vector<float> obs_, actions_, log_probs_, values_, rewards_, final_values_;
  std::vector<std::uint8_t> terminated_, truncated_;
  std::vector<float> advantages_, returns_, last_values_;
  std::int64_t pos_ = 0;
  // The gathered minibatch.
  std::int64_t mb_rows_ = 0;
  std::vector<float> mb_obs_, mb_actions_, mb_log_probs_, mb_values_, mb_advantages_, mb_returns_;
  std::vector<std::int64_t> mb_labels_;

  std::int64_t num_timesteps_ = 0, updates_ = 0;
  DiagnosticsTable diagnostics_;

 private:
  void finish_rollout();
  void prepare_obs(std::span<const Value> obs, bool update);

  std::vector<float> raw_obs_, norm_obs_, step_rewards_;
  std::vector<std::uint8_t> step_done_;
  std::vector<float> trunc_obs_;
  std::vector<std::int64_t> trunc_rows_;
  std::vector<float> sample_;  // action_dim_ unclipped Gaussian sample
};

// The compatibility check of both agents: Box observations; Discrete or Box actions.
std::optional<std::string> on_policy_check(const std::string& agent, const EnvSpec& spec);

}  // namespace rlsim

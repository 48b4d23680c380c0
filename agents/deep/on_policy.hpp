// OnPolicyAgent: what A2C (a2c.hpp) and PPO (ppo.hpp) share, after Stable-Baselines3's
// OnPolicyAlgorithm: rollout collection over N vectorised envs, observation / reward
// normalisation (VecNormalize), the actor-critic network, GAE targets and save/load.
// It is built from parts: the network (actor_critic.hpp), the policy head that samples and
// scores actions (policy_head.hpp), the rollout with its minibatches (rollout_buffer.hpp)
// and the normalisers (running_normalizer.hpp); an algorithm supplies train().
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
//   total_timesteps = 0 is the run's step budget (training_budget.hpp).
// - Evaluation mode: observations normalised with the frozen statistics, the most likely
//   action (argmax, or the mean clipped to the bounds), probability 1, no random draws,
//   no learning, nothing stored.
// - save/load (StateDict): "policy.*" (actor_critic.hpp), "optimizer.*", "obs_rms.*",
//   "ret_rms.*" when normalising, the partial rollout "rollout.*", "counters" =
//   [num_timesteps, rollout position, updates], "rng": a loaded agent continues exactly as
//   the uninterrupted one would.
// - keep_best: the best evaluated policy is delivered (agents/deep/keep_best.hpp).
// - No allocation per step: every buffer is sized in the constructor.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "agents/deep/actor_critic.hpp"
#include "agents/deep/keep_best.hpp"
#include "agents/deep/policy_head.hpp"
#include "agents/deep/rollout_buffer.hpp"
#include "agents/deep/running_normalizer.hpp"
#include "core/agent.hpp"
#include "core/config_schema.hpp"
#include "core/rng.hpp"
#include "nn/nn.hpp"

namespace rlsim {

// A schedule of the learning rate or PPO's clip range: constant, or the initial value times
// progress_remaining (rl-zoo's lin_X).
enum class Annealing { constant, linear };

// The parameters A2C and PPO share, with SB3 PPO's defaults; A2cConfig sets A2C's.
struct OnPolicyConfig {
  std::int64_t n_envs = 1;
  std::int64_t n_steps = 2048;
  double gamma = 0.99;
  double gae_lambda = 0.95;
  double ent_coef = 0.0;
  double vf_coef = 0.5;
  double max_grad_norm = 0.5;
  double learning_rate = 3e-4;
  Annealing lr_schedule = Annealing::constant;
  std::int64_t total_timesteps = 0;  // 0: the run's step budget (training_budget.hpp)
  bool normalize_advantage = true;
  bool normalize_obs = false;
  bool normalize_reward = false;
  double clip_obs = 10.0;
  double clip_reward = 10.0;
  std::vector<nn::Index> net_arch{64, 64};
  nn::Activation activation = nn::Activation::tanh;
  bool shared_trunk = false;
  bool ortho_init = true;
  double log_std_init = 0.0;
  // Optimizer: Adam (eps 1e-5, SB3 ActorCriticPolicy's default) or RMSprop (A2C's choice).
  bool use_rms_prop = false;
  double adam_eps = 1e-5;
  double rms_prop_alpha = 0.99;
  double rms_prop_eps = 1e-5;
  bool keep_best = false;  // agents/deep/keep_best.hpp
};

// Binds the parameters both agents share (their order in `describe`) to `schema`, whose
// Config derives from OnPolicyConfig; `sb3` names the SB3 class whose defaults the Config
// holds (e.g. "SB3 2.x PPO").
template <class Config>
requires std::is_base_of_v<OnPolicyConfig, Config> ConfigSchema<Config>
&add_on_policy_fields(ConfigSchema<Config>& schema, const std::string& sb3) {
  using C = Config;
  const auto annealing =
      names<Annealing>({{"constant", Annealing::constant}, {"linear", Annealing::linear}});
  return schema
      .field("n_envs", &C::n_envs,
             "env copies stepped together (a vector env when > 1); rl-zoo's n_envs", range(1, 4096))
      .field("n_steps", &C::n_steps,
             "steps per env per rollout; a rollout has n_steps × n_envs transitions", at_least(1),
             source(sb3))
      .field("gamma", &C::gamma, "discount factor", range(0, 1), source(sb3))
      .field("gae_lambda", &C::gae_lambda,
             "GAE λ (Schulman et al. 2016); 1 = n-step advantage (Mnih et al. 2016)", range(0, 1),
             source(sb3))
      .field("ent_coef", &C::ent_coef, "entropy bonus coefficient", at_least(0), source(sb3))
      .field("vf_coef", &C::vf_coef, "value-loss coefficient", at_least(0), source(sb3))
      .field("max_grad_norm", &C::max_grad_norm,
             "clip the global gradient norm to this (0: no clipping)", at_least(0), source(sb3))
      .field("learning_rate", &C::learning_rate,
             "optimizer step size; with lr_schedule = linear the initial value", at_least(0),
             source(sb3))
      .field("lr_schedule", &C::lr_schedule,
             "constant, or linear: learning_rate × progress_remaining, annealed to 0 at "
             "total_timesteps (rl-zoo's lin_X)",
             annealing)
      .field("total_timesteps", &C::total_timesteps,
             "budget in env steps (all copies) that progress_remaining refers to (SB3's "
             "learn(total_timesteps)); 0 = the run's step budget (100000 without one)",
             at_least(0))
      .field("normalize_advantage", &C::normalize_advantage,
             "normalise advantages to mean 0, std 1 per minibatch", source(sb3))
      .field("normalize_obs", &C::normalize_obs,
             "running mean/std observation normalisation (SB3 VecNormalize norm_obs; rl-zoo's "
             "normalize: true)")
      .field("normalize_reward", &C::normalize_reward,
             "scale rewards by the running std of the discounted return (SB3 VecNormalize "
             "norm_reward)")
      .field("clip_obs", &C::clip_obs, "normalised observations are clipped to ±clip_obs",
             at_least(0), source("SB3 VecNormalize"))
      .field("clip_reward", &C::clip_reward, "normalised rewards are clipped to ±clip_reward",
             at_least(0), source("SB3 VecNormalize"))
      .field("net_arch", &C::net_arch, "hidden widths of the policy trunk and of the value trunk",
             at_least(1), source("SB3 ActorCriticPolicy"))
      .field("activation", &C::activation, "hidden activation", names(nn::activation_names()),
             source("SB3 ActorCriticPolicy"))
      .field("shared_trunk", &C::shared_trunk,
             "one trunk feeds both heads (Mnih et al. 2016); false = separate policy and value "
             "networks",
             source("SB3 >= 1.8"))
      .field("ortho_init", &C::ortho_init,
             "orthogonal init, gains √2 trunk / 0.01 policy / 1 value",
             source("SB3 ActorCriticPolicy"))
      .field("log_std_init", &C::log_std_init,
             "initial log std of the Gaussian policy for Box actions",
             source("SB3 ActorCriticPolicy"))
      .field("keep_best", &C::keep_best, kKeepBestDoc);
}

class OnPolicyAgent : public Agent {
 public:
  // `diagnostics`: the names of the values train() records per update.
  OnPolicyAgent(std::string name, const OnPolicyConfig& config, const Space& observation_space,
                const Space& action_space, std::uint64_t seed,
                std::vector<std::string> diagnostics);
  void act(const Value& obs, Value& action, Decision& decision) override;
  void observe(const Transition& transition) override;
  std::int64_t num_envs() const override { return config_.n_envs; }
  void act_batch(std::span<const Value> obs, std::span<Value> actions,
                 std::span<Decision> decisions) override;
  void observe_batch(std::span<const Transition> transitions) override;
  DiagnosticsTable* diagnostics() override { return &diagnostics_; }
  bool has_state() const override { return true; }
  void save(StateDict& out) const override;
  void load(const StateDict& in) override;
  // Checkpoints (core/agent.hpp): save() plus keep_best's copy.
  bool can_checkpoint() const override { return true; }
  void save_checkpoint(StateDict& out) const override;
  void load_checkpoint(const StateDict& in) override;
  // keep_best (agents/deep/keep_best.hpp): the policy network and the observation
  // normaliser's statistics of the best evaluation.
  void evaluated(std::int64_t step, double mean_return) override {
    keep_best_.evaluated(*this, step, mean_return);
  }
  bool finish_training() override { return keep_best_.finish(*this); }
  const KeepBest& keep_best() const { return keep_best_; }

  ActorCriticNet& network() { return net_; }
  nn::Optimizer& optimizer() { return *optimizer_; }
  std::int64_t num_timesteps() const { return num_timesteps_; }
  std::int64_t updates() const { return updates_; }
  const OnPolicyConfig& config() const { return config_; }
  // SB3's _current_progress_remaining: 1 − num_timesteps / total_timesteps, at least 0.
  double progress_remaining() const;
  const ObservationNormalizer* obs_normalizer() const { return obs_norm_ ? &*obs_norm_ : nullptr; }

 protected:
  // One update from the full rollout (its advantages and returns are computed).
  virtual void train() = 0;

  // What train() works with.
  const RolloutBuffer& rollout() const { return rollout_; }
  Rng& rng() { return rng_; }
  // Sets the optimizer's learning rate for this update and returns it.
  double apply_learning_rate();
  struct Evaluated {
    nn::Var log_prob;  // B×1
    nn::Var entropy;   // B×1 (categorical) or 1×1 (Gaussian: state-independent)
    nn::Var value;     // B×1
  };
  // Records the policy and the value on the minibatch on train_tape() (which it resets).
  Evaluated evaluate(const Minibatch& mb);
  nn::Tape& train_tape() { return train_tape_; }
  // Zeroes the gradients, backpropagates `loss`, clips the global gradient norm to
  // max_grad_norm (when > 0) and takes an optimizer step.
  void gradient_step(nn::Var loss);
  // A diagnostics row (the names given to the constructor) at the current env step.
  void record_update(std::initializer_list<double> row) {
    diagnostics_.add_row(num_timesteps_, row);
  }

 private:
  void finish_rollout();
  void prepare_obs(std::span<const Value> obs, bool update);

  std::string name_;
  OnPolicyConfig config_;
  PolicyHead head_;
  nn::Index obs_dim_;
  Rng rng_;
  ActorCriticNet net_;
  std::unique_ptr<nn::Optimizer> optimizer_;
  nn::Tape act_tape_{false}, train_tape_{true};
  std::optional<ObservationNormalizer> obs_norm_;
  std::optional<RewardNormalizer> reward_norm_;
  RolloutBuffer rollout_;
  std::int64_t num_timesteps_ = 0, updates_ = 0;
  DiagnosticsTable diagnostics_;
  KeepBest keep_best_;

  // Scratch of one step: the N observations (raw and normalised), the stored form of one
  // action, the rewards and ends for the reward normaliser, the final observations of the
  // truncated envs, V(s_T) at the end of a rollout.
  std::vector<float> raw_obs_, norm_obs_, stored_action_, step_rewards_;
  std::vector<std::uint8_t> step_done_;
  std::vector<float> trunc_obs_;
  std::vector<std::int64_t> trunc_rows_;
  std::vector<float> last_values_;
};

// The compatibility check of both agents: Box observations; Discrete or Box actions.
std::optional<std::string> on_policy_check(const std::string& agent, const EnvSpec& spec);

}  // namespace rlsim

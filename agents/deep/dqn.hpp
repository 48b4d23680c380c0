// Deep Q-network agent (Mnih et al. 2015, "Human-level control through deep reinforcement
// learning", Nature 518), with the options of its common extensions: double DQN (van
// Hasselt, Guez & Silver 2016), dueling heads (Wang et al. 2016), n-step returns (Sutton
// 1988; Hessel et al. 2018) and proportional prioritized replay (Schaul et al. 2016).
// Parameter names, defaults and the order of operations follow Stable-Baselines3's DQN
// (SB3 2.x, stable_baselines3/dqn/dqn.py), so its tuned hyperparameters (rl-baselines3-zoo)
// carry over.
//
// Contract:
// - Box observations (flattened), Discrete actions.
// - act: in training, uniform random actions for the first `learning_starts` steps
//   (probability 1/n), then ε-greedy on the online network with ε linear from
//   exploration_initial_eps to exploration_final_eps over exploration_fraction ×
//   total_timesteps env steps (SB3's get_linear_fn); the probability reported is the
//   ε-greedy probability of the chosen action (1 − ε + ε/n for the greedy one, ε/n
//   otherwise; ties go to the first maximum, as torch.argmax). In evaluation mode: greedy,
//   probability 1, no random draws and no learning.
// - observe: stores the transition (through an n-step window), counts the env step, then
//   (SB3 order) updates the target network every target_update_interval env steps
//   (target ← τ·online + (1 − τ)·target; τ = 1 is a hard copy) and, every train_freq env
//   steps once more than learning_starts steps were taken, runs gradient_steps updates
//   (−1: as many as the env steps of the phase, train_freq, as SB3) of Adam on a minibatch:
//   y = G + d·Q_target(s', a*) with a* = argmax Q_target (or argmax Q_online with
//   double_q); loss Huber(δ = 1) (SB3's smooth_l1_loss) or MSE of Q(s, a) − y, weighted
//   by the importance weights with prioritized replay; gradients clipped to a global norm
//   max_grad_norm (0: no clipping). d = γ^k after k steps, 0 after a termination; a
//   truncation bootstraps from the final observation (replay_buffer.hpp).
// - No heap allocation per step in steady state: preallocated replay arrays, reused tapes
//   and batch matrices (only the diagnostics table grows, one row per training phase).
// - save/load (StateDict): "q_net.*", "q_net_target.*" (nn/serialize.hpp names),
//   "optimizer.*", "counters" = [env steps, gradient updates], "rng" (the exploration and
//   sampling stream); with save_replay_buffer also "replay.*", "nstep.*", "per.*", so that
//   a loaded agent continues training bit for bit as if never interrupted.
// - diagnostics(): columns loss, mean_q, epsilon, learning_rate; one row per training
//   phase (the means over its gradient steps), at the env step it ran.
// - keep_best: evaluated() (the runner's evaluation during training) keeps a copy of the
//   online network whenever the mean evaluation return is ≥ the best so far; at the end,
//   finish_training() puts the kept network into the online and target networks when it is
//   not the current one (the runner then evaluates it on fresh episodes). The copy is not
//   part of save(); a run without evaluation during training is refused at its end.
// - The machinery (acting, replay, schedules, target updates, the training loop, save/load,
//   keep_best) is shared with QR-DQN (qr_dqn.hpp) through the protected constructor and the
//   virtual greedy_action / minibatch_loss_backward; add_dqn_fields binds the parameters
//   both have.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "agents/deep/replay_buffer.hpp"
#include "core/agent.hpp"
#include "core/config_schema.hpp"
#include "core/registry.hpp"
#include "core/rng.hpp"
#include "nn/nn.hpp"

namespace rlsim {

enum class DqnLoss { huber, mse };

// Defaults: Stable-Baselines3 2.x DQN (stable_baselines3/dqn/dqn.py) and its MlpPolicy
// (net_arch [64, 64], ReLU); PER constants from Schaul et al. 2016, Table 3 (proportional).
struct DqnConfig {
  double learning_rate = 1e-4;
  std::int64_t buffer_size = 1000000;
  std::int64_t learning_starts = 100;
  std::int64_t batch_size = 32;
  double tau = 1.0;
  std::int64_t target_update_interval = 10000;
  std::int64_t train_freq = 4;
  std::int64_t gradient_steps = 1;
  double gamma = 0.99;
  double exploration_fraction = 0.1;
  double exploration_initial_eps = 1.0;
  double exploration_final_eps = 0.05;
  double max_grad_norm = 10.0;  // 0: no clipping
  std::vector<nn::Index> net_arch{64, 64};
  nn::Activation activation = nn::Activation::relu;
  DqnLoss loss = DqnLoss::huber;
  bool double_q = false;
  bool dueling = false;
  std::int64_t n_step = 1;
  bool prioritized = false;
  double per_alpha = 0.6;
  double per_beta0 = 0.4;
  double per_eps = 1e-6;
  std::int64_t total_timesteps = 0;  // 0: the run's step budget (training_budget.hpp)
  bool save_replay_buffer = false;
  // Deliver the policy of the best evaluation during training instead of the last one
  // (the idea of SB3's EvalCallback best_model_save_path); ties go to the later policy.
  bool keep_best = false;
  // gradient_steps = 0 would never train.
  void validate() const;
};

// Binds the parameters of DqnConfig that DQN and QR-DQN share to `schema` (C derives from
// DqnConfig), in the order `describe` lists them. `defaults` names where C's defaults come
// from (e.g. "SB3 2.x DQN"), `policy` where net_arch and activation come from. With
// dqn_heads, DQN's own loss and dueling are bound too (QR-DQN has neither).
template <class C>
requires std::is_base_of_v<DqnConfig, C> ConfigSchema<C>
&add_dqn_fields(ConfigSchema<C>& schema, const std::string& defaults, const std::string& policy,
                bool dqn_heads) {
  const Source sb3 = source(defaults);
  const Source per = source("Schaul et al. 2016");
  schema.field("learning_rate", &C::learning_rate, "Adam step size", at_least(0), sb3)
      .field("buffer_size", &C::buffer_size, "replay capacity in transitions", at_least(1), sb3)
      .field("learning_starts", &C::learning_starts,
             "env steps of uniform random actions before learning starts", at_least(0), sb3)
      .field("batch_size", &C::batch_size, "minibatch size per gradient step", at_least(1), sb3)
      .field("tau", &C::tau,
             "target update coefficient: 1 = hard copy (Mnih et al. 2015), < 1 = Polyak "
             "averaging",
             range(0, 1), sb3)
      .field("target_update_interval", &C::target_update_interval,
             "env steps between target-network updates", at_least(1), sb3)
      .field("train_freq", &C::train_freq, "env steps between training phases", at_least(1), sb3)
      .field("gradient_steps", &C::gradient_steps,
             "gradient steps per training phase; -1 = as many as env steps in the phase, "
             "i.e. train_freq",
             at_least(-1), sb3)
      .field("gamma", &C::gamma, "discount factor", range(0, 1), sb3)
      .field("exploration_fraction", &C::exploration_fraction,
             "fraction of total_timesteps over which epsilon decays linearly", range(0, 1), sb3)
      .field("exploration_initial_eps", &C::exploration_initial_eps, "initial epsilon", range(0, 1),
             sb3)
      .field("exploration_final_eps", &C::exploration_final_eps, "final epsilon", range(0, 1), sb3)
      .field("max_grad_norm", &C::max_grad_norm,
             "clip gradients to this global L2 norm (0: no clipping)", at_least(0), sb3)
      .field("net_arch", &C::net_arch, "hidden layer widths", at_least(1), source(policy))
      .field("activation", &C::activation, "hidden activation", names(nn::activation_names()),
             source(policy));
  if (dqn_heads) {
    schema.field("loss", &C::loss,
                 "TD loss: huber (delta 1, SB3's smooth_l1_loss; the error clipping of Mnih et "
                 "al. 2015) or mse",
                 names<DqnLoss>({{"huber", DqnLoss::huber}, {"mse", DqnLoss::mse}}), sb3);
  }
  schema.field("double_q", &C::double_q,
               "double DQN target: online argmax, target value (van Hasselt et al. 2016)");
  if (dqn_heads) {
    schema.field("dueling", &C::dueling, "dueling value/advantage heads (Wang et al. 2016)");
  }
  return schema
      .field("n_step", &C::n_step, "n-step returns (Sutton 1988; Hessel et al. 2018 use 3)",
             range(1, 100))
      .field("prioritized", &C::prioritized,
             "proportional prioritized replay (Schaul et al. 2016, sum tree)")
      .field("alpha", &C::per_alpha, "PER priority exponent alpha", range(0, 1), per)
      .field("beta0", &C::per_beta0,
             "PER importance exponent at the start, annealed linearly to 1 over "
             "total_timesteps",
             range(0, 1), per)
      .field("priority_eps", &C::per_eps,
             dqn_heads ? "PER: priority = |TD error| + priority_eps"
                       : "PER: priority = the sample's loss + priority_eps",
             at_least(0))
      .field("total_timesteps", &C::total_timesteps,
             "training budget in env steps that exploration_fraction and the beta schedule "
             "refer to (SB3's learn(total_timesteps)); 0 = the run's step budget (100000 "
             "when the run has no step budget)",
             at_least(0))
      .field("save_replay_buffer", &C::save_replay_buffer,
             "include the replay buffer in the saved state (needed for training to continue "
             "exactly after load; large)")
      .field("keep_best", &C::keep_best,
             "deliver the policy of the best evaluation during training (needs [eval] "
             "every; ties go to the later policy; the final evaluation then plays fresh "
             "episodes), as SB3's EvalCallback best model; false = the last policy");
}

// Why `agent` (dqn, qr-dqn) cannot run on an env, or nothing: it needs Box observations and
// Discrete actions.
std::optional<std::string> dqn_env_check(const std::string& agent, const EnvSpec& spec);

// Q(s, ·) for every action: an MLP, or a dueling trunk with value and advantage heads,
// Q = V + A − mean_a A (Wang et al. 2016, eq. 9).
class QNetwork : public nn::Module {
 public:
  QNetwork(nn::Index obs_dim, nn::Index n_actions, const std::vector<nn::Index>& net_arch,
           nn::Activation activation, bool dueling, Rng& rng);
  nn::Var forward(nn::Var x) override;
  std::unique_ptr<nn::Module> clone() const override { return std::make_unique<QNetwork>(*this); }
  void collect_parameters(const std::string& prefix, std::vector<nn::NamedParameter>& out) override;

 private:
  bool dueling_;
  std::optional<nn::Mlp> body_;  // the whole network, or the dueling trunk
  std::optional<nn::Linear> value_, advantage_;
};

class DqnAgent : public Agent {
 public:
  DqnAgent(const DqnConfig& config, const Space& observation_space, const Space& action_space,
           std::uint64_t seed);
  ~DqnAgent() override = default;

  void act(const Value& obs, Value& action, Decision& decision) override;
  void observe(const Transition& transition) override;
  DiagnosticsTable* diagnostics() override { return &diagnostics_; }
  bool has_state() const override { return true; }
  void save(StateDict& out) const override;
  void load(const StateDict& in) override;
  // Checkpoints (core/agent.hpp): save() with the replay buffer (whatever
  // save_replay_buffer says) and keep_best's copy ("keep_best.*").
  bool can_checkpoint() const override { return true; }
  void save_checkpoint(StateDict& out) const override;
  void load_checkpoint(const StateDict& in) override;
  void evaluated(std::int64_t step, double mean_return) override;
  bool finish_training() override;

  // For tests and tools.
  double epsilon() const;
  std::int64_t num_timesteps() const { return num_timesteps_; }
  std::int64_t num_updates() const { return num_updates_; }
  // keep_best: the training step of the kept policy (-1: none yet) and its evaluation.
  std::int64_t best_step() const { return best_step_; }
  double best_return() const { return best_return_; }
  QNetwork& q_network() { return q_; }
  QNetwork& target_network() { return target_; }
  const ReplayBuffer& replay() const { return buffer_; }
  // TD targets y_i = G_i + d_i·Q_target(s'_i, a*_i) for the rows of next_obs (B × obs).
  void compute_targets(const nn::Matrix& next_obs, std::span<const float> returns,
                       std::span<const float> discounts, std::span<float> out);
  // Zeroes the online network's gradients, records the (weighted) TD loss of Q(obs, a)
  // against `targets`, backpropagates it and returns it (no optimizer step).
  double td_loss_backward(const nn::Matrix& obs, std::span<const std::int64_t> actions,
                          std::span<const float> targets, std::span<const float> weights);

 protected:
  // For an agent built on DQN's machinery with another network head (qr_dqn.hpp): `name`
  // for messages and the initialisation stream ("dqn": DQN's), `outputs_per_action` network
  // outputs per action (n_actions × outputs_per_action in all; dueling needs 1), `adam` the
  // optimizer's options.
  DqnAgent(std::string name, const DqnConfig& config, const Space& observation_space,
           const Space& action_space, std::uint64_t seed, std::int64_t outputs_per_action,
           const nn::AdamOptions& adam);
  // The greedy action of row `row` of a network output (rows × n_actions·outputs_per_action):
  // the first maximum of Q. DQN: the outputs are Q.
  virtual nn::Index greedy_action(const nn::ConstMatrixMap& output, nn::Index row) const;
  // One gradient step's loss on the minibatch in batch_obs_, batch_action_, batch_next_,
  // batch_return_, batch_discount_ (importance weights batch_weight_): zeroes the gradients,
  // backpropagates the loss, writes each sample's priority signal into td_error_ (for
  // prioritized replay: p = |td_error| + priority_eps), adds Σ over the batch of Q(s, a) to
  // q_sum (the mean_q diagnostic) and returns the loss.
  virtual double minibatch_loss_backward(double& q_sum);

  std::string name_;
  DqnConfig config_;
  std::int64_t obs_dim_, n_actions_, action_start_;
  Rng rng_;
  QNetwork q_, target_;
  nn::ParameterSync sync_;
  nn::Adam optimizer_;
  nn::Tape act_tape_{false}, target_tape_{false}, train_tape_{true};
  ReplayBuffer buffer_;
  std::optional<PrioritizedSampler> prioritized_;
  NStepWindow window_;
  std::int64_t num_timesteps_ = 0, num_updates_ = 0, last_train_ = 0;
  // Minibatch buffers, sized once.
  nn::Matrix batch_obs_, batch_next_;
  std::vector<std::int64_t> batch_index_, batch_action_, next_action_;
  std::vector<float> batch_return_, batch_discount_, batch_target_, batch_weight_;
  std::vector<double> td_error_;
  DiagnosticsTable diagnostics_;
  std::int64_t best_step_ = -1;
  double best_return_ = 0.0;
  std::vector<nn::Matrix> best_params_;

 private:
  std::int64_t greedy(std::span<const float> obs);
  void train(std::int64_t gradient_steps);
};

}  // namespace rlsim

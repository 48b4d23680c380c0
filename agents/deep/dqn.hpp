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
//   max_grad_norm. d = γ^k after k steps, 0 after a termination; a truncation bootstraps
//   from the final observation (replay_buffer.hpp).
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
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "agents/deep/replay_buffer.hpp"
#include "core/agent.hpp"
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
  double max_grad_norm = 10.0;
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

 private:
  std::int64_t greedy(std::span<const float> obs);
  void train(std::int64_t gradient_steps);

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
};

}  // namespace rlsim

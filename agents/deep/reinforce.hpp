// REINFORCE: Monte-Carlo policy gradient (Williams 1992, "Simple statistical
// gradient-following algorithms for connectionist reinforcement learning", Machine
// Learning 8), with an optional learned state-value baseline (Sutton & Barto 2nd ed.
// §13.3–13.4) and an entropy bonus (Williams & Peng 1991; Mnih et al. 2016).
//
// Contract:
// - Box observations (flattened). Discrete actions: a softmax policy over the logits of an
//   MLP. Box actions: a diagonal Gaussian N(μ(s), diag σ²) with μ an MLP and log σ a
//   state-independent learned vector (initial value log_std_init), as SB3's
//   DiagGaussianDistribution. A sampled Box action is clipped to the action bounds before
//   the env sees it (as SB3 does); the gradient and the reported log-density are those of
//   the unclipped sample.
// - act reports the probability of the chosen discrete action (its log too) or the
//   log-density of the Gaussian sample (probability NaN). Evaluation mode: the most likely
//   action (argmax, or μ), probability 1, no random draws, no learning.
// - observe stores the step; when the episode ends the agent computes the returns
//   G_t = Σ_k γ^k r_{t+k} (after a truncation, with a baseline, the tail is bootstrapped
//   from V(final observation); without one the episode is treated as complete), the
//   advantages A_t = G_t − V(s_t) (or G_t), optionally normalised to mean 0, std 1, and
//   takes one Adam step on the policy loss −mean_t[A_t log π(a_t|s_t)] −
//   ent_coef·mean_t[H(π(·|s_t))], and one on the baseline's MSE loss to G_t. The γ^t
//   factor of the exact episodic gradient is omitted, as in common implementations
//   (Spinning Up's VPG, CleanRL).
// - Buffers grow to the longest episode seen and are then reused (no allocation per step).
// - save/load (StateDict): "policy.*", "policy_optimizer.*", "log_std", "value.*",
//   "value_optimizer.*", "counters" = [episodes learned, steps], "rng" (the sampling stream)
//   and "episode.obs|actions|rewards" (the episode in progress), so a loaded agent continues
//   exactly as one never interrupted; the last two are optional on load.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "agents/deep/keep_best.hpp"
#include "core/agent.hpp"
#include "core/rng.hpp"
#include "nn/nn.hpp"

namespace rlsim {

// Defaults: learning rates and network of common CartPole settings (no single reference
// implementation; Spinning Up's VPG uses tanh [64, 64]), γ and log_std_init as SB3.
struct ReinforceConfig {
  double learning_rate = 1e-3;
  double baseline_learning_rate = 1e-3;
  double gamma = 0.99;
  bool baseline = true;
  double ent_coef = 0.0;
  bool normalize_advantage = false;
  std::vector<nn::Index> net_arch{64, 64};
  nn::Activation activation = nn::Activation::tanh;
  double log_std_init = 0.0;
  double max_grad_norm = 0.0;  // 0: no clipping
  bool keep_best = false;      // agents/deep/keep_best.hpp
};

class ReinforceAgent : public Agent {
 public:
  ReinforceAgent(const ReinforceConfig& config, const Space& observation_space,
                 const Space& action_space, std::uint64_t seed);
  void act(const Value& obs, Value& action, Decision& decision) override;
  void observe(const Transition& transition) override;
  DiagnosticsTable* diagnostics() override { return &diagnostics_; }
  bool has_state() const override { return true; }
  void save(StateDict& out) const override;
  void load(const StateDict& in) override;
  // keep_best (agents/deep/keep_best.hpp): the policy network and log std of the best
  // evaluation.
  void evaluated(std::int64_t step, double mean_return) override {
    keep_best_.evaluated(*this, step, mean_return);
  }
  bool finish_training() override { return keep_best_.finish(*this); }

  // For tests: zeroes the policy gradients, records the policy-gradient loss (with the
  // entropy term) for the given rows, backpropagates it and returns it. `actions` holds
  // one index per row (discrete) or action_dim floats per row (Gaussian).
  double policy_loss_backward(const nn::Matrix& obs, std::span<const float> actions,
                              std::span<const float> advantages);
  nn::Mlp& policy() { return policy_; }
  nn::Parameter& log_std() { return log_std_; }
  std::int64_t episodes_learned() const { return episodes_; }

 private:
  void learn_episode(bool truncated, const Value& final_obs);

  ReinforceConfig config_;
  bool discrete_;
  std::int64_t obs_dim_, action_dim_, n_actions_, action_start_;
  std::vector<float> low_, high_;
  Rng rng_;
  nn::Mlp policy_;
  nn::Parameter log_std_;
  std::optional<nn::Mlp> value_;
  std::optional<nn::Adam> policy_opt_, value_opt_;
  nn::Tape act_tape_{false}, train_tape_{true};
  // The current episode, row by row.
  std::vector<float> ep_obs_, ep_actions_, ep_rewards_;
  std::vector<float> returns_, advantages_;
  nn::Matrix batch_obs_;
  std::vector<float> sample_;
  std::vector<std::int64_t> labels_;
  double last_entropy_ = 0.0;
  std::int64_t episodes_ = 0, steps_ = 0;
  DiagnosticsTable diagnostics_;
  KeepBest keep_best_{"reinforce", config_.keep_best, {"policy.", "log_std"}};
};

}  // namespace rlsim

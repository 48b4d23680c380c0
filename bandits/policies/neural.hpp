// neural-epsilon-greedy: ε-greedy on a neural reward model, for contextual bandits whose
// expected reward is not linear in the context.
//
// Model: one MLP (core/nn) from the Box(d) context to K outputs, output a = the predicted
// reward of arm a (a shared trunk with K heads, as the neural-greedy baselines of Riquelme,
// Tucker & Snoek (2018), "Deep Bayesian bandits showdown", ICLR). After every revealed
// transition (x, a, r) is stored in a replay ring of the `replay` most recent samples and,
// once it holds `minibatch` samples, one Adam step (Kingma & Ba 2015) on the mean squared
// error (f(x_i)_{a_i} − r_i)² over `minibatch` samples drawn uniformly from the ring.
// Acting: with probability ε a uniformly random arm, otherwise argmax_a f(x)_a (lowest
// index among ties); propensities exact (1 − ε + ε/K greedy, ε/K others). Evaluation mode:
// greedy. save/load move the network ("net.*"), Adam's state ("optimizer.*"), the replay
// ring ("replay.contexts", "replay.arms", "replay.rewards"), "counters" = [stored, next
// slot, updates] and the random stream ("rng", optional on load), so a loaded policy
// continues exactly as one never interrupted.
// Buffers (tapes, replay, minibatch) are allocated once.
#pragma once
#include <optional>

#include "bandits/policies/bandit_policy.hpp"
#include "nn/nn.hpp"

namespace rlsim {

struct NeuralEpsilonGreedyConfig {
  double epsilon = 0.1;
  std::int64_t hidden = 32;  // units in each of the two hidden layers (ReLU)
  double learning_rate = 1e-2;
  std::int64_t replay = 512;
  std::int64_t minibatch = 32;
};

class NeuralEpsilonGreedy final : public BanditAgent {
 public:
  NeuralEpsilonGreedy(std::int64_t num_arms, std::int64_t dimension,
                      const NeuralEpsilonGreedyConfig& config, std::uint64_t seed,
                      std::int64_t first_action = 0);
  std::int64_t num_arms() const override { return k_; }
  std::int64_t updates() const { return updates_; }
  // f(x)_a for every arm, into out (size K).
  void predict(const Value& obs, std::span<double> out);
  void act(const Value& obs, Value& action, Decision& decision) override;
  void action_probabilities(const Value& obs, std::span<double> out) override;
  void save(StateDict& out) const override;
  void load(const StateDict& in) override;

 protected:
  void learn(const Transition& transition) override;
  Rng* random_stream() override { return &rng_; }

 private:
  std::int64_t greedy_arm(const Value& obs);
  void read_context(const Value& obs);

  std::int64_t k_, d_, first_action_;
  NeuralEpsilonGreedyConfig config_;
  Rng rng_;
  Rng init_rng_;
  nn::Mlp net_;
  nn::Adam optimizer_;
  nn::Tape act_tape_, train_tape_{true};
  std::vector<float> x_;
  std::vector<double> scores_;
  nn::Matrix replay_x_, batch_x_;
  std::vector<std::int64_t> replay_a_, batch_a_;
  std::vector<float> replay_r_, batch_r_;
  std::int64_t stored_ = 0, next_ = 0, updates_ = 0;
};

}  // namespace rlsim

// Tabular temporal-difference control: Q-learning, SARSA, expected SARSA, double Q-learning.
//
// References (Sutton & Barto, Reinforcement Learning: An Introduction, 2nd ed., 2018):
//   SARSA §6.4, Q-learning §6.5 (Watkins 1989), expected SARSA §6.6 (van Seijen et al. 2009),
//   double Q-learning §6.7 (van Hasselt 2010, "Double Q-learning", NeurIPS).
// Update, with target y = R if the transition is terminated, else R + γ·B(S'):
//   Q(S, A) ← Q(S, A) + α (y − Q(S, A))
//   Q-learning B = max_a Q(S', a); SARSA B = Q(S', A') with A' the next action actually
//   taken; expected SARSA B = Σ_a π(a|S') Q(S', a) under the current behaviour policy;
//   double Q: with probability 1/2 update Q1 with B = Q2(S', argmax_a Q1(S', a)), else the
//   mirror image; it behaves with respect to Q1 + Q2.
// Gymnasium semantics: a terminated transition does not bootstrap (the value of a terminal
// state is 0); a truncated one (time limit) does bootstrap from next_obs.
//
// Contract with the runner: begin_episode(obs), then act/observe per step, end_episode.
// act() reports the exact probability of the chosen action under the behaviour policy
// (ε-greedy or softmax, ties broken uniformly at random). SARSA needs A' for its update, so
// it draws A' from the behaviour policy at the end of observe() (before updating Q, as in
// the book's pseudo-code) and returns that same action, with the probability it was drawn
// with, at the next act() on that state; episode boundaries and evaluation mode discard it.
// α, ε and τ each follow a DecaySchedule (schedule.hpp) over the steps and episodes
// learned. In evaluation mode every method acts greedily (uniform over tied maxima, reporting
// 1/#ties) and does not learn. With mask_actions (Taxi's action mask, Gymnasium's
// info["action_mask"]) every choice and every max or expectation over actions ranges over
// the actions the mask allows in that state (exploration.hpp). Learned state: "q" (or "q1", "q2")
// of shape [states, actions], "counters" = [steps, episodes] for the decay schedules, "rng" (the
// stream, core/rng_state.hpp) and for SARSA "pending_action" = [flag, state, action,
// probability], so a loaded agent continues as an uninterrupted one, also mid-episode.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "agents/tabular/exploration.hpp"
#include "agents/tabular/schedule.hpp"
#include "core/agent.hpp"
#include "core/rng.hpp"
#include "core/space.hpp"

namespace rlsim {

enum class TdMethod { QLearning, Sarsa, ExpectedSarsa, DoubleQLearning };

// The parameters of all four methods. α, ε and τ each have a DecaySchedule (schedule.hpp):
// its initial value, kind, final value, length and unit.
struct TdConfig {
  // Not parameters: the registered id chooses them.
  TdMethod method = TdMethod::QLearning;
  std::string name = "q-learning";  // registry id, used in messages
  // Step size α; a schedule decaying it towards 0 meets the Robbins–Monro conditions
  // (S&B 2nd ed. §2.5 eq. 2.7) only in the limit, but removes most late-training noise.
  double alpha = 0.1;
  DecaySchedule::Kind alpha_schedule = DecaySchedule::Kind::Constant;
  double alpha_final = 0.01;
  std::int64_t alpha_decay = 10000;
  DecaySchedule::Unit alpha_decay_unit = DecaySchedule::Unit::Steps;
  double gamma = 0.99;
  double q_init = 0.0;
  ExplorationKind exploration = ExplorationKind::EpsilonGreedy;
  double epsilon = 0.1;
  DecaySchedule::Kind epsilon_schedule = DecaySchedule::Kind::Constant;
  double epsilon_final = 0.01;
  std::int64_t epsilon_decay = 10000;
  DecaySchedule::Unit epsilon_decay_unit = DecaySchedule::Unit::Steps;
  double temperature = 1.0;
  DecaySchedule::Kind temperature_schedule = DecaySchedule::Kind::Constant;
  double temperature_final = 0.1;
  std::int64_t temperature_decay = 10000;
  DecaySchedule::Unit temperature_decay_unit = DecaySchedule::Unit::Steps;
  // Act and bootstrap only over the actions the env's action mask allows (Taxi).
  bool mask_actions = false;

  DecaySchedule step_size() const {
    return {alpha_schedule, alpha, alpha_final, alpha_decay, alpha_decay_unit};
  }
  DecaySchedule exploration_rate() const {
    return {epsilon_schedule, epsilon, epsilon_final, epsilon_decay, epsilon_decay_unit};
  }
  DecaySchedule softmax_temperature() const {
    return {temperature_schedule, temperature, temperature_final, temperature_decay,
            temperature_decay_unit};
  }
  // α and ε values in [0, 1] and the schedules' shapes (an exponential decay needs values
  // > 0); with softmax exploration, temperatures finite and > 0.
  void validate() const;
};

class TdAgent : public Agent {
 public:
  // Both spaces must be Discrete; throws rlsim::Error otherwise or on invalid config.
  TdAgent(TdConfig config, const Space& observation_space, const Space& action_space,
          std::uint64_t seed);

  void act(const Value& obs, Value& action, Decision& decision) override;
  void observe(const Transition& transition) override;
  void begin_episode(const Value& obs) override;
  void end_episode() override;
  void set_evaluation(bool on) override;
  bool has_state() const override { return true; }
  // save() holds the whole state, mid-episode too (core/agent.hpp, checkpoints).
  bool can_checkpoint() const override { return true; }
  void save(StateDict& out) const override;
  void load(const StateDict& in) override;
  bool uses_action_mask() const override { return config_.mask_actions; }

  std::int64_t num_states() const { return num_states_; }
  std::int64_t num_actions() const { return num_actions_; }
  // Action values by table row/column (0-based; double Q: the sum Q1 + Q2).
  double q(std::int64_t state, std::int64_t action) const;
  // Current step size and exploration parameters after the steps and episodes learned so far.
  double alpha() const;
  double epsilon() const;
  double temperature() const;
  // Behaviour (training) probabilities of each action in `state`, into `probs` (with
  // mask_actions: under the env's current mask, which is that of `state` during act() and
  // that of the next state during observe()).
  void behaviour_probabilities(std::int64_t state, std::span<double> probs) const;
  std::int64_t steps_learned() const { return steps_; }
  std::int64_t episodes_learned() const { return episodes_; }

 private:
  std::int64_t row_of(const Value& obs, const char* what) const;
  // The mask the choices respect: the env's with mask_actions, else none (all allowed).
  ActionMask mask() const { return config_.mask_actions ? action_mask() : ActionMask{}; }
  std::int64_t column_of(const Value& action) const;
  // Values that drive action choice in `state` (Q, or Q1 + Q2), in the scratch buffer.
  std::span<const double> acting_values(std::int64_t state) const;
  std::span<double> row(std::vector<double>& table, std::int64_t state) {
    return {table.data() + state * num_actions_, static_cast<std::size_t>(num_actions_)};
  }
  void load_table(const StateDict& in, const std::string& key, std::vector<double>& table);

  TdConfig config_;
  DecaySchedule alpha_, epsilon_, temperature_;
  std::int64_t num_states_;
  std::int64_t num_actions_;
  std::int64_t obs_start_;
  std::int64_t action_start_;
  Rng rng_;
  std::vector<double> q1_;  // Q (or Q1 for double Q-learning), row-major [state][action]
  std::vector<double> q2_;  // Q2 for double Q-learning, empty otherwise
  mutable std::vector<double> scratch_values_;
  mutable std::vector<double> probs_;
  std::int64_t steps_ = 0;
  std::int64_t episodes_ = 0;
  // SARSA's next action, chosen in observe() and returned by the next act() on that state.
  bool has_pending_ = false;
  std::int64_t pending_state_ = 0;
  std::int64_t pending_action_ = 0;
  double pending_probability_ = 1.0;
};

}  // namespace rlsim

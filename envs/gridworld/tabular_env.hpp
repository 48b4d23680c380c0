// TabularEnv: a finite MDP whose observation is the state index, stepped by sampling its
// own exact model.
//
// Contract: the derived env builds one TabularModel (core/env.hpp) at construction and
// hands it to this base class; reset() draws the first state from the model's initial
// distribution and step() draws (s', r, terminated) from model.at(s, a) with one uniform
// number, exactly as Gymnasium's toy-text envs do with categorical_sample over env.P
// (gymnasium/envs/toy_text/utils.py). There is no second code path: what model() reports
// is what step() samples. The model is validated once (every (s, a) has outcomes whose
// probabilities are positive and sum to 1, next states in range, an initial distribution
// summing to 1), so a planning agent and the sampler can trust it.
//
// EnvSpec::can_terminate is computed from the model: whether a terminating outcome is
// reachable from a start state (a gridworld map without a reachable G or H cannot end an
// episode by itself; only its time limit can).
//
// State get/set: one number, the state index. success (spec.defines_success) is true when
// a step terminates in a state flagged as a goal. Envs whose dynamics depend on more than
// the index (Taxi's fickle passenger) override do_step/get_state/set_state and report no
// model (model_is_exact = false), since the index alone would not be Markov.
//
// Under seeding = "gymnasium" (core/env.hpp, docs/seeding.md) reset and step draw as
// Gymnasium's categorical_sample does: one np_random.random() per reset and per step
// (even when the outcome is certain), the first outcome whose running sum of
// probabilities exceeds it (the first state of the full initial distribution, state 0,
// when none does). Steps sample Gymnasium's own outcome lists when the derived env gives
// them (set_gymnasium_outcomes: unmerged, in Gymnasium's order), else the model's.
//
// Step info: every tabular env reports "prob" (StepInfo::prob), the probability of the
// outcome drawn.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/env.hpp"

namespace rlsim {

// Adds the outcome (probability p, next state, reward, terminated) to the outcomes of one
// (state, action) while a model is built, merging it into an equal outcome already there
// (several slips can land on the same cell); p <= 0 adds nothing.
void add_outcome(std::vector<ModelOutcome>& outs, double p, std::int64_t next, double reward,
                 bool terminated);

class TabularEnv : public Env {
 public:
  const TabularModel* model() const override { return model_is_exact_ ? &model_ : nullptr; }
  bool has_state() const override { return true; }
  // get_state is the whole dynamic state (core/env.hpp, checkpoints).
  bool can_checkpoint() const override { return true; }
  void get_state(std::vector<double>& out) const override;
  void set_state(std::span<const double> state) override;
  void observe(Value& obs) const override { obs.index = state_; }
  // The observation is the state index.
  bool state_from_observation(const Value& obs, std::vector<double>& state) const override {
    state.assign(1, static_cast<double>(obs.index));
    return true;
  }

  std::int64_t state() const { return state_; }
  std::int64_t num_states() const { return model_.num_states; }
  bool is_goal(std::int64_t s) const { return goal_[static_cast<std::size_t>(s)]; }

 protected:
  // `goal` flags the states whose reaching counts as success; spaces are
  // Discrete(model.num_states) and Discrete(model.num_actions).
  TabularEnv(EnvSpec spec, TabularModel model, std::vector<bool> goal, bool model_is_exact = true);

  void do_reset(Value& obs) override;
  StepResult do_step(const Value& action, Value& obs) override;

  // Gymnasium's P[s][a] lists, one per (s, a) in the model's order (see the header).
  void set_gymnasium_outcomes(std::vector<std::vector<ModelOutcome>> outcomes);
  // Draws an outcome of (state_, action) and moves state_ to its next state.
  const ModelOutcome& sample_transition(std::int64_t action);
  // Parses a one-number state (an integer index in range); names the env in errors.
  std::int64_t parse_state_index(double x) const;

  const TabularModel& full_model() const { return model_; }
  std::int64_t state_ = 0;
  std::int64_t last_action_ = -1;  // -1 before the first step of an episode

 private:
  void validate_model() const;
  // Whether some outcome that terminates is reachable from a start state (under some
  // actions): EnvSpec::can_terminate. False for a map without a reachable goal or hole.
  bool terminal_reachable() const;

  TabularModel model_;
  std::vector<bool> goal_;
  bool model_is_exact_;
  // Flattened copy of model_.outcomes for sampling: outcomes of (s, a) are
  // flat_[begin_[s*A+a] .. begin_[s*A+a+1]), with cumulative probabilities in cumulative_.
  std::vector<std::size_t> begin_;
  std::vector<ModelOutcome> flat_;
  std::vector<double> cumulative_;
  std::vector<std::int64_t> initial_states_;
  std::vector<double> initial_cumulative_;
  // Gymnasium's lists, flattened like flat_ (empty: use flat_).
  std::vector<std::size_t> gym_begin_;
  std::vector<ModelOutcome> gym_flat_;
  std::vector<double> gym_cumulative_;
};

}  // namespace rlsim

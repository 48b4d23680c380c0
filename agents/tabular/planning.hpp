// Dynamic-programming planners for a known finite MDP (core/env.hpp TabularModel).
//
// value_iteration: Sutton & Barto 2nd ed. §4.4 (in-place sweeps of the Bellman optimality
//   backup until the largest change in a sweep is below `tolerance`).
// policy_iteration: S&B §4.3 (iterative policy evaluation §4.1, in place, warm-started
//   from the previous values; then greedy improvement). An action is replaced only when it
//   is worse than the best by more than a small tie tolerance, which avoids the
//   ties-induced cycling the book points out in Exercise 4.4.
// Values: an outcome flagged `terminated` does not bootstrap; states flagged terminal in the
// model have value 0 and are never backed up. Both planners return the greedy policy of
// their final values, extracted the same way (greedy_policy), so on the same MDP they return
// the same policy: the lowest-index action within the tie tolerance of the best; at γ = 1,
// among those maximising actions, one that ends the episode with probability 1 in the fewest
// expected steps, where some maximising choice can (at γ = 1 an action that never makes
// progress, e.g. into a wall with reward 0, ties with the best: taking it would never reach
// the goal that V* promises).
// PlanningAgent acts with that policy: deterministic, probability 1; it does not learn.
// Its learned state ("value" [states], "policy" [states], "q" [states, actions]) can be
// saved; "value" and "policy" can be loaded back.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/agent.hpp"
#include "core/env.hpp"

namespace rlsim {

// The parameters of value-iteration and policy-iteration.
struct PlanningConfig {
  double gamma = 0.99;
  double tolerance = 1e-12;  // θ of S&B §4.1
  std::int64_t max_sweeps = 100000;
  void validate() const;  // tolerance > 0
};

struct PlanningResult {
  std::vector<double> value;         // V(s), per state
  std::vector<std::int64_t> policy;  // greedy action per state (0-based)
  std::int64_t sweeps = 0;           // value sweeps (VI) or evaluation sweeps (PI)
  std::int64_t improvements = 0;     // policy-improvement steps (PI only)
};

// Throws rlsim::Error naming `what` when the model is malformed (sizes, probabilities not
// summing to 1, next states out of range).
void validate_model(const TabularModel& model, const std::string& what);

// Σ_outcomes p (r + γ V(s') [not terminated]).
double action_value(const TabularModel& model, const std::vector<double>& value, double gamma,
                    std::int64_t state, std::int64_t action);
// Lowest-index action whose value is within the tie tolerance of the best; at γ = 1, the
// maximising action that ends the episode with probability 1 in the fewest expected steps
// where one can (the lowest index among equally fast ones).
std::vector<std::int64_t> greedy_policy(const TabularModel& model, const std::vector<double>& value,
                                        double gamma);

// Both throw rlsim::Error when `max_sweeps` sweeps do not reach the tolerance (e.g.
// gamma = 1 with a policy that never terminates).
PlanningResult value_iteration(const TabularModel& model, double gamma, double tolerance,
                               std::int64_t max_sweeps);
PlanningResult policy_iteration(const TabularModel& model, double gamma, double tolerance,
                                std::int64_t max_sweeps);

class PlanningAgent : public Agent {
 public:
  PlanningAgent(std::string name, const TabularModel& model, PlanningResult plan, double gamma,
                std::int64_t obs_start, std::int64_t action_start);
  void act(const Value& obs, Value& action, Decision& decision) override;
  bool has_state() const override { return true; }
  void save(StateDict& out) const override;
  void load(const StateDict& in) override;
  const PlanningResult& plan() const { return plan_; }

 private:
  std::string name_;
  TabularModel model_;
  double gamma_;
  std::vector<double> q_;
  PlanningResult plan_;
  std::int64_t obs_start_;
  std::int64_t action_start_;
};

}  // namespace rlsim

// KeepBest: `keep_best = true` for any agent that is evaluated during training, as SB3's
// EvalCallback keeps its best model (best_model_save_path): the runner reports each
// evaluation's mean return (Agent::evaluated); the agent delivers, at the end of training
// (Agent::finish_training), the policy of the best one.
//
// Contract:
// - evaluated(): when enabled and the mean return is >= the best so far (ties go to the
//   later policy), the entries of the agent's state (Agent::save) whose names start with one
//   of the policy prefixes are copied: the parts that decide its evaluation-mode actions
//   (the policy network, its log std, the observation normaliser's frozen statistics).
// - finish(): when enabled and the best evaluation is not the last one, the kept entries
//   are put back (the agent's current state with the kept entries replacing its own,
//   loaded with Agent::load: everything else — optimizer, counters, random stream — stays
//   the current one) and it returns true, so the runner re-evaluates the delivered policy on
//   fresh episodes; false when the last evaluated policy is the best (nothing changes) or
//   keep_best is off. Enabled and never evaluated: an rlsim::Error naming the agent and the
//   [eval] setting it needs.
// - The copy costs one Agent::save per evaluation that improves, nothing per step.
// DQN keeps its own copy of the Q network (agents/deep/dqn.cpp) with the same semantics.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/agent.hpp"
#include "core/state_dict.hpp"

namespace rlsim {

class KeepBest {
 public:
  // `agent`: its id, for messages; `prefixes`: the state entries that make up its policy.
  KeepBest(std::string agent, bool enabled, std::vector<std::string> prefixes);
  bool enabled() const { return enabled_; }
  void evaluated(const Agent& agent, std::int64_t step, double mean_return);
  bool finish(Agent& agent);
  // The step of the kept policy (-1: none yet) and its evaluation's mean return.
  std::int64_t best_step() const { return best_step_; }
  double best_return() const { return best_return_; }
  // Checkpoints (core/agent.hpp): the kept copy and its steps as entries "<prefix>…", and
  // back (an Error for a checkpoint without them while enabled).
  void save(StateDict& out, const std::string& prefix) const;
  void load(const StateDict& in, const std::string& prefix);

 private:
  bool is_policy(const std::string& name) const;
  std::string agent_;
  bool enabled_;
  std::vector<std::string> prefixes_;
  std::int64_t best_step_ = -1, last_step_ = -1;
  double best_return_ = 0.0;
  StateDict best_;
};

// The schema doc of the keep_best parameter, shared by the agents that have one.
inline constexpr const char* kKeepBestDoc =
    "deliver the policy of the best evaluation during training (needs [eval] every; ties go "
    "to the later policy; the final evaluation then plays fresh episodes), as SB3's "
    "EvalCallback best model; false = the last policy";

}  // namespace rlsim

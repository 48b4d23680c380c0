// The agent interface.
//
// act(obs, action, decision) writes an action (sized by the runner for the action space)
// and its probability under the agent's current policy: `probability` for a discrete
// action (1 for a deterministic choice), `log_prob` its log (or the log-density of a
// continuous action, with probability = NaN). A policy whose propensity has no closed form
// (e.g. Thompson sampling) reports NaN for both; off-policy evaluation refuses such logs.
// observe(transition) is where learning happens. begin_episode/end_episode mark boundaries. In
// evaluation mode an agent acts greedily/deterministically and does not learn. save/load move
// learned state through a StateDict; an agent that has such state says so with has_state()
// (the default save/load of an agent without it throw). An agent is used by one thread at a
// time.
//
// Vector envs: an agent that wants N env copies at once returns N from num_envs(); the
// runner then builds a VectorEnv (run/vector_env.hpp) of N copies and calls only the
// batched forms: act_batch on the N current observations, then observe_batch with the N
// transitions of that step. Auto-reset: when copy i's episode ends, transitions[i].next_obs
// is that episode's final observation (bootstrap from it on truncation) and the next
// act_batch sees the first observation of copy i's new episode. begin_episode/end_episode
// are not called in that mode; the flags in the transitions mark the boundaries.
// Agents that record training diagnostics expose them through diagnostics().
//
// Ending a run early (fixed-confidence best-arm identification, docs/bandits.md): an agent
// whose can_stop() is true is asked stopped() after each observe() of a single-env run; once
// it returns true the runner ends the run there (the episode ends truncated) and records
// recommendation(), the action the agent declares (e.g. the arm it identifies as best), in
// RunResult::identification.
#pragma once
#include <cstdint>
#include <memory>
#include <span>

#include "core/env.hpp"
#include "core/error.hpp"
#include "core/run_result.hpp"
#include "core/space.hpp"
#include "core/state_dict.hpp"

namespace rlsim {

struct Decision {
  double probability = 1.0;
  double log_prob = 0.0;
};

struct Transition {
  const Value& obs;
  const Value& action;
  double reward;
  const Value& next_obs;
  bool terminated;
  bool truncated;
};

class Agent {
 public:
  virtual ~Agent() = default;
  virtual void act(const Value& obs, Value& action, Decision& decision) = 0;
  virtual void observe(const Transition& /*transition*/) {}
  virtual void begin_episode(const Value& /*obs*/) {}
  virtual void end_episode() {}
  virtual void set_evaluation(bool on) { evaluation_ = on; }

  virtual std::int64_t num_envs() const { return 1; }
  // Defaults loop over act/observe.
  virtual void act_batch(std::span<const Value> obs, std::span<Value> actions,
                         std::span<Decision> decisions) {
    for (std::size_t i = 0; i < obs.size(); ++i) act(obs[i], actions[i], decisions[i]);
  }
  virtual void observe_batch(std::span<const Transition> transitions) {
    for (const Transition& t : transitions) observe(t);
  }
  // Per-update training diagnostics, or nullptr. The runner moves the table into the run
  // result when the run ends.
  virtual DiagnosticsTable* diagnostics() { return nullptr; }
  // Whether this agent may end its run (asked once, before the run), whether it has, and the
  // action it declares when it has (see the header comment).
  virtual bool can_stop() const { return false; }
  virtual bool stopped() const { return false; }
  virtual std::int64_t recommendation() const { return -1; }
  bool evaluation() const { return evaluation_; }
  // Evaluation during training (the runner's [eval] every/episodes): after each evaluation
  // the runner reports the mean return of its episodes at that training step. When the
  // training budget is spent, finish_training() lets the agent settle on the policy it
  // delivers (e.g. the best evaluated one, like SB3's EvalCallback best_model); it returns
  // true when that replaced the current policy, and the runner then evaluates the delivered
  // policy once more, on fresh episodes, as the run's final evaluation.
  virtual void evaluated(std::int64_t /*step*/, double /*mean_return*/) {}
  virtual bool finish_training() { return false; }
  // Whether the agent has learned state that save/load move (a random or fixed policy has
  // none). The runner saves an agent only when this is true, and a save that then fails is
  // an error of the run.
  virtual bool has_state() const { return false; }
  virtual void save(StateDict& /*out*/) const {
    throw Error("this agent has no learned state to save");
  }
  virtual void load(const StateDict& /*in*/) {
    throw Error("this agent has no learned state to load");
  }

  // Checkpoints (a run's checkpoint.every, docs/log-format.md "Checkpoints"): an agent that
  // can save everything its future actions and learning depend on (networks, optimiser
  // moments, replay or rollout buffers, counters, random streams, the mid-episode state,
  // keep_best's copy) says so here; save_checkpoint/load_checkpoint then move that whole
  // state, so that an agent built with the same id, parameters, env and seed continues bit
  // for bit after load_checkpoint as if never interrupted. The training diagnostics are not
  // part of it (the runner keeps them). The defaults are save/load.
  virtual bool can_checkpoint() const { return false; }
  virtual void save_checkpoint(StateDict& out) const { save(out); }
  virtual void load_checkpoint(const StateDict& in) { load(in); }

  // Action masking (Gymnasium's info["action_mask"], e.g. Taxi; core/env.hpp StepInfo). An
  // agent that masks says so here; the runner then hands it the env's mask once, before the
  // first act(), and the env keeps the mask current: during act() it is the mask of the
  // observation acted on, during observe() that of the transition's next observation.
  // mask[a] != 0: action a may be chosen. Empty: every action may.
  virtual bool uses_action_mask() const { return false; }
  void set_action_mask(std::span<const std::uint8_t> mask) { action_mask_ = mask; }
  std::span<const std::uint8_t> action_mask() const { return action_mask_; }

 private:
  bool evaluation_ = false;
  std::span<const std::uint8_t> action_mask_;
};

}  // namespace rlsim

// Checkpoints of a run in progress (RunSpec::checkpoint_every, the config's
// checkpoint.every; docs/log-format.md "Checkpoints"): the whole state a run needs to go on
// from where it was, so that `rlsim run --resume` of a killed experiment resumes each
// unfinished run from its last checkpoint, with results bit-identical to a run never
// interrupted.
//
// A checkpoint is one StateDict with the entries
//   "runner/loop"   [format 1, env steps, episodes recorded, steps of the current episode,
//                    its return so far, pseudo-regret, realised regret, mid-episode 0/1]
//   "runner/ids"    [run index, seed index, the env and agent seeds as 32-bit halves]
//   "runner/obs"    [index, vector...] the observation the agent acts on next
//   "env/…"         Env::save_checkpoint (its state, random streams, step counter, flags)
//   "agent/…"       Agent::save_checkpoint (networks, optimiser, buffers, streams, …)
//   "result/…"      the rows of the run so far: "episodes/<column>", "regret/<column>",
//                   "eval/<column>", "diagnostics/{step,values,names}" (names as bytes)
// Taken by the single-env loop of run/runner.cpp every checkpoint_every env steps, and once
// when the loop ends (CheckpointSink::continuation), at the step count it names: mid-episode (the
// next thing is the agent's act on runner/obs) or, when that step ended an episode, at the episode
// boundary (the next thing is an unseeded reset). Handed to a CheckpointSink (the run file's writer
// keeps the latest per run and writes it at its next flush).
//
// What can be checkpointed: an env with Env::can_checkpoint() and an agent with
// Agent::can_checkpoint(), on one env copy (num_envs() = 1), without the step log
// (log.steps) and with no agent that may stop its run; check_checkpoint_support refuses
// the rest with one Error naming the run, what is missing and what supports it.
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "core/agent.hpp"
#include "core/env.hpp"
#include "core/registry.hpp"
#include "core/run_result.hpp"
#include "core/state_dict.hpp"

namespace rlsim {

// Receives the checkpoints of runs in progress. checkpoint() is called from the run's own
// thread; it must be thread-safe. It never changes what the run computes.
class CheckpointSink {
 public:
  virtual ~CheckpointSink() = default;
  virtual void checkpoint(const RunInfo& run, std::int64_t steps, StateDict&& state) = 0;
  // The run's END-OF-LOOP state: a checkpoint taken after its last env step, before the
  // final evaluation and Agent::finish_training (keep_best), which change the agent; the
  // state `rlsim run --continue` goes on from (docs/log-format.md "Continuation states").
  // Called once per finished run, from its own thread, before the run is handed to
  // on_complete. The default drops it.
  virtual void continuation(const RunInfo& /*run*/, StateDict&& /*state*/) {}
};

// The runner's own state at a checkpoint.
struct LoopState {
  std::int64_t total = 0;    // env steps done
  std::int64_t episode = 0;  // episodes recorded
  std::int64_t len = 0;      // steps of the current episode (mid-episode)
  double ret = 0.0;          // its return so far
  double pseudo_regret = 0.0, realised_regret = 0.0;
  bool mid_episode = false;  // false: at an episode boundary
  // Pulls of a best arm so far (RegretCurve::optimal_pulls); kUnknownOptimalPulls when the
  // checkpoint predates the count.
  std::int64_t optimal_pulls = 0;
};

// The registered envs and agents that can be checkpointed (each built with its defaults; an
// agent on the first of a few reference envs it accepts), as a sentence for messages.
std::string checkpoint_support_text(const Registry& registry);

// Throws an Error naming run `run_index` when checkpoints (every > 0) cannot be taken of a
// run of this env and agent; `supported` is appended (checkpoint_support_text). every < 0
// is refused too. The message lists what supports checkpoints (checkpoint_support_text).
void check_checkpoint_support(const Registry& registry, std::int64_t run_index, std::int64_t every,
                              bool log_steps, const Env& env, const Agent& agent);

// The checkpoint of a run (see the header comment). `agent` is not changed (its
// diagnostics are read).
StateDict make_checkpoint(const RunInfo& info, const Env& env, Agent& agent, const LoopState& loop,
                          const Value& obs, const RunResult& res);

// Puts a checkpoint back into a freshly built env and agent of the same run and into the
// run's loop state, current observation and result rows. Throws an Error naming the run
// when the checkpoint is not one of this run (ids, format) or is damaged.
// The continuation states (CheckpointSink::continuation) that the run file `path` keeps in
// /continuation, by run index; empty when it has none. Opens the file read-only
// (run/checkpoint_store.cpp). Throws an Error naming the file when it is damaged.
std::map<std::int64_t, StateDict> read_continuation_states(const std::string& path);

void restore_checkpoint(const StateDict& ck, const RunInfo& info, Env& env, Agent& agent,
                        LoopState& loop, Value& obs, RunResult& res);

}  // namespace rlsim

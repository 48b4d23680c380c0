// The runner: owns the interaction loop and executes many independent runs in parallel.
//
// One run = one env + one agent built from the registry, stepped until its budget
// (episodes and/or steps, whichever ends first) is spent. Streams: the env's seed is
// derive_seed(master, seed_index, "env") and the agent's derive_seed(master, seed_index,
// "agent"), so runs that differ only in the agent see the same env randomness (common
// random numbers) and nothing depends on the thread that runs them. Runs are spread over
// OpenMP threads; on_complete is called for each finished run under a lock (in completion
// order, which varies with threads — results themselves do not).
//
// An agent with num_envs() = N > 1 is run on a VectorEnv of N copies (run/vector_env.hpp)
// through act_batch/observe_batch: the step budget counts env steps over all copies
// (rounded up to whole vector steps), the episode table holds every finished episode in
// (step, copy) order, and the step log (log_steps) holds every copy's steps in (vector step,
// copy) order with the copy in StepTable::env and episode ids that are rows of the episode
// table (unique across copies). Evaluation (eval_every), diagnostics and save_agent work
// in both modes; docs/vector-env.md states the semantics.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "core/run_result.hpp"
#include "core/state_dict.hpp"

namespace rlsim {

struct Budget {
  std::int64_t episodes = 0;  // 0: no episode limit
  std::int64_t steps = 0;     // 0: no step limit
  // The step count that schedules following the budget are sized for (AgentContext::
  // budget_steps: DQN's exploration fraction, PPO's learning-rate decay, ...); 0: `steps`.
  // `rlsim run --continue` sets it to the original budget, so that a continued run keeps
  // the schedules it started with (docs/commands.md).
  std::int64_t schedule_steps = 0;
};

// The step count a run's agent sizes its schedules for (Budget::schedule_steps).
inline std::int64_t schedule_steps(const Budget& b) {
  return b.schedule_steps > 0 ? b.schedule_steps : b.steps;
}

struct RunSpec {
  std::int64_t run_index = 0;
  std::string env_id;
  RawParams env_params;
  std::string agent_id;
  RawParams agent_params;
  std::int64_t seed_index = 0;
  std::uint64_t master_seed = 0;
  Budget budget;
  bool log_steps = false;
  // With log_steps: log every steps_every-th episode (ids 0, k, 2k, ...), and store the log
  // at this deflate level (0: uncompressed). run/step_sampling.hpp.
  std::int64_t steps_every = 1;
  int steps_compression = 1;
  bool regret_every_step = false;  // otherwise at log-spaced checkpoints
  // Evaluation during training (RunResult::evaluations): every eval_every env steps,
  // eval_episodes episodes in evaluation mode on a separate env copy. 0: none.
  std::int64_t eval_every = 0;
  std::int64_t eval_episodes = 10;
  // Keep the agent's final state in RunResult::agent_state, when it has one
  // (Agent::has_state()); a save that fails then fails the run.
  bool save_agent = false;
  // OpenMP threads of the VectorEnv when the agent asks for num_envs() > 1. 1 by default:
  // parallelism is across runs (execute_runs); more only for a single long run.
  int vector_env_threads = 1;
  // Checkpoints (run/run_checkpoint.hpp, docs/log-format.md "Checkpoints"): every this many
  // env steps the run's whole state goes to the CheckpointSink, if there is one. 0: none.
  std::int64_t checkpoint_every = 0;
};

// Thrown inside a run when RunCounters::stop is set; the runner drops that run.
class Interrupted : public Error {
 public:
  using Error::Error;
};

// Log-spaced checkpoints 1, 2, …, 10, 12, 15, … up to and including `last` (about
// `per_decade` points per decade), used for regret curves.
std::vector<std::int64_t> log_spaced_checkpoints(std::int64_t last, int per_decade = 20);

// Shared live counters for progress display.
struct RunCounters {
  std::atomic<std::int64_t> steps{0};
  std::atomic<std::int64_t> runs_done{0};
  // Set to ask runs to stop early (Ctrl-C): a run checks it at each episode start and, on one
  // env, with each progress update of `steps` (every 4096 steps), so a long bandit episode
  // stops too.
  std::atomic<bool> stop{false};
};

// Receives a run's evaluation rows and training diagnostics while it runs (live logs,
// docs/log-format.md "Live rows"). update() is called from the run's own thread every 4096
// env steps (with the RunCounters update) and after each evaluation, with every row the run
// has so far: the sink copies the ones it has not seen. It must be thread-safe (runs on
// other threads call it too) and cheap; it never changes what the run computes. The run's
// RunResult, handed to on_complete at its end, holds the same rows.
class LiveSink {
 public:
  virtual ~LiveSink() = default;
  virtual void update(const RunInfo& run, std::int64_t steps, const EvalTable& evaluations,
                      const DiagnosticsTable* diagnostics) = 0;
};

class CheckpointSink;  // run/run_checkpoint.hpp

// Builds env and agent (throwing rlsim::Error on bad ids/params/incompatibility) and runs.
// A run must end: an env that cannot terminate (EnvSpec::can_terminate false) and has no
// time limit is refused under an episode budget alone, since no episode would ever end.
// `checkpoints`: receives the run's checkpoints (spec.checkpoint_every); `resume`: a
// checkpoint of this run (run/run_checkpoint.hpp) to go on from instead of step 0, with
// the same results as the run never interrupted.
RunResult execute_run(const Registry& registry, const RunSpec& spec,
                      RunCounters* counters = nullptr, LiveSink* live = nullptr,
                      CheckpointSink* checkpoints = nullptr, const StateDict* resume = nullptr);

struct RunnerOptions {
  int threads = 1;
  RunCounters* counters = nullptr;
  LiveSink* live = nullptr;               // null: no live rows
  CheckpointSink* checkpoints = nullptr;  // null: checkpoints are not taken
  // Checkpoints to resume runs from, by run index (null or absent: from step 0).
  const std::map<std::int64_t, StateDict>* resume = nullptr;
  std::function<void(RunResult&&)> on_complete;  // called under a lock
};

// Runs all specs; the first rlsim::Error thrown by any run is rethrown after the others
// stop. Before starting, every spec's env, agent and parameters are validated.
void execute_runs(const Registry& registry, const std::vector<RunSpec>& specs,
                  const RunnerOptions& options);

// Builds the env for each distinct (env, agent, params) once and checks compatibility and
// that every run can end (see execute_run), and, for runs with checkpoint_every != 0, that
// env and agent can be checkpointed, so a bad grid fails before any run starts.
void validate_specs(const Registry& registry, const std::vector<RunSpec>& specs);

}  // namespace rlsim

// What one run produces, in memory, before the logger writes it (run/hdf5_log.hpp).
//
// A run is one (env, agent, parameters, seed) combination executed for its budget. The
// tables are columns (struct of vectors) so the logger writes them as whole datasets.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "core/state_dict.hpp"

namespace rlsim {

struct RunInfo {
  std::int64_t run_index = 0;
  std::string env_id;
  std::string agent_id;
  Params env_params;    // resolved (defaults filled)
  Params agent_params;  // resolved
  std::int64_t seed_index = 0;
  std::uint64_t env_seed = 0;
  std::uint64_t agent_seed = 0;
  // "env_id[env params] / agent_id[agent params]": runs that differ only in seed share it.
  std::string group;
};

struct EpisodeTable {
  std::vector<double> returns;
  std::vector<std::int64_t> lengths;
  std::vector<std::int64_t> end_steps;  // total env steps of the run when the episode ended
  std::vector<std::uint8_t> terminated;
  std::vector<std::uint8_t> truncated;
  std::vector<std::int8_t> success;  // 1/0, or -1 when the env does not define success
  std::size_t size() const { return returns.size(); }
};

// Step-level trajectory: one row per env step. Discrete observations/actions use the
// *_index columns; Box ones use the flat float columns with obs_dim/action_dim per row.
// `episode` is the row of the episode in the run's EpisodeTable; steps of an episode the
// table does not hold (cut short by the budget) get the ids after the table's last row.
// With a vector env the rows are in (vector step, copy) order and `env` says which copy
// took the step; empty `env` means every row is copy 0 (a single-env run).
struct StepTable {
  bool obs_discrete = true;
  bool action_discrete = true;
  int obs_dim = 1;
  int action_dim = 1;
  std::vector<std::int32_t> env;  // env copy index, 0 to num_envs - 1 (or empty: all 0)
  std::vector<std::int64_t> episode;
  std::vector<std::int64_t> t;  // step within the episode, from 0
  std::vector<std::int64_t> obs_index;
  std::vector<float> obs;
  std::vector<std::int64_t> action_index;
  std::vector<float> action;
  std::vector<double> reward;
  std::vector<std::uint8_t> terminated;
  std::vector<std::uint8_t> truncated;
  std::vector<double> probability;
  std::vector<double> log_prob;
  // The env's step info (core/env.hpp StepInfo), for envs that report it: "prob" of each
  // step's outcome (when has_prob), and the action mask of the state each step acted in
  // (mask_dim entries per row, when mask_dim > 0).
  bool has_prob = false;
  int mask_dim = 0;
  std::vector<double> info_prob;
  std::vector<std::uint8_t> action_mask;
  // Which episodes are logged (log.steps_every = k): those whose id is a multiple of k, whole.
  std::int64_t every = 1;
  // How the writer stores the table (run/step_layout.hpp): the deflate level of its columns,
  // 0 for none (log.steps_compression), and the Discrete spaces' values [start, start + n)
  // that size the obs_index and action_index columns (n 0: sized by the values alone).
  // Readers leave compression at its default.
  int compression = 1;
  std::int64_t obs_start = 0, obs_n = 0, action_start = 0, action_n = 0;
  std::size_t size() const { return reward.size(); }
};

// Bandit regret at checkpoints: cumulative pseudo-regret Σ (μ* − μ_{a_t}) and realised
// regret Σ (μ* − r_t) after `step` pulls, and optimal_pulls, how many of those pulls chose an
// arm whose expected reward was the best at that pull (μ_{a_t}(t) = μ*_t): the fraction of
// pulls of the best arm is optimal_pulls / step. optimal_pulls is -1 where it is unknown:
// files written before the column existed, and a run resumed or continued from a checkpoint
// that did not record it (docs/log-format.md, table 5).
struct RegretCurve {
  std::vector<std::int64_t> step;
  std::vector<double> pseudo_regret;
  std::vector<double> realised_regret;
  std::vector<std::int64_t> optimal_pulls;
  std::size_t size() const { return step.size(); }
};

// The value of RegretCurve::optimal_pulls where the count is unknown.
inline constexpr std::int64_t kUnknownOptimalPulls = -1;

// Evaluation during training: every `eval_every` env steps the runner plays `eval_episodes`
// episodes on a separate env copy (stream "eval") with the agent in evaluation mode.
// One row per evaluation episode.
struct EvalTable {
  std::vector<std::int64_t> step;  // training env steps done when the evaluation ran
  std::vector<double> returns;
  std::vector<std::int64_t> lengths;
  std::size_t size() const { return step.size(); }
};

// Training diagnostics an agent records per update (losses, entropy, KL, ε, learning rate):
// named columns, one row per update, with the env step of the update. Agents append with
// add_row; the runner moves the table into the RunResult at the end of the run.
struct DiagnosticsTable {
  std::vector<std::string> names;
  std::vector<std::int64_t> step;
  std::vector<double> values;  // row-major: values[row * names.size() + column]
  std::size_t size() const { return step.size(); }
  void add_row(std::int64_t at_step, std::initializer_list<double> row) {
    step.push_back(at_step);
    values.insert(values.end(), row.begin(), row.end());
  }
};

// A run whose agent may end it early (Agent::can_stop(), fixed-confidence best-arm
// identification): whether it stopped before its budget, at which step (pulls made), the
// action it recommended, and whether that action is correct: 1 when the env's regret oracle
// gives it the best expected reward at the stopping step (ties count as correct), 0 when not,
// -1 when the env has no oracle or the run did not stop.
struct Identification {
  bool can_stop = false;  // false: the agent cannot stop (nothing else is meaningful)
  bool stopped = false;
  std::int64_t stop_time = -1;
  std::int64_t recommended = -1;
  std::int8_t correct = -1;
};

struct RunResult {
  RunInfo info;
  EpisodeTable episodes;
  StepTable steps;                // empty unless step logging was asked for
  RegretCurve regret;             // empty unless the env has an oracle
  EvalTable evaluations;          // empty unless evaluation was asked for
  DiagnosticsTable diagnostics;   // empty unless the agent records diagnostics
  Identification identification;  // can_stop false unless the agent may end the run
  StateDict agent_state;          // the agent's learned state at the end, if asked for
  bool has_agent_state = false;
  std::int64_t total_steps = 0;
  double seconds = 0.0;  // wall-clock, informational only (not part of results)
};

}  // namespace rlsim

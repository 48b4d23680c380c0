// Experiment configs: TOML files plus key=value overrides, expanded into runs.
//
// Format (docs/config.md has the full reference):
//   name = "cliff-walking"   seed = 1   seeds = 20 (or a list)   episodes = 500   steps = 0
//   save_agent = false   vector_threads = 1 (threads of a vector env inside one run)
//   [log]  steps = false  regret = "log" | "every"  out = "results/x.h5"
//   [eval] every = 0 (env steps between evaluations; 0: none)  episodes = 10
//   [checkpoint] every = 0 (env steps between checkpoints of each run; 0: none)
//   [[env]]   id = "CliffWalking-v1"   <env parameters>
//   [[agent]] id = "sarsa"             <agent parameters>
// A parameter given as a list (for a non-list parameter) is a grid axis: the runs are the
// product envs × agents × parameter values × seeds. A zip group ([agent.zip] or [[agent.zip]]
// after an [[agent]], likewise for env) holds lists of equal length that advance together:
// one axis whose i-th value sets every listed parameter to its i-th item. `pulls = N` is
// `steps = N` under the bandit name (give one of them). Overrides: `episodes=100`,
// `log.steps=true`, `eval.every=5000`, `checkpoint.every=10000`, `save_agent=true`, `env.KEY=V` /
// `agent.KEY=V` (every entry), `env[1].KEY=V` (one entry). Every mistake is an rlsim::Error naming
// the key, what was wrong and what would be right.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/registry.hpp"
#include "run/runner.hpp"

namespace rlsim {

// A value as written in the config: one value, or a list (a list parameter's value, or a
// grid axis — which one is decided against the parameter's schema by expand_runs).
struct ConfigValue {
  bool is_list = false;
  ParamValue scalar;
  std::vector<ParamValue> items;
};

// Parameters that vary together: every list has the same length n, and the group is one
// grid axis of n points (point i sets each parameter to its i-th item).
using ZipGroup = std::map<std::string, ConfigValue>;

struct ComponentConfig {
  std::string id;
  std::map<std::string, ConfigValue> values;
  std::vector<ZipGroup> zips;
};

struct ExperimentConfig {
  std::string name = "experiment";
  std::uint64_t seed = 1;
  std::vector<std::int64_t> seeds{0};
  Budget budget;
  bool log_steps = false;
  // With log_steps (docs/log-format.md table 4): every steps_every-th episode is logged, only
  // the runs listed in steps_runs (empty: all), stored with steps_compression ("none" or
  // "gzip") at steps_compression_level (deflate, 1-9).
  std::int64_t steps_every = 1;
  std::vector<std::int64_t> steps_runs;
  std::string steps_compression = "gzip";
  std::int64_t steps_compression_level = 1;
  bool regret_every_step = false;
  std::int64_t eval_every = 0;  // [eval] every: env steps between evaluations, 0: none
  std::int64_t eval_episodes = 10;
  bool save_agent = false;  // keep each run's final agent state (RunResult::agent_state)
  // [checkpoint] every: env steps between checkpoints of each run (RunSpec::checkpoint_every)
  std::int64_t checkpoint_every = 0;
  int vector_threads = 1;  // OpenMP threads of a run's vector env (RunSpec::vector_env_threads)
  std::string out;         // empty: results/<name>-<time>.h5
  std::vector<ComponentConfig> envs;
  std::vector<ComponentConfig> agents;
  std::string source;  // file name, or "<default>"
};

// Parses TOML text (`source` names it in messages) and applies overrides.
ExperimentConfig parse_config(const std::string& text, const std::string& source,
                              const std::vector<std::string>& overrides = {});
// The largest config file load_config_file reads.
constexpr std::uintmax_t kMaxConfigBytes = 4u << 20;
// Reads a config file: a regular file of at most kMaxConfigBytes (a directory, a device, a
// FIFO or a larger file is refused with one line).
ExperimentConfig load_config_file(const std::string& path,
                                  const std::vector<std::string>& overrides = {});
// The built-in default experiment (experiments/configs/default.toml, compiled in).
const std::string& default_config_text();

// The most runs a grid may expand to unless `rlsim run --max-runs N` raises it.
constexpr std::uint64_t kDefaultMaxRuns = 1'000'000;
// Expands the grid and validates ids, parameters and env/agent compatibility; refuses a
// grid of more than `max_runs` runs (counted before anything is expanded) and duplicate grid
// points (experiments/grid.hpp, which also visits the runs without holding them).
std::vector<RunSpec> expand_runs(const ExperimentConfig& config, const Registry& registry,
                                 std::uint64_t max_runs = kDefaultMaxRuns);
// The config written back as TOML (stored in the run file so it explains itself).
std::string config_to_toml(const ExperimentConfig& config);

}  // namespace rlsim

// Resource estimates of an experiment before it starts: how many bytes its logs add to the
// run file and how much memory its runs hold at once, from each run's budget and its env's
// spaces, so that an experiment that would fill the disk or exhaust memory is refused up
// front (unless forced) instead of failing, or swapping, hours in.
//
// What is estimated: the tables the runner keeps in memory for the whole run and the writer
// stores (core/run_result.hpp, docs/log-format.md): the step log (log.steps: one row per env
// step as the runner holds it: episode, t, the observation and action (8 bytes for a
// discrete one, 4 per component for a Box), reward, terminated, truncated, probability,
// log_prob, env copy; the file's compact layout is smaller, run/step_layout.hpp; with
// log.steps_every = k, one row in k), the regret
// curve when it has a point every step, the episode table and the evaluation rows. Bytes are
// uncompressed (the file is usually smaller: columns are deflated), so the disk figure is an
// upper bound. A run holds its tables until it ends; growing columns reserve up to twice
// their rows, so a run's memory is counted twice its table bytes, and the runs of the
// `threads` largest estimates run at once. Not estimated: an agent's own memory (a replay
// buffer, networks), which its parameters bound.
//
// A run's length: its step budget (at most episodes × the time limit when both bound it);
// with an episode budget only, episodes × the time limit (an upper bound). A run with an
// episode budget on an env without a time limit has no bound known in advance: it is
// counted as unbounded and adds nothing (the runner refuses it if its env cannot terminate).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/env.hpp"
#include "core/registry.hpp"
#include "run/runner.hpp"

namespace rlsim {

struct RunEstimate {
  double steps = 0;         // env steps of the run at most; -1: not bounded in advance
  double log_bytes = 0;     // bytes its tables add to the run file (uncompressed)
  double memory_bytes = 0;  // peak bytes of its tables in memory while it runs
};

struct ExperimentEstimate {
  double log_bytes = 0;     // over all runs
  double memory_bytes = 0;  // of the `threads` runs with the largest estimates, at once
  double largest_run_steps = 0;
  std::int64_t runs = 0;
  std::int64_t unbounded_runs = 0;  // runs of unknown length, not counted in the bytes
};

// Bytes of one step-log row for these spaces, as stored (uncompressed).
double step_row_bytes(const EnvSpec& env);

// The estimate of one run on `env` (built with the run's env parameters); `has_oracle`: the
// env has a regret oracle (a regret point every step with spec.regret_every_step).
RunEstimate estimate_run(const RunSpec& spec, const EnvSpec& env, bool has_oracle);

// The estimate of running `specs` on `threads` threads (each distinct env built once).
ExperimentEstimate estimate_experiment(const Registry& registry, const std::vector<RunSpec>& specs,
                                       int threads);

// What the machine has free: bytes the unprivileged user may still write in the directory
// of `out_path` (statvfs; the path itself need not exist), and the memory available to new
// processes (MemAvailable of /proc/meminfo; else sysconf's available physical pages).
// Negative when unknown.
struct FreeResources {
  double disk_bytes = -1;
  double memory_bytes = -1;
};
FreeResources free_resources(const std::string& out_path);

// Throws rlsim::Error, naming the estimate, what is free and what to change, when the
// estimate exceeds the free disk or memory (a figure that is unknown is not checked), unless
// `force` (the driver's --force).
void check_resources(const ExperimentEstimate& estimate, const FreeResources& free,
                     const std::string& out_path, bool force);

// Human-readable bytes: "512 B", "3.2 MB", "4.8 TB" (powers of 1000).
std::string format_bytes(double bytes);

}  // namespace rlsim

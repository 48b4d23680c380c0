// Summaries of a run file: one row per group of runs that differ only in their seed.
//
// Per run, the statistic is the mean over its last K episodes (return, length, success),
// for bandit runs the final cumulative pseudo-regret, and for runs that evaluated during
// training the mean return of their final evaluation (the headline number of RL papers). Per group,
// the mean of the per-run statistics across seeds with a 95% Student-t confidence interval
// (half-width t_{0.975, n-1} · s / √n; undefined for a single seed). Incomplete runs are skipped
// and counted.
//
// Files: analyze.cpp (summarize), analyze_table.cpp (the table as text, CSV and JSON),
// analyze_compare.cpp (--compare), analyze_curves.cpp (--curves); the command itself is
// experiments/cmd_analyze.cpp.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "run/hdf5_log.hpp"

namespace rlsim {

struct GroupSummary {
  std::string env_id, agent_id, env_params, agent_params, group;
  std::int64_t runs = 0;
  std::int64_t episodes = 0;  // mean episodes per run
  double mean_return = 0, return_ci95 = 0;
  double mean_length = 0;
  double success_rate = -1;                   // < 0: not defined by the env
  double final_regret = -1, regret_ci95 = 0;  // final_regret < 0: no regret logged
  std::int64_t regret_steps = 0;
  // The final evaluation (runs with evaluation during training, eval/ rows): per run the
  // mean return of its last evaluation (the rows at its largest eval step), then the mean
  // over runs with the 95% interval. has_eval false: no run of the group evaluated.
  bool has_eval = false;
  double final_eval = 0, eval_ci95 = 0;
  std::int64_t eval_step = 0;      // the largest step of the runs' last evaluations
  std::int64_t eval_episodes = 0;  // episodes of the last evaluation (the most of any run)
  // The per-run statistics behind the means (one per complete run, in file order).
  std::vector<double> run_returns, run_regrets, run_evals;
};

// One group of best-arm identification runs (experiments/analyze_identification.hpp).
struct IdentificationGroup {
  std::string env_id, agent_id, env_params, agent_params, group;
  std::int64_t runs = 0, stopped = 0, errors = 0;
  double error_rate = 0.0, error_lo = 0.0, error_hi = 0.0;  // Wilson 95%
  double mean_stop = 0.0, stop_ci95 = 0.0;
  double lower_bound = 0.0;  // mean over runs of T*(mu) ln(1/delta); NaN when unknown
};

struct Summary {
  std::vector<GroupSummary> groups;
  std::int64_t complete_runs = 0;
  std::int64_t incomplete_runs = 0;
  bool file_complete = false;
  std::int64_t last_k = 100;
  // The fewest and most episodes averaged in a complete run, min(episodes, last_k) (0: no
  // run had an episode): the table's header says "last K", "all N" or "last A-B".
  std::int64_t fewest_averaged = 0, most_averaged = 0;
  std::vector<std::string> group_by;  // empty: the run's own group (all parameters)
  // Groups of best-arm identification runs (summarize_identification; empty when none): the
  // CSV then has their columns and the JSON an "identification" array.
  std::vector<IdentificationGroup> identification;
};

// Half-width of the 95% Student-t interval of the mean of xs (NaN for fewer than 2).
double ci95_half_width(const std::vector<double>& xs);

// group_by: names of parameters (env or agent; "env" and "agent" for the ids, "seed" for the
// seed index) whose values define the groups instead of the full parameter set; runs are
// pooled over everything else. A name no run has is an error listing the names available.
Summary summarize(const ExperimentReader& reader, std::int64_t last_k,
                  const std::vector<std::string>& group_by = {});

// The value of parameter `name` in a Params::to_text() string ("a=1 b=[1, 2] c=\"x\""), or
// nullopt when absent. Values may hold spaces inside brackets or quotes.
std::optional<std::string> param_from_text(const std::string& text, const std::string& name);
void print_summary(std::ostream& os, const Summary& s);
void write_summary_csv(std::ostream& os, const Summary& s);
// The summary as one JSON object: {complete_runs, incomplete_runs, file_complete, last_k,
// groups: [{group, env_id, ..., mean_return, return_ci95, ...}], and identification: [{group,
// runs, stopped, errors, error_rate, error_interval, mean_stop_time, ...}] when the file has
// best-arm identification runs}; undefined values are null.
void write_summary_json(std::ostream& os, const Summary& s);

// Difference of two means with its 95% Welch interval: diff = mean(b) − mean(a), half-width
// t_{0.975, ν} · √(s_a²/n_a + s_b²/n_b) with the Welch–Satterthwaite ν (Welch 1947,
// Biometrika 34:28–35). Undefined (NaN half-width, not significant) when either side has
// fewer than 2 values; when both variances are 0 the half-width is 0. Significant: the
// interval excludes 0.
struct WelchInterval {
  double diff = 0, half_width = 0, df = 0;
  bool significant = false;
};
WelchInterval welch_difference(const std::vector<double>& a, const std::vector<double>& b);

// `rlsim analyze A --compare B`: the groups present in both summaries (matched by their
// group key: the full parameter set, or the --group-by values), with A's and B's final
// return (and regret, where both logged it) and B − A with its Welch interval; groups found
// in only one file are listed.
struct GroupComparison {
  GroupSummary a, b;
  WelchInterval return_diff;
  bool has_regret = false;  // both sides logged regret
  WelchInterval regret_diff;
};
struct Comparison {
  std::string file_a, file_b;
  std::int64_t last_k = 100;
  std::vector<std::string> group_by;
  std::vector<GroupComparison> both;  // in A's order
  std::vector<GroupSummary> only_a, only_b;
};
Comparison compare_summaries(const Summary& a, const Summary& b, const std::string& file_a,
                             const std::string& file_b);
void print_comparison(std::ostream& os, const Comparison& c);
// One row per group; column `in` is "both", "a" or "b" (a one-sided row leaves the other
// side's and the difference's columns empty).
void write_comparison_csv(std::ostream& os, const Comparison& c);
// {file_a, file_b, last_k, groups: [...], only_in_a: [...], only_in_b: [...]}; null = undefined.
void write_comparison_json(std::ostream& os, const Comparison& c);

// Curves per group, as CSV files in `dir` (created if missing), for plotting elsewhere:
//  - regret_<G>.csv: step, runs, mean and 95% half-width of cumulative pseudo-regret and of
//    realised regret, at the checkpoints every run of the group logged (bandit runs);
//  - returns_<G>.csv: step, runs, mean and 95% half-width over runs of the mean return of
//    the episodes that ended in each of `bins` equal bins of env steps (a run counts in a
//    bin only if an episode of it ended there);
//  - eval_<G>.csv: step, runs, mean and 95% half-width over runs of the evaluation return
//    (runs with evaluation during training);
//  - groups.csv: G, env_id, agent_id, env_params, agent_params, runs.
// G is the group's row number in the summary table (0-based). Returns the files written.
std::vector<std::string> write_curves(const ExperimentReader& reader, const std::string& dir,
                                      std::int64_t bins = 50);

}  // namespace rlsim

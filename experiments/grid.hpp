// The grid of an experiment config (experiments/config.hpp) as runs, without holding them
// all: RunGrid counts the runs from the axis sizes before anything is expanded, refuses
// grids over a limit and grids with duplicate points, and visits the runs one at a time in
// run-index order (rlsim run --dry-run streams them; expand_runs collects them).
//
// Order (the run indices): env entries, then agent entries, then the env entry's grid
// points, then the agent entry's, then the seeds; within an entry, the last axis varies
// fastest (axes: the list-valued parameters in key order, then the zip groups).
//
// Duplicates: two grid points are the same when their env ids and resolved parameter texts
// (Params::to_text, defaults filled in) are equal and so are their agents'. Such points
// make identical runs, which analyze would pool as if they were more seeds, so a grid with
// one is refused naming both (alpha = [0.5, 0.5], or two identical [[agent]] entries).
// Since every env point meets every agent point, the grid has a duplicate exactly when the
// env points or the agent points have one: the check holds only one key per point of an
// entry, not per run.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "experiments/config.hpp"

namespace rlsim {

class RunGrid {
 public:
  // Splits every entry's values into fixed parameters and axes, against its schema (unknown
  // ids and zip group mistakes are errors here); expands nothing.
  RunGrid(const ExperimentConfig& config, const Registry& registry);
  ~RunGrid();
  RunGrid(const RunGrid&) = delete;
  RunGrid& operator=(const RunGrid&) = delete;

  // The number of runs, envs × agents × parameter values × seeds; UINT64_MAX when it does
  // not fit in 64 bits.
  std::uint64_t size() const { return size_; }
  // Refuses a grid of more than `max_runs` runs, giving its size and how it is made up.
  void check_size(std::uint64_t max_runs) const;
  // Refuses duplicate grid points (see the file comment), naming both.
  void check_duplicates() const;
  // Builds the env and agent of every distinct (env point, agent point) once and checks them
  // as run/runner.hpp's validate_specs does, without holding the runs.
  void validate() const;
  // Calls `visit` for every run, in run-index order.
  void for_each(const std::function<void(RunSpec&&)>& visit) const;

  struct Entry;  // one [[env]] or [[agent]] entry and its axes (grid.cpp)

 private:
  const ExperimentConfig& config_;
  const Registry& registry_;
  std::vector<Entry> envs_, agents_;
  std::uint64_t size_ = 0;
  std::vector<std::int64_t> steps_runs_;  // log.steps_runs, sorted
  void for_each_pair(const std::function<void(RunSpec&&)>& visit) const;
};

}  // namespace rlsim

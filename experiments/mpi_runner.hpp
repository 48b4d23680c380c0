// `mpirun -np N rlsim run CONFIG.toml`: the runs of one experiment spread over MPI ranks
// (OpenMPI + Boost.MPI), each rank running its share on OpenMP threads, all results
// written by rank 0 into the one run file. docs/scaling.md is the user-facing description.
//
// Contract:
// - Only built with RLSIM_WITH_MPI (CMake option RLSIM_MPI). MPI is initialised only when the
//   process was started by an MPI launcher (mpirun/mpiexec/srun set OMPI_COMM_WORLD_SIZE,
//   PMI_SIZE or PMIX_RANK); a plain `rlsim run` never touches MPI.
// - Rank 0 runs the whole `rlsim run` command as a single process would (config, --resume,
//   output checks, writer, progress line, summary); the worker ranks only run runs. They get
//   everything from rank 0 (plugin list, --threads, the run specs), so the config file need
//   not exist on their nodes; plugins must.
// - Work split: static round-robin over the list of runs to do — rank r runs positions
//   p with p mod N = r — and OpenMP dynamic scheduling inside each rank. Deterministic, no
//   scheduling traffic; results never depend on it (each run's streams come from its run
//   index and seed, run/runner.hpp), only the wall time does.
// - Results: each finished run is serialized (experiments/mpi_serialization.hpp) and sent to
//   rank 0 at once, which writes it with the same ExperimentWriter::write_run call as a
//   single process; a killed job therefore keeps every run rank 0 received, and --resume
//   finishes it (with or without MPI).
// - Live rows (docs/log-format.md "Live rows"): each worker gives its runs a LiveRowBuffer of
//   its own (run/live_rows.hpp) with the writer's flush interval as threshold (sent in
//   the job), and its communication thread sends what waits there to rank 0 as one kLive
//   message (a serialised MpiLive: per run in progress its ids, env steps,
//   and eval and diagnostics rows since the last kLive) at most once per flush interval
//   (and at most every 50 ms). Rank 0's receive loop adds them to the writer's LiveTables,
//   which writes them at the next flush exactly as for rank 0's own runs. A run's live rows
//   not yet sent when it ends are dropped, and the worker sends pending live rows before
//   results, so (MPI keeps the order of one sender's messages) no live row of a run reaches
//   rank 0 after the run itself. The runs never wait for the sends (they only copy rows
//   under a mutex, as without MPI); results are unchanged, and a finished file holds no
//   live rows.
// - Checkpoints (checkpoint.every, run/run_checkpoint.hpp): a worker keeps the latest
//   checkpoint of each of its runs in progress and sends it in the same kLive message; rank
//   0 hands it to the writer's CheckpointSink, which writes it at its next flush as for its
//   own runs. `--resume` (rank 0 reads the file) sends each worker, in its job, the
//   checkpoints of the runs of its share, which resume from them as in one process.
// - Errors: the first error of any rank (a failing run, a plugin that does not load on a
//   node, a write failure on rank 0) stops all ranks; rank 0 reports it, naming the rank,
//   as the one error message, and every rank exits with rank 0's exit code. SIGINT and
//   SIGTERM on any rank stop the runs in progress as Ctrl-C does without MPI.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/registry.hpp"
#include "run/runner.hpp"

namespace rlsim {

class MpiRun {
 public:
  // Initialises MPI when started by an MPI launcher with more than one rank; null otherwise
  // (not under a launcher, or a single rank: then `rlsim run` is the plain single process).
  static std::unique_ptr<MpiRun> start();
  // Rank 0: tells the workers to exit (with 1 while an exception unwinds, 130 after an
  // interrupted run, else 0) if they have not been told yet. Then finalises MPI.
  ~MpiRun();
  MpiRun(const MpiRun&) = delete;
  MpiRun& operator=(const MpiRun&) = delete;

  int rank() const;
  int size() const;
  bool is_worker() const { return rank() != 0; }

  // Worker ranks: all of `rlsim run`. Waits for rank 0's job, runs this rank's share, sends
  // each result to rank 0 as it finishes, and returns 0 when rank 0 ends the job (rank 0
  // reports any error and exits with the job's code; see worker_exit_code in the .cpp).
  int worker_main();

  // Rank 0, in place of execute_runs(): validates every spec, sends the job (the plugin list,
  // the --threads value as given, 0 = each rank's default, and all specs) to the workers,
  // runs rank 0's share with `options` and hands every result, local or received, to
  // options.on_complete (serialised). options.counters also count the workers' runs and
  // steps (progress line, summary). Returns when every rank is done; rethrows the first
  // error of any rank (a worker's prefixed with "rank R (HOST): ").
  void execute_runs(const Registry& registry, const std::vector<RunSpec>& specs,
                    const RunnerOptions& options, const std::vector<std::string>& plugins,
                    int threads_option);

  struct Impl;

 private:
  explicit MpiRun(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rlsim

// HDF5 run files: one file per experiment, written by ExperimentWriter and read back by
// ExperimentReader. The layout is documented for h5py users in docs/log-format.md.
//
// Layout (format 3): experiment-wide tables (run_table, episodes, regret, eval) get one
// row per run / episode / checkpoint, and a per-run group holds only steps, diagnostics and
// agent state. Crash safety: each run is written whole when it finishes (its table rows are
// held in memory and appended at the flush), and reaches the disk at the next flush. Flushes are
// batched: at most one per RLSIM_FLUSH_SECONDS (default 1 s; 0 flushes after every run), and always
// at finish(), flush() and when the writer is destroyed. HDF5's metadata cache evictions are
// disabled, so no metadata reaches the disk between flushes and the file on disk is always the
// state of the last flush. A killed experiment leaves a readable file holding only complete runs,
// minus those written in the last interval (rerun by `rlsim run --resume`); the root
// attribute `complete` is set only by finish(). All HDF5 calls are serialised by one
// process-wide mutex (HDF5 may be built without thread safety). One writer per file: the
// writer holds rlsim's own lock of the file (run/write_lock.hpp), whatever HDF5's file
// locking is set to; readers take no lock, and open the file with HDF5's file locking off,
// so that they can read a file while it is written (docs/log-format.md, "Live rows").
//
// Implementation, one job per file: run/experiment_writer.cpp (the writer and its flusher
// thread), run/experiment_reader.cpp and run/run_group_reader.cpp (the readers of formats
// 1-3), on private helpers: run/run_file_io.hpp and run/run_file_tables.hpp (shared by
// writer and readers), run/chunk_encoder.hpp (zlib), run/file_space.hpp (posix_fallocate),
// run/table_appender.hpp, run/write_kit.hpp, run/run_validation.hpp, run/write_lock.hpp,
// and core's core/hdf5_util.hpp and core/state_dict_group.hpp.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/run_result.hpp"
#include "core/state_dict.hpp"
// write_state_dict / read_state_dict (StateDict <-> an HDF5 group), included here so that
// code that read them from this header keeps working.
#include "core/state_dict_io.hpp"

namespace rlsim {

// 3: experiment-wide tables (docs/log-format.md); 2: per-run groups with fixed-length
// strings; 1: variable-length strings. All three are readable; only 3 is appended to.
inline constexpr int kLogFormatVersion = 3;

struct ExperimentMeta {
  std::string config_text;   // the full resolved config (TOML)
  std::string command_line;  // how the driver was invoked
  std::uint64_t master_seed = 0;
  // The experiment's number of runs: run indices are 0 to planned_runs - 1 (the writer
  // refuses others, the reader reports others as damage); 0: not recorded, not checked.
  std::int64_t planned_runs = 0;
  // Filled by the reader: rlsim_version, git_commit, created (ISO 8601 UTC), complete.
  std::string rlsim_version;
  std::string git_commit;
  std::string created;
  bool complete = false;
  int format_version = kLogFormatVersion;
};

// A run as read back from a file.
struct StoredRun {
  std::int64_t run_index = 0;
  std::string env_id, agent_id;
  std::string env_params, agent_params;  // Params::to_text() form
  std::string group;
  std::int64_t seed_index = 0;
  std::uint64_t env_seed = 0, agent_seed = 0;
  std::int64_t total_steps = 0;
  bool complete = false;
  EpisodeTable episodes;
  StepTable steps;  // filled only when asked for and present
  RegretCurve regret;
  bool has_steps = false;
  EvalTable evaluations;          // empty when the run had no evaluation
  DiagnosticsTable diagnostics;   // empty (no names) when the agent recorded none
  Identification identification;  // can_stop false unless the agent could stop the run
  StateDict agent_state;          // the agent's final state, when it was saved
  bool has_agent_state = false;
};

// A run in progress, as the live rows of a file being written show it (docs/log-format.md,
// "Live rows"; run/live_tables.hpp): its env steps at its last report, its evaluation rows
// and its diagnostics so far.
struct LiveRun {
  std::int64_t run_index = 0;
  std::int64_t seed_index = 0;
  std::string env_id, agent_id, env_params, agent_params, group;  // as StoredRun's
  std::int64_t steps = 0;
  EvalTable evaluations;
  DiagnosticsTable diagnostics;
};

class LiveSink;
class CheckpointSink;

// How ExperimentWriter opens its file.
enum class WriteMode {
  create,  // create (truncate) the file and write the experiment's attributes
  append,  // reopen an rlsim run file to add runs (resume): the attributes in the file are
           // kept (the meta argument is ignored), whatever the last flush did not finish
           // (table rows and /runs groups of runs not in run_table) is dropped, and the
           // root `complete` is reset to 0 until finish()
};

class ExperimentWriter {
 public:
  // Creates (truncates) `path`, or reopens it (WriteMode::append). Throws rlsim::Error
  // naming the path when its directory is missing or not writable, (append) when it is not
  // a writable rlsim run file, or when another ExperimentWriter, in this process or another,
  // writes it (run/write_lock.hpp: the lock is taken before the file is truncated, so the
  // refused writer leaves it untouched). The lock is held until the writer is destroyed.
  ExperimentWriter(const std::string& path, const ExperimentMeta& meta,
                   WriteMode mode = WriteMode::create);
  // Flushes and closes without marking complete if finish() was not called (Ctrl-C, an
  // error exit); after a failed write it leaves the file as the last flush left it.
  ~ExperimentWriter();
  ExperimentWriter(const ExperimentWriter&) = delete;
  ExperimentWriter& operator=(const ExperimentWriter&) = delete;
  // Adds the run to the file (its run_table row, table rows and, when it has steps,
  // diagnostics or agent state, /runs/<6-digit run index>); it reaches the disk at the next
  // flush (this call flushes when the last flush is RLSIM_FLUSH_SECONDS old; a background
  // thread flushes a file left unflushed that long). Thread-safe. A run whose tables are
  // inconsistent, or whose index is not below planned_runs (when recorded), is refused
  // before anything is written. When the file itself cannot be
  // written (disk full, file size limit, I/O error) the error names the file, and the
  // writer stops touching the file: it is not flushed or closed again, so the runs flushed
  // before stay readable; later write_run/flush/finish calls throw.
  void write_run(const RunResult& run);
  // Writes the runs written since the last flush to the disk now.
  void flush();
  // The sink of live rows (run/runner.hpp LiveSink; RunnerOptions::live): evaluation rows
  // and diagnostics of runs in progress reach /live/NNNNNN at each flush, for runs that have
  // run at least the flush interval; write_run replaces a run's live rows by its whole rows
  // and finish() removes /live (docs/log-format.md, "Live rows").
  LiveSink* live_sink();
  // The sink of checkpoints (run/run_checkpoint.hpp; RunnerOptions::checkpoints): each
  // run's latest checkpoint reaches /checkpoints/NNNNNN at each flush (and at the last one
  // after a stop signal); write_run deletes the run's, finish() all (docs/log-format.md,
  // "Checkpoints").
  CheckpointSink* checkpoint_sink();
  // WriteMode::append: the checkpoints of the unfinished runs found in the file, by run
  // index (the runs to resume from them); empty otherwise.
  const std::map<std::int64_t, StateDict>& resume_checkpoints() const;
  // WriteMode::append: the unfinished runs whose checkpoint a kill left unreadable; they
  // start over (the damaged group is kept in /damaged; run/checkpoint_store.hpp).
  const std::vector<std::int64_t>& damaged_checkpoints() const;
  // Run indices of the unfinished runs whose rows or groups WriteMode::append dropped.
  const std::vector<std::int64_t>& removed_runs() const;
  // Marks the experiment complete and closes the file.
  void finish();
  const std::string& path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Rows of an experiment-wide table (format 3) up to which ExperimentReader reads the whole
// table at its first read_run and serves every run from memory (about 140 MB of episodes);
// a longer table is read run by run (its `run` column is read once, to find the rows).
inline constexpr std::size_t kReaderCachedRows = std::size_t{1} << 22;

class ExperimentReader {
 public:
  // Throws rlsim::Error naming the path when it is missing, not HDF5, damaged, or not an
  // rlsim run file. `max_cached_rows`: see kReaderCachedRows (0: always run by run).
  explicit ExperimentReader(const std::string& path,
                            std::size_t max_cached_rows = kReaderCachedRows);
  ~ExperimentReader();
  ExperimentReader(const ExperimentReader&) = delete;
  ExperimentReader& operator=(const ExperimentReader&) = delete;
  const ExperimentMeta& meta() const;
  std::vector<std::int64_t> run_indices() const;  // sorted, complete or not
  // The runs in progress in a file being written (or of a writer that was killed): their
  // live rows, sorted by run index; empty for a finished file and for formats 1 and 2.
  std::vector<LiveRun> live_runs() const;
  // Sorted indices of the whole runs: in format 3 every run in the file; in formats 1 and
  // 2 those whose `complete` attribute is 1 (a killed experiment may leave one without).
  std::vector<std::int64_t> complete_run_indices() const;
  // Throws rlsim::Error naming the file and object when the run is absent, or when it is
  // whole (format 3: listed in run_table; formats 1-2: marked complete) and its data, or
  // the experiment-wide tables, are damaged. A format 1-2 run not marked complete (an
  // interrupted write) never throws: it comes back with complete = false and whatever was
  // readable.
  // `steps` is read (and has_steps set) only when with_steps and the run has steps.
  StoredRun read_run(std::int64_t run_index, bool with_steps = false) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rlsim

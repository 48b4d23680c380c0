// ExperimentWriter (run/hdf5_log.hpp): writes an experiment's runs to a format 3 run file,
// with batched flushes by a flusher thread, and reopens a file to append runs on resume.
//
// Contract: the crash-safety design of run/hdf5_log.hpp (docs/architecture.md). A run is
// validated first (run/run_validation.hpp), its per-run tables compressed on the calling
// thread outside the HDF5 lock (run/chunk_encoder.hpp), then, under the lock, its groups
// are created and its table rows held until the flush appends them
// (run/table_appender.hpp). HDF5 writes no metadata between flushes (evictions off), and
// every flush first reserves the file's space (run/file_space.hpp): the file on disk is
// always the state of the last flush. After a write error the writer never touches the
// file again.
#include "run/hdf5_log.hpp"

#include <hdf5.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <set>
#include <span>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include "core/error.hpp"
#include "core/hdf5_handles.hpp"
#include "core/hdf5_util.hpp"
#include "core/state_dict_group.hpp"
#include "core/version.hpp"
#include "run/checkpoint_store.hpp"
#include "run/chunk_encoder.hpp"
#include "run/file_space.hpp"
#include "run/live_tables.hpp"
#include "run/run_file_io.hpp"
#include "run/run_file_tables.hpp"
#include "run/run_validation.hpp"
#include "run/step_layout.hpp"
#include "run/table_appender.hpp"
#include "run/write_kit.hpp"
#include "run/write_lock.hpp"

namespace rlsim {

// The writer is made of the run-file helpers (run/*.hpp above).
using namespace runfile;

namespace {

// Half the entries of a node of the B-tree that indexes a dataset's chunks (H5Pset_istore_k;
// HDF5's default is 32). Every chunked dataset gets one node when its first chunk is
// written, sized for 2K entries: about 2.1 KiB at K = 32, 0.6 KiB at K = 8. Format 2's
// many one-chunk per-run tables made 32 costly (60% of a sweep's file) and used K = 1; the
// experiment-wide tables of format 3 have hundreds of chunks per column, for which K = 1
// (2 entries per node) made a deep tree whose inserts cost more than the rest of the
// logging (callgrind, 300-run sweep). The value is recorded in the file (superblock
// extension); readers need not know it.
constexpr unsigned kChunkIndexK = 8;

// One thread's reused encoding buffers (see EncodedColumn).
struct RunEncoding {
  ChunkEncoder encoder;
  EncodedTable steps, diagnostics;
  std::vector<double> column;  // a diagnostics column
};

RunEncoding& thread_encoding() {
  thread_local RunEncoding encoding;
  return encoding;
}

void flush_file(hid_t file, const std::string& path) {
  check_status(H5Fflush(file, H5F_SCOPE_GLOBAL), "cannot flush run file " + in_quotes(path));
}

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Keeps every modified metadata entry in HDF5's metadata cache until the next flush: with
// evictions off, the library writes metadata only when the file is flushed or closed, so
// between flushes the file on disk stays the last flushed, consistent state (raw data go
// to fresh file space, which that state does not refer to: see the file space strategy).
// HDF5 allows evictions off only with automatic cache resizing off (H5ACpublic.h,
// H5AC_cache_config_t::evictions_enabled). The cache then holds the metadata of the runs
// written since the file was opened; that is a few KiB per run.
void hold_metadata_until_flush(hid_t file, const std::string& path) {
  const std::string what = "the metadata cache settings of run file " + in_quotes(path);
  H5AC_cache_config_t config;
  std::memset(&config, 0, sizeof config);
  config.version = H5AC__CURR_CACHE_CONFIG_VERSION;
  check_status(H5Fget_mdc_config(file, &config), "cannot read " + what);
  config.evictions_enabled = 0;
  config.incr_mode = H5C_incr__off;
  config.flash_incr_mode = H5C_flash_incr__off;
  config.decr_mode = H5C_decr__off;
  check_status(H5Fset_mdc_config(file, &config), "cannot set " + what);
}

// File access with the HDF5 1.8 object formats (checksummed metadata; see the constructor).
hdf5::PropList v18_file_access(const std::string& where) {
  hdf5::PropList fapl(H5Pcreate(H5P_FILE_ACCESS), "cannot create properties for " + where);
  check_status(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST),
               "cannot set the format bounds of " + where);
  return fapl;
}

// The metadata cache size (as HDF5 counts it) above which the writer flushes and reopens
// the file.
constexpr std::size_t kMaxMetadataCacheBytes = 4u << 20;
// Bytes of table rows the writer holds before appending them to the file without waiting
// for the flush (about 1.9 M episode rows).
constexpr std::size_t kMaxPendingBytes = 1u << 20;

// The flush interval: RLSIM_FLUSH_SECONDS (a number >= 0; 0 flushes after every run) or 1 s.
double flush_interval_from_env() {
  const char* text = std::getenv("RLSIM_FLUSH_SECONDS");
  if (!text || !*text) return 1.0;
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(v >= 0) || v > 86400)
    throw Error("environment variable RLSIM_FLUSH_SECONDS is '" + std::string(text) +
                "': expected the seconds between flushes of the run file, a number from 0 (flush "
                "after every run) to 86400, such as 1 or 0.1");
  return v;
}

}  // namespace

struct ExperimentWriter::Impl {
  // rlsim's writer lock of the file (run/write_lock.hpp), taken before the file is created,
  // truncated or opened; first member, so that it is released last, after the file is closed.
  WriteLock write_lock;
  std::string path;
  hdf5::File file;
  bool broken = false;  // a write to the file failed: never touch it again
  std::string broken_reason;
  std::vector<std::int64_t> removed;
  // The experiment's planned_runs (0: not recorded); run indices are below it.
  std::int64_t planned_runs = 0;
  // Batched flushes (see the header): `dirty` when runs were written since the last flush.
  double flush_seconds = 1.0;
  bool dirty = false;
  std::chrono::steady_clock::time_point last_flush = std::chrono::steady_clock::now();
  // The flusher thread: flushes `dirty` files flush_seconds after the last flush, so a run
  // reaches the disk within about flush_seconds even when no other run follows it soon.
  std::thread flusher;
  std::mutex flusher_mutex;  // guards `stopping` (HDF5 state is guarded by hdf5::Lock)
  std::condition_variable flusher_wake;
  bool stopping = false;
  // The open groups /runs and /groups, the run indices in the file (filled when it is
  // opened, so that a repeated index is refused without asking HDF5), the run groups by
  // their `group` text, and the reused property lists.
  hdf5::Group runs, groups;
  std::unordered_set<std::int64_t> written;
  std::unordered_map<std::string, std::int64_t> group_ids;
  std::int64_t next_group = 0;
  WriteKit kit;
  // The live rows of runs in progress (run/live_tables.hpp), written at each flush.
  std::unique_ptr<LiveTables> live;
  // The latest checkpoint of each run in progress (run/checkpoint_store.hpp), written at
  // each flush; and, when appending, the unfinished runs' checkpoints found in the file.
  CheckpointStore checkpoints;
  std::map<std::int64_t, StateDict> resume;
  std::vector<std::int64_t> damaged_checkpoints;
  bool has_pending() const { return dirty || (live && live->pending()) || checkpoints.pending(); }
  // The experiment-wide tables, and the rows written to them since the last flush: they
  // are held here and appended to the file at the flush (one append per column instead of
  // one per run), or earlier when they pass kMaxPendingBytes.
  TableFile run_table, episodes, regret, eval;
  RunRows pending_runs;
  Rows<EpisodeTable> pending_episodes;
  Rows<RegretCurve> pending_regret;
  Rows<EvalTable> pending_eval;
  std::size_t pending_bytes = 0;

  // Opens /runs, /groups and the tables of the open file (after creating or reopening it).
  void open_objects();
  // Appends the pending rows to the tables in the file. Under a Lock.
  void write_pending();
  // Flushes if runs were written since the last flush. Call under an hdf5::Lock. A failure
  // marks the writer broken (the file is not touched again) and throws.
  void flush_now();
  // True when the metadata cache holds more than kMaxMetadataCacheBytes. Under a Lock.
  bool cache_full();
  void start_flusher();
  void stop_flusher();
  // Reopens the rlsim run file `path` for appending runs: fills `written` and the group
  // ids, drops what the last flush did not finish (table rows and /runs members of runs
  // not in run_table) and lists those runs in `removed`.
  void open_for_append();
  // Closes the open objects and the file (under a Lock): the objects first, else HDF5
  // would keep the file open until they are closed.
  bool close_file() {
    for (TableFile* t : {&run_table, &episodes, &regret, &eval}) t->reset();
    if (!groups.reset() || !runs.reset()) return false;
    return file.reset();
  }
  ~Impl() {
    stop_flusher();
    hdf5::Lock lock;
    kit.reset();
    if (!broken && file) {
      try {
        write_pending();
        // Stopped (a signal, an error): the runs in progress are dropped, and their rows.
        if (live) LiveTables::remove_all(file.get(), path);
        checkpoints.write(file.get(), path);  // the runs in progress resume from these
        reserve_file_space(file.get(), path);
      } catch (const Error&) {
        broken = true;  // leave the file as the last flush left it
      }
    }
    if (broken) {
      for (TableFile* t : {&run_table, &episodes, &regret, &eval})
        for (hdf5::Dataset& d : t->columns) d.release();
      groups.release();  // closing would flush metadata that may not fit any more
      runs.release();
      file.release();
    } else if (file) {
      // Closing flushes the runs written since the last flush.
      close_and_trim(file.get(), path, [&] { return close_file(); });
    }
  }
};

void ExperimentWriter::Impl::open_objects() {
  const hid_t f = file.get();
  runs = hdf5::Group(H5Gopen2(f, "runs", H5P_DEFAULT),
                     "cannot open group " + in_quotes(path) + " /runs");
  groups = hdf5::Group(H5Gopen2(f, "groups", H5P_DEFAULT),
                       "cannot open group " + in_quotes(path) + " /groups");
  run_table = open_table<RunRows>(f, "run_table", run_table_columns, path);
  episodes = open_table<Rows<EpisodeTable>>(f, "episodes", episode_rows, path);
  regret = open_table<Rows<RegretCurve>>(f, "regret", regret_rows, path);
  eval = open_table<Rows<EvalTable>>(f, "eval", eval_rows, path);
}

void ExperimentWriter::Impl::write_pending() {
  if (pending_runs.size() == 0) return;
  // The run table last: a reader that finds a run there finds its rows in the others.
  append_to_file(episodes, pending_episodes, episode_rows);
  append_to_file(regret, pending_regret, regret_rows);
  append_to_file(eval, pending_eval, eval_rows);
  append_to_file(run_table, pending_runs, run_table_columns);
  auto clear = [](auto& t, auto columns) {
    columns(t, [](const char*, auto& column, hsize_t) { column.clear(); });
  };
  clear(pending_runs, run_table_columns);
  clear(pending_episodes, episode_rows);
  clear(pending_regret, regret_rows);
  clear(pending_eval, eval_rows);
  pending_bytes = 0;
}

void ExperimentWriter::Impl::flush_now() {
  if (!has_pending() || broken || !file) return;
  try {
    write_pending();
    if (live) live->write(file.get(), path, kit.gcpl.get());
    checkpoints.write(file.get(), path);
    reserve_file_space(file.get(), path);
    flush_file(file.get(), path);
    if (live) live->after_flush();  // a test hook (run/live_tables.hpp); nothing otherwise
  } catch (const Error& e) {
    broken = true;
    broken_reason = e.what();
    throw;
  }
  dirty = false;
  last_flush = std::chrono::steady_clock::now();
  // With evictions off the cache keeps every entry it has read or written, clean or not.
  // Closing and reopening the file empties it; right after a flush nothing is lost, and
  // the file on disk is unchanged.
  if (!cache_full()) return;
  try {
    if (!close_file()) hdf5::fail("cannot close run file " + in_quotes(path));
    hdf5::PropList fapl = v18_file_access("run file " + in_quotes(path));
    file = hdf5::File(H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.get()),
                      "cannot reopen run file " + in_quotes(path));
    hold_metadata_until_flush(file.get(), path);
    open_objects();
  } catch (const Error& e) {
    broken = true;
    broken_reason = e.what();
    throw;
  }
}

bool ExperimentWriter::Impl::cache_full() {
  std::size_t max_size = 0, min_clean = 0, cur_size = 0;
  int entries = 0;
  if (H5Fget_mdc_size(file.get(), &max_size, &min_clean, &cur_size, &entries) < 0) {
    hdf5::error_detail();  // the size is advisory: keep going
    return false;
  }
  return cur_size >= kMaxMetadataCacheBytes;
}

void ExperimentWriter::Impl::start_flusher() {
  if (flush_seconds <= 0) return;  // every write_run flushes
  flusher = std::thread([this] {
    const auto interval = std::chrono::duration<double>(flush_seconds);
    std::unique_lock<std::mutex> guard(flusher_mutex);
    while (!stopping) {
      // A quarter interval between looks: a run reaches the disk within 1.25 intervals.
      flusher_wake.wait_for(guard, interval / 4);
      if (stopping) break;
      guard.unlock();
      {
        hdf5::Lock lock;
        if (has_pending() && std::chrono::steady_clock::now() - last_flush >= interval) {
          try {
            flush_now();
          } catch (const Error&) {
            // Recorded in broken_reason; the next write_run or finish reports it.
          }
        }
      }
      guard.lock();
    }
  });
}

void ExperimentWriter::Impl::stop_flusher() {
  if (!flusher.joinable()) return;
  {
    std::lock_guard<std::mutex> guard(flusher_mutex);
    stopping = true;
  }
  flusher_wake.notify_all();
  flusher.join();
}

void ExperimentWriter::Impl::open_for_append() {
  const std::string where = "run file " + in_quotes(path);
  file = open_existing(path, H5F_ACC_RDWR, "run file");
  const hid_t f = file.get();
  if (!has_attr(f, "rlsim_format_version", where))
    throw Error("cannot append to " + where +
                ": it is an HDF5 file but not an rlsim run file (no root attribute "
                "rlsim_format_version)");
  const auto version = read_attr<std::int32_t>(f, "rlsim_format_version", where);
  if (version != kLogFormatVersion)
    throw Error("cannot append to " + where + ": its rlsim_format_version is " +
                std::to_string(version) + " but this rlsim writes version " +
                std::to_string(kLogFormatVersion) +
                (version < kLogFormatVersion
                     ? " (it can still read the file); resume it with the rlsim that started "
                       "it, or start the experiment again in a new file"
                     : "; use a newer rlsim"));
  for (const char* g : kFormat3Groups)
    if (!link_exists(f, g, where + " /" + g))
      throw Error("cannot append to " + where + ": it has no group /" + g +
                  " (the file is damaged)");
  const ReadLimits lim = limits_for(f);
  open_objects();
  truncate_table(run_table, run_table.rows);
  planned_runs = read_attr<std::int64_t>(f, "planned_runs", where);
  for (std::int64_t i : read_first_rows(run_table.columns.at(0).get(), run_table.rows,
                                        "dataset " + run_table.where + "/run_index", lim)) {
    if (i < 0 || (planned_runs > 0 && i >= planned_runs))
      throw Error("cannot append to " + where + ": its run_table lists run " + std::to_string(i) +
                  (i < 0 ? std::string(", a negative index")
                         : ", but the experiment planned " + std::to_string(planned_runs) +
                               " runs (indices 0 to " + std::to_string(planned_runs - 1) + ")") +
                  ": the file is damaged");
    if (!written.insert(i).second)
      throw Error("cannot append to " + where + ": its run_table lists run " + std::to_string(i) +
                  " twice: the file is damaged");
  }
  std::set<std::int64_t> dropped;
  for (TableFile* t : {&episodes, &regret, &eval}) drop_unlisted_rows(*t, written, dropped, lim);
  for (const std::string& name : link_names(f, "groups", where + " /groups")) {
    const std::int64_t id = index_of_name(name);
    const std::string w = where + " /groups/" + name;
    if (id < 0)
      throw Error("cannot append to " + where + ": /groups holds '" + name +
                  "', which is not a group number: the file is damaged");
    hdf5::Group g(H5Gopen2(groups.get(), name.c_str(), H5P_DEFAULT), "cannot open group " + w);
    group_ids.emplace(read_attr_string(g.get(), "group", w, false), id);
    next_group = std::max(next_group, id + 1);
  }
  // The groups of unfinished runs are deleted; when a kill left one unreadable (see
  // run/run_file_io.hpp), /runs is rebuilt without them and the old one set aside.
  std::vector<std::string> unfinished, finished_names;
  bool damaged_run = false;
  for (const std::string& name : link_names(f, "runs", where + " /runs")) {
    const std::int64_t i = index_of_name(name);
    if (i < 0) continue;
    if (written.count(i) > 0) {
      finished_names.push_back(name);
      continue;
    }
    unfinished.push_back(name);
    dropped.insert(i);
    if (!objects_readable(runs.get(), name)) damaged_run = true;
  }
  if (damaged_run) {
    runs.reset();
    rebuild_group(f, "runs", finished_names, kit.gcpl.get(), path);
    runs = hdf5::Group(H5Gopen2(f, "runs", H5P_DEFAULT),
                       "cannot open group " + in_quotes(path) + " /runs");
  } else {
    for (const std::string& name : unfinished)
      check_status(H5Ldelete(runs.get(), name.c_str(), H5P_DEFAULT),
                   "cannot delete the unfinished run group " + in_quotes(path) + " /runs/" + name);
  }
  removed.assign(dropped.begin(), dropped.end());
  LiveTables::remove_all(f, path);  // the rows of runs a killed writer had in progress
  // The checkpoints of the runs still unfinished are kept: they resume from them.
  resume = CheckpointStore::keep_unfinished(f, path, written, lim.max_bytes, damaged_checkpoints);
  write_attr<std::int32_t>(f, "complete", 0, where);
  flush_file(f, path);
  hold_metadata_until_flush(f, path);
}

ExperimentWriter::ExperimentWriter(const std::string& path, const ExperimentMeta& meta,
                                   WriteMode mode)
    : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->flush_seconds = flush_interval_from_env();
  impl_->live = std::make_unique<LiveTables>(impl_->flush_seconds);
  impl_->planned_runs = meta.planned_runs;  // append mode: replaced by the file's
  if (mode == WriteMode::append) {
    // (A missing file is reported by open_for_append, without a lock file left behind.)
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) impl_->write_lock = WriteLock(path);
    {
      hdf5::Lock lock;
      impl_->kit.init("run file " + in_quotes(path));
      impl_->open_for_append();
    }
    impl_->start_flusher();
    return;
  }
  check_output_location(path, "run file");
  // Before H5Fcreate truncates the file: a writer refused here leaves it as it was.
  impl_->write_lock = WriteLock(path);
  hdf5::Lock lock;
  const std::string where = "run file " + in_quotes(path);
  // No reuse of freed file space: space that the last flushed state still refers to is then
  // never overwritten by a later write, which keeps a killed writer's file readable.
  hdf5::PropList fcpl(H5Pcreate(H5P_FILE_CREATE), "cannot create properties for " + where);
  check_status(H5Pset_file_space_strategy(fcpl.get(), H5F_FSPACE_STRATEGY_NONE, 0, 1),
               "cannot set the file space strategy of " + where);
  // Chunk index B-tree nodes of kChunkIndexK (HDF5's default 32 makes every dataset's
  // first node about 2 KiB, most of a small run's bytes; see kChunkIndexK).
  check_status(H5Pset_istore_k(fcpl.get(), kChunkIndexK),
               "cannot set the chunk index node size of " + where);
  // HDF5 1.8 object formats: their metadata (object headers, heaps, B-trees) carry
  // checksums, so a damaged file is reported as an error instead of being misread.
  hdf5::PropList fapl = v18_file_access(where);
  impl_->file = hdf5::File(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()),
                           "cannot create " + where);
  impl_->kit.init(where);
  const hid_t f = impl_->file.get();
  const hid_t gcpl = impl_->kit.gcpl.get();
  write_attr<std::int32_t>(f, "rlsim_format_version", kLogFormatVersion, where);
  write_attr_string(f, "rlsim_version", version(), where);
  write_attr_string(f, "git_commit", git_commit(), where);
  write_attr_string(f, "created", utc_now_iso8601(), where);
  write_attr_string(f, "command_line", meta.command_line, where);
  write_attr_string(f, "config", meta.config_text, where);
  write_attr<std::uint64_t>(f, "master_seed", meta.master_seed, where);
  write_attr<std::int64_t>(f, "planned_runs", meta.planned_runs, where);
  write_attr<std::int32_t>(f, "complete", 0, where);
  create_table<RunRows>(f, "run_table", run_table_columns, kRunTableChunkRows, path, gcpl);
  create_group(f, "groups", where + " /groups", gcpl);
  create_table<Rows<EpisodeTable>>(f, "episodes", episode_rows, kEpisodeChunkRows, path, gcpl);
  create_table<Rows<RegretCurve>>(f, "regret", regret_rows, kRegretChunkRows, path, gcpl);
  create_table<Rows<EvalTable>>(f, "eval", eval_rows, kEvalChunkRows, path, gcpl);
  create_group(f, "runs", where + " /runs", gcpl);
  flush_file(f, path);
  hold_metadata_until_flush(f, path);
  impl_->open_objects();
  impl_->start_flusher();
}

ExperimentWriter::~ExperimentWriter() = default;

const std::vector<std::int64_t>& ExperimentWriter::removed_runs() const {
  return impl_->removed;
}

const std::string& ExperimentWriter::path() const {
  return impl_->path;
}

void ExperimentWriter::write_run(const RunResult& run) {
  const std::string name = run_name(run.info.run_index);
  validate_run(run, name);
  if (impl_->planned_runs > 0 && run.info.run_index >= impl_->planned_runs)
    throw Error("cannot write run " + name + " to " + in_quotes(path()) +
                ": the experiment plans " + std::to_string(impl_->planned_runs) +
                " runs (indices 0 to " + std::to_string(impl_->planned_runs - 1) + ")");
  if (run.has_agent_state)
    hdf5::validate_state(path(), "/runs/" + name + "/agent", run.agent_state);
  const bool own_group = run.steps.size() > 0 || !run.diagnostics.names.empty() ||
                         run.has_agent_state || run.identification.can_stop;
  // Compression of the per-run tables first, on this thread and without the HDF5 lock
  // (see EncodedColumn), into this thread's reused buffers.
  RunEncoding& enc = thread_encoding();
  ChunkEncoder& ce = enc.encoder;
  for (EncodedTable* t : {&enc.steps, &enc.diagnostics}) t->clear();
  if (run.steps.size() > 0) encode_compact_steps(run.steps, enc.steps, ce);  // step_layout.hpp
  if (!run.diagnostics.names.empty()) {
    const DiagnosticsTable& d = run.diagnostics;
    encode_column(enc.diagnostics.next(), "step", std::span<const std::int64_t>(d.step), 0,
                  kTableDeflate, ce);
    const std::size_t cols = d.names.size();
    std::vector<double>& column = enc.column;
    column.resize(d.size());
    for (std::size_t c = 0; c < cols; ++c) {
      for (std::size_t row = 0; row < d.size(); ++row) column[row] = d.values[row * cols + c];
      encode_column(enc.diagnostics.next(), d.names[c].c_str(), std::span<const double>(column), 0,
                    kTableDeflate, ce);
    }
  }

  hdf5::Lock lock;
  Impl& w = *impl_;
  const std::string& path = w.path;
  const std::int64_t index = run.info.run_index;
  if (w.broken)  // worded as the first failure is, which another thread may have reported
    throw Error("writing run " + name + " to run file " + in_quotes(path) +
                " failed: an earlier write to it failed (" + w.broken_reason +
                "); the runs flushed to it before stay readable in the file");
  if (!w.file)
    throw Error("cannot write run " + name + " to " + in_quotes(path) +
                ": the writer is already finished (finish() was called)");
  if (w.written.count(index) > 0)
    throw Error("cannot write run " + name + " to " + in_quotes(path) +
                ": it is already there (each run index is written once)");
  try {
    WriteKit& kit = w.kit;
    const hid_t scalar = kit.scalar.get();
    const hid_t gcpl = kit.gcpl.get();
    const RunInfo& info = run.info;
    // The run's group of runs: a new one gets /groups/G with its strings.
    auto [group, added] = w.group_ids.try_emplace(info.group, w.next_group);
    if (added) {
      ++w.next_group;
      const std::string gname = run_name(group->second);
      const std::string where = in_quotes(path) + " /groups/" + gname;
      hdf5::Group g = create_group(w.groups.get(), gname, where, gcpl);
      const hid_t gid = g.get();
      create_attr_string(gid, "env_id", info.env_id, where, scalar);
      create_attr_string(gid, "agent_id", info.agent_id, where, scalar);
      create_attr_string(gid, "env_params", info.env_params.to_text(), where, scalar);
      create_attr_string(gid, "agent_params", info.agent_params.to_text(), where, scalar);
      create_attr_string(gid, "group", info.group, where, scalar);
    }
    w.written.insert(index);
    w.live->end_run(w.file.get(), index, path);  // its whole rows replace its live rows
    w.checkpoints.end_run(w.file.get(), index, path);
    if (own_group) {
      const std::string where = in_quotes(path) + " /runs/" + name;
      hdf5::Group g = create_group(w.runs.get(), name, where, gcpl);
      const hid_t gid = g.get();
      if (run.steps.size() > 0) {
        const std::string ws = where + "/steps";
        hdf5::Group s = create_group(gid, "steps", ws, gcpl);
        const StepTable& t = run.steps;
        create_attr<std::int32_t>(s.get(), "obs_discrete", t.obs_discrete ? 1 : 0, ws, scalar);
        create_attr<std::int32_t>(s.get(), "action_discrete", t.action_discrete ? 1 : 0, ws,
                                  scalar);
        create_attr<std::int32_t>(s.get(), "obs_dim", t.obs_discrete ? 1 : t.obs_dim, ws, scalar);
        create_attr<std::int32_t>(s.get(), "action_dim", t.action_discrete ? 1 : t.action_dim, ws,
                                  scalar);
        // Only for envs with step info, so that other step logs are as before.
        if (t.has_prob) create_attr<std::int32_t>(s.get(), "info_prob", 1, ws, scalar);
        if (t.mask_dim > 0) create_attr<std::int32_t>(s.get(), "mask_dim", t.mask_dim, ws, scalar);
        write_compact_step_attrs(s.get(), t, ws, scalar);
        write_encoded_table(s.get(), enc.steps, ws, kit);
      }
      if (!run.diagnostics.names.empty()) {
        const std::string wd = where + "/diagnostics";
        hdf5::Group dg = create_group(gid, "diagnostics", wd, gcpl);
        write_attr_string_list(dg.get(), "columns", run.diagnostics.names, wd);
        write_encoded_table(dg.get(), enc.diagnostics, wd, kit);
      }
      if (run.has_agent_state)
        hdf5::write_state_group(gid, "agent", run.agent_state, where + "/agent");
      if (run.identification.can_stop) {  // an agent that may stop the run (log-format.md)
        const Identification& id = run.identification;
        create_attr<std::int64_t>(gid, "stop_time", id.stop_time, where, scalar);
        create_attr<std::int64_t>(gid, "recommended_arm", id.recommended, where, scalar);
        create_attr<std::int32_t>(gid, "correct", id.correct, where, scalar);
      }
    }
    // The table rows: held until the flush appends them. The run's metadata, the new
    // extents of the tables included, stay in the metadata cache until the flush writes
    // them all (hold_metadata_until_flush), so the file on disk never holds a part of this
    // run: it has all of it or none of it.
    RunRows& r = w.pending_runs;
    r.run_index.push_back(index);
    r.group.push_back(group->second);
    r.seed_index.push_back(info.seed_index);
    r.env_seed.push_back(info.env_seed);
    r.agent_seed.push_back(info.agent_seed);
    r.total_steps.push_back(run.total_steps);
    r.seconds.push_back(run.seconds);
    auto add = [&](auto& rows, const auto& table, auto columns) {
      const std::size_t n = table.size();
      if (n == 0) return;
      rows.run.insert(rows.run.end(), n, index);
      append_rows(rows.t, table, columns, 0, n);
      using Rowed = std::decay_t<decltype(rows)>;
      static const std::size_t bytes = row_bytes<Rowed>(with_run(columns));
      w.pending_bytes += n * bytes;
    };
    add(w.pending_episodes, run.episodes, episode_columns);
    add(w.pending_regret, run.regret, regret_columns);
    add(w.pending_eval, run.evaluations, eval_columns);
    w.pending_bytes += 64;  // the run_table row, about 56 bytes
    w.dirty = true;
    if (w.pending_bytes >= kMaxPendingBytes) w.write_pending();
    if (w.flush_seconds <= 0 ||
        std::chrono::steady_clock::now() - w.last_flush >=
            std::chrono::duration<double>(w.flush_seconds) ||
        w.cache_full())
      w.flush_now();
  } catch (const std::exception& e) {
    // The file could not be written (disk full, file size limit, I/O error). Touching it
    // again (deleting the partial group, flushing, closing) could overwrite the state of
    // the last good flush, so the writer leaves it alone from now on: the runs flushed
    // before stay readable; this one and those written since the last flush are absent.
    w.broken = true;
    w.broken_reason = e.what();
    std::string free_space;
    std::error_code ec;
    const auto dir = std::filesystem::absolute(path, ec).parent_path();
    const auto info = std::filesystem::space(dir, ec);
    if (!ec) free_space = ", " + std::to_string(info.available / (1024 * 1024)) + " MiB free";
    throw Error("writing run " + name + " to run file " + in_quotes(path) + " failed: " + e.what() +
                " (disk full, file size limit or I/O error?" + free_space +
                "); the runs flushed to it before stay readable in the file");
  }
}

LiveSink* ExperimentWriter::live_sink() {
  return impl_->live.get();
}

CheckpointSink* ExperimentWriter::checkpoint_sink() {
  return &impl_->checkpoints;
}

const std::vector<std::int64_t>& ExperimentWriter::damaged_checkpoints() const {
  return impl_->damaged_checkpoints;
}

const std::map<std::int64_t, StateDict>& ExperimentWriter::resume_checkpoints() const {
  return impl_->resume;
}

void ExperimentWriter::flush() {
  hdf5::Lock lock;
  if (impl_->broken)
    throw Error("cannot flush run file " + in_quotes(impl_->path) + ": an earlier write failed (" +
                impl_->broken_reason + ")");
  impl_->flush_now();
}

void ExperimentWriter::finish() {
  impl_->stop_flusher();  // before the lock: the flusher may be waiting for it
  hdf5::Lock lock;
  if (impl_->broken)
    throw Error("cannot finish run file " + in_quotes(impl_->path) + ": an earlier write failed (" +
                impl_->broken_reason + ")");
  if (!impl_->file) return;
  const std::string where = "run file " + in_quotes(impl_->path);
  try {
    impl_->write_pending();
    LiveTables::remove_all(impl_->file.get(), impl_->path);
    CheckpointStore::remove_all(impl_->file.get(), impl_->path);
    write_attr<std::int32_t>(impl_->file.get(), "complete", 1, where);
    reserve_file_space(impl_->file.get(), impl_->path);
    flush_file(impl_->file.get(), impl_->path);
  } catch (const Error& e) {
    impl_->broken = true;
    impl_->broken_reason = e.what();
    throw;
  }
  impl_->kit.reset();
  if (!close_and_trim(impl_->file.get(), impl_->path, [&] { return impl_->close_file(); }))
    hdf5::fail("cannot close " + where);
}

}  // namespace rlsim

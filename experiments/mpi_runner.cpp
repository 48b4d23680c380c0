#include "experiments/mpi_runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include <omp.h>

#include "core/error.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/mpi_serialization.hpp"
#include "run/run_checkpoint.hpp"

namespace mpi = boost::mpi;

namespace rlsim {

namespace {

// Message tags. Rank 0 → workers: kJob (MpiJob), kStop (int, ignored), kFinal (exit code).
// Worker → rank 0: kResult (RunResult), kProgress (env steps since the last one), kLive
// (MpiLive: the live rows of its runs in progress since the last kLive, and their latest
// checkpoints taken since then), kError (the message), kDone (1 when the worker was
// interrupted by a signal, else 0).
enum Tag : int { kJob = 1, kFinal, kStop, kResult, kProgress, kError, kDone, kLive };

// The shortest interval between two kLive messages of a worker (when the flush interval,
// RLSIM_FLUSH_SECONDS, is shorter or 0), and the interval when rank 0 writes no live rows
// (checkpoints only).
constexpr double kMinLiveSeconds = 0.05;
constexpr double kCheckpointOnlySeconds = 1.0;

// A worker's CheckpointSink: the latest checkpoint of each of its runs in progress, until
// the next kLive takes them to rank 0 (whose writer's CheckpointStore keeps and writes them).
class CheckpointBuffer : public CheckpointSink {
 public:
  void checkpoint(const RunInfo& run, std::int64_t steps, StateDict&& state) override {
    std::lock_guard<std::mutex> lock(mutex_);
    MpiCheckpoint& c = waiting_[run.run_index];
    c.info = run;
    c.steps = steps;
    c.state = std::move(state);
    pending_.store(true);
  }
  bool pending() const { return pending_.load(); }
  std::vector<MpiCheckpoint> take() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<MpiCheckpoint> out;
    for (auto& [index, c] : waiting_) out.push_back(std::move(c));
    waiting_.clear();
    pending_.store(false);
    return out;
  }
  // The run has ended: its checkpoint, if still here, is not sent.
  void forget(std::int64_t run_index) {
    std::lock_guard<std::mutex> lock(mutex_);
    waiting_.erase(run_index);
  }

 private:
  std::mutex mutex_;
  std::map<std::int64_t, MpiCheckpoint> waiting_;
  std::atomic<bool> pending_{false};
};

bool started_by_mpi_launcher() {
  // OpenMPI's mpirun, PMI (MPICH/Intel MPI, srun --mpi=pmi2) and PMIx (srun --mpi=pmix).
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK"})
    if (std::getenv(v)) return true;
  return false;
}

// OpenMPI's blocking calls busy-poll; a rank that waits (for its job, for the others to
// finish) must not take a core from the ranks still running on the same machine.
mpi::status wait_for_message(const mpi::communicator& world, int source) {
  auto pause = std::chrono::microseconds(100);
  while (true) {
    if (auto st = world.iprobe(source, mpi::any_tag)) return *st;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(5000));
  }
}

void pause_briefly() {
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

std::atomic<RunCounters*> g_counters{nullptr};
std::atomic<int> g_signals{0};

// SIGINT/SIGTERM (mpirun and srun pass Ctrl-C on as one of them): stop as Ctrl-C does
// without MPI; a second signal exits at once.
extern "C" void on_stop_signal(int) {
  if (RunCounters* c = g_counters.load()) c->stop.store(true);
  if (g_signals.fetch_add(1) >= 1) std::_Exit(130);
}

class StopSignals {
 public:
  // Worker ranks (with_sigint) handle SIGINT and SIGTERM here. Rank 0 installs nothing:
  // `rlsim run`'s own handler takes SIGINT, SIGTERM and SIGHUP there, stops the runs through
  // the same counters and exits with 128 + the signal (143 for SIGTERM, not 130).
  StopSignals(RunCounters& c, bool with_sigint) : with_sigint_(with_sigint) {
    g_counters.store(&c);
    if (!with_sigint_) return;
    term_ = std::signal(SIGTERM, on_stop_signal);
    int_ = std::signal(SIGINT, on_stop_signal);
  }
  ~StopSignals() {
    if (with_sigint_) {
      std::signal(SIGTERM, term_);
      std::signal(SIGINT, int_);
    }
    g_counters.store(nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  bool with_sigint_;
  void (*term_)(int) = SIG_DFL;
  void (*int_)(int) = SIG_DFL;
};

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "?";
  return buf;
}

// The positions of `specs` that `rank` of `size` runs.
std::vector<RunSpec> share_of(const std::vector<RunSpec>& specs, int rank, int size) {
  std::vector<RunSpec> out;
  for (std::size_t p = static_cast<std::size_t>(rank); p < specs.size();
       p += static_cast<std::size_t>(size))
    out.push_back(specs[p]);
  return out;
}

[[noreturn]] void unexpected_tag(int tag, int source) {
  throw Error("MPI: unexpected message (tag " + std::to_string(tag) + ") from rank " +
              std::to_string(source) + ": are all ranks running the same rlsim build?");
}

// A worker exits 0 once rank 0 has ended the job, whatever rank 0's own code: rank 0 prints
// the one error message only after it has told the workers, and a worker exiting non-zero
// first makes mpirun abort rank 0 before that message is out (seen under load). The job's
// exit code is still rank 0's, which mpirun and srun report.
int worker_exit_code(int /*rank0_code*/) {
  return 0;
}

}  // namespace

struct MpiRun::Impl {
  mpi::environment env{mpi::threading::funneled, false};
  mpi::communicator world;
  bool told_workers = false;
  bool interrupted = false;

  void tell_workers(int code) {
    if (told_workers) return;
    told_workers = true;
    for (int r = 1; r < world.size(); ++r) world.send(r, kFinal, code);
  }
};

MpiRun::MpiRun(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<MpiRun> MpiRun::start() {
  if (!started_by_mpi_launcher()) return nullptr;
  auto impl = std::make_unique<Impl>();
  if (impl->env.thread_level() < mpi::threading::funneled)
    throw Error(
        "MPI: the MPI library does not support threads (MPI_THREAD_FUNNELED); rlsim's ranks "
        "run OpenMP threads beside MPI: use an MPI built with thread support");
  if (impl->world.size() <= 1) return nullptr;  // one rank: the plain single process
  return std::unique_ptr<MpiRun>(new MpiRun(std::move(impl)));
}

MpiRun::~MpiRun() {
  if (impl_->world.rank() != 0) return;
  try {
    impl_->tell_workers(std::uncaught_exceptions() > 0 ? 1 : impl_->interrupted ? 130 : 0);
  } catch (...) {
    // Destructors do not throw; mpirun ends the job if the workers cannot be told.
  }
}

int MpiRun::rank() const {
  return impl_->world.rank();
}
int MpiRun::size() const {
  return impl_->world.size();
}

int MpiRun::worker_main() {
  mpi::communicator& world = impl_->world;
  RunCounters counters;
  StopSignals signals(counters, true);

  mpi::status st = wait_for_message(world, 0);
  if (st.tag() == kFinal) {  // rank 0 ended before any run (error, --help, --dry-run, …)
    int code = 0;
    world.recv(0, kFinal, code);
    return worker_exit_code(code);
  }
  if (st.tag() != kJob) unexpected_tag(st.tag(), 0);
  MpiJob job;
  world.recv(0, kJob, job);
  const std::vector<RunSpec> share = share_of(job.specs, world.rank(), world.size());

  std::mutex mutex;
  std::deque<RunResult> finished_runs;
  std::string error;
  std::atomic<bool> compute_done{false};
  // The live rows of this rank's runs in progress, sent to rank 0 (kLive) at most once per
  // flush interval; set by the compute thread before its runs start.
  std::unique_ptr<LiveRowBuffer> live;
  std::atomic<LiveRowBuffer*> live_ptr{nullptr};
  CheckpointBuffer checkpoints;  // and so are their checkpoints (checkpoint.every)
  std::thread compute([&] {
    try {
      const Registry registry = make_registry(job.plugins);
      RunnerOptions o;
      o.threads = job.threads > 0 ? job.threads : omp_get_max_threads();
      o.counters = &counters;
      if (job.live_seconds >= 0) {
        live = std::make_unique<LiveRowBuffer>(job.live_seconds);
        o.live = live.get();
        live_ptr.store(live.get());
      }
      o.checkpoints = &checkpoints;
      o.resume = &job.resume;
      o.on_complete = [&](RunResult&& r) {
        // Its live rows not sent yet are dropped: rank 0 gets the whole run after the
        // kLive messages sent before (the loop below takes the live rows first).
        if (live) live->forget(r.info.run_index);
        checkpoints.forget(r.info.run_index);
        std::lock_guard<std::mutex> lock(mutex);
        finished_runs.push_back(std::move(r));
      };
      ::rlsim::execute_runs(registry, share, o);
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(mutex);
      error = "rank " + std::to_string(world.rank()) + " (" + host_name() + "): " + e.what();
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex);
      error = "rank " + std::to_string(world.rank()) + " (" + host_name() + "): unknown error";
    }
    compute_done.store(true);
  });

  int final_code = -1;  // set when rank 0 ends the job early
  std::int64_t steps_reported = 0;
  auto last_progress = std::chrono::steady_clock::now();
  auto last_live = last_progress;
  const auto live_interval = std::chrono::duration<double>(
      job.live_seconds < 0 ? kCheckpointOnlySeconds : std::max(job.live_seconds, kMinLiveSeconds));
  try {
    while (true) {
      const bool done = compute_done.load();  // read first: results pushed before it are sent
      // Live rows and checkpoints before results: a run's result always follows them. When
      // the runs are done, what is left (of runs stopped by a signal or by rank 0) goes at
      // once: rank 0 keeps their latest checkpoints for --resume.
      LiveRowBuffer* live_rows = live_ptr.load();
      if (final_code < 0 && ((live_rows && live_rows->pending()) || checkpoints.pending()) &&
          (done || std::chrono::steady_clock::now() - last_live >= live_interval)) {
        MpiLive message;
        if (live_rows) message.rows = live_rows->take();
        message.checkpoints = checkpoints.take();
        if (!message.rows.empty() || !message.checkpoints.empty()) world.send(0, kLive, message);
        last_live = std::chrono::steady_clock::now();
      }
      std::deque<RunResult> batch;
      {
        std::lock_guard<std::mutex> lock(mutex);
        batch.swap(finished_runs);
      }
      if (final_code < 0)
        for (const RunResult& r : batch) world.send(0, kResult, r);
      const auto now = std::chrono::steady_clock::now();
      if (final_code < 0 && (done || now - last_progress > std::chrono::milliseconds(250))) {
        const std::int64_t steps = counters.steps.load();
        if (steps != steps_reported) world.send(0, kProgress, steps - steps_reported);
        steps_reported = steps;
        last_progress = now;
      }
      while (auto s = world.iprobe(0, mpi::any_tag)) {
        int value = 0;
        if (s->tag() == kStop) {
          world.recv(0, kStop, value);
        } else if (s->tag() == kFinal) {
          world.recv(0, kFinal, value);
          final_code = value;
        } else {
          unexpected_tag(s->tag(), 0);
        }
        counters.stop.store(true);
      }
      if (done) break;
      if (batch.empty()) pause_briefly();
    }
  } catch (...) {
    counters.stop.store(true);
    compute.join();
    throw;
  }
  compute.join();
  if (final_code >= 0) return worker_exit_code(final_code);
  if (!error.empty()) world.send(0, kError, error);
  // Interrupted by a signal on this rank (not by rank 0's stop): rank 0 must not mark the
  // experiment complete.
  const int interrupted = (error.empty() && counters.stop.load() && g_signals.load() > 0) ? 1 : 0;
  world.send(0, kDone, interrupted);
  while (true) {
    st = wait_for_message(world, 0);
    int value = 0;
    if (st.tag() == kStop) {
      world.recv(0, kStop, value);
    } else if (st.tag() == kFinal) {
      world.recv(0, kFinal, value);
      return worker_exit_code(value);
    } else {
      unexpected_tag(st.tag(), 0);
    }
  }
}

void MpiRun::execute_runs(const Registry& registry, const std::vector<RunSpec>& specs,
                          const RunnerOptions& options, const std::vector<std::string>& plugins,
                          int threads_option) {
  mpi::communicator& world = impl_->world;
  // A bad grid is one message from rank 0, before any rank starts.
  validate_specs(registry, specs);
  // The live rows of the workers' runs go to the writer's LiveTables, as its own runs' do.
  auto* live_tables = dynamic_cast<LiveRowBuffer*>(options.live);
  MpiJob job;
  job.plugins = plugins;
  job.threads = threads_option;
  job.specs = specs;
  job.live_seconds = live_tables ? live_tables->min_seconds() : -1;
  for (int r = 1; r < world.size(); ++r) {
    // The checkpoints to resume from of this worker's runs.
    job.resume.clear();
    if (options.resume)
      for (const RunSpec& s : share_of(specs, r, world.size()))
        if (const auto it = options.resume->find(s.run_index); it != options.resume->end())
          job.resume.insert(*it);
    world.send(r, kJob, job);
  }

  RunCounters local_counters;
  RunCounters* counters = options.counters ? options.counters : &local_counters;
  StopSignals signals(*counters, false);  // the signals are the caller's (rlsim run's handler)
  std::mutex write_mutex, error_mutex;
  std::exception_ptr first_error;
  std::int64_t results = 0;
  auto record_error = [&](std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(error_mutex);
    if (!first_error) first_error = std::move(e);
    counters->stop.store(true);
  };
  auto write = [&](RunResult&& r) {
    std::lock_guard<std::mutex> lock(write_mutex);
    if (options.on_complete) options.on_complete(std::move(r));
    ++results;
  };

  RunnerOptions local = options;
  local.counters = counters;
  local.on_complete = write;
  const std::vector<RunSpec> share = share_of(specs, 0, world.size());
  std::atomic<bool> local_done{false};
  std::thread compute([&] {
    try {
      ::rlsim::execute_runs(registry, share, local);
    } catch (...) {
      record_error(std::current_exception());
    }
    local_done.store(true);
  });

  int workers_left = world.size() - 1;
  bool stop_sent = false;
  try {
    while (workers_left > 0 || !local_done.load()) {
      bool idle = true;
      while (auto st = world.iprobe(mpi::any_source, mpi::any_tag)) {
        idle = false;
        const int src = st->source();
        switch (st->tag()) {
          case kResult: {
            RunResult r;
            world.recv(src, kResult, r);
            try {
              write(std::move(r));
              counters->runs_done.fetch_add(1);
            } catch (...) {
              record_error(std::current_exception());
            }
            break;
          }
          case kLive: {
            MpiLive message;
            world.recv(src, kLive, message);
            try {
              if (live_tables)
                for (const LiveRows& r : message.rows) live_tables->add(r);
              if (options.checkpoints)
                for (MpiCheckpoint& c : message.checkpoints)
                  options.checkpoints->checkpoint(c.info, c.steps, std::move(c.state));
            } catch (...) {
              record_error(std::current_exception());
            }
            break;
          }
          case kProgress: {
            std::int64_t steps = 0;
            world.recv(src, kProgress, steps);
            counters->steps.fetch_add(steps);
            break;
          }
          case kError: {
            std::string message;
            world.recv(src, kError, message);
            record_error(std::make_exception_ptr(Error(message)));
            break;
          }
          case kDone: {
            int interrupted = 0;
            world.recv(src, kDone, interrupted);
            if (interrupted) counters->stop.store(true);
            --workers_left;
            break;
          }
          default:
            unexpected_tag(st->tag(), src);
        }
      }
      if (counters->stop.load() && !stop_sent) {
        for (int r = 1; r < world.size(); ++r) world.send(r, kStop, 0);
        stop_sent = true;
      }
      if (idle) pause_briefly();
    }
  } catch (...) {
    counters->stop.store(true);
    compute.join();
    throw;
  }
  compute.join();
  if (first_error) std::rethrow_exception(first_error);
  if (counters->stop.load()) {
    impl_->interrupted = true;
    return;
  }
  if (results != static_cast<std::int64_t>(specs.size()))
    throw Error("MPI: " + std::to_string(results) + " of " + std::to_string(specs.size()) +
                " runs came back from the ranks, without an error (a bug: please report it)");
}

}  // namespace rlsim

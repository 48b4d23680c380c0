// `rlsim run [CONFIG.toml] [key=value ...]` and `rlsim run --resume FILE.h5`: expands the
// config's grid into runs, executes them in parallel (OpenMP threads; MPI ranks under
// mpirun, experiments/mpi_runner.hpp), writes each finished run into one HDF5 run file
// (docs/log-format.md) and prints the summary table. docs/commands.md lists the options.
//
// The flow, one function each: parse the options → expand the experiment (the config and
// overrides, or with --resume the config stored in the file) → check the resume against the
// file → execute the runs → summarise. Contract: an existing file is never replaced without
// --overwrite, the config and plugins it reads never (checked by device and inode), and
// `out` is checked writable before any run starts. A grid over --max-runs runs is refused
// before it is expanded; --dry-run streams the runs it prints (experiments/grid.hpp).
// Threads are capped at 4 × the hardware threads unless --threads-force. Ctrl-C, SIGTERM or
// SIGHUP stops the runs in progress: the runs already finished are flushed to the file, which
// is valid but not marked complete (--resume finishes it), and the exit code is 128 + the
// signal (130 for Ctrl-C), also when the signal comes before the first run; a second signal
// exits at once. An error before any run has finished or stepped removes the new, empty file.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "core/error.hpp"
#include "experiments/analyze.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/commands.hpp"
#include "experiments/config.hpp"
#include "experiments/continue_run.hpp"
#include "experiments/grid.hpp"
#include "experiments/progress.hpp"
#include "run/hdf5_log.hpp"
#include "run/resource_estimate.hpp"
#include "run/runner.hpp"
#ifdef RLSIM_WITH_MPI
#include "experiments/mpi_runner.hpp"
#endif

namespace po = boost::program_options;

namespace rlsim {

#ifndef RLSIM_WITH_MPI
class MpiRun;  // never constructed without MPI: the `mpi` pointers below are null
#endif

namespace {

// ---- signals ----

// SIGINT (Ctrl-C), SIGTERM (kill, Slurm before its SIGKILL) and SIGHUP (a closed terminal)
// stop the command at whatever stage it is: the runs in progress are dropped, the finished
// ones are flushed to the file, one line says so, and the exit code is 128 + the signal. A
// second signal exits at once (the file is then as its last flush left it).
std::atomic<RunCounters*> g_counters{nullptr};
std::atomic<int> g_signal{0};  // the first stop signal received, 0 while none

extern "C" void on_run_stop_signal(int sig) {
  int none = 0;
  if (!g_signal.compare_exchange_strong(none, sig)) {
    // write(2) and _Exit: async-signal-safe.
    static const char msg[] =
        "\nrlsim: second stop signal: exiting at once (the run file holds the runs of its last "
        "flush; rlsim run --resume finishes it)\n";
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    std::_Exit(128 + sig);
  }
  if (RunCounters* c = g_counters.load()) c->stop.store(true);
}

// Installed first thing in `rlsim run`, restored on every way out. SIGINT and SIGTERM are
// always handled (also when inherited as ignored, as a shell does for `rlsim run &`), SIGHUP
// unless it is ignored (nohup). All three are unblocked, so one sent before the handler was
// in place (pending while blocked) arrives now rather than never. SIGXFSZ is ignored: past
// a file size limit (ulimit -f) a write then fails with EFBIG and is reported as a failed
// write of the run file, instead of killing the process without a word.
class SignalGuard {
 public:
  SignalGuard() {
    // A signal that stopped an earlier command of this process (rlsim.run from Python runs
    // several) does not stop this one.
    g_signal.store(0);
    Action act{};
    act.sa_handler = on_run_stop_signal;
    sigemptyset(&act.sa_mask);
    act.sa_flags = SA_RESTART;
    sigaction(SIGINT, &act, &int_);
    sigaction(SIGTERM, &act, &term_);
    sigaction(SIGHUP, nullptr, &hup_);
    if (hup_.sa_handler != SIG_IGN) sigaction(SIGHUP, &act, nullptr);
    Action ignore{};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGXFSZ, &ignore, &xfsz_);
    sigset_t stops;
    sigemptyset(&stops);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&stops, sig);
    pthread_sigmask(SIG_UNBLOCK, &stops, &mask_);
  }
  ~SignalGuard() {
    pthread_sigmask(SIG_SETMASK, &mask_, nullptr);
    sigaction(SIGINT, &int_, nullptr);
    sigaction(SIGTERM, &term_, nullptr);
    sigaction(SIGHUP, &hup_, nullptr);
    sigaction(SIGXFSZ, &xfsz_, nullptr);
  }
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

 private:
  using Action = struct sigaction;
  Action int_{}, term_{}, hup_{}, xfsz_{};
  sigset_t mask_{};
};

// While alive, a stop signal (one already received included) stops the runs of `counters`.
class StopRunsOnSignal {
 public:
  explicit StopRunsOnSignal(RunCounters& counters) {
    g_counters.store(&counters);
    if (g_signal.load() != 0) counters.stop.store(true);
  }
  ~StopRunsOnSignal() { g_counters.store(nullptr); }
  StopRunsOnSignal(const StopRunsOnSignal&) = delete;
  StopRunsOnSignal& operator=(const StopRunsOnSignal&) = delete;
};

std::string signal_name(int sig) {
  switch (sig) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "signal " + std::to_string(sig);
  }
}

// 0, or after a stop signal arrived before any run started: one line saying so, and the
// exit code 128 + the signal. Nothing was written (no run file was created or opened yet).
int stopped_before_runs(const std::string& resume) {
  const int sig = g_signal.load();
  if (sig == 0) return 0;
  std::cerr << "rlsim: interrupted by " << signal_name(sig) << " before any run started; "
            << (resume.empty() ? "no run file was written" : "'" + resume + "' is unchanged")
            << "\n";
  return 128 + sig;
}

std::string utc_stamp(const char* fmt) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

#ifdef RLSIM_WITH_MPI
constexpr const char* kRunMpiHelp =
    "mpirun -np N rlsim run ... spreads the runs over N MPI ranks, each with --threads\n"
    "threads; rank 0 writes the one run file (docs/scaling.md).\n";
#else
constexpr const char* kRunMpiHelp = "";
#endif

// ---- parse ----

// The command line of `rlsim run`, checked.
struct RunArgs {
  std::string config_path;             // empty: the default experiment
  std::vector<std::string> overrides;  // key=value words
  std::vector<std::string> plugins;
  int threads = 0;  // as given; 0: all cores
  bool threads_force = false;
  bool force = false;  // run even when the estimated logs or memory exceed what is free
  std::uint64_t max_runs = kDefaultMaxRuns;
  std::int64_t last_k = 100;
  double progress_every = 10.0;
  std::string out;  // --out as given
  bool out_given = false;
  std::string resume;  // --resume FILE, or empty
  std::string cont;    // --continue FILE, or empty
  bool overwrite = false, dry_run = false, quiet = false;
};

// The options, or nullopt after printing --help.
std::optional<RunArgs> parse_run_args(const std::vector<std::string>& args) {
  RunArgs a;
  std::vector<std::string> positional;
  po::options_description desc("options");
  desc.add_options()("help,h", "show this help")(
      "threads,t", po::value<int>(&a.threads)->default_value(0),
      "OpenMP threads across runs (0: all cores); results do not depend on it; at most 4 x "
      "the hardware threads")("threads-force",
                              "use --threads (or OMP_NUM_THREADS) even above 4 x the hardware "
                              "threads")(
      "max-runs", po::value<std::uint64_t>(&a.max_runs)->default_value(kDefaultMaxRuns),
      "refuse a grid of more runs than this (counted before it is expanded)")(
      "out,o", po::value<std::string>(&a.out),
      "run file to write (default: log.out of the config, else results/NAME-TIME.h5)")(
      "overwrite", "replace --out if it exists (otherwise an existing file is an error)")(
      "force", "run even when the estimated log size or memory exceeds the free disk or memory")(
      "dry-run", "print the expanded runs and their count, run nothing")(
      "resume", po::value<std::string>(&a.resume),
      "finish the interrupted experiment in FILE.h5: same config and seeds, runs already "
      "complete are kept, the others are run and appended (from their last checkpoint when "
      "the config set checkpoint.every)")(
      "continue", po::value<std::string>(&a.cont),
      "continue the finished experiment in FILE.h5 to a larger budget (steps=N or episodes=N), "
      "writing --out NEW.h5; identical to one longer run whose schedules keep the original "
      "length (needs checkpoint.every in the original)")("quiet,q",
                                                         "no progress and no summary table")(
      "progress-every", po::value<double>(&a.progress_every)->default_value(10.0),
      "when stderr is not a terminal: seconds between plain progress lines")(
      "last", po::value<std::int64_t>(&a.last_k)->default_value(100),
      "episodes per run averaged in the summary table")(
      "plugin", po::value<std::vector<std::string>>(&a.plugins), "load a plugin .so (repeatable)");
  po::options_description hidden;
  hidden.add_options()("args", po::value<std::vector<std::string>>(&positional),
                       "config file and key=value");
  po::positional_options_description pos;
  pos.add("args", -1);
  po::variables_map vm;
  if (!parse_options(
          args, desc, hidden, pos, vm,
          "usage: rlsim run [CONFIG.toml] [key=value ...] [options]\n\n"
          "Runs every (env, agent, parameters, seed) of the config's grid in parallel and\n"
          "writes one HDF5 run file (docs/log-format.md). Without CONFIG it runs the default\n"
          "experiment (experiments/configs/default.toml). Overrides: episodes=100, seeds=5,\n"
          "log.steps=true, agent.alpha=0.1, env[0].is_slippery=false (docs/config.md).\n"
          "rlsim run --resume FILE.h5 finishes an interrupted experiment in its own file.\n"
          "checkpoint.every=N saves each run's whole state every N env steps, so that\n"
          "--resume goes on from there, bit-identical to an uninterrupted run.\n"
          "rlsim run --continue FILE.h5 steps=N --out NEW.h5 continues its finished runs to N\n"
          "steps (FILE must have been run with checkpoint.every; schedules keep their length).\n" +
              std::string(kRunMpiHelp)))
    return std::nullopt;
  if (a.threads < 0) throw UsageError("--threads " + std::to_string(a.threads) + " must be >= 0");
  if (a.last_k < 1) throw UsageError("--last must be >= 1");
  if (!(a.progress_every > 0))
    throw UsageError("--progress-every must be a positive number of seconds");
  if (a.max_runs < 1) throw UsageError("--max-runs must be >= 1");
  a.threads_force = vm.count("threads-force") != 0;
  a.force = vm.count("force") != 0;
  a.out_given = vm.count("out") != 0;
  a.overwrite = vm.count("overwrite") != 0;
  a.dry_run = vm.count("dry-run") != 0;
  a.quiet = vm.count("quiet") != 0;
  if (!a.cont.empty() && !a.resume.empty())
    throw UsageError(
        "--continue and --resume cannot be combined: --resume FILE finishes an "
        "interrupted experiment, --continue FILE extends a finished one");
  if (!a.cont.empty() && !a.out_given)
    throw UsageError("--continue " + a.cont +
                     " writes a new run file: give --out NEW.h5 (the file continued is never "
                     "modified)");
  for (const auto& word : positional) {
    if (word.find('=') != std::string::npos)
      a.overrides.push_back(word);
    else if (a.config_path.empty())
      a.config_path = word;
    else
      throw UsageError("unexpected argument '" + word +
                       "': give one config file and key=value overrides");
  }
  return a;
}

// ---- expand ----

// The experiment: its config and every run of its grid; with --resume, also what the file
// holds.
struct Experiment {
  ExperimentConfig cfg;
  std::vector<RunSpec> runs;  // all planned runs
  // --resume only:
  ExperimentMeta stored;               // the file's metadata
  std::vector<std::int64_t> done;      // indices of the runs complete in the file (sorted)
  std::vector<StoredRun> stored_runs;  // those runs
  // --continue only: each run's end-of-loop state in the file continued, by run index.
  std::map<std::int64_t, StateDict> continue_from;
};

std::string resume_refusal(const RunArgs& a) {
  return "cannot resume '" + a.resume + "': ";
}

std::string resume_hint(const Experiment& x) {
  return " (the experiment was started with: " + x.stored.command_line +
         "; give the same --plugin options when resuming)";
}

// The config file (or the default experiment) with the overrides, expanded into runs; with
// --resume, the config stored in the file, which takes no config file, overrides, other
// --out or --overwrite.
Experiment expand_experiment(const RunArgs& a, const Registry& registry) {
  Experiment x;
  if (!a.cont.empty()) {
    if (!a.config_path.empty())
      throw UsageError("--continue " + a.cont +
                       " takes the config stored in the file; give no "
                       "config file ('" +
                       a.config_path + "'), only the new budget (steps=N)");
    Continuation c = prepare_continuation(registry, a.cont, a.overrides, a.max_runs);
    x.cfg = std::move(c.cfg);
    x.runs = std::move(c.runs);
    x.continue_from = std::move(c.states);
    return x;
  }
  if (a.resume.empty()) {
    x.cfg = a.config_path.empty()
                ? parse_config(default_config_text(), "<default config>", a.overrides)
                : load_config_file(a.config_path, a.overrides);
    if (!a.dry_run) x.runs = expand_runs(x.cfg, registry, a.max_runs);  // --dry-run streams
    return x;
  }
  if (!a.config_path.empty() || !a.overrides.empty())
    throw UsageError("--resume " + a.resume +
                     " takes the config and overrides stored in the file; give no config file "
                     "or key=value (to change the experiment, start a new one)");
  if (a.out_given && a.out != a.resume)
    throw UsageError("--resume writes into the file it resumes ('" + a.resume + "'); omit --out '" +
                     a.out + "'");
  if (a.overwrite) throw UsageError("--resume and --overwrite cannot be combined");
  {
    ExperimentReader reader(a.resume);
    x.stored = reader.meta();
    x.done = reader.complete_run_indices();
    for (std::int64_t i : x.done) x.stored_runs.push_back(reader.read_run(i));
  }
  try {
    x.cfg = parse_config(x.stored.config_text, "the config stored in '" + a.resume + "'");
    // The file's own plan was allowed when it started: --max-runs need not be given again.
    const auto planned =
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, x.stored.planned_runs));
    x.runs = expand_runs(x.cfg, registry, std::max(a.max_runs, planned));
  } catch (const Error& e) {
    throw Error(resume_refusal(a) + "its stored config no longer expands to the same runs: " +
                e.what() + resume_hint(x));
  }
  return x;
}

// ---- resume check ----

// --resume: the stored config must still expand to the runs in the file (the same master
// seed and number of runs; each stored run the same ids, seed and resolved parameters), else
// the experiment changed (a plugin or built-in default) and is refused. Returns false, after
// saying so, when the file is already complete.
// A stored run's parameter text as this rlsim writes it: read back and resolved through the
// current schema, so that a file written before a change of formatting (integer lists were
// written [64.0, 64.0] before they had their own type) still resumes; the text as stored
// when it no longer parses.
std::string canonical_params(const Registry& registry, bool env, const std::string& id,
                             const std::string& text) {
  try {
    const RawParams raw = params_from_text(text, env ? "env" : "agent");
    return (env ? registry.resolve_env_params(id, raw) : registry.resolve_agent_params(id, raw))
        .to_text();
  } catch (const Error&) {
    return text;
  }
}

bool check_resume(const RunArgs& a, const Registry& registry, const Experiment& x) {
  const std::string why = resume_refusal(a);
  const std::string hint = resume_hint(x);
  if (x.cfg.seed != x.stored.master_seed ||
      static_cast<std::int64_t>(x.runs.size()) != x.stored.planned_runs)
    throw Error(why + "its stored config expands to " + std::to_string(x.runs.size()) +
                " runs with master seed " + std::to_string(x.cfg.seed) + ", but the file planned " +
                std::to_string(x.stored.planned_runs) + " runs with master seed " +
                std::to_string(x.stored.master_seed) + hint);
  for (const StoredRun& sr : x.stored_runs) {
    const auto it = std::find_if(x.runs.begin(), x.runs.end(),
                                 [&](const RunSpec& r) { return r.run_index == sr.run_index; });
    const bool found = it != x.runs.end();
    const std::string env_params =
        found ? registry.resolve_env_params(it->env_id, it->env_params).to_text() : "";
    const std::string agent_params =
        found ? registry.resolve_agent_params(it->agent_id, it->agent_params).to_text() : "";
    if (!found || it->env_id != sr.env_id || it->agent_id != sr.agent_id ||
        it->seed_index != sr.seed_index ||
        env_params != canonical_params(registry, true, sr.env_id, sr.env_params) ||
        agent_params != canonical_params(registry, false, sr.agent_id, sr.agent_params))
      throw Error(why + "run " + std::to_string(sr.run_index) + " in the file is " + sr.group +
                  " seed " + std::to_string(sr.seed_index) +
                  ", but the stored config now expands run " + std::to_string(sr.run_index) +
                  (!found ? std::string(" to nothing")
                          : " to " + it->env_id + "[" + env_params + "] / " + it->agent_id + "[" +
                                agent_params + "] seed " + std::to_string(it->seed_index)) +
                  " (a plugin or built-in changed its defaults?)" + hint);
  }
  if (x.stored.complete) {
    std::cout << a.resume << " is already complete (" << x.done.size()
              << " runs); nothing to resume\n";
    return false;
  }
  return true;
}

// --dry-run: the runs and their count. A new experiment's grid is checked (size, ids,
// parameters, duplicates) and then streamed, one line per run, never held whole; a resumed
// one prints the runs already expanded.
int print_dry_run(const RunArgs& a, const Registry& registry, const Experiment& x) {
  std::uint64_t n = 0;
  auto print = [&](const RunSpec& r) {
    Params ep = registry.resolve_env_params(r.env_id, r.env_params);
    Params ap = registry.resolve_agent_params(r.agent_id, r.agent_params);
    std::cout << r.run_index << "  " << r.env_id << "  " << r.agent_id << "  " << r.seed_index
              << "  " << ap.to_text() << (ep.to_text().empty() ? "" : " | env: " + ep.to_text())
              << "\n";
    ++n;
  };
  if (!a.resume.empty()) {
    std::cout << "run  env  agent  seed  parameters\n";
    for (const auto& r : x.runs) print(r);
  } else {
    const RunGrid grid(x.cfg, registry);
    grid.check_size(a.max_runs);
    grid.validate();
    grid.check_duplicates();
    std::cout << "run  env  agent  seed  parameters\n";
    grid.for_each([&](RunSpec&& r) { print(r); });
  }
  std::cout << n << " runs\n";
  return 0;
}

// The run file: the resumed one, else --out, else the config's log.out, else
// results/NAME-TIME.h5. Refuses the config file and the plugins this command reads (even
// with --overwrite), a directory, and an existing file without --overwrite
// (check_output_file).
std::string output_path(const RunArgs& a, const ExperimentConfig& cfg) {
  namespace fs = std::filesystem;
  std::string out = !a.resume.empty() ? a.resume : a.out.empty() ? cfg.out : a.out;
  if (out.empty()) {
    fs::create_directories("results");
    out = "results/" + cfg.name + "-" + utc_stamp("%Y%m%d-%H%M%S") + ".h5";
  }
  std::vector<std::string> inputs = a.plugins;
  if (!a.config_path.empty()) inputs.push_back(a.config_path);
  if (!a.cont.empty()) inputs.push_back(a.cont);  // the file continued is only read
  const std::string option = !a.resume.empty() ? "--resume" : a.out.empty() ? "log.out" : "--out";
  // --resume appends to its file: only the input and directory checks apply.
  check_output_file(out, a.overwrite || !a.resume.empty(), inputs, option, "run.h5");
  return out;
}

ExperimentMeta run_meta(const Experiment& x, const std::string& command_line) {
  ExperimentMeta meta;
  meta.config_text = config_to_toml(x.cfg);
  meta.command_line = command_line;
  meta.master_seed = x.cfg.seed;
  meta.planned_runs = static_cast<std::int64_t>(x.runs.size());
  return meta;
}

// The runs still to do: all of them, or with --resume those not complete in the file (and
// a line saying how many, unless --quiet).
std::vector<RunSpec> remaining_runs(const RunArgs& a, const Experiment& x,
                                    const ExperimentWriter& writer, const std::string& out) {
  if (a.resume.empty()) return x.runs;
  // A warning even with --quiet: the run's work since its start is done again.
  for (std::int64_t i : writer.damaged_checkpoints())
    std::cerr << "warning: the checkpoint of run " << i << " in " << out
              << " is unreadable (the writer was killed while flushing it): the run starts "
                 "again from the beginning, with the same results; the damaged objects are kept "
                 "in /damaged\n";
  std::vector<RunSpec> remaining;
  for (const RunSpec& r : x.runs)
    if (!std::binary_search(x.done.begin(), x.done.end(), r.run_index)) remaining.push_back(r);
  if (!a.quiet)
    std::cerr << "resuming " << out << ": " << x.done.size() << " of " << x.runs.size()
              << " runs complete, running " << remaining.size()
              << (writer.removed_runs().empty()
                      ? std::string()
                      : " (" + std::to_string(writer.removed_runs().size()) +
                            " incomplete run(s) discarded)")
              << (writer.resume_checkpoints().empty()
                      ? std::string()
                      : ", " + std::to_string(writer.resume_checkpoints().size()) +
                            " of them from their last checkpoint")
              << "\n";
  return remaining;
}

// ---- execute ----

struct Outcome {
  bool interrupted = false;  // by a stop signal
  std::int64_t runs_done = 0, steps = 0;
  double seconds = 0;
  int threads = 0;  // OpenMP threads used
};

// Runs `runs` on the threads (and MPI ranks), writing each into `writer` as it finishes, with
// the progress display on stderr and stop signals handled; marks the file complete unless
// interrupted, else flushes it. A failed write (disk full) says how to resume.
Outcome execute(const RunArgs& a, const Registry& registry, const std::vector<RunSpec>& runs,
                ExperimentWriter& writer, const std::string& out, [[maybe_unused]] MpiRun* mpi,
                const std::map<std::int64_t, StateDict>& continue_from, int threads) {
  Outcome o;
  o.threads = threads;
  RunCounters counters;
  std::chrono::steady_clock::time_point t0;
  {
    const StopRunsOnSignal stop_on_signal(counters);
    const Progress::Mode mode = a.quiet                 ? Progress::Mode::off
                                : isatty(STDERR_FILENO) ? Progress::Mode::bar
                                                        : Progress::Mode::plain;
    t0 = std::chrono::steady_clock::now();
    Progress progress(counters, runs, mode, std::cerr, a.last_k, a.progress_every);
    RunnerOptions opts;
    opts.threads = o.threads;
    opts.counters = &counters;
    opts.live = writer.live_sink();  // rows of runs in progress reach the file at each flush
    // checkpoint.every: each run's latest checkpoint reaches the file at each flush, and a
    // resumed run goes on from its own (run/run_checkpoint.hpp).
    opts.checkpoints = writer.checkpoint_sink();
    // --continue: every run goes on from its end-of-loop state in the file continued.
    opts.resume = continue_from.empty() ? &writer.resume_checkpoints() : &continue_from;
    bool write_failed = false;
    opts.on_complete = [&](RunResult&& r) {
      try {
        writer.write_run(r);
        progress.run_finished(r);  // after the run is safely in the file
      } catch (const Error&) {
        write_failed = true;
        throw;
      }
    };
    // A failure before any run finished or stepped (an agent that cannot be built, say) leaves
    // a new file with nothing in it: it is removed, so that the corrected command needs no
    // --overwrite. Never a resumed file (it holds runs), nor under MPI (other ranks' runs).
    auto remove_empty_file = [&]() -> bool {
      if (!a.resume.empty() || mpi != nullptr || write_failed || counters.runs_done.load() != 0 ||
          counters.steps.load() != 0)
        return false;
      std::error_code ec;
      return std::filesystem::remove(out, ec);
    };
    const std::string removed = " (no run had started: '" + out + "' was removed)";
    try {
#ifdef RLSIM_WITH_MPI
      if (mpi)
        mpi->execute_runs(registry, runs, opts, a.plugins, a.threads == 0 ? 0 : o.threads);
      else
#endif
        execute_runs(registry, runs, opts);
      progress.stop();
    } catch (const Error& e) {
      progress.stop(false);
      if (write_failed)
        throw Error(std::string(e.what()) + ". After freeing space, `rlsim run --resume " + out +
                    "` runs the missing runs");
      if (remove_empty_file()) throw Error(e.what() + removed);
      throw;
    } catch (const std::bad_alloc&) {
      progress.stop(false);
      throw Error(out_of_memory_message() + (remove_empty_file() ? removed : std::string()));
    } catch (...) {
      progress.stop(false);
      if (remove_empty_file()) std::cerr << "rlsim:" << removed << "\n";
      throw;
    }
  }
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  o.interrupted = counters.stop.load();
  o.runs_done = counters.runs_done.load();
  o.steps = counters.steps.load();
  if (!o.interrupted)
    writer.finish();
  else
    writer.flush();  // the finished runs reach the disk before the message says so
  return o;
}

// ---- summarise ----

// Interrupted: how many runs the file holds and how to finish it (exit 130). Finished: unless
// --quiet, the time taken and the summary table read back from the file.
int summarise(const RunArgs& a, const Experiment& x, const Outcome& o, const std::string& out,
              [[maybe_unused]] MpiRun* mpi) {
  // The signal that stopped the runs (0: a stop without one, by MPI's own handler: 130).
  const int sig = g_signal.load();
  if (o.interrupted) {
    std::cerr << "rlsim: interrupted" << (sig ? " by " + signal_name(sig) : std::string()) << ": "
              << o.runs_done + static_cast<std::int64_t>(x.done.size()) << " of " << x.runs.size()
              << " runs are complete in " << out
              << " (flushed; the file is valid; the experiment is not marked complete; rlsim "
                 "run --resume "
              << out << " finishes it)\n";
    return sig ? 128 + sig : 130;
  }
  // A signal after the last run: the experiment is complete; the summary is skipped.
  auto stopped_after_runs = [&] {
    std::cerr << "rlsim: interrupted by " << signal_name(g_signal.load())
              << " after the experiment finished: all " << x.runs.size() << " runs are complete in "
              << out << "\n";
    return 128 + g_signal.load();
  };
  if (sig != 0) return stopped_after_runs();
  if (a.quiet) return 0;
  ExperimentReader reader(out);
  Summary s = summarize(reader, a.last_k);
  if (g_signal.load() != 0) return stopped_after_runs();
  std::cout << x.cfg.name << ": " << x.runs.size() << " runs, " << o.steps << " steps in "
            << std::fixed << std::setprecision(1) << o.seconds << " s on " << o.threads
            << " thread(s)";
#ifdef RLSIM_WITH_MPI
  if (mpi) std::cout << " on rank 0 of " << mpi->size() << " MPI ranks";
#endif
  std::cout << "\n\n";
  std::cout.unsetf(std::ios::fixed);
  print_summary(std::cout, s);
  std::cout << "\nresults: " << out << "\n(rlsim analyze " << out
            << " for the table again, --csv for CSV; docs/log-format.md for the layout)\n";
  return 0;
}

}  // namespace

int cmd_run(const std::vector<std::string>& args, const std::string& command_line) {
#ifdef RLSIM_WITH_MPI
  // Under mpirun/srun: rank 0 runs this command, the other ranks only runs (docs/scaling.md).
  const std::unique_ptr<MpiRun> mpi_run = MpiRun::start();
  if (mpi_run && mpi_run->is_worker()) return mpi_run->worker_main();
  MpiRun* const mpi = mpi_run.get();
#else
  MpiRun* const mpi = nullptr;
#endif
  // Before any work: a stop signal at any stage ends the command with 128 + the signal.
  const SignalGuard signals;
  const std::optional<RunArgs> a = parse_run_args(args);
  if (!a) return 0;
  const Registry registry = make_registry(a->plugins);
#ifdef RLSIM_WITH_MPI
  if (mpi && mpi->size() > 1 && !a->cont.empty())
    throw Error(
        "--continue runs on one MPI rank only (the continued runs' states are held by "
        "rank 0): run it without mpirun, with --threads");
#endif
  if (const int code = stopped_before_runs(a->resume)) return code;
  const Experiment x = expand_experiment(*a, registry);
  if (const int code = stopped_before_runs(a->resume)) return code;
  if (!a->resume.empty() && !check_resume(*a, registry, x)) return 0;
  if (a->dry_run) {
    const int code = print_dry_run(*a, registry, x);
    if (const int stop = stopped_before_runs(a->resume)) return stop;
    return code;
  }
  if (const int code = stopped_before_runs(a->resume)) return code;
  const std::string out = output_path(*a, x.cfg);
  const int threads = capped_threads(a->threads, a->threads_force);  // says so when capped
  // An experiment whose logs would fill the disk, or whose runs would exhaust memory, is
  // refused before the file is opened (run/resource_estimate.hpp), unless --force.
  {
    std::vector<RunSpec> todo;
    for (const RunSpec& r : x.runs)
      if (!std::binary_search(x.done.begin(), x.done.end(), r.run_index)) todo.push_back(r);
    check_resources(estimate_experiment(registry, todo, threads), free_resources(out), out,
                    a->force);
  }
  // Opening the file checks that `out` can be written before any run starts.
  ExperimentWriter writer(out, run_meta(x, command_line),
                          a->resume.empty() ? WriteMode::create : WriteMode::append);
  const std::vector<RunSpec> todo = remaining_runs(*a, x, writer, out);
  const Outcome o = execute(*a, registry, todo, writer, out, mpi, x.continue_from, threads);
  return summarise(*a, x, o, out, mpi);
}

}  // namespace rlsim

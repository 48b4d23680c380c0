// rlsim._rlsim.run_experiment: `rlsim run` from Python (rlsim.run, python/rlsim/_run.py).
//
// The config is TOML text (a file's, or the one rlsim.run writes from a dict) plus key=value
// overrides, parsed and expanded by the driver's own code (experiments/config.hpp: this is
// why the module links rlsim_experiments), run by the runner (run/runner.hpp) on `threads`
// OpenMP threads with the GIL released, and written by ExperimentWriter, as `rlsim run` does:
// the same checks, messages, progress display on stderr (experiments/progress.hpp: a bar on
// a terminal, plain lines elsewhere) and run file. Ctrl-C stops the runs (a SIGINT handler
// sets the runner's stop flag while the experiment runs, as in the driver); the file then
// holds the finished runs and `rlsim run --resume FILE` completes it; Python gets
// KeyboardInterrupt. MPI stays with the driver.
//
// rlsim._rlsim.resume_experiment: rlsim.run(FILE, resume=True) is `rlsim run --resume FILE`
// itself: the driver's command (experiments/commands.hpp, cmd_run) is called with those
// words, so the checks (stored config still expands to the same runs), the runs still
// missing, checkpoints, the progress display and the summary table on stdout are the
// driver's, with the GIL released. Its own signal handling applies meanwhile (Ctrl-C stops
// the runs; a second Ctrl-C ends the process, as in the driver). A stop signal ends only the
// command it reached: the next resume in the same process runs.
#include <signal.h>
#include <unistd.h>

#include <atomic>

#include <ctime>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <omp.h>
#include <pybind11/stl.h>

#include "experiments/commands.hpp"
#include "experiments/config.hpp"
#include "experiments/progress.hpp"
#include "python/src/common.hpp"
#include "run/hdf5_log.hpp"
#include "run/runner.hpp"

namespace rlsim::python {

namespace {

std::atomic<RunCounters*> g_counters{nullptr};

extern "C" void on_sigint(int) {
  if (RunCounters* c = g_counters.load()) c->stop.store(true);
}

// Routes SIGINT to the runner's stop flag while it lives (restore() ends that sooner); the
// handler that was there (Python's) comes back with its flags.
class SigintGuard {
 public:
  explicit SigintGuard(RunCounters& counters) {
    g_counters.store(&counters);
    struct sigaction action {};
    action.sa_handler = on_sigint;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_);
  }
  ~SigintGuard() { restore(); }
  SigintGuard(const SigintGuard&) = delete;
  SigintGuard& operator=(const SigintGuard&) = delete;
  void restore() {
    if (restored_) return;
    sigaction(SIGINT, &previous_, nullptr);  // Python's own handler again
    g_counters.store(nullptr);
    restored_ = true;
  }

 private:
  struct sigaction previous_ {};
  bool restored_ = false;
};

std::string utc_stamp(const char* fmt) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

[[noreturn]] void raise_os(PyObject* type, const std::string& msg) {
  PyErr_SetString(type, msg.c_str());
  throw py::error_already_set();
}

// Returns the path of the run file written.
std::string run_experiment(const std::string& config_text, const std::string& source,
                           const std::vector<std::string>& overrides, int threads, std::string out,
                           bool overwrite, bool quiet, std::int64_t last_k, double progress_every,
                           const std::string& command_line, bool dry_run) {
  if (threads < 0) throw py::value_error("threads = " + std::to_string(threads) + " must be >= 0");
  if (last_k < 1) throw py::value_error("last must be >= 1");
  if (!(progress_every > 0))
    throw py::value_error("progress_every must be a positive number of seconds");
  Registry& registry = python::registry();
  ExperimentConfig cfg;
  std::vector<RunSpec> runs;
  try {
    cfg = parse_config(config_text, source, overrides);
    runs = expand_runs(cfg, registry);
  } catch (const Error& e) {
    raise_param_error(e);
  }
  if (dry_run) return std::to_string(runs.size());

  namespace fs = std::filesystem;
  if (out.empty()) out = cfg.out;
  if (out.empty()) {
    fs::create_directories("results");
    out = "results/" + cfg.name + "-" + utc_stamp("%Y%m%d-%H%M%S") + ".h5";
  }
  std::error_code ec;
  if (fs::exists(out, ec) && fs::is_directory(out, ec))
    raise_os(
        PyExc_IsADirectoryError,
        "output path '" + out + "' is a directory: give a file name such as " + out + "/run.h5");
  if (fs::exists(out, ec) && !overwrite)
    raise_os(PyExc_FileExistsError,
             "output file '" + out +
                 "' already exists: choose another out=, or pass overwrite=True to replace it");

  ExperimentMeta meta;
  meta.config_text = config_to_toml(cfg);
  meta.command_line = command_line;
  meta.master_seed = cfg.seed;
  meta.planned_runs = static_cast<std::int64_t>(runs.size());
  // Ctrl-C from here on stops the runs (before the file exists too, so that a caller who
  // waits for the file before interrupting never meets Python's own handler).
  RunCounters counters;
  SigintGuard sigint(counters);
  std::unique_ptr<ExperimentWriter> writer;
  try {
    writer = std::make_unique<ExperimentWriter>(out, meta, WriteMode::create);
  } catch (const Error& e) {
    raise_os(PyExc_OSError, e.what());
  }
  if (threads == 0) threads = omp_get_max_threads();
  bool write_failed = false;
  std::string error;
  {
    py::gil_scoped_release release;
    const Progress::Mode mode = quiet                   ? Progress::Mode::off
                                : isatty(STDERR_FILENO) ? Progress::Mode::bar
                                                        : Progress::Mode::plain;
    try {
      Progress progress(counters, runs, mode, std::cerr, last_k, progress_every);
      RunnerOptions opts;
      opts.threads = threads;
      opts.counters = &counters;
      opts.on_complete = [&](RunResult&& r) {
        try {
          writer->write_run(r);
          progress.run_finished(r);
        } catch (const Error&) {
          write_failed = true;
          throw;
        }
      };
      try {
        execute_runs(registry, runs, opts);
        progress.stop();
      } catch (...) {
        progress.stop(false);
        throw;
      }
    } catch (const Error& e) {
      error = e.what();
      if (write_failed)
        error += ". After freeing space, `rlsim run --resume " + out + "` runs the missing runs";
    } catch (const std::exception& e) {
      error = e.what();
    }
    sigint.restore();
    if (error.empty() && !counters.stop.load()) {
      try {
        writer->finish();
      } catch (const Error& e) {
        error = e.what();
      }
    }
    writer.reset();  // flushes and closes (not marked complete after an error or Ctrl-C)
  }
  if (!error.empty()) throw std::runtime_error(error);
  if (counters.stop.load()) {
    PyErr_SetString(PyExc_KeyboardInterrupt,
                    ("rlsim: interrupted: " + std::to_string(counters.runs_done.load()) + " of " +
                     std::to_string(runs.size()) + " runs are complete in " + out +
                     " (the file is valid; the experiment is not marked complete; rlsim run "
                     "--resume " +
                     out + " finishes it)")
                        .c_str());
    throw py::error_already_set();
  }
  return out;
}

// `rlsim run --resume path`: returns the path; KeyboardInterrupt when a stop signal ended it.
std::string resume_experiment(const std::string& path, int threads, bool quiet, std::int64_t last_k,
                              double progress_every, const std::vector<std::string>& plugins,
                              const std::string& command_line) {
  if (threads < 0) throw py::value_error("threads = " + std::to_string(threads) + " must be >= 0");
  std::vector<std::string> args{"--resume",         path,
                                "--threads",        std::to_string(threads),
                                "--last",           std::to_string(last_k),
                                "--progress-every", std::to_string(progress_every)};
  if (quiet) args.push_back("--quiet");
  for (const std::string& p : plugins) {
    args.push_back("--plugin");
    args.push_back(p);
  }
  int code = 0;
  std::string error;
  {
    py::gil_scoped_release release;
    try {
      code = cmd_run(args, command_line);
    } catch (const std::exception& e) {
      error = e.what();
    }
    std::cout.flush();
  }
  if (!error.empty()) throw std::runtime_error(error);
  if (code > 128) {
    PyErr_SetString(
        PyExc_KeyboardInterrupt,
        ("rlsim: resume of " + path + " interrupted (signal " + std::to_string(code - 128) +
         "); the file is valid and holds the finished runs; rlsim.run(path, "
         "resume=True) finishes it")
            .c_str());
    throw py::error_already_set();
  }
  if (code != 0)
    throw std::runtime_error("rlsim run --resume " + path + " exited with code " +
                             std::to_string(code));
  return path;
}

}  // namespace

void init_experiment(py::module_& m) {
  m.def("resume_experiment", &resume_experiment, py::arg("path"), py::arg("threads"),
        py::arg("quiet"), py::arg("last"), py::arg("progress_every"), py::arg("plugins"),
        py::arg("command_line"),
        "`rlsim run --resume PATH` (the driver's own command); returns the path");
  m.def("run_experiment", &run_experiment, py::arg("config_text"), py::arg("source"),
        py::arg("overrides"), py::arg("threads"), py::arg("out"), py::arg("overwrite"),
        py::arg("quiet"), py::arg("last"), py::arg("progress_every"), py::arg("command_line"),
        py::arg("dry_run") = false,
        "Runs an experiment config (TOML text) like `rlsim run`; returns the run file's path "
        "(with dry_run, the number of runs, as text)");
  m.def(
      "default_config_text", [] { return default_config_text(); },
      "The built-in default experiment's TOML (experiments/configs/default.toml)");
}

}  // namespace rlsim::python

// Helpers for the tests that run the `rlsim` driver binary end to end (test_cli, test_plot,
// test_render_cmd, test_resume, test_driver_features, test_mpi): where the binary is, running
// it (directly or under mpirun) with its output captured, or in the background (spawn) to be
// signalled or killed; fresh temporary directories, reading files back, comparing two run
// files result by result.
//
// The binary is $RLSIM_BIN if set (ctest sets it), else the build tree's bin/rlsim. Plugins
// are given explicitly in these tests, so the suite's RLSIM_PLUGIN_PATH is cleared.
#pragma once
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <array>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "run/hdf5_log.hpp"
#include "tests/experiments/same_results.hpp"

namespace rlsim_test {

inline std::string rlsim_bin() {
  if (const char* b = std::getenv("RLSIM_BIN")) return b;
  return std::string(RLSIM_BINARY_DIR) + "/bin/rlsim";
}

struct Result {
  int code;         // exit status, -1 if the driver did not exit normally
  std::string out;  // stdout and stderr together
};

// Runs the shell command CMD (RLSIM_PLUGIN_PATH cleared) and waits for it.
inline Result shell(const std::string& cmd) {
  FILE* p = popen(("RLSIM_PLUGIN_PATH= " + cmd + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// Runs `rlsim ARGS` through the shell (ARGS is shell text) and waits for it.
inline Result sh(const std::string& args) {
  return shell(rlsim_bin() + " " + args);
}

#ifdef RLSIM_MPIEXEC
// The `mpirun -np RANKS ` prefix of a command (RLSIM_MPIEXEC is defined in MPI builds).
// mpirun as root (CI containers) needs both OMPI_ALLOW_* variables; two ranks on a machine
// with fewer cores need --oversubscribe. Under AddressSanitizer (the asan preset sets
// ASAN_OPTIONS), OpenMPI's libraries have no frame pointers, so LeakSanitizer needs the slow
// unwinder to see the OpenMPI frames that tests/lsan-suppressions.txt matches.
inline std::string mpirun(int ranks) {
  return "ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0\" "
         "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 " +
         std::string(RLSIM_MPIEXEC) + " --oversubscribe -np " + std::to_string(ranks) + " ";
}

// Runs `mpirun -np RANKS rlsim ARGS` through the shell and waits for it.
inline Result mpi_sh(int ranks, const std::string& args) {
  return shell(mpirun(ranks) + rlsim_bin() + " " + args);
}
#endif

// Runs `rlsim ARGS` and checks it fails as bad input (exit 1) with `message` in its output.
inline void check_error(const std::string& args, const std::string& message) {
  const Result r = sh(args);
  INFO("rlsim " << args << "\n" << r.out);
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains(message));
}

// Runs `rlsim ARGS` and checks it fails as a bad command line (exit 2, docs/commands.md)
// with `message` in its output.
inline void check_usage_error(const std::string& args, const std::string& message) {
  const Result r = sh(args);
  INFO("rlsim " << args << "\n" << r.out);
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains(message));
}

// An empty directory $TMPDIR/rlsim_NAME_PID (removed first if it exists).
inline std::filesystem::path temp_dir(const std::string& name) {
  std::filesystem::path d =
      std::filesystem::temp_directory_path() / ("rlsim_" + name + "_" + std::to_string(getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

inline int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// How to start the driver: environment changes ("NAME=VALUE", or "NAME" to unset), a file
// size limit in bytes (0: none; SIGXFSZ keeps its default action), a signal made pending
// (blocked and raised) before exec, and a signal ignored at exec (as nohup does).
struct Spawn {
  std::vector<std::string> env;
  rlim_t fsize_limit = 0;
  int pending_signal = 0;
  int ignored_signal = 0;
};

// Starts `rlsim ARGS...` in a child with stdout and stderr to `log` (RLSIM_PLUGIN_PATH unset).
inline pid_t spawn(const std::vector<std::string>& args, const std::string& log,
                   const Spawn& how = {}) {
  std::vector<std::string> argv{rlsim_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::unsetenv("RLSIM_PLUGIN_PATH");
    for (const std::string& e : how.env) {
      const auto eq = e.find('=');
      if (eq == std::string::npos)
        ::unsetenv(e.c_str());
      else
        ::setenv(e.substr(0, eq).c_str(), e.substr(eq + 1).c_str(), 1);
    }
    if (how.fsize_limit > 0) {
      rlimit lim{how.fsize_limit, how.fsize_limit};
      ::setrlimit(RLIMIT_FSIZE, &lim);
    }
    if (how.ignored_signal) std::signal(how.ignored_signal, SIG_IGN);
    if (how.pending_signal) {
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, how.pending_signal);
      ::sigprocmask(SIG_BLOCK, &set, nullptr);
      ::raise(how.pending_signal);  // pending across exec, until unblocked
    }
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execv(cargv[0], cargv.data());
    std::_Exit(127);
  }
  return pid;
}

// The child's exit code, or -signal when a signal killed it.
inline int wait_child(pid_t pid) {
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

// Whether the child has ended (reaped when it has).
inline bool exited(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == pid;
}

// The whole file as bytes (empty if it cannot be read).
inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// A small experiment: q-learning and random on FrozenLake-v1 (default parameters).
inline std::string lake_config(const std::string& name, int seeds, int episodes) {
  return "name = \"" + name + "\"\nseeds = " + std::to_string(seeds) +
         "\nepisodes = " + std::to_string(episodes) +
         "\n[[env]]\nid = \"FrozenLake-v1\"\n[[agent]]\nid = \"q-learning\"\n[[agent]]\nid = "
         "\"random\"\n";
}

// Requires the run file GOT_PATH to hold the same experiment as WANT_PATH: every result the
// reader returns, bitwise (the wall-clock `seconds` and `created` are not results).
inline void require_same_results(const std::string& got_path, const std::string& want_path) {
  rlsim::ExperimentReader got(got_path), want(want_path);
  CHECK(got.meta().complete);
  CHECK(got.meta().planned_runs == want.meta().planned_runs);
  CHECK(got.meta().master_seed == want.meta().master_seed);
  CHECK(got.meta().config_text == want.meta().config_text);
  REQUIRE(!want.run_indices().empty());
  REQUIRE(got.run_indices() == want.run_indices());
  REQUIRE(got.complete_run_indices() == want.run_indices());
  for (std::int64_t i : want.run_indices()) {
    INFO("run " << i);
    const rlsim::StoredRun a = got.read_run(i, true), b = want.read_run(i, true);
    CHECK(a.run_index == b.run_index);
    CHECK(a.env_id == b.env_id);
    CHECK(a.agent_id == b.agent_id);
    CHECK(a.env_params == b.env_params);
    CHECK(a.agent_params == b.agent_params);
    CHECK(a.group == b.group);
    CHECK(a.seed_index == b.seed_index);
    CHECK(a.env_seed == b.env_seed);
    CHECK(a.agent_seed == b.agent_seed);
    CHECK(a.has_steps == b.has_steps);
    check_same_run(a, b);
  }
}

}  // namespace rlsim_test

// `rlsim run` and its run file under signals, file size limits and a second writer, end to
// end with the driver binary (issue 17, items 2-4): SIGTERM, SIGHUP and SIGINT flush the
// finished runs, say so in one line and exit with 128 + the signal, also when the signal
// comes before the first run; SIGHUP stays ignored under nohup; past `ulimit -f` the run
// ends with the one-line write error (no SIGXFSZ death, no HDF5 error dump); a second
// `rlsim run` on a file being written is refused, with HDF5's file locking on or off, and
// the first writer keeps its file; a writer killed with SIGKILL leaves a lock file that
// `--resume` takes over.
#include <fcntl.h>
#include <hdf5.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "core/hdf5_handles.hpp"
#include "run/hdf5_log.hpp"

#include "tests/experiments/driver_util.hpp"

namespace fs = std::filesystem;
using namespace rlsim_test;

namespace {

// Polls until `ready` is true or the child has exited; false if it exited first.
bool wait_until(pid_t pid, const std::function<bool()>& ready) {
  for (int i = 0; i < 60000; ++i) {
    if (ready()) return true;
    if (exited(pid)) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

// The runs in `path` as a reader sees them now (HDF5's file locking is off in this test
// process, so the file of a running experiment can be read); -1 while it cannot be read.
long runs_in(const std::string& path) {
  try {
    return static_cast<long>(rlsim::ExperimentReader(path).complete_run_indices().size());
  } catch (const rlsim::Error&) {
    return -1;  // not created yet, or caught in the middle of a write
  }
}

std::string lake(const std::string& name, int seeds, int episodes) {
  return "name = \"" + name + "\"\nseed = 3\nseeds = " + std::to_string(seeds) +
         "\nepisodes = " + std::to_string(episodes) +
         "\n[[env]]\nid = \"FrozenLake-v1\"\n[[agent]]\nid = \"q-learning\"\n";
}

const std::string kHeldBy = "is being written by another rlsim process (pid ";

}  // namespace

TEST_CASE("run safety: SIGTERM, SIGHUP and SIGINT flush the finished runs and exit 128+signal",
          "[run-safety]") {
  ::setenv("HDF5_USE_FILE_LOCKING", "FALSE", 1);  // to watch the file while it is written
  const fs::path d = temp_dir("safety_signals");
  std::ofstream(d / "long.toml") << lake("long", 60, 20000);
  for (const auto& [sig, name] :
       {std::pair{SIGTERM, "SIGTERM"}, std::pair{SIGHUP, "SIGHUP"}, std::pair{SIGINT, "SIGINT"}}) {
    INFO(name);
    const std::string out = (d / (std::string(name) + ".h5")).string();
    const std::string log = (d / (std::string(name) + ".log")).string();
    // The default flush interval (1 s): the runs that finished since the last flush reach the
    // file only through the flush that the signal makes.
    const pid_t pid =
        spawn({"run", (d / "long.toml").string(), "--out", out, "--threads", "1"}, log);
    long seen = 0;
    REQUIRE(wait_until(pid, [&] { return (seen = runs_in(out)) >= 2; }));
    ::kill(pid, sig);
    const int code = wait_child(pid);
    const std::string text = read_text(log);
    INFO(text);
    CHECK(code == 128 + sig);
    std::smatch m;
    REQUIRE(std::regex_search(text, m,
                              std::regex(std::string("rlsim: interrupted by ") + name +
                                         ": ([0-9]+) of 60 runs are complete in " + out)));
    const long said = std::stol(m[1].str());
    CHECK(said >= seen);
    CHECK(said < 60);
    rlsim::ExperimentReader r(out);
    CHECK_FALSE(r.meta().complete);
    CHECK(static_cast<long>(r.complete_run_indices().size()) == said);
    for (std::int64_t i : r.complete_run_indices()) CHECK(r.read_run(i).episodes.size() == 20000);
  }
  fs::remove_all(d);
}

TEST_CASE("run safety: a stop signal that comes before the first run stops the command",
          "[run-safety]") {
  const fs::path d = temp_dir("safety_early");
  std::ofstream(d / "short.toml") << lake("short", 4, 100);
  for (const auto& [sig, name] : {std::pair{SIGINT, "SIGINT"}, std::pair{SIGTERM, "SIGTERM"}}) {
    INFO(name);
    // Sent before rlsim could handle it (pending at exec, as after a signal that arrived in
    // its first milliseconds): it must not be swallowed, letting the experiment run to the end.
    const std::string out = (d / (std::string(name) + ".h5")).string();
    const std::string log = (d / (std::string(name) + ".log")).string();
    Spawn how;
    how.pending_signal = sig;
    const int code =
        wait_child(spawn({"run", (d / "short.toml").string(), "--out", out, "-q"}, log, how));
    const std::string text = read_text(log);
    INFO(text);
    CHECK(code == 128 + sig);
    CHECK_THAT(text, Catch::Contains(std::string("rlsim: interrupted by ") + name +
                                     " before any run started"));
    CHECK(count_lines(text) == 1);
    CHECK_FALSE(fs::exists(out));
  }
  fs::remove_all(d);
}

TEST_CASE("run safety: under nohup (SIGHUP ignored) a hangup does not stop the run",
          "[run-safety]") {
  ::setenv("HDF5_USE_FILE_LOCKING", "FALSE", 1);
  const fs::path d = temp_dir("safety_nohup");
  std::ofstream(d / "long.toml") << lake("long", 20, 20000);
  const std::string out = (d / "nohup.h5").string();
  Spawn how;
  how.ignored_signal = SIGHUP;
  how.env = {"RLSIM_FLUSH_SECONDS=0.05"};
  const pid_t pid = spawn({"run", (d / "long.toml").string(), "--out", out, "--threads", "1", "-q"},
                          (d / "nohup.log").string(), how);
  if (wait_until(pid, [&] { return runs_in(out) >= 1; })) ::kill(pid, SIGHUP);
  CHECK(wait_child(pid) == 0);
  rlsim::ExperimentReader r(out);
  CHECK(r.meta().complete);
  CHECK(r.complete_run_indices().size() == 20);
  fs::remove_all(d);
}

TEST_CASE("run safety: past a file size limit the run ends with one line", "[run-safety]") {
  const fs::path d = temp_dir("safety_fsize");
  std::ofstream(d / "steps.toml") << lake("steps", 60, 400) << "[log]\nsteps = true\n";
  std::ofstream(d / "rows.toml") << lake("rows", 4, 30000);
  struct Case {
    const char* config;
    const char* threads;
    const char* flush_seconds;
    rlim_t limit;
  };
  // Step logs flushed after every run, on one thread: the limit is hit after some runs are
  // in the file. Episode rows on two threads with the default flush interval: the limit is
  // hit before the first flush, by whichever thread writes (an OpenMP worker printed HDF5's
  // error dump).
  for (const Case& c : {Case{"steps.toml", "1", "RLSIM_FLUSH_SECONDS=0", 400 * 1024},
                        Case{"rows.toml", "2", "RLSIM_FLUSH_SECONDS", 100 * 1024}}) {
    INFO(c.config);
    const std::string out = (d / (std::string(c.config) + ".h5")).string();
    const std::string log = (d / (std::string(c.config) + ".log")).string();
    Spawn how;
    how.fsize_limit = c.limit;  // SIGXFSZ at its default action, which kills
    how.env = {c.flush_seconds};
    const int code = wait_child(
        spawn({"run", (d / c.config).string(), "--out", out, "--threads", c.threads}, log, how));
    const std::string text = read_text(log);
    INFO(text);
    CHECK(code == 1);
    CHECK_THAT(
        text, Catch::StartsWith("rlsim: error: writing run") && Catch::Contains("--resume " + out));
    CHECK_THAT(text, !Catch::Contains("HDF5-DIAG"));
    CHECK(count_lines(text) == 1);
    rlsim::ExperimentReader r(out);  // the runs of the flushes before stay readable
    CHECK_FALSE(r.meta().complete);
  }
  fs::remove_all(d);
}

TEST_CASE("run safety: a second rlsim run on a file being written is refused", "[run-safety]") {
  // The reader of this test, the first writer and some of the refused ones run with HDF5's
  // own file locking off: rlsim's lock must hold without it.
  ::setenv("HDF5_USE_FILE_LOCKING", "FALSE", 1);
  const fs::path d = temp_dir("safety_writers");
  std::ofstream(d / "a.toml") << lake("first", 40, 20000);
  std::ofstream(d / "b.toml") << lake("second", 2, 10);
  const std::string out = (d / "shared.h5").string();
  Spawn slow;
  // No flush before the end: the file on disk stays as created, whenever the writer stops.
  slow.env = {"RLSIM_FLUSH_SECONDS=86400"};
  const pid_t first = spawn({"run", (d / "a.toml").string(), "--out", out, "--threads", "1"},
                            (d / "first.log").string(), slow);
  // Stop the first writer once its file is created, so that it holds the file (and its lock)
  // for as long as the test needs.
  bool stopped = false;
  for (int i = 0; i < 100 && !stopped; ++i) {
    REQUIRE(wait_until(first, [&] { return runs_in(out) == 0; }));
    ::kill(first, SIGSTOP);
    stopped = runs_in(out) == 0;  // caught while creating it: let it go on and try again
    if (!stopped) {
      ::kill(first, SIGCONT);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  REQUIRE(stopped);
  const std::string pid = std::to_string(first);
  for (const char* locking : {"HDF5_USE_FILE_LOCKING", "HDF5_USE_FILE_LOCKING=FALSE"}) {
    INFO(locking);
    Spawn how;
    how.env = {locking};
    const std::string log = (d / "second.log").string();
    // A new experiment over it, and a resume of it: both refused, naming the first writer.
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"run", (d / "b.toml").string(), "--out", out, "--overwrite"},
          std::vector<std::string>{"run", "--resume", out}}) {
      INFO(args.at(1));
      const int code = wait_child(spawn(args, log, how));
      const std::string text = read_text(log);
      INFO(text);
      CHECK(code == 1);
      CHECK_THAT(text, Catch::Contains(out) && Catch::Contains(kHeldBy + pid));
      CHECK_THAT(text, !Catch::Contains("results:") && !Catch::Contains("HDF5_USE_FILE_LOCKING"));
    }
  }
  ::kill(first, SIGCONT);
  CHECK(wait_child(first) == 0);
  const std::string text = read_text(d / "first.log");
  INFO(text);
  CHECK_THAT(text, Catch::Contains("results: " + out));
  rlsim::ExperimentReader r(out);
  CHECK(r.meta().complete);
  CHECK_THAT(r.meta().config_text, Catch::Contains("\"first\""));
  CHECK(r.complete_run_indices().size() == 40);
  for (std::int64_t i : r.complete_run_indices()) CHECK(r.read_run(i).episodes.size() == 20000);
  CHECK_FALSE(fs::exists(out + ".lock"));
  fs::remove_all(d);
}

TEST_CASE("run safety: --resume takes over the lock file of a writer killed with SIGKILL",
          "[run-safety]") {
  ::setenv("HDF5_USE_FILE_LOCKING", "FALSE", 1);
  const fs::path d = temp_dir("safety_kill");
  std::ofstream(d / "a.toml") << lake("killed", 24, 10000);
  const std::string out = (d / "killed.h5").string();
  Spawn slow;
  slow.env = {"RLSIM_FLUSH_SECONDS=86400"};  // the file stays as created until the kill
  const pid_t pid = spawn({"run", (d / "a.toml").string(), "--out", out, "--threads", "1", "-q"},
                          (d / "killed.log").string(), slow);
  REQUIRE(wait_until(pid, [&] { return runs_in(out) == 0; }));
  ::kill(pid, SIGKILL);
  CHECK(wait_child(pid) == -SIGKILL);
  CHECK(fs::exists(out + ".lock"));  // not locked any more: the next writer takes it over
  const Result r = sh("run --resume " + out + " -q");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK_FALSE(fs::exists(out + ".lock"));
  rlsim::ExperimentReader reader(out);
  CHECK(reader.meta().complete);
  CHECK(reader.complete_run_indices().size() == 24);
  fs::remove_all(d);
}

TEST_CASE("run safety: analyze names a damaged run_index instead of dropping the run",
          "[run-safety]") {
  const fs::path d = temp_dir("safety_flip");
  std::ofstream(d / "a.toml") << lake("flip", 4, 50);
  const std::string out = (d / "flip.h5").string();
  REQUIRE(sh("run " + (d / "a.toml").string() + " --out " + out + " -q --threads 1").code == 0);
  // One flipped bit in the raw bytes of run_table/run_index (uncompressed, no checksum):
  // run 3 becomes run 3 + 16 = 19.
  haddr_t addr = 0;
  {
    rlsim::hdf5::Lock lock;
    rlsim::hdf5::File f(H5Fopen(out.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open");
    rlsim::hdf5::Dataset ds(H5Dopen2(f.get(), "/run_table/run_index", H5P_DEFAULT), "open");
    rlsim::hdf5::Dataspace space(H5Dget_space(ds.get()), "space");
    hsize_t offset[1] = {0}, size = 0;
    unsigned mask = 0;
    REQUIRE(H5Dget_chunk_info(ds.get(), space.get(), 0, offset, &mask, &addr, &size) >= 0);
  }
  std::string bytes = read_text(out);
  std::size_t row = 0;  // the row of run 3 (runs are written as they finish)
  while (row < 4 && bytes.at(addr + 8 * row) != 3) ++row;
  REQUIRE(row < 4);
  bytes[addr + 8 * row] = static_cast<char>(3 ^ 16);
  std::ofstream(out, std::ios::binary | std::ios::trunc) << bytes;
  const Result r = sh("analyze " + out);
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("run_index 19") && Catch::Contains("planned 4 runs") &&
                        Catch::Contains("damaged"));
  fs::remove_all(d);
}

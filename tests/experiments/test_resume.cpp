// `rlsim run --resume` and write failures, end to end with the driver binary: an experiment
// killed with SIGKILL part-way and resumed gives the same file contents as an uninterrupted
// one; resuming refuses a config that no longer expands the same way; an unwritable output
// is reported before any run starts; a write failure (file size limit) ends with a clear
// message and leaves the runs already written readable.
#include <fcntl.h>
#include <hdf5.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/error.hpp"
#include "core/hdf5_handles.hpp"
#include "core/state_dict_io.hpp"
#include "run/hdf5_log.hpp"

#include "tests/experiments/driver_util.hpp"

namespace fs = std::filesystem;
using namespace rlsim_test;

namespace {

// Many short runs, so that a kill lands between runs most of the time and the test is fast.
const char* kManyRuns = R"(
name = "many"
seed = 5
seeds = 12
episodes = 3000
[[env]]
id = "FrozenLake-v1"
[[agent]]
id = "q-learning"
[[agent]]
id = "sarsa"
)";

}  // namespace

TEST_CASE("resume: a SIGKILLed experiment resumes to the same results as an uninterrupted one",
          "[resume]") {
  // The test reads the file while the experiment still writes it; flushes every 20 ms
  // (instead of every second) so that the file holds runs long before the experiment ends.
  ::setenv("HDF5_USE_FILE_LOCKING", "FALSE", 1);
  ::setenv("RLSIM_FLUSH_SECONDS", "0.02", 1);
  const fs::path d = temp_dir("resume_kill");
  std::ofstream(d / "many.toml") << kManyRuns;
  const std::string out = (d / "killed.h5").string();
  const pid_t pid = spawn({"run", (d / "many.toml").string(), "--out", out, "--threads", "1", "-q"},
                          (d / "killed.log").string());
  // Poll until at least 2 runs are complete, then kill.
  std::size_t seen = 0;
  bool exited = false;
  for (int i = 0; i < 6000 && seen < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    try {
      rlsim::ExperimentReader r(out);
      seen = r.complete_run_indices().size();
    } catch (const rlsim::Error&) {
      // Not created yet, or caught in the middle of a write: try again.
    }
  }
  if (!exited) {
    ::kill(pid, SIGKILL);
    CHECK(wait_child(pid) == -SIGKILL);
  }
  REQUIRE_FALSE(exited);  // 24 runs of 3000 episodes take far longer than 2 runs

  std::size_t complete_after_kill = 0;
  {
    rlsim::ExperimentReader r(out);
    CHECK_FALSE(r.meta().complete);
    const auto complete = r.complete_run_indices();
    complete_after_kill = complete.size();
    CHECK(complete_after_kill >= 2);
    CHECK(complete_after_kill < 24);
    for (std::int64_t i : r.run_indices()) {
      const rlsim::StoredRun run = r.read_run(i);  // never throws, complete or not
      if (run.complete) CHECK(run.episodes.size() == 3000);
    }
    // Runs reach the disk whole, marked complete, or not at all.
    CHECK(r.run_indices() == complete);
  }
  ::unsetenv("RLSIM_FLUSH_SECONDS");

  const Result resumed = sh("run --resume " + out + " --threads 2");
  INFO(resumed.out);
  REQUIRE(resumed.code == 0);
  CHECK_THAT(resumed.out, Catch::Contains("resuming") &&
                              Catch::Contains(std::to_string(complete_after_kill) + " of 24"));

  const std::string ref = (d / "ref.h5").string();
  const Result full = sh("run " + (d / "many.toml").string() + " --out " + ref + " --threads 2 -q");
  REQUIRE(full.code == 0);
  require_same_results(out, ref);

  // Resuming a complete file does nothing and says so.
  const Result again = sh("run --resume " + out + " -q");
  CHECK(again.code == 0);
  CHECK_THAT(again.out, Catch::Contains("already complete"));
  fs::remove_all(d);
}

namespace {

// One DQN run on CartPole with tiny networks, long enough to be killed part-way, with a
// checkpoint every 1000 env steps.
const char* kCheckpointed = R"(
name = "ckpt"
seed = 3
seeds = 1
steps = 100000
[checkpoint]
every = 1000
[eval]
every = 5000
episodes = 2
[[env]]
id = "CartPole-v1"
[[agent]]
id = "dqn"
net_arch = [16]
buffer_size = 5000
learning_starts = 200
batch_size = 16
train_freq = 1
target_update_interval = 100
)";

// The env steps of run 0's checkpoint in `file`, or -1 when it has none (yet).
std::int64_t checkpoint_steps(const std::string& file) {
  try {
    const rlsim::StateDict ck = rlsim::read_state_dict(file, "checkpoints/000000");
    return static_cast<std::int64_t>(ck.at("runner/loop").data.at(1));
  } catch (const std::exception&) {
    return -1;  // not written yet, or caught in the middle of a flush
  }
}

// Runs kCheckpointed into d/killed.h5 until the writer kills itself (SIGKILL) right after
// the first flush that wrote run 0's evaluation rows (the test hook RLSIM_TEST_LIVE_CRASH,
// run/live_rows.hpp): the file holds run 0's checkpoint of that flush, whatever the
// machine's speed. (A kill from outside could land inside a flush: see the next test.)
std::string killed_checkpointed_file(const fs::path& d) {
  std::ofstream(d / "ckpt.toml") << kCheckpointed;
  const std::string out = (d / "killed.h5").string();
  const pid_t pid =
      spawn({"run", (d / "ckpt.toml").string(), "--out", out, "-q"}, (d / "killed.log").string(),
            {.env = {"RLSIM_FLUSH_SECONDS=0.02", "RLSIM_TEST_LIVE_CRASH=0"}});
  CHECK(wait_child(pid) == -SIGKILL);
  return out;
}

// Checks that run 0 of `out` (resumed) equals an uninterrupted run of d/ckpt.toml.
void check_same_as_uninterrupted(const fs::path& d, const std::string& out) {
  const std::string ref = (d / "ref.h5").string();
  const Result full =
      sh("run " + (d / "ckpt.toml").string() + " checkpoint.every=0 --out " + ref + " -q");
  REQUIRE(full.code == 0);
  // Same results; the configs differ only in [checkpoint].
  rlsim::ExperimentReader a(out), b(ref);
  const rlsim::StoredRun x = a.read_run(0), y = b.read_run(0);
  CHECK(x.total_steps == y.total_steps);
  CHECK(x.episodes.returns == y.episodes.returns);
  CHECK(x.episodes.end_steps == y.episodes.end_steps);
  CHECK(x.evaluations.step == y.evaluations.step);
  CHECK(x.evaluations.returns == y.evaluations.returns);
  CHECK(x.diagnostics.step == y.diagnostics.step);
  CHECK(x.diagnostics.values == y.diagnostics.values);
}

// Overwrites the first bytes of the object header of `object` in `file` (as a kill during a
// flush can leave it: a link to a header that was never written).
void damage_header(const std::string& file, const std::string& object) {
  haddr_t addr = 0;
  {
    rlsim::hdf5::Lock lock;
    const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(f >= 0);
    H5O_info_t info;
    REQUIRE(H5Oget_info_by_name2(f, object.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) >= 0);
    addr = info.addr;
    H5Fclose(f);
  }
  std::fstream io(file, std::ios::in | std::ios::out | std::ios::binary);
  io.seekp(static_cast<std::streamoff>(addr));
  io.write("XXXXXXXX", 8);
  REQUIRE(io.good());
}

}  // namespace

TEST_CASE("resume: a SIGKILLed run resumes from its last checkpoint, bit-identical", "[resume]") {
  const fs::path d = temp_dir("resume_checkpoint");
  const std::string out = killed_checkpointed_file(d);
  const std::int64_t at = checkpoint_steps(out);  // the file as the kill left it
  REQUIRE(at > 0);
  CHECK(at % 1000 == 0);
  CHECK(at < 100000);
  {
    rlsim::ExperimentReader r(out);
    CHECK(r.complete_run_indices().empty());
  }
  const Result resumed = sh("run --resume " + out);
  INFO(resumed.out);
  REQUIRE(resumed.code == 0);
  CHECK_THAT(resumed.out, Catch::Contains("1 of them from their last checkpoint"));
  CHECK_THAT(resumed.out, !Catch::Contains("warning"));
  CHECK(checkpoint_steps(out) == -1);  // a finished file has no checkpoints
  check_same_as_uninterrupted(d, out);
  fs::remove_all(d);
}

TEST_CASE(
    "resume: a checkpoint and live rows left unreadable by a kill are set aside, and the "
    "run starts over",
    "[resume]") {
  // A kill inside a flush can leave /checkpoints/NNNNNN or /live/NNNNNN pointing at an object
  // header that was never written (seen in CI: "address of object past end of allocation").
  // HDF5 cannot delete such a link; resume must neither refuse the file nor lose a run.
  const fs::path d = temp_dir("resume_damaged_checkpoint");
  const std::string out = killed_checkpointed_file(d);
  REQUIRE(checkpoint_steps(out) > 0);
  damage_header(out, "checkpoints/000000");
  damage_header(out, "live/000000");
  REQUIRE(checkpoint_steps(out) == -1);
  const Result resumed = sh("run --resume " + out + " -q");
  INFO(resumed.out);
  REQUIRE(resumed.code == 0);
  CHECK_THAT(resumed.out,
             Catch::Contains("warning: the checkpoint of run 0 in " + out + " is unreadable"));
  CHECK_THAT(resumed.out, Catch::Contains("starts again from the beginning"));
  check_same_as_uninterrupted(d, out);
  {
    // The damaged groups are kept aside, and the file is otherwise a complete one.
    rlsim::hdf5::Lock lock;
    const hid_t f = H5Fopen(out.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(f >= 0);
    CHECK(H5Lexists(f, "damaged", H5P_DEFAULT) > 0);
    CHECK(H5Lexists(f, "damaged/checkpoints-1", H5P_DEFAULT) > 0);
    CHECK(H5Lexists(f, "damaged/live-1", H5P_DEFAULT) > 0);
    CHECK(H5Lexists(f, "checkpoints", H5P_DEFAULT) == 0);
    CHECK(H5Lexists(f, "live", H5P_DEFAULT) == 0);
    H5Fclose(f);
  }
  const Result analyzed = sh("analyze " + out);
  CHECK(analyzed.code == 0);
  fs::remove_all(d);
}

TEST_CASE("resume: checkpoint.every is refused for what cannot be checkpointed", "[resume]") {
  const fs::path d = temp_dir("checkpoint_refuse");
  const std::string out = (d / "x.h5").string();
  const std::string configs = std::string(RLSIM_SOURCE_DIR) + "/experiments/configs/";
  check_error("run " + configs +
                  "reinforce_cartpole.toml steps=100 seeds=1 "
                  "checkpoint.every=10 -q --out " +
                  out,
              "its agent cannot save its whole state");
  check_error("run " + configs +
                  "frozenlake.toml episodes=10 seeds=1 checkpoint.every=-3 "
                  "-q --out " +
                  out,
              "checkpoint.every' must be 0 (no checkpoints) or a positive number");
  CHECK_FALSE(fs::exists(out));
  fs::remove_all(d);
}

TEST_CASE("resume: refused with a clear message when the config no longer expands the same",
          "[resume]") {
  const fs::path d = temp_dir("resume_refuse");
  const std::string chain = std::string(RLSIM_SOURCE_DIR) + "/examples/plugin_env/chain.toml";
  const std::string out = (d / "chain.h5").string();
  Result r = sh("run " + chain + " -q episodes=5 seeds=2 --plugin " + RLSIM_CHAIN_PLUGIN +
                " --out " + out);
  INFO(r.out);
  REQUIRE(r.code == 0);
  r = sh("run --resume " + out + " -q");  // without the plugin
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("cannot resume") && Catch::Contains("Chain-v0") &&
                        Catch::Contains("--plugin"));
  r = sh("run --resume " + out + " seeds=3");
  CHECK(r.code == 2);  // a bad command line
  CHECK_THAT(r.out, Catch::Contains("give no config file or key=value"));
  r = sh("run --resume " + (d / "missing.h5").string());
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("no such file"));
  fs::remove_all(d);
}

TEST_CASE("resume: an unwritable output is reported before any run starts", "[resume]") {
  const fs::path d = temp_dir("resume_unwritable");
  std::ofstream(d / "many.toml") << kManyRuns;
  std::ofstream(d / "plain.txt") << "not a directory";
  for (const std::string& out :
       {(d / "no_such_dir" / "x.h5").string(), (d / "plain.txt" / "x.h5").string()}) {
    INFO(out);
    // 24 long runs: if they started, the command would take many seconds and print a table;
    // the error must come first and alone.
    const Result r = sh("run " + (d / "many.toml").string() + " --out " + out + " --threads 1");
    CHECK(r.code == 1);
    CHECK_THAT(r.out, Catch::Contains("cannot create run file") && Catch::Contains(out));
    CHECK_THAT(r.out, !Catch::Contains("results:"));
  }
  fs::remove_all(d);
}

TEST_CASE("resume: a write failure mid-experiment ends clearly and keeps earlier runs readable",
          "[resume]") {
  const fs::path d = temp_dir("resume_fsize");
  // Step logging makes each run about 16 KiB on disk (flushed after every run), so a 400 KiB
  // limit is hit after about 20 of the 60.
  std::ofstream(d / "steps.toml") << R"(
name = "steps"
seeds = 60
episodes = 400
[log]
steps = true
[[env]]
id = "FrozenLake-v1"
[[agent]]
id = "random"
)";
  const std::string out = (d / "limited.h5").string();
  // A flush after every run, so that runs reach the file before the limit is hit (with the
  // default interval of 1 s the whole experiment would fail before its first flush).
  ::setenv("RLSIM_FLUSH_SECONDS", "0", 1);
  Spawn limited;
  limited.fsize_limit = 400 * 1024;
  limited.ignored_signal = SIGXFSZ;  // writes then fail with EFBIG instead
  const pid_t pid = spawn({"run", (d / "steps.toml").string(), "--out", out, "--threads", "1"},
                          (d / "limited.log").string(), limited);
  const int code = wait_child(pid);
  ::unsetenv("RLSIM_FLUSH_SECONDS");
  const std::string log = read_text(d / "limited.log");
  INFO(log);
  CHECK(code == 1);
  CHECK_THAT(log, Catch::Contains("rlsim: error: writing run") &&
                      Catch::Contains("disk full, file size limit or I/O error") &&
                      Catch::Contains("--resume " + out));
  rlsim::ExperimentReader r(out);
  CHECK_FALSE(r.meta().complete);
  const auto complete = r.complete_run_indices();
  CHECK(complete.size() >= 1);
  CHECK(complete.size() < 60);
  for (std::int64_t i : complete) {
    const rlsim::StoredRun run = r.read_run(i, true);
    CHECK(run.episodes.size() == 400);
    CHECK(run.has_steps);
  }
  fs::remove_all(d);
}

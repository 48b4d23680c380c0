// Live rows under MPI (issue 17, experiments/mpi_runner.*): a run on worker rank 1 reaches
// the file rank 0 writes while it is still in progress, and its live rows are a prefix of the
// rows it has when complete; a finished MPI file written with live rows holds the same
// results as one written without. No timing: the test hook RLSIM_TEST_LIVE_CRASH
// (run/live_rows.hpp) holds run 1 once it has evaluation rows and kills rank 0 right after
// the first flush that wrote them. Only built when CMake found MPI (RLSIM_MPIEXEC).
#ifdef RLSIM_MPIEXEC
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "run/hdf5_log.hpp"
#include "tests/experiments/driver_util.hpp"

namespace fs = std::filesystem;
using namespace rlsim_test;

namespace {

// Two PPO runs on CartPole (run 0 on rank 0, run 1 on rank 1), evaluated every 2048 steps,
// with training diagnostics after each update of 256 steps.
const char* kConfig = R"(
name = "mpi-live"
seed = 4
seeds = 2
steps = 5000
[eval]
every = 2048
episodes = 2
[[env]]
id = "CartPole-v1"
[[agent]]
id = "ppo"
n_steps = 256
batch_size = 64
n_epochs = 2
)";

}  // namespace

TEST_CASE("mpi: a run on rank 1 shows its live rows in the file before it ends", "[mpi][live]") {
  const fs::path d = temp_dir("mpi_live");
  std::ofstream(d / "c.toml") << kConfig;
  const std::string common = (d / "c.toml").string() + " -q --threads 1 --out ";
  const std::string killed = (d / "killed.h5").string();
  // Run 1 (rank 1) holds after its first evaluation; rank 0 dies after the flush that
  // wrote that evaluation's live rows, so the file is one written while run 1 was running.
  const Result m = shell("RLSIM_FLUSH_SECONDS=0.05 RLSIM_TEST_LIVE_CRASH=1 " + mpirun(2) +
                         rlsim_bin() + " run " + common + killed);
  INFO(m.out);
  CHECK(m.code != 0);  // rank 0 was killed
  std::vector<rlsim::LiveRun> live;
  {
    rlsim::ExperimentReader reader(killed);
    CHECK_FALSE(reader.meta().complete);
    for (std::int64_t i : reader.run_indices()) CHECK(i == 0);  // run 1 never ended
    live = reader.live_runs();
  }
  REQUIRE(live.size() == 1);
  const rlsim::LiveRun& seen = live[0];
  CHECK(seen.run_index == 1);
  CHECK(seen.agent_id == "ppo");
  CHECK(seen.env_id == "CartPole-v1");
  CHECK(seen.seed_index == 1);
  CHECK(seen.steps >= 2048);  // held at its first evaluation, at step 2048
  CHECK(seen.steps < 5000);
  REQUIRE(seen.evaluations.size() == 2);  // 2 episodes at step 2048
  CHECK(seen.evaluations.step[0] == 2048);
  REQUIRE(seen.diagnostics.size() > 0);

  // watch reads the killed file and lists run 1 in progress.
  const Result w = sh("watch " + killed + " --once");
  INFO(w.out);
  CHECK(w.code == 0);
  CHECK_THAT(w.out, Catch::Contains("in progress:\n  run 1: "));

  // The same experiment in one process, complete: the live rows are a prefix of run 1's.
  const std::string single = (d / "single.h5").string();
  const Result s = sh("run " + common + single);
  INFO(s.out);
  REQUIRE(s.code == 0);
  rlsim::ExperimentReader full(single);
  const rlsim::StoredRun run = full.read_run(1);
  REQUIRE(seen.evaluations.size() <= run.evaluations.size());
  for (std::size_t i = 0; i < seen.evaluations.size(); ++i) {
    CHECK(seen.evaluations.step[i] == run.evaluations.step[i]);
    CHECK(seen.evaluations.returns[i] == run.evaluations.returns[i]);
    CHECK(seen.evaluations.lengths[i] == run.evaluations.lengths[i]);
  }
  REQUIRE(seen.diagnostics.names == run.diagnostics.names);
  REQUIRE(seen.diagnostics.size() <= run.diagnostics.size());
  for (std::size_t i = 0; i < seen.diagnostics.size(); ++i)
    CHECK(seen.diagnostics.step[i] == run.diagnostics.step[i]);
  for (std::size_t i = 0; i < seen.diagnostics.values.size(); ++i)
    CHECK(seen.diagnostics.values[i] == run.diagnostics.values[i]);
  fs::remove_all(d);
}

TEST_CASE("mpi: a file written with the workers' live rows has the results of one without",
          "[mpi][live]") {
  const fs::path d = temp_dir("mpi_live_same");
  std::ofstream(d / "c.toml") << kConfig;
  const std::string common = (d / "c.toml").string() + " -q --threads 1 --out ";
  // Flushing every 10 ms, every run is live after 10 ms and rank 1 sends its rows every
  // 50 ms; with a 1000 s interval no run is ever live. Same results, no /live left.
  const std::string a = (d / "live.h5").string(), b = (d / "plain.h5").string();
  const Result m =
      shell("RLSIM_FLUSH_SECONDS=0.01 " + mpirun(2) + rlsim_bin() + " run " + common + a);
  INFO(m.out);
  REQUIRE(m.code == 0);
  const Result p =
      shell("RLSIM_FLUSH_SECONDS=1000 " + mpirun(2) + rlsim_bin() + " run " + common + b);
  INFO(p.out);
  REQUIRE(p.code == 0);
  require_same_results(a, b);
  rlsim::ExperimentReader r(a);
  CHECK(r.meta().complete);
  CHECK(r.live_runs().empty());
  fs::remove_all(d);
}
#endif

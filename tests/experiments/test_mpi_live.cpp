// Live rows under MPI (issue 17, experiments/mpi_runner.*): a run on worker rank 1 reaches
// the file rank 0 writes while it is still in progress, and its live rows are a prefix of the
// rows it has when complete; a finished MPI file written with live rows holds the same
// results as one written without. No timing: the test hook RLSIM_TEST_LIVE_CRASH
// (run/live_rows.hpp) holds run 1 once it has evaluation rows and kills rank 0 right after
// the first flush that wrote them. Only built when CMake found MPI (RLSIM_MPIEXEC).
#ifdef RLSIM_MPIEXEC
#include <hdf5.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/state_dict_io.hpp"
#include "experiments/mpi_serialization.hpp"
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
  // Run 1's live rows are there. Run 0 (rank 0's own) may be live too when it had not ended
  // by the kill (a sanitizer build on a loaded machine runs it 10 times slower than rank 1
  // reaches its first evaluation and the flush after it).
  for (const rlsim::LiveRun& l : live) CHECK((l.run_index == 0 || l.run_index == 1));
  const auto one = std::find_if(live.begin(), live.end(),
                                [](const rlsim::LiveRun& l) { return l.run_index == 1; });
  REQUIRE(one != live.end());
  const rlsim::LiveRun& seen = *one;
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
  CHECK_THAT(w.out, Catch::Contains("in progress:\n") && Catch::Contains("\n  run 1: "));

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

TEST_CASE("mpi: checkpoints of runs on rank 1 reach the file, and --resume resumes from them",
          "[mpi][live][checkpoint]") {
  const fs::path d = temp_dir("mpi_ckpt");
  std::ofstream(d / "c.toml") << kConfig << "[checkpoint]\nevery = 1000\n";
  const std::string killed = (d / "killed.h5").string();
  // Runs 0 (rank 0) and 1 (rank 1) hold at their first evaluation (step 2048), after their
  // checkpoints at steps 1000 and 2000; rank 0 dies after the flush that wrote both runs'
  // evaluation rows, so the file holds both runs' checkpoints at step 2000.
  const Result m =
      shell("RLSIM_FLUSH_SECONDS=0.05 RLSIM_TEST_LIVE_CRASH=0,1 " + mpirun(2) + rlsim_bin() +
            " run " + (d / "c.toml").string() + " -q --threads 1 --out " + killed);
  INFO(m.out);
  CHECK(m.code != 0);
  for (const char* run : {"checkpoints/000000", "checkpoints/000001"}) {
    INFO(run);
    const rlsim::StateDict ck = rlsim::read_state_dict(killed, run);
    CHECK(ck.at("runner/loop").data.at(1) == 2000);  // env steps
  }
  {
    rlsim::ExperimentReader r(killed);
    CHECK(r.run_indices().empty());
  }
  // Rank 1 resumes run 1 from the checkpoint in its job: in a copy whose checkpoint of run 1
  // names other seeds, rank 1 refuses it (the error names the rank).
  const std::string tampered = (d / "tampered.h5").string();
  fs::copy_file(killed, tampered);
  {
    const hid_t f = H5Fopen(tampered.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(f >= 0);
    const hid_t ds = H5Dopen2(f, "checkpoints/000001/runner/ids", H5P_DEFAULT);
    REQUIRE(ds >= 0);
    std::array<double, 6> ids{};
    REQUIRE(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, ids.data()) >= 0);
    ids[2] += 1;  // another env seed
    REQUIRE(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, ids.data()) >= 0);
    H5Dclose(ds);
    H5Fclose(f);
  }
  const Result bad = shell(mpirun(2) + rlsim_bin() + " run --resume " + tampered);
  INFO(bad.out);
  CHECK(bad.code != 0);
  CHECK_THAT(bad.out, Catch::Contains("rlsim: error: rank 1 ("));
  CHECK_THAT(bad.out, Catch::Contains("cannot resume run 1"));

  // Resumed on 2 ranks: run 1, again on rank 1, goes on from its checkpoint received in the
  // job; the results are those of the experiment never interrupted.
  const Result resumed = shell(mpirun(2) + rlsim_bin() + " run --resume " + killed);
  INFO(resumed.out);
  REQUIRE(resumed.code == 0);
  CHECK_THAT(resumed.out, Catch::Contains("2 of them from their last checkpoint"));
  const std::string ref = (d / "ref.h5").string();
  const Result s = sh("run " + (d / "c.toml").string() + " -q --threads 1 --out " + ref);
  INFO(s.out);
  REQUIRE(s.code == 0);
  require_same_results(killed, ref);
  fs::remove_all(d);
}

TEST_CASE("mpi: the live rows a worker sends survive the serialization", "[mpi][live]") {
  std::vector<rlsim::LiveRows> rows(2);
  rows[0].info.run_index = 7;
  rows[0].info.env_id = "E";
  rows[0].info.agent_params = rlsim::Params({{"lr", 0.5}});
  rows[0].info.group = "E / A";
  rows[0].steps = 4096;
  rows[0].eval = {{2048, 2048}, {1.25, -3.0}, {10, 12}};
  rows[0].diag.names = {"loss"};
  rows[0].diag.add_row(256, {0.75});
  rows[1].info.run_index = 9;
  std::stringstream buf;
  {
    boost::archive::binary_oarchive oa(buf);
    oa << rows;
  }
  std::vector<rlsim::LiveRows> back;
  {
    boost::archive::binary_iarchive ia(buf);
    ia >> back;
  }
  REQUIRE(back.size() == 2);
  CHECK(back[0].info.run_index == 7);
  CHECK(back[0].info.env_id == "E");
  CHECK(back[0].info.agent_params.values() == rows[0].info.agent_params.values());
  CHECK(back[0].info.group == "E / A");
  CHECK(back[0].steps == 4096);
  CHECK(back[0].eval.step == rows[0].eval.step);
  CHECK(back[0].eval.returns == rows[0].eval.returns);
  CHECK(back[0].eval.lengths == rows[0].eval.lengths);
  CHECK(back[0].diag.names == rows[0].diag.names);
  CHECK(back[0].diag.step == rows[0].diag.step);
  CHECK(back[0].diag.values == rows[0].diag.values);
  CHECK(back[1].info.run_index == 9);
  CHECK(back[1].eval.size() == 0);
}
#endif

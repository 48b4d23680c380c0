// Watching an experiment while it runs (issue 17, "Live logs, checkpoints, final
// evaluation"): the progress line counts env steps against the step budget, analyze reports
// the final evaluation, and readers see a file that is still being written.
#include <hdf5.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <boost/math/distributions/students_t.hpp>

#include "experiments/progress.hpp"
#include "run/hdf5_log.hpp"
#include "run/runner.hpp"
#include "tests/experiments/driver_util.hpp"

namespace fs = std::filesystem;
using namespace rlsim_test;

namespace {

// The plain progress lines of a driver's output.
std::vector<std::string> progress_lines(const std::string& out) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("progress: ", 0) == 0) lines.push_back(line);
  return lines;
}

double json_after(const std::string& text, const std::string& key) {
  const auto pos = text.find("\"" + key + "\": ");
  REQUIRE(pos != std::string::npos);
  return std::stod(text.substr(pos + key.size() + 4));
}

const std::string kConfigs = std::string(RLSIM_SOURCE_DIR) + "/experiments/configs";

}  // namespace

TEST_CASE("progress: steps done against the step budget, ETA from the steps", "[progress]") {
  // 12288 of 40000 steps in 10 s: 1228.8 steps/s, 27712 left → 22.55 s.
  CHECK(rlsim::progress_plain_line(0, 2, 12288, 10.0, 40000) ==
        "progress: 0/2 runs, 12.3k/40.0k steps, 1.2k steps/s, elapsed 0m10s, ETA 0m23s");
  // No step budget (episodes only): the steps alone, the ETA from the runs.
  CHECK(rlsim::progress_plain_line(1, 4, 5000, 2.0, 0) ==
        "progress: 1/4 runs, 5.0k steps, 2.5k steps/s, elapsed 0m02s, ETA 0m06s");
  CHECK(rlsim::progress_bar_line(0, 2, 10000, 1.0, 8, 40000) ==
        "[##------] 0/2 runs  10.0k/40.0k steps  10.0k steps/s  elapsed 0m01s  ETA 0m03s");

  // The display reads the runner's step counter: runs that have not ended yet still show
  // their steps (the runner adds them every 4096 steps, RunCounters).
  rlsim::RunCounters counters;
  std::vector<rlsim::RunSpec> runs(2);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    runs[i].run_index = static_cast<std::int64_t>(i);
    runs[i].env_id = "CartPole-v1";
    runs[i].agent_id = "ppo";
    runs[i].budget.steps = 20000;
  }
  std::ostringstream os;
  {
    rlsim::Progress progress(counters, runs, rlsim::Progress::Mode::plain, os, 100, 1e6);
    counters.steps = 8192;
    progress.stop();
  }
  CHECK_THAT(os.str(), Catch::StartsWith("progress: 0/2 runs, 8.2k/40.0k steps, "));
}

TEST_CASE("driver: plain progress lines count steps against the budget", "[progress]") {
  const fs::path d = temp_dir("progress-steps");
  // Step budget 30000 per run; q-learning on FrozenLake, 2 runs.
  Result r = sh("run " + kConfigs +
                "/frozenlake.toml seeds=1 episodes=0 steps=30000 "
                "--threads 1 --progress-every 0.05 --out " +
                (d / "s.h5").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  const std::vector<std::string> lines = progress_lines(r.out);
  REQUIRE(!lines.empty());
  const std::regex line(
      R"(progress: (\d+)/(\d+) runs, ([0-9.]+[kM]?)/([0-9.]+[kM]?) steps, [0-9.]+[kM]? steps/s, elapsed \d+m\d\ds, ETA (\d+m\d\ds|\?))");
  for (const std::string& l : lines) CHECK(std::regex_match(l, line));
  std::smatch m;
  REQUIRE(std::regex_match(lines.back(), m, line));
  CHECK(m[1] == m[2]);
  CHECK(m[3] == m[4]);  // all the budget's steps were taken
  fs::remove_all(d);
}

TEST_CASE("driver: the step budget shrinks to the steps of runs that ended early", "[progress]") {
  const fs::path d = temp_dir("progress-early");
  // 5 episodes end each run long before its 1M steps.
  Result r = sh("run " + kConfigs +
                "/frozenlake.toml seeds=2 episodes=5 steps=1000000 "
                "--threads 1 --progress-every 0.05 --out " +
                (d / "e.h5").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  const std::vector<std::string> lines = progress_lines(r.out);
  REQUIRE(!lines.empty());
  std::smatch m;
  const std::regex done(R"(progress: (\d+)/(\d+) runs, ([0-9.]+[kM]?)/([0-9.]+[kM]?) steps, .*)");
  REQUIRE(std::regex_match(lines.back(), m, done));
  CHECK(m[1] == m[2]);
  CHECK(m[3] == m[4]);
  fs::remove_all(d);
}

TEST_CASE("driver: analyze reports the final evaluation with its 95% interval", "[analyze]") {
  const fs::path d = temp_dir("final-eval");
  const std::string file = (d / "ev.h5").string();
  std::ofstream(d / "ev.toml") << "name = \"ev\"\nseeds = 3\nsteps = 900\n[eval]\nevery = 400\n"
                                  "episodes = 4\n[[env]]\nid = \"CartPole-v1\"\n[[agent]]\n"
                                  "id = \"random\"\n";
  REQUIRE(sh("run " + (d / "ev.toml").string() + " -q --out " + file).code == 0);
  // By hand from the eval rows: each run's last evaluation (the rows at its last step,
  // here 900: at 400, 800 and once more at the end), averaged over runs, t-interval.
  std::vector<double> finals;
  {
    rlsim::ExperimentReader reader(file);
    for (std::int64_t i : reader.run_indices()) {
      const rlsim::EvalTable ev = reader.read_run(i).evaluations;
      REQUIRE(ev.size() == 12);
      double sum = 0;
      for (std::size_t k = 8; k < 12; ++k) {
        CHECK(ev.step[k] == 900);
        sum += ev.returns[k];
      }
      finals.push_back(sum / 4);
    }
  }
  REQUIRE(finals.size() == 3);
  const double mean = (finals[0] + finals[1] + finals[2]) / 3;
  double ss = 0;
  for (double x : finals) ss += (x - mean) * (x - mean);
  const double half = boost::math::quantile(boost::math::students_t(2.0), 0.975) *
                      std::sqrt(ss / 2) / std::sqrt(3.0);
  REQUIRE(half > 0);

  Result j = sh("analyze " + file + " --json");
  INFO(j.out);
  REQUIRE(j.code == 0);
  CHECK(json_after(j.out, "final_eval") == Approx(mean).epsilon(1e-12));
  CHECK(json_after(j.out, "final_eval_ci95") == Approx(half).epsilon(1e-12));
  CHECK(json_after(j.out, "final_eval_step") == 900);
  CHECK(json_after(j.out, "final_eval_episodes") == 4);

  Result c = sh("analyze " + file + " --csv");
  INFO(c.out);
  REQUIRE(c.code == 0);
  std::istringstream csv(c.out);
  std::string header, row;
  std::getline(csv, header);
  std::getline(csv, row);
  CHECK_THAT(header, Catch::EndsWith(",final_eval,final_eval_ci95,final_eval_step,"
                                     "final_eval_episodes"));
  std::vector<std::string> cells;
  std::stringstream cs(row);
  for (std::string cell; std::getline(cs, cell, ',');) cells.push_back(cell);
  REQUIRE(cells.size() >= 4);
  const std::size_t n = cells.size();
  CHECK(std::stod(cells[n - 4]) == Approx(mean).epsilon(1e-9));
  CHECK(std::stod(cells[n - 3]) == Approx(half).epsilon(1e-9));
  CHECK(cells[n - 2] == "900");
  CHECK(cells[n - 1] == "4");

  Result t = sh("analyze " + file);
  INFO(t.out);
  REQUIRE(t.code == 0);
  CHECK_THAT(t.out, Catch::Contains("final eval"));
  // A run file without evaluation has no such column, and nulls in JSON.
  REQUIRE(sh("run " + kConfigs + "/frozenlake.toml seeds=2 episodes=20 -q --out " +
             (d / "no.h5").string())
              .code == 0);
  Result n2 = sh("analyze " + (d / "no.h5").string() + " --json");
  CHECK_THAT(n2.out, Catch::Contains("\"final_eval\": null"));
  CHECK_THAT(sh("analyze " + (d / "no.h5").string()).out, !Catch::Contains("final eval"));
  fs::remove_all(d);
}

namespace {

// Whether the (finished) HDF5 file has a root member `name`.
bool has_root_member(const std::string& file, const char* name) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  const bool yes = H5Lexists(f, name, H5P_DEFAULT) > 0;
  H5Fclose(f);
  return yes;
}

// PPO on CartPole: one run of an update (10 epochs) every 256 steps, evaluated every 2048
// steps, so it has evaluation rows and diagnostics before it ends.
std::string live_config(std::int64_t steps) {
  return "name = \"live\"\nseeds = 1\nsteps = " + std::to_string(steps) +
         "\n[eval]\nevery = 2048\nepisodes = 2\n[[env]]\nid = \"CartPole-v1\"\n[[agent]]\n"
         "id = \"ppo\"\nn_steps = 256\nbatch_size = 64\nn_epochs = 10\n";
}

}  // namespace

TEST_CASE("driver: a file being written shows its runs' live rows and its final file is the same",
          "[live]") {
  const fs::path d = temp_dir("live");
  const std::string cfg = (d / "live.toml").string();
  std::ofstream(cfg) << live_config(6000);
  // A file as it is while the run trains, whatever the machine's speed: the test hook
  // RLSIM_TEST_LIVE_CRASH (run/live_rows.hpp) holds run 0 at its first evaluation (step 2048)
  // and kills the process right after the flush (every 50 ms) that wrote that evaluation.
  const std::string killed = (d / "killed.h5").string();
  const Result k = shell("RLSIM_FLUSH_SECONDS=0.05 RLSIM_TEST_LIVE_CRASH=0 " + rlsim_bin() +
                         " run " + cfg + " -q --threads 1 --out " + killed);
  INFO(k.out);
  CHECK(k.code != 0);  // killed
  rlsim::LiveRun seen;
  {
    rlsim::ExperimentReader reader(killed);
    CHECK_FALSE(reader.meta().complete);
    CHECK(reader.run_indices().empty());  // the run has not ended: run_table does not list it
    const std::vector<rlsim::LiveRun> live = reader.live_runs();
    REQUIRE(live.size() == 1);
    seen = live[0];
  }
  CHECK(seen.run_index == 0);
  CHECK(seen.agent_id == "ppo");
  CHECK(seen.steps >= 2048);
  CHECK(seen.steps < 6000);
  REQUIRE(seen.evaluations.size() == 2);  // 2 episodes at step 2048
  CHECK(seen.evaluations.step[0] == 2048);
  REQUIRE(seen.diagnostics.size() > 0);
  // The commands read the file of a run in progress.
  const Result watch_live = sh("watch " + killed + " --once");
  const Result plot_live =
      sh("plot " + killed + " --out " + (d / "live_plots").string() + " --what diagnostics");

  // The whole run, with live rows written at each flush meanwhile.
  const std::string file = (d / "live.h5").string();
  const Result full = shell("RLSIM_FLUSH_SECONDS=0.05 " + rlsim_bin() + " run " + cfg +
                            " -q --threads 1 --out " + file);
  INFO(full.out);
  REQUIRE(full.code == 0);
  // The live rows are the run's rows so far: a prefix of its final eval and diagnostics.
  rlsim::ExperimentReader final_reader(file);
  REQUIRE(final_reader.meta().complete);
  CHECK(final_reader.live_runs().empty());
  const rlsim::StoredRun run = final_reader.read_run(0);
  REQUIRE(seen.evaluations.size() <= run.evaluations.size());
  for (std::size_t i = 0; i < seen.evaluations.size(); ++i) {
    CHECK(seen.evaluations.step[i] == run.evaluations.step[i]);
    CHECK(seen.evaluations.returns[i] == run.evaluations.returns[i]);
  }
  REQUIRE(seen.diagnostics.names == run.diagnostics.names);
  REQUIRE(seen.diagnostics.size() <= run.diagnostics.size());
  for (std::size_t i = 0; i < seen.diagnostics.values.size(); ++i)
    CHECK(seen.diagnostics.values[i] == run.diagnostics.values[i]);
  CHECK_FALSE(has_root_member(file, "live"));  // a finished file has no live rows
  {
    INFO(watch_live.out);
    CHECK(watch_live.code == 0);
    CHECK_THAT(watch_live.out, Catch::Contains("0 of 1 runs complete"));
    CHECK_THAT(watch_live.out, Catch::Contains("in progress:\n  run 0: "));
    INFO(plot_live.out);
    CHECK(plot_live.code == 0);
    const std::string json = read_text(d / "live_plots" / "diagnostics_CartPole-v1.json");
    CHECK_THAT(json, Catch::Contains("\"name\": \"approx_kl\""));
    CHECK_THAT(json, Catch::Contains("\"role\": \"in_progress\""));
  }
  // watch ends at once on a complete file; plot draws its diagnostics, one panel each.
  Result w = sh("watch " + file + " --every 0.1");
  INFO(w.out);
  CHECK(w.code == 0);
  CHECK_THAT(w.out, Catch::Contains("1 of 1 runs complete, experiment complete"));
  Result pl = sh("plot " + file + " --out " + (d / "plots").string() + " --what diagnostics");
  INFO(pl.out);
  REQUIRE(pl.code == 0);
  const std::string json = read_text(d / "plots" / "diagnostics_CartPole-v1.json");
  for (const std::string& name : run.diagnostics.names)
    CHECK_THAT(json, Catch::Contains("\"name\": \"" + name + "\""));
  CHECK_THAT(json, Catch::Contains("\"points\": " + std::to_string(run.diagnostics.size())));

  // Written without live rows (no run lasts the 1000 s flush interval): the same results.
  const std::string plain = (d / "plain.h5").string();
  Result r = shell("RLSIM_FLUSH_SECONDS=1000 " + rlsim_bin() + " run " + cfg +
                   " -q --threads 1 --out " + plain);
  REQUIRE(r.code == 0);
  require_same_results(file, plain);
  fs::remove_all(d);
}

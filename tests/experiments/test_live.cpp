// Watching an experiment while it runs (issue 17, "Live logs, checkpoints, final
// evaluation"): the progress line counts env steps against the step budget, analyze reports
// the final evaluation, and readers see a file that is still being written.
#include <hdf5.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
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

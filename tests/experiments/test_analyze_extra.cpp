// `rlsim traj` end to end: the logged steps of one episode as a table, and clear errors for
// a run without a step log or an episode that is not in the log.
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <string>

#include "run/hdf5_log.hpp"

#include "tests/experiments/driver_util.hpp"

namespace fs = std::filesystem;
using namespace rlsim_test;

TEST_CASE("traj: prints one logged episode and refuses runs without a step log",
          "[analyze-extra]") {
  const fs::path d = temp_dir("traj");
  const std::string cfg = std::string(RLSIM_SOURCE_DIR) + "/experiments/configs/frozenlake.toml";
  const std::string with = (d / "steps.h5").string(), without = (d / "nosteps.h5").string();
  Result r = sh("run " + cfg + " episodes=20 seeds=1 log.steps=true -q --out " + with);
  REQUIRE(r.code == 0);
  REQUIRE(sh("run " + cfg + " episodes=5 seeds=1 -q --out " + without).code == 0);

  // Reference from the reader: episode 4 of run 1.
  rlsim::ExperimentReader reader(with);
  const rlsim::StoredRun run = reader.read_run(1, true);
  std::size_t rows = 0;
  std::int64_t first_action = -1;
  for (std::size_t i = 0; i < run.steps.size(); ++i)
    if (run.steps.episode[i] == 4) {
      if (rows == 0) first_action = run.steps.action_index[i];
      ++rows;
    }
  REQUIRE(rows == static_cast<std::size_t>(run.episodes.lengths[4]));

  r = sh("traj " + with + " --run 1 --episode 4");
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("run 1, episode 4, " + std::to_string(rows) + " steps"));
  std::istringstream lines(r.out);
  std::string line;
  std::getline(lines, line);  // title
  std::getline(lines, line);  // header
  CHECK_THAT(line,
             Catch::StartsWith("t") && Catch::Contains("action") && Catch::Contains("probability"));
  std::getline(lines, line);  // t = 0
  std::istringstream first(line);
  std::int64_t t = -1, obs = -1, action = -1;
  first >> t >> obs >> action;
  CHECK(t == 0);
  CHECK(obs == 0);  // FrozenLake starts in state 0
  CHECK(action == first_action);
  std::size_t table_rows = 0;
  while (std::getline(lines, line)) ++table_rows;
  CHECK(table_rows + 1 == rows);

  r = sh("traj " + with + " --run 1 --episode 4 --max-rows 1");
  CHECK(r.code == 0);
  if (rows > 1) CHECK_THAT(r.out, Catch::Contains(std::to_string(rows - 1) + " more steps"));

  check_error("traj " + without + " --run 0 --episode 0",
              "has no step log: the experiment ran without log.steps (or its "
              "log.steps_runs did not list this run); run it again with log.steps=true");
  check_error("traj " + with + " --run 0 --episode 20", "logged episodes: 0 to 19");
  check_error("traj " + with + " --run 99 --episode 0", "has no run 99");
  fs::remove_all(d);
}

TEST_CASE("analyze: --json gives the same numbers as --csv, as valid JSON", "[analyze-extra]") {
  const fs::path d = temp_dir("json");
  const std::string cfg = std::string(RLSIM_SOURCE_DIR) + "/experiments/configs/frozenlake.toml";
  const std::string file = (d / "a.h5").string();
  REQUIRE(sh("run " + cfg + " episodes=30 seeds=3 -q --out " + file).code == 0);
  const Result json = sh("analyze " + file + " --json --last 10");
  INFO(json.out);
  REQUIRE(json.code == 0);
  // Four groups (agents), each with 3 runs; the regret fields are null for FrozenLake.
  CHECK_THAT(json.out, Catch::StartsWith("{") && Catch::Contains("\"complete_runs\": 12") &&
                           Catch::Contains("\"final_regret\": null") &&
                           Catch::Contains("\"agent_id\": \"value-iteration\""));
  std::size_t groups = 0;
  for (std::size_t at = json.out.find("\"group\":"); at != std::string::npos;
       at = json.out.find("\"group\":", at + 1))
    ++groups;
  CHECK(groups == 4);
  // Parsed by an independent JSON parser when a Python 3 is there.
  if (std::system("python3 -c 'import json' > /dev/null 2>&1") == 0) {
    const std::string check =
        "python3 -c \"import json,sys; d=json.load(sys.stdin); "
        "assert len(d['groups'])==4 and d['last_k']==10\"";
    FILE* p = popen(check.c_str(), "w");
    REQUIRE(p != nullptr);
    std::fwrite(json.out.data(), 1, json.out.size(), p);
    const int status = pclose(p);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  CHECK(sh("analyze " + file + " --json --csv").code == 2);  // a bad command line
  fs::remove_all(d);
}

TEST_CASE("analyze: --csv and --json carry the best-arm identification numbers",
          "[analyze-extra][best-arm]") {
  const fs::path d = temp_dir("ident");
  {
    std::ofstream cfg(d / "ba.toml");
    cfg << "name = \"ba\"\nseed = 3\nseeds = 3\nepisodes = 1\n"
           "[[env]]\nid = \"BernoulliBandit-v0\"\nhorizon = 20000\nmeans = [0.9, 0.1]\n"
           "[[agent]]\nid = \"lucb\"\ndelta = 0.1\n[[agent]]\nid = \"ucb1\"\n";
  }
  const std::string file = (d / "ba.h5").string();
  REQUIRE(sh("run " + (d / "ba.toml").string() + " -q --out " + file).code == 0);
  const Result csv = sh("analyze " + file + " --csv -");
  INFO(csv.out);
  REQUIRE(csv.code == 0);
  std::istringstream lines(csv.out);
  std::string header, lucb, ucb;
  std::getline(lines, header);
  std::getline(lines, lucb);
  std::getline(lines, ucb);
  CHECK_THAT(header, Catch::EndsWith(",stopped,errors,error_rate,error_lo,error_hi,"
                                     "mean_stop_time,stop_time_ci95,stop_lower_bound"));
  // Arms 0.9 and 0.1 are told apart long before the horizon: 3 of 3 stop, none wrong. The
  // Wilson 95% interval of 0 errors in n = 3 is [0, z^2 / (n + z^2)], z = 1.959964.
  const double z2 = 1.959963984540054 * 1.959963984540054;
  std::ostringstream hi;
  hi << std::setprecision(10) << z2 / (3.0 + z2);
  CHECK_THAT(lucb, Catch::StartsWith("\"BernoulliBandit-v0\",\"lucb\"") &&
                       Catch::Contains(",3,0,0,0," + hi.str() + ","));
  // ucb1 cannot stop: its identification cells are empty.
  CHECK_THAT(ucb,
             Catch::StartsWith("\"BernoulliBandit-v0\",\"ucb1\"") && Catch::EndsWith(",,,,,,,,"));
  const Result json = sh("analyze " + file + " --json");
  REQUIRE(json.code == 0);
  CHECK_THAT(json.out, Catch::Contains("\"identification\": [") &&
                           Catch::Contains("\"agent_id\": \"lucb\", \"runs\": 3, \"stopped\": 3, "
                                           "\"errors\": 0, \"error_rate\": 0"));
  // A file without identification runs keeps the plain columns.
  const std::string lake = std::string(RLSIM_SOURCE_DIR) + "/experiments/configs/frozenlake.toml";
  REQUIRE(sh("run " + lake + " episodes=5 seeds=1 -q --out " + (d / "l.h5").string()).code == 0);
  const Result plain = sh("analyze " + (d / "l.h5").string() + " --csv -");
  CHECK_THAT(plain.out, !Catch::Contains("stopped") && Catch::Contains("final_eval_episodes\n"));
  CHECK_THAT(sh("analyze " + (d / "l.h5").string() + " --json").out,
             !Catch::Contains("identification"));
  fs::remove_all(d);
}

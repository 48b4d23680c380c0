// The driver end to end: runs the `rlsim` binary and checks outputs, files and errors.
#include <sys/wait.h>
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "run/hdf5_log.hpp"

#include "tests/experiments/driver_util.hpp"

namespace fs = std::filesystem;
using namespace rlsim_test;

namespace {

const std::string kSmall = lake_config("small", 3, 40);

}  // namespace

TEST_CASE("cli: run writes a complete file, prints the table, analyze agrees") {
  fs::path d = temp_dir("test_run");
  std::ofstream(d / "small.toml") << kSmall;
  const std::string out = (d / "a.h5").string();
  Result r = sh("run " + (d / "small.toml").string() + " --out " + out + " --threads 2");
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("q-learning") && Catch::Contains("random") &&
                        Catch::Contains("results: " + out));
  rlsim::ExperimentReader reader(out);
  CHECK(reader.meta().complete);
  CHECK(reader.meta().planned_runs == 6);
  CHECK(reader.run_indices().size() == 6);
  CHECK_THAT(reader.meta().config_text, Catch::Contains("FrozenLake-v1"));
  Result a = sh("analyze " + out + " --csv");
  REQUIRE(a.code == 0);
  CHECK(count_lines(a.out) == 1 + 2);
  CHECK_THAT(a.out, Catch::StartsWith("env,agent,"));
  // Existing output is never silently replaced.
  Result again = sh("run " + (d / "small.toml").string() + " --out " + out);
  CHECK(again.code != 0);
  CHECK_THAT(again.out, Catch::Contains("already exists"));
  fs::remove_all(d);
}

TEST_CASE("cli: --threads 1 and --threads 2 write identical results") {
  fs::path d = temp_dir("test_threads");
  std::ofstream(d / "small.toml") << kSmall;
  const std::string cfg = (d / "small.toml").string();
  REQUIRE(sh("run " + cfg + " -q --threads 1 log.steps=true --out " + (d / "1.h5").string()).code ==
          0);
  REQUIRE(sh("run " + cfg + " -q --threads 2 log.steps=true --out " + (d / "2.h5").string()).code ==
          0);
  rlsim_test::require_same_results((d / "2.h5").string(), (d / "1.h5").string());
  fs::remove_all(d);
}

TEST_CASE("cli: bad input gives one clear line and a non-zero exit") {
  fs::path d = temp_dir("test_bad");
  std::ofstream(d / "small.toml") << kSmall;
  const std::string cfg = (d / "small.toml").string();
  const std::string out = " --out " + (d / "x.h5").string();
  struct Case {
    std::string args, expect;
  };
  std::vector<Case> cases{
      {"run " + cfg + " env.id=FrozenLak-v1" + out,
       "unknown env id 'FrozenLak-v1'; did you mean: FrozenLake-v1"},
      {"run " + cfg + " agent[0].id=q-lerning" + out, "unknown agent id 'q-lerning'"},
      {"run " + cfg + " agent.alpah=0.1" + out, "did you mean 'alpha'"},
      {"run " + cfg + " agent[0].alpha=abc" + out, "must be a number"},
      {"run " + cfg + " agent[0].alpha=2.0" + out, "out of range"},
      {"run " + cfg + " --out /nonexistent_dir/x.h5", "/nonexistent_dir"},
      {"run " + (d / "missing.toml").string(), "cannot read config file"},
      {"run " + cfg + " --threads -1" + out, "--threads"},
      {"analyze " + (d / "small.toml").string(), "small.toml"},
      {"analyze " + (d / "nothing.h5").string(), "nothing.h5"},
      {"describe CartPol", "unknown id 'CartPol'"},
      {"list things", "envs or agents"},
      {"frobnicate", "unknown command 'frobnicate'"},
      {"env trace FrozenLake-v1 --state 0 --actions '1;7'",
       "--actions item 2 is 7, outside FrozenLake-v1's action space Discrete(4): give an "
       "integer from 0 to 3"},
      {"run --plugin " + cfg + out, "not a loadable shared library"},
  };
  for (const auto& c : cases) {
    Result r = sh(c.args);
    INFO("rlsim " << c.args << "\n" << r.out);
    CHECK(r.code != 0);
    CHECK_THAT(r.out, Catch::Contains(c.expect));
    CHECK_THAT(r.out, Catch::StartsWith("rlsim: error:"));
  }
  // A malformed config names the file and line.
  std::ofstream(d / "broken.toml") << "name = \"x\"\nepisodes = = 3\n";
  Result r = sh("run " + (d / "broken.toml").string() + out);
  CHECK(r.code != 0);
  CHECK_THAT(r.out, Catch::Contains("broken.toml:2:") && Catch::Contains("malformed TOML"));
  // Nothing half-written was left behind by the failures above.
  CHECK_FALSE(fs::exists(d / "x.h5"));
  fs::remove_all(d);
}

TEST_CASE("cli: a truncated run file is refused by analyze") {
  fs::path d = temp_dir("test_trunc");
  std::ofstream(d / "small.toml") << kSmall;
  const std::string out = (d / "a.h5").string();
  REQUIRE(sh("run " + (d / "small.toml").string() + " -q --out " + out).code == 0);
  const auto size = fs::file_size(out);
  fs::copy_file(out, d / "cut.h5");
  fs::resize_file(d / "cut.h5", size / 2);
  Result r = sh("analyze " + (d / "cut.h5").string());
  INFO(r.out);
  CHECK(r.code != 0);
  CHECK_THAT(r.out, Catch::StartsWith("rlsim: error:") && Catch::Contains("cut.h5"));
  fs::remove_all(d);
}

TEST_CASE("cli: env trace prints one CSV row per step from a set state") {
  // FrozenLake 4x4, not slippery: from state 14 (row 3, col 2) RIGHT reaches the goal 15.
  Result r = sh("env trace FrozenLake-v1 is_slippery=false --state 14 --actions '2'");
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(r.out == "step,obs_0,reward,terminated,truncated\n0,14,,,\n1,15,1,1,0\n");
  // Down from the start twice: 0 → 4 → 8, no reward.
  r = sh("env trace FrozenLake-v1 is_slippery=false --state 0 --actions '1;1'");
  REQUIRE(r.code == 0);
  CHECK(r.out == "step,obs_0,reward,terminated,truncated\n0,0,,,\n1,4,0,0,0\n2,8,0,0,0\n");
}

TEST_CASE("cli: list, describe and --help document the commands") {
  Result r = sh("list envs");
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("FrozenLake-v1") && Catch::Contains("CliffWalking-v1"));
  r = sh("list agents");
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("q-learning") && Catch::Contains("value-iteration"));
  r = sh("describe FrozenLake-v1");
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("Discrete(16)") && Catch::Contains("Discrete(4)") &&
                        Catch::Contains("max episode steps: 100") &&
                        Catch::Contains("is_slippery"));
  for (const char* cmd : {"run", "list", "describe", "analyze", "env"}) {
    r = sh(std::string(cmd) + " --help");
    INFO(cmd);
    CHECK(r.code == 0);
    CHECK_THAT(r.out, Catch::Contains("usage: rlsim"));
  }
  r = sh("run --dry-run seeds=2");
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("8 runs"));
}

TEST_CASE("cli: plugins are loaded, and wrong ones refused with a clear message") {
  fs::path d = temp_dir("test_plugin");
  const std::string chain = std::string(RLSIM_SOURCE_DIR) + "/examples/plugin_env/chain.toml";
  Result r = sh("run " + chain + " -q --plugin " + RLSIM_CHAIN_PLUGIN + " --out " +
                (d / "c.h5").string() + " episodes=3 seeds=2");
  INFO(r.out);
  CHECK(r.code == 0);
  r = sh("describe Chain-v0 --plugin " + std::string(RLSIM_CHAIN_PLUGIN));
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("Strens") && Catch::Contains("from plugin"));
  r = sh("list envs --plugin " + std::string(RLSIM_BAD_ABI_PLUGIN));
  CHECK(r.code != 0);
  CHECK_THAT(r.out, Catch::Contains("ABI version 999") && Catch::Contains("rebuild the plugin"));
  r = sh("list envs --plugin " + std::string(RLSIM_NOT_A_PLUGIN));
  CHECK(r.code != 0);
  CHECK_THAT(r.out, Catch::Contains("not an rlsim plugin"));
  fs::remove_all(d);
}

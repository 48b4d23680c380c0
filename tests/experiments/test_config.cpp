// Config parsing, overrides and grid expansion.
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "experiments/builtins.hpp"
#include "experiments/config.hpp"

using namespace rlsim;

namespace {
const char* kConfig = R"(
name = "t"
seed = 7
seeds = 3
episodes = 50

[log]
steps = true

[[env]]
id = "FrozenLake-v1"
is_slippery = false

[[agent]]
id = "q-learning"
alpha = [0.1, 0.5]
epsilon = 0.2

[[agent]]
id = "sarsa"
)";

Registry builtins() {
  Registry r;
  register_builtins(r);
  return r;
}
}  // namespace

TEST_CASE("config: the grid is envs x agents x parameter lists x seeds") {
  Registry r = builtins();
  ExperimentConfig c = parse_config(kConfig, "t.toml");
  CHECK(c.name == "t");
  CHECK(c.seed == 7);
  CHECK(c.seeds == std::vector<std::int64_t>{0, 1, 2});
  CHECK(c.log_steps);
  auto runs = expand_runs(c, r);
  REQUIRE(runs.size() == (2 + 1) * 3);
  CHECK(runs[0].agent_id == "q-learning");
  CHECK(std::get<double>(runs[0].agent_params.at("alpha")) == 0.1);
  CHECK(std::get<double>(runs[3].agent_params.at("alpha")) == 0.5);
  CHECK(runs[8].agent_id == "sarsa");
  CHECK(runs[8].seed_index == 2);
  for (std::size_t i = 0; i < runs.size(); ++i) CHECK(runs[i].run_index == std::int64_t(i));
}

TEST_CASE("config: overrides replace top-level, log and per-component keys") {
  Registry r = builtins();
  ExperimentConfig c =
      parse_config(kConfig, "t.toml",
                   {"episodes=5", "seeds=[4, 9]", "log.steps=false", "agent.epsilon=0.3",
                    "agent[1].alpha=0.9", "env.id=FrozenLake8x8-v1"});
  CHECK(c.budget.episodes == 5);
  CHECK(c.seeds == std::vector<std::int64_t>{4, 9});
  CHECK_FALSE(c.log_steps);
  CHECK(std::get<double>(c.agents[0].values.at("epsilon").scalar) == 0.3);
  CHECK(std::get<double>(c.agents[1].values.at("alpha").scalar) == 0.9);
  CHECK(c.envs[0].id == "FrozenLake8x8-v1");
  CHECK(expand_runs(c, r).size() == 3 * 2);
}

TEST_CASE("config: the resolved config round-trips through TOML") {
  ExperimentConfig c = parse_config(kConfig, "t.toml", {"agent[0].epsilon=0.25"});
  ExperimentConfig d = parse_config(config_to_toml(c), "again");
  CHECK(config_to_toml(d) == config_to_toml(c));
  CHECK(d.agents.size() == 2);
  CHECK(d.agents[0].values.at("alpha").is_list);
}

TEST_CASE("config: mistakes are clear errors naming the key") {
  Registry r = builtins();
  REQUIRE_THROWS_WITH(parse_config("name = \"x\"\nepisodes = [", "bad.toml"),
                      Catch::StartsWith("bad.toml:2:") && Catch::Contains("malformed TOML"));
  REQUIRE_THROWS_WITH(parse_config("episodez = 3\n", "c.toml"),
                      Catch::Contains("unknown config key 'episodez'"));
  REQUIRE_THROWS_WITH(parse_config("episodes = 3\n[[agent]]\nid=\"sarsa\"\n", "c.toml"),
                      Catch::Contains("no [[env]] entry"));
  REQUIRE_THROWS_WITH(parse_config("[[env]]\nid=\"Taxi-v4\"\n[[agent]]\nid=\"sarsa\"\n", "c.toml"),
                      Catch::Contains("no budget"));
  REQUIRE_THROWS_WITH(parse_config(kConfig, "t.toml", {"episodes"}),
                      Catch::Contains("not of the form key=value"));
  REQUIRE_THROWS_WITH(parse_config(kConfig, "t.toml", {"agent[5].alpha=1"}),
                      Catch::Contains("there are 2 agent entries"));
  REQUIRE_THROWS_WITH(parse_config(kConfig, "t.toml", {"episodes=-1"}),
                      Catch::Contains("must be >= 0"));
  REQUIRE_THROWS_WITH(load_config_file("/nonexistent/x.toml"),
                      Catch::Contains("cannot read config file '/nonexistent/x.toml'"));
  ExperimentConfig c = parse_config(kConfig, "t.toml", {"agent.alpah=0.1"});
  REQUIRE_THROWS_WITH(expand_runs(c, r), Catch::Contains("has no parameter 'alpah'") &&
                                             Catch::Contains("did you mean 'alpha'"));
  c = parse_config(kConfig, "t.toml", {"env.id=FrozenLake-v2"});
  REQUIRE_THROWS_WITH(expand_runs(c, r), Catch::Contains("unknown env id 'FrozenLake-v2'") &&
                                             Catch::Contains("FrozenLake-v1"));
  c = parse_config(kConfig, "t.toml", {"agent.epsilon=1.5"});
  REQUIRE_THROWS_WITH(expand_runs(c, r),
                      Catch::Contains("epsilon") && Catch::Contains("out of range"));
}

TEST_CASE("config: the compiled-in default experiment is the shipped file and expands") {
  Registry r = builtins();
  ExperimentConfig c = parse_config(default_config_text(), "<default>");
  auto runs = expand_runs(c, r);
  CHECK(runs.size() == c.envs.size() * c.agents.size() * c.seeds.size());
  CHECK(runs.size() >= 40);
}

TEST_CASE("config: a zip group advances its lists together, crossed with the other axes") {
  Registry r = builtins();
  const char* text = R"(
episodes = 5
seeds = [3, 8]
[[env]]
id = "FrozenLake-v1"
[[agent]]
id = "q-learning"
gamma = [0.9, 0.99]
[agent.zip]
alpha = [0.1, 0.5, 0.9]
epsilon = [0.3, 0.1, 0.01]
)";
  ExperimentConfig c = parse_config(text, "zip.toml");
  REQUIRE(c.agents[0].zips.size() == 1);
  auto runs = expand_runs(c, r);
  // 2 gamma values x 3 zipped (alpha, epsilon) points x 2 seeds, not 2 x 3 x 3 x 2.
  REQUIRE(runs.size() == 2 * 3 * 2);
  const double alphas[] = {0.1, 0.5, 0.9}, epsilons[] = {0.3, 0.1, 0.01};
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const std::size_t point = (i / 2) % 3;  // seeds vary fastest, then the zip, then gamma
    CHECK(std::get<double>(runs[i].agent_params.at("alpha")) == alphas[point]);
    CHECK(std::get<double>(runs[i].agent_params.at("epsilon")) == epsilons[point]);
    CHECK(std::get<double>(runs[i].agent_params.at("gamma")) == (i < 6 ? 0.9 : 0.99));
    CHECK(runs[i].seed_index == (i % 2 == 0 ? 3 : 8));
  }
  // Written back (as stored in the run file) it expands to the same runs.
  ExperimentConfig d = parse_config(config_to_toml(c), "again");
  CHECK(config_to_toml(d) == config_to_toml(c));
  CHECK(expand_runs(d, r).size() == runs.size());
}

TEST_CASE("config: several zip groups on env and agent multiply with each other") {
  Registry r = builtins();
  const char* text = R"(
episodes = 5
[[env]]
id = "FrozenLake-v1"
[[env.zip]]
is_slippery = [true, false]
max_episode_steps = [50, 100]
[[agent]]
id = "q-learning"
[[agent.zip]]
alpha = [0.1, 0.5]
[[agent.zip]]
epsilon = [0.3, 0.1, 0.05]
gamma = [0.9, 0.95, 0.99]
)";
  ExperimentConfig c = parse_config(text, "zip2.toml");
  REQUIRE(c.envs[0].zips.size() == 1);
  REQUIRE(c.agents[0].zips.size() == 2);
  auto runs = expand_runs(c, r);
  REQUIRE(runs.size() == 2 * 2 * 3);
  for (const auto& run : runs) {
    const bool slippery = std::get<bool>(run.env_params.at("is_slippery"));
    CHECK(std::get<std::int64_t>(run.env_params.at("max_episode_steps")) == (slippery ? 50 : 100));
    const double eps = std::get<double>(run.agent_params.at("epsilon"));
    const double gamma = std::get<double>(run.agent_params.at("gamma"));
    CHECK(gamma == (eps == 0.3 ? 0.9 : eps == 0.1 ? 0.95 : 0.99));
  }
  CHECK(expand_runs(parse_config(config_to_toml(c), "again"), r).size() == runs.size());
}

TEST_CASE("config: zip mistakes are clear errors") {
  Registry r = builtins();
  const std::string head =
      "episodes = 5\n[[env]]\nid = \"FrozenLake-v1\"\n[[agent]]\nid = "
      "\"q-learning\"\n";
  REQUIRE_THROWS_WITH(
      parse_config(head + "[agent.zip]\nalpha = [0.1, 0.5]\nepsilon = [0.1, 0.2, 0.3]\n", "z"),
      Catch::Contains("must have one length") && Catch::Contains("'alpha' has 2 values") &&
          Catch::Contains("'epsilon' has 3"));
  REQUIRE_THROWS_WITH(parse_config(head + "[agent.zip]\nalpha = 0.1\n", "z"),
                      Catch::Contains("zip.alpha is a single value"));
  ExperimentConfig c = parse_config(head + "[agent.zip]\nalhpa = [0.1]\nepsilon = [0.2]\n", "z");
  REQUIRE_THROWS_WITH(expand_runs(c, r), Catch::Contains("names unknown parameter 'alhpa'") &&
                                             Catch::Contains("alpha"));
  c = parse_config(head + "alpha = 0.3\n[agent.zip]\nalpha = [0.1]\n", "z");
  REQUIRE_THROWS_WITH(expand_runs(c, r), Catch::Contains("also set outside the group"));
  c = parse_config(head + "[[agent.zip]]\nalpha = [0.1]\n[[agent.zip]]\nalpha = [0.2]\n", "z");
  REQUIRE_THROWS_WITH(expand_runs(c, r), Catch::Contains("zip group 1 lists too"));
}

TEST_CASE("config: budgets in steps, episodes or pulls; seeds as a count or a list") {
  const std::string tail = "[[env]]\nid = \"FrozenLake-v1\"\n[[agent]]\nid = \"sarsa\"\n";
  ExperimentConfig c = parse_config("pulls = 1000\nseeds = 4\n" + tail, "p");
  CHECK(c.budget.steps == 1000);
  CHECK(c.budget.episodes == 0);
  CHECK(c.seeds == std::vector<std::int64_t>{0, 1, 2, 3});
  c = parse_config("episodes = 7\nseeds = [5, 2]\n" + tail, "e", {"pulls=30"});
  CHECK(c.budget.episodes == 7);
  CHECK(c.budget.steps == 30);
  CHECK(c.seeds == std::vector<std::int64_t>{5, 2});
  REQUIRE_THROWS_WITH(parse_config("pulls = 10\nsteps = 10\n" + tail, "b"),
                      Catch::Contains("both 'steps' and 'pulls'"));
  REQUIRE_THROWS_WITH(parse_config("seeds = [1, 1]\nsteps = 10\n" + tail, "s"),
                      Catch::Contains("twice"));
}

TEST_CASE(
    "config: log.steps_every, steps_runs and steps_compression reach the runs, or are "
    "refused naming the key") {
  Registry r = builtins();
  ExperimentConfig c = parse_config(
      kConfig, "t.toml",
      {"log.steps_every=4", "log.steps_runs=[7, 2]", "log.steps_compression=\"none\""});
  auto runs = expand_runs(c, r);
  REQUIRE(runs.size() == 9);
  for (const RunSpec& s : runs) {
    CHECK(s.log_steps == (s.run_index == 2 || s.run_index == 7));
    CHECK(s.steps_every == 4);
    CHECK(s.steps_compression == 0);
  }
  c = parse_config(kConfig, "t.toml", {"log.steps_compression_level=6"});
  CHECK(expand_runs(c, r)[0].steps_compression == 6);
  CHECK(expand_runs(parse_config(kConfig, "t.toml"), r)[0].steps_compression == 1);
  // The resolved config keeps them.
  c = parse_config(kConfig, "t.toml", {"log.steps_every=4", "log.steps_runs=[7, 2]"});
  CHECK(config_to_toml(parse_config(config_to_toml(c), "again")) == config_to_toml(c));

  REQUIRE_THROWS_WITH(parse_config(kConfig, "t.toml", {"log.steps_every=0"}),
                      Catch::Contains("'log.steps_every' = 0 must be >= 1"));
  REQUIRE_THROWS_WITH(parse_config(kConfig, "t.toml", {"log.steps_runs=[1, 1]"}),
                      Catch::Contains("lists run 1 twice"));
  REQUIRE_THROWS_WITH(parse_config(kConfig, "t.toml", {"log.steps_runs=[]"}),
                      Catch::Contains("'log.steps_runs' is an empty list"));
  REQUIRE_THROWS_WITH(parse_config(kConfig, "t.toml", {"log.steps_runs=[-1]"}),
                      Catch::Contains("run indices (integers >= 0)"));
  REQUIRE_THROWS_WITH(expand_runs(parse_config(kConfig, "t.toml", {"log.steps_runs=[9]"}), r),
                      Catch::Contains("lists run 9 but the grid has 9 runs (indices 0 to 8)"));
  REQUIRE_THROWS_WITH(parse_config(kConfig, "t.toml", {"log.steps_compression=\"lzf\""}),
                      Catch::Contains("LZF is h5py's own filter"));
  REQUIRE_THROWS_WITH(parse_config(kConfig, "t.toml", {"log.steps_compression=\"zstd\""}),
                      Catch::Contains("must be \"none\" or \"gzip\""));
  REQUIRE_THROWS_WITH(parse_config(kConfig, "t.toml", {"log.steps_compression_level=10"}),
                      Catch::Contains("deflate level from 1 (fastest) to 9"));
  REQUIRE_THROWS_WITH(parse_config(kConfig, "t.toml", {"log.steps=false", "log.steps_every=3"}),
                      Catch::Contains("log.steps_every is set but log.steps is false"));
}

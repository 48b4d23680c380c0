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

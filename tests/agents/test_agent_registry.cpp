// The agents' registration (each agents/ file registers itself): the built-in ids, schemas
// read from the config structs (defaults, integer lists, the parameters PPO and A2C share),
// cross-parameter checks, and has_state() agreeing with save() for every registered agent.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "agents/deep/a2c.hpp"
#include "agents/deep/dqn.hpp"
#include "agents/deep/ppo.hpp"
#include "agents/register.hpp"
#include "core/registry.hpp"
#include "envs/register.hpp"

using namespace rlsim;

namespace {

Registry full_registry() {
  Registry r;
  register_envs(r);
  register_agents(r);
  return r;
}

const ParamSpec& spec_of(const Registry& r, const std::string& agent, const std::string& name) {
  const ParamSpec* s = r.agent(agent).schema.find(name);
  INFO(agent << "." << name);
  REQUIRE(s != nullptr);
  return *s;
}

}  // namespace

TEST_CASE("every built-in agent of agents/ is registered by its own file", "[agents][registry]") {
  const Registry r = full_registry();
  for (const char* id :
       {"random", "q-learning", "sarsa", "expected-sarsa", "double-q-learning", "value-iteration",
        "policy-iteration", "heuristic-lander", "dqn", "reinforce", "ppo", "a2c"}) {
    INFO(id);
    CHECK(r.has_agent(id));
  }
  CHECK(r.agent("random").schema.specs().empty());
  CHECK(r.agent("heuristic-lander").schema.specs().empty());
  // The four TD ids share one schema.
  CHECK(r.agent("sarsa").schema.specs().size() == r.agent("q-learning").schema.specs().size());
}

TEST_CASE("schema defaults are the config structs' member values", "[agents][registry]") {
  const Registry r = full_registry();
  for (const char* id : {"dqn", "reinforce", "ppo", "a2c"}) {
    INFO(id);
    const ParamSpec& arch = spec_of(r, id, "net_arch");
    CHECK(arch.type == ParamType::IntList);
    CHECK(format_param(arch.default_value) == "[64, 64]");
    CHECK(arch.min == 1.0);
    CHECK(spec_of(r, id, "activation").choices.size() == nn::activation_names().size());
  }
  // total_timesteps = 0 is the run's step budget, in the structs as in the schemas.
  CHECK(DqnConfig{}.total_timesteps == 0);
  CHECK(PpoConfig{}.total_timesteps == 0);
  CHECK(A2cConfig{}.total_timesteps == 0);
  for (const char* id : {"dqn", "ppo", "a2c"})
    CHECK(std::get<std::int64_t>(spec_of(r, id, "total_timesteps").default_value) == 0);
  // A2C's defaults where SB3's A2C differs from PPO; the shared parameters are the same.
  CHECK(std::get<std::int64_t>(spec_of(r, "a2c", "n_steps").default_value) == 5);
  CHECK(std::get<std::int64_t>(spec_of(r, "ppo", "n_steps").default_value) == 2048);
  CHECK(std::get<double>(spec_of(r, "a2c", "gae_lambda").default_value) == 1.0);
  CHECK(std::get<double>(spec_of(r, "a2c", "learning_rate").default_value) == 7e-4);
  CHECK(std::get<double>(spec_of(r, "ppo", "learning_rate").default_value) == 3e-4);
  CHECK(std::get<bool>(spec_of(r, "a2c", "normalize_advantage").default_value) == false);
  CHECK(std::get<bool>(spec_of(r, "a2c", "use_rms_prop").default_value) == true);
  CHECK(spec_of(r, "a2c", "gamma").source == "SB3 2.x A2C");
  CHECK(spec_of(r, "ppo", "gamma").source == "SB3 2.x PPO");
  CHECK(r.agent("ppo").schema.find("use_rms_prop") == nullptr);
  CHECK(r.agent("a2c").schema.find("batch_size") == nullptr);
  std::vector<std::string> shared, ppo_names;
  for (const ParamSpec& s : r.agent("a2c").schema.specs()) shared.push_back(s.name);
  for (const ParamSpec& s : r.agent("ppo").schema.specs()) ppo_names.push_back(s.name);
  shared.resize(20);  // the shared fields come first, in the same order
  ppo_names.resize(20);
  CHECK(shared == ppo_names);
}

TEST_CASE("integer lists and cross-parameter checks", "[agents][registry]") {
  const Registry r = full_registry();
  auto cartpole = r.make_env("CartPole-v1", {});
  // net_arch takes integers; a fractional width is refused naming the parameter.
  CHECK_NOTHROW(r.make_agent("ppo", {{"net_arch", std::vector<std::int64_t>{8, 8}}}, *cartpole, 1));
  CHECK_NOTHROW(r.make_agent("ppo", {{"net_arch", std::vector<double>{8, 8}}}, *cartpole, 1));
  CHECK_THROWS_WITH(
      r.make_agent("reinforce", {{"net_arch", std::vector<double>{8.5}}}, *cartpole, 1),
      Catch::Contains("net_arch"));
  // PPO's validate(): a single-row minibatch cannot be normalised.
  CHECK_THROWS_WITH(
      r.make_agent("ppo", {{"batch_size", std::int64_t{1}}}, *cartpole, 1),
      Catch::Contains("agent 'ppo': batch_size = 1") && Catch::Contains("normalize_advantage"));
  CHECK_NOTHROW(r.make_agent(
      "ppo", {{"batch_size", std::int64_t{1}}, {"normalize_advantage", false}}, *cartpole, 1));
  // DQN's validate().
  CHECK_THROWS_WITH(r.make_agent("dqn", {{"gradient_steps", std::int64_t{0}}}, *cartpole, 1),
                    Catch::Contains("agent 'dqn': gradient_steps = 0"));
  // The planners' validate().
  auto lake = r.make_env("FrozenLake-v1", {});
  CHECK_THROWS_WITH(r.make_agent("value-iteration", {{"tolerance", 0.0}}, *lake, 1),
                    Catch::Contains("agent 'value-iteration': tolerance"));
}

// has_state() is what the runner asks before saving (run/runner.cpp): it must be true exactly
// for the agents whose save() works.
TEST_CASE("has_state() is true exactly when save() works, for every registered agent",
          "[agents][registry]") {
  const Registry r = full_registry();
  const std::map<std::string, RawParams> params{{"dqn", {{"buffer_size", std::int64_t{100}}}}};
  int with_state = 0, without = 0;
  for (const std::string& id : r.agent_ids()) {
    INFO(id);
    const AgentEntry& entry = r.agent(id);
    std::unique_ptr<Env> env;
    for (const std::string& candidate : r.env_ids()) {
      auto e = r.make_env(candidate, {});
      if (entry.check && entry.check(e->spec(), *e)) continue;
      if (e->model() && e->model()->num_states > 1000) continue;
      env = std::move(e);
      break;
    }
    REQUIRE(env != nullptr);
    const auto given = params.find(id);
    auto agent = r.make_agent(id, given == params.end() ? RawParams{} : given->second, *env, 3);
    StateDict state;
    if (agent->has_state()) {
      CHECK_NOTHROW(agent->save(state));
      ++with_state;
    } else {
      CHECK_THROWS_AS(agent->save(state), Error);
      ++without;
    }
  }
  CHECK(without >= 2);  // random, heuristic-lander
  CHECK(with_state >= 10);
}

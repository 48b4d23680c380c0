// Unit tests of the planning agents, the random agent and the tabular registrations
// (agents/tabular/), on small made-up environments defined here.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <optional>

#include "agents/register.hpp"
#include "agents/tabular/planning.hpp"
#include "agents/tabular/random_agent.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"

using namespace rlsim;

namespace {

// A two-state MDP whose optimum is easy by hand (γ = 0.9):
//   state 0: action 0 -> reward 1, stay in 0;  action 1 -> reward 0, go to state 1
//   state 1: action 0 -> reward 2, stay in 1;  action 1 -> reward 0, terminate (state 2)
//   state 2: terminal.
// V*(1) = 2 / (1 - 0.9) = 20; V*(0) = max(1 / 0.1, 0.9 * 20) = 18; π* = [1, 0].
TabularModel two_state_model() {
  TabularModel m;
  m.num_states = 3;
  m.num_actions = 2;
  m.outcomes = {
      {{1.0, 0, 1.0, false}}, {{1.0, 1, 0.0, false}},  // state 0
      {{1.0, 1, 2.0, false}}, {{1.0, 2, 0.0, true}},   // state 1
      {{1.0, 2, 0.0, true}},  {{1.0, 2, 0.0, true}},   // state 2 (terminal)
  };
  m.initial_distribution = {1.0, 0.0, 0.0};
  m.terminal = {false, false, true};
  return m;
}

// An env with given spaces and, optionally, a model. It is never stepped here.
class TinyEnv : public Env {
 public:
  TinyEnv(Space obs, Space act, std::optional<TabularModel> model = std::nullopt)
      : Env(EnvSpec{"Tiny-v0", std::move(obs), std::move(act), 0, std::nullopt}),
        model_(std::move(model)) {}
  const TabularModel* model() const override { return model_ ? &*model_ : nullptr; }

 protected:
  void do_reset(Value& obs) override { obs.index = 0; }
  StepResult do_step(const Value&, Value& obs) override {
    obs.index = 0;
    return {};
  }

 private:
  std::optional<TabularModel> model_;
};

Value idx(std::int64_t i) {
  Value v;
  v.index = i;
  return v;
}

}  // namespace

TEST_CASE("value iteration and policy iteration solve a hand-computed MDP", "[tabular][planning]") {
  const TabularModel m = two_state_model();
  for (auto planner : {&value_iteration, &policy_iteration}) {
    const PlanningResult r = planner(m, 0.9, 1e-12, 100000);
    CHECK(r.value[0] == Approx(18.0).epsilon(1e-9));
    CHECK(r.value[1] == Approx(20.0).epsilon(1e-9));
    CHECK(r.value[2] == 0.0);
    CHECK(r.policy == std::vector<std::int64_t>{1, 0, 0});
  }
  // γ = 0.5: V(1) = 4, V(0) = max(2, 0.5 * 4) = 2 — a tie, broken to the lowest index.
  for (auto planner : {&value_iteration, &policy_iteration}) {
    const PlanningResult r = planner(m, 0.5, 1e-13, 100000);
    CHECK(r.value[0] == Approx(2.0).epsilon(1e-10));
    CHECK(r.policy[0] == 0);
  }
  CHECK(action_value(m, {18.0, 20.0, 0.0}, 0.9, 0, 1) == Approx(18.0));
}

TEST_CASE("planners report non-convergence and malformed models", "[tabular][planning]") {
  // γ = 1: staying in state 1 forever earns unbounded reward.
  CHECK_THROWS_WITH(value_iteration(two_state_model(), 1.0, 1e-9, 1000),
                    Catch::Contains("did not converge") && Catch::Contains("gamma < 1"));
  TabularModel bad = two_state_model();
  bad.outcomes[0][0].probability = 0.5;
  CHECK_THROWS_WITH(value_iteration(bad, 0.9, 1e-9, 1000), Catch::Contains("sum to"));
  bad = two_state_model();
  bad.outcomes[1][0].next_state = 7;
  CHECK_THROWS_WITH(policy_iteration(bad, 0.9, 1e-9, 1000), Catch::Contains("state 0"));
}

TEST_CASE("planning agents read the model, act greedily and save their values",
          "[tabular][planning]") {
  Registry registry;
  register_agents(registry);
  TinyEnv env(Space::discrete(3), Space::discrete(2), two_state_model());
  for (const std::string id : {"value-iteration", "policy-iteration"}) {
    auto agent = registry.make_agent(id, {{"gamma", 0.9}}, env, 1);
    Value action;
    Decision d;
    agent->act(idx(0), action, d);
    CHECK(action.index == 1);
    CHECK(d.probability == 1.0);
    CHECK(d.log_prob == 0.0);
    agent->act(idx(1), action, d);
    CHECK(action.index == 0);
    StateDict saved;
    agent->save(saved);
    CHECK(saved.at("value").shape == std::vector<std::int64_t>{3});
    CHECK(saved.at("value").data[0] == Approx(18.0));
    CHECK(saved.at("policy").data == std::vector<double>{1, 0, 0});
    CHECK(saved.at("q").shape == std::vector<std::int64_t>{3, 2});
    CHECK(saved.at("q").data[0] == Approx(1.0 + 0.9 * 18.0));

    // Load a different policy, then the agent follows it.
    saved["policy"].data = {0, 1, 0};
    agent->load(saved);
    agent->act(idx(0), action, d);
    CHECK(action.index == 0);
    saved["policy"].data = {0, 2, 0};
    CHECK_THROWS_WITH(agent->load(saved), Catch::Contains("'policy' holds 2"));
    saved["value"] = ArrayRecord{{4}, {0, 0, 0, 0}};
    CHECK_THROWS_WITH(agent->load(saved), Catch::Contains("of shape 4 into shape 3"));
  }
}

TEST_CASE("registry checks refuse incompatible envs with the reason", "[tabular][registry]") {
  Registry registry;
  register_agents(registry);
  TinyEnv no_model(Space::discrete(3), Space::discrete(2));
  for (const std::string id : {"value-iteration", "policy-iteration"}) {
    CHECK_THROWS_WITH(registry.check_compatible(id, no_model),
                      Catch::Contains("provides no model"));
    CHECK_THROWS_WITH(registry.make_agent(id, {}, no_model, 1),
                      Catch::Contains("provides no model"));
  }
  TinyEnv box_obs(Space::box(-1.f, 1.f, {4}), Space::discrete(2));
  for (const std::string id : {"q-learning", "sarsa", "expected-sarsa", "double-q-learning",
                               "value-iteration", "policy-iteration"}) {
    CHECK_THROWS_WITH(registry.check_compatible(id, box_obs), Catch::Contains("Discrete"));
    CHECK_NOTHROW(registry.check_compatible("random", box_obs));
  }
  TinyEnv tabular(Space::discrete(3), Space::discrete(2));
  CHECK_NOTHROW(registry.make_agent("q-learning", {{"alpha", 0.5}}, tabular, 1));
  CHECK_THROWS_WITH(registry.make_agent("q-learning", {{"alpha", 1.5}}, tabular, 1),
                    Catch::Contains("alpha"));
  CHECK_THROWS_WITH(registry.make_agent("sarsa", {{"exploration", std::string("ucb")}}, tabular, 1),
                    Catch::Contains("exploration"));
  CHECK_THROWS_WITH(
      registry.make_agent(
          "sarsa", {{"epsilon_schedule", std::string("exponential")}, {"epsilon_final", 0.0}},
          tabular, 1),
      Catch::Contains("exponential"));
  TinyEnv unbounded(Space::discrete(3),
                    Space::box(-1.f, std::numeric_limits<float>::infinity(), {2}));
  CHECK_THROWS_WITH(registry.check_compatible("random", unbounded),
                    Catch::Contains("finite bounds"));
}

TEST_CASE("every tabular agent has a documented schema citing Sutton & Barto",
          "[tabular][registry]") {
  Registry registry;
  register_agents(registry);
  for (const std::string id : {"random", "q-learning", "sarsa", "expected-sarsa",
                               "double-q-learning", "value-iteration", "policy-iteration"}) {
    REQUIRE(registry.has_agent(id));
    const AgentEntry& entry = registry.agent(id);
    CHECK(entry.check);
    CHECK_FALSE(entry.doc.empty());
    for (const ParamSpec& spec : entry.schema.specs()) {
      CAPTURE(id, spec.name);
      CHECK(spec.doc.find("S&B 2nd ed.") != std::string::npos);
    }
  }
  const ParamSchema& td = registry.agent("q-learning").schema;
  for (const char* name :
       {"alpha", "gamma", "q_init", "exploration", "epsilon", "epsilon_schedule", "epsilon_final",
        "epsilon_decay", "epsilon_decay_unit", "temperature", "temperature_schedule",
        "temperature_final", "temperature_decay", "temperature_decay_unit"}) {
    CHECK(td.find(name) != nullptr);
  }
}

TEST_CASE("the random agent is uniform with the exact probability", "[tabular][random]") {
  Registry registry;
  register_agents(registry);
  SECTION("Discrete") {
    TinyEnv env(Space::discrete(3), Space::discrete(4, 2));
    auto agent = registry.make_agent("random", {}, env, 17);
    std::array<int, 4> counts{};
    Value action;
    Decision d;
    for (int i = 0; i < 40000; ++i) {
      agent->act(idx(0), action, d);
      REQUIRE(action.index >= 2);
      REQUIRE(action.index <= 5);
      REQUIRE(d.probability == 0.25);
      REQUIRE(d.log_prob == Approx(std::log(0.25)));
      ++counts[static_cast<std::size_t>(action.index - 2)];
    }
    for (int c : counts) CHECK(std::abs(c - 10000) < 350);  // sd ≈ 87
  }
  SECTION("bounded Box") {
    const std::vector<float> low{-1.f, 0.f, 2.f}, high{1.f, 0.5f, 6.f};
    TinyEnv env(Space::discrete(3), Space::box(low, high, {3}));
    auto agent = registry.make_agent("random", {}, env, 17);
    Value action;
    Decision d;
    std::vector<double> sums(3, 0.0);
    const int draws = 20000;
    for (int i = 0; i < draws; ++i) {
      agent->act(idx(0), action, d);
      REQUIRE(action.vec.size() == 3);
      REQUIRE(env.spec().action_space.contains(action));
      REQUIRE(std::isnan(d.probability));
      REQUIRE(d.log_prob == Approx(-std::log(2.0 * 0.5 * 4.0)));  // volume 4
      for (std::size_t k = 0; k < 3; ++k) sums[k] += action.vec[k];
    }
    // Means of U(low, high): 0, 0.25, 4; sd of the mean < 1.2/sqrt(20000) ≈ 0.008.
    CHECK(sums[0] / draws == Approx(0.0).margin(0.03));
    CHECK(sums[1] / draws == Approx(0.25).margin(0.01));
    CHECK(sums[2] / draws == Approx(4.0).margin(0.04));
  }
  SECTION("unbounded Box is refused by the agent itself too") {
    EnvSpec spec{"Tiny-v0", Space::discrete(1), Space::box(-1.f, 1.f, {1}), 0, std::nullopt};
    spec.action_space = Space::box(0.f, std::numeric_limits<float>::infinity(), {1});
    CHECK_THROWS_WITH(RandomAgent(spec, 1), Catch::Contains("finite bounds"));
  }
}

// Planning at γ = 1 returns a proper optimal policy (issue 17, item 15): on every gridworld
// with a known model, the policy value iteration and policy iteration extract reaches the end
// of the episode with probability 1 from the start and earns V*(start) there, checked by an
// independent evaluation of the policy on the model. Before, ties among value-maximising
// actions went to the lowest index, which on FrozenLake8x8-v1 included actions that never
// make progress (into a wall, reward 0): V*(start) = 1 but the policy never reached the goal.
#include <catch2/catch.hpp>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "agents/register.hpp"
#include "agents/tabular/planning.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"
#include "envs/register.hpp"
#include "tests/test_util.hpp"

using namespace rlsim;
using rlsim::test::registry;

namespace {

bool ends(const TabularModel& m, const ModelOutcome& o) {
  return o.terminated || m.terminal[static_cast<std::size_t>(o.next_state)];
}

struct PolicyCheck {
  double end_probability = 0.0;  // P(the episode ends) from the start distribution
  double value = 0.0;            // expected undiscounted return from it (proper policies)
};

// Evaluates a deterministic policy on the model at γ = 1, independently of the planners:
// the probability of ending from each state (the least fixed point of
// P(s) = Σ p [end ? 1 : P(s')], by iteration from 0), then, on the states the policy reaches
// from the start, the return by an exact linear solve (I − P_π) v = r_π, which is regular
// when every reached state ends with probability 1.
PolicyCheck check_policy(const TabularModel& m, const std::vector<double>& policy) {
  const auto S = static_cast<std::size_t>(m.num_states);
  auto action = [&](std::size_t s) { return static_cast<std::int64_t>(policy[s]); };
  std::vector<double> p_end(S, 0.0);
  for (int sweep = 0; sweep < 1000000; ++sweep) {
    double delta = 0.0;
    for (std::size_t s = 0; s < S; ++s) {
      if (m.terminal[s]) continue;
      double p = 0.0;
      for (const ModelOutcome& o : m.at(static_cast<std::int64_t>(s), action(s)))
        p += o.probability * (ends(m, o) ? 1.0 : p_end[static_cast<std::size_t>(o.next_state)]);
      delta = std::max(delta, std::abs(p - p_end[s]));
      p_end[s] = p;
    }
    if (delta < 1e-15) break;
  }
  // The states reached from the start under the policy.
  std::vector<char> reached(S, 0);
  std::vector<std::size_t> stack;
  for (std::size_t s = 0; s < S; ++s)
    if (m.initial_distribution[s] > 0) reached[s] = 1, stack.push_back(s);
  while (!stack.empty()) {
    const std::size_t s = stack.back();
    stack.pop_back();
    if (m.terminal[s]) continue;
    for (const ModelOutcome& o : m.at(static_cast<std::int64_t>(s), action(s))) {
      const auto n = static_cast<std::size_t>(o.next_state);
      if (!ends(m, o) && !reached[n]) reached[n] = 1, stack.push_back(n);
    }
  }
  PolicyCheck out;
  for (std::size_t s = 0; s < S; ++s) out.end_probability += m.initial_distribution[s] * p_end[s];
  if (out.end_probability < 1.0 - 1e-9) return out;
  std::vector<std::size_t> index(S, S), states;
  for (std::size_t s = 0; s < S; ++s)
    if (reached[s] && !m.terminal[s]) index[s] = states.size(), states.push_back(s);
  const auto n = static_cast<Eigen::Index>(states.size());
  Eigen::MatrixXd A = Eigen::MatrixXd::Identity(n, n);
  Eigen::VectorXd r = Eigen::VectorXd::Zero(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const std::size_t s = states[static_cast<std::size_t>(i)];
    for (const ModelOutcome& o : m.at(static_cast<std::int64_t>(s), action(s))) {
      r(i) += o.probability * o.reward;
      if (!ends(m, o))
        A(i, static_cast<Eigen::Index>(index[static_cast<std::size_t>(o.next_state)])) -=
            o.probability;
    }
  }
  const Eigen::VectorXd v = A.fullPivLu().solve(r);
  for (std::size_t s = 0; s < S; ++s)
    if (reached[s] && !m.terminal[s])
      out.value += m.initial_distribution[s] * v(static_cast<Eigen::Index>(index[s]));
  return out;
}

double start_value(const TabularModel& m, const std::vector<double>& value) {
  double v = 0.0;
  for (std::size_t s = 0; s < value.size(); ++s) v += m.initial_distribution[s] * value[s];
  return v;
}

struct Case {
  std::string id;
  RawParams params;
};

// Every registered env with a tabular model at its defaults, and variants with many ties:
// deterministic lakes, a slippery gridworld, stochastic wind.
std::vector<Case> gridworlds() {
  std::vector<Case> cases;
  for (const std::string& id : registry().env_ids())
    if (registry().make_env(id, {})->model()) cases.push_back({id, {}});
  cases.push_back({"FrozenLake-v1", {{"is_slippery", false}}});
  cases.push_back({"FrozenLake8x8-v1", {{"is_slippery", false}}});
  cases.push_back({"Gridworld-v0", {{"slip", 0.2}}});
  cases.push_back({"Gridworld-v0", {{"map", std::string("S..#..../.#...#H./...#..#G")}}});
  cases.push_back({"WindyGridworld-v0", {{"stochastic_wind", true}}});
  return cases;
}

}  // namespace

TEST_CASE("planning at gamma = 1 returns a proper optimal policy on every gridworld",
          "[tabular][planning][proper]") {
  const std::vector<Case> cases = gridworlds();
  REQUIRE(cases.size() >= 10);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    auto env = registry().make_env(c.id, c.params);
    const TabularModel& m = *env->model();
    for (const char* planner : {"value-iteration", "policy-iteration"}) {
      INFO("case " << i << ": " << c.id << ", " << planner);
      std::unique_ptr<Agent> agent;
      try {
        agent = registry().make_agent(planner, {{"gamma", 1.0}}, *env, 1);
      } catch (const Error& e) {
        // Policy iteration starts from action 0 everywhere, which at γ = 1 can be a policy
        // of endless -1 steps whose evaluation diverges (documented: it says so).
        REQUIRE(std::string(planner) == "policy-iteration");
        CHECK_THAT(e.what(), Catch::Contains("did not converge") && Catch::Contains("gamma < 1"));
        continue;
      }
      StateDict saved;
      agent->save(saved);
      const std::vector<double>& policy = saved.at("policy").data;
      const double v_star = start_value(m, saved.at("value").data);
      const PolicyCheck pc = check_policy(m, policy);
      // It ends the episode with probability 1 (every one of these problems has an optimal
      // policy that does), and earns V*(start).
      CHECK(pc.end_probability == Approx(1.0).margin(1e-9));
      CHECK(pc.value == Approx(v_star).margin(1e-6));
    }
  }
}

TEST_CASE("value iteration at gamma = 1 on FrozenLake8x8-v1 reaches the goal",
          "[tabular][planning][proper]") {
  // The case of the issue: V*(start) = 1 (the goal can be reached with probability 1 on the
  // slippery 8x8 lake) but the old policy's success rate was 0.
  auto env = registry().make_env("FrozenLake8x8-v1", {{"max_episode_steps", std::int64_t{0}}});
  auto agent = registry().make_agent("value-iteration", {{"gamma", 1.0}}, *env, 1);
  StateDict saved;
  agent->save(saved);
  const TabularModel& m = *env->model();
  CHECK(start_value(m, saved.at("value").data) == Approx(1.0).margin(1e-6));
  const PolicyCheck pc = check_policy(m, saved.at("policy").data);
  CHECK(pc.end_probability == Approx(1.0).margin(1e-9));
  CHECK(pc.value == Approx(1.0).margin(1e-6));  // every episode ends at the goal
  // Played on the env (no time limit): every episode reaches the goal.
  Value obs, action;
  env->spec().action_space.prepare(action);
  int wins = 0;
  for (int e = 0; e < 200; ++e) {
    env->reset(obs, e == 0 ? std::optional<std::uint64_t>(5) : std::nullopt);
    for (int t = 0; t < 100000; ++t) {
      Decision d;
      agent->act(obs, action, d);
      const StepResult r = env->step(action, obs);
      if (r.terminated) {
        wins += r.success;
        break;
      }
    }
  }
  CHECK(wins == 200);
}

TEST_CASE("at gamma = 1 ties go to the action that ends the episode soonest",
          "[tabular][planning][proper]") {
  // State 0: action 0 stays (reward 0), action 1 goes to state 1, action 2 ends (reward 1);
  // state 1: either action ends with reward 1. At γ = 1 every action of state 0 is worth 1:
  // action 0 never ends, action 1 ends in 2 steps, action 2 in 1.
  TabularModel m;
  m.num_states = 3;
  m.num_actions = 3;
  m.outcomes = {
      {{1.0, 0, 0.0, false}}, {{1.0, 1, 0.0, false}}, {{1.0, 2, 1.0, true}},  // state 0
      {{1.0, 2, 1.0, true}},  {{1.0, 2, 1.0, true}},  {{1.0, 2, 1.0, true}},  // state 1
      {{1.0, 2, 0.0, true}},  {{1.0, 2, 0.0, true}},  {{1.0, 2, 0.0, true}},  // state 2
  };
  m.initial_distribution = {1.0, 0.0, 0.0};
  m.terminal = {false, false, true};
  const PlanningResult vi = value_iteration(m, 1.0, 1e-12, 1000);
  CHECK(vi.value[0] == Approx(1.0));
  CHECK(vi.policy[0] == 2);
  CHECK(vi.policy[1] == 0);  // equally fast: the lowest index
  CHECK(policy_iteration(m, 1.0, 1e-12, 1000).policy == vi.policy);
  // Below γ = 1 the discount itself prefers the sooner reward; the rule is unchanged there.
  CHECK(value_iteration(m, 0.9, 1e-12, 1000).policy[0] == 2);
}

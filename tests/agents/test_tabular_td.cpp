// Unit tests of the tabular TD learners, exploration distributions and decay schedules
// (agents/tabular/). Every expected number is computed by hand in the comments.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <map>
#include <vector>

#include "agents/tabular/exploration.hpp"
#include "agents/tabular/schedule.hpp"
#include "agents/tabular/td_agent.hpp"
#include "core/error.hpp"

using namespace rlsim;

namespace {

// 3 states x 3 actions. Row s1 has a tie between actions 1 and 2.
//   s0: [1, 2, 0]   s1: [3, 5, 5]   s2: [0, 0, 0]
const std::vector<double> kTable{1, 2, 0, 3, 5, 5, 0, 0, 0};

TdConfig config(TdMethod method, double epsilon = 0.3) {
  TdConfig c;
  c.method = method;
  c.name = "test";
  c.alpha = 0.5;  // constant schedules (the default kind)
  c.gamma = 0.9;
  c.epsilon = epsilon;
  return c;
}

TdAgent make(TdMethod method, const std::vector<double>& table = kTable, double epsilon = 0.3,
             std::uint64_t seed = 1) {
  TdAgent agent(config(method, epsilon), Space::discrete(3), Space::discrete(3), seed);
  StateDict state;
  if (method == TdMethod::DoubleQLearning) {
    state["q1"] = ArrayRecord{{3, 3}, table};
    state["q2"] = ArrayRecord{{3, 3}, table};
  } else {
    state["q"] = ArrayRecord{{3, 3}, table};
  }
  agent.load(state);
  return agent;
}

Value idx(std::int64_t i) {
  Value v;
  v.index = i;
  return v;
}

std::vector<double> table_of(const Agent& agent, const std::string& key = "q") {
  StateDict out;
  agent.save(out);
  return out.at(key).data;
}

// One transition (s, a, r, s') into the agent.
void feed(Agent& agent, std::int64_t s, std::int64_t a, double r, std::int64_t s2,
          bool terminated = false, bool truncated = false) {
  const Value obs = idx(s), action = idx(a), next = idx(s2);
  agent.observe(Transition{obs, action, r, next, terminated, truncated});
}

}  // namespace

TEST_CASE("Q-learning single update bootstraps from max_a Q(s', a)", "[tabular][td]") {
  TdAgent agent = make(TdMethod::QLearning);
  feed(agent, 0, 0, 1.0, 1);
  // target = 1 + 0.9 * 5 = 5.5; Q = 1 + 0.5 * (5.5 - 1) = 3.25
  std::vector<double> expected = kTable;
  expected[0] = 3.25;
  CHECK(table_of(agent) == expected);
}

TEST_CASE("terminated transitions do not bootstrap, truncated ones do", "[tabular][td]") {
  for (TdMethod method : {TdMethod::QLearning, TdMethod::Sarsa, TdMethod::ExpectedSarsa}) {
    CAPTURE(static_cast<int>(method));
    TdAgent terminated = make(method, kTable, 0.0);
    feed(terminated, 0, 0, 2.0, 1, /*terminated=*/true, false);
    // target = 2; Q = 1 + 0.5 * (2 - 1) = 1.5
    CHECK(table_of(terminated)[0] == 1.5);

    TdAgent both = make(method, kTable, 0.0);
    feed(both, 0, 0, 2.0, 1, /*terminated=*/true, /*truncated=*/true);
    CHECK(table_of(both)[0] == 1.5);

    // ε = 0: every method's bootstrap is the greedy value 5 (s1's tie is between equal
    // values). target = 2 + 0.9 * 5 = 6.5; Q = 1 + 0.5 * 5.5 = 3.75
    TdAgent truncated = make(method, kTable, 0.0);
    feed(truncated, 0, 0, 2.0, 1, false, /*truncated=*/true);
    CHECK(table_of(truncated)[0] == 3.75);
  }
}

TEST_CASE("expected SARSA bootstraps from the ε-greedy expectation", "[tabular][td]") {
  TdAgent agent = make(TdMethod::ExpectedSarsa, kTable, 0.3);
  feed(agent, 0, 0, 1.0, 1);
  // π(s1) = [0.1, 0.1 + 0.35, 0.1 + 0.35]; E = 0.1*3 + 0.45*5 + 0.45*5 = 4.8
  // target = 1 + 0.9 * 4.8 = 5.32; Q = 1 + 0.5 * 4.32 = 3.16
  CHECK(table_of(agent)[0] == Approx(3.16).epsilon(1e-14));
  CHECK(table_of(agent)[1] == 2.0);
}

TEST_CASE("expected SARSA with softmax bootstraps from the softmax expectation", "[tabular][td]") {
  TdConfig c = config(TdMethod::ExpectedSarsa);
  c.exploration = ExplorationKind::Softmax;
  c.temperature = 2.0;
  TdAgent agent(c, Space::discrete(3), Space::discrete(3), 3);
  StateDict state;
  state["q"] = ArrayRecord{{3, 3}, kTable};
  agent.load(state);
  feed(agent, 0, 0, 1.0, 1);
  // π(s1) ∝ [e^{(3-5)/2}, 1, 1]; E = (3 e^{-1} + 10) / (e^{-1} + 2)
  const double e = std::exp(-1.0);
  const double expectation = (3.0 * e + 10.0) / (e + 2.0);
  CHECK(table_of(agent)[0] == Approx(1.0 + 0.5 * (1.0 + 0.9 * expectation - 1.0)));
}

TEST_CASE("SARSA bootstraps from the next action it then takes", "[tabular][td][sarsa]") {
  // Over many seeds A' is drawn from π(s1) = [0.1, 0.45, 0.45]; the update must use the
  // very action (and probability) the next act() returns.
  std::array<int, 3> counts{};
  for (std::uint64_t seed = 0; seed < 3000; ++seed) {
    TdAgent agent = make(TdMethod::Sarsa, kTable, 0.3, seed);
    feed(agent, 0, 0, 1.0, 1);
    Value action;
    Decision d;
    agent.act(idx(1), action, d);
    const double q_next = kTable[static_cast<std::size_t>(3 + action.index)];
    // Q = 1 + 0.5 * (1 + 0.9 * Q(s1, A') - 1)
    REQUIRE(table_of(agent)[0] == Approx(1.0 + 0.5 * 0.9 * q_next).epsilon(1e-14));
    REQUIRE(d.probability == Approx(action.index == 0 ? 0.1 : 0.45).epsilon(1e-14));
    ++counts[static_cast<std::size_t>(action.index)];
  }
  // Binomial(3000, 0.1): sd ≈ 16; (3000, 0.45): sd ≈ 27.
  CHECK(std::abs(counts[0] - 300) < 80);
  CHECK(std::abs(counts[1] - 1350) < 140);
  CHECK(std::abs(counts[2] - 1350) < 140);
}

TEST_CASE("SARSA's next action is chosen before the update and dropped at boundaries",
          "[tabular][td][sarsa]") {
  // ε = 0, s1 = [3, 5, 7]: A' = 2. A self-loop s1 --2--> s1 with reward -100 lowers
  // Q(s1, 2) to 7 + 0.5 * (-100 + 0.9 * 7 - 7) = -43.35, making action 1 greedy; the
  // pending A' = 2 (chosen before the update, S&B §6.4) is still the action taken next.
  const std::vector<double> table{1, 2, 0, 3, 5, 7, 0, 0, 0};
  Value action;
  Decision d;
  {
    TdAgent agent = make(TdMethod::Sarsa, table, 0.0);
    feed(agent, 1, 2, -100.0, 1);
    CHECK(table_of(agent)[5] == Approx(-43.35).epsilon(1e-14));
    agent.act(idx(1), action, d);
    CHECK(action.index == 2);
    CHECK(d.probability == 1.0);
    agent.act(idx(1), action, d);  // the pending action is used once only
    CHECK(action.index == 1);
  }
  {
    TdAgent agent = make(TdMethod::Sarsa, table, 0.0);
    feed(agent, 1, 2, -100.0, 1);
    agent.end_episode();
    agent.begin_episode(idx(1));
    agent.act(idx(1), action, d);
    CHECK(action.index == 1);
  }
  {
    // Truncated: bootstraps from Q(s1, A') but the episode is over, so nothing is pending.
    TdAgent agent = make(TdMethod::Sarsa, table, 0.0);
    feed(agent, 1, 2, -100.0, 1, false, /*truncated=*/true);
    CHECK(table_of(agent)[5] == Approx(-43.35).epsilon(1e-14));
    agent.act(idx(1), action, d);
    CHECK(action.index == 1);
  }
  {
    // A pending action for another state is not used.
    TdAgent agent = make(TdMethod::Sarsa, table, 0.0);
    feed(agent, 1, 2, -100.0, 1);
    agent.act(idx(0), action, d);
    CHECK(action.index == 1);  // greedy in s0 = [1, 2, 0]
  }
}

TEST_CASE("double Q-learning updates one table, evaluated by the other", "[tabular][td]") {
  // Q1: s0 [1, 2, 0], s1 [3, 5, 4];  Q2: s0 [0.5, 0, 0], s1 [6, 1, 2].
  // Updating Q1: A* = argmax Q1(s1) = 1, target = 1 + 0.9 Q2(s1, 1) = 1.9,
  //              Q1(s0, 0) = 1 + 0.5 (1.9 - 1) = 1.45.
  // Updating Q2: A* = argmax Q2(s1) = 0, target = 1 + 0.9 Q1(s1, 0) = 3.7,
  //              Q2(s0, 0) = 0.5 + 0.5 (3.7 - 0.5) = 2.1.
  const std::vector<double> q1{1, 2, 0, 3, 5, 4, 0, 0, 0};
  const std::vector<double> q2{0.5, 0, 0, 6, 1, 2, 0, 0, 0};
  int first = 0, second = 0;
  for (std::uint64_t seed = 0; seed < 1000; ++seed) {
    TdAgent agent(config(TdMethod::DoubleQLearning), Space::discrete(3), Space::discrete(3), seed);
    StateDict state;
    state["q1"] = ArrayRecord{{3, 3}, q1};
    state["q2"] = ArrayRecord{{3, 3}, q2};
    agent.load(state);
    feed(agent, 0, 0, 1.0, 1);
    std::vector<double> n1 = table_of(agent, "q1"), n2 = table_of(agent, "q2");
    std::vector<double> e1 = q1, e2 = q2;
    if (n1 != q1) {
      e1[0] = 1.45;
      ++first;
    } else {
      e2[0] = 2.1;
      ++second;
    }
    REQUIRE(n1[0] == Approx(e1[0]).epsilon(1e-14));
    REQUIRE(n2[0] == Approx(e2[0]).epsilon(1e-14));
    n1[0] = e1[0];
    n2[0] = e2[0];
    REQUIRE(n1 == e1);
    REQUIRE(n2 == e2);
    // Acting uses Q1 + Q2.
    REQUIRE(agent.q(1, 0) == 9.0);
  }
  CHECK(std::abs(first - 500) < 80);  // Binomial(1000, 1/2): sd ≈ 16
  CHECK(first + second == 1000);

  // Terminal: Q1 branch 1 + 0.5 (3 - 1) = 2; Q2 branch 0.5 + 0.5 (3 - 0.5) = 1.75.
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    TdAgent agent(config(TdMethod::DoubleQLearning), Space::discrete(3), Space::discrete(3), seed);
    StateDict state;
    state["q1"] = ArrayRecord{{3, 3}, q1};
    state["q2"] = ArrayRecord{{3, 3}, q2};
    agent.load(state);
    feed(agent, 0, 0, 3.0, 1, /*terminated=*/true);
    const double a = table_of(agent, "q1")[0], b = table_of(agent, "q2")[0];
    CHECK(((a == 2.0 && b == 0.5) || (a == 1.0 && b == 1.75)));
  }
}

TEST_CASE("ε-greedy and softmax probabilities are exact, ties included", "[tabular][explore]") {
  const std::array<double, 4> q{1.0, 3.0, 3.0, 2.0};
  std::array<double, 4> p{};
  epsilon_greedy_probabilities(q, 0.2, p);
  // ε/n = 0.05; the two tied maxima share 0.8: 0.05 + 0.4
  const std::array<double, 4> expected{0.05, 0.45, 0.45, 0.05};
  for (std::size_t a = 0; a < 4; ++a) CHECK(p[a] == Approx(expected[a]).epsilon(1e-15));
  greedy_probabilities(q, p);
  CHECK(p == std::array<double, 4>{0.0, 0.5, 0.5, 0.0});
  softmax_probabilities(q, 0.5, p);
  const double z = std::exp(-4.0) + 2.0 + std::exp(-2.0);
  CHECK(p[0] == Approx(std::exp(-4.0) / z).epsilon(1e-14));
  CHECK(p[1] == Approx(1.0 / z).epsilon(1e-14));
  CHECK(p[2] == Approx(1.0 / z).epsilon(1e-14));
  CHECK(p[3] == Approx(std::exp(-2.0) / z).epsilon(1e-14));
}

TEST_CASE("act() reports the exact behaviour probability and samples from it",
          "[tabular][explore]") {
  SECTION("ε-greedy with a tie") {
    TdAgent agent = make(TdMethod::QLearning, kTable, 0.3, 42);
    std::array<int, 3> counts{};
    Value action;
    Decision d;
    for (int i = 0; i < 20000; ++i) {
      agent.act(idx(1), action, d);
      const double expected = action.index == 0 ? 0.1 : 0.45;
      REQUIRE(d.probability == Approx(expected).epsilon(1e-14));
      REQUIRE(d.log_prob == Approx(std::log(expected)).epsilon(1e-14));
      ++counts[static_cast<std::size_t>(action.index)];
    }
    CHECK(std::abs(counts[0] - 2000) < 200);  // sd ≈ 42
    CHECK(std::abs(counts[1] - 9000) < 300);  // sd ≈ 70
  }
  SECTION("softmax") {
    TdConfig c = config(TdMethod::QLearning);
    c.exploration = ExplorationKind::Softmax;
    c.temperature = 1.0;
    TdAgent agent(c, Space::discrete(3), Space::discrete(3), 7);
    StateDict state;
    state["q"] = ArrayRecord{{3, 3}, kTable};
    agent.load(state);
    // s0 = [1, 2, 0]: π ∝ [e^{-1}, 1, e^{-2}]
    const double z = std::exp(-1.0) + 1.0 + std::exp(-2.0);
    const std::array<double, 3> pi{std::exp(-1.0) / z, 1.0 / z, std::exp(-2.0) / z};
    std::array<int, 3> counts{};
    Value action;
    Decision d;
    for (int i = 0; i < 20000; ++i) {
      agent.act(idx(0), action, d);
      REQUIRE(d.probability == Approx(pi[static_cast<std::size_t>(action.index)]));
      ++counts[static_cast<std::size_t>(action.index)];
    }
    for (std::size_t a = 0; a < 3; ++a) CHECK(std::abs(counts[a] / 20000.0 - pi[a]) < 0.015);
  }
}

TEST_CASE("evaluation mode acts greedily among tied maxima and does not learn", "[tabular][td]") {
  for (TdMethod method :
       {TdMethod::QLearning, TdMethod::Sarsa, TdMethod::ExpectedSarsa, TdMethod::DoubleQLearning}) {
    TdAgent agent = make(method, kTable, 0.9, 5);
    agent.set_evaluation(true);
    std::array<int, 3> counts{};
    Value action;
    Decision d;
    for (int i = 0; i < 2000; ++i) {
      agent.act(idx(1), action, d);
      REQUIRE(action.index != 0);
      REQUIRE(d.probability == 0.5);
      ++counts[static_cast<std::size_t>(action.index)];
      feed(agent, 1, action.index, 100.0, 0);
    }
    CHECK(std::abs(counts[1] - 1000) < 150);
    CHECK(agent.steps_learned() == 0);
    CHECK(table_of(agent, method == TdMethod::DoubleQLearning ? "q1" : "q") == kTable);
    agent.set_evaluation(false);
    feed(agent, 0, 0, 1.0, 2, true);
    CHECK(agent.steps_learned() == 1);
  }
}

TEST_CASE("decay schedules give their values at given times", "[tabular][schedule]") {
  using K = DecaySchedule::Kind;
  using U = DecaySchedule::Unit;
  const DecaySchedule constant{K::Constant, 0.3, 0.0, 1, U::Steps};
  CHECK(constant.value(0, 0) == 0.3);
  CHECK(constant.value(1000000, 1000) == 0.3);

  const DecaySchedule linear{K::Linear, 1.0, 0.1, 100, U::Steps};
  CHECK(linear.value(0, 7) == 1.0);
  CHECK(linear.value(50, 7) == Approx(0.55).epsilon(1e-15));
  CHECK(linear.value(25, 0) == Approx(0.775).epsilon(1e-15));
  CHECK(linear.value(100, 0) == 0.1);
  CHECK(linear.value(5000, 0) == 0.1);

  const DecaySchedule exponential{K::Exponential, 1.0, 0.01, 100, U::Episodes};
  CHECK(exponential.value(1000, 0) == 1.0);  // counts episodes, not steps
  CHECK(exponential.value(0, 50) == Approx(0.1).epsilon(1e-14));
  CHECK(exponential.value(0, 25) == Approx(std::sqrt(0.1)).epsilon(1e-14));
  CHECK(exponential.value(0, 100) == 0.01);
  CHECK(exponential.value(0, 101) == 0.01);

  CHECK_THROWS_AS((DecaySchedule{K::Exponential, 1.0, 0.0, 10, U::Steps}.validate("eps")), Error);
  CHECK_THROWS_AS((DecaySchedule{K::Linear, 1.0, 0.0, 0, U::Steps}.validate("eps")), Error);
  CHECK_THROWS_AS(DecaySchedule::parse_kind("cosine"), Error);
  CHECK_THROWS_AS(DecaySchedule::parse_unit("seconds"), Error);
}

TEST_CASE("the agent's ε follows its schedule over learning steps and episodes",
          "[tabular][schedule]") {
  TdConfig c = config(TdMethod::QLearning);
  c.epsilon = 1.0;
  c.epsilon_schedule = DecaySchedule::Kind::Linear;
  c.epsilon_final = 0.1;
  c.epsilon_decay = 100;
  TdAgent agent(c, Space::discrete(3), Space::discrete(3), 9);
  for (int i = 0; i < 50; ++i) feed(agent, 0, 0, 0.0, 1);
  CHECK(agent.epsilon() == Approx(0.55).epsilon(1e-15));
  // Load a table with a unique greedy action in s0 (the counters stay at 50 steps).
  Value action;
  Decision d;
  StateDict state;
  state["q"] = ArrayRecord{{3, 3}, kTable};
  state["counters"] = ArrayRecord{{2}, {50, 0}};
  agent.load(state);
  agent.act(idx(0), action, d);
  // s0 = [1, 2, 0], ε = 0.55: greedy action 1 has 0.55/3 + 0.45, others 0.55/3.
  CHECK(d.probability == Approx(action.index == 1 ? 0.55 / 3 + 0.45 : 0.55 / 3));

  TdConfig e = config(TdMethod::QLearning);
  e.epsilon = 0.5;
  e.epsilon_schedule = DecaySchedule::Kind::Exponential;
  e.epsilon_final = 0.005;
  e.epsilon_decay = 10;
  e.epsilon_decay_unit = DecaySchedule::Unit::Episodes;
  TdAgent by_episode(e, Space::discrete(3), Space::discrete(3), 9);
  for (int i = 0; i < 5; ++i) {
    feed(by_episode, 0, 0, 0.0, 1, true);
    by_episode.end_episode();
  }
  CHECK(by_episode.epsilon() == Approx(0.05).epsilon(1e-14));  // 0.5 * 0.01^(1/2)
  by_episode.set_evaluation(true);
  by_episode.end_episode();  // evaluation episodes do not advance the schedule
  CHECK(by_episode.episodes_learned() == 5);
}

TEST_CASE("save -> load gives the same greedy actions, other shapes are refused",
          "[tabular][state]") {
  for (TdMethod method : {TdMethod::QLearning, TdMethod::DoubleQLearning}) {
    TdAgent trained(config(method), Space::discrete(5), Space::discrete(3), 11);
    // Some learning on a made-up chain so the tables are non-trivial.
    Value action;
    Decision d;
    for (int step = 0; step < 400; ++step) {
      const std::int64_t s = step % 5;
      trained.act(idx(s), action, d);
      const double r = static_cast<double>((s * 7 + action.index * 3) % 5) - 2.0;
      feed(trained, s, action.index, r, (s + 1) % 5, s == 4);
    }
    StateDict saved;
    trained.save(saved);
    TdAgent restored(config(method), Space::discrete(5), Space::discrete(3), 99);
    restored.load(saved);
    trained.set_evaluation(true);
    restored.set_evaluation(true);
    for (std::int64_t s = 0; s < 5; ++s) {
      for (std::int64_t a = 0; a < 3; ++a) CHECK(restored.q(s, a) == trained.q(s, a));
      Value a1, a2;
      Decision d1, d2;
      trained.act(idx(s), a1, d1);
      restored.act(idx(s), a2, d2);
      if (d1.probability == 1.0) CHECK(a1.index == a2.index);
      CHECK(d1.probability == d2.probability);
    }
    CHECK(restored.steps_learned() == 400);

    TdAgent other(config(method), Space::discrete(4), Space::discrete(3), 1);
    const std::string key = method == TdMethod::DoubleQLearning ? "'q1'" : "'q'";
    CHECK_THROWS_WITH(other.load(saved), Catch::Contains("cannot load " + key + " of shape 5×3") &&
                                             Catch::Contains("table of shape 4×3"));
    // A failed load leaves the agent as it was.
    CHECK(other.q(0, 0) == 0.0);
  }
  TdAgent q(config(TdMethod::QLearning), Space::discrete(3), Space::discrete(3), 1);
  StateDict wrong_key;
  wrong_key["q1"] = ArrayRecord{{3, 3}, kTable};
  CHECK_THROWS_WITH(q.load(wrong_key), Catch::Contains("no array 'q'") && Catch::Contains("q1"));
}

TEST_CASE("TD agents validate their inputs", "[tabular][td]") {
  CHECK_THROWS_AS(
      TdAgent(config(TdMethod::QLearning), Space::box(0.f, 1.f, {2}), Space::discrete(2), 1),
      Error);
  TdConfig bad = config(TdMethod::QLearning);
  bad.exploration = ExplorationKind::Softmax;
  bad.temperature = 0.0;
  CHECK_THROWS_WITH(TdAgent(bad, Space::discrete(2), Space::discrete(2), 1),
                    Catch::Contains("temperature"));
  TdAgent agent = make(TdMethod::QLearning);
  Value action;
  Decision d;
  CHECK_THROWS_WITH(agent.act(idx(3), action, d), Catch::Contains("outside"));
  CHECK_THROWS_WITH(feed(agent, 0, 5, 0.0, 1), Catch::Contains("action 5"));
}

TEST_CASE("Discrete spaces with a non-zero start map to table rows", "[tabular][td]") {
  TdAgent agent(config(TdMethod::QLearning, 0.0), Space::discrete(3, 10), Space::discrete(2, -1),
                1);
  feed(agent, 10, -1, 1.0, 12, true);  // Q(row 0, col 0) = 0.5
  Value action;
  Decision d;
  agent.act(idx(10), action, d);
  CHECK(action.index == -1);
  CHECK(agent.q(0, 0) == 0.5);
}

TEST_CASE("the step size follows its schedule", "[tabular][schedule]") {
  TdConfig c = config(TdMethod::QLearning);
  c.alpha = 1.0;
  c.alpha_schedule = DecaySchedule::Kind::Linear;
  c.alpha_final = 0.0;
  c.alpha_decay = 2;
  TdAgent agent(c, Space::discrete(3), Space::discrete(3), 1);
  feed(agent, 0, 0, 4.0, 1, true);  // α = 1:   Q = 4
  CHECK(agent.q(0, 0) == 4.0);
  feed(agent, 0, 0, 2.0, 1, true);  // α = 0.5: Q = 4 + 0.5 (2 - 4) = 3
  CHECK(agent.q(0, 0) == 3.0);
  feed(agent, 0, 0, 9.0, 1, true);  // α = 0:   unchanged
  CHECK(agent.q(0, 0) == 3.0);
  CHECK(agent.alpha() == 0.0);
}

// Tests of the gridworld envs (envs/gridworld/): Gymnasium's FrozenLake and CliffWalking,
// Sutton & Barto's windy gridworld, the four rooms of Sutton, Precup & Singh (1999) and the
// generic Gridworld-v0. Reference values are worked out by hand (in the comments) or come
// from the cited sources; state indices are written out, not computed by the env's code.
#include <catch2/catch.hpp>

#include <cmath>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "envs/gridworld/gridworld.hpp"
#include "envs/register.hpp"
#include "tests/test_util.hpp"

using namespace rlsim;
using rlsim::test::registry;

namespace {

std::unique_ptr<Env> make(const std::string& id, const RawParams& raw = {}) {
  return registry().make_env(id, raw);
}

StepResult act(Env& env, std::int64_t a, Value& obs) {
  Value action;
  action.index = a;
  return env.step(action, obs);
}

void put(Env& env, std::int64_t s) {
  const double x = static_cast<double>(s);
  env.set_state(std::span<const double>(&x, 1));
}

// P(s' | s, a) from the model, summed over outcomes with the same next state.
std::map<std::int64_t, double> model_next(const Env& env, std::int64_t s, std::int64_t a) {
  std::map<std::int64_t, double> p;
  for (const ModelOutcome& o : env.model()->at(s, a)) p[o.next_state] += o.probability;
  return p;
}

// Samples step() from (s, a) n times and checks: the model's next-state distribution equals
// `expected` (worked out by hand), the empirical frequencies agree with it within 4
// standard errors, and every sampled (s', r, terminated) is one of the model's outcomes.
void check_model_and_sampling(Env& env, std::int64_t s, std::int64_t a,
                              const std::map<std::int64_t, double>& expected, int n,
                              std::uint64_t seed) {
  const auto model_p = model_next(env, s, a);
  REQUIRE(model_p.size() == expected.size());
  for (const auto& [next, p] : expected) {
    INFO("next state " << next);
    REQUIRE(model_p.count(next) == 1);
    CHECK(model_p.at(next) == Approx(p).margin(1e-12));
  }
  Value obs;
  env.reset(obs, seed);
  std::map<std::int64_t, int> counts;
  for (int i = 0; i < n; ++i) {
    env.reset(obs);
    put(env, s);
    const StepResult r = act(env, a, obs);
    ++counts[obs.index];
    bool found = false;
    for (const ModelOutcome& o : env.model()->at(s, a))
      found = found ||
              (o.next_state == obs.index && o.reward == r.reward && o.terminated == r.terminated);
    REQUIRE(found);
  }
  for (const auto& [next, count] : counts) REQUIRE(expected.count(next) == 1);
  for (const auto& [next, p] : expected) {
    const double freq = static_cast<double>(counts[next]) / n;
    const double se = std::sqrt(p * (1.0 - p) / n);
    INFO("next state " << next << ": frequency " << freq << ", P " << p);
    CHECK(std::abs(freq - p) <= 4.0 * se + 1e-12);
  }
}

// Finite-horizon optimal value of the initial state (max over actions, undiscounted):
// the success probability within the time limit for FrozenLake's 0/1 rewards.
double finite_horizon_value(const TabularModel& m, int horizon) {
  std::vector<double> v(static_cast<std::size_t>(m.num_states), 0.0), next(v.size());
  for (int t = 0; t < horizon; ++t) {
    for (std::int64_t s = 0; s < m.num_states; ++s) {
      double best = -1e300;
      for (std::int64_t a = 0; a < m.num_actions; ++a) {
        double q = 0.0;
        for (const ModelOutcome& o : m.at(s, a))
          q += o.probability *
               (o.reward + (o.terminated ? 0.0 : v[static_cast<std::size_t>(o.next_state)]));
        best = std::max(best, q);
      }
      next[static_cast<std::size_t>(s)] = best;
    }
    std::swap(v, next);
  }
  double value = 0.0;
  for (std::int64_t s = 0; s < m.num_states; ++s)
    value += m.initial_distribution[static_cast<std::size_t>(s)] * v[static_cast<std::size_t>(s)];
  return value;
}

}  // namespace

TEST_CASE("FrozenLake-v1 spec follows Gymnasium's registration", "[gridworld][frozenlake]") {
  auto env = make("FrozenLake-v1");
  const EnvSpec& s = env->spec();
  CHECK(s.observation_space == Space::discrete(16));
  CHECK(s.action_space == Space::discrete(4));
  CHECK(s.max_episode_steps == 100);
  REQUIRE(s.reward_threshold);
  CHECK(*s.reward_threshold == Approx(0.70));
  CHECK(s.defines_success);
  auto big = make("FrozenLake8x8-v1");
  CHECK(big->spec().observation_space == Space::discrete(64));
  CHECK(big->spec().max_episode_steps == 200);
  CHECK(*big->spec().reward_threshold == Approx(0.85));
  // The 4x4 map SFFF/FHFH/FFFH/HFFG: holes 5, 7, 11, 12 and the goal 15 are terminal.
  const TabularModel* m = env->model();
  REQUIRE(m);
  for (std::int64_t st = 0; st < 16; ++st) {
    const bool terminal = st == 5 || st == 7 || st == 11 || st == 12 || st == 15;
    CHECK(m->terminal[static_cast<std::size_t>(st)] == terminal);
  }
  CHECK(m->initial_distribution[0] == 1.0);
}

TEST_CASE("FrozenLake-v1 action numbering: 0 left, 1 down, 2 right, 3 up",
          "[gridworld][frozenlake]") {
  auto env = make("FrozenLake-v1", {{"is_slippery", false}});
  Value obs;
  env->reset(obs, 1);
  CHECK(obs.index == 0);
  struct Case {
    std::int64_t from, action, to;
    double reward;
    bool terminated;
  };
  // Row-major 4x4: state = 4 * row + col.
  const std::vector<Case> cases = {
      {0, 0, 0, 0.0, false},    // left at the west edge: stays
      {0, 1, 4, 0.0, false},    // down
      {0, 2, 1, 0.0, false},    // right
      {0, 3, 0, 0.0, false},    // up at the north edge: stays
      {6, 0, 5, 0.0, true},     // left into the hole at (1, 1)
      {10, 1, 14, 0.0, false},  // down
      {14, 2, 15, 1.0, true},   // right onto the goal: +1
      {9, 3, 5, 0.0, true},     // up into the hole at (1, 1)
  };
  for (const Case& c : cases) {
    INFO("from " << c.from << " action " << c.action);
    env->reset(obs);
    put(*env, c.from);
    const StepResult r = act(*env, c.action, obs);
    CHECK(obs.index == c.to);
    CHECK(r.reward == c.reward);
    CHECK(r.terminated == c.terminated);
    CHECK(!r.truncated);
    CHECK(r.success == (c.to == 15));
  }
}

TEST_CASE("FrozenLake-v1 slippery model matches step() sampling", "[gridworld][frozenlake]") {
  auto env = make("FrozenLake-v1");
  // From 6 = (1, 2) action down: down to 10 (1/3), or perpendicular left to the hole 5
  // and right to the hole 7 (1/3 each), Gymnasium's is_slippery rule.
  check_model_and_sampling(*env, 6, 1, {{10, 1.0 / 3}, {5, 1.0 / 3}, {7, 1.0 / 3}}, 30000, 11);
  // From 0 action left: left and up stay in 0 (2/3), down goes to 4 (1/3).
  check_model_and_sampling(*env, 0, 0, {{0, 2.0 / 3}, {4, 1.0 / 3}}, 30000, 12);
  // From 14 action right: the goal 15 (1/3), up to 10, down stays in 14.
  check_model_and_sampling(*env, 14, 2, {{15, 1.0 / 3}, {10, 1.0 / 3}, {14, 1.0 / 3}}, 30000, 13);
}

TEST_CASE("FrozenLake-v1 success_rate and reward_schedule (Gymnasium 1.x options)",
          "[gridworld][frozenlake]") {
  auto env = make("FrozenLake-v1",
                  {{"success_rate", 0.8}, {"reward_schedule", std::vector<double>{5, -2, -0.1}}});
  // From 6 action down: intended 10 with 0.8, holes 5 and 7 with 0.1 each.
  const auto p = model_next(*env, 6, 1);
  CHECK(p.at(10) == Approx(0.8));
  CHECK(p.at(5) == Approx(0.1));
  CHECK(p.at(7) == Approx(0.1));
  for (const ModelOutcome& o : env->model()->at(6, 1)) {
    if (o.next_state == 10) CHECK(o.reward == -0.1);
    if (o.next_state == 5) CHECK(o.reward == -2.0);
  }
  for (const ModelOutcome& o : env->model()->at(14, 2))
    if (o.next_state == 15) CHECK(o.reward == 5.0);
  CHECK_THROWS_AS(make("FrozenLake-v1", {{"reward_schedule", std::vector<double>{1, 0}}}), Error);
}

TEST_CASE("FrozenLake optimal success within the time limit matches Gymnasium's figures",
          "[gridworld][frozenlake]") {
  // Gymnasium's registration comments: "optimum = 0.74" (4x4, 100 steps) and
  // "optimum = 0.91" (8x8, 200 steps). A separate Python transcription of Gymnasium's P
  // gives 0.744190287829266 and 0.913220150201617.
  auto small = make("FrozenLake-v1");
  CHECK(finite_horizon_value(*small->model(), 100) == Approx(0.744190287829266).margin(1e-9));
  auto big = make("FrozenLake8x8-v1");
  CHECK(finite_horizon_value(*big->model(), 200) == Approx(0.913220150201617).margin(1e-9));
}

TEST_CASE("FrozenLake-v1 is truncated at 100 steps", "[gridworld][frozenlake]") {
  auto env = make("FrozenLake-v1", {{"is_slippery", false}});
  Value obs;
  env->reset(obs, 3);
  for (int t = 1; t <= 100; ++t) {
    const StepResult r = act(*env, 0, obs);  // left at the west edge: stays in 0
    CHECK(obs.index == 0);
    CHECK(!r.terminated);
    CHECK(r.truncated == (t == 100));
  }
  CHECK(env->episode_over());
  CHECK_THROWS_AS(act(*env, 0, obs), Error);
}

TEST_CASE("FrozenLake-v1 custom desc", "[gridworld][frozenlake]") {
  auto env = make("FrozenLake-v1", {{"desc", std::string("SH/FG")}, {"is_slippery", false}});
  CHECK(env->spec().observation_space == Space::discrete(4));
  Value obs;
  env->reset(obs, 1);
  CHECK(act(*env, 1, obs).reward == 0.0);  // down to (1, 0) = 2
  CHECK(obs.index == 2);
  const StepResult r = act(*env, 2, obs);  // right to the goal (1, 1) = 3
  CHECK(obs.index == 3);
  CHECK(r.reward == 1.0);
  CHECK(r.terminated);
  CHECK(r.success);
  // Bad characters, ragged rows and a missing start are clear errors.
  CHECK_THROWS_WITH(make("FrozenLake-v1", {{"desc", std::string("SX/FG")}}),
                    Catch::Contains("'X'") && Catch::Contains("row 0, column 1"));
  CHECK_THROWS_WITH(make("FrozenLake-v1", {{"desc", std::string("S.F/FFG")}}),
                    Catch::Contains("'.'"));
  CHECK_THROWS_WITH(make("FrozenLake-v1", {{"desc", std::string("SFF/FG")}}),
                    Catch::Contains("same length"));
  CHECK_THROWS_WITH(make("FrozenLake-v1", {{"desc", std::string("FF/FG")}}),
                    Catch::Contains("no start cell 'S'"));
  CHECK_THROWS_AS(make("FrozenLake-v1", {{"map_name", std::string("5x5")}}), Error);
}

TEST_CASE("Gridworld actions outside Discrete(4) are rejected", "[gridworld]") {
  for (const char* id :
       {"FrozenLake-v1", "CliffWalking-v1", "WindyGridworld-v0", "FourRooms-v0", "Gridworld-v0"}) {
    INFO(id);
    auto env = make(id);
    Value obs;
    env->reset(obs, 5);
    CHECK_THROWS_AS(act(*env, 4, obs), Error);
    CHECK_THROWS_AS(act(*env, -1, obs), Error);
    CHECK_NOTHROW(act(*env, 3, obs));
  }
}

TEST_CASE("Gridworld state get/set round trip and bad states", "[gridworld]") {
  for (const char* id : {"FrozenLake8x8-v1", "CliffWalking-v1", "WindyGridworld-v0", "FourRooms-v0",
                         "Gridworld-v0"}) {
    INFO(id);
    auto env = make(id);
    REQUIRE(env->has_state());
    Value obs;
    env->reset(obs, 7);
    const std::int64_t n = env->spec().observation_space.n();
    for (std::int64_t s : {std::int64_t{0}, n / 2, n - 1}) {
      put(*env, s);
      std::vector<double> got;
      env->get_state(got);
      REQUIRE(got.size() == 1);
      CHECK(got[0] == static_cast<double>(s));
      Value seen;
      env->observe(seen);
      CHECK(seen.index == s);
    }
    const double bad[] = {-1.0, static_cast<double>(n), 0.5, std::nan("")};
    for (double x : bad) CHECK_THROWS_AS(env->set_state(std::span<const double>(&x, 1)), Error);
    const double two[] = {0.0, 0.0};
    CHECK_THROWS_AS(env->set_state(two), Error);
  }
}

TEST_CASE("Gridworld render_text draws the agent", "[gridworld]") {
  auto env = make("FrozenLake-v1", {{"is_slippery", false}});
  Value obs;
  env->reset(obs, 1);
  CHECK(env->render_text() == "@FFF\nFHFH\nFFFH\nHFFG\n");
  act(*env, 2, obs);
  CHECK(env->render_text() == "  (Right)\nS@FF\nFHFH\nFFFH\nHFFG\n");
}

TEST_CASE("CliffWalking-v1: the cliff costs -100 and returns to the start", "[gridworld][cliff]") {
  auto env = make("CliffWalking-v1");
  const EnvSpec& s = env->spec();
  CHECK(s.observation_space == Space::discrete(48));
  CHECK(s.max_episode_steps == 0);  // Gymnasium registers it without a TimeLimit
  CHECK(!s.reward_threshold);
  Value obs;
  env->reset(obs, 2);
  CHECK(obs.index == 36);  // (3, 0)
  // Action 1 is right (Gymnasium: 0 up, 1 right, 2 down, 3 left): into the cliff at (3, 1).
  StepResult r = act(*env, 1, obs);
  CHECK(obs.index == 36);
  CHECK(r.reward == -100.0);
  CHECK(!r.terminated);
  CHECK(!r.truncated);
  // From (2, 5) = 29, down into the cliff (3, 5): back to 36.
  put(*env, 29);
  r = act(*env, 2, obs);
  CHECK(obs.index == 36);
  CHECK(r.reward == -100.0);
  CHECK(!r.terminated);
  // The safe optimal path: up, 11 x right, down: 13 steps, return -13, success.
  env->reset(obs);
  double ret = 0.0;
  std::vector<std::int64_t> path = {0};
  for (int i = 0; i < 11; ++i) path.push_back(1);
  path.push_back(2);
  for (std::size_t i = 0; i < path.size(); ++i) {
    r = act(*env, path[i], obs);
    ret += r.reward;
    CHECK(r.terminated == (i + 1 == path.size()));
  }
  CHECK(obs.index == 47);
  CHECK(ret == -13.0);
  CHECK(r.success);
  // Left at the west edge stays.
  env->reset(obs);
  CHECK(act(*env, 3, obs).reward == -1.0);
  CHECK(obs.index == 36);
}

TEST_CASE("CliffWalking is_slippery: intended or perpendicular, 1/3 each", "[gridworld][cliff]") {
  auto env = make("CliffWalkingSlippery-v1");
  // From the start 36, up: up to 24 (-1); left stays in 36 (-1); right falls off the cliff
  // back to 36 (-100): two outcomes share the next state 36 with different rewards.
  const auto& outs = env->model()->at(36, 0);
  REQUIRE(outs.size() == 3);
  std::map<std::pair<std::int64_t, double>, double> p;
  for (const ModelOutcome& o : outs) p[{o.next_state, o.reward}] += o.probability;
  CHECK(p[{24, -1.0}] == Approx(1.0 / 3));
  CHECK(p[{36, -1.0}] == Approx(1.0 / 3));
  CHECK(p[{36, -100.0}] == Approx(1.0 / 3));
  check_model_and_sampling(*env, 36, 0, {{24, 1.0 / 3}, {36, 2.0 / 3}}, 30000, 21);
  CHECK(make("CliffWalking-v1")->model()->at(36, 0).size() == 1);
}

TEST_CASE("WindyGridworld-v0: wind of the current column shifts moves up", "[gridworld][windy]") {
  auto env = make("WindyGridworld-v0");
  CHECK(env->spec().observation_space == Space::discrete(70));
  Value obs;
  env->reset(obs, 4);
  CHECK(obs.index == 30);  // (3, 0): state = 10 * row + col
  struct Case {
    std::int64_t from, action, to;
  };
  // Actions: 0 up, 1 down, 2 left, 3 right. Wind per column: 0 0 0 1 1 1 2 2 1 0.
  const std::vector<Case> cases = {
      {32, 3, 33},  // (3, 2) right: column 2 has no wind -> (3, 3)
      {33, 3, 24},  // (3, 3) right: wind 1 -> (2, 4)
      {36, 3, 17},  // (3, 6) right: wind 2 -> (1, 7)
      {46, 1, 36},  // (4, 6) down with wind 2: (4 + 1 - 2, 6) = (3, 6)
      {4, 0, 4},    // (0, 4) up with wind 1: clamped at the top row
      {60, 1, 60},  // (6, 0) down: clamped at the bottom row, no wind
      {9, 3, 9},    // (0, 9) right: clamped at the east edge
  };
  for (const Case& c : cases) {
    INFO("from " << c.from << " action " << c.action);
    put(*env, c.from);
    const StepResult r = act(*env, c.action, obs);
    CHECK(obs.index == c.to);
    CHECK(r.reward == -1.0);
  }
  // (4, 8) left with wind 1 -> (3, 7), the goal: -1 and terminated.
  put(*env, 48);
  const StepResult r = act(*env, 2, obs);
  CHECK(obs.index == 37);
  CHECK(r.reward == -1.0);
  CHECK(r.terminated);
  CHECK(r.success);
}

TEST_CASE("WindyGridworld-v0: the optimal episode takes 15 steps", "[gridworld][windy]") {
  // Sutton & Barto (2018), Example 6.5: the optimal path is 15 steps. Breadth-first search
  // over the model's (deterministic) transitions from the start finds the same length.
  auto shortest = [](const Env& env) {
    const TabularModel& m = *env.model();
    std::vector<int> dist(static_cast<std::size_t>(m.num_states), -1);
    std::deque<std::int64_t> queue;
    for (std::int64_t s = 0; s < m.num_states; ++s)
      if (m.initial_distribution[static_cast<std::size_t>(s)] > 0) {
        dist[static_cast<std::size_t>(s)] = 0;
        queue.push_back(s);
      }
    while (!queue.empty()) {
      const std::int64_t s = queue.front();
      queue.pop_front();
      for (std::int64_t a = 0; a < m.num_actions; ++a)
        for (const ModelOutcome& o : m.at(s, a)) {
          if (o.terminated) return dist[static_cast<std::size_t>(s)] + 1;
          auto& d = dist[static_cast<std::size_t>(o.next_state)];
          if (d < 0) {
            d = dist[static_cast<std::size_t>(s)] + 1;
            queue.push_back(o.next_state);
          }
        }
    }
    return -1;
  };
  auto env = make("WindyGridworld-v0");
  CHECK(shortest(*env) == 15);
  // King's moves (Exercise 6.9): 7 steps, with or without the ninth "stay" action (a
  // separate BFS in Python over the book's dynamics gives 7 for both).
  CHECK(shortest(*make("WindyGridworld-v0", {{"king_moves", true}})) == 7);
  CHECK(make("WindyGridworld-v0", {{"king_moves", true}, {"stay_action", true}})
            ->spec()
            .action_space.n() == 9);
  CHECK(shortest(*make("WindyGridworld-v0", {{"king_moves", true}, {"stay_action", true}})) == 7);
  // The book's path, replayed through step(): 9 x right, 4 x down, 2 x left, return -15.
  Value obs;
  env->reset(obs, 9);
  double ret = 0.0;
  const std::vector<std::int64_t> path = {3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1, 2, 2};
  StepResult r;
  for (std::size_t i = 0; i < path.size(); ++i) {
    r = act(*env, path[i], obs);
    ret += r.reward;
    CHECK(r.terminated == (i + 1 == path.size()));
  }
  CHECK(ret == -15.0);
  CHECK(obs.index == 37);
}

TEST_CASE("WindyGridworld-v0 stochastic wind (Exercise 6.10)", "[gridworld][windy]") {
  auto env = make("WindyGridworld-v0", {{"stochastic_wind", true}});
  // (3, 6) right: wind 2 varies to 1, 2, 3 -> (2, 7), (1, 7), (0, 7) with 1/3 each.
  check_model_and_sampling(*env, 36, 3, {{27, 1.0 / 3}, {17, 1.0 / 3}, {7, 1.0 / 3}}, 30000, 31);
  // Columns without wind stay deterministic: (3, 1) right -> (3, 2).
  CHECK(model_next(*env, 31, 3) == std::map<std::int64_t, double>{{32, 1.0}});
}

TEST_CASE("FourRooms-v0: 104 cells, actions succeed with 2/3, else 1/9 each other way",
          "[gridworld][fourrooms]") {
  auto env = make("FourRooms-v0");
  CHECK(env->spec().observation_space == Space::discrete(104));
  const TabularModel& m = *env->model();
  // Start: uniform over the 103 non-goal cells (goal: the east hallway (7, 9) = state 62).
  int starts = 0;
  for (double p : m.initial_distribution)
    if (p > 0) {
      ++starts;
      CHECK(p == Approx(1.0 / 103));
    }
  CHECK(starts == 103);
  CHECK(m.initial_distribution[62] == 0.0);
  CHECK(m.terminal[62]);
  // States numbered row-major over free cells: (1, 1) = 0, (1, 2) = 1, (2, 1) = 10,
  // (3, 5) = 24, (3, 6) = 25 (the north hallway), (3, 7) = 26.
  // Corner (1, 1), up (0): up and left hit walls -> stay 2/3 + 1/9; down 1/9; right 1/9.
  check_model_and_sampling(*env, 0, 0, {{0, 7.0 / 9}, {10, 1.0 / 9}, {1, 1.0 / 9}}, 40000, 41);
  // Hallway (3, 6), right (3): (3, 7) with 2/3; up/down are walls: stay 2/9; left 1/9.
  check_model_and_sampling(*env, 25, 3, {{26, 2.0 / 3}, {25, 2.0 / 9}, {24, 1.0 / 9}}, 40000, 42);
  // Reaching the goal: +1, terminated. Hand count: rows 1-5 hold 10 + 10 + 11 + 10 + 10 =
  // 51 cells, row 6 holds (6, 2) = 51 and (6, 7..11) = 52..56, so (6, 9) = 54; row 7 holds
  // (7, 1..5) = 57..61 and the hallway (7, 9) = 62. From (6, 9), down reaches the goal.
  int goal_outcomes = 0;
  for (const ModelOutcome& o : m.at(54, 1))
    if (o.next_state == 62) {
      ++goal_outcomes;
      CHECK(o.reward == 1.0);
      CHECK(o.terminated);
      CHECK(o.probability == Approx(2.0 / 3));
    }
  CHECK(goal_outcomes == 1);
  Value obs;
  CHECK_THROWS_WITH(
      make("FourRooms-v0", {{"goal_row", std::int64_t{6}}, {"goal_col", std::int64_t{6}}}),
      Catch::Contains("not a free cell"));
  CHECK_THROWS_AS(make("FourRooms-v0", {{"start_row", std::int64_t{1}}}), Error);
  auto fixed =
      make("FourRooms-v0", {{"start_row", std::int64_t{1}}, {"start_col", std::int64_t{1}}});
  fixed->reset(obs, 1);
  CHECK(obs.index == 0);
}

TEST_CASE("Gridworld-v0 builds any map", "[gridworld][generic]") {
  // 3x4 map with a wall: states skip the wall cell.
  //   S . . .      0  1  2  3
  //   . # . H      4  -  5  6
  //   . . . G      7  8  9 10
  auto env =
      make("Gridworld-v0",
           {{"map", std::string("S.../.#.H/...G")}, {"step_reward", -0.5}, {"hole_reward", -3.0}});
  CHECK(env->spec().observation_space == Space::discrete(11));
  Value obs;
  env->reset(obs, 1);
  CHECK(obs.index == 0);
  // Actions 0 up, 1 down, 2 left, 3 right. (0, 1) down is the wall: stays.
  put(*env, 1);
  StepResult r = act(*env, 1, obs);
  CHECK(obs.index == 1);
  CHECK(r.reward == -0.5);
  put(*env, 5);  // (1, 2) right -> the hole (1, 3)
  r = act(*env, 3, obs);
  CHECK(obs.index == 6);
  CHECK(r.reward == -3.0);
  CHECK(r.terminated);
  CHECK(!r.success);
  put(*env, 9);  // (2, 2) right -> the goal
  r = act(*env, 3, obs);
  CHECK(obs.index == 10);
  CHECK(r.reward == 1.0);
  CHECK(r.success);
  // A terminal state absorbs with reward 0 in the model.
  const auto& absorb = env->model()->at(10, 0);
  REQUIRE(absorb.size() == 1);
  CHECK(absorb[0].next_state == 10);
  CHECK(absorb[0].reward == 0.0);
  CHECK(absorb[0].terminated);
  CHECK(env->render_text() == "  (Right)\nS...\n.#.H\n...@\n");

  // Per-cell rewards, one per map cell (walls included), added on entering the cell.
  std::vector<double> cells(12, 0.0);
  cells[2] = 10.0;  // (0, 2)
  auto paid =
      make("Gridworld-v0", {{"map", std::string("S.../.#.H/...G")}, {"cell_rewards", cells}});
  paid->reset(obs, 1);
  put(*paid, 1);
  CHECK(act(*paid, 3, obs).reward == 10.0);
  CHECK_THROWS_WITH(make("Gridworld-v0", {{"cell_rewards", std::vector<double>{1, 2}}}),
                    Catch::Contains("one per cell"));

  // Slip models on an open 3x3 map from the centre, action up.
  for (const auto& [model, other] : std::vector<std::pair<std::string, double>>{
           {"perpendicular", 0.3 / 2}, {"other", 0.3 / 3}, {"any", 0.3 / 4}}) {
    INFO(model);
    auto slip = make("Gridworld-v0",
                     {{"map", std::string(".../.S./...")}, {"slip", 0.3}, {"slip_model", model}});
    const auto p = model_next(*slip, 4, 0);
    const double intended = model == "any" ? 0.7 + 0.3 / 4 : 0.7;
    CHECK(p.at(1) == Approx(intended));  // up
    CHECK(p.at(3) == Approx(other));     // left
    CHECK(p.at(5) == Approx(other));     // right
    if (model == "perpendicular")
      CHECK(p.count(7) == 0);
    else
      CHECK(p.at(7) == Approx(other));  // down
  }
}

TEST_CASE("Gridworld-v0 rejects bad maps with clear errors", "[gridworld][generic]") {
  CHECK_THROWS_WITH(make("Gridworld-v0", {{"map", std::string("S.X/..G")}}),
                    Catch::Contains("'X'") && Catch::Contains("not a map character"));
  CHECK_THROWS_WITH(make("Gridworld-v0", {{"map", std::string("...G/....")}}),
                    Catch::Contains("no start cell 'S'"));
  CHECK_THROWS_WITH(make("Gridworld-v0", {{"map", std::string("..C/..G")}}),
                    Catch::Contains("cliff"));
  CHECK_THROWS_WITH(make("Gridworld-v0", {{"map", std::string("")}}), Catch::Contains("empty"));
  CHECK_THROWS_WITH(make("Gridworld-v0", {{"map", std::string("S . G")}}),
                    Catch::Contains("space"));
  CHECK_THROWS_AS(make("Gridworld-v0", {{"wind", std::vector<double>{1, 0}}}), Error);
  CHECK_THROWS_AS(make("Gridworld-v0", {{"slip", 1.5}}), Error);
  // A map given with newlines works like one with '/'.
  CHECK(make("Gridworld-v0", {{"map", std::string("S.\r\n.G\n")}})->spec().observation_space ==
        Space::discrete(4));
}

TEST_CASE("Gridworld cliff with several starts returns to each uniformly", "[gridworld][generic]") {
  // Two starts: falling off the cliff lands on either with probability 1/2.
  //   S C G     0 1 2
  //   S . .     3 4 5
  auto env = make("Gridworld-v0", {{"map", std::string("SCG/S..")}, {"step_reward", -1.0}});
  const auto p = model_next(*env, 4, 0);  // (1, 1) up into the cliff
  CHECK(p.at(0) == Approx(0.5));
  CHECK(p.at(3) == Approx(0.5));
  for (const ModelOutcome& o : env->model()->at(4, 0)) {
    CHECK(o.reward == -100.0);
    CHECK(!o.terminated);
  }
  CHECK(env->model()->initial_distribution[0] == 0.5);
  CHECK(env->model()->initial_distribution[3] == 0.5);
}

TEST_CASE("Gridworld same seed gives the same trajectory", "[gridworld]") {
  auto run = [](std::uint64_t seed) {
    auto env = make("FourRooms-v0");
    Value obs;
    env->reset(obs, seed);
    Rng policy(99);
    std::vector<std::int64_t> trace{obs.index};
    for (int t = 0; t < 300; ++t) {
      const StepResult r = act(*env, policy.integer(0, 3), obs);
      trace.push_back(obs.index);
      if (r.terminated) env->reset(obs);
    }
    return trace;
  };
  CHECK(run(5) == run(5));
  CHECK(run(5) != run(6));
}

// Tests of Taxi-v4 (envs/gridworld/taxi.hpp) against Gymnasium 1.x's taxi.py semantics.
// Expected states are encoded by hand with Gymnasium's formula
// ((row * 5 + col) * 5 + passenger) * 4 + destination, not with the env's own encoder.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <memory>
#include <vector>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "envs/gridworld/taxi.hpp"
#include "envs/register.hpp"
#include "tests/test_util.hpp"

using namespace rlsim;
using rlsim::test::registry;

namespace {

std::unique_ptr<Env> make_taxi(const RawParams& raw = {}) {
  return registry().make_env("Taxi-v4", raw);
}

// Gymnasium's encoding, written out independently of Taxi::encode.
std::int64_t code(int row, int col, int passenger, int dest) {
  return ((row * 5 + col) * 5 + passenger) * 4 + dest;
}

constexpr int R = 0, G = 1, Y = 2, B = 3, IN_TAXI = 4;
constexpr int SOUTH = 0, NORTH = 1, EAST = 2, WEST = 3, PICKUP = 4, DROPOFF = 5;

StepResult act(Env& env, std::int64_t a, Value& obs) {
  Value action;
  action.index = a;
  return env.step(action, obs);
}

void put(Env& env, std::vector<double> state) {
  env.set_state(state);
}

std::map<std::int64_t, double> model_next(const Env& env, std::int64_t s, std::int64_t a) {
  std::map<std::int64_t, double> p;
  for (const ModelOutcome& o : env.model()->at(s, a)) p[o.next_state] += o.probability;
  return p;
}

}  // namespace

TEST_CASE("Taxi-v4 spec and state encoding", "[gridworld][taxi]") {
  auto env = make_taxi();
  const EnvSpec& s = env->spec();
  CHECK(s.observation_space == Space::discrete(500));
  CHECK(s.action_space == Space::discrete(6));
  CHECK(s.max_episode_steps == 200);
  REQUIRE(s.reward_threshold);
  CHECK(*s.reward_threshold == 8.0);
  CHECK(s.defines_success);
  // Gymnasium's documentation example: encode(3, 1, 2, 0) = 328.
  CHECK(Taxi::encode(3, 1, 2, 0) == 328);
  for (std::int64_t st = 0; st < 500; ++st) {
    const auto d = Taxi::decode(st);
    CHECK(code(d.taxi_row, d.taxi_col, d.passenger, d.destination) == st);
    CHECK(d.destination == st % 4);
    CHECK(d.passenger == (st / 4) % 5);
  }
}

TEST_CASE("Taxi-v4 pickup and dropoff rewards", "[gridworld][taxi]") {
  auto env = make_taxi();
  Value obs;
  env->reset(obs, 1);
  struct Case {
    std::int64_t from, action, to;
    double reward;
    bool terminated;
  };
  const std::vector<Case> cases = {
      // Illegal pickup: the passenger waits at R, the taxi is at (2, 2).
      {code(2, 2, R, G), PICKUP, code(2, 2, R, G), -10.0, false},
      // Illegal pickup at another location (Y) than the passenger's (R).
      {code(4, 0, R, G), PICKUP, code(4, 0, R, G), -10.0, false},
      // Legal pickup at R.
      {code(0, 0, R, G), PICKUP, code(0, 0, IN_TAXI, G), -1.0, false},
      // Pickup with the passenger already aboard is illegal.
      {code(0, 0, IN_TAXI, G), PICKUP, code(0, 0, IN_TAXI, G), -10.0, false},
      // Successful dropoff at the destination G = (0, 4): +20, terminated.
      {code(0, 4, IN_TAXI, G), DROPOFF, code(0, 4, G, G), 20.0, true},
      // Dropoff at another location (Y = (4, 0)): the passenger waits there, -1.
      {code(4, 0, IN_TAXI, G), DROPOFF, code(4, 0, Y, G), -1.0, false},
      // Dropoff away from any location, or without the passenger: -10.
      {code(2, 2, IN_TAXI, G), DROPOFF, code(2, 2, IN_TAXI, G), -10.0, false},
      {code(0, 4, B, G), DROPOFF, code(0, 4, B, G), -10.0, false},
  };
  for (const Case& c : cases) {
    INFO("from " << c.from << " action " << c.action);
    env->reset(obs);
    put(*env, {static_cast<double>(c.from)});
    const StepResult r = act(*env, c.action, obs);
    CHECK(obs.index == c.to);
    CHECK(r.reward == c.reward);
    CHECK(r.terminated == c.terminated);
    CHECK(r.success == c.terminated);
  }
}

TEST_CASE("Taxi-v4 moves and walls", "[gridworld][taxi]") {
  // Map (Gymnasium): |R: | : :G| / | : | : : | / | : : : : | / | | : | : | / |Y| : |B: |
  auto env = make_taxi();
  Value obs;
  env->reset(obs, 2);
  struct Case {
    int row, col, action, to_row, to_col;
  };
  const std::vector<Case> cases = {
      {2, 2, SOUTH, 3, 2}, {2, 2, NORTH, 1, 2}, {2, 2, EAST, 2, 3},
      {2, 2, WEST, 2, 1},  {0, 1, EAST, 0, 1},  // wall between (0, 1) and (0, 2)
      {0, 1, WEST, 0, 0},  {3, 0, EAST, 3, 0},  // wall between (3, 0) and (3, 1)
      {4, 2, WEST, 4, 1},  {4, 1, WEST, 4, 1},  // wall between (4, 0) and (4, 1)
      {4, 2, EAST, 4, 2},                       // wall between (4, 2) and (4, 3)
      {0, 3, NORTH, 0, 3}, {4, 4, SOUTH, 4, 4}, {1, 4, EAST, 1, 4},  // grid edges
  };
  for (const Case& c : cases) {
    INFO("(" << c.row << ", " << c.col << ") action " << c.action);
    put(*env, {static_cast<double>(code(c.row, c.col, Y, B))});
    const StepResult r = act(*env, c.action, obs);
    CHECK(obs.index == code(c.to_row, c.to_col, Y, B));
    CHECK(r.reward == -1.0);
    CHECK(!r.terminated);
  }
}

TEST_CASE("Taxi-v4 initial states: uniform over the 300 waiting-passenger states",
          "[gridworld][taxi]") {
  auto env = make_taxi();
  const TabularModel& m = *env->model();
  for (int row = 0; row < 5; ++row)
    for (int col = 0; col < 5; ++col)
      for (int pass = 0; pass < 5; ++pass)
        for (int dest = 0; dest < 4; ++dest) {
          const bool start = pass < 4 && pass != dest;
          CHECK(m.initial_distribution[static_cast<std::size_t>(code(row, col, pass, dest))] ==
                Approx(start ? 1.0 / 300 : 0.0));
          CHECK(m.terminal[static_cast<std::size_t>(code(row, col, pass, dest))] == (pass == dest));
        }
  // Sampled resets: valid starts, each taxi row with 1/5 and each passenger spot with 1/4.
  Value obs;
  env->reset(obs, 3);
  const int n = 20000;
  std::vector<int> rows(5, 0), passengers(5, 0);
  for (int i = 0; i < n; ++i) {
    env->reset(obs);
    const std::int64_t dest = obs.index % 4, pass = (obs.index / 4) % 5;
    REQUIRE(pass < 4);
    REQUIRE(pass != dest);
    ++rows[static_cast<std::size_t>(obs.index / 100)];
    ++passengers[static_cast<std::size_t>(pass)];
  }
  for (int r : rows) CHECK(std::abs(r / double(n) - 0.2) < 4 * std::sqrt(0.2 * 0.8 / n));
  for (int p = 0; p < 4; ++p)
    CHECK(std::abs(passengers[p] / double(n) - 0.25) < 4 * std::sqrt(0.25 * 0.75 / n));
}

TEST_CASE("Taxi-v4 optimal return from the initial distribution", "[gridworld][taxi]") {
  // Undiscounted value iteration over the model; the mean optimal return over the 300
  // initial states is 2379 / 300 = 7.93 (computed separately from a Python transcription
  // of Gymnasium's P). (Gymnasium's registration comment "optimum = 8.46" predates v2's
  // change of the initial states.)
  auto env = make_taxi();
  const TabularModel& m = *env->model();
  std::vector<double> v(500, 0.0), next(500);
  for (int it = 0; it < 200; ++it) {
    for (std::int64_t s = 0; s < 500; ++s) {
      double best = -1e300;
      for (std::int64_t a = 0; a < 6; ++a) {
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
  double mean = 0.0;
  for (std::int64_t s = 0; s < 500; ++s)
    mean += m.initial_distribution[static_cast<std::size_t>(s)] * v[static_cast<std::size_t>(s)];
  CHECK(mean == Approx(2379.0 / 300).margin(1e-9));
}

TEST_CASE("Taxi-v4 is_rainy: veer left or right of the direction of travel", "[gridworld][taxi]") {
  auto env = make_taxi({{"is_rainy", true}});
  // (2, 2) north: ahead (1, 2) 0.8; left of north is west (2, 1), right is east (2, 3).
  auto p = model_next(*env, code(2, 2, R, G), NORTH);
  CHECK(p.size() == 3);
  CHECK(p[code(1, 2, R, G)] == Approx(0.8));
  CHECK(p[code(2, 1, R, G)] == Approx(0.1));
  CHECK(p[code(2, 3, R, G)] == Approx(0.1));
  // (0, 1) south: ahead (1, 1); left of south is east, a wall at (0, 1): stays; right is
  // west (0, 0).
  p = model_next(*env, code(0, 1, R, G), SOUTH);
  CHECK(p[code(1, 1, R, G)] == Approx(0.8));
  CHECK(p[code(0, 1, R, G)] == Approx(0.1));
  CHECK(p[code(0, 0, R, G)] == Approx(0.1));
  // A move blocked ahead stays put for sure: (0, 2) north.
  CHECK(model_next(*env, code(0, 2, R, G), NORTH) ==
        std::map<std::int64_t, double>{{code(0, 2, R, G), 1.0}});
  // Pickup stays deterministic.
  CHECK(model_next(*env, code(0, 0, R, G), PICKUP) ==
        std::map<std::int64_t, double>{{code(0, 0, IN_TAXI, G), 1.0}});
  // rainy_probability sets the intended share; step() samples the model.
  auto wet = make_taxi({{"is_rainy", true}, {"rainy_probability", 0.5}});
  const std::int64_t from = code(2, 2, IN_TAXI, B);
  const std::map<std::int64_t, double> expected = {{code(1, 2, IN_TAXI, B), 0.5},
                                                   {code(2, 1, IN_TAXI, B), 0.25},
                                                   {code(2, 3, IN_TAXI, B), 0.25}};
  CHECK(model_next(*wet, from, NORTH) == expected);
  Value obs;
  wet->reset(obs, 4);
  std::map<std::int64_t, int> counts;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    wet->reset(obs);
    put(*wet, {static_cast<double>(from)});
    act(*wet, NORTH, obs);
    ++counts[obs.index];
  }
  CHECK(counts.size() == 3);
  for (const auto& [next, prob] : expected)
    CHECK(std::abs(counts[next] / double(n) - prob) < 4 * std::sqrt(prob * (1 - prob) / n));
}

TEST_CASE("Taxi-v4 fickle_passenger changes destination once, after the first move",
          "[gridworld][taxi]") {
  auto env = make_taxi({{"fickle_passenger", true}, {"fickle_probability", 1.0}});
  CHECK(env->model() == nullptr);  // the index alone is not Markov
  Value obs;
  env->reset(obs, 5);
  std::vector<double> st;
  env->get_state(st);
  REQUIRE(st.size() == 2);
  CHECK(st[1] == 1.0);  // drawn at reset with probability 1
  // Passenger waiting: moving does not trigger the change.
  put(*env, {static_cast<double>(code(2, 2, R, G)), 1.0});
  act(*env, EAST, obs);
  CHECK(obs.index == code(2, 3, R, G));
  // Passenger aboard: the first move changes the destination to one of the other three.
  std::map<int, int> dests;
  const int n = 6000;
  for (int i = 0; i < n; ++i) {
    env->reset(obs);
    put(*env, {static_cast<double>(code(2, 2, IN_TAXI, G)), 1.0});
    act(*env, EAST, obs);
    REQUIRE(obs.index / 4 == code(2, 3, IN_TAXI, 0) / 4);
    ++dests[static_cast<int>(obs.index % 4)];
    env->get_state(st);
    CHECK(st[1] == 0.0);
    const std::int64_t after = obs.index;
    act(*env, WEST, obs);  // no second change
    CHECK(obs.index % 4 == after % 4);
  }
  CHECK(dests.count(G) == 0);
  for (int d : {R, Y, B})
    CHECK(std::abs(dests[d] / double(n) - 1.0 / 3) < 4 * std::sqrt(2.0 / 9 / n));
  // Pickup (no move) does not trigger it either.
  put(*env, {static_cast<double>(code(0, 0, R, G)), 1.0});
  act(*env, PICKUP, obs);
  CHECK(obs.index == code(0, 0, IN_TAXI, G));
  // The pending flag is drawn at reset with fickle_probability.
  auto some = make_taxi({{"fickle_passenger", true}});
  some->reset(obs, 6);
  int pending = 0;
  const int resets = 20000;
  for (int i = 0; i < resets; ++i) {
    some->reset(obs);
    some->get_state(st);
    pending += st[1] == 1.0;
  }
  CHECK(std::abs(pending / double(resets) - 0.3) < 4 * std::sqrt(0.3 * 0.7 / resets));
  CHECK_THROWS_AS(put(*some, {1.0}), Error);
  CHECK_THROWS_AS(put(*some, {1.0, 0.5}), Error);
}

TEST_CASE("Taxi-v4 rejects bad actions and states and renders its map", "[gridworld][taxi]") {
  auto env = make_taxi();
  Value obs;
  env->reset(obs, 7);
  CHECK_THROWS_AS(act(*env, 6, obs), Error);
  CHECK_THROWS_AS(act(*env, -1, obs), Error);
  CHECK_THROWS_AS(put(*env, {500.0}), Error);
  CHECK_THROWS_AS(put(*env, {1.0, 0.0}), Error);
  put(*env, {static_cast<double>(code(0, 0, G, Y))});
  std::vector<double> st;
  env->get_state(st);
  CHECK(st == std::vector<double>{static_cast<double>(code(0, 0, G, Y))});
  CHECK(env->render_text() ==
        "+---------+\n|@: | : :G|\n| : | : : |\n| : : : : |\n| | : | : |\n|Y| : |B: |\n"
        "+---------+\ntaxi '@' (with passenger '&'); passenger at G, destination Y\n");
}

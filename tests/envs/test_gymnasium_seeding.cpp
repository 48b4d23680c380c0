// seeding = "gymnasium" (core/env.hpp, docs/seeding.md): reset(seed=s) gives Gymnasium
// 1.x's first observation, later resets without a seed continue Gymnasium's generator,
// and the toy-text envs' steps follow Gymnasium's categorical_sample draws. Reference
// values: tests/data/numpy_rng.json, computed by tests/data/make_numpy_rng_data.py with
// numpy, re-implementing each env's reset (and the toy-text transition lists) from
// Gymnasium's source, independently of rlsim. The default seeding is untouched (its own
// tests, e.g. the conformance test, cover it) and stays out of the stored parameter texts.
#ifndef BOOST_BIND_GLOBAL_PLACEHOLDERS
#define BOOST_BIND_GLOBAL_PLACEHOLDERS  // Boost 1.74's json_parser includes the old boost/bind.hpp
#endif
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "envs/box2d/bipedal_walker.hpp"
#include "envs/box2d/lunar_lander.hpp"
#include "envs/register.hpp"
#include "tests/test_util.hpp"

using namespace rlsim;
using rlsim::test::registry;
namespace pt = boost::property_tree;

namespace {

const pt::ptree& data() {
  static const pt::ptree root = [] {
    pt::ptree r;
    pt::read_json(std::string(RLSIM_TEST_DATA_DIR) + "/numpy_rng.json", r);
    return r;
  }();
  return root;
}

std::unique_ptr<Env> gym_env(const std::string& id, RawParams extra = {}) {
  extra["seeding"] = std::string("gymnasium");
  return registry().make_env(id, extra);
}

double dbl(const std::string& s) {
  return std::strtod(s.c_str(), nullptr);
}

// Float32 values one unit in the last place apart or closer.
bool within_one_ulp(float a, float b) {
  return a == b || std::nextafter(a, b) == b;
}

// Plays one trace of the reference data on `env`: lines "reset S" (the first reset is seeded
// with `seed`) and "step A S REWARD TERMINATED ...", checking the state, reward and flag of
// each; `more(in, action, state_before, state_after, result)` reads and checks the rest of
// a step line.
using MoreChecks = std::function<void(std::istringstream&, std::int64_t, std::int64_t, std::int64_t,
                                      const StepResult&)>;

void replay_trace(Env& env, std::uint64_t seed, const pt::ptree& trace, const std::string& key,
                  const MoreChecks& more) {
  Value obs, action;
  bool first = true;
  int line = 0;
  for (const auto& [k, v] : trace) {
    const std::string text = v.get_value<std::string>();
    INFO(key << " seed " << seed << " line " << line++ << ": " << text);
    std::istringstream in(text);
    std::string what;
    in >> what;
    if (what == "reset") {
      std::int64_t s;
      in >> s;
      if (first)
        env.reset(obs, seed);
      else
        env.reset(obs);
      first = false;
      CHECK(obs.index == s);
      continue;
    }
    std::int64_t a, s;
    std::string reward;
    int terminated;
    in >> a >> s >> reward >> terminated;
    const std::int64_t before = obs.index;
    action.index = a;
    const StepResult r = env.step(action, obs);
    REQUIRE(obs.index == s);  // a diverged trajectory makes every later line fail
    CHECK(r.reward == dbl(reward));
    CHECK(r.terminated == (terminated == 1));
    more(in, a, before, s, r);
  }
}

}  // namespace

TEST_CASE("classic control resets give Gymnasium's observations", "[envs][seeding]") {
  for (const auto& [id, rows] : data().get_child("classic_resets")) {
    for (const auto& [k, row] : rows) {
      const std::uint64_t seed = std::stoull(row.get<std::string>("seed"));
      auto env = gym_env(id);
      Value obs;
      int reset = 0;
      for (const auto& [k2, expected] : row.get_child("obs")) {
        INFO(id << " seed " << seed << " reset " << reset);
        if (reset == 0)
          env->reset(obs, seed);
        else
          env->reset(obs);
        std::size_t i = 0;
        for (const auto& [k3, v] : expected) {
          const auto want = static_cast<float>(dbl(v.get_value<std::string>()));
          INFO("component " << i << ": rlsim " << obs.vec[i] << ", Gymnasium " << want);
          if (id == "Acrobot-v1" && i < 4)
            // Gymnasium takes cos/sin of the float32 state with numpy's float32 functions;
            // rlsim takes them in double and rounds: at most one float32 ulp apart.
            CHECK(within_one_ulp(obs.vec[i], want));
          else
            CHECK(obs.vec[i] == want);
          ++i;
        }
        CHECK(i == obs.vec.size());
        ++reset;
      }
    }
  }
}

TEST_CASE("Taxi's resets and per-step draws follow Gymnasium's generator", "[envs][seeding]") {
  for (const auto& [k, row] : data().get_child("taxi_resets")) {
    const std::uint64_t seed = std::stoull(row.get<std::string>("seed"));
    INFO("seed " << seed);
    auto env = gym_env("Taxi-v4");
    Value obs, action;
    int reset = 0;
    for (const auto& [k2, s] : row.get_child("states")) {
      if (reset++ == 0)
        env->reset(obs, seed);
      else
        env->reset(obs);
      CHECK(obs.index == std::stoll(s.get_value<std::string>()));
    }
    // Five steps of the dry taxi each draw once, though their outcome is certain.
    for (int t = 0; t < 5; ++t) {
      action.index = 4;  // pickup: never ends the episode
      env->step(action, obs);
    }
    env->reset(obs);
    CHECK(obs.index == std::stoll(row.get<std::string>("after_5_steps")));
  }
}

TEST_CASE("the rainy taxi with a fickle passenger follows Gymnasium's lists and draws",
          "[envs][seeding]") {
  // Gymnasium's rainy P[s][a] has three entries per move (ahead, left veer, right veer),
  // even where both veers stay put or the move is blocked; the draw picks an entry and
  // info's prob is that entry's. Every step, outcome and prob must be Gymnasium's.
  struct Case {
    const char* key;
    double rainy, fickle;
  };
  for (const Case& c :
       {Case{"taxi_rainy_fickle", 0.8, 0.3}, Case{"taxi_rainy_fickle_p05", 0.5, 1.0}}) {
    int veers = 0, destination_changes = 0;
    for (const auto& [k, row] : data().get_child(c.key)) {
      const std::uint64_t seed = std::stoull(row.get<std::string>("seed"));
      auto env = gym_env("Taxi-v4", {{"is_rainy", true},
                                     {"rainy_probability", c.rainy},
                                     {"fickle_passenger", true},
                                     {"fickle_probability", c.fickle},
                                     {"max_episode_steps", std::int64_t{0}}});
      replay_trace(*env, seed, row.get_child("trace"), c.key,
                   [&](std::istringstream& in, std::int64_t a, std::int64_t before, std::int64_t s,
                       const StepResult& r) {
                     std::string prob;
                     in >> prob;
                     CHECK(env->info().prob == dbl(prob));
                     veers += a < 4 && dbl(prob) < c.rainy ? 1 : 0;
                     destination_changes += !r.terminated && s % 4 != before % 4 ? 1 : 0;
                   });
    }
    // The traces exercise what they are for: veers, and the fickle passenger's change.
    INFO(c.key);
    CHECK(veers > 0);
    CHECK(destination_changes > 0);
  }
}

TEST_CASE("FrozenLake and CliffWalking trajectories follow Gymnasium's", "[envs][seeding]") {
  struct Case {
    const char* key;
    const char* id;
    RawParams params;
  };
  const std::vector<Case> cases{{"frozen_lake_slippery", "FrozenLake-v1", {}},
                                {"frozen_lake_dry", "FrozenLake-v1", {{"is_slippery", false}}},
                                {"cliff_walking", "CliffWalking-v1", {}},
                                {"cliff_walking_slippery", "CliffWalkingSlippery-v1", {}}};
  for (const Case& c : cases) {
    for (const auto& [k, row] : data().get_child(c.key)) {
      const std::uint64_t seed = std::stoull(row.get<std::string>("seed"));
      RawParams params = c.params;
      params["max_episode_steps"] = std::int64_t{0};  // Gymnasium's P alone, no time limit
      auto env = gym_env(c.id, params);
      replay_trace(
          *env, seed, row.get_child("trace"), c.key,
          [](std::istringstream&, std::int64_t, std::int64_t, std::int64_t, const StepResult&) {});
    }
  }
}

TEST_CASE("seeding = gymnasium: the option, its refusal and the default's texts",
          "[envs][seeding]") {
  const Registry& r = registry();
  // The default is not written into the resolved parameters (run names and stored texts
  // stay as they were); the option is.
  CHECK_FALSE(r.resolve_env_params("CartPole-v1", {}).has("seeding"));
  CHECK_FALSE(
      r.resolve_env_params("CartPole-v1", {{"seeding", std::string("rlsim")}}).has("seeding"));
  CHECK(r.resolve_env_params("CartPole-v1", {{"seeding", std::string("gymnasium")}})
            .to_text()
            .find("seeding=\"gymnasium\"") != std::string::npos);
  CHECK(r.make_env("CartPole-v1", {})->seeding() == Seeding::rlsim);
  CHECK(gym_env("CartPole-v1")->seeding() == Seeding::gymnasium);
  // Envs that are not Gymnasium's, or whose draws are not reproduced, refuse it.
  for (const char* id : {"FourRooms-v0", "BernoulliBandit-v0", "WindyGridworld-v0"}) {
    INFO(id);
    CHECK_THROWS_AS(gym_env(id), Error);
  }
  CHECK_THROWS_AS(r.make_env("CartPole-v1", {{"seeding", std::string("numpy")}}), Error);
  // The two seedings give different streams from the same seed.
  Value a, b;
  r.make_env("CartPole-v1", {})->reset(a, 42);
  gym_env("CartPole-v1")->reset(b, 42);
  CHECK(a.vec != b.vec);
}

TEST_CASE("LunarLander and BipedalWalker draw Gymnasium's terrain and initial force",
          "[envs][seeding]") {
  // Reset draws as lunar_lander.py / bipedal_walker.py make them; the second reset comes
  // after 5 steps (LunarLander's steps draw the engine dispersion, the walker's nothing),
  // so it also checks how many numbers each step draws. The physics is Box2D 2.4's.
  struct Case {
    const char* key;
    const char* id;
    RawParams params;
  };
  const std::vector<Case> cases{{"lunar_lander", "LunarLander-v3", {}},
                                {"lunar_lander_wind", "LunarLander-v3", {{"enable_wind", true}}},
                                {"bipedal_walker", "BipedalWalker-v3", {}},
                                {"bipedal_walker_hardcore", "BipedalWalkerHardcore-v3", {}}};
  int obstacles = 0;
  for (const Case& c : cases) {
    for (const auto& [k, row] : data().get_child(c.key)) {
      const std::uint64_t seed = std::stoull(row.get<std::string>("seed"));
      auto env = gym_env(c.id, c.params);
      const auto* lander = dynamic_cast<const LunarLanderEnv*>(env.get());
      const auto* walker = dynamic_cast<const BipedalWalkerEnv*>(env.get());
      REQUIRE((lander != nullptr) != (walker != nullptr));
      Value obs, action;
      if (walker) action.vec.assign(4, 0.0f);
      int reset = 0;
      for (const auto& [k2, want] : row.get_child("resets")) {
        INFO(c.key << " seed " << seed << " reset " << reset);
        if (reset == 0) {
          env->reset(obs, seed);
        } else {
          env->reset(obs);
        }
        std::vector<double> terrain;
        for (const auto& [k3, v] : want.get_child("terrain_y"))
          terrain.push_back(dbl(v.get_value<std::string>()));
        if (lander) {
          const auto& y = lander->sim().terrain_y();
          CHECK(std::vector<double>(y.begin(), y.end()) == terrain);
          std::vector<double> force;
          for (const auto& [k3, v] : want.get_child("force"))
            force.push_back(dbl(v.get_value<std::string>()));
          CHECK(force == std::vector<double>{lander->sim().initial_force()[0],
                                             lander->sim().initial_force()[1]});
          std::vector<std::int64_t> phases;
          for (const auto& [k3, v] : want.get_child("phases"))
            phases.push_back(std::stoll(v.get_value<std::string>()));
          CHECK(phases == std::vector<std::int64_t>{lander->sim().initial_wind_phases()[0],
                                                    lander->sim().initial_wind_phases()[1]});
        } else {
          const auto& y = walker->sim().terrain_y();
          CHECK(std::vector<double>(y.begin(), y.end()) == terrain);
          CHECK(walker->sim().initial_force() == dbl(want.get<std::string>("force")));
          for (TerrainKind kind : {TerrainKind::Stump, TerrainKind::Stairs, TerrainKind::Pit})
            obstacles += walker->sim().obstacle_count(kind);
        }
        if (reset++ == 0)
          for (int t = 0; t < 5; ++t) env->step(action, obs);  // noop / zero torque
      }
    }
  }
  CHECK(obstacles > 0);  // the hardcore rows exercise stumps, stairs and pits
}

TEST_CASE("Box2D state get/set under seeding = gymnasium replays numpy's stream",
          "[envs][seeding]") {
  for (const char* id : {"LunarLander-v3", "BipedalWalker-v3"}) {
    INFO(id);
    auto env = gym_env(id);
    Value obs, action;
    const bool walker = std::string(id) == "BipedalWalker-v3";
    if (walker) action.vec = {0.5f, -0.3f, 0.2f, 0.9f};
    action.index = 2;  // main engine
    env->reset(obs, 7);
    for (int t = 0; t < 8; ++t) env->step(action, obs);
    std::vector<double> state;
    env->get_state(state);
    // Another env of the same seeding, elsewhere in its stream, continues identically,
    // episode and stream (the next reset without a seed) alike.
    auto copy = gym_env(id);
    Value other;
    copy->reset(other, 99);
    copy->set_state(state);
    for (int t = 0; t < 4; ++t) {
      const StepResult a = env->step(action, obs);
      const StepResult b = copy->step(action, other);
      CHECK(obs.vec == other.vec);
      CHECK(a.reward == b.reward);
    }
    env->reset(obs);
    copy->reset(other);
    CHECK(obs.vec == other.vec);
    // A state of one seeding does not restore into an env of the other.
    auto plain = registry().make_env(id, {});
    Value p;
    plain->reset(p, 7);
    CHECK_THROWS_WITH(plain->set_state(state), Catch::Contains("seeding = \"gymnasium\""));
    std::vector<double> plain_state;
    plain->get_state(plain_state);
    CHECK_THROWS_WITH(copy->set_state(plain_state), Catch::Contains("seeding = \"rlsim\""));
  }
}

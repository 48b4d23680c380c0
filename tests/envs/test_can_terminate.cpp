// EnvSpec::can_terminate (issue 17, item 9): each env says whether an episode can end by
// termination, so that the runner refuses, up front, an env that cannot and has no time
// limit under an episode budget alone (tests/run/test_runner_limits.cpp).
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "core/registry.hpp"
#include "envs/register.hpp"

using namespace rlsim;

TEST_CASE("every built-in env says whether it can terminate", "[envs][terminate]") {
  Registry r;
  register_envs(r);
  // Only a time limit ends an episode of these.
  const std::set<std::string> never{"Pendulum-v1"};
  for (const std::string& id : r.env_ids()) {
    INFO(id);
    auto env = r.make_env(id, {});
    if (env->oracle()) continue;  // bandits: tests/run/test_runner_limits.cpp
    CHECK(env->spec().can_terminate == (never.count(id) == 0));
  }
}

TEST_CASE("a gridworld can terminate only when a goal or hole is reachable from a start",
          "[envs][terminate][gridworld]") {
  Registry r;
  register_envs(r);
  auto can = [&](const std::string& id, RawParams p) {
    return r.make_env(id, std::move(p))->spec().can_terminate;
  };
  CHECK(can("Gridworld-v0", {{"map", std::string("S..G")}}));
  CHECK(can("Gridworld-v0", {{"map", std::string("S..H")}}));        // a hole ends it too
  CHECK_FALSE(can("Gridworld-v0", {{"map", std::string("S...")}}));  // no terminal cell
  CHECK_FALSE(can("Gridworld-v0", {{"map", std::string("S.#G")}}));  // walled off
  CHECK_FALSE(can("Gridworld-v0", {{"map", std::string("S..#/###G")}}));
  CHECK_FALSE(can("FrozenLake-v1", {{"desc", std::string("SFF/FFF")}}));
  CHECK(can("FrozenLake-v1", {{"desc", std::string("SFF/FFG")}}));
  // The cliff returns the agent to the start without ending the episode.
  CHECK_FALSE(can("Gridworld-v0", {{"map", std::string("S.C.")}}));
}

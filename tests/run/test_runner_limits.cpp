// Runs always end (issue 17, item 9): a bandit's horizon bounds every episode whatever
// max_episode_steps says, a shorter time limit is refused, and an env that cannot terminate
// and has no time limit is refused under an episode budget alone.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "run/runner.hpp"
#include "tests/run/runner_test_util.hpp"

using namespace rlsim;

using rlsim::test::registry;
using rlsim::test::spec;

TEST_CASE("a bandit's horizon ends its episode whatever max_episode_steps says", "[runner]") {
  // max_episode_steps = 0 (no time limit) used to leave the episode endless: under a step
  // budget it was cut at the budget (no episode recorded), under an episode budget alone
  // the run never ended.
  for (std::int64_t limit : {std::int64_t{0}, std::int64_t{100}, std::int64_t{250}}) {
    CAPTURE(limit);
    const RawParams env{{"horizon", std::int64_t{100}}, {"max_episode_steps", limit}};
    const auto e = registry().make_env("BernoulliBandit-v0", env);
    CHECK(e->spec().max_episode_steps == 100);
    CHECK_FALSE(e->spec().can_terminate);
    const RunResult r =
        execute_run(registry(), spec("BernoulliBandit-v0", env, "ucb1", Budget{1, 1000}));
    CHECK(r.total_steps == 100);
    REQUIRE(r.episodes.size() == 1);
    CHECK(r.episodes.lengths[0] == 100);
    // Truncated, not terminated: the horizon is where the experiment stops (docs/bandits.md).
    CHECK(r.episodes.truncated[0] == 1);
    CHECK(r.episodes.terminated[0] == 0);
    // The regret curve ends at the horizon's last pull.
    CHECK(r.regret.step.back() == 100);
  }
  // An episode budget alone ends too.
  const RunResult r = execute_run(
      registry(), spec("GaussianBandit-v0",
                       {{"horizon", std::int64_t{50}}, {"max_episode_steps", std::int64_t{0}}},
                       "epsilon-greedy", Budget{2, 0}));
  CHECK(r.total_steps == 100);
  CHECK(r.episodes.size() == 2);
}

TEST_CASE("a time limit shorter than a bandit's horizon is refused, naming both", "[runner]") {
  const RawParams env{{"horizon", std::int64_t{100}}, {"max_episode_steps", std::int64_t{50}}};
  CHECK_THROWS_WITH(registry().make_env("BernoulliBandit-v0", env),
                    Catch::Contains("max_episode_steps = 50") && Catch::Contains("horizon = 100") &&
                        Catch::Contains("set horizon = 50"));
  CHECK_THROWS_WITH(
      validate_specs(registry(), {spec("BernoulliBandit-v0", env, "ucb1", Budget{1, 0})}),
      Catch::Contains("max_episode_steps = 50") && Catch::Contains("horizon = 100"));
}

TEST_CASE("an env that cannot terminate, without a time limit, needs a step budget", "[runner]") {
  const RawParams no_limit{{"max_episode_steps", std::int64_t{0}}};
  CHECK_FALSE(registry().make_env("Pendulum-v1", {})->spec().can_terminate);
  CHECK(registry().make_env("CartPole-v1", {})->spec().can_terminate);
  // Episodes alone: refused before any run starts, and by execute_run itself.
  const RunSpec pendulum = spec("Pendulum-v1", no_limit, "random", Budget{3, 0});
  CHECK_THROWS_WITH(validate_specs(registry(), {pendulum}),
                    Catch::Contains("Pendulum-v1 cannot end an episode") &&
                        Catch::Contains("max_episode_steps = 0") && Catch::Contains("3 episodes") &&
                        Catch::Contains("steps = N"));
  CHECK_THROWS_WITH(execute_run(registry(), pendulum), Catch::Contains("cannot end an episode"));
  // With its time limit, or a step budget, it runs.
  CHECK_NOTHROW(validate_specs(registry(), {spec("Pendulum-v1", {}, "random", Budget{3, 0})}));
  const RunResult r = execute_run(registry(), spec("Pendulum-v1", no_limit, "random", {0, 300}));
  CHECK(r.total_steps == 300);
  CHECK(r.episodes.size() == 0);  // one endless episode, cut by the budget

  // A FrozenLake map without a goal or hole cannot terminate; one with a goal can.
  const RawParams no_goal{{"desc", std::string("SFF/FFF")}, {"max_episode_steps", std::int64_t{0}}};
  CHECK_FALSE(registry().make_env("FrozenLake-v1", no_goal)->spec().can_terminate);
  CHECK_THROWS_WITH(
      validate_specs(registry(), {spec("FrozenLake-v1", no_goal, "random", Budget{5, 0})}),
      Catch::Contains("FrozenLake-v1 cannot end an episode"));
  // A goal walled off from the start does not count (Gridworld-v0: '#' is a wall).
  CHECK_FALSE(
      registry().make_env("Gridworld-v0", {{"map", std::string("S.#G")}})->spec().can_terminate);
  CHECK(registry().make_env("Gridworld-v0", {{"map", std::string("S..G")}})->spec().can_terminate);
  // CliffWalking has no time limit but terminates at its goal: allowed.
  CHECK_NOTHROW(
      validate_specs(registry(), {spec("CliffWalking-v1", {}, "q-learning", Budget{5, 0})}));
}

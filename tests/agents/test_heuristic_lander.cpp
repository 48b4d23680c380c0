// heuristic-lander (agents/control/heuristic_lander.hpp): Gymnasium's hand-written
// LunarLander controller lands both LunarLander-v3 and LunarLanderContinuous-v3 (Gymnasium's
// heuristic scores about 250 on both; the envs' reward threshold is 200), is deterministic,
// and is refused on other envs with a message that says why.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <string>

#include "agents/control/heuristic_lander.hpp"
#include "agents/register.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"
#include "envs/box2d/lunar_lander.hpp"
#include "envs/register.hpp"
#include "tests/test_util.hpp"

using namespace rlsim;
using rlsim::test::registry;

namespace {

struct Score {
  double mean_return = 0;
  // Fraction of episodes ending at rest (+100) after both legs touched down. (The flags
  // may read 0 at rest: as in Gymnasium, a leg's flag is a bool cleared by the EndContact
  // of one terrain edge even when the leg already touches the next edge.)
  double landed = 0;
};

Score fly(const std::string& id, int episodes) {
  auto env = registry().make_env(id, {});
  auto agent = registry().make_agent("heuristic-lander", {}, *env, 1);
  Value obs, action;
  env->spec().action_space.prepare(action);
  Score s;
  for (int e = 0; e < episodes; ++e) {
    env->reset(obs, 1000 + static_cast<std::uint64_t>(e));
    agent->begin_episode(obs);
    double ret = 0;
    bool both_legs_down = false;
    for (;;) {
      Decision d;
      agent->act(obs, action, d);
      REQUIRE(d.probability == 1.0);
      REQUIRE(d.log_prob == 0.0);
      REQUIRE(env->spec().action_space.contains(action));
      const StepResult r = env->step(action, obs);
      ret += r.reward;
      both_legs_down = both_legs_down || (obs.vec[6] == 1.0f && obs.vec[7] == 1.0f);
      if (r.terminated || r.truncated) {
        if (r.terminated && r.reward == 100.0 && both_legs_down) s.landed += 1;
        break;
      }
    }
    agent->end_episode();
    s.mean_return += ret;
  }
  s.mean_return /= episodes;
  s.landed /= episodes;
  return s;
}

}  // namespace

TEST_CASE("heuristic-lander solves LunarLander-v3 and LunarLanderContinuous-v3",
          "[heuristic-lander]") {
  const Score d = fly("LunarLander-v3", 50);
  INFO("LunarLander-v3: mean return " << d.mean_return << ", landed " << d.landed);
  CHECK(d.mean_return > 200.0);
  CHECK(d.landed > 0.8);
  const Score c = fly("LunarLanderContinuous-v3", 50);
  INFO("LunarLanderContinuous-v3: mean return " << c.mean_return << ", landed " << c.landed);
  CHECK(c.mean_return > 200.0);
  CHECK(c.landed > 0.8);
}

TEST_CASE("heuristic-lander follows Gymnasium's heuristic rules", "[heuristic-lander]") {
  // Falling fast above the pad, upright: the main engine.
  const float falling[8] = {0, 1.0f, 0, -0.5f, 0, 0, 0, 0};
  auto c = HeuristicLanderAgent::command(falling);
  // hover_todo = 0.5 (0 - 1) - 0.5 (-0.5) = -0.25: above the target, no burn yet.
  CHECK(c.hover_todo == Approx(-0.25));
  CHECK(c.angle_todo == Approx(0.0));
  CHECK(HeuristicLanderAgent::discrete_action(c) == 0);
  const float low_fast[8] = {0, 0.2f, 0, -1.0f, 0, 0, 0, 0};
  c = HeuristicLanderAgent::command(low_fast);
  CHECK(c.hover_todo == Approx(0.4));  // 0.5 (0 - 0.2) + 0.5
  CHECK(HeuristicLanderAgent::discrete_action(c) == 2);
  // Tilted left (positive angle) and not turning: angle_todo = 0.5 (0 - 0.3) < -0.05 → 3.
  const float tilted[8] = {0, 1.0f, 0, 0, 0.3f, 0, 0, 0};
  c = HeuristicLanderAgent::command(tilted);
  CHECK(c.angle_todo == Approx(-0.15));
  CHECK(HeuristicLanderAgent::discrete_action(c) == 3);
  // Far right and drifting right: the angle target saturates at 0.4 → fire left (1).
  const float drifting[8] = {0.8f, 1.0f, 0.5f, 0, 0, 0, 0, 0};
  c = HeuristicLanderAgent::command(drifting);
  CHECK(c.angle_todo == Approx(0.2));
  CHECK(HeuristicLanderAgent::discrete_action(c) == 1);
  // A leg on the ground: only damp the vertical speed.
  const float touching[8] = {0.8f, 0.0f, 0.5f, -0.2f, 0.3f, 0.1f, 1.0f, 0};
  c = HeuristicLanderAgent::command(touching);
  CHECK(c.angle_todo == 0.0);
  CHECK(c.hover_todo == Approx(0.1));
  CHECK(HeuristicLanderAgent::discrete_action(c) == 2);

  // Continuous: [20 hover_todo - 1, -20 angle_todo] clipped to [-1, 1].
  auto env = registry().make_env("LunarLanderContinuous-v3", {});
  auto agent = registry().make_agent("heuristic-lander", {}, *env, 1);
  Value obs, action;
  obs.vec.assign(tilted, tilted + 8);
  Decision dec;
  agent->act(obs, action, dec);
  REQUIRE(action.vec.size() == 2);
  CHECK(action.vec[0] == -1.0f);  // 20 * (-0.5) - 1, clipped
  CHECK(action.vec[1] == 1.0f);   // -20 * (-0.15) = 3, clipped
  obs.vec.assign(touching, touching + 8);
  agent->act(obs, action, dec);
  CHECK(action.vec[0] == Approx(1.0f));  // 20 * 0.1 - 1
  CHECK(action.vec[1] == 0.0f);
}

TEST_CASE("heuristic-lander is refused on other envs with the reason", "[heuristic-lander]") {
  auto cart = registry().make_env("CartPole-v1", {});
  CHECK_THROWS_WITH(registry().make_agent("heuristic-lander", {}, *cart, 1),
                    Catch::Contains("heuristic-lander") && Catch::Contains("CartPole-v1") &&
                        Catch::Contains("LunarLander-v3"));
  CHECK_THROWS_AS(registry().check_compatible("heuristic-lander", *cart), Error);
  auto lander = registry().make_env("LunarLander-v3", {});
  CHECK_NOTHROW(registry().check_compatible("heuristic-lander", *lander));
}

// Env::render and render_text of the envs in envs/: sizes, content, determinism, and that
// rendering leaves the env's state and random stream alone.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include "core/registry.hpp"
#include "envs/gridworld/gridworld.hpp"
#include "envs/register.hpp"

using namespace rlsim;

namespace {

Registry env_registry() {
  Registry r;
  register_envs(r);
  return r;
}

// Documented frame sizes (docs/rendering.md); every env listed here must render.
const std::map<std::string, std::pair<int, int>> kSizes = {
    {"CartPole-v1", {600, 400}},
    {"MountainCar-v0", {600, 400}},
    {"MountainCarContinuous-v0", {600, 400}},
    {"Acrobot-v1", {500, 500}},
    {"Pendulum-v1", {500, 500}},
    {"FrozenLake-v1", {256, 256}},
    {"FrozenLake8x8-v1", {512, 512}},
    {"CliffWalking-v1", {576, 192}},
    {"CliffWalkingSlippery-v1", {576, 192}},
    {"Taxi-v4", {500, 500}},
    {"WindyGridworld-v0", {480, 336}},
    {"FourRooms-v0", {624, 624}},
};

// A deterministic action sequence: cycling discrete actions, Box actions alternating
// between the bounds' extremes.
void pick_action(const Space& space, int step, Value& action) {
  space.prepare(action);
  if (space.is_discrete()) {
    action.index = space.start() + (step * 7 + step / 3) % space.n();
  } else {
    for (std::size_t i = 0; i < action.vec.size(); ++i)
      action.vec[i] =
          ((step / 2 + static_cast<int>(i)) % 2 == 0) ? space.high()[i] : space.low()[i];
  }
}

std::size_t distinct_colours(const Image& f) {
  std::set<std::uint32_t> c;
  for (std::size_t i = 0; i + 2 < f.rgb.size(); i += 3)
    c.insert((std::uint32_t{f.rgb[i]} << 16) | (std::uint32_t{f.rgb[i + 1]} << 8) | f.rgb[i + 2]);
  return c.size();
}

std::array<int, 3> pixel(const Image& f, int x, int y) {
  const std::size_t i = (static_cast<std::size_t>(y) * f.width + x) * 3;
  return {f.rgb[i], f.rgb[i + 1], f.rgb[i + 2]};
}

}  // namespace

TEST_CASE("render: every rendering env gives documented, deterministic, state-dependent frames",
          "[render]") {
  const Registry reg = env_registry();
  std::set<std::string> rendered;
  for (const std::string& id : reg.env_ids()) {
    std::unique_ptr<Env> env, twin;
    try {
      env = reg.make_env(id, {});
      twin = reg.make_env(id, {});
    } catch (const Error&) {
      continue;  // envs that need parameters (Gridworld-v0's map) are covered below
    }
    INFO(id);
    Value obs, twin_obs, action;
    env->reset(obs, 11);
    twin->reset(twin_obs, 11);
    Image first;
    if (!env->render(first)) {
      CHECK(kSizes.count(id) == 0);  // a documented renderer must render
      continue;
    }
    rendered.insert(id);
    if (kSizes.count(id)) {
      CHECK(first.width == kSizes.at(id).first);
      CHECK(first.height == kSizes.at(id).second);
    }
    REQUIRE(first.rgb.size() == static_cast<std::size_t>(first.width) * first.height * 3);
    CHECK(distinct_colours(first) >= 3);
    Image again;
    REQUIRE(env->render(again));
    CHECK(again.rgb == first.rgb);

    // Step both copies alike, rendering only `env` (twice per step): rendering must not
    // change the state or the random stream, so the observations stay equal to the twin's,
    // which is never rendered.
    bool changed = false;
    Image frame;
    for (int t = 0; t < 40 && !env->episode_over(); ++t) {
      pick_action(env->spec().action_space, t, action);
      const StepResult a = env->step(action, obs);
      REQUIRE(env->render(frame));
      const StepResult b = twin->step(action, twin_obs);
      CHECK(a.reward == b.reward);
      CHECK(obs.index == twin_obs.index);
      CHECK(obs.vec == twin_obs.vec);
      Image repeat;
      REQUIRE(env->render(repeat));
      CHECK(frame.rgb == repeat.rgb);  // same state, same picture
      CHECK(frame.width == first.width);
      CHECK(frame.height == first.height);
      if (env->has_state()) {
        std::vector<double> s0, s1;
        env->get_state(s0);
        twin->get_state(s1);
        CHECK(s0 == s1);
      }
      changed = changed || frame.rgb != first.rgb;
    }
    CHECK(changed);  // different states, different pictures
  }
  for (const auto& [id, size] : kSizes) {
    INFO(id);
    CHECK(rendered.count(id) == 1);
  }
}

TEST_CASE("render: a Gridworld-v0 map gives cells of 64 pixels, walls and agent drawn",
          "[render]") {
  const Registry reg = env_registry();
  RawParams p;
  p["map"] = std::string("S.#/..G");
  std::unique_ptr<Env> env = reg.make_env("Gridworld-v0", p);
  Value obs;
  env->reset(obs, 1);
  Image f;
  REQUIRE(env->render(f));
  CHECK(f.width == 3 * 64);
  CHECK(f.height == 2 * 64);
  CHECK(pixel(f, 32, 32) == std::array<int, 3>{220, 40, 40});             // agent on S
  CHECK(pixel(f, 128 + 10, 10) == std::array<int, 3>{60, 60, 60});        // wall
  CHECK(pixel(f, 128 + 10, 64 + 10) == std::array<int, 3>{255, 204, 0});  // goal
}

TEST_CASE("render: FrozenLake pixels show the agent, holes and goal where the map has them",
          "[render]") {
  const Registry reg = env_registry();
  RawParams p;
  p["is_slippery"] = false;
  std::unique_ptr<Env> env = reg.make_env("FrozenLake-v1", p);
  Value obs, action;
  env->reset(obs, 5);
  Image f;
  REQUIRE(env->render(f));
  CHECK(pixel(f, 32, 32) == std::array<int, 3>{220, 40, 40});              // agent at S
  CHECK(pixel(f, 64 + 10, 64 + 10) == std::array<int, 3>{25, 45, 100});    // hole (1, 1)
  CHECK(pixel(f, 192 + 10, 192 + 10) == std::array<int, 3>{255, 204, 0});  // goal (3, 3)
  CHECK(pixel(f, 128 + 10, 10) == std::array<int, 3>{204, 229, 255});      // ice (0, 2)
  action.index = 2;                                                        // Right
  env->step(action, obs);
  REQUIRE(env->render(f));
  CHECK(pixel(f, 64 + 32, 32) == std::array<int, 3>{220, 40, 40});  // agent moved right
  CHECK(pixel(f, 10, 10) == std::array<int, 3>{170, 215, 170});     // start tile uncovered
}

TEST_CASE("render: CartPole's upright pole and cart are where Gymnasium draws them", "[render]") {
  const Registry reg = env_registry();
  std::unique_ptr<Env> env = reg.make_env("CartPole-v1", {});
  Value obs;
  env->reset(obs, 0);
  const std::vector<double> upright = {0.0, 0.0, 0.0, 0.0};
  env->set_state(upright);
  Image f;
  REQUIRE(env->render(f));
  // cartpole.py: cart centre (300, 100) 50x30, pole from y = 107.5 up to 227.5, y up.
  CHECK(pixel(f, 280, 400 - 100) == std::array<int, 3>{0, 0, 0});
  CHECK(pixel(f, 300, 400 - 170) == std::array<int, 3>{202, 152, 101});
  CHECK(pixel(f, 300, 400 - 260) == std::array<int, 3>{255, 255, 255});
  CHECK(pixel(f, 340, 400 - 170) == std::array<int, 3>{255, 255, 255});
  // Tilted right by 0.1 rad: the pole's top moves right of the centre line.
  const std::vector<double> tilted = {0.0, 0.0, 0.1, 0.0};
  env->set_state(tilted);
  REQUIRE(env->render(f));
  CHECK(pixel(f, 300, 400 - 220) == std::array<int, 3>{255, 255, 255});
  CHECK(pixel(f, 300 + static_cast<int>(std::sin(0.1) * 112.5),
              400 - 107 - static_cast<int>(std::cos(0.1) * 112.5)) ==
        std::array<int, 3>{202, 152, 101});
}

TEST_CASE("render: FrozenLake's text frame after reset and after a move", "[render]") {
  const Registry reg = env_registry();
  RawParams p;
  p["is_slippery"] = false;
  std::unique_ptr<Env> env = reg.make_env("FrozenLake-v1", p);
  Value obs, action;
  env->reset(obs, 3);
  CHECK(env->render_text() ==
        "@FFF\n"
        "FHFH\n"
        "FFFH\n"
        "HFFG\n");
  action.index = 1;  // Down
  env->step(action, obs);
  CHECK(env->render_text() ==
        "  (Down)\n"
        "SFFF\n"
        "@HFH\n"
        "FFFH\n"
        "HFFG\n");
  action.index = 2;  // Right: into the hole at (1, 1)
  env->step(action, obs);
  CHECK(env->render_text() ==
        "  (Right)\n"
        "SFFF\n"
        "F@FH\n"
        "FFFH\n"
        "HFFG\n");
}

TEST_CASE("render: Taxi's text frame marks the taxi, passenger and destination", "[render]") {
  const Registry reg = env_registry();
  std::unique_ptr<Env> env = reg.make_env("Taxi-v4", {});
  Value obs;
  env->reset(obs, 0);
  // Taxi at (2, 1), passenger at Y (2), destination G (1).
  const std::vector<double> s = {static_cast<double>(((2 * 5 + 1) * 5 + 2) * 4 + 1)};
  env->set_state(s);
  CHECK(env->render_text() ==
        "+---------+\n"
        "|R: | : :G|\n"
        "| : | : : |\n"
        "| :@: : : |\n"
        "| | : | : |\n"
        "|Y| : |B: |\n"
        "+---------+\n"
        "taxi '@' (with passenger '&'); passenger at Y, destination G\n");
  Image f;
  REQUIRE(env->render(f));
  CHECK(f.width == 500);
  CHECK(pixel(f, 150, 250) == std::array<int, 3>{245, 190, 0});  // the taxi's body
}

// BipedalWalker-v3 / BipedalWalkerHardcore-v3 (envs/box2d/bipedal_walker.hpp): agreement
// with Gymnasium 1.4's random-policy statistics (tests/data/gymnasium_random_stats.json,
// within 4 combined standard errors), determinism, action clipping, the hardcore terrain,
// the reward's telescoping shaping and rendering.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "core/rng.hpp"
#include "envs/box2d/bipedal_walker.hpp"
#include "envs/register.hpp"
#include "tests/envs/random_policy_stats.hpp"

namespace {

const rlsim::Registry& walker_registry() {
  static const rlsim::Registry r = [] {
    rlsim::Registry reg;
    rlsim::register_envs(reg);
    return reg;
  }();
  return r;
}

std::unique_ptr<rlsim::Env> make(const std::string& id, const rlsim::RawParams& p = {}) {
  return walker_registry().make_env(id, p);
}

void random_action(rlsim::Rng& rng, rlsim::Value& action) {
  action.vec.resize(4);
  for (float& a : action.vec) a = static_cast<float>(rng.uniform(-1.0, 1.0));
}

}  // namespace

TEST_CASE("BipedalWalker-v3 random-policy statistics match Gymnasium", "[bipedal-walker]") {
  // 300 episodes (Gymnasium's figures: 500), played as Gymnasium's were drawn.
  auto env = make("BipedalWalker-v3");
  random_policy::compare(*env, "BipedalWalker-v3", 300);
}

TEST_CASE("BipedalWalker registration, spaces and limits follow Gymnasium", "[bipedal-walker]") {
  auto v3 = make("BipedalWalker-v3");
  auto hc = make("BipedalWalkerHardcore-v3");
  CHECK(v3->spec().max_episode_steps == 1600);
  CHECK(hc->spec().max_episode_steps == 2000);
  CHECK(v3->spec().reward_threshold.value() == 300.0);
  CHECK(hc->spec().reward_threshold.value() == 300.0);
  CHECK(v3->spec().env_clips_actions);
  REQUIRE(v3->spec().action_space.flat_size() == 4);
  CHECK(v3->spec().action_space.low()[2] == -1.0f);
  CHECK(v3->spec().action_space.high()[3] == 1.0f);
  REQUIRE(v3->spec().observation_space.flat_size() == 24);
  CHECK(v3->spec().observation_space.high()[0] == static_cast<float>(3.141592653589793));
  CHECK(v3->spec().observation_space.high()[8] == 5.0f);
  CHECK(v3->spec().observation_space.low()[14] == -1.0f);
  // make("BipedalWalker-v3", hardcore=True) keeps the v3 id and its 1600-step limit.
  auto v3_hard = make("BipedalWalker-v3", {{"hardcore", true}});
  CHECK(v3_hard->spec().id == "BipedalWalker-v3");
  CHECK(v3_hard->spec().max_episode_steps == 1600);
  const auto* walker = dynamic_cast<const rlsim::BipedalWalkerEnv*>(v3_hard.get());
  REQUIRE(walker != nullptr);
  CHECK(walker->sim().hardcore());
}

TEST_CASE("BipedalWalker same seed gives the same trajectory", "[bipedal-walker]") {
  for (const char* id : {"BipedalWalker-v3", "BipedalWalkerHardcore-v3"}) {
    INFO(id);
    auto a = make(id);
    auto b = make(id);
    rlsim::Rng pa(5), pb(5);
    rlsim::Value oa, ob, act_a, act_b;
    a->reset(oa, 99);
    b->reset(ob, 99);
    REQUIRE(oa.vec == ob.vec);
    for (int t = 0; t < 300; ++t) {
      random_action(pa, act_a);
      random_action(pb, act_b);
      const rlsim::StepResult ra = a->step(act_a, oa);
      const rlsim::StepResult rb = b->step(act_b, ob);
      REQUIRE(oa.vec == ob.vec);
      REQUIRE(ra.reward == rb.reward);
      REQUIRE(ra.terminated == rb.terminated);
      if (ra.terminated || ra.truncated) {
        a->reset(oa);
        b->reset(ob);
        REQUIRE(oa.vec == ob.vec);
      }
    }
    // Another seed gives another terrain.
    auto c = make(id);
    rlsim::Value oc;
    a->reset(oa, 99);
    c->reset(oc, 100);
    const auto& ta = dynamic_cast<const rlsim::BipedalWalkerEnv&>(*a).sim().terrain_y();
    const auto& tc = dynamic_cast<const rlsim::BipedalWalkerEnv&>(*c).sim().terrain_y();
    CHECK(ta != tc);
  }
}

TEST_CASE("BipedalWalker clips actions like np.clip and refuses NaN", "[bipedal-walker]") {
  auto a = make("BipedalWalker-v3");
  auto b = make("BipedalWalker-v3");
  rlsim::Value oa, ob, act_a, act_b;
  a->reset(oa, 3);
  b->reset(ob, 3);
  const float inf = std::numeric_limits<float>::infinity();
  for (int t = 0; t < 50; ++t) {
    act_a.vec = {2.5f, -7.0f, 0.25f, inf};
    act_b.vec = {1.0f, -1.0f, 0.25f, 1.0f};
    const rlsim::StepResult ra = a->step(act_a, oa);
    const rlsim::StepResult rb = b->step(act_b, ob);
    REQUIRE(oa.vec == ob.vec);
    REQUIRE(ra.reward == rb.reward);
    if (ra.terminated) break;
  }
  auto c = make("BipedalWalker-v3");
  rlsim::Value oc, bad;
  c->reset(oc, 3);
  bad.vec = {0.0f, std::numeric_limits<float>::quiet_NaN(), 0.0f, 0.0f};
  REQUIRE_THROWS_AS(c->step(bad, oc), rlsim::Error);
  bad.vec = {0.0f, 0.0f, 0.0f};
  REQUIRE_THROWS_AS(c->step(bad, oc), rlsim::Error);
  // The physics class refuses NaN on its own too.
  rlsim::BipedalWalkerSim sim(false);
  rlsim::Rng rng(1);
  float obs[24];
  sim.reset(rng, obs);
  const float nan_action[4] = {std::numeric_limits<float>::quiet_NaN(), 0, 0, 0};
  REQUIRE_THROWS_AS(sim.step(nan_action, obs), rlsim::Error);
}

TEST_CASE("BipedalWalker hardcore terrain has obstacles and the normal one has none",
          "[bipedal-walker]") {
  using rlsim::TerrainKind;
  constexpr double kStep = rlsim::bipedal::kTerrainStep;
  rlsim::Rng rng(11);
  float obs[24];
  int stumps = 0, stairs = 0, pits = 0;
  double hard_max_jump = 0, normal_max_jump = 0;
  rlsim::BipedalWalkerSim hard(true), normal(false);
  for (int k = 0; k < 5; ++k) {
    hard.reset(rng, obs);
    normal.reset(rng, obs);
    stumps += hard.obstacle_count(TerrainKind::Stump);
    stairs += hard.obstacle_count(TerrainKind::Stairs);
    pits += hard.obstacle_count(TerrainKind::Pit);
    CHECK(normal.obstacle_count(TerrainKind::Stump) == 0);
    CHECK(normal.obstacle_count(TerrainKind::Stairs) == 0);
    CHECK(normal.obstacle_count(TerrainKind::Pit) == 0);
    // Every grass segment of the hardcore terrain is followed by an obstacle.
    CHECK(hard.obstacle_count(TerrainKind::Grass) + 1 >=
          hard.obstacle_count(TerrainKind::Stump) + hard.obstacle_count(TerrainKind::Stairs) +
              hard.obstacle_count(TerrainKind::Pit));
    for (std::size_t i = 0; i + 1 < hard.terrain_y().size(); ++i) {
      hard_max_jump =
          std::max(hard_max_jump, std::fabs(hard.terrain_y()[i + 1] - hard.terrain_y()[i]));
      normal_max_jump =
          std::max(normal_max_jump, std::fabs(normal.terrain_y()[i + 1] - normal.terrain_y()[i]));
    }
    // The start pad is flat in both (TERRAIN_STARTPAD steps at TERRAIN_HEIGHT).
    for (int i = 0; i <= rlsim::bipedal::kTerrainStartpad; ++i)
      CHECK(normal.terrain_y()[static_cast<std::size_t>(i)] == rlsim::bipedal::kTerrainHeight);
  }
  CHECK(stumps > 0);
  CHECK(stairs > 0);
  CHECK(pits > 0);
  // A pit drops the surface by 4 TERRAIN_STEPs; grass only changes slowly.
  CHECK(hard_max_jump >= 4 * kStep - 1e-9);
  CHECK(normal_max_jump < kStep);
}

TEST_CASE("BipedalWalker rewards telescope to the shaping minus the torque cost",
          "[bipedal-walker]") {
  // Without termination by a fall, the return is 130 * dx / SCALE - 5 * d|angle| minus
  // 0.00035 * MOTORS_TORQUE * sum |a|, and a fall gives exactly -100.
  auto env = make("BipedalWalker-v3");
  const auto& sim = dynamic_cast<const rlsim::BipedalWalkerEnv&>(*env).sim();
  rlsim::Rng policy(8);
  rlsim::Value obs, action;
  bool saw_fall = false, saw_end = false;
  for (int ep = 0; ep < 10; ++ep) {
    env->reset(obs, static_cast<std::uint64_t>(40 + ep));
    const double shaping0 = 130 * sim.hull_x() / rlsim::bipedal::kScale - 5 * std::fabs(obs.vec[0]);
    double ret = 0, torque = 0;
    for (;;) {
      random_action(policy, action);
      for (float a : action.vec) torque += 0.00035 * 80 * std::fabs(a);
      const rlsim::StepResult r = env->step(action, obs);
      for (std::size_t i = 14; i < 24; ++i) REQUIRE((obs.vec[i] >= 0 && obs.vec[i] <= 1));
      REQUIRE((obs.vec[8] == 0 || obs.vec[8] == 1));
      REQUIRE((obs.vec[13] == 0 || obs.vec[13] == 1));
      if (r.terminated && r.reward == -100) {
        saw_fall = true;
        break;
      }
      ret += r.reward;
      if (r.terminated || r.truncated) {
        const double shaping =
            130 * sim.hull_x() / rlsim::bipedal::kScale - 5 * std::fabs(obs.vec[0]);
        REQUIRE(ret == Approx(shaping - shaping0 - torque).margin(1e-6));
        saw_end = true;
        break;
      }
    }
  }
  CHECK(saw_fall);
  CHECK(saw_end);
}

TEST_CASE("BipedalWalker renders a 600x400 frame", "[bipedal-walker]") {
  auto env = make("BipedalWalkerHardcore-v3");
  rlsim::Image frame;
  CHECK_FALSE(env->render(frame));  // nothing to draw before reset
  rlsim::Value obs, action;
  env->reset(obs, 1);
  action.vec = {0.5f, -0.5f, 0.5f, -0.5f};
  for (int t = 0; t < 10; ++t) env->step(action, obs);
  REQUIRE(env->render(frame));
  REQUIRE(frame.width == 600);
  REQUIRE(frame.height == 400);
  REQUIRE(frame.rgb.size() == 600u * 400u * 3u);
  std::set<std::uint32_t> colours;
  for (std::size_t i = 0; i < frame.rgb.size(); i += 3)
    colours.insert(static_cast<std::uint32_t>(frame.rgb[i]) << 16 |
                   static_cast<std::uint32_t>(frame.rgb[i + 1]) << 8 | frame.rgb[i + 2]);
  CHECK(colours.size() > 5);
  // Sky at the top (215, 215, 255) and the hull's purple (127, 51, 229) somewhere.
  CHECK(frame.rgb[0] == 215);
  CHECK(frame.rgb[2] == 255);
  CHECK(colours.count(127u << 16 | 51u << 8 | 229u) == 1);
}

TEST_CASE("BipedalWalker get_state / set_state replay the episode exactly", "[bipedal-walker]") {
  for (const char* id : {"BipedalWalker-v3", "BipedalWalkerHardcore-v3"}) {
    INFO(id);
    auto a = make(id);
    REQUIRE(a->has_state());
    rlsim::Rng policy(31);
    rlsim::Value obs, act;
    a->reset(obs, 5);
    for (int t = 0; t < 25; ++t) {
      random_action(policy, act);
      act.vec[0] *= 2.0f;  // out-of-range values are clipped, and replayed clipped
      a->step(act, obs);
    }
    std::vector<double> state;
    a->get_state(state);
    const std::vector<float> obs_at_25 = obs.vec;
    std::vector<rlsim::Value> actions;
    std::vector<std::vector<float>> next_obs;
    std::vector<double> rewards;
    for (int t = 0; t < 30; ++t) {
      random_action(policy, act);
      actions.push_back(act);
      const rlsim::StepResult r = a->step(act, obs);
      next_obs.push_back(obs.vec);
      rewards.push_back(r.reward);
      if (r.terminated) break;
    }
    auto b = make(id);
    rlsim::Value ob;
    b->reset(ob, 99);
    b->set_state(state);
    b->observe(ob);
    CHECK(ob.vec == obs_at_25);
    std::vector<double> again;
    b->get_state(again);
    CHECK(again == state);
    for (std::size_t t = 0; t < actions.size(); ++t) {
      const rlsim::StepResult r = b->step(actions[t], ob);
      REQUIRE(ob.vec == next_obs[t]);
      REQUIRE(r.reward == rewards[t]);
    }
    std::vector<double> bad = state;
    bad.back() = 1.5;  // outside Box(-1, 1)
    CHECK_THROWS_WITH(b->set_state(bad), Catch::Contains("outside the action space"));
    CHECK_THROWS_AS(b->set_state(std::vector<double>(3, 0.0)), rlsim::Error);
  }
}

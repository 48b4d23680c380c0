// Step info (core/env.hpp StepInfo): "prob" of the tabular envs and Taxi's "action_mask",
// checked against the envs' own models (an independent description of the same dynamics)
// and against masks worked out by hand from Gymnasium's taxi map.
#include <catch2/catch.hpp>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "core/registry.hpp"
#include "envs/gridworld/taxi.hpp"
#include "envs/register.hpp"
#include "tests/test_util.hpp"

using namespace rlsim;
using rlsim::test::registry;

namespace {

std::vector<int> mask_of(const Env& env) {
  const auto m = env.info().action_mask;
  return std::vector<int>(m.begin(), m.end());
}

}  // namespace

TEST_CASE("step info: Taxi's action mask by hand, as Gymnasium's taxi map gives it") {
  std::unique_ptr<Env> env = registry().make_env("Taxi-v4", {});
  REQUIRE(env->spec().info.action_mask);
  REQUIRE(env->spec().info.prob);
  Value obs;
  env->reset(obs, 1);
  REQUIRE(env->info().action_mask.size() == 6);
  auto at = [&](int row, int col, int pass, int dest) {
    env->set_state(std::vector<double>{static_cast<double>(Taxi::encode(row, col, pass, dest))});
    return mask_of(*env);
  };
  // Order: south, north, east, west, pickup, dropoff. Map row 1 is "|R: | : :G|".
  // At R with the passenger waiting there: south, east (':' right of R), pickup.
  CHECK(at(0, 0, 0, 1) == std::vector<int>{1, 0, 1, 0, 1, 0});
  // At (0, 1) with the passenger aboard: a wall '|' on the east, no location here.
  CHECK(at(0, 1, 4, 2) == std::vector<int>{1, 0, 0, 1, 0, 0});
  // At B (4, 3), row "|Y| : |B: |": a wall on the west, ':' on the east; aboard: dropoff.
  CHECK(at(4, 3, 4, 0) == std::vector<int>{0, 1, 1, 0, 0, 1});
  // At G (0, 4) with the passenger waiting at Y: no pickup here.
  CHECK(at(0, 4, 2, 0) == std::vector<int>{1, 0, 0, 1, 0, 0});
}

TEST_CASE("step info: Taxi's mask allows exactly the actions that change the state") {
  // An invariant against the env's exact model: in every state where the passenger is not
  // yet delivered, mask[a] = 1 if and only if action a leads to another state.
  std::unique_ptr<Env> env = registry().make_env("Taxi-v4", {});
  const TabularModel* model = env->model();
  REQUIRE(model != nullptr);
  Value obs;
  env->reset(obs, 1);
  int checked = 0;
  for (std::int64_t s = 0; s < 500; ++s) {
    const auto d = Taxi::decode(s);
    if (d.passenger == d.destination) continue;  // delivered: terminal
    env->set_state(std::vector<double>{static_cast<double>(s)});
    const std::vector<int> mask = mask_of(*env);
    for (std::int64_t a = 0; a < 6; ++a) {
      const auto& outs = model->at(s, a);
      REQUIRE(outs.size() == 1);
      INFO("state " << s << " action " << a);
      CHECK(mask[static_cast<std::size_t>(a)] == (outs[0].next_state != s ? 1 : 0));
      ++checked;
    }
  }
  CHECK(checked == 400 * 6);
}

TEST_CASE("step info: the mask follows the state through reset and steps") {
  std::unique_ptr<Env> env = registry().make_env("Taxi-v4", {});
  const TabularModel* model = env->model();
  Value obs, action;
  env->reset(obs, 7);
  for (int t = 0; t < 200 && !env->episode_over(); ++t) {
    const std::vector<int> mask = mask_of(*env);
    for (std::int64_t a = 0; a < 6; ++a)
      CHECK(mask[static_cast<std::size_t>(a)] ==
            (model->at(obs.index, a)[0].next_state != obs.index ? 1 : 0));
    action.index = t % 6;
    env->step(action, obs);
    CHECK(env->info().prob == 1.0);  // Taxi without rain is deterministic
  }
}

TEST_CASE("step info: prob is the model's probability of the outcome drawn") {
  // Slippery FrozenLake: each move goes to one of three directions with 1/3 each; slips
  // onto the same cell (against a wall) are one outcome of summed probability.
  std::unique_ptr<Env> env = registry().make_env("FrozenLake-v1", {});
  REQUIRE(env->spec().info.prob);
  REQUIRE_FALSE(env->spec().info.action_mask);
  CHECK(env->info().action_mask.empty());
  const TabularModel* model = env->model();
  REQUIRE(model != nullptr);
  Value obs, action;
  int steps = 0, two_thirds = 0;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    env->reset(obs, seed);
    CHECK(env->info().prob == 1.0);
    while (!env->episode_over()) {
      const std::int64_t s = obs.index;
      action.index = static_cast<std::int64_t>((seed + static_cast<std::uint64_t>(steps)) % 4);
      env->step(action, obs);
      double expected = 0.0;
      for (const ModelOutcome& o : model->at(s, action.index))
        if (o.next_state == obs.index) expected += o.probability;
      CHECK(env->info().prob == Approx(expected));
      two_thirds += std::abs(env->info().prob - 2.0 / 3.0) < 1e-12;
      ++steps;
    }
  }
  CHECK(steps > 100);
  CHECK(two_thirds > 0);  // a slip against a wall was drawn and reported as 2/3
  // Non-slippery: every transition has probability 1; CartPole reports no step info.
  std::unique_ptr<Env> still = registry().make_env("FrozenLake-v1", {{"is_slippery", false}});
  still->reset(obs, 1);
  action.index = 2;
  still->step(action, obs);
  CHECK(still->info().prob == 1.0);
  std::unique_ptr<Env> cart = registry().make_env("CartPole-v1", {});
  CHECK_FALSE(cart->spec().info.prob);
  CHECK_FALSE(cart->spec().info.action_mask);
}

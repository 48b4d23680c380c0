// A2C (agents/deep/a2c.hpp): one RMSprop step per rollout, the single-env path, save → load
// → identical continuation and a CartPole-v1 learning smoke test.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "agents/deep/a2c.hpp"
#include "on_policy_util.hpp"

using namespace rlsim;
using rlsim::test::evaluate_policy;
using rlsim::test::same_state;
using rlsim::test::same_value;
using rlsim::test::VectorLoop;

TEST_CASE("a2c takes one optimizer step per rollout, RMSprop by default", "[a2c]") {
  const Registry& reg = test::registry();
  auto env = reg.make_env("CartPole-v1", {});
  auto agent = reg.make_agent("a2c", {{"n_envs", std::int64_t{4}}}, *env, 1);
  auto& a2c = static_cast<A2cAgent&>(*agent);
  CHECK(std::string(a2c.optimizer().name()) == "rmsprop");
  VectorLoop loop(reg, "CartPole-v1", *agent, 2);
  for (int t = 0; t < 5 * 7 + 1; ++t) loop.step();  // 7 rollouts of n_steps 5, then one act
  CHECK(a2c.optimizer().step_count() == 7);
  CHECK(agent->diagnostics()->size() == 7);
  auto adam = reg.make_agent("a2c", {{"use_rms_prop", false}}, *env, 1);
  CHECK(std::string(static_cast<A2cAgent&>(*adam).optimizer().name()) == "adam");
}

TEST_CASE("a2c with n_envs = 1 runs through act/observe and continues after save/load", "[a2c]") {
  const Registry& reg = test::registry();
  RawParams p{{"n_steps", std::int64_t{8}}, {"normalize_obs", true}, {"gae_lambda", 0.9}};
  auto env_u = reg.make_env("Pendulum-v1", {});
  auto env_s = reg.make_env("Pendulum-v1", {});
  auto u = reg.make_agent("a2c", p, *env_u, 4);
  auto s = reg.make_agent("a2c", p, *env_s, 4);
  REQUIRE(u->num_envs() == 1);
  Value ou, os, nu, ns, au, as;
  env_u->spec().observation_space.prepare(nu);
  env_s->spec().observation_space.prepare(ns);
  env_u->spec().action_space.prepare(au);
  env_s->spec().action_space.prepare(as);
  env_u->reset(ou, 9);
  env_s->reset(os, 9);
  auto step = [](Env& env, Agent& agent, Value& obs, Value& next, Value& action) {
    Decision d;
    agent.act(obs, action, d);
    const StepResult r = env.step(action, next);
    agent.observe({obs, action, r.reward, next, r.terminated, r.truncated});
    if (r.terminated || r.truncated)
      env.reset(obs);
    else
      std::swap(obs, next);
  };
  for (int t = 0; t < 21; ++t) {
    step(*env_u, *u, ou, nu, au);
    step(*env_s, *s, os, ns, as);
    REQUIRE(same_value(au, as));
  }
  StateDict state;
  s->save(state);
  auto l = reg.make_agent("a2c", p, *env_s, 99);
  l->load(state);
  for (int t = 0; t < 30; ++t) {
    step(*env_u, *u, ou, nu, au);
    step(*env_s, *l, os, ns, as);
    REQUIRE(same_value(au, as));
  }
  StateDict a, b;
  u->save(a);
  l->save(b);
  CHECK(same_state(a, b));
  CHECK(static_cast<A2cAgent&>(*l).updates() == 6);
}

TEST_CASE("a2c learns CartPole-v1 (smoke test, fixed seed)", "[a2c]") {
  const Registry& reg = test::registry();
  auto env = reg.make_env("CartPole-v1", {});
  auto agent = reg.make_agent("a2c", {{"n_envs", std::int64_t{8}}}, *env, 1);
  VectorLoop loop(reg, "CartPole-v1", *agent, 3);
  for (int t = 0; t < 60000 / 8; ++t) loop.step();
  const double mean_return = evaluate_policy(reg, "CartPole-v1", *agent, 10, 77);
  INFO("mean deterministic return " << mean_return);
  CHECK(mean_return >= 150.0);
}

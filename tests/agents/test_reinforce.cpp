// REINFORCE (agents/deep/reinforce.hpp): the policy-gradient loss gradient on tiny hand
// examples (softmax and Gaussian policies), evaluation mode, save/load, and a CartPole-v1
// learning smoke test with a fixed seed.
#include <catch2/catch.hpp>

#include <cmath>
#include <optional>
#include <vector>

#include "agents/deep/reinforce.hpp"
#include "agents/register.hpp"
#include "core/registry.hpp"
#include "envs/register.hpp"

using namespace rlsim;

namespace {

ReinforceConfig linear_config() {
  ReinforceConfig c;
  c.net_arch = {};
  c.baseline = false;
  return c;
}

void zero_policy(ReinforceAgent& agent) {
  for (auto* p : agent.policy().parameters()) p->value.setZero();
}

}  // namespace

TEST_CASE("reinforce softmax policy-gradient loss gradient matches a hand computation",
          "[reinforce]") {
  ReinforceAgent agent(linear_config(), Space::box(-5.0f, 5.0f, {1}), Space::discrete(2), 1);
  zero_policy(agent);  // logits 0: π = (1/2, 1/2)
  nn::Matrix obs(2, 1);
  obs << 1.0f, 2.0f;
  // Row 0: a = 0, A = 2; row 1: a = 1, A = −1. Loss = −mean(A log π(a)) = −(2 + −1)·log ½ / 2.
  const std::vector<float> actions{0, 1}, adv{2, -1};
  const double loss = agent.policy_loss_backward(obs, actions, adv);
  CHECK(loss == Approx(-(2.0 - 1.0) * std::log(0.5) / 2.0).epsilon(1e-6));
  // ∂/∂z_j of −A log π(a) = −A (1[j = a] − π_j): row 0 gives (−1, 1), row 1 (−0.5, 0.5);
  // ∂W = mean over rows of x·∂z, ∂b = mean of ∂z.
  auto params = agent.policy().named_parameters();
  const nn::Matrix& gw = params[0].parameter->grad;  // 1 × 2
  const nn::Matrix& gb = params[1].parameter->grad;
  CHECK(gw(0, 0) == Approx((1.0 * -1.0 + 2.0 * -0.5) / 2.0));
  CHECK(gw(0, 1) == Approx((1.0 * 1.0 + 2.0 * 0.5) / 2.0));
  CHECK(gb(0, 0) == Approx((-1.0 - 0.5) / 2.0));
  CHECK(gb(0, 1) == Approx((1.0 + 0.5) / 2.0));
}

TEST_CASE("reinforce Gaussian policy-gradient loss gradient matches a hand computation",
          "[reinforce]") {
  ReinforceAgent agent(linear_config(), Space::box(-5.0f, 5.0f, {1}), Space::box(-2.0f, 2.0f, {1}),
                       1);
  zero_policy(agent);  // μ = 0, log σ = 0
  nn::Matrix obs(1, 1);
  obs << 1.0f;
  const std::vector<float> actions{0.5f}, adv{1.0f};
  const double loss = agent.policy_loss_backward(obs, actions, adv);
  // log N(0.5; 0, 1) = −0.125 − ½ log 2π.
  CHECK(loss == Approx(0.125 + 0.5 * std::log(2.0 * M_PI)).epsilon(1e-6));
  auto params = agent.policy().named_parameters();
  // ∂(−A log p)/∂μ = −A (a − μ)/σ² = −0.5; ∂/∂log σ = −A ((a − μ)²/σ² − 1) = 0.75.
  CHECK(params[0].parameter->grad(0, 0) == Approx(-0.5));
  CHECK(params[1].parameter->grad(0, 0) == Approx(-0.5));
  CHECK(agent.log_std().grad(0, 0) == Approx(0.75));
}

TEST_CASE("reinforce evaluation mode is deterministic and save/load restores the policy",
          "[reinforce]") {
  Registry registry;
  register_envs(registry);
  register_agents(registry);
  auto env = registry.make_env("CartPole-v1", {});
  auto a = registry.make_agent("reinforce", {}, *env, 3);
  auto b = registry.make_agent("reinforce", {}, *env, 4);
  StateDict state;
  a->save(state);
  b->load(state);
  a->set_evaluation(true);
  b->set_evaluation(true);
  Value obs{0, {0.02f, -0.1f, 0.03f, 0.2f}}, act_a, act_b;
  for (int k = 0; k < 5; ++k) {
    Decision da, db;
    a->act(obs, act_a, da);
    b->act(obs, act_b, db);
    CHECK(act_a.index == act_b.index);
    CHECK(da.probability == 1.0);
    obs.vec[1] += 0.3f;
  }
  auto frozen = registry.make_env("FrozenLake-v1", {});
  CHECK_THROWS_WITH(registry.make_agent("reinforce", {}, *frozen, 1),
                    Catch::Contains("Box observations"));
}

TEST_CASE("reinforce learns CartPole-v1 (smoke test, fixed seed)", "[reinforce]") {
  Registry registry;
  register_envs(registry);
  register_agents(registry);
  auto env = registry.make_env("CartPole-v1", {});
  RawParams p{{"learning_rate", 1e-2},
              {"baseline_learning_rate", 1e-2},
              {"normalize_advantage", true},
              {"net_arch", std::vector<double>{32}}};
  auto agent = registry.make_agent("reinforce", p, *env, 1);
  Value obs, next, action;
  env->spec().observation_space.prepare(obs);
  env->spec().observation_space.prepare(next);
  env->spec().action_space.prepare(action);
  auto run_episode = [&](bool first) {
    env->reset(obs, first ? std::optional<std::uint64_t>(1) : std::nullopt);
    double ret = 0.0;
    for (;;) {
      Decision d;
      agent->act(obs, action, d);
      const StepResult r = env->step(action, next);
      agent->observe({obs, action, r.reward, next, r.terminated, r.truncated});
      ret += r.reward;
      if (r.terminated || r.truncated) return ret;
      std::swap(obs, next);
    }
  };
  double first20 = 0.0, last20 = 0.0;
  const int episodes = 300;
  for (int e = 0; e < episodes; ++e) {
    const double ret = run_episode(e == 0);
    if (e < 20) first20 += ret / 20.0;
    if (e >= episodes - 20) last20 += ret / 20.0;
  }
  INFO("first 20 episodes " << first20 << ", last 20 " << last20);
  CHECK(last20 > 2.0 * first20);
  CHECK(last20 >= 100.0);
}

// DQN (agents/deep/dqn.hpp): target-network updates, the Huber TD loss gradient, the
// double-DQN target, save/load continuing bit for bit, evaluation mode, the registry check
// and a CartPole-v1 learning smoke test. Reference values are computed by hand here.
#include <catch2/catch.hpp>

#include <cmath>
#include <optional>
#include <vector>

#include "agents/deep/dqn.hpp"
#include "agents/register.hpp"
#include "core/registry.hpp"
#include "envs/register.hpp"
#include "replay_agent_util.hpp"
#include "tests/test_util.hpp"

using namespace rlsim;
using test::evaluate;
using test::Loop;

namespace {

DqnConfig tiny_config() {
  DqnConfig c;
  c.net_arch = {};
  c.buffer_size = 64;
  c.batch_size = 4;
  c.learning_starts = 1000000;
  c.target_update_interval = 1000000;
  return c;
}

const Space kObs = Space::box(-10.0f, 10.0f, {2});

void set_linear(DqnAgent& agent, bool target, const std::vector<float>& w,
                const std::vector<float>& b) {
  auto params = (target ? agent.target_network() : agent.q_network()).named_parameters();
  REQUIRE(params.size() == 2);
  auto& weight = params[0].parameter->value;
  auto& bias = params[1].parameter->value;
  REQUIRE(static_cast<std::size_t>(weight.size()) == w.size());
  for (nn::Index i = 0; i < weight.size(); ++i) weight.data()[i] = w[static_cast<std::size_t>(i)];
  for (nn::Index i = 0; i < bias.size(); ++i) bias.data()[i] = b[static_cast<std::size_t>(i)];
}

}  // namespace

TEST_CASE("dqn target network: hard copy and Polyak update at the interval", "[dqn]") {
  for (double tau : {1.0, 0.25}) {
    DqnConfig c = tiny_config();
    c.net_arch = {3};
    c.tau = tau;
    c.target_update_interval = 2;
    DqnAgent agent(c, kObs, Space::discrete(2), 7);
    auto online = agent.q_network().named_parameters();
    auto target = agent.target_network().named_parameters();
    std::vector<nn::Matrix> before;
    for (std::size_t i = 0; i < online.size(); ++i) {
      REQUIRE(target[i].parameter->value == online[i].parameter->value);  // starts as a copy
      before.push_back(target[i].parameter->value);
      online[i].parameter->value.setConstant(0.5f + static_cast<float>(i));
    }
    Value o{0, {0.1f, 0.2f}}, a{1, {}}, n{0, {0.3f, 0.4f}};
    agent.observe({o, a, 1.0, n, false, false});
    for (std::size_t i = 0; i < online.size(); ++i) {
      CHECK(target[i].parameter->value == before[i]);  // step 1: not yet
    }
    agent.observe({o, a, 1.0, n, false, false});
    for (std::size_t i = 0; i < online.size(); ++i) {
      const float s = 0.5f + static_cast<float>(i);
      const nn::Matrix& t = target[i].parameter->value;
      for (nn::Index k = 0; k < t.size(); ++k) {
        const double expected = tau * s + (1.0 - tau) * before[i].data()[k];
        if (tau == 1.0) {
          CHECK(t.data()[k] == s);
        } else {
          CHECK(t.data()[k] == Approx(expected).epsilon(1e-6));
        }
      }
    }
  }
}

TEST_CASE("dqn Huber TD loss gradient matches a hand computation and finite differences", "[dqn]") {
  for (bool prioritized : {false, true}) {
    INFO("prioritized " << prioritized);
    DqnConfig c = tiny_config();
    c.prioritized = prioritized;
    DqnAgent agent(c, kObs, Space::discrete(2), 3);
    // Q(s) = s·W + b with W = [[1, 2], [3, 4]], b = [0.5, -0.5].
    set_linear(agent, false, {1, 2, 3, 4}, {0.5f, -0.5f});
    nn::Matrix obs(2, 2);
    obs << 1.0f, 0.0f, 0.5f, 1.0f;
    const std::vector<std::int64_t> actions{0, 1};
    // Q(s0, 0) = 1.5, Q(s1, 1) = 1 + 4 - 0.5 = 4.5. Targets 1.2 (δ = 0.3, quadratic
    // zone) and 7.0 (δ = −2.5, linear zone: Huber' = −1).
    const std::vector<float> targets{1.2f, 7.0f};
    const std::vector<float> weights{prioritized ? 0.5f : 1.0f, 1.0f};
    const double loss = agent.td_loss_backward(obs, actions, targets, weights);
    const double h0 = 0.5 * 0.3 * 0.3, h1 = 2.5 - 0.5;
    CHECK(loss == Approx((weights[0] * h0 + weights[1] * h1) / 2.0).epsilon(1e-5));
    auto params = agent.q_network().named_parameters();
    const nn::Matrix& gw = params[0].parameter->grad;
    const nn::Matrix& gb = params[1].parameter->grad;
    const double d0 = weights[0] * 0.3 / 2.0, d1 = weights[1] * -1.0 / 2.0;
    CHECK(gw(0, 0) == Approx(d0 * 1.0).epsilon(1e-5));
    CHECK(gw(1, 0) == Approx(0.0).margin(1e-7));
    CHECK(gw(0, 1) == Approx(d1 * 0.5).epsilon(1e-5));
    CHECK(gw(1, 1) == Approx(d1 * 1.0).epsilon(1e-5));
    CHECK(gb(0, 0) == Approx(d0).epsilon(1e-5));
    CHECK(gb(0, 1) == Approx(d1).epsilon(1e-5));
  }
  // A hidden layer (tanh): central finite differences of the same loss.
  DqnConfig c = tiny_config();
  c.net_arch = {4};
  c.activation = nn::Activation::tanh;
  DqnAgent agent(c, kObs, Space::discrete(3), 9);
  nn::Matrix obs(3, 2);
  obs << 0.3f, -0.7f, 1.1f, 0.4f, -0.2f, 0.9f;
  const std::vector<std::int64_t> actions{2, 0, 1};
  const std::vector<float> targets{0.4f, -2.0f, 2.5f};
  const std::vector<float> weights{1, 1, 1};
  test::check_parameter_gradients(agent.q_network().named_parameters(), [&] {
    return agent.td_loss_backward(obs, actions, targets, weights);
  });
}

TEST_CASE("double DQN target: online argmax, target value", "[dqn]") {
  nn::Matrix next(2, 2);
  next << 1.0f, 0.0f, 0.0f, 1.0f;
  const std::vector<float> returns{1.0f, -1.0f};
  const std::vector<float> discounts{0.5f, 0.0f};
  for (bool double_q : {false, true}) {
    DqnConfig c = tiny_config();
    c.double_q = double_q;
    DqnAgent agent(c, kObs, Space::discrete(3), 1);
    // Online Q(s'0) = [0, 5, 1] → argmax 1; target Q(s'0) = [3, 2, 0] → max 3, at a* = 2.
    set_linear(agent, false, {0, 5, 1, 0, 0, 0}, {0, 0, 0});
    set_linear(agent, true, {3, 2, 0, 9, 9, 9}, {0, 0, 0});
    std::vector<float> y(2);
    agent.compute_targets(next, returns, discounts, y);
    CHECK(y[0] == (double_q ? 1.0f + 0.5f * 2.0f : 1.0f + 0.5f * 3.0f));
    CHECK(y[1] == -1.0f);  // terminated (discount 0): no bootstrap
  }
}

TEST_CASE("dqn save and load continue training bit for bit", "[dqn]") {
  const Registry& registry = test::registry();
  RawParams p{{"net_arch", std::vector<double>{16}},
              {"buffer_size", std::int64_t{500}},
              {"learning_starts", std::int64_t{100}},
              {"batch_size", std::int64_t{16}},
              {"train_freq", std::int64_t{2}},
              {"target_update_interval", std::int64_t{50}},
              {"tau", 0.5},
              {"total_timesteps", std::int64_t{600}},
              {"n_step", std::int64_t{3}},
              {"prioritized", true},
              {"double_q", true},
              {"dueling", true},
              {"save_replay_buffer", true}};
  // 333 steps, then 300 after the load; greedy evaluation in between.
  auto loaded = test::check_save_load_continues(registry, "dqn", p, "CartPole-v1", 333, 300,
                                                Value{0, {0.01f, 0.02f, 0.03f, 0.04f}});
  CHECK(static_cast<DqnAgent&>(*loaded).num_updates() > 100);
}

TEST_CASE("dqn reports the epsilon-greedy probability and refuses other spaces", "[dqn]") {
  DqnConfig c = tiny_config();
  c.learning_starts = 0;
  c.exploration_initial_eps = 0.3;
  c.exploration_final_eps = 0.3;
  DqnAgent agent(c, kObs, Space::discrete(3, 1), 4);
  set_linear(agent, false, {0, 1, 0, 0, 0, 0}, {0, 0, 0});  // greedy: index 1 → action 2
  Value obs{0, {1.0f, 0.0f}}, action;
  int greedy = 0;
  for (int k = 0; k < 200; ++k) {
    Decision d;
    agent.act(obs, action, d);
    REQUIRE(action.index >= 1);
    REQUIRE(action.index <= 3);
    if (action.index == 2) {
      ++greedy;
      CHECK(d.probability == Approx(0.7 + 0.1));
    } else {
      CHECK(d.probability == Approx(0.1));
    }
    CHECK(d.log_prob == Approx(std::log(d.probability)));
  }
  CHECK(greedy > 130);
  const Registry& registry = test::registry();
  auto frozen = registry.make_env("FrozenLake-v1", {});
  CHECK_THROWS_WITH(registry.make_agent("dqn", {}, *frozen, 1),
                    Catch::Contains("Box observations and Discrete actions"));
  auto cartpole = registry.make_env("CartPole-v1", {});
  CHECK_THROWS_WITH(
      registry.make_agent("dqn", {{"net_arch", std::vector<double>{2.5}}}, *cartpole, 1),
      Catch::Contains("net_arch"));
  CHECK_THROWS_WITH(
      registry.make_agent("dqn", {{"dueling", true}, {"net_arch", std::vector<double>{}}},
                          *cartpole, 1),
      Catch::Contains("dueling"));
}

TEST_CASE("dqn learns CartPole-v1 (smoke test, fixed seed)", "[dqn]") {
  const Registry& registry = test::registry();
  const RawParams p = test::zoo_cartpole_params(30000);
  auto env = registry.make_env("CartPole-v1", {});
  auto agent = registry.make_agent("dqn", p, *env, 1);
  Loop loop(*env, *agent);
  loop.step(1);
  for (int t = 1; t < 30000; ++t) loop.step();
  auto eval_env = registry.make_env("CartPole-v1", {});
  const double mean_return = evaluate(*eval_env, *agent, 10, 77);
  INFO("mean greedy return " << mean_return);
  CHECK(mean_return >= 150.0);
  DiagnosticsTable* diag = agent->diagnostics();
  REQUIRE(diag != nullptr);
  CHECK(diag->names.size() == 4);
  CHECK(diag->size() > 50);
  CHECK(diag->values.size() == diag->size() * 4);
}

// SB3 order (off_policy_algorithm.py learn/collect_rollouts): a training phase after every
// train_freq env steps once num_timesteps > learning_starts; gradient_steps = -1 runs as
// many updates as the phase's env steps (train_freq), the first phase included.
TEST_CASE("dqn training phases: train_freq, learning_starts and gradient_steps = -1", "[dqn]") {
  DqnConfig c = tiny_config();
  c.net_arch = {3};
  c.learning_starts = 10;
  c.train_freq = 4;
  c.gradient_steps = -1;
  c.total_timesteps = 100;
  DqnAgent agent(c, kObs, Space::discrete(2), 3);
  Value o{0, {0.1f, 0.2f}}, a{1, {}}, n{0, {0.3f, 0.4f}};
  std::vector<std::int64_t> updates_after;  // num_updates after each env step
  for (int t = 1; t <= 20; ++t) {
    agent.observe({o, a, 1.0, n, false, false});
    updates_after.push_back(agent.num_updates());
  }
  // Steps 4 and 8 are not > learning_starts = 10: no phase. Steps 12, 16, 20: 4 updates each.
  for (int t = 1; t <= 11; ++t) CHECK(updates_after[static_cast<std::size_t>(t - 1)] == 0);
  CHECK(updates_after[11] == 4);
  CHECK(updates_after[14] == 4);
  CHECK(updates_after[15] == 8);
  CHECK(updates_after[19] == 12);

  c.gradient_steps = 3;
  DqnAgent fixed(c, kObs, Space::discrete(2), 3);
  for (int t = 1; t <= 20; ++t) fixed.observe({o, a, 1.0, n, false, false});
  CHECK(fixed.num_updates() == 9);  // phases at 12, 16, 20
}

// SB3 get_linear_fn(initial, final, exploration_fraction) of the progress
// num_timesteps / total_timesteps.
TEST_CASE("dqn epsilon schedule is SB3's linear schedule over total_timesteps", "[dqn]") {
  DqnConfig c = tiny_config();
  c.net_arch = {3};
  c.total_timesteps = 100;
  c.exploration_fraction = 0.2;
  c.exploration_initial_eps = 1.0;
  c.exploration_final_eps = 0.1;
  DqnAgent agent(c, kObs, Space::discrete(2), 3);
  Value o{0, {0.1f, 0.2f}}, a{1, {}}, n{0, {0.3f, 0.4f}};
  CHECK(agent.epsilon() == Approx(1.0));
  for (int t = 0; t < 10; ++t) agent.observe({o, a, 1.0, n, false, false});
  CHECK(agent.epsilon() == Approx(1.0 - 0.5 * 0.9));  // progress 0.1 of 0.2
  for (int t = 0; t < 10; ++t) agent.observe({o, a, 1.0, n, false, false});
  CHECK(agent.epsilon() == Approx(0.1));
  for (int t = 0; t < 30; ++t) agent.observe({o, a, 1.0, n, false, false});
  CHECK(agent.epsilon() == Approx(0.1));
}

// keep_best (SB3 EvalCallback's best model): evaluated() keeps a copy of the online network
// at each evaluation that is >= the best so far (ties: the later one); finish_training()
// puts it into the online and target networks unless it is the current policy. The runner
// side (fresh final episodes) is tested in tests/run/test_runner_keep_best.cpp.
TEST_CASE("dqn keep_best keeps the best evaluated network and restores it at the end", "[dqn]") {
  DqnConfig c = tiny_config();
  c.keep_best = true;
  DqnAgent agent(c, kObs, Space::discrete(2), 7);
  Value o{0, {0.1f, 0.2f}}, a{1, {}}, n{0, {0.3f, 0.4f}};
  auto advance = [&](int steps) {
    for (int t = 0; t < steps; ++t) agent.observe({o, a, 1.0, n, false, false});
  };
  auto weights = [&](bool target) {
    auto p = (target ? agent.target_network() : agent.q_network()).named_parameters();
    return std::vector<float>(p[0].parameter->value.data(),
                              p[0].parameter->value.data() + p[0].parameter->value.size());
  };
  CHECK_THROWS_WITH(agent.finish_training(), Catch::Contains("keep_best"));
  set_linear(agent, false, {1, 2, 3, 4}, {0, 0});
  advance(10);
  agent.evaluated(10, 5.0);
  CHECK(agent.best_step() == 10);
  set_linear(agent, false, {5, 6, 7, 8}, {0, 0});
  advance(10);
  agent.evaluated(20, 3.0);  // worse: the copy from step 10 stays
  CHECK(agent.best_step() == 10);
  set_linear(agent, false, {9, 10, 11, 12}, {0, 0});
  advance(10);
  agent.evaluated(30, 5.0);  // a tie: the later policy is kept
  CHECK(agent.best_step() == 30);
  CHECK(agent.best_return() == 5.0);
  set_linear(agent, false, {13, 14, 15, 16}, {0, 0});
  advance(10);
  agent.evaluated(40, 4.0);
  REQUIRE(agent.finish_training());
  CHECK(weights(false) == std::vector<float>{9, 10, 11, 12});
  CHECK(weights(true) == std::vector<float>{9, 10, 11, 12});

  // The last policy is the best: nothing changes.
  DqnAgent last(c, kObs, Space::discrete(2), 7);
  for (int t = 0; t < 5; ++t) last.observe({o, a, 1.0, n, false, false});
  last.evaluated(5, 1.0);
  CHECK_FALSE(last.finish_training());
  // keep_best = false: evaluations are ignored.
  DqnAgent plain(tiny_config(), kObs, Space::discrete(2), 7);
  plain.evaluated(0, 1.0);
  CHECK(plain.best_step() == -1);
  CHECK_FALSE(plain.finish_training());
}

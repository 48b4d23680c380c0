// PPO (agents/deep/ppo.hpp): the clipped surrogate and value losses with their gradients
// against hand computations and finite differences, save → load → identical continuation
// (discrete and continuous, with normalisation), deterministic evaluation, target-KL early
// stop, the registry check and a CartPole-v1 learning smoke test.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "agents/deep/ppo.hpp"
#include "on_policy_util.hpp"

using namespace rlsim;
using rlsim::test::evaluate_policy;
using rlsim::test::same_state;
using rlsim::test::same_value;
using rlsim::test::VectorLoop;

namespace {

// ratios r = 1.5, 0.5, 1.1, 0.5 with advantages 1, 1, −2, −1 and ε = 0.2:
//   row 0: min(1.5, 1.2) = 1.2 (clipped: no gradient)
//   row 1: min(0.5, 0.8) = 0.5 (unclipped: d/dlogπ = A·r = 0.5)
//   row 2: min(−2.2, −2.2) tie inside the clip range: d/dlogπ = A·r = −2.2
//   row 3: min(−0.5, −0.8) = −0.8 (clipped: no gradient)
// loss = −(1.2 + 0.5 − 2.2 − 0.8)/4 = 0.325; ∂loss/∂logπ = −(0, 0.5, −2.2, 0)/4.
const std::vector<float> kOld{0.1f, -0.2f, 0.3f, 0.0f};
const std::vector<float> kRatio{1.5f, 0.5f, 1.1f, 0.5f};
const std::vector<float> kAdv{1.0f, 1.0f, -2.0f, -1.0f};

double surrogate(nn::Parameter& log_prob, bool backward) {
  nn::Tape tape;
  nn::Var lp = tape.param(log_prob);
  nn::Var loss =
      ppo_policy_loss(lp, tape.constant(kOld.data(), 4, 1), tape.constant(kAdv.data(), 4, 1), 0.2f);
  if (backward) tape.backward(loss);
  return loss.item();
}

void require_same_state(Agent& a, Agent& b) {
  StateDict sa, sb;
  a.save(sa);
  b.save(sb);
  REQUIRE(sa.size() == sb.size());
  for (const auto& [name, record] : sa) {
    INFO(name);
    REQUIRE(sb.count(name) == 1);
    CHECK(record.shape == sb.at(name).shape);
    CHECK(record.data == sb.at(name).data);
  }
}

}  // namespace

TEST_CASE("ppo clipped surrogate loss and gradient match a hand computation", "[ppo]") {
  nn::Parameter lp(4, 1);
  for (int i = 0; i < 4; ++i) lp.value(i, 0) = std::log(kRatio[i]) + kOld[i];
  CHECK(surrogate(lp, true) == Approx(0.325).epsilon(1e-5));
  const std::vector<double> grad{0.0, -0.125, 0.55, 0.0};
  for (int i = 0; i < 4; ++i) CHECK(lp.grad(i, 0) == Approx(grad[i]).margin(1e-5));
  // Finite differences (in double steps of a float loss: the points are away from kinks).
  for (int i = 0; i < 4; ++i) {
    const float h = 1e-3f, x = lp.value(i, 0);
    lp.value(i, 0) = x + h;
    const double up = surrogate(lp, false);
    lp.value(i, 0) = x - h;
    const double down = surrogate(lp, false);
    lp.value(i, 0) = x;
    CHECK((up - down) / (2.0 * h) == Approx(grad[i]).margin(2e-3));
  }
}

TEST_CASE("ppo value loss: plain MSE, or the prediction clipped around the old value", "[ppo]") {
  const std::vector<float> old{0.5f, 2.1f}, returns{3.0f, 0.0f};
  for (float clip : {0.0f, 0.2f}) {
    nn::Parameter v(2, 1);
    v.value(0, 0) = 1.0f;
    v.value(1, 0) = 2.0f;
    nn::Tape tape;
    nn::Var loss = ppo_value_loss(tape.param(v), tape.constant(old.data(), 2, 1),
                                  tape.constant(returns.data(), 2, 1), clip);
    tape.backward(loss);
    if (clip == 0.0f) {
      CHECK(loss.item() == Approx((4.0 + 4.0) / 2));  // (1 − 3)², (2 − 0)²
      CHECK(v.grad(0, 0) == Approx(-2.0));
      CHECK(v.grad(1, 0) == Approx(2.0));
    } else {
      // Row 0: 1 − 0.5 = 0.5 is clipped to 0.2, prediction 0.7, no gradient; row 1 inside.
      CHECK(loss.item() == Approx((2.3 * 2.3 + 4.0) / 2).epsilon(1e-5));
      CHECK(v.grad(0, 0) == Approx(0.0));
      CHECK(v.grad(1, 0) == Approx(2.0));
    }
  }
}

TEST_CASE("ppo save and load continue training identically (discrete and continuous)", "[ppo]") {
  const Registry& reg = test::registry();
  for (const std::string env_id : {"CartPole-v1", "Pendulum-v1"}) {
    SECTION(env_id) {
      RawParams p{{"n_envs", std::int64_t{3}},
                  {"n_steps", std::int64_t{16}},
                  {"batch_size", std::int64_t{20}},
                  {"n_epochs", std::int64_t{2}},
                  {"net_arch", std::vector<double>{8}},
                  {"normalize_obs", true},
                  {"normalize_reward", true},
                  {"lr_schedule", "linear"},
                  {"clip_range_schedule", "linear"},
                  {"clip_range_vf", 0.3},
                  {"total_timesteps", std::int64_t{600}}};
      auto env = reg.make_env(env_id, {});
      auto u = reg.make_agent("ppo", p, *env, 42);
      auto s = reg.make_agent("ppo", p, *env, 42);
      auto l = reg.make_agent("ppo", p, *env, 7);  // other weights: load must overwrite them
      VectorLoop lu(reg, env_id, *u, 5), ls(reg, env_id, *s, 5);
      for (int t = 0; t < 37; ++t) {  // mid-rollout, after two updates
        const auto& au = lu.step();
        const auto& as = ls.step();
        for (std::size_t i = 0; i < au.size(); ++i) REQUIRE(same_value(au[i], as[i]));
      }
      StateDict state;
      s->save(state);
      l->load(state);
      // Evaluation in between must not disturb training.
      l->set_evaluation(true);
      Value action;
      env->spec().action_space.prepare(action);
      Decision d;
      l->act(ls.venv.obs(0), action, d);
      CHECK(d.probability == 1.0);
      l->set_evaluation(false);
      VectorLoop ll(reg, env_id, *l, 5);
      ll.venv = std::move(ls.venv);
      for (int t = 0; t < 60; ++t) {
        const auto& au = lu.step();
        const auto& al = ll.step();
        for (std::size_t i = 0; i < au.size(); ++i) REQUIRE(same_value(au[i], al[i]));
      }
      require_same_state(*u, *l);
      CHECK(static_cast<PpoAgent&>(*l).updates() == 6);
      DiagnosticsTable* diag = u->diagnostics();
      REQUIRE(diag->size() == 6);
      for (double x : diag->values) CHECK(std::isfinite(x));
      // The linear schedules: clip_range column = 0.2 · (1 − steps/600).
      const std::size_t cols = diag->names.size();
      CHECK(diag->values[7] == Approx(0.2 * (1.0 - 48.0 / 600.0)));
      CHECK(diag->values[cols + 6] == Approx(3e-4 * (1.0 - 96.0 / 600.0)));
    }
  }
}

TEST_CASE("ppo evaluation mode is deterministic and leaves training state alone", "[ppo]") {
  const Registry& reg = test::registry();
  auto env = reg.make_env("Pendulum-v1", {});
  auto agent = reg.make_agent("ppo", {{"n_steps", std::int64_t{8}}}, *env, 3);
  StateDict before;
  agent->save(before);
  agent->set_evaluation(true);
  Value obs{0, {0.6f, 0.8f, 0.1f}}, a1, a2;
  Decision d1, d2;
  agent->act(obs, a1, d1);
  agent->act(obs, a2, d2);
  CHECK(same_value(a1, a2));
  CHECK(d1.probability == 1.0);
  agent->observe({obs, a1, -1.0, obs, false, false});  // ignored in evaluation mode
  agent->set_evaluation(false);
  StateDict after;
  agent->save(after);
  CHECK(same_state(before, after));
  // Training mode samples: two draws differ.
  agent->act(obs, a1, d1);
  agent->observe({obs, a1, -1.0, obs, false, false});
  agent->act(obs, a2, d2);
  CHECK(a1.vec != a2.vec);
  CHECK(std::isnan(d1.probability));
  CHECK(std::isfinite(d1.log_prob));
}

TEST_CASE("ppo target_kl stops an update's epochs early", "[ppo]") {
  const Registry& reg = test::registry();
  auto env = reg.make_env("CartPole-v1", {});
  RawParams p{{"n_envs", std::int64_t{2}},      {"n_steps", std::int64_t{64}},
              {"batch_size", std::int64_t{16}}, {"n_epochs", std::int64_t{10}},
              {"learning_rate", 3e-3},          {"target_kl", 1e-4}};
  auto agent = reg.make_agent("ppo", p, *env, 11);
  VectorLoop loop(reg, "CartPole-v1", *agent, 2);
  for (int t = 0; t < 64 * 3 + 1; ++t) loop.step();
  DiagnosticsTable* diag = agent->diagnostics();
  REQUIRE(diag->size() == 3);
  const std::size_t cols = diag->names.size();
  REQUIRE(diag->names[cols - 1] == "epochs");
  double max_epochs = 0.0;
  for (std::size_t r = 0; r < 3; ++r)
    max_epochs = std::max(max_epochs, diag->values[r * cols + cols - 1]);
  CHECK(max_epochs < 10.0);
}

TEST_CASE("ppo refuses Discrete observations with a message naming agent and env", "[ppo]") {
  const Registry& reg = test::registry();
  auto lake = reg.make_env("FrozenLake-v1", {});
  CHECK_THROWS_WITH(reg.make_agent("ppo", {}, *lake, 1), Catch::Contains("ppo") &&
                                                             Catch::Contains("FrozenLake-v1") &&
                                                             Catch::Contains("Box observations"));
  auto cartpole = reg.make_env("CartPole-v1", {});
  CHECK_THROWS_WITH(reg.make_agent("ppo", {{"net_arch", std::vector<double>{2.5}}}, *cartpole, 1),
                    Catch::Contains("net_arch"));
}

TEST_CASE("ppo learns CartPole-v1 (smoke test, fixed seed, zoo settings)", "[ppo]") {
  const Registry& reg = test::registry();
  RawParams p{{"n_envs", std::int64_t{8}},
              {"n_steps", std::int64_t{32}},
              {"batch_size", std::int64_t{256}},
              {"gae_lambda", 0.8},
              {"gamma", 0.98},
              {"n_epochs", std::int64_t{20}},
              {"learning_rate", 1e-3},
              {"lr_schedule", "linear"},
              {"clip_range_schedule", "linear"},
              {"total_timesteps", std::int64_t{40000}}};
  auto env = reg.make_env("CartPole-v1", {});
  auto agent = reg.make_agent("ppo", p, *env, 1);
  VectorLoop loop(reg, "CartPole-v1", *agent, 3);
  for (int t = 0; t < 40000 / 8; ++t) loop.step();
  const double mean_return = evaluate_policy(reg, "CartPole-v1", *agent, 10, 77);
  INFO("mean deterministic return " << mean_return);
  CHECK(mean_return >= 300.0);
}

TEST_CASE("ppo learns Pendulum-v1 with a Gaussian policy (smoke test, fixed seed)", "[ppo]") {
  // The zoo's Pendulum values (ppo_pendulum.toml) with shorter rollouts; a uniform random
  // policy scores about −1200 (tests/data/gymnasium_random_stats.json).
  const Registry& reg = test::registry();
  RawParams p{{"n_envs", std::int64_t{4}},
              {"n_steps", std::int64_t{256}},
              {"batch_size", std::int64_t{64}},
              {"gae_lambda", 0.95},
              {"gamma", 0.9},
              {"n_epochs", std::int64_t{10}},
              {"learning_rate", 1e-3}};
  auto env = reg.make_env("Pendulum-v1", {});
  auto agent = reg.make_agent("ppo", p, *env, 1);
  VectorLoop loop(reg, "Pendulum-v1", *agent, 3);
  for (int t = 0; t < 40000 / 4; ++t) loop.step();
  const double mean_return = evaluate_policy(reg, "Pendulum-v1", *agent, 10, 77);
  INFO("mean deterministic return " << mean_return);
  CHECK(mean_return >= -600.0);
}

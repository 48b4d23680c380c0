// LogisticContextualBandit-v0 (oracle, reward frequencies, bad input), contextual
// ε-greedy with the logistic model (hand-computed Newton step, learning), and the linear
// policies' compile-time-d kernels against the run-time-d ones (bit for bit).
#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "bandits/policies/linear.hpp"
#include "bandits/problems/contextual.hpp"
#include "bandits/register.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"

using namespace rlsim;

namespace {

double sigmoid(double z) {
  return 1.0 / (1.0 + std::exp(-z));
}

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

}  // namespace

TEST_CASE("LogisticContextualBandit: oracle is sigmoid(theta_a . x) of the shown context",
          "[logistic]") {
  LogisticContextualConfig c;
  c.arms = 3;
  c.dimension = 2;
  c.theta = {2.0, 0.0, 0.0, -3.0, 1.0, 1.0};
  c.context_distribution = "cube";
  LogisticContextualBandit env(c);
  CHECK(env.spec().reward_min == 0.0);
  CHECK(env.spec().reward_max == 1.0);
  Value obs, next, action;
  env.spec().action_space.prepare(action);
  env.reset(obs, 11);
  for (int t = 0; t < 50; ++t) {
    REQUIRE(obs.vec.size() == 2);
    const double x0 = obs.vec[0], x1 = obs.vec[1];
    const double mu[3] = {sigmoid(2.0 * x0), sigmoid(-3.0 * x1), sigmoid(x0 + x1)};
    double best = mu[0];
    for (int a = 0; a < 3; ++a) {
      CHECK(env.oracle()->expected_reward(a) == Approx(mu[a]).margin(1e-14));
      best = std::max(best, mu[a]);
    }
    CHECK(env.oracle()->best_expected_reward() == Approx(best).margin(1e-14));
    action.index = t % 3;
    const StepResult r = env.step(action, next);
    CHECK((r.reward == 0.0 || r.reward == 1.0));
    std::swap(obs, next);
  }
}

TEST_CASE("LogisticContextualBandit: reward frequencies match sigmoid(theta_a . x)", "[logistic]") {
  // Drawn θ (norm 3), sphere contexts, arms pulled round robin; per probability band, the
  // number of 1 rewards must match Σ μ within 4 standard deviations sqrt(Σ μ(1 − μ)).
  LogisticContextualConfig c;
  c.arms = 4;
  c.dimension = 3;
  c.horizon = 40000;
  LogisticContextualBandit env(c);
  Value obs, next, action;
  env.spec().action_space.prepare(action);
  env.reset(obs, 3);
  double ones[3] = {}, mean[3] = {}, var[3] = {};
  double lo = 1.0, hi = 0.0;
  for (int t = 0; t < 40000; ++t) {
    action.index = t % 4;
    const double mu = env.oracle()->expected_reward(action.index);
    lo = std::min(lo, mu);
    hi = std::max(hi, mu);
    const int band = mu < 0.3 ? 0 : mu < 0.7 ? 1 : 2;
    const StepResult r = env.step(action, next);
    ones[band] += r.reward;
    mean[band] += mu;
    var[band] += mu * (1.0 - mu);
    std::swap(obs, next);
  }
  CHECK(lo < 0.1);  // θ norm 3: the probabilities span most of (0, 1)
  CHECK(hi > 0.9);
  for (int b = 0; b < 3; ++b) {
    INFO("band " << b << ": " << ones[b] << " ones, expected " << mean[b]);
    REQUIRE(var[b] > 100.0);
    CHECK(std::abs(ones[b] - mean[b]) < 4.0 * std::sqrt(var[b]));
  }
}

TEST_CASE("LogisticContextualBandit: registered, drawn theta has the stated norm, bad input",
          "[logistic]") {
  Registry reg;
  register_bandits(reg);
  auto env =
      reg.make_env("LogisticContextualBandit-v0", {{"theta_norm", 2.5}, {"arms", std::int64_t{3}}});
  auto* p = dynamic_cast<LogisticContextualBandit*>(env.get());
  REQUIRE(p != nullptr);
  Value obs;
  env->reset(obs, 1);
  for (int a = 0; a < 3; ++a) {
    double n2 = 0.0;
    for (int i = 0; i < 5; ++i) n2 += std::pow(p->theta()[static_cast<std::size_t>(a * 5 + i)], 2);
    CHECK(std::sqrt(n2) == Approx(2.5).epsilon(1e-12));
  }
  CHECK_THROWS_WITH(reg.make_env("LogisticContextualBandit-v0", {{"theta_norm", 0.0}}),
                    Catch::Contains("theta_norm"));
  CHECK_THROWS_WITH(
      reg.make_env("LogisticContextualBandit-v0", {{"theta", std::vector<double>{1.0, 2.0}}}),
      Catch::Contains("theta has 2 values"));
  CHECK_THROWS_WITH(reg.make_env("LogisticContextualBandit-v0", {{"arms", std::int64_t{1}}}),
                    Catch::Contains("arms"));
}

TEST_CASE("contextual-epsilon-greedy (logistic): one Newton step by hand", "[logistic]") {
  // From θ = 0, λ = 2: p = 1/2, w = 1/4, H = 2I + w x xᵀ, θ = H⁻¹ x (r − p).
  ContextualEpsilonGreedy pol(2, 3, 0.0, 2.0, 1, 0, RewardModel::Logistic);
  Value obs, action, next;
  obs.vec = {0.5f, -1.0f, 2.0f};
  action.index = 1;
  pol.observe(Transition{obs, action, 1.0, next, false, false});
  Eigen::Vector3d x(0.5, -1.0, 2.0);
  Eigen::Matrix3d h = 2.0 * Eigen::Matrix3d::Identity() + 0.25 * x * x.transpose();
  const Eigen::Vector3d theta1 = h.ldlt().solve(x * 0.5);
  CHECK((pol.theta(1) - theta1).norm() < 1e-14);
  CHECK((pol.inverse(1) - h.inverse()).norm() < 1e-14);
  CHECK(pol.theta(0).norm() == 0.0);
  // Second step, reward 0: p = σ(θ₁ᵀx'), H ← H + p(1 − p) x' x'ᵀ, θ ← θ₁ + H⁻¹ x' (0 − p).
  obs.vec = {1.0f, 1.0f, 0.0f};
  pol.observe(Transition{obs, action, 0.0, next, false, false});
  Eigen::Vector3d x2(1.0, 1.0, 0.0);
  const double p = sigmoid(theta1.dot(x2));
  h += p * (1.0 - p) * x2 * x2.transpose();
  const Eigen::Vector3d theta2 = theta1 + h.ldlt().solve(x2 * (0.0 - p));
  CHECK((pol.theta(1) - theta2).norm() < 1e-14);
  // Rewards outside [0, 1] are refused.
  CHECK_THROWS_WITH(pol.observe(Transition{obs, action, 2.0, next, false, false}),
                    Catch::Contains("[0, 1]"));
}

TEST_CASE("contextual-epsilon-greedy (logistic): learns a logistic problem", "[logistic]") {
  Registry reg;
  register_bandits(reg);
  const std::int64_t steps = 6000;
  auto env = reg.make_env("LogisticContextualBandit-v0", {{"horizon", steps}});
  auto agent = reg.make_agent("contextual-epsilon-greedy",
                              {{"epsilon", 0.05}, {"model", std::string("logistic")}}, *env, 3);
  Value obs, next, action;
  env->reset(obs, 5);
  double regret = 0.0, random_regret = 0.0, late_regret = 0.0;
  for (std::int64_t t = 0; t < steps; ++t) {
    const Oracle* o = env->oracle();
    double mean = 0.0;
    for (std::int64_t a = 0; a < 5; ++a) mean += o->expected_reward(a) / 5.0;
    random_regret += o->best_expected_reward() - mean;
    Decision d;
    agent->act(obs, action, d);
    const double step_regret = o->best_expected_reward() - o->expected_reward(action.index);
    regret += step_regret;
    if (t >= steps / 2) late_regret += step_regret;
    const StepResult r = env->step(action, next);
    agent->observe(Transition{obs, action, r.reward, next, r.terminated, r.truncated});
    std::swap(obs, next);
  }
  INFO("regret " << regret << " (second half " << late_regret << "), uniform " << random_regret);
  CHECK(regret < 0.3 * random_regret);
  CHECK(late_regret < 0.4 * regret);  // still learning: the second half costs less
  // θ̂_a points along θ_a.
  auto* pol = dynamic_cast<ContextualEpsilonGreedy*>(agent.get());
  auto* prob = dynamic_cast<LinearContextualBandit*>(env.get());
  REQUIRE(pol != nullptr);
  REQUIRE(prob != nullptr);
  for (std::int64_t a = 0; a < 5; ++a) {
    Eigen::Map<const Eigen::VectorXd> truth(prob->theta().data() + a * 5, 5);
    const double cosine = pol->theta(a).dot(truth) / (pol->theta(a).norm() * truth.norm());
    INFO("arm " << a);
    CHECK(cosine > 0.8);
  }
  // The logistic model is refused on an env with unbounded rewards.
  auto linear = reg.make_env("LinearContextualBandit-v0", {});
  CHECK_THROWS_WITH(
      reg.make_agent("contextual-epsilon-greedy", {{"model", std::string("logistic")}}, *linear, 1),
      Catch::Contains("model = logistic") && Catch::Contains("model = ridge"));
}

namespace {

// Plays the same LinearContextualBandit-v0 sequence with two copies of a policy, one on the
// compile-time-d kernels and one on the run-time-d ones; the actions and every stored number
// must be identical.
void check_kernels_agree(const std::string& agent_id, const RawParams& params, std::int64_t d,
                         const std::string& env_id = "LinearContextualBandit-v0") {
  Registry reg;
  register_bandits(reg);
  const std::int64_t k = 4;
  auto env_a = reg.make_env(env_id, {{"dimension", d}, {"arms", k}});
  auto env_b = reg.make_env(env_id, {{"dimension", d}, {"arms", k}});
  auto agent_a = reg.make_agent(agent_id, params, *env_a, 9);
  auto agent_b = reg.make_agent(agent_id, params, *env_b, 9);
  auto* fixed = dynamic_cast<LinearPolicy*>(agent_a.get());
  auto* dynamic = dynamic_cast<LinearPolicy*>(agent_b.get());
  REQUIRE(fixed != nullptr);
  REQUIRE(dynamic != nullptr);
  CHECK(fixed->fixed_size_kernels());
  dynamic->set_fixed_size_kernels(false);
  Value oa, ob, na, nb, aa, ab;
  env_a->reset(oa, 4);
  env_b->reset(ob, 4);
  for (int t = 0; t < 1500; ++t) {
    Decision da, db;
    agent_a->act(oa, aa, da);
    agent_b->act(ob, ab, db);
    REQUIRE(aa.index == ab.index);
    const StepResult ra = env_a->step(aa, na);
    const StepResult rb = env_b->step(ab, nb);
    agent_a->observe(Transition{oa, aa, ra.reward, na, false, false});
    agent_b->observe(Transition{ob, ab, rb.reward, nb, false, false});
    std::swap(oa, na);
    std::swap(ob, nb);
  }
  for (std::int64_t a = 0; a < k; ++a)
    for (Eigen::Index i = 0; i < d; ++i) {
      REQUIRE(same_bits(fixed->theta(a)[i], dynamic->theta(a)[i]));
      for (Eigen::Index j = 0; j < d; ++j)
        REQUIRE(same_bits(fixed->inverse(a)(i, j), dynamic->inverse(a)(i, j)));
    }
}

}  // namespace

TEST_CASE("linear policies: compile-time-d kernels give the run-time-d numbers bit for bit",
          "[logistic][linear-kernel]") {
  for (std::int64_t d : {1, 3, 10, 16}) {
    INFO("d = " << d);
    check_kernels_agree("linucb", {}, d);
    check_kernels_agree("linear-thompson", {}, d);
    check_kernels_agree("contextual-epsilon-greedy", {{"epsilon", 0.2}}, d);
    check_kernels_agree("contextual-epsilon-greedy",
                        {{"epsilon", 0.2}, {"model", std::string("logistic")}}, d,
                        "LogisticContextualBandit-v0");
  }
  // Above the largest compiled size the run-time kernels serve both.
  LinUcb big(2, linear_kernel::kMaxFixedDimension + 1);
  CHECK(big.fixed_size_kernels());
  CHECK(linear_kernel::select(linear_kernel::kMaxFixedDimension + 1, true).scores ==
        linear_kernel::select(5, false).scores);
  CHECK(linear_kernel::select(10, true).scores != linear_kernel::select(10, false).scores);
}

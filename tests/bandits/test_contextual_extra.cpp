// contextual-epsilon-greedy: exact propensities, its action distribution, and learning.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "bandits/policies/linear.hpp"
#include "bandits/policies/neural.hpp"
#include "bandits/register.hpp"
#include "core/registry.hpp"

using namespace rlsim;

namespace {
Value context(std::vector<float> x) {
  Value v;
  v.vec = std::move(x);
  return v;
}
}  // namespace

TEST_CASE("contextual-epsilon-greedy: propensities are exact and match the draws",
          "[contextual-extra]") {
  const double eps = 0.3;
  ContextualEpsilonGreedy p(4, 2, eps, 1.0, 7);
  // Teach arm 2 a positive reward on x = (1, 0): θ̂_2 = b / (λ + 1) = (0.5, 0).
  const Value x = context({1.0f, 0.0f});
  Value a;
  a.index = 2;
  p.observe(Transition{x, a, 1.0, x, false, false});
  REQUIRE(p.theta(2)[0] == Approx(0.5));
  CHECK(p.greedy_arm(x) == 2);
  std::vector<double> pi(4);
  p.action_probabilities(x, pi);
  CHECK(pi[2] == Approx(1.0 - eps + eps / 4));
  CHECK(pi[0] == Approx(eps / 4));
  CHECK(pi[0] + pi[1] + pi[2] + pi[3] == Approx(1.0));
  const int n = 40000;
  std::vector<int> counts(4, 0);
  Value action;
  for (int i = 0; i < n; ++i) {
    Decision d;
    p.act(x, action, d);
    ++counts[static_cast<std::size_t>(action.index)];
    REQUIRE(d.probability == Approx(pi[static_cast<std::size_t>(action.index)]));
  }
  for (std::size_t k = 0; k < 4; ++k) {
    const double sd = std::sqrt(pi[k] * (1 - pi[k]) / n);
    CHECK(std::abs(counts[k] / double(n) - pi[k]) < 4 * sd);
  }
  // Evaluation mode: the greedy arm with probability 1.
  p.set_evaluation(true);
  p.action_probabilities(x, pi);
  CHECK(pi == std::vector<double>{0, 0, 1, 0});
  Decision d;
  p.act(x, action, d);
  CHECK(action.index == 2);
  CHECK(d.probability == 1.0);
}

TEST_CASE("contextual-epsilon-greedy: learns the ridge solution and beats random play",
          "[contextual-extra]") {
  Registry reg;
  register_bandits(reg);
  auto env = reg.make_env("LinearContextualBandit-v0", {{"horizon", std::int64_t{3000}}});
  auto agent = reg.make_agent("contextual-epsilon-greedy", {{"epsilon", 0.1}}, *env, 3);
  Value obs, next, action;
  env->reset(obs, 5);
  double reward = 0.0, random_value = 0.0;
  for (int t = 0; t < 3000; ++t) {
    double mean = 0.0;
    for (std::int64_t a = 0; a < 5; ++a) mean += env->oracle()->expected_reward(a) / 5.0;
    random_value += mean;  // what uniform random play earns in expectation
    Decision d;
    agent->act(obs, action, d);
    const StepResult r = env->step(action, next);
    reward += r.reward;
    agent->observe(Transition{obs, action, r.reward, next, r.terminated, r.truncated});
    std::swap(obs, next);
  }
  INFO("reward " << reward << " random " << random_value);
  CHECK(reward > random_value + 0.2 * 3000);
  // The batched ridge solution, recomputed: θ̂_a = (λI + Σ x xᵀ)⁻¹ Σ r x per arm.
  auto* p = dynamic_cast<ContextualEpsilonGreedy*>(agent.get());
  REQUIRE(p != nullptr);
  const Eigen::MatrixXd a_inv = p->inverse(0);
  CHECK((a_inv * p->b(0) - p->theta(0)).norm() < 1e-9);
}

TEST_CASE("neural-epsilon-greedy: beats uniform random play on LinearContextualBandit-v0",
          "[contextual-extra]") {
  Registry reg;
  register_bandits(reg);
  auto env = reg.make_env("LinearContextualBandit-v0", {{"horizon", std::int64_t{2000}}});
  auto agent = reg.make_agent("neural-epsilon-greedy", {{"epsilon", 0.1}}, *env, 3);
  Value obs, next, action;
  env->reset(obs, 5);
  double reward = 0.0, random_value = 0.0;
  for (int t = 0; t < 2000; ++t) {
    double mean = 0.0;
    for (std::int64_t a = 0; a < 5; ++a) mean += env->oracle()->expected_reward(a) / 5.0;
    random_value += mean;
    Decision d;
    agent->act(obs, action, d);
    REQUIRE((d.probability == Approx(0.1 / 5) || d.probability == Approx(0.9 + 0.1 / 5)));
    const StepResult r = env->step(action, next);
    reward += r.reward;
    agent->observe(Transition{obs, action, r.reward, next, r.terminated, r.truncated});
    std::swap(obs, next);
  }
  INFO("reward " << reward << " random " << random_value);
  CHECK(reward > random_value + 0.2 * 2000);
  std::vector<double> pi(5);
  auto* bandit = dynamic_cast<BanditAgent*>(agent.get());
  REQUIRE(bandit != nullptr);
  bandit->action_probabilities(obs, pi);
  double total = 0.0;
  for (double p : pi) total += p;
  CHECK(total == Approx(1.0));
}

TEST_CASE("neural-epsilon-greedy: save/load round trip and refusal of another shape",
          "[contextual-extra]") {
  Registry reg;
  register_bandits(reg);
  auto env = reg.make_env("LinearContextualBandit-v0", {{"horizon", std::int64_t{100}}});
  const RawParams small{
      {"hidden", std::int64_t{8}}, {"replay", std::int64_t{16}}, {"minibatch", std::int64_t{4}}};
  auto agent = reg.make_agent("neural-epsilon-greedy", small, *env, 3);
  Value obs, next, action;
  env->reset(obs, 5);
  for (int t = 0; t < 40; ++t) {  // the ring wraps, Adam steps
    Decision d;
    agent->act(obs, action, d);
    const StepResult r = env->step(action, next);
    agent->observe(Transition{obs, action, r.reward, next, r.terminated, r.truncated});
    std::swap(obs, next);
  }
  StateDict state;
  agent->save(state);
  CHECK(state.count("rng") == 1);
  CHECK(state.at("counters").data == std::vector<double>{16, 40 % 16, 40 - 4 + 1});
  auto loaded = reg.make_agent("neural-epsilon-greedy", small, *env, 4);
  loaded->load(state);
  StateDict again;
  loaded->save(again);
  REQUIRE(again.size() == state.size());
  for (const auto& [key, record] : state) {  // every entry, bit for bit
    INFO(key);
    CHECK(again.at(key).shape == record.shape);
    CHECK(again.at(key).data == record.data);
  }
  std::vector<double> a(5), b(5);
  dynamic_cast<NeuralEpsilonGreedy&>(*agent).predict(obs, a);
  dynamic_cast<NeuralEpsilonGreedy&>(*loaded).predict(obs, b);
  CHECK(a == b);

  RawParams other_replay = small;
  other_replay["replay"] = std::int64_t{32};
  CHECK_THROWS_WITH(reg.make_agent("neural-epsilon-greedy", other_replay, *env, 4)->load(state),
                    Catch::Contains("replay.contexts") && Catch::Contains("replay size"));
  RawParams other_hidden = small;
  other_hidden["hidden"] = std::int64_t{9};
  CHECK_THROWS_AS(reg.make_agent("neural-epsilon-greedy", other_hidden, *env, 4)->load(state),
                  Error);
  state["replay.arms"].data[3] = 5.0;  // K = 5 arms: 0..4
  CHECK_THROWS_WITH(loaded->load(state), Catch::Contains("outside [0, 4]"));
}

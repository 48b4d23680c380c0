// Bad inputs to bandit problems and policies give a clear rlsim::Error; reward ranges;
// batched feedback.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <vector>

#include "bandits/policies/ucb.hpp"
#include "bandits/register.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"

using namespace rlsim;

namespace {
Registry bandit_registry() {
  Registry r;
  register_bandits(r);
  return r;
}
}  // namespace

TEST_CASE("bandit inputs: bad problem parameters are refused", "[bandit-inputs]") {
  Registry reg = bandit_registry();
  CHECK_THROWS_WITH(reg.make_env("BernoulliBandit-v0", {{"means", std::vector<double>{0.5}}}),
                    Catch::Contains("K = 1") && Catch::Contains("K >= 2"));
  CHECK_THROWS_WITH(reg.make_env("BernoulliBandit-v0", {{"means", std::vector<double>{0.5, 1.5}}}),
                    Catch::Contains("means[1]") && Catch::Contains("outside [0, 1]") &&
                        Catch::Contains("probability"));
  CHECK_THROWS_WITH(reg.make_env("BernoulliBandit-v0", {{"means", std::vector<double>{-0.1, 0.5}}}),
                    Catch::Contains("means[0]"));
}

TEST_CASE("bandit inputs: contextual and non-contextual policies refuse the other kind",
          "[bandit-inputs]") {
  Registry reg = bandit_registry();
  auto bernoulli = reg.make_env("BernoulliBandit-v0", {});
  auto linear = reg.make_env("LinearContextualBandit-v0", {});
  for (const char* id : {"linucb", "linear-thompson", "contextual-epsilon-greedy"})
    CHECK_THROWS_WITH(reg.make_agent(id, {}, *bernoulli, 1),
                      Catch::Contains(id) && Catch::Contains("BernoulliBandit-v0") &&
                          Catch::Contains("needs a flat Box(d) context"));
  for (const char* id : {"ucb1", "epsilon-greedy", "gaussian-thompson"})
    CHECK_THROWS_WITH(reg.make_agent(id, {}, *linear, 1),
                      Catch::Contains(id) && Catch::Contains("LinearContextualBandit-v0") &&
                          Catch::Contains("non-contextual"));
}

TEST_CASE("bandit inputs: a data set file of the wrong shape is refused", "[bandit-inputs]") {
  Registry reg = bandit_registry();
  const std::string ragged = "/tmp/rlsim_test_bandit_inputs_ragged.csv";
  std::ofstream(ragged) << "x,y,label\n1,2,0\n3,4\n";
  CHECK_THROWS_WITH(
      reg.make_env("ClassificationBandit-v0", {{"path", std::string(ragged)}}),
      Catch::Contains("line 3") && Catch::Contains("2 fields") && Catch::Contains("3 columns"));
  const std::string one = "/tmp/rlsim_test_bandit_inputs_one.csv";
  std::ofstream(one) << "1\n2\n";
  CHECK_THROWS_WITH(reg.make_env("ClassificationBandit-v0", {{"path", std::string(one)}}),
                    Catch::Contains("at least 2 columns"));
  const std::string single = "/tmp/rlsim_test_bandit_inputs_single.csv";
  std::ofstream(single) << "1,0\n2,0\n";
  CHECK_THROWS_WITH(reg.make_env("ClassificationBandit-v0", {{"path", std::string(single)}}),
                    Catch::Contains("K >= 2"));
  std::remove(ragged.c_str());
  std::remove(one.c_str());
  std::remove(single.c_str());
}

TEST_CASE("bandit inputs: batch size 0 is refused", "[bandit-inputs]") {
  Registry reg = bandit_registry();
  auto env = reg.make_env("BernoulliBandit-v0", {});
  CHECK_THROWS_WITH(reg.make_agent("ucb1", {{"batch", std::int64_t{0}}}, *env, 1),
                    Catch::Contains("batch") && Catch::Contains("ucb1"));
  Ucb1 p(3);
  CHECK_THROWS_WITH(p.set_batch(0), Catch::Contains("batch = 0") && Catch::Contains(">= 1"));
}

TEST_CASE("bandit inputs: every problem declares its reward range", "[bandit-inputs]") {
  Registry reg = bandit_registry();
  const double inf = std::numeric_limits<double>::infinity();
  auto range = [&](const char* id, RawParams p = {}) {
    auto env = reg.make_env(id, p);
    return std::make_pair(env->spec().reward_min, env->spec().reward_max);
  };
  CHECK(range("BernoulliBandit-v0") == std::make_pair(0.0, 1.0));
  CHECK(range("BetaBandit-v0") == std::make_pair(0.0, 1.0));
  CHECK(range("GaussianBandit-v0") == std::make_pair(-inf, inf));
  CHECK(range("ExponentialBandit-v0") == std::make_pair(0.0, inf));
  CHECK(range("PoissonBandit-v0") == std::make_pair(0.0, inf));
  CHECK(range("PiecewiseStationaryBandit-v0") == std::make_pair(0.0, 1.0));
  CHECK(range("RandomWalkBandit-v0") == std::make_pair(0.0, 1.0));
  CHECK(range("AdversarialBandit-v0") == std::make_pair(0.0, 1.0));
  CHECK(range("AdversarialBandit-v0",
              {{"adversary", std::string("table")}, {"table", std::vector<double>{-2.0, 3.0}}}) ==
        std::make_pair(-2.0, 3.0));
  CHECK(range("ClassificationBandit-v0") == std::make_pair(0.0, 1.0));
  CHECK(range("LinearContextualBandit-v0") == std::make_pair(-inf, inf));
  const auto noiseless = range("LinearContextualBandit-v0", {{"sigma", 0.0}});
  CHECK(noiseless.second == Approx(1.0).epsilon(1e-5));  // unit θ on the unit sphere
  CHECK(noiseless.first == -noiseless.second);
}

TEST_CASE("bandit inputs: policies needing [0, 1] rewards refuse other problems up front",
          "[bandit-inputs]") {
  Registry reg = bandit_registry();
  auto gauss = reg.make_env("GaussianBandit-v0", {});
  auto poisson = reg.make_env("PoissonBandit-v0", {});
  for (const char* id :
       {"exp3", "exp3-ix", "exp3p", "thompson", "optimistic-thompson", "bayes-ucb", "ucb1-tuned"}) {
    CHECK_THROWS_WITH(reg.make_agent(id, {}, *gauss, 1),
                      Catch::Contains(id) && Catch::Contains("needs rewards in [0, 1]") &&
                          Catch::Contains("unbounded rewards") && Catch::Contains("use "));
    CHECK_THROWS_WITH(reg.make_agent(id, {}, *poisson, 1), Catch::Contains("rewards in [0, inf)"));
  }
  CHECK_THROWS_WITH(reg.make_agent("ucb-v", {}, *gauss, 1), Catch::Contains("bounded rewards"));
  CHECK_THROWS_WITH(reg.make_agent("kl-ucb", {{"divergence", std::string("bernoulli")}}, *gauss, 1),
                    Catch::Contains("kl-ucb (Bernoulli divergence) needs rewards in [0, 1]") &&
                        Catch::Contains("GaussianBandit-v0 has unbounded rewards") &&
                        Catch::Contains("divergence=gaussian"));
  CHECK_THROWS_WITH(reg.make_agent("kl-ucb", {{"divergence", std::string("poisson")}}, *gauss, 1),
                    Catch::Contains("rewards >= 0"));
  // Accepted: the Gaussian-compatible ones, and kl-ucb's automatic divergence.
  for (const char* id : {"ucb1", "gaussian-thompson", "kl-ucb", "epsilon-greedy"})
    CHECK_NOTHROW(reg.make_agent(id, {}, *gauss, 1));
  CHECK_NOTHROW(reg.make_agent("kl-ucb", {{"divergence", std::string("poisson")}}, *poisson, 1));
  auto table = reg.make_env("AdversarialBandit-v0", {{"adversary", std::string("table")},
                                                     {"table", std::vector<double>{0.0, 4.0}}});
  CHECK_THROWS_WITH(reg.make_agent("ucb-v", {{"b", 1.0}}, *table, 1),
                    Catch::Contains("smaller than the range"));
  CHECK_NOTHROW(reg.make_agent("ucb-v", {}, *table, 1));
}

namespace {

// Rewards of a fixed deterministic sequence: arm a at step t.
double reward_at(std::int64_t t, std::int64_t a) {
  return std::fmod(0.37 * static_cast<double>(t) + 0.61 * static_cast<double>(a * a + 1), 1.0) <
                 0.3 + 0.2 * static_cast<double>(a)
             ? 1.0
             : 0.0;
}

// UCB1 with batched feedback, written out independently: play the first unpulled arm,
// else argmax mean + sqrt(2 ln t / N) (lowest index among ties), where N, the means and t
// only change at the end of each batch of B pulls.
std::vector<std::int64_t> hand_batched_ucb1(std::int64_t k, std::int64_t steps, std::int64_t b) {
  std::vector<double> n(static_cast<std::size_t>(k), 0), s(static_cast<std::size_t>(k), 0);
  double t = 0;
  std::vector<std::int64_t> arms, pending;
  for (std::int64_t step = 0; step < steps; ++step) {
    std::int64_t arm = -1;
    for (std::int64_t a = 0; a < k && arm < 0; ++a)
      if (n[static_cast<std::size_t>(a)] == 0) arm = a;
    if (arm < 0) {
      double best = -1e300;
      for (std::int64_t a = 0; a < k; ++a) {
        const auto i = static_cast<std::size_t>(a);
        const double v = s[i] / n[i] + std::sqrt(2.0 * std::log(t) / n[i]);
        if (v > best) best = v, arm = a;
      }
    }
    arms.push_back(arm);
    pending.push_back(step);
    if (static_cast<std::int64_t>(pending.size()) == b) {
      for (std::int64_t p : pending) {
        const auto i = static_cast<std::size_t>(arms[static_cast<std::size_t>(p)]);
        n[i] += 1;
        s[i] += reward_at(p, arms[static_cast<std::size_t>(p)]);
        t += 1;
      }
      pending.clear();
    }
  }
  return arms;
}

std::vector<std::int64_t> policy_arms(Agent& policy, std::int64_t steps) {
  std::vector<std::int64_t> arms;
  Value obs, action;
  for (std::int64_t step = 0; step < steps; ++step) {
    Decision d;
    policy.act(obs, action, d);
    arms.push_back(action.index);
    policy.observe(Transition{obs, action, reward_at(step, action.index), obs, false, false});
  }
  return arms;
}

}  // namespace

TEST_CASE("batched feedback: ucb1 plays the hand-simulated batched sequence",
          "[bandit-inputs][batch]") {
  Registry reg = bandit_registry();
  auto env =
      reg.make_env("BernoulliBandit-v0", {{"means", std::vector<double>{0.2, 0.5, 0.4, 0.6}}});
  for (std::int64_t b : {1, 3, 10}) {
    INFO("batch " << b);
    auto policy = reg.make_agent("ucb1", {{"batch", b}}, *env, 1);
    CHECK(policy_arms(*policy, 400) == hand_batched_ucb1(4, 400, b));
  }
  // batch = 1 is the unbatched behaviour (the default).
  auto plain = reg.make_agent("ucb1", {}, *env, 1);
  Ucb1 direct(4);
  CHECK(policy_arms(*plain, 400) == policy_arms(direct, 400));
  // A batch > 1 differs: arm 0 is the first unpulled arm for the whole first batch, arm 1
  // for the second.
  auto batched = reg.make_agent("ucb1", {{"batch", std::int64_t{4}}}, *env, 1);
  const auto arms = policy_arms(*batched, 8);
  CHECK(arms == std::vector<std::int64_t>{0, 0, 0, 0, 1, 1, 1, 1});
}

TEST_CASE("batched feedback: a partial batch is revealed at the end of the episode",
          "[bandit-inputs][batch]") {
  Ucb1 p(3);
  p.set_batch(5);
  Value obs, action;
  for (int i = 0; i < 3; ++i) {
    Decision d;
    p.act(obs, action, d);
    p.observe(Transition{obs, action, 1.0, obs, false, false});
  }
  CHECK(p.pulls() == 0);
  CHECK(p.pending_feedback() == 3);
  p.end_episode();
  CHECK(p.pulls() == 3);
  CHECK(p.count(0) == 3);
}

TEST_CASE("bandit inputs: a batch longer than the horizon is refused (issue 17, item 8)",
          "[bandit-inputs][batch]") {
  // batch = 1e8 used to allocate 1e8 pending transitions (11 GB) for a 10-pull run.
  Registry reg = bandit_registry();
  auto env = reg.make_env("BernoulliBandit-v0", {{"horizon", std::int64_t{10}}});
  for (const char* id : {"ucb1", "epsilon-greedy", "thompson"})
    CHECK_THROWS_WITH(reg.make_agent(id, {{"batch", std::int64_t{100000000}}}, *env, 1),
                      Catch::Contains(id) && Catch::Contains("batch = 100000000") &&
                          Catch::Contains("BernoulliBandit-v0") && Catch::Contains("10 steps") &&
                          Catch::Contains("horizon") && Catch::Contains("batch <= 10"));
  CHECK_THROWS_WITH(reg.make_agent("ucb1", {{"batch", std::int64_t{11}}}, *env, 1),
                    Catch::Contains("batch <= 10"));
  // batch = T (one batch, revealed at the end) is allowed.
  auto one_batch = reg.make_agent("ucb1", {{"batch", std::int64_t{10}}}, *env, 1);
  REQUIRE(one_batch);
  // A contextual policy too.
  auto linear = reg.make_env("LinearContextualBandit-v0", {{"horizon", std::int64_t{5}}});
  CHECK_THROWS_WITH(reg.make_agent("linucb", {{"batch", std::int64_t{6}}}, *linear, 1),
                    Catch::Contains("batch <= 5"));
}

TEST_CASE("bandit inputs: the number of arms is bounded (issue 17, item 8)", "[bandit-inputs]") {
  // arms = 1e8 used to be inside the documented range and took 5.5 GB per run.
  Registry reg = bandit_registry();
  const RawParams drawn{{"means_distribution", std::string("uniform")},
                        {"arms", std::int64_t{100000000}}};
  CHECK_THROWS_WITH(reg.make_env("BernoulliBandit-v0", drawn),
                    Catch::Contains("arms") && Catch::Contains("1000000"));
  for (const char* id : {"PiecewiseStationaryBandit-v0", "AdversarialBandit-v0",
                         "LinearContextualBandit-v0", "LogisticContextualBandit-v0"})
    CHECK_THROWS_WITH(reg.make_env(id, {{"arms", std::int64_t{1000001}}}),
                      Catch::Contains("arms") && Catch::Contains("1000000"));
  CHECK_THROWS_WITH(reg.make_env("ClassificationBandit-v0", {{"classes", std::int64_t{1000001}}}),
                    Catch::Contains("classes") && Catch::Contains("1000000"));
  CHECK(reg.env("BernoulliBandit-v0").schema.find("arms")->max == 1e6);
  // K at the limit is accepted.
  auto big = reg.make_env("BernoulliBandit-v0", {{"means_distribution", std::string("uniform")},
                                                 {"arms", std::int64_t{1000000}},
                                                 {"horizon", std::int64_t{10}}});
  CHECK(big->spec().action_space.n() == 1000000);
  // Contextual problems and linear policies bound K d and K d^2 (the parameter matrices).
  CHECK_THROWS_WITH(reg.make_env("LinearContextualBandit-v0", {{"arms", std::int64_t{1000000}},
                                                               {"dimension", std::int64_t{1000}}}),
                    Catch::Contains("K d parameters") && Catch::Contains("1e8"));
  auto wide = reg.make_env("LinearContextualBandit-v0",
                           {{"arms", std::int64_t{100000}}, {"dimension", std::int64_t{100}}});
  CHECK_THROWS_WITH(reg.make_agent("linucb", {}, *wide, 1),
                    Catch::Contains("K d^2") && Catch::Contains("800 MB"));
}

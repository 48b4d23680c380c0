// Contextual problems and policies: the linear problem's contexts and oracle, the
// classification data set as a bandit (tests/data/bandit_blobs.csv), LinUCB's Sherman–Morrison
// state against a direct Eigen solve, linear Thompson sampling's score law and propensities,
// learning on both problems, and refusals of mismatched policy/problem pairs.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "bandits/math/argmax_probability.hpp"
#include "bandits/policies/linear.hpp"
#include "bandits/problems/contextual.hpp"
#include "bandits/register.hpp"
#include "run/runner.hpp"
#include "helpers.hpp"

using namespace rlsim;

namespace {

const std::string kBlobs = std::string(RLSIM_TEST_DATA_DIR) + "/bandit_blobs.csv";

void feed_context(Agent& p, const Eigen::VectorXd& x, std::int64_t arm, double reward) {
  Value obs, action, next;
  obs.vec.assign(x.data(), x.data() + x.size());
  action.index = arm;
  p.observe(Transition{obs, action, reward, next, false, false});
}

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("rlsim_bandits_" + name);
  std::ofstream(path) << text;
  return path.string();
}

}  // namespace

TEST_CASE("linear contextual bandit: contexts, oracle and rewards", "[bandits][contextual]") {
  LinearContextualConfig c;
  c.arms = 3;
  c.dimension = 4;
  c.theta = {1,   0,   0,   0,  //
             0,   1,   0,   0,  //
             0.5, 0.5, 0.5, 0.5};
  c.sigma = 0.2;
  LinearContextualBandit env(c);
  CHECK(env.spec().observation_space == Space::box(-1.0f, 1.0f, {4}));
  CHECK(env.spec().action_space == Space::discrete(3));
  Value obs, next, action;
  env.reset(obs, 4);
  action.index = 2;
  double residual = 0.0, residual2 = 0.0, norm_error = 0.0;
  bool oracle_ok = true;
  const int n = 20000;
  for (int t = 0; t < n; ++t) {
    double norm2 = 0.0;
    for (float v : obs.vec) norm2 += double(v) * v;
    norm_error = std::max(norm_error, std::abs(norm2 - 1.0));
    const double x0 = obs.vec[0], x1 = obs.vec[1], x2 = obs.vec[2], x3 = obs.vec[3];
    const double m[3] = {x0, x1, 0.5 * (x0 + x1 + x2 + x3)};
    oracle_ok =
        oracle_ok && env.oracle()->expected_reward(0) == m[0] &&
        env.oracle()->expected_reward(1) == m[1] &&
        std::abs(env.oracle()->expected_reward(2) - m[2]) < 1e-15 &&
        env.oracle()->best_expected_reward() ==
            std::max({env.expected_reward(0), env.expected_reward(1), env.expected_reward(2)});
    const double r = env.step(action, next).reward;
    residual += r - m[2];
    residual2 += (r - m[2]) * (r - m[2]);
    std::swap(obs, next);
    if (t + 1 == 10000) env.reset(obs);  // horizon 10000
  }
  CHECK(oracle_ok);
  CHECK(norm_error < 1e-6);
  CHECK(std::abs(residual / n) < 5 * 0.2 / std::sqrt(n));
  CHECK(std::sqrt(residual2 / n) == Approx(0.2).epsilon(0.02));

  LinearContextualConfig g;
  g.context_distribution = "gaussian";
  g.dimension = 8;
  LinearContextualBandit genv(g);
  genv.reset(obs, 1);
  double norm2 = 0.0;
  for (int t = 0; t < 2000; ++t) {
    for (float v : obs.vec) norm2 += double(v) * v;
    genv.step(action, obs);
  }
  CHECK(norm2 / 2000 == Approx(1.0).epsilon(0.05));  // E‖x‖² = 1
  // Drawn theta: unit rows, redrawn per reset.
  LinearContextualBandit drawn;
  drawn.reset(obs, 5);
  const auto theta = drawn.theta();
  for (int a = 0; a < 5; ++a) {
    double s = 0.0;
    for (int i = 0; i < 5; ++i) s += theta[a * 5 + i] * theta[a * 5 + i];
    CHECK(s == Approx(1.0));
  }
  drawn.reset(obs, 6);
  CHECK(drawn.theta() != theta);

  LinearContextualConfig bad = c;
  bad.theta.pop_back();
  CHECK_THROWS_WITH(LinearContextualBandit(bad), Catch::Contains("theta"));
  bad = c;
  bad.sigma = -1;
  CHECK_THROWS_WITH(LinearContextualBandit(bad), Catch::Contains("sigma"));
}

TEST_CASE("classification bandit: the shipped CSV as a bandit", "[bandits][contextual]") {
  ClassificationBanditConfig c;
  c.path = kBlobs;
  ClassificationBandit env(c);
  CHECK(env.rows() == 90);
  CHECK(env.dimension() == 5);  // 4 features + bias
  CHECK(env.classes() == std::vector<double>{1, 2, 3});
  CHECK(env.spec().action_space == Space::discrete(3));
  const Space& os = env.spec().observation_space;
  REQUIRE(os.is_box());
  CHECK(os.low()[4] == 1.0f);
  CHECK(os.high()[4] == 1.0f);
  Value obs, next, action;
  env.reset(obs, 2);
  // Standardised features: over many uniform draws the mean is near 0 and the sd near 1.
  double s = 0.0, s2 = 0.0;
  bool rewards_ok = true;
  const int n = 9000;
  for (int t = 0; t < n; ++t) {
    const std::int64_t label = env.current_label();
    action.index = t % 3;
    const double want = action.index == label ? 1.0 : 0.0;
    rewards_ok = rewards_ok && env.oracle()->expected_reward(action.index) == want &&
                 env.oracle()->best_expected_reward() == 1.0;
    s += obs.vec[0];
    s2 += double(obs.vec[0]) * obs.vec[0];
    rewards_ok = rewards_ok && env.step(action, next).reward == want;
    std::swap(obs, next);
  }
  CHECK(rewards_ok);
  CHECK(std::abs(s / n) < 0.05);
  CHECK(std::sqrt(s2 / n) == Approx(1.0).epsilon(0.05));

  ClassificationBanditConfig raw = c;
  raw.standardize = false;
  raw.bias = false;
  raw.label_column = 4;
  ClassificationBandit renv(raw);
  CHECK(renv.dimension() == 4);
  ClassificationBandit synthetic;
  CHECK(synthetic.rows() == 300);
  CHECK(synthetic.spec().action_space.n() == 3);
}

TEST_CASE("classification bandit: bad files are clear errors", "[bandits][contextual]") {
  ClassificationBanditConfig c;
  c.path = "/nonexistent/file.csv";
  CHECK_THROWS_WITH(ClassificationBandit(c), Catch::Contains("cannot open"));
  c.path = write_temp("text.csv", "a,b\n1,2\n3,x\n");
  CHECK_THROWS_WITH(ClassificationBandit(c), Catch::Contains("line 3"));
  c.path = write_temp("ragged.csv", "1,2,0\n3,1\n");
  CHECK_THROWS_WITH(ClassificationBandit(c), Catch::Contains("line 2"));
  c.path = write_temp("oneclass.csv", "1,0\n2,0\n");
  CHECK_THROWS_WITH(ClassificationBandit(c), Catch::Contains("K >= 2"));
  c.path = write_temp("ok.csv", "1,0\n2,1\n");
  c.label_column = 5;
  CHECK_THROWS_WITH(ClassificationBandit(c), Catch::Contains("label_column"));
}

TEST_CASE("linucb: Sherman-Morrison state equals a direct solve", "[bandits][contextual]") {
  const int k = 3, d = 6;
  LinUcbConfig cfg;
  cfg.alpha = 0.7;
  cfg.lambda = 2.0;
  LinUcb p(k, d, cfg);
  Rng rng(21);
  std::vector<Eigen::MatrixXd> a(k, 2.0 * Eigen::MatrixXd::Identity(d, d));
  std::vector<Eigen::VectorXd> b(k, Eigen::VectorXd::Zero(d));
  for (int t = 0; t < 3000; ++t) {
    Eigen::VectorXd x(d);
    for (int i = 0; i < d; ++i) x[i] = static_cast<float>(rng.normal());  // float contexts
    const auto arm = static_cast<int>(rng.integer(0, k - 1));
    const double r = rng.normal(x.sum(), 1.0);
    feed_context(p, x, arm, r);
    a[arm] += x * x.transpose();
    b[arm] += r * x;
  }
  Eigen::VectorXd x(d);
  for (int i = 0; i < d; ++i) x[i] = static_cast<float>(rng.normal());
  for (int arm = 0; arm < k; ++arm) {
    const Eigen::VectorXd theta = a[arm].ldlt().solve(b[arm]);
    const Eigen::MatrixXd inv = a[arm].inverse();
    CHECK((p.theta(arm) - theta).norm() < 1e-9 * (1 + theta.norm()));
    CHECK((p.inverse(arm) - inv).norm() < 1e-9 * inv.norm());
    const double bonus = std::sqrt(x.dot(a[arm].ldlt().solve(x)));
    CHECK(p.ucb(arm, x) == Approx(theta.dot(x) + 0.7 * bonus).epsilon(1e-9));
  }
  // act picks the largest UCB for the context it is shown.
  Value obs, action;
  obs.vec.assign(x.data(), x.data() + d);
  Decision dec;
  p.act(obs, action, dec);
  std::int64_t best = 0;
  for (int arm = 1; arm < k; ++arm)
    if (p.ucb(arm, x) > p.ucb(best, x)) best = arm;
  CHECK(action.index == best);
  CHECK(dec.probability == 1.0);
  StateDict s;
  p.save(s);
  LinUcb q(k, d, cfg);
  q.load(s);
  for (int arm = 0; arm < k; ++arm) CHECK(q.ucb(arm, x) == Approx(p.ucb(arm, x)).epsilon(1e-12));
  obs.vec.pop_back();
  CHECK_THROWS_WITH(p.act(obs, action, dec), Catch::Contains("d = 6"));
}

TEST_CASE("linear thompson: per-arm score law and exact propensity", "[bandits][contextual]") {
  LinearThompsonConfig cfg;
  CHECK(LinearThompson(2, 5, cfg, 1).v() ==
        Approx(0.1 * std::sqrt(24.0 * 5 * std::log(10.0) / 0.5)));
  cfg.v = 0.5;
  cfg.propensity = true;
  const int d = 3;
  LinearThompson p(3, d, cfg, 22);
  Rng rng(23);
  for (int t = 0; t < 60; ++t) {
    Eigen::VectorXd x(d);
    for (int i = 0; i < d; ++i) x[i] = static_cast<float>(rng.normal());
    feed_context(p, x, t % 3, 0.3 * (t % 3) + rng.normal(0.0, 0.3));
  }
  Eigen::VectorXd x(d);
  x << 0.5, -0.25, 1.0;
  std::vector<double> mean(3), sd(3);
  for (int a = 0; a < 3; ++a) {
    mean[a] = p.theta(a).dot(x);
    sd[a] = 0.5 * std::sqrt(p.variance_term(a, x));
  }
  std::vector<double> want(3);
  for (int a = 0; a < 3; ++a) want[a] = normal_argmax_probability(mean, sd, a);
  CHECK(want[0] + want[1] + want[2] == Approx(1.0).epsilon(1e-9));
  Value obs, action;
  obs.vec.assign(x.data(), x.data() + d);
  std::vector<int> hits(3, 0);
  bool exact = true;
  const int n = 6000;
  for (int i = 0; i < n; ++i) {
    Decision dec;
    p.act(obs, action, dec);
    ++hits[action.index];
    exact = exact && std::abs(dec.probability - want[action.index]) < 1e-9;
  }
  CHECK(exact);
  for (int a = 0; a < 3; ++a)
    CHECK(std::abs(hits[a] / double(n) - want[a]) <=
          5 * std::sqrt(want[a] * (1 - want[a]) / n) + 1e-9);
}

TEST_CASE("contextual policies learn: regret far below uniform", "[bandits][contextual]") {
  // Linear problem: K = 5, d = 5, theta drawn per reset, T = 5000, 3 runs.
  double uniform = 0.0, linucb = 0.0, lints = 0.0;
  for (int i = 0; i < 3; ++i) {
    LinearContextualConfig c;
    c.horizon = 5000;
    LinearContextualBandit env(c);
    Value obs;
    env.reset(obs, 30 + i);
    double gap = 0.0;  // uniform policy's expected regret, from the oracle along the way
    Value next, action;
    for (int t = 0; t < 5000; ++t) {
      double mean = 0.0;
      for (int a = 0; a < 5; ++a) mean += env.expected_reward(a) / 5;
      gap += env.best_expected_reward() - mean;
      action.index = 0;
      env.step(action, next);
      std::swap(obs, next);
    }
    uniform += gap / 3;
    LinUcb u(5, 5);
    linucb += test::run_loop(env, u, 5000, 30 + i).pseudo_regret / 3;
    LinearThompsonConfig tc;
    tc.v = 0.2;
    LinearThompson ts(5, 5, tc, 40 + i);
    lints += test::run_loop(env, ts, 5000, 30 + i).pseudo_regret / 3;
  }
  INFO("uniform " << uniform << ", linucb " << linucb << ", linear-thompson " << lints);
  CHECK(linucb < 0.05 * uniform);
  CHECK(lints < 0.05 * uniform);

  // Classification data set: LinUCB on the standardised features with bias.
  ClassificationBanditConfig c;
  c.path = kBlobs;
  c.horizon = 3000;
  ClassificationBandit env(c);
  LinUcbConfig lc;
  lc.alpha = 0.5;
  LinUcb u(3, 5, lc);
  auto r = test::run_loop(env, u, 3000, 9, true);
  const double late_errors = r.regret_curve[2999] - r.regret_curve[1999];
  INFO("classification regret " << r.pseudo_regret << ", errors in the last 1000 " << late_errors);
  CHECK(r.pseudo_regret < 0.2 * (2.0 / 3.0) * 3000);  // uniform errs 2/3 of the time
  CHECK(late_errors < 0.1 * 1000);
}

TEST_CASE("contextual and non-contextual policies refuse each other's problems",
          "[bandits][contextual]") {
  Registry registry;
  register_bandits(registry);
  auto linear = registry.make_env("LinearContextualBandit-v0", {});
  auto bernoulli = registry.make_env("BernoulliBandit-v0", {});
  CHECK_THROWS_WITH(
      registry.make_agent("linucb", {}, *bernoulli, 1),
      Catch::Contains("contextual bandit policy") && Catch::Contains("non-contextual policy"));
  CHECK_THROWS_WITH(registry.make_agent("linear-thompson", {}, *bernoulli, 1),
                    Catch::Contains("Box(d) context"));
  for (const char* id : {"ucb1", "thompson", "exp3", "kl-ucb", "epsilon-greedy"})
    CHECK_THROWS_WITH(registry.make_agent(id, {}, *linear, 1),
                      Catch::Contains("non-contextual") && Catch::Contains("linucb"));
  CHECK_NOTHROW(registry.make_agent("linucb", {}, *linear, 1));
  auto data = registry.make_env("ClassificationBandit-v0", {{"path", kBlobs}});
  CHECK_NOTHROW(registry.make_agent("linear-thompson", {}, *data, 1));
}

TEST_CASE("runner: linucb on the linear problem through execute_run", "[bandits][runner]") {
  Registry registry;
  register_bandits(registry);
  RunSpec spec;
  spec.env_id = "LinearContextualBandit-v0";
  spec.env_params = {{"horizon", std::int64_t{2000}}};
  spec.agent_id = "linucb";
  spec.seed_index = 1;
  spec.master_seed = 7;
  spec.budget.episodes = 1;
  spec.regret_every_step = true;
  RunResult res = execute_run(registry, spec);
  REQUIRE(res.regret.size() == 2000);
  auto env = registry.make_env(spec.env_id, spec.env_params);
  auto agent = registry.make_agent("linucb", {}, *env, res.info.agent_seed);
  auto loop = test::run_loop(*env, *agent, 2000, res.info.env_seed, true);
  bool same = true;
  for (std::size_t t = 0; t < 2000; ++t)
    same = same && res.regret.pseudo_regret[t] == loop.regret_curve[t];
  CHECK(same);
  // Sublinear: the second half adds much less regret than the first.
  CHECK(res.regret.pseudo_regret[1999] - res.regret.pseudo_regret[999] <
        0.5 * res.regret.pseudo_regret[999]);
}

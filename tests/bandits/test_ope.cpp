// Off-policy evaluation (experiments/ope.hpp, rlsim ope): estimators against a known truth.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "experiments/cli.hpp"
#include "experiments/commands.hpp"
#include "experiments/ope.hpp"

using namespace rlsim;

namespace {

// A contextual problem with 4 equally likely contexts in R², K = 3 arms, expected reward
// mu[c][a], Gaussian noise sd 0.5 by default. Logging policy mu_log[c][a] (stochastic, all > 0);
// target policy pi[c][a] (deterministic in contexts 0-1, stochastic in 2-3).
constexpr int kC = 4, kK = 3;
const double kX[kC][2] = {{1.0, 0.0}, {0.0, 1.0}, {-1.0, 0.5}, {0.5, -1.0}};
const double kTheta[kK][2] = {{0.5, 0.2}, {-0.3, 0.8}, {0.1, -0.4}};
const double kBias[kK] = {0.3, 0.1, 0.5};
const double kLog[kC][kK] = {{0.5, 0.3, 0.2}, {0.2, 0.2, 0.6}, {0.4, 0.4, 0.2}, {0.1, 0.3, 0.6}};
const double kPi[kC][kK] = {{0, 1, 0}, {1, 0, 0}, {0.2, 0.5, 0.3}, {0.6, 0.0, 0.4}};

double mean_reward(int c, int a) {
  return kTheta[a][0] * kX[c][0] + kTheta[a][1] * kX[c][1] + kBias[a];
}

double true_value() {
  double v = 0.0;
  for (int c = 0; c < kC; ++c)
    for (int a = 0; a < kK; ++a) v += kPi[c][a] * mean_reward(c, a) / kC;
  return v;
}

OpeInput simulate(std::size_t n, Rng& rng, double noise = 0.5) {
  OpeInput in;
  in.arms = kK;
  in.dimension = 2;
  for (std::size_t i = 0; i < n; ++i) {
    const int c = static_cast<int>(rng.integer(0, kC - 1));
    const double u = rng.uniform();
    int a = 0;
    double acc = kLog[c][0];
    while (u >= acc && a < kK - 1) acc += kLog[c][++a];
    in.contexts.push_back(kX[c][0]);
    in.contexts.push_back(kX[c][1]);
    in.actions.push_back(a);
    in.reward.push_back(mean_reward(c, a) + noise * rng.normal());
    in.logging_prob.push_back(kLog[c][a]);
    for (int b = 0; b < kK; ++b) in.target.push_back(kPi[c][b]);
  }
  return in;
}

std::vector<double> target_of_logged(const OpeInput& in) {
  std::vector<double> p;
  for (std::size_t i = 0; i < in.actions.size(); ++i)
    p.push_back(in.target[i * kK + static_cast<std::size_t>(in.actions[i])]);
  return p;
}

int context_of(const OpeInput& in, std::size_t i) {
  for (int c = 0; c < kC; ++c)
    if (in.contexts[2 * i] == kX[c][0] && in.contexts[2 * i + 1] == kX[c][1]) return c;
  return -1;
}

double variance(const std::vector<double>& x) {
  double m = 0.0, s = 0.0;
  for (double v : x) m += v;
  m /= static_cast<double>(x.size());
  for (double v : x) s += (v - m) * (v - m);
  return s / static_cast<double>(x.size() - 1);
}

}  // namespace

TEST_CASE("ope: IPS, SNIPS and DR are within 3 SE of the exact target value", "[ope]") {
  Rng rng(11);
  const OpeInput in = simulate(20000, rng);
  const double truth = true_value();
  const OpeReport r = evaluate_off_policy(in, "ridge", 1.0, 2);
  INFO("truth " << truth << " ips " << r.ips.value << " +- " << r.ips.se << " snips "
                << r.snips.value << " +- " << r.snips.se << " dr " << r.dr.value << " +- "
                << r.dr.se);
  CHECK(r.n == 20000);
  CHECK(r.ips.se > 0.0);
  CHECK(std::abs(r.ips.value - truth) < 3.0 * r.ips.se);
  CHECK(std::abs(r.snips.value - truth) < 3.0 * r.snips.se);
  CHECK(std::abs(r.dr.value - truth) < 3.0 * r.dr.se);
  CHECK(r.mean_weight == Approx(1.0).margin(0.05));
}

TEST_CASE("ope: IPS is unbiased over many independent logs", "[ope]") {
  Rng rng(12);
  const int logs = 400;
  std::vector<double> est;
  for (int j = 0; j < logs; ++j) {
    const OpeInput in = simulate(100, rng);
    est.push_back(ips_estimate(in.reward, in.logging_prob, target_of_logged(in)).value);
  }
  double m = 0.0;
  for (double v : est) m += v;
  m /= logs;
  const double se = std::sqrt(variance(est) / logs);
  INFO("mean " << m << " se " << se << " truth " << true_value());
  CHECK(std::abs(m - true_value()) < 3.0 * se);
}

TEST_CASE("ope: DR with a perfect reward model has lower variance than IPS", "[ope]") {
  Rng rng(13);
  std::vector<double> ips, dr;
  for (int j = 0; j < 300; ++j) {
    const OpeInput in = simulate(100, rng, 0.1);
    const std::vector<double> p = target_of_logged(in);
    std::vector<double> q_logged, q_target;
    for (std::size_t i = 0; i < in.actions.size(); ++i) {
      const int c = context_of(in, i);
      q_logged.push_back(mean_reward(c, static_cast<int>(in.actions[i])));
      double v = 0.0;
      for (int a = 0; a < kK; ++a) v += kPi[c][a] * mean_reward(c, a);
      q_target.push_back(v);
    }
    ips.push_back(ips_estimate(in.reward, in.logging_prob, p).value);
    dr.push_back(dr_estimate(in.reward, in.logging_prob, p, q_logged, q_target).value);
  }
  INFO("var IPS " << variance(ips) << " var DR " << variance(dr));
  CHECK(variance(dr) < 0.5 * variance(ips));
}

TEST_CASE("ope: SNIPS and its delta-method SE on a hand-computed example", "[ope]") {
  const std::vector<double> r = {1.0, 0.0, 2.0}, mu = {0.5, 0.25, 1.0}, pi = {1.0, 0.5, 0.0};
  // w = (2, 2, 0): IPS terms (2, 0, 0); SNIPS = 2 / 4 = 0.5.
  const OpeEstimate ips = ips_estimate(r, mu, pi);
  CHECK(ips.value == Approx(2.0 / 3.0));
  CHECK(ips.se == Approx(std::sqrt((4.0 / 9.0 * 2 + 16.0 / 9.0) / 2.0 / 3.0)));
  const OpeEstimate sn = snips_estimate(r, mu, pi);
  CHECK(sn.value == Approx(0.5));
  // u = w (r − 0.5) = (1, −1, 0): sample variance 1, mean w = 4/3.
  CHECK(sn.se == Approx(std::sqrt(1.0 / 3.0) / (4.0 / 3.0)));
}

TEST_CASE("ope: ridge reward model recovers a linear reward without noise", "[ope]") {
  Rng rng(14);
  OpeInput in = simulate(400, rng);
  for (std::size_t i = 0; i < in.reward.size(); ++i)
    in.reward[i] = mean_reward(context_of(in, i), static_cast<int>(in.actions[i]));
  const auto q = ridge_reward_predictions(in.contexts, 2, in.actions, in.reward, kK, 1e-8, 2);
  for (std::size_t i = 0; i < 20; ++i)
    for (int a = 0; a < kK; ++a)
      CHECK(q[i * kK + static_cast<std::size_t>(a)] ==
            Approx(mean_reward(context_of(in, i), a)).margin(1e-6));
}

TEST_CASE("ope: NaN or invalid propensities are refused", "[ope]") {
  Rng rng(15);
  OpeInput in = simulate(10, rng);
  in.logging_prob[3] = std::nan("");
  CHECK_THROWS_WITH(evaluate_off_policy(in, "ridge", 1.0, 2), Catch::Contains("step 3") &&
                                                                  Catch::Contains("NaN") &&
                                                                  Catch::Contains("propensities"));
  in.logging_prob[3] = 0.0;
  CHECK_THROWS_WITH(evaluate_off_policy(in, "none", 1.0, 1), Catch::Contains("outside (0, 1]"));
  in.logging_prob[3] = 0.5;
  CHECK_THROWS_WITH(evaluate_off_policy(in, "tree", 1.0, 1), Catch::Contains("ridge or none"));
}

namespace {
void run_cli(const std::vector<std::string>& words) {
  std::vector<std::string> args = words;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  REQUIRE(cli_main(static_cast<int>(argv.size()), argv.data()) == 0);
}

std::string write_config(const std::string& name, const std::string& agent, bool steps) {
  const std::string path = "/tmp/rlsim_test_ope_" + name + ".toml";
  std::ofstream out(path);
  out << "name = \"" << name
      << "\"\nseed = 1\nseeds = 1\nepisodes = 1\n[log]\nsteps = " << (steps ? "true" : "false")
      << "\n[[env]]\nid = \"BernoulliBandit-v0\"\nhorizon = 200\n"
      << "[[agent]]\nid = \"" << agent << "\"\n";
  return path;
}
}  // namespace

TEST_CASE("ope: the CLI refuses logs without propensities or without a step log", "[ope]") {
  const std::string ts = "/tmp/rlsim_test_ope_ts.h5";
  run_cli(
      {"rlsim", "run", write_config("ts", "thompson", true), "-o", ts, "--overwrite", "-t", "1"});
  CHECK_THROWS_WITH(cmd_ope({ts, "--policy", "ucb1"}),
                    Catch::Contains("run 0") && Catch::Contains("thompson") &&
                        Catch::Contains("NaN") && Catch::Contains("reports propensities"));
  const std::string nosteps = "/tmp/rlsim_test_ope_nosteps.h5";
  run_cli({"rlsim", "run", write_config("nosteps", "epsilon-greedy", false), "-o", nosteps,
           "--overwrite", "-t", "1"});
  CHECK_THROWS_WITH(cmd_ope({nosteps, "--policy", "ucb1"}),
                    Catch::Contains("run 0") && Catch::Contains("log.steps = true"));
  // A log with propensities is evaluated (epsilon-greedy logging, greedy ucb1 target).
  const std::string eg = "/tmp/rlsim_test_ope_eg.h5";
  run_cli({"rlsim", "run", write_config("eg", "epsilon-greedy", true), "-o", eg, "--overwrite",
           "-t", "1"});
  CHECK(cmd_ope({eg, "--policy", "ucb1", "--json"}) == 0);
  std::remove(ts.c_str());
  std::remove(nosteps.c_str());
  std::remove(eg.c_str());
}

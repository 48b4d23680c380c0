#include "experiments/ope.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <Eigen/Dense>

#include "core/error.hpp"

namespace rlsim {

namespace {

void require_sizes(std::size_t n, std::initializer_list<std::size_t> sizes, const char* who) {
  if (n == 0) throw Error(std::string(who) + ": no samples to evaluate");
  for (std::size_t s : sizes)
    if (s != n)
      throw Error(std::string(who) + ": input arrays differ in length (" + std::to_string(n) +
                  " vs " + std::to_string(s) + ")");
}

// Mean and SE (sample sd / √n; 0 for a single sample) of x.
OpeEstimate mean_se(const std::vector<double>& x) {
  const double n = static_cast<double>(x.size());
  double m = 0.0;
  for (double v : x) m += v;
  m /= n;
  double ss = 0.0;
  for (double v : x) ss += (v - m) * (v - m);
  OpeEstimate e;
  e.value = m;
  e.se = x.size() > 1 ? std::sqrt(ss / (n - 1.0) / n) : 0.0;
  return e;
}

}  // namespace

void check_propensities(std::span<const double> logging_prob, const std::string& where) {
  for (std::size_t i = 0; i < logging_prob.size(); ++i) {
    const double p = logging_prob[i];
    if (std::isnan(p))
      throw Error(where + ": the logging propensity of step " + std::to_string(i) +
                  " is NaN (the logging policy does not report the probability of its "
                  "choices, e.g. Thompson sampling): log with a policy that reports "
                  "propensities (epsilon-greedy, softmax, exp3, ucb1, linucb, or thompson "
                  "propensity=true)");
    if (!(p > 0.0 && p <= 1.0)) {
      std::ostringstream os;
      os << where << ": the logging propensity of step " << i << " is " << p
         << ", outside (0, 1]: importance weights need the probability of the logged action";
      throw Error(os.str());
    }
  }
}

OpeEstimate ips_estimate(std::span<const double> reward, std::span<const double> logging_prob,
                         std::span<const double> target_prob) {
  require_sizes(reward.size(), {logging_prob.size(), target_prob.size()}, "ips");
  std::vector<double> terms(reward.size());
  for (std::size_t i = 0; i < terms.size(); ++i)
    terms[i] = target_prob[i] / logging_prob[i] * reward[i];
  return mean_se(terms);
}

OpeEstimate snips_estimate(std::span<const double> reward, std::span<const double> logging_prob,
                           std::span<const double> target_prob) {
  require_sizes(reward.size(), {logging_prob.size(), target_prob.size()}, "snips");
  const std::size_t n = reward.size();
  double sw = 0.0, swr = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double w = target_prob[i] / logging_prob[i];
    sw += w;
    swr += w * reward[i];
  }
  OpeEstimate e;
  if (!(sw > 0.0)) {  // the target never agrees with the log: no information
    e.value = std::nan("");
    e.se = std::nan("");
    return e;
  }
  e.value = swr / sw;
  // Delta method for a ratio of means: Var ≈ Var(w (r − V)) / (n · mean(w)²).
  const double nd = static_cast<double>(n);
  const double mean_w = sw / nd;
  double ss = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double u = target_prob[i] / logging_prob[i] * (reward[i] - e.value);
    ss += u * u;
  }
  e.se = n > 1 ? std::sqrt(ss / (nd - 1.0) / nd) / mean_w : 0.0;
  return e;
}

OpeEstimate dr_estimate(std::span<const double> reward, std::span<const double> logging_prob,
                        std::span<const double> target_prob, std::span<const double> q_logged,
                        std::span<const double> q_target) {
  require_sizes(reward.size(),
                {logging_prob.size(), target_prob.size(), q_logged.size(), q_target.size()}, "dr");
  std::vector<double> terms(reward.size());
  for (std::size_t i = 0; i < terms.size(); ++i)
    terms[i] = q_target[i] + target_prob[i] / logging_prob[i] * (reward[i] - q_logged[i]);
  return mean_se(terms);
}

OpeEstimate dm_estimate(std::span<const double> q_target) {
  require_sizes(q_target.size(), {}, "dm");
  return mean_se(std::vector<double>(q_target.begin(), q_target.end()));
}

std::vector<double> ridge_reward_predictions(std::span<const double> contexts, std::int64_t d,
                                             std::span<const std::int64_t> actions,
                                             std::span<const double> reward, std::int64_t arms,
                                             double lambda, std::int64_t folds) {
  const std::size_t n = reward.size();
  require_sizes(n, {actions.size()}, "ridge reward model");
  if (contexts.size() != n * static_cast<std::size_t>(d))
    throw Error("ridge reward model: contexts hold " + std::to_string(contexts.size()) +
                " values; n = " + std::to_string(n) + " samples of d = " + std::to_string(d) +
                " need n d");
  if (!(lambda > 0.0)) throw Error("ridge reward model: lambda must be > 0");
  if (folds < 1 || static_cast<std::size_t>(folds) > n)
    throw Error("ridge reward model: folds = " + std::to_string(folds) +
                " is invalid: need 1 <= folds <= n = " + std::to_string(n));
  const auto p = static_cast<Eigen::Index>(d + 1);  // features (x, 1)
  auto feature = [&](std::size_t i, Eigen::VectorXd& f) {
    for (Eigen::Index j = 0; j < p - 1; ++j)
      f[j] = contexts[i * static_cast<std::size_t>(d) + static_cast<std::size_t>(j)];
    f[p - 1] = 1.0;
  };
  std::vector<double> q(n * static_cast<std::size_t>(arms), 0.0);
  Eigen::VectorXd f(p);
  const auto k = static_cast<std::size_t>(arms);
  for (std::int64_t fold = 0; fold < folds; ++fold) {
    // Held-out block [lo, hi); with one fold the model is fitted and used on everything.
    const std::size_t lo = n * static_cast<std::size_t>(fold) / static_cast<std::size_t>(folds);
    const std::size_t hi = n * static_cast<std::size_t>(fold + 1) / static_cast<std::size_t>(folds);
    std::vector<Eigen::MatrixXd> a(k, Eigen::MatrixXd::Identity(p, p) * lambda);
    std::vector<Eigen::VectorXd> b(k, Eigen::VectorXd::Zero(p));
    std::vector<std::int64_t> count(k, 0);
    for (std::size_t i = 0; i < n; ++i) {
      if (folds > 1 && i >= lo && i < hi) continue;
      const std::int64_t arm = actions[i];
      if (arm < 0 || arm >= arms)
        throw Error("ridge reward model: action " + std::to_string(arm) + " of sample " +
                    std::to_string(i) + " is outside [0, " + std::to_string(arms - 1) + "]");
      const auto ai = static_cast<std::size_t>(arm);
      feature(i, f);
      a[ai].selfadjointView<Eigen::Lower>().rankUpdate(f);
      b[ai] += reward[i] * f;
      ++count[ai];
    }
    for (std::size_t arm = 0; arm < k; ++arm) {
      Eigen::VectorXd theta = Eigen::VectorXd::Zero(p);
      if (count[arm] > 0) {
        Eigen::MatrixXd full = a[arm].selfadjointView<Eigen::Lower>();
        theta = full.ldlt().solve(b[arm]);
      }
      for (std::size_t i = folds > 1 ? lo : 0; i < (folds > 1 ? hi : n); ++i) {
        feature(i, f);
        q[i * k + arm] = f.dot(theta);
      }
    }
  }
  return q;
}

OpeReport evaluate_off_policy(const OpeInput& in, const std::string& model, double lambda,
                              std::int64_t folds) {
  const std::size_t n = in.reward.size();
  const auto k = static_cast<std::size_t>(in.arms);
  require_sizes(n, {in.actions.size(), in.logging_prob.size()}, "ope");
  if (in.target.size() != n * k)
    throw Error("ope: the target distribution holds " + std::to_string(in.target.size()) +
                " values; n = " + std::to_string(n) + " samples of K = " + std::to_string(k) +
                " arms need n K");
  if (model != "ridge" && model != "none")
    throw Error("ope: reward model '" + model + "' is unknown: use ridge or none");
  check_propensities(in.logging_prob, "ope");
  std::vector<double> target_prob(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t a = in.actions[i];
    if (a < 0 || a >= in.arms)
      throw Error("ope: logged action " + std::to_string(a) + " of sample " + std::to_string(i) +
                  " is outside [0, " + std::to_string(in.arms - 1) + "]");
    target_prob[i] = in.target[i * k + static_cast<std::size_t>(a)];
  }
  OpeReport r;
  r.n = static_cast<std::int64_t>(n);
  r.ips = ips_estimate(in.reward, in.logging_prob, target_prob);
  r.snips = snips_estimate(in.reward, in.logging_prob, target_prob);
  double sw = 0.0, sw2 = 0.0, matches = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double w = target_prob[i] / in.logging_prob[i];
    sw += w;
    sw2 += w * w;
    r.max_weight = std::max(r.max_weight, w);
    r.logged_value += in.reward[i];
    matches += target_prob[i] > 0.0 ? 1.0 : 0.0;
  }
  const double nd = static_cast<double>(n);
  r.logged_value /= nd;
  r.mean_weight = sw / nd;
  r.effective_sample_size = sw2 > 0.0 ? sw * sw / sw2 : 0.0;
  r.match_rate = matches / nd;
  if (model == "ridge") {
    const std::vector<double> q = ridge_reward_predictions(in.contexts, in.dimension, in.actions,
                                                           in.reward, in.arms, lambda, folds);
    std::vector<double> q_logged(n), q_target(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      q_logged[i] = q[i * k + static_cast<std::size_t>(in.actions[i])];
      for (std::size_t a = 0; a < k; ++a) q_target[i] += in.target[i * k + a] * q[i * k + a];
    }
    r.dr = dr_estimate(in.reward, in.logging_prob, target_prob, q_logged, q_target);
    r.dm = dm_estimate(q_target);
    r.has_model = true;
  }
  return r;
}

}  // namespace rlsim

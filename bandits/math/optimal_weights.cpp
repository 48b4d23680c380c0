#include "bandits/math/optimal_weights.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <string>

#include "core/error.hpp"

namespace rlsim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kIterations = 100;  // bisection halvings (stops earlier at 1e-12 relative)

struct Problem {
  KlFamily family;
  double sigma;
  double best;  // μ_1
  double d(double p, double q) const { return kl_divergence(family, p, q, sigma); }
  double mix(double x, double mu_a) const { return (best + x * mu_a) / (1.0 + x); }
  double g(double x, double mu_a) const {
    const double m = mix(x, mu_a);
    return d(best, m) + x * d(mu_a, m);
  }
  // x_a(y): g_a(x) = y, for 0 <= y < d(μ_1, μ_a).
  double x_of(double y, double mu_a) const {
    if (y <= 0.0) return 0.0;
    double lo = 0.0, hi = 1.0;
    while (g(hi, mu_a) < y && hi < 1e300) hi *= 2.0;
    for (int i = 0; i < kIterations && hi - lo > 1e-12 * hi; ++i) {
      const double mid = 0.5 * (lo + hi);
      (g(mid, mu_a) < y ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
  }
};

}  // namespace

OptimalWeights optimal_weights(KlFamily family, const std::vector<double>& mu, double sigma) {
  const std::size_t k = mu.size();
  if (k < 2) throw Error("optimal_weights: need at least 2 arms, got " + std::to_string(k));
  const std::size_t b =
      static_cast<std::size_t>(std::max_element(mu.begin(), mu.end()) - mu.begin());
  OptimalWeights out;
  for (std::size_t a = 0; a < k; ++a)
    if (a != b && mu[a] == mu[b]) {
      out.w.assign(k, 1.0 / static_cast<double>(k));
      out.t_star = kInf;
      return out;
    }
  const Problem p{family, sigma, mu[b]};
  auto f = [&](double y) {
    double sum = 0.0;
    for (std::size_t a = 0; a < k; ++a) {
      if (a == b) continue;
      const double m = p.mix(p.x_of(y, mu[a]), mu[a]);
      sum += p.d(mu[b], m) / p.d(mu[a], m);
    }
    return sum;
  };
  double hi = kInf;
  for (std::size_t a = 0; a < k; ++a)
    if (a != b) hi = std::min(hi, p.d(mu[b], mu[a]));
  if (!std::isfinite(hi)) {  // e.g. Bernoulli means 1 and 0: bracket the root from 1 up
    hi = 1.0;
    while (f(hi) < 1.0 && hi < 1e300) hi *= 2.0;
  }
  double lo = 0.0;
  for (int i = 0; i < kIterations && hi - lo > 1e-12 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (f(mid) < 1.0 ? lo : hi) = mid;
  }
  const double y = 0.5 * (lo + hi);
  out.w.assign(k, 0.0);
  double total = 1.0;
  for (std::size_t a = 0; a < k; ++a)
    if (a != b) total += (out.w[a] = p.x_of(y, mu[a]));
  const double w1 = 1.0 / total;
  for (std::size_t a = 0; a < k; ++a) out.w[a] = a == b ? w1 : out.w[a] * w1;
  out.t_star = 1.0 / (w1 * y);
  return out;
}

std::vector<double> project_onto_floor(const std::vector<double>& w, double epsilon) {
  const std::size_t k = w.size();
  if (k == 0 || !(epsilon >= 0.0) || epsilon * static_cast<double>(k) > 1.0 + 1e-12)
    throw Error("project_onto_floor: needs K >= 1 weights and 0 <= epsilon <= 1/K (epsilon " +
                std::to_string(epsilon) + ", K " + std::to_string(k) + ")");
  std::vector<double> sorted = w;
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  // The m largest stay above the floor: η = (Σ_{top m} w + (K − m) ε − 1) / m, valid when
  // the m-th largest minus η is at least ε and the (m+1)-th minus η is at most ε.
  double eta = 0.0, top = 0.0;
  for (std::size_t m = 1; m <= k; ++m) {
    top += sorted[m - 1];
    const double e = (top + static_cast<double>(k - m) * epsilon - 1.0) / static_cast<double>(m);
    if (sorted[m - 1] - e >= epsilon && (m == k || sorted[m] - e <= epsilon)) {
      eta = std::max(0.0, e);
      break;
    }
  }
  std::vector<double> out(k);
  for (std::size_t a = 0; a < k; ++a) out[a] = std::max(epsilon, w[a] - eta);
  return out;
}

}  // namespace rlsim

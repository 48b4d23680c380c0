// Marsaglia–Tsang gamma and the derived beta sampler: moments against theory and a
// Kolmogorov–Smirnov distance against the exact CDF (Boost.Math), with fixed seeds.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include "bandits/math/gamma_sampler.hpp"

using namespace rlsim;

namespace {

double ks_distance(std::vector<double> xs, const std::function<double(double)>& cdf) {
  std::sort(xs.begin(), xs.end());
  const double n = static_cast<double>(xs.size());
  double d = 0.0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double f = cdf(xs[i]);
    d = std::max({d, f - i / n, (i + 1) / n - f});
  }
  return d;
}

}  // namespace

TEST_CASE("gamma sampler: mean, variance and CDF match Gamma(a, 1)", "[bandits][sampler]") {
  const int n = 100000;
  for (double a : {0.2, 0.7, 1.0, 2.5, 30.0}) {
    INFO("shape " << a);
    GammaSampler g(a);
    Rng rng(static_cast<std::uint64_t>(a * 1000));
    std::vector<double> xs(n);
    double s = 0.0, s2 = 0.0, lowest = 1.0;
    for (double& x : xs) {
      x = g(rng);
      lowest = std::min(lowest, x);
      s += x;
      s2 += x * x;
    }
    CHECK(lowest >= 0.0);
    const double mean = s / n, var = s2 / n - mean * mean;
    // Var(X) = a; fourth central moment 3a² + 6a, so Var(sample variance) ≈ (2a² + 6a)/n.
    CHECK(std::abs(mean - a) < 5.0 * std::sqrt(a / n));
    CHECK(std::abs(var - a) < 5.0 * std::sqrt((2 * a * a + 6 * a) / n));
    // KS critical value at level 0.001 is 1.95 / sqrt(n).
    CHECK(ks_distance(xs, [a](double x) { return boost::math::gamma_p(a, x); }) <
          1.95 / std::sqrt(n));
  }
  CHECK_THROWS_AS(GammaSampler(0.0), Error);
  CHECK_THROWS_AS(GammaSampler(-1.0), Error);
}

TEST_CASE("beta sampler: mean, variance and CDF match Beta(a, b)", "[bandits][sampler]") {
  const int n = 100000;
  const double shapes[][2] = {{1, 1}, {2, 5}, {30, 3}, {0.3, 0.6}, {0.05, 4}};
  for (const auto& ab : shapes) {
    const double a = ab[0], b = ab[1];
    INFO("Beta(" << a << ", " << b << ")");
    GammaSampler ga(a), gb(b);
    Rng rng(static_cast<std::uint64_t>(a * 100 + b));
    std::vector<double> xs(n);
    double s = 0.0, s2 = 0.0, lowest = 1.0, highest = 0.0;
    for (double& x : xs) {
      x = sample_beta(rng, ga, gb);
      lowest = std::min(lowest, x);
      highest = std::max(highest, x);
      s += x;
      s2 += x * x;
    }
    CHECK(lowest >= 0.0);
    CHECK(highest <= 1.0);
    const double mean = s / n, var = s2 / n - mean * mean;
    const double m = a / (a + b), v = a * b / ((a + b) * (a + b) * (a + b + 1));
    CHECK(std::abs(mean - m) < 5.0 * std::sqrt(v / n));
    CHECK(std::abs(var - v) < 0.03 * v);
    CHECK(ks_distance(xs, [a, b](double x) { return boost::math::ibeta(a, b, x); }) <
          1.95 / std::sqrt(n));
  }
}

#include "bandits/math/argmax_probability.hpp"

#include <cmath>
#include <numbers>

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/erf.hpp>

namespace rlsim {

namespace {
using FastMath = boost::math::policies::policy<boost::math::policies::promote_double<false>>;
using Quadrature = boost::math::quadrature::gauss_kronrod<double, 61>;
constexpr double kTolerance = 1e-10;
constexpr unsigned kMaxDepth = 15;
}  // namespace

double normal_argmax_probability(const std::vector<double>& mean, const std::vector<double>& sd,
                                 std::size_t a) {
  const std::size_t k = mean.size();
  const double inv_sqrt2 = 1.0 / std::numbers::sqrt2;
  const double inv_sqrt2pi = 1.0 / std::sqrt(2.0 * std::numbers::pi);
  auto integrand = [&](double z) {
    double f = inv_sqrt2pi * std::exp(-0.5 * z * z);
    const double x = mean[a] + sd[a] * z;
    for (std::size_t b = 0; b < k && f > 0.0; ++b)
      if (b != a) f *= 0.5 * boost::math::erfc(-(x - mean[b]) / sd[b] * inv_sqrt2, FastMath());
    return f;
  };
  // Beyond |z| = 9 the standard normal has mass below 1e-18.
  return Quadrature::integrate(integrand, -9.0, 9.0, kMaxDepth, kTolerance);
}

double beta_argmax_probability(const std::vector<double>& alpha, const std::vector<double>& beta,
                               std::size_t a) {
  const std::size_t k = alpha.size();
  const double pa = alpha[a], pb = beta[a];
  auto integrand = [&](double x) {
    double f = boost::math::ibeta_derivative(pa, pb, x, FastMath());
    for (std::size_t b = 0; b < k && f > 0.0; ++b)
      if (b != a) f *= boost::math::ibeta(alpha[b], beta[b], x, FastMath());
    return f;
  };
  const double lo = boost::math::ibeta_inv(pa, pb, 1e-13, FastMath());
  const double hi = boost::math::ibetac_inv(pa, pb, 1e-13, FastMath());
  return Quadrature::integrate(integrand, lo, hi, kMaxDepth, kTolerance);
}

}  // namespace rlsim

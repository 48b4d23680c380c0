#include "bandits/math/kl.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace rlsim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// x log(x / y) with the convention 0 log 0 = 0.
inline double xlogxy(double x, double y) {
  return x == 0.0 ? 0.0 : x * std::log(x / y);
}

double kl_bernoulli(double p, double q) {
  if (q <= 0.0) return p == 0.0 ? 0.0 : kInf;
  if (q >= 1.0) return p == 1.0 ? 0.0 : kInf;
  return xlogxy(p, q) + xlogxy(1.0 - p, 1.0 - q);
}

double kl_poisson(double p, double q) {
  if (q <= 0.0) return p == 0.0 ? 0.0 : kInf;
  return q - p + xlogxy(p, q);
}

double kl_exponential(double p, double q) {
  const double r = p / q;
  return r - 1.0 - std::log(r);
}

// d/dq d(p, q) for q > p.
double kl_derivative(KlFamily family, double p, double q) {
  switch (family) {
    case KlFamily::Bernoulli:
      return (q - p) / (q * (1.0 - q));
    case KlFamily::Poisson:
      return (q - p) / q;
    case KlFamily::Exponential:
      return (q - p) / (q * q);
    case KlFamily::Gaussian:
      break;
  }
  return 0.0;
}

// Root of the convex increasing g(q) = d(p, q) − level on [lo, hi], where g(lo) ≤ 0 ≤ g(hi)
// (g(hi) may be +inf), by Newton from the right safeguarded by bisection.
double solve_right(KlFamily family, double p, double level, double lo, double hi, double x) {
  for (int iter = 0; iter < 300; ++iter) {
    const double g = kl_divergence(family, p, x) - level;
    if (g == 0.0) return x;
    if (g < 0.0)
      lo = x;
    else
      hi = x;
    double next;
    const double slope = kl_derivative(family, p, x);
    if (std::isfinite(g) && slope > 0.0) {
      next = x - g / slope;
      if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    } else {
      next = 0.5 * (lo + hi);
    }
    if (std::abs(next - x) <= 1e-15 * std::max(1.0, std::abs(x)) ||
        hi - lo <= 1e-15 * std::max(1.0, std::abs(hi)))
      return next;
    x = next;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

KlFamily parse_kl_family(const std::string& name) {
  if (name == "bernoulli") return KlFamily::Bernoulli;
  if (name == "gaussian") return KlFamily::Gaussian;
  if (name == "poisson") return KlFamily::Poisson;
  if (name == "exponential") return KlFamily::Exponential;
  throw Error("KL divergence family '" + name +
              "' is unknown: use bernoulli, gaussian, poisson or exponential");
}

const char* kl_family_name(KlFamily family) {
  switch (family) {
    case KlFamily::Bernoulli:
      return "bernoulli";
    case KlFamily::Gaussian:
      return "gaussian";
    case KlFamily::Poisson:
      return "poisson";
    case KlFamily::Exponential:
      return "exponential";
  }
  return "?";
}

double kl_divergence(KlFamily family, double p, double q, double sigma) {
  switch (family) {
    case KlFamily::Bernoulli:
      return kl_bernoulli(p, q);
    case KlFamily::Gaussian:
      return (p - q) * (p - q) / (2.0 * sigma * sigma);
    case KlFamily::Poisson:
      return kl_poisson(p, q);
    case KlFamily::Exponential:
      return kl_exponential(p, q);
  }
  return kInf;
}

double kl_upper_bound(KlFamily family, double p, double level, double sigma) {
  if (!(level >= 0.0)) level = 0.0;  // log t = 0 at t = 1; never negative otherwise
  switch (family) {
    case KlFamily::Gaussian:
      return p + sigma * std::sqrt(2.0 * level);
    case KlFamily::Bernoulli: {
      if (!(p >= 0.0 && p <= 1.0))
        throw Error("KL-UCB (bernoulli): empirical mean " + std::to_string(p) +
                    " is outside [0, 1]; rewards must lie in [0, 1]");
      if (p == 1.0 || level == 0.0) return p;
      if (!std::isfinite(level)) return 1.0;
      // Pinsker: d(p, q) ≥ 2 (q − p)², so p + sqrt(level / 2) is right of the root.
      const double start = std::min(1.0, p + std::sqrt(0.5 * level));
      const double x = start < 1.0 ? start : 0.5 * (p + 1.0);
      return solve_right(family, p, level, p, 1.0, x);
    }
    case KlFamily::Poisson: {
      if (!(p >= 0.0) || !std::isfinite(p))
        throw Error("KL-UCB (poisson): empirical mean " + std::to_string(p) +
                    " is invalid; rewards must be >= 0");
      if (level == 0.0) return p;
      if (!std::isfinite(level)) return kInf;
      // d(p, q) ≥ (q − p)² / (2q) for q ≥ p, whose equality point is right of the root.
      double hi = p + level + std::sqrt(level * level + 2.0 * p * level);
      while (kl_poisson(p, hi) < level) hi *= 2.0;
      return solve_right(family, p, level, p, hi, hi);
    }
    case KlFamily::Exponential: {
      if (!(p > 0.0) || !std::isfinite(p)) {
        if (p == 0.0) return 0.0;  // every reward was 0: d(0, q) = +inf for q > 0
        throw Error("KL-UCB (exponential): empirical mean " + std::to_string(p) +
                    " is invalid; rewards must be >= 0");
      }
      if (level == 0.0) return p;
      if (!std::isfinite(level)) return kInf;
      double hi = 2.0 * p;
      while (kl_exponential(p, hi) < level) hi *= 2.0;
      return solve_right(family, p, level, p, hi, hi);
    }
  }
  return kInf;
}

}  // namespace rlsim

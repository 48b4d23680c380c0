// Kullback–Leibler divergences of one-parameter exponential families and their upper
// confidence bounds, for KL-UCB.
//
// Contract: kl_divergence(f, p, q) is d(p, q) = KL(law with mean p ‖ law with mean q) of
// the family f (Gaussian with variance sigma²). kl_upper_bound(f, p, level) returns
// max{ q ≥ p : d(p, q) ≤ level } (level ≥ 0), the KL-UCB index when level = (log t + c log
// log t) / N. The root is found by Newton's method from a point right of the root —
// d(p, ·) is convex and increasing on [p, sup), so Newton iterates decrease monotonically to
// it — safeguarded by bisection on a bracket, to a relative tolerance of about 1e-14. The
// Gaussian bound has the closed form p + sigma sqrt(2 level).
//
// Divergences (Garivier, A. & Cappé, O. (2011), "The KL-UCB algorithm for bounded
// stochastic bandits and beyond", COLT; Cappé et al. (2013), Annals of Statistics 41(3)):
//   Bernoulli    p log(p/q) + (1−p) log((1−p)/(1−q)),   p ∈ [0,1], q ∈ (0,1)
//   Gaussian     (p − q)² / (2 sigma²)
//   Poisson      q − p + p log(p/q),                     p ≥ 0, q > 0
//   Exponential  p/q − 1 − log(p/q),                     p > 0, q > 0
#pragma once
#include <string>

namespace rlsim {

enum class KlFamily { Bernoulli, Gaussian, Poisson, Exponential };

// "bernoulli", "gaussian", "poisson", "exponential".
KlFamily parse_kl_family(const std::string& name);
const char* kl_family_name(KlFamily family);

double kl_divergence(KlFamily family, double p, double q, double sigma = 1.0);

// max{ q ≥ p : d(p, q) ≤ level }; throws rlsim::Error for p outside the family's domain.
double kl_upper_bound(KlFamily family, double p, double level, double sigma = 1.0);

}  // namespace rlsim

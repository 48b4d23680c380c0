// Exact probability that one of K independent random scores is the largest, for reporting
// the propensity of Thompson-sampling choices.
//
// Contract: P(X_a > X_b for all b ≠ a) = ∫ f_a(x) Π_{b≠a} F_b(x) dx, computed by adaptive
// Gauss–Kronrod (61-point) quadrature to a relative tolerance of 1e-10 over the mass of X_a
// (|z| ≤ 9 for a normal, the 1e-13 quantiles for a Beta). Ties have probability zero for
// these continuous laws. Cost: O(K) CDF evaluations per quadrature node — meant for
// off-policy evaluation runs, not for the fast path.
// Reference for the identity: e.g. Russo et al. (2018), "A tutorial on Thompson sampling",
// §3 (probability matching).
#pragma once
#include <cstdint>
#include <vector>

namespace rlsim {

// X_b ~ N(mean[b], sd[b]²), sd > 0.
double normal_argmax_probability(const std::vector<double>& mean, const std::vector<double>& sd,
                                 std::size_t a);

// X_b ~ Beta(alpha[b], beta[b]).
double beta_argmax_probability(const std::vector<double>& alpha, const std::vector<double>& beta,
                               std::size_t a);

}  // namespace rlsim

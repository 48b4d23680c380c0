// The characteristic time T*(μ) and the optimal proportions w*(μ) of fixed-confidence
// best-arm identification, for one-parameter exponential families: Garivier & Kaufmann
// (2016), "Optimal Best Arm Identification with Fixed Confidence", COLT (arXiv 1602.04589),
// Section 2.2 (Lemma 3 and Theorem 5).
//
//   T*(μ)^{-1} = sup_{w ∈ Σ_K} inf_{λ ∈ Alt(μ)} Σ_a w_a d(μ_a, λ_a),
//
// every δ-correct strategy has E[τ_δ] ≥ T*(μ) kl(δ, 1 − δ) (≈ T*(μ) ln(1/δ) as δ → 0).
// Computation (the paper's): with 1 the best arm, for a ≠ 1
//   g_a(x) = d(μ_1, m_a(x)) + x d(μ_a, m_a(x)),  m_a(x) = (μ_1 + x μ_a) / (1 + x),
// increasing from 0 to d(μ_1, μ_a); x_a(y) = g_a^{-1}(y); y* is the root in (0, min_a
// d(μ_1, μ_a)) of F(y) = Σ_{a≠1} d(μ_1, m_a(x_a(y))) / d(μ_a, m_a(x_a(y))) = 1 (F increases
// from 0 to ∞); then w*_1 = 1 / (1 + Σ_a x_a(y*)), w*_a = x_a(y*) w*_1, and T*(μ) = 1 /
// (w*_1 y*). Roots by bisection to a relative precision of about 1e-12.
//
// Contract: `mu` has K ≥ 2 means in the family's domain. When the best mean is not unique,
// T* is +inf and w* is uniform (no finite sample tells tied arms apart).
#pragma once
#include <vector>

#include "bandits/math/kl.hpp"

namespace rlsim {

struct OptimalWeights {
  std::vector<double> w;  // w*(μ), summing to 1
  double t_star = 0.0;    // T*(μ)
};

OptimalWeights optimal_weights(KlFamily family, const std::vector<double>& mu, double sigma = 1.0);

// An L∞ projection of w (in the simplex Σ_K) onto Σ_K^ε = {w ∈ Σ_K : w_a ≥ ε for all a},
// ε ≤ 1/K, as C-tracking needs (Garivier & Kaufmann 2016, Section 3.1): components below ε
// are raised to ε, and the mass this takes is removed by water-filling from the others,
// w^ε_a = max(ε, w_a − η) with η ≥ 0 such that Σ_a w^ε_a = 1. No point of Σ_K^ε is closer
// in the max norm: the raise ε − min_a w_a is forced, and a common η is the least possible
// largest decrease that frees the raised mass.
std::vector<double> project_onto_floor(const std::vector<double>& w, double epsilon);

}  // namespace rlsim

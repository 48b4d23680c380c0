// Exact gamma and beta variates over rlsim::Rng, fast enough for Thompson sampling.
//
// Contract: GammaSampler(a) draws Gamma(shape a, scale 1) for any a > 0; sample_beta draws
// Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). Draws use only Boost's
// uniform_01 and normal_distribution through the caller's Rng, so sequences are the same on
// every platform. The shape-dependent constants are computed once per sampler, so a caller
// that keeps one sampler per posterior parameter pays one sqrt per posterior update, not per
// draw.
//
// Method: Marsaglia, G. & Tsang, W. W. (2000). "A simple method for generating gamma
// variables", ACM Trans. Math. Softw. 26(3):363–372. For a ≥ 1: d = a − 1/3,
// c = 1/sqrt(9d); repeat x ~ N(0,1), v = (1 + c x)³ until v > 0 and, with u ~ U(0,1),
// u < 1 − 0.0331 x⁴ (squeeze) or log u < x²/2 + d (1 − v + log v); return d v. For a < 1 the
// same paper's boost Gamma(a) = Gamma(a + 1) · U^{1/a} is used, in log space for the beta
// draw so tiny shapes cannot underflow to 0/0.
#pragma once
#include <cmath>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace rlsim {

class GammaSampler {
 public:
  GammaSampler() { set_shape(1.0); }
  explicit GammaSampler(double shape) { set_shape(shape); }

  void set_shape(double shape) {
    if (!(shape > 0.0) || !std::isfinite(shape))
      throw Error("gamma shape " + std::to_string(shape) + " is invalid: need a finite shape > 0");
    shape_ = shape;
    boosted_ = shape < 1.0;
    const double a = boosted_ ? shape + 1.0 : shape;
    d_ = a - 1.0 / 3.0;
    c_ = 1.0 / std::sqrt(9.0 * d_);
    inv_shape_ = 1.0 / shape;
  }
  double shape() const { return shape_; }

  // One Gamma(shape, 1) draw.
  double operator()(Rng& rng) const {
    const double g = draw_at_least_one(rng);
    if (!boosted_) return g;
    return g * std::pow(rng.uniform(), inv_shape_);
  }

  // log of one Gamma(shape, 1) draw (exact for tiny shapes, where the draw itself underflows).
  double log_draw(Rng& rng) const {
    const double g = draw_at_least_one(rng);
    if (!boosted_) return std::log(g);
    return std::log(g) + std::log(rng.uniform()) * inv_shape_;
  }

  bool below_one() const { return boosted_; }

 private:
  // Marsaglia–Tsang for the shape max(a, a + 1 when a < 1) ≥ 1.
  double draw_at_least_one(Rng& rng) const {
    while (true) {
      double x, v;
      do {
        x = rng.normal();
        v = 1.0 + c_ * x;
      } while (v <= 0.0);
      v = v * v * v;
      const double u = rng.uniform();
      const double x2 = x * x;
      if (u < 1.0 - 0.0331 * x2 * x2) return d_ * v;
      if (std::log(u) < 0.5 * x2 + d_ * (1.0 - v + std::log(v))) return d_ * v;
    }
  }

  double shape_ = 1.0;
  double d_ = 0.0;
  double c_ = 0.0;
  double inv_shape_ = 1.0;
  bool boosted_ = false;
};

// One Beta(a, b) draw from two gamma samplers holding shapes a and b.
inline double sample_beta(Rng& rng, const GammaSampler& a, const GammaSampler& b) {
  if (!a.below_one() && !b.below_one()) {
    const double x = a(rng);
    const double y = b(rng);
    return x / (x + y);
  }
  const double lx = a.log_draw(rng);
  const double ly = b.log_draw(rng);
  // x / (x + y) = 1 / (1 + exp(ly − lx)), stable for any magnitudes.
  return 1.0 / (1.0 + std::exp(ly - lx));
}

}  // namespace rlsim

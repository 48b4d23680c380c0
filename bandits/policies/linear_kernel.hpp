// Inner loops of the disjoint linear policies (bandits/policies/linear.hpp), written once as
// templates on the context dimension: D > 0 is a compile-time d (the loops unroll and
// vectorise as Eigen's fixed-size types do), D = 0 reads d at run time. LinearPolicy picks the
// compile-time instantiation for 1 ≤ d ≤ kMaxFixedDimension at construction and the run-time
// one otherwise.
//
// Contract: both instantiations execute the same floating-point operations in the same order
// (plain loops, no reassociation: rlsim builds without -ffast-math), so they give identical
// numbers; tests/bandits/test_logistic.cpp checks this bit for bit. Matrices are d × d
// column-major (Eigen's default layout), one per arm; the arrays passed to one call never
// overlap (__restrict__).
#pragma once
#include <cstdint>

namespace rlsim::linear_kernel {

constexpr int kMaxFixedDimension = 16;

template <int D>
struct Dim {
  explicit Dim(std::int64_t) {}
  static constexpr std::int64_t value = D;
  constexpr std::int64_t operator()() const { return D; }
};
template <>
struct Dim<0> {
  explicit Dim(std::int64_t d) : d_(d) {}
  std::int64_t operator()() const { return d_; }
  std::int64_t d_;
};

// y = M x.
template <int D>
inline void mat_vec(Dim<D> dim, const double* __restrict__ m, const double* __restrict__ x,
                    double* __restrict__ y) {
  const std::int64_t d = dim();
  for (std::int64_t i = 0; i < d; ++i) y[i] = m[i] * x[0];
  for (std::int64_t j = 1; j < d; ++j) {
    const double xj = x[j];
    const double* col = m + j * d;
    for (std::int64_t i = 0; i < d; ++i) y[i] += col[i] * xj;
  }
}

template <int D>
inline double dot(Dim<D> dim, const double* __restrict__ a, const double* __restrict__ b) {
  const std::int64_t d = dim();
  double s = a[0] * b[0];
  for (std::int64_t i = 1; i < d; ++i) s += a[i] * b[i];
  return s;
}

// For every arm a < k: mean[a] = θ_aᵀx and quad[a] = xᵀ M_a x, with M_a = inverse[a] and
// θ_a = theta[a] (pointers to each arm's storage); y is d scratch values.
template <int D>
void scores(std::int64_t d, std::int64_t k, const double* const* inverse,
            const double* const* theta, const double* x, double* y, double* mean, double* quad) {
  const Dim<D> dim(d);
  for (std::int64_t a = 0; a < k; ++a) {
    mat_vec(dim, inverse[a], x, y);
    mean[a] = dot(dim, theta[a], x);
    quad[a] = dot(dim, x, y);
  }
}

// Sherman–Morrison with weight w > 0: M ← (M⁻¹ + w x xᵀ)⁻¹ = M − w (Mx)(Mx)ᵀ / (1 + w xᵀMx).
// Leaves y = Mx for the old M and returns s = 1 + w xᵀMx, so the new M x = y / s.
template <int D>
double rank_one_update(std::int64_t d, double* __restrict__ m, const double* __restrict__ x,
                       double w, double* __restrict__ y) {
  const Dim<D> dim(d);
  mat_vec(dim, m, x, y);
  const double s = 1.0 + w * dot(dim, x, y);
  const double c = w / s;
  const std::int64_t n = dim();
  for (std::int64_t j = 0; j < n; ++j) {
    const double cy = c * y[j];
    double* col = m + j * n;
    for (std::int64_t i = 0; i < n; ++i) col[i] -= y[i] * cy;
  }
  return s;
}

// Ridge step: M ← Sherman–Morrison(M, x) (w = 1), b ← b + r x, θ ← M b.
template <int D>
void ridge_update(std::int64_t d, double* __restrict__ m, double* __restrict__ b,
                  double* __restrict__ theta, const double* __restrict__ x, double r,
                  double* __restrict__ y) {
  rank_one_update<D>(d, m, x, 1.0, y);
  const Dim<D> dim(d);
  const std::int64_t n = dim();
  for (std::int64_t i = 0; i < n; ++i) b[i] += r * x[i];
  mat_vec(dim, m, b, theta);
}

struct Kernels {
  void (*scores)(std::int64_t, std::int64_t, const double* const*, const double* const*,
                 const double*, double*, double*, double*);
  double (*rank_one_update)(std::int64_t, double*, const double*, double, double*);
  void (*ridge_update)(std::int64_t, double*, double*, double*, const double*, double, double*);
};

template <int D>
constexpr Kernels kernels_for() {
  return Kernels{&scores<D>, &rank_one_update<D>, &ridge_update<D>};
}

// The compile-time instantiation for d when fixed_size and d ≤ kMaxFixedDimension, else D = 0.
Kernels select(std::int64_t d, bool fixed_size);

}  // namespace rlsim::linear_kernel

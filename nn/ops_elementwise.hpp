// Internal to nn/ops_elementwise.cpp and nn/ops_linear.cpp (linear_tanh applies TanhOp);
// not part of the nn API.
//
// The rules of the elementwise ops: for each op, its forward and its backward side by side,
// as Eigen array expressions. The drivers that apply them to tape nodes (with broadcasting
// for two inputs) are in ops_elementwise.cpp.
#pragma once
#include "nn/ops_detail.hpp"

namespace rlsim::nn::detail {
namespace {  // internal linkage, as in ops_detail.hpp

// ===================================================================================
// Elementwise ops with one input. Each struct holds the forward f(x) and the backward
// df(g, x, y) = ∂L/∂x given g = ∂L/∂y, as Eigen array expressions; a and b are the op's
// scalar arguments.
// ===================================================================================

struct AffineOp {  // y = a·x + b
  static auto f(const auto& x, float a, float b) { return x * a + b; }
  static auto df(const auto& g, const auto&, const auto&, float a, float) { return g * a; }
};
struct ReciprocalOp {  // y = a / x;  dy/dx = −a/x² = −y/x
  static auto f(const auto& x, float a, float) { return a / x; }
  static auto df(const auto& g, const auto& x, const auto& y, float, float) { return -g * y / x; }
};
struct ExpOp {  // dy/dx = y
  static auto f(const auto& x, float, float) { return x.exp(); }
  static auto df(const auto& g, const auto&, const auto& y, float, float) { return g * y; }
};
struct LogOp {  // dy/dx = 1/x
  static auto f(const auto& x, float, float) { return x.log(); }
  static auto df(const auto& g, const auto& x, const auto&, float, float) { return g / x; }
};
struct PowOp {  // y = x^a;  dy/dx = a·x^(a−1)
  static auto f(const auto& x, float a, float) { return x.pow(a); }
  static auto df(const auto& g, const auto& x, const auto&, float a, float) {
    return g * a * x.pow(a - 1.0f);
  }
};
struct SquareOp {
  static auto f(const auto& x, float, float) { return x.square(); }
  static auto df(const auto& g, const auto& x, const auto&, float, float) { return g * 2.0f * x; }
};
struct SqrtOp {  // dy/dx = 1/(2y)
  static auto f(const auto& x, float, float) { return x.sqrt(); }
  static auto df(const auto& g, const auto&, const auto& y, float, float) { return g * 0.5f / y; }
};
struct AbsOp {  // dy/dx = sign(x), 0 at 0
  static auto f(const auto& x, float, float) { return x.abs(); }
  static auto df(const auto& g, const auto& x, const auto&, float, float) { return g * x.sign(); }
};
struct ClampOp {  // y = min(max(x, a), b); gradient passes where a ≤ x ≤ b
  static auto f(const auto& x, float a, float b) { return x.max(a).min(b); }
  static auto df(const auto& g, const auto& x, const auto&, float a, float b) {
    return ((x >= a) && (x <= b)).select(g, 0.0f);
  }
};
struct ReluOp {
  static auto f(const auto& x, float, float) { return x.max(0.0f); }
  static auto df(const auto& g, const auto& x, const auto&, float, float) {
    return (x > 0.0f).select(g, 0.0f);
  }
};
struct LeakyReluOp {  // slope a below 0 (Maas et al. 2013)
  static auto f(const auto& x, float a, float) { return (x > 0.0f).select(x, x * a); }
  static auto df(const auto& g, const auto& x, const auto&, float a, float) {
    return (x > 0.0f).select(g, g * a);
  }
};
struct TanhOp {  // dy/dx = 1 − y²
  static auto f(const auto& x, float, float) { return x.tanh(); }
  static auto df(const auto& g, const auto&, const auto& y, float, float) {
    return g * (1.0f - y.square());
  }
};
struct SigmoidOp {  // dy/dx = y(1 − y)
  static auto f(const auto& x, float, float) { return x.logistic(); }
  static auto df(const auto& g, const auto&, const auto& y, float, float) {
    return g * y * (1.0f - y);
  }
};
struct SoftplusOp {  // log(1 + eˣ) = max(x, 0) + log1p(e^−|x|), stable; dy/dx = σ(x)
  static auto f(const auto& x, float, float) { return x.max(0.0f) + (-x.abs()).exp().log1p(); }
  static auto df(const auto& g, const auto& x, const auto&, float, float) {
    return g * x.logistic();
  }
};
struct EluOp {  // Clevert et al. 2016: x > 0 ? x : a(eˣ − 1); dy/dx = x > 0 ? 1 : y + a
  static auto f(const auto& x, float a, float) {
    return (x > 0.0f).select(x, (x.exp() - 1.0f) * a);
  }
  static auto df(const auto& g, const auto& x, const auto& y, float a, float) {
    return (x > 0.0f).select(g, g * (y + a));
  }
};

// ===================================================================================
// Elementwise ops with two inputs and broadcasting. f(a, b) is the forward; da and db
// give ∂L/∂a and ∂L/∂b at full output shape from g = ∂L/∂y (and y).
// ===================================================================================

struct AddOp {
  static auto f(const auto& a, const auto& b) { return a + b; }
  static auto da(const auto& g, const auto&, const auto&, const auto&) { return g; }
  static auto db(const auto& g, const auto&, const auto&, const auto&) { return g; }
};
struct SubOp {
  static auto f(const auto& a, const auto& b) { return a - b; }
  static auto da(const auto& g, const auto&, const auto&, const auto&) { return g; }
  static auto db(const auto& g, const auto&, const auto&, const auto&) { return -g; }
};
struct MulOp {
  static auto f(const auto& a, const auto& b) { return a * b; }
  static auto da(const auto& g, const auto&, const auto& b, const auto&) { return g * b; }
  static auto db(const auto& g, const auto& a, const auto&, const auto&) { return g * a; }
};
struct DivOp {  // y = a/b; ∂y/∂a = 1/b, ∂y/∂b = −y/b
  static auto f(const auto& a, const auto& b) { return a / b; }
  static auto da(const auto& g, const auto&, const auto& b, const auto&) { return g / b; }
  static auto db(const auto& g, const auto&, const auto& b, const auto& y) { return -g * y / b; }
};
struct MinimumOp {  // ties split the gradient equally (PyTorch 1.13)
  static auto f(const auto& a, const auto& b) { return a.min(b); }
  static auto da(const auto& g, const auto& a, const auto& b, const auto&) {
    return (a < b).select(g, (a == b).select(g * 0.5f, 0.0f));
  }
  static auto db(const auto& g, const auto& a, const auto& b, const auto&) {
    return (b < a).select(g, (a == b).select(g * 0.5f, 0.0f));
  }
};
struct MaximumOp {
  static auto f(const auto& a, const auto& b) { return a.max(b); }
  static auto da(const auto& g, const auto& a, const auto& b, const auto&) {
    return (a > b).select(g, (a == b).select(g * 0.5f, 0.0f));
  }
  static auto db(const auto& g, const auto& a, const auto& b, const auto&) {
    return (b > a).select(g, (a == b).select(g * 0.5f, 0.0f));
  }
};

}  // namespace
}  // namespace rlsim::nn::detail

#include "nn/optim.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace rlsim::nn {

namespace {
using Vec = Eigen::Array<float, 1, Eigen::Dynamic>;
using VecMap = Eigen::Map<Vec>;
// Elementwise updates run over chunks of this many floats so that every buffer of a
// chunk stays in L1 between the statements of one update (one pass over memory).
constexpr Index kChunk = 1024;

VecMap flat(Matrix& m, Index at, Index n) {
  return VecMap(m.data() + at, n);
}

void check_positive(const char* who, const char* what, double x) {
  if (!(x > 0.0) || !std::isfinite(x)) {
    throw Error(std::string("nn::") + who + ": " + what + " = " + std::to_string(x) +
                " is not valid; it must be a finite number > 0");
  }
}
void check_unit(const char* who, const char* what, double x, bool closed_above) {
  if (!(x >= 0.0 && (closed_above ? x <= 1.0 : x < 1.0))) {
    throw Error(std::string("nn::") + who + ": " + what + " = " + std::to_string(x) +
                " is outside [0, 1" + (closed_above ? "]" : ")"));
  }
}
void check_nonnegative(const char* who, const char* what, double x) {
  if (!(x >= 0.0) || !std::isfinite(x)) {
    throw Error(std::string("nn::") + who + ": " + what + " = " + std::to_string(x) +
                " is not valid; it must be ≥ 0");
  }
}
}  // namespace

// --- Optimizer ---

Optimizer::Optimizer(std::vector<NamedParameter> params, double lr)
    : named_(std::move(params)), lr_(lr) {
  check_nonnegative("Optimizer", "lr", lr);
  for (std::size_t i = 0; i < named_.size(); ++i) {
    Parameter* p = named_[i].parameter;
    if (p == nullptr) throw Error("nn::Optimizer: parameter '" + named_[i].name + "' is null");
    for (std::size_t j = 0; j < i; ++j) {
      if (named_[j].name == named_[i].name) {
        throw Error("nn::Optimizer: two parameters are named '" + named_[i].name +
                    "'; names must be unique (prefix them per module)");
      }
    }
    if (p->grad.rows() != p->value.rows() || p->grad.cols() != p->value.cols()) {
      p->grad.setZero(p->value.rows(), p->value.cols());
    }
    params_.push_back(p);
  }
}

void Optimizer::set_lr(double lr) {
  check_nonnegative(name(), "lr", lr);
  lr_ = lr;
}

void Optimizer::zero_grad() {
  nn::zero_grad(params_);
}

std::size_t Optimizer::add_buffer(const std::string& buffer_name) {
  buffer_names_.push_back(buffer_name);
  std::vector<Matrix> b;
  b.reserve(params_.size());
  for (Parameter* p : params_) b.push_back(Matrix::Zero(p->value.rows(), p->value.cols()));
  buffers_.push_back(std::move(b));
  return buffers_.size() - 1;
}

void Optimizer::save_state(StateDict& out, const std::string& prefix) const {
  out[prefix + "step"] = ArrayRecord{{1}, {static_cast<double>(steps_)}};
  out[prefix + "lr"] = ArrayRecord{{1}, {lr_}};
  for (std::size_t s = 0; s < buffers_.size(); ++s) {
    for (std::size_t i = 0; i < params_.size(); ++i) {
      const Matrix& m = buffers_[s][i];
      ArrayRecord r;
      r.shape = {m.rows(), m.cols()};
      r.data.assign(m.data(), m.data() + m.size());
      out[prefix + buffer_names_[s] + "." + named_[i].name] = std::move(r);
    }
  }
}

void Optimizer::load_state(const StateDict& in, const std::string& prefix) {
  auto find = [&](const std::string& key) -> const ArrayRecord& {
    const auto it = in.find(key);
    if (it == in.end()) {
      throw Error(std::string("nn::") + name() + "::load_state: entry '" + key +
                  "' is missing; the saved optimizer does not match this one (its kind or "
                  "its parameters differ)");
    }
    return it->second;
  };
  auto scalar = [&](const std::string& key) {
    const ArrayRecord& r = find(key);
    if (r.data.size() != 1) {
      throw Error(std::string("nn::") + name() + "::load_state: entry '" + key + "' has " +
                  std::to_string(r.data.size()) + " values; expected 1");
    }
    return r.data[0];
  };
  // Check everything before changing anything.
  for (std::size_t s = 0; s < buffers_.size(); ++s) {
    for (std::size_t i = 0; i < params_.size(); ++i) {
      const std::string key = prefix + buffer_names_[s] + "." + named_[i].name;
      const ArrayRecord& r = find(key);
      const Matrix& m = buffers_[s][i];
      if (r.shape.size() != 2 || r.shape[0] != m.rows() || r.shape[1] != m.cols() ||
          r.data.size() != static_cast<std::size_t>(m.size())) {
        std::string got;
        for (std::size_t k = 0; k < r.shape.size(); ++k) {
          got += (k ? "×" : "") + std::to_string(r.shape[k]);
        }
        throw Error(std::string("nn::") + name() + "::load_state: entry '" + key + "' has shape " +
                    got + " but parameter '" + named_[i].name + "' is " +
                    shape_string(m.rows(), m.cols()));
      }
    }
  }
  const double step = scalar(prefix + "step");
  const double lr = scalar(prefix + "lr");
  for (std::size_t s = 0; s < buffers_.size(); ++s) {
    for (std::size_t i = 0; i < params_.size(); ++i) {
      const ArrayRecord& r = in.find(prefix + buffer_names_[s] + "." + named_[i].name)->second;
      Matrix& m = buffers_[s][i];
      for (Index k = 0; k < m.size(); ++k) m.data()[k] = static_cast<float>(r.data[k]);
    }
  }
  steps_ = static_cast<std::int64_t>(step);
  set_lr(lr);
}

// --- SGD ---

Sgd::Sgd(std::vector<NamedParameter> params, const SgdOptions& options)
    : Optimizer(std::move(params), options.lr), options_(options) {
  check_nonnegative("Sgd", "momentum", options.momentum);
  check_nonnegative("Sgd", "weight_decay", options.weight_decay);
  if (options.nesterov && !(options.momentum > 0.0)) {
    throw Error("nn::Sgd: nesterov needs momentum > 0 (momentum = " +
                std::to_string(options.momentum) + ")");
  }
  if (options.momentum > 0.0) momentum_slot_ = add_buffer("momentum");
}

void Sgd::step() {
  ++steps_;
  const auto lr = static_cast<float>(lr_), mu = static_cast<float>(options_.momentum);
  const auto wd = static_cast<float>(options_.weight_decay);
  for (std::size_t i = 0; i < params_.size(); ++i) {
    Parameter& p = *params_[i];
    const Index n = p.value.size();
    for (Index at = 0; at < n; at += kChunk) {
      const Index len = std::min(kChunk, n - at);
      VecMap w = flat(p.value, at, len), g = flat(p.grad, at, len);
      if (mu == 0.0f) {
        w -= lr * (g + wd * w);
        continue;
      }
      VecMap b = flat(buffer(momentum_slot_, i), at, len);
      b = mu * b + (g + wd * w);
      if (options_.nesterov) {
        w -= lr * ((g + wd * w) + mu * b);
      } else {
        w -= lr * b;
      }
    }
  }
}

// --- RMSProp ---

RmsProp::RmsProp(std::vector<NamedParameter> params, const RmsPropOptions& options)
    : Optimizer(std::move(params), options.lr), options_(options) {
  check_unit("RmsProp", "alpha", options.alpha, true);
  check_positive("RmsProp", "eps", options.eps);
  check_nonnegative("RmsProp", "momentum", options.momentum);
  check_nonnegative("RmsProp", "weight_decay", options.weight_decay);
  square_slot_ = add_buffer("square_avg");
  if (options.centered) mean_slot_ = add_buffer("grad_avg");
  if (options.momentum > 0.0) momentum_slot_ = add_buffer("momentum");
}

void RmsProp::step() {
  ++steps_;
  const auto lr = static_cast<float>(lr_), a = static_cast<float>(options_.alpha);
  const auto eps = static_cast<float>(options_.eps), mu = static_cast<float>(options_.momentum);
  const auto wd = static_cast<float>(options_.weight_decay);
  for (std::size_t i = 0; i < params_.size(); ++i) {
    Parameter& p = *params_[i];
    const Index n = p.value.size();
    for (Index at = 0; at < n; at += kChunk) {
      const Index len = std::min(kChunk, n - at);
      VecMap w = flat(p.value, at, len), g0 = flat(p.grad, at, len);
      VecMap v = flat(buffer(square_slot_, i), at, len);
      const auto g = g0 + wd * w;
      v = a * v + (1.0f - a) * g.square();
      if (options_.centered) {
        VecMap ga = flat(buffer(mean_slot_, i), at, len);
        ga = a * ga + (1.0f - a) * g;
        if (mu > 0.0f) {
          VecMap b = flat(buffer(momentum_slot_, i), at, len);
          b = mu * b + g / ((v - ga.square()).sqrt() + eps);
          w -= lr * b;
        } else {
          w -= lr * g / ((v - ga.square()).sqrt() + eps);
        }
      } else if (mu > 0.0f) {
        VecMap b = flat(buffer(momentum_slot_, i), at, len);
        b = mu * b + g / (v.sqrt() + eps);
        w -= lr * b;
      } else {
        w -= lr * g / (v.sqrt() + eps);
      }
    }
  }
}

// --- Adam / AdamW ---

void adam_update(float* w, const float* g, float* m, float* v, Index n, float b1, float b2,
                 float step_size, float inv_sqrt_bc2, float eps) {
  using namespace Eigen::internal;
  using Packet = packet_traits<float>::type;
  constexpr Index kSize = packet_traits<float>::size;
  const float c1 = 1.0f - b1, c2 = 1.0f - b2;
  const Packet pb1 = pset1<Packet>(b1), pb2 = pset1<Packet>(b2), pc1 = pset1<Packet>(c1),
               pc2 = pset1<Packet>(c2), ps = pset1<Packet>(step_size),
               pinv = pset1<Packet>(inv_sqrt_bc2), peps = pset1<Packet>(eps);
  Index i = 0;
  for (; i + kSize <= n; i += kSize) {
    const Packet gi = ploadu<Packet>(g + i);
    const Packet mi = padd(pmul(pb1, ploadu<Packet>(m + i)), pmul(pc1, gi));
    const Packet vi = padd(pmul(pb2, ploadu<Packet>(v + i)), pmul(pc2, pmul(gi, gi)));
    pstoreu(m + i, mi);
    pstoreu(v + i, vi);
    const Packet step = pdiv(pmul(ps, mi), padd(pmul(psqrt(vi), pinv), peps));
    pstoreu(w + i, psub(ploadu<Packet>(w + i), step));
  }
  for (; i < n; ++i) {
    m[i] = b1 * m[i] + c1 * g[i];
    v[i] = b2 * v[i] + c2 * (g[i] * g[i]);
    w[i] = w[i] - (step_size * m[i]) / (std::sqrt(v[i]) * inv_sqrt_bc2 + eps);
  }
}

Adam::Adam(std::vector<NamedParameter> params, const AdamOptions& options)
    : Optimizer(std::move(params), options.lr), options_(options) {
  check_unit("Adam", "beta1", options.beta1, false);
  check_unit("Adam", "beta2", options.beta2, false);
  check_positive("Adam", "eps", options.eps);
  check_nonnegative("Adam", "weight_decay", options.weight_decay);
  m_slot_ = add_buffer("exp_avg");
  v_slot_ = add_buffer("exp_avg_sq");
}

void Adam::step() {
  ++steps_;
  const double t = static_cast<double>(steps_);
  const double bc1 = 1.0 - std::pow(options_.beta1, t);
  const double bc2 = 1.0 - std::pow(options_.beta2, t);
  const auto step_size = static_cast<float>(lr_ / bc1);
  const auto inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(bc2));
  const auto b1 = static_cast<float>(options_.beta1), b2 = static_cast<float>(options_.beta2);
  const auto eps = static_cast<float>(options_.eps);
  const auto wd = static_cast<float>(options_.weight_decay);
  const bool decoupled = options_.decoupled_weight_decay;
  const auto shrink = static_cast<float>(1.0 - lr_ * options_.weight_decay);
  if (wd == 0.0f) {
    // The common case, fused: one pass over w, g, m, v, element by element the operations
    // (and roundings) of the Eigen expressions below: m = b1·m + (1 − b1)·g;
    // v = b2·v + (1 − b2)·g²; w = w − (step_size·m) / (√v·inv_sqrt_bc2 + eps).
    for (std::size_t i = 0; i < params_.size(); ++i) {
      Parameter& p = *params_[i];
      adam_update(p.value.data(), p.grad.data(), buffer(m_slot_, i).data(),
                  buffer(v_slot_, i).data(), p.value.size(), b1, b2, step_size, inv_sqrt_bc2, eps);
    }
    return;
  }
  for (std::size_t i = 0; i < params_.size(); ++i) {
    Parameter& p = *params_[i];
    const Index n = p.value.size();
    for (Index at = 0; at < n; at += kChunk) {
      const Index len = std::min(kChunk, n - at);
      VecMap w = flat(p.value, at, len), g = flat(p.grad, at, len);
      VecMap m = flat(buffer(m_slot_, i), at, len), v = flat(buffer(v_slot_, i), at, len);
      if (decoupled) {
        w *= shrink;
        m = b1 * m + (1.0f - b1) * g;
        v = b2 * v + (1.0f - b2) * g.square();
      } else {
        m = b1 * m + (1.0f - b1) * (g + wd * w);
        v = b2 * v + (1.0f - b2) * (g + wd * w).square();
      }
      w -= step_size * m / (v.sqrt() * inv_sqrt_bc2 + eps);
    }
  }
}

// --- gradient utilities ---

double global_grad_norm(std::span<Parameter* const> params) {
  double total = 0.0;
  for (Parameter* p : params) total += static_cast<double>(p->grad.squaredNorm());
  return std::sqrt(total);
}

double clip_grad_norm(std::span<Parameter* const> params, double max_norm) {
  check_nonnegative("clip_grad_norm", "max_norm", max_norm);
  const double norm = global_grad_norm(params);
  const double coef = max_norm / (norm + 1e-6);
  if (coef < 1.0) {
    const auto c = static_cast<float>(coef);
    for (Parameter* p : params) p->grad *= c;
  }
  return norm;
}

void zero_grad(std::span<Parameter* const> params) {
  for (Parameter* p : params) p->grad.setZero();
}

// --- LrSchedule ---

LrSchedule LrSchedule::constant(double lr) {
  check_nonnegative("LrSchedule::constant", "lr", lr);
  LrSchedule s;
  s.kind_ = Kind::constant;
  s.start_ = s.end_ = lr;
  return s;
}

LrSchedule LrSchedule::linear(double start, double end, std::int64_t steps) {
  check_nonnegative("LrSchedule::linear", "start", start);
  check_nonnegative("LrSchedule::linear", "end", end);
  check_positive("LrSchedule::linear", "steps", static_cast<double>(steps));
  LrSchedule s;
  s.kind_ = Kind::linear;
  s.start_ = start;
  s.end_ = end;
  s.steps_ = steps;
  return s;
}

LrSchedule LrSchedule::cosine(double start, double end, std::int64_t steps) {
  LrSchedule s = linear(start, end, steps);
  s.kind_ = Kind::cosine;
  return s;
}

double LrSchedule::at(std::int64_t t) const {
  const double f = std::clamp(static_cast<double>(t) / static_cast<double>(steps_), 0.0, 1.0);
  switch (kind_) {
    case Kind::constant:
      return start_;
    case Kind::linear:
      return start_ + (end_ - start_) * f;
    case Kind::cosine:
      return end_ + 0.5 * (start_ - end_) * (1.0 + std::cos(std::numbers::pi * f));
  }
  return start_;
}

}  // namespace rlsim::nn

// Optimizers, learning-rate schedules and gradient clipping.
//
// Contract: an optimizer keeps pointers to the Parameters it was given (a module's
// named_parameters()) and, at step(), updates each value from its grad. It never zeroes
// gradients by itself: call zero_grad() before the next backward (gradients accumulate,
// as in PyTorch). All state buffers are allocated at construction: step() allocates
// nothing. Update rules follow PyTorch 1.13's torch.optim exactly (same order of
// operations, same epsilon placement), in float32 with double-precision scalars:
// - SGD with momentum μ (Polyak 1964; Sutskever et al. 2013 for Nesterov's form):
//     g ← g + λp;  b ← μb + g;  g ← nesterov ? g + μb : b;  p ← p − ηg
// - RMSProp (Tieleman & Hinton 2012), optionally centred (Graves 2013) and with
//   momentum: v ← αv + (1−α)g²;  d ← √(v − ḡ²) + ε (centred) or √v + ε;
//   b ← μb + g/d, p ← p − ηb (momentum) or p ← p − ηg/d
// - Adam (Kingma & Ba 2015): m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
//     p ← p − (η/(1−β₁ᵗ)) · m / (√v/√(1−β₂ᵗ) + ε);  L2 weight decay adds λp to g.
// - AdamW (Loshchilov & Hutter 2019): decoupled decay p ← p(1 − ηλ) before Adam's step.
// Optimizer state (step count, learning rate and every buffer) saves to and loads from a
// StateDict under a prefix; names and shapes are checked on load.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/state_dict.hpp"
#include "nn/module.hpp"

namespace rlsim::nn {

class Optimizer {
 public:
  Optimizer(std::vector<NamedParameter> params, double lr);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  virtual void step() = 0;
  virtual const char* name() const = 0;
  void zero_grad();
  double lr() const { return lr_; }
  void set_lr(double lr);
  std::int64_t step_count() const { return steps_; }
  std::span<Parameter* const> parameters() const { return params_; }
  const std::vector<NamedParameter>& named_parameters() const { return named_; }

  // Entries "<prefix>step", "<prefix>lr" and "<prefix><buffer>.<parameter name>".
  void save_state(StateDict& out, const std::string& prefix) const;
  void load_state(const StateDict& in, const std::string& prefix);

 protected:
  // Adds a state buffer (zeros shaped like each parameter); returns its slot.
  std::size_t add_buffer(const std::string& buffer_name);
  Matrix& buffer(std::size_t slot, std::size_t param) { return buffers_[slot][param]; }

  std::vector<NamedParameter> named_;
  std::vector<Parameter*> params_;
  double lr_;
  std::int64_t steps_ = 0;

 private:
  std::vector<std::string> buffer_names_;
  std::vector<std::vector<Matrix>> buffers_;
};

struct SgdOptions {
  double lr = 1e-2;
  double momentum = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;
};

class Sgd : public Optimizer {
 public:
  Sgd(std::vector<NamedParameter> params, const SgdOptions& options);
  void step() override;
  const char* name() const override { return "sgd"; }

 private:
  SgdOptions options_;
  std::size_t momentum_slot_ = 0;
};

struct RmsPropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double momentum = 0.0;
  bool centered = false;
  double weight_decay = 0.0;
};

class RmsProp : public Optimizer {
 public:
  RmsProp(std::vector<NamedParameter> params, const RmsPropOptions& options);
  void step() override;
  const char* name() const override { return "rmsprop"; }

 private:
  RmsPropOptions options_;
  std::size_t square_slot_ = 0, mean_slot_ = 0, momentum_slot_ = 0;
};

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool decoupled_weight_decay = false;  // true: AdamW
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<NamedParameter> params, const AdamOptions& options);
  void step() override;
  const char* name() const override { return options_.decoupled_weight_decay ? "adamw" : "adam"; }

 private:
  AdamOptions options_;
  std::size_t m_slot_ = 0, v_slot_ = 0;
};

// AdamW: Adam with decoupled weight decay (default λ = 0.01, as PyTorch).
struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;
};
class AdamW : public Adam {
 public:
  AdamW(std::vector<NamedParameter> params, const AdamWOptions& o)
      : Adam(std::move(params), {o.lr, o.beta1, o.beta2, o.eps, o.weight_decay, true}) {}
};

// Scales all gradients by max_norm/(‖g‖ + 1e−6) when the global L2 norm ‖g‖ over every
// parameter exceeds max_norm (PyTorch's clip_grad_norm_; Pascanu et al. 2013).
// Returns ‖g‖ before clipping.
double clip_grad_norm(std::span<Parameter* const> params, double max_norm);
double global_grad_norm(std::span<Parameter* const> params);
void zero_grad(std::span<Parameter* const> params);

// Adam's update without weight decay over n contiguous floats, fused into one pass (what
// Adam::step runs when weight_decay = 0): m = b1·m + (1 − b1)·g, v = b2·v + (1 − b2)·g²,
// w = w − (step_size·m) / (√v·inv_sqrt_bc2 + eps), with the operations and roundings of the
// Eigen array expressions it replaced, bit for bit, for w 64-byte aligned (Eigen's own
// storage): Eigen's packet square root (an approximation under EIGEN_FAST_MATH) on whole
// packets from the start, std::sqrt on the tail, as Eigen's assignment splits them.
void adam_update(float* w, const float* g, float* m, float* v, Index n, float b1, float b2,
                 float step_size, float inv_sqrt_bc2, float eps);

// A learning rate as a function of the update count t.
// constant: η₀. linear: η₀ + (η₁ − η₀)·min(t/T, 1). cosine (Loshchilov & Hutter 2017,
// without restarts): η₁ + ½(η₀ − η₁)(1 + cos(π·min(t/T, 1))).
class LrSchedule {
 public:
  enum class Kind { constant, linear, cosine };
  static LrSchedule constant(double lr);
  static LrSchedule linear(double start, double end, std::int64_t steps);
  static LrSchedule cosine(double start, double end, std::int64_t steps);
  double at(std::int64_t t) const;
  // Sets opt's learning rate for update t.
  void apply(Optimizer& opt, std::int64_t t) const { opt.set_lr(at(t)); }

 private:
  Kind kind_ = Kind::constant;
  double start_ = 0.0, end_ = 0.0;
  std::int64_t steps_ = 1;
};

}  // namespace rlsim::nn

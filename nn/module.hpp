// Modules: objects that own Parameters and record a forward pass on a tape.
//
// Contract: a module's parameters live in the module (never on the tape); forward(x)
// records on x's tape and returns the output Var. named_parameters() lists them with
// dotted names in a fixed order ("0.weight", "0.bias", …), the names used by
// optimizers and by the state dict. Optimizers keep pointers to these Parameters, so a
// module must stay where it is (not be moved or resized) while an optimizer uses it.
// A module is used by one thread at a time.
//
// Target networks (Mnih et al. 2015; Lillicrap et al. 2016): ParameterSync pairs the
// parameters of two modules of the same architecture once (names and shapes checked)
// and then copies or Polyak-averages them without allocating.
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/rng.hpp"
#include "nn/init.hpp"
#include "nn/ops.hpp"
#include "nn/tape.hpp"

namespace rlsim::nn {

enum class Activation { identity, relu, leaky_relu, tanh, sigmoid, softplus, elu };

// "identity", "relu", "leaky_relu", "tanh", "sigmoid", "softplus", "elu"; an unknown
// name is an Error listing these.
Activation parse_activation(std::string_view name);
const char* activation_name(Activation a);
// Every activation with its config name, for a ConfigSchema field:
//   .field("activation", &C::activation, "hidden activation", names(nn::activation_names()))
std::vector<std::pair<std::string, Activation>> activation_names();
// leaky_relu uses slope 0.01 and elu α = 1 (PyTorch's defaults).
Var activate(Var x, Activation a);
// The recommended initialisation gain for a layer followed by `a` (see init.hpp).
double gain_for(Activation a);

struct NamedParameter {
  std::string name;
  Parameter* parameter = nullptr;
};
// A parameter listed from a const module: readable, not writable (saving, copying out).
struct ConstNamedParameter {
  std::string name;
  const Parameter* parameter = nullptr;
};

class Module {
 public:
  virtual ~Module() = default;
  virtual Var forward(Var x) = 0;
  virtual std::unique_ptr<Module> clone() const = 0;
  // Appends (prefix + name, parameter) for every parameter, in a fixed order.
  virtual void collect_parameters(const std::string& prefix, std::vector<NamedParameter>& out) = 0;

  Var operator()(Var x) { return forward(x); }
  std::vector<NamedParameter> named_parameters();
  // The same list, read-only, for const modules (e.g. an agent's save()).
  std::vector<ConstNamedParameter> named_parameters() const;
  std::vector<Parameter*> parameters();
  std::size_t parameter_count();  // number of scalars
  void zero_grad();
};

// y = x·W + b, W in × out, b 1 × out.
class Linear : public Module {
 public:
  Linear(Index in, Index out, Rng& rng, const Init& init = Init::lecun(), bool bias = true);
  Var forward(Var x) override;
  std::unique_ptr<Module> clone() const override { return std::make_unique<Linear>(*this); }
  void collect_parameters(const std::string& prefix, std::vector<NamedParameter>& out) override;
  Index in_features() const { return weight.value.rows(); }
  Index out_features() const { return weight.value.cols(); }
  bool has_bias() const { return has_bias_; }

  Parameter weight;
  Parameter bias;  // 1 × out; empty (0 × 0) without bias

 private:
  bool has_bias_ = true;
};

// An activation as a layer, for Sequential.
class ActivationLayer : public Module {
 public:
  explicit ActivationLayer(Activation a) : activation_(a) {}
  Var forward(Var x) override { return activate(x, activation_); }
  std::unique_ptr<Module> clone() const override {
    return std::make_unique<ActivationLayer>(*this);
  }
  void collect_parameters(const std::string&, std::vector<NamedParameter>&) override {}
  Activation activation() const { return activation_; }

 private:
  Activation activation_;
};

// Children applied in order; child i's parameters are named "<i>.<name>".
class Sequential : public Module {
 public:
  Sequential() = default;
  Sequential& add(std::unique_ptr<Module> child);
  template <class M, class... Args>
  M& emplace(Args&&... args) {
    auto child = std::make_unique<M>(std::forward<Args>(args)...);
    M& ref = *child;
    children_.push_back(std::move(child));
    return ref;
  }
  Var forward(Var x) override;
  std::unique_ptr<Module> clone() const override;
  void collect_parameters(const std::string& prefix, std::vector<NamedParameter>& out) override;
  std::size_t size() const { return children_.size(); }
  Module& operator[](std::size_t i) { return *children_.at(i); }

 private:
  std::vector<std::unique_ptr<Module>> children_;
};

// A multilayer perceptron: sizes {in, h1, …, out}; `activation` after every hidden
// layer, `output_activation` after the last. Layer i's parameters are "<i>.weight" and
// "<i>.bias". Copyable: a copy is an independent network (e.g. a target network).
class Mlp : public Module {
 public:
  // hidden_init for the hidden layers; output_init (default: hidden_init) for the last,
  // e.g. orthogonal(0.01) for a policy head (Andrychowicz et al. 2021).
  Mlp(const std::vector<Index>& sizes, Activation activation, Activation output_activation,
      Rng& rng, const Init& hidden_init = Init::lecun(),
      std::optional<Init> output_init = std::nullopt);
  Var forward(Var x) override;
  std::unique_ptr<Module> clone() const override { return std::make_unique<Mlp>(*this); }
  void collect_parameters(const std::string& prefix, std::vector<NamedParameter>& out) override;
  std::size_t depth() const { return layers_.size(); }
  Linear& layer(std::size_t i) { return layers_.at(i); }
  Activation activation() const { return activation_; }
  Activation output_activation() const { return output_activation_; }

 private:
  std::vector<Linear> layers_;
  Activation activation_, output_activation_;
};

// Pairs the parameters of two modules by name (names and shapes must match exactly:
// otherwise an Error naming the first mismatched parameter).
class ParameterSync {
 public:
  ParameterSync(Module& source, Module& target);
  void copy();  // target ← source
  // Polyak averaging: target ← τ·source + (1 − τ)·target, τ in [0, 1].
  void polyak(double tau);

 private:
  std::vector<std::pair<Parameter*, Parameter*>> pairs_;
};

// One-off forms (they pair the parameters on each call).
void copy_parameters(Module& source, Module& target);
void polyak_update(Module& source, Module& target, double tau);

}  // namespace rlsim::nn

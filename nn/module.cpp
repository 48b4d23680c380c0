#include "nn/module.hpp"

#include <cmath>
#include <cstdio>

#include "core/memory.hpp"

namespace rlsim::nn {

namespace {
constexpr std::pair<Activation, const char*> kActivationNames[] = {
    {Activation::identity, "identity"},
    {Activation::relu, "relu"},
    {Activation::leaky_relu, "leaky_relu"},
    {Activation::tanh, "tanh"},
    {Activation::sigmoid, "sigmoid"},
    {Activation::softplus, "softplus"},
    {Activation::elu, "elu"},
};
constexpr float kLeakySlope = 0.01f;

// Refuses an MLP whose training state cannot fit in this machine's memory: its parameters
// are zeroed and initialised as they are built (core/memory.hpp).
void check_mlp_memory(const std::vector<Index>& sizes) {
  double params = 0;
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i)
    params += static_cast<double>(sizes[i]) * static_cast<double>(sizes[i + 1]) +
              static_cast<double>(sizes[i + 1]);
  std::string list;
  for (Index v : sizes) list += (list.empty() ? "" : ", ") + std::to_string(v);
  char count[32];
  std::snprintf(count, sizeof count, "%.3g", params);
  // value, gradient and Adam's two moments, 4 bytes each
  require_memory(16.0 * params,
                 "nn::Mlp: layer sizes [" + list + "] hold " + count +
                     " parameters, which with their gradients and Adam's two moments (16 bytes "
                     "each)",
                 "use smaller layers (an agent's net_arch)");
}
}  // namespace

Activation parse_activation(std::string_view name) {
  std::string valid;
  for (const auto& [a, n] : kActivationNames) {
    if (name == n) return a;
    valid += valid.empty() ? "" : ", ";
    valid += n;
  }
  throw Error("nn: unknown activation '" + std::string(name) + "'; valid: " + valid);
}

std::vector<std::pair<std::string, Activation>> activation_names() {
  std::vector<std::pair<std::string, Activation>> out;
  for (const auto& [a, n] : kActivationNames) out.emplace_back(n, a);
  return out;
}

const char* activation_name(Activation a) {
  for (const auto& [b, n] : kActivationNames) {
    if (a == b) return n;
  }
  return "unknown";
}

Var activate(Var x, Activation a) {
  switch (a) {
    case Activation::identity:
      return x;
    case Activation::relu:
      return relu(x);
    case Activation::leaky_relu:
      return leaky_relu(x, kLeakySlope);
    case Activation::tanh:
      return tanh(x);
    case Activation::sigmoid:
      return sigmoid(x);
    case Activation::softplus:
      return softplus(x);
    case Activation::elu:
      return elu(x, 1.0f);
  }
  return x;
}

double gain_for(Activation a) {
  switch (a) {
    case Activation::relu:
      return std::sqrt(2.0);
    case Activation::leaky_relu: {
      const double s = kLeakySlope;
      return std::sqrt(2.0 / (1.0 + s * s));
    }
    case Activation::tanh:
      return 5.0 / 3.0;
    case Activation::identity:
    case Activation::sigmoid:
    case Activation::softplus:
    case Activation::elu:
      return 1.0;
  }
  return 1.0;
}

// --- Module ---

std::vector<NamedParameter> Module::named_parameters() {
  std::vector<NamedParameter> out;
  collect_parameters("", out);
  return out;
}

std::vector<ConstNamedParameter> Module::named_parameters() const {
  // collect_parameters only lists the parameters (it is non-const because the list it
  // fills can be written through); the pointers handed out here are const.
  std::vector<NamedParameter> all;
  const_cast<Module&>(*this).collect_parameters("", all);
  std::vector<ConstNamedParameter> out;
  out.reserve(all.size());
  for (NamedParameter& p : all) out.push_back({std::move(p.name), p.parameter});
  return out;
}

std::vector<Parameter*> Module::parameters() {
  std::vector<Parameter*> out;
  for (const NamedParameter& p : named_parameters()) out.push_back(p.parameter);
  return out;
}

std::size_t Module::parameter_count() {
  std::size_t n = 0;
  for (const NamedParameter& p : named_parameters()) {
    n += static_cast<std::size_t>(p.parameter->value.size());
  }
  return n;
}

void Module::zero_grad() {
  for (const NamedParameter& p : named_parameters()) p.parameter->grad.setZero();
}

// --- Linear ---

Linear::Linear(Index in, Index out, Rng& rng, const Init& init, bool bias)
    : weight(in, out), has_bias_(bias) {
  if (in <= 0 || out <= 0) {
    throw Error("nn::Linear: sizes " + std::to_string(in) + " → " + std::to_string(out) +
                " are not valid; both must be ≥ 1");
  }
  Matrix b(1, out);
  init.apply(weight.value, b, rng);
  if (has_bias_) {
    this->bias = Parameter(1, out);
    this->bias.value = b;
  }
}

Var Linear::forward(Var x) {
  Tape& t = x.tape();
  return linear(x, t.param(weight), has_bias_ ? t.param(bias) : Var());
}

void Linear::collect_parameters(const std::string& prefix, std::vector<NamedParameter>& out) {
  out.push_back({prefix + "weight", &weight});
  if (has_bias_) out.push_back({prefix + "bias", &bias});
}

// --- Sequential ---

Sequential& Sequential::add(std::unique_ptr<Module> child) {
  if (!child) throw Error("nn::Sequential::add: the child is null; give a module");
  children_.push_back(std::move(child));
  return *this;
}

Var Sequential::forward(Var x) {
  for (auto& c : children_) x = c->forward(x);
  return x;
}

std::unique_ptr<Module> Sequential::clone() const {
  auto copy = std::make_unique<Sequential>();
  for (const auto& c : children_) copy->children_.push_back(c->clone());
  return copy;
}

void Sequential::collect_parameters(const std::string& prefix, std::vector<NamedParameter>& out) {
  for (std::size_t i = 0; i < children_.size(); ++i) {
    children_[i]->collect_parameters(prefix + std::to_string(i) + ".", out);
  }
}

// --- Mlp ---

Mlp::Mlp(const std::vector<Index>& sizes, Activation activation, Activation output_activation,
         Rng& rng, const Init& hidden_init, std::optional<Init> output_init)
    : activation_(activation), output_activation_(output_activation) {
  if (sizes.size() < 2) {
    throw Error("nn::Mlp: " + std::to_string(sizes.size()) +
                " sizes given; give at least {inputs, outputs}");
  }
  check_mlp_memory(sizes);
  layers_.reserve(sizes.size() - 1);
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    const bool last = i + 2 == sizes.size();
    layers_.emplace_back(sizes[i], sizes[i + 1], rng,
                         last ? output_init.value_or(hidden_init) : hidden_init);
  }
}

Var Mlp::forward(Var x) {
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const Activation a = i + 1 == layers_.size() ? output_activation_ : activation_;
    Linear& l = layers_[i];
    if (a == Activation::tanh || a == Activation::relu) {
      // One node, the same numbers as tanh(linear(...)) or relu(linear(...)) (ops.hpp), one
      // pass less over memory.
      Tape& t = x.tape();
      x = a == Activation::tanh
              ? linear_tanh(x, t.param(l.weight), l.has_bias() ? t.param(l.bias) : Var())
              : linear_relu(x, t.param(l.weight), l.has_bias() ? t.param(l.bias) : Var());
    } else {
      x = activate(l.forward(x), a);
    }
  }
  return x;
}

void Mlp::collect_parameters(const std::string& prefix, std::vector<NamedParameter>& out) {
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    layers_[i].collect_parameters(prefix + std::to_string(i) + ".", out);
  }
}

// --- ParameterSync ---

ParameterSync::ParameterSync(Module& source, Module& target) {
  const auto s = source.named_parameters();
  const auto t = target.named_parameters();
  for (std::size_t i = 0; i < std::max(s.size(), t.size()); ++i) {
    if (i >= s.size()) {
      throw Error("nn::ParameterSync: the target has parameter '" + t[i].name +
                  "' that the source lacks; both modules need the same architecture");
    }
    if (i >= t.size()) {
      throw Error("nn::ParameterSync: the source has parameter '" + s[i].name +
                  "' that the target lacks; both modules need the same architecture");
    }
    const Matrix& a = s[i].parameter->value;
    const Matrix& b = t[i].parameter->value;
    if (s[i].name != t[i].name || a.rows() != b.rows() || a.cols() != b.cols()) {
      throw Error("nn::ParameterSync: parameter " + std::to_string(i) + " is '" + s[i].name + "' " +
                  shape_string(a.rows(), a.cols()) + " in the source but '" + t[i].name + "' " +
                  shape_string(b.rows(), b.cols()) +
                  " in the target; both modules need the same architecture");
    }
    pairs_.emplace_back(s[i].parameter, t[i].parameter);
  }
}

void ParameterSync::copy() {
  for (auto& [s, t] : pairs_) t->value = s->value;
}

void ParameterSync::polyak(double tau) {
  if (!(tau >= 0.0 && tau <= 1.0)) {
    throw Error("nn::polyak: tau = " + std::to_string(tau) + " is outside [0, 1]");
  }
  const auto a = static_cast<float>(tau);
  for (auto& [s, t] : pairs_) t->value = a * s->value + (1.0f - a) * t->value;
}

void copy_parameters(Module& source, Module& target) {
  ParameterSync(source, target).copy();
}

void polyak_update(Module& source, Module& target, double tau) {
  ParameterSync(source, target).polyak(tau);
}

}  // namespace rlsim::nn

// Typed parameter bindings: a parameter is written once.
//
// An env, agent or policy keeps its parameters in a plain config struct whose member
// initialisers are the defaults. A ConfigSchema<Config> binds each public name to a member:
//
//   ConfigSchema<PpoConfig>()
//       .field("gamma", &PpoConfig::gamma, "discount factor", range(0, 1), source("SB3"))
//       .field("activation", &PpoConfig::activation, "hidden activation",
//              names<nn::Activation>({{"tanh", nn::Activation::tanh}, ...}));
//
// From that one declaration come the ParamSchema that `describe`, configs, overrides, run
// files and other front ends (the Python package) read — its defaults are read from a
// default-constructed Config, never retyped — and bind(), which fills a Config from
// resolved Params. A Config may define `void validate() const` for checks across
// parameters (e.g. batch_size divides n_envs * n_steps); bind() calls it and prefixes its
// message with the owner ("agent 'ppo': ...").
//
// Member types: bool; any integer type (Int); double or float (Double); std::string
// (String, optionally restricted by choices()); std::vector<double> (DoubleList); a vector
// of an integer type (IntList); an enum with names<E>() (String with those choices).
#pragma once
#include <concepts>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/params.hpp"

namespace rlsim {

// Options of a field, in any order after its doc.
struct Range {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
};
inline Range range(double min, double max) {
  return {min, max};
}
inline Range at_least(double min) {
  return {min, std::numeric_limits<double>::infinity()};
}
struct Source {
  std::string text;
};
// Where a default or a range comes from (a paper, SB3, Gymnasium's source), shown by describe.
inline Source source(std::string text) {
  return {std::move(text)};
}
struct Choices {
  std::vector<std::string> names;
};
inline Choices choices(std::vector<std::string> names) {
  return {std::move(names)};
}
template <class E>
struct EnumNames {
  std::vector<std::pair<std::string, E>> names;
};
// The config-file names of an enum's values, in the order describe lists them.
template <class E>
EnumNames<E> names(std::vector<std::pair<std::string, E>> names) {
  return {std::move(names)};
}

namespace detail {
template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T>
concept Integer = std::integral<T> && !std::same_as<T, bool>;
template <class T>
concept IntegerVector = is_vector<T>::value && Integer<typename T::value_type>;
template <class C>
concept HasValidate = requires(const C& c) {
  c.validate();
};

template <class T>
constexpr ParamType param_type_of() {
  if constexpr (std::same_as<T, bool>) {
    return ParamType::Bool;
  } else if constexpr (Integer<T>) {
    return ParamType::Int;
  } else if constexpr (std::floating_point<T>) {
    return ParamType::Double;
  } else if constexpr (std::same_as<T, std::string>) {
    return ParamType::String;
  } else if constexpr (std::same_as<T, std::vector<double>>) {
    return ParamType::DoubleList;
  } else if constexpr (IntegerVector<T>) {
    return ParamType::IntList;
  } else {
    static_assert(sizeof(T) == 0, "unsupported config member type for a parameter");
  }
}

template <class T>
ParamValue to_param_value(const T& x) {
  if constexpr (std::same_as<T, bool>) {
    return x;
  } else if constexpr (Integer<T>) {
    return static_cast<std::int64_t>(x);
  } else if constexpr (std::floating_point<T>) {
    return static_cast<double>(x);
  } else if constexpr (std::same_as<T, std::string>) {
    return x;
  } else if constexpr (std::same_as<T, std::vector<double>>) {
    return x;
  } else {
    return std::vector<std::int64_t>(x.begin(), x.end());
  }
}

template <class T>
T from_params(const Params& p, const std::string& name) {
  if constexpr (std::same_as<T, bool>) {
    return p.get_bool(name);
  } else if constexpr (Integer<T>) {
    return static_cast<T>(p.get_int(name));
  } else if constexpr (std::floating_point<T>) {
    return static_cast<T>(p.get_double(name));
  } else if constexpr (std::same_as<T, std::string>) {
    return p.get_string(name);
  } else if constexpr (std::same_as<T, std::vector<double>>) {
    return p.get_doubles(name);
  } else {
    const auto& xs = p.get_ints(name);
    return T(xs.begin(), xs.end());
  }
}

void apply_option(ParamSpec& spec, const Range& r);
void apply_option(ParamSpec& spec, const Source& s);
void apply_option(ParamSpec& spec, const Choices& c);
}  // namespace detail

template <class Config>
class ConfigSchema {
 public:
  // A parameter bound to `field_of` (a member of Config or of one of its bases).
  template <class T, class Owner, class... Options>
  requires std::is_base_of_v<Owner, Config> &&
      (!std::is_enum_v<T>)ConfigSchema& field(std::string name, T Owner::*field_of, std::string doc,
                                              Options&&... options) {
    T Config::*member = field_of;
    ParamSpec spec;
    spec.name = name;
    spec.type = detail::param_type_of<T>();
    spec.default_value = detail::to_param_value(defaults_.*member);
    spec.doc = std::move(doc);
    (detail::apply_option(spec, options), ...);
    specs_.push_back(std::move(spec));
    setters_.push_back([name = std::move(name), member](const Params& p, Config& c) {
      c.*member = detail::from_params<T>(p, name);
    });
    return *this;
  }

  // An enum parameter, written in configs as one of `names`.
  template <class E, class Owner, class... Options>
  requires std::is_enum_v<E> && std::is_base_of_v<Owner, Config> ConfigSchema& field(
      std::string name, E Owner::*field_of, std::string doc, EnumNames<E> names,
      Options&&... options) {
    E Config::*member = field_of;
    ParamSpec spec;
    spec.name = name;
    spec.type = ParamType::String;
    spec.doc = std::move(doc);
    bool found = false;
    for (const auto& [text, value] : names.names) {
      spec.choices.push_back(text);
      if (value == defaults_.*member && !found) {
        spec.default_value = text;
        found = true;
      }
    }
    if (!found) throw Error("parameter '" + name + "': the default value has no name");
    (detail::apply_option(spec, options), ...);
    specs_.push_back(std::move(spec));
    setters_.push_back(
        [name = std::move(name), member, names = std::move(names)](const Params& p, Config& c) {
          const std::string& text = p.get_string(name);
          for (const auto& [t, value] : names.names)
            if (t == text) {
              c.*member = value;
              return;
            }
          throw Error("parameter '" + name + "' = \"" + text + "\" has no enum value");
        });
    return *this;
  }

  // The schema (names, types, defaults from Config{}, ranges, docs, sources), in the order
  // the fields were declared.
  ParamSchema params() const {
    ParamSchema s;
    for (const ParamSpec& spec : specs_) s.add(spec);
    return s;
  }

  // A Config from resolved parameters: defaults for members without a field, then every
  // field set from `p`, then Config::validate() if it has one (its Error gets `owner`
  // prefixed, e.g. "agent 'ppo': ").
  Config bind(const Params& p, const std::string& owner = "") const {
    Config c{};
    for (const auto& set : setters_) set(p, c);
    if constexpr (detail::HasValidate<Config>) {
      try {
        c.validate();
      } catch (const Error& e) {
        if (owner.empty()) throw;
        throw Error(owner + ": " + e.what());
      }
    }
    return c;
  }

  // bind() of the defaults: the Config a run gets with no parameters set.
  Config defaults() const { return bind(params().resolve({}, "")); }

 private:
  Config defaults_{};
  std::vector<ParamSpec> specs_;
  std::vector<std::function<void(const Params&, Config&)>> setters_;
};

}  // namespace rlsim

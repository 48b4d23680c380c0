// Table-driven registration of bandit problems: each parameter is declared once — name, the
// config member it fills, doc and range — and that one declaration gives both the schema
// entry (default = the member's value in a default config) and the code that copies the
// resolved value into the config. add_problem then registers an EnvEntry whose factory
// builds Problem(config).
//
// Contract: ProblemParams<Config>(defaults) takes every default from `defaults`; parameters
// appear in the schema in declaration order; add_problem's factory starts from a
// default-constructed Config, applies every declared parameter, and calls Problem(config)
// (which validates and throws rlsim::Error on bad values).
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/registry.hpp"

namespace rlsim {

template <typename Config>
class ProblemParams {
 public:
  explicit ProblemParams(Config defaults = Config{}) : defaults_(std::move(defaults)) {}

  ProblemParams& integer(const std::string& name, std::int64_t Config::*field, std::string doc,
                         double min, double max) {
    schema_.add(param_int(name, defaults_.*field, std::move(doc), min, max));
    readers_.push_back([=](const Params& p, Config& c) { c.*field = p.get_int(name); });
    return *this;
  }
  ProblemParams& real(const std::string& name, double Config::*field, std::string doc,
                      double min = -std::numeric_limits<double>::infinity(),
                      double max = std::numeric_limits<double>::infinity()) {
    schema_.add(param_double(name, defaults_.*field, std::move(doc), min, max));
    readers_.push_back([=](const Params& p, Config& c) { c.*field = p.get_double(name); });
    return *this;
  }
  ProblemParams& reals(const std::string& name, std::vector<double> Config::*field, std::string doc,
                       double min = -std::numeric_limits<double>::infinity(),
                       double max = std::numeric_limits<double>::infinity()) {
    schema_.add(param_doubles(name, defaults_.*field, std::move(doc), min, max));
    readers_.push_back([=](const Params& p, Config& c) { c.*field = p.get_doubles(name); });
    return *this;
  }
  ProblemParams& text(const std::string& name, std::string Config::*field, std::string doc,
                      std::vector<std::string> choices = {}) {
    schema_.add(param_string(name, defaults_.*field, std::move(doc), std::move(choices)));
    readers_.push_back([=](const Params& p, Config& c) { c.*field = p.get_string(name); });
    return *this;
  }
  ProblemParams& flag(const std::string& name, bool Config::*field, std::string doc) {
    schema_.add(param_bool(name, defaults_.*field, std::move(doc)));
    readers_.push_back([=](const Params& p, Config& c) { c.*field = p.get_bool(name); });
    return *this;
  }

  const ParamSchema& schema() const { return schema_; }
  Config read(const Params& p) const {
    Config c;
    for (const auto& r : readers_) r(p, c);
    return c;
  }

 private:
  Config defaults_;
  ParamSchema schema_;
  std::vector<std::function<void(const Params&, Config&)>> readers_;
};

template <typename Problem, typename Config>
void add_problem(Registry& registry, std::string id, std::string doc,
                 ProblemParams<Config> params) {
  EnvEntry e;
  e.id = std::move(id);
  e.doc = std::move(doc);
  e.schema = params.schema();
  e.make = [params = std::move(params)](const Params& p) {
    return std::unique_ptr<Env>(new Problem(params.read(p)));
  };
  registry.add_env(std::move(e));
}

}  // namespace rlsim

// Parameters as data: values, specs and schemas.
//
// Every env and agent has a ParamSchema: for each parameter its name, type, default, range
// or allowed values, a one-line doc and the source of its default. Envs, agents and
// policies never write one by hand: it is derived from their config struct by a
// ConfigSchema (core/config_schema.hpp), which also binds resolved values into the struct.
// Raw values from a config file, the command line or another front end (RawParams) are
// checked against the schema by ParamSchema::resolve(), which fills defaults and throws
// rlsim::Error naming the owner and key for unknown keys (listing the valid ones), wrong
// types and out-of-range values. Lists arrive as numbers (std::vector<double> from TOML,
// or integers); an IntList parameter accepts them when every element is an integer.
#pragma once
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace rlsim {

using ParamValue = std::variant<bool, std::int64_t, double, std::string, std::vector<double>,
                                std::vector<std::int64_t>>;

enum class ParamType { Bool, Int, Double, String, DoubleList, IntList };
inline bool is_list(ParamType t) {
  return t == ParamType::DoubleList || t == ParamType::IntList;
}

std::string to_string(ParamType t);
// Text as a config would write it: true, 3, 0.5, "text", [0.1, 0.9], [64, 64].
std::string format_param(const ParamValue& v);
// A bound of a range as text: integers for Int and IntList parameters ("1", "inf").
std::string format_bound(double x, ParamType type);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::Double;
  ParamValue default_value;
  std::string doc;
  double min = -std::numeric_limits<double>::infinity();  // numeric types (each list element)
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices;  // String: allowed values if not empty
  std::string source;                // where the default comes from (a paper, SB3, …), or ""
  bool has_range() const;
  std::string range_text() const;  // "[1, inf]"
};

// Raw key → value map as parsed from a config or the command line.
using RawParams = std::map<std::string, ParamValue>;

class Params {
 public:
  Params() = default;
  explicit Params(std::map<std::string, ParamValue> values) : values_(std::move(values)) {}
  bool has(const std::string& key) const { return values_.count(key) != 0; }
  bool get_bool(const std::string& key) const;
  std::int64_t get_int(const std::string& key) const;
  double get_double(const std::string& key) const;  // also accepts an Int value
  const std::string& get_string(const std::string& key) const;
  const std::vector<double>& get_doubles(const std::string& key) const;
  const std::vector<std::int64_t>& get_ints(const std::string& key) const;
  const std::map<std::string, ParamValue>& values() const { return values_; }
  // Canonical "k1=v1 k2=v2" text, keys sorted: used to name and group runs.
  std::string to_text() const;

 private:
  const ParamValue& at(const std::string& key) const;
  std::map<std::string, ParamValue> values_;
};

class ParamSchema {
 public:
  ParamSchema() = default;
  ParamSchema(std::initializer_list<ParamSpec> specs) : specs_(specs) {}
  ParamSchema& add(ParamSpec spec);
  const std::vector<ParamSpec>& specs() const { return specs_; }
  const ParamSpec* find(const std::string& name) const;
  // `owner` names the env or agent in messages, e.g. "agent 'q-learning'".
  Params resolve(const RawParams& raw, const std::string& owner) const;

 private:
  std::vector<ParamSpec> specs_;
};

// Single specs, for schemas that are not bound to a config struct (the driver's own keys,
// max_episode_steps); envs, agents and policies use ConfigSchema.
ParamSpec param_bool(std::string name, bool def, std::string doc);
ParamSpec param_int(std::string name, std::int64_t def, std::string doc,
                    double min = -std::numeric_limits<double>::infinity(),
                    double max = std::numeric_limits<double>::infinity());
ParamSpec param_double(std::string name, double def, std::string doc,
                       double min = -std::numeric_limits<double>::infinity(),
                       double max = std::numeric_limits<double>::infinity());
ParamSpec param_string(std::string name, std::string def, std::string doc,
                       std::vector<std::string> choices = {});
ParamSpec param_doubles(std::string name, std::vector<double> def, std::string doc,
                        double min = -std::numeric_limits<double>::infinity(),
                        double max = std::numeric_limits<double>::infinity());

// Closest candidates to `name` by edit distance, for "did you mean" messages.
std::vector<std::string> close_matches(const std::string& name,
                                       const std::vector<std::string>& candidates,
                                       std::size_t max_results = 3);

}  // namespace rlsim

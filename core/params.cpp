#include "core/params.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <sstream>

#include "core/error.hpp"

namespace rlsim {

std::string to_string(ParamType t) {
  switch (t) {
    case ParamType::Bool:
      return "bool";
    case ParamType::Int:
      return "int";
    case ParamType::Double:
      return "float";
    case ParamType::String:
      return "string";
    case ParamType::DoubleList:
      return "list of floats";
    case ParamType::IntList:
      return "list of ints";
  }
  return "?";
}

namespace {
std::string format_double(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  // Shortest text that reads back to the same double (0.1, not 0.10000000000000001).
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, x);
  std::string s(buf, res.ptr);
  // Keep floats recognisable as floats in configs ("1.0", not "1").
  if (std::isfinite(x) && s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

std::string type_of(const ParamValue& v) {
  switch (v.index()) {
    case 0:
      return "bool";
    case 1:
      return "int";
    case 2:
      return "float";
    case 3:
      return "string";
    default:
      return "list";
  }
}

// A list of integers from any list value (TOML gives lists of numbers as doubles).
std::optional<std::vector<std::int64_t>> as_int_list(const ParamValue& v) {
  if (auto* l = std::get_if<std::vector<std::int64_t>>(&v)) return *l;
  std::vector<std::int64_t> out;
  if (auto* l = std::get_if<std::vector<double>>(&v)) {
    for (double x : *l) {
      if (!(std::floor(x) == x) || std::fabs(x) > 9.007199254740992e15) return std::nullopt;
      out.push_back(static_cast<std::int64_t>(x));
    }
    return out;
  }
  if (auto* i = std::get_if<std::int64_t>(&v)) return std::vector<std::int64_t>{*i};
  if (auto* d = std::get_if<double>(&v)) {
    if (!(std::floor(*d) == *d)) return std::nullopt;
    return std::vector<std::int64_t>{static_cast<std::int64_t>(*d)};
  }
  return std::nullopt;
}

std::string join(const std::vector<std::string>& xs, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < xs.size(); ++i) out += (i ? sep : "") + xs[i];
  return out;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::string format_param(const ParamValue& v) {
  switch (v.index()) {
    case 0:
      return std::get<bool>(v) ? "true" : "false";
    case 1:
      return std::to_string(std::get<std::int64_t>(v));
    case 2:
      return format_double(std::get<double>(v));
    case 3: {
      std::string out = "\"";
      for (char c : std::get<std::string>(v)) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      return out + "\"";
    }
    case 4: {
      std::string out = "[";
      const auto& xs = std::get<std::vector<double>>(v);
      for (std::size_t i = 0; i < xs.size(); ++i) out += (i ? ", " : "") + format_double(xs[i]);
      return out + "]";
    }
    default: {
      std::string out = "[";
      const auto& xs = std::get<std::vector<std::int64_t>>(v);
      for (std::size_t i = 0; i < xs.size(); ++i) out += (i ? ", " : "") + std::to_string(xs[i]);
      return out + "]";
    }
  }
}

std::string format_bound(double x, ParamType type) {
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  if ((type == ParamType::Int || type == ParamType::IntList) && std::floor(x) == x &&
      std::fabs(x) < 9.2e18)
    return std::to_string(static_cast<std::int64_t>(x));
  return format_double(x);
}

bool ParamSpec::has_range() const {
  return (type == ParamType::Int || type == ParamType::Double || is_list(type)) &&
         (!std::isinf(min) || !std::isinf(max));
}

std::string ParamSpec::range_text() const {
  std::ostringstream os;
  os << "[" << format_bound(min, type) << ", " << format_bound(max, type) << "]";
  return os.str();
}

const ParamValue& Params::at(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end())
    throw Error("parameter '" + key + "' is not set (internal: not in schema)");
  return it->second;
}

bool Params::get_bool(const std::string& key) const {
  const ParamValue& v = at(key);
  if (auto* b = std::get_if<bool>(&v)) return *b;
  throw Error("parameter '" + key + "' is a " + type_of(v) + ", not a bool");
}

std::int64_t Params::get_int(const std::string& key) const {
  const ParamValue& v = at(key);
  if (auto* i = std::get_if<std::int64_t>(&v)) return *i;
  throw Error("parameter '" + key + "' is a " + type_of(v) + ", not an int");
}

double Params::get_double(const std::string& key) const {
  const ParamValue& v = at(key);
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  throw Error("parameter '" + key + "' is a " + type_of(v) + ", not a number");
}

const std::string& Params::get_string(const std::string& key) const {
  const ParamValue& v = at(key);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  throw Error("parameter '" + key + "' is a " + type_of(v) + ", not a string");
}

const std::vector<double>& Params::get_doubles(const std::string& key) const {
  const ParamValue& v = at(key);
  if (auto* l = std::get_if<std::vector<double>>(&v)) return *l;
  throw Error("parameter '" + key + "' is a " + type_of(v) + ", not a list of floats");
}

const std::vector<std::int64_t>& Params::get_ints(const std::string& key) const {
  const ParamValue& v = at(key);
  if (auto* l = std::get_if<std::vector<std::int64_t>>(&v)) return *l;
  throw Error("parameter '" + key + "' is a " + type_of(v) + ", not a list of integers");
}

std::string Params::to_text() const {
  std::string out;
  for (const auto& [k, v] : values_) out += (out.empty() ? "" : " ") + k + "=" + format_param(v);
  return out;
}

ParamSchema& ParamSchema::add(ParamSpec spec) {
  specs_.push_back(std::move(spec));
  return *this;
}

const ParamSpec* ParamSchema::find(const std::string& name) const {
  for (const auto& s : specs_)
    if (s.name == name) return &s;
  return nullptr;
}

Params ParamSchema::resolve(const RawParams& raw, const std::string& owner) const {
  std::map<std::string, ParamValue> out;
  for (const auto& s : specs_) out[s.name] = s.default_value;
  std::vector<std::string> names;
  for (const auto& s : specs_) names.push_back(s.name);

  for (const auto& [key, value] : raw) {
    const ParamSpec* spec = find(key);
    if (!spec) {
      std::string msg = owner + " has no parameter '" + key + "'";
      auto close = close_matches(key, names);
      if (!close.empty()) msg += " (did you mean '" + join(close, "', '") + "'?)";
      msg +=
          names.empty() ? "; it takes no parameters" : "; valid parameters: " + join(names, ", ");
      throw Error(msg);
    }
    const std::string where = owner + " parameter '" + key + "'";
    ParamValue v = value;
    auto check_number = [&](double x) {
      if (std::isnan(x)) throw Error(where + " is NaN: give a number in " + spec->range_text());
      if (x < spec->min || x > spec->max)
        throw Error(where + " = " + format_bound(x, spec->type) + " is out of range: must be in " +
                    spec->range_text());
    };
    switch (spec->type) {
      case ParamType::Bool:
        if (!std::holds_alternative<bool>(v))
          throw Error(where + " must be true or false, got " + type_of(v) + " " + format_param(v));
        break;
      case ParamType::Int:
        if (auto* d = std::get_if<double>(&v)) {
          if (std::floor(*d) != *d)
            throw Error(where + " must be an integer, got " + format_param(v));
          v = static_cast<std::int64_t>(*d);
        }
        if (!std::holds_alternative<std::int64_t>(v))
          throw Error(where + " must be an integer, got " + type_of(v) + " " + format_param(v));
        check_number(static_cast<double>(std::get<std::int64_t>(v)));
        break;
      case ParamType::Double:
        if (auto* i = std::get_if<std::int64_t>(&v)) v = static_cast<double>(*i);
        if (!std::holds_alternative<double>(v))
          throw Error(where + " must be a number, got " + type_of(v) + " " + format_param(v));
        check_number(std::get<double>(v));
        break;
      case ParamType::String:
        if (!std::holds_alternative<std::string>(v))
          throw Error(where + " must be a string, got " + type_of(v) + " " + format_param(v));
        if (!spec->choices.empty() && std::find(spec->choices.begin(), spec->choices.end(),
                                                std::get<std::string>(v)) == spec->choices.end())
          throw Error(where + " = \"" + std::get<std::string>(v) +
                      "\" is not one of: " + join(spec->choices, ", "));
        break;
      case ParamType::DoubleList:
        if (auto* d = std::get_if<double>(&v)) v = std::vector<double>{*d};
        if (auto* i = std::get_if<std::int64_t>(&v))
          v = std::vector<double>{static_cast<double>(*i)};
        if (auto* l = std::get_if<std::vector<std::int64_t>>(&v))
          v = std::vector<double>(l->begin(), l->end());
        if (!std::holds_alternative<std::vector<double>>(v))
          throw Error(where + " must be a list of numbers, got " + type_of(v) + " " +
                      format_param(v));
        for (double x : std::get<std::vector<double>>(v)) check_number(x);
        break;
      case ParamType::IntList: {
        auto ints = as_int_list(v);
        if (!ints)
          throw Error(where + " must be a list of integers, got " + type_of(v) + " " +
                      format_param(v));
        for (std::int64_t x : *ints) check_number(static_cast<double>(x));
        v = std::move(*ints);
        break;
      }
    }
    out[key] = std::move(v);
  }
  return Params(std::move(out));
}

ParamSpec param_bool(std::string name, bool def, std::string doc) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = ParamType::Bool;
  s.default_value = def;
  s.doc = std::move(doc);
  return s;
}

ParamSpec param_int(std::string name, std::int64_t def, std::string doc, double min, double max) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = ParamType::Int;
  s.default_value = def;
  s.doc = std::move(doc);
  s.min = min;
  s.max = max;
  return s;
}

ParamSpec param_double(std::string name, double def, std::string doc, double min, double max) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = ParamType::Double;
  s.default_value = def;
  s.doc = std::move(doc);
  s.min = min;
  s.max = max;
  return s;
}

ParamSpec param_string(std::string name, std::string def, std::string doc,
                       std::vector<std::string> choices) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = ParamType::String;
  s.default_value = std::move(def);
  s.doc = std::move(doc);
  s.choices = std::move(choices);
  return s;
}

ParamSpec param_doubles(std::string name, std::vector<double> def, std::string doc, double min,
                        double max) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = ParamType::DoubleList;
  s.default_value = std::move(def);
  s.doc = std::move(doc);
  s.min = min;
  s.max = max;
  return s;
}

std::vector<std::string> close_matches(const std::string& name,
                                       const std::vector<std::string>& candidates,
                                       std::size_t max_results) {
  std::vector<std::pair<std::size_t, std::string>> scored;
  std::string lower_name = name;
  std::transform(lower_name.begin(), lower_name.end(), lower_name.begin(), ::tolower);
  for (const auto& c : candidates) {
    std::string lc = c;
    std::transform(lc.begin(), lc.end(), lc.begin(), ::tolower);
    std::size_t d = edit_distance(name, c);
    // A prefix or substring match (e.g. "CartPole" for "CartPole-v1") counts as close.
    if (!lower_name.empty() && lc.find(lower_name) != std::string::npos)
      d = std::min<std::size_t>(d, 1);
    const std::size_t limit = std::max<std::size_t>(2, std::min(name.size(), c.size()) / 3);
    if (d <= limit) scored.emplace_back(d, c);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < scored.size() && i < max_results; ++i)
    out.push_back(scored[i].second);
  return out;
}

}  // namespace rlsim

// `rlsim describe ID [--json] [--plugin PATH]`: an env's spaces, limits, capabilities and
// parameters, or an agent's parameters, each parameter with its type, default, range or
// choices, doc and source; --json prints the same as data (experiments/cmd_describe.hpp).
#include "experiments/cmd_describe.hpp"

#include <cmath>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include <boost/program_options.hpp>

#include "core/error.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/commands.hpp"
#include "experiments/json.hpp"

namespace po = boost::program_options;

namespace rlsim {

namespace {

// The parameters `describe` lists for an env: its own, then max_episode_steps and seeding.
ParamSchema env_schema(const EnvEntry& e) {
  return Registry::with_common_env_params(e.schema);
}

// What the env offers beyond stepping: "model", "regret-oracle", "state", "success".
std::vector<std::string> capabilities(const Env& env) {
  std::vector<std::string> out;
  if (env.model()) out.push_back("model");
  if (env.oracle()) out.push_back("regret-oracle");
  if (env.has_state()) out.push_back("state");
  if (env.spec().defines_success) out.push_back("success");
  return out;
}

[[noreturn]] void unknown_id(const Registry& r, const std::string& id) {
  std::vector<std::string> all = r.env_ids();
  for (const auto& a : r.agent_ids()) all.push_back(a);
  std::string msg = "unknown id '" + id + "': not an env or agent";
  auto close = close_matches(id, all);
  if (!close.empty()) {
    msg += "; did you mean:";
    for (const auto& c : close) msg += " " + c;
    msg += "?";
  }
  throw Error(msg + " (rlsim list envs, rlsim list agents)");
}

// ---- text ----

void print_schema(const ParamSchema& schema) {
  if (schema.specs().empty()) {
    std::cout << "  (none)\n";
    return;
  }
  for (const auto& s : schema.specs()) {
    std::cout << "  " << s.name << " (" << to_string(s.type) << ", default "
              << format_param(s.default_value);
    if (s.has_range()) std::cout << ", range " << s.range_text();
    if (!s.choices.empty()) {
      std::cout << ", one of:";
      for (const auto& c : s.choices) std::cout << " " << c;
    }
    std::cout << ")\n      " << s.doc;
    if (!s.source.empty()) std::cout << " [" << s.source << "]";
    std::cout << "\n";
  }
}

void print_description(const Registry& r, const std::string& id) {
  if (r.has_env(id)) {
    const EnvEntry& e = r.env(id);
    auto env = r.make_env(id, {});
    const EnvSpec& s = env->spec();
    std::cout << id << ": " << e.doc << "\n";
    std::cout << "observation space: " << s.observation_space.describe() << "\n";
    std::cout << "action space:      " << s.action_space.describe() << "\n";
    std::cout << "max episode steps: "
              << (s.max_episode_steps > 0 ? std::to_string(s.max_episode_steps) : "none") << "\n";
    std::cout << "reward threshold:  "
              << (s.reward_threshold ? format_param(*s.reward_threshold) : "none") << "\n";
    std::cout << "capabilities:     ";
    for (const std::string& c : capabilities(*env)) std::cout << " " << c;
    std::cout << "\n";
    std::cout << "parameters:\n";
    print_schema(env_schema(e));
    if (e.origin != "built-in") std::cout << "from plugin: " << e.origin << "\n";
    return;
  }
  if (r.has_agent(id)) {
    const AgentEntry& a = r.agent(id);
    std::cout << id << ": " << a.doc << "\nparameters:\n";
    print_schema(a.schema);
    if (a.origin != "built-in") std::cout << "from plugin: " << a.origin << "\n";
    return;
  }
  unknown_id(r, id);
}

// ---- JSON ----

const char* json_type(ParamType t) {
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
      return "float_list";
    case ParamType::IntList:
      return "int_list";
  }
  return "?";
}

std::string json_value(const ParamValue& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) {
          return x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return std::to_string(x);
        } else if constexpr (std::is_same_v<T, double>) {
          return json_shortest(x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return json_string(x);
        } else {
          std::string out = "[";
          for (std::size_t i = 0; i < x.size(); ++i)
            out += (i ? ", " : "") + json_value(ParamValue(x[i]));
          return out + "]";
        }
      },
      v);
}

// A bound of a range: null when infinite; an integer for int and int_list parameters.
std::string json_bound(double x, ParamType type) {
  if (std::isinf(x)) return "null";
  if ((type == ParamType::Int || type == ParamType::IntList) && std::floor(x) == x &&
      std::fabs(x) < 9.2e18)
    return std::to_string(static_cast<std::int64_t>(x));
  return json_shortest(x);
}

template <class T>
std::string json_list(const std::vector<T>& xs) {
  std::string out = "[";
  for (std::size_t i = 0; i < xs.size(); ++i) {
    out += i ? ", " : "";
    if constexpr (std::is_same_v<T, std::string>)
      out += json_string(xs[i]);
    else if constexpr (std::is_floating_point_v<T>)
      out += json_shortest(xs[i]);
    else
      out += std::to_string(xs[i]);
  }
  return out + "]";
}

std::string space_json(const Space& s) {
  std::string out = "{\"type\": ";
  if (s.is_discrete())
    out += "\"discrete\", \"n\": " + std::to_string(s.n()) +
           ", \"start\": " + std::to_string(s.start());
  else
    out += "\"box\", \"shape\": " + json_list(s.shape()) + ", \"low\": " + json_list(s.low()) +
           ", \"high\": " + json_list(s.high());
  return out + ", \"text\": " + json_string(s.describe()) + "}";
}

void write_parameters_json(std::ostream& os, const ParamSchema& schema) {
  os << "  \"parameters\": [";
  const auto& specs = schema.specs();
  for (std::size_t i = 0; i < specs.size(); ++i)
    os << (i ? "," : "") << "\n    " << param_spec_json(specs[i]);
  os << (specs.empty() ? "" : "\n  ") << "]\n}\n";
}

}  // namespace

std::string param_spec_json(const ParamSpec& s) {
  std::string out = "{\"name\": " + json_string(s.name) + ", \"type\": \"" + json_type(s.type) +
                    "\", \"default\": " + json_value(s.default_value) + ", \"range\": ";
  out += s.has_range() ? "{\"min\": " + json_bound(s.min, s.type) +
                             ", \"max\": " + json_bound(s.max, s.type) + "}"
                       : std::string("null");
  out += ", \"choices\": " + (s.choices.empty() ? std::string("null") : json_list(s.choices));
  out += ", \"doc\": " + json_string(s.doc);
  out += ", \"source\": " + (s.source.empty() ? std::string("null") : json_string(s.source));
  return out + "}";
}

void write_describe_json(std::ostream& os, const Registry& r, const std::string& id) {
  if (r.has_env(id)) {
    const EnvEntry& e = r.env(id);
    auto env = r.make_env(id, {});
    const EnvSpec& s = env->spec();
    os << "{\n  \"id\": " << json_string(id)
       << ",\n  \"kind\": \"env\",\n  \"doc\": " << json_string(e.doc)
       << ",\n  \"origin\": " << json_string(e.origin)
       << ",\n  \"observation_space\": " << space_json(s.observation_space)
       << ",\n  \"action_space\": " << space_json(s.action_space) << ",\n  \"max_episode_steps\": "
       << (s.max_episode_steps > 0 ? std::to_string(s.max_episode_steps) : "null")
       << ",\n  \"reward_threshold\": "
       << (s.reward_threshold ? json_shortest(*s.reward_threshold) : "null")
       << ",\n  \"capabilities\": " << json_list(capabilities(*env)) << ",\n";
    write_parameters_json(os, env_schema(e));
    return;
  }
  if (r.has_agent(id)) {
    const AgentEntry& a = r.agent(id);
    os << "{\n  \"id\": " << json_string(id)
       << ",\n  \"kind\": \"agent\",\n  \"doc\": " << json_string(a.doc)
       << ",\n  \"origin\": " << json_string(a.origin) << ",\n";
    write_parameters_json(os, a.schema);
    return;
  }
  unknown_id(r, id);
}

int cmd_describe(const std::vector<std::string>& args) {
  po::options_description desc("options");
  std::vector<std::string> positional, plugins;
  desc.add_options()("help,h", "show this help")(
      "json", "print the description as one JSON object (docs/commands.md)")(
      "plugin", po::value<std::vector<std::string>>(&plugins), "load a plugin .so (repeatable)");
  po::options_description hidden;
  hidden.add_options()("id", po::value<std::vector<std::string>>(&positional), "env or agent id");
  po::positional_options_description pos;
  pos.add("id", -1);
  po::variables_map vm;
  if (!parse_options(
          args, desc, hidden, pos, vm,
          "usage: rlsim describe ID [--json] [--plugin PATH]\n\nPrints an env's spaces, limits "
          "and parameters, or an agent's parameters.\n"))
    return 0;
  if (positional.size() != 1) throw UsageError("rlsim describe needs one id (see rlsim list envs)");
  Registry r = make_registry(plugins);
  if (vm.count("json"))
    write_describe_json(std::cout, r, positional[0]);
  else
    print_description(r, positional[0]);
  return 0;
}

}  // namespace rlsim

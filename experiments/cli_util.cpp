#include "experiments/cli_util.hpp"

#include <iostream>

#include "core/error.hpp"
#include "run/plugin_loader.hpp"
#include "experiments/builtins.hpp"
#include "experiments/config.hpp"

namespace po = boost::program_options;

namespace rlsim {

Registry make_registry(const std::vector<std::string>& plugins) {
  Registry r;
  register_builtins(r);
  load_plugins_from_env(r);
  for (const auto& p : plugins) load_plugin(p, r);
  return r;
}

bool parse_options(const std::vector<std::string>& args, const po::options_description& desc,
                   const po::positional_options_description& pos, po::variables_map& vm,
                   const std::string& usage) {
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  if (vm.count("help")) {
    std::cout << usage << "\n" << desc;
    return false;
  }
  po::notify(vm);
  return true;
}

RawParams parse_kv_params(const std::vector<std::string>& words, const std::string& what) {
  RawParams params;
  for (const auto& kv : words) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error(what + " parameter '" + kv + "' is not key=value");
    const std::string key = kv.substr(0, eq);
    ExperimentConfig tmp =
        parse_config("episodes = 1\n[[env]]\nid = \"x\"\n[[agent]]\nid = \"y\"\n", "<command line>",
                     {(what == "agent" ? "agent." : "env.") + kv});
    const auto& values = what == "agent" ? tmp.agents[0].values : tmp.envs[0].values;
    const ConfigValue& v = values.at(key);
    if (!v.is_list) {
      params[key] = v.scalar;
      continue;
    }
    std::vector<double> list;
    for (const ParamValue& item : v.items) {
      if (const auto* d = std::get_if<double>(&item))
        list.push_back(*d);
      else if (const auto* i = std::get_if<std::int64_t>(&item))
        list.push_back(static_cast<double>(*i));
      else
        throw Error(what + " parameter '" + key + "': a list here must hold numbers");
    }
    params[key] = list;
  }
  return params;
}

std::vector<std::string> split_params_text(const std::string& text) {
  std::vector<std::string> words;
  std::string cur;
  int depth = 0;
  bool quoted = false, escaped = false;
  for (char c : text) {
    if (quoted) {
      cur += c;
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        quoted = false;
      continue;
    }
    if (c == '"') quoted = true;
    if (c == '[') ++depth;
    if (c == ']') --depth;
    if (c == ' ' && depth == 0) {
      if (!cur.empty()) words.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (!cur.empty()) words.push_back(cur);
  return words;
}

RawParams params_from_text(const std::string& text, const std::string& what) {
  std::vector<std::string> words;
  std::vector<std::string> empty_lists;
  for (const std::string& w : split_params_text(text)) {
    const auto eq = w.find('=');
    if (eq != std::string::npos && w.substr(eq + 1) == "[]")
      empty_lists.push_back(w.substr(0, eq));
    else
      words.push_back(w);
  }
  RawParams raw = parse_kv_params(words, what);
  for (const std::string& k : empty_lists) raw[k] = std::vector<double>{};
  return raw;
}

}  // namespace rlsim

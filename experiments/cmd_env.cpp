// `rlsim env trace ID [--state S] --actions 'A1;A2;...' [key=value ...]`: resets an env, sets
// its state, applies the actions and prints one CSV row per step (step, observation
// components, reward, terminated, truncated). Every action is checked before anything is
// printed. `rlsim env render` is experiments/cmd_render.cpp.
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "core/error.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/commands.hpp"

namespace po = boost::program_options;

namespace rlsim {

namespace {

// "0;1;2" (discrete) or "0.5,-1;1,0" (Box, components separated by commas).
std::vector<Value> parse_actions(const std::string& text, const Space& space) {
  std::vector<Value> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ';')) {
    if (item.find_first_not_of(" \t") == std::string::npos) continue;
    Value v;
    space.prepare(v);
    std::stringstream is(item);
    std::string part;
    std::vector<std::string> parts;
    while (std::getline(is, part, ',')) parts.push_back(part);
    try {
      if (space.is_discrete()) {
        if (parts.size() != 1) throw std::invalid_argument("one integer");
        std::size_t used = 0;
        v.index = std::stoll(parts[0], &used);
        if (parts[0].find_first_not_of(" \t", used) != std::string::npos)
          throw std::invalid_argument("integer");
      } else {
        if (parts.size() != space.flat_size()) throw std::invalid_argument("components");
        for (std::size_t i = 0; i < parts.size(); ++i) v.vec[i] = std::stof(parts[i]);
      }
    } catch (const std::exception&) {
      throw Error("--actions item '" + item + "' is not an action of " + space.describe() +
                  (space.is_discrete() ? ": give an integer"
                                       : ": give " + std::to_string(space.flat_size()) +
                                             " comma-separated numbers"));
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<double> parse_state(const std::string& text) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    try {
      std::size_t used = 0;
      out.push_back(std::stod(part, &used));
      if (part.find_first_not_of(" \t", used) != std::string::npos) throw std::invalid_argument("");
    } catch (const std::exception&) {
      throw Error("--state component '" + part + "' is not a number");
    }
  }
  if (out.empty()) throw Error("--state is empty: give the state as comma-separated numbers");
  return out;
}

}  // namespace

int cmd_env(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "render")
    return cmd_env_render(std::vector<std::string>(args.begin() + 1, args.end()));
  po::options_description desc("options");
  std::vector<std::string> positional, plugins;
  std::string state, actions;
  std::uint64_t seed = 0;
  desc.add_options()("help,h", "show this help")(
      "state", po::value<std::string>(&state),
      "state to start from: an index for discrete-state envs, else comma-separated numbers "
      "(default: the state after reset)")(
      "actions", po::value<std::string>(&actions)->required(),
      "actions separated by ';' (Box actions: components separated by ',')")(
      "seed", po::value<std::uint64_t>(&seed)->default_value(0), "reset seed")(
      "plugin", po::value<std::vector<std::string>>(&plugins), "load a plugin .so (repeatable)")(
      "args", po::value<std::vector<std::string>>(&positional), "trace ID [key=value ...]");
  po::positional_options_description pos;
  pos.add("args", -1);
  po::variables_map vm;
  if (!parse_options(
          args, desc, pos, vm,
          "usage: rlsim env trace ID [--state S] --actions 'A1;A2;...' [key=value ...]\n\n"
          "Resets the env, sets its state, applies the actions and prints one CSV row per\n"
          "step: step, observation components, reward, terminated, truncated.\n"))
    return 0;
  if (positional.size() < 2 || positional[0] != "trace")
    throw Error("usage: rlsim env trace ID --state S --actions 'A1;A2;...'");
  Registry r = make_registry(plugins);
  RawParams params =
      parse_kv_params(std::vector<std::string>(positional.begin() + 2, positional.end()), "env");
  auto env = r.make_env(positional[1], params);
  const EnvSpec& spec = env->spec();
  Value obs;
  env->reset(obs, seed);
  if (!state.empty()) {
    if (!env->has_state())
      throw Error(spec.id +
                  " does not support setting its state, so it cannot be traced from "
                  "--state; omit --state to trace from the reset state");
    env->set_state(parse_state(state));
    env->observe(obs);
  }
  std::vector<Value> acts = parse_actions(actions, spec.action_space);
  // Check every action before printing anything, so a bad one gives no partial table.
  if (!spec.env_clips_actions || spec.action_space.is_discrete())
    for (std::size_t i = 0; i < acts.size(); ++i)
      spec.action_space.validate(acts[i], "action " + std::to_string(i + 1) + " for " + spec.id);
  auto print_obs = [&](const Value& o) {
    if (spec.observation_space.is_discrete()) {
      std::cout << "," << o.index;
    } else {
      std::cout << std::setprecision(9);
      for (float x : o.vec) std::cout << "," << x;
    }
  };
  std::cout << "step";
  const std::size_t d = spec.observation_space.flat_size();
  for (std::size_t i = 0; i < d; ++i) std::cout << ",obs_" << i;
  std::cout << ",reward,terminated,truncated\n";
  std::cout << 0;
  print_obs(obs);
  std::cout << ",,,\n";
  for (std::size_t i = 0; i < acts.size(); ++i) {
    if (env->episode_over())
      throw Error("action " + std::to_string(i + 1) + " comes after the episode ended");
    StepResult res = env->step(acts[i], obs);
    std::cout << i + 1;
    print_obs(obs);
    std::cout << std::setprecision(17) << "," << res.reward << "," << (res.terminated ? 1 : 0)
              << "," << (res.truncated ? 1 : 0) << "\n";
  }
  return 0;
}

}  // namespace rlsim

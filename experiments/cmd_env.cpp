// `rlsim env trace ID [--state S] --actions 'A1;A2;...' [key=value ...]`: resets an env, sets
// its state, applies the actions and prints one CSV row per step (step, observation
// components, reward, terminated, truncated). Every action is checked before anything is
// printed. `rlsim env render` is experiments/cmd_render.cpp; `rlsim env` alone (or with
// --help) lists the two subcommands.
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

constexpr const char* kEnvUsage =
    "usage: rlsim env trace ID [--state S] --actions 'A1;A2;...' [key=value ...]\n"
    "       rlsim env render ID [key=value ...] (--out FILE.gif | --text) [options]\n\n"
    "subcommands:\n"
    "  trace    step an env from a given state with given actions, print CSV rows\n"
    "  render   roll an agent out on an env and write an animated GIF (or text frames)\n\n"
    "rlsim env trace --help and rlsim env render --help list their options.\n";

// "0;1;2" (discrete) or "0.5,-1;1,0" (Box, components separated by commas), for env `id`.
std::vector<Value> parse_actions(const std::string& text, const Space& space,
                                 const std::string& id) {
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
    const std::string which =
        "--actions item " + std::to_string(out.size() + 1) + " '" + item + "'";
    try {
      if (space.is_discrete()) {
        if (parts.size() != 1) throw std::invalid_argument("one integer");
        std::size_t used = 0;
        v.index = std::stoll(parts[0], &used);
        if (parts[0].find_first_not_of(" \t", used) != std::string::npos)
          throw std::invalid_argument("integer");
      } else {
        if (parts.size() != space.flat_size()) throw std::invalid_argument("components");
        for (std::size_t i = 0; i < parts.size(); ++i) {
          std::size_t used = 0;
          v.vec[i] = std::stof(parts[i], &used);
          if (parts[i].find_first_not_of(" \t", used) != std::string::npos)
            throw std::invalid_argument("number");
        }
      }
    } catch (const std::out_of_range&) {
      throw Error(
          which + " for " + id + " holds a number out of the range of " +
          (space.is_discrete()
               ? "a 64-bit integer: give an integer in " + space.describe()
               : std::string("a float (about ±3.4e38): the action space is ") + space.describe()));
    } catch (const std::exception&) {
      throw Error(which + " is not an action of " + id + "'s " + space.describe() +
                  (space.is_discrete()
                       ? ": give an integer"
                       : ": give " + std::to_string(space.flat_size()) + " comma-separated number" +
                             (space.flat_size() == 1 ? "" : "s")));
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

namespace {

int cmd_env_trace(const std::vector<std::string>& args) {
  po::options_description desc("options");
  std::vector<std::string> positional, plugins;
  std::string state, actions, seed_text;
  desc.add_options()("help,h", "show this help")(
      "state", po::value<std::string>(&state),
      "state to start from: an index for discrete-state envs, else comma-separated numbers "
      "(default: the state after reset)")(
      "actions", po::value<std::string>(&actions),
      "actions separated by ';' (Box actions: components separated by ',')")(
      "seed", po::value<std::string>(&seed_text)->default_value("0"), "reset seed (>= 0)")(
      "plugin", po::value<std::vector<std::string>>(&plugins), "load a plugin .so (repeatable)");
  po::options_description hidden;
  hidden.add_options()("args", po::value<std::vector<std::string>>(&positional),
                       "ID [key=value ...]");
  po::positional_options_description pos;
  pos.add("args", -1);
  po::variables_map vm;
  if (!parse_options(
          args, desc, hidden, pos, vm,
          "usage: rlsim env trace ID [--state S] --actions 'A1;A2;...' [key=value ...]\n\n"
          "Resets the env, sets its state, applies the actions and prints one CSV row per\n"
          "step: step, observation components, reward, terminated, truncated.\n"))
    return 0;
  if (positional.empty())
    throw UsageError("rlsim env trace needs an env ID: rlsim env trace ID --actions 'A1;A2'");
  if (!vm.count("actions"))
    throw UsageError("rlsim env trace needs --actions 'A1;A2;...' (the actions to apply)");
  const std::uint64_t seed = parse_seed(seed_text);
  const std::string id = positional[0];
  positional.erase(positional.begin());
  Registry r = make_registry(plugins);
  RawParams params = parse_kv_params(positional, "env");
  auto env = r.make_env(id, params);
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
  std::vector<Value> acts = parse_actions(actions, spec.action_space, spec.id);
  // Check every action before printing anything, so a bad one gives no partial table.
  const Space& as = spec.action_space;
  for (std::size_t i = 0; i < acts.size(); ++i) {
    const std::string which = "--actions item " + std::to_string(i + 1);
    if (as.is_discrete()) {
      if (!as.contains(acts[i]))
        throw Error(which + " is " + std::to_string(acts[i].index) + ", outside " + spec.id +
                    "'s action space " + as.describe() + ": give an integer from " +
                    std::to_string(as.start()) + " to " + std::to_string(as.start() + as.n() - 1));
    } else if (!spec.env_clips_actions) {
      as.validate(acts[i], which + " (an action of " + spec.id + ")");
    }
  }
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

}  // namespace

int cmd_env(const std::vector<std::string>& args) {
  if (args.empty()) {
    std::cerr << kEnvUsage;
    return 2;
  }
  const std::string& sub = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (sub == "--help" || sub == "-h" || sub == "help") {
    std::cout << kEnvUsage;
    return 0;
  }
  if (sub == "trace") return cmd_env_trace(rest);
  if (sub == "render") return cmd_env_render(rest);
  throw UsageError("rlsim env: unknown subcommand '" + sub + "': use rlsim env trace or " +
                   "rlsim env render");
}

}  // namespace rlsim

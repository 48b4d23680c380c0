// `rlsim eval FILE.h5 --run R [--env ID] [key=value ...] [--episodes N] [--seed S]`: rebuilds
// the agent of one run from its stored id and parameters, loads the learned state the run
// saved (/runs/R/agent, written when the experiment ran with save_agent = true), and plays
// N episodes in evaluation mode (greedy / deterministic, no learning). Prints the mean
// return and length with their 95% confidence intervals (Student's t). The env defaults to
// the run's own env and parameters; key=value words replace env parameters. Errors: a run
// that saved no agent, an unknown run, an env other than the one the agent was trained on.
#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "core/error.hpp"
#include "core/hdf5_log.hpp"
#include "core/rng.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/commands.hpp"

namespace po = boost::program_options;

namespace rlsim {

namespace {

struct Summary {
  double mean = 0.0, half_width = 0.0;
};

Summary summarise(const std::vector<double>& x) {
  Summary s;
  const auto n = static_cast<double>(x.size());
  for (double v : x) s.mean += v;
  s.mean /= n;
  if (x.size() < 2) return s;
  double ss = 0.0;
  for (double v : x) ss += (v - s.mean) * (v - s.mean);
  const double sd = std::sqrt(ss / (n - 1.0));
  const boost::math::students_t t(n - 1.0);
  s.half_width = boost::math::quantile(boost::math::complement(t, 0.025)) * sd / std::sqrt(n);
  return s;
}

std::string format(const Summary& s) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(2) << s.mean << " ± " << s.half_width;
  return os.str();
}

}  // namespace

int cmd_eval(const std::vector<std::string>& args) {
  po::options_description desc("options");
  std::vector<std::string> positional, plugins;
  std::int64_t run = -1, episodes = 100;
  std::uint64_t seed = 0;
  std::string env_id;
  desc.add_options()("help,h", "show this help")("run", po::value<std::int64_t>(&run)->required(),
                                                 "run index (rlsim analyze lists groups)")(
      "env", po::value<std::string>(&env_id),
      "env id; default and only accepted value: the env the run trained on")(
      "episodes", po::value<std::int64_t>(&episodes)->default_value(100),
      "number of evaluation episodes")("seed", po::value<std::uint64_t>(&seed)->default_value(0),
                                       "seed of the evaluation env's stream (the first reset)")(
      "plugin", po::value<std::vector<std::string>>(&plugins)->composing(),
      "load a plugin library (repeatable)")(
      "args", po::value<std::vector<std::string>>(&positional), "run file, then env key=value");
  po::positional_options_description pos;
  pos.add("args", -1);
  po::variables_map vm;
  if (!parse_options(
          args, desc, pos, vm,
          "usage: rlsim eval FILE.h5 --run R [--env ID] [key=value ...] [--episodes N] "
          "[--seed S]\n\n"
          "Loads the agent state saved by run R (the experiment must have run with\n"
          "save_agent = true), plays N episodes in evaluation mode (greedy, no learning)\n"
          "and prints the mean return and length with 95% confidence intervals.\n"
          "key=value words set env parameters (default: the run's own).\n"))
    return 0;
  if (positional.empty()) throw Error("rlsim eval needs a run file (FILE.h5)");
  if (run < 0) throw Error("--run " + std::to_string(run) + " must be >= 0");
  if (episodes < 1) throw Error("--episodes " + std::to_string(episodes) + " must be >= 1");
  const std::string file = positional[0];
  const std::vector<std::string> env_words(positional.begin() + 1, positional.end());

  ExperimentReader reader(file);
  const std::vector<std::int64_t> indices = reader.run_indices();
  if (std::find(indices.begin(), indices.end(), run) == indices.end()) {
    std::string listed;
    for (std::size_t i = 0; i < indices.size() && i < 10; ++i)
      listed += (i ? ", " : "") + std::to_string(indices[i]);
    if (indices.size() > 10) listed += ", …";
    throw Error("run " + std::to_string(run) + " is not in '" + file +
                "' (runs: " + (listed.empty() ? std::string("none") : listed) + ")");
  }
  const StoredRun r = reader.read_run(run);
  if (!r.complete)
    throw Error("run " + std::to_string(run) + " in '" + file +
                "' is not complete (the experiment stopped while writing it)");
  if (!r.has_agent_state)
    throw Error("run " + std::to_string(run) + " in '" + file + "' (agent '" + r.agent_id +
                "') saved no agent state: run the experiment with save_agent = true");
  if (!env_id.empty() && env_id != r.env_id)
    throw Error("--env " + env_id + " does not match run " + std::to_string(run) +
                ", whose agent was trained on " + r.env_id + ": pass --env " + r.env_id);

  const Registry registry = make_registry(plugins);
  const RawParams env_params =
      env_words.empty() ? params_from_text(r.env_params, "env") : parse_kv_params(env_words, "env");
  const RawParams agent_params = params_from_text(r.agent_params, "agent");
  auto env = registry.make_env(r.env_id, env_params);
  auto agent = registry.make_agent(r.agent_id, agent_params, *env, r.agent_seed);
  try {
    agent->load(r.agent_state);
  } catch (const Error& e) {
    throw Error("cannot load the state of run " + std::to_string(run) + " (agent '" + r.agent_id +
                "') on " + r.env_id + ": " + e.what());
  }
  agent->set_evaluation(true);

  const EnvSpec& spec = env->spec();
  Value obs, next, action;
  spec.observation_space.prepare(obs);
  spec.observation_space.prepare(next);
  spec.action_space.prepare(action);
  std::vector<double> returns, lengths;
  for (std::int64_t e = 0; e < episodes; ++e) {
    env->reset(obs, e == 0 ? std::optional<std::uint64_t>(seed) : std::nullopt);
    agent->begin_episode(obs);
    double ret = 0.0;
    std::int64_t length = 0;
    for (;;) {
      Decision d;
      agent->act(obs, action, d);
      const StepResult step = env->step(action, next);
      ret += step.reward;
      ++length;
      if (step.terminated || step.truncated) break;
      std::swap(obs, next);
    }
    agent->end_episode();
    returns.push_back(ret);
    lengths.push_back(static_cast<double>(length));
  }
  std::cout << "run " << run << ": " << r.agent_id << " on " << r.env_id << ", " << episodes
            << " evaluation episodes (seed " << seed << ")\n"
            << "return  " << format(summarise(returns)) << " (mean ± 95% CI)\n"
            << "length  " << format(summarise(lengths)) << " (mean ± 95% CI)\n";
  return 0;
}

}  // namespace rlsim

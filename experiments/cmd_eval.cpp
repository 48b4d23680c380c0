// `rlsim eval CHECKPOINT.h5 [--run R] [--env ID] [key=value ...] [--episodes N] [--seed S]`:
// rebuilds the agent of one run from its stored id and parameters, loads the learned state
// the run saved (/runs/R/agent, written when the experiment ran with save_agent = true;
// experiments/checkpoint.hpp; without --run the file's only such run), and plays
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
#include "core/rng.hpp"
#include "experiments/checkpoint.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/commands.hpp"
#include "run/hdf5_log.hpp"

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
  std::string env_id, seed_text;
  desc.add_options()("help,h", "show this help")(
      "run", po::value<std::int64_t>(&run),
      "run index; default: the file's only run with a saved agent")(
      "env", po::value<std::string>(&env_id),
      "env id; default and only accepted value: the env the run trained on")(
      "episodes", po::value<std::int64_t>(&episodes)->default_value(100),
      "number of evaluation episodes")("seed",
                                       po::value<std::string>(&seed_text)->default_value("0"),
                                       "seed of the evaluation env's stream (the first reset)")(
      "plugin", po::value<std::vector<std::string>>(&plugins)->composing(),
      "load a plugin library (repeatable)");
  po::options_description hidden;
  hidden.add_options()("args", po::value<std::vector<std::string>>(&positional),
                       "run file, then env key=value");
  po::positional_options_description pos;
  pos.add("args", -1);
  po::variables_map vm;
  if (!parse_options(
          args, desc, hidden, pos, vm,
          "usage: rlsim eval CHECKPOINT.h5 [--run R] [--env ID] [key=value ...] [--episodes N] "
          "[--seed S]\n\n"
          "Loads the agent state saved by run R of a run file (the experiment must have run\n"
          "with save_agent = true; without --run, the file's only run with a saved agent),\n"
          "plays N episodes in evaluation mode (greedy, no learning) and prints the mean\n"
          "return and length with 95% confidence intervals. --env must name the env the run\n"
          "trained on; key=value words set env parameters (default: the run's own).\n"))
    return 0;
  if (positional.empty()) throw UsageError("rlsim eval needs a run file (FILE.h5)");
  if (vm.count("run") && run < 0)
    throw UsageError("--run " + std::to_string(run) + " must be >= 0");
  if (episodes < 1) throw UsageError("--episodes " + std::to_string(episodes) + " must be >= 1");
  const std::uint64_t seed = parse_seed(seed_text);
  const std::string file = positional[0];
  const std::vector<std::string> env_words(positional.begin() + 1, positional.end());

  const Registry registry = make_registry(plugins);
  Checkpoint ck = load_checkpoint(registry, file, run, env_id, env_words);
  Env* env = ck.env.get();
  Agent* agent = ck.agent.get();
  run = ck.run;

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
  std::cout << "run " << run << ": " << ck.agent_id << " on " << ck.env_id << ", " << episodes
            << " evaluation episodes (seed " << seed << ")\n"
            << "return  " << format(summarise(returns)) << " (mean ± 95% CI)\n"
            << "length  " << format(summarise(lengths)) << " (mean ± 95% CI)\n";
  return 0;
}

}  // namespace rlsim

// rlsim ope: off-policy evaluation of a target bandit policy on logged runs (docs/ope.md).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "bandits/policies/bandit_policy.hpp"
#include "core/error.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/commands.hpp"
#include "experiments/json.hpp"
#include "experiments/ope.hpp"
#include "run/hdf5_log.hpp"

namespace po = boost::program_options;

namespace rlsim {

namespace {

struct RunOpe {
  std::int64_t run = 0;
  std::string env_id, logging_agent;
  OpeReport report;
};

}  // namespace

int cmd_ope(const std::vector<std::string>& args) {
  po::options_description desc("options");
  std::vector<std::string> positional, plugins;
  std::string policy, reward_model, seed_text;
  std::int64_t run = -1, folds = 2;
  double lambda = 1.0, train_fraction = 0.0;
  desc.add_options()("help,h", "show this help")(
      "policy", po::value<std::string>(&policy)->required(), "target policy id (rlsim list)")(
      "run", po::value<std::int64_t>(&run)->default_value(-1),
      "run index to evaluate (-1: every complete run)")(
      "reward-model", po::value<std::string>(&reward_model)->default_value("ridge"),
      "direct-method model for DR: ridge (per-arm ridge regression of reward on the context) "
      "or none (IPS and SNIPS only)")("lambda", po::value<double>(&lambda)->default_value(1.0),
                                      "ridge penalty of the reward model (> 0)")(
      "folds", po::value<std::int64_t>(&folds)->default_value(2),
      "cross-fitting folds of the reward model (1: fit and predict on the whole log)")(
      "train-fraction", po::value<double>(&train_fraction)->default_value(0.0),
      "let the target policy learn from the first fraction of each log (in log order), then "
      "freeze it and evaluate it on the rest (0: evaluate the policy as built)")(
      "explore",
      "evaluate the frozen policy as it explores (its training-mode action "
      "distribution) instead of its greedy evaluation mode")(
      "seed", po::value<std::string>(&seed_text)->default_value("0"), "seed of the target policy")(
      "json", "print JSON instead of a table")(
      "plugin", po::value<std::vector<std::string>>(&plugins),
      "load a plugin .so (repeatable; for logs of plugin envs or plugin target policies)");
  po::options_description hidden;
  hidden.add_options()("args", po::value<std::vector<std::string>>(&positional),
                       "FILE.h5 [key=value ...]");
  po::positional_options_description pos;
  pos.add("args", -1);
  po::variables_map vm;
  if (!parse_options(
          args, desc, hidden, pos, vm,
          "usage: rlsim ope FILE.h5 --policy ID [key=value ...] [--run R] [--reward-model "
          "ridge|none] [--json]\n\n"
          "Estimates the value (mean reward per pull) of the target bandit policy ID, with the\n"
          "given parameters, from bandit runs logged by another policy: IPS, self-normalised\n"
          "IPS and doubly robust, each with a standard error. The runs need a step log\n"
          "(log.steps = true) from a logging policy that reports propensities. See docs/ope.md.\n"))
    return 0;
  if (positional.empty())
    throw UsageError("rlsim ope needs a run file: rlsim ope FILE.h5 --policy ID");
  const std::uint64_t seed = parse_seed(seed_text);
  if (reward_model != "ridge" && reward_model != "none")
    throw UsageError("--reward-model '" + reward_model + "' is unknown: use ridge or none");
  if (!(lambda > 0.0)) throw UsageError("--lambda must be > 0");
  if (folds < 1) throw UsageError("--folds " + std::to_string(folds) + " must be >= 1");
  const std::string file = positional[0];
  const std::vector<std::string> kv(positional.begin() + 1, positional.end());
  const RawParams policy_params = parse_kv_params(kv, "agent");
  if (!(train_fraction >= 0.0 && train_fraction < 1.0))
    throw UsageError("--train-fraction " + std::to_string(train_fraction) + " must be in [0, 1)");
  const bool explore = vm.count("explore") != 0;

  Registry registry = make_registry(plugins);
  if (!registry.has_agent(policy))
    throw Error("--policy '" + policy + "' is not a registered agent (rlsim list agents)");
  ExperimentReader reader(file);
  std::vector<std::int64_t> runs;
  if (run >= 0)
    runs.push_back(run);
  else
    runs = reader.complete_run_indices();
  if (runs.empty()) throw Error("'" + file + "' has no complete run to evaluate");

  std::vector<RunOpe> results;
  for (std::int64_t index : runs) {
    const std::string where = "run " + std::to_string(index) + " of '" + file + "'";
    const StoredRun r = reader.read_run(index, true);
    if (!r.complete)
      throw Error(where + " is not complete (the experiment stopped while writing it)");
    if (!r.has_steps)
      throw Error(where +
                  " has no step log, so no logged actions and propensities: run the "
                  "experiment again with step logging (log.steps = true)");
    const StepTable& s = r.steps;
    if (!s.action_discrete)
      throw Error(where +
                  " has continuous actions; off-policy evaluation here needs a bandit "
                  "log (Discrete actions)");
    check_propensities(s.probability, where + " (logged by agent '" + r.agent_id + "')");

    auto env = registry.make_env(r.env_id, params_from_text(r.env_params, "env"));
    auto agent = registry.make_agent(policy, policy_params, *env, seed);
    auto* target = dynamic_cast<BanditAgent*>(agent.get());
    if (target == nullptr)
      throw Error("--policy '" + policy +
                  "' is not a bandit policy: off-policy evaluation needs its action "
                  "distribution (bandit policies provide action_probabilities)");
    const EnvSpec& spec = env->spec();
    const std::int64_t k = spec.action_space.n();
    const std::int64_t start = spec.action_space.start();
    const std::size_t n = s.size();
    const auto train_n = static_cast<std::size_t>(std::floor(train_fraction * double(n)));
    if (train_n >= n) throw Error(where + ": --train-fraction leaves no sample to evaluate on");

    Value obs, action;
    auto load_obs = [&](std::size_t i) {
      if (s.obs_discrete) {
        obs.index = s.obs_index[i];
      } else {
        const auto d = static_cast<std::size_t>(s.obs_dim);
        obs.vec.assign(s.obs.begin() + static_cast<std::ptrdiff_t>(i * d),
                       s.obs.begin() + static_cast<std::ptrdiff_t>((i + 1) * d));
      }
    };
    for (std::size_t i = 0; i < train_n; ++i) {
      load_obs(i);
      action.index = s.action_index[i];
      agent->observe(Transition{obs, action, s.reward[i], obs, false, false});
    }
    agent->end_episode();  // reveals a partial batch
    if (!explore) agent->set_evaluation(true);

    OpeInput in;
    in.arms = k;
    in.dimension = s.obs_discrete ? 0 : s.obs_dim;
    const std::size_t m = n - train_n;
    in.target.resize(m * static_cast<std::size_t>(k));
    for (std::size_t j = 0; j < m; ++j) {
      const std::size_t i = train_n + j;
      load_obs(i);
      if (!s.obs_discrete)
        for (float v : obs.vec) in.contexts.push_back(static_cast<double>(v));
      in.actions.push_back(s.action_index[i] - start);
      in.reward.push_back(s.reward[i]);
      in.logging_prob.push_back(s.probability[i]);
      target->action_probabilities(
          obs, std::span<double>(in.target.data() + j * static_cast<std::size_t>(k),
                                 static_cast<std::size_t>(k)));
    }
    results.push_back(
        {index, r.env_id, r.agent_id, evaluate_off_policy(in, reward_model, lambda, folds)});
  }

  const bool model = reward_model != "none";
  if (vm.count("json")) {
    std::cout << "{\"file\": \"" << file << "\", \"policy\": \"" << policy
              << "\", \"reward_model\": \"" << reward_model << "\", \"folds\": " << folds
              << ", \"runs\": [";
    for (std::size_t i = 0; i < results.size(); ++i) {
      const RunOpe& x = results[i];
      const OpeReport& o = x.report;
      auto est = [](const OpeEstimate& e) {
        return "{\"value\": " + json_number(e.value) + ", \"se\": " + json_number(e.se) + "}";
      };
      std::cout << (i ? ", " : "") << "{\"run\": " << x.run << ", \"env\": \"" << x.env_id
                << "\", \"logging_agent\": \"" << x.logging_agent << "\", \"n\": " << o.n
                << ", \"logged_value\": " << json_number(o.logged_value)
                << ", \"ips\": " << est(o.ips) << ", \"snips\": " << est(o.snips);
      if (model) std::cout << ", \"dr\": " << est(o.dr) << ", \"dm\": " << est(o.dm);
      std::cout << ", \"mean_weight\": " << json_number(o.mean_weight)
                << ", \"max_weight\": " << json_number(o.max_weight)
                << ", \"effective_sample_size\": " << json_number(o.effective_sample_size)
                << ", \"match_rate\": " << json_number(o.match_rate) << "}";
    }
    std::cout << "]}\n";
    return 0;
  }
  std::cout << "target policy " << policy << " on " << file << " (values: mean reward per pull "
            << "+- standard error)\n";
  std::printf("%-5s %-24s %-18s %8s %9s %20s %20s", "run", "env", "logged by", "n", "logged", "IPS",
              "SNIPS");
  if (model) std::printf(" %20s %20s", "DR", "DM");
  std::printf(" %8s %8s\n", "ESS", "match");
  auto cell = [](const OpeEstimate& e) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4f +- %.4f", e.value, e.se);
    return std::string(buf);
  };
  for (const RunOpe& x : results) {
    const OpeReport& o = x.report;
    std::printf("%-5lld %-24s %-18s %8lld %9.4f %20s %20s", static_cast<long long>(x.run),
                x.env_id.c_str(), x.logging_agent.c_str(), static_cast<long long>(o.n),
                o.logged_value, cell(o.ips).c_str(), cell(o.snips).c_str());
    if (model) std::printf(" %20s %20s", cell(o.dr).c_str(), cell(o.dm).c_str());
    std::printf(" %8.1f %8.3f\n", o.effective_sample_size, o.match_rate);
  }
  return 0;
}

}  // namespace rlsim

#include "experiments/checkpoint.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "run/hdf5_log.hpp"
#include "experiments/cli_util.hpp"

namespace rlsim {

namespace {

std::string list_runs(const std::vector<std::int64_t>& indices) {
  std::string listed;
  for (std::size_t i = 0; i < indices.size() && i < 10; ++i)
    listed += (i ? ", " : "") + std::to_string(indices[i]);
  if (indices.size() > 10) listed += ", …";
  return listed.empty() ? std::string("none") : listed;
}

}  // namespace

Checkpoint load_checkpoint(const Registry& registry, const std::string& file, std::int64_t run,
                           const std::string& env_id, const std::vector<std::string>& env_words) {
  ExperimentReader reader(file);
  const std::vector<std::int64_t> indices = reader.run_indices();
  StoredRun r;
  if (run < 0) {
    std::vector<std::int64_t> saved;
    for (std::int64_t i : indices) {
      StoredRun candidate = reader.read_run(i);
      if (candidate.complete && candidate.has_agent_state) {
        saved.push_back(i);
        if (saved.size() == 1) r = std::move(candidate);
      }
    }
    if (saved.empty())
      throw Error("'" + file + "' holds no run with a saved agent: run the experiment with " +
                  "save_agent = true");
    if (saved.size() > 1)
      throw Error("'" + file + "' holds " + std::to_string(saved.size()) +
                  " runs with a saved agent (" + list_runs(saved) + "): choose one with --run R");
    run = saved.front();
  } else {
    if (std::find(indices.begin(), indices.end(), run) == indices.end())
      throw Error("run " + std::to_string(run) + " is not in '" + file +
                  "' (runs: " + list_runs(indices) + ")");
    r = reader.read_run(run);
  }
  if (!r.complete)
    throw Error("run " + std::to_string(run) + " in '" + file +
                "' is not complete (the experiment stopped while writing it)");
  if (!r.has_agent_state)
    throw Error("run " + std::to_string(run) + " in '" + file + "' (agent '" + r.agent_id +
                "') saved no agent state: run the experiment with save_agent = true");
  if (!env_id.empty() && env_id != r.env_id)
    throw Error("env " + env_id + " does not match run " + std::to_string(run) + " of '" + file +
                "', whose agent was trained on " + r.env_id + ": use " + r.env_id);

  Checkpoint c;
  c.run = run;
  c.env_id = r.env_id;
  c.agent_id = r.agent_id;
  const RawParams env_params =
      env_words.empty() ? params_from_text(r.env_params, "env") : parse_kv_params(env_words, "env");
  const RawParams agent_params = params_from_text(r.agent_params, "agent");
  c.env = registry.make_env(r.env_id, env_params);
  c.agent = registry.make_agent(r.agent_id, agent_params, *c.env, r.agent_seed);
  try {
    c.agent->load(r.agent_state);
  } catch (const Error& e) {
    throw Error("cannot load the state of run " + std::to_string(run) + " (agent '" + r.agent_id +
                "') on " + r.env_id + ": " + e.what());
  }
  c.agent->set_evaluation(true);
  return c;
}

}  // namespace rlsim

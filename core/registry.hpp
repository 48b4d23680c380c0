// The registry: id → factory + parameter schema, for envs and agents.
//
// Built-ins register through explicit functions (register_gridworld_envs(Registry&), …),
// called by the driver; plugins export one registration function (core/plugin.hpp).
// Lookups of unknown ids throw rlsim::Error listing close matches; parameters are resolved
// against the schema (core/params.hpp). make_agent refuses an agent whose compatibility
// check rejects the env, saying why.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/agent.hpp"
#include "core/env.hpp"
#include "core/params.hpp"

namespace rlsim {

struct EnvEntry {
  std::string id;
  std::string doc;  // one line; cite the source (e.g. "Gymnasium 1.x, Barto et al. 1983")
  ParamSchema schema;
  std::function<std::unique_ptr<Env>(const Params&)> make;
  std::string origin = "built-in";  // or the plugin's path
};

// What an agent factory gets besides its parameters.
struct AgentContext {
  const EnvSpec& spec;
  const Env& env;      // for capabilities (e.g. the model, for planning agents)
  std::uint64_t seed;  // seed of the agent's own Rng stream
  // The run's step budget (env steps over all copies), 0 when the run has none or the agent
  // is built outside a run (eval, render). Schedules that SB3 ties to learn(total_timesteps)
  // (DQN's epsilon, PPO's learning-rate annealing) default to it.
  std::int64_t budget_steps = 0;
};

struct AgentEntry {
  std::string id;
  std::string doc;
  ParamSchema schema;
  // Empty when the agent can run on this env; otherwise the reason it cannot.
  std::function<std::optional<std::string>(const EnvSpec&, const Env&)> check;
  std::function<std::unique_ptr<Agent>(const AgentContext&, const Params&)> make;
  std::string origin = "built-in";
};

class Registry {
 public:
  void add_env(EnvEntry entry);
  void add_agent(AgentEntry entry);
  bool has_env(const std::string& id) const { return envs_.count(id) != 0; }
  bool has_agent(const std::string& id) const { return agents_.count(id) != 0; }
  const EnvEntry& env(const std::string& id) const;
  const AgentEntry& agent(const std::string& id) const;
  std::vector<std::string> env_ids() const;
  std::vector<std::string> agent_ids() const;

  // Resolves parameters (env schemas get the extra key max_episode_steps) and builds.
  Params resolve_env_params(const std::string& id, const RawParams& raw) const;
  Params resolve_agent_params(const std::string& id, const RawParams& raw) const;
  std::unique_ptr<Env> make_env(const std::string& id, const RawParams& raw) const;
  std::unique_ptr<Agent> make_agent(const std::string& id, const RawParams& raw, const Env& env,
                                    std::uint64_t seed, std::int64_t budget_steps = 0) const;
  // Throws when the agent cannot run on the env, with the reason.
  void check_compatible(const std::string& agent_id, const Env& env) const;

  // The schema every env gets in addition to its own.
  static ParamSpec max_episode_steps_spec();

 private:
  std::map<std::string, EnvEntry> envs_;
  std::map<std::string, AgentEntry> agents_;
};

// Common compatibility checks for AgentEntry::check.
std::optional<std::string> require_discrete_actions(const EnvSpec& spec, const Env& env);
std::optional<std::string> require_discrete_observations_and_actions(const EnvSpec& spec,
                                                                     const Env& env);

}  // namespace rlsim

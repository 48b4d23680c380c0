// The registry: id → factory + parameter schema, for envs and agents.
//
// Every env, agent and policy file ends with its own registration (RLSIM_REGISTER,
// core/registration.hpp); run_registrations(registry) adds everything linked into the
// process, and plugins add theirs through run/plugin_loader.hpp. env_entry/agent_entry
// build an entry from a typed ConfigSchema (core/config_schema.hpp): the schema the
// registry resolves parameters against, and a factory that gets the bound Config.
// Lookups of unknown ids throw rlsim::Error listing close matches. make_agent refuses an
// agent whose compatibility check rejects the env, saying why.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/agent.hpp"
#include "core/config_schema.hpp"
#include "core/env.hpp"
#include "core/params.hpp"
#include "core/registration.hpp"

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

  // Resolves parameters (env schemas get the common keys max_episode_steps and seeding,
  // with_common_env_params) and builds. seeding is kept in the resolved parameters only
  // when it is not the default "rlsim", so runs that do not use it keep the parameter
  // texts (run names, groups, stored texts) they had before the key existed.
  Params resolve_env_params(const std::string& id, const RawParams& raw) const;
  Params resolve_agent_params(const std::string& id, const RawParams& raw) const;
  std::unique_ptr<Env> make_env(const std::string& id, const RawParams& raw) const;
  std::unique_ptr<Agent> make_agent(const std::string& id, const RawParams& raw, const Env& env,
                                    std::uint64_t seed, std::int64_t budget_steps = 0) const;
  // Throws when the agent cannot run on the env, with the reason.
  void check_compatible(const std::string& agent_id, const Env& env) const;

  // The schema every env gets in addition to its own.
  static ParamSpec max_episode_steps_spec();
  // seeding = "rlsim" | "gymnasium" (core/env.hpp Seeding, docs/seeding.md).
  static ParamSpec seeding_spec();
  // `schema` plus the common env keys it does not define itself.
  static ParamSchema with_common_env_params(ParamSchema schema);

  // Runs `fn` on this registry unless it already ran (run_registrations, plugins).
  void run_once(RegisterFunction fn);
  // Plugins loaded into this registry, by canonical path (run/plugin_loader.hpp).
  bool has_plugin(const std::string& canonical_path) const {
    return plugins_.count(canonical_path) != 0;
  }
  void add_plugin(const std::string& canonical_path) { plugins_.insert(canonical_path); }

 private:
  std::map<std::string, EnvEntry> envs_;
  std::map<std::string, AgentEntry> agents_;
  std::set<RegisterFunction> ran_;
  std::set<std::string> plugins_;
};

// An env entry from a typed schema: `make(const Config&)` returns a std::unique_ptr to the
// env. The Config is bound from the resolved parameters (its validate() runs first).
template <class Config, class Make>
EnvEntry env_entry(std::string id, std::string doc, ConfigSchema<Config> schema, Make make) {
  EnvEntry e;
  e.id = std::move(id);
  e.doc = std::move(doc);
  e.schema = schema.params();
  e.make = [owner = "env '" + e.id + "'", schema = std::move(schema), make = std::move(make)](
               const Params& p) -> std::unique_ptr<Env> { return make(schema.bind(p, owner)); };
  return e;
}

// An agent entry from a typed schema: `make(const AgentContext&, const Config&)` returns a
// std::unique_ptr to the agent; `check` (may be empty) says why an env does not suit it.
template <class Config, class Make>
AgentEntry agent_entry(std::string id, std::string doc, ConfigSchema<Config> schema,
                       std::function<std::optional<std::string>(const EnvSpec&, const Env&)> check,
                       Make make) {
  AgentEntry a;
  a.id = std::move(id);
  a.doc = std::move(doc);
  a.schema = schema.params();
  a.check = std::move(check);
  a.make = [owner = "agent '" + a.id + "'", schema = std::move(schema), make = std::move(make)](
               const AgentContext& ctx, const Params& p) -> std::unique_ptr<Agent> {
    return make(ctx, schema.bind(p, owner));
  };
  return a;
}

// Common compatibility checks for AgentEntry::check.
std::optional<std::string> require_discrete_actions(const EnvSpec& spec, const Env& env);
std::optional<std::string> require_discrete_observations_and_actions(const EnvSpec& spec,
                                                                     const Env& env);

}  // namespace rlsim

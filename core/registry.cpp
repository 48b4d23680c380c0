#include "core/registry.hpp"

#include "core/error.hpp"

namespace rlsim {

namespace {
std::string join(const std::vector<std::string>& xs) {
  std::string out;
  for (std::size_t i = 0; i < xs.size(); ++i) out += (i ? ", " : "") + xs[i];
  return out;
}

std::string unknown_message(const std::string& kind, const std::string& id,
                            const std::vector<std::string>& ids, const std::string& list_cmd) {
  std::string msg = "unknown " + kind + " id '" + id + "'";
  auto close = close_matches(id, ids);
  if (!close.empty()) msg += "; did you mean: " + join(close) + "?";
  msg += " (run '" + list_cmd + "' for all " + std::to_string(ids.size()) + ")";
  return msg;
}

std::string describe_env(const EnvSpec& s) {
  return s.id + " (" + s.observation_space.describe() + " observations, " +
         s.action_space.describe() + " actions)";
}
}  // namespace

void Registry::run_once(RegisterFunction fn) {
  if (!ran_.insert(fn).second) return;
  fn(*this);
}

ParamSpec Registry::max_episode_steps_spec() {
  return param_int("max_episode_steps", -1,
                   "time limit in steps (-1: the env's registered limit; 0: none)", -1, 1e15);
}

ParamSpec Registry::seeding_spec() {
  ParamSpec s = param_string("seeding", "rlsim",
                             "random stream of resets and stochastic steps: rlsim's own, or "
                             "gymnasium: numpy's PCG64 seeded as Gymnasium's reset(seed=s), so "
                             "episode starts match Gymnasium 1.x (docs/seeding.md)",
                             {"rlsim", "gymnasium"});
  s.source = "Gymnasium 1.x gymnasium/utils/seeding.py";
  return s;
}

ParamSchema Registry::with_common_env_params(ParamSchema schema) {
  if (!schema.find("max_episode_steps")) schema.add(max_episode_steps_spec());
  if (!schema.find("seeding")) schema.add(seeding_spec());
  return schema;
}

void Registry::add_env(EnvEntry entry) {
  if (entry.id.empty()) throw Error("an env registration has an empty id");
  if (!entry.make) throw Error("env '" + entry.id + "' is registered without a factory");
  if (envs_.count(entry.id))
    throw Error("env id '" + entry.id + "' is registered twice (" + envs_[entry.id].origin +
                " and " + entry.origin + "); ids must be unique");
  std::string id = entry.id;
  envs_.emplace(std::move(id), std::move(entry));
}

void Registry::add_agent(AgentEntry entry) {
  if (entry.id.empty()) throw Error("an agent registration has an empty id");
  if (!entry.make) throw Error("agent '" + entry.id + "' is registered without a factory");
  if (agents_.count(entry.id))
    throw Error("agent id '" + entry.id + "' is registered twice (" + agents_[entry.id].origin +
                " and " + entry.origin + "); ids must be unique");
  std::string id = entry.id;
  agents_.emplace(std::move(id), std::move(entry));
}

const EnvEntry& Registry::env(const std::string& id) const {
  auto it = envs_.find(id);
  if (it == envs_.end()) throw Error(unknown_message("env", id, env_ids(), "rlsim list envs"));
  return it->second;
}

const AgentEntry& Registry::agent(const std::string& id) const {
  auto it = agents_.find(id);
  if (it == agents_.end())
    throw Error(unknown_message("agent", id, agent_ids(), "rlsim list agents"));
  return it->second;
}

std::vector<std::string> Registry::env_ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, e] : envs_) ids.push_back(id);
  return ids;
}

std::vector<std::string> Registry::agent_ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, e] : agents_) ids.push_back(id);
  return ids;
}

Params Registry::resolve_env_params(const std::string& id, const RawParams& raw) const {
  const EnvEntry& e = env(id);
  Params p = with_common_env_params(e.schema).resolve(raw, "env '" + id + "'");
  if (!e.schema.find("seeding") && p.get_string("seeding") == "rlsim") {
    std::map<std::string, ParamValue> values = p.values();
    values.erase("seeding");
    return Params(std::move(values));
  }
  return p;
}

Params Registry::resolve_agent_params(const std::string& id, const RawParams& raw) const {
  return agent(id).schema.resolve(raw, "agent '" + id + "'");
}

std::unique_ptr<Env> Registry::make_env(const std::string& id, const RawParams& raw) const {
  const EnvEntry& e = env(id);
  Params p = resolve_env_params(id, raw);
  std::unique_ptr<Env> env = e.make(p);
  if (!e.schema.find("max_episode_steps")) {
    const std::int64_t limit = p.get_int("max_episode_steps");
    const std::int64_t horizon = env->spec().horizon;
    // A horizon is part of the problem (a bandit's T pulls): a shorter time limit would
    // silently run another problem. A longer one, or none (0), leaves the horizon.
    if (horizon > 0 && limit > 0 && limit < horizon)
      throw Error("env '" + id + "': max_episode_steps = " + std::to_string(limit) +
                  " is shorter than horizon = " + std::to_string(horizon) +
                  ", which ends every episode of this problem: set horizon = " +
                  std::to_string(limit) + " for episodes of " + std::to_string(limit) +
                  " steps, and leave max_episode_steps unset");
    if (limit >= 0) env->set_max_episode_steps(limit);
  }
  if (!e.schema.find("seeding") && p.has("seeding") && p.get_string("seeding") == "gymnasium")
    env->set_seeding(Seeding::gymnasium);
  return env;
}

void Registry::check_compatible(const std::string& agent_id, const Env& env) const {
  const AgentEntry& a = agent(agent_id);
  if (!a.check) return;
  if (auto why = a.check(env.spec(), env))
    throw Error("agent '" + agent_id + "' cannot run on " + describe_env(env.spec()) + ": " + *why);
}

std::unique_ptr<Agent> Registry::make_agent(const std::string& id, const RawParams& raw,
                                            const Env& env, std::uint64_t seed,
                                            std::int64_t budget_steps) const {
  const AgentEntry& a = agent(id);
  Params p = resolve_agent_params(id, raw);
  check_compatible(id, env);
  AgentContext ctx{env.spec(), env, seed, budget_steps};
  return a.make(ctx, p);
}

std::optional<std::string> require_discrete_actions(const EnvSpec& spec, const Env&) {
  if (!spec.action_space.is_discrete()) return std::string("it needs a Discrete action space");
  return std::nullopt;
}

std::optional<std::string> require_discrete_observations_and_actions(const EnvSpec& spec,
                                                                     const Env&) {
  if (!spec.action_space.is_discrete() || !spec.observation_space.is_discrete())
    return std::string(
        "it is tabular and needs Discrete observations and actions (use a function-approximation "
        "agent for continuous observations)");
  return std::nullopt;
}

}  // namespace rlsim

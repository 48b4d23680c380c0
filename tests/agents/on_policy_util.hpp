// Test helpers for the on-policy agents (ppo, a2c): the runner's vector-env loop, resumable
// step by step, and a deterministic evaluation on a separate env.
#pragma once
#include <memory>
#include <optional>
#include <vector>

#include "agents/register.hpp"
#include "core/agent.hpp"
#include "core/registry.hpp"
#include "envs/register.hpp"
#include "run/vector_env.hpp"
#include "tests/test_util.hpp"

namespace rlsim::test {

// N copies of env_id stepped with agent.act_batch/observe_batch, as run/runner.cpp does.
struct VectorLoop {
  VectorEnv venv;
  Agent& agent;
  std::vector<Value> prev, actions;
  std::vector<Decision> decisions;
  std::vector<Transition> transitions;
  double return_sum = 0.0;
  std::int64_t episodes = 0;
  std::vector<double> running;

  static std::vector<std::unique_ptr<Env>> copies(const Registry& reg, const std::string& id,
                                                  std::size_t n) {
    std::vector<std::unique_ptr<Env>> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(reg.make_env(id, {}));
    return out;
  }
  VectorLoop(const Registry& reg, const std::string& id, Agent& a, std::uint64_t seed)
      : venv(copies(reg, id, static_cast<std::size_t>(a.num_envs()))), agent(a) {
    const std::size_t n = venv.size();
    prev.resize(n);
    actions.resize(n);
    decisions.resize(n);
    running.assign(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      venv.spec().observation_space.prepare(prev[i]);
      venv.spec().action_space.prepare(actions[i]);
    }
    venv.reset(seed);
  }
  // One vector step; returns the actions the env received.
  const std::vector<Value>& step() {
    const std::size_t n = venv.size();
    for (std::size_t i = 0; i < n; ++i) prev[i] = venv.obs(i);
    agent.act_batch(venv.obs(), actions, decisions);
    venv.step(actions);
    transitions.clear();
    for (std::size_t i = 0; i < n; ++i) {
      transitions.push_back(Transition{prev[i], actions[i], venv.reward(i),
                                       venv.done(i) ? venv.final_obs(i) : venv.obs(i),
                                       venv.terminated(i), venv.truncated(i)});
      running[i] += venv.reward(i);
      if (venv.done(i)) {
        return_sum += running[i];
        running[i] = 0.0;
        ++episodes;
      }
    }
    agent.observe_batch(transitions);
    return actions;
  }
};

// Mean return of `episodes` deterministic episodes on a fresh env.
inline double evaluate_policy(const Registry& reg, const std::string& id, Agent& agent,
                              int episodes, std::uint64_t seed) {
  auto env = reg.make_env(id, {});
  agent.set_evaluation(true);
  Value obs, next, action;
  env->spec().observation_space.prepare(obs);
  env->spec().observation_space.prepare(next);
  env->spec().action_space.prepare(action);
  double total = 0.0;
  for (int e = 0; e < episodes; ++e) {
    env->reset(obs, e == 0 ? std::optional<std::uint64_t>(seed) : std::nullopt);
    for (;;) {
      Decision d;
      agent.act(obs, action, d);
      const StepResult r = env->step(action, next);
      total += r.reward;
      if (r.terminated || r.truncated) break;
      std::swap(obs, next);
    }
  }
  agent.set_evaluation(false);
  return total / episodes;
}

inline bool same_value(const Value& a, const Value& b) {
  return a.index == b.index && a.vec == b.vec;
}

inline bool same_state(const StateDict& a, const StateDict& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, record] : a) {
    auto it = b.find(name);
    if (it == b.end() || it->second.shape != record.shape || it->second.data != record.data)
      return false;
  }
  return true;
}

}  // namespace rlsim::test

// Test helpers for bandits: feeding a fixed history to a policy and a small interaction loop
// that sums the exact pseudo-regret from env.oracle() (independent of core/runner).
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "core/agent.hpp"
#include "core/env.hpp"

namespace rlsim::test {

inline void feed(Agent& agent, std::int64_t arm, double reward) {
  Value obs, action, next;
  action.index = arm;
  agent.observe(Transition{obs, action, reward, next, false, false});
}

struct LoopResult {
  double pseudo_regret = 0.0;
  double total_reward = 0.0;
  std::vector<std::int64_t> pulls;    // per arm
  std::vector<double> regret_curve;   // cumulative pseudo-regret after each pull
  std::vector<double> probabilities;  // reported probability of each chosen arm
  std::vector<std::int64_t> actions;  // the arm of each pull
};

// Runs `steps` pulls (one episode from reset(seed)) and sums Σ (μ*_t − μ_{a_t}(t)).
inline LoopResult run_loop(Env& env, Agent& agent, std::int64_t steps, std::uint64_t seed,
                           bool keep_curve = false) {
  LoopResult out;
  Value obs, next, action;
  env.spec().action_space.prepare(action);
  env.reset(obs, seed);
  agent.begin_episode(obs);
  out.pulls.assign(static_cast<std::size_t>(env.spec().action_space.n()), 0);
  const Oracle* oracle = env.oracle();
  for (std::int64_t t = 0; t < steps; ++t) {
    Decision d;
    agent.act(obs, action, d);
    out.pseudo_regret += oracle->best_expected_reward() - oracle->expected_reward(action.index);
    StepResult r = env.step(action, next);
    out.total_reward += r.reward;
    ++out.pulls[static_cast<std::size_t>(action.index)];
    if (keep_curve) {
      out.regret_curve.push_back(out.pseudo_regret);
      out.probabilities.push_back(d.probability);
      out.actions.push_back(action.index);
    }
    agent.observe(Transition{obs, action, r.reward, next, r.terminated, r.truncated});
    std::swap(obs, next);
    if (r.terminated || r.truncated) break;
  }
  agent.end_episode();
  return out;
}

}  // namespace rlsim::test

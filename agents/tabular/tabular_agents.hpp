// Registration of the tabular and planning agents of agents/tabular/:
//   random            uniform random actions (Discrete or bounded Box)        random_agent.hpp
//   q-learning, sarsa, expected-sarsa, double-q-learning   TD control         td_agent.hpp
//   value-iteration, policy-iteration   dynamic programming on env.model()    planning.hpp
// Each entry carries its ParamSchema (defaults, ranges, one-line docs citing Sutton & Barto,
// Reinforcement Learning: An Introduction, 2nd ed., 2018) and a compatibility check.
#pragma once
#include "core/registry.hpp"

namespace rlsim {

void register_tabular_agents(Registry& registry);

}  // namespace rlsim

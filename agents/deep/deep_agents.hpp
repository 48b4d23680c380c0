// Registration of the neural-network agents (agents/deep/): dqn (dqn.hpp) and reinforce
// (reinforce.hpp), with their parameter schemas and sources.
#pragma once
#include "core/registry.hpp"

namespace rlsim {

void register_deep_agents(Registry& registry);
// ppo and a2c (agents/deep/actor_critic_agents.cpp); called by register_deep_agents.
void register_actor_critic_agents(Registry& registry);

// Parses a dqn parameter set (resolved against the registry's schema) into its config;
// throws rlsim::Error naming the parameter when a value is invalid.
struct DqnConfig;
DqnConfig dqn_config(const Params& params);

}  // namespace rlsim

// Registers every built-in env and agent (envs/, bandits/, agents/) in a registry.
#pragma once
#include "core/registry.hpp"

namespace rlsim {
void register_builtins(Registry& registry);
}  // namespace rlsim

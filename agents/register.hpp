// Registers every built-in of agents/ in a registry (called by the driver and the tests).
#pragma once
#include "core/registry.hpp"

namespace rlsim {
void register_agents(Registry& registry);
}  // namespace rlsim

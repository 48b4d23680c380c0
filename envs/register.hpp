// Registers every built-in of envs/ in a registry (called by the driver and the tests).
#pragma once
#include "core/registry.hpp"

namespace rlsim {
void register_envs(Registry& registry);
}  // namespace rlsim

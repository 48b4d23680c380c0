// Registers every built-in of bandits/ in a registry (called by the driver and the tests).
#pragma once
#include "core/registry.hpp"

namespace rlsim {
void register_bandits(Registry& registry);
}  // namespace rlsim

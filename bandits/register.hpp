// The anchor of bandits/ that the driver and the tests call: runs every registration linked
// into the process (run_registrations, core/registration.hpp), which includes each bandit
// problem's and policy's own (every file there ends with RLSIM_REGISTER).
#pragma once
#include "core/registry.hpp"

namespace rlsim {
void register_bandits(Registry& registry);
}  // namespace rlsim

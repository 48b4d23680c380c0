// Registers every built-in of envs/ in a registry (called by the driver and the tests).
//
// Each env file registers itself (RLSIM_REGISTER, core/registration.hpp); register_envs
// runs the registrations linked into the process (run_registrations, so those of other
// libraries too) and, being called, keeps rlsim::envs and its registrations linked.
#pragma once
#include "core/registry.hpp"

namespace rlsim {
void register_envs(Registry& registry);
}  // namespace rlsim

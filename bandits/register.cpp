#include "bandits/register.hpp"

namespace rlsim {

// Every bandit problem and policy file ends with its own registration (RLSIM_REGISTER); this
// anchor runs them (with every other registration linked into the process).
void register_bandits(Registry& registry) {
  run_registrations(registry);
}

}  // namespace rlsim

#include "agents/register.hpp"

namespace rlsim {

// Every agent file ends with its own registration (RLSIM_REGISTER); this adds all of them.
void register_agents(Registry& registry) {
  run_registrations(registry);
}

}  // namespace rlsim

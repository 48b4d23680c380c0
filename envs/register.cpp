#include "envs/register.hpp"

namespace rlsim {

void register_envs(Registry& registry) {
  run_registrations(registry);
}

}  // namespace rlsim

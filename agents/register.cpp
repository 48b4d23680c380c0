#include "agents/register.hpp"

#include "agents/tabular/tabular_agents.hpp"

namespace rlsim {

void register_agents(Registry& registry) {
  register_tabular_agents(registry);
}

}  // namespace rlsim

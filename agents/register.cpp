#include "agents/register.hpp"

#include "agents/control/heuristic_lander.hpp"
#include "agents/deep/deep_agents.hpp"
#include "agents/tabular/tabular_agents.hpp"

namespace rlsim {

void register_agents(Registry& registry) {
  register_tabular_agents(registry);
  register_control_agents(registry);
  register_deep_agents(registry);
}

}  // namespace rlsim

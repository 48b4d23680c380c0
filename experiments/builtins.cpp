#include "experiments/builtins.hpp"

#include "agents/register.hpp"
#include "bandits/register.hpp"
#include "envs/register.hpp"

namespace rlsim {
void register_builtins(Registry& registry) {
  register_envs(registry);
  register_bandits(registry);
  register_agents(registry);
}
}  // namespace rlsim

#include "envs/register.hpp"

#include "envs/box2d/bipedal_walker.hpp"
#include "envs/box2d/lunar_lander.hpp"

namespace rlsim {

void register_envs(Registry& registry) {
  run_registrations(registry);
  register_box2d_lander_envs(registry);
  register_box2d_walker_envs(registry);
}

}  // namespace rlsim

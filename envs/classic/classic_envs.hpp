// Registration of Gymnasium's classic-control envs: CartPole-v1, Acrobot-v1,
// MountainCar-v0, MountainCarContinuous-v0 and Pendulum-v1, each with the options
// Gymnasium exposes (make() arguments, settable attributes and reset-option bounds) as
// typed parameters. Sources: gymnasium/envs/classic_control/*.py and
// gymnasium/envs/__init__.py (Gymnasium 1.x).
#pragma once
#include "core/registry.hpp"

namespace rlsim {
void register_classic_envs(Registry& registry);
}  // namespace rlsim

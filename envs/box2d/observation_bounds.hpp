// The Box2D envs' policy for observations that leave their Box: clamp into the bounds.
//
// Gymnasium 1.x declares Box bounds for LunarLander (±2.5 position, ±10 velocity, ±2π
// angle, ±10 angular velocity) and BipedalWalker (±π angles, ±5 speeds, ±1 lidar) but
// returns Box2D's raw state, which leaves those bounds in rare steps (a lander or walker
// spun past the angle bound: Box2D's angle is not wrapped; a hull thrown faster than
// the velocity bound). rlsim's observation space is a contract (the conformance test and
// agents that scale by the bounds rely on it), so both envs report the state as Gymnasium
// does and clamp each element into [low, high]; the value is unchanged whenever
// Gymnasium's own observation lies in its own space. Rewards and termination are computed
// from the unclamped state, as in Gymnasium. The bare-loop physics classes
// (LunarLanderSim, BipedalWalkerSim) keep the raw state; the Env layer clamps.
#pragma once
#include <algorithm>
#include <cstddef>

#include "core/space.hpp"

namespace rlsim {

// Clamps obs[i] into [box.low()[i], box.high()[i]] for every element of the Box.
inline void clamp_into_box(const Space& box, float* obs) {
  const std::size_t n = box.flat_size();
  const float* lo = box.low().data();
  const float* hi = box.high().data();
  for (std::size_t i = 0; i < n; ++i) obs[i] = std::clamp(obs[i], lo[i], hi[i]);
}

}  // namespace rlsim

// MountainCar-v0: Gymnasium's discrete-action mountain car (Moore 1990, "Efficient
// memory-based learning for robot control", PhD thesis, Cambridge; Sutton's
// MountainCar1.cp).
//
// Mirrors gymnasium/envs/classic_control/mountain_car.py (Gymnasium 1.x, MountainCarEnv):
// velocity += (action - 1) * 0.001 + cos(3 * position) * (-0.0025), clipped to +-0.07;
// position += velocity, clipped to [-1.2, 0.6]; an inelastic left wall (velocity set to 0
// when the position sits at -1.2 with negative velocity); terminated when position >= 0.5
// and velocity >= goal_velocity; reward -1 per step. Reset: position uniform(-0.6, -0.4),
// velocity 0. Observation (position, velocity) as float32 in Box([-1.2, -0.07],
// [0.6, 0.07]). Time limit 200, reward threshold -110.
#pragma once
#include <cstdint>

#include "envs/classic/mountain_car_common.hpp"

namespace rlsim {

class MountainCarEnv final : public MountainCarBase {
 public:
  static constexpr char kId[] = "MountainCar-v0";
  // MountainCarEnv.__init__ in Gymnasium's mountain_car.py (the position and speed limits
  // are MountainCarBase's).
  static constexpr double kGoalPosition = 0.5;
  static constexpr double kForce = 0.001;
  static constexpr double kGravity = 0.0025;

  explicit MountainCarEnv(MountainCarConfig config = {});

  static void advance(MountainCarState& s, std::int64_t action);

 protected:
  StepResult do_step(const Value& action, Value& obs) override;
};

}  // namespace rlsim

// MountainCarContinuous-v0: Gymnasium's continuous-action mountain car (Moore 1990; the
// version merged by Olivier Sigaud from J. A. Martin's FAReinforcement library, as adapted
// by T. Schaul and A. de Broissia).
//
// Mirrors gymnasium/envs/classic_control/continuous_mountain_car.py (Gymnasium 1.x,
// Continuous_MountainCarEnv): force = min(max(action, -1), 1) (the env clips, so
// spec.env_clips_actions); velocity += force * 0.0015 - 0.0025 * cos(3 * position),
// clipped to +-0.07; position += velocity, clipped to [-1.2, 0.6]; inelastic left wall;
// terminated when position >= 0.45 and velocity >= goal_velocity; reward
// 100 * terminated - 0.1 * action^2 with the UNCLIPPED action, as Gymnasium computes it.
// Gymnasium stores the state as float32 after every step (np.array(..., dtype=float32))
// while the reset state is float64; we keep doubles and round them to float32 at the same
// point, so trajectories follow Gymnasium's. Reset: position uniform(-0.6, -0.4),
// velocity 0. Time limit 999, reward threshold 90.
#pragma once
#include "envs/classic/mountain_car_common.hpp"

namespace rlsim {

using ContinuousMountainCarConfig = MountainCarConfig;
using ContinuousMountainCarState = MountainCarState;

class ContinuousMountainCarEnv final : public MountainCarBase {
 public:
  static constexpr char kId[] = "MountainCarContinuous-v0";
  // Continuous_MountainCarEnv.__init__ in Gymnasium's continuous_mountain_car.py (the
  // position and speed limits are MountainCarBase's).
  static constexpr double kMinAction = -1.0;
  static constexpr double kMaxAction = 1.0;
  static constexpr double kGoalPosition = 0.45;
  static constexpr double kPower = 0.0015;

  explicit ContinuousMountainCarEnv(ContinuousMountainCarConfig config = {});

  // The dynamics for a raw (unclipped) action; includes the float32 rounding of the state.
  static void advance(ContinuousMountainCarState& s, double action);

 protected:
  StepResult do_step(const Value& action, Value& obs) override;
};

}  // namespace rlsim

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
#include <string>

#include "core/env.hpp"

namespace rlsim {

struct ContinuousMountainCarConfig {
  double goal_velocity = 0.0;
  double reset_low = -0.6;
  double reset_high = -0.4;
};

struct ContinuousMountainCarState {
  double position = 0.0;
  double velocity = 0.0;
};

class ContinuousMountainCarEnv final : public Env {
 public:
  // Continuous_MountainCarEnv.__init__ in Gymnasium's continuous_mountain_car.py.
  static constexpr double kMinAction = -1.0;
  static constexpr double kMaxAction = 1.0;
  static constexpr double kMinPosition = -1.2;
  static constexpr double kMaxPosition = 0.6;
  static constexpr double kMaxSpeed = 0.07;
  static constexpr double kGoalPosition = 0.45;
  static constexpr double kPower = 0.0015;

  explicit ContinuousMountainCarEnv(ContinuousMountainCarConfig config = {});

  // The dynamics for a raw (unclipped) action; includes the float32 rounding of the state.
  static void advance(ContinuousMountainCarState& s, double action);

  const ContinuousMountainCarConfig& config() const { return config_; }
  const ContinuousMountainCarState& state() const { return state_; }

  bool has_state() const override { return true; }
  // [position, velocity]
  void get_state(std::vector<double>& out) const override;
  void set_state(std::span<const double> state) override;
  void observe(Value& obs) const override;
  // The observation is the state, as float32.
  bool state_from_observation(const Value& obs, std::vector<double>& state) const override {
    state.assign(obs.vec.begin(), obs.vec.end());
    return true;
  }
  std::string render_text() const override;
  // A 600x400 picture drawn like Gymnasium's rgb_array render (envs/classic/render.cpp).
  static constexpr int kRenderWidth = 600;
  static constexpr int kRenderHeight = 400;
  bool render(Image& frame) const override;

 protected:
  void do_reset(Value& obs) override;
  StepResult do_step(const Value& action, Value& obs) override;

 private:
  void write_observation(Value& obs) const;

  ContinuousMountainCarConfig config_;
  ContinuousMountainCarState state_;
};

}  // namespace rlsim

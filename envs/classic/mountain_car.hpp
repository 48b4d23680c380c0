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
#include <string>

#include "core/env.hpp"

namespace rlsim {

struct MountainCarConfig {
  double goal_velocity = 0.0;
  double reset_low = -0.6;
  double reset_high = -0.4;
};

struct MountainCarState {
  double position = 0.0;
  double velocity = 0.0;
};

class MountainCarEnv final : public Env {
 public:
  // MountainCarEnv.__init__ in Gymnasium's mountain_car.py.
  static constexpr double kMinPosition = -1.2;
  static constexpr double kMaxPosition = 0.6;
  static constexpr double kMaxSpeed = 0.07;
  static constexpr double kGoalPosition = 0.5;
  static constexpr double kForce = 0.001;
  static constexpr double kGravity = 0.0025;

  explicit MountainCarEnv(MountainCarConfig config = {});

  static void advance(MountainCarState& s, std::int64_t action);

  const MountainCarConfig& config() const { return config_; }
  const MountainCarState& state() const { return state_; }

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

  MountainCarConfig config_;
  MountainCarState state_;
};

}  // namespace rlsim

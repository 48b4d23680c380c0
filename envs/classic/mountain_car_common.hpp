// What MountainCar-v0 and MountainCarContinuous-v0 share (Moore 1990; Gymnasium 1.x
// mountain_car.py and continuous_mountain_car.py): the configuration, the (position,
// velocity) state, the motion after the velocity update (velocity clipped to +-0.07,
// position += velocity clipped to [-1.2, 0.6], an inelastic left wall) and the Env
// machinery around the state (uniform position reset with velocity 0, float32
// observation, state get/set, text and picture) and their parameters (mountain_car_schema).
// Each env adds its action space, its velocity update, its goal and its reward
// (mountain_car.hpp, continuous_mountain_car.hpp) and registers itself.
#pragma once
#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "core/config_schema.hpp"
#include "core/env.hpp"

namespace rlsim {

struct MountainCarConfig {
  double goal_velocity = 0.0;
  double reset_low = -0.6;
  double reset_high = -0.4;
};

// The parameters of both cars: goal_velocity and the reset bounds of the position; `goal`
// is the flag's position as the doc of goal_velocity prints it ("0.5").
ConfigSchema<MountainCarConfig> mountain_car_schema(const std::string& goal);

struct MountainCarState {
  double position = 0.0;
  double velocity = 0.0;
};

class MountainCarBase : public Env {
 public:
  // __init__ of both Gymnasium classes.
  static constexpr double kMinPosition = -1.2;
  static constexpr double kMaxPosition = 0.6;
  static constexpr double kMaxSpeed = 0.07;

  // Both step functions after the velocity update: clip the velocity, move, clip the
  // position, stop at the left wall (position == min_position and velocity < 0).
  static MountainCarState move(double position, double velocity) {
    velocity = std::clamp(velocity, -kMaxSpeed, kMaxSpeed);
    position += velocity;
    position = std::clamp(position, kMinPosition, kMaxPosition);
    if (position == kMinPosition && velocity < 0) velocity = 0;
    return {position, velocity};
  }

  const MountainCarConfig& config() const { return config_; }
  const MountainCarState& state() const { return state_; }

  bool has_state() const override { return true; }
  // get_state is the whole dynamic state (core/env.hpp, checkpoints).
  bool can_checkpoint() const override { return true; }
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
  // A 600x400 picture drawn like Gymnasium's rgb_array render; both cars draw the same
  // picture, each with its own flag.
  static constexpr int kRenderWidth = 600;
  static constexpr int kRenderHeight = 400;
  bool render(Image& frame) const override;

 protected:
  // Checks the reset bounds and goal_velocity (rlsim::Error naming spec.id).
  MountainCarBase(EnvSpec spec, MountainCarConfig config, double goal_position);
  // position uniform(reset_low, reset_high), velocity 0.
  void do_reset(Value& obs) override;
  void write_observation(Value& obs) const;

  MountainCarConfig config_;
  MountainCarState state_;

 private:
  double goal_position_;
};

}  // namespace rlsim

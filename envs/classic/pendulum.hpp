// Pendulum-v1: Gymnasium's inverted-pendulum swing-up, a classic control-theory problem.
//
// Mirrors gymnasium/envs/classic_control/pendulum.py (Gymnasium 1.x, PendulumEnv):
// max speed 8, max torque 2, dt = 0.05, m = l = 1, gravity g (default 10.0, a make()
// argument there and a parameter here). The torque is clipped to [-2, 2] by the env
// (np.clip, so spec.env_clips_actions); cost = angle_normalize(theta)^2 + 0.1 * thetadot^2
// + 0.001 * u^2 with the clipped u, reward = -cost; thetadot += (3 g / (2 l) sin(theta) +
// 3 / (m l^2) u) dt, clipped to +-8; theta += thetadot dt (theta itself is not wrapped).
// Never terminates; time limit 200; no reward threshold. Reset: theta uniform(-pi, pi),
// thetadot uniform(-1, 1) (Gymnasium's reset options x_init, y_init give the symmetric
// bounds). Observation [cos theta, sin theta, thetadot] as float32.
#pragma once
#include <string>

#include "core/env.hpp"

namespace rlsim {

struct PendulumConfig {
  double g = 10.0;
  double x_init = 3.141592653589793;  // theta ~ uniform(-x_init, x_init)
  double y_init = 1.0;                // thetadot ~ uniform(-y_init, y_init)
};

struct PendulumState {
  double theta = 0.0;
  double theta_dot = 0.0;
};

class PendulumEnv final : public Env {
 public:
  static constexpr char kId[] = "Pendulum-v1";
  // PendulumEnv.__init__ in Gymnasium's pendulum.py.
  static constexpr double kMaxSpeed = 8.0;
  static constexpr double kMaxTorque = 2.0;
  static constexpr double kDt = 0.05;
  static constexpr double kMass = 1.0;
  static constexpr double kLength = 1.0;
  static constexpr double kPi = 3.141592653589793;

  explicit PendulumEnv(PendulumConfig config = {});

  // pendulum.py's angle_normalize: ((x + pi) mod 2 pi) - pi with numpy's floored modulo.
  static double angle_normalize(double x);
  // One step for an already clipped torque u; returns the cost (the negated reward).
  static double advance(PendulumState& s, double u, double g);

  const PendulumConfig& config() const { return config_; }
  const PendulumState& state() const { return state_; }
  double last_torque() const { return last_u_; }

  bool has_state() const override { return true; }
  // get_state is the whole dynamic state (core/env.hpp, checkpoints).
  bool can_checkpoint() const override { return true; }
  // [theta, theta_dot]
  void get_state(std::vector<double>& out) const override;
  void set_state(std::span<const double> state) override;
  void observe(Value& obs) const override;
  bool state_from_observation(const Value& obs, std::vector<double>& state) const override;
  std::string render_text() const override;
  // A 500x500 picture drawn like Gymnasium's rgb_array render (its torque arrow, a bitmap
  // in Gymnasium, drawn as an arc).
  static constexpr int kRenderWidth = 500;
  static constexpr int kRenderHeight = 500;
  bool render(Image& frame) const override;

 protected:
  void do_reset(Value& obs) override;
  StepResult do_step(const Value& action, Value& obs) override;

 private:
  void write_observation(Value& obs) const;

  PendulumConfig config_;
  PendulumState state_;
  double last_u_ = 0.0;
};

}  // namespace rlsim

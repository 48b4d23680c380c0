// Acrobot-v1: Gymnasium's two-link underactuated pendulum swing-up (Sutton 1996,
// "Generalization in reinforcement learning: successful examples using sparse coarse
// coding", NIPS 8; Sutton & Barto, "Reinforcement Learning: An Introduction").
//
// Mirrors gymnasium/envs/classic_control/acrobot.py (Gymnasium 1.x, AcrobotEnv, itself from
// RLPy): links of length 1, mass 1, centre of mass 0.5, moment of inertia 1, g = 9.8;
// torques {-1, 0, +1} for actions {0, 1, 2}, optionally plus uniform(-torque_noise_max,
// torque_noise_max) noise; one 4th-order Runge-Kutta step of dt = 0.2 with the book's
// dynamics (default) or the NIPS paper's (`book_or_nips`); angles wrapped to [-pi, pi],
// velocities clipped to +-4 pi and +-9 pi; terminated when -cos(t1) - cos(t1 + t2) > 1;
// reward -1 per step and 0 on the terminating step. Reset: each of the 4 state
// components uniform(-0.1, 0.1), rounded to float32 as Gymnasium's .astype(np.float32)
// does. Observation [cos t1, sin t1, cos t2, sin t2, dt1, dt2] as float32. Time limit 500,
// reward threshold -100.
#pragma once
#include <array>
#include <string>

#include "core/env.hpp"

namespace rlsim {

enum class AcrobotDynamics { Book, Nips };

struct AcrobotConfig {
  AcrobotDynamics dynamics = AcrobotDynamics::Book;
  double torque_noise_max = 0.0;
  double reset_low = -0.1;
  double reset_high = 0.1;
};

class AcrobotEnv final : public Env {
 public:
  static constexpr char kId[] = "Acrobot-v1";
  // AcrobotEnv class attributes in Gymnasium's acrobot.py.
  static constexpr double kPi = 3.141592653589793;
  static constexpr double kDt = 0.2;
  static constexpr double kLinkLength1 = 1.0;
  static constexpr double kLinkLength2 = 1.0;
  static constexpr double kLinkMass1 = 1.0;
  static constexpr double kLinkMass2 = 1.0;
  static constexpr double kLinkComPos1 = 0.5;
  static constexpr double kLinkComPos2 = 0.5;
  static constexpr double kLinkMoi = 1.0;
  static constexpr double kGravity = 9.8;
  static constexpr double kMaxVel1 = 4 * kPi;
  static constexpr double kMaxVel2 = 9 * kPi;
  static constexpr std::array<double, 3> kAvailTorque = {-1.0, 0.0, 1.0};

  // [theta1, theta2, dtheta1, dtheta2]
  using State = std::array<double, 4>;

  explicit AcrobotEnv(AcrobotConfig config = {});

  // RK4 step of length dt with constant torque, then wrapping and velocity bounds.
  static State advance(const State& s, double torque, AcrobotDynamics dynamics);
  static bool is_terminal(const State& s);

  const AcrobotConfig& config() const { return config_; }
  const State& state() const { return state_; }

  bool has_state() const override { return true; }
  // get_state is the whole dynamic state (core/env.hpp, checkpoints).
  bool can_checkpoint() const override { return true; }
  void get_state(std::vector<double>& out) const override;
  void set_state(std::span<const double> state) override;
  void observe(Value& obs) const override;
  bool state_from_observation(const Value& obs, std::vector<double>& state) const override;
  std::string render_text() const override;
  // A 500x500 picture drawn like Gymnasium's rgb_array render.
  static constexpr int kRenderWidth = 500;
  static constexpr int kRenderHeight = 500;
  bool render(Image& frame) const override;

 protected:
  void do_reset(Value& obs) override;
  StepResult do_step(const Value& action, Value& obs) override;

 private:
  void write_observation(Value& obs) const;

  AcrobotConfig config_;
  State state_{};
};

}  // namespace rlsim

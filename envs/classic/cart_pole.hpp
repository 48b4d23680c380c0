// CartPole-v1: Gymnasium's cart-pole balancing task (Barto, Sutton & Anderson 1983,
// "Neuronlike adaptive elements that can solve difficult learning control problems").
//
// Mirrors gymnasium/envs/classic_control/cartpole.py (Gymnasium 1.x, CartPoleEnv):
// constants g = 9.8, cart mass 1.0, pole mass 0.1, half pole length 0.5, force 10.0,
// tau = 0.02 s; Euler integration by default or semi-implicit Euler
// (`kinematics_integrator`); termination when |x| > 2.4 or |theta| > 12 * 2 * pi / 360;
// reward +1 on every step including the terminating one, or with `sutton_barto_reward`
// 0 per step and -1 on the terminating step; reset: each state component
// uniform(-0.05, 0.05) (Gymnasium's reset options low/high). Time limit 500, reward
// threshold 475 (gymnasium/envs/__init__.py). The state is kept in double precision and
// the observation is its float32 cast, as Gymnasium returns
// np.array(self.state, dtype=np.float32).
#pragma once
#include <string>

#include "core/env.hpp"

namespace rlsim {

enum class CartPoleIntegrator { Euler, SemiImplicitEuler };

struct CartPoleConfig {
  bool sutton_barto_reward = false;
  CartPoleIntegrator integrator = CartPoleIntegrator::Euler;
  double reset_low = -0.05;
  double reset_high = 0.05;
};

struct CartPoleState {
  double x = 0.0;
  double x_dot = 0.0;
  double theta = 0.0;
  double theta_dot = 0.0;
};

class CartPoleEnv final : public Env {
 public:
  static constexpr char kId[] = "CartPole-v1";
  // CartPoleEnv.__init__ in Gymnasium's cartpole.py.
  static constexpr double kGravity = 9.8;
  static constexpr double kMassCart = 1.0;
  static constexpr double kMassPole = 0.1;
  static constexpr double kTotalMass = kMassPole + kMassCart;
  static constexpr double kLength = 0.5;  // half the pole's length
  static constexpr double kPoleMassLength = kMassPole * kLength;
  static constexpr double kForceMag = 10.0;
  static constexpr double kTau = 0.02;
  static constexpr double kPi = 3.141592653589793;
  static constexpr double kThetaThresholdRadians = 12 * 2 * kPi / 360;
  static constexpr double kXThreshold = 2.4;

  explicit CartPoleEnv(CartPoleConfig config = {});

  // One step of the equations of motion (the physics alone, free of the Env machinery).
  static void advance(CartPoleState& s, std::int64_t action, CartPoleIntegrator integrator);
  static bool is_terminal(const CartPoleState& s);

  const CartPoleConfig& config() const { return config_; }
  const CartPoleState& state() const { return state_; }

  bool has_state() const override { return true; }
  // get_state is the whole dynamic state (core/env.hpp, checkpoints).
  bool can_checkpoint() const override { return true; }
  // [x, x_dot, theta, theta_dot]
  void get_state(std::vector<double>& out) const override;
  void set_state(std::span<const double> state) override;
  void observe(Value& obs) const override;
  // The observation is the state, as float32.
  bool state_from_observation(const Value& obs, std::vector<double>& state) const override {
    state.assign(obs.vec.begin(), obs.vec.end());
    return true;
  }
  std::string render_text() const override;
  // A 600x400 picture drawn like Gymnasium's rgb_array render.
  static constexpr int kRenderWidth = 600;
  static constexpr int kRenderHeight = 400;
  bool render(Image& frame) const override;

 protected:
  void do_reset(Value& obs) override;
  StepResult do_step(const Value& action, Value& obs) override;

 private:
  void write_observation(Value& obs) const;

  CartPoleConfig config_;
  CartPoleState state_;
};

}  // namespace rlsim

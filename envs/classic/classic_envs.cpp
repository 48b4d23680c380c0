#include "envs/classic/classic_envs.hpp"

#include <memory>

#include "envs/classic/acrobot.hpp"
#include "envs/classic/cart_pole.hpp"
#include "envs/classic/continuous_mountain_car.hpp"
#include "envs/classic/mountain_car.hpp"
#include "envs/classic/pendulum.hpp"

namespace rlsim {

namespace {

ParamSpec reset_low(double def, const char* what) {
  return param_double("reset_low", def,
                      std::string("lower bound of the uniform reset of ") + what +
                          " (Gymnasium's reset option 'low')");
}
ParamSpec reset_high(double def, const char* what) {
  return param_double("reset_high", def,
                      std::string("upper bound of the uniform reset of ") + what +
                          " (Gymnasium's reset option 'high')");
}

void register_cart_pole(Registry& registry) {
  const CartPoleConfig d;
  EnvEntry e;
  e.id = "CartPole-v1";
  e.doc = "balance a pole on a cart; Gymnasium 1.x cartpole.py (Barto, Sutton & Anderson 1983)";
  e.schema = {
      param_bool("sutton_barto_reward", d.sutton_barto_reward,
                 "reward 0 per step and -1 on termination instead of +1 per step"),
      param_string("kinematics_integrator", "euler",
                   "'euler' (Gymnasium's default) or 'semi-implicit' Euler",
                   {"euler", "semi-implicit"}),
      reset_low(d.reset_low, "each state component"),
      reset_high(d.reset_high, "each state component"),
  };
  e.make = [](const Params& p) {
    CartPoleConfig c;
    c.sutton_barto_reward = p.get_bool("sutton_barto_reward");
    c.integrator = p.get_string("kinematics_integrator") == "euler"
                       ? CartPoleIntegrator::Euler
                       : CartPoleIntegrator::SemiImplicitEuler;
    c.reset_low = p.get_double("reset_low");
    c.reset_high = p.get_double("reset_high");
    return std::make_unique<CartPoleEnv>(c);
  };
  registry.add_env(std::move(e));
}

void register_acrobot(Registry& registry) {
  const AcrobotConfig d;
  EnvEntry e;
  e.id = "Acrobot-v1";
  e.doc = "swing a two-link pendulum's tip above a line; Gymnasium 1.x acrobot.py (Sutton 1996)";
  e.schema = {
      param_string("book_or_nips", "book",
                   "dynamics of Sutton & Barto's book ('book', default) or the NIPS 1996 paper",
                   {"book", "nips"}),
      param_double("torque_noise_max", d.torque_noise_max,
                   "adds uniform(-x, x) noise to the torque each step", 0.0),
      reset_low(d.reset_low, "each state component"),
      reset_high(d.reset_high, "each state component"),
  };
  e.make = [](const Params& p) {
    AcrobotConfig c;
    c.dynamics =
        p.get_string("book_or_nips") == "nips" ? AcrobotDynamics::Nips : AcrobotDynamics::Book;
    c.torque_noise_max = p.get_double("torque_noise_max");
    c.reset_low = p.get_double("reset_low");
    c.reset_high = p.get_double("reset_high");
    return std::make_unique<AcrobotEnv>(c);
  };
  registry.add_env(std::move(e));
}

void register_mountain_car(Registry& registry) {
  const MountainCarConfig d;
  EnvEntry e;
  e.id = "MountainCar-v0";
  e.doc =
      "drive an underpowered car up a hill, 3 actions; Gymnasium 1.x mountain_car.py "
      "(Moore 1990)";
  e.schema = {
      param_double("goal_velocity", d.goal_velocity,
                   "velocity the car must have at the flag (position >= 0.5)"),
      reset_low(d.reset_low, "the position"),
      reset_high(d.reset_high, "the position"),
  };
  e.make = [](const Params& p) {
    MountainCarConfig c;
    c.goal_velocity = p.get_double("goal_velocity");
    c.reset_low = p.get_double("reset_low");
    c.reset_high = p.get_double("reset_high");
    return std::make_unique<MountainCarEnv>(c);
  };
  registry.add_env(std::move(e));
}

void register_continuous_mountain_car(Registry& registry) {
  const ContinuousMountainCarConfig d;
  EnvEntry e;
  e.id = "MountainCarContinuous-v0";
  e.doc =
      "drive an underpowered car up a hill, continuous force; Gymnasium 1.x "
      "continuous_mountain_car.py (Moore 1990)";
  e.schema = {
      param_double("goal_velocity", d.goal_velocity,
                   "velocity the car must have at the flag (position >= 0.45)"),
      reset_low(d.reset_low, "the position"),
      reset_high(d.reset_high, "the position"),
  };
  e.make = [](const Params& p) {
    ContinuousMountainCarConfig c;
    c.goal_velocity = p.get_double("goal_velocity");
    c.reset_low = p.get_double("reset_low");
    c.reset_high = p.get_double("reset_high");
    return std::make_unique<ContinuousMountainCarEnv>(c);
  };
  registry.add_env(std::move(e));
}

void register_pendulum(Registry& registry) {
  const PendulumConfig d;
  EnvEntry e;
  e.id = "Pendulum-v1";
  e.doc = "swing up and hold an inverted pendulum; Gymnasium 1.x pendulum.py";
  e.schema = {
      param_double("g", d.g, "acceleration of gravity in m/s^2 (Gymnasium's make argument g)"),
      param_double("x_init", d.x_init,
                   "reset theta ~ uniform(-x_init, x_init) (Gymnasium's reset option)", 0.0),
      param_double("y_init", d.y_init,
                   "reset theta_dot ~ uniform(-y_init, y_init) (Gymnasium's reset option)", 0.0),
  };
  e.make = [](const Params& p) {
    PendulumConfig c;
    c.g = p.get_double("g");
    c.x_init = p.get_double("x_init");
    c.y_init = p.get_double("y_init");
    return std::make_unique<PendulumEnv>(c);
  };
  registry.add_env(std::move(e));
}

}  // namespace

void register_classic_envs(Registry& registry) {
  register_cart_pole(registry);
  register_acrobot(registry);
  register_mountain_car(registry);
  register_continuous_mountain_car(registry);
  register_pendulum(registry);
}

}  // namespace rlsim

#include "envs/classic/classic_envs.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

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

// Every config with reset bounds reads them the same way.
template <class Config>
void read_reset_bounds(const Params& p, Config& c) {
  c.reset_low = p.get_double("reset_low");
  c.reset_high = p.get_double("reset_high");
}

// One row of the table below: id, one-line doc, options, and the factory.
using EnvFactory = std::function<std::unique_ptr<Env>(const Params&)>;

EnvEntry entry(std::string id, std::string doc, ParamSchema schema, EnvFactory make) {
  EnvEntry e;
  e.id = std::move(id);
  e.doc = std::move(doc);
  e.schema = std::move(schema);
  e.make = std::move(make);
  return e;
}

std::vector<EnvEntry> classic_entries() {
  const AcrobotConfig acrobot;
  const MountainCarConfig mountain_car;  // the defaults of both mountain cars
  const PendulumConfig pendulum;
  auto mountain_car_schema = [&](const char* goal) {
    return ParamSchema{
        param_double(
            "goal_velocity", mountain_car.goal_velocity,
            std::string("velocity the car must have at the flag (position >= ") + goal + ")"),
        reset_low(mountain_car.reset_low, "the position"),
        reset_high(mountain_car.reset_high, "the position"),
    };
  };
  auto mountain_car_config = [](const Params& p) {
    MountainCarConfig c;
    c.goal_velocity = p.get_double("goal_velocity");
    read_reset_bounds(p, c);
    return c;
  };
  return {
      entry("Acrobot-v1",
            "swing a two-link pendulum's tip above a line; Gymnasium 1.x acrobot.py (Sutton 1996)",
            {
                param_string("book_or_nips", "book",
                             "dynamics of Sutton & Barto's book ('book', default) or the NIPS 1996 "
                             "paper",
                             {"book", "nips"}),
                param_double("torque_noise_max", acrobot.torque_noise_max,
                             "adds uniform(-x, x) noise to the torque each step", 0.0),
                reset_low(acrobot.reset_low, "each state component"),
                reset_high(acrobot.reset_high, "each state component"),
            },
            EnvFactory([](const Params& p) {
              AcrobotConfig c;
              c.dynamics = p.get_string("book_or_nips") == "nips" ? AcrobotDynamics::Nips
                                                                  : AcrobotDynamics::Book;
              c.torque_noise_max = p.get_double("torque_noise_max");
              read_reset_bounds(p, c);
              return std::make_unique<AcrobotEnv>(c);
            })),
      entry("MountainCar-v0",
            "drive an underpowered car up a hill, 3 actions; Gymnasium 1.x mountain_car.py "
            "(Moore 1990)",
            mountain_car_schema("0.5"), EnvFactory([mountain_car_config](const Params& p) {
              return std::make_unique<MountainCarEnv>(mountain_car_config(p));
            })),
      entry("MountainCarContinuous-v0",
            "drive an underpowered car up a hill, continuous force; Gymnasium 1.x "
            "continuous_mountain_car.py (Moore 1990)",
            mountain_car_schema("0.45"), EnvFactory([mountain_car_config](const Params& p) {
              return std::make_unique<ContinuousMountainCarEnv>(mountain_car_config(p));
            })),
      entry("Pendulum-v1", "swing up and hold an inverted pendulum; Gymnasium 1.x pendulum.py",
            {
                param_double("g", pendulum.g,
                             "acceleration of gravity in m/s^2 (Gymnasium's make argument g)"),
                param_double("x_init", pendulum.x_init,
                             "reset theta ~ uniform(-x_init, x_init) (Gymnasium's reset option)",
                             0.0),
                param_double(
                    "y_init", pendulum.y_init,
                    "reset theta_dot ~ uniform(-y_init, y_init) (Gymnasium's reset option)", 0.0),
            },
            EnvFactory([](const Params& p) {
              PendulumConfig c;
              c.g = p.get_double("g");
              c.x_init = p.get_double("x_init");
              c.y_init = p.get_double("y_init");
              return std::make_unique<PendulumEnv>(c);
            })),
  };
}

}  // namespace

void register_classic_envs(Registry& registry) {
  for (EnvEntry& e : classic_entries()) registry.add_env(std::move(e));
}

}  // namespace rlsim

// Taxi-v4: Gymnasium 1.x's taxi problem (gymnasium/envs/toy_text/taxi.py), from
// T. G. Dietterich, "Hierarchical Reinforcement Learning with the MAXQ Value Function
// Decomposition", JAIR 13:227-303, 2000.
//
// 5x5 grid with walls, pick-up/drop-off locations R(0,0) G(0,4) Y(4,0) B(4,3). State
// ((taxi_row * 5 + taxi_col) * 5 + passenger_location) * 4 + destination, 500 states;
// passenger_location 4 = in the taxi. Actions 0 south, 1 north, 2 east, 3 west, 4 pickup,
// 5 dropoff. Rewards: -1 per step, +20 for delivering (terminated), -10 for an illegal
// pickup or dropoff; dropping the passenger at another R/G/Y/B location leaves them there
// (-1). Episodes start uniformly on the 300 states whose passenger waits at a location
// other than the destination. Gymnasium registers a 200-step limit and reward_threshold 8.
//
// Options, defaults as Gymnasium 1.x (v4 fixed both stochastic options of v3, Gymnasium
// 1.3.0, PR #1561, and added their probabilities):
//   is_rainy (false): a move that would change the taxi's cell goes there with
//     rainy_probability (0.8), else veers to the left or right of the direction of travel
//     with (1 - rainy_probability) / 2 each (a veer into a wall leaves the taxi in place);
//     a move blocked ahead stays put deterministically.
//   fickle_passenger (false): with fickle_probability (0.3), drawn at reset, the passenger
//     changes to one of the three other destinations (uniformly) on the first step that
//     moves the taxi with the passenger aboard.
// The states where the passenger sits at their destination are terminal (reached only by
// a successful dropoff); our model makes them absorbing, where Gymnasium's P would move
// the taxi on - a difference no episode can observe.
// With fickle_passenger the state index alone is not Markov (whether the passenger will
// still change their mind is hidden), so model() is null and the state is two numbers:
// the index and 1 if the change is still pending, else 0.
//
// Step info (core/env.hpp StepInfo): prob of the outcome drawn, and Gymnasium's action_mask
// of the current state.
// Under seeding = "gymnasium" the rainy taxi's steps sample Gymnasium's own P[s][a] lists
// (three entries per move, unmerged, in taxi.py's order), so trajectories and prob are
// Gymnasium's; the model (and the default seeding) keeps one entry per distinct outcome.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "envs/gridworld/tabular_env.hpp"

namespace rlsim {

struct TaxiConfig {
  bool is_rainy = false;
  double rainy_probability = 0.8;
  bool fickle_passenger = false;
  double fickle_probability = 0.3;
};

class Taxi : public TabularEnv {
 public:
  static constexpr char kId[] = "Taxi-v4";

  explicit Taxi(const TaxiConfig& config = {});

  static constexpr std::int64_t encode(int taxi_row, int taxi_col, int passenger, int dest) {
    return ((static_cast<std::int64_t>(taxi_row) * 5 + taxi_col) * 5 + passenger) * 4 + dest;
  }
  struct Decoded {
    int taxi_row, taxi_col, passenger, destination;
  };
  static constexpr Decoded decode(std::int64_t s) {
    const int dest = static_cast<int>(s % 4);
    s /= 4;
    const int pass = static_cast<int>(s % 5);
    s /= 5;
    return {static_cast<int>(s / 5), static_cast<int>(s % 5), pass, dest};
  }

  void get_state(std::vector<double>& out) const override;
  // With fickle_passenger the pending change of destination is not observed (nor drawn): 0.
  bool state_from_observation(const Value& obs, std::vector<double>& state) const override;
  void set_state(std::span<const double> state) override;
  std::string render_text() const override;
  // A 500x500 picture (taxi.cpp): 5x5 cells of 100 pixels, walls as thick lines, the four
  // locations R, G, Y, B in red, green, yellow and blue, the destination framed in black,
  // a waiting passenger as a disc in their location, the taxi yellow (green-roofed when
  // carrying the passenger).
  static constexpr int kRenderSize = 500;
  bool render(Image& frame) const override;

 protected:
  void do_reset(Value& obs) override;
  StepResult do_step(const Value& action, Value& obs) override;

 private:
  void update_mask();  // mask_ of state_

  TaxiConfig config_;
  bool fickle_pending_ = false;
  std::array<std::uint8_t, 6> mask_{};
};

}  // namespace rlsim

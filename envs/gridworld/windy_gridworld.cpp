// WindyGridworld-v0: Sutton & Barto (2018), "Reinforcement Learning: An Introduction",
// 2nd ed., Example 6.5 (with Exercises 6.9 and 6.10), a Gridworld (gridworld.hpp) with its
// exact model.
//
// 7x10 grid, start (3, 0), goal (3, 7), upward wind 0 0 0 1 1 1 2 2 1 0 per column. Actions
// 0 up, 1 down, 2 left, 3 right; with king_moves also 4 up-left, 5 up-right, 6 down-left,
// 7 down-right (Exercise 6.9), and the optional "stay" last. -1 per step including the one
// reaching the goal, so the return of the optimal 15-step episode is -15; undiscounted and
// episodic, no time limit. The wind of the column the agent is in lifts it (stochastic_wind:
// by w-1, w or w+1 with 1/3 each in windy columns, Exercise 6.10); moves are clamped at the
// grid's edges.
#include <memory>
#include <string>
#include <vector>

#include "core/registry.hpp"
#include "envs/gridworld/gridworld.hpp"

namespace rlsim {

namespace {

constexpr char kWindyGridworldId[] = "WindyGridworld-v0";

struct WindyGridworldConfig {
  bool king_moves = false;
  bool stay_action = false;
  bool stochastic_wind = false;
  double step_reward = -1.0;
};

std::unique_ptr<Env> make_windy(const WindyGridworldConfig& p) {
  GridworldConfig c;
  c.id = kWindyGridworldId;
  // Sutton & Barto (2018), Example 6.5: 7x10, start (3, 0), goal (3, 7).
  c.map = std::vector<std::string>(7, "..........");
  c.map[3][0] = 'S';
  c.map[3][7] = 'G';
  c.allowed = ".SG";
  c.wind = {0, 0, 0, 1, 1, 1, 2, 2, 1, 0};
  c.actions = compass_actions_udlr();
  if (p.king_moves) {
    // Exercise 6.9: the four diagonal moves.
    c.actions.push_back({-1, -1, "Up-Left"});
    c.actions.push_back({-1, 1, "Up-Right"});
    c.actions.push_back({1, -1, "Down-Left"});
    c.actions.push_back({1, 1, "Down-Right"});
  }
  if (p.stay_action) c.actions.push_back({0, 0, "Stay"});  // Exercise 6.9
  c.stochastic_wind = p.stochastic_wind;                   // Exercise 6.10
  c.step_reward = p.step_reward;
  c.goal_reward = p.step_reward;  // -1 on every step, the last one included
  c.max_episode_steps = 0;        // the book's task is undiscounted, no limit
  return std::make_unique<Gridworld>(c);
}

void register_windy_gridworld(Registry& registry) {
  using C = WindyGridworldConfig;
  registry.add_env(env_entry(
      kWindyGridworldId,
      "Sutton & Barto 2018 Example 6.5: 7x10 grid, upward wind 0001112210, -1 per step",
      ConfigSchema<C>()
          .field("king_moves", &C::king_moves, "add the four diagonal moves (Exercise 6.9)")
          .field("stay_action", &C::stay_action, "add a no-move action (Exercise 6.9)")
          .field("stochastic_wind", &C::stochastic_wind,
                 "windy columns push w-1, w or w+1 with 1/3 each (Exercise 6.10)")
          .field("step_reward", &C::step_reward, "reward of every step",
                 source("Sutton & Barto 2018 Example 6.5")),
      make_windy));
}

}  // namespace
RLSIM_REGISTER(register_windy_gridworld)

}  // namespace rlsim

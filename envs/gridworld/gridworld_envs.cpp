#include "envs/gridworld/gridworld_envs.hpp"

#include <cmath>
#include <memory>

#include "core/error.hpp"
#include "envs/gridworld/gridworld.hpp"
#include "envs/gridworld/taxi.hpp"

namespace rlsim {

namespace {

// Gymnasium 1.x, gymnasium/envs/toy_text/frozen_lake.py, MAPS.
const std::vector<std::string> kFrozenLake4x4 = {"SFFF", "FHFH", "FFFH", "HFFG"};
const std::vector<std::string> kFrozenLake8x8 = {"SFFFFFFF", "FFFFFFFF", "FFFHFFFF", "FFFFFHFF",
                                                 "FFFHFFFF", "FHHFFFHF", "FHFFHFHF", "FFFHFFFG"};

// The rooms of Sutton, Precup & Singh (1999), Figure 2: 11x11 inside an outer wall, four
// rooms joined by four hallways, 104 cells (the layout of Bacon, Harb & Precup's
// option-critic code, which reproduces it).
const std::vector<std::string> kFourRooms = {
    "#############", "#.....#.....#", "#.....#.....#", "#...........#", "#.....#.....#",
    "#.....#.....#", "##.####.....#", "#.....###.###", "#.....#.....#", "#.....#.....#",
    "#...........#", "#.....#.....#", "#############"};

std::vector<double> reward_schedule(const Params& p, const std::string& id) {
  const std::vector<double>& rs = p.get_doubles("reward_schedule");
  if (rs.size() != 3)
    throw Error(id + ": reward_schedule has " + std::to_string(rs.size()) +
                " values; it needs 3: the rewards for reaching G (goal), H (hole) and F (frozen)");
  return rs;
}

ParamSchema frozen_lake_schema(const std::string& default_map) {
  return ParamSchema{
      param_string("map_name", default_map, "Gymnasium's preloaded map", {"4x4", "8x8"}),
      param_string("desc", "",
                   "custom map (rows of S F H G separated by '/' or newlines); overrides map_name"),
      param_bool("is_slippery", true, "move in the intended direction with success_rate only"),
      param_double("success_rate", 1.0 / 3.0,
                   "slippery: P(intended direction); each perpendicular gets (1 - it) / 2", 0.0,
                   1.0),
      param_doubles("reward_schedule", {1.0, 0.0, 0.0},
                    "rewards for entering G (goal), H (hole), F (frozen or start)"),
  };
}

std::unique_ptr<Env> make_frozen_lake(const Params& p, const std::string& id,
                                      std::int64_t max_steps, double threshold) {
  GridworldConfig c;
  c.id = id;
  const std::string& desc = p.get_string("desc");
  if (!desc.empty()) {
    c.map = split_map_rows(desc);
  } else {
    c.map = p.get_string("map_name") == "8x8" ? kFrozenLake8x8 : kFrozenLake4x4;
  }
  c.allowed = "SFHG";
  // Gymnasium's FrozenLake action numbering: 0 LEFT, 1 DOWN, 2 RIGHT, 3 UP.
  c.actions = {{0, -1, "Left"}, {1, 0, "Down"}, {0, 1, "Right"}, {-1, 0, "Up"}};
  if (p.get_bool("is_slippery")) {
    c.slip = 1.0 - p.get_double("success_rate");
    c.slip_model = SlipModel::Perpendicular;
  }
  const auto rs = reward_schedule(p, id);
  c.goal_reward = rs[0];
  c.hole_reward = rs[1];
  c.step_reward = rs[2];
  c.max_episode_steps = max_steps;
  c.reward_threshold = threshold;
  return std::make_unique<Gridworld>(c);
}

std::unique_ptr<Env> make_cliff_walking(bool slippery, const std::string& id) {
  GridworldConfig c;
  c.id = id;
  // Gymnasium 1.x cliffwalking.py: 4x12, start [3, 0], goal [3, 11], cliff [3, 1..10].
  c.map = {"............", "............", "............", "SCCCCCCCCCCG"};
  c.allowed = ".SCG";
  // Gymnasium's CliffWalking action numbering: 0 UP, 1 RIGHT, 2 DOWN, 3 LEFT.
  c.actions = {{-1, 0, "Up"}, {0, 1, "Right"}, {1, 0, "Down"}, {0, -1, "Left"}};
  if (slippery) {
    // v1's is_slippery: intended and each perpendicular direction with 1/3.
    c.slip = 2.0 / 3.0;
    c.slip_model = SlipModel::Perpendicular;
  }
  c.step_reward = -1.0;
  c.goal_reward = -1.0;  // reaching the goal is an ordinary -1 step
  c.cliff_reward = -100.0;
  c.max_episode_steps = 0;  // Gymnasium registers CliffWalking without a TimeLimit
  return std::make_unique<Gridworld>(c);
}

std::unique_ptr<Env> make_windy(const Params& p) {
  GridworldConfig c;
  c.id = "WindyGridworld-v0";
  // Sutton & Barto (2018), Example 6.5: 7x10, start (3, 0), goal (3, 7).
  c.map = std::vector<std::string>(7, "..........");
  c.map[3][0] = 'S';
  c.map[3][7] = 'G';
  c.allowed = ".SG";
  c.wind = {0, 0, 0, 1, 1, 1, 2, 2, 1, 0};
  c.actions = compass_actions_udlr();
  if (p.get_bool("king_moves")) {
    // Exercise 6.9: the four diagonal moves.
    c.actions.push_back({-1, -1, "Up-Left"});
    c.actions.push_back({-1, 1, "Up-Right"});
    c.actions.push_back({1, -1, "Down-Left"});
    c.actions.push_back({1, 1, "Down-Right"});
  }
  if (p.get_bool("stay_action")) c.actions.push_back({0, 0, "Stay"});  // Exercise 6.9
  c.stochastic_wind = p.get_bool("stochastic_wind");                   // Exercise 6.10
  c.step_reward = p.get_double("step_reward");
  c.goal_reward = p.get_double("step_reward");  // -1 on every step, the last one included
  c.max_episode_steps = 0;                      // the book's task is undiscounted, no limit
  return std::make_unique<Gridworld>(c);
}

void check_free_cell(const std::vector<std::string>& map, std::int64_t row, std::int64_t col,
                     const std::string& what) {
  if (row < 0 || col < 0 || row >= static_cast<std::int64_t>(map.size()) ||
      col >= static_cast<std::int64_t>(map[0].size()) ||
      map[static_cast<std::size_t>(row)][static_cast<std::size_t>(col)] != '.')
    throw Error("FourRooms-v0: " + what + " (" + std::to_string(row) + ", " + std::to_string(col) +
                ") is not a free cell of the 13x13 layout (row/column 0 and 12 are the outer "
                "wall); the hallways are (3, 6), (6, 2), (7, 9) and (10, 6)");
}

std::unique_ptr<Env> make_four_rooms(const Params& p) {
  GridworldConfig c;
  c.id = "FourRooms-v0";
  c.map = kFourRooms;
  c.allowed = "#.SG";
  const std::int64_t gr = p.get_int("goal_row"), gc = p.get_int("goal_col");
  check_free_cell(c.map, gr, gc, "goal");
  c.map[static_cast<std::size_t>(gr)][static_cast<std::size_t>(gc)] = 'G';
  const std::int64_t sr = p.get_int("start_row"), sc = p.get_int("start_col");
  if ((sr < 0) != (sc < 0))
    throw Error(
        "FourRooms-v0: give both start_row and start_col (or neither, to start "
        "uniformly on every non-goal cell)");
  if (sr < 0) {
    c.start_anywhere = true;
  } else {
    check_free_cell(c.map, sr, sc, "start");
    c.map[static_cast<std::size_t>(sr)][static_cast<std::size_t>(sc)] = 'S';
  }
  // Actions up, down, left, right; an action succeeds with 1 - slip (2/3) and otherwise
  // moves in one of the three other directions (1/9 each); into a wall: no move.
  c.actions = compass_actions_udlr();
  c.slip = p.get_double("slip");
  c.slip_model = SlipModel::OtherDirections;
  c.step_reward = p.get_double("step_reward");
  c.goal_reward = p.get_double("goal_reward");
  c.max_episode_steps = 0;
  return std::make_unique<Gridworld>(c);
}

SlipModel parse_slip_model(const std::string& s) {
  if (s == "perpendicular") return SlipModel::Perpendicular;
  if (s == "other") return SlipModel::OtherDirections;
  return SlipModel::AnyDirection;
}

std::unique_ptr<Env> make_generic(const Params& p) {
  GridworldConfig c;
  c.id = "Gridworld-v0";
  c.map = split_map_rows(p.get_string("map"));
  c.slip = p.get_double("slip");
  c.slip_model = parse_slip_model(p.get_string("slip_model"));
  c.step_reward = p.get_double("step_reward");
  c.goal_reward = p.get_double("goal_reward");
  c.hole_reward = p.get_double("hole_reward");
  c.cliff_reward = p.get_double("cliff_reward");
  c.cell_rewards = p.get_doubles("cell_rewards");
  for (double w : p.get_doubles("wind")) {
    if (w != std::floor(w))
      throw Error("Gridworld-v0: wind values are whole cells per step; got " + std::to_string(w));
    c.wind.push_back(static_cast<int>(w));
  }
  c.stochastic_wind = p.get_bool("stochastic_wind");
  c.max_episode_steps = 100;
  return std::make_unique<Gridworld>(c);
}

}  // namespace

void register_gridworld_envs(Registry& registry) {
  // Gymnasium 1.x registrations (gymnasium/envs/__init__.py): FrozenLake-v1 and
  // FrozenLake8x8-v1 with TimeLimit 100 / 200 and reward_threshold 0.70 / 0.85.
  registry.add_env({"FrozenLake-v1",
                    "Gymnasium 1.x FrozenLake: cross a slippery lake to G without falling in H",
                    frozen_lake_schema("4x4"),
                    [](const Params& p) { return make_frozen_lake(p, "FrozenLake-v1", 100, 0.70); },
                    "built-in"});
  registry.add_env(
      {"FrozenLake8x8-v1", "Gymnasium 1.x FrozenLake on the 8x8 map", frozen_lake_schema("8x8"),
       [](const Params& p) { return make_frozen_lake(p, "FrozenLake8x8-v1", 200, 0.85); },
       "built-in"});
  registry.add_env(
      {"CliffWalking-v1",
       "Gymnasium 1.x CliffWalking (Sutton & Barto Example 6.6): -1 per step, cliff -100 "
       "and back to start; no time limit",
       ParamSchema{param_bool("is_slippery", false,
                              "move in the intended or a perpendicular direction, 1/3 each")},
       [](const Params& p) {
         return make_cliff_walking(p.get_bool("is_slippery"), "CliffWalking-v1");
       },
       "built-in"});
  registry.add_env(
      {"CliffWalkingSlippery-v1", "Gymnasium 1.x CliffWalking with is_slippery=True",
       ParamSchema{param_bool("is_slippery", true,
                              "move in the intended or a perpendicular direction, 1/3 each")},
       [](const Params& p) {
         return make_cliff_walking(p.get_bool("is_slippery"), "CliffWalkingSlippery-v1");
       },
       "built-in"});
  registry.add_env(
      {"Taxi-v4",
       "Gymnasium 1.x Taxi (Dietterich 2000): pick up and drop off a passenger; 500 states",
       ParamSchema{
           param_bool("is_rainy", false, "moves veer left/right of the intended direction"),
           param_double("rainy_probability", 0.8, "rainy: P(intended direction)", 0.0, 1.0),
           param_bool("fickle_passenger", false,
                      "the passenger may change destination on the first move after pickup"),
           param_double("fickle_probability", 0.3, "fickle: P(the destination changes)", 0.0, 1.0),
       },
       [](const Params& p) {
         TaxiOptions o;
         o.is_rainy = p.get_bool("is_rainy");
         o.rainy_probability = p.get_double("rainy_probability");
         o.fickle_passenger = p.get_bool("fickle_passenger");
         o.fickle_probability = p.get_double("fickle_probability");
         return std::unique_ptr<Env>(std::make_unique<Taxi>(o));
       },
       "built-in"});
  registry.add_env(
      {"WindyGridworld-v0",
       "Sutton & Barto 2018 Example 6.5: 7x10 grid, upward wind 0001112210, -1 per step",
       ParamSchema{
           param_bool("king_moves", false, "add the four diagonal moves (Exercise 6.9)"),
           param_bool("stay_action", false, "add a no-move action (Exercise 6.9)"),
           param_bool("stochastic_wind", false,
                      "windy columns push w-1, w or w+1 with 1/3 each (Exercise 6.10)"),
           param_double("step_reward", -1.0, "reward of every step"),
       },
       make_windy, "built-in"});
  registry.add_env(
      {"FourRooms-v0",
       "Sutton, Precup & Singh 1999 rooms: 104 cells, actions succeed w.p. 2/3, +1 at the goal",
       ParamSchema{
           param_int("goal_row", 7, "goal row in the 13x13 layout (default: east hallway)", 1, 11),
           param_int("goal_col", 9, "goal column in the 13x13 layout", 1, 11),
           param_int("start_row", -1, "start row (-1: uniform over all non-goal cells)", -1, 11),
           param_int("start_col", -1, "start column (-1 with start_row -1)", -1, 11),
           param_double("slip", 1.0 / 3.0,
                        "P(the action fails); then each other direction with slip/3", 0.0, 1.0),
           param_double("step_reward", 0.0, "reward of a step that does not reach the goal"),
           param_double("goal_reward", 1.0, "reward of reaching the goal (terminal)"),
       },
       make_four_rooms, "built-in"});
  registry.add_env(
      {"Gridworld-v0",
       "gridworld from an ASCII map: # wall, . free, S start, G goal, H hole, C cliff",
       ParamSchema{
           param_string("map", "S.../.#.H/...G",
                        "rows separated by '/' or newlines: # . F S G H C (see gridworld.hpp)"),
           param_double("slip", 0.0, "P(the move is replaced as slip_model says)", 0.0, 1.0),
           param_string("slip_model", "perpendicular",
                        "where a slip goes: perpendicular, other (3 directions), any (4)",
                        {"perpendicular", "other", "any"}),
           param_double("step_reward", 0.0, "reward of entering a free or start cell"),
           param_double("goal_reward", 1.0, "reward of entering G (terminal)"),
           param_double("hole_reward", 0.0, "reward of entering H (terminal)"),
           param_double("cliff_reward", -100.0, "reward of entering C (back to a start)"),
           param_doubles("cell_rewards", {},
                         "extra reward of entering each cell, row-major, walls included"),
           param_doubles("wind", {}, "upward push per column, whole cells (empty: none)"),
           param_bool("stochastic_wind", false, "windy columns push w-1, w, w+1 w.p. 1/3"),
       },
       make_generic, "built-in"});
}

}  // namespace rlsim

// FourRooms-v0: the rooms of Sutton, Precup & Singh (1999), "Between MDPs and semi-MDPs: A
// framework for temporal abstraction in reinforcement learning", Artificial Intelligence
// 112:181-211, a Gridworld (gridworld.hpp) with its exact model.
//
// 104 cells: 11x11 inside an outer wall, four rooms joined by four hallways. Actions 0 up,
// 1 down, 2 left, 3 right; an action moves as intended with 2/3 and otherwise in one of the
// three other directions with 1/9 each; a move into a wall leaves the agent in place. Goal
// (terminal) by default in the east hallway, cell (7, 9) of the 13x13 layout, with starts
// uniform over the other 103 cells (the setting of Bacon, Harb & Precup 2017's four-rooms
// experiment; Sutton et al. put their goal in a hallway too). Reward convention (ours): +1
// on entering the goal, 0 on every other step, so a discount below 1 (e.g. 0.9) makes
// shorter paths worth more; no time limit.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "envs/gridworld/gridworld.hpp"

namespace rlsim {

namespace {

constexpr char kFourRoomsId[] = "FourRooms-v0";

// The rooms of Sutton, Precup & Singh (1999), Figure 2: 11x11 inside an outer wall, four
// rooms joined by four hallways, 104 cells (the layout of Bacon, Harb & Precup's
// option-critic code, which reproduces it).
const std::vector<std::string> kFourRooms = {
    "#############", "#.....#.....#", "#.....#.....#", "#...........#", "#.....#.....#",
    "#.....#.....#", "##.####.....#", "#.....###.###", "#.....#.....#", "#.....#.....#",
    "#...........#", "#.....#.....#", "#############"};

void check_free_cell(const std::vector<std::string>& map, std::int64_t row, std::int64_t col,
                     const std::string& what) {
  if (row < 0 || col < 0 || row >= static_cast<std::int64_t>(map.size()) ||
      col >= static_cast<std::int64_t>(map[0].size()) ||
      map[static_cast<std::size_t>(row)][static_cast<std::size_t>(col)] != '.')
    throw Error(what + " (" + std::to_string(row) + ", " + std::to_string(col) +
                ") is not a free cell of the 13x13 layout (row/column 0 and 12 are the outer "
                "wall); the hallways are (3, 6), (6, 2), (7, 9) and (10, 6)");
}

struct FourRoomsConfig {
  std::int64_t goal_row = 7;  // the east hallway
  std::int64_t goal_col = 9;
  std::int64_t start_row = -1;  // -1 (with start_col -1): uniform over the non-goal cells
  std::int64_t start_col = -1;
  double slip = 1.0 / 3.0;
  double step_reward = 0.0;
  double goal_reward = 1.0;
  // The goal on a free cell; both start coordinates or neither, on a free cell other than
  // the goal's.
  void validate() const {
    std::vector<std::string> map = kFourRooms;
    check_free_cell(map, goal_row, goal_col, "goal");
    map[static_cast<std::size_t>(goal_row)][static_cast<std::size_t>(goal_col)] = 'G';
    if ((start_row < 0) != (start_col < 0))
      throw Error(
          "give both start_row and start_col (or neither, to start uniformly on every "
          "non-goal cell)");
    if (start_row >= 0) check_free_cell(map, start_row, start_col, "start");
  }
};

std::unique_ptr<Env> make_four_rooms(const FourRoomsConfig& p) {
  GridworldConfig c;
  c.id = kFourRoomsId;
  c.map = kFourRooms;
  c.allowed = "#.SG";
  c.map[static_cast<std::size_t>(p.goal_row)][static_cast<std::size_t>(p.goal_col)] = 'G';
  if (p.start_row < 0) {
    c.start_anywhere = true;
  } else {
    c.map[static_cast<std::size_t>(p.start_row)][static_cast<std::size_t>(p.start_col)] = 'S';
  }
  // Actions up, down, left, right; an action succeeds with 1 - slip (2/3) and otherwise
  // moves in one of the three other directions (1/9 each); into a wall: no move.
  c.actions = compass_actions_udlr();
  c.slip = p.slip;
  c.slip_model = SlipModel::OtherDirections;
  c.step_reward = p.step_reward;
  c.goal_reward = p.goal_reward;
  c.max_episode_steps = 0;
  return std::make_unique<Gridworld>(c);
}

void register_four_rooms(Registry& registry) {
  using C = FourRoomsConfig;
  registry.add_env(env_entry(
      kFourRoomsId,
      "Sutton, Precup & Singh 1999 rooms: 104 cells, actions succeed w.p. 2/3, +1 at the goal",
      ConfigSchema<C>()
          .field("goal_row", &C::goal_row, "goal row in the 13x13 layout", range(1, 11),
                 source("the east hallway, as Bacon, Harb & Precup 2017"))
          .field("goal_col", &C::goal_col, "goal column in the 13x13 layout", range(1, 11),
                 source("the east hallway, as Bacon, Harb & Precup 2017"))
          .field("start_row", &C::start_row, "start row (-1: uniform over all non-goal cells)",
                 range(-1, 11))
          .field("start_col", &C::start_col, "start column (-1 with start_row -1)", range(-1, 11))
          .field("slip", &C::slip, "P(the action fails); then each other direction with slip/3",
                 range(0.0, 1.0), source("Sutton, Precup & Singh 1999"))
          .field("step_reward", &C::step_reward, "reward of a step that does not reach the goal")
          .field("goal_reward", &C::goal_reward, "reward of reaching the goal (terminal)"),
      make_four_rooms));
}

}  // namespace
RLSIM_REGISTER(register_four_rooms)

}  // namespace rlsim

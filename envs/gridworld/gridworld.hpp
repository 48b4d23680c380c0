// Gridworld: a grid MDP built from an ASCII map, with its exact model (see TabularEnv).
//
// Map characters (one row per line; GridworldConfig::allowed restricts them per env):
//   '#' wall (not a state)          '.' or 'F' free cell          'S' start
//   'G' goal: terminal, goal_reward 'H' hole: terminal, hole_reward
//   'C' cliff: entering it gives cliff_reward and returns the agent to a start, without
//       ending the episode (Sutton & Barto 2018, Example 6.6; Gymnasium's CliffWalking).
// States are the non-wall cells numbered row-major, so on a map without walls the state is
// row * cols + col, Gymnasium's toy-text encoding.
//
// Dynamics of action a in cell (r, c): the action's displacement (dr, dc) is replaced with
// probability `slip` according to the slip model (below); the column's upward wind w (if
// any; stochastic wind draws w-1, w, w+1 with probability 1/3 each in windy columns, Sutton
// & Barto Exercise 6.10) is added: target = clamp(r + dr - w, c + dc) to the grid, as in
// Gymnasium's FrozenLake/CliffWalking (clamping) and Sutton & Barto's windy gridworld
// (Example 6.5). A target on a wall leaves the agent where it was. The reward is that of
// the cell entered: goal_reward ('G'), hole_reward ('H'), cliff_reward ('C'), otherwise
// step_reward; plus cell_rewards[cell] when given (one per map cell, walls included,
// row-major). This matches Gymnasium 1.x FrozenLake's reward_schedule (G, H, F) and
// CliffWalking's -1 per step / -100 cliff. In a terminal cell every action keeps the agent
// there with reward 0 and terminated = true (as Gymnasium's FrozenLake P does).
//
// Slip models, for the four compass actions (slip > 0 with other actions is an error):
//   Perpendicular: each perpendicular direction with slip/2 (Gymnasium FrozenLake with
//                  success_rate = 1 - slip; CliffWalking is_slippery).
//   OtherDirections: each of the three other directions with slip/3 (Sutton, Precup &
//                  Singh 1999's rooms: slip 1/3 gives 2/3 intended, 1/9 each other).
//   AnyDirection:  a uniformly random direction with probability slip (intended included).
// Outcomes with the same (next state, reward, terminated) are merged.
//
// Gymnasium's own envs (FrozenLake, CliffWalking) set `gymnasium`: the env then supports
// seeding = "gymnasium" (docs/seeding.md), and when slippery also keeps Gymnasium's
// unmerged outcome lists P[s][a] = [(a-1) % 4, a, (a+1) % 4] of its action numbering, with
// Gymnasium's probabilities, which its steps sample under that seeding.
#pragma once
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "envs/gridworld/tabular_env.hpp"

namespace rlsim {

struct GridBuild;  // the parsed map and its model (gridworld.cpp)

enum class SlipModel { Perpendicular, OtherDirections, AnyDirection };

struct GridAction {
  int dr = 0;  // row displacement (down is +1)
  int dc = 0;  // column displacement (right is +1)
  std::string name;
};

// The id of the env built from any ASCII map, the default id of a GridworldConfig. Other
// envs built on Gridworld (FrozenLake, CliffWalking, WindyGridworld, FourRooms) set their
// own id, each in the file that registers it.
inline constexpr char kGridworldId[] = "Gridworld-v0";

struct GridworldConfig {
  std::string id = kGridworldId;
  std::vector<std::string> map;     // rows of equal length
  std::string allowed = "#.FSGHC";  // characters this env accepts in its map
  std::vector<GridAction> actions;  // default (empty): up, down, left, right
  double slip = 0.0;
  SlipModel slip_model = SlipModel::Perpendicular;
  std::vector<int> wind;  // per column upward push; empty: no wind
  bool stochastic_wind = false;
  double step_reward = 0.0;
  double goal_reward = 1.0;
  double hole_reward = 0.0;
  double cliff_reward = -100.0;
  std::vector<double> cell_rewards;  // empty, or one per map cell (rows*cols)
  // Episodes start uniformly on the 'S' cells; with start_anywhere, uniformly on every
  // free non-terminal non-cliff cell instead (the map then needs no 'S').
  bool start_anywhere = false;
  std::int64_t max_episode_steps = 0;
  std::optional<double> reward_threshold;
  // A Gymnasium env (see the header comment), and the probabilities Gymnasium gives the
  // intended and each perpendicular move when slippery, as Gymnasium computes them.
  bool gymnasium = false;
  double gymnasium_intended = 1.0;
  double gymnasium_perpendicular = 0.0;
};

// Splits a map given as one string: rows separated by '/' or newlines ('\r' ignored,
// empty rows dropped).
std::vector<std::string> split_map_rows(std::string_view text);

// The four compass actions in the order up, down, left, right.
std::vector<GridAction> compass_actions_udlr();

class Gridworld : public TabularEnv {
 public:
  explicit Gridworld(const GridworldConfig& config);

  // The map with the agent drawn as '@' (and the wind strengths under the grid, if any).
  std::string render_text() const override;
  // A picture of the grid: cells of render_cell_size() pixels,
  // coloured by type, with the wind as blue shading and chevrons, the agent a red disc.
  bool render(Image& frame) const override;
  // 64 pixels when the grid is at most 8 cells wide and tall (Gymnasium's FrozenLake
  // pictures: 256x256 and 512x512), else 48.
  int render_cell_size() const { return std::max(rows_, cols_) <= 8 ? 64 : 48; }

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  // Cell (row, col) of a state, and the state of a cell (-1 for a wall).
  int row_of(std::int64_t s) const { return cell_row_[static_cast<std::size_t>(s)]; }
  int col_of(std::int64_t s) const { return cell_col_[static_cast<std::size_t>(s)]; }
  std::int64_t state_of(int row, int col) const;
  char cell(int row, int col) const { return map_[static_cast<std::size_t>(row)][col]; }

 private:
  explicit Gridworld(GridBuild&& build);

  std::vector<std::string> map_;
  int rows_ = 0;
  int cols_ = 0;
  std::vector<int> cell_row_, cell_col_;
  std::vector<std::int64_t> state_of_cell_;
  std::vector<int> wind_;
  std::vector<std::string> action_names_;
};

}  // namespace rlsim

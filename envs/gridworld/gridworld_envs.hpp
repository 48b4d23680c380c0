// Registration of the gridworld envs (tabular MDPs with an exact model, see tabular_env.hpp):
//
//   FrozenLake-v1, FrozenLake8x8-v1      Gymnasium 1.x toy_text/frozen_lake.py
//   CliffWalking-v1, CliffWalkingSlippery-v1   Gymnasium 1.x toy_text/cliffwalking.py
//   Taxi-v4                              Gymnasium 1.x toy_text/taxi.py (Dietterich 2000)
//   WindyGridworld-v0                    Sutton & Barto 2018, Example 6.5 (Exercises 6.9, 6.10)
//   FourRooms-v0                         Sutton, Precup & Singh 1999, "Between MDPs and
//                                        semi-MDPs", Artificial Intelligence 112:181-211
//   Gridworld-v0                         any ASCII map (gridworld.hpp)
//
// Gymnasium ids keep Gymnasium's spaces, action numbering, rewards, termination, time
// limits and reward thresholds, as registered in gymnasium/envs/__init__.py (1.x):
//   FrozenLake: actions 0 left, 1 down, 2 right, 3 up; reward_schedule (G, H, F) = (1, 0, 0);
//     is_slippery (default true): intended direction with success_rate (1/3), each
//     perpendicular with (1 - success_rate) / 2; limit 100 (8x8 id: 200); threshold 0.70
//     (0.85). Not supported: Gymnasium's random map (desc=None, map_name=None).
//   CliffWalking: actions 0 up, 1 right, 2 down, 3 left; -1 per step, -100 for the cliff
//     (back to the start, not terminated); v1's is_slippery defaults to false (the
//     CliffWalkingSlippery-v1 id sets it); no time limit, no threshold.
// The other ids number their actions 0 up, 1 down, 2 left, 3 right (then, for the windy
// gridworld with king_moves: 4 up-left, 5 up-right, 6 down-left, 7 down-right, and the
// optional "stay" last):
//   WindyGridworld-v0: -1 per step including the one reaching the goal, so the return of
//     the optimal 15-step episode is -15; undiscounted and episodic, no time limit. The wind
//     of the column the agent is in lifts it; moves are clamped at the grid's edges.
//   FourRooms-v0: 104 cells; an action moves as intended with 2/3 and otherwise in one of
//     the three other directions with 1/9 each; a move into a wall leaves the agent in
//     place. Goal (terminal) by default in the east hallway, cell (7, 9) of the 13x13
//     layout, with starts uniform over the other 103 cells (the setting of Bacon, Harb &
//     Precup 2017's four-rooms experiment; Sutton et al. put their goal in a hallway too).
//     Reward convention (ours): +1 on entering the goal, 0 on every other step, so a
//     discount below 1 (e.g. 0.9) makes shorter paths worth more; no time limit.
#pragma once
#include "core/registry.hpp"

namespace rlsim {

void register_gridworld_envs(Registry& registry);

}  // namespace rlsim

// The training budget that SB3 ties to learn(total_timesteps), for the schedules of the deep
// agents (DQN's ε and PER β, PPO's and A2C's progress_remaining).
//
// A config's total_timesteps = 0 (the default) means the run's step budget
// (AgentContext::budget_steps), or kDefaultTotalTimesteps when there is none (a run bounded
// by episodes, an agent built outside a run, e.g. by a test).
#pragma once
#include <cstdint>

namespace rlsim {

inline constexpr std::int64_t kDefaultTotalTimesteps = 100000;

inline std::int64_t training_budget(std::int64_t total_timesteps, std::int64_t budget_steps) {
  if (total_timesteps != 0) return total_timesteps;
  return budget_steps > 0 ? budget_steps : kDefaultTotalTimesteps;
}

}  // namespace rlsim

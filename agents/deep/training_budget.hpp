// The training budget that SB3 ties to learn(total_timesteps), for the schedules of the deep
// agents (DQN's ε and PER β, PPO's and A2C's progress_remaining).
//
// A config's total_timesteps = 0 (the default) means the run's step budget
// (AgentContext::budget_steps), or kDefaultTotalTimesteps when there is none (a run bounded
// by episodes, an agent built outside a run, e.g. by a test). An explicit value is kept even
// when it differs from the run's step budget (a schedule meant for a longer run, cut short),
// but that is usually a mistake (a config written for the full budget, run with a smaller
// steps=N): resolve_training_budget then says so in one line on stderr.
#pragma once
#include <cstdint>
#include <string>

namespace rlsim {

inline constexpr std::int64_t kDefaultTotalTimesteps = 100000;

inline std::int64_t training_budget(std::int64_t total_timesteps, std::int64_t budget_steps) {
  if (total_timesteps != 0) return total_timesteps;
  return budget_steps > 0 ? budget_steps : kDefaultTotalTimesteps;
}

// training_budget(), for agent `agent` built in a run whose step budget is `budget_steps`
// (0: none). When an explicit total_timesteps differs from a step budget and `schedules`
// (what follows total_timesteps, e.g. "exploration epsilon") is not empty, one warning line
// goes to stderr, once per process for each distinct message (warn_once): the runs of a
// group, which differ only in their seed, warn once.
std::int64_t resolve_training_budget(const std::string& agent, std::int64_t total_timesteps,
                                     std::int64_t budget_steps, const std::string& schedules);

// Writes "rlsim: warning: MESSAGE" as one line on stderr unless this process wrote the same
// message before (thread-safe). On a terminal the line first clears the line it lands on,
// where the progress bar may be drawn (the bar redraws itself below). Returns whether it
// wrote the line.
bool warn_once(const std::string& message);

}  // namespace rlsim

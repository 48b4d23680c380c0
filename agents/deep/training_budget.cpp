#include "agents/deep/training_budget.hpp"

#include <unistd.h>

#include <iostream>
#include <mutex>
#include <set>

namespace rlsim {

bool warn_once(const std::string& message) {
  static std::mutex mutex;
  static std::set<std::string> said;
  std::lock_guard<std::mutex> lock(mutex);
  if (!said.insert(message).second) return false;
  std::cerr << (isatty(STDERR_FILENO) ? "\r\033[K" : "") << "rlsim: warning: " << message
            << std::endl;
  return true;
}

std::int64_t resolve_training_budget(const std::string& agent, std::int64_t total_timesteps,
                                     std::int64_t budget_steps, const std::string& schedules) {
  if (total_timesteps != 0 && budget_steps > 0 && total_timesteps != budget_steps &&
      !schedules.empty())
    warn_once("agent '" + agent + "': total_timesteps = " + std::to_string(total_timesteps) +
              " differs from the run's step budget (" + std::to_string(budget_steps) +
              " steps): its schedules (" + schedules + ") run over " +
              std::to_string(total_timesteps) +
              " steps, not over the run; leave total_timesteps unset (0) to follow the run's "
              "budget");
  return training_budget(total_timesteps, budget_steps);
}

}  // namespace rlsim

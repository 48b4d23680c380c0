// KeepBest (agents/deep/keep_best.hpp): the best evaluated policy of an agent, kept as a
// copy of its policy's state entries and put back at the end of training.
#include "agents/deep/keep_best.hpp"

#include <utility>

#include "core/error.hpp"

namespace rlsim {

KeepBest::KeepBest(std::string agent, bool enabled, std::vector<std::string> prefixes)
    : agent_(std::move(agent)), enabled_(enabled), prefixes_(std::move(prefixes)) {}

bool KeepBest::is_policy(const std::string& name) const {
  for (const std::string& p : prefixes_)
    if (name.rfind(p, 0) == 0) return true;
  return false;
}

void KeepBest::evaluated(const Agent& agent, std::int64_t step, double mean_return) {
  if (!enabled_) return;
  last_step_ = step;
  if (best_step_ >= 0 && mean_return < best_return_) return;
  StateDict state;
  agent.save(state);
  best_.clear();
  for (auto& [name, record] : state)
    if (is_policy(name)) best_.emplace(name, std::move(record));
  best_step_ = step;
  best_return_ = mean_return;
}

bool KeepBest::finish(Agent& agent) {
  if (!enabled_) return false;
  if (best_step_ < 0)
    throw Error(agent_ +
                ": keep_best = true needs evaluation during training, and this run had none: set "
                "[eval] every = N (env steps) and episodes, or keep_best = false");
  if (best_step_ == last_step_) return false;  // the current policy is the best
  StateDict state;
  agent.save(state);
  for (const auto& [name, record] : best_) state[name] = record;
  agent.load(state);
  return true;
}

}  // namespace rlsim

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

void KeepBest::save(StateDict& out, const std::string& prefix) const {
  if (!enabled_) return;
  out[prefix + "steps"] = ArrayRecord{
      {3}, {static_cast<double>(best_step_), static_cast<double>(last_step_), best_return_}};
  for (const auto& [name, record] : best_) out[prefix + "best." + name] = record;
}

void KeepBest::load(const StateDict& in, const std::string& prefix) {
  if (!enabled_) return;
  const auto it = in.find(prefix + "steps");
  if (it == in.end() || it->second.data.size() != 3)
    throw Error(agent_ + " checkpoint: entry '" + prefix +
                "steps' (3 values) is missing: saved with keep_best = false?");
  StateDict best;
  const std::string head = prefix + "best.";
  for (auto e = in.lower_bound(head); e != in.end() && e->first.rfind(head, 0) == 0; ++e)
    best.emplace(e->first.substr(head.size()), e->second);
  best_step_ = static_cast<std::int64_t>(it->second.data[0]);
  last_step_ = static_cast<std::int64_t>(it->second.data[1]);
  best_return_ = it->second.data[2];
  best_ = std::move(best);
}

}  // namespace rlsim

#include "bandits/problems/bandit_env.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.hpp"

namespace rlsim {

namespace {
EnvSpec bandit_spec(std::string id, std::int64_t k, std::int64_t horizon, Space obs) {
  require_arms(id, "arms", k);
  require_horizon(id, horizon);
  EnvSpec spec;
  spec.id = std::move(id);
  spec.observation_space = std::move(obs);
  spec.action_space = Space::discrete(k);
  spec.max_episode_steps = horizon;
  spec.horizon = horizon;      // every episode is T pulls, whatever max_episode_steps says
  spec.can_terminate = false;  // a pull never ends the problem: the horizon does
  return spec;
}
}  // namespace

BanditEnv::BanditEnv(std::string id, std::int64_t num_arms, std::int64_t horizon,
                     Space observation_space)
    : Env(bandit_spec(std::move(id), num_arms, horizon, std::move(observation_space))),
      means_(static_cast<std::size_t>(num_arms), 0.0),
      k_(num_arms),
      horizon_(horizon) {}

void BanditEnv::update_best() {
  best_ = *std::max_element(means_.begin(), means_.end());
}

void BanditEnv::set_reward_range(double lo, double hi) {
  mutable_spec().reward_min = lo;
  mutable_spec().reward_max = hi;
}

void BanditEnv::observe(Value& obs) const {
  obs.index = 0;
}

void BanditEnv::arm_out_of_range(std::int64_t arm) const {
  throw Error(spec().id + ": oracle asked for arm " + std::to_string(arm) + ", outside [0, " +
              std::to_string(k_ - 1) + "]");
}

void require_arms(const std::string& id, const std::string& param, std::int64_t k) {
  if (k < 2)
    throw Error(id + ": " + param + " gives K = " + std::to_string(k) +
                " arms; a bandit problem needs K >= 2");
  if (k > kMaxArms)
    throw Error(id + ": " + param + " gives K = " + std::to_string(k) + " arms; at most " +
                std::to_string(kMaxArms) + " are supported (a policy keeps statistics per arm)");
}

void require_horizon(const std::string& id, std::int64_t horizon) {
  if (horizon < 1)
    throw Error(id + ": horizon = " + std::to_string(horizon) +
                " is invalid: the number of pulls T must be >= 1");
}

void require_values_in(const std::string& id, const std::string& param,
                       const std::vector<double>& values, double lo, double hi, bool lo_open,
                       bool hi_open, const std::string& why) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double x = values[i];
    const bool ok =
        std::isfinite(x) && (lo_open ? x > lo : x >= lo) && (hi_open ? x < hi : x <= hi);
    if (!ok) {
      std::ostringstream os;
      os << id << ": " << param << "[" << i << "] = " << x << " is outside "
         << (lo_open ? "(" : "[") << lo << ", " << hi << (hi_open ? ")" : "]") << ": " << why;
      throw Error(os.str());
    }
  }
}

}  // namespace rlsim

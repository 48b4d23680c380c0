// Small helpers shared by the classic-control envs (not part of their public interface).
//
// check_state validates a state handed to set_state (its size and finiteness) with a
// message naming the env and the expected components; size_observation sizes an
// observation Value without allocating once it has the right size; with_reset_bounds adds
// the parameters reset_low and reset_high (Gymnasium's reset options low/high) to the
// schema of any config that has those two members.
#pragma once
#include <cmath>
#include <initializer_list>
#include <span>
#include <string>

#include "core/config_schema.hpp"
#include "core/error.hpp"
#include "core/space.hpp"

namespace rlsim::classic_detail {

inline void check_state(std::span<const double> state, const std::string& env_id,
                        std::initializer_list<const char*> names) {
  std::string list;
  for (const char* n : names) list += (list.empty() ? "" : ", ") + std::string(n);
  if (state.size() != names.size())
    throw Error(env_id + ": set_state got " + std::to_string(state.size()) + " numbers; it needs " +
                std::to_string(names.size()) + " (" + list + ")");
  std::size_t i = 0;
  for (const char* n : names) {
    if (!std::isfinite(state[i]))
      throw Error(env_id + ": set_state component " + std::to_string(i) + " (" + n +
                  ") is not finite; give finite numbers for " + list);
    ++i;
  }
}

inline void size_observation(Value& obs, std::size_t n) {
  if (obs.vec.size() != n) obs.vec.resize(n);
}

// Gymnasium's utils.maybe_parse_reset_bounds refuses low > high; so do we, at construction.
inline void check_reset_bounds(double low, double high, const std::string& env_id) {
  if (!(low <= high))
    throw Error(env_id + ": reset_low (" + std::to_string(low) + ") must not exceed reset_high (" +
                std::to_string(high) + ")");
}

// The schema with reset_low and reset_high bound to Config's members of those names; `what`
// says what the uniform reset draws, e.g. "each state component" or "the position".
template <class Config>
ConfigSchema<Config> with_reset_bounds(ConfigSchema<Config> schema, const std::string& what) {
  schema
      .field("reset_low", &Config::reset_low, "lower bound of the uniform reset of " + what,
             source("Gymnasium reset option 'low'"))
      .field("reset_high", &Config::reset_high, "upper bound of the uniform reset of " + what,
             source("Gymnasium reset option 'high'"));
  return schema;
}

}  // namespace rlsim::classic_detail

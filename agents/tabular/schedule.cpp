#include "agents/tabular/schedule.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace rlsim {

double DecaySchedule::value(std::int64_t steps, std::int64_t episodes) const {
  if (kind == Kind::Constant) return initial;
  const std::int64_t t = unit == Unit::Steps ? steps : episodes;
  if (t >= length) return final_value;
  const double fraction = static_cast<double>(t) / static_cast<double>(length);
  if (kind == Kind::Linear) return initial + (final_value - initial) * fraction;
  return initial * std::pow(final_value / initial, fraction);
}

void DecaySchedule::validate(const std::string& what) const {
  if (kind == Kind::Constant) return;
  if (length < 1) {
    throw Error(what + ": decay length is " + std::to_string(length) +
                "; it must be at least 1 (steps or episodes)");
  }
  if (kind == Kind::Exponential && (!(initial > 0.0) || !(final_value > 0.0))) {
    throw Error(what + ": an exponential schedule needs initial and final values > 0 (got " +
                std::to_string(initial) + " and " + std::to_string(final_value) +
                "); use a linear schedule to decay to 0");
  }
}

std::vector<std::pair<std::string, DecaySchedule::Kind>> DecaySchedule::kind_names() {
  return {
      {"constant", Kind::Constant}, {"linear", Kind::Linear}, {"exponential", Kind::Exponential}};
}

std::vector<std::pair<std::string, DecaySchedule::Unit>> DecaySchedule::unit_names() {
  return {{"steps", Unit::Steps}, {"episodes", Unit::Episodes}};
}

DecaySchedule::Kind DecaySchedule::parse_kind(const std::string& text) {
  for (const auto& [name, kind] : kind_names())
    if (text == name) return kind;
  throw Error("decay schedule '" + text + "' is unknown; use constant, linear or exponential");
}

DecaySchedule::Unit DecaySchedule::parse_unit(const std::string& text) {
  for (const auto& [name, unit] : unit_names())
    if (text == name) return unit;
  throw Error("decay unit '" + text + "' is unknown; use steps or episodes");
}

}  // namespace rlsim

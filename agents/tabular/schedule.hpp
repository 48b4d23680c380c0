// Decay schedules for exploration parameters (ε of ε-greedy, τ of softmax).
//
// A schedule maps the agent's learning progress (steps observed, episodes ended) to a
// value. Constant: always `initial`. Linear: straight line from `initial` to `final_value`
// over `length` units, then held at `final_value`. Exponential: geometric interpolation
// initial · (final/initial)^(t/length) over `length` units (both values must be > 0), then
// held. The unit is steps or episodes. Decaying exploration is the usual way to meet the
// GLIE condition of Sutton & Barto 2nd ed. §5.4/§6.4 (greedy in the limit with infinite
// exploration); the shapes themselves are common practice, not from the book.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rlsim {

struct DecaySchedule {
  enum class Kind { Constant, Linear, Exponential };
  enum class Unit { Steps, Episodes };

  Kind kind = Kind::Constant;
  double initial = 0.0;
  double final_value = 0.0;
  std::int64_t length = 1;  // in `unit`s, >= 1
  Unit unit = Unit::Steps;

  // Value after `steps` observed transitions and `episodes` finished episodes.
  double value(std::int64_t steps, std::int64_t episodes) const;

  // Throws rlsim::Error naming `what` (e.g. "agent 'q-learning' epsilon schedule") when the
  // schedule cannot be evaluated (length < 1, non-positive values for Exponential).
  void validate(const std::string& what) const;

  // The config names: "constant", "linear", "exponential"; "steps", "episodes".
  static std::vector<std::pair<std::string, Kind>> kind_names();
  static std::vector<std::pair<std::string, Unit>> unit_names();
  // A name of kind_names() / unit_names(); throw on other text.
  static Kind parse_kind(const std::string& text);
  static Unit parse_unit(const std::string& text);
};

}  // namespace rlsim

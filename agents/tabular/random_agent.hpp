// The uniform random agent: the baseline of every experiment.
//
// Discrete(n) actions: each with probability 1/n. Box actions: each element uniform on
// [low, high], so the density is 1/volume and log_prob = −Σ log(high − low); a Box with an
// infinite bound or a zero-width element has no uniform density and is refused (see
// random_agent_check). It does not learn and acts the same in evaluation mode.
// Reference: the random policy used as a baseline throughout Sutton & Barto 2nd ed.
// (e.g. the equiprobable random policy of §4.1).
#pragma once
#include <optional>
#include <string>

#include "core/agent.hpp"
#include "core/env.hpp"
#include "core/rng.hpp"

namespace rlsim {

// It has no parameters.
struct RandomAgentConfig {};

// Empty when the random agent can act in the spec's action space, else the reason.
std::optional<std::string> random_agent_check(const EnvSpec& spec, const Env& env);

class RandomAgent : public Agent {
 public:
  // Throws rlsim::Error for an action space random_agent_check refuses.
  RandomAgent(const EnvSpec& spec, std::uint64_t seed);
  void act(const Value& obs, Value& action, Decision& decision) override;

 private:
  Space action_space_;
  Rng rng_;
  double probability_ = 1.0;  // Discrete: 1/n; Box: NaN
  double log_prob_ = 0.0;
};

}  // namespace rlsim

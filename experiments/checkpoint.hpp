// A checkpoint is a run of an experiment file that saved its agent's learned state
// (save_agent = true; /runs/R/agent, docs/log-format.md). load_checkpoint rebuilds that
// run's agent from its stored id, parameters and seed, loads the state and puts the agent
// in evaluation mode (greedy / deterministic, no learning), together with an env to play
// it on. Used by `rlsim eval` and `rlsim env render --checkpoint`.
//
// Contract: `run` < 0 picks the file's only run with a saved agent (an error lists the
// candidates when there are several). `env_id`, when not empty, must be the env the run
// trained on (the agent's networks are sized for its spaces). `env_words` (key=value)
// replace the run's env parameters; empty: the run's own. Every failure is an rlsim::Error
// naming the file, the run and what would be right.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/agent.hpp"
#include "core/env.hpp"
#include "core/registry.hpp"

namespace rlsim {

struct Checkpoint {
  std::int64_t run = 0;
  std::string env_id, agent_id;
  std::unique_ptr<Env> env;
  std::unique_ptr<Agent> agent;
};

Checkpoint load_checkpoint(const Registry& registry, const std::string& file, std::int64_t run,
                           const std::string& env_id, const std::vector<std::string>& env_words);

}  // namespace rlsim

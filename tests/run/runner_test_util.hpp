// Shared by the runner tests: a RunSpec with a fixed master seed (7) for one env/agent pair and
// budget.
#pragma once
#include <string>
#include <utility>

#include "agents/register.hpp"
#include "bandits/register.hpp"
#include "core/registry.hpp"
#include "envs/register.hpp"
#include "run/runner.hpp"
#include "tests/test_util.hpp"

namespace rlsim::test {

inline RunSpec spec(std::string env, RawParams env_params, std::string agent, Budget budget) {
  RunSpec s;
  s.env_id = std::move(env);
  s.env_params = std::move(env_params);
  s.agent_id = std::move(agent);
  s.budget = budget;
  s.master_seed = 7;
  return s;
}

}  // namespace rlsim::test

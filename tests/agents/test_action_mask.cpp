// Action masking (core/agent.hpp, agents/tabular/exploration.hpp): the masked ε-greedy,
// softmax and greedy distributions on hand examples, and tabular agents with
// mask_actions = true on Taxi-v4 choosing only the actions its mask allows.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <vector>

#include "agents/register.hpp"
#include "agents/tabular/exploration.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"
#include "envs/register.hpp"
#include "run/runner.hpp"
#include "tests/test_util.hpp"

using namespace rlsim;

namespace {}  // namespace

TEST_CASE("action mask: masked ε-greedy, softmax and greedy on hand examples") {
  const std::array<double, 4> q{1.0, 5.0, 3.0, 5.0};
  const std::array<std::uint8_t, 4> mask{1, 0, 1, 1};
  std::array<double, 4> p{};
  // ε = 0.3 over the 3 allowed actions: 0.1 each, and the greedy one among them (action 3;
  // action 1 ties it but is masked) takes the other 0.7.
  epsilon_greedy_probabilities(q, 0.3, p, mask);
  CHECK(p[0] == Approx(0.1));
  CHECK(p[1] == 0.0);
  CHECK(p[2] == Approx(0.1));
  CHECK(p[3] == Approx(0.8));
  greedy_probabilities(q, p, mask);
  CHECK(p == std::array<double, 4>{0.0, 0.0, 0.0, 1.0});
  // Without a mask the tie of actions 1 and 3 splits the greedy mass.
  epsilon_greedy_probabilities(q, 0.3, p);
  CHECK(p[1] == Approx(0.075 + 0.35));
  CHECK(p[3] == Approx(0.075 + 0.35));
  // Softmax over {0, 1} with Q = (0, ln 2): 1/3 and 2/3; the masked action gets 0.
  const std::array<double, 3> q2{0.0, std::log(2.0), 10.0};
  const std::array<std::uint8_t, 3> mask2{1, 1, 0};
  std::array<double, 3> p2{};
  softmax_probabilities(q2, 1.0, p2, mask2);
  CHECK(p2[0] == Approx(1.0 / 3.0));
  CHECK(p2[1] == Approx(2.0 / 3.0));
  CHECK(p2[2] == 0.0);
  CHECK(max_allowed(q2, mask2) == Approx(std::log(2.0)));
  Rng rng(5);
  for (int i = 0; i < 50; ++i) CHECK(argmax_random_tie(q, rng, mask) == 3);
  const std::array<std::uint8_t, 4> none{0, 0, 0, 0};
  CHECK_THROWS_WITH(greedy_probabilities(q, p, none),
                    Catch::Contains("the action mask allows no action"));
}

TEST_CASE("action mask: masking tabular agents on Taxi choose only allowed actions") {
  const Registry& r = test::registry();
  for (const char* id : {"q-learning", "sarsa", "expected-sarsa", "double-q-learning"}) {
    for (const char* exploration : {"epsilon-greedy", "softmax"}) {
      RunSpec spec;
      spec.env_id = "Taxi-v4";
      spec.agent_id = id;
      spec.agent_params = {
          {"mask_actions", true}, {"exploration", std::string(exploration)}, {"epsilon", 0.5}};
      spec.master_seed = 11;
      spec.budget.episodes = 20;
      spec.log_steps = true;
      spec.eval_every = 500;
      spec.eval_episodes = 2;
      const RunResult res = execute_run(r, spec);
      const StepTable& st = res.steps;
      INFO(id << " " << exploration);
      REQUIRE(st.mask_dim == 6);
      REQUIRE(st.has_prob);
      REQUIRE(st.action_mask.size() == 6 * st.size());
      REQUIRE(st.info_prob.size() == st.size());
      std::size_t bad = 0;
      for (std::size_t i = 0; i < st.size(); ++i)
        bad += st.action_mask[6 * i + static_cast<std::size_t>(st.action_index[i])] == 0;
      CHECK(bad == 0);
      CHECK(st.size() > 100);
      CHECK_FALSE(res.evaluations.step.empty());
    }
  }
}

TEST_CASE("action mask: an unmasked agent does take masked actions, and the step log says so") {
  // The contrast that makes the test above meaningful: with ε = 0.5 an unmasked agent
  // picks actions the mask rules out (a bump into a wall, a pickup with nobody there).
  const Registry& r = test::registry();
  RunSpec spec;
  spec.env_id = "Taxi-v4";
  spec.agent_id = "q-learning";
  spec.agent_params = {{"epsilon", 0.5}};
  spec.master_seed = 11;
  spec.budget.episodes = 5;
  spec.log_steps = true;
  const RunResult res = execute_run(r, spec);
  const StepTable& st = res.steps;
  REQUIRE(st.mask_dim == 6);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < st.size(); ++i)
    bad += st.action_mask[6 * i + static_cast<std::size_t>(st.action_index[i])] == 0;
  CHECK(bad > 0);
}

TEST_CASE("action mask: mask_actions on an env without a mask is refused with a clear message") {
  const Registry& r = test::registry();
  RunSpec spec;
  spec.env_id = "FrozenLake-v1";
  spec.agent_id = "q-learning";
  spec.agent_params = {{"mask_actions", true}};
  spec.budget.episodes = 1;
  CHECK_THROWS_WITH(execute_run(r, spec),
                    Catch::Contains("agent 'q-learning': mask_actions = true needs an env that "
                                    "reports an action mask") &&
                        Catch::Contains("FrozenLake-v1 does not"));
}

// keep_best for every agent that is evaluated during training (agents/deep/keep_best.hpp):
// PPO, A2C, REINFORCE, SAC, TD3 and DDPG keep the policy of their best evaluation (ties: the later
// one) and deliver it at the end of training, the rest of their state (optimizer, counters, random
// stream) being the current one. The runner's side (fresh final episodes) is the same as
// DQN's (tests/run/test_runner_keep_best.cpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "on_policy_util.hpp"

using namespace rlsim;

namespace {

bool off_policy(const std::string& agent) {
  return agent == "sac" || agent == "td3" || agent == "ddpg";
}

bool is_policy(const std::string& agent, const std::string& name) {
  if (off_policy(agent)) return name.rfind("actor.", 0) == 0;
  if (name.rfind("policy.", 0) == 0) return true;
  return agent == "reinforce" ? name == "log_std" : name.rfind("obs_rms.", 0) == 0;
}

// Sets every entry of the agent's policy to `value` (through save and load).
void set_policy(Agent& agent, const std::string& id, double value) {
  StateDict s;
  agent.save(s);
  for (auto& [name, record] : s)
    if (is_policy(id, name) && name.find("count") == std::string::npos)
      for (double& x : record.data) x = value;
  agent.load(s);
}

// The value every policy entry holds (NaN when they differ).
double policy_value(const Agent& agent, const std::string& id) {
  StateDict s;
  agent.save(s);
  double v = std::nan("");
  bool first = true;
  for (const auto& [name, record] : s)
    if (is_policy(id, name) && name.find("count") == std::string::npos)
      for (double x : record.data) {
        if (first) v = x;
        if (x != v) return std::nan("");
        first = false;
      }
  return v;
}

StateDict others(const Agent& agent, const std::string& id) {
  StateDict s, out;
  agent.save(s);
  for (auto& [name, record] : s)
    if (!is_policy(id, name)) out.emplace(name, record);
  return out;
}

}  // namespace

TEST_CASE("keep_best: ppo, a2c, reinforce, sac, td3 and ddpg deliver their best evaluated policy",
          "[keep_best]") {
  const Registry& reg = test::registry();
  for (const std::string id : {"ppo", "a2c", "reinforce", "sac", "td3", "ddpg"}) {
    SECTION(id) {
      auto env = reg.make_env(off_policy(id) ? "Pendulum-v1" : "CartPole-v1", {});
      RawParams p{{"keep_best", true}, {"net_arch", std::vector<double>{4}}};
      if (id == "ppo" || id == "a2c") p["normalize_obs"] = true;
      auto agent = reg.make_agent(id, p, *env, 3);
      // Never evaluated: keep_best cannot deliver anything.
      CHECK_THROWS_WITH(agent->finish_training(), Catch::Contains("keep_best"));
      set_policy(*agent, id, 1.0);
      agent->evaluated(10, 5.0);
      set_policy(*agent, id, 2.0);
      agent->evaluated(20, 3.0);  // worse: the copy from step 10 stays
      set_policy(*agent, id, 3.0);
      agent->evaluated(30, 5.0);  // a tie: the later policy is kept
      set_policy(*agent, id, 4.0);
      agent->evaluated(40, 4.0);
      const StateDict before = others(*agent, id);
      REQUIRE(policy_value(*agent, id) == 4.0);
      REQUIRE(agent->finish_training());
      CHECK(policy_value(*agent, id) == 3.0);
      // Everything else is the current state.
      const StateDict after = others(*agent, id);
      REQUIRE(after.size() == before.size());
      for (const auto& [name, record] : before) {
        INFO(name);
        CHECK(after.at(name).data == record.data);
      }

      // The last evaluated policy is the best: nothing changes.
      auto last = reg.make_agent(id, p, *env, 3);
      set_policy(*last, id, 1.0);
      last->evaluated(10, 1.0);
      set_policy(*last, id, 2.0);
      last->evaluated(20, 2.0);
      CHECK_FALSE(last->finish_training());
      CHECK(policy_value(*last, id) == 2.0);

      // keep_best = false (the default): evaluations are ignored.
      p.erase("keep_best");
      auto plain = reg.make_agent(id, p, *env, 3);
      set_policy(*plain, id, 1.0);
      plain->evaluated(10, 9.0);
      set_policy(*plain, id, 2.0);
      plain->evaluated(20, 1.0);
      CHECK_FALSE(plain->finish_training());
      CHECK(policy_value(*plain, id) == 2.0);
    }
  }
}

// The conformance test: every registered env and agent (plugins given in RLSIM_PLUGIN_PATH
// included) goes through the same checks, in the spirit of OpenSpiel's random-simulation
// test and Gymnasium's env checker. A new env or agent is tested the moment it registers.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/error.hpp"
#include "core/plugin.hpp"
#include "core/rng.hpp"
#include "experiments/builtins.hpp"

using namespace rlsim;

namespace {

Registry all_registered() {
  Registry r;
  register_builtins(r);
  load_plugins_from_env(r);
  return r;
}

void random_action(const Space& s, Rng& rng, Value& a) {
  s.prepare(a);
  if (s.is_discrete()) {
    a.index = s.start() + rng.integer(0, s.n() - 1);
    return;
  }
  for (std::size_t i = 0; i < a.vec.size(); ++i) {
    const double lo = std::isfinite(s.low()[i]) ? s.low()[i] : -10.0;
    const double hi = std::isfinite(s.high()[i]) ? s.high()[i] : 10.0;
    a.vec[i] = static_cast<float>(rng.uniform(lo, hi));
  }
}

struct Trace {
  std::vector<std::int64_t> idx;
  std::vector<float> obs;
  std::vector<double> rewards;
  std::vector<int> flags;
};

// Plays `episodes` random episodes (capped at `max_steps` steps each), checking invariants.
Trace play(Env& env, std::uint64_t seed, int episodes, int max_steps) {
  Trace t;
  Rng rng(seed ^ 0x5eed);
  Value obs, a;
  const EnvSpec& spec = env.spec();
  for (int e = 0; e < episodes; ++e) {
    env.reset(obs, e == 0 ? std::optional<std::uint64_t>(seed) : std::nullopt);
    INFO(spec.id << " reset observation must lie in " << spec.observation_space.describe());
    REQUIRE(spec.observation_space.contains(obs));
    for (int s = 0; s < max_steps; ++s) {
      random_action(spec.action_space, rng, a);
      StepResult r = env.step(a, obs);
      INFO(spec.id << " step observation must lie in " << spec.observation_space.describe());
      REQUIRE(spec.observation_space.contains(obs));
      REQUIRE(std::isfinite(r.reward));
      t.idx.push_back(obs.index);
      t.obs.insert(t.obs.end(), obs.vec.begin(), obs.vec.end());
      t.rewards.push_back(r.reward);
      t.flags.push_back(r.terminated * 2 + r.truncated);
      if (spec.max_episode_steps > 0) REQUIRE(env.elapsed_steps() <= spec.max_episode_steps);
      if (r.truncated && !r.terminated) REQUIRE(env.elapsed_steps() == spec.max_episode_steps);
      if (r.terminated || r.truncated) {
        REQUIRE(env.episode_over());
        break;
      }
    }
  }
  return t;
}

}  // namespace

TEST_CASE("conformance: every env respects its spaces, its time limit and its seed") {
  Registry reg = all_registered();
  REQUIRE_FALSE(reg.env_ids().empty());
  for (const auto& id : reg.env_ids()) {
    SECTION(id) {
      auto env = reg.make_env(id, {});
      const EnvSpec& spec = env->spec();
      CHECK(spec.id == id);
      const int cap = 300;
      Trace a = play(*env, 11, 3, cap);
      auto env2 = reg.make_env(id, {});
      Trace b = play(*env2, 11, 3, cap);
      INFO(id << ": same seed must give the same trajectory");
      CHECK(a.idx == b.idx);
      CHECK(a.obs == b.obs);
      CHECK(a.rewards == b.rewards);
      CHECK(a.flags == b.flags);

      // Bad actions are rejected with rlsim::Error, never UB.
      Value obs, bad;
      env->reset(obs, 1);
      if (spec.action_space.is_discrete()) {
        bad.index = spec.action_space.start() + spec.action_space.n();
        REQUIRE_THROWS_AS(env->step(bad, obs), Error);
        bad.index = spec.action_space.start() - 1;
        REQUIRE_THROWS_AS(env->step(bad, obs), Error);
      } else {
        spec.action_space.prepare(bad);
        bad.vec[0] = std::nanf("");
        REQUIRE_THROWS_AS(env->step(bad, obs), Error);
        bad.vec.push_back(0.f);
        REQUIRE_THROWS_AS(env->step(bad, obs), Error);
      }

      // State get/set round trip, where offered: setting a saved state and repeating the
      // same actions reproduces the same observations and rewards.
      if (env->has_state()) {
        Rng rng(5);
        env->reset(obs, 3);
        Value act;
        for (int i = 0; i < 3 && !env->episode_over(); ++i) {
          random_action(spec.action_space, rng, act);
          env->step(act, obs);
        }
        if (!env->episode_over()) {
          std::vector<double> state;
          env->get_state(state);
          Value o1, o2;
          env->observe(o1);
          random_action(spec.action_space, rng, act);
          StepResult r1 = env->step(act, o1);
          env->reset(obs, 99);
          env->set_state(state);
          std::vector<double> again;
          env->get_state(again);
          CHECK(again == state);
          if (!env->episode_over()) {
            StepResult r2 = env->step(act, o2);
            // Envs with stochastic transitions may differ here; deterministic ones must not.
            if (r1.reward == r2.reward && o1.index == o2.index) CHECK(o1.vec == o2.vec);
          }
        }
      }

      // A model, where offered, is a probability distribution for every (s, a).
      if (const TabularModel* m = env->model()) {
        REQUIRE(spec.observation_space.is_discrete());
        REQUIRE(m->num_states == spec.observation_space.n());
        REQUIRE(m->num_actions == spec.action_space.n());
        for (std::int64_t s = 0; s < m->num_states; ++s)
          for (std::int64_t act = 0; act < m->num_actions; ++act) {
            double total = 0;
            for (const auto& o : m->at(s, act)) {
              REQUIRE(o.probability >= 0);
              REQUIRE((o.next_state >= 0 && o.next_state < m->num_states));
              total += o.probability;
            }
            REQUIRE(total == Approx(1.0).epsilon(1e-9));
          }
      }
    }
  }
}

TEST_CASE("conformance: every agent acts within the action space of every env it accepts") {
  Registry reg = all_registered();
  for (const auto& agent_id : reg.agent_ids()) {
    SECTION(agent_id) {
      int accepted = 0;
      for (const auto& env_id : reg.env_ids()) {
        auto env = reg.make_env(env_id, {});
        const auto& entry = reg.agent(agent_id);
        if (entry.check && entry.check(env->spec(), *env)) {
          // Refused: make_agent must refuse too, with a message naming both.
          REQUIRE_THROWS_WITH(reg.make_agent(agent_id, {}, *env, 1),
                              Catch::Contains(agent_id) && Catch::Contains(env_id));
          continue;
        }
        // Planning agents solve the whole model: skip the big ones to keep the suite fast.
        if (env->model() && env->model()->num_states > 1000) continue;
        ++accepted;
        auto agent = reg.make_agent(agent_id, {}, *env, 2);
        const EnvSpec& spec = env->spec();
        Value obs, next, action;
        spec.action_space.prepare(action);
        env->reset(obs, 4);
        agent->begin_episode(obs);
        for (int i = 0; i < 200; ++i) {
          Decision d;
          agent->act(obs, action, d);
          INFO(agent_id << " on " << env_id);
          REQUIRE(spec.action_space.contains(action));
          if (spec.action_space.is_discrete()) {
            // NaN means "not computable" (e.g. Thompson sampling's propensity).
            if (!std::isnan(d.probability)) {
              REQUIRE(d.probability > 0.0);
              REQUIRE(d.probability <= 1.0);
            }
          } else {
            REQUIRE(std::isfinite(d.log_prob));
          }
          StepResult r = env->step(action, next);
          agent->observe(Transition{obs, action, r.reward, next, r.terminated, r.truncated});
          std::swap(obs, next);
          if (r.terminated || r.truncated) {
            agent->end_episode();
            env->reset(obs);
            agent->begin_episode(obs);
          }
        }
      }
      INFO(agent_id << " accepted no registered env");
      CHECK(accepted > 0);
    }
  }
}

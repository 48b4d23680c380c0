// The conformance test: every registered env and agent (plugins given in RLSIM_PLUGIN_PATH
// included) goes through the same checks, in the spirit of OpenSpiel's random-simulation
// test and Gymnasium's env checker. A new env or agent is tested the moment it registers.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "experiments/builtins.hpp"
#include "run/plugin_loader.hpp"
#include "run/vector_env.hpp"

using namespace rlsim;

namespace {

// Under the sanitizer build (ASan's generic kernels run the products some 50x slower) the
// off-policy actor-critics get small networks and batches: the same code paths, at a cost
// that keeps each conformance case inside ctest's timeout. Release builds use the defaults.
RawParams sanitizer_params(const std::string& agent_id) {
#if defined(__SANITIZE_ADDRESS__)
  if (agent_id == "sac" || agent_id == "td3" || agent_id == "ddpg")
    return {{"net_arch", std::vector<double>{16, 16}}, {"batch_size", std::int64_t{16}}};
#else
  (void)agent_id;
#endif
  return {};
}

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
        auto agent = reg.make_agent(agent_id, sanitizer_params(agent_id), *env, 2);
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

namespace {

// Drives one agent on its env(s) the way the runner does: act/observe with begin_episode/
// end_episode on a single env, or act_batch/observe_batch on a VectorEnv (auto-reset) for an
// agent that asks for several copies. The agent can be swapped for another between steps,
// which then continues on the same env(s) in the same state.
struct AgentLoop {
  Agent* agent;
  std::unique_ptr<Env> env;  // single-env mode
  std::unique_ptr<VectorEnv> venv;
  Value obs, next;
  bool need_reset = true, first_reset = true;
  std::vector<Value> prev, actions;
  std::vector<Decision> decisions;
  std::vector<Transition> transitions;

  AgentLoop(const Registry& reg, const std::string& env_id, Agent& a) : agent(&a) {
    const std::int64_t n = a.num_envs();
    if (n == 1) {
      env = reg.make_env(env_id, {});
      env->spec().observation_space.prepare(obs);
      env->spec().observation_space.prepare(next);
    } else {
      std::vector<std::unique_ptr<Env>> copies;
      for (std::int64_t i = 0; i < n; ++i) copies.push_back(reg.make_env(env_id, {}));
      venv = std::make_unique<VectorEnv>(std::move(copies));
      venv->reset(21);
      prev.resize(static_cast<std::size_t>(n));
      for (Value& v : prev) venv->spec().observation_space.prepare(v);
    }
    const Space& as = env ? env->spec().action_space : venv->spec().action_space;
    actions.resize(static_cast<std::size_t>(n));
    decisions.resize(static_cast<std::size_t>(n));
    for (Value& v : actions) as.prepare(v);
  }

  // One step; the actions and decisions it took are in `actions` and `decisions`.
  void step() {
    if (venv) {
      const std::size_t n = venv->size();
      for (std::size_t i = 0; i < n; ++i) prev[i] = venv->obs(i);
      agent->act_batch(venv->obs(), actions, decisions);
      venv->step(actions);
      transitions.clear();
      for (std::size_t i = 0; i < n; ++i)
        transitions.push_back(Transition{prev[i], actions[i], venv->reward(i),
                                         venv->done(i) ? venv->final_obs(i) : venv->obs(i),
                                         venv->terminated(i), venv->truncated(i)});
      agent->observe_batch(transitions);
      return;
    }
    if (need_reset) {  // the first reset is seeded, later ones continue the env's stream
      env->reset(obs, first_reset ? std::optional<std::uint64_t>(21) : std::nullopt);
      agent->begin_episode(obs);
      need_reset = first_reset = false;
    }
    agent->act(obs, actions[0], decisions[0]);
    const StepResult r = env->step(actions[0], next);
    agent->observe(Transition{obs, actions[0], r.reward, next, r.terminated, r.truncated});
    if (r.terminated || r.truncated) {
      agent->end_episode();
      need_reset = true;
    } else {
      std::swap(obs, next);
    }
  }
};

bool same_number(double a, double b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}

// Same actions and the same reported probabilities, bit for bit (NaN matches NaN).
bool same_decisions(const AgentLoop& a, const AgentLoop& b) {
  for (std::size_t i = 0; i < a.actions.size(); ++i) {
    if (a.actions[i].index != b.actions[i].index || a.actions[i].vec != b.actions[i].vec)
      return false;
    if (!same_number(a.decisions[i].probability, b.decisions[i].probability) ||
        !same_number(a.decisions[i].log_prob, b.decisions[i].log_prob))
      return false;
  }
  return true;
}

}  // namespace

// docs/architecture.md: agents save/load their learned state; users checkpoint and resume. So for
// every agent that saves: run it, save mid-run, load into a fresh agent (built with another seed,
// so that whatever load does not restore shows), and continue: the loaded agent must take
// the same actions with the same probabilities as the agent never interrupted, and end in
// the same saved state. An agent whose save throws rlsim::Error (no learned state) is
// skipped. Each agent runs on the first registered env it accepts (big planning models
// skipped, as above), with its default parameters and a budget of the steps taken.
TEST_CASE("conformance: every agent that saves continues identically after save and load") {
  Registry reg = all_registered();
  constexpr int kBefore = 150, kAfter = 150;
  // Built-in agents with learned state when this test was written: the 25 bandit policies,
  // the tabular TD (4) and planning (2) agents, dqn, reinforce, ppo and a2c (35). Fewer
  // checked means an agent lost save/load or found no env.
  constexpr int kMinChecked = 35;
  // Parameters an agent needs for an exact continuation. DQN (and QR-DQN) saves its replay buffer
  // only when asked (as SB3 saves it apart from the model); without it, training after load samples
  // from an empty buffer; so do sac, td3 and ddpg. ppo and a2c run on 2 env copies (the batched
  // path) with rollouts short enough to update several times before and after the save.
  std::map<std::string, RawParams> params{
      {"dqn", {{"save_replay_buffer", true}}},
      {"qr-dqn", {{"save_replay_buffer", true}}},
      {"sac", {{"save_replay_buffer", true}}},
      {"td3", {{"save_replay_buffer", true}}},
      {"ddpg", {{"save_replay_buffer", true}}},
      {"ppo", {{"n_envs", std::int64_t{2}}, {"n_steps", std::int64_t{32}}}},
      {"a2c", {{"n_envs", std::int64_t{2}}}}};
  for (const char* id : {"sac", "td3", "ddpg"})
    for (auto& [key, value] : sanitizer_params(id)) params[id][key] = value;
  // Known gaps, strict: each must still fail here (remove it from the list once it passes).
  const std::vector<std::string> known_gaps{};
  int checked = 0;
  std::string skipped, failures;
  // "" when the agent continued identically; otherwise what differed.
  auto check_agent = [&](const std::string& agent_id, const std::string& env_id) -> std::string {
    auto probe = reg.make_env(env_id, {});
    const std::int64_t budget = kBefore + kAfter;
    const auto given = params.find(agent_id);
    const RawParams p = given == params.end() ? RawParams{} : given->second;
    auto uninterrupted = reg.make_agent(agent_id, p, *probe, 5, budget);
    auto saved = reg.make_agent(agent_id, p, *probe, 5, budget);
    auto loaded = reg.make_agent(agent_id, p, *probe, 6, budget);
    AgentLoop lu(reg, env_id, *uninterrupted), ls(reg, env_id, *saved);
    for (int t = 0; t < kBefore; ++t) {
      lu.step();
      ls.step();
      if (!same_decisions(lu, ls))
        return "same seed and env history, other decision at step " + std::to_string(t);
    }
    StateDict state;
    try {
      saved->save(state);
    } catch (const Error&) {
      return "skip";
    }
    loaded->load(state);
    ls.agent = loaded.get();  // continues on the saved agent's env(s), in their state
    for (int t = 0; t < kAfter; ++t) {
      lu.step();
      ls.step();
      if (!same_decisions(lu, ls))
        return "other decision at step " + std::to_string(t) + " after load";
    }
    StateDict a, b;
    uninterrupted->save(a);
    loaded->save(b);
    for (const auto& [name, record] : a)
      if (b.count(name) == 0 || b.at(name).shape != record.shape || b.at(name).data != record.data)
        return "saved entry '" + name + "' differs at the end";
    if (a.size() != b.size()) return "the final saved states have other entries";
    return "";
  };
  for (const auto& agent_id : reg.agent_ids()) {
    const AgentEntry& entry = reg.agent(agent_id);
    std::string env_id;
    for (const auto& candidate : reg.env_ids()) {
      auto env = reg.make_env(candidate, {});
      if (entry.check && entry.check(env->spec(), *env)) continue;
      if (env->model() && env->model()->num_states > 1000) continue;
      env_id = candidate;
      break;
    }
    INFO(agent_id << " accepts no registered env");
    REQUIRE_FALSE(env_id.empty());
    std::string outcome;
    try {
      outcome = check_agent(agent_id, env_id);
    } catch (const std::exception& e) {
      outcome = std::string("threw: ") + e.what();
    }
    const bool known_gap =
        std::find(known_gaps.begin(), known_gaps.end(), agent_id) != known_gaps.end();
    if (outcome == "skip")
      skipped += agent_id + " ";
    else if (known_gap)
      failures += outcome.empty() ? agent_id +
                                        " now continues identically: remove it from "
                                        "known_gaps\n"
                                  : "";
    else if (!outcome.empty())
      failures += agent_id + " on " + env_id + ": " + outcome + "\n";
    else
      ++checked;
  }
  INFO("skipped (save throws): " << skipped);
  INFO("checked: " << checked);
  CHECK(failures == "");
  CHECK(checked >= kMinChecked);
}

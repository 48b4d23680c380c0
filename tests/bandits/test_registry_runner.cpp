// Every registered bandit policy through the registry on a bandit problem (actions in range,
// probabilities valid, determinism), compatibility refusals, and runs through core's
// execute_run whose regret curve must equal an independent loop over env.oracle(); save/load
// mid-batch (through an HDF5 file) continuing exactly.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "bandits/policies/bandit_policy.hpp"
#include "bandits/register.hpp"
#include "helpers.hpp"
#include "run/hdf5_log.hpp"
#include "run/runner.hpp"

using namespace rlsim;

namespace {

// A stand-in for an MDP or a control task, to check refusals.
class FakeEnv final : public Env {
 public:
  explicit FakeEnv(Space obs) : Env(make_spec(std::move(obs))) {}

 protected:
  void do_reset(Value&) override {}
  StepResult do_step(const Value&, Value&) override { return {}; }

 private:
  static EnvSpec make_spec(Space obs) {
    EnvSpec s;
    s.id = "Fake-v0";
    s.observation_space = std::move(obs);
    s.action_space = Space::discrete(2);
    return s;
  }
};

Registry bandit_registry() {
  Registry r;
  register_bandits(r);
  return r;
}

// Bandit policies are the agents with the parameters every bandit policy has (batch): the
// registry also holds the other folders' agents (registration is process-wide).
bool is_bandit_policy(const Registry& r, const std::string& id) {
  return r.agent(id).schema.find("batch") != nullptr;
}

std::vector<std::string> bandit_agent_ids(const Registry& r) {
  std::vector<std::string> ids;
  for (const auto& id : r.agent_ids())
    if (is_bandit_policy(r, id) && r.agent(id).check) {
      FakeEnv box(Space::box(-1.0f, 1.0f, {3}));
      // Non-contextual policies refuse a Box context; contextual ones accept it.
      if (r.agent(id).check(box.spec(), box)) ids.push_back(id);
    }
  return ids;
}

}  // namespace

TEST_CASE("registry: every non-contextual policy runs on every stationary problem",
          "[bandits][registry]") {
  Registry registry = bandit_registry();
  const auto ids = bandit_agent_ids(registry);
  CHECK(ids.size() >= 21);
  for (const auto& id : ids) {
    INFO("agent " << id);
    CHECK_FALSE(registry.agent(id).doc.empty());
    auto env = registry.make_env("BernoulliBandit-v0", {{"horizon", std::int64_t{300}}});
    std::vector<std::int64_t> first;
    for (int repeat = 0; repeat < 2; ++repeat) {
      auto agent = registry.make_agent(id, {}, *env, 77);
      Value obs, next, action;
      env->spec().action_space.prepare(action);
      env->reset(obs, 5);
      std::vector<std::int64_t> arms;
      bool ok = true;
      for (int t = 0; t < 300; ++t) {
        Decision d;
        agent->act(obs, action, d);
        ok = ok && action.index >= 0 && action.index < 9;
        ok = ok && (std::isnan(d.probability) || (d.probability > 0.0 && d.probability <= 1.0));
        StepResult r = env->step(action, next);
        agent->observe(Transition{obs, action, r.reward, next, r.terminated, r.truncated});
        arms.push_back(action.index);
      }
      CHECK(ok);
      CHECK(env->episode_over());
      if (repeat == 0)
        first = arms;
      else
        CHECK(arms == first);  // same seeds, same trajectory
    }
  }
}

TEST_CASE("registry: policies refuse envs that are not bandit problems", "[bandits][registry]") {
  Registry registry = bandit_registry();
  FakeEnv box(Space::box(-1.0f, 1.0f, {3}));
  FakeEnv mdp(Space::discrete(16));
  CHECK_THROWS_WITH(registry.make_agent("ucb1", {}, box, 1),
                    Catch::Contains("non-contextual") && Catch::Contains("contextual policy"));
  CHECK_THROWS_WITH(registry.make_agent("thompson", {}, mdp, 1), Catch::Contains("Discrete(16)"));
  // Horizon-dependent policies on an env without time limit need the parameter.
  FakeEnv single(Space::discrete(1));
  CHECK_THROWS_WITH(registry.make_agent("moss", {}, single, 1), Catch::Contains("horizon"));
  CHECK_NOTHROW(registry.make_agent("moss", {{"horizon", std::int64_t{100}}}, single, 1));
}

TEST_CASE("runner: execute_run's regret curve equals an independent oracle loop",
          "[bandits][runner]") {
  Registry registry = bandit_registry();
  for (const char* agent_id : {"ucb1", "thompson", "exp3"}) {
    INFO(agent_id);
    RunSpec spec;
    spec.env_id = "BernoulliBandit-v0";
    spec.env_params = {{"means", std::vector<double>{0.2, 0.5, 0.6}},
                       {"horizon", std::int64_t{3000}}};
    spec.agent_id = agent_id;
    spec.seed_index = 3;
    spec.master_seed = 42;
    spec.budget.episodes = 1;
    RunResult res = execute_run(registry, spec);
    REQUIRE(res.regret.size() > 10);
    CHECK(res.total_steps == 3000);
    CHECK(res.regret.step.back() == 3000);
    REQUIRE(res.episodes.size() == 1);
    CHECK(res.episodes.truncated[0] == 1);
    CHECK(res.episodes.terminated[0] == 0);
    bool monotone = true;
    for (std::size_t i = 1; i < res.regret.size(); ++i)
      monotone = monotone && res.regret.pseudo_regret[i] >= res.regret.pseudo_regret[i - 1];
    CHECK(monotone);

    auto env = registry.make_env(spec.env_id, spec.env_params);
    auto agent = registry.make_agent(agent_id, {}, *env, res.info.agent_seed);
    CHECK(res.info.env_seed == derive_seed(42, 3, "env"));
    auto loop = test::run_loop(*env, *agent, 3000, res.info.env_seed, true);
    // The pulls of the best arm (index 2, mean 0.6) up to each checkpoint, counted here from
    // the loop's actions.
    std::vector<std::int64_t> best_pulls;
    std::int64_t n = 0;
    for (const std::int64_t a : loop.actions) best_pulls.push_back(n += a == 2 ? 1 : 0);
    for (std::size_t i = 0; i < res.regret.size(); ++i) {
      const auto t = static_cast<std::size_t>(res.regret.step[i] - 1);
      CHECK(res.regret.pseudo_regret[i] == loop.regret_curve[t]);
      CHECK(res.regret.optimal_pulls[i] == best_pulls[t]);
    }
    CHECK(res.regret.optimal_pulls.back() == loop.pulls[2]);
    CHECK(res.episodes.returns[0] == loop.total_reward);
    CHECK(res.regret.realised_regret.back() == Approx(3000 * 0.6 - loop.total_reward));
  }
}

TEST_CASE("save/load mid-batch: every policy continues as if never interrupted",
          "[bandits][registry][state]") {
  // With batched feedback (batch = 8) a save after 13 pulls holds 5 transitions not yet
  // revealed; the loaded policy (built with another seed) must reveal them at the same pull
  // and take the same actions with the same probabilities as the uninterrupted one.
  Registry reg = bandit_registry();
  const RawParams p{{"batch", std::int64_t{8}}};
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() /
      ("rlsim_bandits_mid_batch_" + std::to_string(::getpid()) + ".h5");
  int checked = 0;
  for (const auto& id : reg.agent_ids()) {
    if (!is_bandit_policy(reg, id)) continue;
    std::string env_id;
    for (const char* candidate : {"BernoulliBandit-v0", "LinearContextualBandit-v0"}) {
      auto env = reg.make_env(candidate, {});
      if (!reg.agent(id).check(env->spec(), *env)) {
        env_id = candidate;
        break;
      }
    }
    INFO(id << " on " << env_id);
    REQUIRE_FALSE(env_id.empty());
    auto env_u = reg.make_env(env_id, {}), env_s = reg.make_env(env_id, {});
    auto u = reg.make_agent(id, p, *env_u, 1), s = reg.make_agent(id, p, *env_s, 1);
    auto l = reg.make_agent(id, p, *env_s, 2);
    Value obs_u, obs_s, next, au, as;
    env_u->spec().action_space.prepare(au);
    env_u->spec().action_space.prepare(as);
    env_u->reset(obs_u, 9);
    env_s->reset(obs_s, 9);
    Agent* second = s.get();
    const auto step = [&](Agent& agent, Env& env, Value& obs, Value& action) {
      Decision d;
      agent.act(obs, action, d);
      const StepResult r = env.step(action, next);
      agent.observe(Transition{obs, action, r.reward, next, r.terminated, r.truncated});
      std::swap(obs, next);
      return d;
    };
    for (int t = 0; t < 53; ++t) {
      if (t == 13) {
        StateDict saved;
        s->save(saved);
        // Through an HDF5 file, as a checkpoint would go (pending.obs.vec of a Discrete(1)
        // context has shape {5, 0}).
        write_state_dict(file.string(), id, saved);
        const StateDict state = read_state_dict(file.string(), id);
        REQUIRE(state.size() == saved.size());
        REQUIRE(state.count("pending.reward") == 1);
        CHECK(state.at("pending.reward").shape == std::vector<std::int64_t>{5});
        l->load(state);
        CHECK(dynamic_cast<BanditAgent&>(*l).pending_feedback() == 5);
        second = l.get();
        // Five pending transitions do not fit a policy that reveals every 4 pulls.
        auto small = reg.make_agent(id, {{"batch", std::int64_t{4}}}, *env_s, 2);
        CHECK_THROWS_WITH(small->load(state), Catch::Contains("batch"));
      }
      const Decision du = step(*u, *env_u, obs_u, au);
      const Decision ds = step(*second, *env_s, obs_s, as);
      INFO("pull " << t);
      REQUIRE(au.index == as.index);
      REQUIRE((du.probability == ds.probability ||
               (std::isnan(du.probability) && std::isnan(ds.probability))));
    }
    ++checked;
  }
  std::filesystem::remove(file);
  CHECK(checked == 31);  // every bandit policy registered
}

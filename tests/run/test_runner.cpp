// The runner's loop and bookkeeping, on small envs and agents defined here.
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "core/rng.hpp"
#include "run/runner.hpp"

using namespace rlsim;

namespace {

// A corridor of n cells; action 1 moves right, 0 stays. Reaching the end terminates with
// reward 1; every other step gives -0.1. A noisy variant flips the move with prob. 0.3.
class Corridor : public Env {
 public:
  Corridor(int n, double flip, std::int64_t limit)
      : Env(EnvSpec{"Corridor-v0", Space::discrete(n), Space::discrete(2), limit, {}, false, true}),
        n_(n),
        flip_(flip) {}

 protected:
  void do_reset(Value& obs) override {
    pos_ = 0;
    obs.index = 0;
  }
  StepResult do_step(const Value& a, Value& obs) override {
    bool right = a.index == 1;
    if (flip_ > 0 && rng().bernoulli(flip_)) right = !right;
    if (right) ++pos_;
    obs.index = pos_;
    StepResult r;
    r.terminated = pos_ == n_ - 1;
    r.success = r.terminated;
    r.reward = r.terminated ? 1.0 : -0.1;
    return r;
  }

 private:
  int n_;
  double flip_;
  int pos_ = 0;
};

// A two-armed bandit with means 0.2 and 0.7 whose rewards are the means (deterministic).
class TwoArms : public Env, public Oracle {
 public:
  TwoArms()
      : Env(EnvSpec{"TwoArms-v0", Space::discrete(1), Space::discrete(2), 0, {}, false, false}) {}
  const Oracle* oracle() const override { return this; }
  double expected_reward(std::int64_t a) const override { return a == 0 ? 0.2 : 0.7; }
  double best_expected_reward() const override { return 0.7; }

 protected:
  void do_reset(Value& obs) override { obs.index = 0; }
  StepResult do_step(const Value& a, Value&) override {
    StepResult r;
    r.reward = expected_reward(a.index);
    return r;
  }
};

// Always plays `action`; records what it saw.
class Fixed : public Agent {
 public:
  explicit Fixed(std::int64_t action) : action_(action) {}
  void act(const Value&, Value& action, Decision& d) override {
    action.index = action_;
    d.probability = 1.0;
  }
  void observe(const Transition& t) override {
    ++observed;
    last_truncated = t.truncated;
  }
  int observed = 0;
  bool last_truncated = false;

 private:
  std::int64_t action_;
};

// Uniformly random actions from its own stream.
class Uniform : public Agent {
 public:
  Uniform(std::uint64_t seed, std::int64_t n) : rng_(seed), n_(n) {}
  void act(const Value&, Value& action, Decision& d) override {
    action.index = rng_.integer(0, n_ - 1);
    d.probability = 1.0 / static_cast<double>(n_);
  }

 private:
  Rng rng_;
  std::int64_t n_;
};

// Acts from its own stream mixed with a hash of every transition and episode boundary it was
// shown, so that any difference in what the runner hands it changes its later actions.
class History : public Agent {
 public:
  History(std::uint64_t seed, std::int64_t n) : rng_(seed), n_(n) {}
  void act(const Value& obs, Value& action, Decision& d) override {
    mix(static_cast<std::uint64_t>(obs.index) + 11);
    action.index =
        static_cast<std::int64_t>((rng_.engine()() ^ hash_) % static_cast<std::uint64_t>(n_));
    d.probability = 0.25 + 0.5 * static_cast<double>(action.index);
    d.log_prob = -static_cast<double>(hash_ % 7);
  }
  void observe(const Transition& t) override {
    mix(static_cast<std::uint64_t>(t.obs.index));
    mix(static_cast<std::uint64_t>(t.action.index));
    mix(static_cast<std::uint64_t>(t.reward * 1000.0 + 5000.0));
    mix(static_cast<std::uint64_t>(t.next_obs.index));
    mix(static_cast<std::uint64_t>(t.terminated) + 2 * static_cast<std::uint64_t>(t.truncated));
  }
  void begin_episode(const Value& obs) override { mix(static_cast<std::uint64_t>(obs.index) + 77); }
  void end_episode() override { mix(99); }

 private:
  void mix(std::uint64_t x) { hash_ = mix64(hash_ ^ x); }
  Rng rng_;
  std::int64_t n_;
  std::uint64_t hash_ = 0;
};

// Asks the run to stop (RunCounters::stop) after `after` actions; counts its actions.
RunCounters* g_stop_counters = nullptr;
std::int64_t g_stopper_acts = 0;
class Stopper : public Agent {
 public:
  void act(const Value&, Value& action, Decision&) override {
    action.index = 0;
    if (++g_stopper_acts == 5000) g_stop_counters->stop.store(true);
  }
};

Registry test_registry() {
  Registry r;
  r.add_env({"Corridor-v0", "test corridor",
             ParamSchema{param_int("n", 5, "cells", 2, 100),
                         param_double("flip", 0.0, "flip probability", 0.0, 1.0)},
             [](const Params& p) -> std::unique_ptr<Env> {
               return std::make_unique<Corridor>(static_cast<int>(p.get_int("n")),
                                                 p.get_double("flip"), 20);
             }});
  r.add_env({"TwoArms-v0", "test bandit", {}, [](const Params&) -> std::unique_ptr<Env> {
               return std::make_unique<TwoArms>();
             }});
  r.add_agent({"fixed", "fixed action", ParamSchema{param_int("action", 1, "the action", 0, 1)},
               require_discrete_actions,
               [](const AgentContext&, const Params& p) -> std::unique_ptr<Agent> {
                 return std::make_unique<Fixed>(p.get_int("action"));
               }});
  r.add_agent({"uniform",
               "uniform random",
               {},
               require_discrete_actions,
               [](const AgentContext& c, const Params&) -> std::unique_ptr<Agent> {
                 return std::make_unique<Uniform>(c.seed, c.spec.action_space.n());
               }});
  r.add_agent({"history",
               "acts on a hash of what it saw",
               {},
               require_discrete_actions,
               [](const AgentContext& c, const Params&) -> std::unique_ptr<Agent> {
                 return std::make_unique<History>(c.seed, c.spec.action_space.n());
               }});
  r.add_agent({"stopper",
               "stops the run",
               {},
               require_discrete_actions,
               [](const AgentContext&, const Params&) -> std::unique_ptr<Agent> {
                 return std::make_unique<Stopper>();
               }});
  return r;
}

RunSpec spec(const std::string& env, const std::string& agent, RawParams ap = {}) {
  RunSpec s;
  s.env_id = env;
  s.agent_id = agent;
  s.agent_params = std::move(ap);
  s.master_seed = 3;
  s.budget.episodes = 10;
  return s;
}

}  // namespace

TEST_CASE("runner records returns, lengths, termination and success per episode") {
  Registry r = test_registry();
  RunResult res = execute_run(r, spec("Corridor-v0", "fixed"));
  REQUIRE(res.episodes.size() == 10);
  for (std::size_t i = 0; i < 10; ++i) {
    CHECK(res.episodes.lengths[i] == 4);
    CHECK(res.episodes.returns[i] == Approx(1.0 - 3 * 0.1));
    CHECK(res.episodes.terminated[i] == 1);
    CHECK(res.episodes.truncated[i] == 0);
    CHECK(res.episodes.success[i] == 1);
    CHECK(res.episodes.end_steps[i] == 4 * static_cast<std::int64_t>(i + 1));
  }
  CHECK(res.total_steps == 40);
}

TEST_CASE("runner: the time limit truncates and the agent sees truncated") {
  Registry r = test_registry();
  RunResult res = execute_run(r, spec("Corridor-v0", "fixed", {{"action", std::int64_t{0}}}));
  REQUIRE(res.episodes.size() == 10);
  CHECK(res.episodes.lengths[0] == 20);
  CHECK(res.episodes.truncated[0] == 1);
  CHECK(res.episodes.terminated[0] == 0);
  CHECK(res.episodes.success[0] == 0);
  CHECK(res.episodes.returns[0] == Approx(-2.0));
}

TEST_CASE("runner: a step budget drops the unfinished last episode") {
  Registry r = test_registry();
  RunSpec s = spec("Corridor-v0", "fixed");
  s.budget.episodes = 0;
  s.budget.steps = 10;  // episodes of 4 steps: two complete, one cut
  RunResult res = execute_run(r, s);
  CHECK(res.episodes.size() == 2);
  CHECK(res.total_steps == 10);
}

TEST_CASE("runner logs steps with probabilities when asked") {
  Registry r = test_registry();
  RunSpec s = spec("Corridor-v0", "uniform");
  s.budget.episodes = 3;
  s.log_steps = true;
  RunResult res = execute_run(r, s);
  std::int64_t total_len = 0;
  for (auto l : res.episodes.lengths) total_len += l;
  REQUIRE(res.steps.size() == static_cast<std::size_t>(total_len));
  CHECK(res.steps.probability.front() == 0.5);
  CHECK(res.steps.episode.back() == 2);
  CHECK(res.steps.t.front() == 0);
  CHECK(res.steps.obs_index.front() == 0);
  // Rewards logged per step add up to the episode returns.
  double sum = 0;
  for (double x : res.steps.reward) sum += x;
  double ret = 0;
  for (double x : res.episodes.returns) ret += x;
  CHECK(sum == Approx(ret));
}

TEST_CASE("runner: pseudo-regret from the oracle is exact at log-spaced checkpoints") {
  Registry r = test_registry();
  RunSpec s = spec("TwoArms-v0", "fixed", {{"action", std::int64_t{0}}});
  s.budget.episodes = 0;
  s.budget.steps = 1000;
  RunResult res = execute_run(r, s);
  REQUIRE(res.regret.size() > 10);
  CHECK(res.regret.step.front() == 1);
  CHECK(res.regret.step.back() == 1000);
  for (std::size_t i = 0; i < res.regret.size(); ++i) {
    CHECK(res.regret.pseudo_regret[i] == Approx(0.5 * res.regret.step[i]));
    CHECK(res.regret.realised_regret[i] == Approx(0.5 * res.regret.step[i]));
    CHECK(res.regret.optimal_pulls[i] == 0);  // arm 0 is never the best
    if (i) CHECK(res.regret.step[i] > res.regret.step[i - 1]);
  }
  s.agent_params = {{"action", std::int64_t{1}}};
  s.regret_every_step = true;
  RunResult best = execute_run(r, s);
  CHECK(best.regret.size() == 1000);
  CHECK(best.regret.pseudo_regret.back() == 0.0);
  CHECK(best.regret.optimal_pulls == best.regret.step);  // every pull is of the best arm
}

TEST_CASE("log_spaced_checkpoints are increasing, start at 1 and end at the horizon") {
  auto c = log_spaced_checkpoints(100000, 10);
  CHECK(c.front() == 1);
  CHECK(c.back() == 100000);
  for (std::size_t i = 1; i < c.size(); ++i) CHECK(c[i] > c[i - 1]);
  CHECK(c.size() < 60);
}

TEST_CASE("results are identical whatever the number of threads") {
  Registry r = test_registry();
  std::vector<RunSpec> specs;
  for (int i = 0; i < 12; ++i) {
    RunSpec s = spec("Corridor-v0", "uniform");
    s.env_params = {{"flip", 0.3}, {"n", std::int64_t{6}}};
    s.run_index = i;
    s.seed_index = i % 6;
    s.budget.episodes = 25;
    specs.push_back(s);
  }
  auto collect = [&](int threads) {
    std::map<std::int64_t, std::vector<double>> out;
    RunnerOptions o;
    o.threads = threads;
    o.on_complete = [&](RunResult&& res) { out[res.info.run_index] = res.episodes.returns; };
    execute_runs(r, specs, o);
    return out;
  };
  auto one = collect(1);
  auto two = collect(2);
  REQUIRE(one.size() == 12);
  CHECK(one == two);
  // Same seed index → same numbers (common random numbers); different ones differ.
  CHECK(one[0] == one[6]);
  CHECK(one[0] != one[1]);
}

TEST_CASE("runner refuses bad grids before running anything") {
  Registry r = test_registry();
  RunnerOptions o;
  int completed = 0;
  o.on_complete = [&](RunResult&&) { ++completed; };
  std::vector<RunSpec> specs{spec("Corridor-v0", "fixed"), spec("Corridor-v1", "fixed")};
  REQUIRE_THROWS_WITH(execute_runs(r, specs, o), Catch::Contains("unknown env id 'Corridor-v1'") &&
                                                     Catch::Contains("did you mean: Corridor-v0"));
  CHECK(completed == 0);
  specs = {spec("Corridor-v0", "fixed", {{"action", std::int64_t{2}}})};
  REQUIRE_THROWS_WITH(execute_runs(r, specs, o), Catch::Contains("out of range"));
  RunSpec nobudget = spec("Corridor-v0", "fixed");
  nobudget.budget.episodes = 0;
  REQUIRE_THROWS_WITH(execute_run(r, nobudget), Catch::Contains("no budget"));
}

TEST_CASE("env base class: actions outside the space and steps after the end are errors") {
  Corridor env(3, 0.0, 5);
  Value obs, a;
  a.index = 1;
  REQUIRE_THROWS_WITH(env.step(a, obs), Catch::Contains("before reset"));
  env.reset(obs, 1);
  a.index = 2;
  REQUIRE_THROWS_WITH(env.step(a, obs), Catch::Contains("action for Corridor-v0 is 2, outside"));
  a.index = 1;
  env.step(a, obs);
  StepResult s = env.step(a, obs);
  CHECK(s.terminated);
  REQUIRE_THROWS_WITH(env.step(a, obs), Catch::Contains("after the episode ended"));
}

// The single-env loop is compiled once per combination of regret oracle and step logging, and
// folds regret checkpoints, progress updates, evaluations and the step budget into one
// per-step test: none of these options may change what the agent sees or what is recorded.
TEST_CASE("runner: step logging, regret every step and progress counters leave results unchanged") {
  Registry r = test_registry();
  struct Case {
    std::string env;
    RawParams env_params;
    std::int64_t episodes, steps;
  };
  // Corridor: episodes end (terminated or truncated at 20) and the step budget cuts the last
  // one; TwoArms (regret oracle, no time limit): one episode cut by the step budget, longer
  // than a progress update (4096 steps).
  const std::vector<Case> cases{{"Corridor-v0", {{"flip", 0.3}, {"n", std::int64_t{6}}}, 40, 333},
                                {"Corridor-v0", {{"flip", 0.3}, {"n", std::int64_t{6}}}, 25, 0},
                                {"TwoArms-v0", {}, 0, 9000}};
  for (const Case& c : cases) {
    CAPTURE(c.env, c.episodes, c.steps);
    RunSpec base = spec(c.env, "history");
    base.env_params = c.env_params;
    base.budget.episodes = c.episodes;
    base.budget.steps = c.steps;
    base.eval_every = 47;  // mid-episode evaluations
    base.eval_episodes = 2;
    if (c.env == "TwoArms-v0") base.eval_every = 4000;  // its eval episodes run 100000 steps
    const RunResult ref = execute_run(r, base);
    REQUIRE(ref.total_steps > 0);
    CHECK(ref.evaluations.size() > 2);
    for (int variant = 1; variant < 8; ++variant) {
      RunSpec s = base;
      s.log_steps = (variant & 1) != 0;
      s.regret_every_step = (variant & 2) != 0;
      RunCounters counters;
      const RunResult res = execute_run(r, s, (variant & 4) ? &counters : nullptr);
      CAPTURE(variant);
      CHECK(res.total_steps == ref.total_steps);
      CHECK(res.episodes.returns == ref.episodes.returns);
      CHECK(res.episodes.lengths == ref.episodes.lengths);
      CHECK(res.episodes.end_steps == ref.episodes.end_steps);
      CHECK(res.episodes.terminated == ref.episodes.terminated);
      CHECK(res.episodes.truncated == ref.episodes.truncated);
      CHECK(res.episodes.success == ref.episodes.success);
      CHECK(res.evaluations.step == ref.evaluations.step);
      CHECK(res.evaluations.returns == ref.evaluations.returns);
      CHECK(res.evaluations.lengths == ref.evaluations.lengths);
      if (variant & 4) CHECK(counters.steps.load() == res.total_steps);
      if (c.env == "TwoArms-v0") {
        REQUIRE(ref.regret.size() > 10);
        CHECK(ref.regret.step.back() == ref.total_steps);
        if (s.regret_every_step) {
          // Every step recorded; at the log-spaced steps the same sums as the default curve.
          REQUIRE(res.regret.size() == static_cast<std::size_t>(ref.total_steps));
          for (std::size_t i = 0; i < ref.regret.size(); ++i) {
            const auto row = static_cast<std::size_t>(ref.regret.step[i] - 1);
            CHECK(res.regret.step[row] == ref.regret.step[i]);
            CHECK(res.regret.pseudo_regret[row] == ref.regret.pseudo_regret[i]);
            CHECK(res.regret.realised_regret[row] == ref.regret.realised_regret[i]);
            CHECK(res.regret.optimal_pulls[row] == ref.regret.optimal_pulls[i]);
          }
        } else {
          CHECK(res.regret.step == ref.regret.step);
          CHECK(res.regret.pseudo_regret == ref.regret.pseudo_regret);
          CHECK(res.regret.realised_regret == ref.regret.realised_regret);
          CHECK(res.regret.optimal_pulls == ref.regret.optimal_pulls);
        }
      } else {
        CHECK(res.regret.size() == 0);
      }
      if (s.log_steps) {
        // One row per step; rows of each recorded episode add up to its return, in order.
        REQUIRE(res.steps.size() == static_cast<std::size_t>(res.total_steps));
        std::size_t row = 0;
        for (std::size_t e = 0; e < res.episodes.size(); ++e) {
          double sum = 0.0;
          for (std::int64_t t = 0; t < res.episodes.lengths[e]; ++t, ++row) {
            CHECK(res.steps.episode[row] == static_cast<std::int64_t>(e));
            CHECK(res.steps.t[row] == t);
            sum += res.steps.reward[row];
          }
          CHECK(sum == res.episodes.returns[e]);
          CHECK(res.steps.terminated[row - 1] == res.episodes.terminated[e]);
        }
        CHECK(res.steps.probability[0] == 0.25 + 0.5 * res.steps.action_index[0]);
      } else {
        CHECK(res.steps.size() == 0);
      }
    }
  }
}

TEST_CASE("runner: a stop request ends a long episode at the next progress update") {
  Registry r = test_registry();
  RunSpec s = spec("TwoArms-v0", "stopper");
  s.budget.episodes = 0;
  s.budget.steps = 1000000;  // one episode (TwoArms has no time limit)
  RunCounters counters;
  g_stop_counters = &counters;
  g_stopper_acts = 0;
  REQUIRE_THROWS_AS(execute_run(r, s, &counters), Interrupted);
  CHECK(g_stopper_acts == 8192);  // the update after the request, at 2 × 4096 steps
  CHECK(counters.steps.load() == 8192);
}

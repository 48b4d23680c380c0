// The runner's features for deep-RL agents: the batched (vector env) loop, evaluation during
// training, diagnostics and saved agent state, and their config keys. A probe agent defined
// here checks, from the inside, what the runner hands it.
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "core/rng.hpp"
#include "experiments/config.hpp"
#include "run/runner.hpp"

using namespace rlsim;

namespace {

constexpr std::int64_t kCells = 5;
constexpr std::int64_t kLimit = 8;

// A noisy walk: action 1 moves right (flipped with probability 0.3), 0 stays. Reaching cell
// 4 terminates (+1); each step costs 0.1; 8 steps truncate. The observation encodes the
// cell and the step count (cell + 100 * step), so a final observation never equals a reset
// one and the agent can check which episode step a transition belongs to.
class Walk : public Env {
 public:
  Walk()
      : Env(EnvSpec{
            "Walk-v0", Space::discrete(1000), Space::discrete(2), kLimit, {}, false, true}) {}

 protected:
  void do_reset(Value& obs) override {
    pos_ = 0;
    t_ = 0;
    obs.index = 0;
  }
  StepResult do_step(const Value& a, Value& obs) override {
    bool right = a.index == 1;
    if (rng().bernoulli(0.3)) right = !right;
    if (right) ++pos_;
    ++t_;
    obs.index = pos_ + 100 * t_;
    StepResult r;
    r.terminated = pos_ == kCells - 1;
    r.success = r.terminated;
    r.reward = r.terminated ? 1.0 : -0.1;
    return r;
  }

 private:
  std::int64_t pos_ = 0, t_ = 0;
};

// What the probe saw, shared with the test when it asks (single-run tests only).
struct ProbeLog {
  std::vector<std::string> violations;
  std::int64_t batches = 0, transitions = 0, eval_acts = 0;
  std::vector<std::int64_t> eval_act_steps;  // training steps seen when act() ran
  // Finished episodes in the order the agent saw them: (copy, return, length).
  std::vector<std::tuple<std::size_t, double, std::int64_t>> episodes;
  void fail(const std::string& what) { violations.push_back(what); }
};

class Probe : public Agent {
 public:
  Probe(std::uint64_t seed, std::int64_t n, bool can_save, bool save_fails, ProbeLog* log)
      : rng_(seed), n_(n), can_save_(can_save), save_fails_(save_fails), log_(log ? log : &own_) {
    expected_.assign(static_cast<std::size_t>(n), 0);
    ret_.assign(static_cast<std::size_t>(n), 0.0);
    len_.assign(static_cast<std::size_t>(n), 0);
    diag_.names = {"batch", "mean_reward"};
  }
  std::int64_t num_envs() const override { return n_; }

  // Single-env act: training when n_ == 1, evaluation otherwise (always moves right).
  void act(const Value& obs, Value& action, Decision& d) override {
    if (evaluation()) {
      ++log_->eval_acts;
      log_->eval_act_steps.push_back(steps_);
      action.index = 1;
      d.probability = 1.0;
      return;
    }
    if (n_ > 1) log_->fail("act() in training mode with num_envs > 1");
    if (obs.index != expected_[0]) log_->fail("single: unexpected obs");
    action.index = rng_.integer(0, 1);
    d.probability = 0.5;
  }
  void observe(const Transition& t) override {
    if (evaluation()) log_->fail("observe() during evaluation");
    if (n_ > 1) log_->fail("observe() with num_envs > 1");
    ++steps_;
    expected_[0] = t.terminated || t.truncated ? 0 : t.next_obs.index;
  }
  void act_batch(std::span<const Value> obs, std::span<Value> actions,
                 std::span<Decision> decisions) override {
    if (evaluation()) log_->fail("act_batch() during evaluation");
    if (obs.size() != static_cast<std::size_t>(n_) || actions.size() != obs.size() ||
        decisions.size() != obs.size())
      log_->fail("act_batch: wrong sizes");
    for (std::size_t i = 0; i < obs.size(); ++i) {
      if (obs[i].index != expected_[i]) log_->fail("act_batch: obs is not the expected one");
      actions[i].index = rng_.integer(0, 1);
      decisions[i].probability = 0.5;
      last_action_[i % 16] = actions[i].index;
    }
  }
  void observe_batch(std::span<const Transition> ts) override {
    if (evaluation()) log_->fail("observe_batch() during evaluation");
    if (ts.size() != static_cast<std::size_t>(n_)) log_->fail("observe_batch: wrong size");
    ++log_->batches;
    steps_ += n_;
    double sum = 0.0;
    for (std::size_t i = 0; i < ts.size(); ++i) {
      const Transition& t = ts[i];
      ++log_->transitions;
      sum += t.reward;
      if (t.obs.index != expected_[i]) log_->fail("transition obs is not the acted-on obs");
      if (t.action.index != last_action_[i % 16]) log_->fail("transition action differs");
      ++len_[i];
      ret_[i] += t.reward;
      // next_obs is the real next observation, also (the final one) when the episode ended.
      if (t.next_obs.index / 100 != len_[i]) log_->fail("next_obs is not this episode's");
      if (t.terminated && t.next_obs.index % 100 != kCells - 1)
        log_->fail("terminated transition without the goal cell");
      if (t.truncated != (len_[i] == kLimit && !t.terminated)) log_->fail("truncated flag");
      if (t.terminated || t.truncated) {
        log_->episodes.emplace_back(i, ret_[i], len_[i]);
        ret_[i] = 0.0;
        len_[i] = 0;
        expected_[i] = 0;  // the next act_batch sees the new episode's first observation
      } else {
        expected_[i] = t.next_obs.index;
      }
    }
    diag_.add_row(steps_, {static_cast<double>(log_->batches), sum / static_cast<double>(n_)});
  }
  DiagnosticsTable* diagnostics() override { return &diag_; }
  bool has_state() const override { return can_save_; }
  void save(StateDict& out) const override {
    if (!can_save_) Agent::save(out);  // throws: no learned state
    if (save_fails_) throw Error("probe: the state could not be written (a real failure)");
    out["steps"] = ArrayRecord{{1}, {static_cast<double>(steps_)}};
  }

 private:
  Rng rng_;
  std::int64_t n_;
  bool can_save_, save_fails_;
  ProbeLog own_;
  ProbeLog* log_;
  std::int64_t steps_ = 0;
  std::vector<std::int64_t> expected_;
  std::vector<double> ret_;
  std::vector<std::int64_t> len_;
  std::int64_t last_action_[16] = {};
  DiagnosticsTable diag_;
};

ProbeLog* g_probe_log = nullptr;  // set by single-run tests; execute_runs tests leave it null
std::mutex g_mutex;

Registry test_registry() {
  Registry r;
  r.add_env({"Walk-v0", "test walk", {}, [](const Params&) -> std::unique_ptr<Env> {
               return std::make_unique<Walk>();
             }});
  r.add_agent({"probe", "checks the runner",
               ParamSchema{param_int("num_envs", 4, "env copies", 1, 16),
                           param_bool("can_save", true, "whether the agent has state to save"),
                           param_bool("save_fails", false, "whether save() throws anyway")},
               require_discrete_actions,
               [](const AgentContext& c, const Params& p) -> std::unique_ptr<Agent> {
                 return std::make_unique<Probe>(c.seed, p.get_int("num_envs"),
                                                p.get_bool("can_save"), p.get_bool("save_fails"),
                                                g_probe_log);
               }});
  return r;
}

RunSpec probe_spec(std::int64_t num_envs, std::int64_t steps, std::int64_t episodes = 0) {
  RunSpec s;
  s.env_id = "Walk-v0";
  s.agent_id = "probe";
  s.agent_params = {{"num_envs", num_envs}};
  s.master_seed = 11;
  s.seed_index = 2;
  s.budget.steps = steps;
  s.budget.episodes = episodes;
  return s;
}

// Runs one spec with a fresh probe log.
RunResult run_probe(const RunSpec& s, ProbeLog& log) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_probe_log = &log;
  Registry r = test_registry();
  RunResult res;
  try {
    res = execute_run(r, s);
  } catch (...) {
    g_probe_log = nullptr;
    throw;
  }
  g_probe_log = nullptr;
  return res;
}

void check_clean(const ProbeLog& log) {
  INFO((log.violations.empty() ? std::string() : log.violations.front()));
  CHECK(log.violations.empty());
}

// Evaluation episodes computed independently: a Walk seeded with the "eval" stream, always
// moving right, `episodes` episodes in a row.
std::vector<std::pair<double, std::int64_t>> expected_eval(const RunSpec& s, int episodes) {
  Walk w;
  Value obs, a;
  a.index = 1;
  std::vector<std::pair<double, std::int64_t>> out;
  for (int e = 0; e < episodes; ++e) {
    if (e == 0)
      w.reset(obs, derive_seed(s.master_seed, static_cast<std::uint64_t>(s.seed_index), "eval"));
    else
      w.reset(obs);
    double ret = 0;
    std::int64_t len = 0;
    while (true) {
      const StepResult r = w.step(a, obs);
      ret += r.reward;
      ++len;
      if (r.terminated || r.truncated) break;
    }
    out.emplace_back(ret, len);
  }
  return out;
}

}  // namespace

TEST_CASE("runner-eval: the batched path gets correct transitions and the step budget",
          "[runner-eval]") {
  ProbeLog log;
  RunResult res = run_probe(probe_spec(4, 400), log);
  check_clean(log);
  CHECK(res.total_steps == 400);
  CHECK(log.batches == 100);
  CHECK(log.transitions == 400);
  CHECK(log.eval_acts == 0);
  // Every finished episode of every copy, in (step, copy) order, as the agent saw them.
  REQUIRE(res.episodes.size() == log.episodes.size());
  REQUIRE(res.episodes.size() > 40);
  std::int64_t prev_end = 0;
  for (std::size_t k = 0; k < res.episodes.size(); ++k) {
    CHECK(res.episodes.returns[k] == Approx(std::get<1>(log.episodes[k])));
    CHECK(res.episodes.lengths[k] == std::get<2>(log.episodes[k]));
    CHECK(res.episodes.end_steps[k] % 4 == 0);
    CHECK(res.episodes.end_steps[k] >= prev_end);
    if (k > 0 && res.episodes.end_steps[k] == prev_end)
      CHECK(std::get<0>(log.episodes[k]) > std::get<0>(log.episodes[k - 1]));
    prev_end = res.episodes.end_steps[k];
    CHECK(res.episodes.terminated[k] + res.episodes.truncated[k] == 1);
    CHECK(res.episodes.success[k] == res.episodes.terminated[k]);
    if (res.episodes.truncated[k]) CHECK(res.episodes.lengths[k] == kLimit);
  }
  // Diagnostics (one row per batch) are moved into the result.
  REQUIRE(res.diagnostics.size() == 100);
  CHECK(res.diagnostics.names == std::vector<std::string>{"batch", "mean_reward"});
  CHECK(res.diagnostics.step.back() == 400);
  CHECK(res.diagnostics.values[2 * 99] == 100.0);
  CHECK_FALSE(res.has_agent_state);
  CHECK(res.evaluations.size() == 0);
}

TEST_CASE("runner-eval: the episode budget counts finished episodes over all copies",
          "[runner-eval]") {
  ProbeLog log;
  RunResult res = run_probe(probe_spec(4, 0, 13), log);
  check_clean(log);
  CHECK(res.episodes.size() == 13);
  CHECK(log.episodes.size() >= 13);
  CHECK(res.total_steps % 4 == 0);
  CHECK(res.episodes.end_steps.back() == res.total_steps);  // it stopped when the 13th ended
  // A step budget that is not a multiple of the copies is rounded up to whole vector steps.
  ProbeLog log2;
  RunResult res2 = run_probe(probe_spec(4, 10), log2);
  CHECK(res2.total_steps == 12);
}

TEST_CASE("runner-eval: evaluations run at the right steps in evaluation mode", "[runner-eval]") {
  SECTION("vector path") {
    RunSpec s = probe_spec(4, 100);
    s.eval_every = 30;
    s.eval_episodes = 3;
    ProbeLog log;
    RunResult res = run_probe(s, log);
    check_clean(log);
    // Steps advance by 4: the first totals at or past 30, 60, 90, then the end of the run.
    const std::vector<std::int64_t> at{32, 60, 92, 100};
    REQUIRE(res.evaluations.size() == 12);
    const auto expected = expected_eval(s, 3);
    for (std::size_t k = 0; k < 12; ++k) {
      CHECK(res.evaluations.step[k] == at[k / 3]);
      // Each evaluation re-seeds its env: the same episodes every time.
      CHECK(res.evaluations.returns[k] == Approx(expected[k % 3].first));
      CHECK(res.evaluations.lengths[k] == expected[k % 3].second);
    }
    // act() ran only in evaluation mode (the probe fails otherwise), and the training
    // batches went on with evaluation off (act_batch checks it).
    std::int64_t eval_steps = 0;
    for (auto l : res.evaluations.lengths) eval_steps += l;
    CHECK(log.eval_acts == eval_steps);
    CHECK(log.eval_act_steps.front() == 32);
    CHECK(log.eval_act_steps.back() == 100);
    CHECK(log.batches == 25);
  }
  SECTION("single-env path, no duplicate evaluation at the end") {
    RunSpec s = probe_spec(1, 100);
    s.eval_every = 25;
    s.eval_episodes = 2;
    ProbeLog log;
    RunResult res = run_probe(s, log);
    check_clean(log);
    REQUIRE(res.evaluations.size() == 8);
    const auto expected = expected_eval(s, 2);
    for (std::size_t k = 0; k < 8; ++k) {
      CHECK(res.evaluations.step[k] == 25 * static_cast<std::int64_t>(k / 2 + 1));
      CHECK(res.evaluations.returns[k] == Approx(expected[k % 2].first));
    }
  }
  SECTION("evaluation does not change training") {
    for (std::int64_t n : {1, 4}) {
      RunSpec s = probe_spec(n, 200);
      ProbeLog a, b;
      RunResult plain = run_probe(s, a);
      s.eval_every = 16;
      RunResult evaluated = run_probe(s, b);
      check_clean(b);
      CHECK(evaluated.evaluations.size() > 0);
      CHECK(plain.episodes.returns == evaluated.episodes.returns);
      CHECK(plain.episodes.end_steps == evaluated.episodes.end_steps);
    }
  }
}

TEST_CASE("runner-eval: agent state is saved when asked, and skipped when it has none",
          "[runner-eval]") {
  for (std::int64_t n : {1, 4}) {
    RunSpec s = probe_spec(n, 40);
    s.save_agent = true;
    ProbeLog log;
    RunResult res = run_probe(s, log);
    REQUIRE(res.has_agent_state);
    CHECK(res.agent_state.at("steps").data == std::vector<double>{40.0});
    s.agent_params["can_save"] = false;
    ProbeLog log2;
    RunResult none = run_probe(s, log2);
    CHECK_FALSE(none.has_agent_state);
    CHECK(none.agent_state.empty());
  }
}

// has_state() says whether there is state; a save() that fails for an agent with state is
// a real error, which the run reports instead of recording "no state".
TEST_CASE("runner-eval: a failing save of an agent with state fails the run with its message",
          "[runner-eval]") {
  const Registry reg = test_registry();
  for (std::int64_t n : {1, 4}) {
    RunSpec s = probe_spec(n, 40);
    s.save_agent = true;
    s.agent_params["save_fails"] = true;
    CHECK_THROWS_WITH(execute_run(reg, s), Catch::Contains("the state could not be written"));
    s.save_agent = false;  // not asked to save: the run does not call save()
    CHECK(execute_run(reg, s).total_steps == 40);
  }
}

namespace {

// Checks a vector run's step log against its episode table: one row per env step in
// (vector step, copy) order; ids below the table's size are its rows (every step of that
// episode, from one copy, t = 0, 1, ..., with the episode's return, length, end and flags);
// ids from the table's size on are the episodes it does not hold, at most one per copy.
void check_vector_step_log(const RunResult& res, std::size_t n) {
  const StepTable& st = res.steps;
  const EpisodeTable& et = res.episodes;
  REQUIRE(st.size() == static_cast<std::size_t>(res.total_steps));
  REQUIRE(st.env.size() == st.size());
  REQUIRE(st.episode.size() == st.size());
  REQUIRE(st.obs_index.size() == st.size());
  const auto table = static_cast<std::int64_t>(et.size());
  struct Seen {
    std::int64_t env = -1, rows = 0, last_row = -1;
    double ret = 0.0;
  };
  std::map<std::int64_t, Seen> seen;
  for (std::size_t k = 0; k < st.size(); ++k) {
    INFO("row " << k);
    REQUIRE(st.env[k] == static_cast<std::int32_t>(k % n));
    const std::int64_t id = st.episode[k];
    REQUIRE(id >= 0);
    Seen& e = seen[id];
    if (e.env < 0) e.env = st.env[k];
    CHECK(e.env == st.env[k]);                // an episode belongs to one copy
    CHECK(st.t[k] == e.rows);                 // its steps are consecutive on that copy
    CHECK(st.obs_index[k] / 100 == st.t[k]);  // Walk's obs encodes the episode step
    CHECK(st.probability[k] == 0.5);
    e.ret += st.reward[k];
    ++e.rows;
    e.last_row = static_cast<std::int64_t>(k);
    const bool done = st.terminated[k] || st.truncated[k];
    if (id < table) CHECK(done == (e.rows == et.lengths[static_cast<std::size_t>(id)]));
  }
  std::int64_t extra = 0;
  for (const auto& [id, e] : seen) {
    INFO("episode " << id);
    if (id < table) {
      const auto row = static_cast<std::size_t>(id);
      CHECK(e.rows == et.lengths[row]);
      CHECK(e.ret == Approx(et.returns[row]));
      const auto last = static_cast<std::size_t>(e.last_row);
      CHECK(static_cast<std::int64_t>(last / n + 1) * static_cast<std::int64_t>(n) ==
            et.end_steps[row]);
      CHECK(st.terminated[last] == et.terminated[row]);
    } else {
      CHECK(id == table + extra);  // the ids after the table, consecutive
      ++extra;
    }
  }
  CHECK(static_cast<std::int64_t>(seen.size()) >= table);  // every table row has its steps
  CHECK(seen.count(table - 1) == (table > 0 ? 1u : 0u));
  CHECK(extra <= static_cast<std::int64_t>(n));
}

}  // namespace

TEST_CASE("runner-eval: vector runs log every copy's steps, episode ids are table rows",
          "[runner-eval]") {
  SECTION("step budget") {
    ProbeLog log;
    RunSpec s = probe_spec(4, 400);
    s.log_steps = true;
    RunResult res = run_probe(s, log);
    check_clean(log);
    REQUIRE(res.episodes.size() > 40);
    check_vector_step_log(res, 4);
    // Logging changes nothing else: the same run without it has the same episodes.
    ProbeLog log2;
    s.log_steps = false;
    const RunResult plain = run_probe(s, log2);
    CHECK(plain.episodes.returns == res.episodes.returns);
    CHECK(plain.episodes.end_steps == res.episodes.end_steps);
    CHECK(plain.steps.size() == 0);
  }
  SECTION("episode budget") {
    ProbeLog log;
    RunSpec s = probe_spec(3, 0, 13);
    s.log_steps = true;
    RunResult res = run_probe(s, log);
    check_clean(log);
    REQUIRE(res.episodes.size() == 13);
    check_vector_step_log(res, 3);
  }
}

TEST_CASE("runner-eval: vector-env threads do not change results", "[runner-eval]") {
  auto run_with = [](int threads) {
    ProbeLog log;
    RunSpec s = probe_spec(5, 300);
    s.log_steps = true;
    s.vector_env_threads = threads;
    return run_probe(s, log);
  };
  const RunResult one = run_with(1);
  const RunResult two = run_with(2);
  CHECK(one.episodes.returns == two.episodes.returns);
  CHECK(one.episodes.end_steps == two.episodes.end_steps);
  CHECK(one.steps.obs_index == two.steps.obs_index);
  CHECK(one.steps.action_index == two.steps.action_index);
  CHECK(one.steps.reward == two.steps.reward);
  CHECK(one.steps.episode == two.steps.episode);
  CHECK(one.steps.env == two.steps.env);
  CHECK(one.diagnostics.values == two.diagnostics.values);
}

TEST_CASE("runner-eval: bad evaluation options are refused", "[runner-eval]") {
  Registry r = test_registry();
  RunSpec s = probe_spec(4, 40);
  s.eval_every = -5;
  CHECK_THROWS_WITH(validate_specs(r, {s}), Catch::Contains("eval_every = -5"));
  s.eval_every = 10;
  s.eval_episodes = 0;
  CHECK_THROWS_WITH(execute_run(r, s), Catch::Contains("eval_episodes = 0"));
}

TEST_CASE("runner-eval: execute_runs gives the same results with 1 and 2 threads",
          "[runner-eval]") {
  Registry r = test_registry();
  std::vector<RunSpec> specs;
  for (std::int64_t k = 0; k < 6; ++k) {
    RunSpec s = probe_spec(k % 2 ? 4 : 1, 300);
    s.run_index = k;
    s.seed_index = k;
    s.eval_every = 50;
    s.eval_episodes = 2;
    s.save_agent = true;
    specs.push_back(s);
  }
  auto collect = [&](int threads) {
    std::map<std::int64_t, RunResult> out;
    RunnerOptions o;
    o.threads = threads;
    o.on_complete = [&](RunResult&& res) { out[res.info.run_index] = std::move(res); };
    execute_runs(r, specs, o);
    return out;
  };
  const auto one = collect(1);
  const auto two = collect(2);
  REQUIRE(one.size() == 6);
  REQUIRE(two.size() == 6);
  for (const auto& [k, a] : one) {
    const RunResult& b = two.at(k);
    CHECK(a.episodes.returns == b.episodes.returns);
    CHECK(a.episodes.end_steps == b.episodes.end_steps);
    CHECK(a.evaluations.returns == b.evaluations.returns);
    CHECK(a.evaluations.step == b.evaluations.step);
    CHECK(a.diagnostics.values == b.diagnostics.values);
    CHECK(a.agent_state.at("steps").data == b.agent_state.at("steps").data);
  }
  // Seeds differ: runs with the same agent differ from each other.
  CHECK(one.at(1).episodes.returns != one.at(3).episodes.returns);
}

TEST_CASE("runner-eval: config keys [eval] and save_agent reach the run specs", "[runner-eval]") {
  Registry r = test_registry();
  const std::string text = R"(
steps = 100
save_agent = true
[eval]
every = 20
episodes = 4
[[env]]
id = "Walk-v0"
[[agent]]
id = "probe"
)";
  ExperimentConfig c = parse_config(text, "t.toml");
  auto runs = expand_runs(c, r);
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].eval_every == 20);
  CHECK(runs[0].eval_episodes == 4);
  CHECK(runs[0].save_agent);
  // Overrides, and the round trip through config_to_toml.
  c = parse_config(text, "t.toml", {"eval.every=50", "eval.episodes=2", "save_agent=false"});
  runs = expand_runs(c, r);
  CHECK(runs[0].eval_every == 50);
  CHECK(runs[0].eval_episodes == 2);
  CHECK_FALSE(runs[0].save_agent);
  const ExperimentConfig again = parse_config(config_to_toml(c), "again");
  CHECK(again.eval_every == 50);
  CHECK(again.eval_episodes == 2);
  CHECK_FALSE(again.save_agent);
  // Defaults: no evaluation.
  const ExperimentConfig d = parse_config(
      "steps = 5\n[[env]]\nid = \"Walk-v0\"\n"
      "[[agent]]\nid = \"probe\"\n",
      "d.toml");
  CHECK(d.eval_every == 0);
  CHECK(d.eval_episodes == 10);
  // Mistakes.
  CHECK_THROWS_WITH(parse_config(text, "t.toml", {"eval.every=-1"}),
                    Catch::Contains("eval.every") && Catch::Contains(">= 0"));
  CHECK_THROWS_WITH(parse_config(text, "t.toml", {"eval.episodes=0"}),
                    Catch::Contains("eval.episodes"));
  CHECK_THROWS_WITH(parse_config(text, "t.toml", {"eval.often=3"}),
                    Catch::Contains("valid keys in [eval]: every, episodes"));
  CHECK_THROWS_WITH(parse_config(text, "t.toml", {"save_agent=3"}), Catch::Contains("save_agent"));
}

TEST_CASE("runner-eval: config key vector_threads reaches the run specs", "[runner-eval]") {
  Registry r = test_registry();
  const std::string text =
      "steps = 100\nvector_threads = 2\n[[env]]\nid = \"Walk-v0\"\n[[agent]]\nid = \"probe\"\n";
  ExperimentConfig c = parse_config(text, "t.toml");
  CHECK(c.vector_threads == 2);
  CHECK(expand_runs(c, r).at(0).vector_env_threads == 2);
  c = parse_config(text, "t.toml", {"vector_threads=3"});
  CHECK(expand_runs(c, r).at(0).vector_env_threads == 3);
  CHECK(parse_config(config_to_toml(c), "again").vector_threads == 3);
  CHECK(parse_config("steps = 5\n[[env]]\nid = \"Walk-v0\"\n[[agent]]\nid = \"probe\"\n", "d")
            .vector_threads == 1);
  CHECK_THROWS_WITH(parse_config(text, "t.toml", {"vector_threads=0"}),
                    Catch::Contains("'vector_threads' = 0") && Catch::Contains(">= 1"));
  CHECK_THROWS_WITH(parse_config(text, "t.toml", {"vector_threads=two"}),
                    Catch::Contains("'vector_threads' must be an integer"));
  CHECK_THROWS_WITH(parse_config(text, "t.toml", {"vector_threads=100000"}),
                    Catch::Contains("'vector_threads' = 100000"));
}

// The runner's side of Agent::evaluated / finish_training (core/agent.hpp): every evaluation
// during training is reported to the agent with its mean return; when the agent replaces
// its policy at the end of training, the rows at the last step become that policy's
// evaluation on the "eval-final" episodes (not reported to the agent). Expected figures come
// from independent rollouts of the fixed policies on the same seeds.
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "core/registry.hpp"
#include "core/rng.hpp"
#include "run/runner.hpp"

using namespace rlsim;

namespace {

// A noisy walk on 0..4: action 1 moves right, 0 stays, either flipped with probability 0.3;
// reaching 4 terminates (+1), each step costs 0.1, 10 steps truncate.
class Walk : public Env {
 public:
  Walk() : Env(EnvSpec{"Walk-v0", Space::discrete(5), Space::discrete(2), 10, {}, false, true}) {}

 protected:
  void do_reset(Value& obs) override {
    pos_ = 0;
    obs.index = 0;
  }
  StepResult do_step(const Value& a, Value& obs) override {
    bool right = a.index == 1;
    if (rng().bernoulli(0.3)) right = !right;
    if (right) ++pos_;
    obs.index = pos_;
    StepResult r;
    r.terminated = pos_ == 4;
    r.reward = r.terminated ? 1.0 : -0.1;
    return r;
  }

 private:
  std::int64_t pos_ = 0;
};

struct Seen {
  std::vector<std::pair<std::int64_t, double>> evaluations;
};
Seen* g_seen = nullptr;

// Acts 0 (stay) in evaluation mode, random in training; with `deliver`, finish_training
// switches it to 1 (right) for good.
class Chooser : public Agent {
 public:
  Chooser(std::uint64_t seed, bool deliver) : rng_(seed), deliver_(deliver) {}
  void act(const Value&, Value& action, Decision& d) override {
    action.index = evaluation() ? policy_ : rng_.integer(0, 1);
    d.probability = evaluation() ? 1.0 : 0.5;
  }
  void evaluated(std::int64_t step, double mean_return) override {
    g_seen->evaluations.emplace_back(step, mean_return);
  }
  bool finish_training() override {
    if (!deliver_) return false;
    policy_ = 1;
    return true;
  }

 private:
  Rng rng_;
  bool deliver_;
  std::int64_t policy_ = 0;
};

Registry registry() {
  Registry r;
  r.add_env({"Walk-v0", "test walk", {}, [](const Params&) -> std::unique_ptr<Env> {
               return std::make_unique<Walk>();
             }});
  r.add_agent({"chooser", "switches policy at the end",
               ParamSchema{param_bool("deliver", false, "switch to action 1 at the end")},
               require_discrete_actions,
               [](const AgentContext& c, const Params& p) -> std::unique_ptr<Agent> {
                 return std::make_unique<Chooser>(c.seed, p.get_bool("deliver"));
               }});
  return r;
}

// Returns of `episodes` episodes of a constant action, the first reset with `seed`.
std::vector<double> rollout(std::int64_t action, std::uint64_t seed, int episodes) {
  Walk w;
  Value obs, a;
  a.index = action;
  std::vector<double> out;
  for (int e = 0; e < episodes; ++e) {
    w.reset(obs, e == 0 ? std::optional<std::uint64_t>(seed) : std::nullopt);
    double ret = 0.0;
    for (;;) {
      const StepResult r = w.step(a, obs);
      ret += r.reward;
      if (r.terminated || r.truncated) break;
    }
    out.push_back(ret);
  }
  return out;
}

}  // namespace

TEST_CASE("runner-keep-best: evaluations reported, a replaced policy re-evaluated afresh",
          "[runner-eval]") {
  Registry reg = registry();
  RunSpec s;
  s.env_id = "Walk-v0";
  s.agent_id = "chooser";
  s.master_seed = 21;
  s.seed_index = 1;
  s.budget.steps = 100;
  s.eval_every = 40;
  s.eval_episodes = 4;
  const auto stay = rollout(0, derive_seed(21, 1, "eval"), 4);
  double stay_mean = 0.0;
  for (double r : stay) stay_mean += r / 4.0;

  for (bool deliver : {false, true}) {
    INFO("deliver " << deliver);
    Seen seen;
    g_seen = &seen;
    s.agent_params = {{"deliver", deliver}};
    const RunResult res = execute_run(reg, s);
    g_seen = nullptr;
    // Reported: the evaluations at 40, 80 and the end (100), never the fresh one.
    REQUIRE(seen.evaluations.size() == 3);
    const std::vector<std::int64_t> at{40, 80, 100};
    for (std::size_t i = 0; i < 3; ++i) {
      CHECK(seen.evaluations[i].first == at[i]);
      CHECK(seen.evaluations[i].second == Approx(stay_mean));
    }
    REQUIRE(res.evaluations.size() == 12);
    const auto last =
        deliver ? rollout(1, derive_seed(21, 1, "eval-final"), 4) : stay;  // the rows at 100
    for (std::size_t k = 0; k < 12; ++k) {
      CHECK(res.evaluations.step[k] == at[k / 4]);
      CHECK(res.evaluations.returns[k] == Approx(k < 8 ? stay[k % 4] : last[k % 4]));
    }
  }
}

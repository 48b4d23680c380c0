// Checkpoints of runs in progress (run/run_checkpoint.hpp, checkpoint.every): a run resumed
// from any of its checkpoints ends with the same results, bit for bit, as the run never
// interrupted (every table, the diagnostics and the final agent state), and taking
// checkpoints changes nothing. Checked for tabular agents (mid-episode and at episode
// boundaries), DQN and PPO/A2C on CartPole with tiny networks, with evaluation and
// keep_best; through an HDF5 state-dict file too. Refusals: a negative interval, an
// agent or env that cannot save its whole state, vector envs, log.steps.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/state_dict_io.hpp"
#include "experiments/cli_util.hpp"
#include "run/run_checkpoint.hpp"
#include "run/runner.hpp"
#include "tests/experiments/same_results.hpp"

using namespace rlsim;

namespace {

// Keeps every checkpoint it is given, by step.
class Collect : public CheckpointSink {
 public:
  void checkpoint(const RunInfo&, std::int64_t steps, StateDict&& state) override {
    std::lock_guard<std::mutex> lock(mutex_);
    by_step.emplace(steps, std::move(state));
  }
  std::map<std::int64_t, StateDict> by_step;

 private:
  std::mutex mutex_;
};

RunSpec spec_of(const std::string& env, const std::string& agent, RawParams ap, std::int64_t steps,
                std::int64_t every) {
  RunSpec s;
  s.run_index = 3;
  s.env_id = env;
  s.agent_id = agent;
  s.agent_params = std::move(ap);
  s.seed_index = 1;
  s.master_seed = 17;
  s.budget.steps = steps;
  s.save_agent = true;
  s.checkpoint_every = every;
  return s;
}

void require_same(const RunResult& a, const RunResult& b) {
  rlsim_test::check_same_run(a, b);
}

// Runs `s` once without and once with checkpoints (same results), then resumes it from
// each checkpoint taken (same results again); returns how many were taken mid-episode.
std::int64_t check_round_trips(const RunSpec& s, std::size_t expected_checkpoints) {
  const Registry registry = make_registry({});
  RunSpec plain = s;
  plain.checkpoint_every = 0;
  const RunResult want = execute_run(registry, plain);
  Collect sink;
  const RunResult with = execute_run(registry, s, nullptr, nullptr, &sink);
  require_same(with, want);
  REQUIRE(sink.by_step.size() == expected_checkpoints);
  std::int64_t mid = 0;
  for (const auto& [step, ck] : sink.by_step) {
    INFO("resumed from the checkpoint at step " << step);
    CHECK(step % s.checkpoint_every == 0);
    mid += ck.at("runner/loop").data[7] == 1.0 ? 1 : 0;
    const RunResult got = execute_run(registry, s, nullptr, nullptr, nullptr, &ck);
    require_same(got, want);
  }
  return mid;
}

}  // namespace

TEST_CASE("checkpoints: tabular runs resume bit for bit from every checkpoint", "[checkpoint]") {
  // 600 steps of FrozenLake (episodes of a few steps): checkpoints fall both mid-episode and
  // at the end of an episode (taken at the boundary).
  for (const char* agent : {"q-learning", "sarsa", "expected-sarsa", "double-q-learning"}) {
    INFO(agent);
    RunSpec s = spec_of("FrozenLake-v1", agent, {}, 600, 7);
    s.eval_every = 100;
    s.eval_episodes = 3;
    const std::int64_t mid = check_round_trips(s, 85);  // 7, 14, ..., 595
    CHECK(mid > 0);
    CHECK(mid < 85);
  }
}

TEST_CASE("checkpoints: DQN on CartPole resumes bit for bit (replay, target, optimiser, keep_best)",
          "[checkpoint]") {
  RawParams ap{{"net_arch", std::vector<std::int64_t>{8}},
               {"buffer_size", std::int64_t{300}},
               {"learning_starts", std::int64_t{50}},
               {"batch_size", std::int64_t{8}},
               {"train_freq", std::int64_t{2}},
               {"target_update_interval", std::int64_t{20}},
               {"keep_best", true}};
  RunSpec s = spec_of("CartPole-v1", "dqn", ap, 400, 90);
  s.eval_every = 100;
  s.eval_episodes = 2;
  check_round_trips(s, 4);
}

TEST_CASE("checkpoints: PPO and A2C on CartPole resume bit for bit mid-rollout", "[checkpoint]") {
  RawParams ppo{{"net_arch", std::vector<std::int64_t>{8}},
                {"n_steps", std::int64_t{32}},
                {"batch_size", std::int64_t{16}},
                {"n_epochs", std::int64_t{2}},
                {"keep_best", true}};
  RunSpec s = spec_of("CartPole-v1", "ppo", ppo, 200, 45);  // 45: mid-rollout
  s.eval_every = 64;
  s.eval_episodes = 2;
  check_round_trips(s, 4);
  RawParams a2c{{"net_arch", std::vector<std::int64_t>{8}}, {"n_steps", std::int64_t{5}}};
  check_round_trips(spec_of("CartPole-v1", "a2c", a2c, 120, 33), 3);
}

TEST_CASE("checkpoints: a checkpoint stored in an HDF5 file resumes the same", "[checkpoint]") {
  const Registry registry = make_registry({});
  RawParams ap{{"net_arch", std::vector<std::int64_t>{8}},
               {"n_steps", std::int64_t{16}},
               {"batch_size", std::int64_t{8}},
               {"n_epochs", std::int64_t{1}}};
  const RunSpec s = spec_of("CartPole-v1", "ppo", ap, 100, 50);
  Collect sink;
  const RunResult want = execute_run(registry, s, nullptr, nullptr, &sink);
  REQUIRE(sink.by_step.count(50) == 1);
  const auto path = std::filesystem::temp_directory_path() / "rlsim_test_run_checkpoint.h5";
  write_state_dict(path.string(), "ck", sink.by_step.at(50));
  const StateDict back = read_state_dict(path.string(), "ck");
  std::filesystem::remove(path);
  require_same(execute_run(registry, s, nullptr, nullptr, nullptr, &back), want);
}

TEST_CASE("checkpoints: what cannot be checkpointed is refused up front", "[checkpoint]") {
  const Registry registry = make_registry({});
  auto refused = [&](RunSpec s, const std::string& message) {
    INFO(s.env_id << " / " << s.agent_id);
    CHECK_THROWS_WITH(validate_specs(registry, {s}), Catch::Contains(message));
  };
  refused(spec_of("FrozenLake-v1", "q-learning", {}, 100, -5), "checkpoint.every = -5 is negative");
  // An agent without a whole-state save (the message lists those that have one).
  refused(spec_of("CartPole-v1", "reinforce", {}, 100, 10),
          "its agent cannot save its whole state");
  refused(spec_of("CartPole-v1", "reinforce", {}, 100, 10), "q-learning");
  // An env without one.
  refused(spec_of("LunarLander-v3", "dqn", {}, 100, 10), "the env LunarLander-v3 cannot");
  refused(spec_of("CartPole-v1", "ppo", {{"n_envs", std::int64_t{2}}}, 100, 10),
          "runs 2 env copies");
  RunSpec steps = spec_of("FrozenLake-v1", "q-learning", {}, 100, 10);
  steps.log_steps = true;
  refused(steps, "log.steps = true");
  // checkpoint.every = 0 takes none and refuses nothing.
  CHECK_NOTHROW(validate_specs(registry, {spec_of("CartPole-v1", "reinforce", {}, 100, 0)}));
}

TEST_CASE("checkpoints: a checkpoint of another run is refused", "[checkpoint]") {
  const Registry registry = make_registry({});
  const RunSpec s = spec_of("FrozenLake-v1", "q-learning", {}, 100, 20);
  Collect sink;
  execute_run(registry, s, nullptr, nullptr, &sink);
  RunSpec other = s;
  other.seed_index = 2;
  CHECK_THROWS_WITH(execute_run(registry, other, nullptr, nullptr, nullptr, &sink.by_step.at(20)),
                    Catch::Contains("it was taken of another run"));
}

TEST_CASE("checkpoints: one taken before optimal_pulls existed still resumes", "[checkpoint]") {
  // Checkpoints written by an rlsim without the best-arm count lack runner/optimal_pulls and
  // result/regret/optimal; they must resume as before (docs/log-format.md, checkpoints).
  const Registry registry = make_registry({});
  const RunSpec s = spec_of("FrozenLake-v1", "q-learning", {}, 300, 100);
  RunSpec plain = s;
  plain.checkpoint_every = 0;
  const RunResult want = execute_run(registry, plain);
  Collect sink;
  execute_run(registry, s, nullptr, nullptr, &sink);
  StateDict old = sink.by_step.at(200);
  REQUIRE(old.erase("runner/optimal_pulls") == 1);
  REQUIRE(old.erase("result/regret/optimal") == 1);
  require_same(execute_run(registry, s, nullptr, nullptr, nullptr, &old), want);
}

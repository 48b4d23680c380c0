// The schedules of the deep agents follow the run's step budget (issue 17, item 16): a
// shipped config that fixed total_timesteps to its full budget made `steps=3000` end with
// DQN's epsilon at 0.66. By default (total_timesteps = 0) the schedules follow the budget;
// an explicit value that differs from it gets one warning line per process and message.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>

#include "agents/deep/training_budget.hpp"
#include "agents/register.hpp"
#include "core/registry.hpp"
#include "envs/register.hpp"
#include "run/runner.hpp"
#include "tests/test_util.hpp"

using namespace rlsim;
using rlsim::test::registry;

namespace {

// Captures what std::cerr receives while alive.
class CaptureStderr {
 public:
  CaptureStderr() : old_(std::cerr.rdbuf(text_.rdbuf())) {}
  ~CaptureStderr() { std::cerr.rdbuf(old_); }
  std::string text() const { return text_.str(); }

 private:
  std::ostringstream text_;
  std::streambuf* old_;
};

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

RunSpec dqn_run(std::int64_t seed_index, RawParams params, std::int64_t steps) {
  RunSpec s;
  s.env_id = "CartPole-v1";
  s.agent_id = "dqn";
  params.emplace("net_arch", std::vector<double>{8});
  params.emplace("learning_starts", std::int64_t{50});
  params.emplace("train_freq", std::int64_t{50});
  params.emplace("batch_size", std::int64_t{8});
  params.emplace("exploration_fraction", 0.5);
  params.emplace("exploration_final_eps", 0.05);
  s.agent_params = std::move(params);
  s.seed_index = seed_index;
  s.budget.steps = steps;
  return s;
}

double last_epsilon(const RunResult& r) {
  const DiagnosticsTable& d = r.diagnostics;
  const auto col = static_cast<std::size_t>(std::find(d.names.begin(), d.names.end(), "epsilon") -
                                            d.names.begin());
  REQUIRE(col < d.names.size());
  REQUIRE(d.size() > 0);
  return d.values[(d.size() - 1) * d.names.size() + col];
}

}  // namespace

TEST_CASE("no shipped config fixes total_timesteps: schedules follow the run's budget",
          "[deep][budget]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(RLSIM_SOURCE_DIR) / "experiments" / "configs";
  const std::regex fixed(R"(^\s*total_timesteps\s*=)");
  int configs = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".toml") continue;
    ++configs;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      INFO(entry.path().filename().string() << ": " << line);
      CHECK_FALSE(std::regex_search(line, fixed));
    }
  }
  CHECK(configs > 10);
}

TEST_CASE("dqn's epsilon follows the run's step budget by default", "[deep][budget]") {
  CaptureStderr err;
  const RunResult r = execute_run(registry(), dqn_run(0, {}, 400));
  // exploration_fraction 0.5 of the 400-step budget: epsilon is final from step 200 on.
  CHECK(last_epsilon(r) == Approx(0.05));
  CHECK(err.text().find("warning") == std::string::npos);
}

TEST_CASE("an explicit total_timesteps that differs from the budget warns once", "[deep][budget]") {
  CaptureStderr err;
  const RawParams fixed{{"total_timesteps", std::int64_t{50000}}};
  // Two runs of one group (seeds 0 and 1): one warning line.
  const RunResult r0 = execute_run(registry(), dqn_run(0, fixed, 300));
  execute_run(registry(), dqn_run(1, fixed, 300));
  const std::string text = err.text();
  CHECK(count(text,
              "rlsim: warning: agent 'dqn': total_timesteps = 50000 differs from the "
              "run's step budget (300 steps)") == 1);
  CHECK(count(text, "\n") == 1);
  CHECK(text.find("exploration epsilon") != std::string::npos);
  CHECK(text.find("leave total_timesteps unset") != std::string::npos);
  // The explicit value is kept: epsilon has decayed over 300 of 25000 steps only.
  CHECK(last_epsilon(r0) > 0.9);
  // Equal to the budget: nothing to say.
  execute_run(registry(), dqn_run(0, {{"total_timesteps", std::int64_t{300}}}, 300));
  // Outside a run (no step budget) there is nothing to compare with.
  auto env = registry().make_env("CartPole-v1", {});
  registry().make_agent("dqn", fixed, *env, 1, 0);
  CHECK(err.text() == text);
  // PPO warns only when a schedule follows total_timesteps.
  registry().make_agent("ppo", {{"total_timesteps", std::int64_t{1000}}}, *env, 1, 64);
  CHECK(err.text() == text);
  registry().make_agent(
      "ppo", {{"total_timesteps", std::int64_t{1000}}, {"lr_schedule", std::string("linear")}},
      *env, 1, 64);
  CHECK(count(err.text(), "agent 'ppo': total_timesteps = 1000") == 1);
  CHECK(err.text().find("linear learning rate") != std::string::npos);
}

TEST_CASE("warn_once writes each message once", "[deep][budget]") {
  CaptureStderr err;
  CHECK(warn_once("test message 17-16"));
  CHECK_FALSE(warn_once("test message 17-16"));
  CHECK(warn_once("another test message 17-16"));
  CHECK(count(err.text(), "rlsim: warning: test message 17-16\n") == 1);
}

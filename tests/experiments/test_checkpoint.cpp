// Checkpoints end to end: a short dqn run saved with save_agent = true, then
// `rlsim eval CHECKPOINT --env ID --episodes N` and `rlsim env render ID --checkpoint FILE`
// with the driver; and `rlsim plot --what eval` (evaluation curves) on a run with
// evaluation during training, against the means read back from the file. The expected figures come
// from an independent replay: the stored agent state loaded into a freshly built agent
// (experiments/checkpoint.hpp), played greedily on the same seeds.
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <regex>
#include <set>
#include <sstream>

#include "core/rng.hpp"
#include "experiments/checkpoint.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/gif_writer.hpp"
#include "run/hdf5_log.hpp"
#include "tests/experiments/driver_util.hpp"

namespace fs = std::filesystem;
using namespace rlsim;

namespace {

using rlsim_test::Result;
using rlsim_test::sh;

fs::path temp_dir(const std::string& name) {
  return rlsim_test::temp_dir("checkpoint_" + name);
}

// Two seeds of a small dqn on CartPole-v1, learning a little in 3000 steps.
constexpr const char* kConfig = R"(name = "ckpt"
seed = 3
seeds = 2
steps = 3000
save_agent = true
[[env]]
id = "CartPole-v1"
[[agent]]
id = "dqn"
net_arch = [32]
learning_rate = 2.3e-3
learning_starts = 200
batch_size = 32
train_freq = 50
gradient_steps = 25
target_update_interval = 10
exploration_fraction = 0.2
)";

// Greedy episodes of the saved agent: (length, return) of each.
std::vector<std::pair<std::int64_t, double>> replay(const std::string& file, std::int64_t run,
                                                    std::uint64_t first_seed, int episodes) {
  Registry reg = make_registry({});
  Checkpoint ck = load_checkpoint(reg, file, run, "", {});
  Value obs, next, action;
  ck.env->spec().observation_space.prepare(obs);
  ck.env->spec().observation_space.prepare(next);
  ck.env->spec().action_space.prepare(action);
  std::vector<std::pair<std::int64_t, double>> out;
  for (int e = 0; e < episodes; ++e) {
    ck.env->reset(obs, e == 0 ? std::optional<std::uint64_t>(first_seed) : std::nullopt);
    std::int64_t len = 0;
    double ret = 0.0;
    for (;;) {
      Decision d;
      ck.agent->act(obs, action, d);
      const StepResult r = ck.env->step(action, next);
      ++len;
      ret += r.reward;
      if (r.terminated || r.truncated) break;
      std::swap(obs, next);
    }
    out.emplace_back(len, ret);
  }
  return out;
}

}  // namespace

TEST_CASE("checkpoint: eval and render play the saved agent greedily", "[checkpoint]") {
  const fs::path d = temp_dir("dqn");
  std::ofstream(d / "c.toml") << kConfig;
  const std::string file = (d / "c.h5").string();
  const Result run = sh("run " + (d / "c.toml").string() + " -q --threads 2 --out " + file);
  INFO(run.out);
  REQUIRE(run.code == 0);

  SECTION("eval: mean return of N greedy episodes from --seed") {
    // Two runs saved an agent: the run must be named.
    const Result ambiguous = sh("eval " + file + " --env CartPole-v1 --episodes 3");
    CHECK(ambiguous.code != 0);
    CHECK_THAT(ambiguous.out, Catch::Contains("--run R") && Catch::Contains("0, 1"));
    const Result r = sh("eval " + file + " --run 1 --env CartPole-v1 --episodes 4 --seed 9");
    INFO(r.out);
    REQUIRE(r.code == 0);
    const auto expected = replay(file, 1, 9, 4);
    double mean = 0.0;
    for (const auto& [len, ret] : expected) mean += ret / 4.0;
    std::ostringstream want;
    want << "return  " << std::fixed << std::setprecision(2) << mean;
    CHECK_THAT(r.out, Catch::Contains(want.str()) && Catch::Contains("4 evaluation episodes"));
    const Result wrong_env = sh("eval " + file + " --run 1 --env Acrobot-v1");
    CHECK(wrong_env.code != 0);
    CHECK_THAT(wrong_env.out, Catch::Contains("trained on CartPole-v1"));
  }

  SECTION("render --checkpoint: one frame per step plus the reset frame") {
    const std::string gif = (d / "c.gif").string();
    const Result r =
        sh("env render CartPole-v1 --checkpoint " + file + " --run 0 --seed 4 -q --out " + gif);
    INFO(r.out);
    REQUIRE(r.code == 0);
    const auto expected = replay(file, 0, derive_seed(4, 0, "env"), 1);
    const std::regex re("episode 1: ([0-9]+) steps");
    std::smatch m;
    REQUIRE(std::regex_search(r.out, m, re));
    CHECK(std::stoll(m[1].str()) == expected[0].first);
    const GifSummary g = read_gif_summary(gif);
    CHECK(g.frames == expected[0].first + 1);
    CHECK(g.width == 600);
    CHECK(g.height == 400);
    // The checkpoint brings its agent; --run alone is meaningless.
    CHECK(sh("env render CartPole-v1 --checkpoint " + file + " --agent random --out " + gif).code !=
          0);
    CHECK(sh("env render CartPole-v1 --run 0 --out " + gif).code != 0);
  }
}

namespace {
// The numbers of the JSON array `"key": [ ... ]` in TEXT (Python's json prints floats with
// repr, so compare numerically rather than textually).
std::vector<double> json_numbers(const std::string& text, const std::string& key) {
  const std::regex re("\"" + key + "\": \\[([^\\]]*)\\]");
  std::smatch m;
  if (!std::regex_search(text, m, re)) return {};
  std::stringstream values(m[1].str());
  std::vector<double> got;
  for (std::string v; std::getline(values, v, ',');) got.push_back(std::stod(v));
  return got;
}

// Runs SEEDS runs of Q-learning on FrozenLake-v1 (master seed SEED, budget line BUDGET,
// 5 evaluation episodes every 100 steps) into DIR/e.h5 on 2 threads, draws the evaluation
// curve with `rlsim plot --what eval` and returns the PNG's JSON sidecar.
std::string eval_plot_sidecar(const fs::path& d, int seed, int seeds, const std::string& budget,
                              const std::string& env_params = "") {
  std::ofstream(d / "e.toml") << "name = \"evalcurve\"\nseed = " << seed << "\nseeds = " << seeds
                              << "\n"
                              << budget << R"(
[eval]
every = 100
episodes = 5
[[env]]
id = "FrozenLake-v1"
)" << env_params << R"(
[[agent]]
id = "q-learning"
)";
  const std::string file = (d / "e.h5").string();
  REQUIRE(sh("run " + (d / "e.toml").string() + " -q --threads 2 --out " + file).code == 0);
  const Result r = sh("plot " + file + " --what eval -q --out " + (d / "plots").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  REQUIRE(fs::is_regular_file(d / "plots" / "eval_FrozenLake-v1.png"));
  std::ifstream f(d / "plots" / "eval_FrozenLake-v1.json");
  std::stringstream json;
  json << f.rdbuf();
  return json.str();
}
}  // namespace

TEST_CASE("plot --what eval: evaluation return against steps, per-run finals", "[checkpoint]") {
  const fs::path d = temp_dir("plot");
  const std::string text = eval_plot_sidecar(d, 2, 3, "steps = 400");
  const std::string file = (d / "e.h5").string();
  INFO(text);
  CHECK_THAT(text, Catch::Contains("\"points\": 4") && Catch::Contains("\"runs\": 3"));
  const std::vector<double> got = json_numbers(text, "final_per_run");
  REQUIRE(got.size() == 3);
  // Each run's last evaluation (at step 400): the mean of its 5 episodes.
  ExperimentReader reader(file);
  std::size_t k = 0;
  for (std::int64_t i : reader.complete_run_indices()) {
    const StoredRun run = reader.read_run(i);
    double sum = 0.0;
    for (std::size_t j = 0; j < run.evaluations.size(); ++j)
      if (run.evaluations.step[j] == 400) sum += run.evaluations.returns[j];
    CHECK(got[k++] == Approx(sum / 5.0));
  }
}

TEST_CASE("plot --what eval: runs with an episode budget end at their own steps", "[checkpoint]") {
  // A budget in episodes: each run ends, and makes its final evaluation, at its own step
  // count. The line must run over the steps every run evaluated at, and the finals form
  // one separate point whose statistics are those of the runs' last evaluations.
  const fs::path d = temp_dir("plot_episodes");
  // Not slippery, master seed 1: the runs' final evaluations differ (0, 0.4, 0, 0.4), so the
  // interval's width depends on the quantile used.
  const std::string text = eval_plot_sidecar(d, 1, 4, "episodes = 60", "is_slippery = false");
  const std::string file = (d / "e.h5").string();
  INFO(text);

  // Independent computation from the run file.
  ExperimentReader reader(file);
  std::vector<std::set<std::int64_t>> steps;
  std::vector<double> finals;
  std::int64_t first_last = -1, last_last = -1;
  for (std::int64_t i : reader.complete_run_indices()) {
    const StoredRun run = reader.read_run(i);
    REQUIRE(run.evaluations.size() > 0);
    steps.emplace_back(run.evaluations.step.begin(), run.evaluations.step.end());
    const std::int64_t last = *steps.back().rbegin();
    double sum = 0.0;
    int n = 0;
    for (std::size_t j = 0; j < run.evaluations.size(); ++j)
      if (run.evaluations.step[j] == last) {
        sum += run.evaluations.returns[j];
        ++n;
      }
    finals.push_back(sum / n);
    first_last = first_last < 0 ? last : std::min(first_last, last);
    last_last = std::max(last_last, last);
  }
  REQUIRE(finals.size() == 4);
  REQUIRE(first_last != last_last);  // the runs do end at different steps
  std::size_t shared = 0;
  for (std::int64_t s : steps[0]) {
    bool everywhere = true;
    for (const auto& other : steps) everywhere = everywhere && other.count(s) == 1;
    shared += everywhere ? 1 : 0;
  }
  CHECK_THAT(text, Catch::Contains("\"points\": " + std::to_string(shared) + ",") &&
                       Catch::Contains("\"runs\": 4"));
  const std::vector<double> got = json_numbers(text, "final_per_run");
  REQUIRE(got.size() == 4);
  for (std::size_t k = 0; k < 4; ++k) CHECK(got[k] == Approx(finals[k]));
  const std::vector<double> range = json_numbers(text, "final_steps");
  REQUIRE(range.size() == 2);
  CHECK(range[0] == static_cast<double>(first_last));
  CHECK(range[1] == static_cast<double>(last_last));
  double mean = 0.0, var = 0.0;
  for (double x : finals) mean += x / 4.0;
  for (double x : finals) var += (x - mean) * (x - mean) / 3.0;
  REQUIRE(var > 0.0);  // else any quantile gives 0
  // Student's t: t(0.975, 3) = boost::math::quantile(students_t(3), 0.975), times sd / sqrt(4).
  const double half = 3.1824463052837086 * std::sqrt(var) / 2.0;
  const std::regex ci("\"final_ci95\": ([-0-9.eE+]+)");
  std::smatch m;
  REQUIRE(std::regex_search(text, m, ci));
  CHECK(std::stod(m[1].str()) == Approx(half).margin(1e-12));
}

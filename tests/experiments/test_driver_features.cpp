// Driver features end to end with the binary: zip groups in --dry-run, `analyze --compare`
// (checked against an independent Welch computation from the per-run values in the files),
// `traj --replay` (GIF frames and sizes, text frames against the logged observations, Box2D
// episodes re-simulated from the logged seed and actions, a tampered log refused), and
// the plain progress lines `rlsim run` prints when stderr is not a terminal.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <numeric>
#include <regex>
#include <sstream>

#include <boost/math/distributions/students_t.hpp>

#include "experiments/analyze.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/gif_writer.hpp"
#include "experiments/progress.hpp"
#include "run/hdf5_log.hpp"
#include "run/runner.hpp"
#include "tests/experiments/driver_util.hpp"

namespace fs = std::filesystem;
using namespace rlsim_test;

namespace {

// The number after "KEY": at or after position `from` of a JSON text.
double json_after(const std::string& text, const std::string& key, std::size_t from = 0) {
  const auto pos = text.find("\"" + key + "\": ", from);
  REQUIRE(pos != std::string::npos);
  return std::stod(text.substr(pos + key.size() + 4));
}

// Per-run mean return over the last k episodes of the complete runs of `agent` in a file.
std::vector<double> run_returns(const std::string& file, const std::string& agent, int k) {
  rlsim::ExperimentReader reader(file);
  std::vector<double> out;
  for (std::int64_t i : reader.run_indices()) {
    const rlsim::StoredRun r = reader.read_run(i, false);
    if (!r.complete || r.agent_id != agent) continue;
    const auto& ret = r.episodes.returns;
    const std::size_t n = ret.size(), m = std::min<std::size_t>(n, static_cast<std::size_t>(k));
    out.push_back(std::accumulate(ret.end() - static_cast<std::ptrdiff_t>(m), ret.end(), 0.0) /
                  static_cast<double>(m));
  }
  return out;
}

double mean(const std::vector<double>& x) {
  return std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
}
double var(const std::vector<double>& x) {
  const double m = mean(x);
  double s = 0;
  for (double v : x) s += (v - m) * (v - m);
  return s / static_cast<double>(x.size() - 1);
}

const std::string kLake = lake_config("lake", 4, 60);
// Taxi: returns vary from run to run, so intervals are not degenerate.
const std::string kTaxi =
    "name = \"taxi\"\nseeds = 4\nepisodes = 30\n[[env]]\nid = \"Taxi-v4\"\n[[agent]]\nid = "
    "\"q-learning\"\n[[agent]]\nid = \"random\"\n";

}  // namespace

TEST_CASE("welch: difference interval by hand", "[analyze]") {
  const rlsim::WelchInterval w = rlsim::welch_difference({1, 2, 3}, {4, 5, 6, 7});
  // va = 1/3, vb = (5/3)/4 = 5/12; df = 0.75^2 / ((1/3)^2/2 + (5/12)^2/3) = 4.9592
  CHECK(w.diff == Approx(3.5));
  CHECK(w.df == Approx(0.5625 / (1.0 / 18 + 25.0 / 432)).epsilon(1e-12));
  boost::math::students_t t(w.df);
  CHECK(w.half_width == Approx(boost::math::quantile(t, 0.975) * std::sqrt(0.75)));
  CHECK(w.half_width == Approx(2.232).margin(0.003));  // t(0.975, 4.96) ~ 2.577, x 0.866
  CHECK(w.significant);
  const rlsim::WelchInterval same = rlsim::welch_difference({1, 2, 3}, {1, 2, 3});
  CHECK(same.diff == 0);
  CHECK_FALSE(same.significant);
  CHECK(std::isnan(rlsim::welch_difference({1}, {1, 2}).half_width));
  CHECK_FALSE(rlsim::welch_difference({1}, {5, 6}).significant);
  const rlsim::WelchInterval flat = rlsim::welch_difference({2, 2}, {3, 3});
  CHECK(flat.half_width == 0);
  CHECK(flat.significant);
}

TEST_CASE("driver: analyze --compare of two files, and of a file with itself", "[analyze]") {
  const fs::path d = temp_dir("compare");
  std::ofstream(d / "taxi.toml") << kTaxi;
  const std::string a = (d / "a.h5").string(), b = (d / "b.h5").string();
  Result r = sh("run " + (d / "taxi.toml").string() + " -q --threads 2 --out " + a);
  REQUIRE(r.code == 0);
  // B: another master seed and sarsa instead of random.
  r = sh("run " + (d / "taxi.toml").string() + " -q --threads 2 seed=9 agent[1].id=sarsa --out " +
         b);
  REQUIRE(r.code == 0);

  r = sh("analyze " + a + " --compare " + b + " --last 20 --json");
  INFO(r.out);
  REQUIRE(r.code == 0);
  const std::vector<double> qa = run_returns(a, "q-learning", 20),
                            qb = run_returns(b, "q-learning", 20);
  REQUIRE(qa.size() == 4);
  const double va = var(qa) / 4, vb = var(qb) / 4;
  const double df = (va + vb) * (va + vb) / (va * va / 3 + vb * vb / 3);
  const double half =
      boost::math::quantile(boost::math::students_t(df), 0.975) * std::sqrt(va + vb);
  const auto g = r.out.find("\"groups\"");
  CHECK(json_after(r.out, "mean_return", r.out.find("\"a\":", g)) == Approx(mean(qa)));
  CHECK(json_after(r.out, "mean_return", r.out.find("\"b\":", g)) == Approx(mean(qb)));
  const auto rd = r.out.find("\"return_diff\"", g);
  CHECK(json_after(r.out, "diff", rd) == Approx(mean(qb) - mean(qa)).margin(1e-12));
  CHECK(json_after(r.out, "ci95", rd) == Approx(half));
  const bool significant = std::abs(mean(qb) - mean(qa)) > half;
  CHECK_THAT(r.out.substr(rd, 200),
             Catch::Contains(significant ? "\"significant\": true" : "\"significant\": false"));
  // random only in A, sarsa only in B; q-learning is the one group in both.
  const auto only_a = r.out.find("\"only_in_a\""), only_b = r.out.find("\"only_in_b\"");
  REQUIRE(only_a != std::string::npos);
  REQUIRE(only_b != std::string::npos);
  CHECK(r.out.substr(only_a, only_b - only_a).find("\"agent_id\": \"random\"") !=
        std::string::npos);
  CHECK(r.out.substr(only_b).find("\"agent_id\": \"sarsa\"") != std::string::npos);
  CHECK(r.out.substr(g, only_a - g).find("\"agent_id\": \"random\"") == std::string::npos);

  r = sh("analyze " + a + " --compare " + b);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("only in A (1 group)") &&
                        Catch::Contains("only in B (1 group)") && Catch::Contains("B − A"));

  // CSV: a row per group, `in` saying where it is.
  r = sh("analyze " + a + " --compare " + b + " --csv");
  REQUIRE(r.code == 0);
  CHECK(count_lines(r.out) == 1 + 3);
  CHECK_THAT(r.out, Catch::StartsWith("group,env,agent,env_params,agent_params,in,") &&
                        Catch::Contains(",both,") && Catch::Contains(",a,") &&
                        Catch::Contains(",b,"));

  // A file with itself: every difference is 0 and none is significant.
  r = sh("analyze " + a + " --compare " + a + " --json");
  REQUIRE(r.code == 0);
  int diffs = 0;
  for (auto p = r.out.find("\"return_diff\""); p != std::string::npos;
       p = r.out.find("\"return_diff\"", p + 1), ++diffs) {
    CHECK(json_after(r.out, "diff", p) == 0.0);
    CHECK(json_after(r.out, "ci95", p) > 0.0);
    CHECK_THAT(r.out.substr(p, 160), Catch::Contains("\"significant\": false"));
  }
  CHECK(diffs == 2);
  CHECK_THAT(r.out, Catch::Contains("\"only_in_a\": []") && Catch::Contains("\"only_in_b\": []"));

  r = sh("analyze " + a + " --compare " + (d / "missing.h5").string());
  CHECK(r.code == 1);
  fs::remove_all(d);
}

TEST_CASE("driver: --dry-run prints the runs of a grid with zip groups and their count",
          "[config]") {
  const fs::path d = temp_dir("dryrun");
  std::ofstream(d / "zip.toml") << R"(
seeds = [2, 5]
pulls = 100
[[env]]
id = "BernoulliBandit-v0"
[[agent]]
id = "epsilon-greedy"
[agent.zip]
epsilon = [0.3, 0.1, 0.01]
)";
  Result r = sh("run " + (d / "zip.toml").string() + " --dry-run");
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::EndsWith("6 runs\n"));
  CHECK(count_lines(r.out) == 1 + 6 + 1);
  for (const char* eps : {"epsilon=0.3", "epsilon=0.1", "epsilon=0.01"}) {
    std::size_t n = 0;
    for (auto p = r.out.find(eps); p != std::string::npos; p = r.out.find(eps, p + 1)) ++n;
    CHECK(n == 2);  // one run per seed
  }
  std::ofstream(d / "bad.toml")
      << "episodes = 3\n[[env]]\nid = \"FrozenLake-v1\"\n[[agent]]\nid = "
         "\"q-learning\"\n[agent.zip]\nalpha = [0.1, 0.2]\nepsilon = [0.1]\n";
  r = sh("run " + (d / "bad.toml").string() + " --dry-run");
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("must have one length"));
  fs::remove_all(d);
}

TEST_CASE("driver: traj --replay re-draws logged FrozenLake and CartPole episodes", "[traj]") {
  const fs::path d = temp_dir("replay");
  const std::string lake = (d / "lake.h5").string(), pole = (d / "pole.h5").string();
  std::ofstream(d / "lake.toml") << "episodes = 4\n[log]\nsteps = true\n[[env]]\nid = "
                                    "\"FrozenLake-v1\"\n[[agent]]\nid = \"random\"\n";
  Result r = sh("run " + (d / "lake.toml").string() + " -q --out " + lake);
  REQUIRE(r.code == 0);
  std::ofstream(d / "pole.toml") << "episodes = 2\n[log]\nsteps = true\n[[env]]\nid = "
                                    "\"CartPole-v1\"\n[[agent]]\nid = \"random\"\n";
  r = sh("run " + (d / "pole.toml").string() + " -q --out " + pole);
  REQUIRE(r.code == 0);

  auto logged = [](const std::string& file, int episode) {
    rlsim::ExperimentReader reader(file);
    const rlsim::StoredRun run = reader.read_run(0, true);
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < run.steps.size(); ++i)
      if (run.steps.episode[i] == episode) rows.push_back(i);
    return std::pair{run.steps, rows};
  };

  SECTION("FrozenLake: one GIF frame per logged step; text frames put @ on the logged state") {
    const auto [steps, rows] = logged(lake, 1);
    REQUIRE(!rows.empty());
    const std::string gif = (d / "lake.gif").string();
    r = sh("traj " + lake + " --run 0 --episode 1 --replay --out " + gif);
    INFO(r.out);
    REQUIRE(r.code == 0);
    const rlsim::GifSummary g = rlsim::read_gif_summary(gif);
    CHECK(g.frames == static_cast<int>(rows.size()));
    rlsim::Registry reg = rlsim::make_registry({});
    auto env = reg.make_env("FrozenLake-v1", {});
    rlsim::Value obs;
    env->reset(obs, 0);
    rlsim::Image frame;
    REQUIRE(env->render(frame));
    CHECK(g.width == frame.width);
    CHECK(g.height == frame.height);
    CHECK(g.delays_cs.front() == 25);  // 4 fps for discrete observations

    r = sh("traj " + lake + " --run 0 --episode 1 --replay --text");
    REQUIRE(r.code == 0);
    std::istringstream is(r.out);
    std::string line;
    std::vector<std::int64_t> at;  // the state index of each frame's '@'
    int row = -1;
    while (std::getline(is, line)) {
      if (line.rfind("-- episode 1, step ", 0) == 0) {
        row = 0;
        continue;
      }
      if (row < 0 || row >= 4) continue;
      if (const auto c = line.find('@'); c != std::string::npos)
        at.push_back(row * 4 + static_cast<std::int64_t>(c));
      ++row;
    }
    REQUIRE(at.size() == rows.size());
    for (std::size_t k = 0; k < rows.size(); ++k) CHECK(at[k] == steps.obs_index[rows[k]]);
  }

  SECTION("CartPole: GIF of 600x400 frames; text frames show the logged observations") {
    const auto [steps, rows] = logged(pole, 0);
    REQUIRE(rows.size() >= 5);
    const std::string gif = (d / "pole.gif").string();
    r = sh("traj " + pole + " --run 0 --episode 0 --replay --out " + gif + " --scale 2");
    INFO(r.out);
    REQUIRE(r.code == 0);
    const rlsim::GifSummary g = rlsim::read_gif_summary(gif);
    CHECK(g.frames == static_cast<int>(rows.size()));
    CHECK(g.width == 1200);
    CHECK(g.height == 800);
    CHECK(g.delays_cs.front() == 3);  // 30 fps

    r = sh("traj " + pole + " --run 0 --episode 0 --replay --text");
    REQUIRE(r.code == 0);
    const std::regex re(
        R"(x=([-+0-9.]+) x_dot=([-+0-9.]+) theta=([-+0-9.]+) theta_dot=([-+0-9.]+))");
    std::size_t k = 0;
    for (auto it = std::sregex_iterator(r.out.begin(), r.out.end(), re);
         it != std::sregex_iterator(); ++it, ++k) {
      REQUIRE(k < rows.size());
      for (int j = 0; j < 4; ++j)
        CHECK(std::stod((*it)[j + 1].str()) ==
              Approx(steps.obs[rows[k] * 4 + static_cast<std::size_t>(j)]).margin(6e-5));
    }
    CHECK(k == rows.size());
  }
  fs::remove_all(d);
}

TEST_CASE("driver: traj --replay re-simulates Box2D episodes and refuses a log it cannot reproduce",
          "[traj]") {
  const fs::path d = temp_dir("replay_resim");
  std::ofstream(d / "lander.toml") << "episodes = 3\n[log]\nsteps = true\n[[env]]\nid = "
                                      "\"LunarLander-v3\"\n[[agent]]\nid = \"random\"\n";
  const std::string f = (d / "lander.h5").string();
  Result r = sh("run " + (d / "lander.toml").string() + " -q --out " + f);
  REQUIRE(r.code == 0);
  auto rows_of = [](const rlsim::StepTable& s, std::int64_t episode) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++i) n += s.episode[i] == episode ? 1 : 0;
    return n;
  };

  SECTION("single env: episode 2 needs episodes 0 and 1 re-simulated first") {
    const rlsim::StoredRun run = rlsim::ExperimentReader(f).read_run(0, true);
    const std::size_t n = rows_of(run.steps, 2);
    REQUIRE(n > 0);
    const std::string gif = (d / "lander.gif").string();
    r = sh("traj " + f + " --run 0 --episode 2 --replay --out " + gif);
    INFO(r.out);
    REQUIRE(r.code == 0);
    CHECK_THAT(r.out, Catch::Contains("re-simulated"));
    const rlsim::GifSummary g = rlsim::read_gif_summary(gif);
    CHECK(g.frames == static_cast<int>(n) + 1);  // each logged observation + the last state
    CHECK(g.width == 600);
    CHECK(g.height == 400);
  }

  SECTION("vector env: the copy that played the episode is re-simulated from its own seed") {
    std::ofstream(d / "vec.toml")
        << "steps = 600\n[log]\nsteps = true\n[[env]]\nid = \"LunarLander-v3\"\n[[agent]]\n"
           "id = \"ppo\"\nn_envs = 3\nn_steps = 100\nbatch_size = 100\nn_epochs = 1\n";
    const std::string v = (d / "vec.h5").string();
    r = sh("run " + (d / "vec.toml").string() + " -q --out " + v);
    REQUIRE(r.code == 0);
    const rlsim::StoredRun run = rlsim::ExperimentReader(v).read_run(0, true);
    REQUIRE(!run.steps.env.empty());
    // The first episode whose rows are not copy 0's, so the derived per-copy seed is used.
    std::int64_t episode = -1;
    for (std::size_t i = 0; i < run.steps.size() && episode < 0; ++i)
      if (run.steps.env[i] != 0 && run.steps.episode[i] >= 0) episode = run.steps.episode[i];
    REQUIRE(episode >= 0);
    const std::string gif = (d / "vec.gif").string();
    r = sh("traj " + v + " --run 0 --episode " + std::to_string(episode) + " --replay --out " +
           gif);
    INFO(r.out);
    REQUIRE(r.code == 0);
    CHECK(rlsim::read_gif_summary(gif).frames == static_cast<int>(rows_of(run.steps, episode)) + 1);
  }

  SECTION("a log the env does not reproduce (one reward changed) is refused, naming the step") {
    rlsim::Registry reg = rlsim::make_registry({});
    rlsim::RunSpec spec;
    spec.env_id = "LunarLander-v3";
    spec.agent_id = "random";
    spec.master_seed = 7;
    spec.budget.episodes = 1;
    spec.log_steps = true;
    rlsim::RunResult res = rlsim::execute_run(reg, spec);
    REQUIRE(res.steps.size() > 10);
    res.steps.reward[5] += 1e-9;
    const std::string bad = (d / "tampered.h5").string();
    {
      rlsim::ExperimentMeta meta;
      meta.config_text = "episodes = 1\n";
      meta.master_seed = 7;
      meta.planned_runs = 1;
      rlsim::ExperimentWriter w(bad, meta);
      w.write_run(res);
      w.finish();
    }
    r = sh("traj " + bad + " --run 0 --episode 0 --replay --out " + (d / "x.gif").string());
    CHECK(r.code == 1);
    CHECK_THAT(r.out, Catch::Contains("departs from the log at episode 0, step 5") &&
                          Catch::Contains("the reward differs"));
  }

  SECTION("bad options, and text frames of an env that draws only pictures") {
    r = sh("traj " + f + " --run 0 --episode 0 --replay --text");
    CHECK(r.code == 1);
    CHECK_THAT(r.out, Catch::Contains("LunarLander-v3 has no text rendering"));
    check_usage_error("traj " + f + " --run 0 --episode 0 --replay",
                      "--replay needs one of --out FILE.gif or --text");
    check_usage_error("traj " + f + " --run 0 --episode 0 --text", "add --replay");
  }
  fs::remove_all(d);
}

TEST_CASE("env: state_from_observation round-trips every env that offers it", "[traj]") {
  rlsim::Registry reg = rlsim::make_registry({});
  int checked = 0;
  for (const std::string& id : reg.env_ids()) {
    auto env = reg.make_env(id, {});
    const rlsim::EnvSpec& spec = env->spec();
    rlsim::Value obs, again, action;
    spec.observation_space.prepare(obs);
    spec.observation_space.prepare(again);
    spec.action_space.prepare(action);
    env->reset(obs, 3);
    std::vector<double> state;
    if (!env->state_from_observation(obs, state)) continue;
    INFO(id);
    auto copy = reg.make_env(id, {});
    copy->reset(again, 11);
    for (int t = 0; t < 20 && !env->episode_over(); ++t) {
      REQUIRE(env->state_from_observation(obs, state));
      copy->set_state(state);
      copy->observe(again);
      if (spec.observation_space.is_discrete()) {
        CHECK(again.index == obs.index);
      } else {
        for (std::size_t j = 0; j < obs.vec.size(); ++j)
          CHECK(again.vec[j] == Approx(obs.vec[j]).margin(1e-6));
      }
      // A fixed, valid action sequence: the lowest action / the Box's midpoint.
      if (spec.action_space.is_discrete())
        action.index = spec.action_space.start();
      else
        for (std::size_t j = 0; j < action.vec.size(); ++j)
          action.vec[j] = 0.5f * (spec.action_space.low()[j] + spec.action_space.high()[j]);
      env->step(action, obs);
    }
    ++checked;
  }
  CHECK(checked >= 8);  // gridworlds and classic control
}

TEST_CASE("progress: the plain and bar lines and the group line", "[progress]") {
  CHECK(rlsim::progress_plain_line(37, 100, 12'000'000, 10.0) ==
        "progress: 37/100 runs, 1.2M steps/s, elapsed 0m10s, ETA 0m17s");
  CHECK(rlsim::progress_plain_line(0, 8, 0, 0.5) ==
        "progress: 0/8 runs, 0.0 steps/s, elapsed 0m01s, ETA ?");
  CHECK(rlsim::progress_bar_line(1, 4, 4600, 2.0, 8) ==
        "[##------] 1/4 runs  2.3k steps/s  elapsed 0m02s  ETA 0m06s");
  CHECK(rlsim::format_duration(3723) == "1h02m03s");
  CHECK(rlsim::group_done_line("G", 3, {1.0, 2.0, 3.0}, {}, 10) ==
        "done: G: 3 runs, return (last 10) 2 ± 2.48");  // t(0.975, 2) = 4.303, s = 1
  CHECK(rlsim::group_done_line("G", 1, {0.5}, {}, 10) == "done: G: 1 run, return (last 10) 0.5");
  CHECK(rlsim::group_done_line("B / ucb1", 2, {}, {10.0, 14.0}, 10) ==
        "done: B / ucb1: 2 runs, final regret 12 ± 25.4");  // t(0.975, 1) = 12.71, s/√2 = 2
}

TEST_CASE("driver: run prints plain progress and a line per finished group off a terminal",
          "[progress]") {
  const fs::path d = temp_dir("progress");
  std::ofstream(d / "lake.toml") << kLake;
  // stderr is a pipe here, not a terminal.
  Result r = sh("run " + (d / "lake.toml").string() + " --threads 2 --last 20 --out " +
                (d / "p.h5").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  const std::regex done(
      R"(done: FrozenLake-v1 / (q-learning|random): 4 runs, return \(last 20\) [-0-9.e]+ ± [0-9.e]+\n)");
  CHECK(std::distance(std::sregex_iterator(r.out.begin(), r.out.end(), done),
                      std::sregex_iterator()) == 2);
  const std::regex last(
      R"(progress: 8/8 runs, [0-9.]+[kM]? steps, [0-9.]+[kM]? steps/s, elapsed \d+m\d\ds, ETA 0m00s\n)");
  CHECK(std::regex_search(r.out, last));
  CHECK(r.out.find("\033[K") == std::string::npos);  // no terminal control codes
  // The group line's numbers are analyze's.
  Result a = sh("analyze " + (d / "p.h5").string() + " --last 20 --json");
  REQUIRE(a.code == 0);
  const double q = json_after(a.out, "mean_return");
  std::ostringstream want;
  want << std::setprecision(4) << q;
  CHECK_THAT(r.out, Catch::Contains("return (last 20) " + want.str() + " ± "));
  r = sh("run " + (d / "lake.toml").string() + " -q --overwrite --out " + (d / "p.h5").string());
  REQUIRE(r.code == 0);
  CHECK(r.out.empty());
  fs::remove_all(d);
}

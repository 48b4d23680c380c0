// `rlsim analyze --curves`: per-group curve CSVs written from a run file whose contents the
// test sets by hand, so every mean and interval can be checked against values computed here.
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "experiments/analyze.hpp"
#include "run/hdf5_log.hpp"

namespace fs = std::filesystem;

namespace {

struct CurvesTempDir {
  fs::path dir;
  CurvesTempDir() {
    std::string templ = (fs::temp_directory_path() / "rlsim_curves_XXXXXX").string();
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    dir = templ;
  }
  ~CurvesTempDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

std::vector<std::vector<std::string>> read_csv(const fs::path& path) {
  std::ifstream f(path);
  REQUIRE(f.good());
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(f, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.push_back("");
    rows.push_back(cells);
  }
  return rows;
}

// Run k of a bandit-like group: regret r_i = (k+1)·i at steps 1, 2, 4; one episode.
rlsim::RunResult bandit_run(std::int64_t index, int k) {
  rlsim::RunResult r;
  r.info.run_index = index;
  r.info.env_id = "BernoulliBandit-v0";
  r.info.agent_id = "ucb1";
  r.info.group = "bandit group";
  r.total_steps = 4;
  const std::int64_t steps[] = {1, 2, 4};
  for (int i = 0; i < 3; ++i) {
    r.regret.step.push_back(steps[i]);
    r.regret.pseudo_regret.push_back((k + 1) * (i + 1));
    r.regret.realised_regret.push_back(-(k + 1.0));
    r.regret.optimal_pulls.push_back(steps[i] / 2);
  }
  r.episodes.returns.push_back(2.0);
  r.episodes.lengths.push_back(4);
  r.episodes.end_steps.push_back(4);
  r.episodes.terminated.push_back(0);
  r.episodes.truncated.push_back(1);
  r.episodes.success.push_back(-1);
  return r;
}

// An episodic run of 100 steps: episodes end at steps 30, 40 and 100 with returns given.
rlsim::RunResult episodic_run(std::int64_t index, double a, double b, double c) {
  rlsim::RunResult r;
  r.info.run_index = index;
  r.info.env_id = "CartPole-v1";
  r.info.agent_id = "dqn";
  r.info.group = "episodic group";
  r.total_steps = 100;
  const double returns[] = {a, b, c};
  const std::int64_t ends[] = {30, 40, 100};
  for (int i = 0; i < 3; ++i) {
    r.episodes.returns.push_back(returns[i]);
    r.episodes.lengths.push_back(10);
    r.episodes.end_steps.push_back(ends[i]);
    r.episodes.terminated.push_back(1);
    r.episodes.truncated.push_back(0);
    r.episodes.success.push_back(-1);
  }
  // Evaluation at step 50: two episodes per evaluation.
  r.evaluations.step = {50, 50};
  r.evaluations.returns = {a, a + 2.0};
  r.evaluations.lengths = {5, 5};
  return r;
}

}  // namespace

TEST_CASE("analyze curves: regret, binned returns and evaluation CSVs match hand values",
          "[analyze-curves]") {
  CurvesTempDir tmp;
  const std::string file = (tmp.dir / "runs.h5").string();
  {
    rlsim::ExperimentMeta meta;
    meta.config_text = "name = \"curves\"\n";
    meta.planned_runs = 4;
    rlsim::ExperimentWriter w(file, meta);
    w.write_run(bandit_run(0, 0));
    w.write_run(bandit_run(1, 2));
    w.write_run(episodic_run(2, 1.0, 3.0, 10.0));
    w.write_run(episodic_run(3, 5.0, 7.0, 20.0));
    w.finish();
  }
  rlsim::ExperimentReader reader(file);
  const auto written = rlsim::write_curves(reader, (tmp.dir / "curves").string(), 2);
  CHECK(written.size() == 5);  // groups, regret_0, returns_0, returns_1, eval_1

  const auto groups = read_csv(tmp.dir / "curves" / "groups.csv");
  REQUIRE(groups.size() == 3);
  CHECK(groups[1][0] == "0");
  CHECK(groups[1][1] == "\"BernoulliBandit-v0\"");
  CHECK(groups[2][2] == "\"dqn\"");

  // Regret: runs with factors 1 and 3 → mean 2·i, sd √2·i, CI = t(0.975, 1)·sd/√2 = 12.706·i.
  const auto regret = read_csv(tmp.dir / "curves" / "regret_0.csv");
  REQUIRE(regret.size() == 4);
  CHECK(regret[0][0] == "step");
  const double t1 = 12.706204736174705;
  for (int i = 0; i < 3; ++i) {
    const auto& row = regret[static_cast<std::size_t>(i + 1)];
    CHECK(std::stoll(row[0]) == (i == 2 ? 4 : i + 1));
    CHECK(row[1] == "2");
    CHECK(std::stod(row[2]) == Approx(2.0 * (i + 1)).margin(1e-6));
    CHECK(std::stod(row[3]) == Approx(t1 * (i + 1)).epsilon(1e-6));
    CHECK(std::stod(row[5]) == Approx(-2.0).margin(1e-6));
  }

  // Returns in 2 bins of 50 steps: bin 1 holds the episodes ending at 30 and 40 (run means 2
  // and 6), bin 2 the one ending at 100 (10 and 20).
  const auto returns = read_csv(tmp.dir / "curves" / "returns_1.csv");
  REQUIRE(returns.size() == 3);
  CHECK(returns[1][0] == "50");
  CHECK(std::stod(returns[1][2]) == Approx(4.0).margin(1e-6));
  CHECK(std::stod(returns[1][3]) == Approx(t1 * 2.0).epsilon(1e-6));  // sd 2√2, /√2
  CHECK(returns[2][0] == "100");
  CHECK(std::stod(returns[2][2]) == Approx(15.0).margin(1e-6));

  // Evaluation at step 50: run means 2 and 6.
  const auto eval = read_csv(tmp.dir / "curves" / "eval_1.csv");
  REQUIRE(eval.size() == 2);
  CHECK(eval[1][0] == "50");
  CHECK(std::stod(eval[1][2]) == Approx(4.0).margin(1e-6));

  // No regret curve for the episodic group, no eval curve for the bandit group.
  CHECK_FALSE(fs::exists(tmp.dir / "curves" / "regret_1.csv"));
  CHECK_FALSE(fs::exists(tmp.dir / "curves" / "eval_0.csv"));
  CHECK_THROWS_AS(rlsim::write_curves(reader, (tmp.dir / "c2").string(), 0), rlsim::Error);
}

TEST_CASE("analyze group-by: parameter values define the rows, runs are pooled over the rest",
          "[analyze-group-by]") {
  CHECK(rlsim::param_from_text("a=1 means=[0.5, 0.4] s=\"x y\" b=2", "means") ==
        std::optional<std::string>("[0.5, 0.4]"));
  CHECK(rlsim::param_from_text("a=1 means=[0.5, 0.4] s=\"x y\" b=2", "s") ==
        std::optional<std::string>("\"x y\""));
  CHECK(rlsim::param_from_text("a=1 means=[0.5, 0.4] s=\"x y\" b=2", "b") ==
        std::optional<std::string>("2"));
  CHECK_FALSE(rlsim::param_from_text("a=1 b=2", "c").has_value());

  CurvesTempDir tmp;
  const std::string file = (tmp.dir / "grid.h5").string();
  // 2 alphas × 2 gammas × 2 seeds; the return of a run is 10·alpha + gamma + seed.
  {
    rlsim::ExperimentMeta meta;
    meta.config_text = "name = \"grid\"\n";
    meta.planned_runs = 8;
    rlsim::ExperimentWriter w(file, meta);
    std::int64_t index = 0;
    for (double alpha : {0.1, 0.5})
      for (double gamma : {0.9, 0.99})
        for (int seed = 0; seed < 2; ++seed) {
          rlsim::RunResult r;
          r.info.run_index = index++;
          r.info.env_id = "FrozenLake-v1";
          r.info.agent_id = "q-learning";
          r.info.seed_index = seed;
          r.info.agent_params = rlsim::Params({{"alpha", alpha}, {"gamma", gamma}});
          r.info.group = r.info.env_id + " / q-learning " + r.info.agent_params.to_text();
          r.total_steps = 10;
          r.episodes.returns.push_back(10 * alpha + gamma + seed);
          r.episodes.lengths.push_back(10);
          r.episodes.end_steps.push_back(10);
          r.episodes.terminated.push_back(1);
          r.episodes.truncated.push_back(0);
          r.episodes.success.push_back(-1);
          w.write_run(r);
        }
    w.finish();
  }
  rlsim::ExperimentReader reader(file);
  CHECK(rlsim::summarize(reader, 100).groups.size() == 4);
  const rlsim::Summary s = rlsim::summarize(reader, 100, {"alpha"});
  REQUIRE(s.groups.size() == 2);
  CHECK(s.groups[0].group == "alpha=0.1");
  CHECK(s.groups[0].runs == 4);
  // Pooled over gamma and seed: mean of 1 + {0.9, 0.99} + {0, 1}.
  CHECK(s.groups[0].mean_return == Approx(1.0 + (0.9 + 0.99) / 2 + 0.5));
  CHECK(s.groups[1].mean_return == Approx(5.0 + (0.9 + 0.99) / 2 + 0.5));
  const rlsim::Summary by_seed = rlsim::summarize(reader, 100, {"seed", "agent"});
  REQUIRE(by_seed.groups.size() == 2);
  CHECK(by_seed.groups[1].group == "seed=1 agent=q-learning");
  CHECK_THROWS_WITH(rlsim::summarize(reader, 100, {"beta"}), Catch::Contains("'beta'") &&
                                                                 Catch::Contains("alpha") &&
                                                                 Catch::Contains("gamma"));
}

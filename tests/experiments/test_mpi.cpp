// `mpirun -np 2 rlsim run` (experiments/mpi_runner.*): the run file written by rank 0 holds
// the same runs with the same numbers as a single-process run of the same config (every table
// the reader returns: episodes, steps, regret, evaluations, diagnostics, agent state); an
// error on a worker rank ends the job with one message naming the rank and a non-zero exit;
// and the Boost.Serialization of RunSpec/RunResult round-trips every field. Only built when
// CMake found MPI (RLSIM_MPI, which defines RLSIM_MPIEXEC for this file).
#ifdef RLSIM_MPIEXEC
#include <catch2/catch.hpp>

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "experiments/mpi_serialization.hpp"
#include "run/hdf5_log.hpp"

#include "tests/experiments/driver_util.hpp"

namespace fs = std::filesystem;
using namespace rlsim_test;

namespace {

// Runs CONFIG on 2 MPI ranks and as one process; both files must hold the same results.
void check_mpi_matches_single(const std::string& name, const std::string& config,
                              const std::string& extra = "") {
  const fs::path d = temp_dir("mpi_" + name);
  std::ofstream(d / "c.toml") << config;
  const std::string common = (d / "c.toml").string() + " -q --threads 1 " + extra;
  const std::string a = (d / "mpi.h5").string(), b = (d / "single.h5").string();
  const Result m = mpi_sh(2, "run " + common + " --out " + a);
  INFO(m.out);
  REQUIRE(m.code == 0);
  const Result s = sh("run " + common + " --out " + b);
  INFO(s.out);
  REQUIRE(s.code == 0);
  require_same_results(a, b);
  fs::remove_all(d);
}

}  // namespace

TEST_CASE("mpi: 2 ranks write the same results as one process (tabular, steps, eval, state)",
          "[mpi]") {
  // 7 runs: an odd count, so the two ranks' shares differ in size.
  check_mpi_matches_single("tabular", R"(
name = "mpi-tabular"
seed = 11
seeds = 7
episodes = 120
save_agent = true
[log]
steps = true
[eval]
every = 400
episodes = 3
[[env]]
id = "FrozenLake-v1"
[[agent]]
id = "q-learning"
)");
}

TEST_CASE("mpi: 2 ranks write the same results as one process (bandit regret, diagnostics)",
          "[mpi]") {
  check_mpi_matches_single("bandit", R"(
name = "mpi-bandit"
seed = 3
seeds = 3
steps = 3000
[[env]]
id = "BernoulliBandit-v0"
[[agent]]
id = "ucb1"
[[agent]]
id = "epsilon-greedy"
)");
  check_mpi_matches_single("diagnostics", R"(
name = "mpi-reinforce"
seed = 5
seeds = 2
episodes = 10
[[env]]
id = "CartPole-v1"
[[agent]]
id = "reinforce"
)");
}

TEST_CASE("mpi: an error on a worker rank ends the job with one message and a non-zero exit",
          "[mpi]") {
  const fs::path d = temp_dir("mpi_error");
  std::ofstream(d / "c.toml")
      << "seeds = 4\nepisodes = 50\n[[env]]\nid = \"FrozenLake-v1\"\n[[agent]]\nid = \"sarsa\"\n";
  const std::string out = (d / "e.h5").string();
  const std::string run = "run " + (d / "c.toml").string() + " -q --threads 1 --out " + out;
  // MPMD launch: rank 1 alone gets a plugin path that does not exist.
  const Result m = mpi_sh(1, run + " : -np 1 env RLSIM_PLUGIN_PATH=" + (d / "missing.so").string() +
                                 " " + rlsim_bin() + " " + run);
  INFO(m.out);
  CHECK(m.code != 0);
  std::size_t errors = 0;
  for (std::size_t p = m.out.find("rlsim: error:"); p != std::string::npos;
       p = m.out.find("rlsim: error:", p + 1))
    ++errors;
  CHECK(errors == 1);
  CHECK(m.out.find("rlsim: error: rank 1 (") != std::string::npos);
  CHECK(m.out.find("missing.so") != std::string::npos);
  // Rank 0 stopped before marking the experiment complete.
  rlsim::ExperimentReader r(out);
  CHECK_FALSE(r.meta().complete);
  fs::remove_all(d);
}

TEST_CASE("mpi: SIGTERM to rank 0 stops the job as without MPI: one line, exit 143", "[mpi]") {
  const fs::path d = temp_dir("mpi_sigterm");
  std::ofstream(d / "c.toml") << "seeds = 4\nsteps = 40000\n[[env]]\nid = \"CartPole-v1\"\n"
                                 "[[agent]]\nid = \"ppo\"\nn_steps = 256\nbatch_size = 64\n";
  const std::string out = (d / "t.h5").string(), pid = (d / "rank0.pid").string();
  const std::string run = "run " + (d / "c.toml").string() + " -q --threads 1 --out " + out;
  // MPMD launch: rank 0 records its pid before it becomes rlsim.
  const std::string job = mpirun(1) + "sh -c 'echo $$ > " + pid + "; exec " + rlsim_bin() + " " +
                          run + "' : -np 1 " + rlsim_bin() + " " + run;
  REQUIRE(std::system(("(RLSIM_PLUGIN_PATH= " + job + " > " + (d / "log").string() +
                       " 2>&1; echo $? > " + (d / "rc").string() + ") &")
                          .c_str()) == 0);
  for (int i = 0; i < 3000 && !(fs::exists(pid) && fs::exists(out)) && !fs::exists(d / "rc"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE(fs::exists(pid));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::system(("kill -TERM $(cat " + pid + ")").c_str());
  for (int i = 0; i < 6000 && !fs::exists(d / "rc"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::string log = read_text(d / "log");
  INFO(log);
  if (log.find("runs are complete") == std::string::npos) {
    // The job ended before the signal came (a fast machine): nothing to check.
    WARN("the job ended before SIGTERM arrived");
  } else {
    CHECK_THAT(log, Catch::Contains("rlsim: interrupted by SIGTERM: "));
    CHECK(read_text(d / "rc") != "0\n");
  }
  fs::remove_all(d);
}

TEST_CASE("mpi: a bad config is reported once, by rank 0, and the job exits non-zero", "[mpi]") {
  const Result m = mpi_sh(2, "run episodes=10 agent.no_such_key=1");
  INFO(m.out);
  CHECK(m.code != 0);
  const auto first = m.out.find("rlsim: error:");
  REQUIRE(first != std::string::npos);
  CHECK(m.out.find("rlsim: error:", first + 1) == std::string::npos);
  CHECK(m.out.find("no_such_key") != std::string::npos);
}

TEST_CASE("mpi: RunSpec and RunResult survive the serialization the ranks use", "[mpi]") {
  rlsim::MpiJob job;
  job.plugins = {"/a/b.so"};
  job.threads = 3;
  rlsim::RunSpec s;
  s.run_index = 41;
  s.env_id = "E";
  s.env_params = {{"b", true},
                  {"i", std::int64_t{-7}},
                  {"d", 0.1},
                  {"s", std::string("x y")},
                  {"l", std::vector<double>{1.5, -2.0}}};
  s.agent_id = "A";
  s.agent_params = {{"alpha", 0.25}};
  s.seed_index = 2;
  s.master_seed = 0xFFFFFFFFFFFFFFFFull;
  s.budget = {5, 600};
  s.log_steps = true;
  s.regret_every_step = true;
  s.eval_every = 100;
  s.eval_episodes = 4;
  s.save_agent = true;
  s.vector_env_threads = 2;
  job.specs = {s, s};

  rlsim::RunResult r;
  r.info.run_index = 41;
  r.info.env_id = "E";
  r.info.agent_id = "A";
  r.info.env_params = rlsim::Params({{"n", std::int64_t{3}}});
  r.info.agent_params = rlsim::Params({{"alpha", 0.25}, {"tag", std::string("t")}});
  r.info.seed_index = 2;
  r.info.env_seed = 123456789012345ull;
  r.info.agent_seed = 987654321ull;
  r.info.group = "E[n=3] / A[alpha=0.25]";
  r.episodes = {{1.0 / 3.0, -2.0}, {3, 4}, {3, 7}, {1, 0}, {0, 1}, {1, -1}};
  r.steps.obs_discrete = false;
  r.steps.action_discrete = true;
  r.steps.obs_dim = 2;
  r.steps.episode = {0, 0};
  r.steps.t = {0, 1};
  r.steps.obs = {0.5f, -0.25f, 1e-30f, 3.0f};
  r.steps.action_index = {1, 0};
  r.steps.reward = {0.1, 0.2};
  r.steps.terminated = {0, 1};
  r.steps.truncated = {0, 0};
  r.steps.probability = {0.9, 0.05};
  r.steps.log_prob = {-0.1, -3.0};
  r.steps.env = {0, 1};
  r.regret = {{1, 10}, {0.5, 2.5}, {0.4, 3.0}, {1, 7}};
  r.evaluations = {{100, 100}, {1.0, 2.0}, {5, 6}};
  r.diagnostics.names = {"loss", "entropy"};
  r.diagnostics.add_row(10, {0.5, 1.25});
  r.agent_state["q"] = {{2, 2}, {1, 2, 3, 4}};
  r.agent_state["net/w"] = {{1}, {-0.125}};
  r.has_agent_state = true;
  r.total_steps = 11;
  r.seconds = 0.75;

  std::stringstream buf;
  {
    boost::archive::binary_oarchive oa(buf);
    oa << job << r;
  }
  rlsim::MpiJob job2;
  rlsim::RunResult r2;
  {
    boost::archive::binary_iarchive ia(buf);
    ia >> job2 >> r2;
  }
  CHECK(job2.plugins == job.plugins);
  CHECK(job2.threads == 3);
  REQUIRE(job2.specs.size() == 2);
  const rlsim::RunSpec& s2 = job2.specs[1];
  CHECK(s2.run_index == 41);
  CHECK(s2.env_id == "E");
  CHECK(s2.env_params == s.env_params);
  CHECK(s2.agent_id == "A");
  CHECK(s2.agent_params == s.agent_params);
  CHECK(s2.seed_index == 2);
  CHECK(s2.master_seed == s.master_seed);
  CHECK(s2.budget.episodes == 5);
  CHECK(s2.budget.steps == 600);
  CHECK(s2.log_steps);
  CHECK(s2.regret_every_step);
  CHECK(s2.eval_every == 100);
  CHECK(s2.eval_episodes == 4);
  CHECK(s2.save_agent);
  CHECK(s2.vector_env_threads == 2);

  CHECK(r2.info.run_index == 41);
  CHECK(r2.info.env_id == "E");
  CHECK(r2.info.agent_id == "A");
  CHECK(r2.info.env_params.values() == r.info.env_params.values());
  CHECK(r2.info.agent_params.values() == r.info.agent_params.values());
  CHECK(r2.info.seed_index == 2);
  CHECK(r2.info.env_seed == r.info.env_seed);
  CHECK(r2.info.agent_seed == r.info.agent_seed);
  CHECK(r2.info.group == r.info.group);
  CHECK(r2.episodes.returns == r.episodes.returns);
  CHECK(r2.episodes.lengths == r.episodes.lengths);
  CHECK(r2.episodes.end_steps == r.episodes.end_steps);
  CHECK(r2.episodes.terminated == r.episodes.terminated);
  CHECK(r2.episodes.truncated == r.episodes.truncated);
  CHECK(r2.episodes.success == r.episodes.success);
  CHECK_FALSE(r2.steps.obs_discrete);
  CHECK(r2.steps.action_discrete);
  CHECK(r2.steps.obs_dim == 2);
  CHECK(r2.steps.action_dim == 1);
  CHECK(r2.steps.episode == r.steps.episode);
  CHECK(r2.steps.t == r.steps.t);
  CHECK(r2.steps.obs == r.steps.obs);
  CHECK(r2.steps.action_index == r.steps.action_index);
  CHECK(r2.steps.reward == r.steps.reward);
  CHECK(r2.steps.terminated == r.steps.terminated);
  CHECK(r2.steps.truncated == r.steps.truncated);
  CHECK(r2.steps.probability == r.steps.probability);
  CHECK(r2.steps.log_prob == r.steps.log_prob);
  CHECK(r2.steps.env == r.steps.env);
  CHECK(r2.regret.step == r.regret.step);
  CHECK(r2.regret.pseudo_regret == r.regret.pseudo_regret);
  CHECK(r2.regret.realised_regret == r.regret.realised_regret);
  CHECK(r2.regret.optimal_pulls == r.regret.optimal_pulls);
  CHECK(r2.evaluations.step == r.evaluations.step);
  CHECK(r2.evaluations.returns == r.evaluations.returns);
  CHECK(r2.evaluations.lengths == r.evaluations.lengths);
  CHECK(r2.diagnostics.names == r.diagnostics.names);
  CHECK(r2.diagnostics.step == r.diagnostics.step);
  CHECK(r2.diagnostics.values == r.diagnostics.values);
  REQUIRE(r2.agent_state.size() == 2);
  CHECK(r2.agent_state.at("q").shape == std::vector<std::int64_t>{2, 2});
  CHECK(r2.agent_state.at("q").data == std::vector<double>{1, 2, 3, 4});
  CHECK(r2.agent_state.at("net/w").data == std::vector<double>{-0.125});
  CHECK(r2.has_agent_state);
  CHECK(r2.total_steps == 11);
  CHECK(r2.seconds == 0.75);
}
#endif

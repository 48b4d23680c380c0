// The compact step-log layout (run/step_layout.hpp, docs/log-format.md table 4) and the
// step-log options log.steps_every / steps_compression (run/step_sampling.hpp): a step log
// written and read back is the StepTable the run had in memory, column for column and bit
// for bit, on discrete, Box-observation, Box-action, action-mask and vector-env runs, with
// and without compression; the stored types are the narrow ones; sampled logs hold exactly
// the sampled episodes of the full log; and files of layout 1 (tests/data/steps_layout1*.h5,
// written by rlsim at commit 17b7073) still read, as the same StepTable the current runner
// produces for their runs.
#include <hdf5.h>
#include <stdlib.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "agents/register.hpp"
#include "core/error.hpp"
#include "core/hdf5_handles.hpp"
#include "core/hdf5_util.hpp"
#include "core/registry.hpp"
#include "envs/register.hpp"
#include "run/hdf5_log.hpp"
#include "run/runner.hpp"
#include "run/step_layout.hpp"
#include "tests/test_util.hpp"

using namespace rlsim;
using rlsim::test::registry;
using rlsim::test::TempDir;
namespace fs = std::filesystem;

namespace {

RunSpec spec(const std::string& env, const std::string& agent, std::int64_t steps,
             RawParams agent_params = {}) {
  RunSpec s;
  s.env_id = env;
  s.agent_id = agent;
  s.agent_params = std::move(agent_params);
  s.master_seed = 7;
  s.budget.steps = steps;
  s.log_steps = true;
  return s;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

// Every column of the two step tables is the same (log_prob bit for bit, -inf included);
// an empty env column means all copy 0.
void check_same_steps(const StepTable& got, const StepTable& want) {
  REQUIRE(got.size() == want.size());
  CHECK(got.obs_discrete == want.obs_discrete);
  CHECK(got.action_discrete == want.action_discrete);
  CHECK(got.obs_dim == want.obs_dim);
  CHECK(got.action_dim == want.action_dim);
  std::vector<std::int32_t> want_env = want.env;
  if (want_env.empty()) want_env.assign(want.size(), 0);
  CHECK(got.env == want_env);
  CHECK(got.episode == want.episode);
  CHECK(got.t == want.t);
  CHECK(got.obs_index == want.obs_index);
  CHECK(got.obs == want.obs);
  CHECK(got.action_index == want.action_index);
  CHECK(got.action == want.action);
  CHECK(same_bits(got.reward, want.reward));
  CHECK(got.terminated == want.terminated);
  CHECK(got.truncated == want.truncated);
  CHECK(same_bits(got.probability, want.probability));
  CHECK(same_bits(got.log_prob, want.log_prob));
  CHECK(got.has_prob == want.has_prob);
  CHECK(same_bits(got.info_prob, want.info_prob));
  CHECK(got.mask_dim == want.mask_dim);
  CHECK(got.action_mask == want.action_mask);
  CHECK(got.every == want.every);
}

// The logged episodes add up to their rows of the episode table: the sum of their rewards
// is the return, their row count the length, and t runs 0..length-1.
void check_against_episodes(const StepTable& st, const EpisodeTable& ep) {
  std::map<std::int64_t, double> sum;
  std::map<std::int64_t, std::int64_t> rows;
  for (std::size_t r = 0; r < st.size(); ++r) {
    const std::int64_t e = st.episode[r];
    CHECK(st.t[r] == rows[e]);
    sum[e] += st.reward[r];
    ++rows[e];
  }
  for (const auto& [e, n] : rows) {
    if (e >= static_cast<std::int64_t>(ep.size())) continue;  // cut short by the budget
    const auto i = static_cast<std::size_t>(e);
    CHECK(n == ep.lengths[i]);
    CHECK(sum[e] == Approx(ep.returns[i]).margin(1e-9));
  }
}

// The file type of dataset `name` of run 0's steps group, or "absent".
std::string stored_type(const std::string& path, const std::string& name) {
  hdf5::Lock lock;
  hdf5::File f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open " + path);
  const std::string full = "runs/000000/steps/" + name;
  if (H5Lexists(f.get(), full.c_str(), H5P_DEFAULT) <= 0) return "absent";
  hdf5::Dataset ds(H5Dopen2(f.get(), full.c_str(), H5P_DEFAULT), "open " + full);
  hdf5::Datatype t(H5Dget_type(ds.get()), "type of " + full);
  const std::pair<hid_t, const char*> known[] = {{H5T_STD_U8LE, "u8"},    {H5T_STD_U16LE, "u16"},
                                                 {H5T_STD_U32LE, "u32"},  {H5T_STD_I64LE, "i64"},
                                                 {H5T_IEEE_F32LE, "f32"}, {H5T_IEEE_F64LE, "f64"}};
  for (const auto& [type, name_of] : known)
    if (H5Tequal(t.get(), type) > 0) return name_of;
  return "other";
}

// Writes `run` to a new file at `path` and reads its steps back.
StoredRun write_and_read(const std::string& path, const RunResult& run) {
  ExperimentMeta meta;
  meta.config_text = "name = \"steps\"\n";
  meta.command_line = "test";
  meta.master_seed = 7;
  meta.planned_runs = 1;
  {
    ExperimentWriter w(path, meta);
    w.write_run(run);
    w.finish();
  }
  return ExperimentReader(path).read_run(0, true);
}

}  // namespace

TEST_CASE("step log layout 2: round trip through the file, narrow types, rebuilt columns",
          "[step-layout]") {
  TempDir tmp;
  struct Case {
    const char* env;
    const char* agent;
    RawParams params;
    std::map<std::string, std::string> types;  // stored type of some columns
  };
  const std::vector<Case> cases{
      // Discrete(16) obs and Discrete(4) actions: uint8; rewards 0/1 and probability 1/4
      // are float32-exact, the slippery transition probability 1/3 is not; log_prob =
      // -log(4) = log(1/4), episode and t are rebuilt.
      {"FrozenLake-v1",
       "random",
       {},
       {{"obs_index", "u8"},
        {"action_index", "u8"},
        {"reward", "f32"},
        {"probability", "f32"},
        {"prob", "f64"},
        {"log_prob", "absent"},
        {"episode", "absent"},
        {"t", "absent"},
        {"env", "absent"},
        {"episode_ids", "u8"}}},
      // Box(4) observations stay float32; reward 1 is float32-exact.
      {"CartPole-v1",
       "random",
       {},
       {{"obs", "f32"}, {"action_index", "u8"}, {"reward", "f32"}, {"episode", "absent"}}},
      // Box actions; Pendulum's rewards are not float32-exact: float64. The random agent
      // gives a Box action probability NaN (a density has none) and log_prob -log(volume):
      // both stored as float64.
      {"Pendulum-v1",
       "random",
       {},
       {{"action", "f32"}, {"reward", "f64"}, {"probability", "f64"}, {"log_prob", "f64"}}},
      // Taxi: Discrete(500) observations need uint16; action masks stay uint8 rows.
      {"Taxi-v4", "random", {}, {{"obs_index", "u16"}, {"action_mask", "u8"}}},
      // Two env copies (A2C): env stored, episode ids rebuilt from the copies' segments;
      // A2C's log_prob is not log(probability) bit for bit in general: stored if not.
      {"CartPole-v1",
       "a2c",
       {{"n_envs", ParamValue(std::int64_t{2})}},
       {{"env", "u8"}, {"episode", "absent"}, {"t", "absent"}}},
  };
  for (const Case& c : cases)
    for (int level : {0, 1, 6}) {
      INFO(c.env << " / " << c.agent << ", compression " << level);
      RunSpec s = spec(c.env, c.agent, 700, c.params);
      s.steps_compression = level;
      const RunResult res = execute_run(registry(), s);
      REQUIRE(res.steps.size() == 700);
      const std::string path =
          tmp.file(std::string(c.env) + c.agent + std::to_string(level) + ".h5");
      const StoredRun back = write_and_read(path, res);
      REQUIRE(back.has_steps);
      check_same_steps(back.steps, res.steps);
      check_against_episodes(back.steps, back.episodes);
      for (const auto& [name, type] : c.types) {
        INFO(name);
        CHECK(stored_type(path, name) == type);
      }
    }
}

TEST_CASE("step log layout 2: episode and t are stored when the rows do not rebuild them",
          "[step-layout]") {
  TempDir tmp;
  RunResult res = execute_run(registry(), spec("FrozenLake-v1", "random", 300));
  // Made-up ids and step counters that no segmentation gives: they must survive as stored.
  for (std::size_t r = 0; r < res.steps.size(); ++r) {
    res.steps.episode[r] = static_cast<std::int64_t>(r % 7) + 100000;
    res.steps.t[r] = static_cast<std::int64_t>(r);
  }
  const std::string path = tmp.file("made_up.h5");
  const StoredRun back = write_and_read(path, res);
  check_same_steps(back.steps, res.steps);
  CHECK(stored_type(path, "episode") == "u32");
  CHECK(stored_type(path, "t") == "u16");
  CHECK(stored_type(path, "episode_ids") == "absent");
}

TEST_CASE("episode segments: copies split at their ends, numbered by the row that ends them",
          "[step-layout]") {
  // Two copies: copy 0 ends an episode at row 2, copy 1 at row 5; both run on after that.
  const std::vector<std::int32_t> env{0, 1, 0, 1, 0, 1, 0, 1};
  const std::vector<std::uint8_t> term{0, 0, 1, 0, 0, 1, 0, 0};
  const std::vector<std::uint8_t> trunc(8, 0);
  std::vector<std::int64_t> segment, t;
  CHECK(runfile::episode_segments(env, term, trunc, segment, t) == 4);
  CHECK(segment == std::vector<std::int64_t>{0, 1, 0, 1, 2, 1, 2, 3});
  CHECK(t == std::vector<std::int64_t>{0, 0, 1, 1, 0, 2, 1, 0});
}

TEST_CASE("log.steps_every logs exactly the sampled episodes, whole", "[step-layout]") {
  TempDir tmp;
  for (const auto& [agent, params] : std::vector<std::pair<std::string, RawParams>>{
           {"random", {}}, {"a2c", {{"n_envs", ParamValue(std::int64_t{2})}}}}) {
    INFO(agent);
    RunSpec full = spec("CartPole-v1", agent, 2000, params);
    RunSpec sampled = full;
    sampled.steps_every = 3;
    const RunResult a = execute_run(registry(), full);
    const RunResult b = execute_run(registry(), sampled);
    // Logging less changes no result.
    CHECK(b.episodes.returns == a.episodes.returns);
    CHECK(b.total_steps == a.total_steps);
    // The sampled log is the full log's rows of episodes 0, 3, 6, ...
    StepTable want = a.steps;
    want.every = 3;
    std::vector<std::size_t> keep;
    for (std::size_t r = 0; r < a.steps.size(); ++r)
      if (a.steps.episode[r] % 3 == 0) keep.push_back(r);
    REQUIRE(b.steps.size() == keep.size());
    REQUIRE(keep.size() < a.steps.size() / 2);
    for (std::size_t k = 0; k < keep.size(); ++k) {
      CHECK(b.steps.episode[k] == a.steps.episode[keep[k]]);
      CHECK(b.steps.t[k] == a.steps.t[keep[k]]);
      CHECK(b.steps.reward[k] == a.steps.reward[keep[k]]);
      CHECK(b.steps.action_index[k] == a.steps.action_index[keep[k]]);
    }
    const StoredRun back = write_and_read(tmp.file(agent + ".h5"), b);
    check_same_steps(back.steps, b.steps);
    CHECK(back.steps.every == 3);
    check_against_episodes(back.steps, back.episodes);
  }
}

TEST_CASE("bad step-log options are refused with the parameter named", "[step-layout]") {
  RunSpec s = spec("CartPole-v1", "random", 10);
  s.steps_every = 0;
  CHECK_THROWS_WITH(execute_run(registry(), s), Catch::Contains("log.steps_every must be 1"));
  CHECK_THROWS_WITH(validate_specs(registry(), {s}), Catch::Contains("steps_every = 0"));
  s.steps_every = 1;
  s.steps_compression = 10;
  CHECK_THROWS_WITH(execute_run(registry(), s), Catch::Contains("deflate level from 1 to 9"));
}

TEST_CASE("step logs of layout 1 (rlsim before the compact layout) still read", "[step-layout]") {
  // tests/data/steps_layout1.h5: tests/data/steps_layout1/steps_layout1.toml run by rlsim at
  // commit 17b7073 (random agent, steps = 60, seed 7; runs 0-3: FrozenLake-v1, CartPole-v1,
  // Pendulum-v1, Taxi-v4). The current runner makes the same runs: the old file reads as the
  // step table it produces.
  const std::string dir = RLSIM_TEST_DATA_DIR;
  ExperimentReader old(dir + "/steps_layout1.h5");
  const char* envs[] = {"FrozenLake-v1", "CartPole-v1", "Pendulum-v1", "Taxi-v4"};
  for (std::int64_t i = 0; i < 4; ++i) {
    INFO(envs[i]);
    const StoredRun r = old.read_run(i, true);
    REQUIRE(r.has_steps);
    RunSpec s = spec(envs[i], "random", 60);
    s.run_index = i;
    const RunResult now = execute_run(registry(), s);
    check_same_steps(r.steps, now.steps);
    check_against_episodes(r.steps, r.episodes);
  }
  // A vector-env run (A2C, 2 copies) of layout 1: its env column and episode ids.
  ExperimentReader vec(dir + "/steps_layout1_vector.h5");
  const StoredRun v = vec.read_run(0, true);
  REQUIRE(v.has_steps);
  CHECK(v.steps.size() == 40);
  CHECK(v.steps.env[0] == 0);
  CHECK(v.steps.env[1] == 1);
  CHECK(v.steps.every == 1);
  check_against_episodes(v.steps, v.episodes);
}

// Synthetic runs and experiment attributes for the HDF5 log tests (tests/run/test_hdf5_*.cpp)
// and for tests/data/make_format2_fixture.cpp, which wrote tests/data/format2.h5 with the
// format 2 writer: the tests compare what the reader gets from that file with these runs,
// so the functions must keep producing the same data.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/run_result.hpp"
#include "run/hdf5_log.hpp"

namespace rlsim_test {

inline rlsim::ExperimentMeta make_meta() {
  rlsim::ExperimentMeta m;
  // Non-ASCII text and more than 64 KiB (the HDF5 limit for a compact attribute value).
  m.config_text = "[experiment]\nname = \"héllo — ünïcode\"\n" + std::string(70000, 'x') + "\n";
  m.command_line = "rlsim run cfg.toml seeds=3";
  m.master_seed = 0xFEDCBA9876543210ULL;  // above 2^63: checks the unsigned type
  m.planned_runs = 12;
  return m;
}

// Deterministic content depending on `index`, with `episodes` rows and `steps` step rows.
inline rlsim::RunResult make_run(std::int64_t index, std::size_t episodes, std::size_t steps,
                                 bool box_obs, bool box_action, std::size_t regret_points) {
  rlsim::RunResult r;
  r.info.run_index = index;
  r.info.env_id = box_obs ? "CartPole-v1" : "FrozenLake-v1";
  r.info.agent_id = "q-learning";
  r.info.env_params = rlsim::Params({{"is_slippery", true}, {"map", std::string("4x4")}});
  r.info.agent_params = rlsim::Params(
      {{"alpha", 0.25}, {"n", std::int64_t{3}}, {"eps", std::vector<double>{0.1, 0.2}}});
  r.info.seed_index = index % 3;
  r.info.env_seed = 0xFFFFFFFFFFFFFFF0ULL - static_cast<std::uint64_t>(index);
  r.info.agent_seed = 12345 + static_cast<std::uint64_t>(index);
  r.info.group = r.info.env_id + "[" + r.info.env_params.to_text() + "] / q-learning[" +
                 r.info.agent_params.to_text() + "]";
  r.total_steps = static_cast<std::int64_t>(steps) * 2 + index;
  r.seconds = 0.5;
  for (std::size_t i = 0; i < episodes; ++i) {
    r.episodes.returns.push_back(0.1 * static_cast<double>(i) + static_cast<double>(index));
    r.episodes.lengths.push_back(static_cast<std::int64_t>(i % 7 + 1));
    r.episodes.end_steps.push_back(static_cast<std::int64_t>(10 * (i + 1)));
    r.episodes.terminated.push_back(static_cast<std::uint8_t>(i % 2));
    r.episodes.truncated.push_back(static_cast<std::uint8_t>((i + 1) % 2));
    r.episodes.success.push_back(static_cast<std::int8_t>(static_cast<int>(i % 3) - 1));
  }
  rlsim::StepTable& s = r.steps;
  s.obs_discrete = !box_obs;
  s.action_discrete = !box_action;
  s.obs_dim = box_obs ? 4 : 1;
  s.action_dim = box_action ? 2 : 1;
  for (std::size_t i = 0; i < steps; ++i) {
    // The Box table comes from a 3-copy vector env; the Discrete one leaves `env` empty
    // (every row copy 0, as a single-env run does).
    if (box_obs) s.env.push_back(static_cast<std::int32_t>(i % 3));
    s.episode.push_back(static_cast<std::int64_t>(i / 50));
    s.t.push_back(static_cast<std::int64_t>(i % 50));
    if (box_obs)
      for (int d = 0; d < 4; ++d)
        s.obs.push_back(static_cast<float>(i) * 0.5f + static_cast<float>(d));
    else
      s.obs_index.push_back(static_cast<std::int64_t>(i % 16));
    if (box_action)
      for (int d = 0; d < 2; ++d)
        s.action.push_back(-static_cast<float>(i) - 0.25f * static_cast<float>(d));
    else
      s.action_index.push_back(static_cast<std::int64_t>(i % 4));
    s.reward.push_back(i % 10 == 0 ? 1.0 : -0.01);
    s.terminated.push_back(static_cast<std::uint8_t>(i % 50 == 49));
    s.truncated.push_back(0);
    s.probability.push_back(0.25 + 1e-9 * static_cast<double>(i));
    s.log_prob.push_back(i == 0 ? -std::numeric_limits<double>::infinity()
                                : std::log(0.25 + 1e-9 * static_cast<double>(i)));
  }
  for (std::size_t i = 0; i < regret_points; ++i) {
    r.regret.step.push_back(static_cast<std::int64_t>(i * i + 1));
    r.regret.pseudo_regret.push_back(std::sqrt(static_cast<double>(i)));
    r.regret.realised_regret.push_back(std::sqrt(static_cast<double>(i)) - 0.5);
    r.regret.optimal_pulls.push_back(static_cast<std::int64_t>(i * i / 2));
  }
  return r;
}

inline rlsim::RunResult base_run(std::int64_t index) {
  rlsim::RunResult r;
  r.info.run_index = index;
  r.info.env_id = "CartPole-v1";
  r.info.agent_id = "dqn";
  r.info.group = "CartPole-v1[] / dqn[]";
  r.total_steps = 1000 + index;
  for (int i = 0; i < 3; ++i) {
    r.episodes.returns.push_back(10.0 * i + static_cast<double>(index));
    r.episodes.lengths.push_back(10 + i);
    r.episodes.end_steps.push_back(100 * (i + 1));
    r.episodes.terminated.push_back(1);
    r.episodes.truncated.push_back(0);
    r.episodes.success.push_back(-1);
  }
  return r;
}

inline rlsim::RunResult full_run(std::int64_t index) {
  rlsim::RunResult r = base_run(index);
  for (int k = 0; k < 4; ++k)
    for (int e = 0; e < 2; ++e) {
      r.evaluations.step.push_back(250 * (k + 1));
      r.evaluations.returns.push_back(1.0 / 3.0 * k + e + static_cast<double>(index));
      r.evaluations.lengths.push_back(20 + k + e);
    }
  r.diagnostics.names = {"loss", "entropy", "epsilon"};
  for (int u = 0; u < 5; ++u)
    r.diagnostics.add_row(32 * (u + 1),
                          {std::exp(-u) + static_cast<double>(index), 0.5 - 0.01 * u,
                           u == 4 ? -std::numeric_limits<double>::infinity() : 0.1 * u});
  r.agent_state["q/weight"] = {{2, 3}, {1, 2, 3, 4, 5, 6.5}};
  r.agent_state["q/bias"] = {{3}, {-1, 0, 1e300}};
  r.agent_state["steps_done"] = {{}, {1000 + static_cast<double>(index)}};
  r.has_agent_state = true;
  return r;
}

inline rlsim::ExperimentMeta tables_meta() {
  rlsim::ExperimentMeta m;
  m.config_text = "name = \"tables\"\n";
  m.command_line = "test";
  m.master_seed = 7;
  m.planned_runs = 4;
  return m;
}

}  // namespace rlsim_test

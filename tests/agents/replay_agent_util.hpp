// Test helpers for the agents that learn from single env steps (dqn, qr-dqn, sac, td3,
// ddpg): the runner's loop on one env, resumable step by step; a deterministic evaluation on
// a separate env; and the save/load check that a loaded agent continues training exactly as
// the uninterrupted one (the contract of Agent::save/load, docs/architecture.md).
#pragma once
#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agents/register.hpp"
#include "core/agent.hpp"
#include "core/registry.hpp"
#include "envs/register.hpp"
#include "nn/tape.hpp"
#include "tests/test_util.hpp"

namespace rlsim::test {

// rl-baselines3-zoo's CartPole-v1 hyperparameters for DQN (hyperparams/dqn.yml; qrdqn.yml
// uses the same values) with 64x64 networks and the given budget: the smoke tests' setting.
inline RawParams zoo_cartpole_params(std::int64_t total_timesteps) {
  return {{"net_arch", std::vector<double>{64, 64}},
          {"learning_rate", 2.3e-3},
          {"buffer_size", std::int64_t{20000}},
          {"learning_starts", std::int64_t{1000}},
          {"batch_size", std::int64_t{64}},
          {"train_freq", std::int64_t{256}},
          {"gradient_steps", std::int64_t{128}},
          {"target_update_interval", std::int64_t{10}},
          {"exploration_fraction", 0.16},
          {"exploration_final_eps", 0.04},
          {"total_timesteps", total_timesteps}};
}

// The runner's loop on one env (run/runner.cpp's order: act, step, observe, end of episode).
struct Loop {
  Env& env;
  Agent& agent;
  Value obs, next, action;
  bool need_reset = true;
  double episode_return = 0.0;
  std::vector<double> returns;  // of the finished episodes
  Loop(Env& e, Agent& a) : env(e), agent(a) {
    env.spec().observation_space.prepare(obs);
    env.spec().observation_space.prepare(next);
    env.spec().action_space.prepare(action);
  }
  // One step (a reset first when an episode ended, with `seed` if given). Returns the action:
  // its index for Discrete actions, its first element for Box actions.
  double step(std::optional<std::uint64_t> seed = std::nullopt) {
    if (need_reset) {
      env.reset(obs, seed);
      agent.begin_episode(obs);
      need_reset = false;
      episode_return = 0.0;
    }
    Decision d;
    agent.act(obs, action, d);
    const StepResult r = env.step(action, next);
    episode_return += r.reward;
    agent.observe({obs, action, r.reward, next, r.terminated, r.truncated});
    if (r.terminated || r.truncated) {
      agent.end_episode();
      returns.push_back(episode_return);
      need_reset = true;
    } else {
      std::swap(obs, next);
    }
    return action.vec.empty() ? static_cast<double>(action.index)
                              : static_cast<double>(action.vec[0]);
  }
};

// Mean return of `episodes` episodes in evaluation mode (the first reset seeded).
inline double evaluate(Env& env, Agent& agent, int episodes, std::uint64_t seed) {
  agent.set_evaluation(true);
  Loop loop(env, agent);
  loop.step(seed);
  while (static_cast<int>(loop.returns.size()) < episodes) loop.step();
  agent.set_evaluation(false);
  double sum = 0.0;
  for (double r : loop.returns) sum += r;
  return sum / static_cast<double>(episodes);
}

// Builds agent `id` with `params` three times on env_id: two alike (seed 42), one with
// another seed (999: whatever load does not restore shows). The first two run side by side
// for `before` steps (first reset seeded 5; they must act alike), then the second is saved
// mid-episode and its state loaded into the third, which acts once in evaluation mode on
// `probe` (a deterministic decision, probability 1, log_prob 0; its observe is ignored: it
// must disturb nothing) and continues on the saved agent's env for `after` steps next to the
// uninterrupted one: every action must agree, and both must end in the same saved state.
// Returns the loaded agent, for further checks.
inline std::unique_ptr<Agent> check_save_load_continues(const Registry& registry,
                                                        const std::string& id,
                                                        const RawParams& params,
                                                        const std::string& env_id, int before,
                                                        int after, const Value& probe) {
  auto env_u = registry.make_env(env_id, {});
  auto env_s = registry.make_env(env_id, {});
  auto uninterrupted = registry.make_agent(id, params, *env_u, 42);
  auto saved = registry.make_agent(id, params, *env_s, 42);
  auto loaded = registry.make_agent(id, params, *env_s, 999);
  Loop lu(*env_u, *uninterrupted), ls(*env_s, *saved);
  lu.step(5);
  ls.step(5);
  for (int t = 1; t < before; ++t) REQUIRE(lu.step() == ls.step());
  REQUIRE(!ls.need_reset);  // saved mid-episode
  StateDict state;
  saved->save(state);
  loaded->load(state);
  Value obs = probe, action;
  Decision d;
  loaded->set_evaluation(true);
  loaded->act(obs, action, d);
  CHECK(d.probability == 1.0);
  CHECK(d.log_prob == 0.0);
  loaded->observe({obs, action, 1.0, obs, false, false});  // ignored in evaluation mode
  loaded->set_evaluation(false);
  Loop ll(*env_s, *loaded);
  ll.obs = ls.obs;
  ll.need_reset = ls.need_reset;
  for (int t = 0; t < after; ++t) REQUIRE(lu.step() == ll.step());
  StateDict a, b;
  uninterrupted->save(a);
  loaded->save(b);
  REQUIRE(a.size() == b.size());
  for (const auto& [name, record] : a) {
    INFO(name);
    REQUIRE(b.count(name) == 1);
    CHECK(record.shape == b.at(name).shape);
    CHECK(record.data == b.at(name).data);
  }
  return loaded;
}

// Central finite differences (step h) of `loss()` against every parameter of `params`
// (nn named_parameters of the network whose gradients `loss()` also leaves in ->grad): the
// gradients left by one call of `loss()` must match within `margin`.
template <class Params, class Loss>
void check_parameter_gradients(Params params, const Loss& loss, float h = 1e-2f,
                               double margin = 2e-3) {
  loss();
  std::vector<rlsim::nn::Matrix> grads;
  for (auto& p : params) grads.push_back(p.parameter->grad);
  for (std::size_t i = 0; i < params.size(); ++i) {
    rlsim::nn::Matrix& value = params[i].parameter->value;
    for (rlsim::nn::Index k = 0; k < value.size(); ++k) {
      const float x = value.data()[k];
      value.data()[k] = x + h;
      const double up = loss();
      value.data()[k] = x - h;
      const double down = loss();
      value.data()[k] = x;
      INFO(params[i].name << "[" << k << "]");
      CHECK(grads[i].data()[k] == Approx((up - down) / (2.0 * h)).margin(margin));
    }
  }
}

}  // namespace rlsim::test

// Uniform-random-policy episode statistics of FrozenLake-v1, Taxi-v4 and CliffWalking-v1
// against Gymnasium 1.4.0's, measured with its own envs (reference figures from
// tests/data/gymnasium_random_stats.json: 20,000 episodes each, first reset
// seeded 12345, actions from action_space.sample(); CliffWalking-v1 with a TimeLimit of 500
// added). Our envs draw other random numbers, so only the statistics can agree: the means
// must lie within 4 combined standard errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>

#include "core/registry.hpp"
#include "core/rng.hpp"
#include "envs/register.hpp"

using namespace rlsim;

namespace {

struct Reference {
  double mean_return, sem_return, mean_length, sem_length, frac_terminated;
  int n_episodes;
};

struct Measured {
  double mean_return = 0, sem_return = 0, mean_length = 0, sem_length = 0, frac_terminated = 0;
  int n = 0;
};

Measured run_random(const std::string& id, const RawParams& raw, int episodes) {
  Registry reg;
  register_envs(reg);
  auto env = reg.make_env(id, raw);
  Rng policy(12346);
  const std::int64_t actions = env->spec().action_space.n();
  Value obs, action;
  double sr = 0, sr2 = 0, sl = 0, sl2 = 0;
  int terminated = 0;
  for (int e = 0; e < episodes; ++e) {
    if (e == 0)
      env->reset(obs, 12345);
    else
      env->reset(obs);
    double ret = 0;
    int len = 0;
    for (;;) {
      action.index = policy.integer(0, actions - 1);
      const StepResult r = env->step(action, obs);
      ret += r.reward;
      ++len;
      if (r.terminated || r.truncated) {
        terminated += r.terminated;
        break;
      }
    }
    sr += ret;
    sr2 += ret * ret;
    sl += len;
    sl2 += static_cast<double>(len) * len;
  }
  Measured m;
  const double n = episodes;
  m.n = episodes;
  m.mean_return = sr / n;
  m.mean_length = sl / n;
  m.sem_return = std::sqrt((sr2 - n * m.mean_return * m.mean_return) / (n - 1) / n);
  m.sem_length = std::sqrt((sl2 - n * m.mean_length * m.mean_length) / (n - 1) / n);
  m.frac_terminated = terminated / n;
  return m;
}

void compare(const Measured& m, const Reference& ref) {
  INFO("return " << m.mean_return << " +- " << m.sem_return << " vs Gymnasium " << ref.mean_return
                 << " +- " << ref.sem_return);
  INFO("length " << m.mean_length << " +- " << m.sem_length << " vs Gymnasium " << ref.mean_length
                 << " +- " << ref.sem_length);
  INFO("terminated " << m.frac_terminated << " vs Gymnasium " << ref.frac_terminated);
  CHECK(std::abs(m.mean_return - ref.mean_return) <= 4 * std::hypot(m.sem_return, ref.sem_return));
  CHECK(std::abs(m.mean_length - ref.mean_length) <= 4 * std::hypot(m.sem_length, ref.sem_length));
  const double p = ref.frac_terminated;
  const double se_frac = std::sqrt(p * (1 - p) / m.n + p * (1 - p) / ref.n_episodes);
  CHECK(std::abs(m.frac_terminated - p) <= 4 * se_frac + 1e-12);
}

}  // namespace

TEST_CASE("FrozenLake-v1 random policy matches Gymnasium 1.4.0", "[gridworld][stats]") {
  const Reference ref{0.01315, 0.0008055348032927974, 7.7076, 0.03893803950568168, 1.0, 20000};
  compare(run_random("FrozenLake-v1", {}, 20000), ref);
}

TEST_CASE("Taxi-v4 random policy matches Gymnasium 1.4.0", "[gridworld][stats]") {
  const Reference ref{-771.2988, 0.7372758199681687, 196.42425, 0.13527112777963943, 0.04665,
                      20000};
  compare(run_random("Taxi-v4", {}, 20000), ref);
}

TEST_CASE("CliffWalking-v1 (TimeLimit 500) random policy matches Gymnasium 1.4.0",
          "[gridworld][stats]") {
  const Reference ref{-4985.2877, 9.023149668099945, 484.93085, 0.4661230276951808, 0.0666, 20000};
  compare(run_random("CliffWalking-v1", {{"max_episode_steps", std::int64_t{500}}}, 20000), ref);
}

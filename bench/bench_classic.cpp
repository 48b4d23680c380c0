// Step rate of the classic-control envs (Gymnasium 1.x's CartPole-v1, Acrobot-v1,
// MountainCar-v0, MountainCarContinuous-v0, Pendulum-v1) through the Env interface, with
// uniform random actions and resets, one thread; and, as the floor, a hand-inlined bare loop
// of CartPole-v1's dynamics with the same actions and resets and no interface.
//
// Actions are drawn up front into a ring (like the "actions pre-generated" figures of
// Gymnasium in bench/reference.md), so both loops measure the env alone.
// Run: bench_classic --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// items_per_second is steps per second.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_env_loop.hpp"
#include "core/registry.hpp"
#include "core/rng.hpp"
#include "envs/classic/cart_pole.hpp"
#include "envs/register.hpp"

namespace {

using rlsim_bench::kRing;

const rlsim::Registry& registry() {
  static const rlsim::Registry r = [] {
    rlsim::Registry reg;
    rlsim::register_envs(reg);
    return reg;
  }();
  return r;
}

void bm_env(benchmark::State& state, const std::string& id) {
  auto env = registry().make_env(id, {});
  rlsim_bench::run_random_actions(state, *env);
}

// CartPole-v1 written out by hand: Gymnasium's Euler step, termination, the 500-step limit
// and uniform(-0.05, 0.05) resets from the same Rng, observations cast to float32.
void bm_cart_pole_bare_loop(benchmark::State& state) {
  rlsim::Rng rng(2024);
  std::vector<std::int64_t> actions(kRing);
  for (auto& a : actions) a = rng.integer(0, 1);
  rlsim::Rng env_rng(1);
  double x = 0, x_dot = 0, theta = 0, theta_dot = 0;
  auto reset = [&] {
    x = env_rng.uniform(-0.05, 0.05);
    x_dot = env_rng.uniform(-0.05, 0.05);
    theta = env_rng.uniform(-0.05, 0.05);
    theta_dot = env_rng.uniform(-0.05, 0.05);
  };
  reset();
  const double g = 9.8, mass_pole = 0.1, total_mass = 1.1, length = 0.5;
  const double pole_mass_length = mass_pole * length, tau = 0.02;
  const double theta_max = 12 * 2 * 3.141592653589793 / 360;
  float obs[4];
  std::size_t i = 0;
  std::int64_t elapsed = 0, episodes = 0;
  for (auto _ : state) {
    const double force = actions[i++ & (kRing - 1)] == 1 ? 10.0 : -10.0;
    const double c = std::cos(theta), s = std::sin(theta);
    const double temp = (force + pole_mass_length * theta_dot * theta_dot * s) / total_mass;
    const double theta_acc =
        (g * s - c * temp) / (length * (4.0 / 3.0 - mass_pole * c * c / total_mass));
    const double x_acc = temp - pole_mass_length * theta_acc * c / total_mass;
    x += tau * x_dot;
    x_dot += tau * x_acc;
    theta += tau * theta_dot;
    theta_dot += tau * theta_acc;
    obs[0] = static_cast<float>(x);
    obs[1] = static_cast<float>(x_dot);
    obs[2] = static_cast<float>(theta);
    obs[3] = static_cast<float>(theta_dot);
    benchmark::DoNotOptimize(obs);
    ++elapsed;
    const bool terminated = x < -2.4 || x > 2.4 || theta < -theta_max || theta > theta_max;
    if (terminated || elapsed >= 500) {
      reset();
      elapsed = 0;
      ++episodes;
    }
  }
  rlsim_bench::report_steps(state, episodes);
}

// CartPoleEnv's physics (advance, is_terminal) called directly, without the Env interface:
// separates the cost of the interface (validation, time limit, virtual calls) from the physics.
void bm_cart_pole_physics_only(benchmark::State& state) {
  rlsim::Rng rng(2024);
  std::vector<std::int64_t> actions(kRing);
  for (auto& a : actions) a = rng.integer(0, 1);
  rlsim::Rng env_rng(1);
  rlsim::CartPoleState s;
  auto reset = [&] {
    s.x = env_rng.uniform(-0.05, 0.05);
    s.x_dot = env_rng.uniform(-0.05, 0.05);
    s.theta = env_rng.uniform(-0.05, 0.05);
    s.theta_dot = env_rng.uniform(-0.05, 0.05);
  };
  reset();
  float obs[4];
  std::size_t i = 0;
  std::int64_t elapsed = 0;
  for (auto _ : state) {
    rlsim::CartPoleEnv::advance(s, actions[i++ & (kRing - 1)], rlsim::CartPoleIntegrator::Euler);
    obs[0] = static_cast<float>(s.x);
    obs[1] = static_cast<float>(s.x_dot);
    obs[2] = static_cast<float>(s.theta);
    obs[3] = static_cast<float>(s.theta_dot);
    benchmark::DoNotOptimize(obs);
    ++elapsed;
    if (rlsim::CartPoleEnv::is_terminal(s) || elapsed >= 500) {
      reset();
      elapsed = 0;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK_CAPTURE(bm_env, CartPole_v1, std::string("CartPole-v1"));
BENCHMARK_CAPTURE(bm_env, Acrobot_v1, std::string("Acrobot-v1"));
BENCHMARK_CAPTURE(bm_env, MountainCar_v0, std::string("MountainCar-v0"));
BENCHMARK_CAPTURE(bm_env, MountainCarContinuous_v0, std::string("MountainCarContinuous-v0"));
BENCHMARK_CAPTURE(bm_env, Pendulum_v1, std::string("Pendulum-v1"));
BENCHMARK(bm_cart_pole_physics_only);
BENCHMARK(bm_cart_pole_bare_loop);

BENCHMARK_MAIN();

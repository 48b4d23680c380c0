// Advantage and return targets for on-policy actor-critic agents (A2C, PPO) over a rollout
// of T steps × N envs: generalised advantage estimation GAE(λ) (Schulman et al. 2016,
// "High-dimensional continuous control using generalized advantage estimation", eq. 16),
// of which the n-step advantage of A2C (Mnih et al. 2016) is the case λ = 1.
//
// Layout: step-major, entry t·N + i is step t of env i. For each entry:
//   reward r, value V(s_t), terminated / truncated flags of that step (Gymnasium meaning),
//   final_value = V(final observation) — read only where truncated and not terminated.
// last_values[i] = V(s_T) of env i's observation after the rollout (ignored where the last
// step ended the episode).
//
// Rules (as Stable-Baselines3's RolloutBuffer.compute_returns_and_advantage with its
// time-limit bootstrap in OnPolicyAlgorithm.collect_rollouts, which adds γ·V(final_obs) to
// the reward of a truncated step):
//   next(t)  = 0 if terminated; V(final obs) if truncated; else V(s_{t+1}) (last_values at T−1)
//   δ_t      = r_t + γ·next(t) − V(s_t)
//   A_t      = δ_t + γλ·(episode continues after t)·A_{t+1}
//   return_t = A_t + V(s_t)      (the value target, SB3's "returns")
// A step both terminated and truncated counts as terminated (no bootstrap).
#pragma once
#include <cstdint>
#include <span>

namespace rlsim {

struct RolloutTargets {
  std::int64_t steps = 0;  // T
  std::int64_t envs = 0;   // N
  std::span<const float> rewards, values, final_values;
  std::span<const std::uint8_t> terminated, truncated;
  std::span<const float> last_values;  // N
};

// Fills advantages and returns (T·N each). Throws rlsim::Error when a span has the wrong
// size, naming it.
void compute_gae(const RolloutTargets& rollout, double gamma, double gae_lambda,
                 std::span<float> advantages, std::span<float> returns);

// 1 − Var[y − ŷ] / Var[y] (SB3's explained_variance); NaN when Var[y] = 0.
double explained_variance(std::span<const float> predicted, std::span<const float> target);

}  // namespace rlsim

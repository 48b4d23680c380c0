// Running mean/variance and the observation / reward normalisers of Stable-Baselines3's
// VecNormalize, for on-policy agents (A2C, PPO).
//
// RunningMeanStd: per-dimension mean and (population) variance of everything seen so far,
// merged batch by batch with the parallel formula of Chan, Golub & LeVeque (1979):
//   δ = m_B − m_A, n = n_A + n_B, m = m_A + δ·n_B/n,
//   M2 = var_A·n_A + var_B·n_B + δ²·n_A·n_B/n, var = M2/n.
// As SB3's RunningMeanStd it starts at mean 0, variance 1 and count ε = 1e-4, so the first
// batch dominates without a division by zero. Doubles throughout.
//
// ObservationNormalizer: obs ← clip((obs − mean)/√(var + 1e−8), ±clip_obs); statistics are
// updated (with the batch of N observations) only when asked, i.e. in training.
// RewardNormalizer: keeps each env's discounted return G ← γ·G + r, updates a scalar
// RunningMeanStd with the N returns each step, and scales the reward by
// clip(r/√(var_G + 1e−8), ±clip_reward); G is zeroed where the episode ended (SB3's
// VecNormalize.step_wait order: update, normalise, reset).
// Both save to and load from a StateDict under a prefix.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/state_dict.hpp"

namespace rlsim {

class RunningMeanStd {
 public:
  explicit RunningMeanStd(std::size_t dim = 1, double epsilon = 1e-4);
  // Merges `rows` samples of dim() values each, row-major.
  void update(std::span<const float> batch, std::size_t rows);
  void update(std::span<const double> batch, std::size_t rows);
  std::size_t dim() const { return mean_.size(); }
  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& var() const { return var_; }
  double count() const { return count_; }
  void save(StateDict& out, const std::string& prefix) const;
  void load(const StateDict& in, const std::string& prefix);

 private:
  template <class T>
  void update_impl(std::span<const T> batch, std::size_t rows);
  std::vector<double> mean_, var_, batch_mean_, batch_var_;
  double count_;
};

class ObservationNormalizer {
 public:
  ObservationNormalizer(std::size_t dim, double clip_obs, double epsilon = 1e-8);
  // Normalises `rows` observations from `in` into `out` (same layout); updates the
  // statistics first when `update` is true.
  void normalize(std::span<const float> in, std::span<float> out, std::size_t rows, bool update);
  const RunningMeanStd& stats() const { return rms_; }
  void save(StateDict& out, const std::string& prefix) const { rms_.save(out, prefix); }
  void load(const StateDict& in, const std::string& prefix) { rms_.load(in, prefix); }

 private:
  RunningMeanStd rms_;
  double clip_, epsilon_;
};

class RewardNormalizer {
 public:
  RewardNormalizer(std::size_t envs, double gamma, double clip_reward, double epsilon = 1e-8);
  // Scales the N rewards in place; `done[i]` ends env i's discounted return.
  void normalize(std::span<float> rewards, std::span<const std::uint8_t> done);
  const RunningMeanStd& stats() const { return rms_; }
  std::span<const double> discounted_returns() const { return returns_; }
  void save(StateDict& out, const std::string& prefix) const;
  void load(const StateDict& in, const std::string& prefix);

 private:
  RunningMeanStd rms_;
  std::vector<double> returns_;
  double gamma_, clip_, epsilon_;
};

}  // namespace rlsim

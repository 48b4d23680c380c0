// Stationary stochastic bandit problems: K arms, each with a fixed reward distribution of a
// one-parameter family, parametrised by its mean μ_a.
//
//   BernoulliBandit-v0    reward ∈ {0, 1}, P(1) = μ_a, μ_a ∈ [0, 1]
//   GaussianBandit-v0     reward ~ N(μ_a, σ_a²), one common σ or per-arm σ_a (known), σ > 0
//   BetaBandit-v0         reward ~ Beta(κ μ_a, κ (1 − μ_a)) ∈ [0, 1], μ_a ∈ (0, 1),
//                         concentration κ > 0 (variance μ(1 − μ)/(κ + 1))
//   ExponentialBandit-v0  reward ~ Exponential with mean μ_a > 0
//   PoissonBandit-v0      reward ~ Poisson(μ_a), μ_a > 0
//
// Means are either the list `means` (K = its length) or, with means_distribution =
// "uniform", K = `arms` means drawn i.i.d. uniformly on [means_low, means_high] from the
// env's own Rng at every reset — so each episode (a run is one episode) is a fresh instance,
// determined by the reset seed, and the oracle is valid from the first reset on. Bad
// parameters (K < 2, a mean outside the family's domain, σ ≤ 0, κ ≤ 0) throw rlsim::Error
// naming the parameter. Gaussian, Beta and exponential draws use Boost's normal/
// exponential distributions and the Marsaglia–Tsang gamma sampler (bandits/math/).
// Reference for the setting: Lattimore & Szepesvári (2020), Bandit Algorithms, ch. 4.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <boost/random/exponential_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>

#include "bandits/math/gamma_sampler.hpp"
#include "bandits/problems/bandit_env.hpp"

namespace rlsim {

struct StationaryBanditConfig {
  std::vector<double> means = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
  std::string means_distribution = "fixed";  // "fixed": `means`; "uniform": drawn per reset
  std::int64_t arms = 0;                     // K for drawn means (0 with "fixed")
  double means_low = 0.0;
  double means_high = 1.0;
  std::int64_t horizon = 10000;
};

// The domain of a family's mean, for validation.
struct MeanDomain {
  double lo, hi;
  bool lo_open, hi_open;
  const char* why;
};

class StationaryBandit : public BanditEnv {
 public:
  bool means_drawn() const { return drawn_; }

 protected:
  StationaryBandit(std::string id, const StationaryBanditConfig& config, MeanDomain domain);
  void do_reset(Value& obs) override;
  // Called after the means are set (at construction when fixed, else at every reset).
  virtual void on_means_changed() {}

 private:
  bool drawn_ = false;
  double low_ = 0.0, high_ = 1.0;
};

class BernoulliBandit final : public StationaryBandit {
 public:
  static constexpr char kId[] = "BernoulliBandit-v0";
  explicit BernoulliBandit(const StationaryBanditConfig& config = {});

 protected:
  StepResult do_step(const Value& action, Value& obs) override {
    obs.index = 0;
    StepResult r;
    r.reward = rng().uniform() < means_[static_cast<std::size_t>(action.index)] ? 1.0 : 0.0;
    return r;
  }
};

struct GaussianBanditConfig : StationaryBanditConfig {
  double sigma = 1.0;          // common standard deviation
  std::vector<double> sigmas;  // per-arm standard deviations (overrides sigma when given)
};

class GaussianBandit final : public StationaryBandit {
 public:
  static constexpr char kId[] = "GaussianBandit-v0";
  explicit GaussianBandit(const GaussianBanditConfig& config = {});
  const std::vector<double>& sigmas() const { return sigmas_; }

 protected:
  StepResult do_step(const Value& action, Value& obs) override {
    obs.index = 0;
    const auto a = static_cast<std::size_t>(action.index);
    StepResult r;
    r.reward = means_[a] + sigmas_[a] * rng().normal();
    return r;
  }

 private:
  std::vector<double> sigmas_;
};

struct BetaBanditConfig : StationaryBanditConfig {
  BetaBanditConfig() { means_low = 0.05, means_high = 0.95; }
  double concentration = 10.0;  // κ = α + β
};

class BetaBandit final : public StationaryBandit {
 public:
  static constexpr char kId[] = "BetaBandit-v0";
  explicit BetaBandit(const BetaBanditConfig& config = {});

 protected:
  StepResult do_step(const Value& action, Value& obs) override {
    obs.index = 0;
    const auto a = static_cast<std::size_t>(action.index);
    StepResult r;
    r.reward = sample_beta(rng(), alpha_[a], beta_[a]);
    return r;
  }
  void on_means_changed() override;

 private:
  double concentration_;
  std::vector<GammaSampler> alpha_, beta_;
};

// The exponential and Poisson problems' defaults: their means must be > 0, so drawn means
// start at 0.1.
struct PositiveMeansConfig : StationaryBanditConfig {
  PositiveMeansConfig() { means_low = 0.1; }
};

class ExponentialBandit final : public StationaryBandit {
 public:
  static constexpr char kId[] = "ExponentialBandit-v0";
  explicit ExponentialBandit(const StationaryBanditConfig& config = {});

 protected:
  StepResult do_step(const Value& action, Value& obs) override {
    obs.index = 0;
    StepResult r;
    r.reward = means_[static_cast<std::size_t>(action.index)] * unit_(rng().engine());
    return r;
  }

 private:
  boost::random::exponential_distribution<double> unit_{1.0};
};

class PoissonBandit final : public StationaryBandit {
 public:
  static constexpr char kId[] = "PoissonBandit-v0";
  explicit PoissonBandit(const StationaryBanditConfig& config = {});

 protected:
  StepResult do_step(const Value& action, Value& obs) override {
    obs.index = 0;
    StepResult r;
    r.reward = static_cast<double>(arms_[static_cast<std::size_t>(action.index)](rng().engine()));
    return r;
  }
  void on_means_changed() override;

 private:
  std::vector<boost::random::poisson_distribution<std::int64_t, double>> arms_;
};

}  // namespace rlsim

// Non-stationary Bernoulli bandit problems: the arms' means change during the episode, and the
// oracle reports the means in force at the current step, so the runner's pseudo-regret is the
// dynamic regret Σ_t (max_a μ_a(t) − μ_{a_t}(t)).
//
//   PiecewiseStationaryBandit-v0  abrupt changes ("switching bandits", Garivier & Moulines
//       2011): segment s holds means[s K .. s K + K); segment s + 1 starts at step
//       change_points[s] (0-based step index; strictly increasing in [1, T − 1]). With
//       changes = n > 0 the n change points are instead drawn uniformly without replacement
//       from {1, …, T − 1} and the means of all n + 1 segments i.i.d. uniform on [0, 1], from
//       the env's Rng at every reset.
//   RandomWalkBandit-v0  bounded random-walk drift: after every pull each mean moves by
//       N(0, sigma²) and is reflected into [0, 1] — the reflected Brownian arms of Slivkins &
//       Upfal (2008), "Adapting to a changing environment: the Brownian restless bandits",
//       COLT. Initial means: the list `means`, or drawn uniformly on [0, 1] at every reset.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "bandits/problems/bandit_env.hpp"

namespace rlsim {

struct PiecewiseStationaryConfig {
  std::int64_t arms = 3;
  std::vector<double> means = {0.9, 0.5, 0.1,   // steps [0, 3000)
                               0.1, 0.5, 0.9,   // steps [3000, 6000)
                               0.5, 0.9, 0.1};  // steps [6000, T)
  std::vector<double> change_points = {3000, 6000};
  std::int64_t changes = 0;  // > 0: that many random change points and random means
  std::int64_t horizon = 10000;
};

class PiecewiseStationaryBandit final : public BanditEnv {
 public:
  static constexpr char kId[] = "PiecewiseStationaryBandit-v0";
  explicit PiecewiseStationaryBandit(const PiecewiseStationaryConfig& config = {});
  // Step indices at which segments 1, 2, … start (after reset when drawn).
  const std::vector<std::int64_t>& change_points() const { return change_points_; }
  std::int64_t segment() const { return segment_; }

 protected:
  void do_reset(Value& obs) override;
  StepResult do_step(const Value& action, Value& obs) override;

 private:
  void enter_segment(std::int64_t s);
  bool random_;
  std::vector<double> table_;  // segments × K
  std::vector<std::int64_t> change_points_;
  std::int64_t segment_ = 0;
  std::int64_t step_ = 0;
};

struct RandomWalkConfig {
  std::vector<double> means = {0.2, 0.4, 0.6, 0.8};
  std::string means_distribution = "fixed";  // or "uniform" on [0, 1], drawn per reset
  std::int64_t arms = 0;                     // K for drawn means
  double sigma = 0.01;                       // drift standard deviation per pull
  std::int64_t horizon = 10000;
};

class RandomWalkBandit final : public BanditEnv {
 public:
  static constexpr char kId[] = "RandomWalkBandit-v0";
  explicit RandomWalkBandit(const RandomWalkConfig& config = {});

 protected:
  void do_reset(Value& obs) override;
  StepResult do_step(const Value& action, Value& obs) override;

 private:
  std::vector<double> initial_;
  bool drawn_;
  double sigma_;
};

}  // namespace rlsim

// Value-based exploration policies on sample-average estimates Q_a (the empirical mean, or
// `initial_value` for an arm never pulled).
//
//   epsilon-greedy       with probability ε a uniform arm, else a greedy arm (ties broken
//                        uniformly at random). Reported probability is exact:
//                        ε/K + (1 − ε) 1[a greedy] / #greedy. Sutton & Barto (2018), §2.2–2.4.
//   epsilon-decreasing   the same with ε_n = min(1, c K / (d² n)) at round n = pulls + 1:
//                        "ε_n-GREEDY" of Auer, Cesa-Bianchi & Fischer (2002), Fig. 2; d is a
//                        lower bound on the smallest gap, their analysis needs c > 5.
//   explore-then-commit  m pulls of each arm in round-robin order, then the empirical best arm
//                        (lowest index among ties) for ever; deterministic, probability 1.
//                        Lattimore & Szepesvári (2020), Bandit Algorithms, Alg. 1 (ch. 6).
#pragma once
#include "bandits/policies/bandit_policy.hpp"

namespace rlsim {

struct EpsilonGreedyConfig {
  double epsilon = 0.1;
  double initial_value = 0.0;  // Q of an arm never pulled (optimistic when high, S&B §2.6)
  // Auer et al.'s ε_n = min(1, c K / (d² n)) instead of the fixed ε.
  bool decreasing = false;
  double c = 0.15;
  double d = 0.1;
};

class EpsilonGreedy final : public BanditPolicy {
 public:
  EpsilonGreedy(std::int64_t num_arms, const EpsilonGreedyConfig& config, std::uint64_t seed,
                std::int64_t first_action = 0);
  // ε for the next pull.
  double epsilon() const;
  // Q_a: the sample average, or the initial value for an arm never pulled.
  double value(std::int64_t arm) const;
  void act(const Value& obs, Value& action, Decision& decision) override;
  void action_probabilities(const Value& obs, std::span<double> out) override;

 protected:
  Rng* random_stream() override { return &rng_; }

 private:
  EpsilonGreedyConfig config_;
  double c_over_d2_ = 0.0;
  Rng rng_;
  std::vector<double> q_;
};

class ExploreThenCommit final : public BanditPolicy {
 public:
  ExploreThenCommit(std::int64_t num_arms, std::int64_t m, std::int64_t first_action = 0);
  // −1 while exploring, then the committed arm.
  std::int64_t committed_arm() const { return committed_; }
  void act(const Value& obs, Value& action, Decision& decision) override;

 protected:
  void save_extra(StateDict& out) const override;
  void load_extra(const StateDict& in) override;

 private:
  std::int64_t m_;
  std::int64_t committed_ = -1;
};

}  // namespace rlsim

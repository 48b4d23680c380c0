// AdversarialBandit-v0: an oblivious adversary — the reward of every arm at every step is
// fixed before the episode, whatever the policy does (Auer, Cesa-Bianchi, Freund & Schapire
// 2002, "The nonstochastic multiarmed bandit problem", SIAM J. Comput. 32(1)).
//
// adversary = "table": rewards are the rows of `table` (row t = the K rewards at step t,
//   row-major), repeated cyclically when the horizon is longer than the table. With `path`
//   set the table is read from a file instead (bandits/problems/numeric_table.hpp): a CSV
//   file of T rows of K comma-separated values, or, with `dataset` set, a 2-D T × K dataset
//   of an HDF5 file; the file must have exactly K columns and finite values. `values` =
//   "losses" reads the entries as losses l and pays 1 − l (a constant shift, so the regret is
//   the same; losses in [0, 1] become rewards in [0, 1]).
// adversary = "anti-ucb1" (built in): at step t arm (t mod K) pays 0 and every other arm 1.
//   This is exactly the sequence a deterministic UCB1 (rlsim's ucb1: round robin first, lowest
//   index among ties) plays when every reward it sees is 0, so UCB1 earns nothing while each
//   arm earns about T (K − 1)/K: linear regret. A randomised policy such as EXP3 is not fooled.
//
// Oracle: expected_reward(a) at step t is the table entry r_t(a); best_expected_reward() is
// r_t(i*) for the best arm in hindsight i* = argmax_i Σ_t r_t(i) over the horizon (lowest index
// among ties). The runner's cumulative pseudo-regret is then the adversarial (weak) regret
// max_i Σ_t r_t(i) − Σ_t r_t(a_t); single steps may contribute negative amounts.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "bandits/problems/bandit_env.hpp"

namespace rlsim {

struct AdversarialConfig {
  std::string adversary = "anti-ucb1";  // or "table"
  std::int64_t arms = 2;
  std::vector<double> table;       // "table": rows of K rewards, cycled
  std::string path;                // "table": read the table from this file instead
  std::string dataset;             // HDF5 dataset in `path` (empty: `path` is CSV)
  std::string values = "rewards";  // or "losses" (reward = 1 − loss)
  std::int64_t horizon = 10000;
};

class AdversarialBandit final : public BanditEnv {
 public:
  static constexpr char kId[] = "AdversarialBandit-v0";
  explicit AdversarialBandit(const AdversarialConfig& config = {});
  std::int64_t best_arm_in_hindsight() const { return best_arm_; }
  // Σ_t r_t(i) over the horizon.
  const std::vector<double>& arm_totals() const { return totals_; }
  double best_expected_reward() const override {
    return means_[static_cast<std::size_t>(best_arm_)];
  }

 protected:
  void do_reset(Value& obs) override;
  StepResult do_step(const Value& action, Value& obs) override;

 private:
  void load_step(std::int64_t t);
  bool anti_ucb1_;
  std::vector<double> table_;
  std::int64_t rows_ = 0;
  std::vector<double> totals_;
  std::int64_t best_arm_ = 0;
  std::int64_t step_ = 0;
};

}  // namespace rlsim

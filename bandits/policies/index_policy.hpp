// Base of the index policies that pull every arm once and then the arm of largest index:
// UCB1, UCB1-Tuned, UCB-V, MOSS, KL-UCB (bandits/policies/ucb.hpp) and discounted UCB
// (bandits/policies/nonstationary_ucb.hpp).
//
// Contract: act() in evaluation mode is the greedy arm on the empirical means (act_greedy);
// otherwise, while some arm has never been pulled, the lowest-numbered such arm (so the
// first K pulls are 0..K−1 in order); then best_arm(). Every choice is deterministic given
// the history and reported with probability 1. best_arm() is argmax_a index(a), the lowest
// index among ties, −inf and NaN indices never winning over a finite one found first
// (argmax_of). Derived is the policy itself (CRTP, so index() inlines into the argmax loop):
// it defines `double index(std::int64_t arm) const` and may define its own
// `std::int64_t best_arm()` that chooses the same arm faster (UCB1: a vectorised index loop;
// KL-UCB: roots skipped for arms that cannot win).
#pragma once
#include <cstdint>
#include <string>
#include <utility>

#include "bandits/policies/bandit_policy.hpp"

namespace rlsim {

template <class Derived>
class IndexPolicy : public BanditPolicy {
 public:
  void act(const Value&, Value& action, Decision& decision) override {
    if (evaluation()) return act_greedy(action, decision);
    if (unpulled_ > 0) return emit(first_unpulled(), action, decision, 1.0);
    emit(static_cast<Derived&>(*this).best_arm(), action, decision, 1.0);
  }

  // The arm of largest index once every arm has been pulled, lowest index among ties.
  std::int64_t best_arm() {
    const auto& self = static_cast<const Derived&>(*this);
    return argmax_of(num_arms(), [&self](std::int64_t a) { return self.index(a); });
  }

 protected:
  IndexPolicy(std::string name, std::int64_t num_arms, std::int64_t first_action)
      : BanditPolicy(std::move(name), num_arms, first_action) {}
};

}  // namespace rlsim

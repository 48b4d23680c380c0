// Successive elimination for fixed-confidence best-arm identification: Even-Dar, Mannor &
// Mansour (2006), "Action Elimination and Stopping Conditions for the Multi-Armed Bandit and
// Reinforcement Learning Problems", JMLR 7, Section 3 (Successive Elimination with unknown
// biases).
//
// The arms still in play are pulled in rounds, each once per round, lowest arm first. After
// round r (every arm in play has r samples) an arm is eliminated when its mean is below the
// best mean in play by at least 2 α_r, with the radius α_r = sqrt(2 σ² ln(c K r² / δ) / r),
// c = 4: the paper's sqrt(ln(c n t² / δ) / t) with Hoeffding's constant for σ-sub-Gaussian
// rewards (σ = 1/2 for rewards in [0, 1]). A union bound over arms and rounds makes every
// interval hold with probability 1 − δ π²/12 ≥ 1 − δ, so the last arm in play is the best with
// probability at least 1 − δ. The run stops when one arm is left (Agent::stopped); it is the
// recommendation. Choices are deterministic (probability 1).
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "bandits/policies/bandit_policy.hpp"
#include "bandits/policies/state_io.hpp"
#include "core/config_schema.hpp"
#include "core/error.hpp"
#include "core/registration.hpp"
#include "core/registry.hpp"

namespace rlsim {

namespace {

struct SuccessiveEliminationConfig : BanditPolicyConfig {
  double delta = 0.1;
  double sigma = 0.5;
  double c = 4.0;
};

class SuccessiveElimination final : public BanditPolicy {
 public:
  SuccessiveElimination(std::int64_t num_arms, const SuccessiveEliminationConfig& cfg,
                        std::int64_t first_action)
      : BanditPolicy("successive-elimination", num_arms, first_action),
        cfg_(cfg),
        first_(first_action),
        active_(static_cast<std::size_t>(num_arms), 1) {}

  void act(const Value&, Value& action, Decision& decision) override {
    if (evaluation()) return act_greedy(action, decision);
    if (stopped_) return emit(survivor(), action, decision, 1.0);
    // The arm in play with the fewest samples, lowest first: round robin over the round.
    std::int64_t arm = -1;
    for (std::int64_t a = 0; a < num_arms(); ++a)
      if (active_[static_cast<std::size_t>(a)] &&
          (arm < 0 ||
           counts_[static_cast<std::size_t>(a)] < counts_[static_cast<std::size_t>(arm)]))
        arm = a;
    emit(arm, action, decision, 1.0);
  }

  void learn(const Transition& transition) override {
    if (evaluation()) return;
    record(arm_of(transition.action), transition.reward);
    if (stopped_) return;
    // A round ends when every arm in play has the same number of samples r.
    std::int64_t r = -1;
    double best = -std::numeric_limits<double>::infinity();
    for (std::size_t a = 0; a < active_.size(); ++a) {
      if (!active_[a]) continue;
      if (r >= 0 && counts_[a] != r) return;
      r = counts_[a];
      best = std::max(best, means_[a]);
    }
    const double rd = static_cast<double>(r);
    const double k = static_cast<double>(num_arms());
    const double radius =
        std::sqrt(2.0 * cfg_.sigma * cfg_.sigma * std::log(cfg_.c * k * rd * rd / cfg_.delta) / rd);
    std::int64_t left = 0;
    for (std::size_t a = 0; a < active_.size(); ++a) {
      if (active_[a] && best - means_[a] >= 2.0 * radius) active_[a] = 0;
      left += active_[a];
    }
    stopped_ = left == 1;
  }

  bool can_stop() const override { return true; }
  bool stopped() const override { return stopped_; }
  std::int64_t recommendation() const override { return survivor() + first_; }

 protected:
  void save_extra(StateDict& out) const override {
    std::vector<double> active(active_.begin(), active_.end());
    put_array(out, "active", active);
    put_scalar(out, "stopped", stopped_ ? 1.0 : 0.0);
  }
  void load_extra(const StateDict& in) override {
    std::vector<double> active;
    get_array(in, "active", active, active_.size(), name());
    for (std::size_t a = 0; a < active_.size(); ++a) active_[a] = active[a] != 0.0;
    stopped_ = get_scalar(in, "stopped", name()) != 0.0;
  }

 private:
  // The arm in play with the largest mean (the last one once stopped).
  std::int64_t survivor() const {
    std::int64_t best = -1;
    for (std::int64_t a = 0; a < num_arms(); ++a)
      if (active_[static_cast<std::size_t>(a)] &&
          (best < 0 ||
           means_[static_cast<std::size_t>(a)] > means_[static_cast<std::size_t>(best)]))
        best = a;
    return best;
  }

  SuccessiveEliminationConfig cfg_;
  std::int64_t first_;
  std::vector<std::uint8_t> active_;
  bool stopped_ = false;
};

void register_successive_elimination(Registry& registry) {
  using C = SuccessiveEliminationConfig;
  const auto paper = source("Even-Dar, Mannor & Mansour 2006");
  registry.add_agent(bandit_policy_entry(
      "successive-elimination",
      "successive elimination for fixed-confidence best-arm identification: rounds over the "
      "arms in play, eliminating those 2 alpha_r below the best; stops with one arm left "
      "(Even-Dar, Mannor & Mansour 2006, JMLR)",
      ConfigSchema<C>()
          .field("delta", &C::delta,
                 "confidence: the recommended arm is the best with "
                 "probability >= 1 - delta",
                 range(1e-300, 1), source("Garivier & Kaufmann 2016 experiments use 0.1"))
          .field("sigma", &C::sigma,
                 "sub-Gaussian scale of the rewards (0.5 for rewards in [0, 1]; the noise "
                 "standard deviation for Gaussian rewards)",
                 at_least(1e-300), source("Hoeffding's inequality"))
          .field("c", &C::c, "constant of the radius sqrt(2 sigma^2 ln(c K r^2 / delta) / r)",
                 at_least(1), paper),
      check_non_contextual, [](const AgentContext& ctx, const C& c) {
        return std::make_unique<SuccessiveElimination>(ctx.spec.action_space.n(), c,
                                                       ctx.spec.action_space.start());
      }));
}

}  // namespace
RLSIM_REGISTER(register_successive_elimination)

}  // namespace rlsim

// LUCB1 for fixed-confidence best-arm identification: Kalyanakrishnan, Tewari, Auer & Stone
// (2012), "PAC Subset Selection in Stochastic Multi-armed Bandits", ICML, Algorithm LUCB with
// the exploration rate of LUCB1 (Section 3.1), for the single best arm (m = 1).
//
// Every arm is pulled once (round t = 1). In each later round t the empirical best arm h
// (largest mean, lowest arm among ties) and the arm l ≠ h of largest upper bound are pulled,
// h first; bounds are mean ± β(u, t) with β(u, t) = sqrt(2 σ² ln(k1 K t⁴ / δ) / u), u the
// arm's samples, k1 = 5/4: LUCB1's sqrt(ln(k1 n t⁴ / δ) / (2u)) for rewards in [0, 1]
// written for σ-sub-Gaussian rewards (σ = 1/2 for [0, 1]). At the end of each round the run
// stops when U_l − L_h < ε (ε = 0: the intervals of h and of every other arm are apart), and
// h is the recommendation: the best arm with probability at least 1 − δ (an ε-best one for
// ε > 0). Choices are deterministic (probability 1).
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

constexpr double kInf = std::numeric_limits<double>::infinity();

struct LucbConfig : BanditPolicyConfig {
  double delta = 0.1;
  double epsilon = 0.0;
  double sigma = 0.5;
  double k1 = 1.25;
};

class Lucb final : public BanditPolicy {
 public:
  Lucb(std::int64_t num_arms, const LucbConfig& cfg, std::int64_t first_action)
      : BanditPolicy("lucb", num_arms, first_action), cfg_(cfg), first_(first_action) {}

  void act(const Value&, Value& action, Decision& decision) override {
    if (evaluation()) return act_greedy(action, decision);
    if (unpulled_ > 0) return emit(first_unpulled(), action, decision, 1.0);
    if (stopped_ || queue_size_ == 0) return emit(leader(), action, decision, 1.0);
    emit(queue_[next_], action, decision, 1.0);
    next_ = (next_ + 1) % 2;
    --queue_size_;
  }

  void learn(const Transition& transition) override {
    if (evaluation()) return;
    record(arm_of(transition.action), transition.reward);
    if (stopped_ || unpulled_ > 0 || queue_size_ > 0) return;
    // A round has ended (the first: every arm once): its stopping check, then the next pair.
    ++round_;
    const std::int64_t h = leader();
    std::int64_t l = -1;
    double ul = -kInf;
    for (std::int64_t a = 0; a < num_arms(); ++a) {
      if (a == h) continue;
      const double u = means_[static_cast<std::size_t>(a)] + radius(a);
      if (u > ul) ul = u, l = a;
    }
    const double lh = means_[static_cast<std::size_t>(h)] - radius(h);
    if (ul - lh < cfg_.epsilon || (cfg_.epsilon == 0.0 && ul < lh)) {
      stopped_ = true;
      recommended_ = h;
      return;
    }
    queue_[0] = h;
    queue_[1] = l;
    next_ = 0;
    queue_size_ = 2;
  }

  bool can_stop() const override { return true; }
  bool stopped() const override { return stopped_; }
  std::int64_t recommendation() const override { return recommended_ + first_; }

 protected:
  void save_extra(StateDict& out) const override {
    put_array(out, "lucb",
              std::vector<double>{static_cast<double>(round_), stopped_ ? 1.0 : 0.0,
                                  static_cast<double>(recommended_), static_cast<double>(queue_[0]),
                                  static_cast<double>(queue_[1]), static_cast<double>(next_),
                                  static_cast<double>(queue_size_)});
  }
  void load_extra(const StateDict& in) override {
    std::vector<double> s;
    get_array(in, "lucb", s, 7, name());
    round_ = static_cast<std::int64_t>(s[0]);
    stopped_ = s[1] != 0.0;
    recommended_ = static_cast<std::int64_t>(s[2]);
    queue_[0] = static_cast<std::int64_t>(s[3]);
    queue_[1] = static_cast<std::int64_t>(s[4]);
    next_ = static_cast<std::int64_t>(s[5]);
    queue_size_ = static_cast<std::int64_t>(s[6]);
  }

 private:
  double radius(std::int64_t a) const {
    const double t = static_cast<double>(round_);
    const double k = static_cast<double>(num_arms());
    const double level = std::log(cfg_.k1 * k * t * t * t * t / cfg_.delta);
    return std::sqrt(2.0 * cfg_.sigma * cfg_.sigma * level /
                     static_cast<double>(counts_[static_cast<std::size_t>(a)]));
  }
  std::int64_t leader() const { return argmax_first(means_.data(), num_arms()); }

  LucbConfig cfg_;
  std::int64_t first_;
  std::int64_t round_ = 0;
  bool stopped_ = false;
  std::int64_t recommended_ = -1;
  std::int64_t queue_[2] = {0, 0};
  std::int64_t next_ = 0, queue_size_ = 0;
};

void register_lucb(Registry& registry) {
  using C = LucbConfig;
  const auto paper = source("Kalyanakrishnan, Tewari, Auer & Stone 2012, LUCB1");
  registry.add_agent(bandit_policy_entry(
      "lucb",
      "LUCB1 for fixed-confidence best-arm identification: pulls the empirical best arm and "
      "its strongest challenger until their confidence intervals separate (Kalyanakrishnan, "
      "Tewari, Auer & Stone 2012, ICML)",
      ConfigSchema<C>()
          .field("delta", &C::delta,
                 "confidence: the recommended arm is the best with "
                 "probability >= 1 - delta",
                 range(1e-300, 1), source("Garivier & Kaufmann 2016 experiments use 0.1"))
          .field("epsilon", &C::epsilon, "tolerance: stop once an epsilon-best arm is certain",
                 at_least(0), paper)
          .field("sigma", &C::sigma,
                 "sub-Gaussian scale of the rewards (0.5 for rewards in [0, 1]; the noise "
                 "standard deviation for Gaussian rewards)",
                 at_least(1e-300), source("Hoeffding's inequality"))
          .field("k1", &C::k1, "constant of the exploration rate ln(k1 K t^4 / delta)", at_least(1),
                 paper),
      check_non_contextual, [](const AgentContext& ctx, const C& c) {
        return std::make_unique<Lucb>(ctx.spec.action_space.n(), c, ctx.spec.action_space.start());
      }));
}

}  // namespace
RLSIM_REGISTER(register_lucb)

}  // namespace rlsim

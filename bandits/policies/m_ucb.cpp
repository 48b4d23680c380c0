// M-UCB (Monitored UCB) for piecewise-stationary bandits: Cao, Wen, Kveton & Xie (2019),
// "Nearly Optimal Adaptive Procedure with Change Detection for Piecewise-Stationary Bandit",
// AISTATS (arXiv 1802.03692), Algorithm 2 with the change detector CD(w, b) of Algorithm 1
// (bandits/math/change_detectors.hpp). Rewards in [0, 1].
//
// τ is the step of the last detection (0 at the start) and n_k, X̄_k arm k's count and mean
// since τ. At pull t (1-based), A = (t − τ) mod ⌊K/γ⌋; when 1 ≤ A ≤ K the pull is arm A
// (1-based: forced uniform exploration, so every arm is pulled right after each restart);
// otherwise the arm of largest UCB X̄_k + sqrt(2 ln(t − τ) / n_k) (n_k = 0: infinite; ties to
// the lowest arm). Every choice is deterministic (probability 1). After the pull, once arm k
// has w samples since τ, CD(w, b) on its last w samples; an alarm is a global restart: τ ← t
// and every n_k, X̄_k and window is emptied. Each detection is a diagnostics row (step, arm).
//
// Parameters (the paper's names): w (even), b, gamma (γ) and M, the number of stationary
// segments (M − 1 change points). Defaults: b = sqrt(w/2 · ln(2KT²)) and
// γ = sqrt((M − 1) K (2b + 3 sqrt(w)) / (2T)) (capped at 1), the paper's choices in its regret
// bound (Theorem 1 and Remark 1); w = 800, the window Besson, Kaufmann, Maillard & Seznec
// (2022) used for M-UCB in their experiments (Cao et al.'s own formula for w needs the
// smallest change δ and gives windows longer than most segments).
#include <cmath>
#include <limits>
#include <memory>

#include "bandits/math/change_detectors.hpp"
#include "bandits/policies/bandit_policy.hpp"
#include "bandits/policies/state_io.hpp"
#include "core/config_schema.hpp"
#include "core/error.hpp"
#include "core/registration.hpp"
#include "core/registry.hpp"

namespace rlsim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct MUcbConfig : BanditPolicyConfig {
  std::int64_t w = 800;
  double b = 0.0;      // 0: sqrt(w/2 ln(2 K T^2))
  double gamma = 0.0;  // 0: sqrt((M - 1) K (2b + 3 sqrt(w)) / (2T)), at most 1
  std::int64_t M = 2;
  std::int64_t horizon = 0;  // 0: the env's time limit
  void validate() const {
    if (w % 2 != 0)
      throw Error("policy 'm-ucb': w = " + std::to_string(w) +
                  " is odd: the window is split into two halves, so w must be even");
  }
};

class MUcb final : public BanditPolicy {
 public:
  MUcb(std::int64_t num_arms, const MUcbConfig& c, std::int64_t first_action)
      : BanditPolicy("m-ucb", num_arms, first_action),
        period_(std::max<std::int64_t>(
            1, static_cast<std::int64_t>(std::floor(static_cast<double>(num_arms) / c.gamma)))),
        w_(c.w),
        n_(static_cast<std::size_t>(num_arms), 0),
        s_(static_cast<std::size_t>(num_arms), 0.0),
        windows_(static_cast<std::size_t>(num_arms), WindowDetector(c.w, c.b)) {
    diagnostics_.names = {"arm"};
  }

  std::int64_t choose() const {
    const std::int64_t k = num_arms();
    const std::int64_t since = t_ + 1 - tau_;  // t − τ for the pull about to be made
    if (const std::int64_t forced = forced_exploration_arm(since, period_); forced >= 0)
      return forced;
    const double log_since = std::log(static_cast<double>(since));
    return argmax_of(k, [&](std::int64_t arm) {
      const auto i = static_cast<std::size_t>(arm);
      if (n_[i] == 0) return kInf;
      const double n = static_cast<double>(n_[i]);
      return s_[i] / n + std::sqrt(2.0 * log_since / n);
    });
  }

  void act(const Value&, Value& action, Decision& decision) override {
    if (evaluation()) return act_greedy(action, decision);
    emit(choose(), action, decision, 1.0);
  }

  void learn(const Transition& transition) override {
    if (evaluation()) return;
    const std::int64_t arm = record_unit_reward(transition);
    const double r = transition.reward;
    const auto a = static_cast<std::size_t>(arm);
    ++n_[a];
    s_[a] += r;
    if (windows_[a].update(r) && n_[a] >= w_) {  // global restart: τ ← t
      tau_ = t_;
      std::fill(n_.begin(), n_.end(), 0);
      std::fill(s_.begin(), s_.end(), 0.0);
      for (auto& window : windows_) window.reset();
      diagnostics_.add_row(t_, {static_cast<double>(arm)});
    }
  }

  DiagnosticsTable* diagnostics() override { return &diagnostics_; }

 protected:
  void save_extra(StateDict& out) const override {
    put_scalar(out, "restart_step", static_cast<double>(tau_));
    put_array(out, "restart_counts", n_);
    put_array(out, "restart_sums", s_);
    std::vector<double> d;
    for (const auto& window : windows_) window.state(d);
    put_array(out, "windows", d);
  }
  void load_extra(const StateDict& in) override {
    tau_ = static_cast<std::int64_t>(get_scalar(in, "restart_step", name()));
    get_array(in, "restart_counts", n_, n_.size(), name());
    get_array(in, "restart_sums", s_, s_.size(), name());
    const std::size_t each = windows_.front().state_size();
    std::vector<double> d;
    get_array(in, "windows", d, windows_.size() * each, name());
    for (std::size_t a = 0; a < windows_.size(); ++a) windows_[a].set_state(d.data() + a * each);
  }

 private:
  std::int64_t period_;  // ⌊K / γ⌋
  std::int64_t w_;
  std::int64_t tau_ = 0;
  std::vector<std::int64_t> n_;
  std::vector<double> s_;
  std::vector<WindowDetector> windows_;
  DiagnosticsTable diagnostics_;
};

void register_m_ucb(Registry& registry) {
  using C = MUcbConfig;
  const auto cao = source("Cao, Wen, Kveton & Xie 2019, Theorem 1 and Remark 1");
  registry.add_agent(bandit_policy_entry(
      "m-ucb",
      "M-UCB (monitored UCB): UCB1 with forced uniform exploration gamma and a two-half window "
      "change detector, global restarts (Cao, Wen, Kveton & Xie 2019, AISTATS); rewards in "
      "[0, 1]",
      ConfigSchema<C>()
          .field("w", &C::w, "window of the change detector (even)", range(2, 1e9),
                 source("Besson, Kaufmann, Maillard & Seznec 2022 experiments"))
          .field("b", &C::b,
                 "detection threshold on the difference of the half sums (0: "
                 "sqrt(w/2 ln(2 K T^2)))",
                 at_least(0), cao)
          .field("gamma", &C::gamma,
                 "share of forced uniform exploration (0: sqrt((M - 1) K "
                 "(2b + 3 sqrt(w)) / (2T)), at most 1)",
                 range(0, 1), cao)
          .field("M", &C::M, "number of stationary segments, for the default gamma", range(1, 1e15))
          .field("horizon", &C::horizon, "horizon T for the defaults (0: the env's time limit)",
                 range(0, 1e15)),
      check_non_contextual_in(0.0, 1.0, "m-ucb (its detector assumes rewards in [0, 1])",
                              "ucb1 or sliding-window-ucb"),
      [](const AgentContext& ctx, const C& p) {
        C c = p;
        const std::int64_t k = ctx.spec.action_space.n();
        if (c.b == 0.0 || c.gamma == 0.0) {
          const double t =
              static_cast<double>(resolve_horizon(p.horizon, ctx.spec, "policy 'm-ucb'"));
          const double w = static_cast<double>(c.w);
          if (c.b == 0.0) c.b = std::sqrt(w / 2.0 * std::log(2.0 * static_cast<double>(k) * t * t));
          if (c.gamma == 0.0) {
            if (c.M < 2)
              throw Error(
                  "policy 'm-ucb': the default gamma needs M >= 2 segments (M - 1 "
                  "change points); set gamma or M");
            c.gamma = std::min(1.0, std::sqrt(static_cast<double>((c.M - 1) * k) *
                                              (2.0 * c.b + 3.0 * std::sqrt(w)) / (2.0 * t)));
          }
        }
        return std::make_unique<MUcb>(k, c, ctx.spec.action_space.start());
      }));
}

}  // namespace
RLSIM_REGISTER(register_m_ucb)

}  // namespace rlsim

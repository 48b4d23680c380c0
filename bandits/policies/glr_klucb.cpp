// GLR-klUCB for piecewise-stationary bandits: Besson, Kaufmann, Maillard & Seznec (2022),
// "Efficient Change-Point Detection for Tackling Piecewise-Stationary Bandits", JMLR 23
// (arXiv 1902.01575, 2020 version), Algorithm 1: kl-UCB restarted by a Bernoulli GLR change
// detector per arm (bandits/math/change_detectors.hpp), with forced exploration. Rewards in
// [0, 1] (the Bernoulli GLR and kl-UCB apply to any bounded rewards in [0, 1]).
//
// τ_k is arm k's last restart (0 at the start), n_k and X̄_k its count and mean since then,
// τ = max_k τ_k the latest restart. At pull t (1-based), with α the exploration probability,
// A = (t − τ) mod ⌊K/α⌋; when 1 ≤ A ≤ K the pull is arm A (1-based; forced exploration);
// otherwise the arm of largest kl-UCB index max{q : n_k kl(X̄_k, q) ≤ ln(t − τ_k)} (n_k = 0:
// infinite; ties to the lowest arm). Choices are deterministic (probability 1). The reward
// goes to the pulled arm's GLR test, run on its samples since τ_k; an alarm restarts that arm
// only (restart = "local": τ_k ← t) or every arm (restart = "global": τ_j ← t for all j).
//
// Parameters (the paper's names): delta (δ, the test's confidence), alpha (α), restart
// (local or global), and the sub-sampling of the test: delta_n (Δn: test when n_k is a
// multiple of Δn) and delta_s (Δs: splits s multiples of Δs). Defaults are the paper's tuning
// for an unknown number of changes (Section 6, as in the authors' experiment code): δ =
// 1/sqrt(T) and α_k = α0 sqrt(k) in the k-th episode (after k − 1 detections), α0 =
// sqrt(K ln T / T) (`alpha_growth = false`: α = α0 throughout); Δn = Δs = 10, the
// sub-sampling of the authors' code for local restarts. Each detection is a diagnostics row
// (step, arm).
#include <cmath>
#include <limits>
#include <memory>

#include "bandits/math/change_detectors.hpp"
#include "bandits/math/kl.hpp"
#include "bandits/policies/bandit_policy.hpp"
#include "bandits/policies/state_io.hpp"
#include "core/config_schema.hpp"
#include "core/error.hpp"
#include "core/registration.hpp"
#include "core/registry.hpp"

namespace rlsim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct GlrKlUcbConfig : BanditPolicyConfig {
  double delta = 0.0;  // 0: 1 / sqrt(T)
  double alpha = 0.0;  // 0: sqrt(K ln T / T)
  bool alpha_growth = true;
  std::string restart = "local";
  std::int64_t delta_n = 10;
  std::int64_t delta_s = 10;
  std::int64_t horizon = 0;  // 0: the env's time limit
};

class GlrKlUcb final : public BanditPolicy {
 public:
  GlrKlUcb(std::int64_t num_arms, const GlrKlUcbConfig& c, std::int64_t first_action)
      : BanditPolicy("glr-klucb", num_arms, first_action),
        alpha0_(c.alpha),
        growth_(c.alpha_growth),
        global_(c.restart == "global"),
        tau_(static_cast<std::size_t>(num_arms), 0),
        detectors_(static_cast<std::size_t>(num_arms),
                   BernoulliGlr(c.delta, c.delta_n, c.delta_s)) {
    diagnostics_.names = {"arm"};
  }

  // ⌊K / α_k⌋ in the current episode.
  std::int64_t period() const {
    const double alpha = std::min(
        1.0, growth_ ? alpha0_ * std::sqrt(static_cast<double>(detections_ + 1)) : alpha0_);
    if (!(alpha > 0.0)) return std::numeric_limits<std::int64_t>::max();
    return std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::floor(static_cast<double>(num_arms()) / alpha)));
  }

  std::int64_t choose() const {
    const std::int64_t k = num_arms();
    const std::int64_t t = t_ + 1;
    std::int64_t latest = 0;
    for (std::int64_t x : tau_) latest = std::max(latest, x);
    if (const std::int64_t forced = forced_exploration_arm(t - latest, period()); forced >= 0)
      return forced;
    return argmax_of(k, [&](std::int64_t arm) {
      const auto i = static_cast<std::size_t>(arm);
      const auto& sums = detectors_[i].sums();
      if (sums.empty()) return kInf;
      const double n = static_cast<double>(sums.size());
      const double level = std::log(static_cast<double>(t - tau_[i])) / n;
      return kl_upper_bound(KlFamily::Bernoulli, sums.back() / n, level);
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
    if (!detectors_[a].update(r)) return;
    ++detections_;
    diagnostics_.add_row(t_, {static_cast<double>(arm)});
    if (global_) {
      for (std::size_t j = 0; j < detectors_.size(); ++j) {
        detectors_[j].reset();
        tau_[j] = t_;
      }
    } else {
      detectors_[a].reset();
      tau_[a] = t_;
    }
  }

  DiagnosticsTable* diagnostics() override { return &diagnostics_; }
  std::int64_t detections() const { return detections_; }

 protected:
  void save_extra(StateDict& out) const override {
    put_scalar(out, "detections", static_cast<double>(detections_));
    put_array(out, "restart_steps", tau_);
    std::vector<std::int64_t> counts;
    std::vector<double> sums;
    for (const auto& d : detectors_) {
      counts.push_back(d.samples());
      sums.insert(sums.end(), d.sums().begin(), d.sums().end());
    }
    put_array(out, "restart_counts", counts);
    put_array(out, "restart_cumulative_sums", sums);
  }
  void load_extra(const StateDict& in) override {
    detections_ = static_cast<std::int64_t>(get_scalar(in, "detections", name()));
    get_array(in, "restart_steps", tau_, tau_.size(), name());
    std::vector<std::int64_t> counts;
    get_array(in, "restart_counts", counts, detectors_.size(), name());
    std::size_t total = 0;
    for (std::int64_t c : counts) {
      if (c < 0) throw Error(name() + ": saved restart_counts holds a negative count");
      total += static_cast<std::size_t>(c);
    }
    std::vector<double> sums;
    get_array(in, "restart_cumulative_sums", sums, total, name());
    std::size_t at = 0;
    for (std::size_t a = 0; a < detectors_.size(); ++a) {
      const auto n = static_cast<std::size_t>(counts[a]);
      detectors_[a].set_sums(sums.data() + at, n);
      at += n;
    }
  }

 private:
  double alpha0_;
  bool growth_, global_;
  std::int64_t detections_ = 0;
  std::vector<std::int64_t> tau_;
  std::vector<BernoulliGlr> detectors_;
  DiagnosticsTable diagnostics_;
};

void register_glr_klucb(Registry& registry) {
  using C = GlrKlUcbConfig;
  const auto paper = source("Besson, Kaufmann, Maillard & Seznec 2022, Section 6");
  registry.add_agent(bandit_policy_entry(
      "glr-klucb",
      "GLR-klUCB: kl-UCB with a Bernoulli GLR change detector per arm, local or global "
      "restarts and forced exploration (Besson, Kaufmann, Maillard & Seznec 2022, JMLR); "
      "rewards in [0, 1]",
      ConfigSchema<C>()
          .field("delta", &C::delta,
                 "confidence of the GLR test, threshold ln(n^1.5 / delta) (0: 1 / sqrt(T))",
                 range(0, 1), paper)
          .field("alpha", &C::alpha, "forced exploration probability alpha0 (0: sqrt(K ln T / T))",
                 range(0, 1), paper)
          .field("alpha_growth", &C::alpha_growth,
                 "alpha0 sqrt(k) in the k-th episode (after k - 1 detections); false: alpha0",
                 source("Besson et al. 2022, tuning without the number of changes"))
          .field("restart", &C::restart, "after a detection, restart the arm or every arm",
                 choices({"local", "global"}), paper)
          .field("delta_n", &C::delta_n, "sub-sampling: test every delta_n samples of an arm",
                 range(1, 1e9), source("Besson et al. 2022 experiment code"))
          .field("delta_s", &C::delta_s, "sub-sampling: split points every delta_s samples",
                 range(1, 1e9), source("Besson et al. 2022 experiment code"))
          .field("horizon", &C::horizon, "horizon T for the defaults (0: the env's time limit)",
                 range(0, 1e15)),
      check_non_contextual_in(0.0, 1.0, "glr-klucb (Bernoulli GLR and kl-UCB on [0, 1])",
                              "ucb1 or sliding-window-ucb"),
      [](const AgentContext& ctx, const C& p) {
        C c = p;
        const std::int64_t k = ctx.spec.action_space.n();
        if (c.delta == 0.0 || c.alpha == 0.0) {
          const double t =
              static_cast<double>(resolve_horizon(p.horizon, ctx.spec, "policy 'glr-klucb'"));
          if (!(t >= 2.0))
            throw Error("policy 'glr-klucb': the default delta and alpha need the horizon T >= 2");
          if (c.delta == 0.0) c.delta = 1.0 / std::sqrt(t);
          if (c.alpha == 0.0)
            c.alpha = std::min(1.0, std::sqrt(static_cast<double>(k) * std::log(t) / t));
        }
        if (c.delta >= 1.0)
          throw Error("policy 'glr-klucb': delta = 1 makes every test fire; use delta < 1");
        return std::make_unique<GlrKlUcb>(k, c, ctx.spec.action_space.start());
      }));
}

}  // namespace
RLSIM_REGISTER(register_glr_klucb)

}  // namespace rlsim

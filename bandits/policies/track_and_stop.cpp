// Track-and-Stop for fixed-confidence best-arm identification: Garivier & Kaufmann (2016),
// "Optimal Best Arm Identification with Fixed Confidence", COLT (arXiv 1602.04589), with
// D-tracking or C-tracking (Section 3.1), the generalized likelihood ratio (Chernoff) stopping rule
// (Section 3.2) and the threshold of the paper's experiments, β(t, δ) = ln((ln t + 1) / δ)
// (Section 5).
//
// Every arm is pulled once. Then, after t pulls with counts N_a and means μ̂_a: when some arm
// has N_a < sqrt(t) − K/2 (forced exploration), the least pulled such arm; otherwise the arm
// maximizing t w*_a(μ̂) − N_a, with w*(μ̂) the optimal proportions of the empirical means
// (bandits/math/optimal_weights.hpp); lowest arm among ties. C-tracking (tracking = "C")
// instead adds, at every pull t, the projection w^ε(μ̂) of w*(μ̂) onto {w_a ≥ ε_t},
// ε_t = (K² + t)^(-1/2) / 2 (project_onto_floor; the uniform 1/K during the first K pulls,
// when some mean is still unknown), to running sums S_a, and pulls the arm maximizing
// S_a − N_a: no separate forced exploration, and N_a tracks S_a to within K(1 + √t) (the
// paper's Lemma 7). After each pull, with â the
// empirical best arm, the run stops when
//   Z(t) = min_{b ≠ â} [N_â d(μ̂_â, μ̂_âb) + N_b d(μ̂_b, μ̂_âb)] > β(t, δ),
// μ̂_âb = (N_â μ̂_â + N_b μ̂_b) / (N_â + N_b), d the divergence of the model (Bernoulli, or
// Gaussian of standard deviation sigma); â is the recommendation. Choices are deterministic
// (probability 1). The sample complexity is asymptotically T*(μ) ln(1/δ), the lower bound.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "bandits/math/kl.hpp"
#include "bandits/math/optimal_weights.hpp"
#include "bandits/policies/bandit_policy.hpp"
#include "bandits/policies/state_io.hpp"
#include "core/config_schema.hpp"
#include "core/error.hpp"
#include "core/registration.hpp"
#include "core/registry.hpp"

namespace rlsim {

namespace {

struct TrackAndStopConfig : BanditPolicyConfig {
  double delta = 0.1;
  std::string divergence = "auto";  // bernoulli on [0, 1] rewards, gaussian otherwise
  double sigma = 1.0;
  std::string tracking = "D";
};

class TrackAndStop final : public BanditPolicy {
 public:
  TrackAndStop(std::int64_t num_arms, const TrackAndStopConfig& cfg, KlFamily family,
               std::int64_t first_action)
      : BanditPolicy("track-and-stop", num_arms, first_action),
        delta_(cfg.delta),
        sigma_(cfg.sigma),
        family_(family),
        first_(first_action),
        c_tracking_(cfg.tracking == "C"),
        mu_(static_cast<std::size_t>(num_arms), 0.0),
        sums_c_(c_tracking_ ? static_cast<std::size_t>(num_arms) : 0, 0.0) {}

  void act(const Value&, Value& action, Decision& decision) override {
    if (evaluation()) return act_greedy(action, decision);
    if (stopped_) return emit(leader(), action, decision, 1.0);
    if (c_tracking_) return emit(c_tracking(), action, decision, 1.0);
    if (unpulled_ > 0) return emit(first_unpulled(), action, decision, 1.0);
    const std::int64_t k = num_arms();
    const double t = static_cast<double>(t_);
    const double floor = std::sqrt(t) - static_cast<double>(k) / 2.0;
    std::int64_t forced = -1;
    for (std::int64_t a = 0; a < k; ++a) {
      const auto i = static_cast<std::size_t>(a);
      if (static_cast<double>(counts_[i]) < floor &&
          (forced < 0 || counts_[i] < counts_[static_cast<std::size_t>(forced)]))
        forced = a;
    }
    if (forced >= 0) return emit(forced, action, decision, 1.0);
    const OptimalWeights w = empirical_weights();
    emit(argmax_of(k,
                   [&](std::int64_t a) {
                     const auto i = static_cast<std::size_t>(a);
                     return t * w.w[i] - static_cast<double>(counts_[i]);
                   }),
         action, decision, 1.0);
  }

  void learn(const Transition& transition) override {
    if (evaluation()) return;
    const double r = transition.reward;
    if (family_ == KlFamily::Bernoulli) require_reward_in(r, 0.0, 1.0);
    record(arm_of(transition.action), r);
    if (stopped_ || unpulled_ > 0) return;
    stopped_ = statistic() > threshold(t_);
  }

  // w*(μ̂). Bernoulli means of exactly 0 or 1 make some divergences infinite: the proportions
  // are computed on means kept 1e-9 inside (0, 1) (only the sampling uses them).
  OptimalWeights empirical_weights() {
    for (std::size_t a = 0; a < mu_.size(); ++a)
      mu_[a] = family_ == KlFamily::Bernoulli ? std::clamp(means_[a], 1e-9, 1.0 - 1e-9) : means_[a];
    return optimal_weights(family_, mu_, sigma_);
  }

  // C-tracking's arm for pull t + 1: S += w^ε_t(μ̂(t)), then argmax_a S_a − N_a(t).
  std::int64_t c_tracking() {
    const std::size_t k = sums_c_.size();
    if (unpulled_ > 0) {
      for (double& s : sums_c_) s += 1.0 / static_cast<double>(k);
    } else {
      const double kd = static_cast<double>(k);
      const double eps = 0.5 / std::sqrt(kd * kd + static_cast<double>(t_));
      const std::vector<double> w = project_onto_floor(empirical_weights().w, eps);
      for (std::size_t a = 0; a < k; ++a) sums_c_[a] += w[a];
    }
    return argmax_of(num_arms(), [&](std::int64_t a) {
      const auto i = static_cast<std::size_t>(a);
      return sums_c_[i] - static_cast<double>(counts_[i]);
    });
  }

  // Z(t), the GLR statistic of "â is the best arm" (0 when another arm ties with â).
  double statistic() const {
    const auto h = static_cast<std::size_t>(leader());
    double z = std::numeric_limits<double>::infinity();
    for (std::size_t b = 0; b < means_.size(); ++b) {
      if (b == h) continue;
      const double na = static_cast<double>(counts_[h]), nb = static_cast<double>(counts_[b]);
      const double mid = (na * means_[h] + nb * means_[b]) / (na + nb);
      z = std::min(z, na * kl_divergence(family_, means_[h], mid, sigma_) +
                          nb * kl_divergence(family_, means_[b], mid, sigma_));
    }
    return z;
  }
  // β(t, δ) = ln((ln t + 1) / δ).
  double threshold(std::int64_t t) const {
    return std::log((std::log(static_cast<double>(t)) + 1.0) / delta_);
  }

  bool can_stop() const override { return true; }
  bool stopped() const override { return stopped_; }
  std::int64_t recommendation() const override { return leader() + first_; }

 protected:
  void save_extra(StateDict& out) const override {
    put_scalar(out, "stopped", stopped_ ? 1.0 : 0.0);
    if (c_tracking_) put_array(out, "tracking_sums", sums_c_);
  }
  void load_extra(const StateDict& in) override {
    stopped_ = get_scalar(in, "stopped", name()) != 0.0;
    if (c_tracking_) get_array(in, "tracking_sums", sums_c_, sums_c_.size(), name());
  }

 private:
  std::int64_t leader() const { return argmax_first(means_.data(), num_arms()); }

  double delta_, sigma_;
  KlFamily family_;
  std::int64_t first_;
  bool c_tracking_;
  bool stopped_ = false;
  std::vector<double> mu_;      // the means the proportions are computed on (reused)
  std::vector<double> sums_c_;  // C-tracking: S_a, the sums of the projected proportions
};

void register_track_and_stop(Registry& registry) {
  using C = TrackAndStopConfig;
  const auto paper = source("Garivier & Kaufmann 2016");
  registry.add_agent(bandit_policy_entry(
      "track-and-stop",
      "Track-and-Stop for fixed-confidence best-arm identification: D- or C-tracking of the "
      "optimal "
      "proportions w*(mu hat) and the GLR stopping rule with threshold ln((ln t + 1) / delta) "
      "(Garivier & Kaufmann 2016, COLT); Bernoulli or Gaussian arms",
      ConfigSchema<C>()
          .field("delta", &C::delta,
                 "confidence: the recommended arm is the best with "
                 "probability >= 1 - delta",
                 range(1e-300, 1), source("Garivier & Kaufmann 2016 experiments use 0.1"))
          .field("divergence", &C::divergence,
                 "model of the arms: bernoulli, gaussian, or auto (bernoulli for rewards in "
                 "[0, 1], gaussian otherwise)",
                 choices({"auto", "bernoulli", "gaussian"}), paper)
          .field("sigma", &C::sigma, "standard deviation of the Gaussian model", at_least(1e-300))
          .field("tracking", &C::tracking,
                 "sampling rule: D (D-tracking: forced exploration of arms pulled fewer than "
                 "sqrt(t) - K/2 times, else the arm furthest below t w*) or C (C-tracking: "
                 "follow the running sum of w* projected onto {w_a >= (K^2 + t)^(-1/2) / 2})",
                 choices({"D", "C"}), source("Garivier & Kaufmann 2016, Section 3.1")),
      check_non_contextual, [](const AgentContext& ctx, const C& c) {
        const bool unit = ctx.spec.reward_min >= 0.0 && ctx.spec.reward_max <= 1.0;
        KlFamily family = c.divergence == "gaussian" ? KlFamily::Gaussian : KlFamily::Bernoulli;
        if (c.divergence == "auto") family = unit ? KlFamily::Bernoulli : KlFamily::Gaussian;
        if (family == KlFamily::Bernoulli && !unit)
          throw Error("policy 'track-and-stop': divergence = bernoulli needs rewards in [0, 1]; " +
                      ctx.spec.id + " has " + describe_reward_range(ctx.spec) +
                      ": use divergence = gaussian");
        return std::make_unique<TrackAndStop>(ctx.spec.action_space.n(), c, family,
                                              ctx.spec.action_space.start());
      }));
}

}  // namespace
RLSIM_REGISTER(register_track_and_stop)

}  // namespace rlsim

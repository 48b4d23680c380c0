// CUSUM-UCB for piecewise-stationary bandits: Liu, Lee & Shroff (2018), "A Change-Detection
// based Framework for Piecewise-stationary Multi-Armed Bandit Problem", AAAI (arXiv
// 1711.03539), the CD-UCB framework (Algorithm 1) with the two-sided CUSUM detector
// (Algorithm 2, bandits/math/change_detectors.hpp). Rewards in [0, 1].
//
// Every arm i keeps its statistics since its own last restart τ_i: the count N_i and the mean
// X̄_i. At each pull, with probability α an arm uniformly at random (the paper's uniform
// exploration), otherwise the arm of largest index X̄_i + sqrt(ξ ln n_t / N_i), n_t = Σ_i N_i
// (an arm with N_i = 0 has an infinite index; ties to the lowest arm). The reward goes to the
// arm's CUSUM detector (reference mean of its first M samples since the restart, drift ε,
// threshold h); an alarm restarts that arm only (its N_i, X̄_i and detector; a local restart).
// The probability of the chosen arm is α/K + (1 − α) 1[arm = the index argmax].
//
// Parameters (the paper's names): M, eps (ε), h, alpha (α), xi (ξ). Defaults: h = ln(T/Υ_T)
// and α = sqrt(Υ_T/T · ln(T/Υ_T)), the paper's recommendations (Section 4, after Theorem 1),
// with T the horizon and Υ_T (`upsilon`) the number of change points; M and ε need prior
// knowledge of the smallest change (the paper leaves them to the user): the defaults M = 200,
// ε = 0.1 are the values Besson, Kaufmann, Maillard & Seznec (2022, JMLR) used for CUSUM in
// their experiments. Each detection is a diagnostics row (step, arm).
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

struct CusumUcbConfig : BanditPolicyConfig {
  std::int64_t M = 200;
  double eps = 0.1;
  double h = 0.0;      // 0: ln(T / upsilon)
  double alpha = 0.0;  // 0: sqrt(upsilon / T ln(T / upsilon))
  double xi = 1.0;
  std::int64_t upsilon = 1;
  std::int64_t horizon = 0;  // 0: the env's time limit
};

class CusumUcb final : public BanditPolicy {
 public:
  CusumUcb(std::int64_t num_arms, const CusumUcbConfig& c, std::uint64_t seed,
           std::int64_t first_action)
      : BanditPolicy("cusum-ucb", num_arms, first_action),
        alpha_(c.alpha),
        xi_(c.xi),
        n_(static_cast<std::size_t>(num_arms), 0),
        s_(static_cast<std::size_t>(num_arms), 0.0),
        detectors_(static_cast<std::size_t>(num_arms), CusumDetector(c.M, c.eps, c.h)),
        rng_(seed) {
    diagnostics_.names = {"arm"};
  }

  double index(std::int64_t arm, double log_n) const {
    const auto a = static_cast<std::size_t>(arm);
    if (n_[a] == 0) return kInf;
    const double n = static_cast<double>(n_[a]);
    return s_[a] / n + std::sqrt(xi_ * log_n / n);
  }

  void act(const Value&, Value& action, Decision& decision) override {
    if (evaluation()) return act_greedy(action, decision);
    std::int64_t total = 0;
    for (std::int64_t n : n_) total += n;
    const double log_n = total > 0 ? std::log(static_cast<double>(total)) : 0.0;
    const std::int64_t best =
        argmax_of(num_arms(), [&](std::int64_t a) { return index(a, log_n); });
    const std::int64_t k = num_arms();
    std::int64_t arm = best;
    if (rng_.uniform() < alpha_) arm = rng_.integer(0, k - 1);
    const double p = alpha_ / static_cast<double>(k) + (arm == best ? 1.0 - alpha_ : 0.0);
    emit(arm, action, decision, p);
  }

  void learn(const Transition& transition) override {
    if (evaluation()) return;
    const std::int64_t arm = record_unit_reward(transition);
    const double r = transition.reward;
    const auto a = static_cast<std::size_t>(arm);
    ++n_[a];
    s_[a] += r;
    if (detectors_[a].update(r)) {  // local restart of this arm (Algorithm 1: τ_i ← t)
      n_[a] = 0;
      s_[a] = 0.0;
      detectors_[a].reset();
      diagnostics_.add_row(t_, {static_cast<double>(arm)});
    }
  }

  DiagnosticsTable* diagnostics() override { return &diagnostics_; }

 protected:
  Rng* random_stream() override { return &rng_; }
  void save_extra(StateDict& out) const override {
    put_array(out, "restart_counts", n_);
    put_array(out, "restart_sums", s_);
    std::vector<double> d;
    for (const auto& det : detectors_) det.state(d);
    put_array(out, "cusum", d);
  }
  void load_extra(const StateDict& in) override {
    get_array(in, "restart_counts", n_, n_.size(), name());
    get_array(in, "restart_sums", s_, s_.size(), name());
    std::vector<double> d;
    get_array(in, "cusum", d, detectors_.size() * CusumDetector::kStateSize, name());
    for (std::size_t a = 0; a < detectors_.size(); ++a)
      detectors_[a].set_state(d.data() + a * CusumDetector::kStateSize);
  }

 private:
  double alpha_, xi_;
  std::vector<std::int64_t> n_;
  std::vector<double> s_;
  std::vector<CusumDetector> detectors_;
  Rng rng_;
  DiagnosticsTable diagnostics_;
};

void register_cusum_ucb(Registry& registry) {
  using C = CusumUcbConfig;
  const auto liu = source("Liu, Lee & Shroff 2018");
  const auto besson = source("Besson, Kaufmann, Maillard & Seznec 2022 experiments");
  registry.add_agent(bandit_policy_entry(
      "cusum-ucb",
      "CUSUM-UCB: UCB with a two-sided CUSUM change detector per arm and local restarts, plus "
      "uniform exploration alpha (Liu, Lee & Shroff 2018, AAAI); rewards in [0, 1]",
      ConfigSchema<C>()
          .field("M", &C::M, "samples since a restart that estimate the reference mean",
                 range(1, 1e9), besson)
          .field("eps", &C::eps, "drift epsilon of the CUSUM statistics", range(0, 1), besson)
          .field("h", &C::h, "CUSUM threshold (0: ln(T / upsilon))", at_least(0), liu)
          .field("alpha", &C::alpha,
                 "probability of a uniformly random arm (0: sqrt(upsilon / T ln(T / upsilon)))",
                 range(0, 1), liu)
          .field("xi", &C::xi, "exploration constant of the index mean + sqrt(xi ln n_t / N)",
                 at_least(0), liu)
          .field("upsilon", &C::upsilon,
                 "number of change points Upsilon_T, for the default h "
                 "and alpha",
                 range(1, 1e15))
          .field("horizon", &C::horizon, "horizon T for the defaults (0: the env's time limit)",
                 range(0, 1e15)),
      check_non_contextual_in(0.0, 1.0, "cusum-ucb (its detector assumes rewards in [0, 1])",
                              "ucb1 or sliding-window-ucb"),
      [](const AgentContext& ctx, const C& p) {
        C c = p;
        if (c.h == 0.0 || c.alpha == 0.0) {
          const double t =
              static_cast<double>(resolve_horizon(p.horizon, ctx.spec, "policy 'cusum-ucb'"));
          const double u = static_cast<double>(c.upsilon);
          if (!(t > u))
            throw Error(
                "policy 'cusum-ucb': the default h = ln(T / upsilon) and alpha need the "
                "horizon T > upsilon (T = " +
                std::to_string(t) + ", upsilon = " + std::to_string(c.upsilon) +
                "); set h and alpha, or a smaller upsilon");
          if (c.h == 0.0) c.h = std::log(t / u);
          if (c.alpha == 0.0) c.alpha = std::min(1.0, std::sqrt(u / t * std::log(t / u)));
        }
        return std::make_unique<CusumUcb>(ctx.spec.action_space.n(), c, ctx.seed,
                                          ctx.spec.action_space.start());
      }));
}

}  // namespace
RLSIM_REGISTER(register_cusum_ucb)

}  // namespace rlsim

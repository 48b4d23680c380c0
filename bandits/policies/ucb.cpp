#include "bandits/policies/ucb.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include <boost/math/special_functions/beta.hpp>

#include "core/error.hpp"
#include "core/registry.hpp"

namespace rlsim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Boost.Math without promotion of double to long double: same results on every platform
// with 64-bit doubles and several times faster; accuracy stays near machine precision.
using FastMath = boost::math::policies::policy<boost::math::policies::promote_double<false>>;

inline double ln(std::int64_t t) {
  return std::log(static_cast<double>(t));
}

// KL-UCB's divergence for an env: "auto" picks Bernoulli for rewards in [0, 1] and Gaussian
// otherwise; an explicit family must match the env's reward support (Garivier & Cappé 2011
// assume rewards in the family's support: [0, 1] for Bernoulli, [0, inf) for Poisson and
// exponential).
KlFamily resolve_kl_family(const std::string& name, const EnvSpec& spec) {
  const bool unit = spec.reward_min >= 0.0 && spec.reward_max <= 1.0;
  if (name == "auto") return unit ? KlFamily::Bernoulli : KlFamily::Gaussian;
  const KlFamily f = parse_kl_family(name);
  const std::string alt = ": use divergence=gaussian or ucb1";
  if (f == KlFamily::Bernoulli && !unit)
    throw Error("kl-ucb (Bernoulli divergence) needs rewards in [0, 1]; " + spec.id + " has " +
                describe_reward_range(spec) + alt);
  if ((f == KlFamily::Poisson || f == KlFamily::Exponential) && !(spec.reward_min >= 0.0))
    throw Error("kl-ucb (" + name + " divergence) needs rewards >= 0; " + spec.id + " has " +
                describe_reward_range(spec) + alt);
  return f;
}

}  // namespace

// ---------------------------------------------------------------------------- UCB1

Ucb1::Ucb1(std::int64_t num_arms, std::int64_t first_action)
    : IndexPolicy("ucb1", num_arms, first_action),
      inverse_counts_(static_cast<std::size_t>(num_arms), 0.0),
      index_(static_cast<std::size_t>(num_arms), 0.0) {}

double Ucb1::index(std::int64_t arm) const {
  const std::int64_t n = count(arm);
  if (n == 0) return kInf;
  const double c = 2.0 * ln(t_);
  return means_[static_cast<std::size_t>(arm)] +
         std::sqrt(c * inverse_counts_[static_cast<std::size_t>(arm)]);
}

std::int64_t Ucb1::best_arm() {
  const double c = 2.0 * ln(t_);
  const double* m = means_.data();
  const double* inv = inverse_counts_.data();
  double* idx = index_.data();
  const std::int64_t k = num_arms();
  for (std::int64_t a = 0; a < k; ++a) idx[a] = m[a] + std::sqrt(c * inv[a]);
  return argmax_first(idx, k);
}

void Ucb1::learn(const Transition& transition) {
  if (evaluation()) return;
  const std::int64_t arm = arm_of(transition.action);
  record(arm, transition.reward);
  const auto a = static_cast<std::size_t>(arm);
  inverse_counts_[a] = 1.0 / static_cast<double>(counts_[a]);
}

void Ucb1::load_extra(const StateDict&) {
  for (std::size_t a = 0; a < counts_.size(); ++a)
    inverse_counts_[a] = counts_[a] > 0 ? 1.0 / static_cast<double>(counts_[a]) : 0.0;
}

// ---------------------------------------------------------------------------- UCB1-Tuned

Ucb1Tuned::Ucb1Tuned(std::int64_t num_arms, std::int64_t first_action)
    : IndexPolicy("ucb1-tuned", num_arms, first_action) {}

double Ucb1Tuned::index(std::int64_t arm) const {
  const std::int64_t n = count(arm);
  if (n == 0) return kInf;
  const auto a = static_cast<std::size_t>(arm);
  const double nd = static_cast<double>(n);
  const double lt = ln(t_);
  const double v = squares_[a] / nd - means_[a] * means_[a] + std::sqrt(2.0 * lt / nd);
  return means_[a] + std::sqrt(lt / nd * std::min(0.25, v));
}

// ---------------------------------------------------------------------------- UCB-V

UcbV::UcbV(std::int64_t num_arms, const UcbVConfig& config, std::int64_t first_action)
    : IndexPolicy("ucb-v", num_arms, first_action), config_(config) {
  if (!(config.zeta > 0.0) || !(config.c >= 0.0) || !(config.b > 0.0))
    throw Error("policy 'ucb-v': need zeta > 0, c >= 0 and b > 0 (got zeta = " +
                std::to_string(config.zeta) + ", c = " + std::to_string(config.c) +
                ", b = " + std::to_string(config.b) + ")");
}

double UcbV::index(std::int64_t arm) const {
  const std::int64_t n = count(arm);
  if (n == 0) return kInf;
  const auto a = static_cast<std::size_t>(arm);
  const double nd = static_cast<double>(n);
  const double eps = config_.zeta * ln(t_);
  // Empirical variance (1/N) Σ (X − μ̂)²; max with 0 only absorbs rounding.
  const double var = std::max(0.0, squares_[a] / nd - means_[a] * means_[a]);
  return means_[a] + std::sqrt(2.0 * var * eps / nd) + config_.c * 3.0 * config_.b * eps / nd;
}

// ---------------------------------------------------------------------------- MOSS

Moss::Moss(std::int64_t num_arms, std::int64_t horizon, std::int64_t first_action)
    : IndexPolicy("moss", num_arms, first_action),
      horizon_over_k_(static_cast<double>(horizon) / static_cast<double>(num_arms)) {
  if (horizon < 1)
    throw Error("policy 'moss': horizon = " + std::to_string(horizon) + " is invalid: need T >= 1");
}

double Moss::index(std::int64_t arm) const {
  const std::int64_t n = count(arm);
  if (n == 0) return kInf;
  const double nd = static_cast<double>(n);
  return means_[static_cast<std::size_t>(arm)] +
         std::sqrt(std::max(std::log(horizon_over_k_ / nd), 0.0) / nd);
}

// ---------------------------------------------------------------------------- KL-UCB

KlUcb::KlUcb(std::int64_t num_arms, const KlUcbConfig& config, std::int64_t first_action)
    : IndexPolicy("kl-ucb", num_arms, first_action), config_(config) {
  for (std::int64_t a = 0; a < num_arms; ++a) order_.push_back(a);
  if (!(config.c >= 0.0))
    throw Error("policy 'kl-ucb': c = " + std::to_string(config.c) + " is invalid: need c >= 0");
  if (!(config.sigma > 0.0))
    throw Error("policy 'kl-ucb': sigma = " + std::to_string(config.sigma) +
                " is invalid: need sigma > 0");
}

double KlUcb::exploration() const {
  const double lt = ln(t_);
  if (config_.c == 0.0 || lt <= 1.0) return lt;
  return lt + config_.c * std::log(lt);
}

double KlUcb::index(std::int64_t arm) const {
  const std::int64_t n = count(arm);
  if (n == 0) return kInf;
  return kl_upper_bound(config_.divergence, means_[static_cast<std::size_t>(arm)],
                        exploration() / static_cast<double>(n), config_.sigma);
}

std::int64_t KlUcb::best_arm() {
  const double rhs = exploration();
  const std::int64_t k = num_arms();
  // Visit the arms by decreasing empirical mean (lowest index first among equal means): the
  // first root is then usually the winner's, and the cheap test below skips most others.
  // One learn() moves one mean, so an insertion pass restores the order in O(K).
  std::int64_t* order = order_.data();
  const double* mean = means_.data();
  for (std::int64_t j = 1; j < k; ++j) {
    const std::int64_t a = order[j];
    std::int64_t i = j;
    for (; i > 0; --i) {
      const std::int64_t b = order[i - 1];
      if (mean[b] > mean[a] || (mean[b] == mean[a] && b < a)) break;
      order[i] = b;
    }
    order[i] = a;
  }
  std::int64_t best = -1;
  double best_value = -kInf;
  for (std::int64_t j = 0; j < k; ++j) {
    const std::int64_t a = order[j];
    const auto i = static_cast<std::size_t>(a);
    const double p = mean[i];
    const double n = static_cast<double>(counts_[i]);
    // index(a) < best_value ⇐ N d(p, best_value) > rhs when p < best_value: one divergence
    // instead of a root for arms that cannot win. The relative margin 1e-9 keeps the skip
    // exact for the computed roots (solved to ~1e-15), so the choice is the unpruned
    // argmax, ties included; an infinite divergence (best_value at the end of the support)
    // skips only arms that would lose a tie anyway.
    if (best >= 0 && p < best_value) {
      const double dv = n * kl_divergence(config_.divergence, p, best_value, config_.sigma);
      if (std::isinf(dv) ? a > best : dv > rhs * (1.0 + 1e-9)) continue;
    }
    const double v = kl_upper_bound(config_.divergence, p, rhs / n, config_.sigma);
    if (v > best_value || (v == best_value && a < best)) {
      best_value = v;
      best = a;
    }
  }
  return best < 0 ? 0 : best;
}

void KlUcb::learn(const Transition& transition) {
  if (evaluation()) return;
  const double r = transition.reward;
  switch (config_.divergence) {
    case KlFamily::Bernoulli:
      require_reward_in(r, 0.0, 1.0);
      break;
    case KlFamily::Poisson:
    case KlFamily::Exponential:
      require_reward_in(r, 0.0, kInf);
      break;
    case KlFamily::Gaussian:
      require_reward_in(r, -kInf, kInf);
      break;
  }
  record(arm_of(transition.action), r);
}

// ---------------------------------------------------------------------------- Bayes-UCB

BayesUcb::BayesUcb(std::int64_t num_arms, const BayesUcbConfig& config, std::int64_t first_action)
    : BanditPolicy("bayes-ucb", num_arms, first_action) {
  if (!(config.c >= 0.0))
    throw Error("policy 'bayes-ucb': c = " + std::to_string(config.c) + " is invalid: need c >= 0");
  if (config.c > 0.0) {
    if (config.horizon < 2)
      throw Error("policy 'bayes-ucb': c > 0 needs the horizon T >= 2 (got " +
                  std::to_string(config.horizon) + ")");
    log_horizon_power_ = std::pow(std::log(static_cast<double>(config.horizon)), config.c);
  }
}

double BayesUcb::tail_level() const {
  return 1.0 / (static_cast<double>(t_ + 1) * log_horizon_power_);
}

double BayesUcb::index(std::int64_t arm) const {
  const auto a = static_cast<std::size_t>(arm);
  const double delta = tail_level();
  if (delta >= 1.0) return 0.0;
  const double s = sums_[a];
  const double n = static_cast<double>(count(arm));
  return boost::math::ibetac_inv(1.0 + s, 1.0 + n - s, delta, FastMath());
}

void BayesUcb::act(const Value&, Value& action, Decision& decision) {
  if (evaluation()) return act_greedy(action, decision);
  const double delta = tail_level();
  const std::int64_t k = num_arms();
  if (delta >= 1.0) return emit(0, action, decision, 1.0);  // every index is 0 at round 1
  std::int64_t best = -1;
  double best_value = -kInf;
  for (std::int64_t a = 0; a < k; ++a) {
    const auto i = static_cast<std::size_t>(a);
    const double alpha = 1.0 + sums_[i];
    const double beta = 1.0 + static_cast<double>(counts_[i]) - sums_[i];
    // index(a) > best_value ⇔ P(θ > best_value) > delta under the posterior.
    if (best >= 0) {
      if (best_value >= 1.0) continue;
      if (best_value > 0.0 && boost::math::ibetac(alpha, beta, best_value, FastMath()) <= delta)
        continue;
    }
    const double v = boost::math::ibetac_inv(alpha, beta, delta, FastMath());
    if (v > best_value) {
      best_value = v;
      best = a;
    }
  }
  emit(best, action, decision, 1.0);
}

void BayesUcb::learn(const Transition& transition) {
  if (evaluation()) return;
  require_reward_in(transition.reward, 0.0, 1.0);
  record(arm_of(transition.action), transition.reward);
}

// ---------------------------------------------------------------------------- registration

namespace {

// ucb-v's parameters: UcbVConfig's, except that b = 0 stands for the env's reward range.
struct UcbVParams : BanditParams<UcbVConfig> {
  UcbVParams() { b = 0.0; }
};

struct MossParams : BanditPolicyConfig {
  std::int64_t horizon = 0;  // T; 0: the env's time limit
};

// kl-ucb's parameters: KlUcbConfig's, with the divergence chosen by name ("auto": by the
// env's reward range, resolve_kl_family).
struct KlUcbParams : BanditParams<KlUcbConfig> {
  std::string divergence_name = "auto";
};

using BayesUcbParams = BanditParams<BayesUcbConfig>;

std::int64_t arms(const AgentContext& ctx) {
  return ctx.spec.action_space.n();
}
std::int64_t first(const AgentContext& ctx) {
  return ctx.spec.action_space.start();
}

// UCB-V's Bernstein bound needs bounded rewards (Audibert, Munos & Szepesvari 2009, rewards
// in [0, b]); its index is invariant to a shift, so an interval of length b does.
std::optional<std::string> check_ucb_v(const EnvSpec& spec, const Env& env) {
  if (auto why = check_non_contextual(spec, env)) return why;
  if (std::isinf(spec.reward_min) || std::isinf(spec.reward_max))
    return "ucb-v (empirical Bernstein bound) needs bounded rewards; " + spec.id + " has " +
           describe_reward_range(spec) + ": use ucb1 or gaussian-thompson";
  return std::nullopt;
}

void register_index_policies(Registry& registry) {
  registry.add_agent(bandit_policy_entry(
      "ucb1", "UCB1, index mean + sqrt(2 ln t / N) (Auer, Cesa-Bianchi & Fischer 2002)",
      ConfigSchema<BanditPolicyConfig>(), check_non_contextual,
      [](const AgentContext& ctx, const BanditPolicyConfig&) {
        return std::make_unique<Ucb1>(arms(ctx), first(ctx));
      }));
  registry.add_agent(bandit_policy_entry(
      "ucb1-tuned", "UCB1-Tuned, variance-aware UCB1 (Auer, Cesa-Bianchi & Fischer 2002, sec. 4)",
      ConfigSchema<BanditPolicyConfig>(),
      check_non_contextual_in(0.0, 1.0,
                              "ucb1-tuned (its variance bound 1/4 assumes rewards in [0, 1])",
                              "ucb1 or ucb-v"),
      [](const AgentContext& ctx, const BanditPolicyConfig&) {
        return std::make_unique<Ucb1Tuned>(arms(ctx), first(ctx));
      }));
  registry.add_agent(bandit_policy_entry(
      "ucb-v", "UCB-V, empirical-Bernstein index (Audibert, Munos & Szepesvari 2009)",
      ConfigSchema<UcbVParams>()
          .field("zeta", &UcbVParams::zeta, "exploration function epsilon_t = zeta ln t",
                 at_least(0), source("Audibert, Munos & Szepesvari 2009"))
          .field("c", &UcbVParams::c, "weight of the range term c 3 b epsilon / N", at_least(0),
                 source("Audibert, Munos & Szepesvari 2009"))
          .field("b", &UcbVParams::b,
                 "range of the rewards, which lie in an interval of length b (0: the env's "
                 "reward_max - reward_min)",
                 at_least(0)),
      check_ucb_v, [](const AgentContext& ctx, const UcbVParams& p) {
        UcbVConfig c = p;
        const double range = ctx.spec.reward_max - ctx.spec.reward_min;
        if (!(p.b > 0.0)) c.b = range;
        if (c.b < range)
          throw Error("policy 'ucb-v': b = " + std::to_string(c.b) + " is smaller than the range " +
                      std::to_string(range) + " of the rewards of " + ctx.spec.id + " (" +
                      describe_reward_range(ctx.spec) + "): set b >= " + std::to_string(range) +
                      " or b = 0");
        if (!(c.b > 0.0))
          throw Error("policy 'ucb-v': " + ctx.spec.id +
                      " has a single possible reward value; set b > 0 explicitly");
        return std::make_unique<UcbV>(arms(ctx), c, first(ctx));
      }));
  registry.add_agent(bandit_policy_entry(
      "moss", "MOSS, minimax-optimal index with the horizon (Audibert & Bubeck 2009)",
      ConfigSchema<MossParams>().field("horizon", &MossParams::horizon,
                                       "horizon T (0: the env's time limit)", range(0, 1e15)),
      check_non_contextual, [](const AgentContext& ctx, const MossParams& p) {
        const std::int64_t t = resolve_horizon(p.horizon, ctx.spec, "policy 'moss'");
        return std::make_unique<Moss>(arms(ctx), t, first(ctx));
      }));
  registry.add_agent(bandit_policy_entry(
      "kl-ucb", "KL-UCB, index max{q : N d(mean, q) <= ln t + c ln ln t} (Garivier & Cappe 2011)",
      ConfigSchema<KlUcbParams>()
          .field("divergence", &KlUcbParams::divergence_name,
                 "divergence d of the reward family (auto: bernoulli when the env's rewards "
                 "lie in [0, 1], else gaussian)",
                 choices({"auto", "bernoulli", "gaussian", "poisson", "exponential"}))
          .field("c", &KlUcbParams::c, "weight of ln ln t in the exploration function", at_least(0),
                 source("Garivier & Cappe 2011 experiments"))
          .field("sigma", &KlUcbParams::sigma,
                 "known reward standard deviation (gaussian divergence)", at_least(0)),
      check_non_contextual, [](const AgentContext& ctx, const KlUcbParams& p) {
        KlUcbConfig c = p;
        c.divergence = resolve_kl_family(p.divergence_name, ctx.spec);
        return std::make_unique<KlUcb>(arms(ctx), c, first(ctx));
      }));
  registry.add_agent(bandit_policy_entry(
      "bayes-ucb",
      "Bayes-UCB, Beta posterior quantile 1 - 1/(t (ln T)^c) (Kaufmann, Cappe & Garivier 2012)",
      ConfigSchema<BayesUcbParams>()
          .field("c", &BayesUcbParams::c, "quantile exponent c", at_least(0),
                 source("Kaufmann, Cappe & Garivier 2012 experiments"))
          .field("horizon", &BayesUcbParams::horizon,
                 "horizon T, used when c > 0 (0: the env's time limit)", range(0, 1e15)),
      check_non_contextual_in(0.0, 1.0, "bayes-ucb (Beta posterior of Bernoulli rewards)",
                              "ucb1 or gaussian-thompson"),
      [](const AgentContext& ctx, const BayesUcbParams& p) {
        BayesUcbConfig c = p;
        if (c.c > 0.0) c.horizon = resolve_horizon(p.horizon, ctx.spec, "policy 'bayes-ucb'");
        return std::make_unique<BayesUcb>(arms(ctx), c, first(ctx));
      }));
}

}  // namespace
RLSIM_REGISTER(register_index_policies)

}  // namespace rlsim

#include "bandits/policies/preference.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "bandits/policies/state_io.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"

namespace rlsim {

void softmax_into(const double* x, std::int64_t n, double temperature, double* p) {
  double top = x[0];
  for (std::int64_t i = 1; i < n; ++i) top = std::max(top, x[i]);
  double total = 0.0;
  if (temperature == 1.0) {
    // y / 1 is exactly y: the same numbers without a division per arm (EXP3 and the
    // gradient bandits call this every pull with temperature 1).
    for (std::int64_t i = 0; i < n; ++i) {
      p[i] = std::exp(x[i] - top);
      total += p[i];
    }
  } else {
    for (std::int64_t i = 0; i < n; ++i) {
      p[i] = std::exp((x[i] - top) / temperature);
      total += p[i];
    }
  }
  const double inv = 1.0 / total;
  for (std::int64_t i = 0; i < n; ++i) p[i] *= inv;
}

namespace {
void require_positive(const std::string& who, const std::string& name, double x) {
  if (!(x > 0.0) || !std::isfinite(x))
    throw Error("policy '" + who + "': " + name + " = " + std::to_string(x) +
                " is invalid: need a finite " + name + " > 0");
}
}  // namespace

// ---------------------------------------------------------------------------- softmax

SoftmaxPolicy::SoftmaxPolicy(std::int64_t num_arms, const SoftmaxConfig& config, std::uint64_t seed,
                             std::int64_t first_action)
    : BanditPolicy("softmax", num_arms, first_action),
      config_(config),
      rng_(seed),
      q_(static_cast<std::size_t>(num_arms)),
      p_(static_cast<std::size_t>(num_arms)) {
  require_positive(name(), "tau", config.tau);
}

double SoftmaxPolicy::temperature() const {
  if (!config_.decay) return config_.tau;
  return config_.tau / std::log(static_cast<double>(t_) + 2.0);
}

const std::vector<double>& SoftmaxPolicy::probabilities() {
  const std::int64_t k = num_arms();
  for (std::int64_t a = 0; a < k; ++a) {
    const auto i = static_cast<std::size_t>(a);
    q_[i] = counts_[i] > 0 ? means_[i] : config_.initial_value;
  }
  softmax_into(q_.data(), k, temperature(), p_.data());
  return p_;
}

void SoftmaxPolicy::action_probabilities(const Value& obs, std::span<double> out) {
  if (evaluation()) return BanditPolicy::action_probabilities(obs, out);
  check_distribution_size(out, name());
  probabilities();
  std::copy(p_.begin(), p_.end(), out.begin());
}

void SoftmaxPolicy::act(const Value&, Value& action, Decision& decision) {
  if (evaluation()) return act_greedy(action, decision);
  probabilities();
  const std::int64_t arm = sample_index(p_.data(), num_arms(), rng_.uniform());
  emit(arm, action, decision, p_[static_cast<std::size_t>(arm)]);
}

// ---------------------------------------------------------------------------- gradient bandit

GradientBandit::GradientBandit(std::int64_t num_arms, const GradientBanditConfig& config,
                               std::uint64_t seed, std::int64_t first_action)
    : BanditPolicy("gradient-bandit", num_arms, first_action),
      config_(config),
      rng_(seed),
      h_(static_cast<std::size_t>(num_arms), 0.0),
      p_(static_cast<std::size_t>(num_arms), 1.0 / static_cast<double>(num_arms)) {
  require_positive(name(), "alpha", config.alpha);
}

void GradientBandit::action_probabilities(const Value& obs, std::span<double> out) {
  if (evaluation()) return BanditPolicy::action_probabilities(obs, out);
  check_distribution_size(out, name());

  std::copy(p_.begin(), p_.end(), out.begin());
}

void GradientBandit::act(const Value&, Value& action, Decision& decision) {
  if (evaluation()) return act_greedy(action, decision);
  const std::int64_t arm = sample_index(p_.data(), num_arms(), rng_.uniform());
  emit(arm, action, decision, p_[static_cast<std::size_t>(arm)]);
}

void GradientBandit::learn(const Transition& transition) {
  if (evaluation()) return;
  const std::int64_t arm = arm_of(transition.action);
  const double r = transition.reward;
  double used = 0.0;
  if (config_.baseline) {
    used = t_ == 0 ? r : baseline_;
    baseline_ = t_ == 0 ? r : baseline_ + (r - baseline_) / static_cast<double>(t_ + 1);
  }
  const double step = config_.alpha * (r - used);
  const std::int64_t k = num_arms();
  for (std::int64_t a = 0; a < k; ++a) {
    const auto i = static_cast<std::size_t>(a);
    h_[i] += a == arm ? step * (1.0 - p_[i]) : -step * p_[i];
  }
  softmax_into(h_.data(), k, 1.0, p_.data());
  record(arm, r);
}

void GradientBandit::save_extra(StateDict& out) const {
  put_array(out, "preferences", h_);
  put_scalar(out, "baseline", baseline_);
}

void GradientBandit::load_extra(const StateDict& in) {
  get_array(in, "preferences", h_, h_.size(), name());
  baseline_ = get_scalar(in, "baseline", name());
  softmax_into(h_.data(), num_arms(), 1.0, p_.data());
}

// ---------------------------------------------------------------------------- pursuit

Pursuit::Pursuit(std::int64_t num_arms, double beta, std::uint64_t seed, std::int64_t first_action)
    : BanditPolicy("pursuit", num_arms, first_action),
      beta_(beta),
      rng_(seed),
      p_(static_cast<std::size_t>(num_arms), 1.0 / static_cast<double>(num_arms)) {
  if (!(beta > 0.0 && beta <= 1.0))
    throw Error("policy 'pursuit': beta = " + std::to_string(beta) +
                " is invalid: need 0 < beta <= 1");
}

void Pursuit::action_probabilities(const Value& obs, std::span<double> out) {
  if (evaluation()) return BanditPolicy::action_probabilities(obs, out);
  check_distribution_size(out, name());

  std::copy(p_.begin(), p_.end(), out.begin());
}

void Pursuit::act(const Value&, Value& action, Decision& decision) {
  if (evaluation()) return act_greedy(action, decision);
  const std::int64_t arm = sample_index(p_.data(), num_arms(), rng_.uniform());
  emit(arm, action, decision, p_[static_cast<std::size_t>(arm)]);
}

void Pursuit::learn(const Transition& transition) {
  if (evaluation()) return;
  record(arm_of(transition.action), transition.reward);
  const std::int64_t k = num_arms();
  const std::int64_t greedy = argmax_first(means_.data(), k);
  for (std::int64_t a = 0; a < k; ++a) {
    const auto i = static_cast<std::size_t>(a);
    p_[i] += beta_ * ((a == greedy ? 1.0 : 0.0) - p_[i]);
  }
}

void Pursuit::save_extra(StateDict& out) const {
  put_array(out, "probabilities", p_);
}

void Pursuit::load_extra(const StateDict& in) {
  get_array(in, "probabilities", p_, p_.size(), name());
}

// ---------------------------------------------------------------------------- reinforcement
// comparison

ReinforcementComparison::ReinforcementComparison(std::int64_t num_arms,
                                                 const ReinforcementComparisonConfig& config,
                                                 std::uint64_t seed, std::int64_t first_action)
    : BanditPolicy("reinforcement-comparison", num_arms, first_action),
      config_(config),
      rng_(seed),
      h_(static_cast<std::size_t>(num_arms), 0.0),
      p_(static_cast<std::size_t>(num_arms), 1.0 / static_cast<double>(num_arms)),
      reference_(config.initial_reference) {
  require_positive(name(), "alpha", config.alpha);
  require_positive(name(), "beta", config.beta);
}

void ReinforcementComparison::action_probabilities(const Value& obs, std::span<double> out) {
  if (evaluation()) return BanditPolicy::action_probabilities(obs, out);
  check_distribution_size(out, name());

  std::copy(p_.begin(), p_.end(), out.begin());
}

void ReinforcementComparison::act(const Value&, Value& action, Decision& decision) {
  if (evaluation()) return act_greedy(action, decision);
  const std::int64_t arm = sample_index(p_.data(), num_arms(), rng_.uniform());
  emit(arm, action, decision, p_[static_cast<std::size_t>(arm)]);
}

void ReinforcementComparison::learn(const Transition& transition) {
  if (evaluation()) return;
  const std::int64_t arm = arm_of(transition.action);
  const double r = transition.reward;
  h_[static_cast<std::size_t>(arm)] += config_.beta * (r - reference_);
  reference_ += config_.alpha * (r - reference_);
  softmax_into(h_.data(), num_arms(), 1.0, p_.data());
  record(arm, r);
}

void ReinforcementComparison::save_extra(StateDict& out) const {
  put_array(out, "preferences", h_);
  put_scalar(out, "reference", reference_);
}

void ReinforcementComparison::load_extra(const StateDict& in) {
  get_array(in, "preferences", h_, h_.size(), name());
  reference_ = get_scalar(in, "reference", name());
  softmax_into(h_.data(), num_arms(), 1.0, p_.data());
}

// ---------------------------------------------------------------------------- registration

namespace {

struct PursuitParams : BanditPolicyConfig {
  double beta = 0.01;  // pursuit rate
};

void register_preference_policies(Registry& registry) {
  using S = BanditParams<SoftmaxConfig>;
  registry.add_agent(bandit_policy_entry(
      "softmax",
      "softmax/Boltzmann exploration on sample averages, fixed or log-decaying temperature "
      "(Sutton & Barto 2018 2.8; Kuleshov & Precup 2014)",
      ConfigSchema<S>()
          .field("tau", &S::tau, "temperature (> 0)", at_least(0))
          .field("decay", &S::decay, "decay the temperature as tau / ln(t + 2)")
          .field("initial_value", &S::initial_value, "value estimate of an arm never pulled"),
      check_non_contextual, [](const AgentContext& ctx, const S& c) {
        return std::make_unique<SoftmaxPolicy>(ctx.spec.action_space.n(), c, ctx.seed,
                                               ctx.spec.action_space.start());
      }));
  using G = BanditParams<GradientBanditConfig>;
  registry.add_agent(bandit_policy_entry(
      "gradient-bandit",
      "gradient bandit, softmax preferences with average-reward baseline (Sutton & Barto "
      "2018, 2.8)",
      ConfigSchema<G>()
          .field("alpha", &G::alpha, "step size (> 0)", at_least(0))
          .field("baseline", &G::baseline, "use the average reward as baseline"),
      check_non_contextual, [](const AgentContext& ctx, const G& c) {
        return std::make_unique<GradientBandit>(ctx.spec.action_space.n(), c, ctx.seed,
                                                ctx.spec.action_space.start());
      }));
  using P = PursuitParams;
  registry.add_agent(bandit_policy_entry(
      "pursuit", "pursuit method (Thathachar & Sastry 1985; Sutton & Barto 1998, 2.9)",
      ConfigSchema<P>().field("beta", &P::beta, "pursuit rate, 0 < beta <= 1", range(0, 1)),
      check_non_contextual, [](const AgentContext& ctx, const P& p) {
        return std::make_unique<Pursuit>(ctx.spec.action_space.n(), p.beta, ctx.seed,
                                         ctx.spec.action_space.start());
      }));
  using R = BanditParams<ReinforcementComparisonConfig>;
  registry.add_agent(bandit_policy_entry(
      "reinforcement-comparison", "reinforcement comparison (Sutton & Barto 1998, 2.8)",
      ConfigSchema<R>()
          .field("alpha", &R::alpha, "step size of the reference reward (> 0)", at_least(0))
          .field("beta", &R::beta, "step size of the preferences (> 0)", at_least(0))
          .field("initial_reference", &R::initial_reference, "initial reference reward"),
      check_non_contextual, [](const AgentContext& ctx, const R& c) {
        return std::make_unique<ReinforcementComparison>(ctx.spec.action_space.n(), c, ctx.seed,
                                                         ctx.spec.action_space.start());
      }));
}

}  // namespace
RLSIM_REGISTER(register_preference_policies)

}  // namespace rlsim

#include "bandits/policies/exp3.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "bandits/policies/preference.hpp"
#include "bandits/policies/state_io.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"

namespace rlsim {

namespace {

double log_k(std::int64_t k) {
  return std::log(static_cast<double>(k));
}

double require_horizon_for(const std::string& who, std::int64_t horizon) {
  if (horizon < 1)
    throw Error("policy '" + who + "': its default learning rate needs the horizon T >= 1 (got " +
                std::to_string(horizon) + "); set eta or the horizon");
  return static_cast<double>(horizon);
}

double exp3_eta(std::int64_t k, const Exp3Config& c) {
  if (c.eta > 0.0) return c.eta;
  if (c.eta < 0.0) throw Error("policy 'exp3': eta must be >= 0 (0: the default)");
  const double t = require_horizon_for("exp3", c.horizon);
  return std::sqrt(2.0 * log_k(k) / (t * static_cast<double>(k)));
}

double exp3ix_eta(std::int64_t k, const Exp3IxConfig& c) {
  if (c.eta > 0.0) return c.eta;
  if (c.eta < 0.0) throw Error("policy 'exp3-ix': eta must be >= 0 (0: the default)");
  const double t = require_horizon_for("exp3-ix", c.horizon);
  return std::sqrt(2.0 * log_k(k) / (static_cast<double>(k) * t));
}

double exp3p_gamma(std::int64_t k, const Exp3PConfig& c) {
  if (c.gamma > 0.0) {
    if (c.gamma > 1.0) throw Error("policy 'exp3p': gamma must be in (0, 1]");
    return c.gamma;
  }
  const double t = require_horizon_for("exp3p", c.horizon);
  const double kd = static_cast<double>(k);
  return std::min(0.6, 2.0 * std::sqrt(0.6 * kd * log_k(k) / t));
}

const char* kUnboundedAlternative =
    "ucb1, gaussian-thompson or kl-ucb divergence=gaussian for stochastic rewards, or rescale "
    "the rewards into [0, 1]";

}  // namespace

// ---------------------------------------------------------------------------- shared

ExponentialWeights::ExponentialWeights(std::string name, std::int64_t num_arms, double mix,
                                       std::uint64_t seed, std::int64_t first_action)
    : BanditPolicy(std::move(name), num_arms, first_action),
      score_(static_cast<std::size_t>(num_arms), 0.0),
      p_(static_cast<std::size_t>(num_arms), 0.0),
      mix_(mix),
      rng_(seed) {
  if (!(mix >= 0.0 && mix <= 1.0))
    throw Error("policy '" + this->name() + "': gamma = " + std::to_string(mix) +
                " is outside [0, 1]");
}

const std::vector<double>& ExponentialWeights::probabilities() {
  if (fresh_) return p_;
  const std::int64_t k = num_arms();
  softmax_into(score_.data(), k, 1.0, p_.data());
  if (mix_ > 0.0) {
    const double uniform = mix_ / static_cast<double>(k);
    for (double& p : p_) p = (1.0 - mix_) * p + uniform;
  }
  fresh_ = true;
  return p_;
}

void ExponentialWeights::action_probabilities(const Value& obs, std::span<double> out) {
  if (evaluation()) return BanditPolicy::action_probabilities(obs, out);
  check_distribution_size(out, name());
  probabilities();
  std::copy(p_.begin(), p_.end(), out.begin());
}

void ExponentialWeights::act(const Value&, Value& action, Decision& decision) {
  if (evaluation()) return act_greedy(action, decision);
  probabilities();
  const std::int64_t arm = sample_index(p_.data(), num_arms(), rng_.uniform());
  emit(arm, action, decision, p_[static_cast<std::size_t>(arm)]);
}

void ExponentialWeights::learn(const Transition& transition) {
  if (evaluation()) return;
  const std::int64_t arm = arm_of(transition.action);
  const double x = transition.reward;
  require_reward_in(x, 0.0, 1.0);
  probabilities();  // the distribution the arm was drawn from
  update(arm, x);
  fresh_ = false;
  record(arm, x);
}

void ExponentialWeights::save_extra(StateDict& out) const {
  put_array(out, "scores", score_);
}

void ExponentialWeights::load_extra(const StateDict& in) {
  get_array(in, "scores", score_, score_.size(), name());
  fresh_ = false;
}

// ---------------------------------------------------------------------------- EXP3

Exp3::Exp3(std::int64_t num_arms, const Exp3Config& config, std::uint64_t seed,
           std::int64_t first_action)
    : ExponentialWeights("exp3", num_arms, config.gamma, seed, first_action),
      eta_(exp3_eta(num_arms, config)) {}

std::vector<double> Exp3::estimated_losses() const {
  std::vector<double> out(score_.size());
  for (std::size_t a = 0; a < out.size(); ++a) out[a] = -score_[a] / eta_;
  return out;
}

void Exp3::update(std::int64_t arm, double x) {
  const auto a = static_cast<std::size_t>(arm);
  score_[a] -= eta_ * (1.0 - x) / p_[a];
}

// ---------------------------------------------------------------------------- EXP3-IX

Exp3Ix::Exp3Ix(std::int64_t num_arms, const Exp3IxConfig& config, std::uint64_t seed,
               std::int64_t first_action)
    : ExponentialWeights("exp3-ix", num_arms, 0.0, seed, first_action),
      eta_(exp3ix_eta(num_arms, config)),
      gamma_(config.gamma < 0.0 ? 0.5 * eta_ : config.gamma) {}

void Exp3Ix::update(std::int64_t arm, double x) {
  const auto a = static_cast<std::size_t>(arm);
  score_[a] -= eta_ * (1.0 - x) / (p_[a] + gamma_);
}

// ---------------------------------------------------------------------------- EXP3.P

Exp3P::Exp3P(std::int64_t num_arms, const Exp3PConfig& config, std::uint64_t seed,
             std::int64_t first_action)
    : ExponentialWeights("exp3p", num_arms, exp3p_gamma(num_arms, config), seed, first_action) {
  const double t = require_horizon_for("exp3p", config.horizon);
  const double kd = static_cast<double>(num_arms);
  if (config.alpha > 0.0) {
    alpha_ = config.alpha;
  } else {
    if (!(config.delta > 0.0 && config.delta < 1.0))
      throw Error("policy 'exp3p': delta = " + std::to_string(config.delta) + " is outside (0, 1)");
    alpha_ = 2.0 * std::sqrt(std::log(kd * t / config.delta));
  }
  gamma_ = gamma_mix();
  bonus_scale_ = alpha_ / std::sqrt(kd * t);
}

void Exp3P::update(std::int64_t arm, double x) {
  const std::int64_t k = num_arms();
  const double rate = gamma_ / (3.0 * static_cast<double>(k));
  for (std::int64_t j = 0; j < k; ++j) {
    const auto i = static_cast<std::size_t>(j);
    const double xhat = j == arm ? x / p_[i] : 0.0;
    score_[i] += rate * (xhat + bonus_scale_ / p_[i]);
  }
}

// ---------------------------------------------------------------------------- registration

namespace {

void register_exp3_policies(Registry& registry) {
  using E = BanditParams<Exp3Config>;
  registry.add_agent(bandit_policy_entry(
      "exp3",
      "EXP3 with the loss-based importance-weighted estimator (Auer et al. 2002; Lattimore & "
      "Szepesvari 2020, 11.3)",
      ConfigSchema<E>()
          .field("eta", &E::eta, "learning rate (0: sqrt(2 ln K / (T K)))", at_least(0))
          .field("gamma", &E::gamma, "uniform exploration mixed into the weights", range(0, 1))
          .field("horizon", &E::horizon, "horizon T for the default eta (0: the env's time limit)",
                 range(0, 1e15)),
      check_non_contextual_in(0.0, 1.0, "exp3 (rewards in [0, 1] in its analysis)",
                              kUnboundedAlternative),
      [](const AgentContext& ctx, const E& p) {
        Exp3Config c = p;
        if (c.eta == 0.0) c.horizon = resolve_horizon(p.horizon, ctx.spec, "policy 'exp3'");
        return std::make_unique<Exp3>(ctx.spec.action_space.n(), c, ctx.seed,
                                      ctx.spec.action_space.start());
      }));
  using X = BanditParams<Exp3IxConfig>;
  registry.add_agent(bandit_policy_entry(
      "exp3-ix", "EXP3-IX, implicit exploration (Neu 2015)",
      ConfigSchema<X>()
          .field("eta", &X::eta, "learning rate (0: sqrt(2 ln K / (K T)))", at_least(0))
          .field("gamma", &X::gamma, "implicit exploration (< 0: eta / 2)")
          .field("horizon", &X::horizon, "horizon T for the default eta (0: the env's time limit)",
                 range(0, 1e15)),
      check_non_contextual_in(0.0, 1.0, "exp3-ix (rewards in [0, 1] in its analysis)",
                              kUnboundedAlternative),
      [](const AgentContext& ctx, const X& p) {
        Exp3IxConfig c = p;
        if (c.eta == 0.0) c.horizon = resolve_horizon(p.horizon, ctx.spec, "policy 'exp3-ix'");
        return std::make_unique<Exp3Ix>(ctx.spec.action_space.n(), c, ctx.seed,
                                        ctx.spec.action_space.start());
      }));
  using P = BanditParams<Exp3PConfig>;
  registry.add_agent(bandit_policy_entry(
      "exp3p", "EXP3.P, high-probability regret (Auer et al. 2002, Fig. 4, Thm 6.3)",
      ConfigSchema<P>()
          .field("delta", &P::delta, "confidence level of the default alpha", range(0, 1))
          .field("alpha", &P::alpha, "bonus weight (0: 2 sqrt(ln(K T / delta)))", at_least(0))
          .field("gamma", &P::gamma, "exploration (0: min(3/5, 2 sqrt(3/5 K ln K / T)))",
                 range(0, 1))
          .field("horizon", &P::horizon, "horizon T (0: the env's time limit)", range(0, 1e15)),
      check_non_contextual_in(0.0, 1.0, "exp3p (rewards in [0, 1] in its analysis)",
                              kUnboundedAlternative),
      [](const AgentContext& ctx, const P& p) {
        Exp3PConfig c = p;
        c.horizon = resolve_horizon(p.horizon, ctx.spec, "policy 'exp3p'");
        return std::make_unique<Exp3P>(ctx.spec.action_space.n(), c, ctx.seed,
                                       ctx.spec.action_space.start());
      }));
}

}  // namespace
RLSIM_REGISTER(register_exp3_policies)

}  // namespace rlsim

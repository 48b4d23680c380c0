#include "bandits/policies/thompson.hpp"

#include <cmath>
#include <limits>
#include <memory>

#include "bandits/math/argmax_probability.hpp"
#include "bandits/policies/state_io.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"

namespace rlsim {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void emit_probability(Decision& decision, double p) {
  decision.probability = p;
  decision.log_prob = std::log(p);
}

}  // namespace

// ---------------------------------------------------------------------------- Beta–Bernoulli

BetaThompson::BetaThompson(std::int64_t num_arms, const BetaThompsonConfig& config,
                           std::uint64_t seed, std::int64_t first_action)
    : BanditPolicy(config.optimistic ? "optimistic-thompson" : "thompson", num_arms, first_action),
      config_(config),
      rng_(seed),
      successes_(static_cast<std::size_t>(num_arms), 0.0),
      failures_(static_cast<std::size_t>(num_arms), 0.0),
      alpha_(static_cast<std::size_t>(num_arms)),
      beta_(static_cast<std::size_t>(num_arms)),
      shape_a_(static_cast<std::size_t>(num_arms)),
      shape_b_(static_cast<std::size_t>(num_arms)) {
  if (!(config.prior_alpha > 0.0) || !(config.prior_beta > 0.0))
    throw Error("policy '" + name() + "': prior_alpha = " + std::to_string(config.prior_alpha) +
                " and prior_beta = " + std::to_string(config.prior_beta) + " must both be > 0");
  for (std::size_t a = 0; a < successes_.size(); ++a) refresh(a);
}

void BetaThompson::refresh(std::size_t arm) {
  alpha_[arm].set_shape(config_.prior_alpha + successes_[arm]);
  beta_[arm].set_shape(config_.prior_beta + failures_[arm]);
}

double BetaThompson::posterior_alpha(std::int64_t arm) const {
  count(arm);  // range check
  return alpha_[static_cast<std::size_t>(arm)].shape();
}

double BetaThompson::posterior_beta(std::int64_t arm) const {
  count(arm);
  return beta_[static_cast<std::size_t>(arm)].shape();
}

double BetaThompson::choice_probability(std::int64_t arm) const {
  count(arm);  // range check
  for (std::size_t a = 0; a < alpha_.size(); ++a) {
    shape_a_[a] = alpha_[a].shape();
    shape_b_[a] = beta_[a].shape();
  }
  return beta_argmax_probability(shape_a_, shape_b_, static_cast<std::size_t>(arm));
}

void BetaThompson::act(const Value&, Value& action, Decision& decision) {
  if (evaluation()) return act_greedy(action, decision);
  const std::int64_t k = num_arms();
  std::int64_t best = 0;
  double best_value = -1.0;
  for (std::int64_t a = 0; a < k; ++a) {
    const auto i = static_cast<std::size_t>(a);
    double theta = sample_beta(rng_, alpha_[i], beta_[i]);
    if (config_.optimistic) {
      const double mean = alpha_[i].shape() / (alpha_[i].shape() + beta_[i].shape());
      theta = std::max(theta, mean);
    }
    if (theta > best_value) {
      best_value = theta;
      best = a;
    }
  }
  emit(best, action, decision, 1.0);
  if (config_.propensity && !config_.optimistic) {
    emit_probability(decision, choice_probability(best));
  } else {
    decision.probability = kNaN;  // no closed form; log(NaN) is NaN, without a call per pull
    decision.log_prob = kNaN;
  }
}

void BetaThompson::learn(const Transition& transition) {
  if (evaluation()) return;
  const std::int64_t arm = arm_of(transition.action);
  const double r = transition.reward;
  require_reward_in(r, 0.0, 1.0);
  const bool success = r == 1.0 || (r != 0.0 && rng_.uniform() < r);
  const auto a = static_cast<std::size_t>(arm);
  (success ? successes_ : failures_)[a] += 1.0;
  refresh(a);
  record(arm, r);
}

void BetaThompson::save_extra(StateDict& out) const {
  put_array(out, "successes", successes_);
  put_array(out, "failures", failures_);
}

void BetaThompson::load_extra(const StateDict& in) {
  get_array(in, "successes", successes_, successes_.size(), name());
  get_array(in, "failures", failures_, failures_.size(), name());
  for (std::size_t a = 0; a < successes_.size(); ++a) refresh(a);
}

// ---------------------------------------------------------------------------- Gaussian

GaussianThompson::GaussianThompson(std::int64_t num_arms, const GaussianThompsonConfig& config,
                                   std::uint64_t seed, std::int64_t first_action)
    : BanditPolicy("gaussian-thompson", num_arms, first_action),
      config_(config),
      rng_(seed),
      mean_(static_cast<std::size_t>(num_arms), 0.0),
      sd_(static_cast<std::size_t>(num_arms), config.sigma) {
  if (!(config.sigma > 0.0) || !std::isfinite(config.sigma))
    throw Error("policy 'gaussian-thompson': sigma = " + std::to_string(config.sigma) +
                " is invalid: need a finite sigma > 0");
}

void GaussianThompson::refresh(std::size_t arm) {
  const double n1 = static_cast<double>(counts_[arm]) + 1.0;
  mean_[arm] = sums_[arm] / n1;
  sd_[arm] = config_.sigma / std::sqrt(n1);
}

double GaussianThompson::posterior_mean(std::int64_t arm) const {
  count(arm);
  return mean_[static_cast<std::size_t>(arm)];
}

double GaussianThompson::posterior_sd(std::int64_t arm) const {
  count(arm);
  return sd_[static_cast<std::size_t>(arm)];
}

double GaussianThompson::choice_probability(std::int64_t arm) const {
  count(arm);  // range check
  return normal_argmax_probability(mean_, sd_, static_cast<std::size_t>(arm));
}

void GaussianThompson::act(const Value&, Value& action, Decision& decision) {
  if (evaluation()) return act_greedy(action, decision);
  const std::int64_t k = num_arms();
  std::int64_t best = 0;
  double best_value = -std::numeric_limits<double>::infinity();
  for (std::int64_t a = 0; a < k; ++a) {
    const auto i = static_cast<std::size_t>(a);
    const double theta = mean_[i] + sd_[i] * rng_.normal();
    if (theta > best_value) {
      best_value = theta;
      best = a;
    }
  }
  emit(best, action, decision, 1.0);
  emit_probability(decision, config_.propensity ? choice_probability(best) : kNaN);
}

void GaussianThompson::learn(const Transition& transition) {
  if (evaluation()) return;
  const std::int64_t arm = arm_of(transition.action);
  require_reward_in(transition.reward, -std::numeric_limits<double>::infinity(),
                    std::numeric_limits<double>::infinity());
  record(arm, transition.reward);
  refresh(static_cast<std::size_t>(arm));
}

void GaussianThompson::load_extra(const StateDict&) {
  for (std::size_t a = 0; a < mean_.size(); ++a) refresh(a);
}

// ---------------------------------------------------------------------------- registration

namespace {

void register_thompson_policies(Registry& registry) {
  using B = BanditParams<BetaThompsonConfig>;
  const auto propensity_doc = "report the exact probability of the arm chosen (quadrature; slow)";
  registry.add_agent(bandit_policy_entry(
      "thompson",
      "Thompson sampling, Beta-Bernoulli with Bernoulli trials for [0,1] rewards (Thompson "
      "1933; Agrawal & Goyal 2012)",
      ConfigSchema<B>()
          .field("prior_alpha", &B::prior_alpha, "alpha of the Beta prior (> 0)", at_least(0))
          .field("prior_beta", &B::prior_beta, "beta of the Beta prior (> 0)", at_least(0))
          .field("propensity", &B::propensity, propensity_doc),
      check_non_contextual_in(0.0, 1.0, "thompson (Beta-Bernoulli posterior with Bernoulli trials)",
                              "gaussian-thompson"),
      [](const AgentContext& ctx, const B& c) {
        return std::make_unique<BetaThompson>(ctx.spec.action_space.n(), c, ctx.seed,
                                              ctx.spec.action_space.start());
      }));
  registry.add_agent(bandit_policy_entry(
      "optimistic-thompson",
      "optimistic Thompson sampling, max(sample, posterior mean) (Chapelle & Li 2011)",
      ConfigSchema<B>()
          .field("prior_alpha", &B::prior_alpha, "alpha of the Beta prior (> 0)", at_least(0))
          .field("prior_beta", &B::prior_beta, "beta of the Beta prior (> 0)", at_least(0)),
      check_non_contextual_in(0.0, 1.0, "optimistic-thompson (Beta-Bernoulli posterior)",
                              "gaussian-thompson"),
      [](const AgentContext& ctx, const B& p) {
        BetaThompsonConfig c = p;
        c.optimistic = true;
        return std::make_unique<BetaThompson>(ctx.spec.action_space.n(), c, ctx.seed,
                                              ctx.spec.action_space.start());
      }));
  using G = BanditParams<GaussianThompsonConfig>;
  registry.add_agent(bandit_policy_entry(
      "gaussian-thompson",
      "Thompson sampling with Gaussian posteriors N(mean, sigma^2/(N+1)) (Agrawal & Goyal 2013)",
      ConfigSchema<G>()
          .field("sigma", &G::sigma, "scale of the posterior (known reward noise)", at_least(0))
          .field("propensity", &G::propensity, propensity_doc),
      check_non_contextual, [](const AgentContext& ctx, const G& c) {
        return std::make_unique<GaussianThompson>(ctx.spec.action_space.n(), c, ctx.seed,
                                                  ctx.spec.action_space.start());
      }));
}

}  // namespace
RLSIM_REGISTER(register_thompson_policies)

}  // namespace rlsim

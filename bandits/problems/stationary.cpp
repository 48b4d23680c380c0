#include "bandits/problems/stationary.hpp"

#include <cmath>
#include <memory>
#include <sstream>

#include "core/error.hpp"
#include "core/registry.hpp"

namespace rlsim {

namespace {

std::int64_t arms_of(const std::string& id, const StationaryBanditConfig& c) {
  if (c.means_distribution == "fixed") {
    const auto k = static_cast<std::int64_t>(c.means.size());
    require_arms(id, "means", k);
    if (c.arms != 0 && c.arms != k)
      throw Error(id + ": arms = " + std::to_string(c.arms) + " disagrees with the " +
                  std::to_string(k) + " values of means; leave arms = 0 with fixed means");
    return k;
  }
  if (c.means_distribution == "uniform") {
    require_arms(id, "arms", c.arms);
    return c.arms;
  }
  throw Error(id + ": means_distribution = \"" + c.means_distribution +
              "\" is unknown: use \"fixed\" (the list means) or \"uniform\" (drawn per reset)");
}

void check_domain(const std::string& id, const StationaryBanditConfig& c, const MeanDomain& d) {
  if (c.means_distribution == "fixed") {
    require_values_in(id, "means", c.means, d.lo, d.hi, d.lo_open, d.hi_open, d.why);
    return;
  }
  if (!(c.means_low <= c.means_high))
    throw Error(id + ": means_low = " + std::to_string(c.means_low) + " > means_high = " +
                std::to_string(c.means_high) + ": need means_low <= means_high");
  require_values_in(id, "means_low", {c.means_low}, d.lo, d.hi, d.lo_open, d.hi_open, d.why);
  require_values_in(id, "means_high", {c.means_high}, d.lo, d.hi, d.lo_open, d.hi_open, d.why);
}

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

StationaryBandit::StationaryBandit(std::string id, const StationaryBanditConfig& config,
                                   MeanDomain domain)
    : BanditEnv(id, arms_of(id, config), config.horizon, Space::discrete(1)),
      drawn_(config.means_distribution == "uniform"),
      low_(config.means_low),
      high_(config.means_high) {
  check_domain(id, config, domain);
  if (!drawn_) {
    means_ = config.means;
    update_best();
  }
}

void StationaryBandit::do_reset(Value& obs) {
  obs.index = 0;
  if (!drawn_) return;
  for (double& m : means_) m = rng().uniform(low_, high_);
  update_best();
  on_means_changed();
}

BernoulliBandit::BernoulliBandit(const StationaryBanditConfig& config)
    : StationaryBandit(kId, config,
                       {0.0, 1.0, false, false, "a Bernoulli arm's mean is a probability"}) {
  set_reward_range(0.0, 1.0);
}

GaussianBandit::GaussianBandit(const GaussianBanditConfig& config)
    : StationaryBandit(kId, config,
                       {-kInf, kInf, true, true, "a Gaussian arm's mean must be finite"}) {
  set_reward_range(-kInf, kInf);
  const std::string& id = spec().id;
  if (config.sigmas.empty()) {
    if (!(config.sigma > 0.0) || !std::isfinite(config.sigma))
      throw Error(id + ": sigma = " + std::to_string(config.sigma) +
                  " is invalid: the reward standard deviation must be > 0 and finite");
    sigmas_.assign(static_cast<std::size_t>(num_arms()), config.sigma);
  } else {
    if (static_cast<std::int64_t>(config.sigmas.size()) != num_arms())
      throw Error(id + ": sigmas has " + std::to_string(config.sigmas.size()) +
                  " values for K = " + std::to_string(num_arms()) +
                  " arms: give one standard deviation per arm (or use sigma)");
    require_values_in(id, "sigmas", config.sigmas, 0.0, kInf, true, true,
                      "a reward standard deviation must be > 0 and finite");
    sigmas_ = config.sigmas;
  }
}

BetaBandit::BetaBandit(const BetaBanditConfig& config)
    : StationaryBandit(
          kId, config,
          {0.0, 1.0, true, true, "a Beta arm's mean must be strictly between 0 and 1"}),
      concentration_(config.concentration) {
  set_reward_range(0.0, 1.0);
  if (!(concentration_ > 0.0) || !std::isfinite(concentration_))
    throw Error(spec().id + ": concentration = " + std::to_string(concentration_) +
                " is invalid: kappa = alpha + beta must be > 0 and finite");
  alpha_.resize(static_cast<std::size_t>(num_arms()));
  beta_.resize(static_cast<std::size_t>(num_arms()));
  if (!means_drawn()) on_means_changed();
}

void BetaBandit::on_means_changed() {
  for (std::size_t a = 0; a < means_.size(); ++a) {
    alpha_[a].set_shape(concentration_ * means_[a]);
    beta_[a].set_shape(concentration_ * (1.0 - means_[a]));
  }
}

ExponentialBandit::ExponentialBandit(const StationaryBanditConfig& config)
    : StationaryBandit(kId, config,
                       {0.0, kInf, true, true, "an exponential arm's mean must be > 0"}) {
  set_reward_range(0.0, kInf);
}

PoissonBandit::PoissonBandit(const StationaryBanditConfig& config)
    : StationaryBandit(kId, config, {0.0, kInf, true, true, "a Poisson arm's mean must be > 0"}) {
  set_reward_range(0.0, kInf);
  if (!means_drawn()) on_means_changed();
}

void PoissonBandit::on_means_changed() {
  arms_.clear();
  for (double m : means_) arms_.emplace_back(m);
}

// ---------------------------------------------------------------------------- registration

namespace {

// The parameters every stationary problem shares, in schema order; `domain` says where the
// means lie.
template <typename Config>
ConfigSchema<Config> stationary_schema(const std::string& domain) {
  ConfigSchema<Config> schema;
  schema.field("means", &Config::means, "expected reward of each arm (K = its length); " + domain)
      .field("means_distribution", &Config::means_distribution,
             "\"fixed\": use means; \"uniform\": draw K = arms means on [means_low, means_high] "
             "from the env's Rng at every reset",
             choices({"fixed", "uniform"}))
      .field("arms", &Config::arms, "number of arms K for drawn means (0 with fixed means)",
             range(0, kMaxArms))
      .field("means_low", &Config::means_low, "lower end of the uniform means distribution")
      .field("means_high", &Config::means_high, "upper end of the uniform means distribution")
      .field("horizon", &Config::horizon, "number of pulls T: one episode (max_episode_steps = T)",
             range(1, 1e15));
  return schema;
}

void register_stationary_bandits(Registry& registry) {
  const std::string setting =
      "; stationary K-armed stochastic bandit (Lattimore & Szepesvari 2020, ch. 4), "
      "pseudo-regret oracle";
  registry.add_env(env_entry(
      BernoulliBandit::kId, "Bernoulli arms, reward 1 with probability mu_a" + setting,
      stationary_schema<StationaryBanditConfig>("each in [0, 1]"),
      [](const StationaryBanditConfig& c) { return std::make_unique<BernoulliBandit>(c); }));
  using G = GaussianBanditConfig;
  registry.add_env(
      env_entry(GaussianBandit::kId, "Gaussian arms N(mu_a, sigma_a^2) with known sigma" + setting,
                stationary_schema<G>("any real")
                    .field("sigma", &G::sigma, "common reward standard deviation (> 0)")
                    .field("sigmas", &G::sigmas,
                           "per-arm reward standard deviations (overrides sigma when given)"),
                [](const G& c) { return std::make_unique<GaussianBandit>(c); }));
  using B = BetaBanditConfig;
  registry.add_env(env_entry(BetaBandit::kId,
                             "Beta(kappa mu_a, kappa (1 - mu_a)) rewards in [0, 1]" + setting,
                             stationary_schema<B>("each in (0, 1)")
                                 .field("concentration", &B::concentration,
                                        "kappa = alpha + beta of each arm's Beta law (> 0)"),
                             [](const B& c) { return std::make_unique<BetaBandit>(c); }));
  using P = PositiveMeansConfig;
  registry.add_env(env_entry(ExponentialBandit::kId, "exponential rewards with mean mu_a" + setting,
                             stationary_schema<P>("each > 0"),
                             [](const P& c) { return std::make_unique<ExponentialBandit>(c); }));
  registry.add_env(env_entry(PoissonBandit::kId, "Poisson(mu_a) rewards" + setting,
                             stationary_schema<P>("each > 0"),
                             [](const P& c) { return std::make_unique<PoissonBandit>(c); }));
}

}  // namespace
RLSIM_REGISTER(register_stationary_bandits)

}  // namespace rlsim

#include "agents/deep/sac.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <numbers>

#include "core/config_schema.hpp"
#include "core/error.hpp"
#include "core/registration.hpp"
#include "core/registry.hpp"

namespace rlsim {

using nn::Index;
using nn::Var;

namespace {

// SB3 2.x sac/policies.py.
constexpr float kLogStdMin = -20.0f;
constexpr float kLogStdMax = 2.0f;
// SB3 2.x SquashedDiagGaussianDistribution: log(1 − tanh(u)² + ε) with ε = 1e−6.
constexpr float kSquashEps = 1e-6f;

std::optional<double> parse_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(x)) return std::nullopt;
  return x;
}

std::vector<Index> trunk_sizes(Index in, const std::vector<Index>& hidden) {
  std::vector<Index> sizes{in};
  sizes.insert(sizes.end(), hidden.begin(), hidden.end());
  return sizes;
}

}  // namespace

EntCoef parse_ent_coef(const std::string& text) {
  const std::string bad = "ent_coef = \"" + text +
                          "\" is not valid: use \"auto\", \"auto_X\" (learned, initial value "
                          "X > 0) or a fixed number X >= 0 written as a string, e.g. \"0.1\"";
  if (text == "auto") return {true, 1.0};
  if (text.rfind("auto_", 0) == 0) {
    auto x = parse_number(text.substr(5));
    if (!x || *x <= 0.0) throw Error(bad);
    return {true, *x};
  }
  auto x = parse_number(text);
  if (!x || *x < 0.0) throw Error(bad);
  return {false, *x};
}

void SacConfig::validate() const {
  if (gradient_steps == 0) {
    throw Error(
        "gradient_steps = 0 would never train; use >= 1, or -1 for as many as env steps per "
        "phase");
  }
  if (net_arch.empty()) throw Error("net_arch is empty: give at least one hidden layer width");
  parse_ent_coef(ent_coef);
  if (target_entropy != "auto" && !parse_number(target_entropy)) {
    throw Error("target_entropy = \"" + target_entropy +
                "\" is not valid: use \"auto\" (-dim(A)) or a number written as a string, "
                "e.g. \"-1.5\"");
  }
}

SquashedSample squashed_gaussian(Var mean, Var log_std, Var eps) {
  Var u = mean + nn::exp(log_std) * eps;
  Var a = nn::tanh(u);
  // log N(u; m, σ) = −ε²/2 − log σ − log √(2π), with (u − m)/σ = ε.
  const float half_log_2pi = static_cast<float>(0.5 * std::log(2.0 * std::numbers::pi));
  Var gaussian = (-0.5f * nn::square(eps) - log_std) - half_log_2pi;
  Var correction = nn::log((1.0f + kSquashEps) - nn::square(a));
  return {a, nn::sum(gaussian - correction, 1)};
}

SquashedGaussianActor::SquashedGaussianActor(Index obs_dim, Index action_dim,
                                             const std::vector<Index>& net_arch, Rng& rng)
    : latent_(trunk_sizes(obs_dim, net_arch), nn::Activation::relu, nn::Activation::relu, rng),
      mu_(net_arch.back(), action_dim, rng),
      log_std_(net_arch.back(), action_dim, rng) {}

void SquashedGaussianActor::distribution(Var obs, Var& mean, Var& log_std) {
  Var h = latent_.forward(obs);
  mean = mu_.forward(h);
  log_std = nn::clamp(log_std_.forward(h), kLogStdMin, kLogStdMax);
}

Var SquashedGaussianActor::forward(Var obs) {
  Var mean, log_std;
  distribution(obs, mean, log_std);
  return nn::tanh(mean);
}

void SquashedGaussianActor::collect_parameters(const std::string& prefix,
                                               std::vector<nn::NamedParameter>& out) {
  latent_.collect_parameters(prefix + "latent_pi.", out);
  mu_.collect_parameters(prefix + "mu.", out);
  log_std_.collect_parameters(prefix + "log_std.", out);
}

namespace {
Rng init_rng(const std::string& name, std::uint64_t seed) {
  return Rng(mix64(seed ^ hash_name(name)));
}
}  // namespace

SacAgent::SacAgent(const SacConfig& config, const Space& observation_space,
                   const Space& action_space, std::uint64_t seed)
    : OffPolicyAgent("sac", config, observation_space, action_space, seed),
      config_(config),
      ent_(parse_ent_coef(config.ent_coef)),
      // SB3: target_entropy "auto" = −prod(action shape).
      target_entropy_(config.target_entropy == "auto"
                          ? -static_cast<double>(action_dim_)
                          : std::strtod(config.target_entropy.c_str(), nullptr)),
      actor_([&] {
        config.validate();
        Rng r = init_rng("sac-init", seed);
        return SquashedGaussianActor(obs_dim_, action_dim_, config.net_arch, r);
      }()),
      critic_([&] {
        Rng r = init_rng("sac-critic-init", seed);
        return ContinuousCritic(obs_dim_ + action_dim_, config.net_arch, 2, r);
      }()),
      critic_target_(critic_),
      critic_sync_(critic_, critic_target_),
      actor_optimizer_(actor_.named_parameters(), nn::AdamOptions{config.learning_rate}),
      critic_optimizer_(critic_.named_parameters(), nn::AdamOptions{config.learning_rate}) {
  if (ent_.learned) {
    log_ent_coef_.value(0, 0) = static_cast<float>(std::log(ent_.value));
    ent_optimizer_.emplace(std::vector<nn::NamedParameter>{{"log_ent_coef", &log_ent_coef_}},
                           nn::AdamOptions{config.learning_rate});
  }
  eps_.resize(config.batch_size, action_dim_);
  eps_next_.resize(config.batch_size, action_dim_);
  eps_one_.resize(1, action_dim_);
  target_q_.resize(config.batch_size, 1);
  log_probs_.resize(static_cast<std::size_t>(config.batch_size));
  diagnostics_.names = {"critic_loss", "actor_loss", "ent_coef", "ent_coef_loss", "learning_rate"};
}

double SacAgent::ent_coef() const {
  // SB3: exp of the float32 log α.
  return ent_.learned ? static_cast<double>(std::exp(log_ent_coef_.value(0, 0))) : ent_.value;
}

void SacAgent::fill_normal(nn::Matrix& m) {
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(rng_.normal());
}

void SacAgent::deterministic_action(std::span<const float> obs, std::span<float> out) {
  act_tape_.reset();
  Var a = actor_(act_tape_.constant(obs.data(), 1, obs_dim_));
  auto v = a.value();
  for (std::size_t j = 0; j < out.size(); ++j) out[j] = v(0, static_cast<Index>(j));
}

double SacAgent::sample_policy_action(std::span<const float> obs, std::span<float> out) {
  act_tape_.reset();
  fill_normal(eps_one_);
  Var mean, log_std;
  actor_.distribution(act_tape_.constant(obs.data(), 1, obs_dim_), mean, log_std);
  SquashedSample s = squashed_gaussian(mean, log_std, act_tape_.constant(eps_one_));
  auto v = s.action.value();
  for (std::size_t j = 0; j < out.size(); ++j) out[j] = v(0, static_cast<Index>(j));
  return s.log_prob.item();
}

double SacAgent::ent_coef_loss_backward(std::span<const float> log_probs) {
  double mean = 0.0;
  for (float lp : log_probs) mean += lp;
  mean /= static_cast<double>(log_probs.size());
  // −mean_i(log α · (log π_i + H̄)) = −log α · (mean_i log π_i + H̄); the factor is a constant.
  ent_tape_.reset();
  log_ent_coef_.grad.setZero();
  Var loss = -(ent_tape_.param(log_ent_coef_) *
               ent_tape_.scalar(static_cast<float>(mean + target_entropy_)));
  ent_tape_.backward(loss);
  return loss.item();
}

void SacAgent::train(std::int64_t gradient_steps) {
  double critic_sum = 0.0, actor_sum = 0.0, alpha_sum = 0.0, ent_loss_sum = 0.0;
  const Index b = batch_obs_.rows();
  for (std::int64_t g = 0; g < gradient_steps; ++g) {
    sample_batch();
    // π(·|s) for the entropy and actor losses, recorded on the actor tape.
    actor_tape_.reset();
    fill_normal(eps_);
    Var obs = actor_tape_.constant(batch_obs_);
    Var mean, log_std;
    actor_.distribution(obs, mean, log_std);
    SquashedSample pi = squashed_gaussian(mean, log_std, actor_tape_.constant(eps_));
    const double alpha = ent_coef();  // before this step's update of log α, as SB3
    if (ent_optimizer_) {
      auto lp = pi.log_prob.value();
      for (Index i = 0; i < b; ++i) log_probs_[static_cast<std::size_t>(i)] = lp(i, 0);
      ent_loss_sum += ent_coef_loss_backward(log_probs_);
      ent_optimizer_->step();
    }
    alpha_sum += alpha;

    // Soft TD target with the target critics and a fresh sample a' ~ π(·|s').
    target_tape_.reset();
    fill_normal(eps_next_);
    Var next = target_tape_.constant(batch_next_);
    Var next_mean, next_log_std;
    actor_.distribution(next, next_mean, next_log_std);
    SquashedSample nx =
        squashed_gaussian(next_mean, next_log_std, target_tape_.constant(eps_next_));
    auto q_next = critic_target_(nn::concat({next, nx.action}, 1)).value();
    auto next_lp = nx.log_prob.value();
    for (Index i = 0; i < b; ++i) {
      const float soft = q_next.row(i).minCoeff() - static_cast<float>(alpha) * next_lp(i, 0);
      target_q_(i, 0) = batch_reward_(i, 0) + batch_discount_(i, 0) * soft;
    }

    critic_tape_.reset();
    Var x =
        nn::concat({critic_tape_.constant(batch_obs_), critic_tape_.constant(batch_action_)}, 1);
    Var y = critic_tape_.constant(target_q_);
    Var critic_loss = 0.5f * (nn::mse_loss(critic_.q(0, x), y) + nn::mse_loss(critic_.q(1, x), y));
    critic_optimizer_.zero_grad();
    critic_tape_.backward(critic_loss);
    critic_optimizer_.step();
    critic_sum += critic_loss.item();

    // Actor loss with the updated critics.
    Var q_pi = nn::min(critic_(nn::concat({obs, pi.action}, 1)), 1);
    Var actor_loss = nn::mean(static_cast<float>(alpha) * pi.log_prob - q_pi);
    actor_optimizer_.zero_grad();
    actor_tape_.backward(actor_loss);  // also fills the critics' grads: zeroed before use
    actor_optimizer_.step();
    actor_sum += actor_loss.item();

    if (g % config_.target_update_interval == 0) critic_sync_.polyak(config_.tau);
    ++num_updates_;
  }
  if (gradient_steps > 0) {
    const auto n = static_cast<double>(gradient_steps);
    diagnostics_.add_row(num_timesteps_, {critic_sum / n, actor_sum / n, alpha_sum / n,
                                          ent_loss_sum / n, critic_optimizer_.lr()});
  }
}

void SacAgent::save_learner(StateDict& out) const {
  nn::to_state_dict(actor_, out, "actor.");
  nn::to_state_dict(critic_, out, "critic.");
  nn::to_state_dict(critic_target_, out, "critic_target.");
  actor_optimizer_.save_state(out, "actor_optimizer.");
  critic_optimizer_.save_state(out, "critic_optimizer.");
  if (ent_optimizer_) {
    out["log_ent_coef"] = {{1}, {static_cast<double>(log_ent_coef_.value(0, 0))}};
    ent_optimizer_->save_state(out, "ent_coef_optimizer.");
  }
}

void SacAgent::load_learner(const StateDict& in) {
  std::optional<float> log_alpha;
  if (ent_optimizer_) {
    auto it = in.find("log_ent_coef");
    if (it == in.end() || it->second.data.size() != 1) {
      throw Error(
          "sac state: entry 'log_ent_coef' (1 value) is missing: saved with a fixed "
          "ent_coef?");
    }
    log_alpha = static_cast<float>(it->second.data[0]);
  }
  nn::from_state_dict(actor_, in, "actor.");
  nn::from_state_dict(critic_, in, "critic.");
  nn::from_state_dict(critic_target_, in, "critic_target.");
  actor_optimizer_.load_state(in, "actor_optimizer.");
  critic_optimizer_.load_state(in, "critic_optimizer.");
  if (ent_optimizer_) {
    ent_optimizer_->load_state(in, "ent_coef_optimizer.");
    log_ent_coef_.value(0, 0) = *log_alpha;
  }
}

namespace {

void register_sac(Registry& registry) {
  using C = SacConfig;
  const std::string sb3 = "SB3 2.x SAC";
  ConfigSchema<C> schema;
  schema.field("learning_rate", &C::learning_rate,
               "Adam step size of the actor, the critics and the entropy coefficient", at_least(0),
               source(sb3));
  add_off_policy_fields(schema, sb3)
      .field("ent_coef", &C::ent_coef,
             "entropy coefficient alpha: \"auto\" (learned from 1), \"auto_X\" (learned from "
             "X) or a fixed number as a string, e.g. \"0.1\"",
             source(sb3))
      .field("target_entropy", &C::target_entropy,
             "entropy target of the learned alpha: \"auto\" = -dim(A), or a number as a string",
             source(sb3))
      .field("target_update_interval", &C::target_update_interval,
             "gradient steps (within a phase) between Polyak updates of the target critics",
             at_least(1), source(sb3))
      .field("net_arch", &C::net_arch, "hidden layer widths of the actor and of each critic",
             at_least(1), source("SB3 2.x SACPolicy"));
  registry.add_agent(agent_entry(
      "sac",
      "soft actor-critic (Haarnoja et al. 2018): squashed Gaussian policy, twin critics, "
      "automatic entropy tuning; Box actions; SB3 parameter names and defaults",
      std::move(schema),
      [](const EnvSpec& spec, const Env&) { return off_policy_check("sac", spec); },
      [](const AgentContext& ctx, C c) {
        return std::make_unique<SacAgent>(c, ctx.spec.observation_space, ctx.spec.action_space,
                                          ctx.seed);
      }));
}

}  // namespace

RLSIM_REGISTER(register_sac)

}  // namespace rlsim

#include "agents/deep/td3.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/config_schema.hpp"
#include "core/error.hpp"
#include "core/registration.hpp"
#include "core/registry.hpp"

namespace rlsim {

using nn::Index;
using nn::Var;

void Td3Config::validate() const {
  if (gradient_steps == 0) {
    throw Error(
        "gradient_steps = 0 would never train; use >= 1, or -1 for as many as env steps per "
        "phase");
  }
  if (net_arch.empty()) throw Error("net_arch is empty: give at least one hidden layer width");
}

namespace {
Rng init_rng(const std::string& name, std::uint64_t seed) {
  return Rng(mix64(seed ^ hash_name(name + "-init")));
}

nn::Mlp make_actor(Index obs_dim, Index act_dim, const std::vector<Index>& net_arch, Rng& rng) {
  std::vector<Index> sizes{obs_dim};
  sizes.insert(sizes.end(), net_arch.begin(), net_arch.end());
  sizes.push_back(act_dim);
  return nn::Mlp(sizes, nn::Activation::relu, nn::Activation::tanh, rng);
}
}  // namespace

Td3Agent::Td3Agent(const Td3Config& config, const Space& observation_space,
                   const Space& action_space, std::uint64_t seed, std::string name)
    : OffPolicyAgent(name, config, observation_space, action_space, seed),
      config_(config),
      actor_([&] {
        config.validate();
        Rng r = init_rng(name, seed);
        return make_actor(obs_dim_, action_dim_, config.net_arch, r);
      }()),
      actor_target_(actor_),
      critic_([&] {
        Rng r = init_rng(name + "-critic", seed);
        return ContinuousCritic(obs_dim_ + action_dim_, config.net_arch, config.n_critics, r);
      }()),
      critic_target_(critic_),
      actor_sync_(actor_, actor_target_),
      critic_sync_(critic_, critic_target_),
      actor_optimizer_(actor_.named_parameters(), nn::AdamOptions{config.learning_rate}),
      critic_optimizer_(critic_.named_parameters(), nn::AdamOptions{config.learning_rate}) {
  target_noise_ = nn::Matrix::Zero(config.batch_size, action_dim_);
  target_q_.resize(config.batch_size, 1);
  diagnostics_.names = {"critic_loss", "actor_loss", "learning_rate"};
}

void Td3Agent::deterministic_action(std::span<const float> obs, std::span<float> out) {
  act_tape_.reset();
  Var a = actor_(act_tape_.constant(obs.data(), 1, obs_dim_));
  auto v = a.value();
  for (std::size_t j = 0; j < out.size(); ++j) out[j] = v(0, static_cast<Index>(j));
}

double Td3Agent::sample_policy_action(std::span<const float> obs, std::span<float> out) {
  deterministic_action(obs, out);
  return std::numeric_limits<double>::quiet_NaN();
}

void Td3Agent::compute_targets(const nn::Matrix& next_obs, const nn::Matrix& reward,
                               const nn::Matrix& discount, const nn::Matrix& noise,
                               nn::Matrix& out) {
  const float c = static_cast<float>(config_.target_noise_clip);
  target_tape_.reset();
  Var next = target_tape_.constant(next_obs);
  Var mu = actor_target_(next);
  // Target policy smoothing (Fujimoto et al. 2018, eq. 14).
  Var smoothed =
      nn::clamp(mu + target_tape_.constant(noise.array().min(c).max(-c).matrix()), -1.0f, 1.0f);
  Var q = critic_target_(nn::concat({next, smoothed}, 1));
  auto qv = q.value();
  out.resize(next_obs.rows(), 1);
  for (Index i = 0; i < next_obs.rows(); ++i) {
    out(i, 0) = reward(i, 0) + discount(i, 0) * qv.row(i).minCoeff();
  }
}

void Td3Agent::train(std::int64_t gradient_steps) {
  double critic_sum = 0.0, actor_sum = 0.0;
  std::int64_t actor_updates = 0;
  const bool smoothing = config_.target_policy_noise > 0.0 && config_.target_noise_clip > 0.0;
  for (std::int64_t g = 0; g < gradient_steps; ++g) {
    ++num_updates_;
    sample_batch();
    if (smoothing) {
      for (Index i = 0; i < target_noise_.size(); ++i) {
        target_noise_.data()[i] = static_cast<float>(config_.target_policy_noise * rng_.normal());
      }
    }
    compute_targets(batch_next_, batch_reward_, batch_discount_, target_noise_, target_q_);

    critic_tape_.reset();
    Var x =
        nn::concat({critic_tape_.constant(batch_obs_), critic_tape_.constant(batch_action_)}, 1);
    Var y = critic_tape_.constant(target_q_);
    Var loss = nn::mse_loss(critic_.q(0, x), y);
    for (std::size_t i = 1; i < critic_.size(); ++i) loss = loss + nn::mse_loss(critic_.q(i, x), y);
    critic_optimizer_.zero_grad();
    critic_tape_.backward(loss);
    critic_optimizer_.step();
    critic_sum += loss.item();

    if (num_updates_ % config_.policy_delay == 0) {
      actor_tape_.reset();
      Var obs = actor_tape_.constant(batch_obs_);
      Var actor_loss = -nn::mean(critic_.q(0, nn::concat({obs, actor_(obs)}, 1)));
      actor_optimizer_.zero_grad();
      actor_tape_.backward(actor_loss);  // also fills the critic's grads: zeroed before use
      actor_optimizer_.step();
      actor_sum += actor_loss.item();
      ++actor_updates;
      critic_sync_.polyak(config_.tau);
      actor_sync_.polyak(config_.tau);
    }
  }
  if (gradient_steps > 0) {
    diagnostics_.add_row(num_timesteps_,
                         {critic_sum / static_cast<double>(gradient_steps),
                          actor_updates > 0 ? actor_sum / static_cast<double>(actor_updates)
                                            : std::numeric_limits<double>::quiet_NaN(),
                          critic_optimizer_.lr()});
  }
}

void Td3Agent::save_learner(StateDict& out) const {
  nn::to_state_dict(actor_, out, "actor.");
  nn::to_state_dict(actor_target_, out, "actor_target.");
  nn::to_state_dict(critic_, out, "critic.");
  nn::to_state_dict(critic_target_, out, "critic_target.");
  actor_optimizer_.save_state(out, "actor_optimizer.");
  critic_optimizer_.save_state(out, "critic_optimizer.");
}

void Td3Agent::load_learner(const StateDict& in) {
  nn::from_state_dict(actor_, in, "actor.");
  nn::from_state_dict(actor_target_, in, "actor_target.");
  nn::from_state_dict(critic_, in, "critic.");
  nn::from_state_dict(critic_target_, in, "critic_target.");
  actor_optimizer_.load_state(in, "actor_optimizer.");
  critic_optimizer_.load_state(in, "critic_optimizer.");
}

namespace {

void register_td3(Registry& registry) {
  using C = Td3Config;
  const std::string sb3 = "SB3 2.x TD3";
  ConfigSchema<C> schema;
  schema.field("learning_rate", &C::learning_rate, "Adam step size of the actor and the critics",
               at_least(0), source(sb3));
  add_off_policy_fields(schema, sb3)
      .field("policy_delay", &C::policy_delay,
             "critic updates per actor and target update (Fujimoto et al. 2018, d)", at_least(1),
             source(sb3))
      .field("target_policy_noise", &C::target_policy_noise,
             "standard deviation of the target policy smoothing noise", at_least(0), source(sb3))
      .field("target_noise_clip", &C::target_noise_clip,
             "the smoothing noise is clipped to [-c, c]", at_least(0), source(sb3))
      .field("n_critics", &C::n_critics, "number of Q-networks (clipped double Q: 2)", range(1, 10),
             source(sb3))
      .field("net_arch", &C::net_arch, "hidden layer widths of the actor and of each critic",
             at_least(1), source("SB3 2.x TD3Policy"));
  registry.add_agent(agent_entry(
      "td3",
      "TD3, twin delayed DDPG (Fujimoto, van Hoof & Meger 2018): twin critics, delayed policy "
      "updates, target policy smoothing; Box actions; SB3 parameter names and defaults",
      std::move(schema),
      [](const EnvSpec& spec, const Env&) { return off_policy_check("td3", spec); },
      [](const AgentContext& ctx, C c) {
        return std::make_unique<Td3Agent>(c, ctx.spec.observation_space, ctx.spec.action_space,
                                          ctx.seed);
      }));
}

}  // namespace

RLSIM_REGISTER(register_td3)

}  // namespace rlsim

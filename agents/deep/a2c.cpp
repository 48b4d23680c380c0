#include "agents/deep/a2c.hpp"

#include <numeric>

#include "agents/deep/advantage.hpp"
#include "agents/deep/training_budget.hpp"
#include "core/registry.hpp"

namespace rlsim {

A2cAgent::A2cAgent(const OnPolicyConfig& config, const Space& observation_space,
                   const Space& action_space, std::uint64_t seed)
    : OnPolicyAgent(
          "a2c", config, observation_space, action_space, seed,
          {"policy_loss", "value_loss", "entropy_loss", "explained_variance", "learning_rate"}),
      minibatch_(rollout().make_minibatch()) {
  rows_.resize(static_cast<std::size_t>(rollout().size()));
  std::iota(rows_.begin(), rows_.end(), std::int64_t{0});
}

void A2cAgent::train() {
  const double lr = apply_learning_rate();
  Minibatch& mb = minibatch_;
  rollout().gather(rows_, mb);
  if (config().normalize_advantage) mb.normalize_advantages();
  Evaluated e = evaluate(mb);
  nn::Tape& tape = train_tape();
  const auto rows = static_cast<nn::Index>(rows_.size());
  nn::Var advantages = tape.constant(mb.advantages.data(), rows, 1);
  nn::Var policy_loss = -nn::mean(advantages * e.log_prob);
  nn::Var value_loss = nn::mse_loss(e.value, tape.constant(mb.returns.data(), rows, 1));
  nn::Var entropy_loss = -nn::mean(e.entropy);
  nn::Var loss = policy_loss + static_cast<float>(config().ent_coef) * entropy_loss +
                 static_cast<float>(config().vf_coef) * value_loss;
  gradient_step(loss);
  record_update({policy_loss.item(), value_loss.item(), entropy_loss.item(),
                 explained_variance(rollout().values(), rollout().returns()), lr});
}

namespace {

void register_a2c(Registry& registry) {
  using C = A2cConfig;
  const std::string sb3 = "SB3 2.x A2C";
  ConfigSchema<C> schema;
  add_on_policy_fields(schema, sb3)
      .field("use_rms_prop", &C::use_rms_prop,
             "RMSprop (α = rms_prop_alpha, ε = rms_prop_eps) instead of Adam (ε 1e-5)", source(sb3))
      .field("rms_prop_alpha", &C::rms_prop_alpha, "RMSprop smoothing constant α", range(0, 1),
             source(sb3))
      .field("rms_prop_eps", &C::rms_prop_eps, "RMSprop ε", at_least(0), source(sb3));
  registry.add_agent(agent_entry(
      "a2c",
      "synchronous advantage actor-critic (Mnih et al. 2016) over n_envs copies, n-step or "
      "GAE(λ) advantages, RMSprop or Adam; SB3 parameter names and defaults",
      std::move(schema),
      [](const EnvSpec& spec, const Env&) { return on_policy_check("a2c", spec); },
      [](const AgentContext& ctx, C c) {
        c.total_timesteps = resolve_training_budget(
            "a2c", c.total_timesteps, ctx.budget_steps,
            c.lr_schedule == Annealing::linear ? "linear learning rate" : "");
        return std::make_unique<A2cAgent>(c, ctx.spec.observation_space, ctx.spec.action_space,
                                          ctx.seed);
      }));
}

}  // namespace

RLSIM_REGISTER(register_a2c)

}  // namespace rlsim

#include "agents/deep/ppo.hpp"

#include <algorithm>
#include <cmath>

#include "agents/deep/advantage.hpp"
#include "agents/deep/training_budget.hpp"
#include "core/registry.hpp"

namespace rlsim {

nn::Var ppo_policy_loss(nn::Var log_prob, nn::Var old_log_prob, nn::Var advantages,
                        float clip_range) {
  nn::Var ratio = nn::exp(log_prob - old_log_prob);
  nn::Var unclipped = advantages * ratio;
  nn::Var clipped = advantages * nn::clamp(ratio, 1.0f - clip_range, 1.0f + clip_range);
  return -nn::mean(nn::minimum(unclipped, clipped));
}

nn::Var ppo_value_loss(nn::Var values, nn::Var old_values, nn::Var returns, float clip_range_vf) {
  if (clip_range_vf <= 0.0f) return nn::mse_loss(values, returns);
  nn::Var predicted = old_values + nn::clamp(values - old_values, -clip_range_vf, clip_range_vf);
  return nn::mse_loss(predicted, returns);
}

void PpoConfig::validate() const {
  if (normalize_advantage && batch_size < 2)
    throw Error(
        "batch_size = 1 with normalize_advantage = true normalises single advantages to 0; use "
        "batch_size >= 2 or normalize_advantage = false");
}

PpoAgent::PpoAgent(const PpoConfig& config, const Space& observation_space,
                   const Space& action_space, std::uint64_t seed)
    : OnPolicyAgent("ppo", config, observation_space, action_space, seed,
                    {"policy_loss", "value_loss", "entropy_loss", "approx_kl", "clip_fraction",
                     "explained_variance", "learning_rate", "clip_range", "loss", "epochs"}),
      ppo_(config),
      minibatch_(rollout().make_minibatch()) {
  if (ppo_.batch_size < 1 || ppo_.n_epochs < 1)
    throw Error("ppo: batch_size and n_epochs must be >= 1");
  permutation_.reserve(static_cast<std::size_t>(rollout().size()));
}

double PpoAgent::current_clip_range() const {
  return ppo_.clip_range *
         (ppo_.clip_range_schedule == Annealing::linear ? progress_remaining() : 1.0);
}

void PpoAgent::train() {
  const double lr = apply_learning_rate();
  const double clip = current_clip_range();
  const auto clip_f = static_cast<float>(clip);
  double pg_sum = 0.0, vf_sum = 0.0, ent_sum = 0.0, kl_sum = 0.0, cf_sum = 0.0, last_loss = 0.0;
  std::int64_t minibatches = 0, kl_count = 0, epochs = 0;
  bool stop = false;
  Minibatch& mb = minibatch_;
  for (std::int64_t epoch = 0; epoch < ppo_.n_epochs && !stop; ++epoch) {
    shuffle_rows(permutation_, rollout().size(), rng());
    for (MinibatchPass pass(rollout(), permutation_, ppo_.batch_size); pass.next(mb);) {
      if (ppo_.normalize_advantage) mb.normalize_advantages();
      Evaluated e = evaluate(mb);
      nn::Tape& tape = train_tape();
      const auto rows = static_cast<nn::Index>(mb.rows);
      nn::Var old_log_prob = tape.constant(mb.log_probs.data(), rows, 1);
      nn::Var advantages = tape.constant(mb.advantages.data(), rows, 1);
      nn::Var policy_loss = ppo_policy_loss(e.log_prob, old_log_prob, advantages, clip_f);
      nn::Var value_loss = ppo_value_loss(e.value, tape.constant(mb.values.data(), rows, 1),
                                          tape.constant(mb.returns.data(), rows, 1),
                                          static_cast<float>(ppo_.clip_range_vf));
      nn::Var entropy_loss = -nn::mean(e.entropy);
      nn::Var loss = policy_loss + static_cast<float>(ppo_.ent_coef) * entropy_loss +
                     static_cast<float>(ppo_.vf_coef) * value_loss;
      // Diagnostics from the recorded values.
      auto lp = e.log_prob.value();
      double kl = 0.0, clipped = 0.0;
      for (nn::Index r = 0; r < rows; ++r) {
        const double log_ratio =
            static_cast<double>(lp(r, 0)) - mb.log_probs[static_cast<std::size_t>(r)];
        const double ratio = std::exp(log_ratio);
        kl += (ratio - 1.0) - log_ratio;
        if (std::abs(ratio - 1.0) > clip) clipped += 1.0;
      }
      kl /= static_cast<double>(rows);
      pg_sum += policy_loss.item();
      vf_sum += value_loss.item();
      ent_sum += entropy_loss.item();
      cf_sum += clipped / static_cast<double>(rows);
      kl_sum += kl;
      ++kl_count;
      ++minibatches;
      if (ppo_.target_kl > 0.0 && kl > 1.5 * ppo_.target_kl) {
        stop = true;
        break;
      }
      gradient_step(loss);
      last_loss = loss.item();
    }
    ++epochs;
  }
  const auto m = static_cast<double>(std::max<std::int64_t>(minibatches, 1));
  record_update({pg_sum / m, vf_sum / m, ent_sum / m,
                 kl_sum / static_cast<double>(std::max<std::int64_t>(kl_count, 1)), cf_sum / m,
                 explained_variance(rollout().values(), rollout().returns()), lr, clip, last_loss,
                 static_cast<double>(epochs)});
}

namespace {

void register_ppo(Registry& registry) {
  using C = PpoConfig;
  const std::string sb3 = "SB3 2.x PPO";
  ConfigSchema<C> schema;
  add_on_policy_fields(schema, sb3)
      .field("batch_size", &C::batch_size, "minibatch size", at_least(1), source(sb3))
      .field("n_epochs", &C::n_epochs, "passes over each rollout", at_least(1), source(sb3))
      .field("clip_range", &C::clip_range,
             "surrogate clipping ε (Schulman et al. 2017); with clip_range_schedule = linear the "
             "initial value",
             at_least(0), source(sb3))
      .field("clip_range_schedule", &C::clip_range_schedule,
             "constant, or linear: clip_range × progress_remaining (rl-zoo's lin_X)",
             names<Annealing>({{"constant", Annealing::constant}, {"linear", Annealing::linear}}))
      .field("clip_range_vf", &C::clip_range_vf,
             "clip the value prediction to V_old ± clip_range_vf (0: off, SB3's None)", at_least(0),
             source(sb3))
      .field("target_kl", &C::target_kl,
             "stop the update's epochs when approx KL > 1.5·target_kl (0: off, SB3's None)",
             at_least(0), source(sb3));
  registry.add_agent(agent_entry(
      "ppo",
      "proximal policy optimisation, clipped surrogate (Schulman et al. 2017) with GAE(λ), "
      "minibatch epochs and VecNormalize-style normalisation; SB3 parameter names and defaults",
      std::move(schema),
      [](const EnvSpec& spec, const Env&) { return on_policy_check("ppo", spec); },
      [](const AgentContext& ctx, C c) {
        const bool lr = c.lr_schedule == Annealing::linear;
        const bool clip = c.clip_range_schedule == Annealing::linear;
        c.total_timesteps =
            resolve_training_budget("ppo", c.total_timesteps, ctx.budget_steps,
                                    lr && clip ? "linear learning rate, linear clip range"
                                    : lr       ? "linear learning rate"
                                    : clip     ? "linear clip range"
                                               : "");
        return std::make_unique<PpoAgent>(c, ctx.spec.observation_space, ctx.spec.action_space,
                                          ctx.seed);
      }));
}

}  // namespace

RLSIM_REGISTER(register_ppo)

}  // namespace rlsim

// Registration of the on-policy actor-critic agents: ppo (ppo.hpp) and a2c (a2c.hpp), with
// Stable-Baselines3 2.x parameter names and defaults (stable_baselines3/ppo/ppo.py,
// a2c/a2c.py, common/policies.py ActorCriticPolicy, common/vec_env/vec_normalize.py).
#include <cmath>
#include <memory>
#include <string>

#include "agents/deep/a2c.hpp"
#include "agents/deep/deep_agents.hpp"
#include "agents/deep/ppo.hpp"

namespace rlsim {

namespace {

const std::vector<std::string> kActivations{"tanh",    "relu",     "elu",     "leaky_relu",
                                            "sigmoid", "softplus", "identity"};

// Parameters shared by both agents; the defaults that differ are arguments.
void add_common(ParamSchema& s, const std::string& agent, std::int64_t n_steps, double gae_lambda,
                double learning_rate, bool normalize_advantage) {
  const std::string sb3 = " (SB3 " + agent + " default ";
  s.add(param_int("n_envs", 1,
                  "env copies stepped together (a vector env when > 1); rl-zoo's n_envs", 1, 4096));
  s.add(param_int("n_steps", n_steps,
                  "steps per env per rollout; a rollout has n_steps × n_envs transitions" + sb3 +
                      std::to_string(n_steps) + ")",
                  1));
  s.add(param_double("gamma", 0.99, "discount factor" + sb3 + "0.99)", 0.0, 1.0));
  s.add(param_double("gae_lambda", gae_lambda,
                     "GAE λ (Schulman et al. 2016); 1 = n-step advantage (Mnih et al. 2016)" + sb3 +
                         (gae_lambda == 1.0 ? std::string("1.0)") : std::string("0.95)")),
                     0.0, 1.0));
  s.add(param_double("ent_coef", 0.0, "entropy bonus coefficient" + sb3 + "0)", 0.0));
  s.add(param_double("vf_coef", 0.5, "value-loss coefficient" + sb3 + "0.5)", 0.0));
  s.add(param_double("max_grad_norm", 0.5,
                     "clip the global gradient norm to this (0: no clipping)" + sb3 + "0.5)", 0.0));
  s.add(param_double("learning_rate", learning_rate,
                     "optimizer step size; with lr_schedule = linear the initial value" + sb3 +
                         (agent == "PPO" ? "3e-4)" : "7e-4)"),
                     0.0));
  s.add(param_string("lr_schedule", "constant",
                     "constant, or linear: learning_rate × progress_remaining, annealed to 0 at "
                     "total_timesteps (rl-zoo's lin_X)",
                     {"constant", "linear"}));
  s.add(param_int("total_timesteps", 0,
                  "budget in env steps (all copies) that progress_remaining refers to (SB3's "
                  "learn(total_timesteps)); 0 = the run's step budget (100000 without one)",
                  0));
  s.add(param_bool("normalize_advantage", normalize_advantage,
                   "normalise advantages to mean 0, std 1 per minibatch" + sb3 +
                       (normalize_advantage ? "true)" : "false)")));
  s.add(param_bool("normalize_obs", false,
                   "running mean/std observation normalisation (SB3 VecNormalize norm_obs; "
                   "rl-zoo's normalize: true)"));
  s.add(param_bool("normalize_reward", false,
                   "scale rewards by the running std of the discounted return (SB3 VecNormalize "
                   "norm_reward)"));
  s.add(param_double("clip_obs", 10.0, "normalised observations are clipped to ±clip_obs (SB3 10)",
                     0.0));
  s.add(param_double("clip_reward", 10.0, "normalised rewards are clipped to ±clip_reward (SB3 10)",
                     0.0));
  s.add(param_doubles("net_arch", {64, 64},
                      "hidden widths of the policy and value trunks (SB3 [64, 64] each); "
                      "integers >= 1",
                      1.0));
  s.add(param_string("activation", "tanh", "hidden activation (SB3 ActorCriticPolicy: tanh)",
                     kActivations));
  s.add(param_bool("shared_trunk", false,
                   "one trunk feeds both heads (Mnih et al. 2016); false = separate policy and "
                   "value networks (SB3 >= 1.8 default)"));
  s.add(param_bool("ortho_init", true,
                   "orthogonal init, gains √2 trunk / 0.01 policy / 1 value (SB3 default true)"));
  s.add(param_double("log_std_init", 0.0,
                     "initial log std of the Gaussian policy for Box actions (SB3 default 0)"));
}

std::vector<nn::Index> widths(const std::string& agent, const std::vector<double>& w) {
  std::vector<nn::Index> out;
  for (double x : w) {
    if (x != std::floor(x))
      throw Error("agent '" + agent + "': net_arch entry " + std::to_string(x) +
                  " is not an integer layer width");
    out.push_back(static_cast<nn::Index>(x));
  }
  return out;
}

OnPolicyConfig common_config(const std::string& agent, const AgentContext& ctx, const Params& p) {
  OnPolicyConfig c;
  c.n_envs = p.get_int("n_envs");
  c.n_steps = p.get_int("n_steps");
  c.gamma = p.get_double("gamma");
  c.gae_lambda = p.get_double("gae_lambda");
  c.ent_coef = p.get_double("ent_coef");
  c.vf_coef = p.get_double("vf_coef");
  c.max_grad_norm = p.get_double("max_grad_norm");
  c.learning_rate = p.get_double("learning_rate");
  c.linear_lr = p.get_string("lr_schedule") == "linear";
  c.total_timesteps = p.get_int("total_timesteps");
  if (c.total_timesteps == 0) c.total_timesteps = ctx.budget_steps > 0 ? ctx.budget_steps : 100000;
  c.normalize_advantage = p.get_bool("normalize_advantage");
  c.normalize_obs = p.get_bool("normalize_obs");
  c.normalize_reward = p.get_bool("normalize_reward");
  c.clip_obs = p.get_double("clip_obs");
  c.clip_reward = p.get_double("clip_reward");
  c.net_arch = widths(agent, p.get_doubles("net_arch"));
  c.activation = nn::parse_activation(p.get_string("activation"));
  c.shared_trunk = p.get_bool("shared_trunk");
  c.ortho_init = p.get_bool("ortho_init");
  c.log_std_init = p.get_double("log_std_init");
  return c;
}

ParamSchema ppo_schema() {
  ParamSchema s;
  add_common(s, "PPO", 2048, 0.95, 3e-4, true);
  s.add(param_int("batch_size", 64, "minibatch size (SB3 PPO default 64)", 1));
  s.add(param_int("n_epochs", 10, "passes over each rollout (SB3 PPO default 10)", 1));
  s.add(param_double("clip_range", 0.2,
                     "surrogate clipping ε (Schulman et al. 2017; SB3 default 0.2); with "
                     "clip_range_schedule = linear the initial value",
                     0.0));
  s.add(param_string("clip_range_schedule", "constant",
                     "constant, or linear: clip_range × progress_remaining (rl-zoo's lin_X)",
                     {"constant", "linear"}));
  s.add(param_double("clip_range_vf", 0.0,
                     "clip the value prediction to V_old ± clip_range_vf (0: off; SB3 None)", 0.0));
  s.add(param_double("target_kl", 0.0,
                     "stop the update's epochs when approx KL > 1.5·target_kl (0: off; SB3 None)",
                     0.0));
  return s;
}

ParamSchema a2c_schema() {
  ParamSchema s;
  add_common(s, "A2C", 5, 1.0, 7e-4, false);
  s.add(param_bool("use_rms_prop", true,
                   "RMSprop (α = rms_prop_alpha, ε = rms_prop_eps, SB3 default) instead of Adam "
                   "(ε 1e-5)"));
  s.add(param_double("rms_prop_alpha", 0.99, "RMSprop smoothing constant α (SB3 0.99)", 0.0, 1.0));
  s.add(param_double("rms_prop_eps", 1e-5, "RMSprop ε (SB3 default 1e-5)", 0.0));
  return s;
}

}  // namespace

void register_actor_critic_agents(Registry& registry) {
  AgentEntry ppo;
  ppo.id = "ppo";
  ppo.doc =
      "proximal policy optimisation, clipped surrogate (Schulman et al. 2017) with GAE(λ), "
      "minibatch epochs and VecNormalize-style normalisation; SB3 parameter names and defaults";
  ppo.schema = ppo_schema();
  ppo.check = [](const EnvSpec& spec, const Env&) { return on_policy_check("ppo", spec); };
  ppo.make = [](const AgentContext& ctx, const Params& p) {
    PpoConfig c;
    c.base = common_config("ppo", ctx, p);
    c.batch_size = p.get_int("batch_size");
    c.n_epochs = p.get_int("n_epochs");
    c.clip_range = p.get_double("clip_range");
    c.linear_clip_range = p.get_string("clip_range_schedule") == "linear";
    c.clip_range_vf = p.get_double("clip_range_vf");
    c.target_kl = p.get_double("target_kl");
    if (c.base.normalize_advantage && c.batch_size < 2)
      throw Error(
          "agent 'ppo': batch_size = 1 with normalize_advantage = true normalises "
          "single advantages to 0; use batch_size >= 2 or normalize_advantage = false");
    return std::make_unique<PpoAgent>(c, ctx.spec.observation_space, ctx.spec.action_space,
                                      ctx.seed);
  };
  registry.add_agent(std::move(ppo));

  AgentEntry a2c;
  a2c.id = "a2c";
  a2c.doc =
      "synchronous advantage actor-critic (Mnih et al. 2016) over n_envs copies, n-step or "
      "GAE(λ) advantages, RMSprop or Adam; SB3 parameter names and defaults";
  a2c.schema = a2c_schema();
  a2c.check = [](const EnvSpec& spec, const Env&) { return on_policy_check("a2c", spec); };
  a2c.make = [](const AgentContext& ctx, const Params& p) {
    OnPolicyConfig c = common_config("a2c", ctx, p);
    c.rms_prop = p.get_bool("use_rms_prop");
    c.rms_prop_alpha = p.get_double("rms_prop_alpha");
    c.rms_prop_eps = p.get_double("rms_prop_eps");
    return std::make_unique<A2cAgent>(c, ctx.spec.observation_space, ctx.spec.action_space,
                                      ctx.seed);
  };
  registry.add_agent(std::move(a2c));
}

}  // namespace rlsim

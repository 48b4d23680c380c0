#include "agents/deep/deep_agents.hpp"

#include <cmath>
#include <memory>
#include <string>

#include "agents/deep/dqn.hpp"
#include "agents/deep/reinforce.hpp"

namespace rlsim {

namespace {

// Defaults: Stable-Baselines3 2.x DQN (stable_baselines3/dqn/dqn.py) and its MlpPolicy
// (net_arch [64, 64], ReLU); PER constants from Schaul et al. 2016, Table 3 (proportional).
ParamSchema dqn_schema() {
  return ParamSchema{
      param_double("learning_rate", 1e-4, "Adam step size (SB3 default 1e-4)", 0.0),
      param_int("buffer_size", 1000000, "replay capacity in transitions (SB3 default 1e6)", 1),
      param_int("learning_starts", 100,
                "env steps of uniform random actions before learning starts (SB3 default 100)", 0),
      param_int("batch_size", 32, "minibatch size per gradient step (SB3 default 32)", 1),
      param_double("tau", 1.0,
                   "target update coefficient: 1 = hard copy (Mnih et al. 2015), < 1 = Polyak "
                   "averaging (SB3 default 1)",
                   0.0, 1.0),
      param_int("target_update_interval", 10000,
                "env steps between target-network updates (SB3 default 10000)", 1),
      param_int("train_freq", 4, "env steps between training phases (SB3 default 4)", 1),
      param_int("gradient_steps", 1,
                "gradient steps per training phase; -1 = as many as env steps in the phase, "
                "i.e. train_freq (SB3 default 1)",
                -1),
      param_double("gamma", 0.99, "discount factor (SB3 default 0.99)", 0.0, 1.0),
      param_double("exploration_fraction", 0.1,
                   "fraction of total_timesteps over which epsilon decays linearly (SB3 "
                   "default 0.1)",
                   0.0, 1.0),
      param_double("exploration_initial_eps", 1.0, "initial epsilon (SB3 default 1)", 0.0, 1.0),
      param_double("exploration_final_eps", 0.05, "final epsilon (SB3 default 0.05)", 0.0, 1.0),
      param_double("max_grad_norm", 10.0, "clip gradients to this global L2 norm (SB3 default 10)",
                   0.0),
      param_doubles("net_arch", {64, 64},
                    "hidden layer widths (SB3 MlpPolicy default [64, 64]); integers >= 1", 1.0),
      param_string("activation", "relu", "hidden activation (SB3 default ReLU)",
                   {"relu", "tanh", "elu", "leaky_relu", "sigmoid", "softplus", "identity"}),
      param_string("loss", "huber",
                   "TD loss: huber (delta 1, SB3's smooth_l1_loss; the error clipping of Mnih et "
                   "al. 2015) or mse",
                   {"huber", "mse"}),
      param_bool("double_q", false,
                 "double DQN target: online argmax, target value (van Hasselt et al. 2016)"),
      param_bool("dueling", false, "dueling value/advantage heads (Wang et al. 2016)"),
      param_int("n_step", 1, "n-step returns (Sutton 1988; Hessel et al. 2018 use 3)", 1, 100),
      param_bool("prioritized", false,
                 "proportional prioritized replay (Schaul et al. 2016, sum tree)"),
      param_double("alpha", 0.6, "PER priority exponent alpha (Schaul et al. 2016: 0.6)", 0.0, 1.0),
      param_double("beta0", 0.4,
                   "PER importance exponent at the start, annealed linearly to 1 over "
                   "total_timesteps (Schaul et al. 2016: 0.4)",
                   0.0, 1.0),
      param_double("priority_eps", 1e-6, "PER: priority = |TD error| + priority_eps", 0.0),
      param_int("total_timesteps", 0,
                "training budget in env steps that exploration_fraction and the beta schedule "
                "refer to (SB3's learn(total_timesteps)); 0 = the run's step budget (100000 "
                "when the run has no step budget)",
                0),
      param_bool("save_replay_buffer", false,
                 "include the replay buffer in the saved state (needed for training to continue "
                 "exactly after load; large)"),
      param_bool("keep_best", false,
                 "deliver the policy of the best evaluation during training (needs [eval] "
                 "every; ties go to the later policy; the final evaluation then plays fresh "
                 "episodes), as SB3's EvalCallback best model; false = the last policy"),
  };
}

std::optional<std::string> dqn_check(const EnvSpec& spec, const Env&) {
  if (spec.observation_space.is_box() && spec.action_space.is_discrete()) return std::nullopt;
  std::string why = "dqn needs Box observations and Discrete actions; " + spec.id + " has " +
                    spec.observation_space.describe() + " observations and " +
                    spec.action_space.describe() + " actions";
  if (!spec.observation_space.is_box()) {
    why += ": for Discrete observations use a tabular agent (q-learning)";
  } else {
    why += ": for continuous actions use reinforce";
  }
  return why;
}

// REINFORCE defaults: learning rates and network of common CartPole settings (no single
// reference implementation; Spinning Up's VPG uses tanh [64, 64]), γ as SB3.
ParamSchema reinforce_schema() {
  return ParamSchema{
      param_double("learning_rate", 1e-3, "Adam step size of the policy", 0.0),
      param_double("baseline_learning_rate", 1e-3, "Adam step size of the value baseline", 0.0),
      param_double("gamma", 0.99, "discount factor", 0.0, 1.0),
      param_bool("baseline", true,
                 "subtract a learned state value V(s) from the return (S&B 2nd ed. §13.4)"),
      param_double("ent_coef", 0.0, "entropy bonus coefficient (Mnih et al. 2016)", 0.0),
      param_bool("normalize_advantage", false,
                 "normalise the episode's advantages to mean 0, std 1"),
      param_doubles("net_arch", {64, 64},
                    "hidden layer widths of the policy and the baseline; integers >= 1", 1.0),
      param_string("activation", "tanh", "hidden activation (Spinning Up VPG: tanh)",
                   {"relu", "tanh", "elu", "leaky_relu", "sigmoid", "softplus", "identity"}),
      param_double("log_std_init", 0.0,
                   "initial log standard deviation of the Gaussian policy (SB3 default 0)"),
      param_double("max_grad_norm", 0.0, "clip gradients to this global L2 norm (0: no clipping)",
                   0.0),
  };
}

std::optional<std::string> reinforce_check(const EnvSpec& spec, const Env&) {
  if (spec.observation_space.is_box()) return std::nullopt;
  return "reinforce needs Box observations; " + spec.id + " has " +
         spec.observation_space.describe() + " observations: use a tabular agent (q-learning)";
}

std::vector<nn::Index> layer_widths(const std::string& agent, const std::vector<double>& widths) {
  std::vector<nn::Index> out;
  for (double w : widths) {
    if (w != std::floor(w)) {
      throw Error("agent '" + agent + "': net_arch entry " + std::to_string(w) +
                  " is not an integer layer width");
    }
    out.push_back(static_cast<nn::Index>(w));
  }
  return out;
}

}  // namespace

DqnConfig dqn_config(const Params& p) {
  DqnConfig c;
  c.learning_rate = p.get_double("learning_rate");
  c.buffer_size = p.get_int("buffer_size");
  c.learning_starts = p.get_int("learning_starts");
  c.batch_size = p.get_int("batch_size");
  c.tau = p.get_double("tau");
  c.target_update_interval = p.get_int("target_update_interval");
  c.train_freq = p.get_int("train_freq");
  c.gradient_steps = p.get_int("gradient_steps");
  if (c.gradient_steps == 0) {
    throw Error(
        "agent 'dqn': gradient_steps = 0 would never train; use >= 1, or -1 for as many "
        "as env steps per phase");
  }
  c.gamma = p.get_double("gamma");
  c.exploration_fraction = p.get_double("exploration_fraction");
  c.exploration_initial_eps = p.get_double("exploration_initial_eps");
  c.exploration_final_eps = p.get_double("exploration_final_eps");
  c.max_grad_norm = p.get_double("max_grad_norm");
  c.net_arch = layer_widths("dqn", p.get_doubles("net_arch"));
  c.activation = nn::parse_activation(p.get_string("activation"));
  c.huber = p.get_string("loss") == "huber";
  c.double_q = p.get_bool("double_q");
  c.dueling = p.get_bool("dueling");
  c.n_step = p.get_int("n_step");
  c.prioritized = p.get_bool("prioritized");
  c.per_alpha = p.get_double("alpha");
  c.per_beta0 = p.get_double("beta0");
  c.per_eps = p.get_double("priority_eps");
  c.total_timesteps = p.get_int("total_timesteps");
  c.save_replay_buffer = p.get_bool("save_replay_buffer");
  c.keep_best = p.get_bool("keep_best");
  return c;
}

void register_deep_agents(Registry& registry) {
  AgentEntry dqn;
  dqn.id = "dqn";
  dqn.doc =
      "deep Q-network (Mnih et al. 2015) with double DQN, dueling, n-step and prioritized "
      "replay options; SB3 parameter names and defaults";
  dqn.schema = dqn_schema();
  dqn.check = dqn_check;
  dqn.make = [](const AgentContext& ctx, const Params& params) {
    DqnConfig c = dqn_config(params);
    if (c.total_timesteps == 0)
      c.total_timesteps = ctx.budget_steps > 0 ? ctx.budget_steps : 100000;
    return std::make_unique<DqnAgent>(c, ctx.spec.observation_space, ctx.spec.action_space,
                                      ctx.seed);
  };
  registry.add_agent(std::move(dqn));

  AgentEntry reinforce;
  reinforce.id = "reinforce";
  reinforce.doc =
      "REINFORCE Monte-Carlo policy gradient (Williams 1992) with an optional learned baseline; "
      "softmax (Discrete) or diagonal Gaussian (Box) policy";
  reinforce.schema = reinforce_schema();
  reinforce.check = reinforce_check;
  reinforce.make = [](const AgentContext& ctx, const Params& p) {
    ReinforceConfig c;
    c.learning_rate = p.get_double("learning_rate");
    c.baseline_learning_rate = p.get_double("baseline_learning_rate");
    c.gamma = p.get_double("gamma");
    c.baseline = p.get_bool("baseline");
    c.ent_coef = p.get_double("ent_coef");
    c.normalize_advantage = p.get_bool("normalize_advantage");
    c.net_arch = layer_widths("reinforce", p.get_doubles("net_arch"));
    c.activation = nn::parse_activation(p.get_string("activation"));
    c.log_std_init = p.get_double("log_std_init");
    c.max_grad_norm = p.get_double("max_grad_norm");
    return std::make_unique<ReinforceAgent>(c, ctx.spec.observation_space, ctx.spec.action_space,
                                            ctx.seed);
  };
  registry.add_agent(std::move(reinforce));
  register_actor_critic_agents(registry);
}

}  // namespace rlsim

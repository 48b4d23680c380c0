#include "agents/tabular/tabular_agents.hpp"

#include <memory>

#include "agents/tabular/planning.hpp"
#include "agents/tabular/random_agent.hpp"
#include "agents/tabular/td_agent.hpp"

namespace rlsim {

namespace {

const std::vector<std::string> kScheduleKinds{"constant", "linear", "exponential"};
const std::vector<std::string> kDecayUnits{"steps", "episodes"};

ParamSchema td_schema() {
  return ParamSchema{
      param_double("alpha", 0.1,
                   "step size α of the TD update; the schedule's initial value (S&B 2nd ed. "
                   "§2.4, §6.1)",
                   0.0, 1.0),
      param_string("alpha_schedule", "constant",
                   "decay of α from alpha to alpha_final: constant, linear, exponential; a "
                   "decaying step size tames late-training noise (S&B 2nd ed. §2.5 eq. 2.7)",
                   kScheduleKinds),
      param_double("alpha_final", 0.01, "α reached at the end of the decay (S&B 2nd ed. §2.5)", 0.0,
                   1.0),
      param_int("alpha_decay", 10000,
                "length of the α decay, in alpha_decay_unit (S&B 2nd ed. §2.5)", 1),
      param_string("alpha_decay_unit", "steps",
                   "unit of alpha_decay: steps (transitions learned) or episodes (S&B 2nd ed. "
                   "§2.5)",
                   kDecayUnits),
      param_double("gamma", 0.99, "discount factor γ (S&B 2nd ed. §3.3)", 0.0, 1.0),
      param_double("q_init", 0.0,
                   "initial action value; optimistic values drive early exploration "
                   "(S&B 2nd ed. §2.6)"),
      param_string("exploration", "epsilon-greedy",
                   "behaviour policy: epsilon-greedy (S&B 2nd ed. §2.2, §5.4) or softmax "
                   "over Q/τ (S&B 2nd ed. §2.8 eq. 2.11, §13.1)",
                   {"epsilon-greedy", "softmax"}),
      param_double("epsilon", 0.1,
                   "ε of ε-greedy: probability of a uniformly random action; the schedule's "
                   "initial value (S&B 2nd ed. §2.2)",
                   0.0, 1.0),
      param_string("epsilon_schedule", "constant",
                   "decay of ε from epsilon to epsilon_final: constant, linear, exponential "
                   "(geometric); decaying ε to 0 makes ε-greedy GLIE (S&B 2nd ed. §5.4)",
                   kScheduleKinds),
      param_double("epsilon_final", 0.01, "ε reached at the end of the decay (S&B 2nd ed. §5.4)",
                   0.0, 1.0),
      param_int("epsilon_decay", 10000,
                "length of the ε decay, in epsilon_decay_unit (S&B 2nd ed. §5.4)", 1),
      param_string(
          "epsilon_decay_unit", "steps",
          "unit of epsilon_decay: steps (transitions learned) or episodes (S&B 2nd ed. §5.4)",
          kDecayUnits),
      param_double("temperature", 1.0,
                   "softmax temperature τ > 0: π(a) ∝ exp(Q(a)/τ); the schedule's initial "
                   "value (S&B 2nd ed. §2.8, §13.1)",
                   0.0),
      param_string("temperature_schedule", "constant",
                   "decay of τ from temperature to temperature_final: constant, linear, "
                   "exponential (S&B 2nd ed. §13.1)",
                   kScheduleKinds),
      param_double("temperature_final", 0.1,
                   "τ reached at the end of the decay (> 0) (S&B 2nd ed. §13.1)", 0.0),
      param_int("temperature_decay", 10000,
                "length of the τ decay, in temperature_decay_unit (S&B 2nd ed. §13.1)", 1),
      param_string(
          "temperature_decay_unit", "steps",
          "unit of temperature_decay: steps (transitions learned) or episodes (S&B 2nd ed. §13.1)",
          kDecayUnits),
  };
}

TdConfig td_config(TdMethod method, const std::string& id, const Params& p) {
  TdConfig c;
  c.method = method;
  c.name = id;
  c.alpha =
      DecaySchedule{DecaySchedule::parse_kind(p.get_string("alpha_schedule")),
                    p.get_double("alpha"), p.get_double("alpha_final"), p.get_int("alpha_decay"),
                    DecaySchedule::parse_unit(p.get_string("alpha_decay_unit"))};
  c.gamma = p.get_double("gamma");
  c.q_init = p.get_double("q_init");
  c.exploration = p.get_string("exploration") == "softmax" ? ExplorationKind::Softmax
                                                           : ExplorationKind::EpsilonGreedy;
  c.epsilon = DecaySchedule{DecaySchedule::parse_kind(p.get_string("epsilon_schedule")),
                            p.get_double("epsilon"), p.get_double("epsilon_final"),
                            p.get_int("epsilon_decay"),
                            DecaySchedule::parse_unit(p.get_string("epsilon_decay_unit"))};
  c.temperature = DecaySchedule{DecaySchedule::parse_kind(p.get_string("temperature_schedule")),
                                p.get_double("temperature"), p.get_double("temperature_final"),
                                p.get_int("temperature_decay"),
                                DecaySchedule::parse_unit(p.get_string("temperature_decay_unit"))};
  return c;
}

void add_td_agent(Registry& registry, TdMethod method, const std::string& id,
                  const std::string& doc) {
  AgentEntry entry;
  entry.id = id;
  entry.doc = doc;
  entry.schema = td_schema();
  entry.check = require_discrete_observations_and_actions;
  entry.make = [method, id](const AgentContext& ctx, const Params& params) {
    return std::make_unique<TdAgent>(td_config(method, id, params), ctx.spec.observation_space,
                                     ctx.spec.action_space, ctx.seed);
  };
  registry.add_agent(std::move(entry));
}

ParamSchema planning_schema() {
  return ParamSchema{
      param_double("gamma", 0.99, "discount factor γ (S&B 2nd ed. §3.3)", 0.0, 1.0),
      param_double("tolerance", 1e-12,
                   "stop when a sweep changes no value by more than this, > 0 "
                   "(θ of S&B 2nd ed. §4.1, §4.4)",
                   0.0),
      param_int("max_sweeps", 100000,
                "give up (with an error) after this many sweeps (S&B 2nd ed. §4.1)", 1),
  };
}

std::optional<std::string> require_model(const EnvSpec& spec, const Env& env) {
  if (auto reason = require_discrete_observations_and_actions(spec, env)) return reason;
  const TabularModel* model = env.model();
  if (model == nullptr) {
    return "it plans with the env's known model (P and R), but " + spec.id +
           " provides no model (Env::model()); use a learning agent such as q-learning";
  }
  if (model->num_states != spec.observation_space.n() ||
      model->num_actions != spec.action_space.n()) {
    return "it needs a model matching the spaces, but " + spec.id + "'s model has " +
           std::to_string(model->num_states) + " states and " + std::to_string(model->num_actions) +
           " actions while its spaces are " + spec.observation_space.describe() + " and " +
           spec.action_space.describe();
  }
  return std::nullopt;
}

using Planner = PlanningResult (*)(const TabularModel&, double, double, std::int64_t);

void add_planning_agent(Registry& registry, const std::string& id, const std::string& doc,
                        Planner planner) {
  AgentEntry entry;
  entry.id = id;
  entry.doc = doc;
  entry.schema = planning_schema();
  entry.check = require_model;
  entry.make = [id, planner](const AgentContext& ctx, const Params& params) {
    if (auto reason = require_model(ctx.spec, ctx.env)) {
      throw Error("agent '" + id + "' cannot run on " + ctx.spec.id + ": " + *reason);
    }
    const TabularModel& model = *ctx.env.model();
    const double gamma = params.get_double("gamma");
    const double tolerance = params.get_double("tolerance");
    if (!(tolerance > 0.0)) {
      throw Error("agent '" + id + "': tolerance = " + std::to_string(tolerance) + " must be > 0");
    }
    try {
      PlanningResult plan = planner(model, gamma, tolerance, params.get_int("max_sweeps"));
      return std::make_unique<PlanningAgent>(id, model, std::move(plan), gamma,
                                             ctx.spec.observation_space.start(),
                                             ctx.spec.action_space.start());
    } catch (const Error& e) {
      throw Error("agent '" + id + "' on " + ctx.spec.id + ": " + e.what());
    }
  };
  registry.add_agent(std::move(entry));
}

}  // namespace

void register_tabular_agents(Registry& registry) {
  AgentEntry random;
  random.id = "random";
  random.doc =
      "uniform random actions: 1/n for Discrete(n), 1/volume for a bounded Box "
      "(the equiprobable random policy, S&B 2nd ed. §4.1)";
  random.check = random_agent_check;
  random.make = [](const AgentContext& ctx, const Params&) {
    return std::make_unique<RandomAgent>(ctx.spec, ctx.seed);
  };
  registry.add_agent(std::move(random));

  add_td_agent(registry, TdMethod::QLearning, "q-learning",
               "tabular Q-learning, off-policy TD control (Watkins 1989; S&B 2nd ed. §6.5)");
  add_td_agent(registry, TdMethod::Sarsa, "sarsa",
               "tabular SARSA, on-policy TD control (S&B 2nd ed. §6.4)");
  add_td_agent(registry, TdMethod::ExpectedSarsa, "expected-sarsa",
               "tabular expected SARSA (van Seijen et al. 2009; S&B 2nd ed. §6.6)");
  add_td_agent(registry, TdMethod::DoubleQLearning, "double-q-learning",
               "tabular double Q-learning (van Hasselt 2010; S&B 2nd ed. §6.7)");

  add_planning_agent(registry, "value-iteration",
                     "value iteration on the env's known model (S&B 2nd ed. §4.4)",
                     &value_iteration);
  add_planning_agent(registry, "policy-iteration",
                     "policy iteration on the env's known model (S&B 2nd ed. §4.3)",
                     &policy_iteration);
}

}  // namespace rlsim

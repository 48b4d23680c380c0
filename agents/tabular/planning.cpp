#include "agents/tabular/planning.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "core/error.hpp"
#include "core/registry.hpp"

namespace rlsim {

namespace {

// Action values closer than this (relative to their size) count as tied.
double tie_tolerance(double best) {
  return 1e-9 * std::max(1.0, std::abs(best));
}

bool is_terminal(const TabularModel& model, std::int64_t s) {
  return !model.terminal.empty() && model.terminal[static_cast<std::size_t>(s)];
}

void check_gamma_tolerance(double gamma, double tolerance, std::int64_t max_sweeps) {
  if (!(gamma >= 0.0 && gamma <= 1.0)) {
    throw Error("planning: gamma = " + std::to_string(gamma) + " must be in [0, 1]");
  }
  if (!(tolerance > 0.0)) {
    throw Error("planning: tolerance = " + std::to_string(tolerance) + " must be > 0");
  }
  if (max_sweeps < 1) {
    throw Error("planning: max_sweeps = " + std::to_string(max_sweeps) + " must be >= 1");
  }
}

[[noreturn]] void no_convergence(const char* what, double gamma, double delta,
                                 std::int64_t max_sweeps) {
  std::ostringstream out;
  out << what << " did not converge in " << max_sweeps << " sweeps (last change " << delta
      << "); raise max_sweeps or the tolerance";
  if (gamma >= 1.0) out << ", or use gamma < 1 (with gamma = 1 some policy may never end)";
  throw Error(out.str());
}

}  // namespace

void PlanningConfig::validate() const {
  if (!(tolerance > 0.0)) throw Error("tolerance = " + std::to_string(tolerance) + " must be > 0");
}

void validate_model(const TabularModel& model, const std::string& what) {
  const std::int64_t S = model.num_states, A = model.num_actions;
  if (S < 1 || A < 1) {
    throw Error(what + ": the model has " + std::to_string(S) + " states and " + std::to_string(A) +
                " actions; both must be >= 1");
  }
  if (model.outcomes.size() != static_cast<std::size_t>(S * A)) {
    throw Error(what + ": the model has " + std::to_string(model.outcomes.size()) +
                " outcome lists; states x actions = " + std::to_string(S * A));
  }
  if (!model.terminal.empty() && model.terminal.size() != static_cast<std::size_t>(S)) {
    throw Error(what + ": the model's terminal flags have size " +
                std::to_string(model.terminal.size()) + "; expected " + std::to_string(S));
  }
  for (std::int64_t s = 0; s < S; ++s) {
    for (std::int64_t a = 0; a < A; ++a) {
      double total = 0.0;
      for (const ModelOutcome& o : model.at(s, a)) {
        if (o.next_state < 0 || o.next_state >= S || !(o.probability >= 0.0) ||
            !std::isfinite(o.reward)) {
          throw Error(what + ": the model's outcome of action " + std::to_string(a) + " in state " +
                      std::to_string(s) +
                      " is invalid (next state in [0, states), probability >= 0, finite "
                      "reward are needed)");
        }
        total += o.probability;
      }
      if (!is_terminal(model, s) && std::abs(total - 1.0) > 1e-9) {
        throw Error(what + ": the model's outcome probabilities of action " + std::to_string(a) +
                    " in state " + std::to_string(s) + " sum to " + std::to_string(total) +
                    "; they must sum to 1");
      }
    }
  }
}

double action_value(const TabularModel& model, const std::vector<double>& value, double gamma,
                    std::int64_t state, std::int64_t action) {
  double q = 0.0;
  for (const ModelOutcome& o : model.at(state, action)) {
    const double next = o.terminated ? 0.0 : value[static_cast<std::size_t>(o.next_state)];
    q += o.probability * (o.reward + gamma * next);
  }
  return q;
}

namespace {

// Whether the outcome ends the episode: it terminates, or enters a state flagged terminal.
bool ends(const TabularModel& model, const ModelOutcome& o) {
  return o.terminated || is_terminal(model, o.next_state);
}

// At γ = 1, among the value-maximising actions (`maximising[s * A + a]`), a proper choice:
// one that ends the episode with probability 1 in the fewest expected steps.
//  1. W: the states from which some policy over maximising actions ends the episode with
//     probability 1 (the classic almost-sure reachability fixed point: repeatedly keep the
//     states that can reach an end with positive probability by actions that never leave
//     the kept set; e.g. Baier & Katoen 2008, Principles of Model Checking, §10.6.1).
//  2. On W, value iteration for the least expected number of steps to the end, over the
//     maximising actions that stay in W (a stochastic shortest path problem with unit
//     costs, in which every improper policy costs infinitely much, so it converges;
//     Bertsekas & Tsitsiklis 1991).
//  3. Each state of W takes the action of least expected steps (the lowest index within a
//     tie tolerance). States outside W keep `policy` (the lowest-index maximising action):
//     no maximising choice ends their episodes with probability 1.
void prefer_proper(const TabularModel& model, const std::vector<char>& maximising,
                   std::vector<std::int64_t>& policy) {
  const std::int64_t S = model.num_states, A = model.num_actions;
  const auto at = [&](std::int64_t s, std::int64_t a) {
    return static_cast<std::size_t>(s * A + a);
  };
  std::vector<char> in(static_cast<std::size_t>(S), 0);
  for (std::int64_t s = 0; s < S; ++s) in[static_cast<std::size_t>(s)] = !is_terminal(model, s);
  // An action that stays in the kept set (or ends the episode) whatever its outcome.
  const auto stays = [&](std::int64_t s, std::int64_t a) {
    if (!maximising[at(s, a)]) return false;
    for (const ModelOutcome& o : model.at(s, a))
      if (!ends(model, o) && !in[static_cast<std::size_t>(o.next_state)]) return false;
    return true;
  };
  // Predecessors (s, a) of each state by a maximising action.
  std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> before(
      static_cast<std::size_t>(S));
  for (std::int64_t s = 0; s < S; ++s)
    for (std::int64_t a = 0; a < A; ++a)
      if (maximising[at(s, a)])
        for (const ModelOutcome& o : model.at(s, a))
          if (!ends(model, o)) before[static_cast<std::size_t>(o.next_state)].emplace_back(s, a);
  for (bool changed = true; changed;) {
    // Backward search from the ends, within the kept set, by staying actions.
    std::vector<char> reach(static_cast<std::size_t>(S), 0);
    std::vector<std::int64_t> queue;
    for (std::int64_t s = 0; s < S; ++s) {
      if (!in[static_cast<std::size_t>(s)]) continue;
      for (std::int64_t a = 0; a < A && !reach[static_cast<std::size_t>(s)]; ++a) {
        if (!stays(s, a)) continue;
        for (const ModelOutcome& o : model.at(s, a))
          if (ends(model, o)) {
            reach[static_cast<std::size_t>(s)] = 1;
            queue.push_back(s);
            break;
          }
      }
    }
    while (!queue.empty()) {
      const std::int64_t next = queue.back();
      queue.pop_back();
      for (const auto& [s, a] : before[static_cast<std::size_t>(next)]) {
        if (!in[static_cast<std::size_t>(s)] || reach[static_cast<std::size_t>(s)] || !stays(s, a))
          continue;
        reach[static_cast<std::size_t>(s)] = 1;
        queue.push_back(s);
      }
    }
    changed = reach != in;
    in = std::move(reach);
  }
  // Expected steps to the end over the staying maximising actions, Gauss–Seidel sweeps.
  std::vector<double> steps(static_cast<std::size_t>(S), 0.0);
  const auto expected = [&](std::int64_t s, std::int64_t a) {
    double t = 1.0;
    for (const ModelOutcome& o : model.at(s, a))
      if (!ends(model, o)) t += o.probability * steps[static_cast<std::size_t>(o.next_state)];
    return t;
  };
  constexpr std::int64_t kMaxSweeps = 1000000;
  for (std::int64_t sweep = 0; sweep < kMaxSweeps; ++sweep) {
    double delta = 0.0;
    for (std::int64_t s = 0; s < S; ++s) {
      if (!in[static_cast<std::size_t>(s)]) continue;
      double best = std::numeric_limits<double>::infinity();
      for (std::int64_t a = 0; a < A; ++a)
        if (stays(s, a)) best = std::min(best, expected(s, a));
      double& t = steps[static_cast<std::size_t>(s)];
      delta = std::max(delta, std::abs(best - t) / std::max(1.0, best));
      t = best;
    }
    if (delta < 1e-10) break;
  }
  for (std::int64_t s = 0; s < S; ++s) {
    if (!in[static_cast<std::size_t>(s)]) continue;
    const double best = steps[static_cast<std::size_t>(s)];
    for (std::int64_t a = 0; a < A; ++a)
      if (stays(s, a) && expected(s, a) <= best + tie_tolerance(best)) {
        policy[static_cast<std::size_t>(s)] = a;
        break;
      }
  }
}

}  // namespace

std::vector<std::int64_t> greedy_policy(const TabularModel& model, const std::vector<double>& value,
                                        double gamma) {
  std::vector<std::int64_t> policy(static_cast<std::size_t>(model.num_states), 0);
  std::vector<double> q(static_cast<std::size_t>(model.num_actions));
  // At γ = 1: which actions maximise, for the proper choice among them.
  std::vector<char> maximising;
  if (gamma >= 1.0)
    maximising.assign(static_cast<std::size_t>(model.num_states * model.num_actions), 0);
  for (std::int64_t s = 0; s < model.num_states; ++s) {
    if (is_terminal(model, s)) continue;
    for (std::int64_t a = 0; a < model.num_actions; ++a) {
      q[static_cast<std::size_t>(a)] = action_value(model, value, gamma, s, a);
    }
    const double best = *std::max_element(q.begin(), q.end());
    const double tol = tie_tolerance(best);
    bool first = true;
    for (std::int64_t a = 0; a < model.num_actions; ++a) {
      if (q[static_cast<std::size_t>(a)] < best - tol) continue;
      if (first) policy[static_cast<std::size_t>(s)] = a;
      first = false;
      if (maximising.empty()) break;
      maximising[static_cast<std::size_t>(s * model.num_actions + a)] = 1;
    }
  }
  if (gamma >= 1.0) prefer_proper(model, maximising, policy);
  return policy;
}

PlanningResult value_iteration(const TabularModel& model, double gamma, double tolerance,
                               std::int64_t max_sweeps) {
  validate_model(model, "value-iteration");
  check_gamma_tolerance(gamma, tolerance, max_sweeps);
  PlanningResult result;
  result.value.assign(static_cast<std::size_t>(model.num_states), 0.0);
  double delta = 0.0;
  do {
    if (result.sweeps == max_sweeps) no_convergence("value iteration", gamma, delta, max_sweeps);
    delta = 0.0;
    for (std::int64_t s = 0; s < model.num_states; ++s) {
      if (is_terminal(model, s)) continue;
      double best = action_value(model, result.value, gamma, s, 0);
      for (std::int64_t a = 1; a < model.num_actions; ++a) {
        best = std::max(best, action_value(model, result.value, gamma, s, a));
      }
      double& v = result.value[static_cast<std::size_t>(s)];
      delta = std::max(delta, std::abs(best - v));
      v = best;
    }
    ++result.sweeps;
  } while (delta >= tolerance);
  result.policy = greedy_policy(model, result.value, gamma);
  return result;
}

PlanningResult policy_iteration(const TabularModel& model, double gamma, double tolerance,
                                std::int64_t max_sweeps) {
  validate_model(model, "policy-iteration");
  check_gamma_tolerance(gamma, tolerance, max_sweeps);
  PlanningResult result;
  const auto S = static_cast<std::size_t>(model.num_states);
  result.value.assign(S, 0.0);
  std::vector<std::int64_t> policy(S, 0);
  std::vector<double> q(static_cast<std::size_t>(model.num_actions));
  for (;;) {
    // Policy evaluation (§4.1), in place, from the previous policy's values.
    double delta = 0.0;
    std::int64_t sweeps = 0;
    do {
      if (sweeps == max_sweeps) no_convergence("policy evaluation", gamma, delta, max_sweeps);
      delta = 0.0;
      for (std::int64_t s = 0; s < model.num_states; ++s) {
        if (is_terminal(model, s)) continue;
        const double v_new =
            action_value(model, result.value, gamma, s, policy[static_cast<std::size_t>(s)]);
        double& v = result.value[static_cast<std::size_t>(s)];
        delta = std::max(delta, std::abs(v_new - v));
        v = v_new;
      }
      ++sweeps;
    } while (delta >= tolerance);
    result.sweeps += sweeps;

    // Policy improvement (§4.2): switch only to a strictly better action.
    bool stable = true;
    for (std::int64_t s = 0; s < model.num_states; ++s) {
      if (is_terminal(model, s)) continue;
      for (std::int64_t a = 0; a < model.num_actions; ++a) {
        q[static_cast<std::size_t>(a)] = action_value(model, result.value, gamma, s, a);
      }
      const auto best_it = std::max_element(q.begin(), q.end());
      std::int64_t& current = policy[static_cast<std::size_t>(s)];
      if (q[static_cast<std::size_t>(current)] < *best_it - tie_tolerance(*best_it)) {
        current = best_it - q.begin();
        stable = false;
      }
    }
    if (stable) break;
    if (++result.improvements == max_sweeps) {
      throw Error("policy iteration did not settle in " + std::to_string(max_sweeps) +
                  " improvement steps; raise max_sweeps");
    }
  }
  result.policy = greedy_policy(model, result.value, gamma);
  return result;
}

PlanningAgent::PlanningAgent(std::string name, const TabularModel& model, PlanningResult plan,
                             double gamma, std::int64_t obs_start, std::int64_t action_start)
    : name_(std::move(name)),
      model_(model),
      gamma_(gamma),
      plan_(std::move(plan)),
      obs_start_(obs_start),
      action_start_(action_start) {
  q_.resize(static_cast<std::size_t>(model_.num_states * model_.num_actions));
  for (std::int64_t s = 0; s < model_.num_states; ++s) {
    for (std::int64_t a = 0; a < model_.num_actions; ++a) {
      q_[static_cast<std::size_t>(s * model_.num_actions + a)] =
          action_value(model_, plan_.value, gamma_, s, a);
    }
  }
}

void PlanningAgent::act(const Value& obs, Value& action, Decision& decision) {
  const std::int64_t s = obs.index - obs_start_;
  if (s < 0 || s >= model_.num_states) {
    throw Error("agent '" + name_ + "': observation " + std::to_string(obs.index) +
                " is outside the model's " + std::to_string(model_.num_states) + " states");
  }
  action.index = plan_.policy[static_cast<std::size_t>(s)] + action_start_;
  decision.probability = 1.0;
  decision.log_prob = 0.0;
}

void PlanningAgent::save(StateDict& out) const {
  const std::int64_t S = model_.num_states, A = model_.num_actions;
  out["value"] = ArrayRecord{{S}, plan_.value};
  out["policy"] = ArrayRecord{{S}, std::vector<double>(plan_.policy.begin(), plan_.policy.end())};
  out["q"] = ArrayRecord{{S, A}, q_};
}

void PlanningAgent::load(const StateDict& in) {
  const std::int64_t S = model_.num_states, A = model_.num_actions;
  const std::vector<std::int64_t> expected{S};
  auto fetch = [&](const std::string& key) -> const ArrayRecord& {
    const auto it = in.find(key);
    if (it == in.end()) {
      throw Error("agent '" + name_ + "': cannot load: the state has no array '" + key + "'");
    }
    if (it->second.shape != expected || it->second.data.size() != static_cast<std::size_t>(S)) {
      throw Error("agent '" + name_ + "': cannot load '" + key + "' of shape " +
                  shape_text(it->second.shape) + " into shape " + shape_text(expected) +
                  " (the states of this env's model)");
    }
    return it->second;
  };
  const ArrayRecord& value = fetch("value");
  const ArrayRecord& policy = fetch("policy");
  std::vector<std::int64_t> actions(static_cast<std::size_t>(S));
  for (std::size_t s = 0; s < actions.size(); ++s) {
    const double a = policy.data[s];
    if (!(a >= 0.0 && a < static_cast<double>(A)) || a != std::floor(a)) {
      throw Error("agent '" + name_ + "': 'policy' holds " + std::to_string(a) + " for state " +
                  std::to_string(s) + "; actions are integers in [0, " + std::to_string(A) + ")");
    }
    actions[s] = static_cast<std::int64_t>(a);
  }
  plan_.value = value.data;
  plan_.policy = std::move(actions);
  for (std::int64_t s = 0; s < S; ++s) {
    for (std::int64_t a = 0; a < A; ++a) {
      q_[static_cast<std::size_t>(s * A + a)] = action_value(model_, plan_.value, gamma_, s, a);
    }
  }
}

namespace {

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

void register_planning_agents(Registry& registry) {
  using C = PlanningConfig;
  const auto schema =
      ConfigSchema<C>()
          .field("gamma", &C::gamma, "discount factor γ (S&B 2nd ed. §3.3)", range(0, 1))
          .field("tolerance", &C::tolerance,
                 "stop when a sweep changes no value by more than this, > 0 (θ of S&B 2nd ed. "
                 "§4.1, §4.4)",
                 at_least(0))
          .field("max_sweeps", &C::max_sweeps,
                 "give up (with an error) after this many sweeps (S&B 2nd ed. §4.1)", at_least(1));
  struct Method {
    const char* id;
    const char* doc;
    Planner planner;
  };
  const Method methods[] = {
      {"value-iteration", "value iteration on the env's known model (S&B 2nd ed. §4.4)",
       &value_iteration},
      {"policy-iteration", "policy iteration on the env's known model (S&B 2nd ed. §4.3)",
       &policy_iteration}};
  for (const Method& m : methods) {
    registry.add_agent(agent_entry(
        m.id, m.doc, schema, require_model,
        [id = std::string(m.id), planner = m.planner](const AgentContext& ctx, const C& c) {
          if (auto reason = require_model(ctx.spec, ctx.env))
            throw Error("agent '" + id + "' cannot run on " + ctx.spec.id + ": " + *reason);
          const TabularModel& model = *ctx.env.model();
          try {
            PlanningResult plan = planner(model, c.gamma, c.tolerance, c.max_sweeps);
            return std::make_unique<PlanningAgent>(id, model, std::move(plan), c.gamma,
                                                   ctx.spec.observation_space.start(),
                                                   ctx.spec.action_space.start());
          } catch (const Error& e) {
            throw Error("agent '" + id + "' on " + ctx.spec.id + ": " + e.what());
          }
        }));
  }
}

}  // namespace

RLSIM_REGISTER(register_planning_agents)

}  // namespace rlsim

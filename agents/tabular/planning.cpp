#include "agents/tabular/planning.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.hpp"

namespace rlsim {

namespace {

// Action values closer than this (relative to their size) count as tied.
double tie_tolerance(double best) {
  return 1e-9 * std::max(1.0, std::abs(best));
}

bool is_terminal(const TabularModel& model, std::int64_t s) {
  return !model.terminal.empty() && model.terminal[static_cast<std::size_t>(s)];
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::ostringstream out;
  out << '[';
  for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
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

std::vector<std::int64_t> greedy_policy(const TabularModel& model, const std::vector<double>& value,
                                        double gamma) {
  std::vector<std::int64_t> policy(static_cast<std::size_t>(model.num_states), 0);
  std::vector<double> q(static_cast<std::size_t>(model.num_actions));
  for (std::int64_t s = 0; s < model.num_states; ++s) {
    if (is_terminal(model, s)) continue;
    for (std::int64_t a = 0; a < model.num_actions; ++a) {
      q[static_cast<std::size_t>(a)] = action_value(model, value, gamma, s, a);
    }
    const double best = *std::max_element(q.begin(), q.end());
    const double tol = tie_tolerance(best);
    for (std::int64_t a = 0; a < model.num_actions; ++a) {
      if (q[static_cast<std::size_t>(a)] >= best - tol) {
        policy[static_cast<std::size_t>(s)] = a;
        break;
      }
    }
  }
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

}  // namespace rlsim

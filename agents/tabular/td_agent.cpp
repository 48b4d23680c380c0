#include "agents/tabular/td_agent.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "core/rng_state.hpp"

namespace rlsim {

void TdConfig::validate() const {
  for (double a : {alpha, alpha_final}) {
    if (!(a >= 0.0 && a <= 1.0))
      throw Error("alpha values must be in [0, 1]; got " + std::to_string(a));
  }
  step_size().validate("alpha schedule");
  if (!(gamma >= 0.0 && gamma <= 1.0))
    throw Error("gamma = " + std::to_string(gamma) + " must be in [0, 1]");
  if (!std::isfinite(q_init)) throw Error("q_init must be a finite number");
  if (exploration == ExplorationKind::EpsilonGreedy) {
    for (double e : {epsilon, epsilon_final}) {
      if (!(e >= 0.0 && e <= 1.0))
        throw Error("epsilon values must be in [0, 1]; got " + std::to_string(e));
    }
    exploration_rate().validate("epsilon schedule");
  } else {
    for (double t : {temperature, temperature_final}) {
      if (!(t > 0.0) || !std::isfinite(t))
        throw Error("softmax temperatures must be finite and > 0; got " + std::to_string(t));
    }
    softmax_temperature().validate("temperature schedule");
  }
}

TdAgent::TdAgent(TdConfig config, const Space& observation_space, const Space& action_space,
                 std::uint64_t seed)
    : config_(std::move(config)),
      alpha_(config_.step_size()),
      epsilon_(config_.exploration_rate()),
      temperature_(config_.softmax_temperature()),
      rng_(seed) {
  const std::string who = "agent '" + config_.name + "'";
  if (!observation_space.is_discrete() || !action_space.is_discrete()) {
    throw Error(who + " needs Discrete observations and actions; got observations " +
                observation_space.describe() + " and actions " + action_space.describe());
  }
  try {
    config_.validate();
  } catch (const Error& e) {
    throw Error(who + ": " + e.what());
  }
  num_states_ = observation_space.n();
  num_actions_ = action_space.n();
  obs_start_ = observation_space.start();
  action_start_ = action_space.start();
  const auto cells = static_cast<std::size_t>(num_states_ * num_actions_);
  q1_.assign(cells, config_.q_init);
  if (config_.method == TdMethod::DoubleQLearning) q2_.assign(cells, config_.q_init);
  scratch_values_.resize(static_cast<std::size_t>(num_actions_));
  probs_.resize(static_cast<std::size_t>(num_actions_));
}

double TdAgent::alpha() const {
  return alpha_.value(steps_, episodes_);
}
double TdAgent::epsilon() const {
  return epsilon_.value(steps_, episodes_);
}
double TdAgent::temperature() const {
  return temperature_.value(steps_, episodes_);
}

double TdAgent::q(std::int64_t state, std::int64_t action) const {
  const auto i = static_cast<std::size_t>(state * num_actions_ + action);
  return q2_.empty() ? q1_.at(i) : q1_.at(i) + q2_.at(i);
}

std::int64_t TdAgent::row_of(const Value& obs, const char* what) const {
  const std::int64_t s = obs.index - obs_start_;
  if (s < 0 || s >= num_states_) {
    throw Error("agent '" + config_.name + "': " + what + " " + std::to_string(obs.index) +
                " is outside the observation space (" + std::to_string(num_states_) +
                " states starting at " + std::to_string(obs_start_) + ")");
  }
  return s;
}

std::int64_t TdAgent::column_of(const Value& action) const {
  const std::int64_t a = action.index - action_start_;
  if (a < 0 || a >= num_actions_) {
    throw Error("agent '" + config_.name + "': action " + std::to_string(action.index) +
                " is outside the action space (" + std::to_string(num_actions_) +
                " actions starting at " + std::to_string(action_start_) + ")");
  }
  return a;
}

std::span<const double> TdAgent::acting_values(std::int64_t state) const {
  const auto n = static_cast<std::size_t>(num_actions_);
  const double* q1 = q1_.data() + state * num_actions_;
  if (q2_.empty()) return {q1, n};
  const double* q2 = q2_.data() + state * num_actions_;
  for (std::size_t a = 0; a < n; ++a) scratch_values_[a] = q1[a] + q2[a];
  return {scratch_values_.data(), n};
}

void TdAgent::behaviour_probabilities(std::int64_t state, std::span<double> probs) const {
  const std::span<const double> values = acting_values(state);
  if (config_.exploration == ExplorationKind::EpsilonGreedy) {
    epsilon_greedy_probabilities(values, epsilon(), probs, mask());
  } else {
    softmax_probabilities(values, temperature(), probs, mask());
  }
}

void TdAgent::act(const Value& obs, Value& action, Decision& decision) {
  const std::int64_t s = row_of(obs, "observation");
  std::int64_t a = 0;
  double p = 1.0;
  if (evaluation()) {
    greedy_probabilities(acting_values(s), probs_, mask());
    a = sample_index(probs_, rng_);
    p = probs_[static_cast<std::size_t>(a)];
  } else if (has_pending_ && pending_state_ == s) {
    a = pending_action_;
    p = pending_probability_;
  } else {
    behaviour_probabilities(s, probs_);
    a = sample_index(probs_, rng_);
    p = probs_[static_cast<std::size_t>(a)];
  }
  has_pending_ = false;
  action.index = a + action_start_;
  decision.probability = p;
  decision.log_prob = std::log(p);
}

void TdAgent::observe(const Transition& t) {
  if (evaluation()) return;
  const std::int64_t s = row_of(t.obs, "observation");
  const std::int64_t a = column_of(t.action);
  const std::int64_t s2 = row_of(t.next_obs, "next observation");
  const double step_size = alpha();  // α_t of this update, before this step counts
  ++steps_;                          // the schedules now give the policy that will act in s2
  const auto n = static_cast<std::size_t>(num_actions_);
  const bool bootstrap = !t.terminated;
  has_pending_ = false;

  std::vector<double>* updated = &q1_;
  double next_value = 0.0;
  switch (config_.method) {
    case TdMethod::QLearning: {
      if (bootstrap) {
        next_value = max_allowed(row(q1_, s2), mask());
      }
      break;
    }
    case TdMethod::Sarsa: {
      if (bootstrap) {
        // A' is drawn before Q(S, A) changes (S&B §6.4 box) and is the next action taken.
        behaviour_probabilities(s2, probs_);
        pending_action_ = sample_index(probs_, rng_);
        pending_probability_ = probs_[static_cast<std::size_t>(pending_action_)];
        pending_state_ = s2;
        has_pending_ = !t.truncated;  // after a time limit the episode is over
        next_value = q1_[static_cast<std::size_t>(s2 * num_actions_ + pending_action_)];
      }
      break;
    }
    case TdMethod::ExpectedSarsa: {
      if (bootstrap) {
        behaviour_probabilities(s2, probs_);
        const std::span<const double> next = row(q1_, s2);
        for (std::size_t b = 0; b < n; ++b) next_value += probs_[b] * next[b];
      }
      break;
    }
    case TdMethod::DoubleQLearning: {
      // The coin is drawn even for terminal transitions so the stream does not depend on it.
      const bool update_first = rng_.bernoulli(0.5);
      std::vector<double>& chooser = update_first ? q1_ : q2_;
      std::vector<double>& evaluator = update_first ? q2_ : q1_;
      updated = &chooser;
      if (bootstrap) {
        const std::int64_t best = argmax_random_tie(row(chooser, s2), rng_, mask());
        next_value = evaluator[static_cast<std::size_t>(s2 * num_actions_ + best)];
      }
      break;
    }
  }
  const double target = bootstrap ? t.reward + config_.gamma * next_value : t.reward;
  double& q_sa = (*updated)[static_cast<std::size_t>(s * num_actions_ + a)];
  q_sa += step_size * (target - q_sa);
}

void TdAgent::begin_episode(const Value& /*obs*/) {
  has_pending_ = false;
}

void TdAgent::end_episode() {
  has_pending_ = false;
  if (!evaluation()) ++episodes_;
}

void TdAgent::set_evaluation(bool on) {
  Agent::set_evaluation(on);
  has_pending_ = false;
}

void TdAgent::save(StateDict& out) const {
  const std::vector<std::int64_t> shape{num_states_, num_actions_};
  if (config_.method == TdMethod::DoubleQLearning) {
    out["q1"] = ArrayRecord{shape, q1_};
    out["q2"] = ArrayRecord{shape, q2_};
  } else {
    out["q"] = ArrayRecord{shape, q1_};
  }
  out["counters"] = ArrayRecord{{2}, {static_cast<double>(steps_), static_cast<double>(episodes_)}};
  // The stream and SARSA's drawn next action, so that a loaded agent continues exactly as
  // an uninterrupted one, also mid-episode.
  Rng stream = rng_;
  out["rng"] = rng_to_record(stream);
  if (config_.method == TdMethod::Sarsa)
    out["pending_action"] =
        ArrayRecord{{4},
                    {has_pending_ ? 1.0 : 0.0, static_cast<double>(pending_state_),
                     static_cast<double>(pending_action_), pending_probability_}};
}

void TdAgent::load_table(const StateDict& in, const std::string& key, std::vector<double>& table) {
  const std::string who = "agent '" + config_.name + "'";
  const auto it = in.find(key);
  if (it == in.end()) {
    std::string keys;
    for (const auto& [name, record] : in) keys += (keys.empty() ? "" : ", ") + name;
    throw Error(who + ": cannot load: the state has no array '" + key +
                "' (it has: " + (keys.empty() ? "nothing" : keys) + ")");
  }
  const std::vector<std::int64_t> expected{num_states_, num_actions_};
  const ArrayRecord& record = it->second;
  if (record.shape != expected) {
    throw Error(who + ": cannot load '" + key + "' of shape " + shape_text(record.shape) +
                " into a table of shape " + shape_text(expected) +
                " (states x actions of this env)");
  }
  if (record.data.size() != table.size()) {
    throw Error(who + ": array '" + key + "' has " + std::to_string(record.data.size()) +
                " values; its shape " + shape_text(record.shape) + " needs " +
                std::to_string(table.size()));
  }
  for (double v : record.data) {
    if (!std::isfinite(v)) throw Error(who + ": array '" + key + "' holds a non-finite value");
  }
  table = record.data;
}

void TdAgent::load(const StateDict& in) {
  // Check everything before changing anything, so a failed load leaves the agent intact.
  std::vector<double> first = q1_, second = q2_;
  if (config_.method == TdMethod::DoubleQLearning) {
    load_table(in, "q1", first);
    load_table(in, "q2", second);
  } else {
    load_table(in, "q", first);
  }
  std::int64_t steps = steps_, episodes = episodes_;  // kept when the state has none
  if (const auto it = in.find("counters"); it != in.end()) {
    const ArrayRecord& c = it->second;
    if (c.shape != std::vector<std::int64_t>{2} || c.data.size() != 2 || c.data[0] < 0 ||
        c.data[1] < 0) {
      throw Error("agent '" + config_.name +
                  "': 'counters' must have shape [2] holding [steps, episodes] >= 0");
    }
    steps = static_cast<std::int64_t>(c.data[0]);
    episodes = static_cast<std::int64_t>(c.data[1]);
  }
  // Optional (states saved before they existed load too): the stream, SARSA's next action.
  Rng stream = rng_;
  if (const auto it = in.find("rng"); it != in.end())
    rng_from_record(stream, it->second, "agent '" + config_.name + "'");
  std::vector<double> pending{0.0, 0.0, 0.0, 1.0};
  if (const auto it = in.find("pending_action");
      it != in.end() && config_.method == TdMethod::Sarsa) {
    const std::vector<double>& p = it->second.data;
    if (p.size() != 4 || !(p[0] == 0.0 || p[0] == 1.0) ||
        !(p[1] >= 0 && p[1] < static_cast<double>(num_states_) && p[1] == std::floor(p[1])) ||
        !(p[2] >= 0 && p[2] < static_cast<double>(num_actions_) && p[2] == std::floor(p[2])) ||
        !(p[3] > 0.0 && p[3] <= 1.0))
      throw Error("agent '" + config_.name +
                  "': 'pending_action' must hold [flag 0/1, state row, action column, "
                  "probability in (0, 1]] for this env's table");
    pending = p;
  }
  q1_ = std::move(first);
  q2_ = std::move(second);
  steps_ = steps;
  episodes_ = episodes;
  rng_ = stream;
  has_pending_ = pending[0] == 1.0;
  pending_state_ = static_cast<std::int64_t>(pending[1]);
  pending_action_ = static_cast<std::int64_t>(pending[2]);
  pending_probability_ = pending[3];
}

namespace {

void register_td_agents(Registry& registry) {
  using C = TdConfig;
  using K = DecaySchedule;
  const auto kinds = names<K::Kind>(K::kind_names());
  const auto units = names<K::Unit>(K::unit_names());
  const ConfigSchema<C> schema =
      ConfigSchema<C>()
          .field("alpha", &C::alpha,
                 "step size α of the TD update; the schedule's initial value (S&B 2nd ed. "
                 "§2.4, §6.1)",
                 range(0, 1))
          .field("alpha_schedule", &C::alpha_schedule,
                 "decay of α from alpha to alpha_final: constant, linear, exponential; a "
                 "decaying step size tames late-training noise (S&B 2nd ed. §2.5 eq. 2.7)",
                 kinds)
          .field("alpha_final", &C::alpha_final,
                 "α reached at the end of the decay (S&B 2nd ed. §2.5)", range(0, 1))
          .field("alpha_decay", &C::alpha_decay,
                 "length of the α decay, in alpha_decay_unit (S&B 2nd ed. §2.5)", at_least(1))
          .field("alpha_decay_unit", &C::alpha_decay_unit,
                 "unit of alpha_decay: steps (transitions learned) or episodes (S&B 2nd ed. "
                 "§2.5)",
                 units)
          .field("gamma", &C::gamma, "discount factor γ (S&B 2nd ed. §3.3)", range(0, 1))
          .field("q_init", &C::q_init,
                 "initial action value; optimistic values drive early exploration "
                 "(S&B 2nd ed. §2.6)")
          .field("exploration", &C::exploration,
                 "behaviour policy: epsilon-greedy (S&B 2nd ed. §2.2, §5.4) or softmax over "
                 "Q/τ (S&B 2nd ed. §2.8 eq. 2.11, §13.1)",
                 names<ExplorationKind>({{"epsilon-greedy", ExplorationKind::EpsilonGreedy},
                                         {"softmax", ExplorationKind::Softmax}}))
          .field("epsilon", &C::epsilon,
                 "ε of ε-greedy: probability of a uniformly random action; the schedule's "
                 "initial value (S&B 2nd ed. §2.2)",
                 range(0, 1))
          .field("epsilon_schedule", &C::epsilon_schedule,
                 "decay of ε from epsilon to epsilon_final: constant, linear, exponential "
                 "(geometric); decaying ε to 0 makes ε-greedy GLIE (S&B 2nd ed. §5.4)",
                 kinds)
          .field("epsilon_final", &C::epsilon_final,
                 "ε reached at the end of the decay (S&B 2nd ed. §5.4)", range(0, 1))
          .field("epsilon_decay", &C::epsilon_decay,
                 "length of the ε decay, in epsilon_decay_unit (S&B 2nd ed. §5.4)", at_least(1))
          .field("epsilon_decay_unit", &C::epsilon_decay_unit,
                 "unit of epsilon_decay: steps (transitions learned) or episodes (S&B 2nd ed. "
                 "§5.4)",
                 units)
          .field("temperature", &C::temperature,
                 "softmax temperature τ > 0: π(a) ∝ exp(Q(a)/τ); the schedule's initial value "
                 "(S&B 2nd ed. §2.8, §13.1)",
                 at_least(0))
          .field("temperature_schedule", &C::temperature_schedule,
                 "decay of τ from temperature to temperature_final: constant, linear, "
                 "exponential (S&B 2nd ed. §13.1)",
                 kinds)
          .field("temperature_final", &C::temperature_final,
                 "τ reached at the end of the decay (> 0) (S&B 2nd ed. §13.1)", at_least(0))
          .field("temperature_decay", &C::temperature_decay,
                 "length of the τ decay, in temperature_decay_unit (S&B 2nd ed. §13.1)",
                 at_least(1))
          .field("temperature_decay_unit", &C::temperature_decay_unit,
                 "unit of temperature_decay: steps (transitions learned) or episodes (S&B 2nd "
                 "ed. §13.1)",
                 units)
          .field("mask_actions", &C::mask_actions,
                 "act only among A(s), the actions available in s (S&B 2nd ed. §3.1), as the "
                 "env's action mask gives them (Gymnasium's info[\"action_mask\"], Taxi-v4): "
                 "ε-greedy explores uniformly over them, "
                 "softmax and the greedy choice range over them, and the target's max or "
                 "expectation over S' is over the actions allowed in S'");
  struct Method {
    TdMethod method;
    const char* id;
    const char* doc;
  };
  const Method methods[] = {
      {TdMethod::QLearning, "q-learning",
       "tabular Q-learning, off-policy TD control (Watkins 1989; S&B 2nd ed. §6.5)"},
      {TdMethod::Sarsa, "sarsa", "tabular SARSA, on-policy TD control (S&B 2nd ed. §6.4)"},
      {TdMethod::ExpectedSarsa, "expected-sarsa",
       "tabular expected SARSA (van Seijen et al. 2009; S&B 2nd ed. §6.6)"},
      {TdMethod::DoubleQLearning, "double-q-learning",
       "tabular double Q-learning (van Hasselt 2010; S&B 2nd ed. §6.7)"}};
  for (const Method& m : methods) {
    registry.add_agent(
        agent_entry(m.id, m.doc, schema, require_discrete_observations_and_actions,
                    [method = m.method, id = std::string(m.id)](const AgentContext& ctx, C c) {
                      c.method = method;
                      c.name = id;
                      if (c.mask_actions && !ctx.spec.info.action_mask)
                        throw Error("agent '" + id +
                                    "': mask_actions = true needs an env that reports an "
                                    "action mask (Taxi-v4 does); " +
                                    ctx.spec.id + " does not");
                      return std::make_unique<TdAgent>(std::move(c), ctx.spec.observation_space,
                                                       ctx.spec.action_space, ctx.seed);
                    }));
  }
}

}  // namespace

RLSIM_REGISTER(register_td_agents)

}  // namespace rlsim

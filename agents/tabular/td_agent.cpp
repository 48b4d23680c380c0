#include "agents/tabular/td_agent.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.hpp"
#include "core/rng_state.hpp"

namespace rlsim {

namespace {

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::ostringstream out;
  out << '[';
  for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

}  // namespace

TdAgent::TdAgent(TdConfig config, const Space& observation_space, const Space& action_space,
                 std::uint64_t seed)
    : config_(std::move(config)), rng_(seed) {
  const std::string who = "agent '" + config_.name + "'";
  if (!observation_space.is_discrete() || !action_space.is_discrete()) {
    throw Error(who + " needs Discrete observations and actions; got observations " +
                observation_space.describe() + " and actions " + action_space.describe());
  }
  for (double a : {config_.alpha.initial, config_.alpha.final_value}) {
    if (!(a >= 0.0 && a <= 1.0)) {
      throw Error(who + ": alpha values must be in [0, 1]; got " + std::to_string(a));
    }
  }
  config_.alpha.validate(who + " alpha schedule");
  if (!(config_.gamma >= 0.0 && config_.gamma <= 1.0)) {
    throw Error(who + ": gamma = " + std::to_string(config_.gamma) + " must be in [0, 1]");
  }
  if (!std::isfinite(config_.q_init)) {
    throw Error(who + ": q_init must be a finite number");
  }
  if (config_.exploration == ExplorationKind::EpsilonGreedy) {
    for (double e : {config_.epsilon.initial, config_.epsilon.final_value}) {
      if (!(e >= 0.0 && e <= 1.0)) {
        throw Error(who + ": epsilon values must be in [0, 1]; got " + std::to_string(e));
      }
    }
    config_.epsilon.validate(who + " epsilon schedule");
  } else {
    for (double t : {config_.temperature.initial, config_.temperature.final_value}) {
      if (!(t > 0.0) || !std::isfinite(t)) {
        throw Error(who + ": softmax temperatures must be finite and > 0; got " +
                    std::to_string(t));
      }
    }
    config_.temperature.validate(who + " temperature schedule");
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
  return config_.alpha.value(steps_, episodes_);
}
double TdAgent::epsilon() const {
  return config_.epsilon.value(steps_, episodes_);
}
double TdAgent::temperature() const {
  return config_.temperature.value(steps_, episodes_);
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
    epsilon_greedy_probabilities(values, epsilon(), probs);
  } else {
    softmax_probabilities(values, temperature(), probs);
  }
}

void TdAgent::act(const Value& obs, Value& action, Decision& decision) {
  const std::int64_t s = row_of(obs, "observation");
  std::int64_t a = 0;
  double p = 1.0;
  if (evaluation()) {
    greedy_probabilities(acting_values(s), probs_);
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
        const std::span<const double> next = row(q1_, s2);
        next_value = *std::max_element(next.begin(), next.end());
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
        const std::int64_t best = argmax_random_tie(row(chooser, s2), rng_);
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

}  // namespace rlsim

#include "envs/gridworld/tabular_env.hpp"

#include <cmath>

#include "core/error.hpp"

namespace rlsim {

namespace {
constexpr double kProbabilityTolerance = 1e-9;

// Index of the first cumulative probability above u; the last one if rounding left the
// total a hair under u (the same rule as numpy's argmax(cumsum > u) with a safe fallback).
std::size_t pick(const double* cumulative, std::size_t n, double u) {
  for (std::size_t i = 0; i + 1 < n; ++i)
    if (u < cumulative[i]) return i;
  return n - 1;
}

// Gymnasium's rule, argmax(cumsum(p) > u): the first running sum above u, or n when none
// is (the caller maps that to index 0, argmax of an all-false array).
std::size_t first_above(const double* cumulative, std::size_t n, double u) {
  for (std::size_t i = 0; i < n; ++i)
    if (cumulative[i] > u) return i;
  return n;
}
}  // namespace

void add_outcome(std::vector<ModelOutcome>& outs, double p, std::int64_t next, double reward,
                 bool terminated) {
  if (p <= 0.0) return;
  for (auto& o : outs)
    if (o.next_state == next && o.reward == reward && o.terminated == terminated) {
      o.probability += p;
      return;
    }
  outs.push_back({p, next, reward, terminated});
}

TabularEnv::TabularEnv(EnvSpec spec, TabularModel model, std::vector<bool> goal,
                       bool model_is_exact)
    : Env(std::move(spec)),
      model_(std::move(model)),
      goal_(std::move(goal)),
      model_is_exact_(model_is_exact) {
  validate_model();
  EnvSpec& s = mutable_spec();
  s.observation_space = Space::discrete(model_.num_states);
  s.action_space = Space::discrete(model_.num_actions);
  s.defines_success = true;
  s.can_terminate = terminal_reachable();
  s.info.prob = true;

  const std::size_t pairs = static_cast<std::size_t>(model_.num_states * model_.num_actions);
  begin_.reserve(pairs + 1);
  for (const auto& outs : model_.outcomes) {
    begin_.push_back(flat_.size());
    double total = 0.0;
    for (const ModelOutcome& o : outs) {
      flat_.push_back(o);
      total += o.probability;
      cumulative_.push_back(total);
    }
  }
  begin_.push_back(flat_.size());

  double total = 0.0;
  for (std::size_t i = 0; i < model_.initial_distribution.size(); ++i) {
    const double p = model_.initial_distribution[i];
    if (p <= 0.0) continue;
    total += p;
    initial_states_.push_back(static_cast<std::int64_t>(i));
    initial_cumulative_.push_back(total);
  }
}

void TabularEnv::validate_model() const {
  const std::string& id = spec().id;
  const TabularModel& m = model_;
  auto fail = [&](const std::string& what) {
    throw Error(id + ": its tabular model is invalid: " + what);
  };
  if (m.num_states < 1 || m.num_actions < 1) fail("it needs at least one state and one action");
  const std::size_t ns = static_cast<std::size_t>(m.num_states);
  if (m.outcomes.size() != ns * static_cast<std::size_t>(m.num_actions))
    fail("outcomes has " + std::to_string(m.outcomes.size()) + " entries, not states*actions");
  if (m.initial_distribution.size() != ns || m.terminal.size() != ns || goal_.size() != ns)
    fail("initial_distribution, terminal and goal flags must have one entry per state");
  for (std::int64_t s = 0; s < m.num_states; ++s) {
    for (std::int64_t a = 0; a < m.num_actions; ++a) {
      const auto& outs = m.at(s, a);
      const std::string where = "(s=" + std::to_string(s) + ", a=" + std::to_string(a) + ")";
      if (outs.empty()) fail(where + " has no outcomes");
      double total = 0.0;
      for (const ModelOutcome& o : outs) {
        if (!(o.probability > 0.0)) fail(where + " has a non-positive probability");
        if (o.next_state < 0 || o.next_state >= m.num_states)
          fail(where + " leads to state " + std::to_string(o.next_state) + ", out of range");
        if (!std::isfinite(o.reward)) fail(where + " has a non-finite reward");
        total += o.probability;
      }
      if (std::abs(total - 1.0) > kProbabilityTolerance)
        fail(where + " probabilities sum to " + std::to_string(total) + ", not 1");
    }
  }
  double total = 0.0;
  for (double p : m.initial_distribution) {
    if (!(p >= 0.0)) fail("the initial distribution has a negative entry");
    total += p;
  }
  if (std::abs(total - 1.0) > kProbabilityTolerance)
    fail("the initial distribution sums to " + std::to_string(total) + ", not 1");
}

bool TabularEnv::terminal_reachable() const {
  const TabularModel& m = model_;
  std::vector<bool> seen(static_cast<std::size_t>(m.num_states), false);
  std::vector<std::int64_t> stack;
  for (std::size_t s = 0; s < m.initial_distribution.size(); ++s)
    if (m.initial_distribution[s] > 0.0) {
      seen[s] = true;
      stack.push_back(static_cast<std::int64_t>(s));
    }
  while (!stack.empty()) {
    const std::int64_t s = stack.back();
    stack.pop_back();
    for (std::int64_t a = 0; a < m.num_actions; ++a)
      for (const ModelOutcome& o : m.at(s, a)) {
        if (o.terminated) return true;
        const auto next = static_cast<std::size_t>(o.next_state);
        if (!seen[next]) {
          seen[next] = true;
          stack.push_back(o.next_state);
        }
      }
  }
  return false;
}

void TabularEnv::set_gymnasium_outcomes(std::vector<std::vector<ModelOutcome>> outcomes) {
  if (outcomes.size() != model_.outcomes.size())
    throw Error(spec().id + ": Gymnasium's outcome lists must have one entry per (state, action)");
  gym_begin_.clear();
  gym_flat_.clear();
  gym_cumulative_.clear();
  for (const auto& outs : outcomes) {
    gym_begin_.push_back(gym_flat_.size());
    double total = 0.0;  // np.cumsum: a running sum in list order
    for (const ModelOutcome& o : outs) {
      gym_flat_.push_back(o);
      total += o.probability;
      gym_cumulative_.push_back(total);
    }
  }
  gym_begin_.push_back(gym_flat_.size());
}

void TabularEnv::do_reset(Value& obs) {
  if (gymnasium_seeded()) {
    // categorical_sample(initial_state_distrib): the running sums over the positive
    // entries equal those over the full vector (zeros add nothing).
    const double u = np_random().random();
    const std::size_t n = initial_cumulative_.size();
    const std::size_t i = first_above(initial_cumulative_.data(), n, u);
    state_ = i < n ? initial_states_[i] : 0;
    last_action_ = -1;
    obs.index = state_;
    return;
  }
  const double u = rng().uniform();
  state_ = initial_states_[pick(initial_cumulative_.data(), initial_cumulative_.size(), u)];
  last_action_ = -1;
  obs.index = state_;
}

const ModelOutcome& TabularEnv::sample_transition(std::int64_t action) {
  const std::size_t pair = static_cast<std::size_t>(state_ * model_.num_actions + action);
  if (gymnasium_seeded()) {
    // categorical_sample over P[s][a]: one draw per step, even for a certain outcome.
    const bool own = !gym_begin_.empty();
    const std::vector<std::size_t>& begin = own ? gym_begin_ : begin_;
    const std::size_t b = begin[pair];
    const std::size_t n = begin[pair + 1] - b;
    const double u = np_random().random();
    std::size_t i = first_above((own ? gym_cumulative_ : cumulative_).data() + b, n, u);
    if (i == n) i = 0;
    const ModelOutcome& o = (own ? gym_flat_ : flat_)[b + i];
    state_ = o.next_state;
    last_action_ = action;
    return o;
  }
  const std::size_t b = begin_[pair];
  const std::size_t n = begin_[pair + 1] - b;
  const std::size_t i = n == 1 ? 0 : pick(cumulative_.data() + b, n, rng().uniform());
  const ModelOutcome& o = flat_[b + i];
  state_ = o.next_state;
  last_action_ = action;
  return o;
}

StepResult TabularEnv::do_step(const Value& action, Value& obs) {
  const ModelOutcome& o = sample_transition(action.index);
  obs.index = state_;
  mutable_info().prob = o.probability;
  StepResult r;
  r.reward = o.reward;
  r.terminated = o.terminated;
  r.success = o.terminated && goal_[static_cast<std::size_t>(state_)];
  return r;
}

void TabularEnv::get_state(std::vector<double>& out) const {
  out.assign(1, static_cast<double>(state_));
}

std::int64_t TabularEnv::parse_state_index(double x) const {
  if (!std::isfinite(x) || x != std::floor(x) || x < 0.0 ||
      x >= static_cast<double>(model_.num_states))
    throw Error(spec().id + ": set_state got " + std::to_string(x) +
                "; the state is one integer index in [0, " + std::to_string(model_.num_states) +
                ")");
  return static_cast<std::int64_t>(x);
}

void TabularEnv::set_state(std::span<const double> state) {
  if (state.size() != 1)
    throw Error(spec().id + ": set_state got " + std::to_string(state.size()) +
                " numbers; it needs 1 (the state index)");
  state_ = parse_state_index(state[0]);
  mark_running();
}

}  // namespace rlsim

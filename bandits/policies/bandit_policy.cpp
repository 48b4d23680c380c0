#include "bandits/policies/bandit_policy.hpp"

#include <functional>
#include <optional>
#include <sstream>

#include "bandits/policies/state_io.hpp"
#include "core/error.hpp"
#include "core/rng_state.hpp"

namespace rlsim {

void BanditAgent::observe(const Transition& transition) {
  if (evaluation()) return;
  if (batch_ == 1) return learn(transition);
  if (static_cast<std::size_t>(pending_) == buffer_.size()) buffer_.emplace_back();
  Pending& p = buffer_[static_cast<std::size_t>(pending_++)];
  p.obs = transition.obs;  // copy assignment reuses the buffers' capacity after the first batch
  p.action = transition.action;
  p.next_obs = transition.next_obs;
  p.reward = transition.reward;
  p.terminated = transition.terminated;
  p.truncated = transition.truncated;
  if (pending_ == batch_) flush_feedback();
}

void BanditAgent::flush_feedback() {
  const std::int64_t n = pending_;
  pending_ = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const Pending& p = buffer_[static_cast<std::size_t>(i)];
    learn(Transition{p.obs, p.action, p.reward, p.next_obs, p.terminated, p.truncated});
  }
}

void BanditAgent::set_batch(std::int64_t batch) {
  if (batch < 1)
    throw Error("bandit policy: batch = " + std::to_string(batch) +
                " is invalid: rewards are revealed every batch >= 1 pulls (1: after each pull)");
  flush_feedback();
  batch_ = batch;
  buffer_.clear();  // grows with the pulls of a batch (observe), never beyond them
}

void check_batch(std::int64_t batch, const EnvSpec& spec, const std::string& owner) {
  const std::int64_t episode = spec.max_episode_steps;
  if (episode > 0 && batch > episode)
    throw Error(owner + "batch = " + std::to_string(batch) + " is longer than an episode of " +
                spec.id + " (" + std::to_string(episode) + " steps" +
                (spec.horizon > 0 ? ": its horizon" : ": its time limit") +
                "): rewards would be revealed only when the episode ends; use batch <= " +
                std::to_string(episode));
}

void BanditAgent::check_distribution_size(std::span<double> out, const std::string& who) const {
  if (static_cast<std::int64_t>(out.size()) != num_arms())
    throw Error("policy '" + who + "': action_probabilities got room for " +
                std::to_string(out.size()) + " arms; it has K = " + std::to_string(num_arms()));
}

namespace {

// A column of Values (one field of the pending transitions) as two records: "<key>.index"
// {n} and "<key>.vec" {n, m}, m the size of every vec (0 for discrete values).
void put_values(StateDict& out, const std::string& key, std::int64_t n,
                const std::function<const Value&(std::size_t)>& at) {
  const std::size_t m = n > 0 ? at(0).vec.size() : 0;
  ArrayRecord index{{n}, {}}, vec{{n, static_cast<std::int64_t>(m)}, {}};
  for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
    index.data.push_back(static_cast<double>(at(i).index));
    vec.data.insert(vec.data.end(), at(i).vec.begin(), at(i).vec.end());
  }
  out[key + ".index"] = std::move(index);
  out[key + ".vec"] = std::move(vec);
}

// The entry `key` of a state holding n pending transitions, checked to have shape {n}
// (columns = 0), {n, columns} (columns > 0) or {n, any} (columns < 0).
const ArrayRecord& pending_record(const StateDict& in, const std::string& key, std::int64_t n,
                                  std::int64_t columns, const std::string& who) {
  const auto it = in.find(key);
  if (it == in.end())
    throw Error(who + ": saved state holds " + std::to_string(n) +
                " pending transitions but no entry '" + key + "'; was it saved by this policy?");
  const std::vector<std::int64_t>& shape = it->second.shape;
  const bool fits = columns == 0 ? shape == std::vector<std::int64_t>{n}
                                 : shape.size() == 2 && shape[0] == n && shape[1] >= 0 &&
                                       (columns < 0 || shape[1] == columns);
  const std::int64_t width = shape.size() == 2 ? shape[1] : 1;
  if (!fits || it->second.data.size() != static_cast<std::size_t>(n * width))
    throw Error(who + ": saved entry '" + key + "' does not hold one row per pending transition (" +
                std::to_string(n) + (columns > 0 ? " x " + std::to_string(columns) : "") +
                " values)");
  return it->second;
}

}  // namespace

void BanditAgent::save_shared_state(StateDict& out) const {
  // random_stream() is non-const because load writes through it; reading the engine state
  // changes nothing.
  if (Rng* rng = const_cast<BanditAgent&>(*this).random_stream()) out["rng"] = rng_to_record(*rng);
  if (pending_ == 0) return;
  const auto at = [this](std::size_t i) -> const Pending& { return buffer_[i]; };
  put_values(out, "pending.obs", pending_,
             [&](std::size_t i) -> const Value& { return at(i).obs; });
  put_values(out, "pending.action", pending_,
             [&](std::size_t i) -> const Value& { return at(i).action; });
  put_values(out, "pending.next_obs", pending_,
             [&](std::size_t i) -> const Value& { return at(i).next_obs; });
  ArrayRecord rewards{{pending_}, {}}, flags{{pending_, 2}, {}};
  for (std::size_t i = 0; i < static_cast<std::size_t>(pending_); ++i) {
    rewards.data.push_back(buffer_[i].reward);
    flags.data.push_back(buffer_[i].terminated ? 1.0 : 0.0);
    flags.data.push_back(buffer_[i].truncated ? 1.0 : 0.0);
  }
  out["pending.reward"] = std::move(rewards);
  out["pending.flags"] = std::move(flags);
}

void BanditAgent::load_shared_state(const StateDict& in, const std::string& who) {
  // Everything is checked before anything changes.
  Rng* rng = random_stream();
  std::optional<Rng> stream;
  if (auto it = in.find("rng"); it != in.end() && rng != nullptr) {
    stream = *rng;
    rng_from_record(*stream, it->second, who);
  }
  std::int64_t n = 0;
  if (auto it = in.find("pending.reward"); it != in.end()) {
    n = it->second.shape.size() == 1 ? it->second.shape[0] : -1;
    if (n < 1 || n >= batch_)
      throw Error(who + ": saved state holds " + std::to_string(n) +
                  " pending transitions; this policy (batch = " + std::to_string(batch_) +
                  ") holds 1 to " + std::to_string(batch_ - 1) +
                  " (was it saved with another batch?)");
  }
  const auto* obs_i = n ? &pending_record(in, "pending.obs.index", n, 0, who) : nullptr;
  const auto* obs_v = n ? &pending_record(in, "pending.obs.vec", n, -1, who) : nullptr;
  const auto* act_i = n ? &pending_record(in, "pending.action.index", n, 0, who) : nullptr;
  const auto* act_v = n ? &pending_record(in, "pending.action.vec", n, -1, who) : nullptr;
  const auto* next_i = n ? &pending_record(in, "pending.next_obs.index", n, 0, who) : nullptr;
  const auto* next_v = n ? &pending_record(in, "pending.next_obs.vec", n, -1, who) : nullptr;
  const auto* reward = n ? &pending_record(in, "pending.reward", n, 0, who) : nullptr;
  const auto* flags = n ? &pending_record(in, "pending.flags", n, 2, who) : nullptr;
  if (stream) *rng = *stream;
  pending_ = n;
  const auto fill = [](Value& v, const ArrayRecord& index, const ArrayRecord& vec, std::size_t i) {
    const auto m = static_cast<std::size_t>(vec.shape[1]);
    v.index = static_cast<std::int64_t>(index.data[i]);
    v.vec.resize(m);
    for (std::size_t j = 0; j < m; ++j) v.vec[j] = static_cast<float>(vec.data[i * m + j]);
  };
  if (buffer_.size() < static_cast<std::size_t>(n)) buffer_.resize(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
    Pending& p = buffer_[i];
    fill(p.obs, *obs_i, *obs_v, i);
    fill(p.action, *act_i, *act_v, i);
    fill(p.next_obs, *next_i, *next_v, i);
    p.reward = reward->data[i];
    p.terminated = flags->data[2 * i] != 0.0;
    p.truncated = flags->data[2 * i + 1] != 0.0;
  }
}

void BanditPolicy::action_probabilities(const Value& obs, std::span<double> out) {
  check_distribution_size(out, name_);
  std::fill(out.begin(), out.end(), 0.0);
  if (evaluation()) {
    out[static_cast<std::size_t>(argmax_first(means_.data(), k_))] = 1.0;
    return;
  }
  Value action;
  Decision d;
  act(obs, action, d);
  if (d.probability != 1.0)
    throw Error("policy '" + name_ +
                "' does not provide its action distribution outside evaluation mode (its "
                "choice is random without a closed-form distribution): evaluate it in "
                "evaluation mode (greedy)");
  out[static_cast<std::size_t>(arm_of(action))] = 1.0;
}

BanditPolicy::BanditPolicy(std::string name, std::int64_t num_arms, std::int64_t first_action)
    : name_(std::move(name)), k_(num_arms), first_action_(first_action) {
  if (num_arms < 2)
    throw Error("policy '" + name_ + "': K = " + std::to_string(num_arms) +
                " arms is too few: a bandit policy needs at least 2 arms");
  const auto k = static_cast<std::size_t>(num_arms);
  counts_.assign(k, 0);
  sums_.assign(k, 0.0);
  squares_.assign(k, 0.0);
  means_.assign(k, 0.0);
  unpulled_ = num_arms;
}

void BanditPolicy::act_greedy(Value& action, Decision& decision) const {
  emit(argmax_first(means_.data(), k_), action, decision, 1.0);
}

std::int64_t BanditPolicy::first_unpulled() const {
  if (unpulled_ == 0) return -1;
  for (std::int64_t a = 0; a < k_; ++a)
    if (counts_[static_cast<std::size_t>(a)] == 0) return a;
  return -1;
}

void BanditPolicy::arm_out_of_range(std::int64_t arm) const {
  throw Error("policy '" + name_ + "': arm " + std::to_string(arm) + " is outside [0, " +
              std::to_string(k_ - 1) + "] (the action space has " + std::to_string(k_) +
              " arms starting at " + std::to_string(first_action_) + ")");
}

void BanditPolicy::reward_out_of_range(double reward, double lo, double hi) const {
  std::ostringstream os;
  os << "policy '" << name_ << "' got reward " << reward << ", outside [" << lo << ", " << hi
     << "] which its model needs; use it on a problem whose rewards lie in [" << lo << ", " << hi
     << "]";
  throw Error(os.str());
}

void BanditPolicy::save(StateDict& out) const {
  put_array(out, "counts", counts_);
  put_array(out, "reward_sums", sums_);
  put_array(out, "reward_square_sums", squares_);
  put_scalar(out, "pulls", static_cast<double>(t_));
  save_extra(out);
  save_shared_state(out);
}

void BanditPolicy::load(const StateDict& in) {
  const std::string who = "policy '" + name_ + "'";
  std::vector<std::int64_t> counts;
  get_array(in, "counts", counts, static_cast<std::size_t>(k_), who);
  std::vector<double> sums, squares;
  get_array(in, "reward_sums", sums, static_cast<std::size_t>(k_), who);
  get_array(in, "reward_square_sums", squares, static_cast<std::size_t>(k_), who);
  const auto pulls = static_cast<std::int64_t>(get_scalar(in, "pulls", who));
  load_shared_state(in, who);
  counts_ = std::move(counts);
  sums_ = std::move(sums);
  squares_ = std::move(squares);
  t_ = pulls;
  unpulled_ = 0;
  for (std::size_t a = 0; a < counts_.size(); ++a) {
    means_[a] = counts_[a] > 0 ? sums_[a] / static_cast<double>(counts_[a]) : 0.0;
    if (counts_[a] == 0) ++unpulled_;
  }
  load_extra(in);
}

std::optional<std::string> check_non_contextual(const EnvSpec& spec, const Env&) {
  const Space& as = spec.action_space;
  const Space& os = spec.observation_space;
  if (!as.is_discrete() || as.n() < 2)
    return "it is a bandit policy and needs Discrete(K) actions with K >= 2 arms";
  if (os.is_box())
    return "it is a non-contextual bandit policy and would ignore the " + os.describe() +
           " context: use a contextual policy (linucb, linear-thompson)";
  if (os.n() != 1)
    return "it is a non-contextual bandit policy and needs a single context (Discrete(1) "
           "observations); " +
           os.describe() + " observations carry a state it would ignore: use a tabular RL agent";
  return std::nullopt;
}

std::optional<std::string> check_contextual(const EnvSpec& spec, const Env&) {
  const Space& as = spec.action_space;
  const Space& os = spec.observation_space;
  if (!as.is_discrete() || as.n() < 2)
    return "it is a bandit policy and needs Discrete(K) actions with K >= 2 arms";
  if (!os.is_box() || os.shape().size() != 1)
    return "it is a contextual bandit policy and needs a flat Box(d) context; " + os.describe() +
           " observations have none: use a non-contextual policy (ucb1, thompson, ...)";
  return std::nullopt;
}

namespace {
std::string bound_text(double x) {
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  std::ostringstream os;
  os << x;
  return os.str();
}
}  // namespace

std::string describe_reward_range(const EnvSpec& spec) {
  const double lo = spec.reward_min, hi = spec.reward_max;
  if (std::isinf(lo) && std::isinf(hi)) return "unbounded rewards";
  return "rewards in " + std::string(std::isinf(lo) ? "(" : "[") + bound_text(lo) + ", " +
         bound_text(hi) + (std::isinf(hi) ? ")" : "]");
}

std::optional<std::string> require_reward_range(const EnvSpec& spec, double lo, double hi,
                                                const std::string& model,
                                                const std::string& alternative) {
  if (spec.reward_min >= lo && spec.reward_max <= hi) return std::nullopt;
  return model + " needs rewards in [" + bound_text(lo) + ", " + bound_text(hi) + "]; " + spec.id +
         " has " + describe_reward_range(spec) + ": use " + alternative;
}

std::function<std::optional<std::string>(const EnvSpec&, const Env&)> check_non_contextual_in(
    double lo, double hi, std::string model, std::string alternative) {
  return [=](const EnvSpec& spec, const Env& env) -> std::optional<std::string> {
    if (auto why = check_non_contextual(spec, env)) return why;
    return require_reward_range(spec, lo, hi, model, alternative);
  };
}

std::int64_t resolve_horizon(std::int64_t horizon, const EnvSpec& spec, const std::string& who) {
  if (horizon > 0) return horizon;
  if (spec.max_episode_steps > 0) return spec.max_episode_steps;
  throw Error(who +
              " needs the horizon T: set its parameter horizon > 0, or run it on an env "
              "with a time limit (" +
              spec.id + " has none)");
}

std::int64_t argmax_random_tie(const double* x, std::int64_t n, Rng& rng, std::int64_t& ties) {
  double v = x[0];
  std::int64_t m = 1, first = 0;
  for (std::int64_t i = 1; i < n; ++i) {
    if (x[i] > v) {
      v = x[i];
      m = 1;
      first = i;
    } else if (x[i] == v) {
      ++m;
    }
  }
  ties = m;
  if (m == 1) return first;
  std::int64_t j = rng.integer(0, m - 1);
  for (std::int64_t i = first; i < n; ++i)
    if (x[i] == v && j-- == 0) return i;
  return first;
}

}  // namespace rlsim

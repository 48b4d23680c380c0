#include "agents/deep/on_policy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "agents/deep/advantage.hpp"
#include "core/error.hpp"
#include "core/rng_state.hpp"

namespace rlsim {

namespace {

constexpr double kHalfLog2Pi = 0.91893853320467274178;

ActorCriticSpec net_spec(const OnPolicyConfig& c, const Space& obs, const Space& action) {
  ActorCriticSpec s;
  s.obs_dim = static_cast<nn::Index>(obs.flat_size());
  s.gaussian = action.is_box();
  s.action_dim = action.is_discrete() ? action.n() : static_cast<nn::Index>(action.flat_size());
  s.net_arch = c.net_arch;
  s.activation = c.activation;
  s.shared = c.shared_trunk;
  s.ortho_init = c.ortho_init;
  s.log_std_init = c.log_std_init;
  return s;
}

// The initial weights draw from their own stream, so the acting stream starts at `seed`.
ActorCriticNet make_net(const std::string& name, const OnPolicyConfig& c, const Space& obs,
                        const Space& action, std::uint64_t seed) {
  if (!obs.is_box()) throw Error(name + " needs Box observations, got " + obs.describe());
  Rng r(mix64(seed ^ hash_name(name + "-init")));
  return ActorCriticNet(net_spec(c, obs, action), r);
}

template <class T>
void put(StateDict& out, const std::string& name, const std::vector<T>& v) {
  ArrayRecord r{{static_cast<std::int64_t>(v.size())}, {}};
  r.data.assign(v.begin(), v.end());
  out[name] = std::move(r);
}

template <class T>
void get(const StateDict& in, const std::string& owner, const std::string& name,
         std::vector<T>& v) {
  auto it = in.find(name);
  if (it == in.end() || it->second.data.size() != v.size())
    throw Error(owner + " state: entry '" + name + "' with " + std::to_string(v.size()) +
                " values is missing (saved with other n_envs, n_steps or spaces?)");
  for (std::size_t k = 0; k < v.size(); ++k) v[k] = static_cast<T>(it->second.data[k]);
}

}  // namespace

std::optional<std::string> on_policy_check(const std::string& agent, const EnvSpec& spec) {
  if (!spec.observation_space.is_box())
    return agent + " needs Box observations; " + spec.id + " has " +
           spec.observation_space.describe() +
           " observations: use a tabular agent (q-learning, sarsa)";
  if (!spec.action_space.is_discrete() && !spec.action_space.is_box())
    return agent + " needs Discrete or Box actions; " + spec.id + " has " +
           spec.action_space.describe() + " actions";
  return std::nullopt;
}

OnPolicyAgent::OnPolicyAgent(std::string name, const OnPolicyConfig& config,
                             const Space& observation_space, const Space& action_space,
                             std::uint64_t seed)
    : name_(std::move(name)),
      config_(config),
      discrete_(action_space.is_discrete()),
      obs_dim_(static_cast<nn::Index>(observation_space.flat_size())),
      action_dim_(discrete_ ? action_space.n() : static_cast<nn::Index>(action_space.flat_size())),
      action_start_(discrete_ ? action_space.start() : 0),
      store_dim_(discrete_ ? 1 : action_dim_),
      rng_(seed),
      net_(make_net(name_, config, observation_space, action_space, seed)) {
  if (config_.n_envs < 1 || config_.n_steps < 1)
    throw Error(name_ + ": n_envs and n_steps must be >= 1");
  if (!discrete_) {
    low_ = action_space.low();
    high_ = action_space.high();
  }
  if (config_.rms_prop) {
    nn::RmsPropOptions o;
    o.lr = config_.learning_rate;
    o.alpha = config_.rms_prop_alpha;
    o.eps = config_.rms_prop_eps;
    optimizer_ = std::make_unique<nn::RmsProp>(net_.named_parameters(), o);
  } else {
    nn::AdamOptions o;
    o.lr = config_.learning_rate;
    o.eps = config_.adam_eps;
    optimizer_ = std::make_unique<nn::Adam>(net_.named_parameters(), o);
  }
  const auto n = static_cast<std::size_t>(config_.n_envs);
  const auto total = n * static_cast<std::size_t>(config_.n_steps);
  const auto d = static_cast<std::size_t>(obs_dim_);
  if (config_.normalize_obs) obs_norm_.emplace(d, config_.clip_obs);
  if (config_.normalize_reward) reward_norm_.emplace(n, config_.gamma, config_.clip_reward);
  obs_.assign(total * d, 0.0f);
  actions_.assign(total * static_cast<std::size_t>(store_dim_), 0.0f);
  log_probs_.assign(total, 0.0f);
  values_.assign(total, 0.0f);
  rewards_.assign(total, 0.0f);
  final_values_.assign(total, 0.0f);
  terminated_.assign(total, 0);
  truncated_.assign(total, 0);
  advantages_.assign(total, 0.0f);
  returns_.assign(total, 0.0f);
  last_values_.assign(n, 0.0f);
  mb_obs_.reserve(total * d);
  mb_actions_.reserve(total * static_cast<std::size_t>(store_dim_));
  for (auto* v : {&mb_log_probs_, &mb_values_, &mb_advantages_, &mb_returns_}) v->reserve(total);
  mb_labels_.reserve(total);
  raw_obs_.assign(n * d, 0.0f);
  norm_obs_.assign(n * d, 0.0f);
  step_rewards_.assign(n, 0.0f);
  step_done_.assign(n, 0);
  trunc_obs_.assign(n * d, 0.0f);
  trunc_rows_.reserve(n);
  sample_.assign(static_cast<std::size_t>(action_dim_), 0.0f);
}

double OnPolicyAgent::progress_remaining() const {
  if (config_.total_timesteps <= 0) return 1.0;
  return std::max(0.0, 1.0 - static_cast<double>(num_timesteps_) /
                                 static_cast<double>(config_.total_timesteps));
}

double OnPolicyAgent::apply_learning_rate() {
  const double lr = config_.learning_rate * (config_.linear_lr ? progress_remaining() : 1.0);
  optimizer_->set_lr(lr);
  return lr;
}

void OnPolicyAgent::prepare_obs(std::span<const Value> obs, bool update) {
  const auto d = static_cast<std::size_t>(obs_dim_);
  for (std::size_t i = 0; i < obs.size(); ++i) {
    if (obs[i].vec.size() != d)
      throw Error(name_ + ": observation of size " + std::to_string(obs[i].vec.size()) +
                  ", expected " + std::to_string(d));
    std::copy(obs[i].vec.begin(), obs[i].vec.end(), raw_obs_.begin() + static_cast<long>(i * d));
  }
  const std::size_t count = obs.size() * d;
  if (obs_norm_) {
    obs_norm_->normalize(std::span<const float>(raw_obs_.data(), count),
                         std::span<float>(norm_obs_.data(), count), obs.size(), update);
  } else {
    std::copy(raw_obs_.begin(), raw_obs_.begin() + static_cast<long>(count), norm_obs_.begin());
  }
}

void OnPolicyAgent::act(const Value& obs, Value& action, Decision& decision) {
  act_batch(std::span<const Value>(&obs, 1), std::span<Value>(&action, 1),
            std::span<Decision>(&decision, 1));
}

void OnPolicyAgent::observe(const Transition& transition) {
  observe_batch(std::span<const Transition>(&transition, 1));
}

void OnPolicyAgent::act_batch(std::span<const Value> obs, std::span<Value> actions,
                              std::span<Decision> decisions) {
  const bool eval = evaluation();
  const auto n = static_cast<std::int64_t>(obs.size());
  if (!eval && n != config_.n_envs)
    throw Error(name_ + ": act_batch got " + std::to_string(n) + " observations, n_envs is " +
                std::to_string(config_.n_envs));
  if (eval && n > config_.n_envs)
    throw Error(name_ + ": evaluation act_batch got " + std::to_string(n) +
                " observations, at most n_envs = " + std::to_string(config_.n_envs));
  prepare_obs(obs, !eval);
  if (!eval && pos_ == config_.n_steps) finish_rollout();
  act_tape_.reset();
  auto out = net_.forward(act_tape_, act_tape_.constant(norm_obs_.data(), n, obs_dim_));
  auto a = out.action.value();
  auto v = out.value.value();
  const auto base = static_cast<std::size_t>(pos_ * config_.n_envs);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto row = static_cast<nn::Index>(i);
    Value& act = actions[static_cast<std::size_t>(i)];
    Decision& dec = decisions[static_cast<std::size_t>(i)];
    if (discrete_) {
      nn::Index best = 0;
      for (nn::Index j = 1; j < action_dim_; ++j)
        if (a(row, j) > a(row, best)) best = j;
      nn::Index chosen = best;
      double log_p = 0.0;
      if (!eval) {
        double z = 0.0;
        for (nn::Index j = 0; j < action_dim_; ++j)
          z += std::exp(static_cast<double>(a(row, j) - a(row, best)));
        const double u = rng_.uniform() * z;
        double cumulative = 0.0;
        chosen = action_dim_ - 1;
        for (nn::Index j = 0; j < action_dim_; ++j) {
          cumulative += std::exp(static_cast<double>(a(row, j) - a(row, best)));
          if (u < cumulative) {
            chosen = j;
            break;
          }
        }
        log_p = static_cast<double>(a(row, chosen) - a(row, best)) - std::log(z);
      }
      act.index = chosen + action_start_;
      dec.probability = std::exp(log_p);
      dec.log_prob = log_p;
      if (!eval) actions_[base + static_cast<std::size_t>(i)] = static_cast<float>(chosen);
      if (!eval) log_probs_[base + static_cast<std::size_t>(i)] = static_cast<float>(log_p);
    } else {
      act.vec.resize(static_cast<std::size_t>(action_dim_));
      double log_density = 0.0;
      const auto& log_std = net_.log_std().value;
      for (nn::Index j = 0; j < action_dim_; ++j) {
        const auto k = static_cast<std::size_t>(j);
        if (eval) {
          sample_[k] = a(row, j);
        } else {
          const double noise = rng_.normal();
          sample_[k] = static_cast<float>(a(row, j) + std::exp(log_std(0, j)) * noise);
          log_density += -0.5 * noise * noise - log_std(0, j) - kHalfLog2Pi;
        }
        act.vec[k] = std::clamp(sample_[k], low_[k], high_[k]);
      }
      if (eval) {
        dec.probability = 1.0;
        dec.log_prob = 0.0;
      } else {
        dec.probability = std::numeric_limits<double>::quiet_NaN();
        dec.log_prob = log_density;
        std::copy(sample_.begin(), sample_.end(),
                  actions_.begin() + static_cast<long>((base + static_cast<std::size_t>(i)) *
                                                       static_cast<std::size_t>(store_dim_)));
        log_probs_[base + static_cast<std::size_t>(i)] = static_cast<float>(log_density);
      }
    }
    if (!eval) values_[base + static_cast<std::size_t>(i)] = v(row, 0);
  }
  if (!eval) {
    const auto d = static_cast<std::size_t>(obs_dim_);
    std::copy(norm_obs_.begin(), norm_obs_.begin() + static_cast<long>(n) * obs_dim_,
              obs_.begin() + static_cast<long>(base * d));
  }
}

void OnPolicyAgent::observe_batch(std::span<const Transition> transitions) {
  if (evaluation()) return;
  const auto n = static_cast<std::size_t>(config_.n_envs);
  if (transitions.size() != n)
    throw Error(name_ + ": observe_batch got " + std::to_string(transitions.size()) +
                " transitions, n_envs is " + std::to_string(n));
  if (pos_ >= config_.n_steps) throw Error(name_ + ": observe_batch without a preceding act_batch");
  const auto base = static_cast<std::size_t>(pos_) * n;
  const auto d = static_cast<std::size_t>(obs_dim_);
  trunc_rows_.clear();
  for (std::size_t i = 0; i < n; ++i) {
    const Transition& t = transitions[i];
    step_rewards_[i] = static_cast<float>(t.reward);
    step_done_[i] = t.terminated || t.truncated;
    terminated_[base + i] = t.terminated;
    truncated_[base + i] = t.truncated && !t.terminated;
    final_values_[base + i] = 0.0f;
    if (truncated_[base + i]) {
      if (t.next_obs.vec.size() != d)
        throw Error(name_ + ": final observation of size " + std::to_string(t.next_obs.vec.size()) +
                    ", expected " + std::to_string(d));
      std::copy(t.next_obs.vec.begin(), t.next_obs.vec.end(),
                trunc_obs_.begin() + static_cast<long>(trunc_rows_.size() * d));
      trunc_rows_.push_back(static_cast<std::int64_t>(i));
    }
  }
  if (reward_norm_) reward_norm_->normalize(step_rewards_, step_done_);
  std::copy(step_rewards_.begin(), step_rewards_.end(), rewards_.begin() + static_cast<long>(base));
  if (!trunc_rows_.empty()) {
    const std::size_t rows = trunc_rows_.size();
    if (obs_norm_)
      obs_norm_->normalize(std::span<const float>(trunc_obs_.data(), rows * d),
                           std::span<float>(trunc_obs_.data(), rows * d), rows, false);
    act_tape_.reset();
    auto v = net_.value(act_tape_, act_tape_.constant(trunc_obs_.data(),
                                                      static_cast<nn::Index>(rows), obs_dim_))
                 .value();
    for (std::size_t r = 0; r < rows; ++r)
      final_values_[base + static_cast<std::size_t>(trunc_rows_[r])] =
          v(static_cast<nn::Index>(r), 0);
  }
  ++pos_;
  num_timesteps_ += config_.n_envs;
}

void OnPolicyAgent::finish_rollout() {
  const auto n = config_.n_envs;
  act_tape_.reset();
  auto v = net_.value(act_tape_, act_tape_.constant(norm_obs_.data(), n, obs_dim_)).value();
  for (std::int64_t i = 0; i < n; ++i) last_values_[static_cast<std::size_t>(i)] = v(i, 0);
  RolloutTargets r{config_.n_steps, n,           rewards_,   values_,
                   final_values_,   terminated_, truncated_, last_values_};
  compute_gae(r, config_.gamma, config_.gae_lambda, advantages_, returns_);
  train();
  ++updates_;
  pos_ = 0;
}

void OnPolicyAgent::gather(std::span<const std::int64_t> rows) {
  const auto d = static_cast<std::size_t>(obs_dim_);
  const auto s = static_cast<std::size_t>(store_dim_);
  const std::size_t b = rows.size();
  mb_rows_ = static_cast<std::int64_t>(b);
  mb_obs_.resize(b * d);
  mb_actions_.resize(b * s);
  mb_log_probs_.resize(b);
  mb_values_.resize(b);
  mb_advantages_.resize(b);
  mb_returns_.resize(b);
  mb_labels_.resize(discrete_ ? b : 0);
  for (std::size_t k = 0; k < b; ++k) {
    const auto r = static_cast<std::size_t>(rows[k]);
    std::copy_n(obs_.begin() + static_cast<long>(r * d), d,
                mb_obs_.begin() + static_cast<long>(k * d));
    std::copy_n(actions_.begin() + static_cast<long>(r * s), s,
                mb_actions_.begin() + static_cast<long>(k * s));
    if (discrete_) mb_labels_[k] = static_cast<std::int64_t>(actions_[r]);
    mb_log_probs_[k] = log_probs_[r];
    mb_values_[k] = values_[r];
    mb_advantages_[k] = advantages_[r];
    mb_returns_[k] = returns_[r];
  }
}

void OnPolicyAgent::normalize_minibatch_advantages() {
  const std::size_t b = mb_advantages_.size();
  if (b < 2) return;
  double mean = 0.0, ss = 0.0;
  for (float a : mb_advantages_) mean += a;
  mean /= static_cast<double>(b);
  for (float a : mb_advantages_) ss += (a - mean) * (a - mean);
  const double sd = std::sqrt(ss / static_cast<double>(b - 1));
  for (float& a : mb_advantages_) a = static_cast<float>((a - mean) / (sd + 1e-8));
}

OnPolicyAgent::Evaluated OnPolicyAgent::evaluate_minibatch() {
  train_tape_.reset();
  const auto rows = static_cast<nn::Index>(mb_rows_);
  auto out = net_.forward(train_tape_, train_tape_.constant(mb_obs_.data(), rows, obs_dim_));
  Evaluated e;
  e.value = out.value;
  // With ent_coef = 0 the entropy only feeds the diagnostics: recorded without gradient, its
  // backward (which would add zeros) is skipped; the gradients are the same.
  const bool entropy_grad = config_.ent_coef != 0.0;
  if (discrete_) {
    e.log_prob = nn::categorical_log_prob(out.action, mb_labels_);
    train_tape_.set_grad_enabled(entropy_grad);
    e.entropy = nn::categorical_entropy(out.action);
  } else {
    nn::Var ls = train_tape_.param(net_.log_std());
    e.log_prob = nn::gaussian_log_prob(out.action, ls,
                                       train_tape_.constant(mb_actions_.data(), rows, action_dim_));
    train_tape_.set_grad_enabled(entropy_grad);
    e.entropy = nn::gaussian_entropy(ls);
  }
  train_tape_.set_grad_enabled(true);
  return e;
}

void OnPolicyAgent::save(StateDict& out) const {
  auto& self = const_cast<OnPolicyAgent&>(*this);  // parameter lists need non-const access
  self.net_.save(out, "policy.");
  optimizer_->save_state(out, "optimizer.");
  if (obs_norm_) obs_norm_->save(out, "obs_rms.");
  if (reward_norm_) reward_norm_->save(out, "ret_rms.");
  put(out, "rollout.obs", obs_);
  put(out, "rollout.actions", actions_);
  put(out, "rollout.log_probs", log_probs_);
  put(out, "rollout.values", values_);
  put(out, "rollout.rewards", rewards_);
  put(out, "rollout.final_values", final_values_);
  put(out, "rollout.terminated", terminated_);
  put(out, "rollout.truncated", truncated_);
  out["counters"] = {{3},
                     {static_cast<double>(num_timesteps_), static_cast<double>(pos_),
                      static_cast<double>(updates_)}};
  out["rng"] = rng_to_record(self.rng_);
}

void OnPolicyAgent::load(const StateDict& in) {
  auto counters = in.find("counters");
  if (counters == in.end() || counters->second.data.size() != 3)
    throw Error(name_ + " state: entry 'counters' (3 values) is missing: not a " + name_ +
                " agent's state?");
  const auto pos = static_cast<std::int64_t>(counters->second.data[1]);
  if (pos < 0 || pos > config_.n_steps)
    throw Error(name_ + " state: rollout position " + std::to_string(pos) +
                " is outside [0, n_steps = " + std::to_string(config_.n_steps) + "]");
  net_.load(in, "policy.");
  optimizer_->load_state(in, "optimizer.");
  if (obs_norm_) obs_norm_->load(in, "obs_rms.");
  if (reward_norm_) reward_norm_->load(in, "ret_rms.");
  get(in, name_, "rollout.obs", obs_);
  get(in, name_, "rollout.actions", actions_);
  get(in, name_, "rollout.log_probs", log_probs_);
  get(in, name_, "rollout.values", values_);
  get(in, name_, "rollout.rewards", rewards_);
  get(in, name_, "rollout.final_values", final_values_);
  get(in, name_, "rollout.terminated", terminated_);
  get(in, name_, "rollout.truncated", truncated_);
  num_timesteps_ = static_cast<std::int64_t>(counters->second.data[0]);
  pos_ = pos;
  updates_ = static_cast<std::int64_t>(counters->second.data[2]);
  if (auto rng = in.find("rng"); rng != in.end()) rng_from_record(rng_, rng->second, name_);
}

}  // namespace rlsim

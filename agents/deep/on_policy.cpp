#include "agents/deep/on_policy.hpp"

#include <algorithm>
#include <cmath>

#include "agents/deep/training_budget.hpp"
#include "core/error.hpp"
#include "core/rng_state.hpp"

namespace rlsim {

namespace {

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

// The config with total_timesteps = 0 resolved (an agent built outside a run), after the
// checks the rollout's size needs.
OnPolicyConfig checked(const std::string& name, OnPolicyConfig c) {
  if (c.n_envs < 1 || c.n_steps < 1) throw Error(name + ": n_envs and n_steps must be >= 1");
  c.total_timesteps = training_budget(c.total_timesteps, 0);
  return c;
}

std::unique_ptr<nn::Optimizer> make_optimizer(const OnPolicyConfig& c, ActorCriticNet& net) {
  if (c.use_rms_prop) {
    nn::RmsPropOptions o;
    o.lr = c.learning_rate;
    o.alpha = c.rms_prop_alpha;
    o.eps = c.rms_prop_eps;
    return std::make_unique<nn::RmsProp>(net.named_parameters(), o);
  }
  nn::AdamOptions o;
  o.lr = c.learning_rate;
  o.eps = c.adam_eps;
  return std::make_unique<nn::Adam>(net.named_parameters(), o);
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
                             std::uint64_t seed, std::vector<std::string> diagnostics)
    : name_(std::move(name)),
      config_(checked(name_, config)),
      head_(action_space),
      obs_dim_(static_cast<nn::Index>(observation_space.flat_size())),
      rng_(seed),
      net_(make_net(name_, config_, observation_space, action_space, seed)),
      optimizer_(make_optimizer(config_, net_)),
      rollout_(config_.n_envs, config_.n_steps, obs_dim_, head_.stored_width(), head_.discrete()),
      keep_best_(name_, config_.keep_best, {"policy.", "obs_rms."}) {
  const auto n = static_cast<std::size_t>(config_.n_envs);
  const auto d = static_cast<std::size_t>(obs_dim_);
  if (config_.normalize_obs) obs_norm_.emplace(d, config_.clip_obs);
  if (config_.normalize_reward) reward_norm_.emplace(n, config_.gamma, config_.clip_reward);
  diagnostics_.names = std::move(diagnostics);
  raw_obs_.assign(n * d, 0.0f);
  norm_obs_.assign(n * d, 0.0f);
  stored_action_.assign(static_cast<std::size_t>(head_.stored_width()), 0.0f);
  step_rewards_.assign(n, 0.0f);
  step_done_.assign(n, 0);
  trunc_obs_.assign(n * d, 0.0f);
  trunc_rows_.reserve(n);
  last_values_.assign(n, 0.0f);
}

double OnPolicyAgent::progress_remaining() const {
  if (config_.total_timesteps <= 0) return 1.0;
  return std::max(0.0, 1.0 - static_cast<double>(num_timesteps_) /
                                 static_cast<double>(config_.total_timesteps));
}

double OnPolicyAgent::apply_learning_rate() {
  const double lr = config_.learning_rate *
                    (config_.lr_schedule == Annealing::linear ? progress_remaining() : 1.0);
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
  if (!eval && rollout_.full()) finish_rollout();
  act_tape_.reset();
  auto out = net_.forward(act_tape_, act_tape_.constant(norm_obs_.data(), n, obs_dim_));
  auto head = out.action.value();
  auto v = out.value.value();
  const auto width = static_cast<std::size_t>(head_.outputs());
  std::span<const float> log_std;
  if (!head_.discrete()) log_std = {net_.log_std().value.data(), width};
  for (std::int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(i);
    const std::span<const float> row(head.data() + k * width, width);
    const double log_p =
        head_.act(row, log_std, eval, rng_, actions[k], decisions[k], stored_action_);
    if (!eval) rollout_.set_action(i, stored_action_, static_cast<float>(log_p), v(i, 0));
  }
  if (!eval)
    rollout_.set_observations(
        std::span<const float>(norm_obs_.data(), static_cast<std::size_t>(n * obs_dim_)));
}

void OnPolicyAgent::observe_batch(std::span<const Transition> transitions) {
  if (evaluation()) return;
  const auto n = static_cast<std::size_t>(config_.n_envs);
  if (transitions.size() != n)
    throw Error(name_ + ": observe_batch got " + std::to_string(transitions.size()) +
                " transitions, n_envs is " + std::to_string(n));
  if (rollout_.full()) throw Error(name_ + ": observe_batch without a preceding act_batch");
  const auto d = static_cast<std::size_t>(obs_dim_);
  trunc_rows_.clear();
  for (std::size_t i = 0; i < n; ++i) {
    const Transition& t = transitions[i];
    const auto env = static_cast<std::int64_t>(i);
    step_rewards_[i] = static_cast<float>(t.reward);
    step_done_[i] = t.terminated || t.truncated;
    rollout_.set_outcome(env, t.terminated, t.truncated);
    if (rollout_.truncated(env)) {
      if (t.next_obs.vec.size() != d)
        throw Error(name_ + ": final observation of size " + std::to_string(t.next_obs.vec.size()) +
                    ", expected " + std::to_string(d));
      std::copy(t.next_obs.vec.begin(), t.next_obs.vec.end(),
                trunc_obs_.begin() + static_cast<long>(trunc_rows_.size() * d));
      trunc_rows_.push_back(env);
    }
  }
  if (reward_norm_) reward_norm_->normalize(step_rewards_, step_done_);
  rollout_.set_rewards(step_rewards_);
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
      rollout_.set_final_value(trunc_rows_[r], v(static_cast<nn::Index>(r), 0));
  }
  rollout_.advance();
  num_timesteps_ += config_.n_envs;
}

void OnPolicyAgent::finish_rollout() {
  const auto n = config_.n_envs;
  act_tape_.reset();
  auto v = net_.value(act_tape_, act_tape_.constant(norm_obs_.data(), n, obs_dim_)).value();
  for (std::int64_t i = 0; i < n; ++i) last_values_[static_cast<std::size_t>(i)] = v(i, 0);
  rollout_.compute_targets(last_values_, config_.gamma, config_.gae_lambda);
  train();
  ++updates_;
  rollout_.clear();
}

OnPolicyAgent::Evaluated OnPolicyAgent::evaluate(const Minibatch& mb) {
  train_tape_.reset();
  const auto rows = static_cast<nn::Index>(mb.rows);
  auto out = net_.forward(train_tape_, train_tape_.constant(mb.obs.data(), rows, obs_dim_));
  // With ent_coef = 0 the entropy only feeds the diagnostics: recorded without gradient, its
  // backward (which would add zeros) is skipped; the gradients are the same.
  const PolicyHead::Terms terms =
      head_.evaluate(train_tape_, out.action, head_.discrete() ? nullptr : &net_.log_std(), mb,
                     config_.ent_coef != 0.0);
  return {terms.log_prob, terms.entropy, out.value};
}

void OnPolicyAgent::gradient_step(nn::Var loss) {
  optimizer_->zero_grad();
  train_tape_.backward(loss);
  if (config_.max_grad_norm > 0.0)
    nn::clip_grad_norm(optimizer_->parameters(), config_.max_grad_norm);
  optimizer_->step();
}

void OnPolicyAgent::save(StateDict& out) const {
  net_.save(out, "policy.");
  optimizer_->save_state(out, "optimizer.");
  if (obs_norm_) obs_norm_->save(out, "obs_rms.");
  if (reward_norm_) reward_norm_->save(out, "ret_rms.");
  rollout_.save(out, "rollout.");
  out["counters"] = {{3},
                     {static_cast<double>(num_timesteps_), static_cast<double>(rollout_.position()),
                      static_cast<double>(updates_)}};
  Rng stream = rng_;  // a copy: reading the engine state changes nothing
  out["rng"] = rng_to_record(stream);
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
  rollout_.load(in, "rollout.", name_);
  num_timesteps_ = static_cast<std::int64_t>(counters->second.data[0]);
  rollout_.set_position(pos, name_);
  updates_ = static_cast<std::int64_t>(counters->second.data[2]);
  if (auto rng = in.find("rng"); rng != in.end()) rng_from_record(rng_, rng->second, name_);
}

void OnPolicyAgent::save_checkpoint(StateDict& out) const {
  save(out);
  keep_best_.save(out, "keep_best.");
}

void OnPolicyAgent::load_checkpoint(const StateDict& in) {
  load(in);
  keep_best_.load(in, "keep_best.");
}

}  // namespace rlsim

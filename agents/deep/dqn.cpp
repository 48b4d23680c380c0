#include "agents/deep/dqn.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "agents/deep/training_budget.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"
#include "core/rng_state.hpp"

namespace rlsim {

namespace {

using nn::Index;
using nn::Var;

std::vector<Index> sizes_of(Index in, const std::vector<Index>& hidden, std::optional<Index> out) {
  std::vector<Index> sizes{in};
  sizes.insert(sizes.end(), hidden.begin(), hidden.end());
  if (out) sizes.push_back(*out);
  return sizes;
}

}  // namespace

QNetwork::QNetwork(Index obs_dim, Index n_actions, const std::vector<Index>& net_arch,
                   nn::Activation activation, bool dueling, Rng& rng)
    : dueling_(dueling) {
  if (!dueling) {
    body_.emplace(sizes_of(obs_dim, net_arch, n_actions), activation, nn::Activation::identity,
                  rng);
    return;
  }
  if (net_arch.empty()) {
    throw Error(
        "dqn: dueling = true needs at least one hidden layer in net_arch (the shared "
        "trunk); net_arch is empty");
  }
  body_.emplace(sizes_of(obs_dim, net_arch, std::nullopt), activation, activation, rng);
  value_.emplace(net_arch.back(), 1, rng);
  advantage_.emplace(net_arch.back(), n_actions, rng);
}

Var QNetwork::forward(Var x) {
  if (!dueling_) return body_->forward(x);
  Var h = body_->forward(x);
  Var v = value_->forward(h);
  Var a = advantage_->forward(h);
  return v + (a - nn::mean(a, 1));
}

void QNetwork::collect_parameters(const std::string& prefix, std::vector<nn::NamedParameter>& out) {
  if (!dueling_) {
    body_->collect_parameters(prefix, out);
    return;
  }
  body_->collect_parameters(prefix + "trunk.", out);
  value_->collect_parameters(prefix + "value.", out);
  advantage_->collect_parameters(prefix + "advantage.", out);
}

namespace {
// "dqn-init" for DQN.
Rng init_rng(const std::string& name, std::uint64_t seed) {
  return Rng(mix64(seed ^ hash_name(name + "-init")));
}
}  // namespace

void DqnConfig::validate() const {
  if (gradient_steps == 0)
    throw Error(
        "gradient_steps = 0 would never train; use >= 1, or -1 for as many as env steps per "
        "phase");
}

namespace {
// total_timesteps = 0 of an agent built outside a run.
DqnConfig resolved(DqnConfig c) {
  c.total_timesteps = training_budget(c.total_timesteps, 0);
  return c;
}
}  // namespace

DqnAgent::DqnAgent(const DqnConfig& config, const Space& observation_space,
                   const Space& action_space, std::uint64_t seed)
    : DqnAgent("dqn", config, observation_space, action_space, seed, 1,
               nn::AdamOptions{config.learning_rate}) {}

DqnAgent::DqnAgent(std::string name, const DqnConfig& config, const Space& observation_space,
                   const Space& action_space, std::uint64_t seed, std::int64_t outputs_per_action,
                   const nn::AdamOptions& adam)
    : name_(std::move(name)),
      config_(resolved(config)),
      obs_dim_(static_cast<std::int64_t>(observation_space.flat_size())),
      n_actions_(action_space.n()),
      action_start_(action_space.start()),
      rng_(seed),
      q_([&] {
        if (!observation_space.is_box() || !action_space.is_discrete()) {
          throw Error(name_ + " needs Box observations and Discrete actions, got " +
                      observation_space.describe() + " and " + action_space.describe());
        }
        if (outputs_per_action != 1 && config.dueling) {
          throw Error(name_ + ": dueling heads are DQN's only; use dueling = false");
        }
        Rng r = init_rng(name_, seed);
        return QNetwork(observation_space.flat_size(), action_space.n() * outputs_per_action,
                        config.net_arch, config.activation, config.dueling, r);
      }()),
      target_(q_),
      sync_(q_, target_),
      optimizer_(q_.named_parameters(), adam),
      buffer_(config.buffer_size, obs_dim_),
      window_(config.n_step, config.gamma, obs_dim_) {
  if (config_.prioritized) {
    prioritized_.emplace(config_.buffer_size, config_.per_alpha, config_.per_eps);
  }
  const auto b = static_cast<std::size_t>(config_.batch_size);
  batch_obs_.resize(config_.batch_size, obs_dim_);
  batch_next_.resize(config_.batch_size, obs_dim_);
  batch_index_.resize(b);
  batch_action_.resize(b);
  next_action_.resize(b);
  batch_return_.resize(b);
  batch_discount_.resize(b);
  batch_target_.resize(b);
  batch_weight_.assign(b, 1.0f);
  td_error_.resize(b);
  diagnostics_.names = {"loss", "mean_q", "epsilon", "learning_rate"};
}

double DqnAgent::epsilon() const {
  // SB3: get_linear_fn(initial, final, exploration_fraction) of the progress
  // num_timesteps / total_timesteps.
  const double progress =
      static_cast<double>(num_timesteps_) / static_cast<double>(config_.total_timesteps);
  if (config_.exploration_fraction <= 0.0 || progress > config_.exploration_fraction) {
    return config_.exploration_final_eps;
  }
  return config_.exploration_initial_eps +
         progress * (config_.exploration_final_eps - config_.exploration_initial_eps) /
             config_.exploration_fraction;
}

Index DqnAgent::greedy_action(const nn::ConstMatrixMap& output, Index row) const {
  Index best = 0;
  for (Index j = 1; j < n_actions_; ++j) {
    if (output(row, j) > output(row, best)) best = j;
  }
  return best;
}

std::int64_t DqnAgent::greedy(std::span<const float> obs) {
  act_tape_.reset();
  Var q = q_(act_tape_.constant(obs.data(), 1, obs_dim_));
  return greedy_action(q.value(), 0);
}

void DqnAgent::act(const Value& obs, Value& action, Decision& decision) {
  if (static_cast<std::int64_t>(obs.vec.size()) != obs_dim_) {
    throw Error(name_ + ": observation of size " + std::to_string(obs.vec.size()) + ", expected " +
                std::to_string(obs_dim_));
  }
  std::int64_t a = 0;
  double p = 1.0;
  if (evaluation()) {
    a = greedy(obs.vec);
  } else if (num_timesteps_ < config_.learning_starts) {
    a = rng_.integer(0, n_actions_ - 1);
    p = 1.0 / static_cast<double>(n_actions_);
  } else {
    const double eps = epsilon();
    const std::int64_t g = greedy(obs.vec);
    a = rng_.uniform() < eps ? rng_.integer(0, n_actions_ - 1) : g;
    const double random_share = eps / static_cast<double>(n_actions_);
    p = a == g ? 1.0 - eps + random_share : random_share;
  }
  action.index = a + action_start_;
  decision.probability = p;
  decision.log_prob = std::log(p);
}

void DqnAgent::observe(const Transition& t) {
  if (evaluation()) return;
  window_.push(t.obs.vec, t.action.index - action_start_, t.reward, t.next_obs.vec, t.terminated,
               t.truncated, buffer_, prioritized_ ? &*prioritized_ : nullptr);
  ++num_timesteps_;
  if (num_timesteps_ % config_.target_update_interval == 0) {
    if (config_.tau >= 1.0) {
      sync_.copy();
    } else {
      sync_.polyak(config_.tau);
    }
  }
  if (num_timesteps_ % config_.train_freq == 0 && num_timesteps_ > config_.learning_starts &&
      buffer_.size() > 0) {
    // SB3 (off_policy_algorithm.py, learn): gradient_steps = -1 means as many as the env
    // steps collected by this rollout, which is train_freq steps for one env, also for the
    // first training phase after learning_starts (not all steps since the start).
    const std::int64_t steps =
        config_.gradient_steps < 0 ? config_.train_freq : config_.gradient_steps;
    last_train_ = num_timesteps_;
    train(steps);
  }
}

void DqnAgent::compute_targets(const nn::Matrix& next_obs, std::span<const float> returns,
                               std::span<const float> discounts, std::span<float> out) {
  const Index rows = next_obs.rows();
  target_tape_.reset();
  Var qt = target_(target_tape_.constant(next_obs));
  auto target_values = qt.value();
  if (config_.double_q) {
    // Double DQN: the online network chooses the action, the target network values it.
    act_tape_.reset();
    Var qo = q_(act_tape_.constant(next_obs));
    auto online = qo.value();
    for (Index i = 0; i < rows; ++i) {
      Index best = 0;
      for (Index j = 1; j < n_actions_; ++j) {
        if (online(i, j) > online(i, best)) best = j;
      }
      out[static_cast<std::size_t>(i)] =
          returns[static_cast<std::size_t>(i)] +
          discounts[static_cast<std::size_t>(i)] * target_values(i, best);
    }
    return;
  }
  for (Index i = 0; i < rows; ++i) {
    out[static_cast<std::size_t>(i)] =
        returns[static_cast<std::size_t>(i)] +
        discounts[static_cast<std::size_t>(i)] * target_values.row(i).maxCoeff();
  }
}

double DqnAgent::td_loss_backward(const nn::Matrix& obs, std::span<const std::int64_t> actions,
                                  std::span<const float> targets, std::span<const float> weights) {
  const Index rows = obs.rows();
  train_tape_.reset();
  Var q = q_(train_tape_.constant(obs));
  Var qa = nn::gather(q, actions);
  Var y = train_tape_.constant(targets.data(), rows, 1);
  Var loss;
  if (!config_.prioritized) {
    loss = config_.loss == DqnLoss::huber ? nn::huber_loss(qa, y, 1.0f) : nn::mse_loss(qa, y);
  } else {
    Var d = qa - y;
    Var per_sample;
    if (config_.loss == DqnLoss::huber) {
      Var a = nn::abs(d);
      Var quadratic = nn::minimum(a, train_tape_.scalar(1.0f));
      per_sample = 0.5f * nn::square(quadratic) + (a - quadratic);
    } else {
      per_sample = nn::square(d);
    }
    loss = nn::mean(per_sample * train_tape_.constant(weights.data(), rows, 1));
  }
  auto qa_values = qa.value();
  for (Index i = 0; i < rows && i < static_cast<Index>(td_error_.size()); ++i) {
    td_error_[static_cast<std::size_t>(i)] = qa_values(i, 0) - targets[static_cast<std::size_t>(i)];
  }
  optimizer_.zero_grad();
  train_tape_.backward(loss);
  return loss.item();
}

double DqnAgent::minibatch_loss_backward(double& q_sum) {
  compute_targets(batch_next_, batch_return_, batch_discount_, batch_target_);
  const double loss = td_loss_backward(batch_obs_, batch_action_, batch_target_, batch_weight_);
  for (std::size_t k = 0; k < batch_index_.size(); ++k) q_sum += td_error_[k] + batch_target_[k];
  return loss;
}

void DqnAgent::train(std::int64_t gradient_steps) {
  double loss_sum = 0.0, q_sum = 0.0;
  const std::size_t b = batch_index_.size();
  // Schaul et al. 2016: β anneals linearly from β₀ to 1 over the training budget.
  const double progress = std::min(
      1.0, static_cast<double>(num_timesteps_) / static_cast<double>(config_.total_timesteps));
  const double beta = config_.per_beta0 + (1.0 - config_.per_beta0) * progress;
  for (std::int64_t g = 0; g < gradient_steps; ++g) {
    if (prioritized_) {
      prioritized_->sample(rng_, buffer_.size(), beta, batch_index_, batch_weight_);
    } else {
      buffer_.sample_uniform(rng_, batch_index_);
    }
    for (std::size_t k = 0; k < b; ++k) {
      const std::int64_t i = batch_index_[k];
      const auto o = buffer_.obs(i);
      const auto n = buffer_.next_obs(i);
      std::copy(o.begin(), o.end(), batch_obs_.row(static_cast<Index>(k)).data());
      std::copy(n.begin(), n.end(), batch_next_.row(static_cast<Index>(k)).data());
      batch_action_[k] = buffer_.action(i);
      batch_return_[k] = buffer_.ret(i);
      batch_discount_[k] = buffer_.discount(i);
    }
    loss_sum += minibatch_loss_backward(q_sum);
    if (config_.max_grad_norm > 0.0) {
      nn::clip_grad_norm(optimizer_.parameters(), config_.max_grad_norm);
    }
    optimizer_.step();
    if (prioritized_) {
      for (std::size_t k = 0; k < b; ++k) prioritized_->update(batch_index_[k], td_error_[k]);
    }
    ++num_updates_;
  }
  if (gradient_steps > 0) {
    const auto steps = static_cast<double>(gradient_steps);
    diagnostics_.add_row(
        num_timesteps_,
        {loss_sum / steps, q_sum / (steps * static_cast<double>(b)), epsilon(), optimizer_.lr()});
  }
}

void DqnAgent::evaluated(std::int64_t step, double mean_return) {
  if (!config_.keep_best) return;
  if (best_step_ >= 0 && mean_return < best_return_) return;
  const auto params = q_.named_parameters();
  best_params_.resize(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) best_params_[i] = params[i].parameter->value;
  best_step_ = step;
  best_return_ = mean_return;
}

bool DqnAgent::finish_training() {
  if (!config_.keep_best) return false;
  if (best_step_ < 0) {
    throw Error(name_ +
                ": keep_best = true needs evaluation during training, and this run had none: set "
                "[eval] every = N (env steps) and episodes, or keep_best = false");
  }
  if (best_step_ == num_timesteps_) return false;  // the current policy is the best
  const auto params = q_.named_parameters();
  for (std::size_t i = 0; i < params.size(); ++i) params[i].parameter->value = best_params_[i];
  sync_.copy();
  return true;
}

void DqnAgent::save(StateDict& out) const {
  nn::to_state_dict(q_, out, "q_net.");
  nn::to_state_dict(target_, out, "q_net_target.");
  optimizer_.save_state(out, "optimizer.");
  out["counters"] = {{3},
                     {static_cast<double>(num_timesteps_), static_cast<double>(num_updates_),
                      static_cast<double>(last_train_)}};
  Rng stream = rng_;  // a copy: reading the engine state changes nothing
  out["rng"] = rng_to_record(stream);
  if (config_.save_replay_buffer) {
    buffer_.save(out, "replay.");
    window_.save(out, "nstep.");
    if (prioritized_) prioritized_->save(out, "per.", buffer_.size());
  }
}

void DqnAgent::load(const StateDict& in) {
  auto counters = in.find("counters");
  if (counters == in.end() || counters->second.data.size() != 3) {
    throw Error(name_ + " state: entry 'counters' (3 values) is missing: not a " + name_ +
                " agent's state?");
  }
  // The strict loaders check every name and shape before changing anything ("q_net." and
  // "q_net_target." do not overlap as prefixes). The replay entries are optional (present
  // when saved with save_replay_buffer = true).
  nn::from_state_dict(q_, in, "q_net.");
  nn::from_state_dict(target_, in, "q_net_target.");
  optimizer_.load_state(in, "optimizer.");
  num_timesteps_ = static_cast<std::int64_t>(counters->second.data[0]);
  num_updates_ = static_cast<std::int64_t>(counters->second.data[1]);
  last_train_ = static_cast<std::int64_t>(counters->second.data[2]);
  if (auto rng = in.find("rng"); rng != in.end()) rng_from_record(rng_, rng->second, name_);
  if (in.count("replay.position") != 0) {
    buffer_.load(in, "replay.");
    window_.load(in, "nstep.");
    if (prioritized_) prioritized_->load(in, "per.", buffer_.size());
  }
}

void DqnAgent::save_checkpoint(StateDict& out) const {
  save(out);
  if (!config_.save_replay_buffer) {
    buffer_.save(out, "replay.");
    window_.save(out, "nstep.");
    if (prioritized_) prioritized_->save(out, "per.", buffer_.size());
  }
  out["keep_best.score"] = {{2}, {static_cast<double>(best_step_), best_return_}};
  for (std::size_t i = 0; i < best_params_.size(); ++i) {
    const nn::Matrix& m = best_params_[i];
    ArrayRecord r{{m.rows(), m.cols()}, {}};
    for (nn::Index a = 0; a < m.rows(); ++a)
      for (nn::Index b = 0; b < m.cols(); ++b) r.data.push_back(m(a, b));
    out["keep_best.param." + std::to_string(i)] = std::move(r);
  }
}

void DqnAgent::load_checkpoint(const StateDict& in) {
  const auto score = in.find("keep_best.score");
  if (score == in.end() || score->second.data.size() != 2 || in.count("replay.position") == 0)
    throw Error(name_ +
                " checkpoint: entries 'keep_best.score' and 'replay.*' are missing: not a "
                "checkpoint of a " +
                name_ + " agent");
  std::vector<nn::Matrix> best;
  for (std::size_t i = 0;; ++i) {
    const auto it = in.find("keep_best.param." + std::to_string(i));
    if (it == in.end()) break;
    const ArrayRecord& r = it->second;
    if (r.shape.size() != 2 || r.data.size() != static_cast<std::size_t>(r.shape[0] * r.shape[1]))
      throw Error(name_ + " checkpoint: entry 'keep_best.param." + std::to_string(i) +
                  "' is not a matrix: the checkpoint is damaged");
    nn::Matrix m(r.shape[0], r.shape[1]);
    std::size_t k = 0;
    for (nn::Index a = 0; a < m.rows(); ++a)
      for (nn::Index b = 0; b < m.cols(); ++b) m(a, b) = static_cast<float>(r.data[k++]);
    best.push_back(std::move(m));
  }
  load(in);
  best_step_ = static_cast<std::int64_t>(score->second.data[0]);
  best_return_ = score->second.data[1];
  best_params_ = std::move(best);
}

std::optional<std::string> dqn_env_check(const std::string& agent, const EnvSpec& spec) {
  if (spec.observation_space.is_box() && spec.action_space.is_discrete()) return std::nullopt;
  std::string why = agent + " needs Box observations and Discrete actions; " + spec.id + " has " +
                    spec.observation_space.describe() + " observations and " +
                    spec.action_space.describe() + " actions";
  if (!spec.observation_space.is_box()) {
    why += ": for Discrete observations use a tabular agent (q-learning)";
  } else {
    why += ": for continuous actions use reinforce";
  }
  return why;
}

namespace {

void register_dqn(Registry& registry) {
  using C = DqnConfig;
  ConfigSchema<C> schema;
  add_dqn_fields(schema, "SB3 2.x DQN", "SB3 2.x DQN MlpPolicy", true);
  registry.add_agent(agent_entry(
      "dqn",
      "deep Q-network (Mnih et al. 2015) with double DQN, dueling, n-step and prioritized "
      "replay options; SB3 parameter names and defaults",
      std::move(schema), [](const EnvSpec& spec, const Env&) { return dqn_env_check("dqn", spec); },
      [](const AgentContext& ctx, C c) {
        c.total_timesteps = resolve_training_budget(
            "dqn", c.total_timesteps, ctx.budget_steps,
            c.prioritized ? "exploration epsilon, PER beta" : "exploration epsilon");
        return std::make_unique<DqnAgent>(c, ctx.spec.observation_space, ctx.spec.action_space,
                                          ctx.seed);
      }));
}

}  // namespace

RLSIM_REGISTER(register_dqn)

}  // namespace rlsim

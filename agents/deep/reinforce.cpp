#include "agents/deep/reinforce.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.hpp"
#include "core/registry.hpp"
#include "core/rng_state.hpp"

namespace rlsim {

namespace {

using nn::Index;
using nn::Var;

constexpr double kHalfLog2Pi = 0.91893853320467274178;

std::vector<Index> mlp_sizes(Index in, const std::vector<Index>& hidden, Index out) {
  std::vector<Index> sizes{in};
  sizes.insert(sizes.end(), hidden.begin(), hidden.end());
  sizes.push_back(out);
  return sizes;
}

Rng init_rng(std::uint64_t seed) {
  return Rng(mix64(seed ^ hash_name("reinforce-init")));
}

}  // namespace

ReinforceAgent::ReinforceAgent(const ReinforceConfig& config, const Space& observation_space,
                               const Space& action_space, std::uint64_t seed)
    : config_(config),
      discrete_(action_space.is_discrete()),
      obs_dim_(static_cast<std::int64_t>(observation_space.flat_size())),
      action_dim_(discrete_ ? 1 : static_cast<std::int64_t>(action_space.flat_size())),
      n_actions_(discrete_ ? action_space.n() : 0),
      action_start_(discrete_ ? action_space.start() : 0),
      rng_(seed),
      policy_([&] {
        if (!observation_space.is_box()) {
          throw Error("reinforce needs Box observations, got " + observation_space.describe());
        }
        Rng r = init_rng(seed);
        const Index out = action_space.is_discrete() ? action_space.n()
                                                     : static_cast<Index>(action_space.flat_size());
        // A small last layer makes the initial policy nearly uniform / centred
        // (Andrychowicz et al. 2021, "What matters in on-policy RL", §3.2).
        return nn::Mlp(
            mlp_sizes(static_cast<Index>(observation_space.flat_size()), config.net_arch, out),
            config.activation, nn::Activation::identity, r,
            nn::Init::orthogonal(nn::gain_for(config.activation)), nn::Init::orthogonal(0.01));
      }()) {
  if (!discrete_) {
    low_ = action_space.low();
    high_ = action_space.high();
    log_std_ = nn::Parameter(1, action_dim_);
    log_std_.value.setConstant(static_cast<float>(config_.log_std_init));
  }
  auto params = policy_.named_parameters();
  if (!discrete_) params.push_back({"log_std", &log_std_});
  policy_opt_.emplace(std::move(params), nn::AdamOptions{config_.learning_rate});
  if (config_.baseline) {
    Rng r = init_rng(seed ^ 0x5A5A5A5AULL);
    value_.emplace(
        mlp_sizes(obs_dim_, config_.net_arch, 1), config_.activation, nn::Activation::identity, r,
        nn::Init::orthogonal(nn::gain_for(config_.activation)), nn::Init::orthogonal(1.0));
    value_opt_.emplace(value_->named_parameters(), nn::AdamOptions{config_.baseline_learning_rate});
  }
  sample_.resize(static_cast<std::size_t>(action_dim_));
  diagnostics_.names = {"policy_loss", "value_loss", "entropy", "episode_return"};
}

void ReinforceAgent::act(const Value& obs, Value& action, Decision& decision) {
  if (static_cast<std::int64_t>(obs.vec.size()) != obs_dim_) {
    throw Error("reinforce: observation of size " + std::to_string(obs.vec.size()) + ", expected " +
                std::to_string(obs_dim_));
  }
  act_tape_.reset();
  Var out = policy_(act_tape_.constant(obs.vec.data(), 1, obs_dim_));
  auto v = out.value();
  if (discrete_) {
    Index best = 0;
    for (Index j = 1; j < n_actions_; ++j) {
      if (v(0, j) > v(0, best)) best = j;
    }
    if (evaluation()) {
      action.index = best + action_start_;
      decision.probability = 1.0;
      decision.log_prob = 0.0;
      return;
    }
    double z = 0.0;
    for (Index j = 0; j < n_actions_; ++j) z += std::exp(static_cast<double>(v(0, j) - v(0, best)));
    const double u = rng_.uniform() * z;
    double cumulative = 0.0;
    Index chosen = n_actions_ - 1;
    for (Index j = 0; j < n_actions_; ++j) {
      cumulative += std::exp(static_cast<double>(v(0, j) - v(0, best)));
      if (u < cumulative) {
        chosen = j;
        break;
      }
    }
    const double p = std::exp(static_cast<double>(v(0, chosen) - v(0, best))) / z;
    action.index = chosen + action_start_;
    sample_[0] = static_cast<float>(chosen);
    decision.probability = p;
    decision.log_prob = std::log(p);
    return;
  }
  action.vec.resize(static_cast<std::size_t>(action_dim_));
  if (evaluation()) {
    for (Index j = 0; j < action_dim_; ++j) {
      const auto k = static_cast<std::size_t>(j);
      action.vec[k] = std::clamp(v(0, j), low_[k], high_[k]);
    }
    decision.probability = 1.0;
    decision.log_prob = 0.0;
    return;
  }
  double log_density = 0.0;
  for (Index j = 0; j < action_dim_; ++j) {
    const auto k = static_cast<std::size_t>(j);
    const double log_sigma = log_std_.value(0, j);
    const double noise = rng_.normal();
    sample_[k] = static_cast<float>(v(0, j) + std::exp(log_sigma) * noise);
    log_density += -0.5 * noise * noise - log_sigma - kHalfLog2Pi;
    action.vec[k] = std::clamp(sample_[k], low_[k], high_[k]);
  }
  decision.probability = std::numeric_limits<double>::quiet_NaN();
  decision.log_prob = log_density;
}

void ReinforceAgent::observe(const Transition& t) {
  if (evaluation()) return;
  ep_obs_.insert(ep_obs_.end(), t.obs.vec.begin(), t.obs.vec.end());
  if (discrete_) {
    ep_actions_.push_back(static_cast<float>(t.action.index - action_start_));
  } else {
    ep_actions_.insert(ep_actions_.end(), sample_.begin(), sample_.end());
  }
  ep_rewards_.push_back(static_cast<float>(t.reward));
  ++steps_;
  if (t.terminated || t.truncated) learn_episode(!t.terminated, t.next_obs);
}

double ReinforceAgent::policy_loss_backward(const nn::Matrix& obs, std::span<const float> actions,
                                            std::span<const float> advantages) {
  const Index rows = obs.rows();
  train_tape_.reset();
  Var out = policy_(train_tape_.constant(obs));
  Var log_prob, entropy;
  if (discrete_) {
    labels_.resize(static_cast<std::size_t>(rows));
    for (Index i = 0; i < rows; ++i) {
      labels_[static_cast<std::size_t>(i)] =
          static_cast<std::int64_t>(actions[static_cast<std::size_t>(i)]);
    }
    log_prob = nn::categorical_log_prob(out, labels_);
    entropy = nn::categorical_entropy(out);
  } else {
    Var ls = train_tape_.param(log_std_);
    log_prob =
        nn::gaussian_log_prob(out, ls, train_tape_.constant(actions.data(), rows, action_dim_));
    entropy = nn::gaussian_entropy(ls);
  }
  Var adv = train_tape_.constant(advantages.data(), rows, 1);
  Var mean_entropy = nn::mean(entropy);
  Var loss = -nn::mean(log_prob * adv) - static_cast<float>(config_.ent_coef) * mean_entropy;
  last_entropy_ = mean_entropy.item();
  policy_opt_->zero_grad();
  train_tape_.backward(loss);
  return loss.item();
}

void ReinforceAgent::learn_episode(bool truncated, const Value& final_obs) {
  const auto steps = static_cast<Index>(ep_rewards_.size());
  const nn::ConstMatrixMap obs(ep_obs_.data(), steps, obs_dim_);
  batch_obs_ = obs;  // grows to the longest episode; Eigen reallocates only on a size change
  returns_.resize(static_cast<std::size_t>(steps));
  advantages_.resize(static_cast<std::size_t>(steps));
  double tail = 0.0;
  if (truncated && value_) {
    act_tape_.reset();
    tail = value_->forward(act_tape_.constant(final_obs.vec.data(), 1, obs_dim_)).item();
  }
  for (Index t = steps - 1; t >= 0; --t) {
    tail = ep_rewards_[static_cast<std::size_t>(t)] + config_.gamma * tail;
    returns_[static_cast<std::size_t>(t)] = static_cast<float>(tail);
  }
  if (value_) {
    act_tape_.reset();
    Var v = value_->forward(act_tape_.constant(batch_obs_));
    auto values = v.value();
    for (Index t = 0; t < steps; ++t) {
      advantages_[static_cast<std::size_t>(t)] =
          returns_[static_cast<std::size_t>(t)] - values(t, 0);
    }
  } else {
    advantages_ = returns_;
  }
  if (config_.normalize_advantage && steps > 1) {
    double mean = 0.0, ss = 0.0;
    for (float a : advantages_) mean += a;
    mean /= static_cast<double>(steps);
    for (float a : advantages_) ss += (a - mean) * (a - mean);
    const double sd = std::sqrt(ss / static_cast<double>(steps - 1));
    for (float& a : advantages_) a = static_cast<float>((a - mean) / (sd + 1e-8));
  }
  const double policy_loss = policy_loss_backward(batch_obs_, ep_actions_, advantages_);
  if (config_.max_grad_norm > 0.0) {
    nn::clip_grad_norm(policy_opt_->parameters(), config_.max_grad_norm);
  }
  policy_opt_->step();
  double value_loss = 0.0;
  if (value_) {
    train_tape_.reset();
    Var v = value_->forward(train_tape_.constant(batch_obs_));
    Var loss = nn::mse_loss(v, train_tape_.constant(returns_.data(), steps, 1));
    value_opt_->zero_grad();
    train_tape_.backward(loss);
    if (config_.max_grad_norm > 0.0) {
      nn::clip_grad_norm(value_opt_->parameters(), config_.max_grad_norm);
    }
    value_opt_->step();
    value_loss = loss.item();
  }
  double episode_return = 0.0;
  for (float r : ep_rewards_) episode_return += r;
  diagnostics_.add_row(steps_, {policy_loss, value_loss, last_entropy_, episode_return});
  ++episodes_;
  ep_obs_.clear();
  ep_actions_.clear();
  ep_rewards_.clear();
}

void ReinforceAgent::save(StateDict& out) const {
  nn::to_state_dict(policy_, out, "policy.");
  policy_opt_->save_state(out, "policy_optimizer.");
  if (!discrete_) {
    ArrayRecord r{{1, action_dim_}, {}};
    for (Index j = 0; j < action_dim_; ++j) r.data.push_back(log_std_.value(0, j));
    out["log_std"] = std::move(r);
  }
  if (value_) {
    nn::to_state_dict(*value_, out, "value.");
    value_opt_->save_state(out, "value_optimizer.");
  }
  out["counters"] = {{2}, {static_cast<double>(episodes_), static_cast<double>(steps_)}};
  // The sampling stream and the episode collected so far, so that a loaded agent continues
  // exactly (also when saved mid-episode).
  Rng stream = rng_;  // a copy: reading the engine state changes nothing
  out["rng"] = rng_to_record(stream);
  auto floats = [](const std::vector<float>& v) {
    return ArrayRecord{{static_cast<std::int64_t>(v.size())}, {v.begin(), v.end()}};
  };
  out["episode.obs"] = floats(ep_obs_);
  out["episode.actions"] = floats(ep_actions_);
  out["episode.rewards"] = floats(ep_rewards_);
}

void ReinforceAgent::load(const StateDict& in) {
  auto counters = in.find("counters");
  if (counters == in.end() || counters->second.data.size() != 2) {
    throw Error(
        "reinforce state: entry 'counters' (2 values) is missing: not a reinforce "
        "agent's state?");
  }
  if (!discrete_) {
    auto ls = in.find("log_std");
    if (ls == in.end() || static_cast<std::int64_t>(ls->second.data.size()) != action_dim_) {
      throw Error("reinforce state: entry 'log_std' with " + std::to_string(action_dim_) +
                  " values is missing");
    }
  }
  // The episode in progress (optional: states saved before it existed start a new one).
  const auto ep_obs = in.find("episode.obs"), ep_actions = in.find("episode.actions"),
             ep_rewards = in.find("episode.rewards");
  const bool has_episode = ep_obs != in.end() && ep_actions != in.end() && ep_rewards != in.end();
  if (has_episode) {
    const std::size_t n = ep_rewards->second.data.size();
    const std::size_t per_action = discrete_ ? 1 : static_cast<std::size_t>(action_dim_);
    if (ep_obs->second.data.size() != n * static_cast<std::size_t>(obs_dim_) ||
        ep_actions->second.data.size() != n * per_action)
      throw Error("reinforce state: the episode in progress has " + std::to_string(n) +
                  " rewards but " + std::to_string(ep_obs->second.data.size()) +
                  " observation values and " + std::to_string(ep_actions->second.data.size()) +
                  " action values: expected " + std::to_string(obs_dim_) + " and " +
                  std::to_string(per_action) + " per step");
  }
  nn::from_state_dict(policy_, in, "policy.");
  policy_opt_->load_state(in, "policy_optimizer.");
  if (!discrete_) {
    const auto& ls = in.at("log_std").data;
    for (Index j = 0; j < action_dim_; ++j) {
      log_std_.value(0, j) = static_cast<float>(ls[static_cast<std::size_t>(j)]);
    }
  }
  if (value_) {
    nn::from_state_dict(*value_, in, "value.");
    value_opt_->load_state(in, "value_optimizer.");
  }
  episodes_ = static_cast<std::int64_t>(counters->second.data[0]);
  steps_ = static_cast<std::int64_t>(counters->second.data[1]);
  if (auto rng = in.find("rng"); rng != in.end()) rng_from_record(rng_, rng->second, "reinforce");
  auto assign = [](std::vector<float>& v, const ArrayRecord& r) {
    v.assign(r.data.begin(), r.data.end());  // the doubles hold floats exactly
  };
  if (has_episode) {
    assign(ep_obs_, ep_obs->second);
    assign(ep_actions_, ep_actions->second);
    assign(ep_rewards_, ep_rewards->second);
  } else {
    ep_obs_.clear();
    ep_actions_.clear();
    ep_rewards_.clear();
  }
}

namespace {

std::optional<std::string> reinforce_check(const EnvSpec& spec, const Env&) {
  if (spec.observation_space.is_box()) return std::nullopt;
  return "reinforce needs Box observations; " + spec.id + " has " +
         spec.observation_space.describe() + " observations: use a tabular agent (q-learning)";
}

void register_reinforce(Registry& registry) {
  using C = ReinforceConfig;
  registry.add_agent(agent_entry(
      "reinforce",
      "REINFORCE Monte-Carlo policy gradient (Williams 1992) with an optional learned baseline; "
      "softmax (Discrete) or diagonal Gaussian (Box) policy",
      ConfigSchema<C>()
          .field("learning_rate", &C::learning_rate, "Adam step size of the policy", at_least(0))
          .field("baseline_learning_rate", &C::baseline_learning_rate,
                 "Adam step size of the value baseline", at_least(0))
          .field("gamma", &C::gamma, "discount factor", range(0, 1), source("SB3"))
          .field("baseline", &C::baseline,
                 "subtract a learned state value V(s) from the return (S&B 2nd ed. §13.4)")
          .field("ent_coef", &C::ent_coef, "entropy bonus coefficient (Mnih et al. 2016)",
                 at_least(0))
          .field("normalize_advantage", &C::normalize_advantage,
                 "normalise the episode's advantages to mean 0, std 1")
          .field("net_arch", &C::net_arch, "hidden layer widths of the policy and the baseline",
                 at_least(1), source("Spinning Up VPG"))
          .field("activation", &C::activation, "hidden activation", names(nn::activation_names()),
                 source("Spinning Up VPG"))
          .field("log_std_init", &C::log_std_init,
                 "initial log standard deviation of the Gaussian policy", source("SB3"))
          .field("max_grad_norm", &C::max_grad_norm,
                 "clip gradients to this global L2 norm (0: no clipping)", at_least(0))
          .field("keep_best", &C::keep_best, kKeepBestDoc),
      reinforce_check, [](const AgentContext& ctx, const C& c) {
        return std::make_unique<ReinforceAgent>(c, ctx.spec.observation_space,
                                                ctx.spec.action_space, ctx.seed);
      }));
}

}  // namespace

RLSIM_REGISTER(register_reinforce)

}  // namespace rlsim

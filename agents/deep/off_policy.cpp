#include "agents/deep/off_policy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "core/error.hpp"
#include "core/rng_state.hpp"

namespace rlsim {

namespace {
// SB3 2.x OrnsteinUhlenbeckActionNoise defaults (common/noise.py).
constexpr double kOuTheta = 0.15;
constexpr double kOuDt = 1e-2;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

ActionNoise::ActionNoise(ActionNoiseKind kind, double sigma, std::int64_t dim)
    : kind_(kind), sigma_(sigma), state_(static_cast<std::size_t>(dim), 0.0) {}

double ActionNoise::sample(Rng& rng, std::span<float> out) {
  // Log-density of the draw: each element is N(mean, s²) with mean 0, s = σ (normal) or
  // mean x(1 − θdt), s = σ√dt (Ornstein–Uhlenbeck, given the previous x).
  const double s = kind_ == ActionNoiseKind::normal ? sigma_ : sigma_ * std::sqrt(kOuDt);
  double log_density = 0.0;
  for (std::size_t j = 0; j < out.size(); ++j) {
    const double z = rng.normal();
    if (kind_ == ActionNoiseKind::normal) {
      out[j] = static_cast<float>(sigma_ * z);
    } else {
      double& x = state_[j];
      x = x + kOuTheta * (0.0 - x) * kOuDt + sigma_ * std::sqrt(kOuDt) * z;
      out[j] = static_cast<float>(x);
    }
    log_density += -0.5 * z * z - std::log(s) - 0.5 * std::log(2.0 * std::numbers::pi);
  }
  return log_density;
}

void ActionNoise::reset() {
  std::fill(state_.begin(), state_.end(), 0.0);
}

void ActionNoise::save(StateDict& out, const std::string& prefix) const {
  out[prefix + "state"] = {{static_cast<std::int64_t>(state_.size())}, state_};
}

void ActionNoise::load(const StateDict& in, const std::string& prefix) {
  auto it = in.find(prefix + "state");
  if (it == in.end() || it->second.data.size() != state_.size()) {
    throw Error("off-policy agent state: entry '" + prefix + "state' (" +
                std::to_string(state_.size()) + " values) is missing or has another size");
  }
  state_ = it->second.data;
}

ContinuousCritic::ContinuousCritic(nn::Index input_dim, const std::vector<nn::Index>& net_arch,
                                   std::int64_t n_critics, Rng& rng) {
  std::vector<nn::Index> sizes{input_dim};
  sizes.insert(sizes.end(), net_arch.begin(), net_arch.end());
  sizes.push_back(1);
  q_.reserve(static_cast<std::size_t>(n_critics));
  for (std::int64_t i = 0; i < n_critics; ++i) {
    q_.emplace_back(sizes, nn::Activation::relu, nn::Activation::identity, rng);
  }
}

nn::Var ContinuousCritic::forward(nn::Var x) {
  if (q_.size() == 1) return q_[0].forward(x);
  std::vector<nn::Var> parts;
  parts.reserve(q_.size());
  for (auto& q : q_) parts.push_back(q.forward(x));
  return nn::concat(std::span<const nn::Var>(parts), 1);
}

void ContinuousCritic::collect_parameters(const std::string& prefix,
                                          std::vector<nn::NamedParameter>& out) {
  for (std::size_t i = 0; i < q_.size(); ++i) {
    q_[i].collect_parameters(prefix + "qf" + std::to_string(i) + ".", out);
  }
}

std::optional<std::string> off_policy_check(const std::string& agent, const EnvSpec& spec) {
  if (!spec.observation_space.is_box() || !spec.action_space.is_box()) {
    std::string why = agent + " needs Box observations and Box actions; " + spec.id + " has " +
                      spec.observation_space.describe() + " observations and " +
                      spec.action_space.describe() + " actions";
    if (spec.action_space.is_discrete()) why += ": for Discrete actions use dqn or ppo";
    return why;
  }
  const auto& lo = spec.action_space.low();
  const auto& hi = spec.action_space.high();
  for (std::size_t j = 0; j < lo.size(); ++j) {
    if (!std::isfinite(lo[j]) || !std::isfinite(hi[j]) || !(hi[j] > lo[j])) {
      return agent + " rescales actions to the Box bounds, which must be finite with low < high; " +
             spec.id + " has " + spec.action_space.describe();
    }
  }
  return std::nullopt;
}

OffPolicyAgent::OffPolicyAgent(std::string name, const OffPolicyConfig& config,
                               const Space& observation_space, const Space& action_space,
                               std::uint64_t seed)
    : common_(config),
      name_(std::move(name)),
      obs_dim_(static_cast<std::int64_t>(observation_space.flat_size())),
      action_dim_([&] {
        EnvSpec spec{"this env", observation_space, action_space, 0, std::nullopt};
        if (auto why = off_policy_check(name_, spec)) throw Error(*why);
        return static_cast<std::int64_t>(action_space.flat_size());
      }()),
      low_(action_space.low()),
      high_(action_space.high()),
      rng_(seed),
      noise_(config.action_noise, config.action_noise_sigma, action_dim_),
      buffer_(config.buffer_size, obs_dim_, action_dim_),
      scaled_(static_cast<std::size_t>(action_dim_)),
      noise_draw_(static_cast<std::size_t>(action_dim_)),
      batch_index_(static_cast<std::size_t>(config.batch_size)),
      keep_best_(name_, config.keep_best, {"actor."}) {
  batch_obs_.resize(config.batch_size, obs_dim_);
  batch_next_.resize(config.batch_size, obs_dim_);
  batch_action_.resize(config.batch_size, action_dim_);
  batch_reward_.resize(config.batch_size, 1);
  batch_discount_.resize(config.batch_size, 1);
}

void OffPolicyAgent::act(const Value& obs, Value& action, Decision& decision) {
  if (static_cast<std::int64_t>(obs.vec.size()) != obs_dim_) {
    throw Error(name_ + ": observation of size " + std::to_string(obs.vec.size()) + ", expected " +
                std::to_string(obs_dim_));
  }
  // Log-density of the scaled action; NaN while the action is a deterministic function of
  // the observation.
  double log_density = kNaN;
  if (evaluation()) {
    deterministic_action(obs.vec, scaled_);
  } else {
    if (num_timesteps_ < common_.learning_starts) {
      for (auto& a : scaled_) a = static_cast<float>(rng_.uniform(-1.0, 1.0));
      log_density = -static_cast<double>(action_dim_) * std::log(2.0);
    } else {
      log_density = sample_policy_action(obs.vec, scaled_);
    }
    if (noise_.active()) {
      const double noise_density = noise_.sample(rng_, noise_draw_);
      for (std::size_t j = 0; j < scaled_.size(); ++j) {
        scaled_[j] = std::clamp(scaled_[j] + noise_draw_[j], -1.0f, 1.0f);
      }
      // A deterministic action plus noise has the noise's density (before clipping).
      if (std::isnan(log_density)) log_density = noise_density;
    }
  }
  action.vec.resize(scaled_.size());
  double log_jacobian = 0.0;
  for (std::size_t j = 0; j < scaled_.size(); ++j) {
    const float half = 0.5f * (high_[j] - low_[j]);
    action.vec[j] = low_[j] + (scaled_[j] + 1.0f) * half;
    log_jacobian += std::log(static_cast<double>(half));
  }
  if (std::isnan(log_density)) {  // a deterministic choice, as PPO's: probability 1
    decision.probability = 1.0;
    decision.log_prob = 0.0;
  } else {
    decision.probability = kNaN;
    decision.log_prob = log_density - log_jacobian;
  }
}

void OffPolicyAgent::observe(const Transition& t) {
  if (evaluation()) return;
  for (std::size_t j = 0; j < scaled_.size(); ++j) {
    // SB3's scale_action: 2(a − low)/(high − low) − 1.
    scaled_[j] = 2.0f * (t.action.vec[j] - low_[j]) / (high_[j] - low_[j]) - 1.0f;
  }
  buffer_.add(t.obs.vec, scaled_, static_cast<float>(t.reward), t.next_obs.vec,
              t.terminated ? 0.0f : static_cast<float>(common_.gamma));
  if (t.terminated || t.truncated) noise_.reset();
  ++num_timesteps_;
  if (num_timesteps_ % common_.train_freq == 0 && num_timesteps_ > common_.learning_starts) {
    train(common_.gradient_steps < 0 ? common_.train_freq : common_.gradient_steps);
  }
}

void OffPolicyAgent::sample_batch() {
  buffer_.sample_uniform(rng_, batch_index_);
  for (std::size_t k = 0; k < batch_index_.size(); ++k) {
    const std::int64_t i = batch_index_[k];
    const auto row = static_cast<nn::Index>(k);
    const auto o = buffer_.obs(i);
    const auto n = buffer_.next_obs(i);
    const auto a = buffer_.box_action(i);
    std::copy(o.begin(), o.end(), batch_obs_.row(row).data());
    std::copy(n.begin(), n.end(), batch_next_.row(row).data());
    std::copy(a.begin(), a.end(), batch_action_.row(row).data());
    batch_reward_(row, 0) = buffer_.ret(i);
    batch_discount_(row, 0) = buffer_.discount(i);
  }
}

void OffPolicyAgent::save(StateDict& out) const {
  save_learner(out);
  out["counters"] = {{2}, {static_cast<double>(num_timesteps_), static_cast<double>(num_updates_)}};
  Rng stream = rng_;  // a copy: reading the engine state changes nothing
  out["rng"] = rng_to_record(stream);
  noise_.save(out, "noise.");
  if (common_.save_replay_buffer) buffer_.save(out, "replay.");
}

void OffPolicyAgent::load(const StateDict& in) {
  auto counters = in.find("counters");
  if (counters == in.end() || counters->second.data.size() != 2) {
    throw Error(name_ + " state: entry 'counters' (2 values) is missing: not a " + name_ +
                " agent's state?");
  }
  load_learner(in);
  num_timesteps_ = static_cast<std::int64_t>(counters->second.data[0]);
  num_updates_ = static_cast<std::int64_t>(counters->second.data[1]);
  if (auto rng = in.find("rng"); rng != in.end()) rng_from_record(rng_, rng->second, name_);
  noise_.load(in, "noise.");
  if (in.count("replay.position") != 0) buffer_.load(in, "replay.");
}

}  // namespace rlsim

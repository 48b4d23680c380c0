#include "agents/deep/rollout_buffer.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "agents/deep/advantage.hpp"
#include "core/error.hpp"
#include "core/memory.hpp"

namespace rlsim {

namespace {

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

void Minibatch::normalize_advantages() {
  const std::size_t b = advantages.size();
  if (b < 2) return;
  double mean = 0.0, ss = 0.0;
  for (float a : advantages) mean += a;
  mean /= static_cast<double>(b);
  for (float a : advantages) ss += (a - mean) * (a - mean);
  const double sd = std::sqrt(ss / static_cast<double>(b - 1));
  for (float& a : advantages) a = static_cast<float>((a - mean) / (sd + 1e-8));
}

RolloutBuffer::RolloutBuffer(std::int64_t n_envs, std::int64_t n_steps, std::int64_t obs_dim,
                             std::int64_t action_width, bool discrete)
    : n_envs_(n_envs),
      n_steps_(n_steps),
      obs_dim_(obs_dim),
      action_width_(action_width),
      discrete_(discrete) {
  // Every row is zeroed here, so a buffer larger than the memory is refused first.
  const double row_bytes = 4.0 * static_cast<double>(obs_dim + action_width) + 26.0;
  require_memory(static_cast<double>(n_envs) * static_cast<double>(n_steps) * row_bytes,
                 "rollout buffer: n_envs × n_steps = " + std::to_string(n_envs) + " × " +
                     std::to_string(n_steps) + " rows of " +
                     std::to_string(static_cast<long>(row_bytes)) + " bytes",
                 "lower n_steps or n_envs");
  const auto total = static_cast<std::size_t>(n_envs_ * n_steps_);
  obs_.assign(total * static_cast<std::size_t>(obs_dim_), 0.0f);
  actions_.assign(total * static_cast<std::size_t>(action_width_), 0.0f);
  log_probs_.assign(total, 0.0f);
  values_.assign(total, 0.0f);
  rewards_.assign(total, 0.0f);
  final_values_.assign(total, 0.0f);
  terminated_.assign(total, 0);
  truncated_.assign(total, 0);
  advantages_.assign(total, 0.0f);
  returns_.assign(total, 0.0f);
}

void RolloutBuffer::set_action(std::int64_t env, std::span<const float> action, float log_prob,
                               float value) {
  const std::size_t r = row(env);
  std::copy(action.begin(), action.end(),
            actions_.begin() + static_cast<long>(r * static_cast<std::size_t>(action_width_)));
  log_probs_[r] = log_prob;
  values_[r] = value;
}

void RolloutBuffer::set_observations(std::span<const float> obs) {
  std::copy(obs.begin(), obs.end(),
            obs_.begin() + static_cast<long>(row(0) * static_cast<std::size_t>(obs_dim_)));
}

void RolloutBuffer::set_outcome(std::int64_t env, bool terminated, bool truncated) {
  const std::size_t r = row(env);
  terminated_[r] = terminated;
  truncated_[r] = truncated && !terminated;
  final_values_[r] = 0.0f;
}

bool RolloutBuffer::truncated(std::int64_t env) const {
  return truncated_[row(env)] != 0;
}

void RolloutBuffer::set_rewards(std::span<const float> rewards) {
  std::copy(rewards.begin(), rewards.end(), rewards_.begin() + static_cast<long>(row(0)));
}

void RolloutBuffer::set_final_value(std::int64_t env, float value) {
  final_values_[row(env)] = value;
}

void RolloutBuffer::set_position(std::int64_t pos, const std::string& owner) {
  if (pos < 0 || pos > n_steps_)
    throw Error(owner + " state: rollout position " + std::to_string(pos) +
                " is outside [0, n_steps = " + std::to_string(n_steps_) + "]");
  pos_ = pos;
}

void RolloutBuffer::compute_targets(std::span<const float> last_values, double gamma,
                                    double gae_lambda) {
  RolloutTargets r{n_steps_,      n_envs_,     rewards_,   values_,
                   final_values_, terminated_, truncated_, last_values};
  compute_gae(r, gamma, gae_lambda, advantages_, returns_);
}

Minibatch RolloutBuffer::make_minibatch() const {
  Minibatch mb;
  const auto total = static_cast<std::size_t>(size());
  mb.obs.reserve(total * static_cast<std::size_t>(obs_dim_));
  mb.actions.reserve(total * static_cast<std::size_t>(action_width_));
  for (auto* v : {&mb.log_probs, &mb.values, &mb.advantages, &mb.returns}) v->reserve(total);
  mb.labels.reserve(total);
  return mb;
}

void RolloutBuffer::gather(std::span<const std::int64_t> rows, Minibatch& out) const {
  const auto d = static_cast<std::size_t>(obs_dim_);
  const auto s = static_cast<std::size_t>(action_width_);
  const std::size_t b = rows.size();
  out.rows = static_cast<std::int64_t>(b);
  out.obs.resize(b * d);
  out.actions.resize(b * s);
  out.log_probs.resize(b);
  out.values.resize(b);
  out.advantages.resize(b);
  out.returns.resize(b);
  out.labels.resize(discrete_ ? b : 0);
  for (std::size_t k = 0; k < b; ++k) {
    const auto r = static_cast<std::size_t>(rows[k]);
    std::copy_n(obs_.begin() + static_cast<long>(r * d), d,
                out.obs.begin() + static_cast<long>(k * d));
    std::copy_n(actions_.begin() + static_cast<long>(r * s), s,
                out.actions.begin() + static_cast<long>(k * s));
    if (discrete_) out.labels[k] = static_cast<std::int64_t>(actions_[r]);
    out.log_probs[k] = log_probs_[r];
    out.values[k] = values_[r];
    out.advantages[k] = advantages_[r];
    out.returns[k] = returns_[r];
  }
}

void RolloutBuffer::save(StateDict& out, const std::string& prefix) const {
  put(out, prefix + "obs", obs_);
  put(out, prefix + "actions", actions_);
  put(out, prefix + "log_probs", log_probs_);
  put(out, prefix + "values", values_);
  put(out, prefix + "rewards", rewards_);
  put(out, prefix + "final_values", final_values_);
  put(out, prefix + "terminated", terminated_);
  put(out, prefix + "truncated", truncated_);
}

void RolloutBuffer::load(const StateDict& in, const std::string& prefix, const std::string& owner) {
  get(in, owner, prefix + "obs", obs_);
  get(in, owner, prefix + "actions", actions_);
  get(in, owner, prefix + "log_probs", log_probs_);
  get(in, owner, prefix + "values", values_);
  get(in, owner, prefix + "rewards", rewards_);
  get(in, owner, prefix + "final_values", final_values_);
  get(in, owner, prefix + "terminated", terminated_);
  get(in, owner, prefix + "truncated", truncated_);
}

void shuffle_rows(std::vector<std::int64_t>& order, std::int64_t rows, Rng& rng) {
  order.resize(static_cast<std::size_t>(rows));
  for (std::int64_t k = 0; k < rows; ++k) order[static_cast<std::size_t>(k)] = k;
  for (std::int64_t k = rows - 1; k > 0; --k)  // Fisher–Yates
    std::swap(order[static_cast<std::size_t>(k)],
              order[static_cast<std::size_t>(rng.integer(0, k))]);
}

MinibatchPass::MinibatchPass(const RolloutBuffer& rollout, std::span<const std::int64_t> order,
                             std::int64_t batch_size)
    : rollout_(rollout), order_(order), batch_size_(batch_size) {
  if (batch_size_ < 1)
    throw Error("minibatches: batch_size = " + std::to_string(batch_size_) + " must be >= 1");
}

bool MinibatchPass::next(Minibatch& out) {
  const auto total = static_cast<std::int64_t>(order_.size());
  if (start_ >= total) return false;
  const std::int64_t b = std::min(batch_size_, total - start_);
  rollout_.gather(order_.subspan(static_cast<std::size_t>(start_), static_cast<std::size_t>(b)),
                  out);
  start_ += b;
  return true;
}

}  // namespace rlsim

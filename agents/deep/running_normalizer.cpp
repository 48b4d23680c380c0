#include "agents/deep/running_normalizer.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace rlsim {

namespace {

const ArrayRecord& entry(const StateDict& in, const std::string& name, std::size_t size) {
  auto it = in.find(name);
  if (it == in.end())
    throw Error("normaliser state: entry '" + name + "' is missing (saved without normalisation?)");
  if (it->second.data.size() != size)
    throw Error("normaliser state: entry '" + name + "' has " +
                std::to_string(it->second.data.size()) + " values, expected " +
                std::to_string(size));
  return it->second;
}

}  // namespace

RunningMeanStd::RunningMeanStd(std::size_t dim, double epsilon)
    : mean_(dim, 0.0), var_(dim, 1.0), batch_mean_(dim), batch_var_(dim), count_(epsilon) {}

template <class T>
void RunningMeanStd::update_impl(std::span<const T> batch, std::size_t rows) {
  const std::size_t d = dim();
  if (rows == 0) return;
  if (batch.size() != rows * d)
    throw Error("RunningMeanStd::update: " + std::to_string(batch.size()) + " values for " +
                std::to_string(rows) + " rows of " + std::to_string(d));
  std::fill(batch_mean_.begin(), batch_mean_.end(), 0.0);
  std::fill(batch_var_.begin(), batch_var_.end(), 0.0);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t j = 0; j < d; ++j) batch_mean_[j] += batch[r * d + j];
  const auto nb = static_cast<double>(rows);
  for (double& m : batch_mean_) m /= nb;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t j = 0; j < d; ++j) {
      const double e = batch[r * d + j] - batch_mean_[j];
      batch_var_[j] += e * e;
    }
  const double total = count_ + nb;
  for (std::size_t j = 0; j < d; ++j) {
    const double delta = batch_mean_[j] - mean_[j];
    const double m2 = var_[j] * count_ + batch_var_[j] + delta * delta * count_ * nb / total;
    mean_[j] += delta * nb / total;
    var_[j] = m2 / total;
  }
  count_ = total;
}

void RunningMeanStd::update(std::span<const float> batch, std::size_t rows) {
  update_impl(batch, rows);
}
void RunningMeanStd::update(std::span<const double> batch, std::size_t rows) {
  update_impl(batch, rows);
}

void RunningMeanStd::save(StateDict& out, const std::string& prefix) const {
  const auto d = static_cast<std::int64_t>(dim());
  out[prefix + "mean"] = {{d}, mean_};
  out[prefix + "var"] = {{d}, var_};
  out[prefix + "count"] = {{1}, {count_}};
}

void RunningMeanStd::load(const StateDict& in, const std::string& prefix) {
  const auto& m = entry(in, prefix + "mean", dim());
  const auto& v = entry(in, prefix + "var", dim());
  const auto& c = entry(in, prefix + "count", 1);
  mean_ = m.data;
  var_ = v.data;
  count_ = c.data[0];
}

ObservationNormalizer::ObservationNormalizer(std::size_t dim, double clip_obs, double epsilon)
    : rms_(dim), clip_(clip_obs), epsilon_(epsilon) {}

void ObservationNormalizer::normalize(std::span<const float> in, std::span<float> out,
                                      std::size_t rows, bool update) {
  if (update) rms_.update(in, rows);
  const std::size_t d = rms_.dim();
  const auto& mean = rms_.mean();
  const auto& var = rms_.var();
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t j = 0; j < d; ++j) {
      const double z = (in[r * d + j] - mean[j]) / std::sqrt(var[j] + epsilon_);
      out[r * d + j] = static_cast<float>(std::clamp(z, -clip_, clip_));
    }
}

RewardNormalizer::RewardNormalizer(std::size_t envs, double gamma, double clip_reward,
                                   double epsilon)
    : rms_(1), returns_(envs, 0.0), gamma_(gamma), clip_(clip_reward), epsilon_(epsilon) {}

void RewardNormalizer::normalize(std::span<float> rewards, std::span<const std::uint8_t> done) {
  for (std::size_t i = 0; i < returns_.size(); ++i) returns_[i] = returns_[i] * gamma_ + rewards[i];
  rms_.update(std::span<const double>(returns_), returns_.size());
  const double scale = std::sqrt(rms_.var()[0] + epsilon_);
  for (std::size_t i = 0; i < returns_.size(); ++i) {
    rewards[i] = static_cast<float>(std::clamp(rewards[i] / scale, -clip_, clip_));
    if (done[i]) returns_[i] = 0.0;
  }
}

void RewardNormalizer::save(StateDict& out, const std::string& prefix) const {
  rms_.save(out, prefix);
  out[prefix + "returns"] = {{static_cast<std::int64_t>(returns_.size())}, returns_};
}

void RewardNormalizer::load(const StateDict& in, const std::string& prefix) {
  const auto& r = entry(in, prefix + "returns", returns_.size());
  rms_.load(in, prefix);
  returns_ = r.data;
}

}  // namespace rlsim

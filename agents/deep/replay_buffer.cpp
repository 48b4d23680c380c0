#include "agents/deep/replay_buffer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <new>
#include <string>

#include "core/error.hpp"

namespace rlsim {

namespace {

const ArrayRecord& entry(const StateDict& in, const std::string& name) {
  auto it = in.find(name);
  if (it == in.end()) throw Error("replay state: entry '" + name + "' is missing");
  return it->second;
}

void check_size(const ArrayRecord& r, const std::string& name, std::size_t expected) {
  if (r.data.size() != expected) {
    throw Error("replay state: entry '" + name + "' has " + std::to_string(r.data.size()) +
                " values, expected " + std::to_string(expected));
  }
}

}  // namespace

ReplayBuffer::ReplayBuffer(std::int64_t capacity, std::int64_t obs_dim, std::int64_t action_dim)
    : capacity_(capacity), obs_dim_(obs_dim), action_dim_(action_dim) {
  if (capacity < 1) {
    throw Error("replay buffer: buffer_size = " + std::to_string(capacity) + " must be >= 1");
  }
  if (obs_dim < 1) {
    throw Error("replay buffer: observation size " + std::to_string(obs_dim) + " must be >= 1");
  }
  if (action_dim < 0) {
    throw Error("replay buffer: action size " + std::to_string(action_dim) + " must be >= 0");
  }
  // Bytes per row: observation and next observation, the action, the return and the discount.
  const double row_bytes = 8.0 * static_cast<double>(obs_dim) +
                           (action_dim == 0 ? 8.0 : 4.0 * static_cast<double>(action_dim)) + 8.0;
  const double bytes = static_cast<double>(capacity) * row_bytes;
  auto refuse = [&] {
    char figures[96];
    std::snprintf(figures, sizeof figures, "%.0f bytes per row, %.3g GiB", row_bytes,
                  bytes / (1024.0 * 1024 * 1024));
    throw Error("replay buffer: buffer_size = " + std::to_string(capacity) + " (" + figures +
                ") cannot be reserved on this machine; lower buffer_size (a buffer larger than "
                "the run's step budget is never filled)");
  };
  if (bytes > 0x1p62) refuse();  // beyond any address space (and beyond int64 element counts)
  // The rows are not touched until they are filled, so only the address space is reserved
  // here; allocation fails when even that is refused.
  try {
    const auto n = static_cast<std::size_t>(capacity * obs_dim);
    obs_ = std::make_unique_for_overwrite<float[]>(n);
    next_obs_ = std::make_unique_for_overwrite<float[]>(n);
    if (action_dim == 0) {
      actions_ = std::make_unique_for_overwrite<std::int64_t[]>(static_cast<std::size_t>(capacity));
    } else {
      box_actions_ =
          std::make_unique_for_overwrite<float[]>(static_cast<std::size_t>(capacity * action_dim));
    }
    returns_ = std::make_unique_for_overwrite<float[]>(static_cast<std::size_t>(capacity));
    discounts_ = std::make_unique_for_overwrite<float[]>(static_cast<std::size_t>(capacity));
  } catch (const std::bad_alloc&) {
    refuse();
  }
}

std::int64_t ReplayBuffer::place(std::span<const float> obs, float ret,
                                 std::span<const float> next_obs, float discount) {
  if (static_cast<std::int64_t>(obs.size()) != obs_dim_ ||
      static_cast<std::int64_t>(next_obs.size()) != obs_dim_) {
    throw Error("replay buffer: observation of size " + std::to_string(obs.size()) + ", expected " +
                std::to_string(obs_dim_));
  }
  const std::int64_t slot = pos_;
  const auto off = static_cast<std::size_t>(slot * obs_dim_);
  std::copy(obs.begin(), obs.end(), obs_.get() + off);
  std::copy(next_obs.begin(), next_obs.end(), next_obs_.get() + off);
  returns_[static_cast<std::size_t>(slot)] = ret;
  discounts_[static_cast<std::size_t>(slot)] = discount;
  pos_ = (pos_ + 1) % capacity_;
  size_ = std::min(size_ + 1, capacity_);
  return slot;
}

std::int64_t ReplayBuffer::add(std::span<const float> obs, std::int64_t action, float ret,
                               std::span<const float> next_obs, float discount) {
  if (action_dim_ != 0) {
    throw Error("replay buffer: a Discrete action added to a buffer of Box actions");
  }
  const std::int64_t slot = place(obs, ret, next_obs, discount);
  actions_[static_cast<std::size_t>(slot)] = action;
  return slot;
}

std::int64_t ReplayBuffer::add(std::span<const float> obs, std::span<const float> action, float ret,
                               std::span<const float> next_obs, float discount) {
  if (action_dim_ == 0 || static_cast<std::int64_t>(action.size()) != action_dim_) {
    throw Error("replay buffer: Box action of size " + std::to_string(action.size()) +
                ", expected " + std::to_string(action_dim_));
  }
  const std::int64_t slot = place(obs, ret, next_obs, discount);
  std::copy(action.begin(), action.end(), box_actions_.get() + slot * action_dim_);
  return slot;
}

std::span<const float> ReplayBuffer::box_action(std::int64_t i) const {
  return {box_actions_.get() + i * action_dim_, static_cast<std::size_t>(action_dim_)};
}

std::span<const float> ReplayBuffer::obs(std::int64_t i) const {
  return {obs_.get() + i * obs_dim_, static_cast<std::size_t>(obs_dim_)};
}

std::span<const float> ReplayBuffer::next_obs(std::int64_t i) const {
  return {next_obs_.get() + i * obs_dim_, static_cast<std::size_t>(obs_dim_)};
}

void ReplayBuffer::sample_uniform(Rng& rng, std::span<std::int64_t> out) const {
  if (size_ == 0) throw Error("replay buffer: cannot sample from an empty buffer");
  for (auto& i : out) i = rng.integer(0, size_ - 1);
}

void ReplayBuffer::save(StateDict& out, const std::string& prefix) const {
  const auto rows = static_cast<std::size_t>(size_);
  const auto d = static_cast<std::size_t>(obs_dim_);
  ArrayRecord o{{size_, obs_dim_}, std::vector<double>(obs_.get(), obs_.get() + rows * d)};
  ArrayRecord no{{size_, obs_dim_},
                 std::vector<double>(next_obs_.get(), next_obs_.get() + rows * d)};
  out[prefix + "obs"] = std::move(o);
  out[prefix + "next_obs"] = std::move(no);
  if (action_dim_ == 0) {
    out[prefix + "action"] = {{size_}, std::vector<double>(actions_.get(), actions_.get() + rows)};
  } else {
    const auto a = static_cast<std::size_t>(action_dim_);
    out[prefix + "action"] = {
        {size_, action_dim_},
        std::vector<double>(box_actions_.get(), box_actions_.get() + rows * a)};
  }
  out[prefix + "return"] = {{size_}, std::vector<double>(returns_.get(), returns_.get() + rows)};
  out[prefix + "discount"] = {{size_},
                              std::vector<double>(discounts_.get(), discounts_.get() + rows)};
  out[prefix + "position"] = {{2}, {static_cast<double>(pos_), static_cast<double>(size_)}};
}

void ReplayBuffer::load(const StateDict& in, const std::string& prefix) {
  const ArrayRecord& position = entry(in, prefix + "position");
  check_size(position, prefix + "position", 2);
  const auto pos = static_cast<std::int64_t>(position.data[0]);
  const auto size = static_cast<std::int64_t>(position.data[1]);
  if (size < 0 || size > capacity_ || pos < 0 || pos >= capacity_) {
    throw Error("replay state: position " + std::to_string(pos) + ", size " + std::to_string(size) +
                " do not fit a buffer of capacity " + std::to_string(capacity_) +
                " (was buffer_size changed?)");
  }
  const auto rows = static_cast<std::size_t>(size);
  const auto d = static_cast<std::size_t>(obs_dim_);
  const ArrayRecord& o = entry(in, prefix + "obs");
  const ArrayRecord& no = entry(in, prefix + "next_obs");
  const ArrayRecord& a = entry(in, prefix + "action");
  const ArrayRecord& r = entry(in, prefix + "return");
  const ArrayRecord& disc = entry(in, prefix + "discount");
  check_size(o, prefix + "obs", rows * d);
  check_size(no, prefix + "next_obs", rows * d);
  check_size(a, prefix + "action",
             rows * static_cast<std::size_t>(std::max<std::int64_t>(1, action_dim_)));
  check_size(r, prefix + "return", rows);
  check_size(disc, prefix + "discount", rows);
  for (std::size_t i = 0; i < rows * d; ++i) {
    obs_[i] = static_cast<float>(o.data[i]);
    next_obs_[i] = static_cast<float>(no.data[i]);
  }
  for (std::size_t i = 0; i < a.data.size(); ++i) {
    if (action_dim_ == 0) {
      actions_[i] = static_cast<std::int64_t>(a.data[i]);
    } else {
      box_actions_[i] = static_cast<float>(a.data[i]);
    }
  }
  for (std::size_t i = 0; i < rows; ++i) {
    returns_[i] = static_cast<float>(r.data[i]);
    discounts_[i] = static_cast<float>(disc.data[i]);
  }
  pos_ = pos;
  size_ = size;
}

PrioritizedSampler::PrioritizedSampler(std::int64_t capacity, double alpha, double eps)
    : tree_(capacity), alpha_(alpha), eps_(eps) {}

void PrioritizedSampler::on_add(std::int64_t slot) {
  tree_.set(slot, max_priority_);
}

void PrioritizedSampler::sample(Rng& rng, std::int64_t size, double beta,
                                std::span<std::int64_t> out, std::span<float> weights) const {
  if (size == 0) throw Error("prioritized replay: cannot sample from an empty buffer");
  const double total = tree_.total();
  const double segment = total / static_cast<double>(out.size());
  double max_weight = 0.0;
  for (std::size_t k = 0; k < out.size(); ++k) {
    const double prefix = segment * (static_cast<double>(k) + rng.uniform());
    std::int64_t i = tree_.find(prefix);
    if (i >= size) i = size - 1;  // cannot happen: slots ≥ size have priority 0
    out[k] = i;
    const double p = tree_.get(i) / total;
    const double w = std::pow(static_cast<double>(size) * p, -beta);
    weights[k] = static_cast<float>(w);
    max_weight = std::max(max_weight, w);
  }
  for (auto& w : weights) w = static_cast<float>(w / max_weight);
}

void PrioritizedSampler::update(std::int64_t slot, double td_error) {
  const double p = std::pow(std::abs(td_error) + eps_, alpha_);
  tree_.set(slot, p);
  max_priority_ = std::max(max_priority_, p);
}

void PrioritizedSampler::save(StateDict& out, const std::string& prefix, std::int64_t size) const {
  ArrayRecord r{{size}, std::vector<double>(static_cast<std::size_t>(size))};
  for (std::int64_t i = 0; i < size; ++i) r.data[static_cast<std::size_t>(i)] = tree_.get(i);
  out[prefix + "priority"] = std::move(r);
  out[prefix + "max_priority"] = {{1}, {max_priority_}};
}

void PrioritizedSampler::load(const StateDict& in, const std::string& prefix, std::int64_t size) {
  const ArrayRecord& r = entry(in, prefix + "priority");
  check_size(r, prefix + "priority", static_cast<std::size_t>(size));
  const ArrayRecord& m = entry(in, prefix + "max_priority");
  check_size(m, prefix + "max_priority", 1);
  for (std::int64_t i = 0; i < tree_.capacity(); ++i) {
    tree_.set(i, i < size ? r.data[static_cast<std::size_t>(i)] : 0.0);
  }
  max_priority_ = m.data[0];
}

NStepWindow::NStepWindow(std::int64_t n, double gamma, std::int64_t obs_dim)
    : n_(n), obs_dim_(obs_dim), gamma_(gamma) {
  if (n < 1) throw Error("n_step = " + std::to_string(n) + " must be >= 1");
  obs_.resize(static_cast<std::size_t>(n * obs_dim));
  actions_.resize(static_cast<std::size_t>(n));
  rewards_.resize(static_cast<std::size_t>(n));
}

void NStepWindow::push(std::span<const float> obs, std::int64_t action, double reward,
                       std::span<const float> next_obs, bool terminated, bool truncated,
                       ReplayBuffer& buffer, PrioritizedSampler* prioritized) {
  const std::int64_t row = (head_ + count_) % n_;
  std::copy(obs.begin(), obs.end(), obs_.begin() + row * obs_dim_);
  actions_[static_cast<std::size_t>(row)] = action;
  rewards_[static_cast<std::size_t>(row)] = reward;
  ++count_;
  if (terminated || truncated) {
    // Every pending window ends here: no window may reach across an episode boundary.
    while (count_ > 0) emit(count_, next_obs, terminated, buffer, prioritized);
  } else if (count_ == n_) {
    emit(n_, next_obs, false, buffer, prioritized);
  }
}

void NStepWindow::emit(std::int64_t k, std::span<const float> next_obs, bool terminated,
                       ReplayBuffer& buffer, PrioritizedSampler* prioritized) {
  double ret = 0.0, discount = 1.0;
  for (std::int64_t i = 0; i < k; ++i) {
    ret += discount * rewards_[static_cast<std::size_t>((head_ + i) % n_)];
    discount *= gamma_;
  }
  const std::span<const float> first(obs_.data() + head_ * obs_dim_,
                                     static_cast<std::size_t>(obs_dim_));
  const std::int64_t slot =
      buffer.add(first, actions_[static_cast<std::size_t>(head_)], static_cast<float>(ret),
                 next_obs, terminated ? 0.0f : static_cast<float>(discount));
  if (prioritized != nullptr) prioritized->on_add(slot);
  head_ = (head_ + 1) % n_;
  --count_;
}

void NStepWindow::save(StateDict& out, const std::string& prefix) const {
  // Rows oldest first, so the layout does not depend on head_.
  ArrayRecord o{{count_, obs_dim_}, {}};
  ArrayRecord a{{count_}, {}}, r{{count_}, {}};
  for (std::int64_t i = 0; i < count_; ++i) {
    const std::int64_t row = (head_ + i) % n_;
    for (std::int64_t j = 0; j < obs_dim_; ++j) {
      o.data.push_back(obs_[static_cast<std::size_t>(row * obs_dim_ + j)]);
    }
    a.data.push_back(static_cast<double>(actions_[static_cast<std::size_t>(row)]));
    r.data.push_back(rewards_[static_cast<std::size_t>(row)]);
  }
  out[prefix + "obs"] = std::move(o);
  out[prefix + "action"] = std::move(a);
  out[prefix + "reward"] = std::move(r);
}

void NStepWindow::load(const StateDict& in, const std::string& prefix) {
  const ArrayRecord& a = entry(in, prefix + "action");
  const auto count = static_cast<std::int64_t>(a.data.size());
  if (count >= n_) {
    throw Error("replay state: " + std::to_string(count) + " pending n-step rows, expected < " +
                std::to_string(n_) + " (was n_step changed?)");
  }
  const ArrayRecord& o = entry(in, prefix + "obs");
  const ArrayRecord& r = entry(in, prefix + "reward");
  check_size(o, prefix + "obs", static_cast<std::size_t>(count * obs_dim_));
  check_size(r, prefix + "reward", static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count * obs_dim_; ++i) {
    obs_[static_cast<std::size_t>(i)] = static_cast<float>(o.data[static_cast<std::size_t>(i)]);
  }
  for (std::int64_t i = 0; i < count; ++i) {
    actions_[static_cast<std::size_t>(i)] =
        static_cast<std::int64_t>(a.data[static_cast<std::size_t>(i)]);
    rewards_[static_cast<std::size_t>(i)] = r.data[static_cast<std::size_t>(i)];
  }
  head_ = 0;
  count_ = count;
}

}  // namespace rlsim

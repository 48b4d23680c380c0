#include "agents/deep/sum_tree.hpp"

#include <cmath>
#include <string>

#include "core/error.hpp"

namespace rlsim {

SumTree::SumTree(std::int64_t capacity) : capacity_(capacity), leaf_base_(1) {
  if (capacity < 1) {
    throw Error("SumTree: capacity = " + std::to_string(capacity) + " must be >= 1");
  }
  while (leaf_base_ < capacity) leaf_base_ *= 2;
  nodes_.assign(static_cast<std::size_t>(2 * leaf_base_), 0.0);
}

void SumTree::set(std::int64_t index, double priority) {
  if (index < 0 || index >= capacity_) {
    throw Error("SumTree::set: index " + std::to_string(index) + " outside [0, " +
                std::to_string(capacity_) + ")");
  }
  if (!(priority >= 0.0) || !std::isfinite(priority)) {
    throw Error("SumTree::set: priority " + std::to_string(priority) +
                " must be finite and >= 0 (a NaN TD error?)");
  }
  std::size_t i = static_cast<std::size_t>(leaf_base_ + index);
  nodes_[i] = priority;
  // Recompute each ancestor from its children rather than adding a delta, so rounding
  // errors never accumulate over millions of updates.
  for (i /= 2; i >= 1; i /= 2) nodes_[i] = nodes_[2 * i] + nodes_[2 * i + 1];
}

std::int64_t SumTree::find(double prefix) const {
  if (!(total() > 0.0)) throw Error("SumTree::find: all priorities are zero");
  if (prefix < 0.0) prefix = 0.0;
  std::size_t i = 1;
  const std::size_t base = static_cast<std::size_t>(leaf_base_);
  while (i < base) {
    const std::size_t left = 2 * i;
    // Go right when the prefix lies past the left sum, or when the left subtree is empty
    // (a prefix at or beyond the total because of rounding).
    if (prefix < nodes_[left] || nodes_[left + 1] <= 0.0) {
      i = left;
    } else {
      prefix -= nodes_[left];
      i = left + 1;
    }
  }
  // Rounding may still land on an empty leaf when prefix ≈ total: step back to the last
  // leaf with mass (rare; bounded by the capacity).
  std::int64_t index = static_cast<std::int64_t>(i - base);
  if (index >= capacity_) index = capacity_ - 1;
  while (index > 0 && get(index) <= 0.0) --index;
  return index;
}

}  // namespace rlsim

// Sum tree for proportional prioritized experience replay (Schaul, Quan, Antonoglou &
// Silver 2016, "Prioritized Experience Replay", ICLR, §3.3 and Appendix B.2.1).
//
// Contract: a complete binary tree over `capacity` leaves stored in one preallocated
// array (node i has children 2i and 2i+1; leaves start at index `leaf_base`, the smallest
// power of two ≥ capacity). Every internal node holds the sum of its children, so the
// root is Σ p_i and find(u) walks down in O(log n) to the leaf whose cumulative range
// [Σ_{j<i} p_j, Σ_{j≤i} p_j) contains u: with u uniform on [0, total), leaf i is chosen
// with probability p_i / Σ p. Priorities must be finite and ≥ 0. No allocation after
// construction. Sums are kept in double precision.
#pragma once
#include <cstdint>
#include <vector>

namespace rlsim {

class SumTree {
 public:
  explicit SumTree(std::int64_t capacity);
  std::int64_t capacity() const { return capacity_; }
  void set(std::int64_t index, double priority);
  double get(std::int64_t index) const {
    return nodes_[static_cast<std::size_t>(leaf_base_ + index)];
  }
  double total() const { return nodes_[1]; }
  // Index of the leaf whose cumulative range contains `prefix` (clamped into
  // [0, total) so that rounding never selects a leaf of zero priority past the end).
  std::int64_t find(double prefix) const;
  // Node values, root at 1 (for tests of the invariant).
  const std::vector<double>& nodes() const { return nodes_; }
  std::int64_t leaf_base() const { return leaf_base_; }

 private:
  std::int64_t capacity_;
  std::int64_t leaf_base_;
  std::vector<double> nodes_;
};

}  // namespace rlsim

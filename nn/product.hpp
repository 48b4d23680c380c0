// The one dense product that every nn op runs (forward and backward), and a recorder of the
// products a computation ran, so that a benchmark can replay them in a bare loop
// (bench/bench_floor.cpp: a training run against the floor of its own products).
//
// Contract: dense_product(out, lhs, …, rhs, …) sets out (row-major, op(lhs).rows ×
// op(rhs).cols) = op(lhs)·op(rhs) (+ bias, a row of op(rhs).cols floats added to every row), or
// out += op(lhs)·op(rhs) when `accumulate` (the bias is then ignored); op transposes its
// operand when its flag is set. The operands are row-major buffers of the given (untransposed)
// shapes. nn/gemm.hpp's kernels take the shapes they are faster on, Eigen's product the others;
// the results are those of that dispatch, the same on every call of one shape. With `relu`
// (not with `accumulate`), every output v is stored as max(0, v) (the relu op's forward bit for
// bit): in the GEMM kernel's store where it takes the shape, in a pass after the product
// otherwise. The recorder counts the product alone.
//
// Recording: while a ProductRecorder is installed on a thread (install_product_recorder),
// every dense_product on that thread adds one to the count of its shape. Nothing is recorded
// on other threads; without a recorder the cost is one thread-local load per product.
#pragma once
#include <cstdint>
#include <vector>

#include "nn/tape.hpp"

namespace rlsim::nn {

void dense_product(float* out, const float* lhs, Index lhs_rows, Index lhs_cols,
                   bool lhs_transposed, const float* rhs, Index rhs_rows, Index rhs_cols,
                   bool rhs_transposed, bool accumulate, const float* bias = nullptr,
                   bool relu = false);

// One distinct call of dense_product: the operands' shapes as passed and the flags.
struct ProductShape {
  Index lhs_rows = 0, lhs_cols = 0, rhs_rows = 0, rhs_cols = 0;
  bool lhs_transposed = false, rhs_transposed = false, accumulate = false, bias = false;
  bool operator==(const ProductShape&) const = default;
  Index m() const { return lhs_transposed ? lhs_cols : lhs_rows; }
  Index k() const { return lhs_transposed ? lhs_rows : lhs_cols; }
  Index n() const { return rhs_transposed ? rhs_rows : rhs_cols; }
  double flops() const { return 2.0 * double(m()) * double(n()) * double(k()); }
};

struct ProductCount {
  ProductShape shape;
  std::int64_t count = 0;
};

class ProductRecorder {
 public:
  void add(const ProductShape& s);
  // Distinct shapes in the order first seen, with their counts.
  const std::vector<ProductCount>& counts() const { return counts_; }
  double flops() const;

 private:
  std::vector<ProductCount> counts_;
  std::size_t last_ = 0;
};

// Installs `recorder` on the calling thread (nullptr: none); returns the previous one.
ProductRecorder* install_product_recorder(ProductRecorder* recorder);

}  // namespace rlsim::nn

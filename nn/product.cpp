// The dense-product dispatch of the nn ops and the product recorder (nn/product.hpp).
#include "nn/product.hpp"

#include "nn/gemm.hpp"

namespace rlsim::nn {

namespace {
thread_local ProductRecorder* t_recorder = nullptr;
}  // namespace

ProductRecorder* install_product_recorder(ProductRecorder* recorder) {
  ProductRecorder* previous = t_recorder;
  t_recorder = recorder;
  return previous;
}

void ProductRecorder::add(const ProductShape& s) {
  // A computation repeats a handful of shapes: look at the last one hit first.
  if (last_ < counts_.size() && counts_[last_].shape == s) {
    ++counts_[last_].count;
    return;
  }
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i].shape == s) {
      ++counts_[i].count;
      last_ = i;
      return;
    }
  }
  counts_.push_back({s, 1});
  last_ = counts_.size() - 1;
}

double ProductRecorder::flops() const {
  double total = 0.0;
  for (const ProductCount& c : counts_) total += c.shape.flops() * static_cast<double>(c.count);
  return total;
}

namespace {
// Eigen's product for the shapes the GEMM kernels decline: out (=|+=) op(lhs)·op(rhs) (+ bias).
void eigen_product(float* out, const float* lhs, Index lhs_rows, Index lhs_cols,
                   bool lhs_transposed, const float* rhs, Index rhs_rows, Index rhs_cols,
                   bool rhs_transposed, bool accumulate, const float* bias, Index m, Index n) {
  if (bias != nullptr) {
    // Start from the bias and let the product accumulate: one pass less than y = x·W; y += b.
    const Eigen::Map<const Eigen::Array<float, 1, Eigen::Dynamic>> bv(bias, n);
    for (Index i = 0; i < m; ++i)
      Eigen::Map<Eigen::Array<float, 1, Eigen::Dynamic>>(out + i * n, n) = bv;
    accumulate = true;
  }
  MatrixMap o(out, m, n);
  const ConstMatrixMap l(lhs, lhs_rows, lhs_cols), r(rhs, rhs_rows, rhs_cols);
  auto run = [&](const auto& a, const auto& b) {
    if (accumulate) {
      o.noalias() += a * b;
    } else {
      o.noalias() = a * b;
    }
  };
  if (lhs_transposed) {
    if (rhs_transposed) {
      run(l.transpose(), r.transpose());
    } else {
      run(l.transpose(), r);
    }
  } else if (rhs_transposed) {
    run(l, r.transpose());
  } else {
    run(l, r);
  }
}
}  // namespace

void dense_product(float* out, const float* lhs, Index lhs_rows, Index lhs_cols,
                   bool lhs_transposed, const float* rhs, Index rhs_rows, Index rhs_cols,
                   bool rhs_transposed, bool accumulate, const float* bias, bool relu) {
  if (accumulate) bias = nullptr;
  if (ProductRecorder* r = t_recorder) {
    r->add({lhs_rows, lhs_cols, rhs_rows, rhs_cols, lhs_transposed, rhs_transposed, accumulate,
            bias != nullptr});
  }
  const Index m = lhs_transposed ? lhs_cols : lhs_rows, k = lhs_transposed ? lhs_rows : lhs_cols;
  const Index n = rhs_transposed ? rhs_rows : rhs_cols;
  const Index a_rs = lhs_transposed ? 1 : lhs_cols, a_cs = lhs_transposed ? lhs_cols : 1;
  const Index b_rs = rhs_transposed ? 1 : rhs_cols, b_cs = rhs_transposed ? rhs_cols : 1;
  if (gemm(m, n, k, lhs, a_rs, a_cs, rhs, b_rs, b_cs, out, n, accumulate, bias, relu)) return;
  if (!gemm_narrow(m, n, k, lhs, a_rs, a_cs, rhs, b_rs, b_cs, out, n, accumulate, bias))
    eigen_product(out, lhs, lhs_rows, lhs_cols, lhs_transposed, rhs, rhs_rows, rhs_cols,
                  rhs_transposed, accumulate, bias, m, n);
  if (relu) {
    // The relu op's forward expression (ops_elementwise.hpp's ReluOp), in place.
    Eigen::Map<Eigen::Array<float, Eigen::Dynamic, 1>> o(out, m * n);
    o = o.max(0.0f);
  }
}

}  // namespace rlsim::nn

// A single-threaded float32 matrix product for the shapes of small RL networks (batch 32-256,
// layers 64-512 wide), faster there than Eigen 3.4's general product on AVX2+FMA machines.
//
// Contract: gemm(m, n, k, A, B, C, accumulate) computes C = A·B (or C += A·B) for a row-major
// C (m×n, row stride ldc) and A (m×k), B (k×n) given as strided views (element (i, j) at
// data[i·row_stride + j·col_stride]), so transposed operands need no copy. With a bias (a row
// of n floats) and accumulate = false, C = A·B + bias (the sum rounded as Eigen's C = bias;
// C += A·B rounds it). With relu, each finished C element v is stored as max(0, v) (0 > v ? 0 : v,
// as Eigen's x.max(0.0f): the relu op's forward bit for bit), in the micro-kernel's store while
// the tile is in registers. It returns false, writing nothing, when it does not take the shape
// (n < 16 or m < 6, where Eigen's product is as fast or within a few percent, or a build
// without AVX2/FMA); the caller then uses Eigen. No heap allocation (the packing buffer, 16 KiB, is
// on the stack). Each C element is one sequential fused-multiply-add chain over k in blocks of
// 256 (as in Eigen's kernel), so results match Eigen's to the last bit for k ≤ 256 in our tests,
// though that is not promised.
//
// Reference: the Goto/BLIS structure (Goto & van de Geijn, "Anatomy of high-performance matrix
// multiplication", ACM TOMS 34(3), 2008): B packed into k×16 column panels that stay in L1,
// A read in place 6 rows at a time, a 6×16 register-blocked micro-kernel of 12 AVX
// accumulators; on a build with AVX-512 (-march=native on a core that has it) a 6×32 kernel
// of 12 AVX-512 accumulators for column blocks of 32 (k×32 panels, 32 KiB), with the same
// per-element FMA chains, so the same bits, at twice the FLOPs per instruction.
// Narrow outputs (n ≤ 4: value and action heads) do not fit the kernel: Eigen computes a
// row-major product as Cᵀ = Bᵀ·Aᵀ and, with so few lhs rows, sums along k in vector lanes, an
// order a rows-in-lanes kernel does not reproduce. gemm_narrow reproduces it for 2 or 3
// columns; 1 column (Eigen's matrix-vector product) and 4 stay on Eigen.
//
// gemm_narrow: gemm's contract for C with 2 or 3 columns (a policy head and its weight
// gradient), with Eigen 3.4's results bit for bit. For a left operand (Bᵀ) of fewer than 4
// rows Eigen runs the rows-one-at-a-time "swapped" path of gebp_kernel
// (Eigen/src/Core/products/GeneralBlockPanelKernel.h): for each C(i, j), eight FMA chains over
// the depths p ≡ 0…7 (mod 8) below the last multiple of 8, combined as
// e = (s0 + s2) + (s4 + s6), o = (s1 + s3) + (s5 + s7); the remaining depth pairs FMA'd into e
// and o; then e + o; an odd last depth FMA'd in; the sum added into C (preset to the bias, to
// zero, or C itself). gemm_narrow performs exactly those operations, 8 rows of C at a time in
// vector lanes. It declines (false) where Eigen takes another path or splits the sum: rows not
// a multiple of 4, rows + columns + depth < 20 (Eigen's coefficient-based product), a depth
// that Eigen's blocking (computeProductBlockingSizes) would split, or a depth > 512, or a build
// whose Eigen packets are not 8 floats (AVX-512).
#pragma once
#include "nn/tape.hpp"

namespace rlsim::nn {

bool gemm(Index m, Index n, Index k, const float* a, Index a_row_stride, Index a_col_stride,
          const float* b, Index b_row_stride, Index b_col_stride, float* c, Index ldc,
          bool accumulate, const float* bias = nullptr, bool relu = false);
// gemm with the AVX2 (6×16) kernel only, for tests that compare the two kernels bit for bit.
bool gemm_avx2(Index m, Index n, Index k, const float* a, Index a_row_stride, Index a_col_stride,
               const float* b, Index b_row_stride, Index b_col_stride, float* c, Index ldc,
               bool accumulate, const float* bias = nullptr, bool relu = false);
bool gemm_narrow(Index m, Index n, Index k, const float* a, Index a_row_stride, Index a_col_stride,
                 const float* b, Index b_row_stride, Index b_col_stride, float* c, Index ldc,
                 bool accumulate, const float* bias = nullptr);

}  // namespace rlsim::nn

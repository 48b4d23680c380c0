#include "nn/gemm.hpp"

#include <algorithm>
#include <cstring>

#include <Eigen/Core>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define RLSIM_NN_GEMM_AVX2 1
#else
#define RLSIM_NN_GEMM_AVX2 0
#endif

namespace rlsim::nn {

#if RLSIM_NN_GEMM_AVX2

namespace {

constexpr Index kMr = 6;                // rows of C per micro-kernel call
constexpr Index kNr = 16;               // columns of C per AVX2 micro-kernel call (two registers)
constexpr Index kKc = 256;              // depth of one packed block: a k×16 B panel is 16 KiB (L1)
constexpr Index kNarrowMaxDepth = 512;  // gemm_narrow's packed A panel: 16 KiB on the stack

// max(0, v) as _mm256_max_ps(0, v) computes it (0 > v ? 0 : v: v itself for −0 and NaN),
// which is also Eigen 3.4's x.max(0.0f), packet (pmax(x, 0) = max_ps(0, x)) and scalar
// (std::max(x, 0)): the relu op's forward, bit for bit.
inline float relu_of(float v) {
  return 0.0f > v ? 0.0f : v;
}

// C[0:mr, 0:nr] (+)= Σ_k a_k ⊗ b_k with a_k the 6 values of the A panel at depth k and b_k
// the 16 values of the packed B panel. a_offset[i] is where row i of the panel starts
// relative to row 0; a_step the distance between depths.
void micro_kernel(Index kc, const float* a, Index a_step, const Index* a_offset,
                  const float* __restrict b, float* c, Index ldc, bool add, const float* bias,
                  bool relu, Index mr, Index nr) {
  const Index o1 = a_offset[1], o2 = a_offset[2], o3 = a_offset[3], o4 = a_offset[4],
              o5 = a_offset[5];
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
         c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (Index k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    __m256 x = _mm256_broadcast_ss(a), y = _mm256_broadcast_ss(a + o1);
    c00 = _mm256_fmadd_ps(x, b0, c00);
    c01 = _mm256_fmadd_ps(x, b1, c01);
    c10 = _mm256_fmadd_ps(y, b0, c10);
    c11 = _mm256_fmadd_ps(y, b1, c11);
    x = _mm256_broadcast_ss(a + o2);
    y = _mm256_broadcast_ss(a + o3);
    c20 = _mm256_fmadd_ps(x, b0, c20);
    c21 = _mm256_fmadd_ps(x, b1, c21);
    c30 = _mm256_fmadd_ps(y, b0, c30);
    c31 = _mm256_fmadd_ps(y, b1, c31);
    x = _mm256_broadcast_ss(a + o4);
    y = _mm256_broadcast_ss(a + o5);
    c40 = _mm256_fmadd_ps(x, b0, c40);
    c41 = _mm256_fmadd_ps(x, b1, c41);
    c50 = _mm256_fmadd_ps(y, b0, c50);
    c51 = _mm256_fmadd_ps(y, b1, c51);
    a += a_step;
    b += kNr;
  }
  __m256 r[2 * kMr] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
  if (mr == kMr && nr == kNr) {
    for (Index i = 0; i < kMr; ++i) {
      float* ci = c + i * ldc;
      __m256 lo = r[2 * i], hi = r[2 * i + 1];
      if (add) {
        lo = _mm256_add_ps(lo, _mm256_loadu_ps(ci));
        hi = _mm256_add_ps(hi, _mm256_loadu_ps(ci + 8));
      } else if (bias != nullptr) {
        lo = _mm256_add_ps(lo, _mm256_loadu_ps(bias));
        hi = _mm256_add_ps(hi, _mm256_loadu_ps(bias + 8));
      }
      if (relu) {
        lo = _mm256_max_ps(_mm256_setzero_ps(), lo);
        hi = _mm256_max_ps(_mm256_setzero_ps(), hi);
      }
      _mm256_storeu_ps(ci, lo);
      _mm256_storeu_ps(ci + 8, hi);
    }
    return;
  }
  alignas(32) float t[kMr * kNr];
  for (Index i = 0; i < kMr; ++i) {
    _mm256_store_ps(t + i * kNr, r[2 * i]);
    _mm256_store_ps(t + i * kNr + 8, r[2 * i + 1]);
  }
  for (Index i = 0; i < mr; ++i) {
    for (Index j = 0; j < nr; ++j) {
      const float base = add ? c[i * ldc + j] : bias != nullptr ? bias[j] : 0.0f;
      const float v = add || bias != nullptr ? t[i * kNr + j] + base : t[i * kNr + j];
      c[i * ldc + j] = relu ? relu_of(v) : v;
    }
  }
}

#if defined(__AVX512F__)
// The AVX-512 micro-kernel: C[0:mr, 0:nr] (+)= the same sums over 6 rows × 32 columns (two
// 16-float registers per row). Each C element is the same sequential FMA chain over k as in
// micro_kernel, then the same one addition of C or the bias, so both kernels give the same
// bits; this one does twice the work per instruction.
void micro_kernel32(Index kc, const float* a, Index a_step, const Index* a_offset,
                    const float* __restrict b, float* c, Index ldc, bool add, const float* bias,
                    bool relu, Index mr, Index nr) {
  const Index o1 = a_offset[1], o2 = a_offset[2], o3 = a_offset[3], o4 = a_offset[4],
              o5 = a_offset[5];
  __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
         c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (Index k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
    __m512 x = _mm512_set1_ps(a[0]), y = _mm512_set1_ps(a[o1]);
    c00 = _mm512_fmadd_ps(x, b0, c00);
    c01 = _mm512_fmadd_ps(x, b1, c01);
    c10 = _mm512_fmadd_ps(y, b0, c10);
    c11 = _mm512_fmadd_ps(y, b1, c11);
    x = _mm512_set1_ps(a[o2]);
    y = _mm512_set1_ps(a[o3]);
    c20 = _mm512_fmadd_ps(x, b0, c20);
    c21 = _mm512_fmadd_ps(x, b1, c21);
    c30 = _mm512_fmadd_ps(y, b0, c30);
    c31 = _mm512_fmadd_ps(y, b1, c31);
    x = _mm512_set1_ps(a[o4]);
    y = _mm512_set1_ps(a[o5]);
    c40 = _mm512_fmadd_ps(x, b0, c40);
    c41 = _mm512_fmadd_ps(x, b1, c41);
    c50 = _mm512_fmadd_ps(y, b0, c50);
    c51 = _mm512_fmadd_ps(y, b1, c51);
    a += a_step;
    b += 2 * kNr;
  }
  __m512 r[2 * kMr] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
  if (mr == kMr && nr == 2 * kNr) {
    for (Index i = 0; i < kMr; ++i) {
      float* ci = c + i * ldc;
      __m512 lo = r[2 * i], hi = r[2 * i + 1];
      if (add) {
        lo = _mm512_add_ps(lo, _mm512_loadu_ps(ci));
        hi = _mm512_add_ps(hi, _mm512_loadu_ps(ci + 16));
      } else if (bias != nullptr) {
        lo = _mm512_add_ps(lo, _mm512_loadu_ps(bias));
        hi = _mm512_add_ps(hi, _mm512_loadu_ps(bias + 16));
      }
      if (relu) {
        lo = _mm512_max_ps(_mm512_setzero_ps(), lo);
        hi = _mm512_max_ps(_mm512_setzero_ps(), hi);
      }
      _mm512_storeu_ps(ci, lo);
      _mm512_storeu_ps(ci + 16, hi);
    }
    return;
  }
  alignas(64) float t[kMr * 2 * kNr];
  for (Index i = 0; i < kMr; ++i) {
    _mm512_store_ps(t + i * 2 * kNr, r[2 * i]);
    _mm512_store_ps(t + i * 2 * kNr + 16, r[2 * i + 1]);
  }
  for (Index i = 0; i < mr; ++i) {
    for (Index j = 0; j < nr; ++j) {
      const float base = add ? c[i * ldc + j] : bias != nullptr ? bias[j] : 0.0f;
      const float v = add || bias != nullptr ? t[i * 2 * kNr + j] + base : t[i * 2 * kNr + j];
      c[i * ldc + j] = relu ? relu_of(v) : v;
    }
  }
}
#endif

// Transposes the 8×8 block held in r (row i in r[i]) in place.
inline void transpose8x8(__m256* r) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]),
               t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]),
               t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]),
               t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE),
               u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE),
               u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
               u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// Writes the 8×8 block at src (row stride ld) transposed: dst row r (stride nr) = column r.
inline void transpose8x8_to_panel(const float* src, Index ld, float* dst, Index nr) {
  __m256 r[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * ld);
  transpose8x8(r);
  for (int i = 0; i < 8; ++i) _mm256_store_ps(dst + i * nr, r[i]);
}

// Packs B[0:kc, 0:nr] (strided) into dst as kc rows of NR floats, zero beyond nr.
template <Index NR>
void pack_b(Index kc, Index nr, const float* b, Index rs, Index cs, float* dst) {
  if (nr == NR && cs == 1) {
    for (Index k = 0; k < kc; ++k) std::memcpy(dst + k * NR, b + k * rs, NR * sizeof(float));
    return;
  }
  Index k0 = 0;
  if (nr == NR && rs == 1) {
    // A transposed operand (columns of B contiguous): 8×8 register transposes.
    for (; k0 + 8 <= kc; k0 += 8) {
      for (Index j = 0; j < NR; j += 8) {
        transpose8x8_to_panel(b + k0 + j * cs, cs, dst + k0 * NR + j, NR);
      }
    }
  }
  for (Index k = k0; k < kc; ++k) {
    float* d = dst + k * NR;
    Index j = 0;
    for (; j < nr; ++j) d[j] = b[k * rs + j * cs];
    for (; j < NR; ++j) d[j] = 0.0f;
  }
}

// Packs rows [r0, r0 + rows) of A (rows ≤ 8) into dst as k groups of 8 floats (dst[p·8 + l]
// = A(r0 + l, p), zero for l ≥ rows).
void pack_rows8(Index rows, Index k, const float* a, Index rs, Index cs, float* dst) {
  if (rows == 8 && rs == 1) {  // a transposed operand: the 8 rows of a depth are contiguous
    for (Index p = 0; p < k; ++p) _mm256_store_ps(dst + p * 8, _mm256_loadu_ps(a + p * cs));
    return;
  }
  Index p0 = 0;
  if (rows == 8 && cs == 1) {
    for (; p0 + 8 <= k; p0 += 8) {
      __m256 r[8];
      for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(a + i * rs + p0);
      transpose8x8(r);
      for (int i = 0; i < 8; ++i) _mm256_store_ps(dst + (p0 + i) * 8, r[i]);
    }
  }
  for (Index p = p0; p < k; ++p) {
    for (Index l = 0; l < 8; ++l) dst[p * 8 + l] = l < rows ? a[l * rs + p * cs] : 0.0f;
  }
}

}  // namespace

bool gemm_narrow(Index m, Index n, Index k, const float* a, Index a_rs, Index a_cs, const float* b,
                 Index b_rs, Index b_cs, float* c, Index ldc, bool accumulate, const float* bias) {
  if (n < 2 || n > 3 || m < 4 || m % 4 != 0 || k < 1 || k > kNarrowMaxDepth || k + m + n < 20)
    return false;
  // The order reproduced is that of Eigen's 8-float packets (AVX); with AVX-512 (16-float
  // packets) Eigen takes another path.
  if (Eigen::internal::packet_traits<float>::size != 8) return false;
  // Eigen splits the depth into blocks of kc (each block adds into C): keep to one block.
  {
    Index kc = k, mc = n, nc = m;
    Eigen::internal::computeProductBlockingSizes<float, float, 1, Index>(kc, mc, nc, 1);
    if (kc < k) return false;
  }
  alignas(32) float panel[kNarrowMaxDepth * 8];
  alignas(32) float out[8] = {};
  const Index endk4 = k / 8 * 8, endk = k / 2 * 2;
  for (Index r0 = 0; r0 < m; r0 += 8) {
    const Index rows = std::min<Index>(8, m - r0);
    pack_rows8(rows, k, a + r0 * a_rs, a_rs, a_cs, panel);
    for (Index j = 0; j < n; ++j) {
      const float* bj = b + j * b_cs;
      // Lane l: output (r0 + l, j). acc[q]: the depths ≡ q (mod 8) of Eigen's swapped kernel.
      __m256 acc[8];
      for (auto& x : acc) x = _mm256_setzero_ps();
      for (Index p = 0; p < endk4; p += 8) {
        for (int q = 0; q < 8; ++q) {
          acc[q] = _mm256_fmadd_ps(_mm256_load_ps(panel + (p + q) * 8),
                                   _mm256_set1_ps(bj[(p + q) * b_rs]), acc[q]);
        }
      }
      __m256 even = _mm256_add_ps(_mm256_add_ps(acc[0], acc[2]), _mm256_add_ps(acc[4], acc[6]));
      __m256 odd = _mm256_add_ps(_mm256_add_ps(acc[1], acc[3]), _mm256_add_ps(acc[5], acc[7]));
      for (Index p = endk4; p < endk; p += 2) {
        even = _mm256_fmadd_ps(_mm256_load_ps(panel + p * 8), _mm256_set1_ps(bj[p * b_rs]), even);
        odd = _mm256_fmadd_ps(_mm256_load_ps(panel + (p + 1) * 8),
                              _mm256_set1_ps(bj[(p + 1) * b_rs]), odd);
      }
      __m256 sum = _mm256_add_ps(even, odd);
      if (endk < k) {
        sum =
            _mm256_fmadd_ps(_mm256_load_ps(panel + endk * 8), _mm256_set1_ps(bj[endk * b_rs]), sum);
      }
      // Eigen adds the block's sum into C (preset to the bias, or zero, or C itself).
      for (Index l = 0; l < rows; ++l) {
        out[l] = accumulate ? c[(r0 + l) * ldc + j] : bias != nullptr ? bias[j] : 0.0f;
      }
      _mm256_store_ps(out, _mm256_add_ps(sum, _mm256_load_ps(out)));
      for (Index l = 0; l < rows; ++l) c[(r0 + l) * ldc + j] = out[l];
    }
  }
  return true;
}

namespace {
// The blocked product of gemm() with the micro-kernel of NR columns (16: AVX2, 32: AVX-512).
template <Index NR>
void gemm_blocked(Index m, Index n, Index k, const float* a, Index a_rs, Index a_cs, const float* b,
                  Index b_rs, Index b_cs, float* c, Index ldc, bool accumulate, const float* bias,
                  bool relu) {
  // 16 or 32 KiB on the stack: no allocation, and no thread-local lookup per call.
  alignas(64) float b_panel[kKc * NR];
  // A is read in place: the kernel broadcasts A(i, k) from row i's own address, so neither a
  // transposed nor a row-major A needs packing (packing a row-major A into 6-row panels was
  // measured no faster on the 64×256×256 and 256×64×64 products).
  Index offset[kMr];
  for (Index k0 = 0; k0 < k; k0 += kKc) {
    const Index kc = std::min(kKc, k - k0);
    const bool add = accumulate || k0 > 0;
    const bool relu_here = relu && k0 + kc == k;  // on the finished sums only
    for (Index j0 = 0; j0 < n; j0 += NR) {
      const Index nr = std::min(NR, n - j0);
      pack_b<NR>(kc, nr, b + k0 * b_rs + j0 * b_cs, b_rs, b_cs, b_panel);
      for (Index i0 = 0; i0 < m; i0 += kMr) {
        const Index mr = std::min(kMr, m - i0);
        // Rows past the edge re-read row i0; their results are dropped.
        for (Index i = 0; i < kMr; ++i) offset[i] = (i < mr ? i : 0) * a_rs;
        float* ct = c + i0 * ldc + j0;
        const float* bt = bias == nullptr ? nullptr : bias + j0;
        const float* at = a + i0 * a_rs + k0 * a_cs;
#if defined(__AVX512F__)
        if constexpr (NR == 2 * kNr) {
          micro_kernel32(kc, at, a_cs, offset, b_panel, ct, ldc, add, bt, relu_here, mr, nr);
          continue;
        }
#endif
        micro_kernel(kc, at, a_cs, offset, b_panel, ct, ldc, add, bt, relu_here, mr, nr);
      }
    }
  }
}

bool gemm_with(bool wide, Index m, Index n, Index k, const float* a, Index a_rs, Index a_cs,
               const float* b, Index b_rs, Index b_cs, float* c, Index ldc, bool accumulate,
               const float* bias, bool relu) {
  if (n < kNr || m < kMr) return false;
  if (k == 0) {
    for (Index i = 0; i < m; ++i) {
      for (Index j = 0; j < n; ++j) {
        float& v = c[i * ldc + j];
        if (!accumulate) v = bias != nullptr ? bias[j] : 0.0f;
        if (relu) v = relu_of(v);
      }
    }
    return true;
  }
#if defined(__AVX512F__)
  // Column blocks of 32 (AVX-512) where the product has at least 32 columns; a last block of
  // 16 or fewer columns goes to the AVX2 kernel rather than to a half-empty 32-wide tile.
  if (wide && n >= 2 * kNr) {
    const Index tail = n % (2 * kNr);
    const Index n32 = tail > 0 && tail <= kNr ? n - tail : n;
    gemm_blocked<2 * kNr>(m, n32, k, a, a_rs, a_cs, b, b_rs, b_cs, c, ldc, accumulate, bias, relu);
    if (n32 < n) {
      gemm_blocked<kNr>(m, n - n32, k, a, a_rs, a_cs, b + n32 * b_cs, b_rs, b_cs, c + n32, ldc,
                        accumulate, bias == nullptr ? nullptr : bias + n32, relu);
    }
    return true;
  }
#else
  (void)wide;
#endif
  gemm_blocked<kNr>(m, n, k, a, a_rs, a_cs, b, b_rs, b_cs, c, ldc, accumulate, bias, relu);
  return true;
}
}  // namespace

bool gemm(Index m, Index n, Index k, const float* a, Index a_rs, Index a_cs, const float* b,
          Index b_rs, Index b_cs, float* c, Index ldc, bool accumulate, const float* bias,
          bool relu) {
  return gemm_with(true, m, n, k, a, a_rs, a_cs, b, b_rs, b_cs, c, ldc, accumulate, bias, relu);
}

bool gemm_avx2(Index m, Index n, Index k, const float* a, Index a_rs, Index a_cs, const float* b,
               Index b_rs, Index b_cs, float* c, Index ldc, bool accumulate, const float* bias,
               bool relu) {
  return gemm_with(false, m, n, k, a, a_rs, a_cs, b, b_rs, b_cs, c, ldc, accumulate, bias, relu);
}

#else

bool gemm(Index, Index, Index, const float*, Index, Index, const float*, Index, Index, float*,
          Index, bool, const float*, bool) {
  return false;
}
bool gemm_avx2(Index, Index, Index, const float*, Index, Index, const float*, Index, Index, float*,
               Index, bool, const float*, bool) {
  return false;
}
bool gemm_narrow(Index, Index, Index, const float*, Index, Index, const float*, Index, Index,
                 float*, Index, bool, const float*) {
  return false;
}

#endif

}  // namespace rlsim::nn

#pragma once
// Blocked GEMM for float32/float64 (DESIGN.md §6), GotoBLAS/BLIS style:
//
//   for jc over N by NC:                      B block  (KC x NC) packed once, streams from L2/L3
//     for pc over K by KC:
//       pack B[pc:+kc, jc:+nc] into NR-column micro-panels
//       for ic over M by MC:                  A block  (MC x KC) packed, stays in L2
//         pack A[ic:+mc, pc:+kc] into MR-row micro-panels
//         for jr over nc by NR:               B micro-panel (KC x NR) stays in L1
//           for ir over mc by MR:             micro-kernel: MR x NR tile of C in registers
//
// Packing reads any strides, so transposed or sliced operands cost no extra copy, and C may be
// strided too. Panels are zero-padded to MR/NR; a partial tile (or a C whose columns are not
// unit-stride) goes through a small temporary tile. The first K block overwrites C (beta = 0:
// out may hold garbage from empty()), later ones accumulate. Float accumulates in float, like
// MKL. The micro-kernel is AVX-512 or AVX2+FMA intrinsics when this copy is compiled for them,
// plain C++ loops otherwise. Threads claim tasks, blocks of C of whole micro-panels, each running
// the K loop with its own A packing; B is either packed once and shared (many row blocks, or few
// columns) or packed by each task one micro-panel at a time right before use (gemm_packed says
// when), and with few B panels A is packed one micro-panel at a time too (GemmPlan::run_task).
#include "aten/vec/isa.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <thread>
#include <type_traits>

#include "aten/parallel/Parallel.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace tg::native::CPU_CAPABILITY {
namespace gemm_detail {

// ---------------------------------------------------------------- SIMD vector wrappers
// Each provides: V, kLanes, zero(), load(aligned p), loadu(p), storeu(p, v), bcast(x), fma(a, b, c) = a*b+c.
#if defined(__AVX512F__)
struct VecF {
  using T = float;
  using V = __m512;
  static constexpr int kLanes = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V load(const float* p) { return _mm512_load_ps(p); }
  static V loadu(const float* p) { return _mm512_loadu_ps(p); }
  static void storeu(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V bcast(const float* p) { return _mm512_set1_ps(*p); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
};
struct VecD {
  using T = double;
  using V = __m512d;
  static constexpr int kLanes = 8;
  static V zero() { return _mm512_setzero_pd(); }
  static V load(const double* p) { return _mm512_load_pd(p); }
  static V loadu(const double* p) { return _mm512_loadu_pd(p); }
  static void storeu(double* p, V v) { _mm512_storeu_pd(p, v); }
  static V bcast(const double* p) { return _mm512_set1_pd(*p); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  static V add(V a, V b) { return _mm512_add_pd(a, b); }
};
#elif defined(__AVX2__) && defined(__FMA__)
struct VecF {
  using T = float;
  using V = __m256;
  static constexpr int kLanes = 8;
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const float* p) { return _mm256_load_ps(p); }
  static V loadu(const float* p) { return _mm256_loadu_ps(p); }
  static void storeu(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
};
struct VecD {
  using T = double;
  using V = __m256d;
  static constexpr int kLanes = 4;
  static V zero() { return _mm256_setzero_pd(); }
  static V load(const double* p) { return _mm256_load_pd(p); }
  static V loadu(const double* p) { return _mm256_loadu_pd(p); }
  static void storeu(double* p, V v) { _mm256_storeu_pd(p, v); }
  static V bcast(const double* p) { return _mm256_broadcast_sd(p); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
  static V add(V a, V b) { return _mm256_add_pd(a, b); }
};
#endif

// ---------------------------------------------------------------- micro-kernels
// C[MR x NR] (row stride ldc, unit column stride) = (accumulate ? C : 0) + sum_p a[p*MR + i] * b[p*NR + j]
// a: packed MR-row micro-panel, b: packed NR-column micro-panel (64-byte aligned). AS, the packed
// A panel's row count, exceeds MR for a partial tile: the kernel then computes only its first MR
// rows (each element the same sequence of fused multiply-adds as in the full kernel). kInPlace: B
// is read where it lies, row p at b + boff[p] (unaligned; a convolution's padded image, see
// GemmPlan::in_place_panel), with the same multiply-adds as from a packed copy. NP = 2: the tile
// spans two B panels side by side, the second read from b2 (the same way as b, at boff2 in place)
// into C's next NR columns; a tile of few rows then has twice the independent sums to hide the
// FMA latency.
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
template <typename W, int MR, int NV, int AS = MR, bool kInPlace = false, int NP = 1>
inline void micro_kernel_simd(int64_t kc, const typename W::T* __restrict a, const typename W::T* __restrict b,
                              typename W::T* __restrict c, int64_t ldc, bool accumulate,
                              const int64_t* __restrict boff = nullptr,
                              const typename W::T* __restrict b2 = nullptr,
                              const int64_t* __restrict boff2 = nullptr) {
  using V = typename W::V;
  constexpr int L = W::kLanes, NT = NV * NP;  // vectors per tile row
  V acc[MR][NT];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    // C's lines, requested now so that their misses overlap the multiply-adds.
    __builtin_prefetch(c + i * ldc, 1, 3);
    __builtin_prefetch(c + i * ldc + NT * L - 1, 1, 3);
#pragma GCC unroll 8
    for (int v = 0; v < NT; ++v) acc[i][v] = W::zero();
  }
  for (int64_t p = 0; p < kc; ++p) {
    V bv[NT];
#pragma GCC unroll 8
    for (int v = 0; v < NT; ++v) {
      const int64_t at = (v % NV) * L;
      if constexpr (kInPlace) bv[v] = W::loadu(v < NV ? b + boff[p] + at : b2 + boff2[p] + at);
      else bv[v] = W::load((v < NV ? b : b2) + at);
    }
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      V ai = W::bcast(a + i);
#pragma GCC unroll 8
      for (int v = 0; v < NT; ++v) acc[i][v] = W::fma(ai, bv[v], acc[i][v]);
    }
    a += AS;
    if constexpr (!kInPlace) {
      b += NV * L;
      if constexpr (NP == 2) b2 += NV * L;
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
    for (int v = 0; v < NT; ++v) {
      typename W::T* cp = c + i * ldc + v * L;
      W::storeu(cp, accumulate ? W::add(W::loadu(cp), acc[i][v]) : acc[i][v]);
    }
}

// Tile logic of the SIMD kernels: the MR x NR kernel (NR two vectors), and the rows a partial tile
// of mr rows computes (M = 32 was 6 tiles of 6 rows: a ninth of the multiply-adds on padding)
// with the kernel for them. boff: B read in place (micro_kernel_simd's kInPlace).
template <typename W, int MR_, int KC_, int MC_, int NC_>
struct SimdKernel {
  using T = typename W::T;
  static constexpr int MR = MR_, NR = 2 * W::kLanes, KC = KC_, MC = MC_, NC = NC_;
  static void run(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool acc, const int64_t* boff = nullptr) {
    tile<MR>(kc, a, b, c, ldc, acc, boff);
  }
  static constexpr int64_t rows_for(int64_t mr) { return mr <= MR / 3 ? MR / 3 : mr <= 2 * MR / 3 ? 2 * MR / 3 : MR; }
  static void run_rows(int64_t mr, int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool acc,
                       const int64_t* boff = nullptr) {
    if (mr <= MR / 3) tile<MR / 3>(kc, a, b, c, ldc, acc, boff);
    else if (mr <= 2 * MR / 3) tile<2 * MR / 3>(kc, a, b, c, ldc, acc, boff);
    else tile<MR>(kc, a, b, c, ldc, acc, boff);
  }
  // The MR / 3-row tile over two panels, b and b2 (C's columns NR .. 2 NR - 1): MR = 32 rows ran
  // their last 2 rows at 4 independent sums per step, latency-bound at 5 cycles a step on Zen 2
  // for a third of the full tile's work (conv2d 32 -> 32 channels: 11 % of the GEMM's time).
  static constexpr int64_t kPairRows = MR / 3;
  static void run_pair(int64_t kc, const T* a, const T* b, const T* b2, T* c, int64_t ldc, bool acc,
                       const int64_t* boff = nullptr, const int64_t* boff2 = nullptr) {
    if (boff) micro_kernel_simd<W, MR / 3, 2, MR, true, 2>(kc, a, b, c, ldc, acc, boff, b2, boff2);
    else micro_kernel_simd<W, MR / 3, 2, MR, false, 2>(kc, a, b, c, ldc, acc, nullptr, b2);
  }

 private:
  template <int R>
  static void tile(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool acc, const int64_t* boff) {
    if (boff) micro_kernel_simd<W, R, 2, MR, true>(kc, a, b, c, ldc, acc, boff);
    else micro_kernel_simd<W, R, 2, MR>(kc, a, b, c, ldc, acc);
  }
};
#endif

// Portable: plain loops over a small accumulator tile the compiler keeps in vector registers.
template <typename T, int MR, int NR>
inline void micro_kernel_portable(int64_t kc, const T* __restrict a, const T* __restrict b, T* __restrict c,
                                  int64_t ldc, bool accumulate) {
  T acc[MR][NR] = {};
  for (int64_t p = 0; p < kc; ++p) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const T ai = a[i];
#pragma GCC unroll 16
      for (int j = 0; j < NR; ++j) acc[i][j] += ai * b[j];
    }
    a += MR;
    b += NR;
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
}

// Tile shape and cache blocking per dtype and ISA. KC x NR (B micro-panel) fits L1 (48K), MC x KC
// (A block) fits L2, KC x NC (B block) fits L2/L3.
template <typename T> struct Kernel;
#if defined(__AVX512F__)
template <> struct Kernel<float> : SimdKernel<VecF, 12, 256, 240, 2048> {};
template <> struct Kernel<double> : SimdKernel<VecD, 12, 256, 120, 1024> {};
#elif defined(__AVX2__) && defined(__FMA__)
template <> struct Kernel<float> : SimdKernel<VecF, 6, 256, 144, 2048> {};
template <> struct Kernel<double> : SimdKernel<VecD, 6, 256, 96, 1024> {};
#else
template <> struct Kernel<float> {
  static constexpr int MR = 4, NR = 8, KC = 256, MC = 128, NC = 2048;
  static void run(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool acc,
                  const int64_t* = nullptr) {  // B always packed here
    micro_kernel_portable<float, MR, NR>(kc, a, b, c, ldc, acc);
  }
  static constexpr int64_t kPairRows = 0;  // no run_pair
  static constexpr int64_t rows_for(int64_t) { return MR; }
  static void run_rows(int64_t, int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool acc,
                       const int64_t* = nullptr) {
    run(kc, a, b, c, ldc, acc);
  }
};
template <> struct Kernel<double> {
  static constexpr int MR = 4, NR = 4, KC = 256, MC = 128, NC = 1024;
  static void run(int64_t kc, const double* a, const double* b, double* c, int64_t ldc, bool acc,
                  const int64_t* = nullptr) {  // B always packed here
    micro_kernel_portable<double, MR, NR>(kc, a, b, c, ldc, acc);
  }
  static constexpr int64_t kPairRows = 0;  // no run_pair
  static constexpr int64_t rows_for(int64_t) { return MR; }
  static void run_rows(int64_t, int64_t kc, const double* a, const double* b, double* c, int64_t ldc, bool acc,
                       const int64_t* = nullptr) {
    run(kc, a, b, c, ldc, acc);
  }
};
#endif

// ---------------------------------------------------------------- packing
// out[p * MR + i] = src[i * rs + p] for p < kc, i < MR: MR contiguous rows transposed. Float rows
// go four at a time, eight k at a time (transpose_4x8): a quarter of a shuffle per element, the
// shuffle port's limit, against half a shuffle for 4 x 4 blocks. One
// group of four rows at a time keeps four row pointers live, none spilled. A last pair of rows
// (MR = 6) goes by 64-bit halves; double rows in 2 x 2 blocks. The element-by-element gather was
// half of a thin GEMM's time (cols @ grad^T of a convolution's weight gradient, N = 32); the 4 x 4
// blocks still a fifth of P @ V's in attention (N = 64). pack_b takes this for a column-major B
// (x @ W^T in a linear layer), its NR columns being the rows here.
#if defined(__AVX512F__) || defined(__AVX2__)
// Eight k of four float rows (r0..r3 at k = 0..7) to o[k * stride + 0..3]: four 256-bit loads,
// eight in-lane shuffles, eight 128-bit stores (the upper halves straight from the registers).
inline void transpose_4x8(const float* r0, const float* r1, const float* r2, const float* r3, float* o,
                          int64_t stride) {
  const __m256 a = _mm256_loadu_ps(r0), b = _mm256_loadu_ps(r1), c = _mm256_loadu_ps(r2), d = _mm256_loadu_ps(r3);
  const __m256 ab_lo = _mm256_unpacklo_ps(a, b), ab_hi = _mm256_unpackhi_ps(a, b);  // a0 b0 a1 b1 | a4 b4 a5 b5
  const __m256 cd_lo = _mm256_unpacklo_ps(c, d), cd_hi = _mm256_unpackhi_ps(c, d);
  const __m256 k04 = _mm256_shuffle_ps(ab_lo, cd_lo, 0x44), k15 = _mm256_shuffle_ps(ab_lo, cd_lo, 0xEE);
  const __m256 k26 = _mm256_shuffle_ps(ab_hi, cd_hi, 0x44), k37 = _mm256_shuffle_ps(ab_hi, cd_hi, 0xEE);
  _mm_storeu_ps(o + 0 * stride, _mm256_castps256_ps128(k04));
  _mm_storeu_ps(o + 1 * stride, _mm256_castps256_ps128(k15));
  _mm_storeu_ps(o + 2 * stride, _mm256_castps256_ps128(k26));
  _mm_storeu_ps(o + 3 * stride, _mm256_castps256_ps128(k37));
  _mm_storeu_ps(o + 4 * stride, _mm256_extractf128_ps(k04, 1));
  _mm_storeu_ps(o + 5 * stride, _mm256_extractf128_ps(k15, 1));
  _mm_storeu_ps(o + 6 * stride, _mm256_extractf128_ps(k26, 1));
  _mm_storeu_ps(o + 7 * stride, _mm256_extractf128_ps(k37, 1));
}
#endif

template <typename T, int MR>
inline void pack_rows_transposed(int64_t kc, const T* __restrict src, int64_t rs, T* __restrict out) {
  int64_t done = 0;
#if defined(__AVX512F__) || defined(__AVX2__)
  if constexpr (std::is_same_v<T, float> && MR % 2 == 0) {
    done = kc / 8 * 8;
    int i = 0;
    for (; i + 4 <= MR; i += 4) {
      const float *r0 = src + i * rs, *r1 = r0 + rs, *r2 = r1 + rs, *r3 = r2 + rs;
      float* o = out + i;
      for (int64_t p = 0; p < done; p += 8, o += 8 * MR) transpose_4x8(r0 + p, r1 + p, r2 + p, r3 + p, o, MR);
    }
    if (i < MR) {  // two rows left: (a0 b0 a1 b1 | a4 b4 a5 b5), (a2 b2 a3 b3 | a6 b6 a7 b7)
      const float *r0 = src + i * rs, *r1 = r0 + rs;
      float* o = out + i;
      auto store_pairs = [](float* dst, __m128 v) {  // (k, k + 1) pairs of v to rows k and k + 1
        _mm_storel_pi(reinterpret_cast<__m64*>(dst), v);
        _mm_storeh_pi(reinterpret_cast<__m64*>(dst + MR), v);
      };
      for (int64_t p = 0; p < done; p += 8, o += 8 * MR) {
        const __m256 a = _mm256_loadu_ps(r0 + p), b = _mm256_loadu_ps(r1 + p);
        const __m256 lo = _mm256_unpacklo_ps(a, b), hi = _mm256_unpackhi_ps(a, b);
        store_pairs(o + 0 * MR, _mm256_castps256_ps128(lo));
        store_pairs(o + 2 * MR, _mm256_castps256_ps128(hi));
        store_pairs(o + 4 * MR, _mm256_extractf128_ps(lo, 1));
        store_pairs(o + 6 * MR, _mm256_extractf128_ps(hi, 1));
      }
    }
  } else if constexpr (std::is_same_v<T, double> && MR % 2 == 0) {
    for (; done + 2 <= kc; done += 2) {
      for (int i = 0; i < MR; i += 2) {  // (a0 b0), (a1 b1)
        const __m128d a = _mm_loadu_pd(src + i * rs + done), b = _mm_loadu_pd(src + (i + 1) * rs + done);
        _mm_storeu_pd(out + (done + 0) * MR + i, _mm_unpacklo_pd(a, b));
        _mm_storeu_pd(out + (done + 1) * MR + i, _mm_unpackhi_pd(a, b));
      }
    }
  }
#endif
  for (int64_t p = done; p < kc; ++p)
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) out[p * MR + i] = src[i * rs + p];
}

// A[rows x kc] (strides rs, cs) -> panels of MR rows, each kc x MR (k-major), rows past `rows` zero.
template <typename T, int MR>
inline void pack_a(int64_t rows, int64_t kc, const T* A, int64_t rs, int64_t cs, T* __restrict out) {
  for (int64_t r0 = 0; r0 < rows; r0 += MR, out += MR * kc) {
    const int64_t mr = std::min<int64_t>(MR, rows - r0);
    const T* src = A + r0 * rs;
    if (mr == MR && cs == 1) {
      pack_rows_transposed<T, MR>(kc, src, rs, out);  // row-major source
    } else if (mr == MR && rs == 1) {
      // Column-major source (grad^T @ x of a linear layer's weight gradient): MR contiguous elements per k.
      for (int64_t p = 0; p < kc; ++p) std::memcpy(out + p * MR, src + p * cs, MR * sizeof(T));
    } else if (mr == MR) {
      for (int64_t p = 0; p < kc; ++p)
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) out[p * MR + i] = src[i * rs + p * cs];
    } else {
      for (int64_t p = 0; p < kc; ++p)
        for (int i = 0; i < MR; ++i) out[p * MR + i] = i < mr ? src[i * rs + p * cs] : T(0);
    }
  }
}

// B[kc x cols] (strides rs, cs) -> panels of NR columns, each kc x NR (k-major), columns past `cols` zero.
template <typename T, int NR>
inline void pack_b(int64_t kc, int64_t cols, const T* B, int64_t rs, int64_t cs, T* __restrict out) {
  for (int64_t j0 = 0; j0 < cols; j0 += NR, out += NR * kc) {
    const int64_t nr = std::min<int64_t>(NR, cols - j0);
    const T* src = B + j0 * cs;
    if (nr == NR && cs == 1) {
      for (int64_t p = 0; p < kc; ++p) {
        // The same rows of the next panel, into L2: rows far apart are streams the hardware
        // prefetcher does not follow.
        __builtin_prefetch(src + p * rs + NR, 0, 2);
        __builtin_prefetch(src + p * rs + NR + 64 / sizeof(T), 0, 2);
        std::memcpy(out + p * NR, src + p * rs, NR * sizeof(T));
      }
    } else if (nr == NR && rs == 1) {
      pack_rows_transposed<T, NR>(kc, src, cs, out);  // column-major source (x @ W^T's W^T): NR columns
    } else if (nr == NR) {
      for (int64_t p = 0; p < kc; ++p)
#pragma GCC unroll 8
        for (int j = 0; j < NR; ++j) out[p * NR + j] = src[p * rs + j * cs];
    } else {
      for (int64_t p = 0; p < kc; ++p)
        for (int j = 0; j < NR; ++j) out[p * NR + j] = j < nr ? src[p * rs + j * cs] : T(0);
    }
  }
}

// A growable 64-byte-aligned scratch buffer, one per thread and dtype, kept between calls.
template <typename T>
inline T* scratch(int slot, size_t count) {
  struct Buf {
    void* p = nullptr;
    size_t n = 0;
    ~Buf() { std::free(p); }
  };
  thread_local Buf bufs[2];
  Buf& b = bufs[slot];
  if (b.n < count) {
    std::free(b.p);
    b.p = std::aligned_alloc(64, (count * sizeof(T) + 63) / 64 * 64);
    if (!b.p) {
      b.n = 0;
      throw std::bad_alloc();
    }
    b.n = count;
  }
  return static_cast<T*>(b.p);
}

// Splits `total` into blocks of at most `cap`, equal-sized up to a multiple of `align`
// (k = 257 becomes 2 x 129 rather than 256 + 1).
inline int64_t balanced_block(int64_t total, int64_t cap, int64_t align) {
  const int64_t nblocks = (total + cap - 1) / cap;
  const int64_t b = (total + nblocks - 1) / nblocks;
  return std::min<int64_t>(cap, (b + align - 1) / align * align);
}

// Where B comes from. A B source packs kc x NR micro-panels of B: rows [pc, pc + kc), columns
// [j, j + cols), columns past `cols` zero (see pack_b). StridedB is a matrix in memory; a source
// can also compute B as it packs (the convolution's implicit im2col, ConvolutionKernel.cpp), so
// that B never exists as a whole.
template <typename T>
struct StridedB {
  const T* B;
  int64_t rs, cs;
  // Elements of packed B per column block (8 MB of float): bounds the packing buffer.
  static constexpr int64_t kPackedB = int64_t(1) << 21;
  template <int NR>
  void pack(int64_t pc, int64_t kc, int64_t j, int64_t cols, T* __restrict out) const {
    pack_b<T, NR>(kc, cols, B + pc * rs + j * cs, rs, cs, out);
  }
};

// The work of one call: B is packed once (shared by all threads) for a column block of C, then
// threads claim (MC-row x NC-column) tasks of C from an atomic counter, so a thread that the OS
// pauses does not hold the others up, and each task packs its own A blocks.
// A task with at most this many B panels packs A one micro-panel at a time (GemmPlan::run_task).
constexpr int64_t kFewPanels = 4;
// Up to this many MC-row blocks, tasks pack B's panels themselves (gemm_packed).
constexpr int64_t kFewRowBlocks = 4;

template <typename T, typename BSource>
struct GemmPlan {
  using K = Kernel<T>;
  static constexpr int MR = K::MR, NR = K::NR;
  int64_t m, n, k, kcb;
  const T* A;
  int64_t rsa, csa;
  const BSource& B;
  T* C;
  int64_t rsc, csc;

  // Packed B for columns [j0, j0 + nb): for each K block starting at row pc, NR-column panels of
  // kc x NR at Bp + pc * nb_pad + panel * NR * kc.
  void pack_b_panels(T* Bp, int64_t j0, int64_t nb_pad, int64_t p0, int64_t p1) const {
    for (int64_t panel = p0; panel < p1; ++panel) {
      const int64_t j = panel * NR, cols = std::min<int64_t>(NR, n - j0 - j);
      for (int64_t pc = 0; pc < k; pc += kcb) {
        const int64_t kc = std::min(kcb, k - pc);
        B.template pack<NR>(pc, kc, j0 + j, cols, Bp + pc * nb_pad + panel * NR * kc);
      }
    }
  }
  // One MR x NR tile of C at (i, j): the micro-kernel writes C directly, or a partial tile (or one
  // whose columns are not unit-stride) goes through a small temporary.
  void micro_tile(int64_t kc, const T* ap, const T* bp, int64_t i, int64_t j, int64_t mr, int64_t nr,
                  bool accumulate, const int64_t* boff = nullptr) const {
    T* cp = C + i * rsc + j * csc;
    if (mr == MR && nr == NR && csc == 1) {
      K::run(kc, ap, bp, cp, rsc, accumulate, boff);
      return;
    }
    if (K::rows_for(mr) == mr && nr == NR && csc == 1) {
      K::run_rows(mr, kc, ap, bp, cp, rsc, accumulate, boff);
      return;
    }
    alignas(64) T tile[MR * NR];
    K::run_rows(mr, kc, ap, bp, tile, NR, false, boff);
    for (int64_t r = 0; r < mr; ++r)
      for (int64_t c = 0; c < nr; ++c) {
        T& dst = cp[r * rsc + c * csc];
        dst = accumulate ? dst + tile[r * NR + c] : tile[r * NR + c];
      }
  }

  // B sources may let the micro-kernels read a panel in place (B.in_place(j, cols): a
  // convolution's zero-padded image, where a panel's rows are runs of padded rows), each row p of
  // the K block pc at offset offsets[p] (B.row_offsets(pc, kc, offsets)) from the pointer returned;
  // null when not (then the panel is packed). Reading in place skips the copy that packing is: for
  // a convolution's few output channels (32 rows of A) each packed panel served only 5 or 6
  // micro-kernels. Only for a few row tiles (kInPlaceRows): unaligned loads from scattered rows
  // cost each micro-kernel a little, packing costs each panel once (128 rows: 10 % slower).
  static constexpr bool kHasInPlace = requires(const BSource& b, int64_t* o) {
    b.row_offsets(int64_t(0), int64_t(0), o);
    b.in_place(int64_t(0), int64_t(0));
  };
  static constexpr int64_t kInPlaceRows = 12;
  struct Panel {  // a kc x NR panel of B for the micro-kernels: packed, or in place at row offsets boff
    const T* b;
    const int64_t* boff;
  };

  // C[i0:+rows, j0 + jt:+cols] from packed B (columns relative to the block j0). With Bp null
  // the task packs each kc x NR panel of B itself, right before its micro-kernels use it, into a
  // buffer that stays in L1 (see gemm_packed).
  void run_task(const T* Bp, int64_t j0, int64_t nb_pad, int64_t i0, int64_t rows, int64_t jt, int64_t cols) const {
    // With a few B panels, each packed A element serves only a few micro-kernels, and packing the
    // whole A block (written out to L2, read back per panel) cost a fifth of P @ V in attention
    // (512 x 64 x 512). Then each MR-row panel of A is packed right before use, into L1, and the
    // few B panels are read from L2 for each.
    const bool a_per_panel = Bp && cols <= kFewPanels * NR;
    T* Ap = scratch<T>(0, size_t(a_per_panel ? MR : (rows + MR - 1) / MR * MR) * size_t(kcb));
    T* Bpanel = Bp ? nullptr : scratch<T>(1, size_t(2 * NR) * size_t(kcb));  // two panels (run_pair)
    int64_t row_offsets[K::KC];  // of an in-place B panel (kcb <= KC)
    int64_t packed_rows[kHasInPlace ? K::KC : 1];  // p NR: a packed panel's rows as offsets
    if constexpr (kHasInPlace)
      for (int64_t p = 0; p < kcb; ++p) packed_rows[p] = p * NR;
    for (int64_t pc = 0; pc < k; pc += kcb) {
      const int64_t kc = std::min(kcb, k - pc);
      const bool accumulate = pc > 0;
      const T* a_block = A + i0 * rsa + pc * csa;
      if (a_per_panel) {
        for (int64_t ir = 0; ir < rows; ir += MR) {
          const int64_t mr = std::min<int64_t>(MR, rows - ir);
          pack_a<T, MR>(mr, kc, a_block + ir * rsa, rsa, csa, Ap);
          for (int64_t jr = 0; jr < cols; jr += NR)
            micro_tile(kc, Ap, Bp + pc * nb_pad + (jt + jr) * kc, i0 + ir, j0 + jt + jr, mr,
                       std::min<int64_t>(NR, cols - jr), accumulate);
        }
        continue;
      }
      pack_a<T, MR>(rows, kc, a_block, rsa, csa, Ap);
      bool in_place = false;
      if constexpr (kHasInPlace) {
        in_place = !Bp && rows <= kInPlaceRows * MR;
        if (in_place) B.row_offsets(pc, kc, row_offsets);
      }
      // A panel of B for columns jr .. jr + nr of the task: shared packed B, read in place (boff
      // set), or packed into `buf`.
      auto panel_at = [&](int64_t jr, int64_t nr, T* buf) -> Panel {
        if (Bp) return {Bp + pc * nb_pad + (jt + jr) * kc, nullptr};
        if constexpr (kHasInPlace) {
          if (const T* b = in_place ? B.in_place(j0 + jt + jr, nr) : nullptr) return {b, row_offsets};
        }
        B.template pack<NR>(pc, kc, j0 + jt + jr, nr, buf);
        return {buf, nullptr};
      };
      // Rows [0, full) go by whole tiles, panel by panel. A last tile of K::kPairRows rows
      // waits for the next full panel (pending) and runs over both at once (K::run_pair), each
      // element with the same multiply-adds as alone. A packed panel paired with one in place is
      // read "in place" too, at offsets p NR (packed_rows).
      const int64_t tail = rows % MR;
      bool pairs = false;
      if constexpr (K::kPairRows > 0) pairs = tail == K::kPairRows && csc == 1;  // run_pair writes kPairRows rows
      const int64_t full = pairs ? rows - tail : rows;
      Panel pending{};
      int64_t pending_jr = -1;
      int buf = 0;  // which half of Bpanel the next packed panel goes to (not the pending one's)
      auto run_tail = [&](const Panel& p, int64_t jr, int64_t nr) {
        micro_tile(kc, Ap + full * kc, p.b, i0 + full, j0 + jt + jr, tail, nr, accumulate, p.boff);
      };
      for (int64_t jr = 0; jr < cols; jr += NR) {
        const int64_t nr = std::min<int64_t>(NR, cols - jr);
        const Panel p = panel_at(jr, nr, Bpanel + buf * NR * kcb);
        for (int64_t ir = 0; ir < full; ir += MR)
          micro_tile(kc, Ap + ir * kc, p.b, i0 + ir, j0 + jt + jr, std::min<int64_t>(MR, rows - ir), nr, accumulate,
                     p.boff);
        if (!pairs) continue;
        if constexpr (K::kPairRows > 0) {
          if (pending_jr >= 0 && nr == NR) {
            const int64_t *boff = pending.boff, *boff2 = p.boff;
            if (boff != boff2) {  // one in place, one packed
              if (!boff) boff = packed_rows;
              if (!boff2) boff2 = packed_rows;
            }
            K::run_pair(kc, Ap + full * kc, pending.b, p.b, C + (i0 + full) * rsc + (j0 + jt + pending_jr), rsc,
                        accumulate, boff, boff2);
            pending_jr = -1;
            continue;
          }
        }
        if (pending_jr >= 0) run_tail(pending, pending_jr, NR);
        pending_jr = -1;
        if (nr == NR) {
          pending = p;
          pending_jr = jr;
          buf ^= 1;
        } else {
          run_tail(p, jr, nr);
        }
      }
      if (pending_jr >= 0) run_tail(pending, pending_jr, NR);
    }
  }
};

// y[i] = sum_p M[i*rs + p*cs] * x[p*incx] for i in [i0, i1): the GEMM with m == 1 or n == 1,
// where padding to a register tile would waste up to MR or NR times the work.
template <typename T>
void gemv_rows(int64_t i0, int64_t i1, int64_t k, const T* M, int64_t rs, int64_t cs, const T* x, int64_t incx, T* y,
               int64_t incy) {
  if (cs == 1 && incx == 1) {
    // Contiguous rows: dot products with 16 independent partial sums (vector lanes), added in a fixed order.
    constexpr int L = 16;
    for (int64_t i = i0; i < i1; ++i) {
      const T* row = M + i * rs;
      T part[L] = {};
      int64_t p = 0;
      for (; p + L <= k; p += L)
#pragma GCC unroll 16
        for (int l = 0; l < L; ++l) part[l] += row[p + l] * x[p + l];
      T sum = T(0);
      for (int l = 0; l < L; ++l) sum += part[l];
      for (; p < k; ++p) sum += row[p] * x[p];
      y[i * incy] = sum;
    }
  } else if (rs == 1) {
    // Contiguous columns: y += M[:, p] * x[p] over a block of rows kept in a local buffer.
    constexpr int64_t R = 4096 / sizeof(T);  // 4 KB of sums, in L1
    alignas(64) T buf[R];
    T* __restrict acc = buf;
    for (int64_t r0 = i0; r0 < i1; r0 += R) {
      const int64_t rows = std::min(R, i1 - r0);
      std::fill(acc, acc + rows, T(0));
      for (int64_t p = 0; p < k; ++p) {
        const T xp = x[p * incx];
        const T* __restrict col = M + r0 + p * cs;
        int64_t r = 0;
        for (; r + 16 <= rows; r += 16)  // fixed-size steps: -O2 vectorizes only those
#pragma GCC unroll 16
          for (int l = 0; l < 16; ++l) acc[r + l] += col[r + l] * xp;
        for (; r < rows; ++r) acc[r] += col[r] * xp;
      }
      for (int64_t r = 0; r < rows; ++r) y[(r0 + r) * incy] = acc[r];
    }
  } else {
    for (int64_t i = i0; i < i1; ++i) {
      T sum = T(0);
      for (int64_t p = 0; p < k; ++p) sum += M[i * rs + p * cs] * x[p * incx];
      y[i * incy] = sum;
    }
  }
}

// Tiny products (a batch of 4x4 matrices): a direct loop beats packing. n <= kTinyN.
constexpr int64_t kTinyN = 64;
template <typename T>
void gemm_tiny(int64_t m, int64_t n, int64_t k, const T* A, int64_t rsa, int64_t csa, const T* B, int64_t rsb,
               int64_t csb, T* C, int64_t rsc, int64_t csc) {
  T acc[kTinyN];
  for (int64_t i = 0; i < m; ++i) {
    std::fill(acc, acc + n, T(0));
    for (int64_t p = 0; p < k; ++p) {
      const T a = A[i * rsa + p * csa];
      const T* b = B + p * rsb;
      for (int64_t j = 0; j < n; ++j) acc[j] += a * b[j * csb];
    }
    for (int64_t j = 0; j < n; ++j) C[i * rsc + j * csc] = acc[j];
  }
}

}  // namespace gemm_detail

// Below this many multiply-adds one thread is faster than two.
constexpr int64_t kGemmParallelFlops = int64_t(1) << 17;

// The blocked GEMM of gemm() below, with B given by a B source (gemm_detail::StridedB or one that
// computes B as it packs). m, n, k >= 1; any m and n (partial tiles are padded).
template <typename T, typename BSource>
void gemm_packed(int64_t m, int64_t n, int64_t k, const T* A, int64_t rsa, int64_t csa, const BSource& B, T* C,
                 int64_t rsc, int64_t csc, bool serial = false) {
  using namespace gemm_detail;
  using K = Kernel<T>;
  constexpr int MR = K::MR, NR = K::NR;
  const int64_t nt = serial || m * n * k < kGemmParallelFlops || in_parallel_region() ? 1 : get_num_threads();
  GemmPlan<T, BSource> plan{m, n, k, balanced_block(k, K::KC, 8), A, rsa, csa, B, C, rsc, csc};
  // Tasks are blocks of C's rows x columns, claimed from an atomic counter so that a thread the OS
  // pauses does not hold the others up. A block is a whole number of micro-panels, at most MC rows
  // by NC columns, the blocks as equal as panels allow, and their count a multiple of the thread
  // count where the shape allows, so that the last round keeps every thread busy (9 tasks on 2
  // threads left one idle for a ninth of a 2048 x 512 x 512 product). Fewer, larger tasks also
  // re-read less: each row block reads all of B, each column block packs all of A.
  auto even_tasks = [&](int64_t& tm, int64_t& tn, int64_t pm, int64_t pn, int64_t min_rows) {
    while (nt > 1 && ((tm * tn) % nt != 0 || tm * tn < nt)) {
      if (pm / (tm + 1) >= min_rows) ++tm;
      else if (pn / (tn + 1) >= 1) ++tn;
      else break;
    }
  };
  if (m <= kFewRowBlocks * K::MC && n > kFewPanels * NR) {
    // Few row blocks: each task packs each B panel right before use, into L1, rather than all of B
    // being packed first, shared by the threads. Packed B is written out to L2 or memory and read
    // back by every row block, half of it from the other core's cache: for a convolution's 32
    // output channels (32 x 3136 x 288) that was two thirds of the time, and two threads ran a
    // 252 x 512 x 2048 product at 280 GF/s against 360 with each packing its own panels. With many
    // row blocks (2048 x 512 x 512) or few columns (512 x 64 x 512) sharing wins. Tasks are blocks
    // of the columns and of at most MC rows.
    const int64_t pm = (m + MR - 1) / MR, pn = (n + NR - 1) / NR;
    int64_t tm = (m + K::MC - 1) / K::MC, tn = (n + K::NC - 1) / K::NC;
    even_tasks(tm, tn, pm, pn, 8);
    const int64_t ntasks = tm * tn;
    std::atomic<int64_t> next{0};
    parallel_for(0, std::min(nt, ntasks), nt > 1 ? 1 : ntasks, [&](int64_t, int64_t) {
      for (int64_t t; (t = next.fetch_add(1, std::memory_order_relaxed)) < ntasks;) {
        const int64_t bi = t / tn, bj = t % tn;
        const int64_t i0 = std::min(m, bi * pm / tm * MR), i1 = std::min(m, (bi + 1) * pm / tm * MR);
        const int64_t j = std::min(n, bj * pn / tn * NR), j1 = std::min(n, (bj + 1) * pn / tn * NR);
        plan.run_task(nullptr, 0, 0, i0, i1 - i0, j, j1 - j);
      }
    });
    return;
  }
  // Otherwise B is packed once (shared by all threads) for a column block of C, and each task packs
  // its own A blocks. Packed B (kept per calling thread between calls) is bounded to the source's
  // kPackedB elements by packing C's columns in blocks of nb; A is then packed once per column block.
  const int64_t nb_cap = std::max<int64_t>(NR, BSource::kPackedB / k / NR * NR);
  const int64_t nb = balanced_block(n, nb_cap, NR);
  const int64_t pm = (m + MR - 1) / MR;
  for (int64_t j0 = 0; j0 < n; j0 += nb) {
    const int64_t cols = std::min(nb, n - j0), panels = (cols + NR - 1) / NR, nb_pad = panels * NR;
    T* Bp = scratch<T>(1, size_t(nb_pad) * size_t(k));
    int64_t tm = (m + K::MC - 1) / K::MC, tn = (cols + K::NC - 1) / K::NC;
    even_tasks(tm, tn, pm, panels, 8);  // row blocks of at least 8 micro-panels: A's packing amortized
    const int64_t ntasks = tm * tn;
    // One parallel region: the threads first pack B's panels (claimed in chunks worth a thread's
    // time), wait until all are packed, then claim tasks. Two regions (a parallel pack, then the
    // tasks) cost a second wake-up of the team, a tenth of a 512^3 product on two threads. No
    // thread waits for a chunk nobody has claimed, and packing does not throw, so the wait ends.
    const int64_t chunk = std::max<int64_t>(1, (1 << 16) / (NR * k)), nchunks = (panels + chunk - 1) / chunk;
    std::atomic<int64_t> next_chunk{0}, chunks_done{0}, next{0};
    auto work = [&](int64_t, int64_t) {
      for (int64_t c; (c = next_chunk.fetch_add(1, std::memory_order_relaxed)) < nchunks;) {
        plan.pack_b_panels(Bp, j0, nb_pad, c * chunk, std::min(panels, (c + 1) * chunk));
        chunks_done.fetch_add(1, std::memory_order_release);
      }
      while (chunks_done.load(std::memory_order_acquire) < nchunks) std::this_thread::yield();
      for (int64_t t; (t = next.fetch_add(1, std::memory_order_relaxed)) < ntasks;) {
        const int64_t bi = t / tn, bj = t % tn;
        const int64_t i0 = std::min(m, bi * pm / tm * MR), i1 = std::min(m, (bi + 1) * pm / tm * MR);
        const int64_t jt = std::min(cols, bj * panels / tn * NR), jt1 = std::min(cols, (bj + 1) * panels / tn * NR);
        plan.run_task(Bp, j0, nb_pad, i0, i1 - i0, jt, jt1 - jt);
      }
    };
    parallel_for(0, std::min(nt, ntasks), nt > 1 ? 1 : ntasks, work);
  }
}

// C[m x n] = A[m x k] @ B[k x n], every operand addressed through (row stride, column stride) in
// elements. C must not overlap A or B. k == 0 writes zeros. Uses tg::parallel_for's threads
// unless `serial` (or already inside a parallel region). Every element is summed in the same
// order whatever the thread count, so results do not depend on it.
template <typename T>
void gemm(int64_t m, int64_t n, int64_t k, const T* A, int64_t rsa, int64_t csa, const T* B, int64_t rsb, int64_t csb,
          T* C, int64_t rsc, int64_t csc, bool serial = false) {
  using namespace gemm_detail;
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) C[i * rsc + j * csc] = T(0);
    return;
  }
  if (m == 1 || n == 1) {
    // Matrix-vector: C[:, 0] = A @ B[:, 0], or C[0, :] = B^T @ A[0, :]; rows split across threads.
    const bool col = n == 1;
    const int64_t rows = col ? m : n;
    const T* M = col ? A : B;
    const int64_t rs = col ? rsa : csb, cs = col ? csa : rsb;
    const T* x = col ? B : A;
    const int64_t incx = col ? rsb : csa, incy = col ? rsc : csc;
    parallel_for(0, rows, serial ? rows : std::max<int64_t>(1, kGemmParallelFlops / k),
                 [&](int64_t i0, int64_t i1) { gemv_rows<T>(i0, i1, k, M, rs, cs, x, incx, C, incy); });
    return;
  }
  if (n <= kTinyN && m * n * k <= 8 * 8 * 8) {
    gemm_tiny<T>(m, n, k, A, rsa, csa, B, rsb, csb, C, rsc, csc);
    return;
  }
  gemm_packed<T>(m, n, k, A, rsa, csa, gemm_detail::StridedB<T>{B, rsb, csb}, C, rsc, csc, serial);
}

}  // namespace tg::native::CPU_CAPABILITY

#include "aten/vec/isa.h"
#include "aten/native/cpu/CopyKernel.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/cpu/Convert.h"
#include "aten/native/cpu/Loops.h"
#include "aten/native/cpu/StreamStores.h"
#include "aten/vec/vec.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

// ---- SIMD conversions between the floating types (float16, bfloat16, float, double).
// Everything goes through Vectorized<float> with the same steps as convert() (Convert.h): half types
// via vec::VecIO (F16C / bit shifts, bit-identical to Half / BFloat16's scalar conversions for
// every bit pattern), double via vcvtpd2ps / vcvtps2pd (the instructions static_cast uses), so a
// vector lane and the scalar loop give the same bits.
#if defined(TG_VEC_AVX512) || defined(TG_VEC_AVX2)
using VF = vec::Vectorized<float>;
constexpr int kW = VF::size();

template <typename T>
constexpr bool kVecFloating = std::is_same_v<T, float> || std::is_same_v<T, double> || is_half_type<T>;
// float <-> double too: through cpu_kernel's loop, 4M float32 -> float64 ran at 0.82-0.95x PyTorch.
template <typename Dst, typename Src>
constexpr bool kVecConvertible = (kVecFloating<Dst> && kVecFloating<Src> && !std::is_same_v<Dst, Src>) ||
                                 (std::is_same_v<Dst, int64_t> && std::is_same_v<Src, float>);

template <typename Src>
inline VF load_as_float(const Src* p) {
  if constexpr (std::is_same_v<Src, float>) {
    return VF::loadu(p);
  } else if constexpr (std::is_same_v<Src, double>) {
#if defined(TG_VEC_AVX512)
    __m256 lo = _mm512_cvtpd_ps(_mm512_loadu_pd(p)), hi = _mm512_cvtpd_ps(_mm512_loadu_pd(p + 8));
    return _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
#else
    __m128 lo = _mm256_cvtpd_ps(_mm256_loadu_pd(p)), hi = _mm256_cvtpd_ps(_mm256_loadu_pd(p + 4));
    return _mm256_set_m128(hi, lo);
#endif
  } else {
    return vec::VecIO<Src>::load(p);
  }
}

template <typename Dst>
inline void store_from_float(Dst* p, const VF& v) {
  if constexpr (std::is_same_v<Dst, float>) {
    v.store(p);
  } else if constexpr (std::is_same_v<Dst, double>) {
#if defined(TG_VEC_AVX512)
    _mm512_storeu_pd(p, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
    _mm512_storeu_pd(p + 8, _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)));
#else
    _mm256_storeu_pd(p, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    _mm256_storeu_pd(p + 4, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
#endif
  } else {
    vec::VecIO<Dst>::store(p, v);
  }
}

// n contiguous elements; the tail (< one vector) in the scalar loop, which gives the same bits.
template <typename Dst, typename Src>
inline void convert_contiguous(Dst* out, const Src* in, int64_t n) {
  int64_t i = 0;
  for (; i + 2 * kW <= n; i += 2 * kW) {  // two vectors per step: more loads in flight
    VF a = load_as_float(in + i), b = load_as_float(in + i + kW);
    store_from_float(out + i, a);
    store_from_float(out + i + kW, b);
  }
  for (; i + kW <= n; i += kW) store_from_float(out + i, load_as_float(in + i));
  for (; i < n; ++i) out[i] = convert<Dst>(in[i]);
}

// float -> int64: AVX2 has no packed conversion to 64 bits (and AVX-512's gives INT64_MIN, not
// convert's 0, for NaN), so eight lanes go through int32 when all are inside its range (|x| <
// 2^31: the truncation fits and is the scalar one), the others through convert. (The scalar loop
// with convert's range checks was 0.52-0.62x PyTorch's under AVX2.)
template <>
inline void convert_contiguous<int64_t, float>(int64_t* out, const float* in, int64_t n) {
  const __m256 limit = _mm256_set1_ps(2147483648.0f), sign = _mm256_set1_ps(-0.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(in + i);
    if (_mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign, x), limit, _CMP_LT_OQ)) == 0xff) {  // NaN: false
      const __m256i t = _mm256_cvttps_epi32(x);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_cvtepi32_epi64(_mm256_castsi256_si128(t)));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i + 4), _mm256_cvtepi32_epi64(_mm256_extracti128_si256(t, 1)));
    } else {
      for (int64_t k = i; k < i + 8; ++k) out[k] = convert<int64_t>(in[k]);
    }
  }
  for (; i < n; ++i) out[i] = convert<int64_t>(in[i]);
}
#else
template <typename Dst, typename Src> constexpr bool kVecConvertible = false;
template <typename Dst, typename Src> inline void convert_contiguous(Dst*, const Src*, int64_t) {}
#endif
}  // namespace

namespace {
// ---- same-dtype copies of a transposed layout (x.T.contiguous(), y.copy_(x.T)): the iterator
// hands out 64 x 64 tiles (TensorIterator::blocked_for_each) in which the output is contiguous
// along dim 0 and the input along dim 1. Tiles of 4- and 2-byte elements are moved in 8 x 8 blocks
// transposed in registers (row loads, column stores) instead of one strided element at a time
// (float32 0.68x -> 1.45x PyTorch, float16 0.45x -> ...).
#if defined(TG_VEC_AVX512) || defined(TG_VEC_AVX2)
// out[c * out_stride + r] = in[r * in_stride + c] for r, c in [0, 8), 4-byte elements.
inline void transpose8x8_32(const char* in, int64_t in_stride, char* out, int64_t out_stride) {
  __m256 r[8], t[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(reinterpret_cast<const float*>(in + i * in_stride));
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    r[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  // r[c] (c < 4): column c of rows 0-3 in its low half, column c + 4 in its high half; r[c + 4]
  // the same for rows 4-7.
  for (int c = 0; c < 4; ++c) {
    _mm256_storeu_ps(reinterpret_cast<float*>(out + c * out_stride), _mm256_permute2f128_ps(r[c], r[c + 4], 0x20));
    _mm256_storeu_ps(reinterpret_cast<float*>(out + (c + 4) * out_stride), _mm256_permute2f128_ps(r[c], r[c + 4], 0x31));
  }
}

// out[c * out_stride + r] = in[r * in_stride + c] for r, c in [0, 8), 2-byte elements (float16,
// bfloat16, int16): the same three interleaving steps on 128-bit rows.
inline void transpose8x8_16(const char* in, int64_t in_stride, char* out, int64_t out_stride) {
  __m128i r[8], t[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i * in_stride));
  for (int i = 0; i < 8; i += 2) {  // 16-bit pairs of rows i, i + 1
    t[i] = _mm_unpacklo_epi16(r[i], r[i + 1]);
    t[i + 1] = _mm_unpackhi_epi16(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {  // 32-bit quads of rows i .. i + 3
    r[i] = _mm_unpacklo_epi32(t[i], t[i + 2]);
    r[i + 1] = _mm_unpackhi_epi32(t[i], t[i + 2]);
    r[i + 2] = _mm_unpacklo_epi32(t[i + 1], t[i + 3]);
    r[i + 3] = _mm_unpackhi_epi32(t[i + 1], t[i + 3]);
  }
  // r[k] (k < 4): columns 2k and 2k + 1 of rows 0-3 (64 bits each); r[k + 4] the same of rows 4-7.
  for (int k = 0; k < 4; ++k) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + (2 * k) * out_stride), _mm_unpacklo_epi64(r[k], r[k + 4]));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + (2 * k + 1) * out_stride), _mm_unpackhi_epi64(r[k], r[k + 4]));
  }
}

// A tile of 4- or 2-byte elements: element (i, j) at out + es i + j out_stride and
// in + i in_stride + es j, in 8 x 8 blocks; the edges element by element, along the output's
// contiguous dim.
template <int64_t es>
inline void transpose_tile(const char* in, int64_t in_stride, char* out, int64_t out_stride, int64_t size0,
                           int64_t size1) {
  const int64_t full0 = size0 / 8 * 8, full1 = size1 / 8 * 8;
  for (int64_t i0 = 0; i0 < full0; i0 += 8)
    for (int64_t j0 = 0; j0 < full1; j0 += 8) {
      const char* src = in + i0 * in_stride + j0 * es;
      char* dst = out + i0 * es + j0 * out_stride;
      if constexpr (es == 4) transpose8x8_32(src, in_stride, dst, out_stride);
      else transpose8x8_16(src, in_stride, dst, out_stride);
    }
  for (int64_t j = 0; j < size1; ++j)
    for (int64_t i = j < full1 ? full0 : 0; i < size0; ++i)
      std::memcpy(out + i * es + j * out_stride, in + i * in_stride + j * es, es);
}
#endif

// A same-dtype copy of any other layout: elements moved as unsigned integers of their size (the
// bits, NaN payloads included): contiguous rows with memcpy, a broadcast input with a fill, a
// transposed tile with transpose_tile, the rest element by element.
template <typename U>
void copy_bits(const TensorIterator& iter) {
  constexpr int64_t es = sizeof(U);
  iter.for_each([](char** data, const int64_t* strides, int64_t size0, int64_t size1) {
#if defined(TG_VEC_AVX512) || defined(TG_VEC_AVX2)
    if constexpr (es == 4 || es == 2) {
      if (size0 >= 8 && size1 >= 8 && strides[0] == es && strides[3] == es && std::abs(strides[1]) > es) {
        transpose_tile<es>(data[1], strides[1], data[0], strides[2], size0, size1);
        return;
      }
    }
#endif
    char* out = data[0];
    const char* in = data[1];
    if (strides[0] != es || (strides[1] != es && strides[1] != 0)) {
      // Element by element, along the longer of the two dims inside: a permuted copy's rows can be
      // a few elements (pixel_shuffle's r), and a loop of 3 per row was most of its time.
      const bool rows_inside = size0 >= size1;
      const int64_t n_in = rows_inside ? size0 : size1, n_out = rows_inside ? size1 : size0;
      const int64_t os_in = strides[rows_inside ? 0 : 2], is_in = strides[rows_inside ? 1 : 3];
      const int64_t os_out = strides[rows_inside ? 2 : 0], is_out = strides[rows_inside ? 3 : 1];
      for (int64_t j = 0; j < n_out; ++j, out += os_out, in += is_out)
        for (int64_t i = 0; i < n_in; ++i)
          *reinterpret_cast<U*>(out + i * os_in) = *reinterpret_cast<const U*>(in + i * is_in);
      return;
    }
    for (int64_t j = 0; j < size1; ++j, out += strides[2], in += strides[3]) {
      U* o = reinterpret_cast<U*>(out);
      if (strides[1] == es) {
        std::memcpy(o, in, size_t(size0) * es);
      } else {
        std::fill(o, o + size0, *reinterpret_cast<const U*>(in));
      }
    }
  });
}
}  // namespace

void copy_element_kernel(void* dst, ScalarType dst_t, const void* src, ScalarType src_t) {
  dispatch_all(dst_t, "copy_", [&]<typename Dst>() {
    dispatch_all(src_t, "copy_", [&]<typename Src>() {
      *static_cast<Dst*>(dst) = convert<Dst>(*static_cast<const Src*>(src));
    });
  });
}

void copy_kernel(const TensorIterator& iter) {
  ScalarType dst_t = iter.output_dtype(), src_t = iter.original_input_dtype(1);
  const int64_t out_es = element_size(dst_t);
  const bool stream = streams_output_bytes(iter.numel() * out_es);  // StreamStores.h
  if (dst_t == src_t && iter.is_contiguous()) {
    iter.for_each([&](char** data, const int64_t*, int64_t n, int64_t) {
      if (stream) stream_memcpy(data[0], data[1], n * out_es);
      else std::memcpy(data[0], data[1], size_t(n * out_es));
    });
    return;
  }
  if (dst_t == src_t) {
    switch (element_size(dst_t)) {
      case 1: return copy_bits<uint8_t>(iter);
      case 2: return copy_bits<uint16_t>(iter);
      case 4: return copy_bits<uint32_t>(iter);
      case 8: return copy_bits<uint64_t>(iter);
      default: break;
    }
  }
  dispatch_all(dst_t, "copy_", [&]<typename Dst>() {
    dispatch_all(src_t, "copy_", [&]<typename Src>() {
      if constexpr (kVecConvertible<Dst, Src>) {
        // Rows with unit strides on both sides take the SIMD loop, any other layout the scalar one.
        iter.for_each([&](char** data, const int64_t* strides, int64_t size0, int64_t size1) {
          char* out = data[0];
          const char* in = data[1];
          for (int64_t j = 0; j < size1; ++j, out += strides[2], in += strides[3]) {
            if (strides[0] == sizeof(Dst) && strides[1] == sizeof(Src)) {
              char* row[2] = {out, const_cast<char*>(in)};
              run_output_row<2>(row, strides, size0, out_es, stream, [](char** p, int64_t count) {
                convert_contiguous(reinterpret_cast<Dst*>(p[0]), reinterpret_cast<const Src*>(p[1]), count);
              });
            } else {
              for (int64_t i = 0; i < size0; ++i)
                *reinterpret_cast<Dst*>(out + i * strides[0]) =
                    convert<Dst>(*reinterpret_cast<const Src*>(in + i * strides[1]));
            }
          }
          if (stream) stream_fence();
        });
      } else {
        cpu_kernel(iter, [](Src v) -> Dst { return convert<Dst>(v); });
      }
    });
  });
}

}  // namespace tg::native::CPU_CAPABILITY

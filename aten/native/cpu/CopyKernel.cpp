#include "aten/vec/isa.h"
#include "aten/native/cpu/CopyKernel.h"

#include <cstring>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/cpu/Loops.h"
#include "aten/vec/vec.h"

namespace tg::native::CPU_CAPABILITY {

namespace {
template <typename T> constexpr bool is_half_type = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

// Conversion through the wider of the two types, bool as "!= 0" like PyTorch.
template <typename Dst, typename Src>
inline Dst convert(Src v) {
  if constexpr (std::is_same_v<Dst, Src>) return v;  // bit-exact (NaN payloads of half types too)
  else if constexpr (std::is_same_v<Dst, bool>) return static_cast<opmath_t<Src>>(v) != opmath_t<Src>(0);
  else if constexpr (is_half_type<Src>) return convert<Dst>(float(v));  // float's rules (NaN -> 0 for ints)
  else if constexpr (is_half_type<Dst>) return Dst(static_cast<float>(v));
  else if constexpr (std::is_integral_v<Dst> && std::is_floating_point_v<Src>) {
    // Out-of-range float -> int is undefined in C++; go through int64 like PyTorch's CPU kernels.
    if (!(v == v)) return Dst(0);
    if (v >= 9.2233720368547758e18 || v <= -9.2233720368547758e18) return static_cast<Dst>(INT64_MIN);
    return static_cast<Dst>(static_cast<int64_t>(v));
  } else return static_cast<Dst>(v);
}

// ---- SIMD conversions between the floating types when one side is float16 / bfloat16.
// Everything goes through Vectorized<float> with the same steps as convert() above: half types
// via vec::VecIO (F16C / bit shifts, bit-identical to Half / BFloat16's scalar conversions for
// every bit pattern), double via vcvtpd2ps / vcvtps2pd (the instructions static_cast uses), so a
// vector lane and the scalar loop give the same bits.
#if defined(TG_VEC_AVX512) || defined(TG_VEC_AVX2)
using VF = vec::Vectorized<float>;
constexpr int kW = VF::size();

template <typename T>
constexpr bool kVecFloating = std::is_same_v<T, float> || std::is_same_v<T, double> || is_half_type<T>;
template <typename Dst, typename Src>
constexpr bool kVecConvertible = kVecFloating<Dst> && kVecFloating<Src> && (is_half_type<Dst> || is_half_type<Src>) &&
                                 !std::is_same_v<Dst, Src>;

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
#else
template <typename Dst, typename Src> constexpr bool kVecConvertible = false;
template <typename Dst, typename Src> inline void convert_contiguous(Dst*, const Src*, int64_t) {}
#endif
}  // namespace

void copy_kernel(const TensorIterator& iter) {
  ScalarType dst_t = iter.output_dtype(), src_t = iter.original_input_dtype(1);
  if (dst_t == src_t && iter.is_contiguous()) {
    iter.for_each([&](char** data, const int64_t*, int64_t n, int64_t) {
      std::memcpy(data[0], data[1], size_t(n) * element_size(dst_t));
    });
    return;
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
              convert_contiguous(reinterpret_cast<Dst*>(out), reinterpret_cast<const Src*>(in), size0);
            } else {
              for (int64_t i = 0; i < size0; ++i)
                *reinterpret_cast<Dst*>(out + i * strides[0]) =
                    convert<Dst>(*reinterpret_cast<const Src*>(in + i * strides[1]));
            }
          }
        });
      } else {
        cpu_kernel(iter, [](Src v) -> Dst { return convert<Dst>(v); });
      }
    });
  });
}

}  // namespace tg::native::CPU_CAPABILITY

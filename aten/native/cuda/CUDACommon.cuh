#pragma once
// Shared by every CUDA source: error checks, the device types behind tensorgen's dtypes, the
// op-math (compute) type, conversions with PyTorch's semantics, launch sizes, and the
// device-side error flag that kernels set instead of crashing (integer division by zero ...).
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#include "aten/core/Error.h"
#include "aten/core/ScalarType.h"
#include "aten/dispatch/DtypeDispatch.h"

// Throws RuntimeError "[cuda] what: <cudaGetErrorString>" and clears the (non-sticky) error.
#define TG_CUDA_CHECK(expr, what)                                                    \
  do {                                                                              \
    cudaError_t tg_err_ = (expr);                                                   \
    if (tg_err_ != cudaSuccess) {                                                   \
      (void)cudaGetLastError();                                                     \
      TG_ERROR("[cuda] ", what, ": ", cudaGetErrorString(tg_err_));                 \
    }                                                                               \
  } while (0)
// After a kernel launch: launch configuration errors surface here.
#define TG_CUDA_KERNEL_CHECK(op) TG_CUDA_CHECK(cudaGetLastError(), str(op, " kernel launch failed"))

namespace tg::native::cuda {

// tensorgen's storage types -> the types kernels compute with (same size and bits).
template <typename T> struct device_type { using type = T; };
template <> struct device_type<Half> { using type = __half; };
template <> struct device_type<BFloat16> { using type = __nv_bfloat16; };
template <typename T> using device_t = typename device_type<T>::type;

// Arithmetic type for a storage type: half types compute in float (DESIGN.md §6).
template <typename T> struct opmath { using type = T; };
template <> struct opmath<__half> { using type = float; };
template <> struct opmath<__nv_bfloat16> { using type = float; };
template <typename T> using opmath_t = typename opmath<T>::type;

template <typename T> constexpr bool is_half_v = std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>;
template <typename T> constexpr bool is_floating_v = std::is_floating_point_v<T> || is_half_v<T>;
template <typename T> constexpr bool is_int_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

template <typename T>
__host__ __device__ inline opmath_t<T> to_op(T v) {
  if constexpr (std::is_same_v<T, __half>) return __half2float(v);
  else if constexpr (std::is_same_v<T, __nv_bfloat16>) return __bfloat162float(v);
  else return v;
}
template <typename T>
__host__ __device__ inline T from_op(opmath_t<T> v) {
  if constexpr (std::is_same_v<T, __half>) return __float2half_rn(v);
  else if constexpr (std::is_same_v<T, __nv_bfloat16>) return __float2bfloat16_rn(v);
  else return v;
}

// Conversion between any two dtypes with the CPU kernels' rules (aten/native/cpu/CopyKernel.cpp):
// bool is "!= 0"; half types go through float; float -> integer goes through int64, NaN -> 0 and
// out-of-range -> INT64_MIN, so no conversion is undefined behaviour.
template <typename Dst, typename Src>
__host__ __device__ inline Dst convert(Src v) {
  if constexpr (std::is_same_v<Dst, Src>) {
    return v;
  } else if constexpr (std::is_same_v<Dst, bool>) {
    return to_op(v) != opmath_t<Src>(0);
  } else if constexpr (is_half_v<Src>) {
    return convert<Dst>(to_op(v));
  } else if constexpr (is_half_v<Dst>) {
    return from_op<Dst>(static_cast<float>(v));
  } else if constexpr (std::is_integral_v<Dst> && std::is_floating_point_v<Src>) {
    if (!(v == v)) return Dst(0);
    if (v >= Src(9.2233720368547758e18) || v <= Src(-9.2233720368547758e18)) return static_cast<Dst>(INT64_MIN);
    return static_cast<Dst>(static_cast<int64_t>(v));
  } else {
    return static_cast<Dst>(v);
  }
}

// dispatch_dtype (aten/dispatch/DtypeDispatch.h) handing the kernel the device type.
template <DtypeSet Set, typename F>
decltype(auto) dispatch_device(ScalarType t, const char* op, F&& f) {
  return dispatch_dtype<Set>(t, op, [&]<typename T>() { return f.template operator()<device_t<T>>(); });
}

constexpr int kBlockSize = 256;
inline unsigned blocks_for(int64_t n, int64_t per_block) {
  int64_t b = (n + per_block - 1) / per_block;
  return unsigned(b < 1 ? 1 : b);
}

// Device-side errors: a kernel that meets an input it cannot compute (integer division by zero)
// stores an error code here; check_device_error() reads it after the kernel (a synchronizing
// copy) and throws. Only kernels that can fail pay for the check.
enum DeviceError : int { kNoError = 0, kIntegerDivisionByZero = 1, kNegativeIntegerPower = 2 };
int* device_error_flag();  // zeroed device int, allocated on first use
void check_device_error(const char* op);
__device__ inline void report_error(int* flag, int code) { atomicCAS(flag, 0, code); }

}  // namespace tg::native::cuda

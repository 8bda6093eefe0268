// CPU range factories: arange, linspace, eye (PyTorch semantics).
#include "aten/core/DefaultDtype.h"
#include "aten/vec/isa.h"
#include "kernels/arange.h"
#include "kernels/eye.h"
#include "kernels/linspace.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/parallel/Parallel.h"
#include "aten/vec/vec.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

void check_cpu_device(const char* op, const std::optional<Device>& device) {
  // Device dispatch happens before the kernel is called; reaching here with CUDA is a bug.
  TG_CHECK(!device || device->is_cpu(), "[", op, "] CPU kernel called for device ", *device);
}

// A Scalar as int64, for integer result dtypes. Floating values truncate toward zero like
// PyTorch; NaN, infinities and values beyond int64 are errors (converting them is undefined).
int64_t to_int64_checked(const Scalar& s, const char* op, const char* name) {
  if (s.is_floating_point()) {
    double d = s.to_double();
    TG_CHECK(std::isfinite(d) && d > -9.2233720368547758e18 && d < 9.2233720368547758e18, "[", op, "] ", name,
             "=", d, " cannot be converted to an integer dtype");
  }
  return s.to_int();
}

// int64 -> element type with wraparound for the narrower integer types (like a C cast).
template <typename T>
inline T from_int64(int64_t v) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) return T(float(v));
  else return static_cast<T>(v);
}

constexpr double kMaxSize = 9.2233720368547758e18;  // 2^63: sizes at or above overflow int64

}  // namespace

Tensor arange_cpu(const Scalar& start, const Scalar& end, const Scalar& step, std::optional<ScalarType> dtype,
                  std::optional<Device> device) {
  check_cpu_device("arange", device);
  const bool all_integral = !start.is_floating_point() && !end.is_floating_point() && !step.is_floating_point();
  const ScalarType dt = dtype.value_or(all_integral ? ScalarType::Int64 : default_float_dtype());

  // Size and bound checks use the arguments as given, before conversion to dtype (PyTorch does
  // the same, so arange(0, 5.5, dtype=int64) has 6 elements). Integers are handled exactly:
  // double would lose the low bits of large int64 values.
  int64_t size;
  if (all_integral) {
    const int64_t s = start.to_int(), e = end.to_int(), st = step.to_int();
    TG_CHECK(st != 0, "[arange] step must be nonzero");
    TG_CHECK((st > 0 && e >= s) || (st < 0 && e <= s),
             "[arange] upper bound and larger bound inconsistent with step sign");
    // ceil((e - s) / st) in 128 bits: e - s can exceed int64. Both operands have st's sign, so
    // truncating division of (d + st -/+ 1) is the ceiling.
    const __int128 d = __int128(e) - s;
    const __int128 q = st > 0 ? (d + st - 1) / st : (d + st + 1) / st;
    TG_CHECK(q <= std::numeric_limits<int64_t>::max(), "[arange] invalid size, possible overflow?");
    size = int64_t(q);
  } else {
    const double s = start.to_double(), e = end.to_double(), st = step.to_double();
    TG_CHECK(st != 0, "[arange] step must be nonzero");
    TG_CHECK(std::isfinite(s) && std::isfinite(e), "[arange] unsupported range: ", s, " -> ", e);
    TG_CHECK((st > 0 && e >= s) || (st < 0 && e <= s),
             "[arange] upper bound and larger bound inconsistent with step sign");
    const double size_d = std::ceil((e - s) / st);
    TG_CHECK(size_d >= 0 && size_d < kMaxSize, "[arange] invalid size, possible overflow?");
    size = int64_t(size_d);
  }

  // Value checks happen before allocation so a bad call allocates nothing.
  return dispatch_numeric(dt, "arange", [&]<typename T>() {
    if constexpr (std::is_integral_v<T>) {
      // Integer dtypes step in int64 (PyTorch's accumulate type); a fractional step that
      // truncates to 0 would repeat start forever, so it is rejected.
      const int64_t s = to_int64_checked(start, "arange", "start");
      const int64_t st = to_int64_checked(step, "arange", "step");
      TG_CHECK(st != 0, "[arange] step must be nonzero");
      to_int64_checked(end, "arange", "end");
      Tensor out = empty_tensor(IntArrayRef(&size, 1), dt, Device(), "arange");
      T* data = out.data<T>();
      // Unsigned arithmetic: i * st may overflow int64 even when s + i * st does not, and wraps
      // back to the exact value.
      for (int64_t i = 0; i < size; ++i) data[i] = from_int64<T>(int64_t(uint64_t(s) + uint64_t(i) * uint64_t(st)));
      return out;
    } else {
      // Floating dtypes compute start + i * step in double, then round once.
      const double s = start.to_double(), st = step.to_double();
      Tensor out = empty_tensor(IntArrayRef(&size, 1), dt, Device(), "arange");
      T* data = out.data<T>();
      // Threads take ranges of i. Each block of values is computed in double vectors whose index
      // lanes count up by the vector width (exact below 2^53: the same values as double(i)), so no
      // int64 -> double conversion (AVX-512 only) and no loop-carried scalar add. The tail is a
      // whole vector too (its extra lanes land in the buffer's slack), so every value comes from
      // the same fmadd.
      using VD = vec::Vectorized<double>;
      constexpr int64_t W = VD::size(), kBlock = 64 * W;
      parallel_for(0, size, kGrainSize, [&](int64_t begin, int64_t end) {
        alignas(64) double buf[kBlock + W];
        for (int64_t j = 0; j < W; ++j) buf[j] = double(j);
        const VD lanes = VD::loadu(buf), vs(s), vst(st);
        for (int64_t b = begin; b < end; b += kBlock) {
          const int64_t m = std::min(kBlock, end - b);
          VD di = lanes + VD(double(b));
          for (int64_t j = 0; j < m; j += W, di = di + VD(double(W))) vec::fmadd(di, vst, vs).store(buf + j);
          for (int64_t j = 0; j < m; ++j) data[b + j] = T(opmath_t<T>(buf[j]));
        }
      });
      return out;
    }
  });
}

Tensor linspace_cpu(const Scalar& start, const Scalar& end, int64_t steps, std::optional<ScalarType> dtype,
                    std::optional<Device> device) {
  check_cpu_device("linspace", device);
  TG_CHECK(steps >= 0, "[linspace] number of steps must be non-negative");
  const ScalarType dt = dtype.value_or(default_float_dtype());
  return dispatch_numeric(dt, "linspace", [&]<typename T>() {
    // PyTorch's formula: the first half counts up from start, the second half counts down from
    // end, so both endpoints are exact and the error is symmetric.
    const int64_t halfway = steps / 2;
    if constexpr (std::is_integral_v<T>) {
      // Integer dtypes: endpoints converted to T first, step in double, each value truncated
      // toward zero (PyTorch: linspace(0, 10, 4, dtype=int64) = [0, 3, 6, 10]).
      const T s = static_cast<T>(to_int64_checked(start, "linspace", "start"));
      const T e = static_cast<T>(to_int64_checked(end, "linspace", "end"));
      Tensor out = empty_tensor(IntArrayRef(&steps, 1), dt, Device(), "linspace");
      T* data = out.data<T>();
      if (steps == 1) data[0] = s;
      if (steps <= 1) return out;
      const double step = (double(e) - double(s)) / double(steps - 1);
      for (int64_t i = 0; i < steps; ++i) {
        const double v = i < halfway ? double(s) + step * double(i) : double(e) - step * double(steps - 1 - i);
        data[i] = static_cast<T>(int64_t(v));
      }
      return out;
    } else {
      // Floating dtypes compute in their op-math type (float for float32 and the half types, as
      // PyTorch's CPU kernel does, double for float64).
      using C = opmath_t<T>;
      const C s = start.to<C>(), e = end.to<C>();
      Tensor out = empty_tensor(IntArrayRef(&steps, 1), dt, Device(), "linspace");
      T* data = out.data<T>();
      if (steps == 1) data[0] = T(s);
      if (steps <= 1) return out;
      const C step = (e - s) / C(steps - 1);
      // Threads take ranges of i, each half in its own branch-free loop; an int32 index where it
      // fits, so the loops vectorize without AVX-512's int64 -> float conversion.
      auto fill = [&](auto begin, auto mid, auto end) {
        using I = decltype(begin);
        const I last = I(steps - 1);
        for (I i = begin; i < mid; ++i) data[i] = T(s + step * C(i));
        for (I i = mid; i < end; ++i) data[i] = T(e - step * C(last - i));
      };
      parallel_for(0, steps, kGrainSize, [&](int64_t begin, int64_t end) {
        const int64_t mid = std::clamp(halfway, begin, end);
        if (steps <= std::numeric_limits<int32_t>::max()) fill(int32_t(begin), int32_t(mid), int32_t(end));
        else fill(begin, mid, end);
      });
      return out;
    }
  });
}

Tensor eye_cpu(int64_t n, std::optional<int64_t> m, std::optional<ScalarType> dtype, std::optional<Device> device) {
  check_cpu_device("eye", device);
  TG_CHECK(n >= 0, "[eye] n must be greater or equal to 0, got ", n);
  const int64_t cols = m.value_or(n);
  TG_CHECK(cols >= 0, "[eye] m must be greater or equal to 0, got ", cols);
  const ScalarType dt = dtype.value_or(default_float_dtype());
  if (!dtype_in_set(dt, DtypeSet::All)) dtype_not_implemented("eye", dt);
  const int64_t sizes[2] = {n, cols};
  Tensor out = empty_tensor(IntArrayRef(sizes, 2), dt, Device(), "eye");
  if (out.numel() == 0) return out;
  // Rows split across threads, each range cleared by memset (all-zero bytes are 0, false or +0.0
  // in every dtype) and its diagonal elements set: the fresh pages are first touched on every
  // thread (one memset on one thread made eye(2048) 0.81-0.90x of PyTorch's parallel zero_).
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(cols, 1));
  dispatch_all(dt, "eye", [&]<typename T>() {
    T* data = out.data<T>();
    const T one = T(1);
    parallel_for(0, n, grain, [&](int64_t r0, int64_t r1) {
      std::memset(static_cast<void*>(data + r0 * cols), 0, size_t((r1 - r0) * cols) * sizeof(T));
      for (int64_t i = r0, d = std::min(r1, cols); i < d; ++i) data[i * cols + i] = one;
    });
  });
  return out;
}

}  // namespace tg::native::CPU_CAPABILITY

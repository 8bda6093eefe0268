#include "aten/vec/isa.h"
#include "aten/native/cpu/CopyKernel.h"

#include <cstring>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/cpu/Loops.h"

namespace tg::native::CPU_CAPABILITY {

namespace {
// Conversion through the wider of the two types, bool as "!= 0" like PyTorch.
template <typename Dst, typename Src>
inline Dst convert(Src v) {
  if constexpr (std::is_same_v<Dst, bool>) return static_cast<opmath_t<Src>>(v) != opmath_t<Src>(0);
  else if constexpr (std::is_same_v<Src, Half> || std::is_same_v<Src, BFloat16>) return static_cast<Dst>(float(v));
  else if constexpr (std::is_same_v<Dst, Half> || std::is_same_v<Dst, BFloat16>) return Dst(static_cast<float>(v));
  else if constexpr (std::is_integral_v<Dst> && std::is_floating_point_v<Src>) {
    // Out-of-range float -> int is undefined in C++; go through int64 like PyTorch's CPU kernels.
    if (!(v == v)) return Dst(0);
    if (v >= 9.2233720368547758e18 || v <= -9.2233720368547758e18) return static_cast<Dst>(INT64_MIN);
    return static_cast<Dst>(static_cast<int64_t>(v));
  } else return static_cast<Dst>(v);
}
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
      cpu_kernel(iter, [](Src v) -> Dst { return convert<Dst>(v); });
    });
  });
}

}  // namespace tg::native::CPU_CAPABILITY

// fill_ and empty on the CPU.
#include "aten/core/DefaultDtype.h"
#include "aten/vec/isa.h"
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/Copy.h"
#include "aten/native/cpu/Convert.h"
#include "aten/parallel/Parallel.h"
#include "kernels/empty.h"
#include "kernels/fill_.h"

namespace tg::native::CPU_CAPABILITY {

namespace {
// The value in T, converted as copying the number's tensor (float64, int64 or bool) would.
template <typename T>
T scalar_as(const Scalar& value) {
  switch (value.tag()) {
    case Scalar::Tag::Double: return convert<T>(value.to_double());
    case Scalar::Tag::Int: return convert<T>(value.to_int());
    case Scalar::Tag::Bool: break;
  }
  return convert<T>(value.to_bool());
}

template <size_t N>
using bits_t = std::conditional_t<N == 1, uint8_t, std::conditional_t<N == 2, uint16_t,
                                                                      std::conditional_t<N == 4, uint32_t, uint64_t>>>;
}  // namespace

Tensor& fill_cpu(Tensor& self, const Scalar& value) {
  // Integer targets reject values they cannot hold, like PyTorch (no silent wrap-around).
  if (is_integral(self.dtype(), false) && !value.is_floating_point()) {
    int64_t v = value.to_int();
    dispatch_integral(self.dtype(), "fill_", [&]<typename T>() {
      TG_CHECK(v >= int64_t(std::numeric_limits<T>::min()) && (v < 0 || uint64_t(v) <= uint64_t(std::numeric_limits<T>::max())),
               "[fill_] value cannot be converted to type ", self.dtype(), " without overflow: ", v);
    });
  }
  if (!self.is_contiguous()) {
    Tensor scalar = empty_tensor({}, self.dtype(), self.device());
    copy_into(scalar, wrapped_scalar_tensor(value), "fill_");  // the value in self's dtype
    copy_into(self, scalar, "fill_", /*check_mem_overlap=*/false);  // idempotent, like PyTorch
    return self;
  }
  // zeros/ones/full and most fill_ calls: the value converted once (no tensors built: zero_ on a
  // small tensor cost 2.5x a plain op's overhead), then a store loop the compiler vectorizes,
  // split across threads. It stores the value's bits as an unsigned integer of its size:
  // std::fill over Half / BFloat16 (structs) stayed an element-at-a-time loop, 2.5x slower than
  // PyTorch's fill.
  dispatch_all(self.dtype(), "fill_", [&]<typename T>() {
    using U = bits_t<sizeof(T)>;
    static_assert(sizeof(U) == sizeof(T));
    const T typed = scalar_as<T>(value);
    U v;
    std::memcpy(&v, &typed, sizeof v);
    U* out = static_cast<U*>(self.data_ptr());
    parallel_for(0, self.numel(), kGrainSize, [&](int64_t b, int64_t e) { std::fill(out + b, out + e, v); });
  });
  return self;
}

Tensor empty_cpu(IntArrayRef size, std::optional<ScalarType> dtype, std::optional<Device> device) {
  (void)device;
  return empty_tensor(size, dtype.value_or(default_float_dtype()), Device(), "empty");
}

}  // namespace tg::native::CPU_CAPABILITY

// fill_ and empty on the CPU.
#include "aten/core/DefaultDtype.h"
#include "aten/vec/isa.h"
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/Copy.h"
#include "aten/parallel/Parallel.h"
#include "kernels/empty.h"
#include "kernels/fill_.h"

namespace tg::native::CPU_CAPABILITY {

Tensor& fill_cpu(Tensor& self, const Scalar& value) {
  // Integer targets reject values they cannot hold, like PyTorch (no silent wrap-around).
  if (is_integral(self.dtype(), false) && !value.is_floating_point()) {
    int64_t v = value.to_int();
    dispatch_integral(self.dtype(), "fill_", [&]<typename T>() {
      TG_CHECK(v >= int64_t(std::numeric_limits<T>::min()) && (v < 0 || uint64_t(v) <= uint64_t(std::numeric_limits<T>::max())),
               "[fill_] value cannot be converted to type ", self.dtype(), " without overflow: ", v);
    });
  }
  Tensor scalar = empty_tensor({}, self.dtype(), self.device());
  Tensor src = wrapped_scalar_tensor(value);
  copy_into(scalar, src, "fill_");  // the value in self's dtype, converted as a copy would
  if (self.is_contiguous()) {
    // zeros/ones/full and most fill_ calls: a store loop the compiler vectorizes, split across
    // threads. (The broadcasting copy below reads its stride-0 source element by element.) It
    // stores the value's bits as an unsigned integer of its size: std::fill over Half / BFloat16
    // (structs) stayed an element-at-a-time loop, 2.5x slower than PyTorch's fill.
    auto fill_bits = [&]<typename U>() {
      U v;
      std::memcpy(&v, scalar.data_ptr(), sizeof v);
      U* out = static_cast<U*>(self.data_ptr());
      parallel_for(0, self.numel(), kGrainSize, [&](int64_t b, int64_t e) { std::fill(out + b, out + e, v); });
    };
    switch (self.element_size()) {
      case 1: fill_bits.template operator()<uint8_t>(); break;
      case 2: fill_bits.template operator()<uint16_t>(); break;
      case 4: fill_bits.template operator()<uint32_t>(); break;
      case 8: fill_bits.template operator()<uint64_t>(); break;
      default: TG_ERROR("[fill_] unsupported element size ", self.element_size());
    }
    return self;
  }
  copy_into(self, scalar, "fill_", /*check_mem_overlap=*/false);  // idempotent, like PyTorch
  return self;
}

Tensor empty_cpu(IntArrayRef size, std::optional<ScalarType> dtype, std::optional<Device> device) {
  (void)device;
  return empty_tensor(size, dtype.value_or(default_float_dtype()), Device(), "empty");
}

}  // namespace tg::native::CPU_CAPABILITY

#pragma once
// CPU range factories. Stand-in declarations until the generated op headers declare these
// kernels; the signatures are the flat ones codegen derives from the schemas.
#include <optional>

#include "aten/core/Tensor.h"

namespace tg::native::cpu {

// start, start + step, ... up to but excluding end. dtype: int64 when all three are integers,
// else float32.
Tensor arange_cpu(const Scalar& start, const Scalar& end, const Scalar& step, std::optional<ScalarType> dtype,
                  std::optional<Device> device);
// steps evenly spaced values from start to end inclusive; default float32.
Tensor linspace_cpu(const Scalar& start, const Scalar& end, int64_t steps, std::optional<ScalarType> dtype,
                    std::optional<Device> device);
// n x m (m defaults to n) identity; default float32.
Tensor eye_cpu(int64_t n, std::optional<int64_t> m, std::optional<ScalarType> dtype, std::optional<Device> device);

}  // namespace tg::native::cpu

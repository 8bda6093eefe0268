#pragma once
// CPU random factories. Stand-in declarations until the generated op headers declare these
// kernels; the signatures are the flat ones codegen derives from the schemas.
#include <optional>

#include "aten/core/Generator.h"
#include "aten/core/Tensor.h"

namespace tg::native::cpu {

// Uniform [0, 1); floating dtypes only, default float32.
Tensor rand_cpu(IntArrayRef size, const std::optional<Generator>& generator, std::optional<ScalarType> dtype,
                std::optional<Device> device);
// Standard normal (Box-Muller); floating dtypes only, default float32.
Tensor randn_cpu(IntArrayRef size, const std::optional<Generator>& generator, std::optional<ScalarType> dtype,
                 std::optional<Device> device);
// Uniform integers in [low, high); default int64.
Tensor randint_cpu(int64_t low, int64_t high, IntArrayRef size, const std::optional<Generator>& generator,
                   std::optional<ScalarType> dtype, std::optional<Device> device);
// A random permutation of 0..n-1 (Fisher-Yates); default int64.
Tensor randperm_cpu(int64_t n, const std::optional<Generator>& generator, std::optional<ScalarType> dtype,
                    std::optional<Device> device);

}  // namespace tg::native::cpu

#pragma once
// clamp(x, min, max) with both bounds in one pass over a three-input TensorIterator (x, min, max).
// Not a kernel of native_functions.yaml: clamp is a composite (Composites.cpp) whose gradients come
// from maximum / minimum; when no gradient is needed on the CPU it runs this kernel instead of two
// passes. Defined in BinaryOpsKernel.cpp, once per CPU capability; call it through
// TG_CPU_KERNEL(clamp_kernel).
#include "aten/iter/TensorIterator.h"

namespace tg::native::cpu_default { void clamp_kernel(const TensorIterator& iter); }
namespace tg::native::cpu_avx2 { void clamp_kernel(const TensorIterator& iter); }
namespace tg::native::cpu_avx512 { void clamp_kernel(const TensorIterator& iter); }

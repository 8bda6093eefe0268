#pragma once
// Called directly by aten/native/Copy.cpp (not through a generated table): declared for each
// per-ISA build, picked with TG_CPU_KERNEL (aten/dispatch/CpuCapability.h).
#include "aten/iter/TensorIterator.h"

namespace tg::native {
// Converts input 0 (any dtype) into the output's dtype, element by element.
namespace cpu_default { void copy_kernel(const TensorIterator& iter); }
namespace cpu_avx2 { void copy_kernel(const TensorIterator& iter); }
namespace cpu_avx512 { void copy_kernel(const TensorIterator& iter); }
// One element of src_t at src converted into dst_t at dst, as copy_kernel converts it.
namespace cpu_default { void copy_element_kernel(void* dst, ScalarType dst_t, const void* src, ScalarType src_t); }
namespace cpu_avx2 { void copy_element_kernel(void* dst, ScalarType dst_t, const void* src, ScalarType src_t); }
namespace cpu_avx512 { void copy_element_kernel(void* dst, ScalarType dst_t, const void* src, ScalarType src_t); }
}  // namespace tg::native

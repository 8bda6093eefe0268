#pragma once
// Which per-ISA build of the CPU kernels runs (DESIGN.md §6, "SIMD").
//
// Every file in aten/native/cpu/ is compiled once per capability into its own namespace
// (cpu_default, cpu_avx2, cpu_avx512; see aten/vec/isa.h and CMakeLists.txt). The first call to
// cpu_capability() picks the best one the CPU and OS support, or the one TENSORGEN_CPU_CAPABILITY
// names; the generated registration functions then fill the CPU slot of each op's table with
// that build's kernel (TG_CPU_KERNEL), so the choice costs nothing per call.
#include <string>

namespace tg {

enum class CpuCapability : int { Default = 0, AVX2 = 1, AVX512 = 2 };

// The capability in use; fixed for the life of the process.
CpuCapability cpu_capability();
// The best capability this CPU supports (and this build contains).
CpuCapability cpu_best_capability();
const char* cpu_capability_name(CpuCapability c);  // "default", "avx2", "avx512"
// Non-empty when TENSORGEN_CPU_CAPABILITY asked for something this machine cannot run or that
// is not a capability; Python turns it into a warning at import.
const std::string& cpu_capability_warning();

template <typename Fn>
Fn* pick_cpu_kernel(Fn* default_kernel, Fn* avx2_kernel, Fn* avx512_kernel) {
  switch (cpu_capability()) {
    case CpuCapability::AVX512: return avx512_kernel;
    case CpuCapability::AVX2: return avx2_kernel;
    default: return default_kernel;
  }
}

}  // namespace tg

// The kernel `name` of the per-ISA build chosen at import. Builds without per-ISA objects (other
// architectures, TENSORGEN_CPU_PER_ISA=OFF) have only the default one.
#ifdef TENSORGEN_CPU_PER_ISA
#define TG_CPU_KERNEL(name)                                                                  \
  ::tg::pick_cpu_kernel(&::tg::native::cpu_default::name, &::tg::native::cpu_avx2::name, \
                        &::tg::native::cpu_avx512::name)
#else
#define TG_CPU_KERNEL(name) (&::tg::native::cpu_default::name)
#endif

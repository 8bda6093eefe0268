#include "aten/dispatch/CpuCapability.h"

#include <cstdlib>
#include <string_view>

namespace tg {
namespace {

bool cpu_supports(CpuCapability c) {
#if defined(TENSORGEN_CPU_PER_ISA) && (defined(__x86_64__) || defined(__i386__))
  // __builtin_cpu_supports also checks that the OS saves the wide registers (XCR0).
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  switch (c) {
    case CpuCapability::Default: return true;
    case CpuCapability::AVX2: return avx2;
    case CpuCapability::AVX512:
      return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  }
  return false;
#else
  return c == CpuCapability::Default;
#endif
}

struct Choice {
  CpuCapability capability = CpuCapability::Default;
  std::string warning;
};

const Choice& choice() {
  static const Choice chosen = [] {
    Choice c;
    c.capability = cpu_best_capability();
    const char* env = std::getenv("TENSORGEN_CPU_CAPABILITY");
    if (env == nullptr || *env == '\0') return c;
    const std::string_view want(env);
    for (CpuCapability cap : {CpuCapability::Default, CpuCapability::AVX2, CpuCapability::AVX512}) {
      if (want != cpu_capability_name(cap)) continue;
      if (cpu_supports(cap)) {
        c.capability = cap;
      } else {
        c.warning = std::string("TENSORGEN_CPU_CAPABILITY=") + env + " is not supported by this CPU or build; using " +
                    cpu_capability_name(c.capability);
      }
      return c;
    }
    c.warning = std::string("TENSORGEN_CPU_CAPABILITY=") + env +
                " is not one of default, avx2, avx512; using " + cpu_capability_name(c.capability);
    return c;
  }();
  return chosen;
}

}  // namespace

CpuCapability cpu_best_capability() {
  for (CpuCapability cap : {CpuCapability::AVX512, CpuCapability::AVX2})
    if (cpu_supports(cap)) return cap;
  return CpuCapability::Default;
}

CpuCapability cpu_capability() { return choice().capability; }
const std::string& cpu_capability_warning() { return choice().warning; }

const char* cpu_capability_name(CpuCapability c) {
  switch (c) {
    case CpuCapability::AVX512: return "avx512";
    case CpuCapability::AVX2: return "avx2";
    default: return "default";
  }
}

}  // namespace tg

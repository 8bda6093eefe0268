#pragma once
// Which instruction set this translation unit is compiled for (DESIGN.md §6, "SIMD").
//
// CMake compiles every file in aten/native/cpu/ three times, with -DCPU_CAPABILITY=cpu_default,
// cpu_avx2 or cpu_avx512 and the matching -m flags. Kernels and the inline helpers they use live
// in a namespace named after the capability, so the three copies never collide and an AVX-512
// copy of an inline function can never be picked for the default build. Code chooses its SIMD
// path from the compiler's macros (__AVX512F__, __AVX2__), which the -m flags set.
#ifndef CPU_CAPABILITY
#define CPU_CAPABILITY cpu_default  // standalone harnesses and non-x86 builds
#endif

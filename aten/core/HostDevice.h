#pragma once
// TG_HOST_DEVICE marks an inline function written once for the CPU kernels and the CUDA kernels
// (aten/native/ScalarOps.h, aten/core/PhiloxNormal.h): __host__ __device__ under nvcc, nothing
// in a host compiler.
#if defined(__CUDACC__)
#define TG_HOST_DEVICE __host__ __device__
#else
#define TG_HOST_DEVICE
#endif

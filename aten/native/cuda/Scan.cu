// Scans (cumsum, cumprod, cummax, cummin) on CUDA. Semantics of aten/native/cpu/ScanKernel.cpp: integers wrap
// around (unsigned accumulation), half types accumulate in float. One thread per line, scanning
// it start to end (the Scan front end gives contiguous [outer, length, inner] data): neighbouring
// threads take neighbouring lines, so strided lines (inner > 1) read coalesced; contiguous lines
// (inner == 1) are correct but uncoalesced (a block-wide scan would be the next step).
#include "aten/native/Scan.h"
#include "aten/native/cuda/CUDACommon.cuh"
#include "kernels/cummax.h"
#include "kernels/cummin.h"
#include "kernels/cumprod.h"
#include "kernels/cumsum.h"
#include "kernels/logcumsumexp.h"

namespace tg::native::cuda {

namespace {

template <typename T, bool Int = is_int_v<T>> struct scan_acc { using type = opmath_t<T>; };
template <typename T> struct scan_acc<T, true> { using type = std::make_unsigned_t<T>; };

template <typename T, bool Prod>
__global__ void scan_lines_kernel(const T* in, T* out, int64_t lines, int64_t n, int64_t inner) {
  using Acc = typename scan_acc<T>::type;
  const int64_t l = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (l >= lines) return;
  const int64_t base = l / inner * n * inner + l % inner;
  Acc acc = Acc(Prod ? 1 : 0);
  for (int64_t k = 0; k < n; ++k) {
    const int64_t at = base + k * inner;
    const Acc v = Acc(to_op(in[at]));
    acc = Prod ? Acc(acc * v) : Acc(acc + v);
    out[at] = from_op<T>(opmath_t<T>(acc));
  }
}

template <bool Prod>
void run_scan(const Scan& s, const char* op) {
  if (s.empty()) return;
  dispatch_device<DtypeSet::Numeric>(s.compute_dtype(), op, [&]<typename T>() {
    const T* in = reinterpret_cast<const T*>(s.input().data_ptr());
    T* out = reinterpret_cast<T*>(s.output(0).data_ptr());
    scan_lines_kernel<T, Prod><<<blocks_for(s.lines(), kBlockSize), kBlockSize>>>(in, out, s.lines(), s.length(),
                                                                                 s.inner());
    TG_CUDA_KERNEL_CHECK(op);
  });
}

// cummax / cummin with indices (the rule of aten/native/cpu/ScanKernel.cpp: ties take the later
// index, a NaN always takes over, even from a NaN).
template <typename T, bool IsMax>
__global__ void cum_extreme_kernel(const T* in, T* values, int64_t* indices, int64_t lines, int64_t n,
                                   int64_t inner) {
  using V = opmath_t<T>;
  const int64_t l = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (l >= lines) return;
  const int64_t base = l / inner * n * inner + l % inner;
  V best = to_op(in[base]);
  int64_t best_index = 0;
  for (int64_t k = 0; k < n; ++k) {
    const int64_t at = base + k * inner;
    const V x = to_op(in[at]);
    if (x != x || (best == best && (IsMax ? x >= best : x <= best))) {
      best = x;
      best_index = k;
    }
    values[at] = from_op<T>(best);
    indices[at] = best_index;
  }
}

template <bool IsMax>
void run_cum_extreme(const Scan& s, const char* op) {
  if (s.empty()) return;
  dispatch_device<DtypeSet::All>(s.compute_dtype(), op, [&]<typename T>() {
    const T* in = reinterpret_cast<const T*>(s.input().data_ptr());
    T* values = reinterpret_cast<T*>(s.output(0).data_ptr());
    int64_t* indices = reinterpret_cast<int64_t*>(s.output(1).data_ptr());
    cum_extreme_kernel<T, IsMax><<<blocks_for(s.lines(), kBlockSize), kBlockSize>>>(in, values, indices, s.lines(),
                                                                                   s.length(), s.inner());
    TG_CUDA_KERNEL_CHECK(op);
  });
}

// logcumsumexp: the running log(sum(exp)) with the stable pairwise step of the CPU kernel.
template <typename T>
__global__ void logcumsumexp_lines_kernel(const T* in, T* out, int64_t lines, int64_t n, int64_t inner) {
  using V = opmath_t<T>;
  const int64_t l = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (l >= lines) return;
  const int64_t base = l / inner * n * inner + l % inner;
  V acc = -INFINITY;
  for (int64_t k = 0; k < n; ++k) {
    const int64_t at = base + k * inner;
    const V x = to_op(in[at]);
    const V lo = x != x ? x : (acc < x ? acc : x);
    const V hi = x != x ? x : (acc < x ? x : acc);
    if (lo != hi || isfinite(lo)) acc = hi + log1p(exp(lo - hi));
    out[at] = from_op<T>(acc);
  }
}

}  // namespace

void logcumsumexp_kernel(const Scan& s) {
  if (s.empty()) return;
  dispatch_device<DtypeSet::Floating>(s.compute_dtype(), "logcumsumexp", [&]<typename T>() {
    const T* in = reinterpret_cast<const T*>(s.input().data_ptr());
    T* out = reinterpret_cast<T*>(s.output(0).data_ptr());
    logcumsumexp_lines_kernel<T><<<blocks_for(s.lines(), kBlockSize), kBlockSize>>>(in, out, s.lines(), s.length(),
                                                                                   s.inner());
    TG_CUDA_KERNEL_CHECK("logcumsumexp");
  });
}

void cummax_kernel(const Scan& scan) { run_cum_extreme<true>(scan, "cummax"); }
void cummin_kernel(const Scan& scan) { run_cum_extreme<false>(scan, "cummin"); }

void cumsum_kernel(const Scan& scan) { run_scan<false>(scan, "cumsum"); }
void cumprod_kernel(const Scan& scan) { run_scan<true>(scan, "cumprod"); }

}  // namespace tg::native::cuda

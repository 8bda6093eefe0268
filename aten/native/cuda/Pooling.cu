// Pooling and resampling on CUDA: max_pool2d_with_indices, avg_pool2d, adaptive_{avg,max}_pool2d,
// upsample_{nearest,bilinear}2d and their backward ops. Checks, output sizes and the index rules
// come from aten/native/Pooling.h, shared with the CPU kernels.
//
// Straightforward rather than fast: the forward ops run one thread per output element (a
// grid-stride loop over planes * out_h * out_w of the contiguous input). The backward ops scatter
// into their input plane; each plane is summed by one thread, in the CPU kernels' order (half
// types in a float32 buffer, rounded once), so the results need no atomics and are the same on
// every run.
#include <cstdint>

#include "aten/native/Pooling.h"
#include "aten/native/cuda/CUDACommon.cuh"
#include "kernels/_adaptive_avg_pool2d_backward.h"
#include "kernels/_max_pool2d_backward.h"
#include "kernels/adaptive_avg_pool2d.h"
#include "kernels/adaptive_max_pool2d.h"
#include "kernels/avg_pool2d.h"
#include "kernels/avg_pool2d_backward.h"
#include "kernels/max_pool2d_with_indices.h"
#include "kernels/upsample_bilinear2d.h"
#include "kernels/upsample_bilinear2d_backward.h"
#include "kernels/upsample_nearest2d.h"
#include "kernels/upsample_nearest2d_backward.h"
#include "ops/contiguous.h"
#include "ops/to.h"
#include "ops/zeros.h"

namespace tg::native::cuda {

namespace {

// An index outside its plane given to _max_pool2d_backward (read by check_device_error).
constexpr int kPoolIndexOutOfRange = 91;

// The plane geometry as plain values for the kernels.
struct Geo {
  int64_t planes, in_h, in_w, out_h, out_w;
};
Geo geo_of(const Plane2d& p) { return {p.planes, p.in_h, p.in_w, p.out_h, p.out_w}; }

unsigned grid_for(int64_t n) {
  const int64_t b = (n + kBlockSize - 1) / kBlockSize;
  return unsigned(b < 1 ? 1 : (b > 65535 ? 65535 : b));
}

#define TG_GRID_STRIDE(i, n) \
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); i += int64_t(gridDim.x) * blockDim.x)

template <typename A>
__device__ inline A max_identity() {
  if constexpr (std::is_floating_point_v<A>) return A(-INFINITY);
  else if constexpr (std::is_unsigned_v<A>) return A(0);
  else return A(A(1) << (sizeof(A) * 8 - 1));  // the lowest value of a signed integer
}

__device__ inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// PyTorch's max update (aten/native/cpu/PoolingKernel.cpp): larger, or NaN; ties keep the first.
template <typename A>
__device__ inline bool takes_max(A v, A m) {
  if constexpr (std::is_floating_point_v<A>) return v > m || v != v;
  else return v > m;
}

template <typename T>
__device__ inline void window_max(const T* plane, int64_t in_w, int64_t h0, int64_t h1, int64_t dh, int64_t w0,
                                  int64_t w1, int64_t dw, T* out, int64_t* index) {
  using A = opmath_t<T>;
  A m = max_identity<A>();
  int64_t best = h0 * in_w + w0;
  for (int64_t h = h0; h < h1; h += dh)
    for (int64_t w = w0; w < w1; w += dw) {
      const A v = to_op(plane[h * in_w + w]);
      if (takes_max(v, m)) {
        m = v;
        best = h * in_w + w;
      }
    }
  *out = from_op<T>(m);
  *index = best;
}

__device__ inline int64_t first_inside(int64_t start, int64_t dilation) {
  while (start < 0) start += dilation;
  return start;
}

template <typename T>
__global__ void max_pool_kernel(const T* x, T* y, int64_t* ix, Geo g, PoolWindow k) {
  TG_GRID_STRIDE(i, g.planes * g.out_h * g.out_w) {
    const int64_t ow = i % g.out_w, oh = (i / g.out_w) % g.out_h, plane = i / (g.out_w * g.out_h);
    const int64_t hs = oh * k.sh - k.ph, ws = ow * k.sw - k.pw;
    const int64_t h1 = min64(hs + (k.kh - 1) * k.dh + 1, g.in_h), w1 = min64(ws + (k.kw - 1) * k.dw + 1, g.in_w);
    window_max(x + plane * g.in_h * g.in_w, g.in_w, first_inside(hs, k.dh), h1, k.dh, first_inside(ws, k.dw), w1,
               k.dw, y + i, ix + i);
  }
}

template <typename T>
__global__ void adaptive_max_kernel(const T* x, T* y, int64_t* ix, Geo g) {
  TG_GRID_STRIDE(i, g.planes * g.out_h * g.out_w) {
    const int64_t ow = i % g.out_w, oh = (i / g.out_w) % g.out_h, plane = i / (g.out_w * g.out_h);
    window_max(x + plane * g.in_h * g.in_w, g.in_w, adaptive_start(oh, g.out_h, g.in_h),
               adaptive_end(oh, g.out_h, g.in_h), 1, adaptive_start(ow, g.out_w, g.in_w),
               adaptive_end(ow, g.out_w, g.in_w), 1, y + i, ix + i);
  }
}

// One thread per plane: grad_output[o] added to the input its index names.
template <typename T>
__global__ void max_pool_backward_kernel(const T* go, const int64_t* ix, opmath_t<T>* gi, Geo g, int* error) {
  const int64_t plane_in = g.in_h * g.in_w, plane_out = g.out_h * g.out_w;
  TG_GRID_STRIDE(plane, g.planes) {
    opmath_t<T>* gip = gi + plane * plane_in;
    for (int64_t o = plane * plane_out; o < (plane + 1) * plane_out; ++o) {
      const int64_t i = ix[o];
      if (i < 0 || i >= plane_in) {
        report_error(error, kPoolIndexOutOfRange);
        continue;
      }
      gip[i] += to_op(go[o]);
    }
  }
}

template <typename T>
__global__ void avg_pool_kernel(const T* x, T* y, Geo g, PoolWindow k, bool count_include_pad, int64_t divisor) {
  using A = opmath_t<T>;
  TG_GRID_STRIDE(i, g.planes * g.out_h * g.out_w) {
    const int64_t ow = i % g.out_w, oh = (i / g.out_w) % g.out_h, plane = i / (g.out_w * g.out_h);
    const AvgWindow w = avg_window(g.in_h, g.in_w, k, oh, ow, count_include_pad, divisor);
    const T* xp = x + plane * g.in_h * g.in_w;
    A sum = 0;
    for (int64_t h = w.h0; h < w.h1; ++h)
      for (int64_t c = w.w0; c < w.w1; ++c) sum += to_op(xp[h * g.in_w + c]);
    y[i] = from_op<T>(w.h0 < w.h1 && w.w0 < w.w1 ? sum / A(w.divisor) : A(0));
  }
}

template <typename T>
__global__ void avg_pool_backward_kernel(const T* go, opmath_t<T>* gi, Geo g, PoolWindow k, bool count_include_pad,
                                         int64_t divisor) {
  using A = opmath_t<T>;
  TG_GRID_STRIDE(plane, g.planes) {
    const T* gop = go + plane * g.out_h * g.out_w;
    A* gip = gi + plane * g.in_h * g.in_w;
    for (int64_t oh = 0; oh < g.out_h; ++oh)
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const AvgWindow w = avg_window(g.in_h, g.in_w, k, oh, ow, count_include_pad, divisor);
        const A share = to_op(gop[oh * g.out_w + ow]) / A(w.divisor);
        for (int64_t h = w.h0; h < w.h1; ++h)
          for (int64_t c = w.w0; c < w.w1; ++c) gip[h * g.in_w + c] += share;
      }
  }
}

template <typename T>
__global__ void adaptive_avg_kernel(const T* x, T* y, Geo g) {
  using A = opmath_t<T>;
  TG_GRID_STRIDE(i, g.planes * g.out_h * g.out_w) {
    const int64_t ow = i % g.out_w, oh = (i / g.out_w) % g.out_h, plane = i / (g.out_w * g.out_h);
    const int64_t h0 = adaptive_start(oh, g.out_h, g.in_h), h1 = adaptive_end(oh, g.out_h, g.in_h);
    const int64_t w0 = adaptive_start(ow, g.out_w, g.in_w), w1 = adaptive_end(ow, g.out_w, g.in_w);
    const T* xp = x + plane * g.in_h * g.in_w;
    A sum = 0;
    for (int64_t h = h0; h < h1; ++h)
      for (int64_t c = w0; c < w1; ++c) sum += to_op(xp[h * g.in_w + c]);
    y[i] = from_op<T>(sum / A((h1 - h0) * (w1 - w0)));
  }
}

template <typename T>
__global__ void adaptive_avg_backward_kernel(const T* go, opmath_t<T>* gi, Geo g) {
  using A = opmath_t<T>;
  TG_GRID_STRIDE(plane, g.planes) {
    const T* gop = go + plane * g.out_h * g.out_w;
    A* gip = gi + plane * g.in_h * g.in_w;
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      const int64_t h0 = adaptive_start(oh, g.out_h, g.in_h), h1 = adaptive_end(oh, g.out_h, g.in_h);
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const int64_t w0 = adaptive_start(ow, g.out_w, g.in_w), w1 = adaptive_end(ow, g.out_w, g.in_w);
        const A share = to_op(gop[oh * g.out_w + ow]) / A((h1 - h0) * (w1 - w0));
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t c = w0; c < w1; ++c) gip[h * g.in_w + c] += share;
      }
    }
  }
}

template <typename T>
__global__ void nearest_kernel(const T* x, T* y, Geo g, float scale_h, float scale_w) {
  TG_GRID_STRIDE(i, g.planes * g.out_h * g.out_w) {
    const int64_t ow = i % g.out_w, oh = (i / g.out_w) % g.out_h, plane = i / (g.out_w * g.out_h);
    const int64_t h = nearest_source(oh, g.in_h, g.out_h, scale_h), w = nearest_source(ow, g.in_w, g.out_w, scale_w);
    y[i] = x[(plane * g.in_h + h) * g.in_w + w];
  }
}

template <typename T>
__global__ void nearest_backward_kernel(const T* go, opmath_t<T>* gi, Geo g, float scale_h, float scale_w) {
  using A = opmath_t<T>;
  TG_GRID_STRIDE(plane, g.planes) {
    const T* gop = go + plane * g.out_h * g.out_w;
    A* gip = gi + plane * g.in_h * g.in_w;
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      const int64_t h = nearest_source(oh, g.in_h, g.out_h, scale_h);
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const int64_t at = h * g.in_w + nearest_source(ow, g.in_w, g.out_w, scale_w);
        gip[at] += to_op(gop[oh * g.out_w + ow]);
      }
    }
  }
}

template <typename T>
__global__ void bilinear_kernel(const T* x, T* y, Geo g, bool align_corners, double scales_h, double scales_w) {
  using A = opmath_t<T>;
  const A sh = linear_scale<A>(g.in_h, g.out_h, align_corners, scales_h);
  const A sw = linear_scale<A>(g.in_w, g.out_w, align_corners, scales_w);
  TG_GRID_STRIDE(i, g.planes * g.out_h * g.out_w) {
    const int64_t ow = i % g.out_w, oh = (i / g.out_w) % g.out_h, plane = i / (g.out_w * g.out_h);
    const LinearTap<A> h = linear_tap<A>(oh, g.in_h, g.out_h, sh, align_corners);
    const LinearTap<A> w = linear_tap<A>(ow, g.in_w, g.out_w, sw, align_corners);
    const T* r0 = x + (plane * g.in_h + h.i0) * g.in_w;
    const T* r1 = x + (plane * g.in_h + h.i1) * g.in_w;
    const A top = w.w0 * to_op(r0[w.i0]) + w.w1 * to_op(r0[w.i1]);
    const A bottom = w.w0 * to_op(r1[w.i0]) + w.w1 * to_op(r1[w.i1]);
    y[i] = from_op<T>(h.w0 * top + h.w1 * bottom);
  }
}

template <typename T>
__global__ void bilinear_backward_kernel(const T* go, opmath_t<T>* gi, Geo g, bool align_corners, double scales_h,
                                         double scales_w) {
  using A = opmath_t<T>;
  const A sh = linear_scale<A>(g.in_h, g.out_h, align_corners, scales_h);
  const A sw = linear_scale<A>(g.in_w, g.out_w, align_corners, scales_w);
  TG_GRID_STRIDE(plane, g.planes) {
    const T* gop = go + plane * g.out_h * g.out_w;
    A* gip = gi + plane * g.in_h * g.in_w;
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      const LinearTap<A> h = linear_tap<A>(oh, g.in_h, g.out_h, sh, align_corners);
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const LinearTap<A> w = linear_tap<A>(ow, g.in_w, g.out_w, sw, align_corners);
        const A v = to_op(gop[oh * g.out_w + ow]);
        A* r0 = gip + h.i0 * g.in_w;
        A* r1 = gip + h.i1 * g.in_w;
        r0[w.i0] += h.w0 * w.w0 * v;
        r0[w.i1] += h.w0 * w.w1 * v;
        r1[w.i0] += h.w1 * w.w0 * v;
        r1[w.i1] += h.w1 * w.w1 * v;
      }
    }
  }
}

// The backward ops sum into grad_input itself, or for the half types into a float32 buffer that
// is rounded once at the end (as on the CPU).
Tensor accumulator(IntArrayRef sizes, const Tensor& grad_output) {
  const ScalarType t = grad_output.dtype();
  const bool half = t == ScalarType::Float16 || t == ScalarType::BFloat16;
  return tg::zeros(sizes, half ? ScalarType::Float32 : t, grad_output.device());
}
Tensor finish(const Tensor& acc, const Tensor& grad_output) {
  return acc.dtype() == grad_output.dtype() ? acc : tg::to(acc, grad_output.dtype(), false, false);
}
template <typename T>
opmath_t<T>* acc_ptr(Tensor& t) {
  return reinterpret_cast<opmath_t<T>*>(t.data_ptr());
}

template <typename T>
const T* in_ptr(const Tensor& t) {
  return reinterpret_cast<const T*>(t.data_ptr());
}
template <typename T>
T* out_ptr(Tensor& t) {
  return reinterpret_cast<T*>(t.data_ptr());
}

}  // namespace

// ---- max pooling

std::tuple<Tensor, Tensor> max_pool2d_with_indices_cuda(const Tensor& self, IntArrayRef kernel_size,
                                                        IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation,
                                                        bool ceil_mode) {
  const char* op = "max_pool2d";
  PoolWindow k;
  const Plane2d p = pool2d_plan(self.sizes(), kernel_size, stride, padding, dilation, ceil_mode, k, op);
  const Tensor in = tg::contiguous(self);
  Tensor values = empty_tensor(p.out_sizes, self.dtype(), self.device(), op);
  Tensor indices = empty_tensor(p.out_sizes, ScalarType::Int64, self.device(), op);
  dispatch_device<DtypeSet::Numeric>(self.dtype(), op, [&]<typename T>() {
    const int64_t n = values.numel();
    if (n == 0) return;
    max_pool_kernel<T><<<grid_for(n), kBlockSize>>>(in_ptr<T>(in), out_ptr<T>(values), indices.data<int64_t>(),
                                                    geo_of(p), k);
    TG_CUDA_KERNEL_CHECK(op);
  });
  return {values, indices};
}

std::tuple<Tensor, Tensor> adaptive_max_pool2d_cuda(const Tensor& self, IntArrayRef output_size) {
  const char* op = "adaptive_max_pool2d";
  const Plane2d p = adaptive_plan(self.sizes(), output_size, op);
  const Tensor in = tg::contiguous(self);
  Tensor values = empty_tensor(p.out_sizes, self.dtype(), self.device(), op);
  Tensor indices = empty_tensor(p.out_sizes, ScalarType::Int64, self.device(), op);
  dispatch_device<DtypeSet::Floating>(self.dtype(), op, [&]<typename T>() {
    const int64_t n = values.numel();
    if (n == 0) return;
    adaptive_max_kernel<T><<<grid_for(n), kBlockSize>>>(in_ptr<T>(in), out_ptr<T>(values), indices.data<int64_t>(),
                                                        geo_of(p));
    TG_CUDA_KERNEL_CHECK(op);
  });
  return {values, indices};
}

Tensor max_pool2d_backward_cuda(const Tensor& grad_output, const Tensor& indices, IntArrayRef input_sizes) {
  const char* op = "_max_pool2d_backward";
  const Plane2d p = max_pool_backward_plan(grad_output, indices, input_sizes, op);
  const Tensor g = tg::contiguous(grad_output);
  const Tensor idx = tg::contiguous(indices);
  Tensor grad_input = accumulator(input_sizes, grad_output);
  dispatch_device<DtypeSet::Floating>(grad_output.dtype(), op, [&]<typename T>() {
    if (p.planes == 0 || p.out_h * p.out_w == 0) return;
    max_pool_backward_kernel<T><<<grid_for(p.planes), kBlockSize>>>(in_ptr<T>(g), idx.data<int64_t>(),
                                                                    acc_ptr<T>(grad_input), geo_of(p),
                                                                    device_error_flag());
    TG_CUDA_KERNEL_CHECK(op);
  });
  check_device_error(op);  // "[op] device-side error 91": an index outside its plane
  return finish(grad_input, grad_output);
}

// ---- average pooling

Tensor avg_pool2d_cuda(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                       bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
  const char* op = "avg_pool2d";
  check_divisor(divisor_override, op);
  PoolWindow k;
  const Plane2d p = pool2d_plan(self.sizes(), kernel_size, stride, padding, {1}, ceil_mode, k, op);
  const Tensor in = tg::contiguous(self);
  Tensor out = empty_tensor(p.out_sizes, self.dtype(), self.device(), op);
  dispatch_device<DtypeSet::Floating>(self.dtype(), op, [&]<typename T>() {
    const int64_t n = out.numel();
    if (n == 0) return;
    avg_pool_kernel<T><<<grid_for(n), kBlockSize>>>(in_ptr<T>(in), out_ptr<T>(out), geo_of(p), k, count_include_pad,
                                                    divisor_arg(divisor_override));
    TG_CUDA_KERNEL_CHECK(op);
  });
  return out;
}

Tensor avg_pool2d_backward_cuda(const Tensor& grad_output, IntArrayRef input_sizes, IntArrayRef kernel_size,
                                IntArrayRef stride, IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                                std::optional<int64_t> divisor_override) {
  const char* op = "avg_pool2d_backward";
  check_divisor(divisor_override, op);
  PoolWindow k;
  const Plane2d p = pool2d_plan(input_sizes, kernel_size, stride, padding, {1}, ceil_mode, k, op);
  check_grad_output(grad_output, p, op);
  const Tensor g = tg::contiguous(grad_output);
  Tensor grad_input = accumulator(input_sizes, grad_output);
  dispatch_device<DtypeSet::Floating>(grad_output.dtype(), op, [&]<typename T>() {
    if (p.planes == 0) return;
    avg_pool_backward_kernel<T><<<grid_for(p.planes), kBlockSize>>>(in_ptr<T>(g), acc_ptr<T>(grad_input), geo_of(p), k,
                                                                    count_include_pad, divisor_arg(divisor_override));
    TG_CUDA_KERNEL_CHECK(op);
  });
  return finish(grad_input, grad_output);
}

Tensor adaptive_avg_pool2d_cuda(const Tensor& self, IntArrayRef output_size) {
  const char* op = "adaptive_avg_pool2d";
  const Plane2d p = adaptive_plan(self.sizes(), output_size, op);
  const Tensor in = tg::contiguous(self);
  Tensor out = empty_tensor(p.out_sizes, self.dtype(), self.device(), op);
  dispatch_device<DtypeSet::Floating>(self.dtype(), op, [&]<typename T>() {
    const int64_t n = out.numel();
    if (n == 0) return;
    adaptive_avg_kernel<T><<<grid_for(n), kBlockSize>>>(in_ptr<T>(in), out_ptr<T>(out), geo_of(p));
    TG_CUDA_KERNEL_CHECK(op);
  });
  return out;
}

Tensor adaptive_avg_pool2d_backward_cuda(const Tensor& output_grad, IntArrayRef input_sizes) {
  const char* op = "_adaptive_avg_pool2d_backward";
  const Plane2d p = adaptive_plan(input_sizes, {output_grad.dim() >= 2 ? output_grad.size(-2) : 0,
                                                output_grad.dim() >= 1 ? output_grad.size(-1) : 0}, op);
  check_grad_output(output_grad, p, op);
  const Tensor g = tg::contiguous(output_grad);
  Tensor grad_input = accumulator(input_sizes, output_grad);
  dispatch_device<DtypeSet::Floating>(output_grad.dtype(), op, [&]<typename T>() {
    if (p.planes == 0) return;
    adaptive_avg_backward_kernel<T><<<grid_for(p.planes), kBlockSize>>>(in_ptr<T>(g), acc_ptr<T>(grad_input),
                                                                        geo_of(p));
    TG_CUDA_KERNEL_CHECK(op);
  });
  return finish(grad_input, output_grad);
}

// ---- resampling

Tensor upsample_nearest2d_cuda(const Tensor& self, IntArrayRef output_size, std::optional<double> scales_h,
                               std::optional<double> scales_w) {
  const char* op = "upsample_nearest2d";
  const Plane2d p = upsample_plan(self.sizes(), output_size, op);
  const Tensor in = tg::contiguous(self);
  Tensor out = empty_tensor(p.out_sizes, self.dtype(), self.device(), op);
  const float sh = scale_of<float>(scales_h, p.in_h, p.out_h), sw = scale_of<float>(scales_w, p.in_w, p.out_w);
  dispatch_device<DtypeSet::Floating>(self.dtype(), op, [&]<typename T>() {
    const int64_t n = out.numel();
    if (n == 0) return;
    nearest_kernel<T><<<grid_for(n), kBlockSize>>>(in_ptr<T>(in), out_ptr<T>(out), geo_of(p), sh, sw);
    TG_CUDA_KERNEL_CHECK(op);
  });
  return out;
}

Tensor upsample_nearest2d_backward_cuda(const Tensor& grad_output, IntArrayRef output_size, IntArrayRef input_size,
                                        std::optional<double> scales_h, std::optional<double> scales_w) {
  const char* op = "upsample_nearest2d_backward";
  const Plane2d p = upsample_plan(input_size, output_size, op);
  check_grad_output(grad_output, p, op);
  const Tensor g = tg::contiguous(grad_output);
  Tensor grad_input = accumulator(input_size, grad_output);
  const float sh = scale_of<float>(scales_h, p.in_h, p.out_h), sw = scale_of<float>(scales_w, p.in_w, p.out_w);
  dispatch_device<DtypeSet::Floating>(grad_output.dtype(), op, [&]<typename T>() {
    if (p.planes == 0) return;
    nearest_backward_kernel<T><<<grid_for(p.planes), kBlockSize>>>(in_ptr<T>(g), acc_ptr<T>(grad_input), geo_of(p),
                                                                   sh, sw);
    TG_CUDA_KERNEL_CHECK(op);
  });
  return finish(grad_input, grad_output);
}

Tensor upsample_bilinear2d_cuda(const Tensor& self, IntArrayRef output_size, bool align_corners,
                                std::optional<double> scales_h, std::optional<double> scales_w) {
  const char* op = "upsample_bilinear2d";
  const Plane2d p = upsample_plan(self.sizes(), output_size, op);
  const Tensor in = tg::contiguous(self);
  Tensor out = empty_tensor(p.out_sizes, self.dtype(), self.device(), op);
  dispatch_device<DtypeSet::Floating>(self.dtype(), op, [&]<typename T>() {
    const int64_t n = out.numel();
    if (n == 0) return;
    bilinear_kernel<T><<<grid_for(n), kBlockSize>>>(in_ptr<T>(in), out_ptr<T>(out), geo_of(p), align_corners,
                                                    scale_arg(scales_h), scale_arg(scales_w));
    TG_CUDA_KERNEL_CHECK(op);
  });
  return out;
}

Tensor upsample_bilinear2d_backward_cuda(const Tensor& grad_output, IntArrayRef output_size, IntArrayRef input_size,
                                         bool align_corners, std::optional<double> scales_h,
                                         std::optional<double> scales_w) {
  const char* op = "upsample_bilinear2d_backward";
  const Plane2d p = upsample_plan(input_size, output_size, op);
  check_grad_output(grad_output, p, op);
  const Tensor g = tg::contiguous(grad_output);
  Tensor grad_input = accumulator(input_size, grad_output);
  dispatch_device<DtypeSet::Floating>(grad_output.dtype(), op, [&]<typename T>() {
    if (p.planes == 0) return;
    bilinear_backward_kernel<T><<<grid_for(p.planes), kBlockSize>>>(in_ptr<T>(g), acc_ptr<T>(grad_input), geo_of(p),
                                                                    align_corners, scale_arg(scales_h),
                                                                    scale_arg(scales_w));
    TG_CUDA_KERNEL_CHECK(op);
  });
  return finish(grad_input, grad_output);
}

}  // namespace tg::native::cuda

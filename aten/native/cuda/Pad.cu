// pad and pad_backward on CUDA: the host builds the same per-dim maps as the CPU kernels
// (aten/native/Pad.cpp) and uploads them. pad: one thread per output element reads the input
// position its coordinates map to (or writes the constant). pad_backward: one thread per input
// element sums, in a fixed order, the output positions that read it (the inverse maps), so it needs
// no atomics and is deterministic.
#include <cstring>
#include <vector>

#include "aten/native/Pad.h"
#include "aten/native/cuda/CUDACommon.cuh"
#include "aten/native/cuda/Loops.cuh"
#include "kernels/pad.h"
#include "kernels/pad_backward.h"
#include "ops/clone.h"
#include "ops/contiguous.h"
#include "ops/full.h"

namespace tg::native::cuda {

namespace {

constexpr int kMaxPadDims = 16;

// Sizes and strides of both sides (contiguous), and where each padded dim's table starts.
struct PadGeometry {
  int ndim, lead;
  int64_t in_sizes[kMaxPadDims], out_sizes[kMaxPadDims];
  int64_t in_strides[kMaxPadDims], out_strides[kMaxPadDims];
  int64_t table_off[kMaxPadDims];  // per padded dim: offset of its map (forward) or inverse start (backward)
  int64_t order_off[kMaxPadDims];  // backward: offset of its inverse order list
};

PadGeometry pad_geometry(const char* op, const PadPlan& p) {
  PadGeometry g{};
  TG_CHECK(p.in_sizes.size() <= size_t(kMaxPadDims), "[", op, "] CUDA supports at most ", kMaxPadDims,
           " dims, got ", p.in_sizes.size());
  g.ndim = int(p.in_sizes.size());
  g.lead = int(p.lead);
  int64_t si = 1, so = 1;
  for (int d = g.ndim - 1; d >= 0; --d) {
    g.in_sizes[d] = p.in_sizes[size_t(d)];
    g.out_sizes[d] = p.out_sizes[size_t(d)];
    g.in_strides[d] = si;
    g.out_strides[d] = so;
    si *= g.in_sizes[d];
    so *= g.out_sizes[d];
  }
  return g;
}

Tensor upload_vector(std::vector<int64_t> v) {
  if (v.empty()) v.push_back(0);
  return upload_offsets(v.data(), int64_t(v.size()));
}

template <typename T>
__global__ void pad_kernel(T* out, const T* in, PadGeometry g, const int64_t* maps, int64_t n, T value) {
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < n; t += int64_t(gridDim.x) * blockDim.x) {
    int64_t rest = t, src = 0;
    bool constant = false;
    for (int d = g.ndim - 1; d >= 0; --d) {
      const int64_t c = rest % g.out_sizes[d];
      rest /= g.out_sizes[d];
      const int64_t s = d < g.lead ? c : maps[g.table_off[d] + c];
      if (s < 0) constant = true;
      src += s * g.in_strides[d];
    }
    out[t] = constant ? value : in[src];
  }
}

template <typename T>
__global__ void pad_backward_kernel(T* out, const T* grad, PadGeometry g, const int64_t* starts,
                                    const int64_t* orders, int64_t n) {
  using Acc = opmath_t<T>;
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < n; t += int64_t(gridDim.x) * blockDim.x) {
    int64_t coord[kMaxPadDims], pick[kMaxPadDims];
    int64_t rest = t, base = 0;
    bool any = true;
    for (int d = g.ndim - 1; d >= 0; --d) {
      coord[d] = rest % g.in_sizes[d];
      rest /= g.in_sizes[d];
      if (d < g.lead) {
        base += coord[d] * g.out_strides[d];
      } else {
        const int64_t* st = starts + g.table_off[d];
        pick[d] = st[coord[d]];
        if (st[coord[d]] == st[coord[d] + 1]) any = false;
      }
    }
    Acc acc = 0;
    while (any) {
      int64_t off = base;
      for (int d = g.lead; d < g.ndim; ++d) off += orders[g.order_off[d] + pick[d]] * g.out_strides[d];
      acc += to_op(grad[off]);
      int d = g.ndim - 1;
      for (; d >= g.lead; --d) {
        const int64_t* st = starts + g.table_off[d];
        if (++pick[d] < st[coord[d] + 1]) break;
        pick[d] = st[coord[d]];
      }
      if (d < g.lead) break;
    }
    out[t] = from_op<T>(acc);
  }
}

}  // namespace

Tensor pad_cuda(const Tensor& self, IntArrayRef pad, std::string_view mode, std::optional<double> value) {
  const char* op = "pad";
  const PadPlan p = pad_plan(op, self.sizes(), pad, mode, value);
  if (p.map.empty()) return tg::clone(self);
  Tensor out = empty_tensor(p.out_sizes, self.dtype(), self.device(), op);
  const int64_t n = out.numel();
  if (n == 0) return out;
  PadGeometry g = pad_geometry(op, p);
  std::vector<int64_t> maps;
  for (int d = g.lead; d < g.ndim; ++d) {
    g.table_off[d] = int64_t(maps.size());
    const std::vector<int64_t>& m = p.map[size_t(d - g.lead)];
    maps.insert(maps.end(), m.begin(), m.end());
  }
  const Tensor table = upload_vector(std::move(maps));
  const Tensor x = tg::contiguous(self);
  const Tensor v = tg::full({}, Scalar(value.value_or(0.0)), self.dtype(), Device());  // on the host
  dispatch_device<DtypeSet::All>(self.dtype(), op, [&]<typename T>() {
    T fill;
    std::memcpy(&fill, v.data_ptr(), sizeof(T));  // same bits as the host type
    pad_kernel<T><<<blocks_for(std::min<int64_t>(n, int64_t(1) << 24), kBlockSize), kBlockSize>>>(
        static_cast<T*>(out.data_ptr()), static_cast<const T*>(x.data_ptr()), g, table.data<int64_t>(), n, fill);
  });
  TG_CUDA_KERNEL_CHECK(op);
  return out;
}

Tensor pad_backward_cuda(const Tensor& grad_output, IntArrayRef input_size, IntArrayRef pad, std::string_view mode) {
  const char* op = "pad_backward";
  const PadPlan p = pad_plan(op, input_size, pad, mode, std::nullopt);
  check_pad_grad(op, p, grad_output);
  return dispatch_device<DtypeSet::Floating>(grad_output.dtype(), op, [&]<typename T>() {
    if (p.map.empty()) return tg::clone(grad_output);
    Tensor out = empty_tensor(p.in_sizes, grad_output.dtype(), grad_output.device(), op);
    const int64_t n = out.numel();
    if (n == 0) return out;
    PadGeometry g = pad_geometry(op, p);
    std::vector<int64_t> starts, orders;
    for (int d = g.lead; d < g.ndim; ++d) {
      const PadInverse inv = invert_pad_map(p.map[size_t(d - g.lead)], p.in_sizes[size_t(d)]);
      g.table_off[d] = int64_t(starts.size());
      g.order_off[d] = int64_t(orders.size());
      starts.insert(starts.end(), inv.start.begin(), inv.start.end());
      orders.insert(orders.end(), inv.order.begin(), inv.order.end());
    }
    const Tensor st = upload_vector(std::move(starts)), od = upload_vector(std::move(orders));
    const Tensor gr = tg::contiguous(grad_output);
    pad_backward_kernel<T><<<blocks_for(std::min<int64_t>(n, int64_t(1) << 24), kBlockSize), kBlockSize>>>(
        static_cast<T*>(out.data_ptr()), static_cast<const T*>(gr.data_ptr()), g, st.data<int64_t>(),
        od.data<int64_t>(), n);
    TG_CUDA_KERNEL_CHECK(op);
    return out;
  });
}

}  // namespace tg::native::cuda

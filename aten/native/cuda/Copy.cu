// Device copies with dtype conversion (the CUDA half of copy_ / to / clone / contiguous) and
// fill_. Conversions follow the CPU copy kernel (convert() in CUDACommon.cuh).
#include "aten/core/DefaultDtype.h"
#include "aten/native/cuda/CopyKernel.h"
#include "aten/native/cuda/Loops.cuh"
#include "kernels/empty.h"
#include "kernels/fill_.h"
#include "ops/fill_.h"

namespace tg::native::cuda {

namespace {
template <typename Dst, typename Src>
struct ConvertOp {
  __device__ Dst operator()(Src v) const { return convert<Dst>(v); }
};
}  // namespace

void copy_kernel(const TensorIterator& iter) {
  const ScalarType dst_t = iter.output_dtype(), src_t = iter.original_input_dtype(1);
  if (dst_t == src_t && iter.is_contiguous() && iter.numel() > 1) {
    // Dense same-dtype copy: one DMA (a 1-element copy may come from a CPU scalar: kernel path).
    IterGeometry g = iter_geometry(iter);
    TG_CUDA_CHECK(cudaMemcpyAsync(g.data[0], g.data[1], size_t(iter.numel()) * element_size(dst_t),
                                  cudaMemcpyDeviceToDevice, 0),
                  str(iter.op(), ": device copy"));
    return;
  }
  dispatch_device<DtypeSet::All>(dst_t, iter.op(), [&]<typename Dst>() {
    dispatch_device<DtypeSet::All>(src_t, iter.op(), [&]<typename Src>() { gpu_kernel(iter, ConvertOp<Dst, Src>{}); });
  });
}

Tensor& fill_cuda(Tensor& self, const Scalar& value) {
  // The CPU fill of a 0-d host tensor does the range checks and the conversion to self's dtype;
  // the kernel then gets that value as a by-value scalar operand.
  Tensor host = empty_tensor({}, self.dtype(), Device(), "fill_");
  tg::fill_(host, value);
  IterConfig config{"fill_", Promotion::None, /*inplace=*/true, /*check_mem_overlap=*/false};  // idempotent
  TensorIterator iter(config, self, {host});
  copy_kernel(iter);
  return self;
}

Tensor empty_cuda(IntArrayRef size, std::optional<ScalarType> dtype, std::optional<Device> device) {
  return empty_tensor(size, dtype.value_or(default_float_dtype()), device.value_or(Device(DeviceType::CUDA)), "empty");
}

}  // namespace tg::native::cuda

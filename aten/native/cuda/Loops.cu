// Host half of the pointwise launcher (Loops.cuh): the iterator's geometry and CPU scalars.
#include <cstring>

#include "aten/native/cuda/Loops.cuh"

namespace tg::native::cuda {

IterGeometry iter_geometry(const TensorIterator& iter) {
  IterGeometry g;
  g.nt = iter.ntensors();
  g.data.resize(size_t(g.nt), nullptr);
  g.s0.resize(size_t(g.nt), 0);
  g.s1.resize(size_t(g.nt), 0);
  bool first = true;
  iter.serial_for_each(
      [&](char** data, const int64_t* strides, int64_t size0, int64_t size1) {
        if (first) {
          for (int k = 0; k < g.nt; ++k) {
            g.data[k] = data[k];
            g.s0[k] = strides[k];
            g.s1[k] = strides[g.nt + k];
          }
          g.size0 = size0;
          g.size1 = size1;
          first = false;
        }
        for (int k = 0; k < g.nt; ++k) g.slab_offsets.push_back(data[k] - g.data[k]);
      },
      0, iter.numel());
  return g;
}

bool host_scalar_inputs(const TensorIterator& iter, const IterGeometry& g, const int* element_sizes,
                        uint64_t* scalars, bool* host_scalar) {
  bool any = false;
  for (int k = 0; k < g.nt; ++k) host_scalar[k] = false;
  for (int k = 1; k < g.nt; ++k) {
    if (!iter.is_scalar_input(k - 1)) continue;
    cudaPointerAttributes attr{};
    cudaError_t err = cudaPointerGetAttributes(&attr, g.data[k]);
    if (err != cudaSuccess) (void)cudaGetLastError();
    if (err == cudaSuccess && (attr.type == cudaMemoryTypeDevice || attr.type == cudaMemoryTypeManaged)) continue;
    scalars[k] = 0;
    std::memcpy(&scalars[k], g.data[k], size_t(element_sizes[k]));
    host_scalar[k] = true;
    any = true;
  }
  return any;
}

Tensor upload_offsets(const int64_t* offsets, int64_t count) {
  Tensor t = empty_tensor(IntArrayRef(&count, 1), ScalarType::Int64, Device(DeviceType::CUDA, 0), "offsets");
  TG_CUDA_CHECK(cudaMemcpy(t.data_ptr(), offsets, size_t(count) * sizeof(int64_t), cudaMemcpyHostToDevice),
                "uploading iterator offsets");
  return t;
}

}  // namespace tg::native::cuda

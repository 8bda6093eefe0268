// View ops: new sizes/strides/offset over the same storage, no data movement, any device.
#include <algorithm>

#include "kernels/as_strided.h"
#include "kernels/expand.h"
#include "kernels/permute.h"
#include "kernels/select.h"
#include "kernels/slice.h"
#include "kernels/squeeze.h"
#include "kernels/transpose.h"
#include "kernels/unsqueeze.h"
#include "kernels/view.h"
#include "aten/native/ViewUtils.h"

namespace tg::native {

DimVector infer_size(IntArrayRef shape, int64_t numel, const char* op) {
  DimVector out(shape);
  int64_t known = 1, infer = -1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == -1) {
      TG_CHECK(infer < 0, "[", op, "] only one dimension can be inferred");
      infer = int64_t(d);
    } else {
      TG_CHECK(shape[d] >= 0, "[", op, "] invalid shape dimension ", shape[d]);
      TG_CHECK(!__builtin_mul_overflow(known, shape[d], &known), "[", op, "] shape ", shape, " is too large");
    }
  }
  bool ok = infer >= 0 ? (known != 0 && numel % known == 0) : numel == known;
  if (infer >= 0 && known == 0) ok = false;
  TG_CHECK(ok, "[", op, "] shape '", shape, "' is invalid for input of size ", numel);
  if (infer >= 0) out[infer] = numel / known;
  return out;
}

// PyTorch's computeStride: strides for viewing (sizes, strides) as new_sizes without a copy, or
// nullopt when some new dim would span two non-contiguous chunks of the old layout.
std::optional<DimVector> view_strides(IntArrayRef sizes, IntArrayRef strides, IntArrayRef new_sizes) {
  DimVector out(new_sizes.size());
  int64_t numel = 1;
  for (auto s : sizes) numel *= s;
  if (numel == 0) {
    if (sizes.equals(new_sizes)) return DimVector(strides);
    return contiguous_strides(new_sizes);
  }
  // A 0-d tensor holds one element: any shape of numel 1 views it (strides are arbitrary).
  if (sizes.empty()) return DimVector(new_sizes.size(), 1);
  int64_t view_d = int64_t(new_sizes.size()) - 1;
  int64_t chunk_base_stride = strides.empty() ? 1 : strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t tensor_d = int64_t(sizes.size()) - 1; tensor_d >= 0; --tensor_d) {
    tensor_numel *= sizes[tensor_d];
    if (tensor_d == 0 || (sizes[tensor_d - 1] != 1 && strides[tensor_d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_sizes[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_sizes[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (tensor_d > 0) {
        chunk_base_stride = strides[tensor_d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return out;
}

Tensor view(const Tensor& self, IntArrayRef size) {
  DimVector shape = infer_size(size, self.numel(), "view");
  auto strides = view_strides(self.sizes(), self.strides(), shape);
  TG_CHECK(strides.has_value(), "[view] view size is not compatible with input tensor's size and stride (at "
           "least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
  return make_view(self, shape, *strides, self.storage_offset());
}

Tensor as_strided(const Tensor& self, IntArrayRef size, IntArrayRef stride, std::optional<int64_t> storage_offset) {
  TG_CHECK(size.size() == stride.size(), "[as_strided] mismatch in length of strides and shape (", size.size(),
           " vs ", stride.size(), ")");
  int64_t offset = storage_offset.value_or(self.storage_offset());
  TG_CHECK(offset >= 0, "[as_strided] storage offset must be non-negative, got ", offset);
  int64_t numel = checked_numel(size, "as_strided");
  // Every step is overflow-checked: a huge offset or stride must not wrap around into bounds.
  int64_t last = offset;
  bool overflow = false;
  for (size_t d = 0; d < size.size(); ++d) {
    TG_CHECK(stride[d] >= 0, "[as_strided] negative strides are not supported, got ", stride);
    int64_t span = 0;
    if (numel > 0)
      overflow = overflow || __builtin_mul_overflow(size[d] - 1, stride[d], &span) ||
                 __builtin_add_overflow(last, span, &last);
  }
  int64_t needed = 0;
  if (numel > 0)
    overflow = overflow || __builtin_add_overflow(last, int64_t(1), &needed) ||
               __builtin_mul_overflow(needed, int64_t(self.element_size()), &needed);
  TG_CHECK(!overflow, "[as_strided] sizes ", size, ", strides ", stride, " and storage offset ", offset,
           " overflow the addressable range");
  TG_CHECK(needed <= int64_t(self.storage()->nbytes()), "[as_strided] sizes ", size, ", strides ", stride,
           ", storage offset ", offset, " and itemsize ", self.element_size(), " require a storage of ", needed,
           " bytes, out of bounds for storage of ", self.storage()->nbytes(), " bytes");
  return make_view(self, size, stride, offset);
}

Tensor transpose(const Tensor& self, int64_t dim0, int64_t dim1) {
  int64_t n = self.dim();
  int64_t a = wrap_dim(dim0, n, "transpose"), b = wrap_dim(dim1, n, "transpose");
  if (n == 0) return make_view(self, {}, {}, self.storage_offset());
  DimVector sizes(self.sizes()), strides(self.strides());
  std::swap(sizes[a], sizes[b]);
  std::swap(strides[a], strides[b]);
  return make_view(self, sizes, strides, self.storage_offset());
}

Tensor permute(const Tensor& self, IntArrayRef dims) {
  int64_t n = self.dim();
  TG_CHECK(int64_t(dims.size()) == n, "[permute] number of dims don't match in permute (input has ", n,
           " dims, got ", dims, ")");
  DimVector sizes(static_cast<size_t>(n)), strides(static_cast<size_t>(n));
  SmallVector<bool, 8> seen(size_t(n), false);
  for (int64_t i = 0; i < n; ++i) {
    int64_t d = wrap_dim(dims[i], n, "permute");
    TG_CHECK(!seen[d], "[permute] repeated dim in permute: ", dims);
    seen[d] = true;
    sizes[i] = self.size(d);
    strides[i] = self.stride(d);
  }
  return make_view(self, sizes, strides, self.storage_offset());
}

Tensor expand(const Tensor& self, IntArrayRef size) {
  int64_t n = self.dim(), m = int64_t(size.size());
  TG_CHECK(m >= n, "[expand] the number of sizes provided (", m, ") must be greater or equal to the number of "
           "dimensions in the tensor (", n, ")");
  DimVector sizes(static_cast<size_t>(m)), strides(static_cast<size_t>(m));
  for (int64_t i = m - 1; i >= 0; --i) {
    int64_t j = i - (m - n);
    int64_t target = size[i];
    if (j < 0) {
      TG_CHECK(target >= 0, "[expand] the expanded size of the tensor (", target,
               ") isn't allowed in a leading, non-existing dimension ", i);
      sizes[i] = target;
      strides[i] = 0;
      continue;
    }
    int64_t cur = self.size(j);
    if (target == -1) target = cur;
    TG_CHECK(target >= 0, "[expand] invalid size ", target, " at dim ", i);
    TG_CHECK(cur == target || cur == 1, "[expand] the expanded size of the tensor (", target,
             ") must match the existing size (", cur, ") at non-singleton dimension ", i, ".  Target sizes: ", size,
             ".  Tensor sizes: ", self.sizes());
    sizes[i] = target;
    strides[i] = cur == target ? self.stride(j) : 0;
  }
  return make_view(self, sizes, strides, self.storage_offset());
}

Tensor squeeze(const Tensor& self, std::optional<IntArrayRef> dim) {
  int64_t n = self.dim();
  SmallVector<bool, 8> drop(size_t(std::max<int64_t>(n, 1)), false);
  if (!dim) {
    for (int64_t d = 0; d < n; ++d) drop[d] = self.size(d) == 1;
  } else {
    for (int64_t d : *dim) {
      int64_t w = wrap_dim(d, n, "squeeze");
      if (n > 0) drop[w] = self.size(w) == 1;
    }
  }
  DimVector sizes, strides;
  for (int64_t d = 0; d < n; ++d) {
    if (drop[d]) continue;
    sizes.push_back(self.size(d));
    strides.push_back(self.stride(d));
  }
  return make_view(self, sizes, strides, self.storage_offset());
}

Tensor unsqueeze(const Tensor& self, int64_t dim) {
  int64_t n = self.dim();
  int64_t d = wrap_dim(dim, n + 1, "unsqueeze");
  DimVector sizes(self.sizes()), strides(self.strides());
  int64_t stride = d >= n ? 1 : self.size(d) * self.stride(d);
  sizes.insert(size_t(d), 1);
  strides.insert(size_t(d), stride);
  return make_view(self, sizes, strides, self.storage_offset());
}

Tensor select(const Tensor& self, int64_t dim, int64_t index) {
  TG_CHECK_INDEX(self.dim() > 0, "[select] select() cannot be applied to a 0-dim tensor.");
  int64_t d = wrap_dim(dim, self.dim(), "select");
  int64_t size = self.size(d);
  TG_CHECK_INDEX(index >= -size && index < size, "[select] index ", index, " is out of bounds for dimension ", d,
                 " with size ", size);
  if (index < 0) index += size;
  DimVector sizes(self.sizes()), strides(self.strides());
  sizes.erase(size_t(d));
  strides.erase(size_t(d));
  return make_view(self, sizes, strides, self.storage_offset() + index * self.stride(d));
}

Tensor slice(const Tensor& self, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) {
  TG_CHECK_INDEX(self.dim() > 0, "[slice] slice() cannot be applied to a 0-dim tensor.");
  TG_CHECK_VALUE(step > 0, "[slice] step must be greater than zero");
  int64_t d = wrap_dim(dim, self.dim(), "slice");
  int64_t size = self.size(d);
  auto clamp_index = [size](int64_t i) {
    if (i < 0) i += size;
    return std::clamp<int64_t>(i, 0, size);
  };
  int64_t s = start ? clamp_index(*start) : 0;
  int64_t e = end ? clamp_index(*end) : size;
  int64_t len = e > s ? (e - s - 1) / step + 1 : 0;  // (e - s + step - 1) could overflow
  DimVector sizes(self.sizes()), strides(self.strides());
  sizes[d] = len;
  // A huge step only overflows the stride when at most one element is taken; it is unused then.
  if (__builtin_mul_overflow(self.stride(d), step, &strides[d])) strides[d] = self.stride(d);
  return make_view(self, sizes, strides, self.storage_offset() + (len > 0 ? s * self.stride(d) : 0));
}

}  // namespace tg::native

#pragma once
// Shared by the shape ops' meta code (aten/native/Shape.cpp) and their CPU and CUDA kernels
// (cpu/ShapeKernel.cpp, cuda/Shape.cu): the argument checks live once, here and in Shape.cpp.
#include "aten/core/Error.h"
#include "aten/core/Tensor.h"
#include "aten/native/Copy.h"

namespace tg::native {

// PyTorch's legacy rule: a 1-d tensor with no elements is left out of cat's shape checks (and
// copies nothing), whatever the shape of the other inputs.
inline bool cat_skips(const Tensor& t) { return t.dim() == 1 && t.size(0) == 0; }

// cat's dim wrapped against the first input cat does not skip (dim itself when it skips all).
int64_t cat_wrap_dim(int64_t dim, TensorList tensors);

// The out= kernel of cat may not write over an input (PyTorch's "unsupported operation").
void check_cat_out_overlap(const char* op, const Tensor& out, TensorList tensors);

// flip and roll as one gather: result[i_0, ..., i_n] = src[map_0(i_0), ..., map_n(i_n)] with
// map_d(i) = size - 1 - i where flipped, (i - shift) mod size where rolled, i elsewhere. The
// result is a new contiguous tensor of self's shape; `sizes` is the shape the gather runs over
// (roll without dims runs over the flattened tensor, `src` then is a contiguous 1-d view).
struct RemapPlan {
  Tensor src;
  DimVector sizes;
  DimVector strides;  // src's, in elements
  DimVector shift;    // in [0, size)
  SmallVector<bool, 8> flip;
};
RemapPlan flip_plan(const Tensor& self, IntArrayRef dims);
RemapPlan roll_plan(const Tensor& self, IntArrayRef shifts, IntArrayRef dims);
// The source index of result index i along dim d.
inline int64_t remap_index(const RemapPlan& p, size_t d, int64_t i) {
  const int64_t n = p.sizes[d];
  if (p.flip[d]) return n - 1 - i;
  const int64_t j = i - p.shift[d];
  return j < 0 ? j + n : j;
}

// Runs f.template operator()<U>() with U an unsigned integer of the element size: the shape kernels
// (CPU and CUDA) move elements without looking at them, so they run once per element size.
template <typename F>
inline void dispatch_element_size(size_t size, F&& f) {
  switch (size) {
    case 1: f.template operator()<uint8_t>(); break;
    case 2: f.template operator()<uint16_t>(); break;
    case 4: f.template operator()<uint32_t>(); break;
    case 8: f.template operator()<uint64_t>(); break;
    default: TG_ERROR("[shape] unsupported element size ", size);
  }
}

// sizes[begin] * ... * sizes[end - 1] (1 when empty): cat's outer and inner extents around its dim.
inline int64_t size_product(IntArrayRef sizes, int64_t begin, int64_t end) {
  int64_t p = 1;
  for (int64_t d = begin; d < end; ++d) p *= sizes[d];
  return p;
}

// cat's walk over its inputs along d (wrapped; the inputs cat skips left out), shared by the CPU
// and CUDA kernels. A non-empty input that moves as raw bytes (result and input contiguous, of the
// result's dtype) goes to fast(t, n, offset), n its size along d and offset where it starts in the
// result along d, in elements; the others (casts, strides) go through the copy kernel into a view
// of their part of the result.
template <typename F>
inline void for_each_cat_input(TensorList tensors, int64_t d, const Tensor& out, const F& fast) {
  int64_t offset = 0;  // along d, in elements
  for (const Tensor& t : tensors) {
    if (cat_skips(t)) continue;
    const int64_t n = t.size(d);
    if (t.numel() > 0) {
      if (out.is_contiguous() && t.is_contiguous() && t.dtype() == out.dtype()) {
        fast(t, n, offset);
      } else {
        DimVector sizes(out.sizes());
        sizes[size_t(d)] = n;
        Tensor part = make_view(out, sizes, out.strides(), out.storage_offset() + offset * out.stride(d));
        copy_into(part, t, "cat");
      }
    }
    offset += n;
  }
}

}  // namespace tg::native

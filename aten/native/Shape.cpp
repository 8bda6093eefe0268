// Joining and shape ops (issue 9, Part B): cat's and tril/triu's meta functions, the checks flip
// and roll share between devices, the composites (concat, stack, repeat, tile, diag, movedim,
// unflatten, broadcast_to), the diagonal view and its gradient op. Composites call the dispatched
// tg:: ops, so autograd records them and they run on every device.
#include <algorithm>
#include <cstdlib>

#include "aten/iter/TensorIterator.h"
#include "aten/native/Copy.h"
#include "aten/native/Shape.h"
#include "aten/native/TensorMeta.h"
#include "kernels/broadcast_to.h"
#include "kernels/cat.h"
#include "kernels/concat.h"
#include "kernels/diag.h"
#include "kernels/diagonal.h"
#include "kernels/diagonal_backward.h"
#include "kernels/movedim.h"
#include "kernels/repeat.h"
#include "kernels/stack.h"
#include "kernels/tile.h"
#include "kernels/tril.h"
#include "kernels/triu.h"
#include "kernels/unflatten.h"
#include "ops/cat.h"
#include "ops/clone.h"
#include "ops/contiguous.h"
#include "ops/diagonal.h"
#include "ops/diagonal_backward.h"
#include "ops/expand.h"
#include "ops/permute.h"
#include "ops/repeat.h"
#include "ops/unsqueeze.h"
#include "ops/view.h"
#include "ops/zeros.h"

namespace tg::native {

// ----------------------------------------------------------------------------- cat

int64_t cat_wrap_dim(int64_t dim, TensorList tensors) {
  for (const Tensor& t : tensors)
    if (!cat_skips(t)) return wrap_dim(dim, t.dim(), "cat");
  return dim;
}

void check_cat_out_overlap(const char* op, const Tensor& out, TensorList tensors) {
  if (out.numel() == 0) return;
  const auto* storage = out.storage().get();
  auto extent = [&](const Tensor& t) {  // [first byte, one past the last byte] the tensor touches
    int64_t last = t.storage_offset();
    for (int64_t d = 0; d < t.dim(); ++d) last += (t.size(d) - 1) * t.stride(d);
    return std::pair<int64_t, int64_t>{t.storage_offset() * int64_t(t.element_size()),
                                       (last + 1) * int64_t(t.element_size())};
  };
  const auto o = extent(out);
  for (const Tensor& t : tensors) {
    if (t.numel() == 0 || t.storage().get() != storage) continue;
    const auto r = extent(t);
    TG_CHECK(r.second <= o.first || o.second <= r.first, "[", op, "] unsupported operation: the input tensors "
             "cannot refer to any of the output memory locations. Found overlap in input tensor ",
             &t - tensors.data());
  }
}

}  // namespace tg::native

namespace tg::meta {

TensorMeta cat(TensorList tensors, int64_t dim) {
  TG_CHECK_VALUE(!tensors.empty(), "[cat] expected a non-empty list of Tensors");  // ValueError, as torch.cat
  for (size_t i = 0; i < tensors.size(); ++i) {
    TG_CHECK(tensors[i].dim() > 0, "[cat] zero-dimensional tensor (at position ", i, ") cannot be concatenated");
    TG_CHECK(tensors[i].device() == tensors[0].device(), "[cat] expected all tensors to be on the same device, "
             "but found at least two devices, ", tensors[0].device(), " and ", tensors[i].device(), "!");
  }
  const ScalarType dtype = result_type(tensors);
  const Tensor* ref = nullptr;
  for (const Tensor& t : tensors)
    if (!native::cat_skips(t)) {
      ref = &t;
      break;
    }
  if (ref == nullptr) return TensorMeta{DimVector(tensors[0].sizes()), dtype, tensors[0].device()};
  const int64_t d = native::cat_wrap_dim(dim, tensors);
  DimVector sizes(ref->sizes());
  int64_t cat_size = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (native::cat_skips(t)) continue;
    TG_CHECK(t.dim() == ref->dim(), "[cat] Tensors must have same number of dimensions: got ", ref->dim(), " and ",
             t.dim());
    for (int64_t k = 0; k < t.dim(); ++k) {
      if (k == d) continue;
      TG_CHECK(t.size(k) == ref->size(k), "[cat] Sizes of tensors must match except in dimension ", d,
               ". Expected size ", ref->size(k), " but got size ", t.size(k), " for tensor number ", i,
               " in the list.");
    }
    TG_CHECK(!__builtin_add_overflow(cat_size, t.size(d), &cat_size), "[cat] the result is too large");
  }
  sizes[size_t(d)] = cat_size;
  checked_numel(sizes, "cat");
  return TensorMeta{sizes, dtype, ref->device()};
}

// ----------------------------------------------------------------------------- tril, triu

namespace {
TensorMeta triangle_meta(const char* op, const Tensor& self) {
  TG_CHECK(self.dim() >= 2, "[", op, "] ", op, ": input tensor must have at least 2 dimensions");
  return TensorMeta{DimVector(self.sizes()), self.dtype(), self.device()};
}
}  // namespace

TensorMeta tril(const Tensor& self, int64_t /*diagonal*/) { return triangle_meta("tril", self); }
TensorMeta triu(const Tensor& self, int64_t /*diagonal*/) { return triangle_meta("triu", self); }

}  // namespace tg::meta

namespace tg::native {

Tensor concat(TensorList tensors, int64_t dim) { return tg::cat(tensors, dim); }

Tensor stack(TensorList tensors, int64_t dim) {
  TG_CHECK(!tensors.empty(), "[stack] stack expects a non-empty TensorList");
  for (size_t i = 1; i < tensors.size(); ++i)
    TG_CHECK(tensors[i].sizes().equals(tensors[0].sizes()), "[stack] stack expects each tensor to be equal size, "
             "but got ", tensors[0].sizes(), " at entry 0 and ", tensors[i].sizes(), " at entry ", i);
  const int64_t d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> pieces;
  pieces.reserve(tensors.size());
  for (const Tensor& t : tensors) pieces.push_back(tg::unsqueeze(t, d));
  return tg::cat(pieces, d);
}

}  // namespace tg::native

namespace tg::native {

// ----------------------------------------------------------------------------- flip, roll plans

namespace {
RemapPlan identity_plan(const Tensor& self) {
  RemapPlan p;
  p.src = self;
  p.sizes = DimVector(self.sizes());
  p.strides = DimVector(self.strides());
  p.shift = DimVector(size_t(self.dim()), 0);
  p.flip = SmallVector<bool, 8>(size_t(self.dim()), false);
  return p;
}
}  // namespace

RemapPlan flip_plan(const Tensor& self, IntArrayRef dims) {
  RemapPlan p = identity_plan(self);
  const int64_t n = self.dim();
  SmallVector<bool, 8> seen(size_t(std::max<int64_t>(n, 1)), false);
  for (int64_t d : dims) {
    const int64_t w = wrap_dim(d, n, "flip");
    TG_CHECK(!seen[size_t(w)], "[flip] dim ", w, " appears multiple times in the list of dims");
    seen[size_t(w)] = true;
    if (n > 0) p.flip[size_t(w)] = true;
  }
  return p;
}

RemapPlan roll_plan(const Tensor& self, IntArrayRef shifts, IntArrayRef dims) {
  TG_CHECK(!shifts.empty(), "[roll] `shifts` required");
  auto normalized = [](int64_t shift, int64_t size) {
    if (size == 0) return int64_t(0);
    const int64_t s = shift % size;
    return s < 0 ? s + size : s;
  };
  if (dims.empty() && shifts.size() == 1) {
    // Roll the flattened tensor: gather over a contiguous 1-d view of it.
    Tensor flat = self;
    if (!self.is_contiguous()) {
      flat = empty_tensor(self.sizes(), self.dtype(), self.device(), "roll");
      copy_into(flat, self, "roll");
    }
    const int64_t numel = self.numel();
    RemapPlan p;
    p.src = make_view(flat, {numel}, {1}, flat.storage_offset());
    p.sizes = DimVector{numel};
    p.strides = DimVector{1};
    p.shift = DimVector{normalized(shifts[0], numel)};
    p.flip = SmallVector<bool, 8>(1, false);
    return p;
  }
  TG_CHECK(shifts.size() == dims.size(), "[roll] shifts and dimensions must align. shifts: ", shifts.size(),
           ", dims:", dims.size());
  RemapPlan p = identity_plan(self);
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = wrap_dim(dims[i], self.dim(), "roll");
    if (self.dim() == 0) continue;
    // Rolling one dim twice adds the shifts (PyTorch rolls dim by dim).
    p.shift[size_t(d)] = normalized(p.shift[size_t(d)] + normalized(shifts[i], self.size(d)), self.size(d));
  }
  return p;
}

// ----------------------------------------------------------------------------- repeat, tile

Tensor repeat(const Tensor& self, IntArrayRef repeats) {
  const int64_t n = self.dim(), m = int64_t(repeats.size());
  TG_CHECK(m >= n, "[repeat] Number of dimensions of repeat dims can not be smaller than number of dimensions of "
           "tensor (repeat dims: ", repeats, ", tensor dims: ", n, ")");
  for (int64_t r : repeats)
    TG_CHECK(r >= 0, "[repeat] Trying to create tensor with negative dimension ", r, ": ", repeats);
  // View self as [1, s0, 1, s1, ...] (leading dims of size 1 where repeats has more), expand the
  // size-1 dims to the repeats, copy, and view the copy as [r0 * s0, r1 * s1, ...].
  DimVector interleaved, expanded, target;
  for (int64_t i = 0; i < m; ++i) {
    const int64_t s = i < m - n ? 1 : self.size(i - (m - n));
    interleaved.push_back(1);
    interleaved.push_back(s);
    expanded.push_back(repeats[i]);
    expanded.push_back(s);
    int64_t t = 0;
    TG_CHECK(!__builtin_mul_overflow(s, repeats[i], &t), "[repeat] the result is too large: ", repeats);
    target.push_back(t);
  }
  checked_numel(target, "repeat");
  Tensor copy = tg::contiguous(tg::expand(tg::view(self, interleaved), expanded));
  // Repeating by ones expands nothing: contiguous() may hand back self's memory, but repeat always
  // returns a new tensor (PyTorch).
  if (copy.storage().get() == self.storage().get()) copy = tg::clone(copy);
  return tg::view(copy, target);
}

Tensor tile(const Tensor& self, IntArrayRef dims) {
  const int64_t n = self.dim(), m = int64_t(dims.size());
  if (m >= n) return tg::repeat(self, dims);
  DimVector padded(size_t(n - m), 1);  // fewer dims than self: leading ones, as NumPy
  for (int64_t r : dims) padded.push_back(r);
  return tg::repeat(self, padded);
}

// ----------------------------------------------------------------------------- tril_, triu_

// ----------------------------------------------------------------------------- diagonal, diag

Tensor diagonal(const Tensor& self, int64_t offset, int64_t dim1, int64_t dim2) {
  const int64_t n = self.dim();
  const int64_t d1 = wrap_dim(dim1, n, "diagonal"), d2 = wrap_dim(dim2, n, "diagonal");
  TG_CHECK(d1 != d2, "[diagonal] diagonal dimensions cannot be identical ", dim1, ", ", dim2);
  const int64_t s1 = self.size(d1), s2 = self.size(d2);
  // offset is compared, never added to a size, so a huge offset cannot overflow.
  int64_t len = 0, storage_offset = self.storage_offset();
  if (offset >= 0) {
    if (offset < s2) len = std::min(s1, s2 - offset);
  } else if (offset > -s1) {
    len = std::min(s1 + offset, s2);
  }
  if (len > 0) storage_offset += offset >= 0 ? offset * self.stride(d2) : -offset * self.stride(d1);
  DimVector sizes, strides;
  for (int64_t d = 0; d < n; ++d) {
    if (d == d1 || d == d2) continue;
    sizes.push_back(self.size(d));
    strides.push_back(self.stride(d));
  }
  sizes.push_back(len);
  strides.push_back(self.stride(d1) + self.stride(d2));
  return make_view(self, sizes, strides, storage_offset);
}

Tensor diagonal_backward(const Tensor& grad_output, IntArrayRef input_sizes, int64_t offset, int64_t dim1,
                         int64_t dim2) {
  Tensor grad_input = tg::zeros(input_sizes, grad_output.dtype(), grad_output.device());
  Tensor diag = tg::diagonal(grad_input, offset, dim1, dim2);
  TG_CHECK(diag.sizes().equals(grad_output.sizes()), "[diagonal_backward] grad_output of shape ",
           grad_output.sizes(), " does not match the shape ", diag.sizes(), " of the diagonal it is the gradient of");
  copy_into(diag, grad_output, "diagonal_backward");
  return grad_input;
}

Tensor diag(const Tensor& self, int64_t diagonal) {
  TG_CHECK(self.dim() == 1 || self.dim() == 2, "[diag] diag(): Supports 1D or 2D tensors. Got ", self.dim(), "D");
  if (self.dim() == 2) return tg::clone(tg::diagonal(self, diagonal, 0, 1));
  // A vector on the diagonal of a square matrix of zeros: the gradient op of diagonal does exactly
  // that (and is differentiable: its gradient is the diagonal again).
  const int64_t k = diagonal < 0 ? -diagonal : diagonal;
  int64_t side = 0;
  TG_CHECK(diagonal != INT64_MIN && !__builtin_add_overflow(self.size(0), k, &side), "[diag] diagonal ", diagonal,
           " is too large");
  const int64_t sizes[2] = {side, side};
  return tg::diagonal_backward(self, IntArrayRef(sizes, 2), diagonal, 0, 1);
}

// ----------------------------------------------------------------------------- movedim, unflatten, broadcast_to

Tensor movedim_intlist(const Tensor& self, IntArrayRef source, IntArrayRef destination) {
  const int64_t n = self.dim();
  TG_CHECK(source.size() == destination.size(), "[movedim] movedim: Invalid source or destination dims: source (",
           source, " dims) should contain the same number of dims as destination (", destination, " dims)");
  // PyTorch's order: the moved dims land at their destinations; the others keep their relative
  // order in the remaining places.
  DimVector order(size_t(n), -1);
  SmallVector<bool, 8> src_used(size_t(std::max<int64_t>(n, 1)), false);
  for (size_t i = 0; i < source.size(); ++i) {
    const int64_t s = wrap_dim(source[i], n, "movedim"), d = wrap_dim(destination[i], n, "movedim");
    if (n == 0) continue;
    TG_CHECK(!src_used[size_t(s)], "[movedim] movedim: repeated dim in `source` (", source, ")");
    TG_CHECK(order[size_t(d)] == -1, "[movedim] movedim: repeated dim in `destination` (", destination, ")");
    src_used[size_t(s)] = true;
    order[size_t(d)] = s;
  }
  int64_t next_src = 0;
  for (int64_t d = 0; d < n; ++d) {
    if (order[size_t(d)] != -1) continue;
    while (src_used[size_t(next_src)]) ++next_src;
    order[size_t(d)] = next_src++;
  }
  return tg::permute(self, order);
}

Tensor movedim_int(const Tensor& self, int64_t source, int64_t destination) {
  const int64_t s[1] = {source}, d[1] = {destination};
  return movedim_intlist(self, IntArrayRef(s, 1), IntArrayRef(d, 1));
}

Tensor unflatten(const Tensor& self, int64_t dim, IntArrayRef sizes) {
  TG_CHECK(self.dim() > 0, "[unflatten] dimension specified as ", dim, " but tensor has no dimensions");
  const int64_t d = wrap_dim(dim, self.dim(), "unflatten");
  TG_CHECK(!sizes.empty(), "[unflatten] unflatten: sizes must be non-empty");
  const int64_t size = self.size(d);
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == -1) {
      TG_CHECK(infer < 0, "[unflatten] only one dimension can be inferred");
      infer = int64_t(i);
      continue;
    }
    TG_CHECK(sizes[i] >= 0, "[unflatten] invalid shape dimension ", sizes[i]);
    TG_CHECK(!__builtin_mul_overflow(known, sizes[i], &known), "[unflatten] sizes ", sizes, " are too large");
  }
  const bool fits = infer >= 0 ? known != 0 && size % known == 0 : known == size;
  TG_CHECK(fits, "[unflatten] unflatten: Provided sizes ", sizes, " don't multiply up to the size of dim ", d, " (",
           size, ") in the input tensor");
  DimVector shape;
  for (int64_t k = 0; k < d; ++k) shape.push_back(self.size(k));
  for (size_t i = 0; i < sizes.size(); ++i) shape.push_back(int64_t(i) == infer ? size / known : sizes[i]);
  for (int64_t k = d + 1; k < self.dim(); ++k) shape.push_back(self.size(k));
  return tg::view(self, shape);  // splitting one dim is always a view
}

Tensor broadcast_to(const Tensor& self, IntArrayRef size) { return tg::expand(self, size); }

}  // namespace tg::native

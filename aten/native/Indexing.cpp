// Indexing ops (issue 9, part B): the argument checks shared with the kernels, the meta functions
// of gather and index_select, and the composites: the functional forms of the in-place index ops
// (clone, then the in-place op, so autograd records the in-place op's node), masked_fill, take,
// masked_select, argwhere and advanced indexing (index / index_put_), which turn their indices into
// one stacked int64 tensor for the kernel ops _index / _index_put_.
#include "aten/native/Indexing.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <string_view>
#include <type_traits>
#include <vector>

#include "aten/core/GradMode.h"
#include "aten/dispatch/DtypeDispatch.h"

#include "aten/iter/TensorIterator.h"
#include "aten/native/Copy.h"
#include "aten/native/TensorMeta.h"
#include "aten/parallel/Parallel.h"
#include "kernels/argwhere.h"
#include "kernels/bucketize.h"
#include "kernels/searchsorted.h"
#include "kernels/bincount.h"
#include "kernels/masked_scatter.h"
#include "kernels/one_hot.h"
#include "kernels/gather.h"
#include "kernels/index.h"
#include "kernels/index_add.h"
#include "kernels/index_copy.h"
#include "kernels/index_fill.h"
#include "kernels/index_put.h"
#include "kernels/index_put_.h"
#include "kernels/index_select.h"
#include "kernels/masked_fill.h"
#include "kernels/masked_select.h"
#include "kernels/scatter.h"
#include "kernels/scatter_add.h"
#include "kernels/scatter_reduce.h"
#include "kernels/take.h"
#include "ops/_index.h"
#include "ops/_index_put_.h"
#include "ops/clone.h"
#include "ops/index_add.h"
#include "ops/contiguous.h"
#include "ops/expand.h"
#include "ops/full.h"
#include "ops/index_add_.h"
#include "ops/index_copy_.h"
#include "ops/index_fill_.h"
#include "ops/index_put.h"
#include "ops/index_put_.h"
#include "ops/narrow.h"
#include "ops/unsqueeze.h"
#include "ops/zeros.h"
#include "ops/max.h"
#include "ops/min.h"
#include "ops/nonzero.h"
#include "ops/reshape.h"
#include "ops/scatter_.h"
#include "ops/searchsorted.h"
#include "ops/scatter_add_.h"
#include "ops/scatter_reduce_.h"
#include "ops/div.h"
#include "ops/maximum.h"
#include "ops/ones.h"
#include "ops/select.h"
#include "ops/to.h"
#include "ops/transpose.h"
#include "ops/where.h"

namespace tg::native {

// ------------------------------------------------------------------------------------ checks

Geometry geometry_of(const Tensor& t) {
  Geometry g;
  if (t.dim() == 0) {
    g.sizes.push_back(1);
    g.strides.push_back(1);
  } else {
    for (int64_t d = 0; d < t.dim(); ++d) {
      g.sizes.push_back(t.size(d));
      g.strides.push_back(t.stride(d));
    }
  }
  return g;
}

void index_out_of_bounds(const char* op, ErrorKind kind, int64_t index, int64_t dim, int64_t size) {
  detail::throw_error(kind, str("[", op, "] index ", index, " is out of bounds for dimension ", dim, " with size ",
                                size));
}

namespace {
int64_t dim1(const Tensor& t) { return t.dim() == 0 ? 1 : t.dim(); }
int64_t size1(const Tensor& t, int64_t d) { return t.dim() == 0 ? 1 : t.size(d); }

void check_same_device(const char* op, const Tensor& a, const Tensor& b, const char* bname) {
  TG_CHECK(a.device() == b.device(), "[", op, "] expected all tensors to be on the same device, but found self on ",
           a.device(), " and ", bname, " on ", b.device());
}
}  // namespace

void check_no_internal_overlap(const char* op, const Tensor& written) {
  for (int64_t d = 0; d < written.dim(); ++d) {
    TG_CHECK(!(written.stride(d) == 0 && written.size(d) > 1), "[", op, "] unsupported operation: more than one "
             "element of the written-to tensor refers to a single memory location. Please clone() the tensor before "
             "performing the operation.");
  }
}

void check_no_overlap(const char* op, const Tensor& written, const Tensor& read) {
  if (written.numel() == 0 || read.numel() == 0 || written.storage().get() != read.storage().get()) return;
  // Byte ranges [first, last] of the two tensors in their shared storage.
  auto range = [](const Tensor& t) {
    int64_t lo = t.storage_offset(), hi = t.storage_offset();
    for (int64_t d = 0; d < t.dim(); ++d) {
      const int64_t span = (t.size(d) - 1) * t.stride(d);
      (span < 0 ? lo : hi) += span;
    }
    const int64_t es = int64_t(t.element_size());
    return std::pair<int64_t, int64_t>{lo * es, (hi + 1) * es - 1};
  };
  auto [a0, a1] = range(written);
  auto [b0, b1] = range(read);
  TG_CHECK(a1 < b0 || b1 < a0, "[", op, "] unsupported operation: some elements of the input tensor and the "
           "written-to tensor refer to a single memory location. Please clone() the tensor before performing the "
           "operation.");
}

int64_t check_gather(const Tensor& self, int64_t dim, const Tensor& index) {
  int64_t d = wrap_dim(dim, self.dim(), "gather");
  TG_CHECK(index.dtype() == ScalarType::Int64, "[gather] Expected dtype int64 for index, but got ", index.dtype());
  check_same_device("gather", self, index, "index");
  if (index.numel() == 0) return d;
  TG_CHECK(dim1(index) == dim1(self), "[gather] Index tensor must have the same number of dimensions as input "
           "tensor (", index.dim(), " vs ", self.dim(), ")");
  for (int64_t i = 0; i < dim1(self); ++i) {
    if (i == d) continue;
    TG_CHECK(size1(index, i) <= size1(self, i), "[gather] Size does not match at dimension ", i,
             " expected index ", index.sizes(), " to be smaller than self ", self.sizes(), " apart from dimension ", d);
  }
  return d;
}

int64_t check_scatter(const char* op, const Tensor& self, int64_t dim, const Tensor& index, const Tensor* src) {
  int64_t d = wrap_dim(dim, self.dim(), op);
  TG_CHECK(index.dtype() == ScalarType::Int64, "[", op, "] Expected dtype int64 for index, but got ", index.dtype());
  check_same_device(op, self, index, "index");
  if (src != nullptr) {
    check_same_device(op, self, *src, "src");
    TG_CHECK(src->dtype() == self.dtype(), "[", op, "] Expected self.dtype to be equal to src.dtype, but got ",
             self.dtype(), " and ", src->dtype());
    check_no_overlap(op, self, *src);
  }
  check_no_internal_overlap(op, self);
  check_no_overlap(op, self, index);
  if (index.numel() == 0) return d;
  TG_CHECK(dim1(index) == dim1(self), "[", op, "] Index tensor must have the same number of dimensions as self "
           "tensor (", index.dim(), " vs ", self.dim(), ")");
  if (src != nullptr) {
    TG_CHECK(dim1(*src) == dim1(self), "[", op, "] Index tensor must have the same number of dimensions as src "
             "tensor (", index.dim(), " vs ", src->dim(), ")");
  }
  for (int64_t i = 0; i < dim1(self); ++i) {
    bool ok = (i == d || size1(index, i) <= size1(self, i)) && (src == nullptr || size1(index, i) <= size1(*src, i));
    TG_CHECK(ok, "[", op, "] Expected index ", index.sizes(), " to be smaller than self ", self.sizes(),
             " apart from dimension ", d, src ? str(" and to be smaller size than src ", src->sizes()) : "");
  }
  return d;
}

int64_t check_index_along_dim(const char* op, const Tensor& self, int64_t dim, const Tensor& index,
                              const Tensor* source, bool int32_ok) {
  int64_t d = wrap_dim(dim, self.dim(), op);
  // PyTorch's exception types: IndexError for an index that is not a vector and RuntimeError for
  // one of the wrong dtype, except in index_fill, where it is the other way round.
  const bool fill = std::string_view(op).starts_with("index_fill");
  TG_CHECK_KIND(fill ? ErrorKind::Runtime : ErrorKind::Index, index.dim() <= 1, "[", op,
                "] Index is supposed to be a vector, but got a ", index.dim(), "-d tensor");
  TG_CHECK_KIND(fill ? ErrorKind::Index : ErrorKind::Runtime,
                index.dtype() == ScalarType::Int64 || (int32_ok && index.dtype() == ScalarType::Int32), "[", op,
                "] Expected dtype ", int32_ok ? "int32 or int64" : "int64", " for index, but got ", index.dtype());
  check_same_device(op, self, index, "index");
  if (source == nullptr) return d;
  check_same_device(op, self, *source, "source");
  check_no_internal_overlap(op, self);
  check_no_overlap(op, self, index);
  check_no_overlap(op, self, *source);
  TG_CHECK(source->dtype() == self.dtype(), "[", op, "] self (", self.dtype(), ") and source (", source->dtype(),
           ") must have the same scalar type");
  TG_CHECK(dim1(*source) == dim1(self), "[", op, "] source ", source->sizes(), " must have the same number of "
           "dimensions as self ", self.sizes());
  TG_CHECK(index.numel() == size1(*source, d), "[", op, "] Number of indices (", index.numel(),
           ") should be equal to source.size(dim) (", size1(*source, d), ")");
  for (int64_t i = 0; i < dim1(self); ++i) {
    if (i == d) continue;
    TG_CHECK(size1(*source, i) == size1(self, i), "[", op, "] source ", source->sizes(), " and self ", self.sizes(),
             " must have the same size at dimension ", i);
  }
  return d;
}

ScatterReduce parse_scatter_reduce(std::string_view reduce) {
  if (reduce == "add") return ScatterReduce::Add;
  if (reduce == "multiply") return ScatterReduce::Multiply;
  TG_CHECK(false, "[scatter_] reduce argument must be either add or multiply, got '", reduce, "'");
  __builtin_unreachable();
}

ScatterReduce parse_scatter_reduce_two(std::string_view reduce) {
  if (reduce == "sum") return ScatterReduce::Add;
  if (reduce == "prod") return ScatterReduce::Multiply;
  if (reduce == "mean") return ScatterReduce::Mean;
  if (reduce == "amax") return ScatterReduce::Max;
  if (reduce == "amin") return ScatterReduce::Min;
  TG_CHECK(false, "[scatter_reduce_] reduce argument must be either sum, prod, mean, amax or amin, got '", reduce,
           "'");
  __builtin_unreachable();
}

Tensor scatter_reduce_identity(ScalarType dtype, ScatterReduce reduce) {
  Tensor t = empty_tensor({}, dtype, Device(), "scatter_reduce_");
  dispatch_all(dtype, "scatter_reduce_", [&]<typename T>() {
    T v{};
    if (reduce == ScatterReduce::Multiply) {
      v = T(1);
    } else if (reduce == ScatterReduce::Max || reduce == ScatterReduce::Min) {
      const bool hi = reduce == ScatterReduce::Min;
      if constexpr (std::is_same_v<T, bool>) v = hi;
      else if constexpr (std::is_integral_v<T>) v = hi ? std::numeric_limits<T>::max() : std::numeric_limits<T>::lowest();
      else v = T(hi ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity());
    } else {
      v = T(0);
    }
    *t.data<T>() = v;
  });
  return t;
}

void scatter_mean_finish(Tensor& self, int64_t dim, const Tensor& index, bool include_self) {
  Tensor counts = include_self ? tg::ones(self.sizes(), ScalarType::Int64, self.device())
                               : tg::zeros(self.sizes(), ScalarType::Int64, self.device());
  Tensor ones = tg::ones(index.sizes(), ScalarType::Int64, self.device());
  tg::scatter_add_(counts, dim, index, ones);
  counts = tg::maximum(counts, tg::ones({}, ScalarType::Int64, self.device()));
  Tensor mean = is_floating(self.dtype()) ? tg::div(self, counts) : tg::div(self, counts, "floor");
  copy_into(self, mean, "scatter_reduce_");
}

bool check_searchsorted(const Tensor& seq, const Tensor& self, bool right, std::optional<std::string_view> side,
                        const std::optional<Tensor>& sorter) {
  const char* op = "searchsorted";
  TG_CHECK(seq.dim() >= 1, "[searchsorted] boundaries tensor should have at least 1 dimension, got a 0-d tensor");
  TG_CHECK(seq.dtype() == self.dtype(), "[searchsorted] boundaries tensor (", seq.dtype(), ") and input value "
           "tensor (", self.dtype(), ") should have the same dtype");
  TG_CHECK_NOT_IMPLEMENTED(self.dtype() != ScalarType::Bool, "[searchsorted] not implemented for dtype bool");
  check_same_device(op, self, seq, "sorted_sequence");
  if (seq.dim() > 1) {
    bool match = self.dim() == seq.dim();
    for (int64_t d = 0; match && d + 1 < seq.dim(); ++d) match = self.size(d) == seq.size(d);
    TG_CHECK(match, "[searchsorted] boundaries tensor should be 1 dimension or the first N-1 dimensions of "
             "boundaries tensor and input value tensor must match, but we got boundaries tensor ", seq.sizes(),
             " and input value tensor ", self.sizes());
  }
  if (side) {
    TG_CHECK(*side == "left" || *side == "right", "[searchsorted] side can only be 'left' or 'right' but got '",
             *side, "'");
    TG_CHECK(!(right && *side == "left"), "[searchsorted] side and right can't be set to opposites, got side of left "
             "while right was True");
  }
  if (sorter) {
    TG_CHECK(sorter->dtype() == ScalarType::Int64, "[searchsorted] sorter must be a tensor of long dtype but got ",
             sorter->dtype());
    TG_CHECK(sorter->sizes().equals(seq.sizes()), "[searchsorted] boundary and sorter must have the same size, but "
             "got boundary tensor ", seq.sizes(), " and got sorter tensor ", sorter->sizes());
    check_same_device(op, seq, *sorter, "sorter");
    if (sorter->numel() > 0) {
      Tensor host = to_device(*sorter, Device(), ScalarType::Int64, false);
      int64_t lo = item(tg::min(host)).to_int(), hi = item(tg::max(host)).to_int(), len = seq.size(-1);
      TG_CHECK(lo >= 0 && hi < len, "[searchsorted] sorter index out of range: ", lo < 0 ? lo : hi,
               " is not in [0, ", len, ")");
    }
  }
  return right || (side && *side == "right");
}

int64_t check_stacked_index(const char* op, const Tensor& self, const Tensor& indices) {
  TG_CHECK(indices.dtype() == ScalarType::Int64 && indices.dim() >= 1, "[", op,
           "] indices must be an int64 tensor [k, ...] of stacked indices, got ", indices.dtype(), " ",
           indices.sizes());
  check_same_device(op, self, indices, "indices");
  int64_t k = indices.size(0);
  TG_CHECK_INDEX(k <= self.dim(), "[", op, "] too many indices for tensor of dimension ", self.dim());
  return k;
}

DimVector advanced_index_result_shape(const Tensor& self, const Tensor& indices) {
  int64_t k = indices.size(0);
  DimVector shape;
  for (int64_t d = 1; d < indices.dim(); ++d) shape.push_back(indices.size(d));
  for (int64_t d = k; d < self.dim(); ++d) shape.push_back(self.size(d));
  return shape;
}

// ------------------------------------------------------------- composites: functional forms

Tensor scatter_src(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  Tensor r = tg::clone(self);
  return tg::scatter_(r, dim, index, src);
}

Tensor scatter_value(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value) {
  Tensor r = tg::clone(self);
  return tg::scatter_(r, dim, index, value);
}

Tensor scatter_reduce_src(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                          std::string_view reduce) {
  Tensor r = tg::clone(self);
  return tg::scatter_(r, dim, index, src, reduce);
}

Tensor scatter_reduce_value(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value,
                            std::string_view reduce) {
  Tensor r = tg::clone(self);
  return tg::scatter_(r, dim, index, value, reduce);
}

Tensor scatter_reduce_two(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                          std::string_view reduce, bool include_self) {
  Tensor r = tg::clone(self);
  return tg::scatter_reduce_(r, dim, index, src, reduce, include_self);
}

Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  Tensor r = tg::clone(self);
  return tg::scatter_add_(r, dim, index, src);
}

Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) {
  Tensor r = tg::clone(self);
  return tg::index_add_(r, dim, index, source, alpha);
}

Tensor index_copy(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source) {
  Tensor r = tg::clone(self);
  return tg::index_copy_(r, dim, index, source);
}

Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value) {
  Tensor r = tg::clone(self);
  return tg::index_fill_(r, dim, index, value);
}

// --------------------------------------------------------------------------- masks

namespace {
void check_bool_mask(const char* op, const Tensor& mask) {
  TG_CHECK(mask.dtype() == ScalarType::Bool, "[", op, "] only supports boolean masks, but got mask with dtype ",
           mask.dtype());
}
}  // namespace

// where(mask, value, self) with value in self's dtype: the result keeps self's dtype (a float
// value into an integer tensor truncates, like PyTorch) and broadcasts mask against self.
Tensor masked_fill_scalar(const Tensor& self, const Tensor& mask, const Scalar& value) {
  check_bool_mask("masked_fill", mask);
  Tensor v = tg::full(IntArrayRef{}, value, self.dtype(), self.device());
  return tg::where(mask, v, self);
}

Tensor masked_fill_tensor(const Tensor& self, const Tensor& mask, const Tensor& value) {
  check_bool_mask("masked_fill", mask);
  TG_CHECK(value.dim() == 0, "[masked_fill] only supports a 0-dimensional value tensor, but got tensor with ",
           value.dim(), " dimension(s).");
  return tg::where(mask, tg::to(value, self.dtype()), self);
}

Tensor masked_select(const Tensor& self, const Tensor& mask) {
  TG_CHECK(mask.dtype() == ScalarType::Bool, "[masked_select] expected BoolTensor for mask, got ", mask.dtype());
  DimVector shape = broadcast_shapes(self.sizes(), mask.sizes(), "masked_select");
  Tensor s = tg::expand(self, shape);
  Tensor m = tg::expand(mask, shape);
  // nonzero gives [n, ndim]; its transpose is the stacked index [ndim, n] the kernel wants.
  return tg::_index(s, tg::transpose(tg::nonzero(m), 0, 1));
}

Tensor argwhere(const Tensor& self) { return tg::nonzero(self); }

namespace {
// take's own out-of-range message (the kernel of _index would name _index): one pass over the
// index on the host, branch-free so the compiler vectorizes it, split across threads
// (std::minmax_element's branches were 2 of a 1M-index take's 11 ms); min and max are looked for
// only when an index is out of range.
void check_take_index(const Tensor& index, int64_t n) {
  if (index.numel() == 0) return;
  Tensor host = tg::contiguous(native::to_device(index, Device(), ScalarType::Int64, false));
  const int64_t* p = host.data<int64_t>();
  const int64_t m = host.numel();
  std::atomic<bool> any_bad{false};
  parallel_for(0, m, kGrainSize, [&](int64_t begin, int64_t end) {
    uint64_t bad = 0;  // v in [-n, n) <=> v + n in [0, 2n), unsigned (wraps below 0)
    for (int64_t i = begin; i < end; ++i) bad |= uint64_t(p[i]) + uint64_t(n) >= 2 * uint64_t(n);
    if (bad) any_bad.store(true, std::memory_order_relaxed);
  });
  if (any_bad.load()) {
    const auto [lo_it, hi_it] = std::minmax_element(p, p + m);
    TG_CHECK_INDEX(false, "[take] out of range: tried to access index ", *lo_it < -n ? *lo_it : *hi_it,
                   " on a tensor of ", n, " elements.");
  }
}
}  // namespace

// On the CPU the check runs only after _index has found a bad index (its kernel checks every
// index as it loads it): a pass of its own over a 1M-element index was a quarter of take's time
// (2 threads, Zen 5: 2.7 -> 2.1 ms). Elsewhere it runs first, on the host.
Tensor take(const Tensor& self, const Tensor& index) {
  TG_CHECK(index.dtype() == ScalarType::Int64, "[take] Expected a long tensor for index, but got ", index.dtype());
  const int64_t n = self.numel();
  const bool on_cpu = self.device().is_cpu() && index.device().is_cpu();
  if (!on_cpu) check_take_index(index, n);
  // self as 1-d (a dispatched view, so autograd sees it; none when it already is 1-d) and the
  // index as _index's stack of one index tensor: [1, *index.sizes()], a raw view (an int64 index
  // carries no gradient), so the result has index's shape. Two dispatched reshapes were ~40 % of a
  // 1-element take's time.
  Tensor flat = self.dim() == 1 ? self : tg::reshape(self, {n});
  Tensor idx = tg::contiguous(index);
  DimVector stacked_sizes{1}, stacked_strides{std::max<int64_t>(idx.numel(), 1)};
  for (int64_t d = 0; d < idx.dim(); ++d) {
    stacked_sizes.push_back(idx.size(d));
    stacked_strides.push_back(idx.stride(d));
  }
  try {
    return tg::_index(flat, make_view(idx, stacked_sizes, stacked_strides, idx.storage_offset()));
  } catch (const Error& e) {
    if (on_cpu && e.kind() == ErrorKind::Index) check_take_index(index, n);
    throw;
  }
}

// ------------------------------------------------------------------ advanced indexing

namespace {
// The indices of x[i0, i1, ...] as int64 tensors, one per indexed dim: a bool mask becomes the
// columns of its nonzero(), covering as many dims as it has.
std::vector<Tensor> expand_index_list(const char* op, const Tensor& self, TensorList indices) {
  std::vector<Tensor> out;
  for (size_t i = 0; i < indices.size(); ++i) {
    const Tensor& idx = indices[i];
    TG_CHECK(idx.defined(), "[", op, "] index ", i, " is undefined");
    ScalarType t = idx.dtype();
    if (t == ScalarType::Bool || t == ScalarType::UInt8) {
      int64_t first = int64_t(out.size());
      TG_CHECK_INDEX(first + idx.dim() <= self.dim(), "[", op, "] too many indices for tensor of dimension ",
                     self.dim());
      for (int64_t j = 0; j < idx.dim(); ++j) {
        TG_CHECK_INDEX(idx.size(j) == self.size(first + j), "[", op, "] The shape of the mask ", idx.sizes(),
                       " at index ", j, " does not match the shape of the indexed tensor ", self.sizes(),
                       " at index ", first + j);
      }
      Tensor mask = t == ScalarType::Bool ? idx : tg::to(idx, ScalarType::Bool);
      Tensor nz = tg::nonzero(mask);  // [n, mask.dim()]
      if (idx.dim() == 0) {
        // x[True] adds a dim of size 1, x[False] one of size 0 (PyTorch): an index into an
        // unsqueezed self that the caller handles; here only masks of >= 1 dim reach us.
        TG_CHECK_INDEX(false, "[", op, "] a 0-d bool index is handled by __getitem__; pass a mask with dims");
      }
      for (int64_t j = 0; j < idx.dim(); ++j) out.push_back(tg::select(nz, 1, j));
    } else {
      TG_CHECK_INDEX(is_integral(t, false), "[", op, "] tensors used as indices must be long, int, byte or bool "
                     "tensors, got ", t);
      out.push_back(t == ScalarType::Int64 ? idx : tg::to(idx, ScalarType::Int64));
    }
  }
  TG_CHECK_INDEX(int64_t(out.size()) <= self.dim(), "[", op, "] too many indices for tensor of dimension ",
                 self.dim());
  return out;
}

// [k, *B]: the k indices broadcast to one shape B, on self's device.
Tensor stack_indices(const char* op, const Tensor& self, const std::vector<Tensor>& idx) {
  DimVector shape;
  for (size_t i = 0; i < idx.size(); ++i) {
    try {
      shape = i == 0 ? DimVector(idx[0].sizes()) : broadcast_shapes(shape, idx[i].sizes(), op);
    } catch (const Error&) {
      std::string shapes;
      for (const Tensor& t : idx) shapes += (shapes.empty() ? "" : ", ") + shape_str(t.sizes());
      TG_CHECK_INDEX(false, "[", op, "] shape mismatch: indexing tensors could not be broadcast together with "
                     "shapes ", shapes);
    }
  }
  if (idx.size() == 1 && idx[0].device() == self.device()) return tg::unsqueeze(idx[0], 0);  // x[i]: a view, no copy
  DimVector stacked{int64_t(idx.size())};
  for (int64_t s : shape) stacked.push_back(s);
  Tensor out = empty_tensor(stacked, ScalarType::Int64, self.device(), op);
  for (size_t i = 0; i < idx.size(); ++i) {
    Tensor row = make_view(out, shape, contiguous_strides(shape), int64_t(i) * checked_numel(shape, op));
    copy_into(row, idx[i], op);
  }
  return out;
}
}  // namespace

namespace {
// x[mask] with a mask over self's leading dims: nonzero(mask).t() is already the stacked index
// (a view: no copy of the coordinates).
bool single_mask(const Tensor& self, TensorList indices) {
  return indices.size() == 1 && indices[0].defined() && indices[0].dtype() == ScalarType::Bool &&
         indices[0].dim() >= 1 && indices[0].dim() <= self.dim() &&
         indices[0].sizes().equals(IntArrayRef(self.sizes().data(), size_t(indices[0].dim())));
}
}  // namespace

Tensor index(const Tensor& self, TensorList indices) {
  if (single_mask(self, indices)) return tg::_index(self, tg::transpose(tg::nonzero(indices[0]), 0, 1));
  Tensor stacked = stack_indices("index", self, expand_index_list("index", self, indices));
  return tg::_index(self, stacked);
}

Tensor& index_put_(Tensor& self, TensorList indices, const Tensor& values, bool accumulate) {
  TG_CHECK(values.dtype() == self.dtype(), "[index_put_] Index put requires the source and destination dtypes "
           "match, got ", self.dtype(), " for the destination and ", values.dtype(), " for the source.");
  TG_CHECK(values.device() == self.device(), "[index_put_] expected values on ", self.device(), ", got ",
           values.device());
  Tensor stacked = stack_indices("index_put_", self, expand_index_list("index_put_", self, indices));
  DimVector shape = advanced_index_result_shape(self, stacked);
  bool fits = values.dim() <= int64_t(shape.size());
  for (int64_t i = 1; fits && i <= values.dim(); ++i) {
    int64_t v = values.size(-i), s = shape[shape.size() - i];
    fits = v == s || v == 1;
  }
  TG_CHECK(fits, "[index_put_] shape mismatch: value tensor of shape ", values.sizes(),
           " cannot be broadcast to indexing result of shape ", IntArrayRef(shape));
  // values already of the result's shape (the common case) needs no expand: a view op less.
  const bool same = values.sizes().equals(IntArrayRef(shape));
  return tg::_index_put_(self, stacked, same ? values : tg::expand(values, shape), accumulate);
}

Tensor index_put(const Tensor& self, TensorList indices, const Tensor& values, bool accumulate) {
  Tensor r = tg::clone(self);
  return tg::index_put_(r, indices, values, accumulate);
}

// ------------------------------------------------------------ one_hot, masked_scatter, bincount

namespace {
// min and max of an integer tensor, read on the host (the result's size depends on them).
std::pair<int64_t, int64_t> host_min_max(const Tensor& t) {
  Tensor host = to_device(t, Device(), t.dtype(), false);
  return {item(tg::min(host)).to_int(), item(tg::max(host)).to_int()};
}
}  // namespace

Tensor one_hot(const Tensor& self, int64_t num_classes) {
  TG_CHECK(self.dtype() == ScalarType::Int64, "[one_hot] one_hot is only applicable to index tensor of type "
           "int64, got ", self.dtype());
  TG_CHECK(num_classes >= -1, "[one_hot] num_classes should be positive or -1, got ", num_classes);
  if (self.numel() == 0) {
    TG_CHECK(num_classes != -1, "[one_hot] Can not infer total number of classes from empty tensor.");
  } else {
    auto [lo, hi] = host_min_max(self);
    TG_CHECK(lo >= 0, "[one_hot] Class values must be non-negative, got ", lo);
    if (num_classes == -1) num_classes = hi + 1;
    TG_CHECK(hi < num_classes, "[one_hot] Class values must be smaller than num_classes (", num_classes, "), got ",
             hi);
  }
  DimVector shape(self.sizes());
  shape.push_back(num_classes);
  Tensor out = tg::zeros(shape, ScalarType::Int64, self.device());
  if (self.numel() == 0) return out;
  return tg::scatter_(out, -1, tg::unsqueeze(self, -1), Scalar(int64_t(1)));
}

namespace {
// masked_scatter of a contiguous self and mask of one shape with no graph to record: per fixed
// chunk of the mask (its first source element from a prefix count), each element of the result
// selected from self or the next source element, instead of nonzero + index_put (a dozen ops: 1.2x
// PyTorch's time on a small tensor, 0.7x on 4M elements).
Tensor masked_scatter_contiguous(const Tensor& self, const Tensor& mask, const Tensor& source_in) {
  constexpr int64_t kChunk = 1 << 16;
  const int64_t n = self.numel(), chunks = (n + kChunk - 1) / kChunk;
  const bool* m = mask.data<bool>();
  std::vector<int64_t> first(size_t(chunks) + 1, 0);  // source elements taken before each chunk
  parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      int64_t k = 0;
      for (int64_t i = c * kChunk, e = std::min(n, (c + 1) * kChunk); i < e; ++i) k += m[i] ? 1 : 0;
      first[size_t(c) + 1] = k;
    }
  });
  for (int64_t c = 0; c < chunks; ++c) first[size_t(c) + 1] += first[size_t(c)];
  const int64_t taken = first[size_t(chunks)];
  TG_CHECK(taken <= source_in.numel(), "[masked_scatter] Number of elements of source < number of ones in mask (",
           source_in.numel(), " < ", taken, ")");
  if (taken == 0) return tg::clone(self);
  const Tensor source = tg::contiguous(source_in);
  Tensor out = empty_tensor(self.sizes(), self.dtype(), self.device(), "masked_scatter");
  // Elements as unsigned bits of their size: the result is (next source element & take) |
  // (self's element & ~take) with take all ones where the mask is true, a select the compiler
  // cannot turn into a branch (a ?: became one, and a 50 % mask mispredicts every other: 2.2 ns
  // an element).
  auto run = [&]<typename U>() {
    const U* x = static_cast<const U*>(self.data_ptr());
    const U* src = static_cast<const U*>(source.data_ptr());
    U* o = static_cast<U*>(out.data_ptr());
    const int64_t last = source.numel() - 1;
    parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        int64_t k = first[size_t(c)];
        for (int64_t i = c * kChunk, e = std::min(n, (c + 1) * kChunk); i < e; ++i) {
          const U take = U(U(0) - U(m[i] ? 1 : 0));
          o[i] = U((src[std::min(k, last)] & take) | (x[i] & U(~take)));
          k += m[i] ? 1 : 0;
        }
      }
    });
  };
  switch (self.element_size()) {
    case 1: run.template operator()<uint8_t>(); break;
    case 2: run.template operator()<uint16_t>(); break;
    case 4: run.template operator()<uint32_t>(); break;
    default: run.template operator()<uint64_t>(); break;
  }
  return out;
}
}  // namespace

// The source elements, in order, written where mask is true: index_put with the mask's nonzero
// positions and the first n elements of source (both differentiable).
Tensor masked_scatter(const Tensor& self, const Tensor& mask, const Tensor& source) {
  TG_CHECK(mask.dtype() == ScalarType::Bool, "[masked_scatter] only supports boolean masks, but got mask with "
           "dtype ", mask.dtype());
  TG_CHECK(source.dtype() == self.dtype(), "[masked_scatter] expected self and source to have same dtypes but got ",
           self.dtype(), " and ", source.dtype());
  if (self.device().is_cpu() && mask.device().is_cpu() && source.device().is_cpu() &&
      self.sizes().equals(mask.sizes()) && self.is_contiguous() && mask.is_contiguous() &&
      !(GradMode::is_enabled() && any_requires_grad({self, source})))
    return masked_scatter_contiguous(self, mask, source);
  DimVector shape = broadcast_shapes(self.sizes(), mask.sizes(), "masked_scatter");
  Tensor s = tg::expand(self, shape);
  Tensor m = tg::expand(mask, shape);
  Tensor idx = tg::nonzero(m);  // [n, ndim]
  const int64_t n = idx.size(0);
  TG_CHECK(n <= source.numel(), "[masked_scatter] Number of elements of source < number of ones in mask (",
           source.numel(), " < ", n, ")");
  std::vector<Tensor> cols;
  for (int64_t j = 0; j < idx.size(1); ++j) cols.push_back(tg::select(idx, 1, j));
  Tensor vals = tg::narrow(tg::reshape(source, {source.numel()}), 0, 0, n);
  if (shape.empty()) vals = tg::reshape(vals, {});  // 0-d self: one value or none
  if (shape.empty() && n == 0) return tg::clone(s);
  return tg::index_put(s, cols, vals, false);
}

namespace {
// bincount on the CPU: fixed chunks of the input (not one per thread) each fill their own
// histogram, added in chunk order, so float weights sum in the same order for any thread count;
// idx holds int64 values in [0, bins) (checked by the caller). Without weights the counts are
// int64 (W = int64_t, w == nullptr).
template <typename W>
void histogram_cpu(const int64_t* idx, const W* w, int64_t n, int64_t bins, W* out) {
  constexpr int64_t kChunk = 1 << 16;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  auto fill = [&](int64_t begin, int64_t end, W* h) {
    if (w) {
      for (int64_t i = begin; i < end; ++i) h[idx[i]] += w[i];
    } else {
      for (int64_t i = begin; i < end; ++i) h[idx[i]] += W(1);
    }
  };
  if (chunks <= 1 || bins * chunks > (int64_t(1) << 24)) {  // one histogram when partials would be large
    fill(0, n, out);
    return;
  }
  std::vector<W> partial(size_t(chunks * bins), W(0));
  parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) fill(c * kChunk, std::min(n, (c + 1) * kChunk), partial.data() + c * bins);
  });
  for (int64_t c = 0; c < chunks; ++c) {
    const W* h = partial.data() + c * bins;
    for (int64_t b = 0; b < bins; ++b) out[b] += h[b];
  }
}
}  // namespace

Tensor bincount(const Tensor& self, const std::optional<Tensor>& weights, int64_t minlength) {
  TG_CHECK(self.dim() == 1 && is_integral(self.dtype(), false), "[bincount] bincount only supports 1-d "
           "non-negative integral inputs, got a ", self.dim(), "-d ", self.dtype(), " tensor");
  TG_CHECK(minlength >= 0, "[bincount] minlength should be >= 0, got ", minlength);
  if (weights) {
    TG_CHECK(weights->dim() == 1 && weights->size(0) == self.size(0), "[bincount] weights should be 1-d and have "
             "the same length as input, got ", weights->sizes(), " and ", self.sizes());
  }
  int64_t n = minlength;
  if (self.numel() > 0) {
    auto [lo, hi] = host_min_max(self);
    TG_CHECK(lo >= 0, "[bincount] bincount only supports 1-d non-negative integral inputs, got ", lo);
    n = std::max(n, hi + 1);
  }
  Tensor idx = tg::to(self, ScalarType::Int64);
  ScalarType wdt = ScalarType::Int64;  // PyTorch: float32 weights count in float32, other dtypes in float64
  if (weights) wdt = weights->dtype() == ScalarType::Float32 ? ScalarType::Float32 : ScalarType::Float64;
  if (self.device().is_cpu() && (!weights || weights->device().is_cpu()) && !(weights && weights->requires_grad())) {
    Tensor out = tg::zeros({n}, wdt, self.device());
    Tensor ix = tg::contiguous(idx);
    if (!weights) {
      histogram_cpu<int64_t>(ix.data<const int64_t>(), nullptr, ix.numel(), n, out.data<int64_t>());
    } else {
      Tensor w = tg::contiguous(tg::to(*weights, wdt));
      if (wdt == ScalarType::Float32)
        histogram_cpu<float>(ix.data<const int64_t>(), w.data<const float>(), ix.numel(), n, out.data<float>());
      else
        histogram_cpu<double>(ix.data<const int64_t>(), w.data<const double>(), ix.numel(), n, out.data<double>());
    }
    return out;
  }
  if (!weights) {
    Tensor ones = tg::full(IntArrayRef{self.numel()}, Scalar(int64_t(1)), ScalarType::Int64, self.device());
    return tg::index_add(tg::zeros({n}, ScalarType::Int64, self.device()), 0, idx, ones);
  }
  // PyTorch: float32 weights count in float32, every other dtype in float64.
  ScalarType dt = weights->dtype() == ScalarType::Float32 ? ScalarType::Float32 : ScalarType::Float64;
  return tg::index_add(tg::zeros({n}, dt, self.device()), 0, idx, tg::to(*weights, dt));
}

Tensor bucketize(const Tensor& self, const Tensor& boundaries, bool out_int32, bool right) {
  TG_CHECK(boundaries.dim() == 1, "[bucketize] boundaries tensor must be 1 dimension, but got dim(",
           boundaries.dim(), ")");
  return tg::searchsorted(boundaries, self, out_int32, right, std::nullopt, std::nullopt);
}

// ------------------------------------------------------------------------------ meta

}  // namespace tg::native

namespace tg::meta {

TensorMeta gather(const Tensor& self, int64_t dim, const Tensor& index, bool /*sparse_grad*/) {
  native::check_gather(self, dim, index);
  return TensorMeta{DimVector(index.sizes()), self.dtype(), self.device()};
}

TensorMeta searchsorted(const Tensor& sorted_sequence, const Tensor& self, bool out_int32, bool right,
                        std::optional<std::string_view> side, const std::optional<Tensor>& sorter) {
  native::check_searchsorted(sorted_sequence, self, right, side, sorter);
  return TensorMeta{DimVector(self.sizes()), out_int32 ? ScalarType::Int32 : ScalarType::Int64, self.device()};
}

TensorMeta index_select(const Tensor& self, int64_t dim, const Tensor& index) {
  int64_t d = native::check_index_along_dim("index_select", self, dim, index, nullptr, true);
  DimVector sizes(self.sizes());
  if (self.dim() > 0) sizes[d] = index.numel();
  return TensorMeta{sizes, self.dtype(), self.device()};
}

}  // namespace tg::meta

#pragma once
// Shared by the indexing ops' meta functions, composites (Indexing.cpp) and kernels (cpu/IndexKernel.cpp,
// cuda/Index.cu): argument checks with PyTorch's messages and exception types, and the geometry the
// kernels loop over. 0-d tensors take part as 1-d tensors of size 1, like in PyTorch.
#include <optional>
#include <string_view>

#include "aten/core/Error.h"
#include "aten/core/Tensor.h"
#include "aten/native/Copy.h"

namespace tg::native {

// Sizes and strides of t with a 0-d tensor seen as [1].
struct Geometry {
  DimVector sizes, strides;
  int64_t dim() const { return int64_t(sizes.size()); }
};
Geometry geometry_of(const Tensor& t);

// gather(self, dim, index): checks dtype and shapes; returns dim wrapped.
int64_t check_gather(const Tensor& self, int64_t dim, const Tensor& index);
// scatter_/scatter_add_ (src may be null for the value overloads): returns dim wrapped.
int64_t check_scatter(const char* op, const Tensor& self, int64_t dim, const Tensor& index, const Tensor* src);
// index_select / index_add_ / index_copy_ / index_fill_ (source null for index_select/index_fill_):
// returns dim wrapped. index must be a vector (or 0-d) of int64 (int32 too where `int32_ok`).
int64_t check_index_along_dim(const char* op, const Tensor& self, int64_t dim, const Tensor& index,
                              const Tensor* source, bool int32_ok);

enum class ScatterReduce { None, Add, Multiply, Max, Min, Mean };
// scatter_'s reduce= argument: "add" or "multiply" (PyTorch's legacy scatter_ reduce).
ScatterReduce parse_scatter_reduce(std::string_view reduce);
// scatter_reduce_'s: "sum", "prod", "mean", "amax" or "amin".
ScatterReduce parse_scatter_reduce_two(std::string_view reduce);
// The value a reduction starts from (0, 1, lowest, highest) as a 0-d CPU tensor of dtype: what
// scatter_reduce_(include_self=False) writes where index points before reducing.
Tensor scatter_reduce_identity(ScalarType dtype, ScatterReduce reduce);
// scatter_reduce_(reduce="mean") after the sums are in self: divides by the number of values
// each element got (1 more with include_self; elements nothing was scattered to stay as they are);
// integer dtypes round down, like PyTorch.
void scatter_mean_finish(Tensor& self, int64_t dim, const Tensor& index, bool include_self);

// PyTorch sums and multiplies scatters into float16 / bfloat16 in float: self is copied to float32,
// every update is applied there and the result is rounded to self's dtype once, not after each
// update (which drifts on long sums and cost a conversion pair per element: bfloat16
// scatter_add_ of 11K updates took 22 us against PyTorch's 9). body(acc, src) runs the updates on
// acc with src in acc's dtype; max / min and plain writes round nothing and stay in self's dtype.
// The CPU and CUDA kernels share it, so both devices round the same way.
template <typename F>
void accumulate_in_float(const char* op, Tensor& self, const Tensor& src, bool rounds, const F& body) {
  const ScalarType t = self.dtype();
  if (!rounds || (t != ScalarType::Float16 && t != ScalarType::BFloat16)) return body(self, src);
  Tensor acc = to_dtype(self, ScalarType::Float32);
  body(acc, to_dtype(src, ScalarType::Float32));
  copy_into(self, acc, op);
}
inline bool rounds_each_update(ScatterReduce r) {
  return r == ScatterReduce::Add || r == ScatterReduce::Mean || r == ScatterReduce::Multiply;
}

// "[op] index 5 is out of bounds for dimension 0 with size 3" as `kind` (RuntimeError for
// gather/scatter, IndexError for index_* and advanced indexing, like PyTorch).
[[noreturn]] void index_out_of_bounds(const char* op, ErrorKind kind, int64_t index, int64_t dim, int64_t size);

// The stacked advanced index of _index/_index_put_: int64 [k, *B], k <= self.dim(). Returns k.
int64_t check_stacked_index(const char* op, const Tensor& self, const Tensor& indices);
// The shape of _index(self, indices): B + self.sizes()[k:].
DimVector advanced_index_result_shape(const Tensor& self, const Tensor& indices);

// PyTorch's memory-overlap rules for ops that write `written` while reading `read`: written may not
// have several elements at one address (expanded dims), nor share bytes with an input.
void check_no_internal_overlap(const char* op, const Tensor& written);
void check_no_overlap(const char* op, const Tensor& written, const Tensor& read);

// _index_put_'s checks, shared by the CPU and CUDA kernels: the stacked index, the overlap rules, and
// values of self's dtype in the shape _index(self, indices) has (returned in `shape`). Returns k.
inline int64_t check_index_put(const Tensor& self, const Tensor& indices, const Tensor& values, DimVector& shape) {
  const int64_t k = check_stacked_index("_index_put_", self, indices);
  check_no_internal_overlap("index_put_", self);
  check_no_overlap("index_put_", self, indices);
  check_no_overlap("index_put_", self, values);
  shape = advanced_index_result_shape(self, indices);
  TG_CHECK(values.sizes().equals(shape) && values.dtype() == self.dtype(), "[_index_put_] values must be ",
           self.dtype(), " of shape ", IntArrayRef(shape), ", got ", values.dtype(), " ", values.sizes());
  return k;
}

// index_fill_'s checks, shared by the CPU and CUDA kernels: returns dim wrapped.
inline int64_t check_index_fill(const Tensor& self, int64_t dim, const Tensor& index) {
  const int64_t d = check_index_along_dim("index_fill_", self, dim, index, nullptr, false);
  check_no_internal_overlap("index_fill_", self);
  check_no_overlap("index_fill_", self, index);
  return d;
}

// searchsorted's argument checks (shapes, dtypes, side vs right, sorter); returns whether the
// search is for the upper bound (right=True or side="right").
bool check_searchsorted(const Tensor& sorted_sequence, const Tensor& self, bool right,
                        std::optional<std::string_view> side, const std::optional<Tensor>& sorter);

}  // namespace tg::native

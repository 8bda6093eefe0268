#pragma once
// Reduction: the shared front half of every reduction op (kind: reduction). It resolves dim /
// keepdim / dtype=, computes the output dtype, and lays the input out as a contiguous
// [outer, inner] matrix in the compute dtype (reduced dims last), so a kernel reduces `outer`
// contiguous rows of `inner` elements each into contiguous outputs. Schema arguments other than
// self/dim/keepdim/dtype (var's correction) are passed to the kernel after the Reduction.
#include <algorithm>
#include <optional>

#include "aten/core/Tensor.h"
#include "aten/dispatch/DtypeDispatch.h"

namespace tg {

enum class ReducePromotion : uint8_t {
  Sum,           // integers and bool accumulate (and return) in int64
  FloatingOnly,  // input must be floating (mean)
  AlwaysBool,    // all / any: the input tested for nonzero in its own dtype; bool (uint8 for uint8)
  Keep,          // max / min: output dtype = input dtype (a second output: int64 indices)
  KeepBoth,      // aminmax: both outputs in the input dtype
  Index,         // argmax / argmin: int64 output
};

struct ReduceConfig {
  const char* op;
  ReducePromotion promotion;
  DtypeSet dtypes;
  int noutputs;  // 2 for (values, indices), whose second output is int64, or KeepBoth's (min, max)
};

class Reduction {
 public:
  Reduction(const ReduceConfig& config, const Tensor& self, std::optional<DimVector> dims, bool keepdim,
            std::optional<ScalarType> dtype, std::initializer_list<Tensor> outs);

  const char* op() const { return config_.op; }
  Device device() const { return device_; }
  // Contiguous [outer, inner] in the compute dtype. When the reduced dims are followed by kept
  // ones (sum(dim=0) of a matrix), the first call makes this transposed copy; kernels that can
  // read the input in place use columns() instead.
  const Tensor& input() const;
  ScalarType compute_dtype() const { return compute_dtype_; }
  int64_t outer() const { return outer_; }  // number of outputs
  int64_t inner() const { return inner_; }  // elements reduced into each output

  // The same input seen without a copy as [groups, inner, cols] (contiguous, compute dtype):
  // output o * cols + c reduces column c of group o. Only present (cols > 1) when the input
  // already has that layout; otherwise kernels use input().
  struct Columns {
    const Tensor* data;
    int64_t groups = 0, cols = 1;
  };
  Columns columns() const { return {&source_, outer_ / std::max<int64_t>(cols_, 1), cols_}; }
  const Tensor& output(int i) const { return outputs_[i]; }  // contiguous, `outer` elements
  // For reductions without an identity (max, min, argmax, argmin): fails when some output would
  // reduce zero elements (IndexError), or, for a full reduction of an empty input, asks for a dim.
  void check_nonempty() const;
  // The user-visible result i (keepdim shape; written into the caller's out= if one was given).
  Tensor finish(int i);

 private:
  ReduceConfig config_;
  ScalarType compute_dtype_ = ScalarType::Undefined;
  Device device_;
  Tensor source_;          // the input viewed as [kept-before, reduced, kept-after] when cols_ > 1
  int64_t cols_ = 1;       // product of the kept dims after the last reduced dim (column layout)
  Tensor rows_view_;       // the input viewed as [kept, reduced] (not contiguous) when cols_ > 1
  mutable Tensor input_;   // [outer, inner] rows; copied from rows_view_ on first use
  Tensor outputs_[2];
  Tensor user_outs_[2];
  DimVector result_shape_;
  int64_t outer_ = 1, inner_ = 1;
};

// Normalizes the different `dim` argument forms of reduction schemas: `int[1]? dim=None` and
// `int[1] dim=[]` (amax: an empty list reduces every dim, like PyTorch), `int? dim`, `int dim`.
inline std::optional<DimVector> reduce_dims_arg(IntArrayRef dim) { return DimVector(dim); }
inline std::optional<DimVector> reduce_dims_arg(std::optional<IntArrayRef> dim) {
  if (!dim) return std::nullopt;
  return DimVector(*dim);
}
inline std::optional<DimVector> reduce_dims_arg(std::optional<int64_t> dim) {
  if (!dim) return std::nullopt;
  return DimVector{*dim};
}
inline std::optional<DimVector> reduce_dims_arg(int64_t dim) { return DimVector{dim}; }

}  // namespace tg

#include "aten/iter/Reduction.h"

#include "aten/native/Copy.h"

#include <string_view>

namespace tg {

namespace {
ScalarType output_dtype(const ReduceConfig& c, ScalarType in, std::optional<ScalarType> dtype) {
  switch (c.promotion) {
    case ReducePromotion::Sum:
      if (dtype) return *dtype;
      return is_integral(in, /*include_bool=*/true) ? ScalarType::Int64 : in;
    case ReducePromotion::FloatingOnly: {
      ScalarType t = dtype.value_or(in);
      TG_CHECK(is_floating(t), "[", c.op, "] could not infer output dtype. Input dtype must be either a "
               "floating point or complex dtype. Got: ", t);
      return t;
    }
    case ReducePromotion::AlwaysBool:  // all / any: bool, except uint8 stays uint8 (like PyTorch)
      return in == ScalarType::UInt8 ? ScalarType::UInt8 : ScalarType::Bool;
    case ReducePromotion::Keep:
    case ReducePromotion::KeepBoth: return in;
    case ReducePromotion::Index: return ScalarType::Int64;
  }
  return in;
}
}  // namespace

Reduction::Reduction(const ReduceConfig& config, const Tensor& self, std::optional<DimVector> dims, bool keepdim,
                     std::optional<ScalarType> dtype, std::initializer_list<Tensor> outs)
    : config_(config) {
  const int64_t ndim = self.dim();
  SmallVector<bool, 8> reduce(size_t(std::max<int64_t>(ndim, 1)), dims && !dims->empty() ? false : true);
  if (dims && !dims->empty()) {
    for (int64_t d : *dims) {
      int64_t w = wrap_dim(d, ndim, config.op);
      TG_CHECK(!reduce[w], "[", config.op, "] dim ", w, " appears multiple times in the list of dims");
      reduce[w] = true;
    }
  }
  // Kept dims first, reduced dims last, then one contiguous copy in the compute dtype (none when
  // the input already has that layout and dtype).
  DimVector perm, kept_sizes;
  for (int64_t d = 0; d < ndim; ++d)
    if (!reduce[d]) { perm.push_back(d); kept_sizes.push_back(self.size(d)); }
  for (int64_t d = 0; d < ndim; ++d)
    if (reduce[d]) { perm.push_back(d); inner_ *= self.size(d); }
  for (auto s : kept_sizes) outer_ *= s;
  for (int64_t d = 0; d < ndim; ++d) {
    if (reduce[d]) { if (keepdim) result_shape_.push_back(1); }
    else result_shape_.push_back(self.size(d));
  }

  ScalarType out_dtype = output_dtype(config, self.dtype(), dtype);
  // max / argmax / all / any read the input in its own dtype (all / any test it for nonzero).
  ScalarType compute = config.promotion == ReducePromotion::Keep || config.promotion == ReducePromotion::Index ||
                               config.promotion == ReducePromotion::AlwaysBool
                           ? self.dtype()
                           : out_dtype;
  if (!dtype_in_set(compute, config.dtypes)) dtype_not_implemented(config.op, compute);
  compute_dtype_ = compute;
  device_ = self.device();
  // A view per call cost ~5 % of a 1-element reduction: the identity order is the input itself.
  auto permuted_view = [&](const DimVector& order) {
    bool identity = true;
    for (size_t k = 0; k < order.size(); ++k) identity = identity && order[k] == int64_t(k);
    if (identity) return self;
    DimVector psizes, pstrides;
    for (auto d : order) { psizes.push_back(self.size(d)); pstrides.push_back(self.stride(d)); }
    return make_view(self, psizes, pstrides, self.storage_offset());
  };
  // Column layout: kept dims before the last reduced dim, the reduced dims, then the kept dims
  // after it. When the input already lies that way, column kernels read it in place.
  int64_t last_reduced = -1;
  for (int64_t d = 0; d < ndim; ++d)
    if (reduce[d]) last_reduced = d;
  DimVector col_perm;
  int64_t cols = 1;
  for (int64_t d = 0; d < last_reduced; ++d)
    if (!reduce[d]) col_perm.push_back(d);
  for (int64_t d = 0; d < ndim; ++d)
    if (reduce[d]) col_perm.push_back(d);
  for (int64_t d = last_reduced + 1; d < ndim; ++d) { col_perm.push_back(d); cols *= self.size(d); }
  if (ndim > 0 && cols > 1 && self.dtype() == compute && self.numel() > 0) {
    Tensor by_columns = permuted_view(col_perm);
    if (by_columns.is_contiguous()) {
      source_ = by_columns;
      cols_ = cols;
    }
  }
  if (cols_ == 1) {
    Tensor permuted = permuted_view(perm);
    input_ = permuted.is_contiguous() && permuted.dtype() == compute ? permuted : native::to_dtype(permuted, compute);
  } else {
    rows_view_ = permuted_view(perm);  // copied by input() only if a kernel asks for rows
  }

  outputs_[0] = empty_tensor(kept_sizes, out_dtype, self.device(), config.op);
  const bool indices = config.promotion != ReducePromotion::KeepBoth;
  if (config.noutputs > 1)
    outputs_[1] = empty_tensor(kept_sizes, indices ? ScalarType::Int64 : out_dtype, self.device(), config.op);
  int i = 0;
  for (const Tensor& o : outs) user_outs_[i++] = o;
  // Indices are int64, and an indices out= of another dtype is an error (not a cast), like PyTorch.
  TG_CHECK(!indices || config.noutputs < 2 || !user_outs_[1].defined() || user_outs_[1].dtype() == ScalarType::Int64, "[",
           config.op, "] expected the indices out tensor to have dtype int64, but got ",
           user_outs_[1].defined() ? user_outs_[1].dtype() : ScalarType::Int64);
}

const Tensor& Reduction::input() const {
  if (!input_.defined()) input_ = native::to_dtype(rows_view_, compute_dtype_);  // column layout
  return input_;
}

Tensor Reduction::finish(int i) {
  // The output already has the result's shape unless keepdim put 1s among the kept sizes.
  Tensor r = outputs_[i].sizes().equals(IntArrayRef(result_shape_))
                 ? outputs_[i]
                 : make_view(outputs_[i], result_shape_, contiguous_strides(result_shape_), 0);
  if (user_outs_[i].defined()) {
    write_result_out(config_.op, user_outs_[i], r);
    user_outs_[i].bump_version();
    return user_outs_[i];
  }
  return r;
}

void Reduction::check_nonempty() const {
  if (inner_ > 0 || outer_ == 0) return;
  if (outputs_[0].dim() == 0) {
    // PyTorch's argmax/argmin raise IndexError here, its max/amax/... RuntimeError.
    const std::string_view name = op();
    TG_CHECK_KIND(name == "argmax" || name == "argmin" ? ErrorKind::Index : ErrorKind::Runtime, false, "[", name,
                  "] Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with "
                  "the 'dim' argument.");
  }
  TG_CHECK_INDEX(false, "[", op(), "] Expected reduction dim to have non-zero size.");
}

}  // namespace tg

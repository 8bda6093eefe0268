#include "aten/native/Scan.h"

#include "aten/native/Copy.h"

namespace tg {

Scan::Scan(const ScanConfig& config, const Tensor& self, int64_t dim, std::optional<ScalarType> dtype)
    : config_(config) {
  dim_ = wrap_dim(dim, self.dim(), config.op);  // a 0-d self is one line of one element
  ScalarType result = self.dtype();
  if (dtype) {
    result = *dtype;
  } else if (config.promotion == ScanPromotion::Sum && is_integral(self.dtype(), /*include_bool=*/true)) {
    result = ScalarType::Int64;
  }
  if (!dtype_in_set(result, config.dtypes)) dtype_not_implemented(config.op, result);
  input_ = self.is_contiguous() && self.dtype() == result ? self : native::to_dtype(self, result);
  if (self.dim() > 0) {
    length_ = self.size(dim_);
    for (int64_t d = 0; d < dim_; ++d) outer_ *= self.size(d);
    for (int64_t d = dim_ + 1; d < self.dim(); ++d) inner_ *= self.size(d);
  }
  outputs_[0] = empty_tensor(self.sizes(), result, self.device(), config.op);
  if (config.noutputs > 1) outputs_[1] = empty_tensor(self.sizes(), ScalarType::Int64, self.device(), config.op);
}

void check_indices_out(const char* op, const Tensor& indices) {
  TG_CHECK(indices.dtype() == ScalarType::Int64, "[", op, "] expected the indices out tensor to have dtype int64, "
           "but got ", indices.dtype());
}

}  // namespace tg

// unbind: the Tensor[]-returning view op (a select view per index along dim).
#include <vector>

#include "aten/core/Tensor.h"
#include "kernels/unbind.h"
#include "ops/select.h"

namespace tg::native {

std::vector<Tensor> unbind(const Tensor& self, int64_t dim) {
  TG_CHECK_INDEX(self.dim() > 0, "[unbind] Dimension specified as ", dim, " but tensor has no dimensions");
  const int64_t d = wrap_dim(dim, self.dim(), "unbind");
  std::vector<Tensor> views;
  views.reserve(size_t(self.size(d)));
  for (int64_t i = 0; i < self.size(d); ++i) views.push_back(tg::select(self, d, i));
  return views;
}

}  // namespace tg::native

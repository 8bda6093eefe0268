#pragma once
// glu's split: the halves a (first) and b (second) of t along dim, views of t. glu is
// a * sigmoid(b); its meta function (aten/native/Meta.cpp) has checked dim and its even size.
#include <utility>

#include "aten/core/Tensor.h"
#include "ops/slice.h"

namespace tg::native {

inline std::pair<Tensor, Tensor> glu_halves(const Tensor& t, int64_t dim) {
  const int64_t d = dim < 0 ? dim + t.dim() : dim, h = t.size(d) / 2;
  return {tg::slice(t, d, 0, h), tg::slice(t, d, h, 2 * h)};
}

}  // namespace tg::native

#pragma once
// What a hand-written meta function returns: the shape, dtype and device of the result.
#include "aten/core/Tensor.h"

namespace tg {

struct TensorMeta {
  DimVector sizes;
  ScalarType dtype;
  Device device;
};

}  // namespace tg

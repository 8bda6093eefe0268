#pragma once
// The default floating dtype (PyTorch's torch.get_default_dtype / set_default_dtype): what a
// factory without dtype= makes (empty, zeros, rand, float arange, linspace, eye, full with a
// float value), what a Python float counts as in type promotion, and what integer inputs of
// int-to-float ops (true division, ...) become. One process-wide setting, like PyTorch's.
// (kDefaultFloat in ScalarType.h is the initial value.)
#include "aten/core/ScalarType.h"

namespace tg {

ScalarType default_float_dtype();
// Float16, BFloat16, Float32 or Float64; TypeError for any other dtype, as in PyTorch.
void set_default_float_dtype(ScalarType t);

}  // namespace tg

#pragma once
#include "aten/iter/TensorIterator.h"

namespace tg::native::cpu {
// Converts input 0 (any dtype) into the output's dtype, element by element.
void copy_kernel(const TensorIterator& iter);
}

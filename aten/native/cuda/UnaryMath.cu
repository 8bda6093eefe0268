// The floating-point math functions added with issue 9 on CUDA: one-line
// entries over UnaryFloatOp.cuh's FloatOp, kept apart from UnaryOps.cu so that adding a function
// recompiles only these instantiations.
#include "aten/native/cuda/UnaryFloatOp.cuh"
#include "kernels/acos.h"
#include "kernels/acosh.h"
#include "kernels/asin.h"
#include "kernels/asinh.h"
#include "kernels/atan.h"
#include "kernels/atanh.h"
#include "kernels/cosh.h"
#include "kernels/erf.h"
#include "kernels/erfc.h"
#include "kernels/erfinv.h"
#include "kernels/exp2.h"
#include "kernels/expm1.h"
#include "kernels/frac.h"
#include "kernels/log10.h"
#include "kernels/log1p.h"
#include "kernels/log2.h"
#include "kernels/reciprocal.h"
#include "kernels/sinh.h"
#include "kernels/tan.h"
#include "kernels/trunc.h"

namespace tg::native::cuda {

using unary::Fn;
using unary::float_unary;
using unary::rounding;

void log1p_kernel(const TensorIterator& iter) { float_unary<Fn::Log1p>(iter, "log1p"); }
void expm1_kernel(const TensorIterator& iter) { float_unary<Fn::Expm1>(iter, "expm1"); }
void log2_kernel(const TensorIterator& iter) { float_unary<Fn::Log2>(iter, "log2"); }
void log10_kernel(const TensorIterator& iter) { float_unary<Fn::Log10>(iter, "log10"); }
void exp2_kernel(const TensorIterator& iter) { float_unary<Fn::Exp2>(iter, "exp2"); }
void tan_kernel(const TensorIterator& iter) { float_unary<Fn::Tan>(iter, "tan"); }
void asin_kernel(const TensorIterator& iter) { float_unary<Fn::Asin>(iter, "asin"); }
void acos_kernel(const TensorIterator& iter) { float_unary<Fn::Acos>(iter, "acos"); }
void atan_kernel(const TensorIterator& iter) { float_unary<Fn::Atan>(iter, "atan"); }
void sinh_kernel(const TensorIterator& iter) { float_unary<Fn::Sinh>(iter, "sinh"); }
void cosh_kernel(const TensorIterator& iter) { float_unary<Fn::Cosh>(iter, "cosh"); }
void asinh_kernel(const TensorIterator& iter) { float_unary<Fn::Asinh>(iter, "asinh"); }
void acosh_kernel(const TensorIterator& iter) { float_unary<Fn::Acosh>(iter, "acosh"); }
void atanh_kernel(const TensorIterator& iter) { float_unary<Fn::Atanh>(iter, "atanh"); }
void erf_kernel(const TensorIterator& iter) { float_unary<Fn::Erf>(iter, "erf"); }
void erfc_kernel(const TensorIterator& iter) { float_unary<Fn::Erfc>(iter, "erfc"); }
void erfinv_kernel(const TensorIterator& iter) { float_unary<Fn::Erfinv>(iter, "erfinv"); }
void reciprocal_kernel(const TensorIterator& iter) { float_unary<Fn::Reciprocal>(iter, "reciprocal"); }
void trunc_kernel(const TensorIterator& iter) { rounding<Fn::Trunc>(iter, "trunc"); }
void frac_kernel(const TensorIterator& iter) { float_unary<Fn::Frac>(iter, "frac"); }

}  // namespace tg::native::cuda

#pragma once
// Shared by the BLAS-like kernels of the CPU (cpu/LinearAlgebraKernel.cpp) and CUDA (cuda/Blas.cu):
// dot, mv, addmv, addmm and baddbmm compute a product, then out = beta * self + alpha * product.
// Host code only; compiled by g++ and nvcc.
#include <initializer_list>

#include "aten/core/Tensor.h"
#include "aten/native/Copy.h"

namespace tg::native {

// Whether beta or alpha is exactly v (an integer Scalar compared as an integer).
inline bool scalar_is(const Scalar& s, double v) { return s.is_floating_point() ? s.to_double() == v : s.to_int() == v; }

inline bool is_half_type(ScalarType t) { return t == ScalarType::Float16 || t == ScalarType::BFloat16; }

// The factors of a GEMM into a float32 prod: the half types are converted first.
inline Tensor gemm_operand(const Tensor& t, const Tensor& prod) {
  return t.dtype() == prod.dtype() ? t : to_dtype(t, prod.dtype());
}

// The common frame: product(prod) writes the product into prod (out itself when out has the
// product's dtype, else a float32 buffer for the half types); then epilogue(out, prod, self)
// writes out = beta * self + alpha * prod, with self null when there is none or beta is 0 (self
// is then not read, so its NaNs do not leak in). Skipped when that would copy prod onto itself.
// When out overlaps an input (addmm(x, a, b, out=x)) or has expanded dims, everything goes into a
// fresh tensor first and is copied (the copy reports the expanded dims).
template <typename Product, typename Epilogue>
void blas_frame(const char* op, Tensor& out, const Tensor* self, const Scalar& beta, const Scalar& alpha,
                std::initializer_list<const Tensor*> inputs, Product&& product, Epilogue&& epilogue) {
  if (out.numel() == 0) return;
  bool fresh = false;
  for (int64_t d = 0; d < out.dim(); ++d) fresh = fresh || (out.stride(d) == 0 && out.size(d) > 1);
  for (const Tensor* t : inputs) fresh = fresh || out.storage().get() == t->storage().get();
  if (fresh) {
    Tensor tmp = empty_tensor(out.sizes(), out.dtype(), out.device(), op);
    blas_frame(op, tmp, self, beta, alpha, inputs, product, epilogue);
    copy_into(out, tmp, op);
    return;
  }
  if (self && scalar_is(beta, 0)) self = nullptr;
  Tensor prod = is_half_type(out.dtype()) ? empty_tensor(out.sizes(), ScalarType::Float32, out.device(), op) : out;
  product(prod);
  if (!self && scalar_is(alpha, 1) && prod.is_same(out)) return;
  epilogue(out, prod, self);
}

}  // namespace tg::native

// Meta functions of the structured ops: check arguments, compute the result's shape and dtype.
// The generated code allocates or resizes the output from this, then calls the device kernel.
#include "kernels/_log_softmax_backward_data.h"
#include "kernels/_softmax_backward_data.h"
#include "kernels/bmm.h"
#include "kernels/glu.h"
#include "kernels/glu_backward.h"
#include "kernels/log_softmax.h"
#include "kernels/mm.h"
#include "kernels/softmax.h"

namespace tg::meta {

namespace {
TensorMeta softmax_like(const char* op, const Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  wrap_dim(dim, self.dim(), op);
  return TensorMeta{DimVector(self.sizes()), dtype.value_or(self.dtype()), self.device()};
}

void check_matmul_operands(const char* op, const Tensor& a, const Tensor& b, int64_t ndim) {
  const char* what = ndim == 2 ? "a matrix" : "a 3D tensor";
  TG_CHECK(a.dim() == ndim, "[", op, "] self must be ", what, ", got ", a.dim(), "D");
  TG_CHECK(b.dim() == ndim, "[", op, "] mat2 must be ", what, ", got ", b.dim(), "D");
  TG_CHECK(a.dtype() == b.dtype(), "[", op, "] expected mat1 and mat2 to have the same dtype, but got: ", a.dtype(),
           " != ", b.dtype());
  TG_CHECK(a.device() == b.device(), "[", op, "] expected all tensors to be on the same device, but found ",
           a.device(), " and ", b.device());
}
}  // namespace

TensorMeta softmax(const Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  return softmax_like("softmax", self, dim, dtype);
}
TensorMeta log_softmax(const Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  return softmax_like("log_softmax", self, dim, dtype);
}

namespace {
TensorMeta softmax_backward_like(const char* op, const Tensor& grad_output, const Tensor& output, int64_t dim,
                                 ScalarType input_dtype) {
  wrap_dim(dim, output.dim(), op);
  TG_CHECK(grad_output.sizes().equals(output.sizes()), "[", op, "] grad_output and output must have the same shape, "
           "got ", grad_output.sizes(), " and ", output.sizes());
  TG_CHECK(grad_output.dtype() == output.dtype(), "[", op, "] grad_output and output must have the same dtype, got ",
           grad_output.dtype(), " and ", output.dtype());
  TG_CHECK(grad_output.device() == output.device(), "[", op, "] expected all tensors to be on the same device, but "
           "found ", grad_output.device(), " and ", output.device());
  return TensorMeta{DimVector(output.sizes()), input_dtype, output.device()};
}
}  // namespace

TensorMeta _softmax_backward_data(const Tensor& grad_output, const Tensor& output, int64_t dim, ScalarType input_dtype) {
  return softmax_backward_like("_softmax_backward_data", grad_output, output, dim, input_dtype);
}
TensorMeta _log_softmax_backward_data(const Tensor& grad_output, const Tensor& output, int64_t dim,
                                      ScalarType input_dtype) {
  return softmax_backward_like("_log_softmax_backward_data", grad_output, output, dim, input_dtype);
}

namespace {
// glu's split dim of self, wrapped; its size must be even.
int64_t glu_dim(const char* op, const Tensor& self, int64_t dim) {
  TG_CHECK(self.dim() > 0, "[", op, "] glu does not support scalars because halving size must be even");
  const int64_t nd = self.dim();
  TG_CHECK_INDEX(dim >= -nd && dim < nd, "[", op, "] Dimension out of range (expected to be in range of [", -nd, ", ",
                 nd - 1, "], but got ", dim, ")");
  const int64_t d = dim < 0 ? dim + nd : dim;
  TG_CHECK(self.size(d) % 2 == 0, "[", op, "] Halving dimension must be even, but dimension ", d, " is size ",
           self.size(d));
  return d;
}
}  // namespace

TensorMeta glu(const Tensor& self, int64_t dim) {
  DimVector sizes(self.sizes());
  sizes[size_t(glu_dim("glu", self, dim))] /= 2;
  return TensorMeta{sizes, self.dtype(), self.device()};
}

TensorMeta glu_backward(const Tensor& grad_output, const Tensor& self, int64_t dim) {
  DimVector half(self.sizes());
  half[size_t(glu_dim("glu_backward", self, dim))] /= 2;
  TG_CHECK(grad_output.sizes().equals(half), "[glu_backward] grad_output must have self's shape with dim halved, "
           "expected ", IntArrayRef(half), ", got ", grad_output.sizes());
  TG_CHECK(grad_output.dtype() == self.dtype(), "[glu_backward] grad_output and self must have the same dtype, got ",
           grad_output.dtype(), " and ", self.dtype());
  TG_CHECK(grad_output.device() == self.device(), "[glu_backward] expected all tensors to be on the same device, but "
           "found ", grad_output.device(), " and ", self.device());
  return TensorMeta{DimVector(self.sizes()), self.dtype(), self.device()};
}

TensorMeta mm(const Tensor& self, const Tensor& mat2) {
  check_matmul_operands("mm", self, mat2, 2);
  TG_CHECK(self.size(1) == mat2.size(0), "[mm] mat1 and mat2 shapes cannot be multiplied (", self.size(0), "x",
           self.size(1), " and ", mat2.size(0), "x", mat2.size(1), ")");
  return TensorMeta{DimVector{self.size(0), mat2.size(1)}, self.dtype(), self.device()};
}

TensorMeta bmm(const Tensor& self, const Tensor& mat2) {
  check_matmul_operands("bmm", self, mat2, 3);
  TG_CHECK(self.size(0) == mat2.size(0), "[bmm] batch sizes differ: ", self.size(0), " vs ", mat2.size(0));
  TG_CHECK(self.size(2) == mat2.size(1), "[bmm] expected size for first two dimensions of batch2 tensor to be: [",
           self.size(0), ", ", self.size(2), "] but got: [", mat2.size(0), ", ", mat2.size(1), "].");
  return TensorMeta{DimVector{self.size(0), self.size(1), mat2.size(2)}, self.dtype(), self.device()};
}

}  // namespace tg::meta

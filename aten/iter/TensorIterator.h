#pragma once
// TensorIterator: the shared front half of every pointwise op (DESIGN.md §6). It broadcasts the
// inputs, computes the common dtype (PyTorch's promotion, weak Python scalars), casts inputs to
// it, allocates the output following the inputs' memory layout (or checks and resizes out=),
// reorders and coalesces dims, and then drives a 2-D strided loop over raw pointers. Kernels
// see only typed pointers and byte strides.
//
// Any number of inputs: operands live inline up to kInlineOperands (no heap allocation for the
// usual unary, binary and ternary ops) and in a heap vector beyond.
#include <initializer_list>
#include <memory>

#include "aten/core/FunctionRef.h"
#include "aten/core/SmallVector.h"
#include "aten/core/Tensor.h"
#include "aten/parallel/Parallel.h"

namespace tg {

enum class Promotion : uint8_t {
  Default,     // common dtype of the inputs
  IntToFloat,  // common dtype, integers and bool promoted to float32 (true division, exp, ...)
  AlwaysBool,  // comparisons: compute in the common dtype, output bool
  None,        // no promotion: every input must already have the output dtype
  Where,       // where(condition, a, b): the common dtype of a and b; the condition keeps its dtype
               // (the kernel reads it as bool) instead of being cast to the common dtype
};

// Per-operand storage: N elements inline, a heap array when there are more. Inline elements of
// plain types stay uninitialized (scratch arrays on the per-op path cost nothing to set up).
// Neither copyable nor movable: data_ may point into the object itself.
template <typename T, int N>
class OperandArray {
 public:
  explicit OperandArray(int n) {
    if (n > N) {
      heap_ = std::make_unique<T[]>(size_t(n));
      data_ = heap_.get();
    }
  }
  OperandArray(const OperandArray&) = delete;
  OperandArray& operator=(const OperandArray&) = delete;
  T& operator[](int i) { return data_[i]; }
  const T& operator[](int i) const { return data_[i]; }
  T* data() { return data_; }

 private:
  T inline_[N];
  std::unique_ptr<T[]> heap_;
  T* data_ = inline_;
};

struct IterConfig {
  const char* op = "op";
  Promotion promotion = Promotion::Default;
  bool inplace = false;  // output is also input 0: its shape may not change by broadcasting
  bool check_mem_overlap = true;  // reject outputs with expanded dims (fill_ is idempotent: allowed)
};

class TensorIterator {
 public:
  // Operands (output included) stored without a heap allocation (out + three inputs); more are
  // allowed and live on the heap.
  static constexpr int kInlineOperands = 4;
  // The inner loop: data[i] points at operand i (output first), strides[i] is its byte stride
  // along dim 0, strides[ntensors + i] along dim 1. A non-owning reference (FunctionRef.h): the
  // callable passed to for_each only has to live for that call.
  using Loop2d = FunctionRef<void(char** data, const int64_t* strides, int64_t size0, int64_t size1)>;

  // out may be undefined (the iterator allocates it). inputs: at least one, any number.
  TensorIterator(const IterConfig& config, const Tensor& out, TensorList inputs);
  // The generated code's form: TensorIterator iter(config, out, {a, b, c}).
  TensorIterator(const IterConfig& config, const Tensor& out, std::initializer_list<Tensor> inputs)
      : TensorIterator(config, out, TensorList(inputs.begin(), inputs.size())) {}
  // Operand storage may point into this object (OperandArray): neither copyable nor movable.
  TensorIterator(const TensorIterator&) = delete;
  TensorIterator& operator=(const TensorIterator&) = delete;

  int ntensors() const { return ntensors_; }
  int ninputs() const { return ntensors_ - 1; }
  ScalarType common_dtype() const { return common_dtype_; }
  ScalarType output_dtype() const { return operands_[0].dtype(); }
  ScalarType original_input_dtype(int i) const { return original_dtypes_[i]; }
  int64_t numel() const { return numel_; }
  Device device() const { return device_; }
  IntArrayRef shape() const { return shape_; }
  const char* op() const { return config_.op; }
  // True when every operand is contiguous and dense over the whole iteration (1 coalesced dim
  // with element strides): kernels may then treat operands as flat arrays.
  bool is_contiguous() const;
  // Element of input i when that input is a broadcast scalar (stride 0 everywhere).
  bool is_scalar_input(int i) const;
  // That element's address (is_scalar_input(i), numel() > 0): its operand's data pointer, as
  // every step of a loop over the iteration sees it.
  const void* scalar_input_data(int i) const { return operands_[i + 1].data_ptr(); }

  // Runs loop over every element; above kGrainSize elements the range is split across threads
  // (each chunk gets its own 2-D sub-ranges), so loops must not depend on visiting order.
  // grain: elements per chunk below which the loop stays on one thread (Parallel.h).
  void for_each(Loop2d loop, int64_t grain = kGrainSize) const;
  // Runs loop over the elements with linear iteration index in [begin, end).
  void serial_for_each(Loop2d loop, int64_t begin, int64_t end) const;
  // Writes a temporary result back into the caller's out= tensor when dtypes differed; returns
  // the tensor the caller should see.
  Tensor finish();

 private:
  void compute_shape(TensorList inputs, const Tensor& out);
  void compute_dtypes(TensorList inputs, const Tensor& out);
  void allocate_or_resize_output(const Tensor& out);
  void compute_strides_and_coalesce();
  // True when an operand is transposed relative to the iteration order (cache-blocked walk).
  bool needs_blocking() const;
  void blocked_for_each(Loop2d loop, int64_t grain) const;

  IterConfig config_;
  int ntensors_ = 0;
  OperandArray<Tensor, kInlineOperands> operands_;  // [0] is the output (possibly a temporary)
  Tensor user_out_;                // the caller's out= when operands_[0] is a temporary
  OperandArray<ScalarType, kInlineOperands> original_dtypes_;
  ScalarType common_dtype_ = ScalarType::Undefined;
  Device device_;
  DimVector shape_;                // broadcast shape, in the user's dim order
  DimVector perm_;                 // iteration order: perm_[0] is the fastest-moving dim
  DimVector iter_shape_;           // after reordering and coalescing
  SmallVector<int64_t, 16> iter_strides_;  // [dim * ntensors + operand], bytes
  int64_t numel_ = 0;
};

// Shape broadcasting with PyTorch's message on mismatch.
DimVector broadcast_shapes(IntArrayRef a, IntArrayRef b, const char* op);
// The dtype PyTorch's result_type gives for these operands (dim>0 tensors, then 0-d tensors,
// then wrapped Python numbers).
ScalarType result_type(std::initializer_list<Tensor> tensors);
ScalarType result_type(TensorList tensors);
// result_type({t, the Python number s}) without making s a tensor.
ScalarType result_type(const Tensor& t, const Scalar& s);

}  // namespace tg

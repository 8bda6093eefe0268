#pragma once
// Scan: the shared front half of every cumulative op along one dim (kind: scan; cumsum,
// cumprod). It wraps dim, picks the result dtype (cumsum/cumprod: integers and bool -> int64
// like sum; dtype= overrides), makes the input contiguous in that dtype and allocates the
// contiguous outputs. The kernel then walks `lines()` lines of `length()` elements: the input
// and outputs seen as [outer, length, inner] around dim, line l = (l / inner, l % inner), its
// elements `inner` apart (1: contiguous lines, dim last; more: strided lines).
// The generated in-place (cumsum_) and out= variants compute the functional result and write it
// back with the usual casting and resizing rules.
#include <optional>

#include "aten/core/Tensor.h"
#include "aten/dispatch/DtypeDispatch.h"

namespace tg {

enum class ScanPromotion : uint8_t {
  Sum,   // integers and bool accumulate (and return) in int64; dtype= overrides
  Keep,  // result dtype = input dtype (cummax/cummin values)
};

struct ScanConfig {
  const char* op;
  ScanPromotion promotion;
  DtypeSet dtypes;
  int noutputs;  // 2 for (values, indices); the second output is always int64
};

class Scan {
 public:
  Scan(const ScanConfig& config, const Tensor& self, int64_t dim, std::optional<ScalarType> dtype);

  const char* op() const { return config_.op; }
  Device device() const { return input_.device(); }
  ScalarType compute_dtype() const { return input_.dtype(); }
  const Tensor& input() const { return input_; }              // contiguous, compute dtype
  const Tensor& output(int i) const { return outputs_[i]; }   // contiguous, self's shape
  int64_t dim() const { return dim_; }                          // wrapped (0 for a 0-d self)
  int64_t outer() const { return outer_; }
  int64_t length() const { return length_; }                    // elements per line
  int64_t inner() const { return inner_; }                      // distance between a line's elements
  int64_t lines() const { return outer_ * inner_; }
  bool empty() const { return lines() == 0 || length_ == 0; }
  // Offset of line l's first element (the same in the input and every output).
  int64_t line_offset(int64_t l) const { return l / inner_ * length_ * inner_ + l % inner_; }

 private:
  ScanConfig config_;
  Tensor input_;
  Tensor outputs_[2];
  int64_t dim_ = 0, outer_ = 1, length_ = 1, inner_ = 1;
};

// out= of a (values, indices) scan: indices are int64, and another dtype is an error (not a
// cast), like PyTorch.
void check_indices_out(const char* op, const Tensor& indices);

}  // namespace tg

// Composite ops: written with other tensorgen ops, so they work on every device (and, once
// autograd lands, get their gradients from the ops they call).
#include <algorithm>
#include <atomic>
#include <cmath>

#include "aten/core/GradMode.h"
#include "aten/dispatch/CpuCapability.h"
#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/Copy.h"
#include "aten/native/cpu/ClampKernel.h"
#include "aten/native/ViewUtils.h"
#include "aten/parallel/Parallel.h"
#include "kernels/allclose.h"
#include "kernels/clamp.h"
#include "kernels/clone.h"
#include "kernels/contiguous.h"
#include "kernels/copy_.h"
#include "kernels/div.h"
#include "kernels/equal.h"
#include "kernels/expand_as.h"
#include "kernels/flatten.h"
#include "kernels/matmul.h"
#include "kernels/narrow.h"
#include "kernels/reshape.h"
#include "kernels/t.h"
#include "kernels/to.h"
#include "kernels/zero_.h"
#include "ops/_div_rounding.h"
#include "ops/abs.h"
#include "ops/add.h"
#include "ops/all.h"
#include "ops/bmm.h"
#include "ops/clamp_max.h"
#include "ops/clamp_min.h"
#include "ops/contiguous.h"
#include "ops/empty.h"
#include "ops/eq.h"
#include "ops/expand.h"
#include "ops/fill_.h"
#include "ops/hardtanh.h"
#include "ops/le.h"
#include "ops/logical_and.h"
#include "ops/logical_or.h"
#include "ops/mm.h"
#include "ops/mul.h"
#include "ops/ne.h"
#include "ops/slice.h"
#include "ops/squeeze.h"
#include "ops/sub.h"
#include "ops/transpose.h"
#include "ops/true_divide.h"
#include "ops/unsqueeze.h"
#include "ops/view.h"

namespace tg::native {

Tensor div(const Tensor& self, const Tensor& other, std::optional<std::string_view> rounding_mode) {
  if (!rounding_mode) return tg::true_divide(self, other);
  return tg::_div_rounding(self, other, *rounding_mode);
}

Tensor clamp(const Tensor& self, const std::optional<Tensor>& min, const std::optional<Tensor>& max) {
  TG_CHECK(min || max, "[clamp] at least one of 'min' or 'max' must not be None");
  // Two Python-number bounds on a float32 / float64 tensor, no graph to record: hardtanh's kernel
  // is clamp with Scalar bounds (the same rules: x wins a tie, a NaN bound makes NaN, min > max
  // gives max; a bound becomes the tensor's type by the same cast), one unary pass without first
  // making the two bounds float tensors (two allocations: ~25 % of a 1-element clamp).
  // (an int bound within 2^53: hardtanh casts it through double, exact up to there)
  auto python_number = [](const std::optional<Tensor>& b) {
    if (!b || !b->impl()->is_wrapped_number || b->device().is_cuda()) return false;
    if (is_floating(b->dtype())) return true;
    return is_integral(b->dtype(), false) && std::abs(item(*b).to_int()) <= (int64_t(1) << 53);
  };
  if (python_number(min) && python_number(max) && self.device().is_cpu() &&
      (self.dtype() == ScalarType::Float32 || self.dtype() == ScalarType::Float64) &&
      !(GradMode::is_enabled() && self.requires_grad())) {
    return tg::hardtanh(self, item(*min), item(*max));
  }
  // Both bounds on the CPU and no graph to record: one pass (ClampKernel.h) instead of two, with
  // the same values (the kernel computes minimum(maximum(x, min), max) like the ops below).
  if (min && max && self.device().is_cpu() && min->device().is_cpu() && max->device().is_cpu() &&
      !(GradMode::is_enabled() && any_requires_grad({self, *min, *max}))) {
    TensorIterator iter(IterConfig{"clamp", Promotion::Default, false}, Tensor(), {self, *min, *max});
    TG_CPU_KERNEL(clamp_kernel)(iter);
    return iter.finish();
  }
  // clamp_min / clamp_max rather than maximum / minimum: the same values, PyTorch's tie rule for
  // Python-number bounds, and PyTorch's clamp gradient (self gets it where min <= self <= max).
  Tensor r = self;
  if (min) r = tg::clamp_min(r, *min);
  if (max) r = tg::clamp_max(r, *max);
  return r;
}

Tensor& zero_(Tensor& self) { return tg::fill_(self, Scalar(int64_t(0))); }

Tensor& copy_(Tensor& self, const Tensor& src, bool /*non_blocking*/) {
  copy_into(self, src, "copy_");
  return self;
}

Tensor clone(const Tensor& self) {
  Tensor out = empty_like_layout(self, self.dtype(), self.device());
  copy_into(out, self, "clone");
  return out;
}

Tensor contiguous(const Tensor& self) {
  if (self.is_contiguous()) return self;
  Tensor out = empty_tensor(self.sizes(), self.dtype(), self.device(), "contiguous");
  copy_into(out, self, "contiguous");
  return out;
}

Tensor to_dtype(const Tensor& self, ScalarType dtype, bool /*non_blocking*/, bool copy) {
  if (dtype == self.dtype() && !copy) return self;
  Tensor out = empty_like_layout(self, dtype, self.device());
  copy_into(out, self, "to");
  return out;
}

// reshape and t are composites: they go through the dispatched view ops (tg::view, tg::transpose)
// and tg::contiguous, so autograd records them; raw make_view here would drop the gradient.
Tensor reshape(const Tensor& self, IntArrayRef shape) {
  DimVector sizes = infer_size(shape, self.numel(), "reshape");
  if (view_strides(self.sizes(), self.strides(), sizes)) return tg::view(self, sizes);
  return tg::view(tg::contiguous(self), sizes);
}

Tensor flatten(const Tensor& self, int64_t start_dim, int64_t end_dim) {
  int64_t n = self.dim();
  int64_t s = wrap_dim(start_dim, n, "flatten"), e = wrap_dim(end_dim, n, "flatten");
  TG_CHECK(s <= e, "[flatten] flatten() has invalid args: start_dim cannot come after end_dim");
  if (n == 0) return reshape(self, {1});
  DimVector shape;
  for (int64_t d = 0; d < s; ++d) shape.push_back(self.size(d));
  int64_t mid = 1;
  for (int64_t d = s; d <= e; ++d) mid *= self.size(d);
  shape.push_back(mid);
  for (int64_t d = e + 1; d < n; ++d) shape.push_back(self.size(d));
  return reshape(self, shape);
}

Tensor t(const Tensor& self) {
  TG_CHECK(self.dim() <= 2, "[t] t() expects a tensor with <= 2 dimensions, but self is ", self.dim(), "D");
  return tg::transpose(self, 0, self.dim() < 2 ? 0 : 1);
}

Tensor expand_as(const Tensor& self, const Tensor& other) { return tg::expand(self, other.sizes()); }

Tensor narrow(const Tensor& self, int64_t dim, int64_t start, int64_t length) {
  TG_CHECK(self.dim() > 0, "[narrow] narrow() cannot be applied to a 0-dim tensor.");
  int64_t d = wrap_dim(dim, self.dim(), "narrow");
  int64_t size = self.size(d);
  TG_CHECK_INDEX(start >= -size && start <= size, "[narrow] start out of range (expected to be in range of [",
                 -size, ", ", size, "], but got ", start, ")");
  if (start < 0) start += size;
  TG_CHECK(length >= 0 && length <= size - start, "[narrow] start (", start, ") + length (", length,
           ") exceeds dimension size (", size, ").");
  return tg::slice(self, d, start, start + length, 1);
}

Tensor matmul(const Tensor& self, const Tensor& other) {
  int64_t d1 = self.dim(), d2 = other.dim();
  TG_CHECK(d1 > 0 && d2 > 0, "[matmul] both arguments to matmul need to be at least 1D, but they are ", d1, "D and ",
           d2, "D");
  if (d1 == 1 && d2 == 1) {
    TG_CHECK(self.size(0) == other.size(0), "[matmul] inconsistent tensor size, expected tensor [", self.size(0),
             "] and src [", other.size(0), "] to have the same number of elements, but got ", self.size(0), " and ",
             other.size(0), " elements respectively");
    return tg::view(tg::mm(tg::unsqueeze(self, 0), tg::unsqueeze(other, 1)), IntArrayRef{});
  }
  if (d1 == 2 && d2 == 1) return tg::squeeze(tg::mm(self, tg::unsqueeze(other, 1)), IntArrayRef{1});
  if (d1 == 1 && d2 == 2) return tg::squeeze(tg::mm(tg::unsqueeze(self, 0), other), IntArrayRef{0});
  if (d1 == 2 && d2 == 2) return tg::mm(self, other);
  if (d1 >= 3 && d2 <= 2) {
    // (..., n, m) @ (m, p) or (m): one mm over the folded batch rows, like PyTorch (a linear layer
    // is one large GEMM rather than many small ones packing the same weight).
    int64_t rows = 1;
    for (int64_t d = 0; d < d1 - 1; ++d) rows *= self.size(d);
    TG_CHECK(self.size(-1) == other.size(0), "[matmul] mat1 and mat2 shapes cannot be multiplied (", rows, "x",
             self.size(-1), " and ", other.size(0), "x", d2 == 2 ? other.size(1) : 1, ")");
    DimVector out_shape(IntArrayRef(self.sizes().data(), size_t(d1 - 1)));
    if (d2 == 2) out_shape.push_back(other.size(1));
    Tensor r = tg::mm(reshape(self, {rows, self.size(-1)}), d2 == 2 ? other : tg::unsqueeze(other, 1));
    return reshape(r, out_shape);
  }
  // Batched: broadcast the batch dims, fold them into one, bmm, unfold.
  Tensor a = d1 == 1 ? tg::unsqueeze(self, 0) : self;
  Tensor b = d2 == 1 ? tg::unsqueeze(other, 1) : other;
  int64_t n = a.size(-2), m = a.size(-1), m2 = b.size(-2), p = b.size(-1);
  TG_CHECK(m == m2, "[matmul] mat1 and mat2 shapes cannot be multiplied (", n, "x", m, " and ", m2, "x", p, ")");
  DimVector batch;
  {
    IntArrayRef ba(a.sizes().data(), a.dim() - 2), bb(b.sizes().data(), b.dim() - 2);
    size_t nb = std::max(ba.size(), bb.size());
    for (size_t i = 0; i < nb; ++i) {
      int64_t x = i < nb - ba.size() ? 1 : ba[i - (nb - ba.size())];
      int64_t y = i < nb - bb.size() ? 1 : bb[i - (nb - bb.size())];
      TG_CHECK(x == y || x == 1 || y == 1, "[matmul] batch shapes ", ba, " and ", bb, " cannot be broadcast");
      batch.push_back(x == 1 ? y : x);
    }
  }
  int64_t nbatch = 1;
  for (auto s : batch) nbatch *= s;
  DimVector ea(batch), eb(batch);
  ea.push_back(n); ea.push_back(m);
  eb.push_back(m2); eb.push_back(p);
  Tensor a3 = reshape(tg::expand(a, ea), {nbatch, n, m});
  Tensor b3 = reshape(tg::expand(b, eb), {nbatch, m2, p});
  Tensor r = tg::bmm(a3, b3);
  DimVector out_shape(batch);
  if (d1 > 1) out_shape.push_back(n);
  if (d2 > 1) out_shape.push_back(p);
  return reshape(r, out_shape);
}

namespace {
// Whether pred(i) holds for every i < n: fixed blocks whose loop has no early exit (so it
// vectorizes), split across threads; the first block with a false ends the search.
template <typename Pred>
bool all_of_blocks(int64_t n, const Pred& pred) {
  constexpr int64_t kBlock = 1024;
  std::atomic<bool> all{true};
  parallel_for(0, (n + kBlock - 1) / kBlock, 64, [&](int64_t first, int64_t last) {
    for (int64_t blk = first; blk < last && all.load(std::memory_order_relaxed); ++blk) {
      const int64_t begin = blk * kBlock, end = std::min(n, begin + kBlock);
      bool ok = true;
      for (int64_t i = begin; i < end; ++i) ok &= pred(i);
      if (!ok) all.store(false, std::memory_order_relaxed);
    }
  });
  return all.load();
}

bool same_shape_contiguous_cpu(const Tensor& a, const Tensor& b) {
  return a.sizes().equals(b.sizes()) && a.device().is_cpu() && b.device().is_cpu() && a.is_contiguous() &&
         b.is_contiguous();
}
}  // namespace

bool allclose(const Tensor& self, const Tensor& other, double rtol, double atol, bool equal_nan) {
  TG_CHECK(self.dtype() == other.dtype(), "[allclose] ", self.dtype(), " did not match ", other.dtype());
  if (self.dtype() == ScalarType::Float16 || self.dtype() == ScalarType::BFloat16)  // exact, and vectorized
    return allclose(to_dtype(self, ScalarType::Float32), to_dtype(other, ScalarType::Float32), rtol, atol, equal_nan);
  if (same_shape_contiguous_cpu(self, other) && self.dtype() != ScalarType::Bool) {
    // One pass in double, the arithmetic of the general path below (4M float32 took 16 ms through
    // two float64 copies and eight whole-tensor ops).
    bool result = true;
    dispatch_all(self.dtype(), "allclose", [&]<typename T>() {
      if constexpr (!std::is_same_v<T, bool> && std::is_convertible_v<T, double>) {
        const T* x = self.data<const T>();
        const T* y = other.data<const T>();
        result = all_of_blocks(self.numel(), [&](int64_t i) {
          const double a = double(opmath_t<T>(x[i])), b = double(opmath_t<T>(y[i]));
          return (std::abs(a - b) <= atol + std::abs(b) * rtol) | (a == b) | (equal_nan & (a != a) & (b != b));
        });
      }
    });
    return result;
  }
  Tensor a = to_dtype(self, ScalarType::Float64), b = to_dtype(other, ScalarType::Float64);
  // |a - b| <= atol + rtol * |b| (or equal: inf == inf), like PyTorch.
  Tensor close = ((a - b).abs() <= atol + b.abs() * rtol).logical_or(a == b);
  if (equal_nan) close = close.logical_or((a != a).logical_and(b != b));
  return item(close.all()).to_bool();
}

// a == b element by element (== semantics, not bytes: NaN != NaN and -0.0 == 0.0, as PyTorch's
// equal).
bool equal(const Tensor& self, const Tensor& other) {
  if (!self.sizes().equals(other.sizes())) return false;
  if (self.dtype() == other.dtype() && same_shape_contiguous_cpu(self, other)) {
    bool result = true;
    dispatch_all(self.dtype(), "equal", [&]<typename T>() {
      const T* a = self.data<const T>();
      const T* b = other.data<const T>();
      result = all_of_blocks(self.numel(), [&](int64_t i) { return static_cast<bool>(a[i] == b[i]); });
    });
    return result;
  }
  return item((self == other).all()).to_bool();
}

}  // namespace tg::native

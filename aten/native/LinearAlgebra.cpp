// Linear algebra (issue 9, part B): the meta functions of the BLAS-like ops with their own kernels
// (dot, mv, addmm, baddbmm, addmv: kernels in cpu/LinearAlgebraKernel.cpp and cuda/Blas.cu) and
// the composites written from other ops (outer, kron, tensordot, einsum, cross, linalg_cross),
// which get their gradients from the ops they call. The in-place forms (addmm_, ...) are generated
// from the metas.
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "aten/core/GradMode.h"
#include "aten/dispatch/DtypeDispatch.h"
#include "aten/iter/TensorIterator.h"
#include "aten/native/ViewUtils.h"
#include "kernels/addmm.h"
#include "kernels/addmv.h"
#include "kernels/baddbmm.h"
#include "kernels/cross.h"
#include "kernels/dot.h"
#include "kernels/einsum.h"
#include "kernels/kron.h"
#include "kernels/linalg_cross.h"
#include "kernels/mv.h"
#include "kernels/outer.h"
#include "kernels/tensordot.h"
#include "ops/addmm.h"
#include "ops/addmv.h"
#include "ops/baddbmm.h"
#include "ops/as_strided.h"
#include "ops/bmm.h"
#include "ops/expand.h"
#include "ops/linalg_cross.h"
#include "ops/mm.h"
#include "ops/mul.h"
#include "ops/narrow.h"
#include "ops/permute.h"
#include "ops/reshape.h"
#include "ops/squeeze.h"
#include "ops/sub.h"
#include "ops/sum.h"
#include "ops/transpose.h"
#include "ops/unsqueeze.h"

namespace tg::meta {

namespace {
void check_same_device(const char* op, std::initializer_list<const Tensor*> ts) {
  const Device d = (*ts.begin())->device();
  for (const Tensor* t : ts)
    TG_CHECK(t->device() == d, "[", op, "] expected all tensors to be on the same device, but found ", d, " and ",
             t->device());
}

// PyTorch's rule for addmm & co.: self, and both factors, have one dtype (no promotion).
void check_same_dtype(const char* op, const Tensor& self, const Tensor& a, const Tensor& b, const char* names) {
  TG_CHECK(self.dtype() == a.dtype() && a.dtype() == b.dtype(), "[", op, "] expected ", names,
           " to have the same dtype, but got: ", self.dtype(), ", ", a.dtype(), " and ", b.dtype());
}

// self must broadcast to `target` (right-aligned, each size equal or 1) without growing it.
void check_expandable(const char* op, const Tensor& self, IntArrayRef target) {
  bool ok = self.dim() <= int64_t(target.size());
  for (int64_t i = 1; ok && i <= self.dim(); ++i) {
    const int64_t s = self.size(-i), t = target[target.size() - size_t(i)];
    ok = s == t || s == 1;
  }
  TG_CHECK(ok, "[", op, "] self of shape ", self.sizes(), " can't be broadcast to the result's shape ", target);
}

// Integer tensors take integer beta/alpha only (PyTorch: "For integral input tensors, argument
// beta must not be a floating point number").
void check_scalars(const char* op, ScalarType dt, const Scalar& beta, const Scalar& alpha) {
  if (is_floating(dt)) return;
  TG_CHECK(!beta.is_floating_point(), "[", op, "] for integral input tensors, argument beta must not be a "
           "floating point number, but got ", beta);
  TG_CHECK(!alpha.is_floating_point(), "[", op, "] for integral input tensors, argument alpha must not be a "
           "floating point number, but got ", alpha);
}
}  // namespace

TensorMeta dot(const Tensor& self, const Tensor& tensor) {
  TG_CHECK(self.dim() == 1 && tensor.dim() == 1, "[dot] 1D tensors expected, but got ", self.dim(), "D and ",
           tensor.dim(), "D tensors");
  TG_CHECK(self.dtype() == tensor.dtype(), "[dot] expected both vectors to have same dtype, but found ",
           self.dtype(), " and ", tensor.dtype());
  check_same_device("dot", {&self, &tensor});
  TG_CHECK(self.size(0) == tensor.size(0), "[dot] inconsistent tensor size, expected tensor [", self.size(0),
           "] and src [", tensor.size(0), "] to have the same number of elements, but got ", self.size(0),
           " and ", tensor.size(0), " elements respectively");
  return TensorMeta{DimVector{}, self.dtype(), self.device()};
}

TensorMeta mv(const Tensor& self, const Tensor& vec) {
  TG_CHECK(self.dim() == 2 && vec.dim() == 1, "[mv] expected a 2D matrix and a 1D vector, but got ", self.dim(),
           "D and ", vec.dim(), "D tensors");
  TG_CHECK(self.dtype() == vec.dtype(), "[mv] expected self and vec to have the same dtype, but got: ",
           self.dtype(), " != ", vec.dtype());
  check_same_device("mv", {&self, &vec});
  TG_CHECK(self.size(1) == vec.size(0), "[mv] size mismatch, got mat (", self.size(0), "x", self.size(1),
           ") and vec (", vec.size(0), ")");
  return TensorMeta{DimVector{self.size(0)}, self.dtype(), self.device()};
}

TensorMeta addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta, const Scalar& alpha) {
  TG_CHECK(mat1.dim() == 2, "[addmm] mat1 must be a matrix, got ", mat1.dim(), "-D tensor");
  TG_CHECK(mat2.dim() == 2, "[addmm] mat2 must be a matrix, got ", mat2.dim(), "-D tensor");
  check_same_dtype("addmm", self, mat1, mat2, "self, mat1 and mat2");
  check_same_device("addmm", {&self, &mat1, &mat2});
  TG_CHECK(mat1.size(1) == mat2.size(0), "[addmm] mat1 and mat2 shapes cannot be multiplied (", mat1.size(0), "x",
           mat1.size(1), " and ", mat2.size(0), "x", mat2.size(1), ")");
  DimVector shape{mat1.size(0), mat2.size(1)};
  check_expandable("addmm", self, shape);
  check_scalars("addmm", self.dtype(), beta, alpha);
  return TensorMeta{shape, self.dtype(), self.device()};
}

TensorMeta baddbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
                   const Scalar& alpha) {
  TG_CHECK(batch1.dim() == 3, "[baddbmm] batch1 must be a 3D tensor, got ", batch1.dim(), "D");
  TG_CHECK(batch2.dim() == 3, "[baddbmm] batch2 must be a 3D tensor, got ", batch2.dim(), "D");
  check_same_dtype("baddbmm", self, batch1, batch2, "self, batch1 and batch2");
  check_same_device("baddbmm", {&self, &batch1, &batch2});
  TG_CHECK(batch1.size(0) == batch2.size(0), "[baddbmm] batch1 and batch2 must have same number of batches, got ",
           batch1.size(0), " and ", batch2.size(0));
  TG_CHECK(batch1.size(2) == batch2.size(1), "[baddbmm] incompatible matrix sizes for bmm (", batch1.size(1), "x",
           batch1.size(2), " and ", batch2.size(1), "x", batch2.size(2), ")");
  DimVector shape{batch1.size(0), batch1.size(1), batch2.size(2)};
  check_expandable("baddbmm", self, shape);
  check_scalars("baddbmm", self.dtype(), beta, alpha);
  return TensorMeta{shape, self.dtype(), self.device()};
}

TensorMeta addmv(const Tensor& self, const Tensor& mat, const Tensor& vec, const Scalar& beta, const Scalar& alpha) {
  TG_CHECK(mat.dim() == 2 && vec.dim() == 1, "[addmv] expected a 2D matrix and a 1D vector, but got ", mat.dim(),
           "D and ", vec.dim(), "D tensors");
  check_same_dtype("addmv", self, mat, vec, "self, mat and vec");
  check_same_device("addmv", {&self, &mat, &vec});
  TG_CHECK(mat.size(1) == vec.size(0), "[addmv] size mismatch, got mat (", mat.size(0), "x", mat.size(1),
           ") and vec (", vec.size(0), ")");
  DimVector shape{mat.size(0)};
  check_expandable("addmv", self, shape);
  check_scalars("addmv", self.dtype(), beta, alpha);
  return TensorMeta{shape, self.dtype(), self.device()};
}

// The cross product along dim: the inputs broadcast against each other (dim included, which must
// be 3 in both) and promote.
TensorMeta linalg_cross(const Tensor& self, const Tensor& other, int64_t dim) {
  TG_CHECK(self.dim() == other.dim(), "[linalg.cross] inputs must have the same number of dimensions, but got ",
           self.dim(), " and ", other.dim());
  TG_CHECK_NOT_IMPLEMENTED(self.dtype() != ScalarType::Bool && other.dtype() != ScalarType::Bool,
                           "[linalg.cross] not implemented for 'bool'");
  check_same_device("linalg.cross", {&self, &other});
  const int64_t d = wrap_dim(dim, self.dim(), "linalg.cross");
  TG_CHECK(self.size(d) == 3 && other.size(d) == 3, "[linalg.cross] inputs dimension ", dim,
           " must have length 3, but got ", self.size(d), " and ", other.size(d));
  return TensorMeta{broadcast_shapes(self.sizes(), other.sizes(), "linalg.cross"),
                    promote_types(self.dtype(), other.dtype()), self.device()};
}

}  // namespace tg::meta

namespace tg::native {

namespace {
void check_not_bool(const char* op, const Tensor& t) {
  TG_CHECK_NOT_IMPLEMENTED(t.dtype() != ScalarType::Bool, "[", op, "] not implemented for '", t.dtype(), "'");
}

void extend(DimVector& v, IntArrayRef w) {
  for (int64_t x : w) v.push_back(x);
}

DimVector inverse_permutation(IntArrayRef perm) {
  DimVector inv(perm.size(), 0);
  for (size_t i = 0; i < perm.size(); ++i) inv[size_t(perm[i])] = int64_t(i);
  return inv;
}
}  // namespace

Tensor outer(const Tensor& self, const Tensor& vec2) {
  TG_CHECK(self.dim() == 1, "[outer] expected 1-D argument self, but got ", self.dim(), "-D");
  TG_CHECK(vec2.dim() == 1, "[outer] expected 1-D argument vec2, but got ", vec2.dim(), "-D");
  return self.unsqueeze(1) * vec2.unsqueeze(0);
}

// kron(a, b)[i0*b0 + j0, i1*b1 + j1, ...] = a[i0, i1, ...] * b[j0, j1, ...]: both padded to one
// rank, a viewed as (a0, 1, a1, 1, ...) and b as (1, b0, 1, b1, ...), multiplied (broadcast) and
// the interleaved pairs merged.
Tensor kron(const Tensor& self, const Tensor& other) {
  const int64_t nd = std::max(self.dim(), other.dim());
  DimVector ashape, bshape, rshape;
  for (int64_t i = 0; i < nd; ++i) {
    const int64_t ai = i < nd - self.dim() ? 1 : self.size(i - (nd - self.dim()));
    const int64_t bi = i < nd - other.dim() ? 1 : other.size(i - (nd - other.dim()));
    extend(ashape, {ai, 1});
    extend(bshape, {1, bi});
    rshape.push_back(ai * bi);
  }
  // Without a gradient to record, the reshapes are views taken directly where the layout allows
  // (always for the product), not three more calls through the dispatcher: a 1-element kron
  // 0.52-0.57x PyTorch's time -> ~0.45x.
  const bool records = GradMode::is_enabled() && (self.requires_grad() || other.requires_grad());
  auto shaped = [&](const Tensor& t, IntArrayRef shape) {
    if (!records) {
      if (auto strides = view_strides(t.sizes(), t.strides(), shape)) return make_view(t, shape, *strides, t.storage_offset());
    }
    return t.reshape(shape);
  };
  return shaped(tg::mul(shaped(self, ashape), shaped(other, bshape)), rshape);
}

Tensor tensordot(const Tensor& self, const Tensor& other, IntArrayRef dims_self, IntArrayRef dims_other) {
  TG_CHECK(dims_self.size() == dims_other.size(), "[tensordot] both dimension lists should have same length, but "
           "got ", dims_self.size(), " and ", dims_other.size());
  TG_CHECK(self.dtype() == other.dtype(), "[tensordot] expected both tensors to have the same dtype, but got ",
           self.dtype(), " and ", other.dtype());
  check_not_bool("tensordot", self);
  Tensor a = self, b = other;
  std::vector<bool> contracted_a(size_t(a.dim()), false), contracted_b(size_t(b.dim()), false);
  DimVector da, db;
  int64_t k = 1;
  for (size_t i = 0; i < dims_self.size(); ++i) {
    const int64_t x = wrap_dim(dims_self[i], a.dim(), "tensordot");
    const int64_t y = wrap_dim(dims_other[i], b.dim(), "tensordot");
    TG_CHECK(!contracted_a[size_t(x)], "[tensordot] dim ", x, " appears multiple times in dims_self");
    TG_CHECK(!contracted_b[size_t(y)], "[tensordot] dim ", y, " appears multiple times in dims_other");
    contracted_a[size_t(x)] = contracted_b[size_t(y)] = true;
    const int64_t sa = a.size(x), sb = b.size(y);
    // Like PyTorch, a contracted dim of size 1 broadcasts: the other side is summed over it.
    TG_CHECK(sa == sb || sa == 1 || sb == 1, "[tensordot] contracted dimensions need to match, but first has size ",
             sa, " in dim ", x, " and second has size ", sb, " in dim ", y);
    if (sa != sb && sb == 1) a = tg::sum(a, IntArrayRef{x}, true, a.dtype());
    if (sa != sb && sa == 1) b = tg::sum(b, IntArrayRef{y}, true, b.dtype());
    da.push_back(x);
    db.push_back(y);
    k *= a.size(x);
  }
  DimVector perm_a, perm_b = db, out_shape;
  int64_t p = 1, q = 1;
  for (int64_t d = 0; d < a.dim(); ++d)
    if (!contracted_a[size_t(d)]) {
      perm_a.push_back(d);
      out_shape.push_back(a.size(d));
      p *= a.size(d);
    }
  extend(perm_a, da);
  for (int64_t d = 0; d < b.dim(); ++d)
    if (!contracted_b[size_t(d)]) {
      perm_b.push_back(d);
      out_shape.push_back(b.size(d));
      q *= b.size(d);
    }
  Tensor r = tg::mm(tg::reshape(tg::permute(a, perm_a), {p, k}), tg::reshape(tg::permute(b, perm_b), {k, q}));
  return tg::reshape(r, out_shape);
}

// ---------------------------------------------------------------- einsum
//
// Every operand is brought to one global dim layout: the output's dims first (in output order,
// '...' expanded in place), then the contracted ones. A label repeated within an operand becomes
// its diagonal (as_strided with the strides added), a label an operand lacks a size-1 dim. Then
// the operands are contracted pairwise left to right with bmm (PyTorch's sumproduct_pair): a
// label no later operand uses is summed in the product that sees it last, and whatever contracted
// dims remain are summed at the end.
namespace {
constexpr int kNumLabels = 52;
constexpr int kEllipsis = -1;

int label_index(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return 26 + (c - 'a');
  return -2;
}
char label_char(int i) { return i < 26 ? char('A' + i) : char('a' + (i - 26)); }

// One term ("ij", "...k") as label indices with kEllipsis for '...'; `offset` is where the term
// starts in the equation (error messages give positions in the whole string).
std::vector<int> parse_term(std::string_view eq, size_t begin, size_t end, const std::string& what) {
  std::vector<int> labels;
  bool ellipsis = false;
  for (size_t i = begin; i < end; ++i) {
    const char c = eq[i];
    if (c == ' ') continue;
    if (c == '.') {
      TG_CHECK(i + 2 < end && eq[i + 1] == '.' && eq[i + 2] == '.', "[einsum] found '.' for ", what,
               " that is not part of any ellipsis ('...') at index ", i, " in the equation");
      TG_CHECK(!ellipsis, "[einsum] found more than one ellipsis ('...') for ", what);
      ellipsis = true;
      labels.push_back(kEllipsis);
      i += 2;
      continue;
    }
    const int l = label_index(c);
    // A non-ASCII byte is named by its code: printing it alone would not be valid UTF-8.
    const std::string shown = c > ' ' && c <= '~' ? std::string("'") + c + "'" : "byte " + std::to_string(uint8_t(c));
    TG_CHECK(l >= 0, "[einsum] invalid subscript ", shown, " given at index ", i,
             " in the equation string, subscripts must be in [a-zA-Z]");
    labels.push_back(l);
  }
  return labels;
}

// left (*) right summed over the dims in `sum`, all operands in the global layout (equal sizes
// or 1 in every dim). Dims where both have a size other than 1 are batch dims of a bmm (or
// its K when summed); dims only one side has go into that side's rows or columns.
Tensor sumproduct_pair(Tensor left, Tensor right, const std::vector<bool>& sum) {
  const int64_t g = left.dim();
  DimVector batch, lo, ro, both_sum, rest;
  int64_t nb = 1, nlo = 1, nro = 1, nk = 1;
  for (int64_t d = 0; d < g; ++d) {
    const bool l = left.size(d) != 1, r = right.size(d) != 1;
    if (sum[size_t(d)]) {
      if (l && r) {
        both_sum.push_back(d);
        nk *= left.size(d);
      } else if (l) {
        left = tg::sum(left, IntArrayRef{d}, true, left.dtype());
      } else if (r) {
        right = tg::sum(right, IntArrayRef{d}, true, right.dtype());
      }
      rest.push_back(d);
    } else if (l && r) {
      batch.push_back(d);
      nb *= left.size(d);
    } else if (l) {
      lo.push_back(d);
      nlo *= left.size(d);
    } else if (r) {
      ro.push_back(d);
      nro *= right.size(d);
    } else {
      rest.push_back(d);
    }
  }
  DimVector lperm = batch, rperm = batch;
  extend(lperm, lo);
  extend(lperm, both_sum);
  extend(rperm, both_sum);
  extend(rperm, ro);
  // The dims a side doesn't use (size 1) go last, so the reshape folds only the dims that count.
  for (int64_t d = 0; d < g; ++d) {
    if (std::find(lperm.begin(), lperm.end(), d) == lperm.end()) lperm.push_back(d);
    if (std::find(rperm.begin(), rperm.end(), d) == rperm.end()) rperm.push_back(d);
  }
  Tensor l3 = tg::reshape(tg::permute(left, lperm), {nb, nlo, nk});
  Tensor r3 = tg::reshape(tg::permute(right, rperm), {nb, nk, nro});
  Tensor prod = tg::bmm(l3, r3);
  // prod is (batch..., lo..., ro...) folded; unfold it, put back the size-1 dims, un-permute.
  DimVector order = batch, out_sizes;
  extend(order, lo);
  extend(order, ro);
  for (int64_t d : batch) out_sizes.push_back(left.size(d));
  for (int64_t d : lo) out_sizes.push_back(left.size(d));
  for (int64_t d : ro) out_sizes.push_back(right.size(d));
  extend(order, rest);
  for (size_t i = out_sizes.size(); i < order.size(); ++i) out_sizes.push_back(1);
  return tg::permute(tg::reshape(prod, out_sizes), inverse_permutation(order));
}
}  // namespace

Tensor einsum(std::string_view equation, TensorList tensors) {
  TG_CHECK(!tensors.empty(), "[einsum] must provide at least one operand");
  for (size_t i = 1; i < tensors.size(); ++i) {
    TG_CHECK(tensors[i].dtype() == tensors[0].dtype(), "[einsum] expected all operands to have the same dtype, "
             "but operand 0 is ", tensors[0].dtype(), " and operand ", i, " is ", tensors[i].dtype());
    TG_CHECK(tensors[i].device() == tensors[0].device(), "[einsum] expected all operands to be on the same "
             "device, but operand 0 is on ", tensors[0].device(), " and operand ", i, " on ", tensors[i].device());
  }
  check_not_bool("einsum", tensors[0]);

  // ---- parse
  const size_t arrow = equation.find("->");
  const size_t lhs_end = arrow == std::string_view::npos ? equation.size() : arrow;
  std::vector<std::vector<int>> terms;
  for (size_t begin = 0;;) {
    size_t comma = equation.find(',', begin);
    const size_t end = comma == std::string_view::npos || comma > lhs_end ? lhs_end : comma;
    TG_CHECK(terms.size() < tensors.size(), "[einsum] fewer operands were provided than specified in the equation");
    terms.push_back(parse_term(equation, begin, end, "operand " + std::to_string(terms.size())));
    if (end == lhs_end) break;
    begin = end + 1;
  }
  TG_CHECK(terms.size() == tensors.size(), "[einsum] more operands were provided than specified in the equation");

  const size_t n = tensors.size();
  std::array<int64_t, kNumLabels> count{};
  int64_t ell_ndim = 0;
  bool any_ellipsis = false;
  std::vector<int64_t> op_ell(n, 0);  // the dims each operand's '...' covers
  for (size_t i = 0; i < n; ++i) {
    const auto& term = terms[i];
    const bool has_ell = std::find(term.begin(), term.end(), kEllipsis) != term.end();
    const int64_t nlabels = int64_t(term.size()) - (has_ell ? 1 : 0), ndim = tensors[i].dim();
    if (has_ell) {
      TG_CHECK(nlabels <= ndim, "[einsum] the number of subscripts in the equation (", nlabels,
               ") is more than the number of dimensions (", ndim, ") for operand ", i);
      op_ell[i] = ndim - nlabels;
      ell_ndim = std::max(ell_ndim, op_ell[i]);
      any_ellipsis = true;
    } else {
      TG_CHECK(nlabels == ndim, "[einsum] the number of subscripts in the equation (", nlabels,
               ") does not match the number of dimensions (", ndim, ") for operand ", i, " and no ellipsis was given");
    }
    for (int l : term)
      if (l != kEllipsis) ++count[size_t(l)];
  }

  std::vector<int> out;
  if (arrow != std::string_view::npos) {
    out = parse_term(equation, arrow + 2, equation.size(), "the output");
    std::array<bool, kNumLabels> seen{};
    for (int l : out) {
      if (l == kEllipsis) continue;
      TG_CHECK(count[size_t(l)] > 0, "[einsum] output subscript ", label_char(l),
               " does not appear in the equation for any input operand");
      TG_CHECK(!seen[size_t(l)], "[einsum] output subscript ", label_char(l), " appears more than once in the output");
      seen[size_t(l)] = true;
    }
  } else {
    // Implicit output: '...' first, then the labels used exactly once, in alphabetical order
    // (upper case before lower case, as in NumPy and PyTorch).
    if (any_ellipsis) out.push_back(kEllipsis);
    for (int l = 0; l < kNumLabels; ++l)
      if (count[size_t(l)] == 1) out.push_back(l);
  }

  // ---- global layout: output dims, then contracted '...' dims (summed) and labels
  std::array<int64_t, kNumLabels> pos;
  pos.fill(-1);
  int64_t ell_pos = -1, g = 0;
  for (int l : out) {
    if (l == kEllipsis) {
      ell_pos = g;
      g += ell_ndim;
    } else {
      pos[size_t(l)] = g++;
    }
  }
  const int64_t n_out = g;
  if (ell_pos < 0) {
    ell_pos = g;
    g += ell_ndim;
  }
  for (int l = 0; l < kNumLabels; ++l)
    if (count[size_t(l)] > 0 && pos[size_t(l)] < 0) pos[size_t(l)] = g++;

  // How a global dim is named in error messages.
  auto dim_name = [&](int64_t gd) -> std::string {
    for (int l = 0; l < kNumLabels; ++l)
      if (pos[size_t(l)] == gd) return std::string("subscript ") + label_char(l);
    return "the dims covered by '...'";
  };

  // ---- every operand in the global layout; which global dims each one has
  std::vector<Tensor> ops;
  std::vector<std::vector<bool>> has(n, std::vector<bool>(size_t(g), false));
  DimVector size_of(size_t(g), 1);
  std::vector<int64_t> size_from(size_t(g), -1);  // the operand that set size_of
  for (size_t i = 0; i < n; ++i) {
    const Tensor& t = tensors[i];
    DimVector gid;  // global dim of each of t's dims
    for (int l : terms[i]) {
      if (l == kEllipsis) {
        for (int64_t k = 0; k < op_ell[i]; ++k) gid.push_back(ell_pos + ell_ndim - op_ell[i] + k);
      } else {
        gid.push_back(pos[size_t(l)]);
      }
    }
    // Repeated labels: the diagonal, a view with the repeated dims' strides added.
    DimVector sizes, strides, ugid;
    for (int64_t d = 0; d < t.dim(); ++d) {
      auto it = std::find(ugid.begin(), ugid.end(), gid[size_t(d)]);
      if (it == ugid.end()) {
        ugid.push_back(gid[size_t(d)]);
        sizes.push_back(t.size(d));
        strides.push_back(t.stride(d));
        continue;
      }
      const size_t j = size_t(it - ugid.begin());
      TG_CHECK(sizes[j] == t.size(d), "[einsum] ", dim_name(gid[size_t(d)]), " is repeated for operand ", i,
               " but the sizes don't match, ", sizes[j], " != ", t.size(d));
      strides[j] += t.stride(d);
    }
    Tensor x = ugid.size() == size_t(t.dim()) ? t : tg::as_strided(t, sizes, strides, t.storage_offset());
    // Sizes must agree across operands (or be 1: broadcast, like PyTorch).
    for (size_t d = 0; d < ugid.size(); ++d) {
      const size_t gd = size_t(ugid[d]);
      has[i][gd] = true;
      if (sizes[d] == 1) continue;
      if (size_of[gd] == 1) {
        size_of[gd] = sizes[d];
        size_from[gd] = int64_t(i);
        continue;
      }
      TG_CHECK(size_of[gd] == sizes[d], "[einsum] operands do not broadcast: ", dim_name(int64_t(gd)), " has size ",
               size_of[gd], " for operand ", size_from[gd], " and size ", sizes[d], " for operand ", i);
    }
    // Permute to global order, then a size-1 dim for every global dim the operand lacks.
    DimVector perm(ugid.size(), 0);
    for (size_t d = 0; d < ugid.size(); ++d) perm[d] = int64_t(d);
    std::sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) { return ugid[size_t(a)] < ugid[size_t(b)]; });
    x = tg::permute(x, perm);
    for (int64_t gd = 0; gd < g; ++gd)
      if (!has[i][size_t(gd)]) x = tg::unsqueeze(x, gd);
    ops.push_back(x);
  }

  // ---- contract left to right
  Tensor result = ops[0];
  for (size_t k = 1; k < n; ++k) {
    std::vector<bool> sum(size_t(g), false);
    for (int64_t gd = n_out; gd < g; ++gd) {
      bool later = false;
      for (size_t j = k + 1; j < n && !later; ++j) later = has[j][size_t(gd)];
      sum[size_t(gd)] = !later;
    }
    result = sumproduct_pair(result, ops[k], sum);
  }
  // What is left of the contracted dims (one operand: all of them) is summed, then dropped.
  DimVector left_over, drop;
  for (int64_t gd = n_out; gd < g; ++gd) {
    if (result.size(gd) != 1) left_over.push_back(gd);
    drop.push_back(gd);
  }
  if (!left_over.empty()) result = tg::sum(result, left_over, true, result.dtype());
  if (!drop.empty()) result = tg::squeeze(result, drop);
  return result;
}

// ---------------------------------------------------------------- cross
// linalg_cross is a kernel (aten/native/cpu/ops/linalg_cross.cpp; its meta function is above);
// cross picks its dim and calls it.

Tensor cross(const Tensor& self, const Tensor& other, std::optional<int64_t> dim) {
  if (dim) return tg::linalg_cross(self, other, *dim);
  // PyTorch's (deprecated) default: the first dim of size 3 of self.
  for (int64_t d = 0; d < self.dim(); ++d)
    if (self.size(d) == 3) return tg::linalg_cross(self, other, d);
  TG_CHECK(false, "[cross] no dimension of size 3 in input of shape ", self.sizes());
  return Tensor();
}

}  // namespace tg::native

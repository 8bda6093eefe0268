// Reductions on CUDA: sum, mean, prod, all, any, max/min (values and indices), argmax/argmin,
// amax/amin (NaN-propagating, over dim lists), var/std (Welford, with a correction).
// Semantics of aten/native/cpu/ReduceOpsKernel.cpp: integer sums and products wrap around,
// half types accumulate in float, max/min/arg* return the first NaN, else the first extreme.
#include "aten/native/cuda/Reduce.cuh"
#include "kernels/all.h"
#include "kernels/amax.h"
#include "kernels/amin.h"
#include "kernels/any.h"
#include "kernels/argmax.h"
#include "kernels/argmin.h"
#include "kernels/count_nonzero.h"
#include "kernels/linalg_vector_norm.h"
#include "kernels/max.h"
#include "kernels/mean.h"
#include "kernels/min.h"
#include "kernels/nansum.h"
#include "kernels/prod.h"
#include "kernels/std.h"
#include "kernels/sum.h"
#include "kernels/var.h"

namespace tg::native::cuda {

// var / std accumulator: Welford's running (count, mean, sum of squared deviations), merged with Chan's
// formula; stable in one pass. The divisor is max(count - correction, 0), like PyTorch.
template <typename V>
struct Welford {
  V n, mean, m2;
};
template <typename V>
__device__ inline Welford<V> shfl_down(Welford<V> a, int offset, int width) {
  return Welford<V>{shfl_down(a.n, offset, width), shfl_down(a.mean, offset, width), shfl_down(a.m2, offset, width)};
}

namespace {

// Integers accumulate in their unsigned type (wrap-around is defined); floats in opmath.
template <typename T, bool Int = is_int_v<T>> struct acc_type { using type = opmath_t<T>; };
template <typename T> struct acc_type<T, true> { using type = std::make_unsigned_t<T>; };
template <typename T>
using acc_t = typename acc_type<T>::type;

template <typename T, bool Mean>
struct SumOps {
  using In = T;
  using Acc = acc_t<T>;
  T* out;
  int64_t inner;
  __device__ Acc identity() const { return Acc(0); }
  __device__ Acc fold(Acc a, T v, int64_t) const { return a + Acc(to_op(v)); }
  __device__ Acc combine(Acc a, Acc b) const { return a + b; }
  __device__ void store(int64_t row, Acc a) const {
    if constexpr (Mean) out[row] = from_op<T>(a / Acc(inner));
    else out[row] = from_op<T>(opmath_t<T>(a));
  }
};

template <typename T>
struct ProdOps {
  using In = T;
  using Acc = acc_t<T>;
  T* out;
  __device__ Acc identity() const { return Acc(1); }
  __device__ Acc fold(Acc a, T v, int64_t) const { return a * Acc(to_op(v)); }
  __device__ Acc combine(Acc a, Acc b) const { return a * b; }
  __device__ void store(int64_t row, Acc a) const { out[row] = from_op<T>(opmath_t<T>(a)); }
};

// all / any over the input in its own dtype: an element is true when nonzero (NaN is). The output
// is bool, or uint8 for uint8 input (one byte either way).
template <typename T, bool All>
struct LogicalOps {
  using In = T;
  using Acc = bool;
  uint8_t* out;
  __device__ bool identity() const { return All; }
  __device__ bool fold(bool a, T v, int64_t) const {
    const bool t = to_op(v) != opmath_t<T>(0);
    return All ? (a && t) : (a || t);
  }
  __device__ bool combine(bool a, bool b) const { return All ? (a && b) : (a || b); }
  __device__ void store(int64_t row, bool a) const { out[row] = uint8_t(a); }
};

template <typename T, bool IsMax>
struct ExtremeOps {
  using In = T;
  using V = opmath_t<T>;
  using Acc = ValueIndex<V>;
  T* values;         // may be null
  int64_t* indices;  // may be null
  __device__ Acc identity() const { return Acc{V(0), -1}; }
  // The better of two candidates: NaN beats everything, then the extreme value, then the lower
  // index. Symmetric, so the order lanes combine in does not matter.
  __device__ Acc combine(Acc a, Acc b) const {
    if (a.index < 0) return b;
    if (b.index < 0) return a;
    if constexpr (is_floating_v<T>) {
      const bool an = a.value != a.value, bn = b.value != b.value;
      if (an || bn) return an && bn ? (a.index < b.index ? a : b) : (an ? a : b);
    }
    if (IsMax ? a.value > b.value : a.value < b.value) return a;
    if (IsMax ? b.value > a.value : b.value < a.value) return b;
    return a.index < b.index ? a : b;
  }
  __device__ Acc fold(Acc a, T v, int64_t k) const { return combine(a, Acc{to_op(v), k}); }
  __device__ void store(int64_t row, Acc a) const {
    if (values) values[row] = from_op<T>(a.value);
    if (indices) indices[row] = a.index;
  }
};

// amax / amin: the value only; a NaN wins (any NaN in the slice makes the result NaN).
template <typename T, bool IsMax>
struct AmaxOps {
  using In = T;
  using V = opmath_t<T>;
  using Acc = ValueIndex<V>;  // index < 0: nothing seen yet (there is no identity for all dtypes)
  T* out;
  __device__ Acc identity() const { return Acc{V(0), -1}; }
  __device__ Acc combine(Acc a, Acc b) const {
    if (a.index < 0) return b;
    if (b.index < 0) return a;
    if constexpr (is_floating_v<T>) {
      if (a.value != a.value) return a;
      if (b.value != b.value) return b;
    }
    return (IsMax ? b.value > a.value : b.value < a.value) ? b : a;
  }
  __device__ Acc fold(Acc a, T v, int64_t k) const { return combine(a, Acc{to_op(v), k}); }
  __device__ void store(int64_t row, Acc a) const { out[row] = from_op<T>(a.value); }
};

// var / std: one pass of Welford updates per lane, lanes merged with Chan's formula.
template <typename T, bool Sqrt>
struct VarOps {
  using In = T;
  using V = opmath_t<T>;
  using Acc = Welford<V>;
  T* out;
  V correction;
  __device__ Acc identity() const { return Acc{V(0), V(0), V(0)}; }
  __device__ Acc fold(Acc a, T x, int64_t) const {
    const V v = to_op(x);
    a.n += V(1);
    const V delta = v - a.mean;
    a.mean += delta / a.n;
    a.m2 += delta * (v - a.mean);
    return a;
  }
  __device__ Acc combine(Acc a, Acc b) const {
    if (a.n == V(0)) return b;
    if (b.n == V(0)) return a;
    const V n = a.n + b.n, delta = b.mean - a.mean;
    return Acc{n, a.mean + delta * (b.n / n), a.m2 + b.m2 + delta * delta * (a.n * b.n / n)};
  }
  __device__ void store(int64_t row, Acc a) const {
    const V divisor = a.n - correction > V(0) ? a.n - correction : V(0);
    const V v = a.m2 / divisor;
    out[row] = from_op<T>(Sqrt ? sqrt(v) : v);
  }
};

// nansum: a sum that reads NaN as 0 (integers have none).
template <typename T>
struct NanSumOps {
  using In = T;
  using Acc = acc_t<T>;
  T* out;
  __device__ Acc identity() const { return Acc(0); }
  __device__ Acc fold(Acc a, T v, int64_t) const {
    const Acc x = Acc(to_op(v));
    if constexpr (is_floating_v<T>) {
      if (x != x) return a;
    }
    return a + x;
  }
  __device__ Acc combine(Acc a, Acc b) const { return a + b; }
  __device__ void store(int64_t row, Acc a) const { out[row] = from_op<T>(opmath_t<T>(a)); }
};

template <typename T>
struct CountNonzeroOps {
  using In = T;
  using Acc = int64_t;
  int64_t* out;
  __device__ Acc identity() const { return 0; }
  __device__ Acc fold(Acc a, T v, int64_t) const { return a + (to_op(v) != opmath_t<T>(0) ? 1 : 0); }
  __device__ Acc combine(Acc a, Acc b) const { return a + b; }
  __device__ void store(int64_t row, Acc a) const { out[row] = a; }
};

// linalg_vector_norm, the rules of the CPU kernel: ord 0 counts nonzeros, +-inf take the max / min
// of |x| (NaN propagates), 1 sums |x|, 2 is sqrt(sum x^2), other p (sum |x|^p)^(1/p).
enum class NormKind : int { Zero, Max, Min, One, Two, P };
template <typename T>
struct NormOps {
  using In = T;
  using V = opmath_t<T>;
  using Acc = V;  // Max / Min fold with NaN propagation; sums start at 0
  T* out;
  NormKind kind;
  V ord;
  __device__ Acc identity() const {
    return kind == NormKind::Min ? V(INFINITY) : V(0);  // |x| >= 0: 0 is the identity of max
  }
  __device__ Acc combine(Acc a, Acc b) const {
    switch (kind) {
      case NormKind::Max:
        if (a != a) return a;
        if (b != b) return b;
        return b > a ? b : a;
      case NormKind::Min:
        if (a != a) return a;
        if (b != b) return b;
        return b < a ? b : a;
      default: return a + b;
    }
  }
  __device__ Acc fold(Acc a, T v, int64_t) const {
    const V x = to_op(v), ax = x < V(0) ? -x : x;
    switch (kind) {
      case NormKind::Zero: return a + (x != V(0) ? V(1) : V(0));
      case NormKind::Max:
      case NormKind::Min: return combine(a, x != x ? x : ax);
      case NormKind::One: return a + (x != x ? x : ax);
      case NormKind::Two: return a + x * x;
      default: return a + pow(x != x ? x : ax, ord);
    }
  }
  __device__ void store(int64_t row, Acc a) const {
    if (kind == NormKind::Two) a = sqrt(a);
    else if (kind == NormKind::P) a = pow(a, V(1) / ord);
    out[row] = from_op<T>(a);
  }
};

template <typename T>
T* out_ptr(const Reduction& r, int i) {
  return reinterpret_cast<T*>(r.output(i).data_ptr());
}

template <bool IsMax>
void extreme(const Reduction& r, bool values, bool indices) {
  r.check_nonempty();
  dispatch_device<DtypeSet::All>(r.compute_dtype(), r.op(), [&]<typename T>() {
    launch_reduction(r, ExtremeOps<T, IsMax>{values ? out_ptr<T>(r, 0) : nullptr,
                                              indices ? out_ptr<int64_t>(r, values ? 1 : 0) : nullptr});
  });
}

}  // namespace

void sum_kernel(const Reduction& r) {
  dispatch_device<DtypeSet::Numeric>(r.compute_dtype(), "sum", [&]<typename T>() {
    launch_reduction(r, SumOps<T, false>{out_ptr<T>(r, 0), r.inner()});
  });
}
void mean_kernel(const Reduction& r) {
  dispatch_device<DtypeSet::Floating>(r.compute_dtype(), "mean", [&]<typename T>() {
    launch_reduction(r, SumOps<T, true>{out_ptr<T>(r, 0), r.inner()});
  });
}
void prod_kernel(const Reduction& r) {
  dispatch_device<DtypeSet::Numeric>(r.compute_dtype(), "prod", [&]<typename T>() {
    launch_reduction(r, ProdOps<T>{out_ptr<T>(r, 0)});
  });
}
void all_kernel(const Reduction& r) {
  dispatch_device<DtypeSet::All>(r.compute_dtype(), "all", [&]<typename T>() {
    launch_reduction(r, LogicalOps<T, true>{static_cast<uint8_t*>(r.output(0).data_ptr())});
  });
}
void any_kernel(const Reduction& r) {
  dispatch_device<DtypeSet::All>(r.compute_dtype(), "any", [&]<typename T>() {
    launch_reduction(r, LogicalOps<T, false>{static_cast<uint8_t*>(r.output(0).data_ptr())});
  });
}

void max_all_kernel(const Reduction& r) { extreme<true>(r, true, false); }
void min_all_kernel(const Reduction& r) { extreme<false>(r, true, false); }
void max_dim_kernel(const Reduction& r) { extreme<true>(r, true, true); }
void min_dim_kernel(const Reduction& r) { extreme<false>(r, true, true); }
void argmax_kernel(const Reduction& r) { extreme<true>(r, false, true); }
void argmin_kernel(const Reduction& r) { extreme<false>(r, false, true); }

void amax_kernel(const Reduction& r) {
  r.check_nonempty();
  dispatch_device<DtypeSet::All>(r.compute_dtype(), "amax", [&]<typename T>() {
    launch_reduction(r, AmaxOps<T, true>{out_ptr<T>(r, 0)});
  });
}
void amin_kernel(const Reduction& r) {
  r.check_nonempty();
  dispatch_device<DtypeSet::All>(r.compute_dtype(), "amin", [&]<typename T>() {
    launch_reduction(r, AmaxOps<T, false>{out_ptr<T>(r, 0)});
  });
}
void aminmax_kernel(const Reduction& r) {
  r.check_nonempty();
  dispatch_device<DtypeSet::All>(r.compute_dtype(), "aminmax", [&]<typename T>() {
    launch_reduction(r, AmaxOps<T, false>{out_ptr<T>(r, 0)});
    launch_reduction(r, AmaxOps<T, true>{out_ptr<T>(r, 1)});
  });
}

void var_kernel(const Reduction& r, const std::optional<Scalar>& correction) {
  const double c = correction ? correction->to_double() : 1.0;
  dispatch_device<DtypeSet::Floating>(r.compute_dtype(), "var", [&]<typename T>() {
    launch_reduction(r, VarOps<T, false>{out_ptr<T>(r, 0), opmath_t<T>(c)});
  });
}
void std_kernel(const Reduction& r, const std::optional<Scalar>& correction) {
  const double c = correction ? correction->to_double() : 1.0;
  dispatch_device<DtypeSet::Floating>(r.compute_dtype(), "std", [&]<typename T>() {
    launch_reduction(r, VarOps<T, true>{out_ptr<T>(r, 0), opmath_t<T>(c)});
  });
}

void nansum_kernel(const Reduction& r) {
  dispatch_device<DtypeSet::Numeric>(r.compute_dtype(), "nansum", [&]<typename T>() {
    launch_reduction(r, NanSumOps<T>{out_ptr<T>(r, 0)});
  });
}

void count_nonzero_kernel(const Reduction& r) {
  dispatch_device<DtypeSet::All>(r.compute_dtype(), "count_nonzero", [&]<typename T>() {
    launch_reduction(r, CountNonzeroOps<T>{out_ptr<int64_t>(r, 0)});
  });
}

void linalg_vector_norm_kernel(const Reduction& r, const Scalar& ord_scalar) {
  const double ord = ord_scalar.to_double();
  TG_CHECK(r.inner() > 0 || r.outer() == 0 || (ord >= 0 && !std::isinf(ord)), "[linalg_vector_norm] cannot compute "
           "the ", ord, " norm on an empty tensor because the operation does not have an identity");
  const NormKind kind = ord == 0 ? NormKind::Zero
                        : std::isinf(ord) ? (ord > 0 ? NormKind::Max : NormKind::Min)
                        : ord == 1 ? NormKind::One
                        : ord == 2 ? NormKind::Two
                                   : NormKind::P;
  dispatch_device<DtypeSet::Floating>(r.compute_dtype(), "linalg_vector_norm", [&]<typename T>() {
    launch_reduction(r, NormOps<T>{out_ptr<T>(r, 0), kind, opmath_t<T>(ord)});
  });
}

}  // namespace tg::native::cuda

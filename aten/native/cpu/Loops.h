#pragma once
// cpu_kernel(iter, op): runs a scalar lambda over every element of a TensorIterator. The lambda
// takes the inputs by value in the iterator's common dtype and returns the output value; its
// arity (any number of inputs) must match the iterator's input count. The
// contiguous case is a plain indexed loop the compiler can vectorize; the general case walks
// byte strides.
//
// cpu_kernel_vec<T>(iter, vec_op): runs a Vectorized lambda instead (aten/vec/vec.h). T is the
// element type of every operand (the iterator's common dtype); vec_op takes one
// vec::VecIO<T>::vec_t per input (Vectorized<T>, or Vectorized<float> for Half / BFloat16) and
// returns the output vector. Its arity is the smallest number of vectors it can be called with
// (generic lambdas included), up to kMaxVecArity. Every element goes through vec_op: contiguous
// stretches a full vector at a time and the tail as a partial vector (loadu(p, count)), inputs
// with stride 0 as a broadcast vector, other strides gathered into a vector. An element's result
// therefore does not depend on where it sits in the tensor or on how the range is split across
// threads.
#include "aten/vec/isa.h"
#include <tuple>
#include <type_traits>

#include "aten/core/FunctionTraits.h"
#include "aten/iter/TensorIterator.h"
#include "aten/vec/vec.h"

namespace tg::native::CPU_CAPABILITY {

namespace detail {
template <typename F, size_t... I>
inline void strided_loop(const F& op, char** data, const int64_t* strides, int64_t n, std::index_sequence<I...>) {
  using traits = function_traits<F>;
  using R = typename traits::result_type;
  constexpr int N = traits::arity + 1;
  char* out = data[0];
  char* in[N] = {data[0], data[I + 1]...};
  for (int64_t i = 0; i < n; ++i) {
    *reinterpret_cast<R*>(out + i * strides[0]) =
        op(*reinterpret_cast<std::tuple_element_t<I, typename traits::args_tuple>*>(in[I + 1] + i * strides[I + 1])...);
  }
}
template <typename F, size_t... I>
inline void contiguous_loop(const F& op, char** data, int64_t n, std::index_sequence<I...>) {
  using traits = function_traits<F>;
  using R = typename traits::result_type;
  R* out = reinterpret_cast<R*>(data[0]);
  auto ins = std::make_tuple(reinterpret_cast<std::tuple_element_t<I, typename traits::args_tuple>*>(data[I + 1])...);
  for (int64_t i = 0; i < n; ++i) out[i] = op(std::get<I>(ins)[i]...);
}
}  // namespace detail

namespace detail {
inline void check_arity(const TensorIterator& iter, int arity) {
  TG_CHECK(iter.ninputs() == arity, "[", iter.op(), "] internal error: kernel of arity ", arity, " for ",
           iter.ninputs(), " inputs");
}
}  // namespace detail

// grain: see Parallel.h (kGrainSize for cheap ops, kMathGrainSize for transcendental ones).
template <typename F>
void cpu_kernel(const TensorIterator& iter, const F& op, int64_t grain = kGrainSize) {
  using traits = function_traits<F>;
  constexpr int arity = traits::arity;
  detail::check_arity(iter, arity);
  auto idx = std::make_index_sequence<arity>{};
  if (iter.is_contiguous()) {
    iter.for_each([&](char** data, const int64_t*, int64_t size0, int64_t) {
      detail::contiguous_loop(op, data, size0, idx);
    }, grain);
    return;
  }
  iter.for_each([&](char** data, const int64_t* strides, int64_t size0, int64_t size1) {
    constexpr int n = arity + 1;
    char* ptrs[n];
    for (int k = 0; k < n; ++k) ptrs[k] = data[k];
    for (int64_t j = 0; j < size1; ++j) {
      detail::strided_loop(op, ptrs, strides, size0, idx);
      for (int k = 0; k < n; ++k) ptrs[k] += strides[n + k];
    }
  }, grain);
}

namespace detail {
template <typename T, typename VOp, size_t... I>
inline void vec_loop(const VOp& vop, char** data, const int64_t* strides, int64_t n, std::index_sequence<I...>) {
  using IO = vec::VecIO<T>;
  using V = typename IO::vec_t;
  constexpr int N = V::size();
  constexpr int64_t es = sizeof(T);
  constexpr int nin = sizeof...(I);
  T* out = reinterpret_cast<T*>(data[0]);
  const T* in[nin] = {reinterpret_cast<const T*>(data[I + 1])...};
  if (strides[0] == es && ((strides[I + 1] == es || strides[I + 1] == 0) && ...)) {
    const V bcast[nin] = {V(typename V::value_type(in[I][0]))...};
    auto load = [&](int k, int64_t i, int count) {
      if (strides[k + 1] == 0) return bcast[k];
      return count == N ? IO::load(in[k] + i) : IO::load(in[k] + i, count);
    };
    int64_t i = 0;
    for (; i + N <= n; i += N) IO::store(out + i, vop(load(I, i, N)...));
    if (i < n) IO::store(out + i, vop(load(I, i, int(n - i))...), int(n - i));
    return;
  }
  T buf[nin + 1][N];
  for (int64_t i = 0; i < n; i += N) {
    const int count = int(std::min<int64_t>(N, n - i));
    for (int k = 0; k < nin; ++k)
      for (int l = 0; l < count; ++l) buf[k][l] = *reinterpret_cast<const T*>(data[k + 1] + (i + l) * strides[k + 1]);
    IO::store(buf[nin], vop(IO::load(buf[I], count)...), count);
    for (int l = 0; l < count; ++l) *reinterpret_cast<T*>(data[0] + (i + l) * strides[0]) = buf[nin][l];
  }
}
}  // namespace detail

namespace detail {
// The largest vec_op arity cpu_kernel_vec probes for (a generic lambda has no signature to read).
constexpr size_t kMaxVecArity = 16;

template <size_t, typename V>
using repeat_t = V;  // V, once per index of a pack
template <typename VOp, typename V, size_t... I>
constexpr bool invocable_with_n(std::index_sequence<I...>) {
  return std::is_invocable_v<const VOp&, repeat_t<I, V>...>;
}
// The smallest N such that vop(V, ..., V) (N vectors) is well-formed.
template <typename VOp, typename V, size_t N = 1>
constexpr size_t vec_arity() {
  if constexpr (N > kMaxVecArity) {
    static_assert(N <= kMaxVecArity, "cpu_kernel_vec: vec_op must be callable with 1 to 16 vectors");
    return 0;
  } else if constexpr (invocable_with_n<VOp, V>(std::make_index_sequence<N>{})) {
    return N;
  } else {
    return vec_arity<VOp, V, N + 1>();
  }
}
}  // namespace detail

template <typename T, typename VOp>
void cpu_kernel_vec(const TensorIterator& iter, const VOp& vop, int64_t grain = kGrainSize) {
  using V = typename vec::VecIO<T>::vec_t;
  constexpr size_t arity = detail::vec_arity<VOp, V>();
  detail::check_arity(iter, int(arity));
  iter.for_each([&](char** data, const int64_t* strides, int64_t size0, int64_t size1) {
    constexpr int n = int(arity) + 1;
    char* ptrs[n];
    for (int k = 0; k < n; ++k) ptrs[k] = data[k];
    for (int64_t j = 0; j < size1; ++j) {
      detail::vec_loop<T>(vop, ptrs, strides, size0, std::make_index_sequence<arity>{});
      for (int k = 0; k < n; ++k) ptrs[k] += strides[n + k];
    }
  }, grain);
}

}  // namespace tg::native::CPU_CAPABILITY

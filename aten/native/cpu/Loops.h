#pragma once
// cpu_kernel(iter, op): runs a scalar lambda over every element of a TensorIterator. The lambda
// takes the inputs by value in the iterator's common dtype and returns the output value. The
// contiguous case is a plain indexed loop the compiler can vectorize; the general case walks
// byte strides.
#include "aten/vec/isa.h"
#include <tuple>
#include <type_traits>

#include "aten/iter/TensorIterator.h"

namespace tg::native::CPU_CAPABILITY {

template <typename F> struct function_traits : function_traits<decltype(&F::operator())> {};
template <typename C, typename R, typename... Args>
struct function_traits<R (C::*)(Args...) const> {
  using result_type = R;
  using args_tuple = std::tuple<std::decay_t<Args>...>;
  static constexpr int arity = sizeof...(Args);
};

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

template <typename F>
void cpu_kernel(const TensorIterator& iter, const F& op) {
  using traits = function_traits<F>;
  constexpr int arity = traits::arity;
  auto idx = std::make_index_sequence<arity>{};
  if (iter.is_contiguous()) {
    iter.for_each([&](char** data, const int64_t*, int64_t size0, int64_t) {
      detail::contiguous_loop(op, data, size0, idx);
    });
    return;
  }
  iter.for_each([&](char** data, const int64_t* strides, int64_t size0, int64_t size1) {
    const int n = iter.ntensors();
    char* ptrs[TensorIterator::kMaxOperands];
    for (int k = 0; k < n; ++k) ptrs[k] = data[k];
    for (int64_t j = 0; j < size1; ++j) {
      detail::strided_loop(op, ptrs, strides, size0, idx);
      for (int k = 0; k < n; ++k) ptrs[k] += strides[n + k];
    }
  });
}

}  // namespace tg::native::CPU_CAPABILITY

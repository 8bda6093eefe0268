#pragma once
// function_traits<F>: the result type, decayed argument types and arity of a functor's (or
// lambda's) const operator(). Pure type traits, no code: shared by the CPU loops
// (aten/native/cpu/Loops.h, compiled once per ISA) and the CUDA launcher (aten/native/cuda/Loops.cuh).
#include <tuple>
#include <type_traits>

namespace tg {

template <typename F> struct function_traits : function_traits<decltype(&F::operator())> {};
template <typename C, typename R, typename... Args>
struct function_traits<R (C::*)(Args...) const> {
  using result_type = R;
  using args_tuple = std::tuple<std::decay_t<Args>...>;
  static constexpr int arity = sizeof...(Args);
};

}  // namespace tg

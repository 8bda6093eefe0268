#pragma once
// FunctionRef<R(Args...)>: a non-owning reference to a callable (like c10::function_ref or
// llvm::function_ref). Two words, no allocation, one indirect call: the cheap way to hand a
// lambda to a non-template function such as TensorIterator::for_each. std::function would
// type-erase by copying the callable (and may allocate), which the per-op overhead of a
// 1-element `a + b` pays on every call.
//
// It stores a pointer to the callable, so the callable must outlive every call through the
// reference: pass a lambda directly as a function argument (it lives until the end of the full
// expression), never keep a FunctionRef to a temporary in a variable.
#include <cstdint>
#include <type_traits>
#include <utility>

namespace tg {

template <typename Sig>
class FunctionRef;

template <typename R, typename... Args>
class FunctionRef<R(Args...)> {
 public:
  template <typename F,
            typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef> &&
                                        std::is_invocable_r_v<R, F&, Args...>>>
  FunctionRef(F&& f) noexcept  // NOLINT: implicit, like a function pointer
      : callable_(reinterpret_cast<intptr_t>(std::addressof(f))), call_(&call_impl<std::remove_reference_t<F>>) {}

  R operator()(Args... args) const { return call_(callable_, std::forward<Args>(args)...); }

 private:
  template <typename F>
  static R call_impl(intptr_t callable, Args... args) {
    return (*reinterpret_cast<F*>(callable))(std::forward<Args>(args)...);
  }

  intptr_t callable_;
  R (*call_)(intptr_t, Args...);
};

}  // namespace tg

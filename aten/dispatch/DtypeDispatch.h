#pragma once
// Dtype dispatch in one place (DESIGN.md §6): a kernel writes one generic body as a templated
// lambda and picks the dtype set it supports. Example:
//   dispatch_numeric(t.dtype(), "mm", [&]<typename T>() { mm_loop<T>(...); });
// A dtype outside the set raises NotImplementedError naming the op and the dtype.
#include "aten/core/Error.h"
#include "aten/core/ScalarType.h"

namespace tg {

enum class DtypeSet : uint8_t { All, Numeric, Floating, Integral, IntegralAndBool };

inline bool dtype_in_set(ScalarType t, DtypeSet set) {
  switch (set) {
    case DtypeSet::All: return t != ScalarType::Undefined;
    case DtypeSet::Numeric: return t != ScalarType::Bool && t != ScalarType::Undefined;
    case DtypeSet::Floating: return is_floating(t);
    case DtypeSet::Integral: return is_integral(t, false);
    case DtypeSet::IntegralAndBool: return is_integral(t, true);
  }
  return false;
}

[[noreturn]] inline void dtype_not_implemented(const char* op, ScalarType t) {
  TG_CHECK_NOT_IMPLEMENTED(false, "[", op, "] not implemented for dtype ", to_string(t));
  __builtin_unreachable();
}

// The dtype check of dispatch_dtype on its own: for a kernel that returns early (an empty input)
// before it dispatches, so that an unsupported dtype raises on every device and for every size.
inline void check_dtype_in(DtypeSet set, ScalarType t, const char* op) {
  if (!dtype_in_set(t, set)) dtype_not_implemented(op, t);
}

template <DtypeSet Set, typename F>
decltype(auto) dispatch_dtype(ScalarType t, const char* op, F&& f) {
  if (!dtype_in_set(t, Set)) dtype_not_implemented(op, t);
  switch (t) {
#define TG_CASE(cpp, name, py)                                                      \
  case ScalarType::name:                                                            \
    if constexpr (Set == DtypeSet::All ||                                           \
                  (Set == DtypeSet::Numeric && !std::is_same_v<cpp, bool>) ||       \
                  (Set == DtypeSet::Floating && !std::is_integral_v<cpp>) ||        \
                  (Set == DtypeSet::Integral && std::is_integral_v<cpp> && !std::is_same_v<cpp, bool>) || \
                  (Set == DtypeSet::IntegralAndBool && std::is_integral_v<cpp>))    \
      return f.template operator()<cpp>();                                         \
    break;
    TG_FORALL_SCALAR_TYPES(TG_CASE)
#undef TG_CASE
    default: break;
  }
  dtype_not_implemented(op, t);
}

template <typename F> decltype(auto) dispatch_all(ScalarType t, const char* op, F&& f) {
  return dispatch_dtype<DtypeSet::All>(t, op, std::forward<F>(f));
}
template <typename F> decltype(auto) dispatch_numeric(ScalarType t, const char* op, F&& f) {
  return dispatch_dtype<DtypeSet::Numeric>(t, op, std::forward<F>(f));
}
template <typename F> decltype(auto) dispatch_floating(ScalarType t, const char* op, F&& f) {
  return dispatch_dtype<DtypeSet::Floating>(t, op, std::forward<F>(f));
}
template <typename F> decltype(auto) dispatch_integral(ScalarType t, const char* op, F&& f) {
  return dispatch_dtype<DtypeSet::Integral>(t, op, std::forward<F>(f));
}

}  // namespace tg

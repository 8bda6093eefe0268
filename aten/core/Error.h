#pragma once
// The TG_CHECK family (DESIGN.md §5). Each macro throws tg::Error carrying the Python exception
// type it maps to; messages start with "[op]" and carry the offending values.
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "aten/core/ArrayRef.h"

namespace tg {

enum class ErrorKind { Runtime, Value, Type, Index, NotImplemented };

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string msg) : std::runtime_error(std::move(msg)), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

namespace detail {
inline void stream_all(std::ostringstream&) {}
template <typename T>
void stream_one(std::ostringstream& os, const T& v) { os << v; }
template <typename T>
void stream_one(std::ostringstream& os, const std::vector<T>& v) { stream_one(os, ArrayRef<T>(v)); }
template <typename T, typename... Rest>
void stream_all(std::ostringstream& os, const T& first, const Rest&... rest) {
  stream_one(os, first);
  stream_all(os, rest...);
}
template <typename... Args>
std::string str(const Args&... args) {
  std::ostringstream os;
  stream_all(os, args...);
  return os.str();
}
[[noreturn]] void throw_error(ErrorKind kind, const std::string& msg);
}  // namespace detail

// Formats every argument with operator<< (IntArrayRef and vectors print as [a, b]).
template <typename... Args>
std::string str(const Args&... args) { return detail::str(args...); }

}  // namespace tg

#define TG_CHECK_KIND(kind, cond, ...)                                       \
  do {                                                                      \
    if (__builtin_expect(!(cond), 0))                                       \
      ::tg::detail::throw_error(kind, ::tg::detail::str(__VA_ARGS__));      \
  } while (0)

#define TG_CHECK(cond, ...) TG_CHECK_KIND(::tg::ErrorKind::Runtime, cond, __VA_ARGS__)
#define TG_CHECK_VALUE(cond, ...) TG_CHECK_KIND(::tg::ErrorKind::Value, cond, __VA_ARGS__)
#define TG_CHECK_TYPE(cond, ...) TG_CHECK_KIND(::tg::ErrorKind::Type, cond, __VA_ARGS__)
#define TG_CHECK_INDEX(cond, ...) TG_CHECK_KIND(::tg::ErrorKind::Index, cond, __VA_ARGS__)
#define TG_CHECK_NOT_IMPLEMENTED(cond, ...) TG_CHECK_KIND(::tg::ErrorKind::NotImplemented, cond, __VA_ARGS__)
#define TG_ERROR(...) ::tg::detail::throw_error(::tg::ErrorKind::Runtime, ::tg::detail::str(__VA_ARGS__))

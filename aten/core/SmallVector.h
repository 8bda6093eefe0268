#pragma once
// A vector with inline storage for the first N elements. Shapes and strides live here so that
// creating a tensor of up to N dims allocates nothing for its metadata (DESIGN.md §2).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <new>
#include <ostream>
#include <type_traits>

#include "aten/core/ArrayRef.h"

namespace tg {

template <typename T, size_t N>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T>, "SmallVector holds plain values only");

 public:
  SmallVector() = default;
  explicit SmallVector(size_t n, T value = T()) { resize(n, value); }
  SmallVector(std::initializer_list<T> il) { assign(il.begin(), il.size()); }
  SmallVector(ArrayRef<T> a) { assign(a.data(), a.size()); }
  SmallVector(const SmallVector& o) { assign(o.data(), o.size()); }
  SmallVector& operator=(const SmallVector& o) {
    if (this != &o) assign(o.data(), o.size());
    return *this;
  }
  SmallVector(SmallVector&& o) noexcept { take(o); }
  SmallVector& operator=(SmallVector&& o) noexcept {
    if (this != &o) {
      std::free(heap_);
      heap_ = nullptr;
      cap_ = N;
      take(o);
    }
    return *this;
  }
  ~SmallVector() { std::free(heap_); }

  T* data() { return heap_ ? heap_ : inline_; }
  const T* data() const { return heap_ ? heap_ : inline_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) { return data()[i]; }
  const T& operator[](size_t i) const { return data()[i]; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  T& back() { return data()[size_ - 1]; }
  operator ArrayRef<T>() const { return ArrayRef<T>(data(), size_); }
  ArrayRef<T> ref() const { return ArrayRef<T>(data(), size_); }

  void reserve(size_t n) {
    if (n <= cap_) return;
    T* p = static_cast<T*>(std::malloc(n * sizeof(T)));
    if (!p) throw std::bad_alloc();
    std::memcpy(p, data(), size_ * sizeof(T));
    std::free(heap_);
    heap_ = p;
    cap_ = n;
  }
  void resize(size_t n, T value = T()) {
    reserve(n);
    for (size_t i = size_; i < n; ++i) data()[i] = value;
    size_ = n;
  }
  void push_back(T v) {
    if (size_ == cap_) reserve(cap_ * 2);
    data()[size_++] = v;
  }
  void insert(size_t pos, T v) {
    push_back(v);
    std::rotate(begin() + pos, end() - 1, end());
  }
  void erase(size_t pos) {
    std::copy(begin() + pos + 1, end(), begin() + pos);
    --size_;
  }
  void clear() { size_ = 0; }
  void assign(const T* src, size_t n) {
    size_ = 0;
    reserve(n);
    if (n) std::memmove(data(), src, n * sizeof(T));
    size_ = n;
  }
  bool operator==(const SmallVector& o) const { return ref().equals(o.ref()); }

 private:
  // Steals o's heap buffer, or copies its inline elements; leaves o empty and inline.
  void take(SmallVector& o) noexcept {
    if (o.heap_) {
      heap_ = o.heap_;
      size_ = o.size_;
      cap_ = o.cap_;
      o.heap_ = nullptr;
      o.cap_ = N;
    } else {
      std::memcpy(inline_, o.inline_, o.size_ * sizeof(T));
      size_ = o.size_;
    }
    o.size_ = 0;
  }

  T inline_[N];
  T* heap_ = nullptr;
  size_t size_ = 0;
  size_t cap_ = N;
};

template <typename T, size_t N>
std::ostream& operator<<(std::ostream& os, const SmallVector<T, N>& v) {
  os << '[';
  for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  return os << ']';
}

// Shapes, strides and dim lists: tensors up to 6-d keep their metadata inline.
using DimVector = SmallVector<int64_t, 6>;

}  // namespace tg

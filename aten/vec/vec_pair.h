#pragma once
// VecPair<V>: two vectors that every operation handles together, one after the other (a.first,
// a.second, then the next operation). A math function written over a generic vector type V runs
// on a VecPair as on one Vectorized<T>, with each step's two independent instructions next to
// each other in the program.
//
// Why: on the Zen 2 development machine a long dependent chain runs far below the FMA units'
// throughput even when the loop's iterations are independent (a chain of 20 FMAs a vector:
// 2.3 cycles per FMA; two chains interleaved in the source: 1.8, four: 1.3): the out-of-order
// window does not reach the next vector's work. GCC keeps the source order within a block, so
// the interleaving has to be written; VecPair writes it once for every function. Same bits as
// one vector at a time: each lane sees the same operations.
//
// Used through pairwise(...) in aten/native/cpu/Loops.h: the contiguous loop's two-vector step
// calls f(std::array<V, 2>), and functions such as sin take that array (vec_math.h), packed into
// a VecPair<V>. Four vectors (VecPair<VecPair<V>>) ran sin 15 % faster than two in a harness's
// loop, but in cpu_kernel_vec's loop, with its broadcast checks and prefetches, GCC spilled
// them: no faster than two; the loop steps two.
#include <array>
#include <cstddef>

namespace tg::vec {
inline namespace CPU_CAPABILITY {

template <typename V>
struct VecPair {
  using value_type = typename V::value_type;
  V first, second;
  VecPair() = default;
  VecPair(const V& a, const V& b) : first(a), second(b) {}
  explicit VecPair(value_type s) : first(s), second(s) {}
};

// The lane type of a vector type (Vectorized<T> or VecPair<Vectorized<T>>), and the same kind of
// vector with lane type U: math written over V names its integer vectors rebind_t<V, I>.
template <typename V> struct Rebind;
template <typename T> struct Rebind<Vectorized<T>> {
  template <typename U> using type = Vectorized<U>;
};
template <typename V> struct Rebind<VecPair<V>> {
  template <typename U> using type = VecPair<typename Rebind<V>::template type<U>>;
};
template <typename V, typename U> using rebind_t = typename Rebind<V>::template type<U>;

// K vectors as one value: V, VecPair<V>, VecPair<VecPair<V>>; pack() and unpack() move between
// that and std::array<V, K> (the loop's operands and results).
template <typename V, size_t K> struct Pack {
  using type = VecPair<typename Pack<V, K / 2>::type>;
};
template <typename V> struct Pack<V, 1> {
  using type = V;
};
template <typename V, size_t K> using pack_t = typename Pack<V, K>::type;

// (Written out for K = 1, 2, 4: a recursive split through temporary arrays left the four
// vectors on the stack, slower than one at a time.)
template <size_t K, typename V>
[[gnu::always_inline]] inline pack_t<V, K> pack(const std::array<V, K>& a) {
  static_assert(K == 1 || K == 2 || K == 4, "pack: 1, 2 or 4 vectors");
  if constexpr (K == 1) return a[0];
  else if constexpr (K == 2) return VecPair<V>(a[0], a[1]);
  else return pack_t<V, 4>(VecPair<V>(a[0], a[1]), VecPair<V>(a[2], a[3]));
}
template <size_t K, typename V>
[[gnu::always_inline]] inline std::array<V, K> unpack(const pack_t<V, K>& p) {
  static_assert(K == 1 || K == 2 || K == 4, "unpack: 1, 2 or 4 vectors");
  if constexpr (K == 1) return {p};
  else if constexpr (K == 2) return {p.first, p.second};
  else return {p.first.first, p.first.second, p.second.first, p.second.second};
}

#define TG_VEC_PAIR_BINARY(OP)                                                              \
  template <typename V>                                                                     \
  [[gnu::always_inline]] inline auto operator OP(const VecPair<V>& a, const VecPair<V>& b) { \
    return VecPair<V>(a.first OP b.first, a.second OP b.second);                            \
  }
TG_VEC_PAIR_BINARY(+)
TG_VEC_PAIR_BINARY(-)
TG_VEC_PAIR_BINARY(*)
TG_VEC_PAIR_BINARY(/)
TG_VEC_PAIR_BINARY(&)
TG_VEC_PAIR_BINARY(|)
TG_VEC_PAIR_BINARY(^)
TG_VEC_PAIR_BINARY(<)
TG_VEC_PAIR_BINARY(<=)
TG_VEC_PAIR_BINARY(>)
TG_VEC_PAIR_BINARY(>=)
TG_VEC_PAIR_BINARY(==)
TG_VEC_PAIR_BINARY(!=)
#undef TG_VEC_PAIR_BINARY

template <typename V>
[[gnu::always_inline]] inline VecPair<V> operator-(const VecPair<V>& a) {
  return {-a.first, -a.second};
}
template <typename V>
[[gnu::always_inline]] inline VecPair<V> abs(const VecPair<V>& a) {
  return {abs(a.first), abs(a.second)};
}
template <typename V>
[[gnu::always_inline]] inline VecPair<V> round(const VecPair<V>& a) {
  return {round(a.first), round(a.second)};
}
template <typename V>
[[gnu::always_inline]] inline VecPair<V> fmadd(const VecPair<V>& a, const VecPair<V>& b, const VecPair<V>& c) {
  return {fmadd(a.first, b.first, c.first), fmadd(a.second, b.second, c.second)};
}
template <typename V>
[[gnu::always_inline]] inline VecPair<V> blendv(const VecPair<V>& a, const VecPair<V>& b, const VecPair<V>& mask) {
  return {blendv(a.first, b.first, mask.first), blendv(a.second, b.second, mask.second)};
}
template <typename To, typename V>
[[gnu::always_inline]] inline rebind_t<VecPair<V>, To> cast(const VecPair<V>& a) {
  return {cast<To>(a.first), cast<To>(a.second)};
}
template <int N, typename V>
[[gnu::always_inline]] inline VecPair<V> slli(const VecPair<V>& a) {
  return {slli<N>(a.first), slli<N>(a.second)};
}
template <typename V, typename T, size_t N>
[[gnu::always_inline]] inline VecPair<V> horner(const VecPair<V>& x, const T (&c)[N]) {
  VecPair<V> r(c[0]);
  for (size_t i = 1; i < N; ++i) r = fmadd(r, x, VecPair<V>(c[i]));
  return r;
}

}  // namespace CPU_CAPABILITY
}  // namespace tg::vec

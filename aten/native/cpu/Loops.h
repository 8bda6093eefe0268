#pragma once
// cpu_kernel(iter, op): runs a scalar lambda over every element of a TensorIterator. The lambda
// takes the inputs by value in the iterator's common dtype and returns the output value; its
// arity (any number of inputs) must match the iterator's input count. The
// contiguous case is a plain indexed loop the compiler can vectorize, and so are the rows of
// other layouts that are contiguous or (binary ops) broadcast one input; the general case walks
// byte strides.
//
// cpu_kernel_vec<T>(iter, vec_op): runs a Vectorized lambda instead (aten/vec/vec.h). T is the
// element type of every operand (the iterator's common dtype); vec_op takes one
// vec::VecIO<T>::vec_t per input (Vectorized<T>, or Vectorized<float> for Half / BFloat16) and
// returns the output vector. Its arity is the smallest number of vectors it can be called with
// (generic lambdas included), up to kMaxVecArity. Every element goes through vec_op: contiguous
// stretches a full vector at a time and the tail as a partial vector, inputs with stride 0 as a
// broadcast vector, other strides gathered into a vector. A partial vector's unused lanes hold
// copies of its first element (not zeros), so a vec_op that raises for a lane's value (integer
// division by zero, an integer to a negative power) sees only the operands' own. An element's result
// therefore does not depend on where it sits in the tensor or on how the range is split across
// threads. vec_op must be lane-wise (lane k of its result from lane k of its inputs only): where
// every operand is bfloat16, the contiguous loop hands it pairs of vectors in an interleaved lane
// order (VecIO::load2_interleaved, AVX2 and AVX-512).
//
// A vec_op wrapped in pairwise(...) is also called with two vectors of each operand at once
// (std::array<V, 2>, returning the two results) by the contiguous loop's two-vector step: for a
// long function whose constants do not fit in the registers next to its temporaries (erfinv), one
// call for both vectors loads each constant once. The pair overload must compute each vector as
// the one-vector call does (tails and other layouts still take that one).
//
// Both write a large output of a cheap op around the caches (StreamStores.h): its contiguous rows
// a block at a time through an L1 buffer, by the same loops.
//
// cpu_kernel_vec<T, BoolOperands>: the same with some operands stored as bool while vec_op still
// computes on V (see kBoolOutput / bool_input below): a comparison reads float vectors and stores
// their masks as bytes; where reads its bool condition as a mask. Nothing is cast up front.
#include "aten/vec/isa.h"
#include <array>
#include <cstring>
#include <tuple>
#include <type_traits>

#include "aten/core/FunctionTraits.h"
#include "aten/iter/TensorIterator.h"
#include "aten/native/cpu/StreamStores.h"
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

// A binary op's row where one input has stride 0 (a row vector broadcast down the rows, an outer
// product, x * a 0-d tensor) and the rest is contiguous: the stride-0 value is read once, so the
// compiler vectorizes the row as it does the contiguous loop.
template <size_t Broadcast, typename F>
inline void broadcast_row_loop(const F& op, char** data, int64_t n) {
  using traits = function_traits<F>;
  using R = typename traits::result_type;
  using A0 = std::tuple_element_t<0, typename traits::args_tuple>;
  using A1 = std::tuple_element_t<1, typename traits::args_tuple>;
  R* out = reinterpret_cast<R*>(data[0]);
  const A0* a = reinterpret_cast<const A0*>(data[1]);
  const A1* b = reinterpret_cast<const A1*>(data[2]);
  if constexpr (Broadcast == 0) {
    const A0 av = *a;
    for (int64_t i = 0; i < n; ++i) out[i] = op(av, b[i]);
  } else {
    const A1 bv = *b;
    for (int64_t i = 0; i < n; ++i) out[i] = op(a[i], bv);
  }
}

// One row of a non-contiguous iteration: rows that are contiguous after all (the iterator is not
// contiguous as a whole, e.g. a broadcast along the outer dim) and binary rows with one stride-0
// input take the vectorizable loops; any other strides the byte-stride loop.
template <typename F, size_t... I>
inline void row_loop(const F& op, char** data, const int64_t* strides, int64_t n, std::index_sequence<I...> idx) {
  using traits = function_traits<F>;
  using R = typename traits::result_type;
  constexpr std::array<int64_t, sizeof...(I)> es{int64_t(sizeof(std::tuple_element_t<I, typename traits::args_tuple>))...};
  if (strides[0] == int64_t(sizeof(R))) {
    if (((strides[I + 1] == es[I]) && ...)) return contiguous_loop(op, data, n, idx);
    if constexpr (sizeof...(I) == 2) {
      if (strides[1] == 0 && strides[2] == es[1]) return broadcast_row_loop<0>(op, data, n);
      if (strides[2] == 0 && strides[1] == es[0]) return broadcast_row_loop<1>(op, data, n);
    }
  }
  strided_loop(op, data, strides, n, idx);
}
}  // namespace detail

// Whether a kernel's output is streamed (StreamStores.h): large enough (streams_output_bytes,
// CacheSize.h), from an op cheap enough to be bound by memory (grain
// kGrainSize; transcendental ones pass kMathGrainSize: they are bound by their arithmetic, and the
// buffer's copy only costs them, exp of 4M floats 3.0 -> 3.2 ms).
inline bool streams_output(const TensorIterator& iter, int64_t out_es, int64_t grain) {
  return grain >= kGrainSize && streams_output_bytes(iter.numel() * out_es);
}

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
  constexpr int64_t out_es = sizeof(typename traits::result_type);
  const bool stream = streams_output(iter, out_es, grain);
  if (iter.is_contiguous()) {
    iter.for_each([&](char** data, const int64_t* strides, int64_t size0, int64_t) {
      run_output_row<arity + 1>(data, strides, size0, out_es, stream, [&](char** p, int64_t count) {
        detail::contiguous_loop(op, p, count, idx);
      });
      if (stream) stream_fence();
    }, grain);
    return;
  }
  iter.for_each([&](char** data, const int64_t* strides, int64_t size0, int64_t size1) {
    constexpr int n = arity + 1;
    char* ptrs[n];
    for (int k = 0; k < n; ++k) ptrs[k] = data[k];
    run_output_rows<n>(ptrs, strides, size0, size1, out_es, stream, [&](char** p, int64_t count) {
      detail::row_loop(op, p, strides, count, idx);
    });
    if (stream) stream_fence();
  }, grain);
}

namespace detail {
// How vec_loop reads and writes one operand: values of T through VecIO<T>, or (IsBool) bool
// bytes as masks of the same vector type (vec_mask.h).
template <typename T, bool IsBool>
struct VecOperand {
  using IO = vec::VecIO<T>;
  using V = typename IO::vec_t;
  using elem_t = T;
  static V load(const T* p) { return IO::load(p); }
  static V broadcast(const T* p) { return V(typename V::value_type(*p)); }
  static void store(T* p, const V& v) { IO::store(p, v); }
  static void store(T* p, const V& v, int count) { IO::store(p, v, count); }
  static void store2(T* p, const V& a, const V& b) { IO::store2(p, a, b); }
  static constexpr bool kInterleavedPair = IO::kInterleavedPair;
};
template <typename T>
struct VecOperand<T, true> {
  using V = typename vec::VecIO<T>::vec_t;
  using elem_t = bool;
  static V load(const bool* p) { return vec::load_mask<V>(p); }
  static V broadcast(const bool* p) {
    unsigned char byte;
    std::memcpy(&byte, p, 1);
    return byte != 0 ? V(typename V::value_type(0)) == V(typename V::value_type(0)) : V(typename V::value_type(0));
  }
  static void store(bool* p, const V& m) { vec::store_mask(p, m); }
  static void store(bool* p, const V& m, int count) { vec::store_mask(p, m, count); }
  static void store2(bool* p, const V& a, const V& b) {
    vec::store_mask(p, a);
    vec::store_mask(p + V::size(), b);
  }
  static constexpr bool kInterleavedPair = false;
};
// The output and input k of cpu_kernel_vec<T, BoolOperands>.
template <typename T, unsigned BoolOperands>
using vec_output_t = VecOperand<T, (BoolOperands & 1u) != 0>;
template <typename T, unsigned BoolOperands, size_t K>
using vec_input_t = VecOperand<T, ((BoolOperands >> (K + 1)) & 1u) != 0>;

// The first count elements of an operand at p as a vector, the lanes after them copies of p[0]
// (see the top of this file). The gather loop fills its buffer the same way.
template <typename Op>
typename Op::V load_padded(const typename Op::elem_t* p, int count) {
  using E = typename Op::elem_t;
  E buf[Op::V::size()];
  std::memcpy(buf, p, size_t(count) * sizeof(E));
  for (int l = count; l < Op::V::size(); ++l) buf[l] = p[0];
  return Op::load(buf);
}

// step(i) for i = 0, N, ..., whole - N, with everything step calls inlined into the loop: GCC
// left a long vop (bfloat16 log10) out of line at this, its hottest call site, and the call with
// its vectors passed through memory took 30 % of the time.
template <int N, typename Step>
[[gnu::flatten]] inline void full_vectors(int64_t whole, const Step& step) {
  for (int64_t i = 0; i < whole; i += N) step(i);
}

constexpr int64_t kPrefetchBytes = 1024;

// The pair step of vec_loop: vop called once on two vectors of each operand where it takes pairs.
template <typename VOp>
concept TakesPairs = VOp::kPairs;
template <typename VOp, typename V, typename... A>
std::array<V, 2> vec_pair(const VOp& vop, const std::array<A, 2>&... ab) {
  if constexpr (TakesPairs<VOp>) return vop(ab...);
  else return {vop(ab[0]...), vop(ab[1]...)};
}

// Input K of a contiguous stretch at element i: a full vector (count == N) or the first count
// elements padded as load_padded does; pinned to a register (vec::in_register).
template <typename Op>
[[gnu::always_inline]] inline typename Op::V load_contiguous(const typename Op::elem_t* p, int count) {
  return vec::in_register(count == Op::V::size() ? Op::load(p) : load_padded<Op>(p, count));
}
template <typename Op>
[[gnu::always_inline]] inline std::array<typename Op::V, 2> load_pair_interleaved(const typename Op::elem_t* p) {
  typename Op::V a, b;
  Op::IO::load2_interleaved(p, a, b);
  return {vec::in_register(a), vec::in_register(b)};
}

// The steps of vec_loop over n contiguous elements: two vectors a step (stored together: bfloat16
// narrows both in one pack), then one, then the partial tail. load(K, i, count) and load_pair(K, i)
// read input K at element i; prefetch_input(K, i) asks for what input K needs next.
template <typename T, unsigned BoolOperands, typename VOp, typename Load, typename LoadPair, typename Fetch, size_t... I>
[[gnu::always_inline]] inline void contiguous_steps(const VOp& op, typename vec_output_t<T, BoolOperands>::elem_t* out,
                                                    int64_t n, const Load& load, const LoadPair& load_pair,
                                                    const Fetch& prefetch_input, std::index_sequence<I...>) {
  using Out = vec_output_t<T, BoolOperands>;
  using V = typename Out::V;
  constexpr int N = V::size();
  constexpr int nin = sizeof...(I);
  const int64_t whole = n / N * N, pairs = n / (2 * N) * (2 * N);
  if constexpr (Out::kInterleavedPair && (vec_input_t<T, BoolOperands, I>::kInterleavedPair && ...)) {
    // Every operand bfloat16 (AVX2, AVX-512): the pair in VecIO's interleaved lane order, which vop,
    // lane-wise, cannot tell from the plain one (the same bits).
    full_vectors<2 * N>(pairs, [&](int64_t i) {
      (prefetch_input(std::integral_constant<size_t, I>{}, i), ...);
      const std::array<V, 2> ab[nin] = {load_pair(std::integral_constant<size_t, I>{}, i)...};
      const std::array<V, 2> r = vec_pair<VOp, V>(op, ab[I]...);
      Out::IO::store2_interleaved(out + i, r[0], r[1]);
    });
  } else if constexpr (TakesPairs<VOp>) {
    full_vectors<2 * N>(pairs, [&](int64_t i) {
      (prefetch_input(std::integral_constant<size_t, I>{}, i), ...);
      const std::array<V, 2> r = op(std::array<V, 2>{load(std::integral_constant<size_t, I>{}, i, N),
                                                      load(std::integral_constant<size_t, I>{}, i + N, N)}...);
      Out::store2(out + i, r[0], r[1]);
    });
  } else {
    full_vectors<2 * N>(pairs, [&](int64_t i) {
      (prefetch_input(std::integral_constant<size_t, I>{}, i), ...);
      const V a = op(load(std::integral_constant<size_t, I>{}, i, N)...);
      Out::store2(out + i, a, op(load(std::integral_constant<size_t, I>{}, i + N, N)...));
    });
  }
  if (pairs < whole) Out::store(out + pairs, op(load(std::integral_constant<size_t, I>{}, pairs, N)...));
  if (whole < n) Out::store(out + whole, op(load(std::integral_constant<size_t, I>{}, whole, int(n - whole))...), int(n - whole));
}

// vec_loop's rows where every operand is contiguous and nothing is prefetched (a cheap vop): the
// same steps with loads that test nothing. GCC does not unswitch the general loop on which inputs
// are broadcast, so each of its loads tests that flag. Without the tests (a Zen 1 EPYC, AVX2, one
// process, two runs; time of the general loop / this one, 4M elements unless said):
// hardtanh_backward float16 1.11-1.22, float32 1.01-1.08 (1.41-1.53 at 64K, in L2), maximum
// float16 1.15-1.19, float32 [2048, 2048] with a broadcast row 1.06-1.20, float16 clamp with
// broadcast-row bounds 1.18-1.19; gelu (prefetched: the general loop) and 1-element calls
// unchanged. A function of its own, not a branch in the general one: written there (stop 54, Zen 5),
// it changed GCC's register allocation of the general loop (the output pointer reloaded from the
// stack every step: float16 clamp 1.41 -> 1.00x PyTorch).
template <typename T, unsigned BoolOperands, typename VOp, typename In, size_t... I>
[[gnu::noinline]] void dense_vec_loop(const VOp& vop, typename vec_output_t<T, BoolOperands>::elem_t* out,
                                      const In& inputs, int64_t n, std::index_sequence<I...> idx) {
  const In in = inputs;
  const VOp op = vop;
  auto load = [&]<size_t K>(std::integral_constant<size_t, K>, int64_t i, int count) {
    return load_contiguous<vec_input_t<T, BoolOperands, K>>(std::get<K>(in) + i, count);
  };
  auto load_pair = [&]<size_t K>(std::integral_constant<size_t, K>, int64_t i) {
    return load_pair_interleaved<vec_input_t<T, BoolOperands, K>>(std::get<K>(in) + i);
  };
  contiguous_steps<T, BoolOperands>(op, out, n, load, load_pair, [](auto, int64_t) {}, idx);
}

template <typename T, unsigned BoolOperands, typename VOp, size_t... I>
inline void vec_loop(const VOp& vop, char** data, const int64_t* strides, int64_t n, bool prefetch,
                     std::index_sequence<I...> idx) {
  using Out = vec_output_t<T, BoolOperands>;
  using OutE = typename Out::elem_t;
  using V = typename Out::V;
  constexpr int N = V::size();
  constexpr int nin = sizeof...(I);
  constexpr int64_t es[nin + 1] = {int64_t(sizeof(OutE)), int64_t(sizeof(typename vec_input_t<T, BoolOperands, I>::elem_t))...};
  OutE* out = reinterpret_cast<OutE*>(data[0]);
  const std::tuple<const typename vec_input_t<T, BoolOperands, I>::elem_t*...> in{
      reinterpret_cast<const typename vec_input_t<T, BoolOperands, I>::elem_t*>(data[I + 1])...};
  if (strides[0] == es[0] && ((strides[I + 1] == es[I + 1] || strides[I + 1] == 0) && ...)) {
    if (!prefetch && ((strides[I + 1] == es[I + 1]) && ...)) return dense_vec_loop<T, BoolOperands>(vop, out, in, n, idx);
    const V bcast[nin] = {vec_input_t<T, BoolOperands, I>::broadcast(std::get<I>(in))...};
    // Which inputs are broadcast, and vop's captures, in locals: read through strides (int64_t)
    // and vop (a T captured by value) they alias the output for the compiler, which re-read them
    // after every store: int64 kernels reloaded two strides and their constant per step.
    const bool broadcast[nin] = {strides[I + 1] == 0 ...};
    const bool fetch[nin] = {prefetch && strides[I + 1] != 0 ...};
    const VOp op = vop;
    auto load = [&]<size_t K>(std::integral_constant<size_t, K>, int64_t i, int count) {
      if (broadcast[K]) return bcast[K];
      return load_contiguous<vec_input_t<T, BoolOperands, K>>(std::get<K>(in) + i, count);
    };
    auto load_pair = [&]<size_t K>(std::integral_constant<size_t, K>, int64_t i) {
      if (broadcast[K]) return std::array<V, 2>{bcast[K], bcast[K]};
      return load_pair_interleaved<vec_input_t<T, BoolOperands, K>>(std::get<K>(in) + i);
    };
    // Streams from memory: the hardware prefetcher alone leaves a long vop (gelu, exp) waiting on
    // its loads once the operands outgrow the cache (bfloat16 gelu at 4M elements: 1.7 against
    // 0.7 ns/element in cache), so each step asks for the line kPrefetchBytes ahead. Not for a
    // cheap op (the caller passes prefetch only for kMathGrainSize ones), which the hardware
    // prefetcher keeps fed: where its output was streamed the requests slowed the loop to the speed
    // of writing through the cache (4M int64 maximum, threshold_backward: streamed / cached
    // 1.00-1.16 with them, 0.86-0.88 without), and where it was cached they cost 5-14 % (one
    // process, 101 shuffled rounds, time without / with: float32 clamp 0.86-0.88, addcmul with a
    // broadcast row 0.89-0.90, _prelu_kernel 0.87-0.91, minimum with a broadcast row 0.88-0.94,
    // AVX-512 and AVX2; gelu, where, threshold_backward 0.99-1.02; maximum with a broadcast column
    // 1.07 AVX-512, 0.87 AVX2).
    auto prefetch_input = [&]<size_t K>(std::integral_constant<size_t, K>, int64_t i) {
      if (fetch[K]) __builtin_prefetch(reinterpret_cast<const char*>(std::get<K>(in) + i) + kPrefetchBytes);
    };
    contiguous_steps<T, BoolOperands>(op, out, n, load, load_pair, prefetch_input, idx);
    return;
  }
  // Other strides: gather up to N elements of each operand into a buffer, run vop on the
  // buffers, scatter the results (bytes copied, so any element type fits the buffer).
  alignas(64) char buf[nin + 1][N * sizeof(double)];
  for (int64_t i = 0; i < n; i += N) {
    const int count = int(std::min<int64_t>(N, n - i));
    for (int k = 0; k < nin; ++k)
      for (int l = 0; l < N; ++l)
        std::memcpy(buf[k + 1] + l * es[k + 1], data[k + 1] + (l < count ? i + l : i) * strides[k + 1], size_t(es[k + 1]));
    Out::store(reinterpret_cast<OutE*>(buf[0]),
               vop(vec_input_t<T, BoolOperands, I>::load(
                   reinterpret_cast<const typename vec_input_t<T, BoolOperands, I>::elem_t*>(buf[I + 1]))...),
               count);
    for (int l = 0; l < count; ++l) std::memcpy(data[0] + (i + l) * strides[0], buf[0] + l * es[0], size_t(es[0]));
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

// vec_op for cpu_kernel_vec that also takes pairs of vectors (see the top of this file).
template <typename F>
struct Pairwise {
  F f;
  static constexpr bool kPairs = true;
  template <typename... A>
  auto operator()(const A&... a) const -> decltype(f(a...)) { return f(a...); }
};
template <typename F>
Pairwise<F> pairwise(F f) { return {f}; }

// Operands stored as bool (one byte, 0 or 1) while the kernel computes on T: bit 0 of
// cpu_kernel_vec's BoolOperands is the output (vop returns a mask, stored as bools), bit k + 1
// input k (read as a mask: every bit of a lane set where the bool is true). Comparisons use
// kBoolOutput (T in, bool out), where uses bool_input(0) (a bool condition, T values).
inline constexpr unsigned kBoolOutput = 1u;
constexpr unsigned bool_input(int k) { return 2u << k; }

template <typename T, unsigned BoolOperands = 0, typename VOp>
void cpu_kernel_vec(const TensorIterator& iter, const VOp& vop, int64_t grain = kGrainSize) {
  using V = typename vec::VecIO<T>::vec_t;
  constexpr size_t arity = detail::vec_arity<VOp, V>();
  detail::check_arity(iter, int(arity));
  constexpr int64_t out_es = sizeof(typename detail::vec_output_t<T, BoolOperands>::elem_t);
  const bool stream = streams_output(iter, out_es, grain);
  // Software prefetch only for long vops (kMathGrainSize); see vec_loop.
  const bool prefetch = grain < kGrainSize;
  iter.for_each([&](char** data, const int64_t* strides, int64_t size0, int64_t size1) {
    constexpr int n = int(arity) + 1;
    char* ptrs[n];
    for (int k = 0; k < n; ++k) ptrs[k] = data[k];
    run_output_rows<n>(ptrs, strides, size0, size1, out_es, stream, [&](char** p, int64_t count) {
      detail::vec_loop<T, BoolOperands>(vop, p, strides, count, prefetch, std::make_index_sequence<arity>{});
    });
    if (stream) stream_fence();
  }, grain);
}

}  // namespace tg::native::CPU_CAPABILITY

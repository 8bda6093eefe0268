// Scan (cumulative) kernels: cumsum, cumprod, cummax, cummin. The Scan front end (aten/native/Scan.h) hands each kernel a
// contiguous input in the compute dtype and contiguous outputs; scan_lines() walks the lines
// along dim. Each line is scanned start to end by one thread (an integer line longer than the
// lines are many, by all threads: scan_line_chained), so results do not depend on the thread count.
//
// Accumulation: floating types accumulate in opmath (float for float, float16 and bfloat16;
// double for double). PyTorch's CPU cumsum accumulates float in double; we keep float, which is
// what NumPy's float32 cumsum does (same sequential order, so the same bits as NumPy).
// Integers accumulate in their unsigned type: overflow wraps around like PyTorch, without
// undefined behaviour.
#include "aten/vec/isa.h"
#include <algorithm>
#include <bit>
#include <atomic>
#include <cmath>
#include <thread>
#include <limits>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/Scan.h"
#include "aten/parallel/Parallel.h"
#include "aten/vec/vec.h"
#include "aten/vec/vec_math_extra.h"
#include "kernels/cummax.h"
#include "kernels/cummin.h"
#include "kernels/cumprod.h"
#include "kernels/cumsum.h"
#include "kernels/logcumsumexp.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

template <typename T, bool Int = std::is_integral_v<T>> struct scan_acc { using type = opmath_t<T>; };
template <typename T> struct scan_acc<T, true> { using type = std::make_unsigned_t<T>; };
template <typename T>
using scan_acc_t = typename scan_acc<T>::type;

// One contiguous line of float16 / bfloat16: blocks of 64 are converted to float with vector
// loads (F16C; vec::half_to_float_buffer), scanned in float and converted back with vector
// stores. Those give the same bits as the element-by-element conversions (aten/vec/vec.h) at a
// fraction of their cost: a float16 cumsum of 4M elements took 24 ms, 7x float32's. Short
// blocks: the conversions then sit in the out-of-order window next to the serial chain of the
// scan and run beside it (blocks of 256 serialized them: a float16 cumprod of 4M, 1.07 -> ~0.95
// ns per element on Zen 2).
template <typename T, typename Acc, typename Combine>
void scan_reduced_float_line(const T* x, T* y, int64_t n, Acc init, Combine combine) {
  constexpr int64_t kBlock = 64;
  float buf[kBlock];
  Acc acc = init;
  for (int64_t k = 0; k < n; k += kBlock) {
    const int64_t m = std::min(kBlock, n - k);
    vec::half_to_float_buffer(x + k, buf, m);
    for (int64_t j = 0; j < m; ++j) {
      acc = combine(acc, Acc(buf[j]));
      buf[j] = float(acc);
    }
    vec::float_buffer_to_half(buf, y + k, m);
  }
}

// One long integer line on all threads, in blocks of kChainBlock elements claimed in order: a
// block's combination is taken first (reading it into the cache), the block then waits for the
// previous block's running total, publishes its own, and scans itself (from the cache) starting
// from the previous total. Only that publication is waited for, so the threads overlap. Integer
// sum and product wrap around in the unsigned accumulator, so they are associative: the result
// is the sequential scan's for any thread count and blocking.
constexpr int64_t kChainBlock = 1 << 16;
template <typename T, typename Acc, typename Combine>
void scan_line_chained(const T* x, T* y, int64_t n, Acc init, Combine combine) {
  const int64_t blocks = (n + kChainBlock - 1) / kChainBlock;
  std::vector<Acc> total(static_cast<size_t>(blocks));
  std::unique_ptr<std::atomic<bool>[]> published(new std::atomic<bool>[static_cast<size_t>(blocks)]);
  for (int64_t j = 0; j < blocks; ++j) published[j].store(false, std::memory_order_relaxed);
  std::atomic<int64_t> next{0};
  parallel_for(0, get_num_threads(), 1, [&](int64_t, int64_t) {
    for (int64_t j = next.fetch_add(1); j < blocks; j = next.fetch_add(1)) {
      const int64_t b = j * kChainBlock, e = std::min(n, b + kChainBlock);
      Acc local = init;
      for (int64_t k = b; k < e; ++k) local = combine(local, Acc(x[k]));
      Acc carry = init;
      if (j > 0) {  // block j - 1 was claimed first and publishes right after its own combination
        while (!published[j - 1].load(std::memory_order_acquire)) std::this_thread::yield();
        carry = total[size_t(j - 1)];
      }
      total[size_t(j)] = combine(carry, local);
      published[j].store(true, std::memory_order_release);
      for (int64_t k = b; k < e; ++k) {
        carry = combine(carry, Acc(x[k]));
        y[k] = T(carry);
      }
    }
  });
}

// out[k] = combine(...combine(combine(init, in[0]), in[1])..., in[k]) along every line.
template <typename T, typename Acc, typename Combine>
void scan_lines(const Scan& s, Acc init, Combine combine) {
  if (s.empty()) return;
  const T* in = s.input().data<T>();
  T* out = s.output(0).data<T>();
  const int64_t n = s.length(), inner = s.inner();
  if constexpr (std::is_integral_v<T>) {
    if (inner == 1 && s.lines() < get_num_threads() && n >= 4 * kChainBlock) {
      for (int64_t l = 0; l < s.lines(); ++l) scan_line_chained(in + l * n, out + l * n, n, init, combine);
      return;
    }
  }
  if (inner == 1) {
    // Contiguous lines (dim is the last dim): lines split across threads.
    parallel_for(0, s.lines(), std::max<int64_t>(1, kGrainSize / n), [&](int64_t begin, int64_t end) {
      for (int64_t l = begin; l < end; ++l) {
        const T* x = in + l * n;
        T* y = out + l * n;
        if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
          scan_reduced_float_line(x, y, n, init, combine);
          continue;
        }
        Acc acc = init;
        for (int64_t k = 0; k < n; ++k) {
          acc = combine(acc, Acc(x[k]));
          y[k] = T(acc);
        }
      }
    });
    return;
  }
  // Strided lines: neighbouring lines are neighbours in memory, so a block of kBlock lines
  // advances together, each step along dim reading and writing kBlock contiguous elements.
  constexpr int64_t kBlock = 256;
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
  parallel_for(0, s.outer() * blocks, std::max<int64_t>(1, kGrainSize / (n * kBlock)), [&](int64_t begin, int64_t end) {
    Acc acc[kBlock];
    for (int64_t t = begin; t < end; ++t) {
      const int64_t o = t / blocks, i0 = t % blocks * kBlock, width = std::min(kBlock, inner - i0);
      const int64_t base = o * n * inner + i0;
      std::fill(acc, acc + width, init);
      for (int64_t k = 0; k < n; ++k) {
        const T* x = in + base + k * inner;
        T* y = out + base + k * inner;
        for (int64_t j = 0; j < width; ++j) {
          acc[j] = combine(acc[j], Acc(x[j]));
          y[j] = T(acc[j]);
        }
      }
    }
  });
}

// cummax (IsMax) / cummin with indices: the running extreme is replaced when x >= it (<= for
// min; ties take the later index) and it is not NaN, or when x is NaN (PyTorch's rule: after
// the first NaN the values stay NaN and the index follows the latest NaN).
// Each line is walked by one thread along its stride (1 for contiguous lines).
//
// The comparisons are on integer keys: a float's bits, a negative float's minus its magnitude
// (so -0 and +0 tie, as they compare equal), NaN at the top of the order for max and at the
// bottom for min, so that "x replaces the extreme" is key(x) >= key (<= for min) with no NaN
// tests on the chain each element waits on). Integers are their own keys. With the loops below
// taking pointers and a unit stride by value, 4M float32 on the Zen 2 VM, one thread: 20.3 ->
// 7.6 ms (PyTorch 21.5).
template <bool IsMax, typename V>
auto extreme_key(V v) {
  if constexpr (std::is_same_v<V, float> || std::is_same_v<V, double>) {
    using K = std::conditional_t<std::is_same_v<V, float>, int32_t, int64_t>;
    constexpr K kMagnitude = std::numeric_limits<K>::max();
    constexpr K kInf = std::bit_cast<K>(std::numeric_limits<V>::infinity());
    const K bits = std::bit_cast<K>(v), mag = bits & kMagnitude;
    const K key = bits < 0 ? K(-mag) : mag;
    return mag > kInf ? (IsMax ? kMagnitude : std::numeric_limits<K>::min()) : key;
  } else {
    return v;
  }
}
template <bool IsMax, typename K>
bool later_wins(K later, K extreme) {
  return IsMax ? later >= extreme : later <= extreme;
}

// take ? a : b on the bits, through an all-ones or all-zeros mask, so the compiler cannot turn
// it into a branch.
template <typename A>
A masked_select(bool take, A a, A b) {
  using U = std::conditional_t<sizeof(A) == 8, uint64_t, std::conditional_t<sizeof(A) == 4, uint32_t,
            std::conditional_t<sizeof(A) == 2, uint16_t, uint8_t>>>;
  const U mask = U(0) - U(take), ub = std::bit_cast<U>(b);
  return std::bit_cast<A>(U(ub ^ ((ub ^ std::bit_cast<U>(a)) & mask)));
}

template <bool IsMax>
struct RunningExtreme {
  // Steps k0 .. k0 + m of a line: x(j) the value of step k0 + j (opmath), emit(j, best, index).
  // Branch-free (selects, not jumps): how often the extreme changes depends on the data (ties,
  // sorted runs), and a mispredicted branch per element cost 2-3x. The selects are masks on the
  // bits (masked_select): written `take ? v : best`, GCC made the int64 loop a branch around two
  // store pairs, and a 4M int64 cummax whose maximum is 1 element in 6 ran at 0.69x PyTorch's.
  template <typename V, typename X, typename Emit>
  static void run(V& best, int64_t& best_index, int64_t k0, int64_t m, X x, Emit emit) {
    auto best_key = extreme_key<IsMax>(best);
    for (int64_t j = 0; j < m; ++j) {
      const V v = x(j);
      const auto key = extreme_key<IsMax>(v);
      const bool take = later_wins<IsMax>(key, best_key);
      best_key = masked_select(take, key, best_key);
      best = masked_select(take, v, best);
      best_index = masked_select(take, k0 + j, best_index);
      emit(j, best, best_index);
    }
  }
};

// The extreme of x[k0 .. k1) (contiguous float, double, int32 or int64; k1 - k0 a multiple of four vectors) as
// (key, the last step holding it): a NaN-propagating vector max (min), then a backward search by
// vectors for the last element equal to it (or NaN).
template <bool IsMax, typename T>
auto piece_extreme(const T* x, int64_t k0, int64_t k1) {
  using Vec = vec::Vectorized<T>;
  constexpr int64_t W = Vec::size();
  auto pick = [](const Vec& a, const Vec& b) { return IsMax ? vec::maximum(a, b) : vec::minimum(a, b); };
  Vec acc[4] = {Vec::loadu(x + k0), Vec::loadu(x + k0 + W), Vec::loadu(x + k0 + 2 * W), Vec::loadu(x + k0 + 3 * W)};
  for (int64_t k = k0 + 4 * W; k < k1; k += 4 * W)
    for (int i = 0; i < 4; ++i) acc[i] = pick(acc[i], Vec::loadu(x + k + i * W));
  T lanes[W];
  pick(pick(acc[0], acc[1]), pick(acc[2], acc[3])).store(lanes);
  auto key = extreme_key<IsMax>(lanes[0]);
  for (int64_t i = 1; i < W; ++i) {
    const auto v = extreme_key<IsMax>(lanes[i]);
    key = IsMax ? std::max(key, v) : std::min(key, v);
  }
  T m = lanes[0];  // a lane holding the extreme
  for (int64_t i = W - 1; i > 0; --i) if (extreme_key<IsMax>(lanes[i]) == key) m = lanes[i];
  const bool nan = m != m;
  int64_t k = k1 - W;
  for (; k > k0; k -= W) {
    const Vec v = Vec::loadu(x + k);
    if (vec::any(nan ? v != v : v == Vec(m))) break;
  }
  int64_t last = k + W - 1;
  while (extreme_key<IsMax>(x[last]) != key) --last;
  return std::pair{key, last};
}

// A line with few lines beside it (a 1-D cummax) is cut into pieces of kPiece elements. First
// every piece's own extreme (the key's max, then the last step holding it: a read-only pass the
// compiler vectorizes), all threads at once; then each piece is scanned from the extreme of the
// pieces before it, all threads at once. (Scanning the pieces from their own first elements and
// then rewriting each piece's prefix where the earlier extreme wins rewrote nearly every element
// of random data: two threads ran slower than one.) Max, min and their indices are exact, so the
// result is the one sequential scan's for any number of threads.
constexpr int64_t kPiece = int64_t(1) << 16;

template <bool IsMax>
void cum_extreme(const Scan& s) {
  if (s.empty()) return;
  dispatch_all(s.compute_dtype(), s.op(), [&]<typename T>() {
    using V = opmath_t<T>;
    using K = decltype(extreme_key<IsMax>(V()));
    const T* in = s.input().data<T>();
    T* values = s.output(0).data<T>();
    int64_t* indices = s.output(1).data<int64_t>();
    const int64_t n = s.length(), stride = s.inner();
    // Steps [k0, k1) of the line at base, from the extreme (best, best_index) of the steps before
    // k0, or (start_index < 0) from step k0's own element.
    auto scan_range = [&](int64_t base, int64_t k0, int64_t k1, int64_t start_index) {
      V best = V(in[base + (start_index < 0 ? k0 : start_index) * stride]);
      int64_t best_index = start_index < 0 ? k0 : start_index;
      if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
        if (stride == 1) {  // blocks converted to float and back with the vector loads / stores
          using IO = vec::VecIO<T>;
          using FV = typename IO::vec_t;
          constexpr int64_t W = FV::size(), kBlock = 32 * W;
          float buf[kBlock];
          for (int64_t k = k0; k < k1; k += kBlock) {
            const int64_t m = std::min(kBlock, k1 - k);
            for (int64_t j = 0; j < m; j += W) {
              const int c = int(std::min(W, m - j));
              (c == W ? IO::load(in + base + k + j) : IO::load(in + base + k + j, c)).store(buf + j);
            }
            int64_t* idx = indices + base + k;
            RunningExtreme<IsMax>::run(best, best_index, k, m, [&](int64_t j) { return buf[j]; },
                                       [&](int64_t j, float b, int64_t i) { buf[j] = b, idx[j] = i; });
            for (int64_t j = 0; j < m; j += W) {
              const int c = int(std::min(W, m - j));
              if (c == W) IO::store(values + base + k + j, FV::loadu(buf + j));
              else IO::store(values + base + k + j, FV::loadu(buf + j), c);
            }
          }
          return;
        }
      }
      const T* x = in + base + k0 * stride;
      T* vals = values + base + k0 * stride;
      int64_t* idx = indices + base + k0 * stride;
      // Pointers and stride captured by value: by reference, the compiler reloaded them after
      // every store (they might alias), and a unit stride is worth its own loop.
      auto scan = [&](auto st) {
        RunningExtreme<IsMax>::run(best, best_index, k0, k1 - k0, [=](int64_t j) { return V(x[j * st]); },
                                   [=](int64_t j, V b, int64_t i) {
                                     vals[j * st] = T(b);
                                     idx[j * st] = i;
                                   });
      };
      if (stride == 1) scan(std::integral_constant<int64_t, 1>{});
      else scan(stride);
    };
    const int64_t lines = s.lines();
    const int64_t pieces = lines < get_num_threads() ? (n + kPiece - 1) / kPiece : 1;
    if (pieces == 1 && stride > 1) {
      // Strided lines (dim not the last): a block of kBlock neighbouring lines advances together,
      // each step along dim reading and writing kBlock contiguous elements, the lines' running
      // extremes side by side (as scan_lines does). One line at a time along its stride touched a
      // new cache line per element: [2048,2048] along dim 0, 92 ms (PyTorch 165).
      constexpr int64_t kBlock = 256;
      const int64_t blocks = (stride + kBlock - 1) / kBlock;
      parallel_for(0, s.outer() * blocks, std::max<int64_t>(1, kGrainSize / (n * kBlock)), [&](int64_t begin, int64_t end) {
        V best[kBlock];
        K best_key[kBlock];
        int64_t best_index[kBlock];
        for (int64_t t = begin; t < end; ++t) {
          const int64_t i0 = t % blocks * kBlock, width = std::min(kBlock, stride - i0);
          const int64_t base = t / blocks * n * stride + i0;
          for (int64_t j = 0; j < width; ++j) {
            best[j] = V(in[base + j]);
            best_key[j] = extreme_key<IsMax>(best[j]);
            best_index[j] = 0;
            values[base + j] = in[base + j];
            indices[base + j] = 0;
          }
          for (int64_t k = 1; k < n; ++k) {
            const T* x = in + base + k * stride;
            T* vals = values + base + k * stride;
            int64_t* idx = indices + base + k * stride;
            for (int64_t j = 0; j < width; ++j) {  // RunningExtreme's step, per line
              const V v = V(x[j]);
              const K key = extreme_key<IsMax>(v);
              const bool take = later_wins<IsMax>(key, best_key[j]);
              best_key[j] = take ? key : best_key[j];
              best[j] = take ? v : best[j];
              best_index[j] = take ? k : best_index[j];
              vals[j] = T(best[j]);
              idx[j] = best_index[j];
            }
          }
        }
      });
      return;
    }
    if (pieces == 1) {
      parallel_for(0, lines, std::max<int64_t>(1, kGrainSize / n), [&](int64_t begin, int64_t end) {
        for (int64_t l = begin; l < end; ++l) scan_range(s.line_offset(l), 0, n, -1);
      });
      return;
    }
    // Each piece's extreme but the line's last: (key, the last step holding it).
    std::vector<std::pair<K, int64_t>> own(size_t(lines * pieces));
    parallel_for(0, lines * pieces, 1, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) {
        if (t % pieces == pieces - 1) continue;
        const T* x = in + s.line_offset(t / pieces);
        const int64_t k0 = t % pieces * kPiece, k1 = k0 + kPiece;
        // int32 / int64 too (their keys are the values): the scalar loop and its element-by-element
        // backward search made a 4M int64 cummax 0.7x PyTorch's on Zen 5.
        if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, int32_t> ||
                      std::is_same_v<T, int64_t>) {
          if (stride == 1) {
            own[size_t(t)] = piece_extreme<IsMax>(x, k0, k1);
            continue;
          }
        }
        if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
          if (stride == 1) {  // blocks converted to float with the vector loads (one at a time: 3x slower)
            using IO = vec::VecIO<T>;
            constexpr int64_t W = IO::vec_t::size(), kBlock = 32 * W;
            static_assert(kPiece % kBlock == 0);
            float buf[kBlock];
            std::pair<K, int64_t> best{};
            for (int64_t k = k0; k < k1; k += kBlock) {
              for (int64_t j = 0; j < kBlock; j += W) IO::load(x + k + j).store(buf + j);
              const auto [key, last] = piece_extreme<IsMax>(buf, 0, kBlock);
              if (k == k0 || later_wins<IsMax>(key, best.first)) best = {key, k + last};  // ties: the later block
            }
            own[size_t(t)] = best;
            continue;
          }
        }
        auto extreme = [&](auto st) {
          K key = extreme_key<IsMax>(V(x[k0 * st]));
          for (int64_t k = k0 + 1; k < k1; ++k) {
            const K v = extreme_key<IsMax>(V(x[k * st]));
            key = IsMax ? std::max(key, v) : std::min(key, v);
          }
          int64_t last = k1 - 1;
          while (extreme_key<IsMax>(V(x[last * st])) != key) --last;
          own[size_t(t)] = {key, last};
        };
        extreme(stride);
      }
    });
    // from[t]: the extreme (key, step) of the pieces before piece t of its line.
    std::vector<std::pair<K, int64_t>> from(size_t(lines * pieces));
    for (int64_t l = 0; l < lines; ++l) {
      for (int64_t p = 1; p < pieces; ++p) {
        const auto& before = from[size_t(l * pieces + p - 1)];
        const auto& piece = own[size_t(l * pieces + p - 1)];
        from[size_t(l * pieces + p)] = p == 1 || later_wins<IsMax>(piece.first, before.first) ? piece : before;
      }
    }
    parallel_for(0, lines * pieces, 1, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) {
        const int64_t p = t % pieces, k0 = p * kPiece;
        scan_range(s.line_offset(t / pieces), k0, std::min(n, k0 + kPiece), p == 0 ? -1 : from[size_t(t)].second);
      }
    });
  });
}

}  // namespace

void cummax_kernel(const Scan& scan) { cum_extreme<true>(scan); }
void cummin_kernel(const Scan& scan) { cum_extreme<false>(scan); }

void cumsum_kernel(const Scan& scan) {
  dispatch_numeric(scan.compute_dtype(), "cumsum", [&]<typename T>() {
    using Acc = scan_acc_t<T>;
    scan_lines<T>(scan, Acc(0), [](Acc a, Acc b) { return Acc(a + b); });
  });
}

void cumprod_kernel(const Scan& scan) {
  dispatch_numeric(scan.compute_dtype(), "cumprod", [&]<typename T>() {
    using Acc = scan_acc_t<T>;
    scan_lines<T>(scan, Acc(1), [](Acc a, Acc b) { return Acc(a * b); });
  });
}

// log(exp(a) + exp(x)) without overflow: max + log1p(exp(min - max)). Two equal infinities
// return themselves (inf - inf would be nan); a NaN propagates (PyTorch's _log_add_exp_helper).
template <typename Acc>
static Acc log_add_exp(Acc a, Acc x) {
  const Acc lo = x != x ? x : std::min(a, x);
  const Acc hi = x != x ? x : std::max(a, x);
  if (lo != hi || std::isfinite(lo)) return hi + std::log1p(std::exp(lo - hi));
  return a;
}

// logcumsumexp of one contiguous line of any floating dtype, in double (PyTorch accumulates float in
// double too: its float results are correctly rounded, a float recurrence was off by up to ~100
// ulp), kBlock elements at a time: with m the block's max, s_k = m + log(e_0 + ... + e_k) (e_j =
// e^(x_j - m), summed in order) and out_k = logaddexp(carry, s_k), carry the last output before the
// block. The element-by-element recurrence is a chain of scalar exp and log1p calls (~30 ns an
// element); this is four vector calls per element off the chain. A block holding a NaN or an
// infinity takes the recurrence (PyTorch's rules for them). kBlock is fixed, not the vector width,
// and the vector math is vec_math_extra.h's, the same on every capability (this file is compiled
// with -ffp-contract=off): the same bits on every capability and thread count.
// e^x for x <= 0 or NaN through vec_math_extra.h's exp (fused multiply-adds on every capability,
// unlike vec::exp's fmadd, which the portable build does unfused); below -kExpClamp it is 0 or
// the smallest subnormal either way.
inline vec::Vectorized<double> exp_nonpositive(const vec::Vectorized<double>& x) {
  using V = vec::Vectorized<double>;
  return vec::xdetail::exp_(vec::clamp_min(x, V(-vec::xdetail::XConst<double>::kExpClamp)), V(0.0));
}

template <typename T>
void logcumsumexp_line(const T* x, T* y, int64_t n) {
  using V = vec::Vectorized<double>;
  constexpr int kBlock = 16, W = V::size();
  static_assert(kBlock % W == 0, "whole vectors per block");
  constexpr double inf = std::numeric_limits<double>::infinity();
  double carry = -inf;
  int64_t k = 0;
  alignas(64) double xb[kBlock], e[kBlock], out[kBlock];
  for (; k + kBlock <= n; k += kBlock) {
    bool finite = true;
    for (int j = 0; j < kBlock; ++j) {
      xb[j] = double(opmath_t<T>(x[k + j]));
      finite &= std::abs(xb[j]) < inf;  // false for NaN
    }
    if (!finite) {
      for (int j = 0; j < kBlock; ++j) y[k + j] = T(opmath_t<T>(carry = log_add_exp(carry, xb[j])));
      continue;
    }
    const double m = *std::max_element(xb, xb + kBlock);
    for (int j = 0; j < kBlock; j += W) exp_nonpositive(V::loadu(xb + j) - V(m)).store(e + j);
    for (int j = 1; j < kBlock; ++j) e[j] += e[j - 1];
    const V c(carry);
    for (int j = 0; j < kBlock; j += W) {
      const V s = V(m) + vec::xdetail::log_(V::loadu(e + j));
      // logaddexp(carry, s): carry = -inf gives s, a NaN or +inf carry itself
      const V hi = vec::maximum(c, s), lo = vec::minimum(c, s);
      (hi + vec::xdetail::log1p_nonneg<double, true>(exp_nonpositive(lo - hi))).store(out + j);
    }
    for (int j = 0; j < kBlock; ++j) y[k + j] = T(opmath_t<T>(out[j]));
    carry = out[kBlock - 1];
  }
  for (; k < n; ++k) y[k] = T(opmath_t<T>(carry = log_add_exp(carry, double(opmath_t<T>(x[k])))));
}

void logcumsumexp_kernel(const Scan& scan) {
  dispatch_floating(scan.compute_dtype(), "logcumsumexp", [&]<typename T>() {
    {
      if (!scan.empty() && scan.inner() == 1) {
        const T* in = scan.input().data<T>();
        T* out = scan.output(0).data<T>();
        const int64_t n = scan.length();
        parallel_for(0, scan.lines(), std::max<int64_t>(1, kGrainSize / n), [&](int64_t begin, int64_t end) {
          for (int64_t l = begin; l < end; ++l) logcumsumexp_line(in + l * n, out + l * n, n);
        });
        return;
      }
    }
    // Other layouts: the recurrence, in double like the lines above.
    scan_lines<T>(scan, -std::numeric_limits<double>::infinity(), [](double a, double x) { return log_add_exp(a, x); });
  });
}

}  // namespace tg::native::CPU_CAPABILITY

// Sorting and selection on the CPU: sort, topk, kthvalue, median, mode, and the backward helpers
// _gather_along_dim / _scatter_add_along_dim.
//
// Every op works line by line along its dim: a line's elements are gathered (from any strides)
// into a buffer of (key, index) entries, where the key is the order-preserving unsigned image of
// the value (Sorting.h: NaN largest, -0.0 == 0.0) and ties are broken by index. Sorting the entries
// gives PyTorch's stable sort (std::sort on short lines, an LSD radix sort on long ones);
// selecting among them (std::nth_element, or for a small topk one filtering pass) gives exactly
// the element a stable sort would put at that place. Lines are split across threads and each is
// processed by one thread alone, so results never depend on the thread count.
#include "aten/vec/isa.h"
#if defined(__AVX2__)
#include <immintrin.h>
#endif
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <vector>

#include "aten/core/CPUAllocator.h"
#include "aten/dispatch/DtypeDispatch.h"
#include "aten/iter/Reduction.h"
#include "aten/native/Copy.h"
#include "aten/native/Sorting.h"
#include "aten/native/cpu/Prefetch.h"
#include "aten/native/cpu/SampledMedian.h"
#include "aten/parallel/Parallel.h"
#include "aten/vec/vec.h"
#include "aten/vec/vec_mask.h"
#include "kernels/_gather_along_dim.h"
#include "kernels/_scatter_add_along_dim.h"
#include "kernels/kthvalue.h"
#include "kernels/median.h"
#include "kernels/mode.h"
#include "kernels/sort.h"
#include "kernels/topk.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

// A line element: its key and its index along the dim. Lines shorter than 2^32 use 32-bit
// indices, so a float entry takes 8 bytes instead of 16 (half the memory traffic of a long sort).
template <typename K, typename I>
struct Entry {
  using key_type = K;
  K key;
  I index;
};

template <typename E>
inline bool entry_less(const E& a, const E& b) {
  if constexpr (sizeof(a.key) == 4 && sizeof(a.index) == 4) {
    // one 64-bit comparison instead of two dependent branches (std::sort's comparisons of random
    // keys mispredict about half the time)
    return ((uint64_t(a.key) << 32) | a.index) < ((uint64_t(b.key) << 32) | b.index);
  } else {
    return a.key < b.key || (a.key == b.key && a.index < b.index);
  }
}
// entry_less as a function object for the std algorithms: given `entry_less<E>` they received a
// function pointer and called it for every comparison (nth_element of int64 topk rows spent most
// of its time in those calls); a function object's call is inlined.
struct EntryLess {
  template <typename E>
  bool operator()(const E& a, const E& b) const { return entry_less(a, b); }
};

// Calls f.template operator()<I>() with the smallest index type that holds 0..n-1.
template <typename F>
void with_index_type(int64_t n, const F& f) {
  if (n <= int64_t(UINT32_MAX)) f.template operator()<uint32_t>();
  else f.template operator()<int64_t>();
}

// The entries of one line of n elements at p with the given stride, in index order. `flip`
// reverses the key order (descending sort, largest topk): equal values stay in index order.
template <typename T, typename E>
void load_line(const T* p, int64_t stride, int64_t n, bool flip, E* out) {
  using K = typename E::key_type;
  using I = decltype(E::index);
  static_assert(std::is_same_v<K, sort_key_t<T>>);
  const K mask = flip ? ~K(0) : K(0);
  if (stride == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = {K(sort_key(p[i]) ^ mask), I(i)};
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = {K(sort_key(p[i * stride]) ^ mask), I(i)};
  }
}

// Below this many elements std::sort of the entries always beats the radix sort's fixed cost;
// above, sort_entries weighs the passes the keys' range needs against std::sort.
constexpr int64_t kRadixMinLength = 32;
constexpr int64_t kRadixPassCost = 600;  // in comparisons of std::sort (see sort_entries)

// The smallest key of the entries, the span of their keys (largest - smallest) and the number of
// 8-bit passes that span needs.
template <typename K>
struct KeyRange {
  K lo, span;
  int passes;
};
template <typename E>
KeyRange<typename E::key_type> radix_range(const E* a, int64_t n) {
  using K = typename E::key_type;
  K lo = a[0].key, hi = a[0].key;
  for (int64_t i = 1; i < n; ++i) {
    lo = std::min(lo, a[i].key);
    hi = std::max(hi, a[i].key);
  }
  const K span = K(hi - lo);
  int passes = 0;
  while (passes < int(sizeof(K)) && (span >> (8 * passes)) != 0) ++passes;
  return {lo, span, passes};
}

// LSD radix sort of entries that are in index order, by key, 8 bits per pass. Each pass is
// stable, so the result is in (key, index) order. The keys are sorted as offsets from the
// smallest one, so only the bytes the line's range needs get a pass (int64 values within
// +-100: one pass, not eight); passes where every key has the same byte are skipped too.
// A pass counts and places by the values its byte can take, 0 .. (span >> 8p): a narrow span
// (int64 values within +-9: 19 buckets, not 256) skips the empty buckets' zeroing and prefix
// sums, much of a short line's sort (int64 [37, 129] along dim 1: 17.0 -> 14.7 us, PyTorch 15.5).
template <typename E>
void radix_sort(E* a, E* tmp, int64_t n, const KeyRange<typename E::key_type>& range) {
  using K = typename E::key_type;
  constexpr int kPasses = int(sizeof(K));
  const K lo = range.lo;
  const int passes = range.passes;
  if (passes == 0) return;  // one key everywhere: index order is the sorted order
  int64_t counts[kPasses][256];
  int buckets[kPasses];
  for (int p = 0; p < passes; ++p) {
    buckets[p] = int(std::min<K>(K(255), K(range.span >> (8 * p)))) + 1;
    std::fill(counts[p], counts[p] + buckets[p], int64_t(0));
  }
  for (int64_t i = 0; i < n; ++i) {
    const K k = K(a[i].key - lo);
    for (int p = 0; p < passes; ++p) ++counts[p][(k >> (8 * p)) & 0xff];
  }
  E* src = a;
  E* dst = tmp;
  for (int p = 0; p < passes; ++p) {
    int64_t* c = counts[p];
    if (c[(K(a[0].key - lo) >> (8 * p)) & 0xff] == n) continue;  // one byte value everywhere: nothing moves
    int64_t offset = 0;
    for (int b = 0; b < buckets[p]; ++b) {
      const int64_t count = c[b];
      c[b] = offset;
      offset += count;
    }
    for (int64_t i = 0; i < n; ++i) dst[c[(K(src[i].key - lo) >> (8 * p)) & 0xff]++] = src[i];
    std::swap(src, dst);
  }
  if (src != a) std::copy(src, src + n, a);
}

// Scratch entries from the caching CPU allocator: sorting a long line again reuses memory that is
// already mapped (fresh malloc'ed pages cost a page fault each, more than the sort itself).
template <typename E>
class Scratch {
 public:
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { release(); }
  E* get(int64_t n) {
    if (n > capacity_) {
      release();
      data_ = static_cast<E*>(cpu_allocate(size_t(n) * sizeof(E)));
      capacity_ = n;
    }
    return data_;
  }

 private:
  void release() {
    if (data_ != nullptr) cpu_free(data_, size_t(capacity_) * sizeof(E));
    data_ = nullptr;
    capacity_ = 0;
  }
  E* data_ = nullptr;
  int64_t capacity_ = 0;
};

// Sorts entries in index order into (key, index) order; tmp is scratch for the radix sort.
// A radix pass costs ~256 + 2n steps (its counts, their prefix sums, the moves), so short lines
// of wide keys go to std::sort's ~n log2(n) comparisons instead: 37 random floats (4 passes)
// sorted 3x faster by std::sort. The cost of a pass in comparisons is measured: the crossover is
// between 200 and 1000 elements for float32 keys, 100 and 200 for float16 (2 passes).
// 64-bit keys (int64, double) that span less than 2^32 with 32-bit indices are sorted packed as
// one uint64 each, (key - lo) << 32 | index: one integer comparison instead of two dependent
// branches on 16-byte entries (int64 lines of 37 values within +-100: 1.6x faster).
template <typename E>
void sort_entries(E* a, int64_t n, Scratch<E>& tmp) {
  using K = typename E::key_type;
  using I = decltype(E::index);
  constexpr bool kPackable = sizeof(K) == 8 && sizeof(I) == 4;
  if (n >= kRadixMinLength || (kPackable && n > 1)) {
    const auto range = radix_range(a, n);
    const K lo = range.lo;
    const int passes = range.passes;
    if (n >= kRadixMinLength && n * int64_t(std::bit_width(uint64_t(n))) >= kRadixPassCost * passes)
      return radix_sort(a, tmp.get(n), n, range);
    if constexpr (kPackable) {
      if (passes <= 4) {
        uint64_t* packed = reinterpret_cast<uint64_t*>(tmp.get(n));  // 16-byte entries: room for 2n
        for (int64_t i = 0; i < n; ++i) packed[i] = (uint64_t(a[i].key - lo) << 32) | a[i].index;
        std::sort(packed, packed + n);
        for (int64_t i = 0; i < n; ++i) a[i] = {K((packed[i] >> 32) + lo), I(uint32_t(packed[i]))};
        return;
      }
    }
  }
  std::sort(a, a + n, EntryLess{});
}

// Moves the k first entries of a line in (key, index) order to a[0, k) (sorted if asked; the
// rest in any order): std::nth_element, on entries packed as sort_entries packs them where it
// can (int64 topk of [37, 129] lines: nth_element on 16-byte entries branched on two compares).
template <typename E>
void select_entries(E* a, int64_t n, int64_t k, bool sorted, Scratch<E>& tmp) {
  using K = typename E::key_type;
  using I = decltype(E::index);
  if constexpr (sizeof(K) == 8 && sizeof(I) == 4) {
    const auto range = radix_range(a, n);
    const K lo = range.lo;
    if (range.passes <= 4) {  // the keys span less than 2^32
      uint64_t* packed = reinterpret_cast<uint64_t*>(tmp.get(n));  // 16-byte entries: room for 2n
      for (int64_t i = 0; i < n; ++i) packed[i] = (uint64_t(a[i].key - lo) << 32) | a[i].index;
      if (k < n) std::nth_element(packed, packed + (k - 1), packed + n);
      if (sorted) std::sort(packed, packed + k);
      for (int64_t i = 0; i < k; ++i) a[i] = {K((packed[i] >> 32) + lo), I(uint32_t(packed[i]))};
      return;
    }
  }
  if (k < n) std::nth_element(a, a + (k - 1), a + n, EntryLess{});
  if (sorted) std::sort(a, a + k, EntryLess{});
}

// Calls f(line, entries, scratch) for every line, lines split across threads; each thread owns
// its buffers (entries: room for n).
template <typename E, typename F>
void for_each_line(int64_t lines, int64_t n, const F& f) {
  if (lines == 0 || n == 0) return;
  const int64_t grain = std::max<int64_t>(1, kGrainSize / n);
  parallel_for(0, lines, grain, [&](int64_t begin, int64_t end) {
    Scratch<E> buf, tmp;
    E* entries = buf.get(n);
    for (int64_t line = begin; line < end; ++line) f(line, entries, tmp);
  });
}

// The k first entries of a line in (key, index) order, for k much smaller than n, into buf (room
// for 2k): one pass keeps candidates in buf; whenever it fills up, the k best stay (nth_element)
// and the worst of them becomes a bound that later elements must beat, so most elements cost one
// key and one comparison. Indices grow along the scan, so an element equal to the bound loses to
// it, as in (key, index) order. Leaves the k best in buf[0, k), unordered.
// Whether any of the kScanBlock keys from p (stride 1) may beat `bound` (keys flipped by `mask`),
// branch-free so the compiler vectorizes it. An equal key loses (its index is larger than the
// bound's); a yes may be spurious, a no never is.
constexpr int64_t kScanBlock = 16;
template <typename T, typename K>
bool block_may_beat(const T* p, K bound, K mask) {
  bool any = false;
  if constexpr (std::is_same_v<T, float>) {
    // sort_key's NaN and -0.0 branches keep it scalar; this form vectorizes. Its key differs
    // from sort_key only for -0.0 (one less: a no-flip test passes it more often, and no
    // flipped bound equals the key in between) and NaN (tested apart), so it never skips a
    // block that holds a winner.
    for (int64_t j = 0; j < kScanBlock; ++j) {
      uint32_t bits;
      std::memcpy(&bits, p + j, sizeof bits);
      const uint32_t key = bits ^ (uint32_t(int32_t(bits) >> 31) | 0x80000000u);
      any |= ((key ^ mask) < bound) | (p[j] != p[j]);
    }
  } else {
    for (int64_t j = 0; j < kScanBlock; ++j) any |= K(sort_key(p[j]) ^ mask) < bound;
  }
  return any;
}

template <typename T, typename E>
void select_k_by_scan(const T* p, int64_t stride, int64_t n, int64_t k, bool flip, E* buf) {
  using K = typename E::key_type;
  using I = decltype(E::index);
  const K mask = flip ? ~K(0) : K(0);
  int64_t m = 0;
  bool bounded = false;
  E bound{};
  for (int64_t i = 0; i < n; ++i) {
    // Once bounded, most elements lose: a whole block is skipped when none beats the bound.
    if (bounded && stride == 1 && i % kScanBlock == 0 && i + kScanBlock <= n && !block_may_beat(p + i, bound.key, mask)) {
      i += kScanBlock - 1;
      continue;
    }
    const E e{K(sort_key(p[i * stride]) ^ mask), I(i)};
    if (bounded && !entry_less(e, bound)) continue;
    buf[m++] = e;
    if (m == 2 * k) {
      std::nth_element(buf, buf + (k - 1), buf + m, EntryLess{});
      m = k;
      bound = buf[k - 1];
      bounded = true;
    }
  }
  if (m > k) std::nth_element(buf, buf + (k - 1), buf + m, EntryLess{});
}

// The k first entries of a line in (key, index) order for a small k (kInsertionMaxK), sorted, into
// buf[0, k): one pass keeps them sorted by insertion. An element beats the current k-th only with
// a smaller key (indices grow along the scan, so an equal key loses), so most elements cost one key
// and one comparison, and no nth_element or sort runs. Faster than select_k_by_scan at any length
// measured (its block skip rarely skips on lines of a few hundred: a 16-block holds one of the k
// best so far too often): int64 [37, 129], k = 3: 8.8 -> 4.6 us; [64, 1000], k = 4: 93 -> 41 us.
constexpr int64_t kInsertionMaxK = 8;
template <typename T, typename E>
void select_k_by_insertion(const T* p, int64_t stride, int64_t n, int64_t k, bool flip, E* buf) {
  const typename E::key_type mask = flip ? ~typename E::key_type(0) : 0;
  int64_t held = 0;  // buf[0, held) in (key, index) order
  for (int64_t i = 0; i < n; ++i) {
    const E e{typename E::key_type(sort_key(p[i * stride]) ^ mask), decltype(E::index)(i)};
    if (held == k && !(e.key < buf[k - 1].key)) continue;
    int64_t j = held < k ? held++ : k - 1;  // when full, the k-th drops out
    for (; j > 0 && e.key < buf[j - 1].key; --j) buf[j] = buf[j - 1];
    buf[j] = e;
  }
}

// select_k_by_scan over one long line on all threads: fixed chunks of the line each keep their k
// best candidates (indices made line-relative), then the k best of all candidates. The k first
// entries in (key, index) order are one set whatever the chunking, so the result does not depend
// on the thread count. Leaves them in out[0, k), unordered; out has room for k.
template <typename T, typename E>
void select_k_parallel(const T* p, int64_t stride, int64_t n, int64_t k, bool flip, int64_t chunk, E* out) {
  using I = decltype(E::index);
  const int64_t nchunks = (n + chunk - 1) / chunk;
  std::vector<E> cand(size_t(nchunks * k));
  std::vector<int64_t> kept(static_cast<size_t>(nchunks));
  parallel_for(0, nchunks, 1, [&](int64_t cb, int64_t ce) {
    std::vector<E> buf(size_t(2 * k));
    for (int64_t c = cb; c < ce; ++c) {
      const int64_t start = c * chunk, len = std::min(chunk, n - start), kk = std::min(k, len);
      select_k_by_scan(p + start * stride, stride, len, kk, flip, buf.data());
      for (int64_t j = 0; j < kk; ++j) cand[size_t(c * k + j)] = {buf[size_t(j)].key, I(buf[size_t(j)].index + start)};
      kept[size_t(c)] = kk;
    }
  });
  int64_t m = 0;  // pack the candidates (only the last chunk can keep fewer than k)
  for (int64_t c = 0; c < nchunks; ++c)
    for (int64_t j = 0; j < kept[size_t(c)]; ++j) cand[size_t(m++)] = cand[size_t(c * k + j)];
  std::nth_element(cand.begin(), cand.begin() + (k - 1), cand.begin() + m, EntryLess{});
  std::copy(cand.begin(), cand.begin() + k, out);
}

int64_t stride_along(const Tensor& t, int64_t dim) { return t.dim() == 0 ? 1 : t.stride(dim); }

// Dispatches on the dtype (in Set) and on the entry type for lines of n elements: f<T, E>().
template <DtypeSet Set, typename F>
void dispatch_entries(ScalarType dtype, const char* op, int64_t n, const F& f) {
  dispatch_dtype<Set>(dtype, op, [&]<typename T>() {
    with_index_type(n, [&]<typename I>() { f.template operator()<T, Entry<sort_key_t<T>, I>>(); });
  });
}

}  // namespace

std::tuple<Tensor, Tensor> sort_cpu(const Tensor& self, int64_t dim, bool descending) {
  SortPlan p = sort_plan(self, dim);
  dispatch_entries<DtypeSet::All>(self.dtype(), "sort", p.n, [&]<typename T, typename E>() {
    const T* in = self.data<T>();
    T* values = p.values.data<T>();
    int64_t* indices = p.indices.data<int64_t>();
    const int64_t in_stride = stride_along(self, p.dim), out_stride = stride_along(p.values, p.dim);
    for_each_line<E>(p.lines, p.n, [&](int64_t line, E* e, Scratch<E>& tmp) {
      const T* src = in + line_offset(line, self.sizes(), self.strides(), p.dim);
      const int64_t o = line_offset(line, p.values.sizes(), p.values.strides(), p.dim);
      load_line(src, in_stride, p.n, descending, e);
      sort_entries(e, p.n, tmp);
      for (int64_t j = 0; j < p.n; ++j) {
        values[o + j * out_stride] = src[e[j].index * in_stride];
        indices[o + j * out_stride] = e[j].index;
      }
    });
  });
  return {p.values, p.indices};
}

std::tuple<Tensor, Tensor> topk_cpu(const Tensor& self, int64_t k, int64_t dim, bool largest, bool sorted) {
  SortPlan p = topk_plan(self, k, dim);
  check_dtype_in(DtypeSet::Numeric, self.dtype(), "topk");  // k == 0 too, as on CUDA
  if (k == 0) return {p.values, p.indices};
  dispatch_entries<DtypeSet::Numeric>(self.dtype(), "topk", p.n, [&]<typename T, typename E>() {
    const T* in = self.data<T>();
    T* values = p.values.data<T>();
    int64_t* indices = p.indices.data<int64_t>();
    const int64_t in_stride = stride_along(self, p.dim), out_stride = stride_along(p.values, p.dim);
    // One long line (topk of a vector): the line itself split across threads.
    constexpr int64_t kChunk = 1 << 18;  // large: each chunk's scan starts without a bound
    if (p.lines == 1 && k * 64 <= kChunk && p.n >= 2 * kChunk) {
      std::vector<E> e(static_cast<size_t>(k));
      select_k_parallel(in, in_stride, p.n, k, largest, kChunk, e.data());
      if (sorted) std::sort(e.begin(), e.end(), EntryLess{});
      for (int64_t j = 0; j < k; ++j) {
        values[j * out_stride] = in[e[size_t(j)].index * in_stride];
        indices[j * out_stride] = e[size_t(j)].index;
      }
      return;
    }
    for_each_line<E>(p.lines, p.n, [&](int64_t line, E* e, Scratch<E>& tmp) {
      const T* src = in + line_offset(line, self.sizes(), self.strides(), p.dim);
      const int64_t o = line_offset(line, p.values.sizes(), p.values.strides(), p.dim);
      // Flipped keys for largest: the k first entries in (key, index) order are the k largest,
      // equal values by index, as a stable descending sort has them.
      if (k <= kInsertionMaxK) {  // a few candidates, kept sorted
        select_k_by_insertion(src, in_stride, p.n, k, largest, e);
      } else if (k * 64 <= p.n) {  // a few candidates: one filtering pass
        select_k_by_scan(src, in_stride, p.n, k, largest, e);
        if (sorted) std::sort(e, e + k, EntryLess{});
      } else if (k * 4 >= p.n && p.n >= kRadixMinLength) {
        load_line(src, in_stride, p.n, largest, e);
        sort_entries(e, p.n, tmp);  // most of the line is wanted: sorting it all is cheaper
      } else {
        load_line(src, in_stride, p.n, largest, e);
        select_entries(e, p.n, k, sorted, tmp);
      }
      for (int64_t j = 0; j < k; ++j) {
        values[o + j * out_stride] = src[e[j].index * in_stride];
        indices[o + j * out_stride] = e[j].index;
      }
    });
  });
  return {p.values, p.indices};
}

std::tuple<Tensor, Tensor> kthvalue_cpu(const Tensor& self, int64_t k, int64_t dim, bool keepdim) {
  SortPlan p = kthvalue_plan(self, k, dim, keepdim);
  dispatch_entries<DtypeSet::Numeric>(self.dtype(), "kthvalue", p.n, [&]<typename T, typename E>() {
    const T* in = self.data<T>();
    T* values = p.values.data<T>();
    int64_t* indices = p.indices.data<int64_t>();
    const int64_t in_stride = stride_along(self, p.dim);
    for_each_line<E>(p.lines, p.n, [&](int64_t line, E* e, Scratch<E>& tmp) {
      const T* src = in + line_offset(line, self.sizes(), self.strides(), p.dim);
      load_line(src, in_stride, p.n, false, e);
      select_entries(e, p.n, k, false, tmp);
      values[line] = src[e[k - 1].index * in_stride];  // results are contiguous, one per line
      indices[line] = e[k - 1].index;
    });
  });
  return {p.values, p.indices};
}

// ---- median and mode: reductions, so the rows are already contiguous in self's dtype.

namespace {
// Index of the lower median of a row: the first NaN if there is one (NaN propagates, as in
// PyTorch), else the element a stable sort puts at (n - 1) / 2.
template <typename T, typename E>
int64_t row_median(const T* row, int64_t n, E* e) {
  if constexpr (!std::is_integral_v<T>) {
    for (int64_t i = 0; i < n; ++i)
      if (std::isnan(static_cast<float>(row[i]))) return i;
  }
  load_line(row, 1, n, false, e);
  std::nth_element(e, e + (n - 1) / 2, e + n, EntryLess{});
  return e[(n - 1) / 2].index;
}

void median_kernel(const Reduction& r, bool with_indices) {
  dispatch_entries<DtypeSet::Numeric>(r.compute_dtype(), "median", r.inner(), [&]<typename T, typename E>() {
    T* values = r.output(0).data<T>();
    if (r.inner() == 0 && r.outer() > 0 && !with_indices && !std::is_integral_v<T>) {
      // median() of no elements is NaN, like PyTorch (which has no value for integers: an error).
      values[0] = T(std::numeric_limits<float>::quiet_NaN());
      return;
    }
    r.check_nonempty();
    const T* in = r.input().data<T>();
    const int64_t n = r.inner();
    if constexpr (kSampledMedianType<T>) {  // SampledMedian.h
      if (!with_indices && n >= kSampledMedianMin) {
        std::vector<int64_t> missed;  // rows that sampled_median leaves to row_median
        for (int64_t row = 0; row < r.outer(); ++row) {
          if (const std::optional<T> m = sampled_median(in + row * n, n)) values[row] = *m;
          else missed.push_back(row);
        }
        for_each_line<E>(int64_t(missed.size()), n, [&](int64_t j, E* e, Scratch<E>&) {
          const int64_t row = missed[size_t(j)];
          values[row] = in[row * n + row_median(in + row * n, n, e)];
        });
        return;
      }
    }
    if constexpr (std::is_integral_v<T>) {
      if (!with_indices) {  // the value alone: selecting among the values moves half the bytes of (key, index) entries
        for_each_line<T>(r.outer(), n, [&](int64_t row, T* buf, Scratch<T>&) {
          std::copy(in + row * n, in + (row + 1) * n, buf);
          std::nth_element(buf, buf + (n - 1) / 2, buf + n);
          values[row] = buf[(n - 1) / 2];
        });
        return;
      }
    }
    for_each_line<E>(r.outer(), n, [&](int64_t row, E* e, Scratch<E>&) {
      const int64_t i = row_median(in + row * n, n, e);
      values[row] = in[row * n + i];
      if (with_indices) r.output(1).data<int64_t>()[row] = i;
    });
  });
}
}  // namespace

void median_all_kernel(const Reduction& r) { median_kernel(r, false); }
void median_dim_kernel(const Reduction& r) { median_kernel(r, true); }

void mode_kernel(const Reduction& r) {
  r.check_nonempty();
  dispatch_entries<DtypeSet::All>(r.compute_dtype(), "mode", r.inner(), [&]<typename T, typename E>() {
    const T* in = r.input().data<T>();
    T* values = r.output(0).data<T>();
    int64_t* indices = r.output(1).data<int64_t>();
    const int64_t n = r.inner();
    for_each_line<E>(r.outer(), n, [&](int64_t row, E* e, Scratch<E>& tmp) {
      load_line(in + row * n, 1, n, false, e);
      sort_entries(e, n, tmp);
      // Runs of equal keys in ascending order: the first longest run wins (the smallest of the
      // most frequent values); its last entry is the value's last occurrence.
      int64_t best_count = 0, best_index = 0;
      for (int64_t start = 0; start < n;) {
        int64_t end = start + 1;
        while (end < n && e[end].key == e[start].key) ++end;
        if (end - start > best_count) {
          best_count = end - start;
          best_index = e[end - 1].index;
        }
        start = end;
      }
      values[row] = in[row * n + best_index];
      indices[row] = best_index;
    });
  });
}

// ---- backward helpers

namespace {
[[noreturn]] void index_out_of_range(const char* op, int64_t v, int64_t dim, int64_t size) {
  detail::throw_error(ErrorKind::Index, str("[", op, "] index ", v, " is out of bounds for dim ", dim, " with size ", size));
}

// Calls f(at, from) for each element of index, `at` its offset (also in gather's result and
// scatter's src), `from` the offset it points to (in gather's src and scatter's result). The
// plan's `outer` blocks are split across threads: block o of the result is written only by the
// calls of block o, in order, so scatter-add needs no atomics and adds in a fixed order. Each
// index is checked just before its access (in the threads: a separate serial pass over the
// index cost as much as the gather itself).
// from_line (the tensor `from` offsets address, and its element size): its line is prefetched
// before each block along the last dim (Prefetch.h).
template <typename F>
void for_each_index(const AlongDimPlan& p, int64_t dim, const char* op, const F& f, const char* from_line = nullptr,
                    int64_t from_es = 0) {
  const int64_t* idx = p.index.data<int64_t>();
  const int64_t n_index = p.n_index, n_src = p.n_src, inner = p.inner;
  const int64_t per_block = std::max<int64_t>(1, (n_index + n_src) * inner);
  parallel_for(0, p.outer, std::max<int64_t>(1, kGrainSize / per_block), [&](int64_t begin, int64_t end) {
    const F g = f;  // a local copy: the pointers it captures stay in registers across its stores
    if (inner == 1) {  // along the last dim: one run of the index per block (twice as fast)
      for (int64_t o = begin; o < end; ++o) {
        const int64_t* line = idx + o * n_index;
        const int64_t at0 = o * n_index, from0 = o * n_src;
        if (from_line) prefetch_span(from_line + from0 * from_es, n_src * from_es);  // the line `from` points into
        for (int64_t j = 0; j < n_index; ++j) {
          const int64_t v = line[j];
          if (uint64_t(v) >= uint64_t(n_src)) [[unlikely]] index_out_of_range(op, v, dim, n_src);
          g(at0 + j, from0 + v);
        }
      }
      return;
    }
    for (int64_t o = begin; o < end; ++o)
      for (int64_t j = 0; j < n_index; ++j) {
        const int64_t at0 = (o * n_index + j) * inner, from0 = o * n_src * inner;
        for (int64_t i = 0; i < inner; ++i) {
          const int64_t v = idx[at0 + i];
          if (uint64_t(v) >= uint64_t(n_src)) [[unlikely]] index_out_of_range(op, v, dim, n_src);
          g(at0 + i, from0 + v * inner + i);
        }
      }
  });
}

// out[j] = row[idx[j]] for j < n, float32 / float64, a vector at a time: the indices checked a
// vector at a time, the values fetched by gather instructions and stored a whole vector at once
// (64 bytes, a cache line, under AVX-512). A 4-byte store per element held a store-buffer entry
// each until its line of a result too large for the caches came from memory (a [2048, 2048]
// float32 gather along dim 1, 2 threads, AVX-512: ~2.4 -> 1.8 ms, PyTorch 1.9). Returns where it
// stopped: n, or the first vector holding an index out of [0, n_src), which the caller's scalar
// loop then reports.
template <typename T>
int64_t gather_row_vectorized(const T* row, const int64_t* idx, T* out, int64_t n, int64_t n_src) {
  int64_t j = 0;
#if defined(__AVX512F__)
  const __m512i limit = _mm512_set1_epi64(n_src);
  if constexpr (std::is_same_v<T, float>) {
    for (; j + 16 <= n; j += 16) {
      const __m512i i0 = _mm512_loadu_si512(idx + j), i1 = _mm512_loadu_si512(idx + j + 8);
      if ((_mm512_cmpge_epu64_mask(i0, limit) | _mm512_cmpge_epu64_mask(i1, limit)) != 0) break;
      const __m256 a = _mm512_i64gather_ps(i0, row, 4), b = _mm512_i64gather_ps(i1, row, 4);
      _mm512_storeu_ps(out + j, _mm512_insertf32x8(_mm512_castps256_ps512(a), b, 1));
    }
  } else if constexpr (std::is_same_v<T, double>) {
    for (; j + 8 <= n; j += 8) {
      const __m512i i0 = _mm512_loadu_si512(idx + j);
      if (_mm512_cmpge_epu64_mask(i0, limit) != 0) break;
      _mm512_storeu_pd(out + j, _mm512_i64gather_pd(i0, row, 8));
    }
  }
#elif defined(__AVX2__)
  // in range: 0 <= i < n_src, as two signed compares (AVX2 has no unsigned 64-bit compare)
  const __m256i limit = _mm256_set1_epi64x(n_src), minus_one = _mm256_set1_epi64x(-1);
  auto in_range = [&](__m256i i) { return _mm256_and_si256(_mm256_cmpgt_epi64(limit, i), _mm256_cmpgt_epi64(i, minus_one)); };
  if constexpr (std::is_same_v<T, float>) {
    for (; j + 8 <= n; j += 8) {
      const __m256i i0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx + j));
      const __m256i i1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx + j + 4));
      if (_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_and_si256(in_range(i0), in_range(i1)))) != 0xf) break;
      const __m128 a = _mm256_i64gather_ps(row, i0, 4), b = _mm256_i64gather_ps(row, i1, 4);
      _mm256_storeu_ps(out + j, _mm256_set_m128(b, a));
    }
  } else if constexpr (std::is_same_v<T, double>) {
    for (; j + 4 <= n; j += 4) {
      const __m256i i0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx + j));
      if (_mm256_movemask_pd(_mm256_castsi256_pd(in_range(i0))) != 0xf) break;
      _mm256_storeu_pd(out + j, _mm256_i64gather_pd(row, i0, 8));
    }
  }
#else
  (void)row, (void)idx, (void)out, (void)n_src;
#endif
  return j;
}
}  // namespace

Tensor gather_along_dim_cpu(const Tensor& self, int64_t dim, const Tensor& index) {
  const AlongDimPlan p = gather_along_dim_plan(self, dim, index);
  dispatch_floating(self.dtype(), "_gather_along_dim", [&]<typename T>() {
    const T* src = p.src.data<T>();
    T* out = p.result.data<T>();
    if (p.inner == 1 && (std::is_same_v<T, float> || std::is_same_v<T, double>)) {
      const int64_t* idx = p.index.data<int64_t>();
      const int64_t n_index = p.n_index, n_src = p.n_src;
      parallel_for(0, p.outer, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, n_index + n_src)),
                   [&](int64_t begin, int64_t end) {
        for (int64_t o = begin; o < end; ++o) {
          const T* row = src + o * n_src;
          const int64_t* line = idx + o * n_index;
          T* dst = out + o * n_index;
          prefetch_span(row, n_src * int64_t(sizeof(T)));
          for (int64_t j = gather_row_vectorized(row, line, dst, n_index, n_src); j < n_index; ++j) {
            const int64_t v = line[j];
            if (uint64_t(v) >= uint64_t(n_src)) [[unlikely]] index_out_of_range("_gather_along_dim", v, dim, n_src);
            dst[j] = row[v];
          }
        }
      });
      return;
    }
    for_each_index(p, dim, "_gather_along_dim", [src, out](int64_t at, int64_t from) { out[at] = src[from]; },
                   reinterpret_cast<const char*>(src), int64_t(sizeof(T)));
  });
  return p.result;
}

Tensor scatter_add_along_dim_cpu(const Tensor& src, int64_t dim, const Tensor& index, IntArrayRef sizes) {
  AlongDimPlan p = scatter_add_along_dim_plan(src, dim, index, sizes);
  // float16 / bfloat16 sum in a float32 result rounded once at the end, as PyTorch's scatter_add_
  // on them does (gather's backward gives PyTorch's bits where an index repeats).
  const bool in_float = src.dtype() == ScalarType::Float16 || src.dtype() == ScalarType::BFloat16;
  if (in_float) p.result = tg::native::to_dtype(p.result, ScalarType::Float32);
  dispatch_floating(src.dtype(), "_scatter_add_along_dim", [&]<typename T>() {
    using Acc = opmath_t<T>;
    const T* in = p.src.data<T>();
    Acc* out = p.result.data<Acc>();
    for_each_index(p, dim, "_scatter_add_along_dim", [in, out](int64_t at, int64_t to) { out[to] += Acc(in[at]); },
                   reinterpret_cast<const char*>(out), int64_t(sizeof(Acc)));
  });
  return in_float ? tg::native::to_dtype(p.result, src.dtype()) : p.result;
}

}  // namespace tg::native::CPU_CAPABILITY

// _unique2 (the kernel behind tg.unique): the sorted distinct values of the flattened input, the
// index of each element's value among them (return_inverse) and how often each occurs
// (return_counts). Outputs not asked for are empty, like PyTorch's.
//
// Two ways, both giving the same (sorted) result:
// - integers whose range max - min is below the element count (labels, class ids, bins): counted
//   instead of sorted. Each thread counts its contiguous chunk into its own histogram, the
//   histograms are summed, a prefix count over the occupied values gives each value its rank,
//   and the inverse is one lookup per element. O(n + range) and on every thread (4M int64 labels
//   in [0, 1000): a stable sort was ~210 ms on one thread, this ~6 ms on two).
// - everything else (floats, wide integer ranges): sort_cpu's stable radix sort of the values
//   with their positions, then one pass over it forming the groups. NaNs sort last and are each
//   their own value, like PyTorch's and NumPy's unique.
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/Copy.h"
#include "aten/native/Indexing.h"
#include "aten/parallel/Parallel.h"
#include "kernels/_unique2.h"
#include "kernels/sort.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

// The value compared: half types in float (the other types as they are).
template <typename T>
auto key_of(T v) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) return float(v);
  else return v;
}

// The results, allocated once the number of distinct values is known.
struct UniqueResult {
  Tensor values, inverse, counts;
};

// Contiguous chunks of [0, n), one per thread (at most `max_chunks`, none below 64K elements).
struct Chunks {
  int64_t count, size;
  Chunks(int64_t n, int64_t max_chunks) {
    count = std::max<int64_t>(1, std::min<int64_t>({max_chunks, int64_t(get_num_threads()), n / 65536}));
    size = (n + count - 1) / count;
  }
  int64_t begin(int64_t c, int64_t n) const { return std::min(n, c * size); }
  int64_t end(int64_t c, int64_t n) const { return std::min(n, (c + 1) * size); }
};

// The counting path for integer x[0, n): false (nothing written) when the range is too wide.
template <typename T>
bool unique_by_counting(const T* x, int64_t n, bool return_inverse, bool return_counts, ScalarType dtype,
                        UniqueResult& out) {
  if (n == 0 || n >= int64_t(UINT32_MAX)) return false;
  // min and max, per chunk then combined
  const Chunks all(n, INT64_MAX);
  std::vector<T> lo(all.count), hi(all.count);
  parallel_for(0, all.count, 1, [&](int64_t cb, int64_t ce) {
    for (int64_t c = cb; c < ce; ++c) {
      T mn = x[all.begin(c, n)], mx = mn;
      for (int64_t i = all.begin(c, n); i < all.end(c, n); ++i) {
        mn = x[i] < mn ? x[i] : mn;
        mx = x[i] > mx ? x[i] : mx;
      }
      lo[c] = mn;
      hi[c] = mx;
    }
  });
  T mn = lo[0], mx = hi[0];
  for (int64_t c = 1; c < all.count; ++c) {
    mn = lo[c] < mn ? lo[c] : mn;
    mx = hi[c] > mx ? hi[c] : mx;
  }
  // mx - mn without overflow (int64 extremes): in uint64 arithmetic
  const uint64_t range = uint64_t(int64_t(mx)) - uint64_t(int64_t(mn));
  if (range >= uint64_t(n)) return false;
  const int64_t bins = int64_t(range) + 1;
  // One histogram per chunk, as many chunks as keep the histograms within 2n counters.
  const Chunks parts(n, std::max<int64_t>(1, 2 * n / bins));
  std::vector<uint32_t> hist(static_cast<size_t>(parts.count * bins), 0);
  const int64_t base = int64_t(mn);
  parallel_for(0, parts.count, 1, [&](int64_t cb, int64_t ce) {
    for (int64_t c = cb; c < ce; ++c) {
      uint32_t* h = hist.data() + c * bins;
      for (int64_t i = parts.begin(c, n); i < parts.end(c, n); ++i) ++h[int64_t(x[i]) - base];
    }
  });
  // totals into the first histogram, then each occupied value's rank (the inverse's entries)
  for (int64_t c = 1; c < parts.count; ++c) {
    const uint32_t* h = hist.data() + c * bins;
    parallel_for(0, bins, kGrainSize, [&](int64_t b, int64_t e) {
      for (int64_t v = b; v < e; ++v) hist[v] += h[v];
    });
  }
  std::vector<uint32_t> rank(static_cast<size_t>(bins));
  uint32_t distinct = 0;
  for (int64_t v = 0; v < bins; ++v) {
    rank[v] = distinct;
    distinct += hist[v] != 0;
  }
  out.values = empty_tensor({int64_t(distinct)}, dtype, Device(), "unique");
  out.counts = empty_tensor({return_counts ? int64_t(distinct) : 0}, ScalarType::Int64, Device(), "unique");
  T* vals = out.values.data<T>();
  int64_t* cnt = return_counts ? out.counts.data<int64_t>() : nullptr;
  for (int64_t v = 0; v < bins; ++v) {
    if (hist[v] == 0) continue;
    vals[rank[v]] = T(base + v);
    if (cnt) cnt[rank[v]] = hist[v];
  }
  if (return_inverse) {
    int64_t* inv = out.inverse.data<int64_t>();
    parallel_for(0, n, kGrainSize, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) inv[i] = rank[int64_t(x[i]) - base];
    });
  }
  return true;
}

// The sorting path: a stable sort of the values with their positions, then the groups in order.
template <typename T>
void unique_by_sorting(const Tensor& flat, bool return_inverse, bool return_counts, UniqueResult& out) {
  const int64_t n = flat.numel();
  auto [sorted, order_t] = sort_cpu(flat, 0, false);
  const T* sv = sorted.data<T>();
  const int64_t* order = order_t.data<int64_t>();
  int64_t* inv = return_inverse ? out.inverse.data<int64_t>() : nullptr;
  std::vector<int64_t> firsts;  // positions in sv where a new value starts
  for (int64_t k = 0; k < n; ++k) {
    if (k == 0 || !(key_of(sv[k - 1]) == key_of(sv[k]))) firsts.push_back(k);
    if (inv) inv[order[k]] = int64_t(firsts.size()) - 1;
  }
  const int64_t distinct = int64_t(firsts.size());
  out.values = empty_tensor({distinct}, flat.dtype(), Device(), "unique");
  out.counts = empty_tensor({return_counts ? distinct : 0}, ScalarType::Int64, Device(), "unique");
  T* vals = out.values.data<T>();
  for (int64_t j = 0; j < distinct; ++j) vals[j] = sv[firsts[j]];
  if (return_counts) {
    int64_t* cnt = out.counts.data<int64_t>();
    for (int64_t j = 0; j < distinct; ++j) cnt[j] = (j + 1 < distinct ? firsts[j + 1] : n) - firsts[j];
  }
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> unique_cpu(const Tensor& self_in, bool /*sorted*/, bool return_inverse,
                                              bool return_counts) {
  // Always sorted (PyTorch leaves the order of sorted=False unspecified).
  const Tensor dense = self_in.is_contiguous() ? self_in : to_dtype(self_in, self_in.dtype());
  const Tensor flat = make_view(dense, {dense.numel()}, {1}, dense.storage_offset());
  UniqueResult out;
  out.inverse = return_inverse ? empty_tensor(self_in.sizes(), ScalarType::Int64, Device(), "unique")
                               : empty_tensor({0}, ScalarType::Int64, Device(), "unique");
  dispatch_all(flat.dtype(), "unique", [&]<typename T>() {
    if constexpr (std::is_integral_v<T>)
      if (unique_by_counting(flat.data<T>(), flat.numel(), return_inverse, return_counts, flat.dtype(), out)) return;
    unique_by_sorting<T>(flat, return_inverse, return_counts, out);
  });
  return {out.values, out.inverse, out.counts};
}

}  // namespace tg::native::CPU_CAPABILITY

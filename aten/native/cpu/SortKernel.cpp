// Sorting and selection on the CPU: sort, topk, kthvalue, median, mode, and the backward helpers
// _gather_along_dim / _scatter_add_along_dim.
//
// Every op works line by line along its dim: a line's elements are gathered (from any strides)
// into a buffer of (key, index) entries, where the key is the order-preserving unsigned image of
// the value (Sorting.h: NaN largest, -0.0 == 0.0) and ties are broken by index. Sorting the entries
// gives PyTorch's stable sort; selecting among them (std::nth_element) gives exactly the element a
// stable sort would put at that place. Lines are split across threads and each is processed by one
// thread alone, so results never depend on the thread count.
#include "aten/vec/isa.h"
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/iter/Reduction.h"
#include "aten/native/Sorting.h"
#include "aten/parallel/Parallel.h"
#include "kernels/_gather_along_dim.h"
#include "kernels/_scatter_add_along_dim.h"
#include "kernels/kthvalue.h"
#include "kernels/median.h"
#include "kernels/mode.h"
#include "kernels/sort.h"
#include "kernels/topk.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

template <typename K>
struct Entry {
  K key;
  int64_t index;
};

template <typename K>
inline bool entry_less(const Entry<K>& a, const Entry<K>& b) {
  return a.key < b.key || (a.key == b.key && a.index < b.index);
}

// The entries of one line of n elements at p with the given stride, in index order. `flip`
// reverses the key order (descending sort, largest topk): equal values stay in index order.
template <typename T, typename K = sort_key_t<T>>
void load_line(const T* p, int64_t stride, int64_t n, bool flip, Entry<K>* out) {
  const K mask = flip ? ~K(0) : K(0);
  if (stride == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = {K(sort_key(p[i]) ^ mask), i};
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = {K(sort_key(p[i * stride]) ^ mask), i};
  }
}

// Below this many elements std::sort of the entries beats the radix sort's fixed cost.
constexpr int64_t kRadixMinLength = 1024;

// LSD radix sort of entries that are in index order, by key, 8 bits per pass. Each pass is
// stable, so the result is in (key, index) order. Passes where every key has the same byte
// (the upper bytes of small integers, the keys of bool) are skipped.
template <typename K>
void radix_sort(Entry<K>* a, Entry<K>* tmp, int64_t n) {
  constexpr int kPasses = int(sizeof(K));
  std::vector<int64_t> counts(size_t(kPasses) * 256, 0);
  for (int64_t i = 0; i < n; ++i) {
    const K k = a[i].key;
    for (int p = 0; p < kPasses; ++p) ++counts[size_t(p) * 256 + ((k >> (8 * p)) & 0xff)];
  }
  Entry<K>* src = a;
  Entry<K>* dst = tmp;
  for (int p = 0; p < kPasses; ++p) {
    int64_t* c = counts.data() + size_t(p) * 256;
    if (c[(a[0].key >> (8 * p)) & 0xff] == n) continue;  // one byte value everywhere: nothing moves
    int64_t offset = 0;
    for (int b = 0; b < 256; ++b) {
      const int64_t count = c[b];
      c[b] = offset;
      offset += count;
    }
    for (int64_t i = 0; i < n; ++i) dst[c[(src[i].key >> (8 * p)) & 0xff]++] = src[i];
    std::swap(src, dst);
  }
  if (src != a) std::copy(src, src + n, a);
}

// Sorts entries in index order into (key, index) order; tmp is scratch the radix sort may grow.
template <typename K>
void sort_entries(Entry<K>* a, int64_t n, std::vector<Entry<K>>& tmp) {
  if (n >= kRadixMinLength) {
    if (int64_t(tmp.size()) < n) tmp.resize(size_t(n));
    radix_sort(a, tmp.data(), n);
  } else {
    std::sort(a, a + n, entry_less<K>);
  }
}

// Calls f(line, entries, scratch) for every line of a plan, lines split across threads; each
// thread owns its buffers.
template <typename K, typename F>
void for_each_line(int64_t lines, int64_t n, const F& f) {
  if (lines == 0 || n == 0) return;
  const int64_t grain = std::max<int64_t>(1, kGrainSize / n);
  parallel_for(0, lines, grain, [&](int64_t begin, int64_t end) {
    std::vector<Entry<K>> buf(static_cast<size_t>(n));
    std::vector<Entry<K>> tmp;
    for (int64_t line = begin; line < end; ++line) f(line, buf.data(), tmp);
  });
}

int64_t stride_along(const Tensor& t, int64_t dim) { return t.dim() == 0 ? 1 : t.stride(dim); }

}  // namespace

std::tuple<Tensor, Tensor> sort_cpu(const Tensor& self, int64_t dim, bool descending) {
  SortPlan p = sort_plan(self, dim);
  dispatch_all(self.dtype(), "sort", [&]<typename T>() {
    using K = sort_key_t<T>;
    const T* in = self.data<T>();
    T* values = p.values.data<T>();
    int64_t* indices = p.indices.data<int64_t>();
    const int64_t in_stride = stride_along(self, p.dim), out_stride = stride_along(p.values, p.dim);
    for_each_line<K>(p.lines, p.n, [&](int64_t line, Entry<K>* e, std::vector<Entry<K>>& tmp) {
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
  if (k == 0) return {p.values, p.indices};
  dispatch_numeric(self.dtype(), "topk", [&]<typename T>() {
    using K = sort_key_t<T>;
    const T* in = self.data<T>();
    T* values = p.values.data<T>();
    int64_t* indices = p.indices.data<int64_t>();
    const int64_t in_stride = stride_along(self, p.dim), out_stride = stride_along(p.values, p.dim);
    for_each_line<K>(p.lines, p.n, [&](int64_t line, Entry<K>* e, std::vector<Entry<K>>& tmp) {
      const T* src = in + line_offset(line, self.sizes(), self.strides(), p.dim);
      const int64_t o = line_offset(line, p.values.sizes(), p.values.strides(), p.dim);
      // Flipped keys for largest: the k first entries in (key, index) order are the k largest,
      // equal values by index, as a stable descending sort has them.
      load_line(src, in_stride, p.n, largest, e);
      if (k * 4 >= p.n && p.n >= kRadixMinLength) {
        sort_entries(e, p.n, tmp);  // most of the line is wanted: sorting it all is cheaper
      } else {
        if (k < p.n) std::nth_element(e, e + (k - 1), e + p.n, entry_less<K>);
        if (sorted) std::sort(e, e + k, entry_less<K>);
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
  dispatch_numeric(self.dtype(), "kthvalue", [&]<typename T>() {
    using K = sort_key_t<T>;
    const T* in = self.data<T>();
    T* values = p.values.data<T>();
    int64_t* indices = p.indices.data<int64_t>();
    const int64_t in_stride = stride_along(self, p.dim);
    for_each_line<K>(p.lines, p.n, [&](int64_t line, Entry<K>* e, std::vector<Entry<K>>&) {
      const T* src = in + line_offset(line, self.sizes(), self.strides(), p.dim);
      load_line(src, in_stride, p.n, false, e);
      std::nth_element(e, e + (k - 1), e + p.n, entry_less<K>);
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
template <typename T, typename K = sort_key_t<T>>
int64_t row_median(const T* row, int64_t n, Entry<K>* e) {
  if constexpr (!std::is_integral_v<T>) {
    for (int64_t i = 0; i < n; ++i)
      if (std::isnan(static_cast<float>(row[i]))) return i;
  }
  load_line(row, 1, n, false, e);
  std::nth_element(e, e + (n - 1) / 2, e + n, entry_less<K>);
  return e[(n - 1) / 2].index;
}

void median_kernel(const Reduction& r, bool with_indices) {
  dispatch_numeric(r.compute_dtype(), "median", [&]<typename T>() {
    using K = sort_key_t<T>;
    T* values = r.output(0).data<T>();
    if (r.inner() == 0 && r.outer() > 0 && !with_indices && !std::is_integral_v<T>) {
      // median() of no elements is NaN, like PyTorch (which has no value for integers: an error).
      values[0] = T(std::numeric_limits<float>::quiet_NaN());
      return;
    }
    r.check_nonempty();
    const T* in = r.input().data<T>();
    const int64_t n = r.inner();
    for_each_line<K>(r.outer(), n, [&](int64_t row, Entry<K>* e, std::vector<Entry<K>>&) {
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
  dispatch_all(r.compute_dtype(), "mode", [&]<typename T>() {
    using K = sort_key_t<T>;
    const T* in = r.input().data<T>();
    T* values = r.output(0).data<T>();
    int64_t* indices = r.output(1).data<int64_t>();
    const int64_t n = r.inner();
    for_each_line<K>(r.outer(), n, [&](int64_t row, Entry<K>* e, std::vector<Entry<K>>& tmp) {
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
void check_index_range(const AlongDimPlan& p, int64_t dim, const char* op) {
  const int64_t* idx = p.index.data<int64_t>();
  for (int64_t i = 0, total = p.index.numel(); i < total; ++i)
    TG_CHECK_INDEX(idx[i] >= 0 && idx[i] < p.n_src, "[", op, "] index ", idx[i], " is out of bounds for dim ", dim,
                   " with size ", p.n_src);
}

// Calls f(o) for each of the plan's `outer` blocks, split across threads: block o of the result
// is written only by f(o), so scatter-add needs no atomics and adds in a fixed order.
template <typename F>
void for_each_block(const AlongDimPlan& p, const F& f) {
  const int64_t per_block = std::max<int64_t>(1, (p.n_index + p.n_src) * p.inner);
  parallel_for(0, p.outer, std::max<int64_t>(1, kGrainSize / per_block), [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; ++o) f(o);
  });
}
}  // namespace

Tensor gather_along_dim_cpu(const Tensor& self, int64_t dim, const Tensor& index) {
  const AlongDimPlan p = gather_along_dim_plan(self, dim, index);
  check_index_range(p, dim, "_gather_along_dim");
  dispatch_floating(self.dtype(), "_gather_along_dim", [&]<typename T>() {
    const T* src = p.src.data<T>();
    const int64_t* idx = p.index.data<int64_t>();
    T* out = p.result.data<T>();
    for_each_block(p, [&](int64_t o) {
      for (int64_t j = 0; j < p.n_index; ++j)
        for (int64_t i = 0; i < p.inner; ++i) {
          const int64_t at = (o * p.n_index + j) * p.inner + i;
          out[at] = src[(o * p.n_src + idx[at]) * p.inner + i];
        }
    });
  });
  return p.result;
}

Tensor scatter_add_along_dim_cpu(const Tensor& src, int64_t dim, const Tensor& index, IntArrayRef sizes) {
  const AlongDimPlan p = scatter_add_along_dim_plan(src, dim, index, sizes);
  check_index_range(p, dim, "_scatter_add_along_dim");
  dispatch_floating(src.dtype(), "_scatter_add_along_dim", [&]<typename T>() {
    const T* in = p.src.data<T>();
    const int64_t* idx = p.index.data<int64_t>();
    T* out = p.result.data<T>();
    for_each_block(p, [&](int64_t o) {
      for (int64_t j = 0; j < p.n_index; ++j)
        for (int64_t i = 0; i < p.inner; ++i) {
          const int64_t at = (o * p.n_index + j) * p.inner + i;
          T& dst = out[(o * p.n_src + idx[at]) * p.inner + i];
          dst = T(opmath_t<T>(dst) + opmath_t<T>(in[at]));
        }
    });
  });
  return p.result;
}

}  // namespace tg::native::CPU_CAPABILITY

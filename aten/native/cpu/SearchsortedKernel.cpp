// searchsorted / bucketize on the CPU (checks: check_searchsorted in aten/native/Indexing.cpp;
// unique: ops/_unique2.cpp): a binary search per value over its row of the sorted sequence (or
// of its sorter's order), the values split across threads.
#include "aten/vec/isa.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <type_traits>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/Copy.h"
#include "aten/native/Indexing.h"
#include "aten/parallel/Parallel.h"
#include "kernels/searchsorted.h"

namespace tg::native::CPU_CAPABILITY {

namespace {
Tensor contiguous_copy(const Tensor& t) { return t.is_contiguous() ? t : to_dtype(t, t.dtype()); }

// The value compared: half types in float (the other types as they are).
template <typename T>
auto key_of(T v) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) return float(v);
  else return v;
}
}  // namespace

void searchsorted_cpu(const Tensor& sorted_sequence, const Tensor& self_in, bool out_int32, bool right,
                      std::optional<std::string_view> side, const std::optional<Tensor>& sorter_in, Tensor& out) {
  const bool upper = check_searchsorted(sorted_sequence, self_in, right, side, sorter_in);
  const Tensor seq = contiguous_copy(sorted_sequence), self = contiguous_copy(self_in);
  const Tensor sorter = sorter_in ? contiguous_copy(*sorter_in) : Tensor();
  Tensor result = out.is_contiguous() ? out : empty_tensor(out.sizes(), out.dtype(), Device(), "searchsorted");
  const int64_t n = self.numel(), len = seq.size(-1);
  const int64_t row_len = self.dim() == 0 ? 1 : self.size(-1);
  const bool shared = seq.dim() == 1;
  const int64_t* srt = sorter.defined() ? sorter.data<int64_t>() : nullptr;
  dispatch_numeric(self.dtype(), "searchsorted", [&]<typename T>() {
    const T* sq = seq.data<T>();
    const T* v = self.data<T>();
    // With NaN among the boundaries the comparisons are not monotonic and the answer depends on
    // which elements the search probes: those take PyTorch's probe order (the loop below).
    bool branch_free = shared && !srt;
    if constexpr (!std::is_integral_v<T>)
      for (int64_t k = 0; branch_free && k < len; ++k) branch_free = !(key_of(sq[k]) != key_of(sq[k]));
    parallel_for(0, n, 2048, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const int64_t row = shared ? 0 : i / row_len;
        const T* base = sq + row * len;
        const int64_t* sb = srt ? srt + row * len : nullptr;
        const auto x = key_of(v[i]);
        // y lies before x's insertion point: lower bound y < x, upper bound y <= x, written as
        // PyTorch's !(y >= x) and !(y > x) so that a NaN comparison goes right too
        auto before = [&](const T& y) { return upper ? !(x < key_of(y)) : !(key_of(y) >= x); };
        if (branch_free) {
          // Branch-free: the insertion point stays in [b, b + m] while m halves, with a
          // conditional move per step (the branchy search mispredicted half its steps: ~15
          // cycles each); the searches of consecutive elements then overlap.
          const T* b = base;
          int64_t m = len;
          while (m > 1) {
            const int64_t half = m / 2;
            b = before(b[half]) ? b + half : b;
            m -= half;
          }
          const int64_t at = len == 0 ? 0 : (b - base) + int64_t(before(*b));
          if (out_int32) result.data<int32_t>()[i] = int32_t(at);
          else result.data<int64_t>()[i] = at;
          continue;
        }
        int64_t lo = 0, hi = len;
        while (lo < hi) {
          const int64_t mid = lo + (hi - lo) / 2;
          int64_t at = mid;
          if (sb) {
            at = sb[mid];
            TG_CHECK_INDEX(at >= 0 && at < len, "[searchsorted] sorter index ", at, " is out of bounds for "
                           "dimension ", seq.dim() - 1, " with size ", len);
          }
          const auto y = key_of(base[at]);
          if (upper ? !(x < y) : !(y >= x)) lo = mid + 1;
          else hi = mid;
        }
        if (out_int32) result.data<int32_t>()[i] = int32_t(lo);
        else result.data<int64_t>()[i] = lo;
      }
    });
  });
  if (!result.is_same(out)) copy_into(out, result, "searchsorted");
}

}  // namespace tg::native::CPU_CAPABILITY

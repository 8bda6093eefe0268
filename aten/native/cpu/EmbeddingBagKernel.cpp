// _embedding_bag and its backward kernel on the CPU (checks in aten/native/EmbeddingBag.cpp).
//
// Forward: threads split the bags; a bag's indices are checked against the number of rows before
// any of its rows is read (IndexError naming the op, the index and the bound), and each bag accumulates
// its rows in index order in an op-math buffer (sum, mean) or keeps the first maximum and its row
// (max), so the result never depends on the thread count.
// Backward (sum, mean): a counting sort groups the positions by weight row, threads split the
// rows, and each row sums its positions' scaled grad rows in index order. Backward (max): threads
// split the columns, and each column adds the bags' grads into their argmax rows in bag order:
// every result element has one writer.
#include "aten/vec/isa.h"

#include <algorithm>
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/EmbeddingAttention.h"
#include "aten/native/EmbeddingBag.h"
#include "aten/parallel/Parallel.h"
#include "aten/parallel/WakeCost.h"
#include "aten/vec/vec.h"
#include "kernels/_embedding_bag.h"
#include "kernels/_embedding_bag_dense_backward.h"
#include "ops/contiguous.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

std::vector<int64_t> host_values(const Tensor& t) {
  const Tensor c = embedding_flat_indices(t);  // int64, contiguous
  return std::vector<int64_t>(c.data<int64_t>(), c.data<int64_t>() + c.numel());
}

// Every value of p[0 .. n) in [low, bound), else IndexError (parallel_for rethrows it).
template <typename F>
void check_range(const int64_t* p, int64_t n, int64_t low, int64_t bound, const F& fail) {
  parallel_for(0, n, wake_scaled(kGrainSize), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      if (p[i] < low || p[i] >= bound) fail(p[i]);
  });
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor, Tensor> embedding_bag_cpu(const Tensor& weight, const Tensor& indices,
                                                             const Tensor& offsets, bool /*scale_grad_by_freq*/,
                                                             int64_t mode, bool sparse,
                                                             const std::optional<Tensor>& per_sample_weights,
                                                             bool include_last_offset, int64_t padding_idx) {
  const char* op = "embedding_bag";
  const BagGeometry g = check_embedding_bag(op, weight, indices, offsets, host_values(offsets), mode, sparse,
                                            per_sample_weights, include_last_offset, padding_idx);
  const Tensor idx = embedding_flat_indices(indices);
  const int64_t* ip = idx.data<int64_t>();
  // Every index is checked before its row is read: the positions in no bag here, each bag's own
  // positions by the bag's thread before it reads any of them (IndexError, rethrown by parallel_for).
  auto check_index = [&](int64_t v) {
    if (v < 0 || v >= g.num_weights) embedding_index_error(op, v, g.num_weights);
  };
  for (int64_t i = 0; i < g.start.front(); ++i) check_index(ip[i]);
  for (int64_t i = g.start.back(); i < g.n; ++i) check_index(ip[i]);
  // offset2bag: each bag writes its own positions in the loop below; the positions in no bag
  // (before the first offset, from the last one on with include_last_offset) are -1.
  Tensor offset2bag = empty_tensor({g.n}, ScalarType::Int64, weight.device(), op);
  int64_t* o2b = offset2bag.data<int64_t>();
  std::fill(o2b, o2b + g.start.front(), int64_t(-1));
  std::fill(o2b + g.start.back(), o2b + g.n, int64_t(-1));
  Tensor bag_size = empty_tensor({g.bags}, ScalarType::Int64, weight.device(), op);
  Tensor max_indices = empty_tensor(mode == kBagMax ? DimVector{g.bags, g.dim} : DimVector{0}, ScalarType::Int64,
                                    weight.device(), op);
  Tensor out = dispatch_floating(weight.dtype(), op, [&]<typename T>() {
    using IO = vec::VecIO<T>;
    using V = typename IO::vec_t;
    using Acc = typename V::value_type;
    constexpr int64_t W = V::size();
    Tensor result = empty_tensor({g.bags, g.dim}, weight.dtype(), weight.device(), op);
    const Tensor w = tg::contiguous(weight);
    const Tensor psw = per_sample_weights.has_value() && per_sample_weights->defined()
                           ? tg::contiguous(*per_sample_weights) : Tensor();
    const T* wp = w.data<T>();
    const T* sp = psw.defined() ? psw.data<T>() : nullptr;
    T* op_ = result.data<T>();
    int64_t* sizes = bag_size.data<int64_t>();
    int64_t* arg = mode == kBagMax ? max_indices.data<int64_t>() : nullptr;
    const int64_t dim = g.dim;
    // Sum / mean of one bag, columns [k, k + cols) with cols <= N * W: N accumulators stay in
    // registers while the bag's rows stream past (each element summed in index order).
    auto sum_block = [&]<int N>(int64_t first, int64_t last, int64_t k, int64_t cols, T* o, Acc scale) {
      V acc[N];
      for (int v = 0; v < N; ++v) acc[v] = V(Acc(0));
      for (int64_t i = first; i < last; ++i) {
        const int64_t r = ip[i];
        if (r == padding_idx) continue;
        const T* row = wp + r * dim + k;
        const V s(sp ? Acc(sp[i]) : Acc(1));
        for (int v = 0; v < N; ++v) {
          const int64_t c = cols - v * W;
          if (c <= 0) break;
          const V x = c >= W ? IO::load(row + v * W) : IO::load(row + v * W, int(c));
          acc[v] = sp ? acc[v] + x * s : acc[v] + x;
        }
      }
      const V sc(scale);
      for (int v = 0; v < N; ++v) {
        const int64_t c = cols - v * W;
        if (c <= 0) break;
        if (c >= W) IO::store(o + v * W, acc[v] * sc);
        else IO::store(o + v * W, acc[v] * sc, int(c));
      }
    };
    // The same for full blocks (cols == N * W) without weights: no per-vector tests, so that the
    // accumulators stay in registers (the general loop above kept them on the stack).
    auto sum_block_full = [&]<int N>(int64_t first, int64_t last, int64_t k, T* o, Acc scale) {
      V acc[N];
#pragma GCC unroll 8
      for (int v = 0; v < N; ++v) acc[v] = V(Acc(0));
      for (int64_t i = first; i < last; ++i) {
        const int64_t r = ip[i];
        if (r == padding_idx) continue;
        const T* row = wp + r * dim + k;
#pragma GCC unroll 8
        for (int v = 0; v < N; ++v) acc[v] = acc[v] + IO::load(row + v * W);
      }
      const V sc(scale);
#pragma GCC unroll 8
      for (int v = 0; v < N; ++v) IO::store(o + v * W, acc[v] * sc);
    };
    parallel_for(0, g.bags, std::max<int64_t>(1, wake_scaled(kGrainSize) / std::max<int64_t>(dim * 8, 1)), [&](int64_t b, int64_t e) {
      std::vector<Acc> acc(static_cast<size_t>(dim), Acc(0));
      for (int64_t bg = b; bg < e; ++bg) {
        const int64_t first = g.start[size_t(bg)], last = g.start[size_t(bg) + 1];
        int64_t count = 0;
        for (int64_t i = first; i < last; ++i) {
          check_index(ip[i]);
          count += ip[i] != padding_idx;
        }
        sizes[bg] = count;
        std::fill(o2b + first, o2b + last, bg);
        T* o = op_ + bg * dim;
        if (mode != kBagMax) {
          const Acc scale = mode == kBagMean && count > 0 ? Acc(1) / Acc(count) : Acc(1);
          // 64 columns per pass (8 AVX2 / 4 AVX-512 accumulators): a 128-float row in two passes
          constexpr int kN = std::clamp(64 / int(W), 4, 8);
          for (int64_t k = 0; k < dim; k += kN * W) {
            if (!sp && dim - k >= kN * W) sum_block_full.template operator()<kN>(first, last, k, o + k, scale);
            else sum_block.template operator()<kN>(first, last, k, std::min(kN * W, dim - k), o + k, scale);
          }
          continue;
        }
        // max: the first maximum wins (a later equal value does not replace it), like PyTorch; an
        // empty bag gives zeros and max_indices -1.
        Acc* __restrict a = acc.data();
        int64_t* am = arg + bg * dim;
        std::fill(a, a + dim, Acc(0));
        std::fill(am, am + dim, int64_t(-1));
        bool seen = false;
        for (int64_t i = first; i < last; ++i) {
          const int64_t r = ip[i];
          if (r == padding_idx) continue;
          const T* __restrict row = wp + r * dim;
          for (int64_t c = 0; c < dim; ++c) {
            const Acc v = Acc(row[c]);
            if (!seen || v > a[c]) {
              a[c] = v;
              am[c] = r;
            }
          }
          seen = true;
        }
        for (int64_t c = 0; c < dim; ++c) o[c] = T(a[c]);
      }
    });
    return result;
  });
  return {out, offset2bag, bag_size, max_indices};
}

Tensor embedding_bag_dense_backward_cpu(const Tensor& grad, const Tensor& indices, const Tensor& offset2bag,
                                        const Tensor& bag_size, const Tensor& max_indices, int64_t num_weights,
                                        bool scale_grad_by_freq, int64_t mode,
                                        const std::optional<Tensor>& per_sample_weights, int64_t padding_idx) {
  const char* op = "_embedding_bag_dense_backward";
  check_embedding_bag_backward(op, grad, indices, offset2bag, bag_size, max_indices, num_weights, mode,
                               per_sample_weights, padding_idx);
  const int64_t bags = grad.size(0), dim = grad.size(1);
  return dispatch_floating(grad.dtype(), op, [&]<typename T>() {
    using Acc = opmath_t<T>;
    Tensor out = empty_tensor({num_weights, dim}, grad.dtype(), grad.device(), op);
    T* o = out.data<T>();
    const Tensor gc = tg::contiguous(grad);
    const T* gp = gc.data<T>();
    if (mode == kBagMax) {
      const Tensor mi = tg::contiguous(max_indices);
      const int64_t* mp = mi.data<int64_t>();
      check_range(mp, bags * dim, -1, num_weights,
                  [&](int64_t v) { embedding_bag_index_error(op, "max_indices", v, -1, num_weights); });
      std::fill(o, o + num_weights * dim, T(0));
      // Columns split over threads: column c of every row is written by one thread only.
      parallel_for(0, dim, std::max<int64_t>(1, wake_scaled(kGrainSize) / std::max<int64_t>(bags, 1)), [&](int64_t b, int64_t e) {
        for (int64_t bg = 0; bg < bags; ++bg)
          for (int64_t c = b; c < e; ++c) {
            const int64_t r = mp[bg * dim + c];
            if (r >= 0) o[r * dim + c] = T(Acc(o[r * dim + c]) + Acc(gp[bg * dim + c]));
          }
      });
      return out;
    }
    const Tensor idx = embedding_flat_indices(indices);
    const int64_t* ip = idx.data<int64_t>();
    const int64_t n = idx.numel();
    check_range(ip, n, 0, num_weights, [&](int64_t v) { embedding_index_error(op, v, num_weights); });
    const Tensor o2b = tg::contiguous(offset2bag);
    const int64_t* bp = o2b.data<int64_t>();
    check_range(bp, n, -1, bags, [&](int64_t v) { embedding_bag_index_error(op, "offset2bag", v, -1, bags); });
    const Tensor bs = tg::contiguous(bag_size);
    const int64_t* sp = bs.data<int64_t>();
    const Tensor psw = per_sample_weights.has_value() && per_sample_weights->defined()
                           ? tg::contiguous(*per_sample_weights) : Tensor();
    const T* wp = psw.defined() ? psw.data<T>() : nullptr;
    const RowBuckets rb = bucket_rows(ip, n, num_weights);
    parallel_for(0, num_weights, std::max<int64_t>(1, wake_scaled(kGrainSize) / std::max<int64_t>(dim * 4, 1)), [&](int64_t b, int64_t e) {
      std::vector<Acc> acc(static_cast<size_t>(dim), Acc(0));
      for (int64_t r = b; r < e; ++r) {
        std::fill(acc.begin(), acc.end(), Acc(0));
        const int64_t first = rb.start[size_t(r)], last = rb.start[size_t(r) + 1];
        if (r != padding_idx) {
          for (int64_t j = first; j < last; ++j) {
            const int64_t i = rb.order[size_t(j)], bg = bp[i];
            if (bg < 0) continue;
            Acc s = Acc(1);
            if (mode == kBagMean) s = sp[bg] > 0 ? Acc(1) / Acc(sp[bg]) : Acc(0);
            else if (wp) s = Acc(wp[i]);
            const T* __restrict gr = gp + bg * dim;
            Acc* __restrict a = acc.data();
            for (int64_t c = 0; c < dim; ++c) a[c] += Acc(gr[c]) * s;
          }
          if (scale_grad_by_freq && last > first) {
            const Acc f = Acc(1) / Acc(last - first);
            for (int64_t c = 0; c < dim; ++c) acc[size_t(c)] *= f;
          }
        }
        T* dst = o + r * dim;
        for (int64_t c = 0; c < dim; ++c) dst[c] = T(acc[size_t(c)]);
      }
    });
    return out;
  });
}

}  // namespace tg::native::CPU_CAPABILITY

#pragma once
// Fixed-shape reduction trees shared by the reduction kernels (sum, mean, nansum, norms, var/std:
// Op = AddOp; prod: Op = MulOp). Every tree below has a shape that depends only on the number of
// elements, never on the thread count or the vector width, so a reduction gives the same bits
// for any thread count and under every CPU capability (default / avx2 / avx512).
// Included only by files in aten/native/cpu/, inside their per-ISA namespace.
#include <algorithm>
#include <type_traits>
#include <utility>
#include <vector>

#include "aten/parallel/Parallel.h"
#include "aten/vec/vec.h"
#include "aten/vec/vec_fused.h"

namespace tg::native::CPU_CAPABILITY {

struct AddOp {
  static constexpr int kIdentity = 0;
  template <typename X>
  X operator()(const X& a, const X& b) const { return a + b; }
};
struct MulOp {
  static constexpr int kIdentity = 1;
  template <typename X>
  X operator()(const X& a, const X& b) const { return a * b; }
};

// Column reductions (over the rows of [groups, rows, cols], each column on its own) read a slab
// of columns in blocks of kColumnBlockRows rows, one run of a few vectors of columns at a time
// down the block's rows. While a block is read, each run asks for the same run of the next
// block's rows (prefetch_next_block, into L2), so memory streams the next block evenly over the
// passes while this one is read from cache. (Stop 30's prefetch, the whole width of the row
// ~4 KiB ahead into L1 on a run's first pass, made the row-by-row loop of then 0.8x -> ~1x
// PyTorch on an older Xeon under AVX2; with today's runs, on stop 56's Xeon (AVX-512, a large L3)
// sum(dim=0) of [2048, 2048] took 620 us with it, 490 with no prefetch, and 490 with this one.)
constexpr int64_t kColumnBlockRows = 32;
template <typename T>
inline void prefetch_next_block(const T* run, int64_t r, int64_t rows, int64_t cols, int64_t n) {
  if (r + kColumnBlockRows >= rows) return;
  const char* q = reinterpret_cast<const char*>(run + kColumnBlockRows * cols);
  for (int64_t b = 0; b < n * int64_t(sizeof(T)); b += 64) __builtin_prefetch(q + b, 0, 1);
}

// The column blocks, one task each: f(group, c0, c1) for every block of each group, split across
// threads. Blocks are as wide as the threads allow, from kMinColumnBlock to kMaxColumnBlock
// columns: a long run per row lets the hardware prefetcher follow it (sum(dim=0) of [2048, 2048]
// float32 on the Xeon, 2 threads: 256-column blocks 490 us, 1024 (a 4 KiB page a row) 410,
// PyTorch 477). A column's arithmetic does not depend on the block it is in, nor on the thread.
constexpr int64_t kMinColumnBlock = 256, kMaxColumnBlock = 1024;
template <typename F>
void for_each_column_block(int64_t groups, int64_t rows, int64_t cols, const F& f) {
  const int64_t threads = std::max(1, get_num_threads());
  const int64_t width = std::clamp(((cols + threads - 1) / threads + 63) / 64 * 64, kMinColumnBlock, kMaxColumnBlock);
  const int64_t blocks = (cols + width - 1) / width;
  parallel_for(0, groups * blocks, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(rows * width, 1)),
               [&](int64_t begin, int64_t end) {
                 for (int64_t b = begin; b < end; ++b) {
                   const int64_t c0 = b % blocks * width;
                   f(b / blocks, c0, std::min(cols, c0 + width));
                 }
               });
}

// `map` is applied to every element before it is combined (nansum: NaN -> 0; norms: |x|, x * x);
// it takes both a Vectorized<Acc> and an Acc.
struct NoMap {
  template <typename X>
  X operator()(const X& x) const { return x; }
};

// The accumulator lanes of a cascade leaf: 256 bytes (64 floats or 32 doubles), four AVX-512
// vectors or eight AVX2 ones, so four to eight independent add (or multiply) chains keep the loop
// bound by the loads, not by the add latency (one 16-lane chain read ~45 % as fast as PyTorch's
// sum from cache).
template <typename Acc>
inline constexpr int kCascadeLanes = int(256 / sizeof(Acc));

// Pairwise (cascade) reduction: for sums the error grows with log(n), not n, like NumPy's and
// PyTorch's. Leaves keep kLanes independent accumulator lanes and combine them in a fixed tree,
// so the result is the same bits under every capability: the vector width only decides how many
// logical lanes one instruction updates. What is left of a leaf after its kLanes-wide steps goes
// through the first 16 lanes (so a 40-element row is still mostly vector work), then lane 0.
//
// A map that changes only NaN elements (nansum's NaN -> 0; it declares kOnlyChangesNaN) is the
// identity on a leaf without NaN, so each leaf is first reduced without it and again with it only
// when that result is NaN: the same bits, without the map's work on every element.
template <typename Map>
concept OnlyChangesNaN = Map::kOnlyChangesNaN;

// A map that squares (the 2-norm's x * x) may declare fused_add(acc, x): acc + map(x) rounded once,
// one fused multiply-add (vec_fused.h) where a multiply and an add would take two instructions.
// Sums over it take that form everywhere (vectors and scalar tails alike, so every capability
// gives the same bits): from memory the leaf then keeps more loads in flight on the Zen 2 VM
// (4M float32 sum of squares, 2 threads: 91 -> 96 % of a plain sum's speed in a harness).
template <typename Map>
concept FusesAdd = requires(const Map& m, float x) { m.fused_add(x, x); };

template <typename Op, typename Map, typename X>
[[gnu::always_inline]] inline X accumulate(const Op& op, const Map& map, const X& acc, const X& x) {
  if constexpr (std::is_same_v<Op, AddOp> && FusesAdd<Map>) return map.fused_add(acc, x);
  else return op(acc, map(x));
}

// One cascade leaf's accumulators: kLanes lanes in vectors, fed by full kLanes-wide steps, then
// 16-lane steps, then the rest into lane 0; result() combines the lanes in a fixed tree.
template <typename Acc, int kLanes, typename Op, typename T, typename Map>
struct CascadeLeaf {
  using IO = vec::VecIO<T>;
  using V = typename IO::vec_t;
  static constexpr int kShortLanes = 16;
  static_assert(std::is_same_v<typename V::value_type, Acc> && kLanes % kShortLanes == 0 &&
                kShortLanes % V::size() == 0);
  static constexpr int kVecs = kLanes / V::size(), kShortVecs = kShortLanes / V::size();
  V acc[kVecs];
  Op op;
  Map map;

  CascadeLeaf(Op op_, Map map_) : op(op_), map(map_) {
    for (V& a : acc) a = V(Acc(Op::kIdentity));
  }
  void step(const T* p) {
    for (int j = 0; j < kVecs; ++j) acc[j] = accumulate(op, map, acc[j], IO::load(p + j * V::size()));
  }
  void short_step(const T* p) {
    for (int j = 0; j < kShortVecs; ++j) acc[j] = accumulate(op, map, acc[j], IO::load(p + j * V::size()));
  }
  // Elements [i, n) of p after the full steps, then the lanes combined in halves (lane j with
  // lane j + width): while width spans whole vectors that is one vector operation per pair.
  Acc finish(const T* p, int64_t i, int64_t n) {
    for (; i + kShortLanes <= n; i += kShortLanes) short_step(p + i);
    Acc lanes[V::size()];
    if (i < n) {
      acc[0].store(lanes);
      for (; i < n; ++i) lanes[0] = accumulate(op, map, lanes[0], Acc(p[i]));
      acc[0] = V::loadu(lanes);
    }
    for (int width = kVecs / 2; width > 0; width /= 2)
      for (int j = 0; j < width; ++j) acc[j] = op(acc[j], acc[j + width]);
    // vec::reduce_add folds the halves of a vector in this same order, in registers (the lanes
    // through memory were ~a fifth of a 2048-element row's sum).
    if constexpr (std::is_same_v<Op, AddOp>) return vec::reduce_add(acc[0]);
    acc[0].store(lanes);
    for (int width = V::size() / 2; width > 0; width /= 2)
      for (int j = 0; j < width; ++j) lanes[j] = op(lanes[j], lanes[j + width]);
    return lanes[0];
  }
};

// The first split of a cascade over n > kLeaf elements: a whole number of leaf widths.
template <int kLanes>
inline int64_t cascade_half(int64_t n) { return (n / 2 + kLanes - 1) / kLanes * kLanes; }

template <typename Acc, int kLanes = kCascadeLanes<Acc>, typename Op, typename T, typename Map = NoMap>
Acc cascade_reduce(const T* p, int64_t n, Op op, Map map = {}) {
  constexpr int64_t kLeaf = 64 * kLanes;
  if constexpr (OnlyChangesNaN<Map>) {
    if (n <= kLeaf) {
      const Acc plain = cascade_reduce<Acc, kLanes>(p, n, op);
      if (plain == plain) return plain;
    }
  }
  if (n <= kLeaf) {
    CascadeLeaf<Acc, kLanes, Op, T, Map> leaf(op, map);
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes) leaf.step(p + i);
    return leaf.finish(p, i, n);
  }
  const int64_t half = cascade_half<kLanes>(n);
  return op(cascade_reduce<Acc, kLanes>(p, half, op, map), cascade_reduce<Acc, kLanes>(p + half, n - half, op, map));
}

// Two cascades over rows of the same length in one loop: {cascade_reduce(a, n, op, map_a),
// cascade_reduce(b, n, op, map_b)}, the same trees and so the same bits as the two calls, with
// the loads of both rows interleaved. var / std: the next block's sum reads memory while the
// current block's squared deviations read L1, so the memory stream never waits for the
// arithmetic. (Not for NaN-only maps: those take cascade_reduce's second look.) `ahead`, where
// given, is a row of n elements the caller reads next: each step asks for its lines at the step's
// offset, a second stream of requests to memory beside b's.
template <typename Acc, int kLanes = kCascadeLanes<Acc>, typename Op, typename T, typename MapA, typename MapB>
std::pair<Acc, Acc> cascade_reduce_pair(const T* a, const T* b, int64_t n, Op op, MapA map_a, MapB map_b,
                                        const T* ahead = nullptr) {
  static_assert(!OnlyChangesNaN<MapA> && !OnlyChangesNaN<MapB>);
  constexpr int64_t kLeaf = 64 * kLanes, kStepBytes = kLanes * int64_t(sizeof(T));
  if (n <= kLeaf) {
    CascadeLeaf<Acc, kLanes, Op, T, MapA> leaf_a(op, map_a);
    CascadeLeaf<Acc, kLanes, Op, T, MapB> leaf_b(op, map_b);
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
      if (ahead)
        for (int64_t l = 0; l < kStepBytes; l += 64) __builtin_prefetch(reinterpret_cast<const char*>(ahead + i) + l);
      leaf_a.step(a + i);
      leaf_b.step(b + i);
    }
    const Acc ra = leaf_a.finish(a, i, n);
    return {ra, leaf_b.finish(b, i, n)};
  }
  const int64_t half = cascade_half<kLanes>(n);
  const auto lo = cascade_reduce_pair<Acc, kLanes>(a, b, half, op, map_a, map_b, ahead);
  const auto hi = cascade_reduce_pair<Acc, kLanes>(a + half, b + half, n - half, op, map_a, map_b,
                                                   ahead ? ahead + half : nullptr);
  return {op(lo.first, hi.first), op(lo.second, hi.second)};
}

// A whole chunk's cascade_reduce as its two halves' trees in one loop (cascade_reduce_pair: the
// same bits), so a thread reads two streams from memory. Reading one stream, a sum of 16 MB
// from memory ran at ~75 % of PyTorch's speed under AVX2 on Zen 5 (AVX-512: ~85 %; the data
// already in L3: ~90 %); with two, at 105-125 % (both capabilities, the same machine). A NaN-only
// map (nansum) first pairs the plain sums: a half whose plain sum is not NaN has no NaN
// leaf, so it is what cascade_reduce's leaf-by-leaf second look would give; a NaN half is
// reduced again by cascade_reduce.
template <typename Acc, int kLanes, typename Op, typename T, typename Map>
Acc cascade_reduce_halves(const T* p, int64_t n, Op op, Map map) {
  const int64_t half = n / 2;
  if constexpr (OnlyChangesNaN<Map>) {
    auto [lo, hi] = cascade_reduce_pair<Acc, kLanes>(p, p + half, half, op, NoMap{}, NoMap{});
    if (lo != lo) lo = cascade_reduce<Acc, kLanes>(p, half, op, map);
    if (hi != hi) hi = cascade_reduce<Acc, kLanes>(p + half, half, op, map);
    return op(lo, hi);
  } else {
    const auto [lo, hi] = cascade_reduce_pair<Acc, kLanes>(p, p + half, half, op, map, map);
    return op(lo, hi);
  }
}

// A long row reduced by all threads: fixed 64K-element chunks (so the result is the same for any
// thread count), chunk results combined pairwise in order. A whole chunk splits into two equal
// halves (cascade_half(kChunk) = kChunk / 2), read as two streams (cascade_reduce_halves).
template <typename Acc, int kLanes = kCascadeLanes<Acc>, typename Op, typename T, typename Map = NoMap>
Acc parallel_cascade_reduce(const T* p, int64_t n, Op op, Map map = {}) {
  constexpr int64_t kChunk = 1 << 16;
  static_assert(kChunk > 64 * kLanes && kChunk / 2 % kLanes == 0, "a chunk's first split must be its two halves");
  if (n <= 2 * kChunk) return cascade_reduce<Acc, kLanes>(p, n, op, map);
  const int64_t nchunks = (n + kChunk - 1) / kChunk;
  std::vector<Acc> partial(static_cast<size_t>(nchunks));
  parallel_for(0, nchunks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      const int64_t len = std::min(kChunk, n - c * kChunk);
      partial[size_t(c)] = len == kChunk ? cascade_reduce_halves<Acc, kLanes>(p + c * kChunk, len, op, map)
                                         : cascade_reduce<Acc, kLanes>(p + c * kChunk, len, op, map);
    }
  });
  return cascade_reduce<Acc, kLanes>(partial.data(), nchunks, op);
}

// Column reduction: out[c] = op over rows of p[r * cols + c], for c in [c0, c1). Rows stream
// through in blocks of kBlockRows (each block combined row by row into a vector-wide buffer);
// block results merge like a binary counter (two results of 2^k blocks make one of 2^(k+1)),
// which is pairwise across rows. Each column's arithmetic is the same whichever thread owns it.
// `map` applies to each loaded element first (nansum: NaN -> 0), or is accumulated through its
// fused_add (the 2-norm's squares), as in cascade_reduce.
template <typename Acc, typename Op, typename T, typename Map = NoMap>
void column_cascade(const T* p, int64_t rows, int64_t cols, int64_t c0, int64_t c1, Acc* out, Op op, Map map = {}) {
  using IO = vec::VecIO<T>;
  using V = typename IO::vec_t;
  constexpr int64_t kBlockRows = kColumnBlockRows, W = V::size();
  const Acc identity = Acc(Op::kIdentity);
  const int64_t width = c1 - c0;
  std::vector<Acc> buffers;  // [level][width]: the pending results of 2^level blocks
  std::vector<bool> used;
  std::vector<Acc> block(size_t(width), identity);
  auto combine_into = [&](Acc* dst, auto&& load_src) {  // dst[0, width) = op(dst, src)
    int64_t c = 0;
    for (; c + W <= width; c += W) op(V::loadu(dst + c), load_src(c, int(W))).store(dst + c);
    if (c < width) {
      const int n = int(width - c);
      op(V::loadu(dst + c, n), load_src(c, n)).store(dst + c, n);
    }
  };
  // A block's rows are combined kRunVecs vectors of columns at a time, the running values held
  // in registers down the block's rows (combining into the block buffer row by row stored every
  // vector again: sum(dim=0) of [2048, 2048] float32 under AVX2 ran at ~55 % of sum(dim=-1)'s
  // read rate). Each column still sees identity, then its rows in order: the same bits.
  // Each run asks for its columns of the next block's rows as it goes (prefetch_next_block).
  constexpr int64_t kRunVecs = std::max<int64_t>(1, 256 / int64_t(sizeof(V)));
  for (int64_t r0 = 0; r0 < rows; r0 += kBlockRows) {
    const int64_t r1 = std::min(rows, r0 + kBlockRows);
    int64_t c = 0;
    for (; c + kRunVecs * W <= width; c += kRunVecs * W) {
      V run[kRunVecs];
      for (V& v : run) v = V(identity);
      for (int64_t r = r0; r < r1; ++r) {
        const T* row = p + r * cols + c0 + c;
        prefetch_next_block(row, r, rows, cols, kRunVecs * W);
        for (int64_t u = 0; u < kRunVecs; ++u) run[u] = accumulate(op, map, run[u], IO::load(row + u * W));
      }
      for (int64_t u = 0; u < kRunVecs; ++u) run[u].store(block.data() + c + u * W);
    }
    if (c < width) {  // the last columns: row by row into the block buffer
      std::fill(block.begin() + c, block.end(), identity);
      for (int64_t r = r0; r < r1; ++r) {
        const T* row = p + r * cols + c0;
        prefetch_next_block(row + c, r, rows, cols, width - c);
        for (int64_t k = c; k < width; k += W) {
          const int n = int(std::min(W, width - k));
          const V x = n == W ? IO::load(row + k) : IO::load(row + k, n);
          accumulate(op, map, V::loadu(block.data() + k, n), x).store(block.data() + k, n);
        }
      }
    }
    size_t level = 0;
    for (; level < used.size() && used[level]; ++level) {  // carry: merge equal-sized results
      const Acc* pending = buffers.data() + level * size_t(width);
      combine_into(block.data(), [&](int64_t c, int n) { return V::loadu(pending + c, n); });
      used[level] = false;
    }
    if (level == used.size()) {
      used.push_back(false);
      buffers.resize(used.size() * size_t(width));
    }
    std::copy(block.begin(), block.end(), buffers.begin() + level * size_t(width));
    used[level] = true;
  }
  std::fill(out, out + width, identity);
  for (size_t level = 0; level < used.size(); ++level) {
    if (!used[level]) continue;
    const Acc* pending = buffers.data() + level * size_t(width);
    combine_into(out, [&](int64_t c, int n) { return V::loadu(pending + c, n); });
  }
}

}  // namespace tg::native::CPU_CAPABILITY

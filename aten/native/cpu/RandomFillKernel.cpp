// In-place random fills (uniform_, normal_, bernoulli_, exponential_, geometric_, log_normal_,
// cauchy_, random_), bernoulli(probabilities) and multinomial on the CPU.
//
// Element i of self (row-major order) takes its bits from the Philox counters the factories
// (RandomKernels.cpp, mapping in aten/core/Generator.h) give element i of a tensor of the same
// size: 32-bit draws (block i/4, lane i%4) for every dtype but float64, 64-bit draws (block i/2)
// for float64 and for random_. uniform_ on a float tensor is therefore bit-identical to rand, and
// normal_ to randn, for the same generator state. The blocks are split across threads in fixed
// batches, so a fill depends only on (seed, offset), never on the thread count. uniform_, normal_
// and log_normal_ compute their affine step (from + width * u, mean + std * z) as one fma, so the
// result is also the same on every CPU capability (a separate multiply and add would be fused by
// the compiler in the -mfma builds only) and on CUDA.
#include "aten/vec/isa.h"
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/Copy.h"
#include "aten/native/cpu/PhiloxBlocks.h"
#include "aten/parallel/Parallel.h"
#include "aten/vec/philox.h"
#include "aten/vec/vec_math_extra.h"
#include "aten/vec/vec_math_tan.h"
#include "ops/contiguous.h"
#include "ops/to.h"
#include "kernels/bernoulli.h"
#include "kernels/bernoulli_.h"
#include "kernels/cauchy_.h"
#include "kernels/exponential_.h"
#include "kernels/geometric_.h"
#include "kernels/log_normal_.h"
#include "kernels/multinomial.h"
#include "kernels/normal_.h"
#include "kernels/random_.h"
#include "kernels/uniform_.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

// Uniform in the open interval (0, 1), exact in double: for logs and tangents that must not see 0
// or 1 (exponential, geometric, cauchy). 24 bits from a 32-bit draw, 52 from a 64-bit one.
inline double open_uniform32(uint32_t x) { return (double(x >> 8) + 0.5) * (1.0 / 16777216.0); }
inline double open_uniform64(uint64_t x) { return (double(x >> 12) + 0.5) * (1.0 / 4503599627370496.0); }

// Writes into self: directly when it is contiguous, else through a contiguous buffer copied in
// afterwards (the element order is row-major either way).
template <typename T, typename Fill>
Tensor& fill_self(Tensor& self, const char* op, const Fill& fill) {
  if (self.numel() == 0) return self;
  if (self.is_contiguous()) {
    fill(self.data<T>(), self.numel());
    return self;
  }
  Tensor tmp = empty_tensor(self.sizes(), self.dtype(), Device(), op);
  fill(tmp.data<T>(), tmp.numel());
  copy_into(self, tmp, op);
  return self;
}

// Every element gets g(u) for an open uniform u in (0, 1) (open_uniform32, or open_uniform64 for
// float64), computed in double a vector at a time: g takes and returns Vectorized<double>, built
// from vec_math_extra.h's functions (the same bits on every capability; this file is compiled
// with -ffp-contract=off). libm's tan one element at a time made cauchy_ of 2000 floats 47 us.
template <typename G>
Tensor& fill_from_open_uniform(Tensor& self, const std::optional<Generator>& generator, const char* op,
                               bool floating_only, const G& g) {
  using V = vec::Vectorized<double>;
  GeneratorImpl& gen = generator_or_default(generator);
  auto body = [&]<typename T>() {
    fill_self<T>(self, op, [&](T* data, int64_t n) {
      constexpr int per_block = std::is_same_v<T, double> ? 2 : 4;
      constexpr int64_t kBatchElems = int64_t(vec::kPhiloxBatch) * per_block;
      static_assert(kBatchElems % V::size() == 0, "whole vectors per batch");
      const int64_t nblocks = (n + per_block - 1) / per_block;
      const PhiloxState st = gen.reserve_state(uint64_t(nblocks));
      vec::for_each_philox_batch(nblocks, per_block, kMathGrainSize, [&](int64_t b) {
        alignas(64) uint32_t bits[4 * vec::kPhiloxBatch];
        vec::philox_lanes_batch(st.seed, st.offset + uint64_t(b) * vec::kPhiloxBatch, bits);
        const int64_t first = b * kBatchElems;
        const int count = int(std::min<int64_t>(kBatchElems, n - first));
        alignas(64) double u[kBatchElems];
        for (int k = 0; k < kBatchElems; ++k)  // element k of the batch: lane k, or lanes 2k and 2k + 1
          u[k] = per_block == 2 ? open_uniform64(philox::combine(bits[2 * k], bits[2 * k + 1])) : open_uniform32(bits[k]);
        for (int k = 0; k < count; k += V::size()) g(V::loadu(u + k)).store(u + k);
        for (int k = 0; k < count; ++k) data[first + k] = static_cast<T>(opmath_t<T>(u[k]));
      });
    });
  };
  if (floating_only) dispatch_floating(self.dtype(), op, body);
  else dispatch_numeric(self.dtype(), op, body);
  return self;
}

// The integers a dtype holds exactly (random_'s default upper bound): its limits for integer
// types, [-2^d, 2^d] for a d-bit significand.
template <typename T>
std::pair<int64_t, int64_t> exact_int_range() {
  if constexpr (std::is_same_v<T, bool>) return {0, 1};
  else if constexpr (std::is_integral_v<T>)
    return {int64_t(std::numeric_limits<T>::lowest()), int64_t(std::numeric_limits<T>::max())};
  else {
    constexpr int d = std::is_same_v<T, double> ? 53 : std::is_same_v<T, float> ? 24 : std::is_same_v<T, Half> ? 11 : 8;
    return {-(int64_t(1) << d), int64_t(1) << d};
  }
}

template <typename T>
inline T from_int64(int64_t v) {
  if constexpr (std::is_same_v<T, bool>) return v != 0;
  else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) return T(float(v));
  else return static_cast<T>(v);
}

}  // namespace

Tensor& uniform_cpu(Tensor& self, double from, double to, const std::optional<Generator>& generator) {
  TG_CHECK(from <= to, "[uniform_] expects to return a [from, to) range, but found from=", from, " > to=", to);
  TG_CHECK(to - from <= std::numeric_limits<double>::max(), "[uniform_] expects to-from <= std::numeric_limits<",
           self.dtype(), ">::max(), but found to=", to, " and from=", from, " which result in to-from to exceed the limit");
  GeneratorImpl& gen = generator_or_default(generator);
  dispatch_floating(self.dtype(), "uniform_", [&]<typename T>() {
    fill_self<T>(self, "uniform_", [&](T* data, int64_t n) {
      // rand's conversion (24 bits: exact in float; 53 for double) scaled to [from, to)
      vec::for_each_uniform_batch<T, 24>(gen, n, kGrainSize, [&](int64_t first, const auto* u, int count) {
        if constexpr (std::is_same_v<T, double>) {
          const double w = to - from;
          for (int k = 0; k < count; ++k) data[first + k] = std::fma(w, u[k], from);
        } else {
          alignas(64) float v[4 * vec::kPhiloxBatch];
          vec::fma_affine(v, u, count, float(to - from), float(from));
          vec::store_floats(data + first, v, count);
        }
      });
    });
  });
  return self;
}

namespace {
// Every element gets mean + std * z (one fma) for z drawn as randn draws it (Box-Muller pairs),
// computed in double for float64 and in float otherwise; log_normal_ takes exp of that.
Tensor& fill_normal(Tensor& self, const std::optional<Generator>& generator, const char* op, double mean, double std,
                    bool log_normal) {
  GeneratorImpl& gen = generator_or_default(generator);
  dispatch_floating(self.dtype(), op, [&]<typename T>() {
    fill_self<T>(self, op, [&](T* data, int64_t n) {
      constexpr int per_block = std::is_same_v<T, double> ? 2 : 4;
      constexpr int64_t kBatchElems = int64_t(vec::kPhiloxBatch) * per_block;
      const int64_t nblocks = (n + per_block - 1) / per_block;
      const PhiloxState st = gen.reserve_state(uint64_t(nblocks));
      vec::for_each_philox_batch(nblocks, per_block, kMathGrainSize, [&](int64_t b) {
        const uint64_t block0 = st.offset + uint64_t(b) * vec::kPhiloxBatch;
        const int64_t first = b * kBatchElems;
        const int count = int(std::min<int64_t>(kBatchElems, n - first));
        if constexpr (std::is_same_v<T, double>) {  // randn's double values
          alignas(64) double z[2 * vec::kPhiloxBatch];
          vec::normal_double_batch(st.seed, block0, z);
          for (int k = 0; k < count; ++k) {
            const double v = std::fma(std, z[k], mean);
            data[first + k] = log_normal ? std::exp(v) : v;
          }
        } else {  // randn's float values (aten/core/PhiloxNormal.h)
          alignas(64) float buf[4 * vec::kPhiloxBatch];
          float* z = buf;  // a whole batch of float32 goes straight into self
          if constexpr (std::is_same_v<T, float>)
            if (count == kBatchElems) z = data + first;
          vec::normal_batch(st.seed, block0, z);
          vec::fma_affine(z, z, count, float(std), float(mean));
          if (log_normal)
            for (int k = 0; k < count; ++k) z[k] = std::exp(z[k]);
          if (z == buf) vec::store_floats(data + first, z, count);
        }
      });
    });
  });
  return self;
}
}  // namespace

Tensor& normal_cpu(Tensor& self, double mean, double std, const std::optional<Generator>& generator) {
  TG_CHECK(std >= 0.0, "[normal_] expects std >= 0.0, but found std ", std);
  return fill_normal(self, generator, "normal_", mean, std, false);
}

Tensor& bernoulli_float_cpu(Tensor& self, double p, const std::optional<Generator>& generator) {
  TG_CHECK(p >= 0.0 && p <= 1.0, "[bernoulli_] expects p to be in [0, 1], but got p=", p);
  GeneratorImpl& gen = generator_or_default(generator);
  dispatch_all(self.dtype(), "bernoulli_", [&]<typename T>() {
    fill_self<T>(self, "bernoulli_", [&](T* data, int64_t n) {
      if constexpr (std::is_same_v<T, double>) {
        for_each_block_parallel<2>(gen, n, [&](int64_t first, const Lanes& l, int count) {
          for (int k = 0; k < count; ++k) data[first + k] = philox::uniform_double(draw64(l, k)) < p ? 1.0 : 0.0;
        });
      } else {
        // u < p with u on the 2^-24 grid: p = 1 always gives 1, p = 0 never does
        for_each_block_parallel<4>(gen, n, [&](int64_t first, const Lanes& l, int count) {
          for (int k = 0; k < count; ++k)
            data[first + k] = from_int64<T>(double(philox::uniform_float<24>(l[k])) < p ? 1 : 0);
        });
      }
    });
  });
  return self;
}

Tensor& exponential_cpu(Tensor& self, double lambd, const std::optional<Generator>& generator) {
  TG_CHECK(lambd > 0.0, "[exponential_] expects lambda > 0.0, but found lambda=", lambd);
  return fill_from_open_uniform(self, generator, "exponential_", true,
                                [lambd](const auto& u) { return -vec::xdetail::log_(u) / std::decay_t<decltype(u)>(lambd); });
}

Tensor& geometric_cpu(Tensor& self, double p, const std::optional<Generator>& generator) {
  TG_CHECK(p > 0.0 && p < 1.0, "[geometric_] expects p to be in (0, 1), got p = ", p);
  const double log_q = std::log1p(-p);
  // the number of trials up to the first success: ceil(log(u) / log(1 - p)) >= 1
  return fill_from_open_uniform(self, generator, "geometric_", false,
                                [log_q](const auto& u) { return ceil(vec::xdetail::log_(u) / std::decay_t<decltype(u)>(log_q)); });
}

Tensor& log_normal_cpu(Tensor& self, double mean, double std, const std::optional<Generator>& generator) {
  TG_CHECK(std > 0.0, "[log_normal_] expects std > 0.0, but found std=", std);
  return fill_normal(self, generator, "log_normal_", mean, std, true);
}

Tensor& cauchy_cpu(Tensor& self, double median, double sigma, const std::optional<Generator>& generator) {
  TG_CHECK(sigma > 0.0, "[cauchy_] expects sigma > 0.0, but found sigma=", sigma);
  constexpr double pi = 3.14159265358979323846;
  return fill_from_open_uniform(self, generator, "cauchy_", true,
                                [=](const auto& u) {
                                  using V = std::decay_t<decltype(u)>;
                                  return vec::xdetail::fma_(V(sigma), vec::tan(V(pi) * (u - V(0.5))), V(median));
                                });
}

Tensor& random_from_cpu(Tensor& self, int64_t from, std::optional<int64_t> to, const std::optional<Generator>& generator) {
  GeneratorImpl& gen = generator_or_default(generator);
  dispatch_all(self.dtype(), "random_", [&]<typename T>() {
    auto [lo, hi] = exact_int_range<T>();
    // to=None: up to the largest exact integer, inclusive (PyTorch's random_(from, None))
    const bool inclusive = !to.has_value();
    const int64_t last = inclusive ? hi : *to - 1;
    TG_CHECK(inclusive || from < *to, "[random_] expects 'from' to be less than 'to', but got from=", from,
             " >= to=", *to);
    TG_CHECK(from >= lo && last <= hi && from <= last, "[random_] from=", from, " and to-1=", last,
             " must be within [", lo, ", ", hi, "] for dtype ", self.dtype());
    // last - from + 1 can be 2^64 (int64's whole range): range 0 then means "every value"
    const uint64_t range = uint64_t(last) - uint64_t(from) + 1;
    fill_self<T>(self, "random_", [&](T* data, int64_t n) {
      for_each_block_parallel<2>(gen, n, [&](int64_t first, const Lanes& l, int count) {
        for (int k = 0; k < count; ++k) {
          const uint64_t x = draw64(l, k);
          data[first + k] = from_int64<T>(int64_t(uint64_t(from) + (range == 0 ? x : philox::bounded(x, range))));
        }
      });
    });
  });
  return self;
}

Tensor bernoulli_cpu(const Tensor& self, const std::optional<Generator>& generator) {
  dispatch_floating(self.dtype(), "bernoulli", [&]<typename T>() {});  // probabilities are floating
  Tensor probs = self.contiguous();
  Tensor out = empty_tensor(self.sizes(), self.dtype(), Device(), "bernoulli");
  GeneratorImpl& gen = generator_or_default(generator);
  dispatch_floating(self.dtype(), "bernoulli", [&]<typename T>() {
    const T* p = probs.data<T>();
    T* o = out.data<T>();
    const int64_t n = out.numel();
    // Every probability must lie in [0, 1] (checked before drawing, so no counters are spent).
    bool ok = true;
    for (int64_t i = 0; i < n && ok; ++i) {
      const opmath_t<T> v = opmath_t<T>(p[i]);
      ok = v >= 0 && v <= 1;
    }
    TG_CHECK(ok, "[bernoulli] Expected p_in >= 0 && p_in <= 1 to be true, but got false: every probability must be in [0, 1]");
    if constexpr (std::is_same_v<T, double>) {
      for_each_block_parallel<2>(gen, n, [&](int64_t first, const Lanes& l, int count) {
        for (int k = 0; k < count; ++k) o[first + k] = philox::uniform_double(draw64(l, k)) < p[first + k] ? 1.0 : 0.0;
      });
    } else {
      for_each_block_parallel<4>(gen, n, [&](int64_t first, const Lanes& l, int count) {
        for (int k = 0; k < count; ++k)
          o[first + k] = T(philox::uniform_float<24>(l[k]) < float(p[first + k]) ? 1.0f : 0.0f);
      });
    }
  });
  return out;
}

// std::upper_bound's index of target in the sorted cdf[0 .. n), n >= 1, without branches on the
// comparisons: for random targets those mispredicted about half the time (multinomial's 4000
// samples of 4 categories took 58 us, now 17). Up to 16 categories it is the count of entries
// <= target (the same index, cdf being sorted): independent compares instead of a chain of
// dependent loads (the same 4000 samples, one thread: 45 -> 42 us).
inline int64_t upper_index(const double* cdf, int64_t n, double target) {
  if (n <= 16) {
    int64_t count = 0;
    for (int64_t k = 0; k < n; ++k) count += cdf[k] <= target;
    return count;
  }
  const double* base = cdf;
  while (n > 1) {
    const int64_t half = n / 2;
    base = base[half] <= target ? base + half : base;
    n -= half;
  }
  return int64_t(base - cdf) + (*base <= target);
}

// Rows of non-negative weights -> num_samples category indices per row (int64).
// With replacement: the inverse CDF of the row at a uniform draw (sample j of row r is 64-bit
// draw r * num_samples + j). Without: the categories with the num_samples largest keys
// u^(1 / w) (Efraimidis-Spirakis; category c of row r draws 64-bit element r * n_categories + c),
// in decreasing key order; zero weights are never chosen.
Tensor multinomial_cpu(const Tensor& self, int64_t num_samples, bool replacement,
                       const std::optional<Generator>& generator) {
  TG_CHECK(self.dim() == 1 || self.dim() == 2, "[multinomial] prob_dist must be 1 or 2 dim, got ", self.dim());
  dispatch_floating(self.dtype(), "multinomial", [&]<typename T>() {});
  const int64_t ncat = self.size(-1);
  const int64_t nrows = self.dim() == 1 ? 1 : self.size(0);
  TG_CHECK(ncat > 0, "[multinomial] the number of categories cannot be 0 (prob_dist has size ", self.sizes(), ")");
  TG_CHECK(num_samples > 0, "[multinomial] cannot sample num_samples <= 0 samples, got ", num_samples);
  TG_CHECK(replacement || num_samples <= ncat, "[multinomial] cannot sample num_samples=", num_samples,
           " > prob_dist.size(-1)=", ncat, " samples without replacement");
  Tensor w = self.to(ScalarType::Float64).contiguous();
  const double* wd = w.data<double>();
  for (int64_t r = 0; r < nrows; ++r) {
    double sum = 0;
    int64_t nonzero = 0;
    for (int64_t c = 0; c < ncat; ++c) {
      const double v = wd[r * ncat + c];
      TG_CHECK(std::isfinite(v) && v >= 0, "[multinomial] probability tensor contains either `inf`, `nan` or element < 0 (row ",
               r, ", category ", c, ": ", v, ")");
      sum += v;
      nonzero += v > 0;
    }
    TG_CHECK(sum > 0, "[multinomial] invalid multinomial distribution (sum of probabilities <= 0) in row ", r);
    TG_CHECK(replacement || nonzero >= num_samples, "[multinomial] invalid multinomial distribution (with replacement=False, "
             "not enough non-negative category to sample): row ", r, " has ", nonzero, " < num_samples=", num_samples);
  }
  std::vector<int64_t> out_shape = self.dim() == 1 ? std::vector<int64_t>{num_samples} : std::vector<int64_t>{nrows, num_samples};
  Tensor out = empty_tensor(out_shape, ScalarType::Int64, Device(), "multinomial");
  int64_t* o = out.data<int64_t>();
  GeneratorImpl& gen = generator_or_default(generator);
  if (replacement) {
    std::vector<double> u(size_t(nrows * num_samples));
    for_each_block_parallel<2>(gen, nrows * num_samples, [&](int64_t first, const Lanes& l, int count) {
      for (int k = 0; k < count; ++k) u[size_t(first + k)] = philox::uniform_double(draw64(l, k));
    });
    parallel_for(0, nrows, 1, [&](int64_t r0, int64_t r1) {
      std::vector<double> cdf(static_cast<size_t>(ncat));
      for (int64_t r = r0; r < r1; ++r) {
        std::partial_sum(wd + r * ncat, wd + (r + 1) * ncat, cdf.begin());
        const double total = cdf.back();
        int64_t last_positive = ncat - 1;
        while (last_positive > 0 && wd[r * ncat + last_positive] == 0) --last_positive;
        for (int64_t j = 0; j < num_samples; ++j) {
          // the first category whose cumulative weight exceeds u * total (zero weights never win);
          // none when rounding puts the target at the top: the last positive one
          const double target = u[size_t(r * num_samples + j)] * total;
          const int64_t c = upper_index(cdf.data(), ncat, target);
          o[r * num_samples + j] = c < ncat ? c : last_positive;
        }
      }
    });
  } else {
    std::vector<double> keys(size_t(nrows * ncat));
    for_each_block_parallel<2>(gen, nrows * ncat, [&](int64_t first, const Lanes& l, int count) {
      for (int k = 0; k < count; ++k) {
        const double wv = wd[first + k];
        // log(u) / w orders like u^(1/w); zero weights get -inf (never chosen while others remain)
        keys[size_t(first + k)] = wv > 0 ? std::log(open_uniform64(draw64(l, k))) / wv : -std::numeric_limits<double>::infinity();
      }
    });
    parallel_for(0, nrows, 1, [&](int64_t r0, int64_t r1) {
      std::vector<int64_t> idx(static_cast<size_t>(ncat));
      for (int64_t r = r0; r < r1; ++r) {
        std::iota(idx.begin(), idx.end(), int64_t(0));
        const double* kr = keys.data() + r * ncat;
        std::partial_sort(idx.begin(), idx.begin() + num_samples, idx.end(),
                          [kr](int64_t a, int64_t b) { return kr[a] > kr[b] || (kr[a] == kr[b] && a < b); });
        std::copy(idx.begin(), idx.begin() + num_samples, o + r * num_samples);
      }
    });
  }
  return out;
}

}  // namespace tg::native::CPU_CAPABILITY

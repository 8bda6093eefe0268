// Fused scaled-dot-product attention on the CPU (FlashAttention's algorithm, blocked for caches).
//
// Forward: the (batch, query block) tasks are split across threads; a task walks the key blocks
// and keeps, per query row, the running max m, the running sum l of exp(s - m) and the
// unnormalized output; a new block's larger max rescales them (the "online softmax"). Only one
// [kBlockQ x kBlockK] block of scores exists per thread: the L x S matrix is never allocated.
// It also returns logsumexp = m + log(l) per row, from which the backward recomputes each
// probability block exactly (p = exp(s - logsumexp)).
//
// Backward, with D_i = sum_j dO_ij O_ij: dS = P * (dO V^T - D), dQ = dS K * scale,
// dK = dS^T Q * scale, dV = P^T dO. (batch, key block) tasks recompute their score blocks and
// own their dK and dV; each writes its share of dQ to a buffer of its own, and the shares are
// summed in a fixed order afterwards (no atomics, results independent of the thread count).
//
// Rows no key may attend to (every score -inf) give output 0 and gradient 0, like PyTorch.
// is_causal masks key j > query i (top-left aligned, PyTorch's tril). float16/bfloat16 inputs are
// computed in float; the matrix products are the packed GEMM of Gemm.h, run serially per task.
#include "aten/vec/isa.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/EmbeddingAttention.h"
#include "aten/native/cpu/Gemm.h"
#include "aten/parallel/Parallel.h"
#include "aten/vec/vec.h"
#include "kernels/_fused_attention.h"
#include "kernels/_fused_attention_backward_kernel.h"
#include "ops/contiguous.h"
#include "ops/to.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

constexpr int64_t kBlockQ = 128;  // query rows per task
constexpr int64_t kBlockK = 256;  // keys per score block

// q, k, v (and the backward's extra operands) as contiguous tensors of the compute dtype.
struct AttentionOperands {
  Tensor q, k, v;
  std::optional<Tensor> mask;  // a float mask converted to the compute dtype; a bool one as given
};

AttentionOperands to_compute(TensorList qkv, const std::optional<Tensor>& attn_mask, ScalarType ct) {
  auto prep = [&](const Tensor& t) { return tg::contiguous(tg::to(t, ct)); };
  AttentionOperands o{prep(qkv[0]), prep(qkv[1]), prep(qkv[2]), std::nullopt};
  if (attn_mask.has_value() && attn_mask->defined())
    o.mask = attn_mask->dtype() == ScalarType::Bool ? *attn_mask : tg::to(*attn_mask, ct);
  return o;
}

template <typename Acc>
struct Problem {
  const AttentionGeometry& g;
  const Acc *q, *k, *v;
  bool causal;
  Acc scale;
};

// s[i * ld + j] = (q_{q0+i} . k_{k0+j}) * scale + mask, -inf where masked, for bq x bk scores.
template <typename Acc>
void score_block(const Problem<Acc>& p, int64_t b, int64_t q0, int64_t bq, int64_t k0, int64_t bk, Acc* s) {
  const AttentionGeometry& g = p.g;
  const Acc* Q = p.q + (b * g.L + q0) * g.E;
  const Acc* K = p.k + (b * g.S + k0) * g.E;
  // s = Q K^T: B[e][j] = K[j][e], so B's row stride is 1 and its column stride E.
  gemm<Acc>(bq, bk, g.E, Q, g.E, 1, K, 1, g.E, s, bk, 1, /*serial=*/true);
  using V = vec::Vectorized<Acc>;
  constexpr int64_t W = V::size();
  const int64_t n = bq * bk, full = n / W * W;
  const V vs(p.scale);
  for (int64_t t = 0; t < full; t += W) (V::loadu(s + t) * vs).store(s + t);
  for (int64_t t = full; t < n; ++t) s[t] *= p.scale;
  constexpr Acc ninf = -std::numeric_limits<Acc>::infinity();
  if (p.causal) {
    for (int64_t i = 0; i < bq; ++i)
      for (int64_t j = std::max<int64_t>(0, q0 + i + 1 - k0); j < bk; ++j) s[i * bk + j] = ninf;
  } else if (g.mask.defined()) {
    const int64_t base = g.mask_offset[size_t(b)] + q0 * g.mask_stride_l + k0 * g.mask_stride_s;
    if (g.bool_mask) {
      const bool* m = g.mask.data<bool>() + base;
      for (int64_t i = 0; i < bq; ++i)
        for (int64_t j = 0; j < bk; ++j)
          if (!m[i * g.mask_stride_l + j * g.mask_stride_s]) s[i * bk + j] = ninf;
    } else {
      const Acc* m = g.mask.data<Acc>() + base;
      for (int64_t i = 0; i < bq; ++i)
        for (int64_t j = 0; j < bk; ++j) s[i * bk + j] += m[i * g.mask_stride_l + j * g.mask_stride_s];
    }
  }
}

template <typename Acc>
Acc row_max(const Acc* x, int64_t n) {
  using V = vec::Vectorized<Acc>;
  constexpr int64_t W = V::size();
  Acc mx = -std::numeric_limits<Acc>::infinity();
  const int64_t full = n / W * W;
  if (full) {
    V vm = V::loadu(x);
    for (int64_t t = W; t < full; t += W) vm = vec::maximum(vm, V::loadu(x + t));
    mx = vec::reduce_max(vm);
  }
  for (int64_t t = full; t < n; ++t) mx = std::max(mx, x[t]);
  return mx;
}

// x = exp(x - shift) in place; returns the sum (lanes in a fixed order).
template <typename Acc>
Acc exp_shifted(Acc* x, int64_t n, Acc shift) {
  using V = vec::Vectorized<Acc>;
  constexpr int64_t W = V::size();
  const int64_t full = n / W * W;
  const V vsh(shift);
  V vsum(Acc(0));
  for (int64_t t = 0; t < full; t += W) {
    V e = vec::exp(V::loadu(x + t) - vsh);
    e.store(x + t);
    vsum = vsum + e;
  }
  Acc sum = vec::reduce_add(vsum);
  for (int64_t t = full; t < n; ++t) {
    x[t] = std::exp(x[t] - shift);
    sum += x[t];
  }
  return sum;
}

// y = y * a + x (a = 1: y += x).
template <typename Acc>
void scale_add(Acc* y, Acc a, const Acc* x, int64_t n) {
  using V = vec::Vectorized<Acc>;
  constexpr int64_t W = V::size();
  const int64_t full = n / W * W;
  const V va(a);
  for (int64_t t = 0; t < full; t += W) (V::loadu(y + t) * va + V::loadu(x + t)).store(y + t);
  for (int64_t t = full; t < n; ++t) y[t] = y[t] * a + x[t];
}

// Tasks per thread so that a thread gets at least kAttentionGrain multiply-adds: tiny problems
// (OpInfo's [2,3,5,4] queries) stay on the calling thread, where waking a second one cost more
// than the whole call (42 -> ~5 us; PyTorch 66 us).
constexpr int64_t kAttentionGrain = 1 << 16;
inline int64_t attention_grain(int64_t rows, int64_t cols, int64_t depth) {
  return std::max<int64_t>(1, kAttentionGrain / std::max<int64_t>(rows * cols * depth, 1));
}

template <typename Acc>
void forward(const Problem<Acc>& p, Acc* out, Acc* lse) {
  const AttentionGeometry& g = p.g;
  const int64_t nqb = (g.L + kBlockQ - 1) / kBlockQ;
  constexpr Acc ninf = -std::numeric_limits<Acc>::infinity();
  const int64_t grain = attention_grain(std::min(kBlockQ, g.L), g.S, g.E + g.Ev);
  parallel_for(0, g.batch * nqb, grain, [&](int64_t t0, int64_t t1) {
    std::vector<Acc> s(size_t(kBlockQ * kBlockK)), acc(size_t(kBlockQ * g.Ev)), pv(size_t(kBlockQ * g.Ev));
    std::vector<Acc> m(static_cast<size_t>(kBlockQ)), l(static_cast<size_t>(kBlockQ));
    for (int64_t task = t0; task < t1; ++task) {
      const int64_t b = task / nqb, q0 = (task % nqb) * kBlockQ, bq = std::min(kBlockQ, g.L - q0);
      std::fill(m.begin(), m.end(), ninf);
      std::fill(l.begin(), l.end(), Acc(0));
      std::fill(acc.begin(), acc.end(), Acc(0));
      const int64_t k_end = p.causal ? std::min(g.S, q0 + bq) : g.S;
      for (int64_t k0 = 0; k0 < k_end; k0 += kBlockK) {
        const int64_t bk = std::min(kBlockK, k_end - k0);
        score_block(p, b, q0, bq, k0, bk, s.data());
        for (int64_t i = 0; i < bq; ++i) {
          Acc* row = s.data() + i * bk;
          const Acc mnew = std::max(m[size_t(i)], row_max(row, bk));
          if (mnew == ninf) {  // nothing attended yet: this block's probabilities are 0
            std::fill(row, row + bk, Acc(0));
            continue;
          }
          const Acc alpha = std::exp(m[size_t(i)] - mnew);  // 0 while m was -inf
          l[size_t(i)] = l[size_t(i)] * alpha + exp_shifted(row, bk, mnew);
          if (alpha != Acc(1))
            for (int64_t c = 0; c < g.Ev; ++c) acc[size_t(i * g.Ev + c)] *= alpha;
          m[size_t(i)] = mnew;
        }
        // acc += P V_block
        gemm<Acc>(bq, g.Ev, bk, s.data(), bk, 1, p.v + (b * g.S + k0) * g.Ev, g.Ev, 1, pv.data(), g.Ev, 1, true);
        scale_add(acc.data(), Acc(1), pv.data(), bq * g.Ev);
      }
      for (int64_t i = 0; i < bq; ++i) {
        const Acc li = l[size_t(i)];
        Acc* o = out + (b * g.L + q0 + i) * g.Ev;
        const Acc inv = li > Acc(0) ? Acc(1) / li : Acc(0);
        for (int64_t c = 0; c < g.Ev; ++c) o[c] = acc[size_t(i * g.Ev + c)] * inv;
        lse[b * g.L + q0 + i] = li > Acc(0) ? m[size_t(i)] + std::log(li) : ninf;
      }
    }
  });
}

// p = exp(s - lse_row) per row (0 for rows with lse = -inf: nothing attended).
template <typename Acc>
void probabilities(Acc* s, int64_t bq, int64_t bk, const Acc* lse) {
  for (int64_t i = 0; i < bq; ++i) {
    Acc* row = s + i * bk;
    if (lse[i] == -std::numeric_limits<Acc>::infinity()) std::fill(row, row + bk, Acc(0));
    else exp_shifted(row, bk, lse[i]);
  }
}

// dp = p * (dp - D_row) in place.
template <typename Acc>
void softmax_grad(Acc* dp, const Acc* p, int64_t bq, int64_t bk, const Acc* D) {
  for (int64_t i = 0; i < bq; ++i)
    for (int64_t j = 0; j < bk; ++j) dp[i * bk + j] = p[i * bk + j] * (dp[i * bk + j] - D[i]);
}

// The largest buffer of dQ partials the backward holds at once (the batch is walked in groups
// that fit; one batch entry alone may exceed it: its partials are S * L * E / kBlockK elements,
// a quarter of the L x S probability matrix for E = 64).
constexpr int64_t kMaxPartialBytes = int64_t(16) << 20;

template <typename Acc>
void backward(const Problem<Acc>& p, const Acc* dout, const Acc* out, const Acc* lse, Acc* dq, Acc* dk, Acc* dv) {
  const AttentionGeometry& g = p.g;
  // D_i = sum_c dO_ic O_ic
  std::vector<Acc> D(size_t(g.batch * g.L));
  parallel_for(0, g.batch * g.L, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(g.Ev, 1)), [&](int64_t b0, int64_t b1) {
    for (int64_t r = b0; r < b1; ++r) {
      Acc d = 0;
      for (int64_t c = 0; c < g.Ev; ++c) d += dout[r * g.Ev + c] * out[r * g.Ev + c];
      D[size_t(r)] = d;
    }
  });
  // One task per (batch, key block) computes the block's dK and dV over all query blocks, and each
  // query block's share of dQ, dS K_block, into its own slot of `partial` ([key block][batch][L][E]);
  // the shares are then summed in key-block order, so no score, probability or dP block is computed
  // twice (a dQ pass of its own recomputed three of the five products) and the result does not
  // depend on the thread count.
  const int64_t nkb = (g.S + kBlockK - 1) / kBlockK;
  const int64_t per_batch = nkb * g.L * g.E;
  const int64_t group = std::clamp<int64_t>(kMaxPartialBytes / int64_t(sizeof(Acc)) / std::max<int64_t>(per_batch, 1),
                                            1, std::max<int64_t>(g.batch, 1));
  std::vector<Acc> partial(size_t(std::min(group, g.batch) * per_batch));
  for (int64_t b_first = 0; b_first < g.batch; b_first += group) {
    const int64_t nb = std::min(group, g.batch - b_first);
    Acc* const part = partial.data();
    auto slot = [&](int64_t kb, int64_t b, int64_t row) { return part + ((kb * nb + (b - b_first)) * g.L + row) * g.E; };
    parallel_for(0, nb * nkb, attention_grain(std::min(kBlockK, g.S), g.L, 2 * (g.E + g.Ev)), [&](int64_t t0, int64_t t1) {
      std::vector<Acc> s(size_t(kBlockQ * kBlockK)), dp(size_t(kBlockQ * kBlockK));
      std::vector<Acc> acck(size_t(kBlockK * g.E)), accv(size_t(kBlockK * g.Ev));
      std::vector<Acc> tmp(size_t(kBlockK * std::max(g.E, g.Ev)));
      for (int64_t task = t0; task < t1; ++task) {
        const int64_t b = b_first + task / nkb, kb = task % nkb, k0 = kb * kBlockK, bk = std::min(kBlockK, g.S - k0);
        std::fill(acck.begin(), acck.end(), Acc(0));
        std::fill(accv.begin(), accv.end(), Acc(0));
        // Causal: queries before k0 attend to none of these keys (their slots are never read).
        const int64_t q_begin = p.causal ? k0 / kBlockQ * kBlockQ : 0;
        for (int64_t q0 = q_begin; q0 < g.L; q0 += kBlockQ) {
          const int64_t bq = std::min(kBlockQ, g.L - q0), row0 = b * g.L + q0;
          score_block(p, b, q0, bq, k0, bk, s.data());
          probabilities(s.data(), bq, bk, lse + row0);
          // accv += P^T dO_block (A[j][i] = P[i][j]: row stride 1, column stride bk)
          gemm<Acc>(bk, g.Ev, bq, s.data(), 1, bk, dout + row0 * g.Ev, g.Ev, 1, tmp.data(), g.Ev, 1, true);
          scale_add(accv.data(), Acc(1), tmp.data(), bk * g.Ev);
          // dP = dO V_block^T, then dS = P * (dP - D)
          gemm<Acc>(bq, bk, g.Ev, dout + row0 * g.Ev, g.Ev, 1, p.v + (b * g.S + k0) * g.Ev, 1, g.Ev, dp.data(), bk, 1,
                    true);
          softmax_grad(dp.data(), s.data(), bq, bk, D.data() + row0);
          // acck += dS^T Q_block
          gemm<Acc>(bk, g.E, bq, dp.data(), 1, bk, p.q + row0 * g.E, g.E, 1, tmp.data(), g.E, 1, true);
          scale_add(acck.data(), Acc(1), tmp.data(), bk * g.E);
          // this key block's share of dQ: dS K_block
          gemm<Acc>(bq, g.E, bk, dp.data(), bk, 1, p.k + (b * g.S + k0) * g.E, g.E, 1, slot(kb, b, q0), g.E, 1, true);
        }
        Acc* ok = dk + (b * g.S + k0) * g.E;
        Acc* ov = dv + (b * g.S + k0) * g.Ev;
        for (int64_t t = 0; t < bk * g.E; ++t) ok[t] = acck[size_t(t)] * p.scale;
        for (int64_t t = 0; t < bk * g.Ev; ++t) ov[t] = accv[size_t(t)];
      }
    });
    // dQ = scale * the sum of the shares of the key blocks a row's query block attends to, in order.
    parallel_for(0, nb * g.L, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(nkb * g.E, 1)), [&](int64_t r0, int64_t r1) {
      std::vector<Acc> acc(size_t(g.E));
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t b = b_first + r / g.L, row = r % g.L, q0 = row / kBlockQ * kBlockQ;
        const int64_t k_end = p.causal ? std::min(g.S, q0 + std::min(kBlockQ, g.L - q0)) : g.S;
        std::fill(acc.begin(), acc.end(), Acc(0));
        for (int64_t kb = 0; kb * kBlockK < k_end; ++kb) scale_add(acc.data(), Acc(1), slot(kb, b, row), g.E);
        Acc* o = dq + (b * g.L + row) * g.E;
        for (int64_t c = 0; c < g.E; ++c) o[c] = acc[size_t(c)] * p.scale;
      }
    });
  }
}

}  // namespace

std::tuple<Tensor, Tensor> fused_attention_cpu(TensorList qkv, const std::optional<Tensor>& attn_mask, bool is_causal,
                                               double scale) {
  const char* op = "_fused_attention";
  attention_geometry(op, qkv, attn_mask, is_causal);  // checks, before any conversion
  const ScalarType dtype = qkv[0].dtype();
  if (!dtype_in_set(dtype, DtypeSet::Floating)) dtype_not_implemented(op, dtype);
  const ScalarType ct = attention_compute_dtype(dtype);
  const AttentionOperands o = to_compute(qkv, attn_mask, ct);
  const AttentionGeometry g = attention_geometry(op, {o.q, o.k, o.v}, o.mask, is_causal);
  Tensor out = empty_tensor(g.out_sizes(), ct, o.q.device(), op);
  Tensor lse = empty_tensor(g.lse_sizes(), ct, o.q.device(), op);
  dispatch_floating(ct, op, [&]<typename Acc>() {
    if constexpr (std::is_same_v<Acc, float> || std::is_same_v<Acc, double>) {
      const Problem<Acc> p{g, o.q.data<Acc>(), o.k.data<Acc>(), o.v.data<Acc>(), is_causal, Acc(scale)};
      forward(p, out.data<Acc>(), lse.data<Acc>());
    }
  });
  return {ct == dtype ? out : tg::to(out, dtype), lse};
}

std::vector<Tensor> fused_attention_backward_cpu(const Tensor& grad_output, TensorList qkv,
                                                 const std::optional<Tensor>& attn_mask, const Tensor& output,
                                                 const Tensor& logsumexp, bool is_causal, double scale) {
  const char* op = "_fused_attention_backward_kernel";
  const AttentionGeometry g0 = attention_geometry(op, qkv, attn_mask, is_causal);
  const ScalarType dtype = qkv[0].dtype();
  if (!dtype_in_set(dtype, DtypeSet::Floating)) dtype_not_implemented(op, dtype);
  check_attention_backward(op, g0, grad_output, output, logsumexp);
  const ScalarType ct = attention_compute_dtype(dtype);
  const AttentionOperands o = to_compute(qkv, attn_mask, ct);
  const AttentionGeometry g = attention_geometry(op, {o.q, o.k, o.v}, o.mask, is_causal);
  const Tensor dout = tg::contiguous(tg::to(grad_output, ct));
  const Tensor out = tg::contiguous(tg::to(output, ct));
  const Tensor lse = tg::contiguous(logsumexp);
  Tensor dq = empty_tensor(o.q.sizes(), ct, o.q.device(), op);
  Tensor dk = empty_tensor(o.k.sizes(), ct, o.q.device(), op);
  Tensor dv = empty_tensor(o.v.sizes(), ct, o.q.device(), op);
  dispatch_floating(ct, op, [&]<typename Acc>() {
    if constexpr (std::is_same_v<Acc, float> || std::is_same_v<Acc, double>) {
      const Problem<Acc> p{g, o.q.data<Acc>(), o.k.data<Acc>(), o.v.data<Acc>(), is_causal, Acc(scale)};
      backward(p, dout.data<Acc>(), out.data<Acc>(), lse.data<Acc>(), dq.data<Acc>(), dk.data<Acc>(), dv.data<Acc>());
    }
  });
  if (ct == dtype) return {dq, dk, dv};
  return {tg::to(dq, dtype), tg::to(dk, dtype), tg::to(dv, dtype)};
}

}  // namespace tg::native::CPU_CAPABILITY

// The fused optimizer steps on the CPU: one parallel loop over the concatenated elements of all
// parameters of the call (aten/native/FusedOptim.h lays them out as slots), Vectorized<T> over
// each slot's range, float16/bfloat16 computed in float. Every element, the last partial vector
// of a range included, goes through the same vector instructions, so the result does not depend
// on where the thread chunks start (identical for any thread count).
#include "aten/vec/isa.h"

#include <algorithm>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/FusedOptim.h"
#include "aten/parallel/Parallel.h"
#include "aten/parallel/WakeCost.h"
#include "aten/vec/vec.h"
#include "kernels/_fused_adagrad_.h"
#include "kernels/_fused_adam_.h"
#include "kernels/_fused_rmsprop_.h"
#include "kernels/_fused_sgd_.h"

namespace tg::native::CPU_CAPABILITY {

namespace {

struct CpuOps {
  template <typename V> static V sqrt(const V& a) { return vec::sqrt(a); }
  template <typename V> static V maximum(const V& a, const V& b) { return vec::maximum(a, b); }
  template <typename V> static V fmadd(const V& a, const V& b, const V& c) { return vec::fmadd(a, b, c); }
};

// A few flops and a sqrt/div per element over 3-5 streams: a second thread pays off well below
// the plain elementwise grain.
constexpr int64_t kFusedGrain = 8192;

// Calls update(x, slot) for each vector of elements: x[k] holds the elements of list k (zero for
// a list the options leave unused); the lists flagged in `written` are stored back.
template <typename T, int N, typename F>
void fused_loop(const FusedStep& st, const bool (&written)[N], const F& update) {
  using IO = vec::VecIO<T>;
  using V = typename IO::vec_t;
  constexpr int64_t W = V::size();
  const int64_t nslots = int64_t(st.slots.size());
  parallel_for(0, st.offsets.back(), wake_scaled(kFusedGrain), [&](int64_t begin, int64_t end) {
    // A private copy of the update (its broadcast constants): stores through the T* pointers
    // below cannot alias it, so the constants stay in registers.
    const F fn = update;
    // The slot holding `begin`: the last one starting at or before it.
    int64_t s = std::upper_bound(st.offsets.begin(), st.offsets.begin() + nslots, begin) - st.offsets.begin() - 1;
    int64_t pos = begin;
    while (pos < end) {
      const FusedSlot& slot = st.slots[size_t(s)];
      const int64_t base = st.offsets[size_t(s)];
      const int64_t lo = pos - base, hi = std::min(end, st.offsets[size_t(s) + 1]) - base;
      T* ptr[N];
      for (int k = 0; k < N; ++k) ptr[k] = static_cast<T*>(slot.data[k]);
      for (int64_t i = lo; i < hi; i += W) {
        const int count = int(std::min<int64_t>(W, hi - i));
        V x[N];
        for (int k = 0; k < N; ++k) {
          if (ptr[k] == nullptr) x[k] = V(0);
          else x[k] = count == W ? IO::load(ptr[k] + i) : IO::load(ptr[k] + i, count);
        }
        fn(x, slot);
        for (int k = 0; k < N; ++k) {
          if (ptr[k] == nullptr || !written[k]) continue;
          if (count == W) IO::store(ptr[k] + i, x[k]);
          else IO::store(ptr[k] + i, x[k], count);
        }
      }
      pos = base + hi;
      ++s;
    }
  });
}

template <typename T>
using vec_of = typename vec::VecIO<T>::vec_t;

}  // namespace

void fused_sgd_kernel(TensorList params, TensorList grads, TensorList momentum_buffers, double lr, double momentum,
                      double dampening, double weight_decay, bool nesterov, bool maximize, bool is_first_step) {
  FusedStep st = plan_fused_sgd(params, grads, momentum_buffers, momentum);
  dispatch_floating(st.dtype, st.op, [&]<typename T>() {
    using V = vec_of<T>;
    const auto math = SgdMath<V, CpuOps>::template make<typename V::value_type>(
        lr, momentum, dampening, weight_decay, nesterov, maximize, is_first_step);
    fused_loop<T, 3>(st, {true, false, true}, [math](V* x, const FusedSlot&) { math(x); });
  });
  st.finish();
}

void fused_adam_kernel(TensorList params, TensorList grads, TensorList exp_avgs, TensorList exp_avg_sqs,
                       TensorList max_exp_avg_sqs, TensorList state_steps, double lr, double beta1, double beta2,
                       double weight_decay, double eps, bool amsgrad, bool maximize, bool decoupled_weight_decay) {
  FusedStep st = plan_fused_adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, lr, beta1,
                                 beta2, amsgrad);
  dispatch_floating(st.dtype, st.op, [&]<typename T>() {
    using V = vec_of<T>;
    using S = typename V::value_type;
    const auto math = AdamMath<V, CpuOps>::template make<S>(lr, beta1, beta2, weight_decay, eps, amsgrad, maximize,
                                                           decoupled_weight_decay);
    fused_loop<T, 5>(st, {true, false, true, true, true}, [math](V* x, const FusedSlot& slot) {
      math(x, V(S(slot.scalar[0])), V(S(slot.scalar[1])));
    });
  });
  st.finish();
}

void fused_rmsprop_kernel(TensorList params, TensorList grads, TensorList square_avgs, TensorList grad_avgs,
                          TensorList momentum_buffers, TensorList state_steps, double lr, double alpha, double eps,
                          double weight_decay, double momentum, bool centered, bool maximize) {
  FusedStep st = plan_fused_rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffers, state_steps, momentum,
                                    centered);
  dispatch_floating(st.dtype, st.op, [&]<typename T>() {
    using V = vec_of<T>;
    const auto math = RmspropMath<V, CpuOps>::template make<typename V::value_type>(lr, alpha, eps, weight_decay,
                                                                                   momentum, centered, maximize);
    fused_loop<T, 5>(st, {true, false, true, true, true}, [math](V* x, const FusedSlot&) { math(x); });
  });
  st.finish();
}

void fused_adagrad_kernel(TensorList params, TensorList grads, TensorList state_sums, TensorList state_steps,
                          double lr, double lr_decay, double weight_decay, double eps, bool maximize) {
  FusedStep st = plan_fused_adagrad(params, grads, state_sums, state_steps, lr, lr_decay);
  dispatch_floating(st.dtype, st.op, [&]<typename T>() {
    using V = vec_of<T>;
    using S = typename V::value_type;
    const auto math = AdagradMath<V, CpuOps>::template make<S>(weight_decay, eps, maximize);
    fused_loop<T, 3>(st, {true, false, true}, [math](V* x, const FusedSlot& slot) { math(x, V(S(slot.scalar[0]))); });
  });
  st.finish();
}

}  // namespace tg::native::CPU_CAPABILITY

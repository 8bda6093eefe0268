#pragma once
// The fused multi-tensor optimizer steps (_fused_sgd_, _fused_adam_, _fused_rmsprop_,
// _fused_adagrad_; tg.optim calls one per parameter group and step):
// - FusedStep checks the Tensor[] arguments once (lengths, device, dtype, shapes) and lays them
//   out as a table of slots, one per parameter, that both backends walk: the CPU kernel over the
//   concatenated elements of all slots (Vectorized, parallel), the CUDA kernel in one launch;
// - advance_steps adds 1 to each state['step'] and hands back the new values, from which the
//   bias corrections are computed in double, as PyTorch's non-capturable optimizers do;
// - the *Math structs are the per-element update, written once over a compute type V (a
//   Vectorized<float|double> on the CPU, a float/double on CUDA) and an Ops policy (sqrt, maximum,
//   fmadd). They follow the arithmetic of PyTorch's per-parameter (single-tensor) optimizers op by
//   op: `grad.add(param, alpha=wd)` is fmadd(p, wd, g) as in ATen's vectorized add, lerp takes
//   ATen's two forms, addcmul/addcdiv multiply the value in first; the results agree with
//   torch.optim to float rounding (half types compute in float and round once per step).
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "aten/core/Tensor.h"

#if defined(__CUDACC__)
#define TG_FUSED_HD __host__ __device__
#else
#define TG_FUSED_HD
#endif

namespace tg::native {

// params, grads and up to three state lists (Adam with amsgrad: exp_avgs, exp_avg_sqs, max_exp_avg_sqs).
constexpr int kFusedMaxLists = 5;

// One Tensor[] argument of a fused step. An unused state list (max_exp_avg_sqs without amsgrad)
// must be empty; a used one has one tensor per parameter, of the parameter's shape and dtype.
struct FusedList {
  const char* name;
  TensorList tensors;
  bool used = true;
  bool written = true;  // false for grads (read only)
};

// One parameter: the data of its tensors in list order (nullptr for unused lists), its element
// count and up to two per-parameter scalars (Adam: -step_size and sqrt(bias_correction2);
// Adagrad: -clr).
struct FusedSlot {
  void* data[kFusedMaxLists];
  int64_t numel;
  double scalar[2];
};

class FusedStep {
 public:
  // Checks the lists (lists[0] are the parameters) and builds the slots of the non-empty ones.
  // A non-contiguous tensor is computed in a contiguous copy that finish() writes back.
  FusedStep(const char* op, std::initializer_list<FusedList> lists);
  // Writes the contiguous copies back into non-contiguous tensors.
  void finish();

  const char* op;
  ScalarType dtype = ScalarType::Float32;
  Device device;
  int nlists = 0;
  std::vector<FusedSlot> slots;    // one per parameter with elements
  std::vector<size_t> param_index; // slots[i] is parameter param_index[i]
  std::vector<int64_t> offsets;    // offsets[i]: first element of slots[i] in the concatenation; back(): total

 private:
  std::vector<std::pair<Tensor, Tensor>> write_back_;  // (tensor, its contiguous copy)
};

// The slot tables of the four ops: every check first, then (Adam, RMSprop, Adagrad) state_steps
// advanced by 1 and the per-parameter scalars filled in from the new step values.
FusedStep plan_fused_sgd(TensorList params, TensorList grads, TensorList momentum_buffers, double momentum);
FusedStep plan_fused_adam(TensorList params, TensorList grads, TensorList exp_avgs, TensorList exp_avg_sqs,
                          TensorList max_exp_avg_sqs, TensorList state_steps, double lr, double beta1, double beta2,
                          bool amsgrad);
FusedStep plan_fused_rmsprop(TensorList params, TensorList grads, TensorList square_avgs, TensorList grad_avgs,
                             TensorList momentum_buffers, TensorList state_steps, double momentum, bool centered);
FusedStep plan_fused_adagrad(TensorList params, TensorList grads, TensorList state_sums, TensorList state_steps,
                             double lr, double lr_decay);

// ------------------------------------------------------------------------------- the arithmetic
// V is the compute type, S its scalar (float for float/half/bfloat16, double for double).

// torch.lerp with a scalar weight (ATen's vectorized form): start + w * (end - start) for |w| < 0.5,
// else end - (end - start) * (1 - w), both as one fmadd.
template <typename V, typename Ops>
TG_FUSED_HD inline V lerp_scalar_weight(V start, V end, V w, V w_minus_one, bool small) {
  return small ? Ops::fmadd(w, end - start, start) : Ops::fmadd(w_minus_one, end - start, end);
}

template <typename V, typename Ops>
struct SgdMath {
  V neg_lr, wd, momentum, keep;  // keep = 1 - dampening
  bool decay, use_momentum, nesterov, maximize, first;

  template <typename S>
  static SgdMath make(double lr, double momentum, double dampening, double weight_decay, bool nesterov,
                      bool maximize, bool first) {
    return {V(S(-lr)), V(S(weight_decay)), V(S(momentum)), V(S(1.0 - dampening)),
            weight_decay != 0, momentum != 0, nesterov, maximize, first};
  }
  // x: param, grad, momentum buffer.
  TG_FUSED_HD void operator()(V* x) const {
    V p = x[0], g = maximize ? -x[1] : x[1];
    if (decay) g = Ops::fmadd(p, wd, g);                    // grad.add(param, alpha=wd)
    if (use_momentum) {
      V b = first ? g : Ops::fmadd(g, keep, x[2] * momentum);  // buf.mul_(m).add_(grad, alpha=1-d)
      x[2] = b;
      g = nesterov ? Ops::fmadd(b, momentum, g) : b;          // grad.add(buf, alpha=momentum)
    }
    x[0] = Ops::fmadd(g, neg_lr, p);                          // param.add_(grad, alpha=-lr)
  }
};

template <typename V, typename Ops>
struct AdamMath {
  V wd, decay_factor, w1, w1_minus_one, beta2, one_minus_beta2, eps;
  bool decay, decoupled, small_w1, amsgrad, maximize;

  template <typename S>
  static AdamMath make(double lr, double beta1, double beta2, double weight_decay, double eps, bool amsgrad,
                       bool maximize, bool decoupled) {
    const double w1 = 1.0 - beta1;
    return {V(S(weight_decay)), V(S(1.0 - lr * weight_decay)), V(S(w1)), V(S(w1)) - V(S(1)), V(S(beta2)),
            V(S(1.0 - beta2)), V(S(eps)), weight_decay != 0, decoupled, w1 < 0.5 && w1 > -0.5, amsgrad, maximize};
  }
  // x: param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq; neg_step_size = -lr / bias_correction1,
  // bc2_sqrt = bias_correction2 ** 0.5.
  TG_FUSED_HD void operator()(V* x, V neg_step_size, V bc2_sqrt) const {
    V p = x[0], g = maximize ? -x[1] : x[1];
    if (decay) {
      if (decoupled) p = p * decay_factor;                   // param.mul_(1 - lr * wd)
      else g = Ops::fmadd(p, wd, g);                          // grad.add(param, alpha=wd)
    }
    V m = lerp_scalar_weight<V, Ops>(x[2], g, w1, w1_minus_one, small_w1);  // exp_avg.lerp_(grad, 1 - beta1)
    V v = x[3] * beta2;                                       // exp_avg_sq.mul_(beta2)
    v = v + one_minus_beta2 * g * g;                          //   .addcmul_(grad, grad, value=1 - beta2)
    V d = v;
    if (amsgrad) d = x[4] = Ops::maximum(x[4], v);            // torch.maximum(max_exp_avg_sq, exp_avg_sq)
    V denom = Ops::sqrt(d) / bc2_sqrt + eps;                  // (sqrt / bias_correction2_sqrt).add_(eps)
    x[0] = p + neg_step_size * m / denom;                     // param.addcdiv_(exp_avg, denom, value=-step_size)
    x[2] = m;
    x[3] = v;
  }
};

template <typename V, typename Ops>
struct RmspropMath {
  V neg_lr, alpha, one_minus_alpha, w, w_minus_one, eps, wd, momentum;
  bool decay, centered, small_w, use_momentum, maximize;

  template <typename S>
  static RmspropMath make(double lr, double alpha, double eps, double weight_decay, double momentum, bool centered,
                          bool maximize) {
    const double w = 1.0 - alpha;
    return {V(S(-lr)), V(S(alpha)), V(S(1.0 - alpha)), V(S(w)), V(S(w)) - V(S(1)), V(S(eps)), V(S(weight_decay)),
            V(S(momentum)), weight_decay != 0, centered, w < 0.5 && w > -0.5, momentum > 0, maximize};
  }
  // x: param, grad, square_avg, grad_avg, momentum_buffer.
  TG_FUSED_HD void operator()(V* x) const {
    V p = x[0], g = maximize ? -x[1] : x[1];
    if (decay) g = Ops::fmadd(p, wd, g);
    V sq = x[2] * alpha;                                      // square_avg.mul_(alpha)
    sq = sq + one_minus_alpha * g * g;                        //   .addcmul_(grad, grad, value=1 - alpha)
    x[2] = sq;
    V avg;
    if (centered) {
      V ga = lerp_scalar_weight<V, Ops>(x[3], g, w, w_minus_one, small_w);  // grad_avg.lerp_(grad, 1 - alpha)
      x[3] = ga;
      avg = Ops::sqrt(sq + V(-1) * ga * ga);                  // square_avg.addcmul(ga, ga, value=-1).sqrt_()
    } else {
      avg = Ops::sqrt(sq);
    }
    avg = avg + eps;
    if (use_momentum) {
      V b = x[4] * momentum + V(1) * g / avg;                 // buf.mul_(momentum).addcdiv_(grad, avg)
      x[4] = b;
      x[0] = Ops::fmadd(b, neg_lr, p);                        // param.add_(buf, alpha=-lr)
    } else {
      x[0] = p + neg_lr * g / avg;                            // param.addcdiv_(grad, avg, value=-lr)
    }
  }
};

template <typename V, typename Ops>
struct AdagradMath {
  V wd, eps;
  bool decay, maximize;

  template <typename S>
  static AdagradMath make(double weight_decay, double eps, bool maximize) {
    return {V(S(weight_decay)), V(S(eps)), weight_decay != 0, maximize};
  }
  // x: param, grad, state_sum; neg_clr = -lr / (1 + (step - 1) * lr_decay).
  TG_FUSED_HD void operator()(V* x, V neg_clr) const {
    V p = x[0], g = maximize ? -x[1] : x[1];
    if (decay) g = Ops::fmadd(p, wd, g);
    V s = x[2] + V(1) * g * g;                                // state_sum.addcmul_(grad, grad, value=1)
    x[2] = s;
    V std_ = Ops::sqrt(s) + eps;                              // state_sum.sqrt().add_(eps)
    x[0] = p + neg_clr * g / std_;                            // param.addcdiv_(grad, std, value=-clr)
  }
};

}  // namespace tg::native

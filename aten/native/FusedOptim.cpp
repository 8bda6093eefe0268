// Argument checks and the slot table of the fused optimizer steps (FusedOptim.h), shared by the
// CPU and CUDA kernels. Everything is checked before anything is written, so a bad call leaves
// the parameters, their state and the steps untouched.
#include "aten/native/FusedOptim.h"

#include <cmath>
#include <string>

#include "aten/dispatch/DtypeDispatch.h"
#include "aten/native/Copy.h"

namespace tg::native {

FusedStep::FusedStep(const char* op_, std::initializer_list<FusedList> lists) : op(op_) {
  TG_CHECK(lists.size() >= 2 && lists.size() <= size_t(kFusedMaxLists), "[", op, "] internal: bad list count");
  nlists = int(lists.size());
  const FusedList* ls = lists.begin();
  const TensorList params = ls[0].tensors;
  const size_t n = params.size();
  for (int k = 1; k < nlists; ++k) {
    const FusedList& l = ls[k];
    if (l.used) {
      TG_CHECK(l.tensors.size() == n, "[", op, "] ", l.name, " has ", l.tensors.size(),
               " tensors, expected one per parameter (", n, ")");
    } else {
      TG_CHECK(l.tensors.empty(), "[", op, "] ", l.name, " must be empty with these options, got ",
               l.tensors.size(), " tensors");
    }
  }
  if (n == 0) {
    offsets.push_back(0);
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    TG_CHECK(params[i].defined(), "[", op, "] ", ls[0].name, "[", i, "] is None");
  }
  dtype = params[0].dtype();
  device = params[0].device();
  if (!is_floating(dtype)) dtype_not_implemented(op, dtype);
  for (int k = 0; k < nlists; ++k) {
    const FusedList& l = ls[k];
    if (!l.used) continue;
    for (size_t i = 0; i < n; ++i) {
      const Tensor& t = l.tensors[i];
      TG_CHECK(t.defined(), "[", op, "] ", l.name, "[", i, "] is None");
      TG_CHECK(t.device() == device, "[", op, "] ", l.name, "[", i, "] is on ", t.device().str(), " but ",
               ls[0].name, "[0] is on ", device.str(), "; all tensors must be on one device");
      TG_CHECK(t.dtype() == dtype, "[", op, "] ", l.name, "[", i, "] has dtype ", to_string(t.dtype()),
               ", expected ", to_string(dtype), " (the dtype of ", ls[0].name, "[0])");
      if (k > 0) {
        TG_CHECK(t.sizes().equals(params[i].sizes()), "[", op, "] ", l.name, "[", i, "] has shape ",
                 shape_str(t.sizes()), " but ", ls[0].name, "[", i, "] has shape ", shape_str(params[i].sizes()));
      }
      if (l.written) {
        // Several elements at one address (an expanded tensor) would be updated several times.
        for (int64_t d = 0; d < t.dim(); ++d) {
          TG_CHECK(t.stride(d) != 0 || t.size(d) <= 1, "[", op, "] ", l.name, "[", i,
                   "] has expanded dims (stride 0): it cannot be updated in place");
        }
      }
    }
  }
  offsets.reserve(n + 1);
  int64_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    const int64_t numel = params[i].numel();
    if (numel == 0) continue;
    FusedSlot s{};
    s.numel = numel;
    for (int k = 0; k < nlists; ++k) {
      const FusedList& l = ls[k];
      if (!l.used) continue;
      Tensor t = l.tensors[i];
      if (!t.is_contiguous()) {
        Tensor copy = to_dtype(t, t.dtype());  // a new contiguous tensor with t's values
        if (l.written) write_back_.emplace_back(t, copy);
        t = copy;
        if (!l.written) write_back_.emplace_back(Tensor(), copy);  // keeps the grad's copy alive
      }
      s.data[k] = t.data_ptr();
    }
    slots.push_back(s);
    param_index.push_back(i);
    offsets.push_back(total);
    total += numel;
  }
  offsets.push_back(total);
}

void FusedStep::finish() {
  for (auto& [t, copy] : write_back_) {
    if (t.defined()) copy_into(t, copy, op);
  }
  write_back_.clear();
}

namespace {

void check_steps(const char* op, TensorList steps, size_t nparams, Device device) {
  TG_CHECK(steps.size() == nparams, "[", op, "] state_steps has ", steps.size(),
           " tensors, expected one per parameter (", nparams, ")");
  for (size_t i = 0; i < steps.size(); ++i) {
    const Tensor& s = steps[i];
    TG_CHECK(s.defined(), "[", op, "] state_steps[", i, "] is None");
    // PyTorch keeps state['step'] on the CPU, or on the parameters' device (capturable / fused).
    TG_CHECK(s.numel() == 1 && is_floating(s.dtype()) && (s.device().is_cpu() || s.device() == device), "[", op,
             "] state_steps[", i, "] must be a one-element floating tensor on the CPU or on the parameters' device "
             "(PyTorch's state['step']), got ", to_string(s.dtype()), " of shape ", shape_str(s.sizes()), " on ",
             s.device().str());
  }
}

// state['step'] += 1 for each step (checked before), returning the new values. A step on the GPU
// is read, advanced on the host and written back (one element each way).
std::vector<double> advance_steps(TensorList steps) {
  std::vector<double> values(steps.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    const Tensor& s = steps[i];
    const Tensor host = s.device().is_cpu() ? s : to_device(s, Device(), s.dtype(), true);
    // state['step'] += 1 in the step's own dtype (float32 in PyTorch), then read as a double.
    char* p = static_cast<char*>(host.data_ptr());
    switch (host.dtype()) {
      case ScalarType::Float32: { float& v = *reinterpret_cast<float*>(p); v += 1.0f; values[i] = v; break; }
      case ScalarType::Float64: { double& v = *reinterpret_cast<double*>(p); v += 1.0; values[i] = v; break; }
      case ScalarType::Float16: { Half& v = *reinterpret_cast<Half*>(p); v = Half(float(v) + 1.0f); values[i] = float(v); break; }
      case ScalarType::BFloat16: {
        BFloat16& v = *reinterpret_cast<BFloat16*>(p);
        v = BFloat16(float(v) + 1.0f);
        values[i] = float(v);
        break;
      }
      default: TG_CHECK(false, "[fused step] state_steps[", i, "] is not floating");
    }
    if (!host.is_same(s)) copy_into(s, host, "fused step");
  }
  return values;
}

}  // namespace

FusedStep plan_fused_sgd(TensorList params, TensorList grads, TensorList momentum_buffers, double momentum) {
  return FusedStep("_fused_sgd_", {{"params", params}, {"grads", grads, true, false},
                                   {"momentum_buffers", momentum_buffers, momentum != 0}});
}

FusedStep plan_fused_adam(TensorList params, TensorList grads, TensorList exp_avgs, TensorList exp_avg_sqs,
                          TensorList max_exp_avg_sqs, TensorList state_steps, double lr, double beta1, double beta2,
                          bool amsgrad) {
  const char* op = "_fused_adam_";
  FusedStep st(op, {{"params", params}, {"grads", grads, true, false}, {"exp_avgs", exp_avgs},
                    {"exp_avg_sqs", exp_avg_sqs}, {"max_exp_avg_sqs", max_exp_avg_sqs, amsgrad}});
  check_steps(op, state_steps, params.size(), st.device);
  const std::vector<double> step = advance_steps(state_steps);
  for (size_t i = 0; i < st.slots.size(); ++i) {
    // torch.optim.Adam (non-capturable): bias corrections from the step as a Python float.
    const double s = step[st.param_index[i]];
    const double bias_correction1 = 1 - std::pow(beta1, s);
    const double bias_correction2 = 1 - std::pow(beta2, s);
    st.slots[i].scalar[0] = -(lr / bias_correction1);
    st.slots[i].scalar[1] = std::pow(bias_correction2, 0.5);
  }
  return st;
}

FusedStep plan_fused_rmsprop(TensorList params, TensorList grads, TensorList square_avgs, TensorList grad_avgs,
                             TensorList momentum_buffers, TensorList state_steps, double momentum, bool centered) {
  const char* op = "_fused_rmsprop_";
  FusedStep st(op, {{"params", params}, {"grads", grads, true, false}, {"square_avgs", square_avgs},
                    {"grad_avgs", grad_avgs, centered}, {"momentum_buffers", momentum_buffers, momentum > 0}});
  check_steps(op, state_steps, params.size(), st.device);
  advance_steps(state_steps);  // counted as torch.optim.RMSprop does; its update does not use it
  return st;
}

FusedStep plan_fused_adagrad(TensorList params, TensorList grads, TensorList state_sums, TensorList state_steps,
                             double lr, double lr_decay) {
  const char* op = "_fused_adagrad_";
  FusedStep st(op, {{"params", params}, {"grads", grads, true, false}, {"state_sums", state_sums}});
  check_steps(op, state_steps, params.size(), st.device);
  const std::vector<double> step = advance_steps(state_steps);
  for (size_t i = 0; i < st.slots.size(); ++i) {
    const double clr = lr / (1 + (step[st.param_index[i]] - 1) * lr_decay);
    st.slots[i].scalar[0] = -clr;
  }
  return st;
}

}  // namespace tg::native

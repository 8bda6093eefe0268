// pad's checks and index maps (Pad.h), shared by the CPU and CUDA kernels.
#include "aten/native/Pad.h"

#include <algorithm>
#include <cstdlib>

#include "aten/core/Error.h"

namespace tg::native {

namespace {

PadMode parse_mode(std::string_view mode) {
  if (mode == "constant") return PadMode::Constant;
  if (mode == "reflect") return PadMode::Reflect;
  if (mode == "replicate") return PadMode::Replicate;
  if (mode == "circular") return PadMode::Circular;
  TG_CHECK_NOT_IMPLEMENTED(false, "[pad] Unrecognised padding mode ", mode,
                           " (expected one of constant, reflect, replicate, circular)");
  return PadMode::Constant;
}

}  // namespace

PadPlan pad_plan(const char* op, IntArrayRef in_sizes, IntArrayRef pad, std::string_view mode,
                 std::optional<double> value) {
  TG_CHECK(pad.size() % 2 == 0, "[", op, "] Padding length must be divisible by 2");
  const int64_t ndim = int64_t(in_sizes.size()), k = int64_t(pad.size()) / 2;
  TG_CHECK(k <= ndim, "[", op, "] Padding length should be less than or equal to two times the input dimension but "
           "got padding length ", pad.size(), " and input of dimension ", ndim);
  PadPlan p;
  p.mode = parse_mode(mode);
  if (p.mode != PadMode::Constant) {
    TG_CHECK(!value.has_value() || *value == 0.0, "[", op, "] Padding mode \"", mode,
             "\" doesn't take in value argument");
    TG_CHECK_NOT_IMPLEMENTED(k >= 1 && k <= 3 && (ndim == k + 1 || ndim == k + 2), "[", op, "] Padding size ",
                             pad.size(), " is not supported for ", ndim, "D input tensor. Supported combinations for "
                             "non-constant padding: 2D or 3D input with padding size 2 (pads the last dim), 3D or 4D "
                             "input with padding size 4, 4D or 5D input with padding size 6");
  }
  p.in_sizes = DimVector(in_sizes);
  p.out_sizes = DimVector(in_sizes);
  p.lead = ndim - k;
  p.map.resize(size_t(k));
  for (int64_t i = 0; i < k; ++i) {
    const int64_t dim = ndim - 1 - i, l = pad[size_t(2 * i)], r = pad[size_t(2 * i + 1)], n = in_sizes[size_t(dim)];
    TG_CHECK(n + l + r >= 0 && !(l < 0 && -l > n) && !(r < 0 && -r > n), "[", op, "] padding (", l, ", ", r,
             ") crops more than the size ", n, " of dim ", dim);
    const int64_t o = n + l + r;
    std::vector<int64_t>& m = p.map[size_t(dim - p.lead)];
    m.resize(size_t(o));
    switch (p.mode) {
      case PadMode::Constant:
        for (int64_t j = 0; j < o; ++j) m[size_t(j)] = j - l >= 0 && j - l < n ? j - l : -1;
        break;
      case PadMode::Reflect:
      case PadMode::Replicate:
        if (p.mode == PadMode::Reflect)
          TG_CHECK(l < n && r < n, "[", op, "] Padding size should be less than the corresponding input dimension, "
                   "but got: padding (", l, ", ", r, ") at dimension ", dim, " of input ", shape_str(in_sizes));
        TG_CHECK(n > 0, "[", op, "] ", mode, " padding of the empty dim ", dim, " of input ", shape_str(in_sizes));
        for (int64_t j = 0; j < o; ++j) {
          const int64_t x = j - l;
          if (p.mode == PadMode::Replicate) {
            m[size_t(j)] = std::clamp<int64_t>(x, 0, n - 1);
          } else {
            const int64_t a = std::abs(x);
            m[size_t(j)] = a > n - 1 ? 2 * (n - 1) - a : a;
          }
        }
        break;
      case PadMode::Circular: {
        // Negative padding crops first; the dim is then padded by wrapping around what is left.
        const int64_t cl = std::max<int64_t>(-l, 0), cr = std::max<int64_t>(-r, 0), nc = n - cl - cr;
        const int64_t pl = std::max<int64_t>(l, 0), pr = std::max<int64_t>(r, 0);
        TG_CHECK(pl <= nc && pr <= nc, "[", op, "] Padding value causes wrapping around more than once: padding (", l,
                 ", ", r, ") at dimension ", dim, " of input ", shape_str(in_sizes));
        for (int64_t j = 0; j < o; ++j) m[size_t(j)] = cl + (((j - pl) % nc) + nc) % nc;
        break;
      }
    }
    p.out_sizes[size_t(dim)] = o;
  }
  return p;
}

void check_pad_grad(const char* op, const PadPlan& plan, const Tensor& grad_output) {
  TG_CHECK(grad_output.sizes().equals(plan.out_sizes), "[", op, "] grad_output of shape ",
           shape_str(grad_output.sizes()), " does not match the padded input's shape ", shape_str(plan.out_sizes));
}

PadInverse invert_pad_map(const std::vector<int64_t>& map, int64_t n) {
  PadInverse inv;
  inv.start.assign(size_t(n) + 1, 0);
  for (int64_t s : map)
    if (s >= 0) ++inv.start[size_t(s) + 1];
  for (int64_t x = 0; x < n; ++x) inv.start[size_t(x) + 1] += inv.start[size_t(x)];
  inv.order.resize(size_t(inv.start[size_t(n)]));
  std::vector<int64_t> fill(inv.start.begin(), inv.start.end() - 1);
  for (int64_t j = 0; j < int64_t(map.size()); ++j)
    if (map[size_t(j)] >= 0) inv.order[size_t(fill[size_t(map[size_t(j)])]++)] = j;
  return inv;
}

PadRun longest_pad_run(const std::vector<int64_t>& map) {
  PadRun best;
  const int64_t o = int64_t(map.size());
  for (int64_t j = 0; j < o;) {
    if (map[size_t(j)] < 0) {
      ++j;
      continue;
    }
    int64_t e = j + 1;
    while (e < o && map[size_t(e)] == map[size_t(e - 1)] + 1) ++e;
    if (e - j > best.len) best = {j, map[size_t(j)], e - j};
    j = e;
  }
  return best;
}

}  // namespace tg::native

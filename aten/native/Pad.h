#pragma once
// pad and pad_backward, the device-independent half shared by cpu/PadKernel.cpp and cuda/Pad.cu:
// PyTorch's argument checks (messages and exception types of F.pad), the output shape, and per
// padded dim the map from output position to input position. Both backends read the same maps,
// so they pad identically by construction.
//
// Every mode is one gather: output position j of a padded dim of size n reads input position
// map[j] (or the constant where map[j] == -1). With left padding l:
//   constant   j - l if it lies in [0, n), else -1 (negative l or r crop)
//   reflect    |j - l| mirrored at n - 1 (PyTorch: padding must be < n)
//   replicate  j - l clamped to [0, n - 1]
//   circular   negative padding crops first, then j wraps around the cropped range
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "aten/core/Tensor.h"

namespace tg::native {

enum class PadMode { Constant, Reflect, Replicate, Circular };

struct PadPlan {
  PadMode mode = PadMode::Constant;
  DimVector in_sizes, out_sizes;
  int64_t lead = 0;  // the leading dims that are not padded (ndim - len(pad) / 2)
  // map[d - lead][j]: the input position output position j of dim d reads, -1 for the constant.
  std::vector<std::vector<int64_t>> map;
};

// Checks (pad = (last_left, last_right, 2nd_last_left, ...)) and builds the maps. value is only
// checked (non-constant modes take none); the kernels fill with it.
PadPlan pad_plan(const char* op, IntArrayRef in_sizes, IntArrayRef pad, std::string_view mode,
                 std::optional<double> value);

// pad_backward: grad_output must have the shape pad gives input_size.
void check_pad_grad(const char* op, const PadPlan& plan, const Tensor& grad_output);

// The inverse of one dim's map, CSR style: input position x is read by the output positions
// order[start[x] .. start[x + 1]), in increasing order.
struct PadInverse {
  std::vector<int64_t> start, order;
};
PadInverse invert_pad_map(const std::vector<int64_t>& map, int64_t n);

// The longest stretch of a map that copies consecutive positions: output [out0, out0 + len) reads
// input [in0, in0 + len). The kernels move it as one block and handle the rest one by one.
struct PadRun {
  int64_t out0 = 0, in0 = 0, len = 0;
};
PadRun longest_pad_run(const std::vector<int64_t>& map);

}  // namespace tg::native

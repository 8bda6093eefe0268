#pragma once
// _embedding_bag and its backward, the device-independent half shared by cpu/EmbeddingBagKernel.cpp
// and cuda/EmbeddingBag.cu: argument checks (PyTorch's messages and exception types) and the bags.
// The kernels get the offsets as host vectors (CUDA downloads them once): bag b covers positions
// [start[b], start[b + 1]); positions before start[0] or from start[bags] on belong to no bag.
#include <cstdint>
#include <optional>
#include <vector>

#include "aten/core/Tensor.h"

namespace tg::native {

enum EmbeddingBagMode : int64_t { kBagSum = 0, kBagMean = 1, kBagMax = 2 };

struct BagGeometry {
  int64_t n = 0, bags = 0, dim = 0, num_weights = 0;
  std::vector<int64_t> start;  // bags + 1 entries
};

// The forward's checks; `offsets` are the offsets' values (already on the host).
BagGeometry check_embedding_bag(const char* op, const Tensor& weight, const Tensor& indices, const Tensor& offsets,
                                const std::vector<int64_t>& offset_values, int64_t mode, bool sparse,
                                const std::optional<Tensor>& per_sample_weights, bool include_last_offset,
                                int64_t padding_idx);

// offset2bag of the geometry: the bag of each position, -1 for none.
std::vector<int64_t> bag_of_positions(const BagGeometry& g);

// The backward kernel's checks (shapes and dtypes of what the forward returned; the values of
// indices, offset2bag and max_indices are checked by the kernels as they read them).
void check_embedding_bag_backward(const char* op, const Tensor& grad, const Tensor& indices, const Tensor& offset2bag,
                                  const Tensor& bag_size, const Tensor& max_indices, int64_t num_weights, int64_t mode,
                                  const std::optional<Tensor>& per_sample_weights, int64_t padding_idx);

// "[op] offset2bag holds 7, which is not a bag of the 3 (valid: -1 <= value < 3)" and friends, as IndexError.
[[noreturn]] void embedding_bag_index_error(const char* op, const char* what, int64_t value, int64_t low,
                                            int64_t bound);

}  // namespace tg::native

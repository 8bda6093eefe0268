// Splitting ops (issue 9, Part B): split, split_with_sizes (views along dim, with their own
// derivatives: the pieces' gradients concatenated), and the composites over them: split.sizes,
// chunk, tensor_split, meshgrid. PyTorch's size rules and error messages.
#include <algorithm>
#include <string_view>
#include <vector>

#include "aten/core/Tensor.h"
#include "kernels/chunk.h"
#include "kernels/meshgrid.h"
#include "kernels/split.h"
#include "kernels/split_with_sizes.h"
#include "kernels/tensor_split.h"
#include "ops/expand.h"
#include "ops/narrow.h"
#include "ops/reshape.h"
#include "ops/split.h"
#include "ops/split_with_sizes.h"

namespace tg::native {

namespace {
// The sizes of `n` pieces, all `fill`: a count beyond what memory can hold (tensor_split(x, 2**62))
// is an error, not a crash.
std::vector<int64_t> piece_sizes(int64_t n, int64_t fill, const char* op) {
  try {
    return std::vector<int64_t>(size_t(n), fill);
  } catch (const std::exception&) {
    TG_CHECK(false, "[", op, "] cannot make ", n, " pieces: not enough memory");
  }
  return {};
}
}  // namespace

std::vector<Tensor> split_with_sizes(const Tensor& self, IntArrayRef split_sizes, int64_t dim) {
  TG_CHECK(self.dim() > 0, "[split_with_sizes] split expects at least a 1-dimensional tensor");
  const int64_t d = wrap_dim(dim, self.dim(), "split_with_sizes");
  const int64_t size = self.size(d);
  int64_t total = 0;
  bool fits = true;  // the running sum stays within size (so it cannot overflow)
  for (int64_t s : split_sizes) {
    TG_CHECK(s >= 0, "[split_with_sizes] split_with_sizes expects split_sizes have only non-negative entries, but "
             "got split_sizes=", split_sizes);
    fits = fits && s <= size - total;
    if (fits) total += s;
  }
  TG_CHECK(fits && total == size, "[split_with_sizes] split_with_sizes expects split_sizes to sum exactly to ", size,
           " (input tensor's size at dimension ", d, "), but got split_sizes=", split_sizes);
  std::vector<Tensor> pieces;
  pieces.reserve(split_sizes.size());
  int64_t start = 0;
  for (int64_t s : split_sizes) {
    pieces.push_back(tg::narrow(self, d, start, s));
    start += s;
  }
  return pieces;
}

namespace {
// The piece sizes of split(self, split_size, dim): split_size each, the last one what is left.
DimVector split_sizes_for(const Tensor& self, int64_t split_size, int64_t dim, const char* op) {
  TG_CHECK(self.dim() > 0, "[", op, "] split expects at least a 1-dimensional tensor");
  TG_CHECK(split_size >= 0, "[", op, "] split expects split_size be non-negative, but got split_size=", split_size);
  const int64_t d = wrap_dim(dim, self.dim(), op);
  const int64_t size = self.size(d);
  TG_CHECK(split_size > 0 || size == 0, "[", op, "] split_size can only be 0 if dimension size is 0, but got "
           "dimension size of ", size);
  // ceil(size / split_size) pieces (without overflow for a huge split_size); one (empty) piece
  // when the dim is empty, like PyTorch.
  const int64_t n = size == 0 ? 1 : (size - 1) / split_size + 1;
  DimVector sizes(size_t(n), split_size);
  sizes.back() = size - split_size * (n - 1);
  return sizes;
}
}  // namespace

std::vector<Tensor> split(const Tensor& self, int64_t split_size, int64_t dim) {
  DimVector sizes = split_sizes_for(self, split_size, dim, "split");
  return native::split_with_sizes(self, sizes, dim);
}

// x.split([2, 3]): the list form of split is split_with_sizes.
std::vector<Tensor> split_sizes(const Tensor& self, IntArrayRef split_size, int64_t dim) {
  return tg::split_with_sizes(self, split_size, dim);
}

std::vector<Tensor> chunk(const Tensor& self, int64_t chunks, int64_t dim) {
  TG_CHECK(self.dim() > 0, "[chunk] chunk expects at least a 1-dimensional tensor");
  TG_CHECK(chunks > 0, "[chunk] chunk expects `chunks` to be greater than 0, got: ", chunks);
  const int64_t d = wrap_dim(dim, self.dim(), "chunk");
  const int64_t size = self.size(d);
  const int64_t split_size = size == 0 ? 0 : (size - 1) / chunks + 1;  // ceil, without overflow
  // An empty dim gives `chunks` empty pieces (split would give one).
  if (size == 0) return tg::split_with_sizes(self, piece_sizes(chunks, 0, "chunk"), d);
  return tg::split(self, split_size, d);
}

std::vector<Tensor> tensor_split_sections(const Tensor& self, int64_t sections, int64_t dim) {
  TG_CHECK(self.dim() > 0, "[tensor_split] tensor_split expected at least a 1-dimensional tensor, but got a tensor "
           "with 0 dims");
  TG_CHECK(sections > 0, "[tensor_split] number of sections must be larger than 0, got ", sections);
  const int64_t d = wrap_dim(dim, self.dim(), "tensor_split");
  const int64_t size = self.size(d);
  // NumPy's array_split: the first size % sections pieces are one longer.
  std::vector<int64_t> sizes = piece_sizes(sections, size / sections, "tensor_split");
  for (int64_t i = 0; i < size % sections; ++i) sizes[size_t(i)] += 1;
  return tg::split_with_sizes(self, sizes, d);
}

std::vector<Tensor> tensor_split_indices(const Tensor& self, IntArrayRef indices, int64_t dim) {
  TG_CHECK(self.dim() > 0, "[tensor_split] tensor_split expected at least a 1-dimensional tensor, but got a tensor "
           "with 0 dims");
  const int64_t d = wrap_dim(dim, self.dim(), "tensor_split");
  const int64_t size = self.size(d);
  // Pieces [0, i0), [i0, i1), ..., [ik, size), each clamped to the dim like a slice (an index
  // past the end, or not after the previous one, gives an empty piece); negative indices count
  // from the end. PyTorch's rule.
  auto clamp = [&](int64_t i) { return std::min(std::max<int64_t>(i < 0 ? i + size : i, 0), size); };
  std::vector<Tensor> pieces;
  pieces.reserve(indices.size() + 1);
  int64_t start = 0;
  for (size_t k = 0; k <= indices.size(); ++k) {
    const int64_t end = k < indices.size() ? clamp(indices[k]) : size;
    const int64_t length = std::max<int64_t>(end - start, 0);
    pieces.push_back(tg::narrow(self, d, start, length));
    start = end;
  }
  return pieces;
}

std::vector<Tensor> meshgrid(TensorList tensors, std::optional<std::string_view> indexing) {
  TG_CHECK(!tensors.empty(), "[meshgrid] meshgrid expects a non-empty TensorList");
  const std::string_view mode = indexing.value_or("ij");
  TG_CHECK(mode == "ij" || mode == "xy", "[meshgrid] indexing must be one of \"xy\" or \"ij\", but received: ",
           mode);
  for (size_t i = 0; i < tensors.size(); ++i) {
    TG_CHECK(tensors[i].dim() <= 1, "[meshgrid] Expected 0D or 1D tensor in the tensor list but got: ",
             tensors[i].dim(), "D tensor at position ", i);
    TG_CHECK(tensors[i].dtype() == tensors[0].dtype(), "[meshgrid] expects all tensors to have the same dtype, but "
             "got ", tensors[0].dtype(), " and ", tensors[i].dtype());
    TG_CHECK(tensors[i].device() == tensors[0].device(), "[meshgrid] expects all tensors to have the same device");
  }
  // "xy" (Cartesian) indexing swaps the first two output dims: input 0 varies along dim 1.
  const size_t n = tensors.size();
  const bool swap = mode == "xy" && n >= 2;
  auto position = [&](size_t i) { return swap && i < 2 ? 1 - i : i; };
  DimVector shape(n);
  for (size_t i = 0; i < n; ++i) shape[position(i)] = tensors[i].numel();
  std::vector<Tensor> grids;
  grids.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    DimVector view_shape(n, 1);
    view_shape[position(i)] = tensors[i].numel();
    grids.push_back(tg::expand(tg::reshape(tensors[i], view_shape), shape));
  }
  return grids;
}

}  // namespace tg::native

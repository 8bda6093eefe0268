#pragma once
// Outputs written around the caches. For an output streams_output_bytes() picks (at least the
// last-level cache's size: aten/core/CacheSize.h) a contiguous output row is computed a block at
// a time into a buffer in L1 and copied out with non-temporal stores, which write whole lines
// without first reading them into the cache. A unary op then moves two tensor sizes through
// memory instead of three, a ternary op four instead of five (4M float32 on the 2-core Zen 2 VM,
// 2 threads: x * 2 2.2 -> 1.5 ms, addcmul 3.9 -> 2.6-3.1 ms, x.half() 1.7 -> 1.2 ms). The values
// are the kernel's own, computed by the same loop: only where they are stored first changes.
// (Streaming each pair of vectors straight from the vector loop was tried: on this Zen 2 it was
// no faster for x * 2 and made exp 1.5x slower; NT stores spread among long arithmetic stall it,
// while the buffer's copy issues them in a burst.)
#include "aten/vec/isa.h"
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "aten/core/CacheSize.h"

namespace tg::native::CPU_CAPABILITY {

// The buffer: in L1 beside the inputs' lines. 16 KB on the Zen 5 VM made streaming slower than
// writing through the cache (a C++ harness, a 64 MB add on 2 threads: 1.83 ms through a 16 KB
// buffer, 1.31 through 4 KB, 1.30 streamed straight from the loop, 1.61 cached; 8 KB 1.54); in
// the library, 4 KB made streamed outputs 10-20 % faster than cached ones (-x of 8M / 16M int64
// 2.19 / 5.09 ms vs 2.46 / 5.87, bilinear 2x upsampling to 64 MB 3.75 vs 4.47), 16 KB had made
// them 5-15 % slower.
constexpr int64_t kStreamBlockBytes = 4096;
constexpr int64_t kStreamAlign = 64;          // a cache line: whole lines leave the write buffers
// Rows shorter than this are written in place (a row of a few lines would pay two kernel calls
// and a copy for little: kron's 128-byte rows ran 4.4x slower streamed, fenced per row), unless
// they follow one another in the output (run_output_rows).
constexpr int64_t kStreamMinRowBytes = 4096;

// Copies bytes from src to dst (dst kStreamAlign-aligned, src any) with non-temporal stores;
// a tail under 16 bytes is stored normally.
inline void stream_copy(char* dst, const char* src, int64_t bytes) {
  int64_t i = 0;
#if defined(__AVX__)
  for (; i + 32 <= bytes; i += 32)
    _mm256_stream_si256(reinterpret_cast<__m256i*>(dst + i), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i)));
#endif
#if defined(__SSE2__)
  for (; i + 16 <= bytes; i += 16)
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst + i), _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
#endif
  std::memcpy(dst + i, src + i, size_t(bytes - i));
}

// Non-temporal stores are weakly ordered: fenced before the thread reports its part done, once
// after all its rows (a fence waits for the write-combining buffers to drain).
inline void stream_fence() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

// Bytes to skip at p before a line boundary, or -1 when no whole number of elements of es bytes
// reaches one (an output not aligned to its element size, from a foreign buffer: not streamed).
inline int64_t stream_head_bytes(const char* p, int64_t es) {
  const int64_t head = int64_t((kStreamAlign - reinterpret_cast<uintptr_t>(p) % kStreamAlign) % kStreamAlign);
  return head % es == 0 ? head : -1;
}

// memcpy, streamed: the bytes before dst's first line boundary copied normally.
inline void stream_memcpy(char* dst, const char* src, int64_t bytes) {
  const int64_t head = std::min(bytes, stream_head_bytes(dst, 1));
  std::memcpy(dst, src, size_t(head));
  stream_copy(dst + head, src + head, bytes - head);
  stream_fence();
}

// An output written front to back in pieces (pad's rows, a few hundred bytes each): the pieces
// are built in an L1 buffer, which leaves in whole lines with non-temporal stores; the bytes before
// the output's first line boundary and the last partial line are stored normally. Usage:
// `char* p = w.reserve(bytes); <write bytes at p>; w.commit(bytes);` ... `w.finish();` (which
// fences). A piece may be up to kMaxPiece bytes.
class StreamWriter {
 public:
  static constexpr int64_t kMaxPiece = kStreamBlockBytes - kStreamAlign;
  explicit StreamWriter(char* dst) : dst_(dst), head_(std::max<int64_t>(stream_head_bytes(dst, 1), 0)) {}
  char* reserve(int64_t bytes) {
    if (fill_ + bytes > kStreamBlockBytes) flush();
    return buf_ + fill_;
  }
  void commit(int64_t bytes) { fill_ += bytes; }
  void finish() {
    std::memcpy(dst_, buf_, size_t(fill_));
    fill_ = 0;
    stream_fence();
  }

 private:
  // Stores the buffer's whole lines (after the head, once) and keeps the rest (< a line) at its start.
  void flush() {
    int64_t start = std::min(head_, fill_);
    std::memcpy(dst_, buf_, size_t(start));
    dst_ += start;
    head_ -= start;
    const int64_t lines = (fill_ - start) / kStreamAlign * kStreamAlign;
    if (head_ == 0) {
      stream_copy(dst_, buf_ + start, lines);
      dst_ += lines;
      start += lines;
    }
    std::memmove(buf_, buf_ + start, size_t(fill_ - start));
    fill_ -= start;
  }
  alignas(kStreamAlign) char buf_[kStreamBlockBytes];
  char* dst_;
  int64_t head_;
  int64_t fill_ = 0;
};

// Runs kernel(ptrs, count) over a row of n elements: data[0] is the output, out_es bytes apart,
// data[k] operand k with stride strides[k]. stream (and a row of at least kStreamMinRowBytes):
// the row is cut into pieces, each computed by kernel into an L1 buffer (the output stride stays
// out_es) and streamed to the output, but for the elements before the output's first line
// boundary, written in place; the caller calls stream_fence() after its rows. Otherwise one call.
// One call site of kernel either way: it is the inlined vector loop, and two would double it.
template <int NPtrs, typename Kernel>
inline void run_output_row(char* const* data, const int64_t* strides, int64_t n, int64_t out_es, bool stream,
                           const Kernel& kernel) {
  alignas(kStreamAlign) char buf[kStreamBlockBytes];
  const int64_t head_bytes = stream && n * out_es >= kStreamMinRowBytes ? stream_head_bytes(data[0], out_es) : -1;
  stream = head_bytes >= 0;
  const int64_t head = stream ? std::min(n, head_bytes / out_es) : n;
  const int64_t block = kStreamBlockBytes / out_es;
  char* ptrs[NPtrs];
  for (int64_t i = 0; i < n;) {
    const bool in_place = i < head;
    const int64_t count = in_place ? head : std::min(block, n - i);
    char* out = data[0] + i * out_es;
    ptrs[0] = in_place ? out : buf;
    for (int k = 1; k < NPtrs; ++k) ptrs[k] = data[k] + i * strides[k];
    kernel(ptrs, count);
    if (!in_place) stream_copy(out, buf, count * out_es);
    i += count;
  }
}

// Runs a 2-D loop's size1 rows of size0 elements (operand k's rows strides[NPtrs + k] bytes
// apart) through run_output_row. Rows too short to stream on their own whose output follows one
// another without a gap (kron's 128-byte rows of an [a1 * b1]-wide result) are computed, whole
// rows at a time, into the L1 buffer and streamed together; a block of them ends on a line
// boundary, so every copy but the last starts on one.
template <int NPtrs, typename Kernel>
inline void run_output_rows(char** ptrs, const int64_t* strides, int64_t size0, int64_t size1, int64_t out_es,
                            bool stream, const Kernel& kernel) {
  const int64_t row_bytes = size0 * out_es;
  int64_t rows_per_block = 0;
  if (stream && strides[0] == out_es && strides[NPtrs] == row_bytes && row_bytes < kStreamMinRowBytes &&
      size1 * row_bytes >= kStreamMinRowBytes && stream_head_bytes(ptrs[0], out_es) == 0) {
    const int64_t line_rows = kStreamAlign / std::gcd(row_bytes, kStreamAlign);  // rows ending on a line boundary
    rows_per_block = kStreamBlockBytes / row_bytes / line_rows * line_rows;
  }
  if (rows_per_block == 0) {
    // Rows not streamed are one kernel call each with nothing around it: kron's 32-element rows
    // (131,072 of them for a [2048, 2048] result) spent a fifth of their time in run_output_row's
    // piece loop when it ran for rows it would not cut.
    const bool rows_stream = stream && strides[0] == out_es && size0 * out_es >= kStreamMinRowBytes;
    for (int64_t j = 0; j < size1; ++j) {
      if (rows_stream) {
        run_output_row<NPtrs>(ptrs, strides, size0, out_es, true, kernel);
      } else {
        char* p[NPtrs];
        for (int k = 0; k < NPtrs; ++k) p[k] = ptrs[k];
        kernel(p, size0);
      }
      for (int k = 0; k < NPtrs; ++k) ptrs[k] += strides[NPtrs + k];
    }
    return;
  }
  alignas(kStreamAlign) char buf[kStreamBlockBytes];
  char* p[NPtrs];
  for (int64_t j = 0; j < size1;) {
    const int64_t rows = std::min(rows_per_block, size1 - j);
    char* out = ptrs[0];
    for (int64_t r = 0; r < rows; ++r) {
      p[0] = buf + r * row_bytes;
      for (int k = 1; k < NPtrs; ++k) p[k] = ptrs[k];
      run_output_row<NPtrs>(p, strides, size0, out_es, false, kernel);  // its one call site of kernel
      for (int k = 0; k < NPtrs; ++k) ptrs[k] += strides[NPtrs + k];
    }
    stream_copy(out, buf, rows * row_bytes);
    j += rows;
  }
}

}  // namespace tg::native::CPU_CAPABILITY

// The run-file chunk encoder: compresses a table column into the chunks HDF5's filter
// pipeline (shuffle, then deflate) would write, with zlib, so that the writer hands HDF5
// finished chunks (H5Dwrite_chunk) and the compression runs outside the HDF5 lock.
//
// Contract: encode_column(c, name, data, cols, how, enc) fills `c` with data's chunks
// (chunk_rows rows each, at most kMaxChunkRows rows and kMaxChunkBytes bytes; the edge
// chunk padded with the fill value 0), each an HDF5 shuffle of the chunk's bytes followed
// by one zlib stream at how.level. Any HDF5 reader inflates them as if HDF5 had compressed
// them. No HDF5 call is made here (the type functions in EncodedColumn are called later,
// under the lock). A ChunkEncoder is used by one thread at a time; zlib errors throw
// rlsim::Error. Reference: HDF5 1.10 H5Z shuffle and deflate filters (H5Zshuffle.c,
// H5Zdeflate.c); zlib 1.2 manual (deflateInit2, Z_RLE).
#pragma once
#include <hdf5.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

#include "core/hdf5_util.hpp"

namespace rlsim::runfile {

// Rows per chunk are capped so that one chunk holds at most 512 KiB (and 65536 rows): it
// then fits HDF5's default 1 MiB chunk cache, and tiny tables get one small chunk.
inline constexpr hsize_t kMaxChunkRows = 65536;
inline constexpr hsize_t kMaxChunkBytes = 512 * 1024;
inline constexpr unsigned kDeflateLevel = 4;

// A table column encoded as HDF5's filter pipeline (shuffle, then deflate) would encode it,
// ready for H5Dwrite_chunk. Encoding needs no HDF5 call, so it runs on the thread that
// finished the run, outside the HDF5 lock: with several threads the compression runs in
// parallel, and the writer under the lock only creates objects and writes bytes. The chunks
// are what HDF5's pipeline inflates (HDF5's shuffle, then a zlib stream; an edge chunk padded
// with the fill value 0), so any HDF5 reader decodes them as if HDF5 had written them. The
// buffers are reused from run to run (see the writer's RunEncoding).
struct EncodedColumn {
  const char* name = "";
  hid_t (*mem_type)() = nullptr;   // called under the lock (the H5T_* globals need
  hid_t (*file_type)() = nullptr;  // the library initialised)
  int rank = 1;
  hsize_t rows = 0, cols = 0, chunk_rows = 1;
  unsigned level = kDeflateLevel;    // deflate level (the dataset's filter parameter; 0: none)
  std::vector<unsigned char> bytes;  // the compressed chunks, in row order, back to back
  std::vector<std::size_t> ends;     // where each chunk ends in `bytes`
};

// How a table's chunks are deflated. Step tables: log.steps_compression_level (1 by default:
// 1.5x faster to write than level 4 for 13% more bytes, BENCHMARKS.md "Sweeps and logging
// overhead"; 0 with log.steps_compression = "none"), zlib's default strategy. The
// other tables (episodes, eval, regret, diagnostics): zlib's run-length strategy (Z_RLE,
// only matches at distance 1): on their shuffled columns it is about 2x faster than level 4
// and within 6% of its size, smaller on the FrozenLake sweep (BENCHMARKS.md, "Sweeps and
// logging overhead"). The strategy is the compressor's choice; the stream is ordinary
// deflate, which any inflater reads, and the dataset's filter keeps naming level 4.
struct Deflate {
  unsigned level;  // 1 to 9; 0: no compression (no shuffle, no deflate: chunks as they are)
  bool rle;
};
inline constexpr Deflate kTableDeflate{kDeflateLevel, true};

// zlib state and scratch buffers of one thread, reused from chunk to chunk (a fresh
// deflateInit per chunk allocates and clears about 256 KiB).
class ChunkEncoder {
 public:
  ChunkEncoder();
  ~ChunkEncoder();
  ChunkEncoder(const ChunkEncoder&) = delete;
  ChunkEncoder& operator=(const ChunkEncoder&) = delete;
  // Level 0: appends the bytes as they are. Else shuffles (HDF5's H5Z shuffle: byte j of
  // element i goes to j * n + i; a no-op for 1-byte elements) and deflates `bytes` bytes of
  // `elem`-byte elements, appending them to `dst`.
  void encode(const unsigned char* src, std::size_t bytes, std::size_t elem, Deflate how,
              std::vector<unsigned char>& dst);
  // Scratch for an edge chunk with its padding (encode_column).
  std::vector<unsigned char> padded;

 private:
  struct Zlib;  // the zlib streams and the shuffle and output buffers (chunk_encoder.cpp)
  std::unique_ptr<Zlib> z_;
};

// One thread's encoded tables of a run, kept from run to run so that their buffers are
// allocated once (a table's slots grow to the most columns it has had; `used` are valid).
struct EncodedTable {
  std::vector<EncodedColumn> slots;
  std::size_t used = 0;
  void clear() { used = 0; }
  EncodedColumn& next() {
    if (used == slots.size()) slots.emplace_back();
    EncodedColumn& c = slots[used++];
    c.bytes.clear();
    c.ends.clear();
    return c;
  }
  const EncodedColumn* begin() const { return slots.data(); }
  const EncodedColumn* end() const { return slots.data() + used; }
};

// Encodes `data` into `c` as a 1-D column of data.size() rows when cols == 0, else 2-D
// [data.size() / cols, cols]. Chunks: at most kMaxChunkRows rows and kMaxChunkBytes bytes,
// one chunk for a small table.
template <class T>
void encode_column(EncodedColumn& c, const char* name, std::span<const T> data, hsize_t cols,
                   Deflate how, ChunkEncoder& enc) {
  c.name = name;
  c.level = how.level;
  c.mem_type = &hdf5::H5Type<T>::mem;
  c.file_type = &hdf5::H5Type<T>::file;
  c.rank = cols == 0 ? 1 : 2;
  c.cols = cols;
  const hsize_t width = cols == 0 ? 1 : cols;
  c.rows = data.size() / width;
  const hsize_t row_bytes = width * sizeof(T);
  c.chunk_rows = std::clamp<hsize_t>(
      c.rows, 1, std::max<hsize_t>(1, std::min(kMaxChunkRows, kMaxChunkBytes / row_bytes)));
  if (c.rows == 0) return;
  const std::size_t chunk_elems = static_cast<std::size_t>(c.chunk_rows * width);
  const std::size_t chunk_bytes = chunk_elems * sizeof(T);
  const std::size_t total = static_cast<std::size_t>(c.rows * width);
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  if (how.level == 0)  // stored as it is: the size is known, no reallocation on the way
    c.bytes.reserve((total + chunk_elems - 1) / chunk_elems * chunk_bytes);
  for (std::size_t first = 0; first < total; first += chunk_elems) {
    const std::size_t have = std::min(chunk_elems, total - first);
    const unsigned char* src = bytes + first * sizeof(T);
    if (have < chunk_elems) {  // the edge chunk: padded with the fill value (0)
      enc.padded.assign(chunk_bytes, 0);
      std::memcpy(enc.padded.data(), src, have * sizeof(T));
      src = enc.padded.data();
    }
    enc.encode(src, chunk_bytes, sizeof(T), how, c.bytes);
    c.ends.push_back(c.bytes.size());
  }
}

// Encodes every column that `columns` lists for table t (run/run_file_tables.hpp),
// appending to `out`.
template <class Table, class Columns>
void encode_table(const Table& t, Columns columns, EncodedTable& out, Deflate how,
                  ChunkEncoder& enc) {
  columns(t, [&](const char* name, const auto& column, hsize_t width) {
    using T = typename std::decay_t<decltype(column)>::value_type;
    encode_column(out.next(), name, std::span<const T>(column), width, how, enc);
  });
}

}  // namespace rlsim::runfile

#include "run/hdf5_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <span>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include <zlib.h>

#include "core/error.hpp"
#include "core/hdf5_handles.hpp"
#include "core/version.hpp"

namespace rlsim {

namespace {

using hdf5::check;
using hdf5::check_status;

// Rows per chunk are capped so that one chunk holds at most 512 KiB (and 65536 rows): it
// then fits HDF5's default 1 MiB chunk cache, and tiny tables get one small chunk.
constexpr hsize_t kMaxChunkRows = 65536;
constexpr hsize_t kMaxChunkBytes = 512 * 1024;
constexpr unsigned kDeflateLevel = 4;
// Step tables use deflate level 1: 1.5x faster to write than level 4 for 13% more bytes
// (BENCHMARKS.md, "Sweeps and logging overhead"); readers do not depend on the level.
constexpr unsigned kStepDeflateLevel = 1;
// Half the entries of a node of the B-tree that indexes a dataset's chunks (H5Pset_istore_k;
// HDF5's default is 32). Every chunked dataset gets one node when its first chunk is
// written, sized for 2K entries: about 2.1 KiB at K = 32, 0.6 KiB at K = 8. Format 2's
// many one-chunk per-run tables made 32 costly (60% of a sweep's file) and used K = 1; the
// experiment-wide tables of format 3 have hundreds of chunks per column, for which K = 1
// (2 entries per node) made a deep tree whose inserts cost more than the rest of the
// logging (callgrind, 300-run sweep). The value is recorded in the file (superblock
// extension); readers need not know it.
constexpr unsigned kChunkIndexK = 8;

// ---- types ------------------------------------------------------------------------------

template <class T>
struct H5Type;
template <>
struct H5Type<double> {
  static hid_t mem() { return H5T_NATIVE_DOUBLE; }
  static hid_t file() { return H5T_IEEE_F64LE; }
  static constexpr H5T_class_t cls = H5T_FLOAT;
  static constexpr const char* name = "float64";
};
template <>
struct H5Type<float> {
  static hid_t mem() { return H5T_NATIVE_FLOAT; }
  static hid_t file() { return H5T_IEEE_F32LE; }
  static constexpr H5T_class_t cls = H5T_FLOAT;
  static constexpr const char* name = "float32";
};
template <>
struct H5Type<std::int64_t> {
  static hid_t mem() { return H5T_NATIVE_INT64; }
  static hid_t file() { return H5T_STD_I64LE; }
  static constexpr H5T_class_t cls = H5T_INTEGER;
  static constexpr const char* name = "int64";
};
template <>
struct H5Type<std::uint64_t> {
  static hid_t mem() { return H5T_NATIVE_UINT64; }
  static hid_t file() { return H5T_STD_U64LE; }
  static constexpr H5T_class_t cls = H5T_INTEGER;
  static constexpr const char* name = "uint64";
};
template <>
struct H5Type<std::int32_t> {
  static hid_t mem() { return H5T_NATIVE_INT32; }
  static hid_t file() { return H5T_STD_I32LE; }
  static constexpr H5T_class_t cls = H5T_INTEGER;
  static constexpr const char* name = "int32";
};
template <>
struct H5Type<std::uint8_t> {
  static hid_t mem() { return H5T_NATIVE_UINT8; }
  static hid_t file() { return H5T_STD_U8LE; }
  static constexpr H5T_class_t cls = H5T_INTEGER;
  static constexpr const char* name = "uint8";
};
template <>
struct H5Type<std::int8_t> {
  static hid_t mem() { return H5T_NATIVE_INT8; }
  static hid_t file() { return H5T_STD_I8LE; }
  static constexpr H5T_class_t cls = H5T_INTEGER;
  static constexpr const char* name = "int8";
};

std::string class_name(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER:
      return "integer";
    case H5T_FLOAT:
      return "float";
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return "compound";
    case H5T_ENUM:
      return "enum";
    case H5T_ARRAY:
      return "array";
    case H5T_VLEN:
      return "variable-length";
    case H5T_REFERENCE:
      return "reference";
    case H5T_OPAQUE:
      return "opaque";
    case H5T_BITFIELD:
      return "bitfield";
    case H5T_TIME:
      return "time";
    default:
      return "unknown";
  }
}

// Fixed-length UTF-8 string type of `size` bytes (at least 1), NUL-padded. rlsim writes
// every string this way since format version 2: variable-length strings live in global heap
// collections, which carry no checksum and which HDF5 1.10 trusts when reading, so one
// damaged byte there could crash HDF5 itself; fixed-length strings sit in the attribute's
// object header message, which is checksummed. h5py returns them as bytes.
hdf5::Datatype fixed_string_type(std::size_t size) {
  hdf5::Datatype t(H5Tcopy(H5T_C_S1), "cannot create an HDF5 string type");
  check_status(H5Tset_size(t.get(), std::max<std::size_t>(1, size)),
               "cannot create an HDF5 string type");
  check_status(H5Tset_strpad(t.get(), H5T_STR_NULLPAD), "cannot create an HDF5 string type");
  check_status(H5Tset_cset(t.get(), H5T_CSET_UTF8), "cannot create an HDF5 string type");
  return t;
}

// A fixed-length string value as stored, without its padding (NUL or space, as `type` says).
std::string unpad(std::string value, hid_t type) {
  const H5T_str_t pad = H5Tget_strpad(type);
  if (pad == H5T_STR_SPACEPAD) {
    while (!value.empty() && value.back() == ' ') value.pop_back();
  } else if (pad == H5T_STR_NULLTERM) {
    value.resize(std::min(value.size(), value.find('\0')));
  } else {
    while (!value.empty() && value.back() == '\0') value.pop_back();
  }
  return value;
}

std::string in_quotes(const std::string& path) {
  return "'" + path + "'";
}

// ---- links ------------------------------------------------------------------------------

// True if `name` (a single link name, or a relative path whose parents exist) exists in loc.
bool link_exists(hid_t loc, const std::string& name, const std::string& what) {
  const htri_t e = H5Lexists(loc, name.c_str(), H5P_DEFAULT);
  if (e < 0) hdf5::fail("cannot look up " + what);
  return e > 0;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string::npos ? path.size() : slash;
    parts.push_back(path.substr(start, end - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

// True if every component of the relative path exists (checked one by one, as H5Lexists
// needs the parents to exist).
bool path_exists(hid_t loc, const std::string& rel, const std::string& what) {
  std::string prefix;
  for (const std::string& part : split_path(rel)) {
    prefix += (prefix.empty() ? "" : "/") + part;
    if (!link_exists(loc, prefix, what)) return false;
  }
  return true;
}

// ---- attributes -------------------------------------------------------------------------

// Creates attribute `name` of `obj`, known to be absent (the object was made in the same
// write), on the caller's scalar dataspace: no lookup, no dataspace per attribute.
template <class T>
void create_attr(hid_t obj, const char* name, T value, const std::string& where, hid_t scalar) {
  hdf5::Attribute attr(H5Acreate2(obj, name, H5Type<T>::file(), scalar, H5P_DEFAULT, H5P_DEFAULT),
                       "cannot create attribute '" + std::string(name) + "' of " + where);
  check_status(H5Awrite(attr.get(), H5Type<T>::mem(), &value),
               "cannot write attribute '" + std::string(name) + "' of " + where);
}

void create_attr_string(hid_t obj, const char* name, const std::string& value,
                        const std::string& where, hid_t scalar) {
  hdf5::Datatype type = fixed_string_type(value.size());
  hdf5::Attribute attr(H5Acreate2(obj, name, type.get(), scalar, H5P_DEFAULT, H5P_DEFAULT),
                       "cannot create attribute '" + std::string(name) + "' of " + where);
  const char nul = '\0';
  check_status(H5Awrite(attr.get(), type.get(), value.empty() ? &nul : value.data()),
               "cannot write attribute '" + std::string(name) + "' of " + where);
}

// Whether `obj` (at `where`) has attribute `name`.
bool has_attr(hid_t obj, const char* name, const std::string& where) {
  const htri_t exists = H5Aexists(obj, name);
  if (exists < 0) hdf5::fail("cannot look up attribute '" + std::string(name) + "' of " + where);
  return exists > 0;
}

// Writes attribute `name` of `obj`, overwriting it in place if it is there.
template <class T>
void write_attr(hid_t obj, const char* name, T value, const std::string& where) {
  const std::string what = "attribute '" + std::string(name) + "' of " + where;
  if (has_attr(obj, name, where)) {
    hdf5::Attribute attr(H5Aopen(obj, name, H5P_DEFAULT), "cannot open " + what);
    check_status(H5Awrite(attr.get(), H5Type<T>::mem(), &value), "cannot write " + what);
    return;
  }
  hdf5::Dataspace space(H5Screate(H5S_SCALAR), "cannot create the dataspace of " + what);
  create_attr(obj, name, value, where, space.get());
}

// Writes string attribute `name` of `obj`, replacing it if it is there (its length, and so
// its type, may differ).
void write_attr_string(hid_t obj, const char* name, const std::string& value,
                       const std::string& where) {
  const std::string what = "attribute '" + std::string(name) + "' of " + where;
  if (has_attr(obj, name, where)) check_status(H5Adelete(obj, name), "cannot replace " + what);
  hdf5::Dataspace space(H5Screate(H5S_SCALAR), "cannot create the dataspace of " + what);
  create_attr_string(obj, name, value, where, space.get());
}

hdf5::Attribute open_scalar_attr(hid_t obj, const char* name, const std::string& where) {
  const std::string what = "attribute '" + std::string(name) + "' of " + where;
  if (!has_attr(obj, name, where)) throw Error(where + " has no attribute '" + name + "'");
  hdf5::Attribute attr(H5Aopen(obj, name, H5P_DEFAULT), "cannot open " + what);
  hdf5::Dataspace space(H5Aget_space(attr.get()), "cannot read the dataspace of " + what);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n != 1)
    throw Error(what + " holds " + std::to_string(n) + " values, expected a single value");
  return attr;
}

template <class T>
T read_attr(hid_t obj, const char* name, const std::string& where) {
  const std::string what = "attribute '" + std::string(name) + "' of " + where;
  hdf5::Attribute attr = open_scalar_attr(obj, name, where);
  hdf5::Datatype type(H5Aget_type(attr.get()), "cannot read the type of " + what);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5Type<T>::cls)
    throw Error(what + " is of " + class_name(cls) + " type, expected " + H5Type<T>::name);
  T value{};
  check_status(H5Aread(attr.get(), H5Type<T>::mem(), &value), "cannot read " + what);
  return value;
}

// Refuses a variable-length string type where the file's format version rules it out
// (`allow_variable` false: version 2 and later), before HDF5 reads the global heap.
void check_variable_allowed(hid_t ftype, bool allow_variable, const std::string& what) {
  const htri_t variable = H5Tis_variable_str(ftype);
  if (variable < 0) hdf5::fail("cannot read the type of " + what);
  if (variable > 0 && !allow_variable)
    throw Error(what + " is a variable-length string, which run files of format version " +
                std::to_string(kLogFormatVersion) +
                " never hold (they store fixed-length strings): the file is damaged");
}

// Reads a string attribute: fixed-length (as rlsim writes since format version 2, and as
// other tools may write) or, when allow_variable, variable-length (format version 1).
std::string read_attr_string(hid_t obj, const char* name, const std::string& where,
                             bool allow_variable = true) {
  const std::string what = "attribute '" + std::string(name) + "' of " + where;
  hdf5::Attribute attr = open_scalar_attr(obj, name, where);
  hdf5::Datatype ftype(H5Aget_type(attr.get()), "cannot read the type of " + what);
  const H5T_class_t cls = H5Tget_class(ftype.get());
  if (cls != H5T_STRING) throw Error(what + " is of " + class_name(cls) + " type, expected string");
  check_variable_allowed(ftype.get(), allow_variable, what);
  if (H5Tis_variable_str(ftype.get()) > 0) {
    hdf5::Datatype mtype(H5Tcopy(H5T_C_S1), "cannot create an HDF5 string type");
    check_status(H5Tset_size(mtype.get(), H5T_VARIABLE), "cannot read " + what);
    check_status(H5Tset_cset(mtype.get(), H5Tget_cset(ftype.get())), "cannot read " + what);
    char* text = nullptr;
    check_status(H5Aread(attr.get(), mtype.get(), &text), "cannot read " + what);
    std::string out = text ? text : "";
    H5free_memory(text);
    return out;
  }
  const std::size_t size = H5Tget_size(ftype.get());
  if (size == 0) hdf5::fail("cannot read the size of " + what);
  hdf5::Datatype mtype(H5Tcopy(ftype.get()), "cannot read " + what);
  std::string out(size, '\0');
  check_status(H5Aread(attr.get(), mtype.get(), out.data()), "cannot read " + what);
  return unpad(std::move(out), ftype.get());
}

// A 1-D attribute of fixed-length UTF-8 strings, as long as the longest value (h5py reads
// it as a numpy array of bytes).
void write_attr_string_list(hid_t obj, const char* name, const std::vector<std::string>& values,
                            const std::string& where) {
  const std::string what = "attribute '" + std::string(name) + "' of " + where;
  if (has_attr(obj, name, where)) check_status(H5Adelete(obj, name), "cannot replace " + what);
  std::size_t size = 1;
  for (const std::string& v : values) size = std::max(size, v.size());
  hdf5::Datatype type = fixed_string_type(size);
  const hsize_t n = values.size();
  hdf5::Dataspace space(H5Screate_simple(1, &n, nullptr), "cannot create the dataspace of " + what);
  hdf5::Attribute attr(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                       "cannot create " + what);
  std::string buf(size * values.size(), '\0');
  for (std::size_t i = 0; i < values.size(); ++i) values[i].copy(buf.data() + i * size, size);
  if (n > 0) check_status(H5Awrite(attr.get(), type.get(), buf.data()), "cannot write " + what);
}

// Reads a 1-D string attribute (fixed-length, or variable-length when allow_variable), at
// most `max_items` entries.
std::vector<std::string> read_attr_string_list(hid_t obj, const char* name,
                                               const std::string& where, hsize_t max_items,
                                               bool allow_variable = true) {
  const std::string what = "attribute '" + std::string(name) + "' of " + where;
  if (!has_attr(obj, name, where)) throw Error(where + " has no attribute '" + name + "'");
  hdf5::Attribute attr(H5Aopen(obj, name, H5P_DEFAULT), "cannot open " + what);
  hdf5::Datatype ftype(H5Aget_type(attr.get()), "cannot read the type of " + what);
  const H5T_class_t cls = H5Tget_class(ftype.get());
  if (cls != H5T_STRING)
    throw Error(what + " is of " + class_name(cls) + " type, expected a list of strings");
  check_variable_allowed(ftype.get(), allow_variable, what);
  hdf5::Dataspace space(H5Aget_space(attr.get()), "cannot read the dataspace of " + what);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank != 1)
    throw Error(what + " has " + std::to_string(rank) +
                " dimensions, expected 1: the file is damaged");
  const hssize_t count = H5Sget_simple_extent_npoints(space.get());
  if (count < 0) hdf5::fail("cannot read the size of " + what);
  const auto n = static_cast<hsize_t>(count);
  if (n > max_items)
    throw Error(what + " claims " + std::to_string(n) + " entries: the file is damaged");
  std::vector<std::string> out;
  if (n == 0) return out;
  if (H5Tis_variable_str(ftype.get()) > 0) {
    hdf5::Datatype mtype(H5Tcopy(H5T_C_S1), "cannot create an HDF5 string type");
    check_status(H5Tset_size(mtype.get(), H5T_VARIABLE), "cannot read " + what);
    check_status(H5Tset_cset(mtype.get(), H5Tget_cset(ftype.get())), "cannot read " + what);
    std::vector<char*> text(static_cast<std::size_t>(n), nullptr);
    check_status(H5Aread(attr.get(), mtype.get(), text.data()), "cannot read " + what);
    for (char* t : text) out.emplace_back(t ? t : "");
    H5Dvlen_reclaim(mtype.get(), space.get(), H5P_DEFAULT, text.data());
    return out;
  }
  const std::size_t size = H5Tget_size(ftype.get());
  if (size == 0 || size > (std::size_t{1} << 16))
    throw Error(what + " has strings of " + std::to_string(size) + " bytes: the file is damaged");
  hdf5::Datatype mtype(H5Tcopy(ftype.get()), "cannot read " + what);
  std::string buf(size * static_cast<std::size_t>(n), '\0');
  check_status(H5Aread(attr.get(), mtype.get(), buf.data()), "cannot read " + what);
  for (hsize_t i = 0; i < n; ++i)
    out.push_back(unpad(buf.substr(static_cast<std::size_t>(i) * size, size), ftype.get()));
  return out;
}

// ---- datasets ---------------------------------------------------------------------------

// A table column encoded as HDF5's filter pipeline (shuffle, then deflate) would encode it,
// ready for H5Dwrite_chunk. Encoding needs no HDF5 call, so it runs on the thread that
// finished the run, outside the HDF5 lock: with several threads the compression runs in
// parallel, and the writer under the lock only creates objects and writes bytes. The chunks
// are what HDF5's pipeline inflates (HDF5's shuffle, then a zlib stream; an edge chunk padded
// with the fill value 0), so any HDF5 reader decodes them as if HDF5 had written them. The
// buffers are reused from run to run (see RunEncoding).
struct EncodedColumn {
  const char* name = "";
  hid_t (*mem_type)() = nullptr;   // called under the lock (the H5T_* globals need
  hid_t (*file_type)() = nullptr;  // the library initialised)
  int rank = 1;
  hsize_t rows = 0, cols = 0, chunk_rows = 1;
  unsigned level = kDeflateLevel;    // deflate level (the dataset's filter parameter)
  std::vector<unsigned char> bytes;  // the compressed chunks, in row order, back to back
  std::vector<std::size_t> ends;     // where each chunk ends in `bytes`
};

// How a table's chunks are deflated. Step tables: level 1, zlib's default strategy. The
// other tables (episodes, eval, regret, diagnostics): zlib's run-length strategy (Z_RLE,
// only matches at distance 1): on their shuffled columns it is about 2x faster than level 4
// and within 6% of its size, smaller on the FrozenLake sweep (BENCHMARKS.md, "Sweeps and
// logging overhead"). The strategy is the compressor's choice; the stream is ordinary
// deflate, which any inflater reads, and the dataset's filter keeps naming level 4.
struct Deflate {
  unsigned level;
  bool rle;
};
constexpr Deflate kTableDeflate{kDeflateLevel, true};
constexpr Deflate kStepDeflate{kStepDeflateLevel, false};

// zlib state and scratch buffers of one thread, reused from chunk to chunk (a fresh
// deflateInit per chunk allocates and clears about 256 KiB).
struct ChunkEncoder {
  std::array<z_stream, 20> streams{};  // per level (0-9) and strategy, made when first used
  std::array<bool, 20> ready{};
  std::vector<unsigned char> padded, shuffled, out;
  ~ChunkEncoder() {
    for (std::size_t l = 0; l < streams.size(); ++l)
      if (ready[l]) deflateEnd(&streams[l]);
  }
  // Byte plane j (byte j of every element) is written contiguously: sequential stores,
  // strided loads of a compile-time stride.
  template <std::size_t S>
  static void shuffle(const unsigned char* src, unsigned char* dst, std::size_t n) {
    for (std::size_t j = 0; j < S; ++j) {
      unsigned char* plane = dst + j * n;
      for (std::size_t i = 0; i < n; ++i) plane[i] = src[i * S + j];
    }
  }
  // Shuffles (HDF5's H5Z shuffle: byte j of element i goes to j * n + i; a no-op for 1-byte
  // elements) and deflates `bytes` bytes of `elem`-byte elements, appending them to `dst`.
  void encode(const unsigned char* src, std::size_t bytes, std::size_t elem, Deflate how,
              std::vector<unsigned char>& dst) {
    const std::size_t slot = how.level + (how.rle ? 10 : 0);
    z_stream& zs = streams.at(slot);
    if (!ready[slot]) {
      if (deflateInit2(&zs, static_cast<int>(how.level), Z_DEFLATED, 15, 8,
                       how.rle ? Z_RLE : Z_DEFAULT_STRATEGY) != Z_OK)
        throw Error("cannot initialise zlib to compress a run file column");
      ready[slot] = true;
    } else if (deflateReset(&zs) != Z_OK) {
      throw Error("cannot reset zlib to compress a run file column");
    }
    const unsigned char* in = src;
    const std::size_t n = bytes / elem;
    if (elem > 1 && n > 1) {
      if (shuffled.size() < bytes) shuffled.resize(bytes);
      switch (elem) {
        case 2:
          shuffle<2>(src, shuffled.data(), n);
          break;
        case 4:
          shuffle<4>(src, shuffled.data(), n);
          break;
        case 8:
          shuffle<8>(src, shuffled.data(), n);
          break;
        default:
          for (std::size_t j = 0; j < elem; ++j)
            for (std::size_t i = 0; i < n; ++i) shuffled[j * n + i] = src[i * elem + j];
      }
      in = shuffled.data();
    }
    const std::size_t bound = deflateBound(&zs, static_cast<uLong>(bytes));
    if (out.size() < bound) out.resize(bound);
    zs.next_in = const_cast<unsigned char*>(in);
    zs.avail_in = static_cast<uInt>(bytes);
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
      throw Error("zlib could not compress a run file column of " + std::to_string(bytes) +
                  " bytes");
    dst.insert(dst.end(), out.data(), out.data() + zs.total_out);
  }
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

struct RunEncoding {
  ChunkEncoder encoder;
  EncodedTable steps, diagnostics;
  std::vector<std::int32_t> zeros;  // the steps/env column of a single-env run
  std::vector<double> column;       // a diagnostics column
};

RunEncoding& thread_encoding() {
  thread_local RunEncoding encoding;
  return encoding;
}

// Encodes `data` into `c` as a 1-D column of data.size() rows when cols == 0, else 2-D
// [data.size() / cols, cols]. Chunks: at most kMaxChunkRows rows and kMaxChunkBytes bytes,
// one chunk for a small table.
template <class T>
void encode_column(EncodedColumn& c, const char* name, std::span<const T> data, hsize_t cols,
                   Deflate how, ChunkEncoder& enc) {
  c.name = name;
  c.level = how.level;
  c.mem_type = &H5Type<T>::mem;
  c.file_type = &H5Type<T>::file;
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

// HDF5 objects the writer reuses from run to run (under the HDF5 lock): creation property
// lists and a scalar dataspace, made once instead of per group, dataset and attribute.
struct WriteKit {
  // Groups (/groups/G, /runs/N and their tables): attributes stay in the object header
  // (compact storage) up to kMaxCompactAttrs; above HDF5's default of 8 a format 2 run
  // group's 12 attributes went to dense storage, a fractal heap and a B-tree per run. No
  // access/modification time stamps on groups and datasets (H5Pset_obj_track_times): one message
  // less per object, and the objects' bytes do not depend on when they were written.
  static constexpr unsigned kMaxCompactAttrs = 32;
  hdf5::PropList gcpl;
  hdf5::Dataspace scalar;
  // Dataset creation lists by (rank, chunk rows, columns, deflate level).
  std::map<std::array<hsize_t, 4>, hdf5::PropList> dcpls;

  void reset() {
    dcpls.clear();
    gcpl.reset();
    scalar.reset();
  }

  void init(const std::string& where) {
    gcpl = hdf5::PropList(H5Pcreate(H5P_GROUP_CREATE), "cannot create properties for " + where);
    check_status(H5Pset_attr_phase_change(gcpl.get(), kMaxCompactAttrs, kMaxCompactAttrs - 1),
                 "cannot set the attribute storage of " + where);
    check_status(H5Pset_obj_track_times(gcpl.get(), false),
                 "cannot set the time stamps of " + where);
    scalar = hdf5::Dataspace(H5Screate(H5S_SCALAR), "cannot create a scalar dataspace");
  }

  hid_t dcpl(const EncodedColumn& c, const std::string& what) {
    const std::array<hsize_t, 4> key{static_cast<hsize_t>(c.rank), c.chunk_rows, c.cols, c.level};
    auto it = dcpls.find(key);
    if (it != dcpls.end()) return it->second.get();
    const hsize_t chunk[2] = {c.chunk_rows, c.cols};
    hdf5::PropList p(H5Pcreate(H5P_DATASET_CREATE), "cannot create properties for " + what);
    check_status(H5Pset_chunk(p.get(), c.rank, chunk), "cannot set chunking of " + what);
    check_status(H5Pset_shuffle(p.get()), "cannot set the shuffle filter of " + what);
    check_status(H5Pset_deflate(p.get(), c.level), "cannot set deflate compression of " + what);
    check_status(H5Pset_obj_track_times(p.get(), false), "cannot set the time stamps of " + what);
    // A long run has many distinct chunk row counts: keep the cache small.
    if (dcpls.size() >= 64) dcpls.clear();
    return dcpls.emplace(key, std::move(p)).first->second.get();
  }
};

// Creates the dataset of an encoded column in `group` (chunked, shuffle + deflate, the row
// dimension extendible so a 0-row table is a valid chunked dataset too) and writes its
// chunks as they are (H5Dwrite_chunk, HDF5 >= 1.10.2; filter mask 0: every filter applied).
void write_encoded(hid_t group, const EncodedColumn& c, const std::string& where, WriteKit& kit) {
  const std::string what = "dataset " + where + "/" + c.name;
  const hsize_t dims[2] = {c.rows, c.cols};
  const hsize_t maxdims[2] = {H5S_UNLIMITED, c.cols};
  hdf5::Dataspace space(H5Screate_simple(c.rank, dims, maxdims),
                        "cannot create the dataspace of " + what);
  const hid_t dcpl = kit.dcpl(c, what);
  hdf5::Dataset ds(
      H5Dcreate2(group, c.name, c.file_type(), space.get(), H5P_DEFAULT, dcpl, H5P_DEFAULT),
      "cannot create " + what);
  std::size_t start = 0;
  for (std::size_t k = 0; k < c.ends.size(); ++k) {
    const hsize_t offset[2] = {static_cast<hsize_t>(k) * c.chunk_rows, 0};
    check_status(
        H5Dwrite_chunk(ds.get(), H5P_DEFAULT, 0, offset, c.ends[k] - start, c.bytes.data() + start),
        "cannot write " + what);
    start = c.ends[k];
  }
  if (!ds.reset()) hdf5::fail("cannot write " + what);
}

struct ReadLimits {
  // Upper bound on the bytes one dataset may expand to, from the file size and deflate's
  // maximum compression ratio (1032:1, RFC 1951 / zlib technical details), so damaged
  // metadata claiming absurd sizes gives an Error rather than a huge allocation.
  hsize_t max_bytes = std::numeric_limits<hsize_t>::max();
  // Format version 1 stored strings as variable-length; later versions never do, so there
  // a variable-length string is damage and is refused before HDF5 reads it.
  bool variable_strings = true;
  // Format version 1 had no steps/env column (every run used one env copy).
  bool env_column = false;
};

ReadLimits limits_for(hid_t file) {
  hsize_t size = 0;
  ReadLimits lim;
  if (H5Fget_filesize(file, &size) >= 0) lim.max_bytes = size * 1100 + (hsize_t{1} << 20);
  return lim;
}

// Reads a whole numeric dataset into `out` (converted to T); `dims` gets its shape (empty
// for a scalar dataset). Requires the stored type's class to be T's class unless
// any_numeric, in which case integers and floats are both accepted.
template <class T>
void read_dataset(hid_t loc, const std::string& name, const std::string& what,
                  const ReadLimits& lim, bool any_numeric, std::vector<hsize_t>& dims,
                  std::vector<T>& out) {
  hdf5::Dataset ds(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), "cannot open " + what);
  hdf5::Datatype type(H5Dget_type(ds.get()), "cannot read the type of " + what);
  const H5T_class_t cls = H5Tget_class(type.get());
  const bool numeric = cls == H5T_INTEGER || cls == H5T_FLOAT;
  if (any_numeric ? !numeric : cls != H5Type<T>::cls)
    throw Error(what + " is of " + class_name(cls) + " type, expected " +
                (any_numeric ? std::string("a numeric type") : std::string(H5Type<T>::name)));
  hdf5::Dataspace space(H5Dget_space(ds.get()), "cannot read the dataspace of " + what);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) hdf5::fail("cannot read the dataspace of " + what);
  dims.assign(static_cast<std::size_t>(rank), 0);
  if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
    hdf5::fail("cannot read the shape of " + what);
  hsize_t n = 1;
  for (hsize_t d : dims) {
    if (d != 0 && n > lim.max_bytes / d)
      n = lim.max_bytes;  // overflow: caught below
    else
      n *= d;
  }
  if (n > lim.max_bytes / sizeof(T))
    throw Error(what + " claims " + std::to_string(n) +
                " elements, more than the file can hold: the file is damaged");
  out.assign(static_cast<std::size_t>(n), T{});
  if (n > 0)
    check_status(H5Dread(ds.get(), H5Type<T>::mem(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
                 "cannot read " + what + " (the file may be damaged)");
}

// A column of a run table: must exist, be 1-D (or 2-D with `cols` columns when cols > 0).
template <class T>
std::vector<T> read_column(hid_t group, const char* name, hsize_t cols, const std::string& where,
                           const ReadLimits& lim) {
  const std::string what = "dataset " + where + "/" + name;
  if (!link_exists(group, name, what)) throw Error(where + " has no dataset '" + name + "'");
  std::vector<hsize_t> dims;
  std::vector<T> out;
  read_dataset(group, name, what, lim, false, dims, out);
  const std::size_t rank = cols == 0 ? 1 : 2;
  if (dims.size() != rank)
    throw Error(what + " has " + std::to_string(dims.size()) + " dimensions, expected " +
                std::to_string(rank));
  if (cols > 0 && dims[1] != cols)
    throw Error(what + " has " + std::to_string(dims[1]) + " columns, expected " +
                std::to_string(cols));
  return out;
}

hdf5::Group open_group(hid_t loc, const std::string& name, const std::string& where) {
  if (!link_exists(loc, name, where + "/" + name))
    throw Error(where + " has no group '" + name + "'");
  return hdf5::Group(H5Gopen2(loc, name.c_str(), H5P_DEFAULT),
                     "cannot open group " + where + "/" + name);
}

hdf5::Group create_group(hid_t loc, const std::string& name, const std::string& what,
                         hid_t gcpl = H5P_DEFAULT) {
  return hdf5::Group(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT),
                     "cannot create group " + what);
}

// Bytes past the end of the file's allocated space that reserve_file_space also reserves:
// room for metadata HDF5 may place there while flushing.
constexpr hsize_t kFlushReserveBytes = 64u << 10;

// Makes the file on disk at least as long as the space HDF5 has allocated in it, plus
// kFlushReserveBytes, with its blocks reserved (posix_fallocate). A flush overwrites some
// metadata in place (chunk indexes, object headers) and records the new end of the file
// last; if the disk filled up or the file size limit was hit half-way, the file would hold
// new metadata that point past its recorded end, and be unreadable. Reserving first makes
// "disk full" or "file too large" fail here, before the flush has touched anything, so the
// file stays the state of the last flush. HDF5 cuts the file back to its used length when
// it is closed; a killed writer leaves at most kFlushReserveBytes of zeros at the end,
// which readers ignore.
void reserve_file_space(hid_t file, const std::string& path) {
  haddr_t eoa = 0;
  check_status(H5Fget_eoa(file, &eoa),
               "cannot read the allocated size of run file " + in_quotes(path));
  void* handle = nullptr;
  check_status(H5Fget_vfd_handle(file, H5P_DEFAULT, &handle),
               "cannot reach the file descriptor of run file " + in_quotes(path));
  const int fd = *static_cast<int*>(handle);
  const int rc = ::posix_fallocate(fd, 0, static_cast<off_t>(eoa + kFlushReserveBytes));
  // EINVAL/EOPNOTSUPP: the file system cannot reserve; the flush goes ahead unprotected.
  if (rc != 0 && rc != EINVAL && rc != EOPNOTSUPP)
    throw Error("cannot extend run file " + in_quotes(path) + " to " +
                std::to_string((eoa + kFlushReserveBytes) / 1024) +
                " KiB before flushing it: " + std::strerror(rc));
}

// Closes the writer's file (close: closes the open objects and the file), then cuts the
// file back to the space HDF5 uses: the reserve of reserve_file_space (HDF5 does not
// truncate a file it did not extend itself). False if the close failed.
template <class Close>
bool close_and_trim(hid_t file, const std::string& path, Close close) {
  haddr_t eoa = 0;
  const bool known = H5Fget_eoa(file, &eoa) >= 0;
  if (!close()) return false;
  std::error_code ec;
  if (known && std::filesystem::file_size(path, ec) > eoa && !ec)
    std::filesystem::resize_file(path, eoa, ec);  // best effort: the zeros are harmless
  return true;
}

void flush_file(hid_t file, const std::string& path) {
  check_status(H5Fflush(file, H5F_SCOPE_GLOBAL), "cannot flush run file " + in_quotes(path));
}

// ---- files ------------------------------------------------------------------------------

namespace fs = std::filesystem;

// Checks that a file can be created at `path`; `kind` names it in messages ("run file").
void check_output_location(const std::string& path, const std::string& kind) {
  if (path.empty()) throw Error("the " + kind + " path is empty: give a file name such as out.h5");
  std::error_code ec;
  const fs::path p(path);
  if (fs::is_directory(p, ec))
    throw Error("cannot create " + kind + " " + in_quotes(path) +
                ": it is a directory; give a file name inside it, such as " +
                (p / "results.h5").string());
  fs::path dir = p.parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::exists(dir, ec))
    throw Error("cannot create " + kind + " " + in_quotes(path) + ": directory " +
                in_quotes(dir.string()) + " does not exist; create it first (mkdir -p " +
                dir.string() + ") or choose another output path");
  if (!fs::is_directory(dir, ec))
    throw Error("cannot create " + kind + " " + in_quotes(path) + ": " + in_quotes(dir.string()) +
                " is not a directory");
  if (::access(dir.c_str(), W_OK) != 0)
    throw Error("cannot create " + kind + " " + in_quotes(path) + ": directory " +
                in_quotes(dir.string()) + " is not writable (" + std::strerror(errno) +
                "); choose another output path or fix its permissions");
}

// Opens an existing HDF5 file, checking first that it is there and is HDF5, and turning
// HDF5's failure into a message that says what is wrong. Call under a Lock.
hdf5::File open_existing(const std::string& path, unsigned flags, const std::string& kind) {
  std::error_code ec;
  const fs::path p(path);
  if (!fs::exists(p, ec))
    throw Error("cannot open " + kind + " " + in_quotes(path) + ": no such file");
  if (fs::is_directory(p, ec))
    throw Error("cannot open " + kind + " " + in_quotes(path) + ": it is a directory, not a file");
  if (::access(path.c_str(), (flags & H5F_ACC_RDWR) ? (R_OK | W_OK) : R_OK) != 0)
    throw Error("cannot open " + kind + " " + in_quotes(path) + ": " + std::strerror(errno));
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 < 0) hdf5::fail("cannot open " + kind + " " + in_quotes(path) + ": cannot read it");
  if (is_hdf5 == 0)
    throw Error("cannot open " + kind + " " + in_quotes(path) +
                ": it is not an HDF5 file (no HDF5 signature)");
  const hid_t id = H5Fopen(path.c_str(), flags, H5P_DEFAULT);
  if (id < 0) {
    const std::string detail = hdf5::error_detail();
    std::string why =
        "it is damaged or truncated (an HDF5 signature is there but its metadata "
        "cannot be read)";
    if (detail.find("unable to lock") != std::string::npos)
      why =
          "it is locked by another process that has it open for writing (an experiment still "
          "running?); wait for it to finish, or set HDF5_USE_FILE_LOCKING=FALSE to read it "
          "anyway at your own risk";
    else if (detail.find("already open") != std::string::npos)
      why = "it is already open in this process in an incompatible mode";
    throw Error("cannot open " + kind + " " + in_quotes(path) + ": " + why +
                (detail.empty() ? "" : " (HDF5: " + detail + ")"));
  }
  return hdf5::File(id);
}

std::string run_name(std::int64_t index) {
  if (index < 0)
    throw Error("run index " + std::to_string(index) + " is negative; run indices start at 0");
  std::string digits = std::to_string(index);
  if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
  return digits;
}

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// ---- the columns of each run table --------------------------------------------------

// Each table's columns in file order, as f(name, column, width): width 0 for a 1-D column,
// else the row width of a 2-D one. One list per table serves the validation before
// writing, the writer and the reader, so the three cannot disagree. The first column is
// the reference the others' row counts are checked against. The steps table's `env`
// column is not listed: it may be empty in memory (every row copy 0) and is absent from
// format 1 files, so each of the three handles it on its own.
constexpr auto episode_columns = [](auto& t, auto&& f) {
  f("return", t.returns, 0);
  f("length", t.lengths, 0);
  f("end_step", t.end_steps, 0);
  f("terminated", t.terminated, 0);
  f("truncated", t.truncated, 0);
  f("success", t.success, 0);
};

constexpr auto step_columns = [](auto& t, auto&& f) {
  f("reward", t.reward, 0);
  f("episode", t.episode, 0);
  f("t", t.t, 0);
  if (t.obs_discrete)
    f("obs_index", t.obs_index, 0);
  else
    f("obs", t.obs, static_cast<hsize_t>(t.obs_dim));
  if (t.action_discrete)
    f("action_index", t.action_index, 0);
  else
    f("action", t.action, static_cast<hsize_t>(t.action_dim));
  f("terminated", t.terminated, 0);
  f("truncated", t.truncated, 0);
  f("probability", t.probability, 0);
  f("log_prob", t.log_prob, 0);
};

constexpr auto regret_columns = [](auto& t, auto&& f) {
  f("step", t.step, 0);
  f("pseudo_regret", t.pseudo_regret, 0);
  f("realised_regret", t.realised_regret, 0);
};

constexpr auto eval_columns = [](auto& t, auto&& f) {
  f("step", t.step, 0);
  f("return", t.returns, 0);
  f("length", t.lengths, 0);
};

// Rows of a column of the given width (0: 1-D).
template <class T>
std::size_t rows_of(const std::vector<T>& column, hsize_t width) {
  return width == 0 ? column.size() : column.size() / static_cast<std::size_t>(width);
}

// Encodes every column that `columns` lists for table t, appending to `out`.
template <class Table, class Columns>
void encode_table(const Table& t, Columns columns, EncodedTable& out, Deflate how,
                  ChunkEncoder& enc) {
  columns(t, [&](const char* name, const auto& column, hsize_t width) {
    using T = typename std::decay_t<decltype(column)>::value_type;
    encode_column(out.next(), name, std::span<const T>(column), width, how, enc);
  });
}

void write_encoded_table(hid_t group, const EncodedTable& columns, const std::string& where,
                         WriteKit& kit) {
  for (const EncodedColumn& c : columns) write_encoded(group, c, where, kit);
}

// Reads every column that `columns` lists for table t from `group` (path `where`, table
// name `table` in messages), checking that all have the first column's row count.
template <class Table, class Columns>
void read_table(hid_t group, Table& t, Columns columns, const std::string& table,
                const std::string& where, const ReadLimits& lim) {
  std::string ref;
  std::size_t ref_rows = 0;
  columns(t, [&](const char* name, auto& column, hsize_t width) {
    using T = typename std::decay_t<decltype(column)>::value_type;
    column = read_column<T>(group, name, width, where, lim);
    const std::size_t rows = rows_of(column, width);
    if (ref.empty()) {
      ref = table + "/" + name;
      ref_rows = rows;
    } else if (rows != ref_rows) {
      throw Error(where + ": dataset " + table + "/" + name + " has " + std::to_string(rows) +
                  " rows but " + ref + " has " + std::to_string(ref_rows) +
                  ": the file is damaged");
    }
  });
}

// ---- experiment-wide tables (format 3) ---------------------------------------------

// The rows of /run_table, as columns.
struct RunRows {
  std::vector<std::int64_t> run_index, group, seed_index;
  std::vector<std::uint64_t> env_seed, agent_seed;
  std::vector<std::int64_t> total_steps;
  std::vector<double> seconds;
  std::size_t size() const { return run_index.size(); }
};

constexpr auto run_table_columns = [](auto& t, auto&& f) {
  f("run_index", t.run_index, 0);
  f("group", t.group, 0);
  f("seed_index", t.seed_index, 0);
  f("env_seed", t.env_seed, 0);
  f("agent_seed", t.agent_seed, 0);
  f("total_steps", t.total_steps, 0);
  f("seconds", t.seconds, 0);
};

// A table of every run's rows (episodes, regret or eval): the `run` column, then the
// table's own columns.
template <class Table>
struct Rows {
  std::vector<std::int64_t> run;
  Table t;
  std::size_t size() const { return run.size(); }
};

template <class Columns>
constexpr auto with_run(Columns columns) {
  return [columns](auto& rows, auto&& f) {
    f("run", rows.run, 0);
    columns(rows.t, f);
  };
}

// Appends rows [start, start + count) of `from` to `to`, column by column (1-D columns).
template <class Table, class Columns>
void append_rows(Table& to, const Table& from, Columns columns, std::size_t start,
                 std::size_t count) {
  std::array<const void*, 16> source{};
  std::size_t k = 0;
  columns(from, [&](const char*, const auto& column, hsize_t) { source.at(k++) = &column; });
  k = 0;
  columns(to, [&](const char*, auto& column, hsize_t) {
    using V = std::decay_t<decltype(column)>;
    const V& src = *static_cast<const V*>(source.at(k++));
    column.insert(column.end(), src.begin() + static_cast<std::ptrdiff_t>(start),
                  src.begin() + static_cast<std::ptrdiff_t>(start + count));
  });
}

// Bytes of one row of a table (for the writer's bound on rows held in memory).
template <class Table, class Columns>
std::size_t row_bytes(Columns columns) {
  Table t;
  std::size_t bytes = 0;
  columns(t, [&](const char*, auto& column, hsize_t) {
    bytes += sizeof(typename std::decay_t<decltype(column)>::value_type);
  });
  return bytes;
}

// Rows per chunk of the experiment-wide tables. An uncompressed chunk takes its whole size
// in the file as soon as one row is in it, so small chunks keep a small experiment's file
// small; larger ones give a long table fewer chunks to index. Episodes and regret
// checkpoints: 4096 rows (32 KiB of a float64 column; a 1,000 x 1,000-episode sweep has 245
// chunks per column). Runs and evaluation episodes, fewer per experiment: 1024 rows. A new
// file's tables take about 0.2 MB once they hold a row.
constexpr hsize_t kRunTableChunkRows = 1024;
constexpr hsize_t kEpisodeChunkRows = 4096;
constexpr hsize_t kRegretChunkRows = 4096;
constexpr hsize_t kEvalChunkRows = 1024;

// The length of the 1-D dataset ds (`what` in messages); a dataset of another rank is damage.
hsize_t column_length(hid_t ds, const std::string& what) {
  hdf5::Dataspace space(H5Dget_space(ds), "cannot read the dataspace of " + what);
  hsize_t dims[1] = {0};
  if (H5Sget_simple_extent_ndims(space.get()) != 1 ||
      H5Sget_simple_extent_dims(space.get(), dims, nullptr) < 0)
    throw Error(what + " is not a 1-D column: the file is damaged");
  return dims[0];
}

// Rows [start, start + count) of the 1-D dataset ds, read as T (HDF5 converts the stored
// type); the caller has checked that the rows exist.
template <class T>
std::vector<T> read_rows(hid_t ds, hsize_t start, hsize_t count, const std::string& what) {
  std::vector<T> out(static_cast<std::size_t>(count));
  if (count == 0) return out;
  hdf5::Dataspace space(H5Dget_space(ds), "cannot read the dataspace of " + what);
  check_status(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr),
               "cannot select rows of " + what);
  hdf5::Dataspace memory(H5Screate_simple(1, &count, nullptr),
                         "cannot create a dataspace for " + what);
  check_status(H5Dread(ds, H5Type<T>::mem(), memory.get(), space.get(), H5P_DEFAULT, out.data()),
               "cannot read " + what + " (the file may be damaged)");
  return out;
}

// An experiment-wide table open for appending: its column datasets in column-list order,
// and the rows each holds in the file.
struct TableFile {
  std::string where;  // quoted file name and /name, for messages
  std::vector<hdf5::Dataset> columns;
  std::vector<std::string> names;
  std::vector<hsize_t> column_rows;
  hsize_t rows = 0;  // the fewest rows of any column (all equal unless a flush was cut)
  void reset() {
    columns.clear();
    names.clear();
    column_rows.clear();
  }
};

// Creates group `name` of `file` holding one empty, extendible, chunked and uncompressed
// dataset per column of table type Table. Uncompressed: deflate at any level costs more
// than a short run (BENCHMARKS.md, "Sweeps and logging overhead").
template <class Table, class Columns>
void create_table(hid_t file, const std::string& name, Columns columns, hsize_t chunk_rows,
                  const std::string& path, hid_t gcpl) {
  const std::string where = in_quotes(path) + " /" + name;
  hdf5::Group g(H5Gcreate2(file, name.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT),
                "cannot create group " + where);
  hdf5::PropList dcpl(H5Pcreate(H5P_DATASET_CREATE), "cannot create properties for " + where);
  const hsize_t chunk[1] = {chunk_rows};
  check_status(H5Pset_chunk(dcpl.get(), 1, chunk), "cannot set chunking of " + where);
  check_status(H5Pset_obj_track_times(dcpl.get(), false), "cannot set the time stamps of " + where);
  const hsize_t dims[1] = {0};
  const hsize_t maxdims[1] = {H5S_UNLIMITED};
  hdf5::Dataspace space(H5Screate_simple(1, dims, maxdims),
                        "cannot create the dataspace of " + where);
  Table empty;
  columns(empty, [&](const char* col, auto& column, hsize_t) {
    using T = typename std::decay_t<decltype(column)>::value_type;
    hdf5::Dataset ds(H5Dcreate2(g.get(), col, H5Type<T>::file(), space.get(), H5P_DEFAULT,
                                dcpl.get(), H5P_DEFAULT),
                     "cannot create dataset " + where + "/" + col);
  });
}

// Opens the table group `name` of `file` for appending. Throws naming the file when the
// group or a column is missing or a column is not 1-D (the file is damaged).
template <class Table, class Columns>
TableFile open_table(hid_t file, const std::string& name, Columns columns,
                     const std::string& path) {
  TableFile out;
  out.where = in_quotes(path) + " /" + name;
  hdf5::Group g = open_group(file, name, in_quotes(path));
  // No chunk cache: an append then writes its rows to the file at once (uncompressed
  // chunks are written in place, only the rows selected), so the raw data are on disk
  // before the flush writes the metadata that refer to them (see reserve_file_space).
  hdf5::PropList dapl(H5Pcreate(H5P_DATASET_ACCESS), "cannot create properties for " + out.where);
  check_status(H5Pset_chunk_cache(dapl.get(), 0, 0, 1.0),
               "cannot set the chunk cache of " + out.where);
  Table empty;
  bool first = true;
  columns(empty, [&](const char* col, auto&, hsize_t) {
    const std::string what = "dataset " + out.where + "/" + col;
    if (!link_exists(g.get(), col, what))
      throw Error(out.where + " has no dataset '" + col + "': the file is damaged");
    hdf5::Dataset ds(H5Dopen2(g.get(), col, dapl.get()), "cannot open " + what);
    const hsize_t rows = column_length(ds.get(), what);
    out.rows = first ? rows : std::min(out.rows, rows);
    first = false;
    out.columns.push_back(std::move(ds));
    out.names.emplace_back(col);
    out.column_rows.push_back(rows);
  });
  return out;
}

// Sets every column of `tf` to `rows` rows (fewer: drops rows; resume only).
void truncate_table(TableFile& tf, hsize_t rows) {
  for (std::size_t k = 0; k < tf.columns.size(); ++k) {
    if (tf.column_rows[k] == rows) continue;
    check_status(H5Dset_extent(tf.columns[k].get(), &rows),
                 "cannot truncate dataset " + tf.where + "/" + tf.names[k]);
    tf.column_rows[k] = rows;
  }
  tf.rows = rows;
}

// Appends the rows of `rows` to the table's datasets in the file.
template <class Table, class Columns>
void append_to_file(TableFile& tf, const Table& rows, Columns columns) {
  const hsize_t n = rows.size();
  if (n == 0) return;
  const hsize_t start = tf.rows, total = tf.rows + n;
  hdf5::Dataspace memory(H5Screate_simple(1, &n, nullptr),
                         "cannot create a dataspace for " + tf.where);
  std::size_t k = 0;
  columns(rows, [&](const char*, const auto& column, hsize_t) {
    using T = typename std::decay_t<decltype(column)>::value_type;
    const hid_t ds = tf.columns.at(k).get();
    const std::string& name = tf.names[k++];
    check_status(H5Dset_extent(ds, &total), "cannot extend dataset " + tf.where + "/" + name);
    hdf5::Dataspace space(H5Dget_space(ds), "cannot read the dataspace of " + tf.where);
    check_status(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &start, nullptr, &n, nullptr),
                 "cannot select rows of " + tf.where + "/" + name);
    check_status(
        H5Dwrite(ds, H5Type<T>::mem(), memory.get(), space.get(), H5P_DEFAULT, column.data()),
        "cannot write dataset " + tf.where + "/" + name);
  });
  tf.rows = total;
  std::fill(tf.column_rows.begin(), tf.column_rows.end(), total);
}

// ---- validation of a RunResult before anything is written ----------------------------

void require_rows(std::size_t got, std::size_t want, const std::string& run,
                  const std::string& column, const std::string& reference) {
  if (got != want)
    throw Error("cannot write run " + run + ": column " + column + " has " + std::to_string(got) +
                " values but " + reference + " implies " + std::to_string(want));
}

// Every column `columns` lists for table t has the row count of the first one (a 2-D
// column: rows x width values).
template <class Table, class Columns>
void validate_table(const Table& t, Columns columns, const std::string& table,
                    const std::string& run) {
  std::string ref;
  std::size_t ref_rows = 0;
  columns(t, [&](const char* name, const auto& column, hsize_t width) {
    if (ref.empty()) {
      ref = table + "/" + name;
      ref_rows = column.size();
      return;
    }
    const std::size_t want = ref_rows * static_cast<std::size_t>(width == 0 ? 1 : width);
    require_rows(column.size(), want, run, table + "/" + name,
                 width == 0 ? ref : ref + " x " + std::to_string(width) + " columns");
  });
}

void validate(const RunResult& r, const std::string& run) {
  validate_table(r.episodes, episode_columns, "episodes", run);
  const StepTable& s = r.steps;
  const std::size_t ns = s.reward.size();
  if (ns > 0) {
    if (!s.obs_discrete && s.obs_dim < 1)
      throw Error("cannot write run " + run + ": steps obs_dim is " + std::to_string(s.obs_dim) +
                  ", expected >= 1 for a Box observation");
    if (!s.action_discrete && s.action_dim < 1)
      throw Error("cannot write run " + run + ": steps action_dim is " +
                  std::to_string(s.action_dim) + ", expected >= 1 for a Box action");
    validate_table(s, step_columns, "steps", run);
    if (!s.env.empty()) {
      require_rows(s.env.size(), ns, run, "steps/env", "steps/reward");
      for (std::int32_t e : s.env)
        if (e < 0)
          throw Error("cannot write run " + run + ": steps/env holds the env copy index " +
                      std::to_string(e) + ", expected >= 0");
    }
  }
  validate_table(r.regret, regret_columns, "regret", run);
  validate_table(r.evaluations, eval_columns, "eval", run);

  const DiagnosticsTable& d = r.diagnostics;
  if (d.names.empty() && d.size() > 0)
    throw Error("cannot write run " + run + ": the diagnostics table has " +
                std::to_string(d.size()) + " rows but no column names");
  require_rows(d.values.size(), d.size() * d.names.size(), run, "diagnostics values",
               "diagnostics step x column names");
  std::set<std::string> seen;
  for (const std::string& n : d.names) {
    if (n.empty() || n == "." || n == ".." || n == "step" || n.find('/') != std::string::npos)
      throw Error("cannot write run " + run + ": diagnostics column name " + in_quotes(n) +
                  " is not allowed (it must be non-empty, not \"step\", \".\" or \"..\", and "
                  "have no '/'); use names like \"loss\" or \"entropy\"");
    if (!seen.insert(n).second)
      throw Error("cannot write run " + run + ": diagnostics column " + in_quotes(n) +
                  " appears twice");
  }
}

// State-dict groups (defined with write_state_dict below).
void validate_state(const std::string& path, const std::string& group, const StateDict& state);
void write_state_group(hid_t loc, const std::string& group, const StateDict& state,
                       const std::string& where);
StateDict read_state_group(hid_t loc, const std::string& group, const std::string& where,
                           const ReadLimits& lim);
bool marked_complete(hid_t runs, const std::string& name);
herr_t collect_run_name(hid_t, const char* name, const H5L_info_t*, void* data);

// The run indices of the group /runs (names that are decimal integers), sorted.
std::vector<std::int64_t> list_runs(hid_t file, const std::string& path) {
  const std::string where = in_quotes(path) + " /runs";
  hdf5::Group runs(H5Gopen2(file, "runs", H5P_DEFAULT), "cannot open group " + where);
  std::vector<std::int64_t> out;
  hsize_t idx = 0;
  check_status(H5Literate(runs.get(), H5_INDEX_NAME, H5_ITER_INC, &idx, collect_run_name, &out),
               "cannot list the runs in group " + where);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// ExperimentWriter
// ---------------------------------------------------------------------------------------

struct ExperimentWriter::Impl {
  std::string path;
  hdf5::File file;
  bool broken = false;  // a write to the file failed: never touch it again
  std::string broken_reason;
  std::vector<std::int64_t> removed;
  // Batched flushes (see the header): `dirty` when runs were written since the last flush.
  double flush_seconds = 1.0;
  bool dirty = false;
  std::chrono::steady_clock::time_point last_flush = std::chrono::steady_clock::now();
  // The flusher thread: flushes `dirty` files flush_seconds after the last flush, so a run
  // reaches the disk within about flush_seconds even when no other run follows it soon.
  std::thread flusher;
  std::mutex flusher_mutex;  // guards `stopping` (HDF5 state is guarded by hdf5::Lock)
  std::condition_variable flusher_wake;
  bool stopping = false;
  // The open groups /runs and /groups, the run indices in the file (filled when it is
  // opened, so that a repeated index is refused without asking HDF5), the run groups by
  // their `group` text, and the reused property lists.
  hdf5::Group runs, groups;
  std::unordered_set<std::int64_t> written;
  std::unordered_map<std::string, std::int64_t> group_ids;
  std::int64_t next_group = 0;
  WriteKit kit;
  // The experiment-wide tables, and the rows written to them since the last flush: they
  // are held here and appended to the file at the flush (one append per column instead of
  // one per run), or earlier when they pass kMaxPendingBytes.
  TableFile run_table, episodes, regret, eval;
  RunRows pending_runs;
  Rows<EpisodeTable> pending_episodes;
  Rows<RegretCurve> pending_regret;
  Rows<EvalTable> pending_eval;
  std::size_t pending_bytes = 0;

  // Opens /runs, /groups and the tables of the open file (after creating or reopening it).
  void open_objects();
  // Appends the pending rows to the tables in the file. Under a Lock.
  void write_pending();
  // Flushes if runs were written since the last flush. Call under an hdf5::Lock. A failure
  // marks the writer broken (the file is not touched again) and throws.
  void flush_now();
  // True when the metadata cache holds more than kMaxMetadataCacheBytes. Under a Lock.
  bool cache_full();
  void start_flusher();
  void stop_flusher();
  // Reopens the rlsim run file `path` for appending runs: fills `written` and the group
  // ids, drops what the last flush did not finish (table rows and /runs members of runs
  // not in run_table) and lists those runs in `removed`.
  void open_for_append();
  // Closes the open objects and the file (under a Lock): the objects first, else HDF5
  // would keep the file open until they are closed.
  bool close_file() {
    for (TableFile* t : {&run_table, &episodes, &regret, &eval}) t->reset();
    if (!groups.reset() || !runs.reset()) return false;
    return file.reset();
  }
  ~Impl() {
    stop_flusher();
    hdf5::Lock lock;
    kit.reset();
    if (!broken && file) {
      try {
        write_pending();
        reserve_file_space(file.get(), path);
      } catch (const Error&) {
        broken = true;  // leave the file as the last flush left it
      }
    }
    if (broken) {
      for (TableFile* t : {&run_table, &episodes, &regret, &eval})
        for (hdf5::Dataset& d : t->columns) d.release();
      groups.release();  // closing would flush metadata that may not fit any more
      runs.release();
      file.release();
    } else if (file) {
      // Closing flushes the runs written since the last flush.
      close_and_trim(file.get(), path, [&] { return close_file(); });
    }
  }
};

namespace {

// Keeps every modified metadata entry in HDF5's metadata cache until the next flush: with
// evictions off, the library writes metadata only when the file is flushed or closed, so
// between flushes the file on disk stays the last flushed, consistent state (raw data go
// to fresh file space, which that state does not refer to: see the file space strategy).
// HDF5 allows evictions off only with automatic cache resizing off (H5ACpublic.h,
// H5AC_cache_config_t::evictions_enabled). The cache then holds the metadata of the runs
// written since the file was opened; that is a few KiB per run.
void hold_metadata_until_flush(hid_t file, const std::string& path) {
  const std::string what = "the metadata cache settings of run file " + in_quotes(path);
  H5AC_cache_config_t config;
  std::memset(&config, 0, sizeof config);
  config.version = H5AC__CURR_CACHE_CONFIG_VERSION;
  check_status(H5Fget_mdc_config(file, &config), "cannot read " + what);
  config.evictions_enabled = 0;
  config.incr_mode = H5C_incr__off;
  config.flash_incr_mode = H5C_flash_incr__off;
  config.decr_mode = H5C_decr__off;
  check_status(H5Fset_mdc_config(file, &config), "cannot set " + what);
}

// File access with the HDF5 1.8 object formats (checksummed metadata; see the constructor).
hdf5::PropList v18_file_access(const std::string& where) {
  hdf5::PropList fapl(H5Pcreate(H5P_FILE_ACCESS), "cannot create properties for " + where);
  check_status(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST),
               "cannot set the format bounds of " + where);
  return fapl;
}

// The metadata cache size (as HDF5 counts it) above which the writer flushes and reopens
// the file.
constexpr std::size_t kMaxMetadataCacheBytes = 4u << 20;
// Bytes of table rows the writer holds before appending them to the file without waiting
// for the flush (about 1.9 M episode rows).
constexpr std::size_t kMaxPendingBytes = 1u << 20;

// The flush interval: RLSIM_FLUSH_SECONDS (a number >= 0; 0 flushes after every run) or 1 s.
double flush_interval_from_env() {
  const char* text = std::getenv("RLSIM_FLUSH_SECONDS");
  if (!text || !*text) return 1.0;
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(v >= 0) || v > 86400)
    throw Error("environment variable RLSIM_FLUSH_SECONDS is '" + std::string(text) +
                "': expected the seconds between flushes of the run file, a number from 0 (flush "
                "after every run) to 86400, such as 1 or 0.1");
  return v;
}

constexpr auto episode_rows = with_run(episode_columns);
constexpr auto regret_rows = with_run(regret_columns);
constexpr auto eval_rows = with_run(eval_columns);

}  // namespace

void ExperimentWriter::Impl::open_objects() {
  const hid_t f = file.get();
  runs = hdf5::Group(H5Gopen2(f, "runs", H5P_DEFAULT),
                     "cannot open group " + in_quotes(path) + " /runs");
  groups = hdf5::Group(H5Gopen2(f, "groups", H5P_DEFAULT),
                       "cannot open group " + in_quotes(path) + " /groups");
  run_table = open_table<RunRows>(f, "run_table", run_table_columns, path);
  episodes = open_table<Rows<EpisodeTable>>(f, "episodes", episode_rows, path);
  regret = open_table<Rows<RegretCurve>>(f, "regret", regret_rows, path);
  eval = open_table<Rows<EvalTable>>(f, "eval", eval_rows, path);
}

void ExperimentWriter::Impl::write_pending() {
  if (pending_runs.size() == 0) return;
  // The run table last: a reader that finds a run there finds its rows in the others.
  append_to_file(episodes, pending_episodes, episode_rows);
  append_to_file(regret, pending_regret, regret_rows);
  append_to_file(eval, pending_eval, eval_rows);
  append_to_file(run_table, pending_runs, run_table_columns);
  auto clear = [](auto& t, auto columns) {
    columns(t, [](const char*, auto& column, hsize_t) { column.clear(); });
  };
  clear(pending_runs, run_table_columns);
  clear(pending_episodes, episode_rows);
  clear(pending_regret, regret_rows);
  clear(pending_eval, eval_rows);
  pending_bytes = 0;
}

void ExperimentWriter::Impl::flush_now() {
  if (!dirty || broken || !file) return;
  try {
    write_pending();
    reserve_file_space(file.get(), path);
    flush_file(file.get(), path);
  } catch (const Error& e) {
    broken = true;
    broken_reason = e.what();
    throw;
  }
  dirty = false;
  last_flush = std::chrono::steady_clock::now();
  // With evictions off the cache keeps every entry it has read or written, clean or not.
  // Closing and reopening the file empties it; right after a flush nothing is lost, and
  // the file on disk is unchanged.
  if (!cache_full()) return;
  try {
    if (!close_file()) hdf5::fail("cannot close run file " + in_quotes(path));
    hdf5::PropList fapl = v18_file_access("run file " + in_quotes(path));
    file = hdf5::File(H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.get()),
                      "cannot reopen run file " + in_quotes(path));
    hold_metadata_until_flush(file.get(), path);
    open_objects();
  } catch (const Error& e) {
    broken = true;
    broken_reason = e.what();
    throw;
  }
}

bool ExperimentWriter::Impl::cache_full() {
  std::size_t max_size = 0, min_clean = 0, cur_size = 0;
  int entries = 0;
  if (H5Fget_mdc_size(file.get(), &max_size, &min_clean, &cur_size, &entries) < 0) {
    hdf5::error_detail();  // the size is advisory: keep going
    return false;
  }
  return cur_size >= kMaxMetadataCacheBytes;
}

void ExperimentWriter::Impl::start_flusher() {
  if (flush_seconds <= 0) return;  // every write_run flushes
  flusher = std::thread([this] {
    const auto interval = std::chrono::duration<double>(flush_seconds);
    std::unique_lock<std::mutex> guard(flusher_mutex);
    while (!stopping) {
      // A quarter interval between looks: a run reaches the disk within 1.25 intervals.
      flusher_wake.wait_for(guard, interval / 4);
      if (stopping) break;
      guard.unlock();
      {
        hdf5::Lock lock;
        if (dirty && std::chrono::steady_clock::now() - last_flush >= interval) {
          try {
            flush_now();
          } catch (const Error&) {
            // Recorded in broken_reason; the next write_run or finish reports it.
          }
        }
      }
      guard.lock();
    }
  });
}

void ExperimentWriter::Impl::stop_flusher() {
  if (!flusher.joinable()) return;
  {
    std::lock_guard<std::mutex> guard(flusher_mutex);
    stopping = true;
  }
  flusher_wake.notify_all();
  flusher.join();
}

namespace {

// Adds each link name of a group to the std::unordered_set<std::string> `data`.
herr_t collect_link_name(hid_t, const char* name, const H5L_info_t*, void* data) {
  try {
    static_cast<std::unordered_set<std::string>*>(data)->insert(name);
  } catch (...) {
    return -1;
  }
  return 0;
}

// The link names of group `name` of loc.
std::unordered_set<std::string> link_names(hid_t loc, const char* name, const std::string& where) {
  hdf5::Group g(H5Gopen2(loc, name, H5P_DEFAULT), "cannot open group " + where);
  std::unordered_set<std::string> out;
  hsize_t idx = 0;
  check_status(H5Literate(g.get(), H5_INDEX_NAME, H5_ITER_INC, &idx, collect_link_name, &out),
               "cannot list the members of group " + where);
  return out;
}

// A member name that is a decimal number (a run or group index), or -1.
std::int64_t index_of_name(const std::string& s) {
  if (s.empty() || s.size() > 18 ||
      !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return -1;
  return std::stoll(s);
}

constexpr const char* kFormat3Groups[] = {"run_table", "groups", "episodes",
                                          "regret",    "eval",   "runs"};

// The first `rows` values of a 1-D dataset, as int64.
std::vector<std::int64_t> read_first_rows(hid_t ds, hsize_t rows, const std::string& what,
                                          const ReadLimits& lim) {
  if (rows > lim.max_bytes / sizeof(std::int64_t))
    throw Error(what + " claims " + std::to_string(rows) +
                " rows, more than the file can hold: the file is damaged");
  return read_rows<std::int64_t>(ds, 0, rows, what);
}

// Shortens an experiment-wide table (its `run` column first) to the rows of runs in `runs`:
// drops the rows of runs a killed writer had not flushed, and evens out columns a kill
// during a flush left of different lengths. Such rows can only be at the end; the runs
// they belong to are added to `dropped`.
void drop_unlisted_rows(TableFile& tf, const std::unordered_set<std::int64_t>& runs,
                        std::set<std::int64_t>& dropped, const ReadLimits& lim) {
  const std::vector<std::int64_t> run =
      read_first_rows(tf.columns.at(0).get(), tf.rows, "dataset " + tf.where + "/run", lim);
  std::size_t keep = 0;
  while (keep < run.size() && runs.count(run[keep]) > 0) ++keep;
  for (std::size_t i = keep; i < run.size(); ++i) {
    if (runs.count(run[i]) > 0)
      throw Error("cannot append to " + tf.where + ": its row " + std::to_string(i) +
                  " belongs to run " + std::to_string(run[i]) + ", after rows of run " +
                  std::to_string(run[keep]) +
                  " which run_table does not list: the file is damaged");
    dropped.insert(run[i]);
  }
  truncate_table(tf, keep);
}

}  // namespace

void ExperimentWriter::Impl::open_for_append() {
  const std::string where = "run file " + in_quotes(path);
  file = open_existing(path, H5F_ACC_RDWR, "run file");
  const hid_t f = file.get();
  if (!has_attr(f, "rlsim_format_version", where))
    throw Error("cannot append to " + where +
                ": it is an HDF5 file but not an rlsim run file (no root attribute "
                "rlsim_format_version)");
  const auto version = read_attr<std::int32_t>(f, "rlsim_format_version", where);
  if (version != kLogFormatVersion)
    throw Error("cannot append to " + where + ": its rlsim_format_version is " +
                std::to_string(version) + " but this rlsim writes version " +
                std::to_string(kLogFormatVersion) +
                (version < kLogFormatVersion
                     ? " (it can still read the file); resume it with the rlsim that started "
                       "it, or start the experiment again in a new file"
                     : "; use a newer rlsim"));
  for (const char* g : kFormat3Groups)
    if (!link_exists(f, g, where + " /" + g))
      throw Error("cannot append to " + where + ": it has no group /" + g +
                  " (the file is damaged)");
  const ReadLimits lim = limits_for(f);
  open_objects();
  truncate_table(run_table, run_table.rows);
  for (std::int64_t i : read_first_rows(run_table.columns.at(0).get(), run_table.rows,
                                        "dataset " + run_table.where + "/run_index", lim))
    if (!written.insert(i).second)
      throw Error("cannot append to " + where + ": its run_table lists run " + std::to_string(i) +
                  " twice: the file is damaged");
  std::set<std::int64_t> dropped;
  for (TableFile* t : {&episodes, &regret, &eval}) drop_unlisted_rows(*t, written, dropped, lim);
  for (const std::string& name : link_names(f, "groups", where + " /groups")) {
    const std::int64_t id = index_of_name(name);
    const std::string w = where + " /groups/" + name;
    if (id < 0)
      throw Error("cannot append to " + where + ": /groups holds '" + name +
                  "', which is not a group number: the file is damaged");
    hdf5::Group g(H5Gopen2(groups.get(), name.c_str(), H5P_DEFAULT), "cannot open group " + w);
    group_ids.emplace(read_attr_string(g.get(), "group", w, false), id);
    next_group = std::max(next_group, id + 1);
  }
  for (const std::string& name : link_names(f, "runs", where + " /runs")) {
    const std::int64_t i = index_of_name(name);
    if (i < 0 || written.count(i) > 0) continue;
    check_status(H5Ldelete(runs.get(), name.c_str(), H5P_DEFAULT),
                 "cannot delete the unfinished run group " + in_quotes(path) + " /runs/" + name);
    dropped.insert(i);
  }
  removed.assign(dropped.begin(), dropped.end());
  write_attr<std::int32_t>(f, "complete", 0, where);
  flush_file(f, path);
  hold_metadata_until_flush(f, path);
}

ExperimentWriter::ExperimentWriter(const std::string& path, const ExperimentMeta& meta,
                                   WriteMode mode)
    : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->flush_seconds = flush_interval_from_env();
  if (mode == WriteMode::append) {
    {
      hdf5::Lock lock;
      impl_->kit.init("run file " + in_quotes(path));
      impl_->open_for_append();
    }
    impl_->start_flusher();
    return;
  }
  check_output_location(path, "run file");
  hdf5::Lock lock;
  const std::string where = "run file " + in_quotes(path);
  // No reuse of freed file space: space that the last flushed state still refers to is then
  // never overwritten by a later write, which keeps a killed writer's file readable.
  hdf5::PropList fcpl(H5Pcreate(H5P_FILE_CREATE), "cannot create properties for " + where);
  check_status(H5Pset_file_space_strategy(fcpl.get(), H5F_FSPACE_STRATEGY_NONE, 0, 1),
               "cannot set the file space strategy of " + where);
  // Chunk index B-tree nodes of kChunkIndexK (HDF5's default 32 makes every dataset's
  // first node about 2 KiB, most of a small run's bytes; see kChunkIndexK).
  check_status(H5Pset_istore_k(fcpl.get(), kChunkIndexK),
               "cannot set the chunk index node size of " + where);
  // HDF5 1.8 object formats: their metadata (object headers, heaps, B-trees) carry
  // checksums, so a damaged file is reported as an error instead of being misread.
  hdf5::PropList fapl = v18_file_access(where);
  impl_->file = hdf5::File(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()),
                           "cannot create " + where);
  impl_->kit.init(where);
  const hid_t f = impl_->file.get();
  const hid_t gcpl = impl_->kit.gcpl.get();
  write_attr<std::int32_t>(f, "rlsim_format_version", kLogFormatVersion, where);
  write_attr_string(f, "rlsim_version", version(), where);
  write_attr_string(f, "git_commit", git_commit(), where);
  write_attr_string(f, "created", utc_now_iso8601(), where);
  write_attr_string(f, "command_line", meta.command_line, where);
  write_attr_string(f, "config", meta.config_text, where);
  write_attr<std::uint64_t>(f, "master_seed", meta.master_seed, where);
  write_attr<std::int64_t>(f, "planned_runs", meta.planned_runs, where);
  write_attr<std::int32_t>(f, "complete", 0, where);
  create_table<RunRows>(f, "run_table", run_table_columns, kRunTableChunkRows, path, gcpl);
  create_group(f, "groups", where + " /groups", gcpl);
  create_table<Rows<EpisodeTable>>(f, "episodes", episode_rows, kEpisodeChunkRows, path, gcpl);
  create_table<Rows<RegretCurve>>(f, "regret", regret_rows, kRegretChunkRows, path, gcpl);
  create_table<Rows<EvalTable>>(f, "eval", eval_rows, kEvalChunkRows, path, gcpl);
  create_group(f, "runs", where + " /runs", gcpl);
  flush_file(f, path);
  hold_metadata_until_flush(f, path);
  impl_->open_objects();
  impl_->start_flusher();
}

ExperimentWriter::~ExperimentWriter() = default;

const std::vector<std::int64_t>& ExperimentWriter::removed_runs() const {
  return impl_->removed;
}

const std::string& ExperimentWriter::path() const {
  return impl_->path;
}

void ExperimentWriter::write_run(const RunResult& run) {
  const std::string name = run_name(run.info.run_index);
  validate(run, name);
  if (run.has_agent_state) validate_state(path(), "/runs/" + name + "/agent", run.agent_state);
  const bool own_group =
      run.steps.size() > 0 || !run.diagnostics.names.empty() || run.has_agent_state;
  // Compression of the per-run tables first, on this thread and without the HDF5 lock
  // (see EncodedColumn), into this thread's reused buffers.
  RunEncoding& enc = thread_encoding();
  ChunkEncoder& ce = enc.encoder;
  for (EncodedTable* t : {&enc.steps, &enc.diagnostics}) t->clear();
  if (run.steps.size() > 0) {
    const StepTable& t = run.steps;
    std::span<const std::int32_t> env(t.env);
    if (t.env.empty()) {  // one env copy: every row is copy 0
      if (enc.zeros.size() < t.size()) enc.zeros.resize(t.size(), 0);
      env = std::span<const std::int32_t>(enc.zeros.data(), t.size());
    }
    encode_column(enc.steps.next(), "env", env, 0, kStepDeflate, ce);
    encode_table(t, step_columns, enc.steps, kStepDeflate, ce);
  }
  if (!run.diagnostics.names.empty()) {
    const DiagnosticsTable& d = run.diagnostics;
    encode_column(enc.diagnostics.next(), "step", std::span<const std::int64_t>(d.step), 0,
                  kTableDeflate, ce);
    const std::size_t cols = d.names.size();
    std::vector<double>& column = enc.column;
    column.resize(d.size());
    for (std::size_t c = 0; c < cols; ++c) {
      for (std::size_t row = 0; row < d.size(); ++row) column[row] = d.values[row * cols + c];
      encode_column(enc.diagnostics.next(), d.names[c].c_str(), std::span<const double>(column), 0,
                    kTableDeflate, ce);
    }
  }

  hdf5::Lock lock;
  Impl& w = *impl_;
  const std::string& path = w.path;
  const std::int64_t index = run.info.run_index;
  if (w.broken)
    throw Error("cannot write run " + name + " to " + in_quotes(path) +
                ": an earlier write to it failed (" + w.broken_reason + ")");
  if (!w.file)
    throw Error("cannot write run " + name + " to " + in_quotes(path) +
                ": the writer is already finished (finish() was called)");
  if (w.written.count(index) > 0)
    throw Error("cannot write run " + name + " to " + in_quotes(path) +
                ": it is already there (each run index is written once)");
  try {
    WriteKit& kit = w.kit;
    const hid_t scalar = kit.scalar.get();
    const hid_t gcpl = kit.gcpl.get();
    const RunInfo& info = run.info;
    // The run's group of runs: a new one gets /groups/G with its strings.
    auto [group, added] = w.group_ids.try_emplace(info.group, w.next_group);
    if (added) {
      ++w.next_group;
      const std::string gname = run_name(group->second);
      const std::string where = in_quotes(path) + " /groups/" + gname;
      hdf5::Group g = create_group(w.groups.get(), gname, where, gcpl);
      const hid_t gid = g.get();
      create_attr_string(gid, "env_id", info.env_id, where, scalar);
      create_attr_string(gid, "agent_id", info.agent_id, where, scalar);
      create_attr_string(gid, "env_params", info.env_params.to_text(), where, scalar);
      create_attr_string(gid, "agent_params", info.agent_params.to_text(), where, scalar);
      create_attr_string(gid, "group", info.group, where, scalar);
    }
    w.written.insert(index);
    if (own_group) {
      const std::string where = in_quotes(path) + " /runs/" + name;
      hdf5::Group g = create_group(w.runs.get(), name, where, gcpl);
      const hid_t gid = g.get();
      if (run.steps.size() > 0) {
        const std::string ws = where + "/steps";
        hdf5::Group s = create_group(gid, "steps", ws, gcpl);
        const StepTable& t = run.steps;
        create_attr<std::int32_t>(s.get(), "obs_discrete", t.obs_discrete ? 1 : 0, ws, scalar);
        create_attr<std::int32_t>(s.get(), "action_discrete", t.action_discrete ? 1 : 0, ws,
                                  scalar);
        create_attr<std::int32_t>(s.get(), "obs_dim", t.obs_discrete ? 1 : t.obs_dim, ws, scalar);
        create_attr<std::int32_t>(s.get(), "action_dim", t.action_discrete ? 1 : t.action_dim, ws,
                                  scalar);
        write_encoded_table(s.get(), enc.steps, ws, kit);
      }
      if (!run.diagnostics.names.empty()) {
        const std::string wd = where + "/diagnostics";
        hdf5::Group dg = create_group(gid, "diagnostics", wd, gcpl);
        write_attr_string_list(dg.get(), "columns", run.diagnostics.names, wd);
        write_encoded_table(dg.get(), enc.diagnostics, wd, kit);
      }
      if (run.has_agent_state) write_state_group(gid, "agent", run.agent_state, where + "/agent");
    }
    // The table rows: held until the flush appends them. The run's metadata, the new
    // extents of the tables included, stay in the metadata cache until the flush writes
    // them all (hold_metadata_until_flush), so the file on disk never holds a part of this
    // run: it has all of it or none of it.
    RunRows& r = w.pending_runs;
    r.run_index.push_back(index);
    r.group.push_back(group->second);
    r.seed_index.push_back(info.seed_index);
    r.env_seed.push_back(info.env_seed);
    r.agent_seed.push_back(info.agent_seed);
    r.total_steps.push_back(run.total_steps);
    r.seconds.push_back(run.seconds);
    auto add = [&](auto& rows, const auto& table, auto columns) {
      const std::size_t n = table.size();
      if (n == 0) return;
      rows.run.insert(rows.run.end(), n, index);
      append_rows(rows.t, table, columns, 0, n);
      using Rowed = std::decay_t<decltype(rows)>;
      static const std::size_t bytes = row_bytes<Rowed>(with_run(columns));
      w.pending_bytes += n * bytes;
    };
    add(w.pending_episodes, run.episodes, episode_columns);
    add(w.pending_regret, run.regret, regret_columns);
    add(w.pending_eval, run.evaluations, eval_columns);
    w.pending_bytes += 64;  // the run_table row, about 56 bytes
    w.dirty = true;
    if (w.pending_bytes >= kMaxPendingBytes) w.write_pending();
    if (w.flush_seconds <= 0 ||
        std::chrono::steady_clock::now() - w.last_flush >=
            std::chrono::duration<double>(w.flush_seconds) ||
        w.cache_full())
      w.flush_now();
  } catch (const std::exception& e) {
    // The file could not be written (disk full, file size limit, I/O error). Touching it
    // again (deleting the partial group, flushing, closing) could overwrite the state of
    // the last good flush, so the writer leaves it alone from now on: the runs flushed
    // before stay readable; this one and those written since the last flush are absent.
    w.broken = true;
    w.broken_reason = e.what();
    std::string free_space;
    std::error_code ec;
    const auto dir = std::filesystem::absolute(path, ec).parent_path();
    const auto info = std::filesystem::space(dir, ec);
    if (!ec) free_space = ", " + std::to_string(info.available / (1024 * 1024)) + " MiB free";
    throw Error("writing run " + name + " to run file " + in_quotes(path) + " failed: " + e.what() +
                " (disk full, file size limit or I/O error?" + free_space +
                "); the runs flushed to it before stay readable in the file");
  }
}

void ExperimentWriter::flush() {
  hdf5::Lock lock;
  if (impl_->broken)
    throw Error("cannot flush run file " + in_quotes(impl_->path) + ": an earlier write failed (" +
                impl_->broken_reason + ")");
  impl_->flush_now();
}

void ExperimentWriter::finish() {
  impl_->stop_flusher();  // before the lock: the flusher may be waiting for it
  hdf5::Lock lock;
  if (impl_->broken)
    throw Error("cannot finish run file " + in_quotes(impl_->path) + ": an earlier write failed (" +
                impl_->broken_reason + ")");
  if (!impl_->file) return;
  const std::string where = "run file " + in_quotes(impl_->path);
  try {
    impl_->write_pending();
    write_attr<std::int32_t>(impl_->file.get(), "complete", 1, where);
    reserve_file_space(impl_->file.get(), impl_->path);
    flush_file(impl_->file.get(), impl_->path);
  } catch (const Error& e) {
    impl_->broken = true;
    impl_->broken_reason = e.what();
    throw;
  }
  impl_->kit.reset();
  if (!close_and_trim(impl_->file.get(), impl_->path, [&] { return impl_->close_file(); }))
    hdf5::fail("cannot close " + where);
}

// ---------------------------------------------------------------------------------------
// ExperimentReader
// ---------------------------------------------------------------------------------------

namespace {

// True if the run group `name` has complete == 1; false when it does not or cannot be read.
bool marked_complete(hid_t runs, const std::string& name) {
  const hid_t id = H5Gopen2(runs, name.c_str(), H5P_DEFAULT);
  if (id < 0) {
    hdf5::error_detail();
    return false;
  }
  hdf5::Group g(id);
  try {
    return has_attr(g.get(), "complete", name) &&
           read_attr<std::int32_t>(g.get(), "complete", name) == 1;
  } catch (const Error&) {
    return false;
  }
}

StoredRun read_run_group(hid_t runs, const std::string& name, std::int64_t run_index,
                         bool with_steps, const std::string& where, const ReadLimits& lim);
void read_run_data(hid_t gid, StoredRun& r, bool with_steps, const std::string& where,
                   const ReadLimits& lim);

// A run group's strings (format 3: /groups/G).
struct GroupStrings {
  std::string env_id, agent_id, env_params, agent_params, group;
};

// Where each run's rows are in an experiment-wide table: run index -> (first row, rows).
using RowRanges = std::unordered_map<std::int64_t, std::pair<std::size_t, std::size_t>>;

// Checks the `run` column of a table (every run listed in run_table, each run's rows
// contiguous) and returns each run's rows. Rows after the last row of a listed run that
// belong to runs run_table does not list are not part of the table: a kill during a flush
// can leave them (resume drops them); unlisted rows before it mean damage.
RowRanges index_rows(const std::vector<std::int64_t>& run,
                     const std::unordered_map<std::int64_t, std::size_t>& listed,
                     const std::string& where) {
  RowRanges out;
  std::size_t end = run.size();
  while (end > 0 && listed.count(run[end - 1]) == 0) --end;
  for (std::size_t i = 0; i < end; ++i) {
    const std::int64_t r = run[i];
    if (i > 0 && run[i - 1] == r) {
      ++out[r].second;
      continue;
    }
    if (listed.count(r) == 0)
      throw Error(where + ": row " + std::to_string(i) + " belongs to run " + std::to_string(r) +
                  ", which run_table does not list: the file is damaged");
    if (!out.emplace(r, std::make_pair(i, std::size_t{1})).second)
      throw Error(where + ": the rows of run " + std::to_string(r) +
                  " are not contiguous (again at row " + std::to_string(i) +
                  "): the file is damaged");
  }
  return out;
}

}  // namespace

// An experiment-wide table as the reader holds it: where each run's rows are, and the
// whole table when it is at most max_cached_rows long (else rows are read run by run).
template <class Table>
struct TableCache {
  RowRanges ranges;
  bool whole = false;
  Rows<Table> rows;
};

// The number of rows of the 1-D column `name` of group (path `where`).
hsize_t column_rows(hid_t group, const char* name, const std::string& where) {
  const std::string what = "dataset " + where + "/" + name;
  if (!link_exists(group, name, what)) throw Error(where + " has no dataset '" + name + "'");
  hdf5::Dataset ds(H5Dopen2(group, name, H5P_DEFAULT), "cannot open " + what);
  return column_length(ds.get(), what);
}

// Rows [start, start + count) of the 1-D column `name` of group, converted to T (whose
// type class the stored type must have).
template <class T>
std::vector<T> read_column_rows(hid_t group, const char* name, hsize_t start, hsize_t count,
                                const std::string& where) {
  const std::string what = "dataset " + where + "/" + name;
  hdf5::Dataset ds(H5Dopen2(group, name, H5P_DEFAULT), "cannot open " + what);
  hdf5::Datatype type(H5Dget_type(ds.get()), "cannot read the type of " + what);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5Type<T>::cls)
    throw Error(what + " is of " + class_name(cls) + " type, expected " + H5Type<T>::name);
  if (start + count > column_length(ds.get(), what))
    throw Error(what + " does not have rows " + std::to_string(start) + " to " +
                std::to_string(start + count) + ": the file is damaged");
  return read_rows<T>(ds.get(), start, count, what);
}

struct ExperimentReader::Impl {
  std::string path;
  hdf5::File file;
  ExperimentMeta meta;
  ReadLimits limits;
  // Format 3: the run table and the groups, read when the file is opened; the other
  // experiment-wide tables, read at the first read_run.
  RunRows run_table;
  std::unordered_map<std::int64_t, std::size_t> row_of;  // run index -> run_table row
  std::map<std::int64_t, GroupStrings> groups;
  bool tables_read = false;
  std::size_t max_cached_rows = kReaderCachedRows;
  TableCache<EpisodeTable> episodes;
  TableCache<RegretCurve> regret;
  TableCache<EvalTable> eval;

  void open_format3();
  void read_tables();
  ~Impl() {
    hdf5::Lock lock;
    file.reset();
  }
};

void ExperimentReader::Impl::open_format3() {
  const hid_t f = file.get();
  const std::string where = in_quotes(path);
  for (const char* g : kFormat3Groups)
    if (!link_exists(f, g, where + " /" + g))
      throw Error("cannot open run file " + where + ": it has no group /" + g +
                  " (the file is damaged)");
  {
    hdf5::Group g = open_group(f, "run_table", where);
    read_table(g.get(), run_table, run_table_columns, "run_table", where, limits);
  }
  for (const std::string& name : link_names(f, "groups", where + " /groups")) {
    const std::string w = where + " /groups/" + name;
    const std::int64_t id = index_of_name(name);
    if (id < 0)
      throw Error(where + " /groups holds '" + name +
                  "', which is not a group number: the file is damaged");
    hdf5::Group g = open_group(f, "groups/" + name, where);
    GroupStrings s;
    s.env_id = read_attr_string(g.get(), "env_id", w, false);
    s.agent_id = read_attr_string(g.get(), "agent_id", w, false);
    s.env_params = read_attr_string(g.get(), "env_params", w, false);
    s.agent_params = read_attr_string(g.get(), "agent_params", w, false);
    s.group = read_attr_string(g.get(), "group", w, false);
    groups.emplace(id, std::move(s));
  }
  for (std::size_t row = 0; row < run_table.size(); ++row) {
    const std::int64_t i = run_table.run_index[row];
    const std::string w = where + " /run_table row " + std::to_string(row);
    if (i < 0)
      throw Error(w + " has run_index " + std::to_string(i) +
                  ", expected >= 0: the file is damaged");
    if (!row_of.emplace(i, row).second)
      throw Error(w + " repeats run_index " + std::to_string(i) + ": the file is damaged");
    if (groups.count(run_table.group[row]) == 0)
      throw Error(w + " (run " + std::to_string(i) + ") has group " +
                  std::to_string(run_table.group[row]) +
                  ", which /groups does not hold: the file is damaged");
    if (run_table.total_steps[row] < 0)
      throw Error(w + " (run " + std::to_string(i) + ") has total_steps " +
                  std::to_string(run_table.total_steps[row]) +
                  ", expected >= 0: the file is damaged");
  }
}

void ExperimentReader::Impl::read_tables() {
  if (tables_read) return;
  const hid_t f = file.get();
  const std::string where = in_quotes(path);
  auto read = [&](const char* name, auto& cache, auto columns) {
    hdf5::Group g = open_group(f, name, where);
    const std::string w = where + " /" + name;
    const std::vector<std::int64_t> run = read_column<std::int64_t>(g.get(), "run", 0, w, limits);
    cache.ranges = index_rows(run, row_of, w);
    if (run.size() <= max_cached_rows) {
      read_table(g.get(), cache.rows, columns, name, w, limits);
      cache.whole = true;
      return;
    }
    columns(cache.rows, [&](const char* col, auto&, hsize_t) {
      const hsize_t rows = column_rows(g.get(), col, w);
      if (rows != run.size())
        throw Error(w + ": dataset " + name + "/" + col + " has " + std::to_string(rows) +
                    " rows but " + name + "/run has " + std::to_string(run.size()) +
                    ": the file is damaged");
    });
  };
  read("episodes", episodes, episode_rows);
  read("regret", regret, regret_rows);
  read("eval", eval, eval_rows);
  tables_read = true;
}

ExperimentReader::ExperimentReader(const std::string& path, std::size_t max_cached_rows)
    : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->max_cached_rows = max_cached_rows;
  hdf5::Lock lock;
  impl_->file = open_existing(path, H5F_ACC_RDONLY, "run file");
  const hid_t f = impl_->file.get();
  impl_->limits = limits_for(f);
  const std::string where = "run file " + in_quotes(path);
  if (!has_attr(f, "rlsim_format_version", where))
    throw Error("cannot open run file " + in_quotes(path) +
                ": it is an HDF5 file but not an rlsim run file (no root attribute "
                "rlsim_format_version)");
  ExperimentMeta& m = impl_->meta;
  m.format_version = read_attr<std::int32_t>(f, "rlsim_format_version", where);
  if (m.format_version < 1 || m.format_version > kLogFormatVersion)
    throw Error("cannot open run file " + in_quotes(path) + ": its rlsim_format_version is " +
                std::to_string(m.format_version) + " but this rlsim reads versions 1 to " +
                std::to_string(kLogFormatVersion) +
                (m.format_version > kLogFormatVersion ? "; use a newer rlsim" : ""));
  impl_->limits.variable_strings = m.format_version < 2;
  impl_->limits.env_column = m.format_version >= 2;
  const bool vlen = impl_->limits.variable_strings;
  m.rlsim_version = read_attr_string(f, "rlsim_version", where, vlen);
  m.git_commit = read_attr_string(f, "git_commit", where, vlen);
  m.created = read_attr_string(f, "created", where, vlen);
  m.command_line = read_attr_string(f, "command_line", where, vlen);
  m.config_text = read_attr_string(f, "config", where, vlen);
  m.master_seed = read_attr<std::uint64_t>(f, "master_seed", where);
  m.planned_runs = read_attr<std::int64_t>(f, "planned_runs", where);
  m.complete = read_attr<std::int32_t>(f, "complete", where) != 0;
  if (m.format_version >= 3) {
    impl_->open_format3();
    return;
  }
  if (!link_exists(f, "runs", where + " /runs"))
    throw Error("cannot open run file " + in_quotes(path) + ": it has no group /runs");
}

ExperimentReader::~ExperimentReader() = default;

const ExperimentMeta& ExperimentReader::meta() const {
  return impl_->meta;
}

namespace {
herr_t collect_run_name(hid_t, const char* name, const H5L_info_t*, void* data) {
  try {
    const std::int64_t i = index_of_name(name);
    if (i >= 0) static_cast<std::vector<std::int64_t>*>(data)->push_back(i);
  } catch (...) {
    return -1;
  }
  return 0;
}
}  // namespace

std::vector<std::int64_t> ExperimentReader::run_indices() const {
  hdf5::Lock lock;
  if (impl_->meta.format_version >= 3) {
    std::vector<std::int64_t> out = impl_->run_table.run_index;
    std::sort(out.begin(), out.end());
    return out;
  }
  return list_runs(impl_->file.get(), impl_->path);
}

std::vector<std::int64_t> ExperimentReader::complete_run_indices() const {
  if (impl_->meta.format_version >= 3) return run_indices();  // every run listed is whole
  hdf5::Lock lock;
  std::vector<std::int64_t> out;
  const std::string where = in_quotes(impl_->path) + " /runs";
  hdf5::Group runs(H5Gopen2(impl_->file.get(), "runs", H5P_DEFAULT), "cannot open group " + where);
  for (std::int64_t i : run_indices())
    if (marked_complete(runs.get(), run_name(i))) out.push_back(i);
  return out;
}

namespace {
std::string no_such_run(const std::string& path, std::int64_t run_index,
                        const std::vector<std::int64_t>& have) {
  const std::string present = have.empty() ? "none"
                                           : std::to_string(have.size()) + ", indices " +
                                                 std::to_string(have.front()) + " to " +
                                                 std::to_string(have.back());
  return "run file " + in_quotes(path) + " has no run " + std::to_string(run_index) +
         " (runs present: " + present + ")";
}

// Run `run_index`'s rows of an experiment-wide table, from memory or from the file (group
// `name` of file).
template <class Table, class Columns>
void copy_run_rows(Table& to, const TableCache<Table>& cache, std::int64_t run_index,
                   Columns columns, hid_t file, const char* name, const std::string& path) {
  const auto it = cache.ranges.find(run_index);
  if (it == cache.ranges.end()) return;
  const auto [start, count] = it->second;
  if (cache.whole) {
    append_rows(to, cache.rows.t, columns, start, count);
    return;
  }
  hdf5::Group g = open_group(file, name, in_quotes(path));
  const std::string w = in_quotes(path) + " /" + name;
  columns(to, [&](const char* col, auto& column, hsize_t) {
    using T = typename std::decay_t<decltype(column)>::value_type;
    column = read_column_rows<T>(g.get(), col, start, count, w);
  });
}
}  // namespace

StoredRun ExperimentReader::read_run(std::int64_t run_index, bool with_steps) const {
  hdf5::Lock lock;
  const std::string name = run_name(run_index);
  const std::string& path = impl_->path;
  const std::string where = in_quotes(path) + " /runs/" + name;
  if (impl_->meta.format_version >= 3) {
    Impl& m = *impl_;
    const auto row = m.row_of.find(run_index);
    if (row == m.row_of.end()) throw Error(no_such_run(path, run_index, run_indices()));
    m.read_tables();
    const std::size_t i = row->second;
    const GroupStrings& g = m.groups.at(m.run_table.group[i]);
    StoredRun r;
    r.run_index = run_index;
    r.env_id = g.env_id;
    r.agent_id = g.agent_id;
    r.env_params = g.env_params;
    r.agent_params = g.agent_params;
    r.group = g.group;
    r.seed_index = m.run_table.seed_index[i];
    r.env_seed = m.run_table.env_seed[i];
    r.agent_seed = m.run_table.agent_seed[i];
    r.total_steps = m.run_table.total_steps[i];
    r.complete = true;
    const hid_t f = m.file.get();
    copy_run_rows(r.episodes, m.episodes, run_index, episode_columns, f, "episodes", path);
    copy_run_rows(r.regret, m.regret, run_index, regret_columns, f, "regret", path);
    copy_run_rows(r.evaluations, m.eval, run_index, eval_columns, f, "eval", path);
    if (path_exists(f, "runs/" + name, where)) {
      hdf5::Group gid = open_group(f, "runs/" + name, in_quotes(path));
      read_run_data(gid.get(), r, with_steps, where, m.limits);
    }
    return r;
  }
  hdf5::Group runs(H5Gopen2(impl_->file.get(), "runs", H5P_DEFAULT),
                   "cannot open group " + in_quotes(path) + " /runs");
  if (!link_exists(runs.get(), name, where))
    throw Error(no_such_run(path, run_index, run_indices()));
  if (marked_complete(runs.get(), name))
    return read_run_group(runs.get(), name, run_index, with_steps, where, impl_->limits);
  // A run the experiment did not finish: whatever is readable, never an error.
  try {
    StoredRun r = read_run_group(runs.get(), name, run_index, with_steps, where, impl_->limits);
    r.complete = false;
    return r;
  } catch (const Error&) {
    StoredRun r;
    r.run_index = run_index;
    r.complete = false;
    return r;
  }
}

namespace {

// A format 1 or 2 run group: the run's attributes and all its tables.
StoredRun read_run_group(hid_t runs, const std::string& name, std::int64_t run_index,
                         bool with_steps, const std::string& where, const ReadLimits& lim) {
  hdf5::Group g(H5Gopen2(runs, name.c_str(), H5P_DEFAULT), "cannot open group " + where);
  const hid_t gid = g.get();
  StoredRun r;
  r.run_index = read_attr<std::int64_t>(gid, "run_index", where);
  if (r.run_index != run_index)
    throw Error(where + " has attribute run_index " + std::to_string(r.run_index) + ", expected " +
                std::to_string(run_index) + ": the file is damaged");
  r.env_id = read_attr_string(gid, "env_id", where, lim.variable_strings);
  r.agent_id = read_attr_string(gid, "agent_id", where, lim.variable_strings);
  r.env_params = read_attr_string(gid, "env_params", where, lim.variable_strings);
  r.agent_params = read_attr_string(gid, "agent_params", where, lim.variable_strings);
  r.group = read_attr_string(gid, "group", where, lim.variable_strings);
  r.seed_index = read_attr<std::int64_t>(gid, "seed_index", where);
  r.env_seed = read_attr<std::uint64_t>(gid, "env_seed", where);
  r.agent_seed = read_attr<std::uint64_t>(gid, "agent_seed", where);
  r.total_steps = read_attr<std::int64_t>(gid, "total_steps", where);
  r.complete =
      has_attr(gid, "complete", where) && read_attr<std::int32_t>(gid, "complete", where) != 0;
  {
    hdf5::Group e = open_group(gid, "episodes", where);
    read_table(e.get(), r.episodes, episode_columns, "episodes", where + "/episodes", lim);
  }
  if (link_exists(gid, "regret", where + "/regret")) {
    hdf5::Group s = open_group(gid, "regret", where);
    read_table(s.get(), r.regret, regret_columns, "regret", where + "/regret", lim);
  }
  if (link_exists(gid, "eval", where + "/eval")) {
    hdf5::Group s = open_group(gid, "eval", where);
    read_table(s.get(), r.evaluations, eval_columns, "eval", where + "/eval", lim);
  }
  read_run_data(gid, r, with_steps, where, lim);
  return r;
}

// The tables of a run group that every format keeps per run: steps (only when with_steps),
// diagnostics and agent state.
void read_run_data(hid_t gid, StoredRun& r, bool with_steps, const std::string& where,
                   const ReadLimits& lim) {
  auto same_rows = [&](std::size_t got, std::size_t want, const std::string& col,
                       const std::string& ref) {
    if (got != want)
      throw Error(where + ": dataset " + col + " has " + std::to_string(got) + " rows but " + ref +
                  " has " + std::to_string(want) + ": the file is damaged");
  };
  if (with_steps && link_exists(gid, "steps", where + "/steps")) {
    const std::string w = where + "/steps";
    hdf5::Group s = open_group(gid, "steps", where);
    StepTable& t = r.steps;
    t.obs_discrete = read_attr<std::int32_t>(s.get(), "obs_discrete", w) != 0;
    t.action_discrete = read_attr<std::int32_t>(s.get(), "action_discrete", w) != 0;
    t.obs_dim = read_attr<std::int32_t>(s.get(), "obs_dim", w);
    t.action_dim = read_attr<std::int32_t>(s.get(), "action_dim", w);
    if (t.obs_dim < 1 || t.action_dim < 1)
      throw Error(w + " has obs_dim " + std::to_string(t.obs_dim) + " and action_dim " +
                  std::to_string(t.action_dim) + ", expected both >= 1: the file is damaged");
    read_table(s.get(), t, step_columns, "steps", w, lim);
    if (lim.env_column) {
      t.env = read_column<std::int32_t>(s.get(), "env", 0, w, lim);
      same_rows(t.env.size(), t.size(), "steps/env", "steps/reward");
      for (std::int32_t e : t.env)
        if (e < 0)
          throw Error(w + ": dataset env holds the env copy index " + std::to_string(e) +
                      ", expected >= 0: the file is damaged");
    } else {
      t.env.assign(t.size(), 0);  // format 1: one env copy
    }
    r.has_steps = true;
  }
  if (link_exists(gid, "diagnostics", where + "/diagnostics")) {
    const std::string w = where + "/diagnostics";
    hdf5::Group s = open_group(gid, "diagnostics", where);
    DiagnosticsTable& t = r.diagnostics;
    std::vector<std::string> names =
        read_attr_string_list(s.get(), "columns", w, 4096, lim.variable_strings);
    t.step = read_column<std::int64_t>(s.get(), "step", 0, w, lim);
    const std::size_t rows = t.step.size();
    std::set<std::string> seen;
    for (const std::string& n : names)
      if (n.empty() || n == "step" || n.find('/') != std::string::npos || !seen.insert(n).second)
        throw Error(w + " lists the column " + in_quotes(n) +
                    " in its attribute 'columns', which is not a valid (unique) column name: the "
                    "file is damaged");
    t.values.assign(rows * names.size(), 0.0);
    for (std::size_t c = 0; c < names.size(); ++c) {
      const std::vector<double> col = read_column<double>(s.get(), names[c].c_str(), 0, w, lim);
      same_rows(col.size(), rows, "diagnostics/" + names[c], "diagnostics/step");
      for (std::size_t row = 0; row < rows; ++row) t.values[row * names.size() + c] = col[row];
    }
    t.names = std::move(names);
  }
  if (link_exists(gid, "agent", where + "/agent")) {
    r.agent_state = read_state_group(gid, "agent", where + "/agent", lim);
    r.has_agent_state = true;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------
// StateDict
// ---------------------------------------------------------------------------------------

namespace {

// A group path: "agent" or "/checkpoints/agent" (leading '/' optional); components must be
// non-empty and not ".". Returns it without the leading '/'.
std::string normalise_group(const std::string& path, const std::string& group) {
  std::string g = group;
  if (!g.empty() && g.front() == '/') g.erase(0, 1);
  if (g.empty())
    throw Error("state dict group for " + in_quotes(path) +
                " is empty: name a group such as \"agent\" (the file root is not allowed)");
  for (const std::string& part : split_path(g))
    if (part.empty() || part == ".")
      throw Error("state dict group " + in_quotes(group) + " for " + in_quotes(path) +
                  " has an empty or '.' component; use names like \"agent\" or \"ckpt/agent\"");
  return g;
}

void validate_state(const std::string& path, const std::string& group, const StateDict& state) {
  const std::string where = "state dict for " + in_quotes(path) + " group " + in_quotes(group);
  for (const auto& [name, rec] : state) {
    if (name.empty()) throw Error(where + " has an entry with an empty name");
    for (const std::string& part : split_path(name))
      if (part.empty() || part == ".")
        throw Error(where + ": entry name " + in_quotes(name) +
                    " has an empty or '.' component between '/' (names like \"q/table\" are "
                    "fine)");
    std::size_t n = 1;
    for (std::int64_t d : rec.shape) {
      if (d < 0)
        throw Error(where + ": entry " + in_quotes(name) + " has a negative dimension " +
                    std::to_string(d));
      n *= static_cast<std::size_t>(d);
    }
    if (n != rec.data.size())
      throw Error(where + ": entry " + in_quotes(name) + " has " + std::to_string(rec.data.size()) +
                  " values but its shape implies " + std::to_string(n));
    // "a" and "a/b" cannot both exist: "a" would have to be a dataset and a group.
    for (std::size_t slash = name.find('/'); slash != std::string::npos;
         slash = name.find('/', slash + 1))
      if (state.count(name.substr(0, slash)))
        throw Error(where + ": entries " + in_quotes(name.substr(0, slash)) + " and " +
                    in_quotes(name) + " clash ('/' in a name makes a nested group)");
  }
}

herr_t collect_dataset(hid_t, const char* name, const H5O_info_t* info, void* data) {
  try {
    if (info->type == H5O_TYPE_DATASET)
      static_cast<std::vector<std::string>*>(data)->push_back(name);
  } catch (...) {
    return -1;
  }
  return 0;
}

// Writes `state` as the group `group` (a relative path) of loc, which must not exist yet.
void write_state_group(hid_t loc, const std::string& group, const StateDict& state,
                       const std::string& where) {
  hdf5::PropList lcpl(H5Pcreate(H5P_LINK_CREATE), "cannot create properties for " + where);
  check_status(H5Pset_create_intermediate_group(lcpl.get(), 1),
               "cannot set properties for " + where);
  hdf5::Group grp(H5Gcreate2(loc, group.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
                  "cannot create " + where);
  write_attr<std::int32_t>(grp.get(), "rlsim_state_dict_version", 1, where);
  for (const auto& [name, rec] : state) {
    const std::string what = "dataset " + in_quotes(name) + " in " + where;
    hdf5::Dataspace space;
    if (rec.shape.empty()) {
      space = hdf5::Dataspace(H5Screate(H5S_SCALAR), "cannot create the dataspace of " + what);
    } else {
      std::vector<hsize_t> dims(rec.shape.begin(), rec.shape.end());
      space = hdf5::Dataspace(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                              "cannot create the dataspace of " + what);
    }
    hdf5::Dataset ds(H5Dcreate2(grp.get(), name.c_str(), H5T_IEEE_F64LE, space.get(), lcpl.get(),
                                H5P_DEFAULT, H5P_DEFAULT),
                     "cannot create " + what);
    if (!rec.data.empty())
      check_status(
          H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, rec.data.data()),
          "cannot write " + what);
  }
}

// Reads every dataset under the group `group` of loc (which must exist and be a group).
StateDict read_state_group(hid_t loc, const std::string& group, const std::string& where,
                           const ReadLimits& lim) {
  H5O_info_t info;
  check_status(H5Oget_info_by_name2(loc, group.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT),
               "cannot inspect " + where);
  if (info.type != H5O_TYPE_GROUP) throw Error(where + " is not a group");
  hdf5::Group grp(H5Gopen2(loc, group.c_str(), H5P_DEFAULT), "cannot open " + where);
  std::vector<std::string> names;
  check_status(
      H5Ovisit2(grp.get(), H5_INDEX_NAME, H5_ITER_INC, collect_dataset, &names, H5O_INFO_BASIC),
      "cannot list the entries of " + where);
  StateDict out;
  for (const std::string& name : names) {
    std::vector<hsize_t> dims;
    ArrayRecord rec;
    read_dataset(grp.get(), name, "dataset " + in_quotes(name) + " in " + where, lim, true, dims,
                 rec.data);
    rec.shape.assign(dims.begin(), dims.end());
    out.emplace(name, std::move(rec));
  }
  return out;
}

}  // namespace

void write_state_dict(const std::string& path, const std::string& group, const StateDict& state) {
  const std::string g = normalise_group(path, group);
  validate_state(path, group, state);
  hdf5::Lock lock;
  std::error_code ec;
  hdf5::File file;
  if (std::filesystem::exists(path, ec)) {
    file = open_existing(path, H5F_ACC_RDWR, "state dict file");
  } else {
    check_output_location(path, "state dict file");
    file = hdf5::File(H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT),
                      "cannot create state dict file " + in_quotes(path));
  }
  const std::string where = in_quotes(path) + " group /" + g;
  if (path_exists(file.get(), g, where))
    check_status(H5Ldelete(file.get(), g.c_str(), H5P_DEFAULT), "cannot replace " + where);
  write_state_group(file.get(), g, state, where);
  check_status(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "cannot flush " + in_quotes(path));
  if (!file.reset()) hdf5::fail("cannot close " + in_quotes(path));
}

StateDict read_state_dict(const std::string& path, const std::string& group) {
  const std::string g = normalise_group(path, group);
  hdf5::Lock lock;
  hdf5::File file = open_existing(path, H5F_ACC_RDONLY, "state dict file");
  const std::string where = in_quotes(path) + " group /" + g;
  if (!path_exists(file.get(), g, where))
    throw Error("state dict file " + in_quotes(path) + " has no group /" + g +
                "; check the group name given when the state was saved");
  H5O_info_t info;
  check_status(H5Oget_info_by_name2(file.get(), g.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT),
               "cannot inspect " + where);
  if (info.type != H5O_TYPE_GROUP)
    throw Error("state dict file " + in_quotes(path) + ": /" + g + " is not a group");
  return read_state_group(file.get(), g, where, limits_for(file.get()));
}

}  // namespace rlsim

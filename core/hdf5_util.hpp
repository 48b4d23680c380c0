// Private helpers on top of core/hdf5_handles.hpp shared by every HDF5 file rlsim writes
// or reads: the run-file writer and readers (run/) and the state-dict and numeric-data
// I/O (core/state_dict_io.cpp, core/numeric_dataset.cpp). Not installed: it includes
// <hdf5.h>, which rlsim's public headers never do.
//
// Contract: every function here is called under an hdf5::Lock. Failures throw
// rlsim::Error naming the file and object (`where` / `what` arguments are the names used
// in messages, e.g. "'out.h5' /runs/000003"), with HDF5's own error detail appended when
// HDF5 gave one (hdf5::fail). Values are stored little-endian whatever the host (H5Type's
// file types) and read converted to the native type.
// Reference: HDF5 1.10 reference manual (H5A, H5D, H5F, H5G, H5L, H5S, H5T).
#pragma once
#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/hdf5_handles.hpp"

namespace rlsim::hdf5 {

// ---- types ------------------------------------------------------------------------------

// The HDF5 memory and file types of each C++ element type rlsim stores, with its type class
// and its name in messages.
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
struct H5Type<std::uint16_t> {
  static hid_t mem() { return H5T_NATIVE_UINT16; }
  static hid_t file() { return H5T_STD_U16LE; }
  static constexpr H5T_class_t cls = H5T_INTEGER;
  static constexpr const char* name = "uint16";
};
template <>
struct H5Type<std::uint32_t> {
  static hid_t mem() { return H5T_NATIVE_UINT32; }
  static hid_t file() { return H5T_STD_U32LE; }
  static constexpr H5T_class_t cls = H5T_INTEGER;
  static constexpr const char* name = "uint32";
};
template <>
struct H5Type<std::int16_t> {
  static hid_t mem() { return H5T_NATIVE_INT16; }
  static hid_t file() { return H5T_STD_I16LE; }
  static constexpr H5T_class_t cls = H5T_INTEGER;
  static constexpr const char* name = "int16";
};
template <>
struct H5Type<std::int8_t> {
  static hid_t mem() { return H5T_NATIVE_INT8; }
  static hid_t file() { return H5T_STD_I8LE; }
  static constexpr H5T_class_t cls = H5T_INTEGER;
  static constexpr const char* name = "int8";
};

// A type class in words ("integer", "string", ...), for messages.
std::string class_name(H5T_class_t c);

// Fixed-length UTF-8 string type of `size` bytes (at least 1), NUL-padded. rlsim writes
// every string this way since format version 2: variable-length strings live in global heap
// collections, which carry no checksum and which HDF5 1.10 trusts when reading, so one
// damaged byte there could crash HDF5 itself; fixed-length strings sit in the attribute's
// object header message, which is checksummed. h5py returns them as bytes.
Datatype fixed_string_type(std::size_t size);

// A fixed-length string value as stored, without its padding (NUL or space, as `type` says).
std::string unpad(std::string value, hid_t type);

// 'path', for messages.
std::string in_quotes(const std::string& path);

// ---- links ------------------------------------------------------------------------------

// True if `name` (a single link name, or a relative path whose parents exist) exists in loc.
bool link_exists(hid_t loc, const std::string& name, const std::string& what);

// The components of a '/'-separated path ("a//b" has an empty middle component).
std::vector<std::string> split_path(const std::string& path);

// True if every component of the relative path exists (checked one by one, as H5Lexists
// needs the parents to exist).
bool path_exists(hid_t loc, const std::string& rel, const std::string& what);

// Opens group `name` of loc (at `where`); throws naming it when it is absent.
Group open_group(hid_t loc, const std::string& name, const std::string& where);

// Creates group `name` of loc (`what` in messages) with creation properties gcpl.
Group create_group(hid_t loc, const std::string& name, const std::string& what,
                   hid_t gcpl = H5P_DEFAULT);

// ---- attributes -------------------------------------------------------------------------

// Creates attribute `name` of `obj`, known to be absent (the object was made in the same
// write), on the caller's scalar dataspace: no lookup, no dataspace per attribute.
template <class T>
void create_attr(hid_t obj, const char* name, T value, const std::string& where, hid_t scalar) {
  Attribute attr(H5Acreate2(obj, name, H5Type<T>::file(), scalar, H5P_DEFAULT, H5P_DEFAULT),
                 "cannot create attribute '" + std::string(name) + "' of " + where);
  check_status(H5Awrite(attr.get(), H5Type<T>::mem(), &value),
               "cannot write attribute '" + std::string(name) + "' of " + where);
}

// As create_attr, for a string (a fixed_string_type as long as the value).
void create_attr_string(hid_t obj, const char* name, const std::string& value,
                        const std::string& where, hid_t scalar);

// Whether `obj` (at `where`) has attribute `name`.
bool has_attr(hid_t obj, const char* name, const std::string& where);

// Writes attribute `name` of `obj`, overwriting it in place if it is there.
template <class T>
void write_attr(hid_t obj, const char* name, T value, const std::string& where) {
  const std::string what = "attribute '" + std::string(name) + "' of " + where;
  if (has_attr(obj, name, where)) {
    Attribute attr(H5Aopen(obj, name, H5P_DEFAULT), "cannot open " + what);
    check_status(H5Awrite(attr.get(), H5Type<T>::mem(), &value), "cannot write " + what);
    return;
  }
  Dataspace space(H5Screate(H5S_SCALAR), "cannot create the dataspace of " + what);
  create_attr(obj, name, value, where, space.get());
}

// Writes string attribute `name` of `obj`, replacing it if it is there (its length, and so
// its type, may differ).
void write_attr_string(hid_t obj, const char* name, const std::string& value,
                       const std::string& where);

// A 1-D attribute of fixed-length UTF-8 strings, as long as the longest value (h5py reads
// it as a numpy array of bytes).
void write_attr_string_list(hid_t obj, const char* name, const std::vector<std::string>& values,
                            const std::string& where);

// Opens attribute `name` of obj, which must hold a single value.
Attribute open_scalar_attr(hid_t obj, const char* name, const std::string& where);

// Reads the scalar attribute `name` of obj, whose type class must be T's.
template <class T>
T read_attr(hid_t obj, const char* name, const std::string& where) {
  const std::string what = "attribute '" + std::string(name) + "' of " + where;
  Attribute attr = open_scalar_attr(obj, name, where);
  Datatype type(H5Aget_type(attr.get()), "cannot read the type of " + what);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5Type<T>::cls)
    throw Error(what + " is of " + class_name(cls) + " type, expected " + H5Type<T>::name);
  T value{};
  check_status(H5Aread(attr.get(), H5Type<T>::mem(), &value), "cannot read " + what);
  return value;
}

// ---- datasets ---------------------------------------------------------------------------

// Upper bound on the bytes one dataset of `file` may expand to, from the file size and
// deflate's maximum compression ratio (1032:1, RFC 1951 / zlib technical details), so
// damaged metadata claiming absurd sizes gives an Error rather than a huge allocation
// (no bound when the size cannot be read).
hsize_t max_read_bytes(hid_t file);

// Reads a whole numeric dataset into `out` (converted to T); `dims` gets its shape (empty
// for a scalar dataset). Requires the stored type's class to be T's class unless
// any_numeric, in which case integers and floats are both accepted. Refuses a dataset of
// more than max_bytes bytes (see max_read_bytes) as damage.
template <class T>
void read_dataset(hid_t loc, const std::string& name, const std::string& what, hsize_t max_bytes,
                  bool any_numeric, std::vector<hsize_t>& dims, std::vector<T>& out) {
  Dataset ds(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), "cannot open " + what);
  Datatype type(H5Dget_type(ds.get()), "cannot read the type of " + what);
  const H5T_class_t cls = H5Tget_class(type.get());
  const bool numeric = cls == H5T_INTEGER || cls == H5T_FLOAT;
  if (any_numeric ? !numeric : cls != H5Type<T>::cls)
    throw Error(what + " is of " + class_name(cls) + " type, expected " +
                (any_numeric ? std::string("a numeric type") : std::string(H5Type<T>::name)));
  Dataspace space(H5Dget_space(ds.get()), "cannot read the dataspace of " + what);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) fail("cannot read the dataspace of " + what);
  dims.assign(static_cast<std::size_t>(rank), 0);
  if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
    fail("cannot read the shape of " + what);
  hsize_t n = 1;
  for (hsize_t d : dims) {
    if (d != 0 && n > max_bytes / d)
      n = max_bytes;  // overflow: caught below
    else
      n *= d;
  }
  if (n > max_bytes / sizeof(T))
    throw Error(what + " claims " + std::to_string(n) +
                " elements, more than the file can hold: the file is damaged");
  out.assign(static_cast<std::size_t>(n), T{});
  if (n > 0)
    check_status(H5Dread(ds.get(), H5Type<T>::mem(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
                 "cannot read " + what + " (the file may be damaged)");
}

// ---- files ------------------------------------------------------------------------------

// Checks that a file can be created at `path`; `kind` names it in messages ("run file").
void check_output_location(const std::string& path, const std::string& kind);

// Opens an existing HDF5 file, checking first that it is there and is HDF5, and turning
// HDF5's failure into a message that says what is wrong. `file_locking` false opens it
// without HDF5's file lock (H5Pset_file_locking): a reader of a file another process is
// writing (read-only opens only).
File open_existing(const std::string& path, unsigned flags, const std::string& kind,
                   bool file_locking = true);

}  // namespace rlsim::hdf5

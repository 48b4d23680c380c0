// The HDF5 helpers declared in core/hdf5_util.hpp: type names, string types, links,
// groups, attributes, the read-size bound, and opening or creating files with messages
// that say what is wrong.
#include "core/hdf5_util.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>

namespace rlsim::hdf5 {

// ---- types ------------------------------------------------------------------------------

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

Datatype fixed_string_type(std::size_t size) {
  Datatype t(H5Tcopy(H5T_C_S1), "cannot create an HDF5 string type");
  check_status(H5Tset_size(t.get(), std::max<std::size_t>(1, size)),
               "cannot create an HDF5 string type");
  check_status(H5Tset_strpad(t.get(), H5T_STR_NULLPAD), "cannot create an HDF5 string type");
  check_status(H5Tset_cset(t.get(), H5T_CSET_UTF8), "cannot create an HDF5 string type");
  return t;
}

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

bool link_exists(hid_t loc, const std::string& name, const std::string& what) {
  const htri_t e = H5Lexists(loc, name.c_str(), H5P_DEFAULT);
  if (e < 0) fail("cannot look up " + what);
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

bool path_exists(hid_t loc, const std::string& rel, const std::string& what) {
  std::string prefix;
  for (const std::string& part : split_path(rel)) {
    prefix += (prefix.empty() ? "" : "/") + part;
    if (!link_exists(loc, prefix, what)) return false;
  }
  return true;
}

Group open_group(hid_t loc, const std::string& name, const std::string& where) {
  if (!link_exists(loc, name, where + "/" + name))
    throw Error(where + " has no group '" + name + "'");
  return Group(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), "cannot open group " + where + "/" + name);
}

Group create_group(hid_t loc, const std::string& name, const std::string& what, hid_t gcpl) {
  return Group(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT),
               "cannot create group " + what);
}

// ---- attributes -------------------------------------------------------------------------

void create_attr_string(hid_t obj, const char* name, const std::string& value,
                        const std::string& where, hid_t scalar) {
  Datatype type = fixed_string_type(value.size());
  Attribute attr(H5Acreate2(obj, name, type.get(), scalar, H5P_DEFAULT, H5P_DEFAULT),
                 "cannot create attribute '" + std::string(name) + "' of " + where);
  const char nul = '\0';
  check_status(H5Awrite(attr.get(), type.get(), value.empty() ? &nul : value.data()),
               "cannot write attribute '" + std::string(name) + "' of " + where);
}

bool has_attr(hid_t obj, const char* name, const std::string& where) {
  const htri_t exists = H5Aexists(obj, name);
  if (exists < 0) fail("cannot look up attribute '" + std::string(name) + "' of " + where);
  return exists > 0;
}

void write_attr_string(hid_t obj, const char* name, const std::string& value,
                       const std::string& where) {
  const std::string what = "attribute '" + std::string(name) + "' of " + where;
  if (has_attr(obj, name, where)) check_status(H5Adelete(obj, name), "cannot replace " + what);
  Dataspace space(H5Screate(H5S_SCALAR), "cannot create the dataspace of " + what);
  create_attr_string(obj, name, value, where, space.get());
}

Attribute open_scalar_attr(hid_t obj, const char* name, const std::string& where) {
  const std::string what = "attribute '" + std::string(name) + "' of " + where;
  if (!has_attr(obj, name, where)) throw Error(where + " has no attribute '" + name + "'");
  Attribute attr(H5Aopen(obj, name, H5P_DEFAULT), "cannot open " + what);
  Dataspace space(H5Aget_space(attr.get()), "cannot read the dataspace of " + what);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n != 1)
    throw Error(what + " holds " + std::to_string(n) + " values, expected a single value");
  return attr;
}

void write_attr_string_list(hid_t obj, const char* name, const std::vector<std::string>& values,
                            const std::string& where) {
  const std::string what = "attribute '" + std::string(name) + "' of " + where;
  if (has_attr(obj, name, where)) check_status(H5Adelete(obj, name), "cannot replace " + what);
  std::size_t size = 1;
  for (const std::string& v : values) size = std::max(size, v.size());
  Datatype type = fixed_string_type(size);
  const hsize_t n = values.size();
  Dataspace space(H5Screate_simple(1, &n, nullptr), "cannot create the dataspace of " + what);
  Attribute attr(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                 "cannot create " + what);
  std::string buf(size * values.size(), '\0');
  for (std::size_t i = 0; i < values.size(); ++i) values[i].copy(buf.data() + i * size, size);
  if (n > 0) check_status(H5Awrite(attr.get(), type.get(), buf.data()), "cannot write " + what);
}

// ---- datasets ---------------------------------------------------------------------------

hsize_t max_read_bytes(hid_t file) {
  hsize_t size = 0;
  hsize_t max_bytes = std::numeric_limits<hsize_t>::max();
  if (H5Fget_filesize(file, &size) >= 0) max_bytes = size * 1100 + (hsize_t{1} << 20);
  return max_bytes;
}

// ---- files ------------------------------------------------------------------------------

namespace fs = std::filesystem;

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

File open_existing(const std::string& path, unsigned flags, const std::string& kind,
                   bool file_locking) {
  std::error_code ec;
  const fs::path p(path);
  if (!fs::exists(p, ec))
    throw Error("cannot open " + kind + " " + in_quotes(path) + ": no such file");
  if (fs::is_directory(p, ec))
    throw Error("cannot open " + kind + " " + in_quotes(path) + ": it is a directory, not a file");
  if (::access(path.c_str(), (flags & H5F_ACC_RDWR) ? (R_OK | W_OK) : R_OK) != 0)
    throw Error("cannot open " + kind + " " + in_quotes(path) + ": " + std::strerror(errno));
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 < 0) fail("cannot open " + kind + " " + in_quotes(path) + ": cannot read it");
  if (is_hdf5 == 0)
    throw Error("cannot open " + kind + " " + in_quotes(path) +
                ": it is not an HDF5 file (no HDF5 signature)");
  hid_t id = H5Fopen(path.c_str(), flags, H5P_DEFAULT);
  std::string detail = id < 0 ? error_detail() : std::string();
  // Without the lock, a read-only open of a file that a writer holds locked, or that this
  // process has open without the lock already (HDF5 refuses a second open with other
  // locking flags): only then, so opens that succeed are as before.
  if (id < 0 && !file_locking && !(flags & H5F_ACC_RDWR) &&
      detail.find("lock") != std::string::npos) {
    PropList fapl(H5Pcreate(H5P_FILE_ACCESS), "cannot create properties for " + kind);
    check_status(H5Pset_file_locking(fapl.get(), false, true),
                 "cannot turn off file locking for " + kind + " " + in_quotes(path));
    id = H5Fopen(path.c_str(), flags, fapl.get());
    if (id < 0) detail = error_detail();
  }
  if (id < 0) {
    std::string why =
        "it is damaged or truncated (an HDF5 signature is there but its metadata "
        "cannot be read)";
    if (detail.find("unable to lock") != std::string::npos)
      why =
          "it is locked by another process that has it open for writing (an experiment still "
          "running?); wait for it to finish";
    else if (detail.find("already open") != std::string::npos)
      why = "it is already open in this process in an incompatible mode";
    throw Error("cannot open " + kind + " " + in_quotes(path) + ": " + why +
                (detail.empty() ? "" : " (HDF5: " + detail + ")"));
  }
  return File(id);
}

}  // namespace rlsim::hdf5

// The run-file helpers declared in run/run_file_io.hpp.
#include "run/run_file_io.hpp"

#include <algorithm>

#include "run/hdf5_log.hpp"

namespace rlsim::runfile {

ReadLimits limits_for(hid_t file) {
  ReadLimits lim;
  lim.max_bytes = max_read_bytes(file);
  return lim;
}

void check_variable_allowed(hid_t ftype, bool allow_variable, const std::string& what) {
  const htri_t variable = H5Tis_variable_str(ftype);
  if (variable < 0) fail("cannot read the type of " + what);
  if (variable > 0 && !allow_variable)
    throw Error(what + " is a variable-length string, which run files of format version " +
                std::to_string(kLogFormatVersion) +
                " never hold (they store fixed-length strings): the file is damaged");
}

std::string read_attr_string(hid_t obj, const char* name, const std::string& where,
                             bool allow_variable) {
  const std::string what = "attribute '" + std::string(name) + "' of " + where;
  Attribute attr = open_scalar_attr(obj, name, where);
  Datatype ftype(H5Aget_type(attr.get()), "cannot read the type of " + what);
  const H5T_class_t cls = H5Tget_class(ftype.get());
  if (cls != H5T_STRING) throw Error(what + " is of " + class_name(cls) + " type, expected string");
  check_variable_allowed(ftype.get(), allow_variable, what);
  if (H5Tis_variable_str(ftype.get()) > 0) {
    Datatype mtype(H5Tcopy(H5T_C_S1), "cannot create an HDF5 string type");
    check_status(H5Tset_size(mtype.get(), H5T_VARIABLE), "cannot read " + what);
    check_status(H5Tset_cset(mtype.get(), H5Tget_cset(ftype.get())), "cannot read " + what);
    char* text = nullptr;
    check_status(H5Aread(attr.get(), mtype.get(), &text), "cannot read " + what);
    std::string out = text ? text : "";
    H5free_memory(text);
    return out;
  }
  const std::size_t size = H5Tget_size(ftype.get());
  if (size == 0) fail("cannot read the size of " + what);
  Datatype mtype(H5Tcopy(ftype.get()), "cannot read " + what);
  std::string out(size, '\0');
  check_status(H5Aread(attr.get(), mtype.get(), out.data()), "cannot read " + what);
  return unpad(std::move(out), ftype.get());
}

std::vector<std::string> read_attr_string_list(hid_t obj, const char* name,
                                               const std::string& where, hsize_t max_items,
                                               bool allow_variable) {
  const std::string what = "attribute '" + std::string(name) + "' of " + where;
  if (!has_attr(obj, name, where)) throw Error(where + " has no attribute '" + name + "'");
  Attribute attr(H5Aopen(obj, name, H5P_DEFAULT), "cannot open " + what);
  Datatype ftype(H5Aget_type(attr.get()), "cannot read the type of " + what);
  const H5T_class_t cls = H5Tget_class(ftype.get());
  if (cls != H5T_STRING)
    throw Error(what + " is of " + class_name(cls) + " type, expected a list of strings");
  check_variable_allowed(ftype.get(), allow_variable, what);
  Dataspace space(H5Aget_space(attr.get()), "cannot read the dataspace of " + what);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank != 1)
    throw Error(what + " has " + std::to_string(rank) +
                " dimensions, expected 1: the file is damaged");
  const hssize_t count = H5Sget_simple_extent_npoints(space.get());
  if (count < 0) fail("cannot read the size of " + what);
  const auto n = static_cast<hsize_t>(count);
  if (n > max_items)
    throw Error(what + " claims " + std::to_string(n) + " entries: the file is damaged");
  std::vector<std::string> out;
  if (n == 0) return out;
  if (H5Tis_variable_str(ftype.get()) > 0) {
    Datatype mtype(H5Tcopy(H5T_C_S1), "cannot create an HDF5 string type");
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
  Datatype mtype(H5Tcopy(ftype.get()), "cannot read " + what);
  std::string buf(size * static_cast<std::size_t>(n), '\0');
  check_status(H5Aread(attr.get(), mtype.get(), buf.data()), "cannot read " + what);
  for (hsize_t i = 0; i < n; ++i)
    out.push_back(unpad(buf.substr(static_cast<std::size_t>(i) * size, size), ftype.get()));
  return out;
}

hsize_t column_length(hid_t ds, const std::string& what) {
  Dataspace space(H5Dget_space(ds), "cannot read the dataspace of " + what);
  hsize_t dims[1] = {0};
  if (H5Sget_simple_extent_ndims(space.get()) != 1 ||
      H5Sget_simple_extent_dims(space.get(), dims, nullptr) < 0)
    throw Error(what + " is not a 1-D column: the file is damaged");
  return dims[0];
}

std::string run_name(std::int64_t index) {
  if (index < 0)
    throw Error("run index " + std::to_string(index) + " is negative; run indices start at 0");
  std::string digits = std::to_string(index);
  if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
  return digits;
}

std::int64_t index_of_name(const std::string& s) {
  if (s.empty() || s.size() > 18 ||
      !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return -1;
  return std::stoll(s);
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
}  // namespace

std::unordered_set<std::string> link_names(hid_t loc, const char* name, const std::string& where) {
  Group g(H5Gopen2(loc, name, H5P_DEFAULT), "cannot open group " + where);
  std::unordered_set<std::string> out;
  hsize_t idx = 0;
  check_status(H5Literate(g.get(), H5_INDEX_NAME, H5_ITER_INC, &idx, collect_link_name, &out),
               "cannot list the members of group " + where);
  return out;
}

namespace {
herr_t visit_nothing(hid_t, const char*, const H5O_info_t*, void*) {
  return 0;
}
}  // namespace

bool objects_readable(hid_t loc, const std::string& name) {
  const hid_t obj = H5Oopen(loc, name.c_str(), H5P_DEFAULT);
  if (obj < 0) return false;
  const herr_t rc =
      H5Ovisit2(obj, H5_INDEX_NAME, H5_ITER_NATIVE, visit_nothing, nullptr, H5O_INFO_BASIC);
  H5Oclose(obj);
  return rc >= 0;
}

std::string set_aside(hid_t file, hid_t loc, const std::string& name, const std::string& path) {
  const std::string where = in_quotes(path) + " /damaged";
  if (!link_exists(file, "damaged", where)) create_group(file, "damaged", where);
  Group damaged = open_group(file, "damaged", where);
  std::string base = name;
  std::replace(base.begin(), base.end(), '/', '_');
  std::string target;
  for (int k = 1;; ++k) {
    target = base + "-" + std::to_string(k);
    if (!link_exists(damaged.get(), target, where + "/" + target)) break;
  }
  check_status(H5Lmove(loc, name.c_str(), damaged.get(), target.c_str(), H5P_DEFAULT, H5P_DEFAULT),
               "cannot set the damaged group " + name + " of run file " + in_quotes(path) +
                   " aside (its own header is unreadable: the file is damaged beyond what "
                   "--resume repairs)");
  return "/damaged/" + target;
}

void delete_or_set_aside(hid_t file, const std::string& name, const std::string& path) {
  if (!link_exists(file, name, in_quotes(path) + " /" + name)) return;
  if (objects_readable(file, name))
    check_status(H5Ldelete(file, name.c_str(), H5P_DEFAULT),
                 "cannot delete " + in_quotes(path) + " /" + name);
  else
    set_aside(file, file, name, path);
}

void rebuild_group(hid_t file, const std::string& name, const std::vector<std::string>& keep,
                   hid_t gcpl, const std::string& path) {
  const std::string fresh = name + ".rebuilt";
  const std::string where = in_quotes(path) + " /" + fresh;
  if (link_exists(file, fresh, where))
    check_status(H5Ldelete(file, fresh.c_str(), H5P_DEFAULT), "cannot delete " + where);
  {
    Group old = open_group(file, name, in_quotes(path) + " /" + name);
    Group g = create_group(file, fresh, where, gcpl);
    for (const std::string& member : keep)
      check_status(
          H5Lcreate_hard(old.get(), member.c_str(), g.get(), member.c_str(), H5P_DEFAULT,
                         H5P_DEFAULT),
          "cannot link " + in_quotes(path) + " /" + name + "/" + member + " into " + where);
  }
  set_aside(file, file, name, path);
  check_status(H5Lmove(file, fresh.c_str(), file, name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
               "cannot rename " + where + " to /" + name);
}

}  // namespace rlsim::runfile

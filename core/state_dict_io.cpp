// StateDict files and groups: core/state_dict_io.hpp and core/state_dict_group.hpp.
#include "core/state_dict_io.hpp"

#include <filesystem>
#include <vector>

#include "core/error.hpp"
#include "core/hdf5_handles.hpp"
#include "core/hdf5_util.hpp"
#include "core/state_dict_group.hpp"

namespace rlsim {

namespace hdf5 {

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

herr_t collect_dataset(hid_t, const char* name, const H5O_info_t* info, void* data) {
  try {
    if (info->type == H5O_TYPE_DATASET)
      static_cast<std::vector<std::string>*>(data)->push_back(name);
  } catch (...) {
    return -1;
  }
  return 0;
}

}  // namespace

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

void write_state_group(hid_t loc, const std::string& group, const StateDict& state,
                       const std::string& where) {
  PropList lcpl(H5Pcreate(H5P_LINK_CREATE), "cannot create properties for " + where);
  check_status(H5Pset_create_intermediate_group(lcpl.get(), 1),
               "cannot set properties for " + where);
  Group grp(H5Gcreate2(loc, group.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
            "cannot create " + where);
  write_attr<std::int32_t>(grp.get(), "rlsim_state_dict_version", 1, where);
  for (const auto& [name, rec] : state) {
    const std::string what = "dataset " + in_quotes(name) + " in " + where;
    Dataspace space;
    if (rec.shape.empty()) {
      space = Dataspace(H5Screate(H5S_SCALAR), "cannot create the dataspace of " + what);
    } else {
      std::vector<hsize_t> dims(rec.shape.begin(), rec.shape.end());
      space = Dataspace(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                        "cannot create the dataspace of " + what);
    }
    Dataset ds(H5Dcreate2(grp.get(), name.c_str(), H5T_IEEE_F64LE, space.get(), lcpl.get(),
                          H5P_DEFAULT, H5P_DEFAULT),
               "cannot create " + what);
    if (!rec.data.empty())
      check_status(
          H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, rec.data.data()),
          "cannot write " + what);
  }
}

StateDict read_state_group(hid_t loc, const std::string& group, const std::string& where,
                           hsize_t max_bytes) {
  H5O_info_t info;
  check_status(H5Oget_info_by_name2(loc, group.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT),
               "cannot inspect " + where);
  if (info.type != H5O_TYPE_GROUP) throw Error(where + " is not a group");
  Group grp(H5Gopen2(loc, group.c_str(), H5P_DEFAULT), "cannot open " + where);
  std::vector<std::string> names;
  check_status(
      H5Ovisit2(grp.get(), H5_INDEX_NAME, H5_ITER_INC, collect_dataset, &names, H5O_INFO_BASIC),
      "cannot list the entries of " + where);
  StateDict out;
  for (const std::string& name : names) {
    std::vector<hsize_t> dims;
    ArrayRecord rec;
    read_dataset(grp.get(), name, "dataset " + in_quotes(name) + " in " + where, max_bytes, true,
                 dims, rec.data);
    rec.shape.assign(dims.begin(), dims.end());
    out.emplace(name, std::move(rec));
  }
  return out;
}

}  // namespace hdf5

using hdf5::check_status;
using hdf5::in_quotes;

void write_state_dict(const std::string& path, const std::string& group, const StateDict& state) {
  const std::string g = hdf5::normalise_group(path, group);
  hdf5::validate_state(path, group, state);
  hdf5::Lock lock;
  std::error_code ec;
  hdf5::File file;
  if (std::filesystem::exists(path, ec)) {
    file = hdf5::open_existing(path, H5F_ACC_RDWR, "state dict file");
  } else {
    hdf5::check_output_location(path, "state dict file");
    file = hdf5::File(H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT),
                      "cannot create state dict file " + in_quotes(path));
  }
  const std::string where = in_quotes(path) + " group /" + g;
  if (hdf5::path_exists(file.get(), g, where))
    check_status(H5Ldelete(file.get(), g.c_str(), H5P_DEFAULT), "cannot replace " + where);
  hdf5::write_state_group(file.get(), g, state, where);
  check_status(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "cannot flush " + in_quotes(path));
  if (!file.reset()) hdf5::fail("cannot close " + in_quotes(path));
}

StateDict read_state_dict(const std::string& path, const std::string& group) {
  const std::string g = hdf5::normalise_group(path, group);
  hdf5::Lock lock;
  hdf5::File file = hdf5::open_existing(path, H5F_ACC_RDONLY, "state dict file");
  const std::string where = in_quotes(path) + " group /" + g;
  if (!hdf5::path_exists(file.get(), g, where))
    throw Error("state dict file " + in_quotes(path) + " has no group /" + g +
                "; check the group name given when the state was saved");
  H5O_info_t info;
  check_status(H5Oget_info_by_name2(file.get(), g.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT),
               "cannot inspect " + where);
  if (info.type != H5O_TYPE_GROUP)
    throw Error("state dict file " + in_quotes(path) + ": /" + g + " is not a group");
  return hdf5::read_state_group(file.get(), g, where, hdf5::max_read_bytes(file.get()));
}

}  // namespace rlsim

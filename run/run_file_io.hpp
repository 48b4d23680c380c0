// Private helpers of the run-file writer and readers (run/experiment_writer.cpp,
// run/experiment_reader.cpp, run/run_group_reader.cpp) on top of core/hdf5_util.hpp: what
// the run-file format adds to plain HDF5 access. Not installed (it includes <hdf5.h>).
//
// Contract: call under an hdf5::Lock. Readers bound what they allocate by ReadLimits (from
// the file size), refuse variable-length strings in files of format version 2 and later
// (damage there could crash HDF5), and throw rlsim::Error naming the file and object, most
// ending "the file is damaged" when the file contradicts the format (docs/log-format.md).
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <limits>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/error.hpp"
#include "core/hdf5_handles.hpp"
#include "core/hdf5_util.hpp"

namespace rlsim::runfile {

// The run-file helpers build on core/hdf5_util.hpp's throughout.
using namespace rlsim::hdf5;

// What a reader accepts from the file it reads.
struct ReadLimits {
  // Upper bound on the bytes one dataset may expand to (hdf5::max_read_bytes), so damaged
  // metadata claiming absurd sizes gives an Error rather than a huge allocation.
  hsize_t max_bytes = std::numeric_limits<hsize_t>::max();
  // Format version 1 stored strings as variable-length; later versions never do, so there
  // a variable-length string is damage and is refused before HDF5 reads it.
  bool variable_strings = true;
  // Format version 1 had no steps/env column (every run used one env copy).
  bool env_column = false;
};

// The limits for `file` (max_bytes from its size; the other fields at their defaults, for
// the caller to set from the format version).
ReadLimits limits_for(hid_t file);

// Refuses a variable-length string type where the file's format version rules it out
// (`allow_variable` false: version 2 and later), before HDF5 reads the global heap.
void check_variable_allowed(hid_t ftype, bool allow_variable, const std::string& what);

// Reads a string attribute: fixed-length (as rlsim writes since format version 2, and as
// other tools may write) or, when allow_variable, variable-length (format version 1).
std::string read_attr_string(hid_t obj, const char* name, const std::string& where,
                             bool allow_variable = true);

// Reads a 1-D string attribute (fixed-length, or variable-length when allow_variable), at
// most `max_items` entries.
std::vector<std::string> read_attr_string_list(hid_t obj, const char* name,
                                               const std::string& where, hsize_t max_items,
                                               bool allow_variable = true);

// A column of a run table: must exist, be 1-D (or 2-D with `cols` columns when cols > 0).
template <class T>
std::vector<T> read_column(hid_t group, const char* name, hsize_t cols, const std::string& where,
                           const ReadLimits& lim) {
  const std::string what = "dataset " + where + "/" + name;
  if (!link_exists(group, name, what)) throw Error(where + " has no dataset '" + name + "'");
  std::vector<hsize_t> dims;
  std::vector<T> out;
  read_dataset(group, name, what, lim.max_bytes, false, dims, out);
  const std::size_t rank = cols == 0 ? 1 : 2;
  if (dims.size() != rank)
    throw Error(what + " has " + std::to_string(dims.size()) + " dimensions, expected " +
                std::to_string(rank));
  if (cols > 0 && dims[1] != cols)
    throw Error(what + " has " + std::to_string(dims[1]) + " columns, expected " +
                std::to_string(cols));
  return out;
}

// The length of the 1-D dataset ds (`what` in messages); a dataset of another rank is damage.
hsize_t column_length(hid_t ds, const std::string& what);

// Rows [start, start + count) of the 1-D dataset ds, read as T (HDF5 converts the stored
// type); the caller has checked that the rows exist.
template <class T>
std::vector<T> read_rows(hid_t ds, hsize_t start, hsize_t count, const std::string& what) {
  std::vector<T> out(static_cast<std::size_t>(count));
  if (count == 0) return out;
  Dataspace space(H5Dget_space(ds), "cannot read the dataspace of " + what);
  check_status(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr),
               "cannot select rows of " + what);
  Dataspace memory(H5Screate_simple(1, &count, nullptr), "cannot create a dataspace for " + what);
  check_status(H5Dread(ds, H5Type<T>::mem(), memory.get(), space.get(), H5P_DEFAULT, out.data()),
               "cannot read " + what + " (the file may be damaged)");
  return out;
}

// The name of run (or group) `index` in /runs and /groups: at least 6 digits, zero-padded.
// Throws for a negative index.
std::string run_name(std::int64_t index);

// A member name that is a decimal number (a run or group index), or -1.
std::int64_t index_of_name(const std::string& s);

// The link names of group `name` of loc.
std::unordered_set<std::string> link_names(hid_t loc, const char* name, const std::string& where);

// ---- What a killed writer can leave unreadable (a kill during a flush) ----
// A flush writes the metadata that changed in place (a group's links) before the new
// objects they point to and before the superblock that records the file's new end; a kill in
// between leaves a link to an object header that is past the recorded end of the file or
// only half written. HDF5 cannot delete such a link, nor the group holding it (deleting
// either decrements the object's link count, which reads its header), but it can move the
// group that holds it: these helpers set damaged groups aside in /damaged instead.

// Whether the object loc/name and every object under it have readable headers (H5Ovisit
// reads each one).
bool objects_readable(hid_t loc, const std::string& name);

// Moves the group loc/name into /damaged of `file` as "NAME-K" (the first free K),
// without reading what it holds, and returns the new path. Throws an Error naming the file
// when even that fails (the group's own header is damaged).
std::string set_aside(hid_t file, hid_t loc, const std::string& name, const std::string& path);

// Deletes file/name when everything under it is readable, else sets it aside.
void delete_or_set_aside(hid_t file, const std::string& name, const std::string& path);

// Replaces file/name by a new group (created with `gcpl`) holding hard links to the
// members `keep` of the old one, and sets the old one aside in /damaged. The members kept
// must be readable; the others are not touched.
void rebuild_group(hid_t file, const std::string& name, const std::vector<std::string>& keep,
                   hid_t gcpl, const std::string& path);

// The root groups of a format 3 file.
inline constexpr const char* kFormat3Groups[] = {"run_table", "groups", "episodes",
                                                 "regret",    "eval",   "runs"};

}  // namespace rlsim::runfile

// Private: a StateDict as a group inside an HDF5 file that is already open, for the
// state-dict files (core/state_dict_io.cpp) and the run files' per-run agent state
// (run/experiment_writer.cpp, run/run_group_reader.cpp). Not installed (it includes
// <hdf5.h>). The layout is core/state_dict_io.hpp's.
//
// Contract: call under an hdf5::Lock. Failures throw rlsim::Error naming `where`.
#pragma once
#include <hdf5.h>

#include <string>

#include "core/state_dict.hpp"

namespace rlsim::hdf5 {

// Throws rlsim::Error naming the file (`path`) and `group` when `state` cannot be written:
// an empty entry name or one with an empty or '.' component, a negative dimension, data
// that do not fit the shape, or entries "a" and "a/b" together.
void validate_state(const std::string& path, const std::string& group, const StateDict& state);

// Writes `state` as the group `group` (a relative path) of loc, which must not exist yet
// (missing parent groups are made).
void write_state_group(hid_t loc, const std::string& group, const StateDict& state,
                       const std::string& where);

// Reads every dataset under the group `group` of loc (which must exist and be a group),
// refusing a dataset that would expand to more than max_bytes (hdf5::max_read_bytes).
StateDict read_state_group(hid_t loc, const std::string& group, const std::string& where,
                           hsize_t max_bytes);

}  // namespace rlsim::hdf5

// StateDict files: an agent's learned state (core/state_dict.hpp) stored in, and read back
// from, a group of an HDF5 file. nn::save/nn::load (nn/serialize.hpp), checkpoints and the
// run files' per-run agent state all use this layout (docs/log-format.md).
//
// Contract: one float64 dataset per entry, with the entry's shape (a scalar dataset for an
// empty shape); a '/' in an entry name makes nested groups; the group carries the
// attribute rlsim_state_dict_version = 1. write_state_dict creates the file if absent,
// otherwise opens it read-write and replaces the group if present (other groups are kept);
// it refuses, before touching the file, an empty group name, entry names with empty or '.'
// components, data that do not fit their shape, and entries "a" and "a/b" together.
// read_state_dict reads every dataset under the group (integers or floats, as doubles) and
// throws naming the file and group when the group is absent or not a group. Every failure
// throws rlsim::Error naming the file. Thread-safe (HDF5 calls hold the process-wide HDF5
// lock).
#pragma once
#include <string>

#include "core/state_dict.hpp"

namespace rlsim {

void write_state_dict(const std::string& path, const std::string& group, const StateDict& state);
StateDict read_state_dict(const std::string& path, const std::string& group);

}  // namespace rlsim

// Saving and loading a module's parameters (and an optimizer's state) through StateDict
// (core/state_dict.hpp), and to/from an HDF5 group through write_state_dict /
// read_state_dict (core/state_dict_io.hpp).
//
// Entry names: "<prefix><parameter name>" with shape {rows, cols}. Loading is strict, as
// PyTorch's load_state_dict(strict=True): every parameter must be present with its
// exact shape and no entry under the prefix may be left over; otherwise an Error names
// the parameter (or entry) and both shapes. Nothing is changed when loading fails.
// In a file written by save(), module entries are under "model." and optimizer entries
// under "optimizer." (names use dots, never '/', so each is one HDF5 dataset).
#pragma once
#include <string>

#include "core/state_dict.hpp"
#include "nn/module.hpp"
#include "nn/optim.hpp"

namespace rlsim::nn {

void to_state_dict(const Module& module, StateDict& out, const std::string& prefix = "");
void from_state_dict(Module& module, const StateDict& in, const std::string& prefix = "");

// Writes (creates or truncates) `path` with one group holding the module's parameters
// and, if given, the optimizer's state.
void save(const std::string& path, const std::string& group, Module& module,
          const Optimizer* optimizer = nullptr);
// Reads them back; names and shapes are checked before anything is changed.
void load(const std::string& path, const std::string& group, Module& module,
          Optimizer* optimizer = nullptr);

}  // namespace rlsim::nn

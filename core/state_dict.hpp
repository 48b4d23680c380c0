// StateDict: named numeric arrays, the neutral form of an agent's learned state.
// Agents save into it and load from it; core/state_dict_io.hpp stores it in an HDF5
// group, so agents never deal with file formats. Values are doubles (float32 converts exactly).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace rlsim {

struct ArrayRecord {
  std::vector<std::int64_t> shape;
  std::vector<double> data;  // row-major, size = product of shape
};
using StateDict = std::map<std::string, ArrayRecord>;

// A shape as messages write it: "4", "5×3" (as nn::shape_string writes a matrix), or
// "a scalar" for an empty shape.
std::string shape_text(const std::vector<std::int64_t>& shape);

}  // namespace rlsim

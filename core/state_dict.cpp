#include "core/state_dict.hpp"

namespace rlsim {

std::string shape_text(const std::vector<std::int64_t>& shape) {
  if (shape.empty()) return "a scalar";
  std::string s;
  for (std::size_t k = 0; k < shape.size(); ++k) s += (k ? "×" : "") + std::to_string(shape[k]);
  return s;
}

}  // namespace rlsim

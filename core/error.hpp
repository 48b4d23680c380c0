// rlsim::Error: the one exception type for bad input and failed operations.
// Contract: the message names the input, what was wrong, and what would be right.
// The driver prints what() as one line on stderr and exits non-zero.
#pragma once
#include <stdexcept>
#include <string>

namespace rlsim {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace rlsim

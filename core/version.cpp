#include "core/version.hpp"

#ifndef RLSIM_GIT_COMMIT
#define RLSIM_GIT_COMMIT "unknown"
#endif

namespace rlsim {
const char* version() {
  return RLSIM_VERSION_STRING;
}
const char* git_commit() {
  return RLSIM_GIT_COMMIT;
}
}  // namespace rlsim

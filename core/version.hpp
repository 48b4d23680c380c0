// Version and ABI version of rlsim. The ABI version changes whenever a change to the
// public interfaces (Env, Agent, Registry, Space, Params) would break a compiled plugin.
#pragma once

#define RLSIM_VERSION_STRING "0.2.0"
#define RLSIM_ABI_VERSION 3

namespace rlsim {
const char* version();
const char* git_commit();  // the commit rlsim was built from, or "unknown"
}  // namespace rlsim

// Plugins: shared libraries that add envs and agents at run time, loaded with Boost.DLL.
//
// A plugin source file ends with RLSIM_PLUGIN(my_register_function), which exports
//   int  rlsim_plugin_abi_version()         — the RLSIM_ABI_VERSION it was built against
//   void rlsim_plugin_register(Registry&)   — adds its envs and agents
// load_plugin refuses a file that is not a shared library, lacks these symbols, or was
// built against another ABI version, each with a clear rlsim::Error. Loaded libraries stay
// loaded for the life of the process. RLSIM_PLUGIN_PATH (colon-separated files or
// directories of .so files) is loaded by load_plugins_from_env().
#pragma once
#include <string>
#include <vector>

#include <boost/config.hpp>

#include "core/registry.hpp"
#include "core/version.hpp"

#define RLSIM_PLUGIN(register_fn)                                                        \
  extern "C" BOOST_SYMBOL_EXPORT int rlsim_plugin_abi_version() {                        \
    return RLSIM_ABI_VERSION;                                                            \
  }                                                                                      \
  extern "C" BOOST_SYMBOL_EXPORT void rlsim_plugin_register(rlsim::Registry& registry) { \
    register_fn(registry);                                                               \
  }

namespace rlsim {

void load_plugin(const std::string& path, Registry& registry);
// Loads every plugin named in RLSIM_PLUGIN_PATH; returns the paths loaded.
std::vector<std::string> load_plugins_from_env(Registry& registry);

}  // namespace rlsim

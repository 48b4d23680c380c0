// Loading plugins (core/plugin.hpp) with Boost.DLL.
//
// load_plugin refuses a file that is not a shared library, lacks the plugin exports, was
// built against another ABI version, or is already loaded, each with one rlsim::Error that
// names the file (and `source`, e.g. "RLSIM_PLUGIN_PATH", when it came from there). The
// plugin's registrations (its RLSIM_REGISTER functions, then its rlsim_plugin_register) run
// against a scratch registry first, so a plugin that fails half-way leaves no trace; its
// entries get the plugin's path as their origin. Loaded libraries stay loaded for the life
// of the process. load_plugins_from_env loads RLSIM_PLUGIN_PATH (colon-separated files, or
// directories of .so files).
#pragma once
#include <string>
#include <vector>

#include "core/registry.hpp"

namespace rlsim {

void load_plugin(const std::string& path, Registry& registry, const std::string& source = "");
// Loads every plugin named in RLSIM_PLUGIN_PATH; returns the paths loaded.
std::vector<std::string> load_plugins_from_env(Registry& registry);

}  // namespace rlsim

#include "run/plugin_loader.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include <dlfcn.h>

#include <boost/dll/shared_library.hpp>

#include "core/error.hpp"
#include "core/registration.hpp"
#include "core/version.hpp"

namespace rlsim {

namespace {
std::mutex& plugin_mutex() {
  static std::mutex m;
  return m;
}
}  // namespace

namespace {
// A library loaded in this process, with the registrations its loading appended.
struct LoadedPlugin {
  std::string canonical;
  boost::dll::shared_library library;
  std::vector<RegisterFunction> registrations;
};
// Loaded libraries must outlive every env and agent they created: keep them to the end.
std::vector<LoadedPlugin>& loaded_plugins() {
  static std::vector<LoadedPlugin> plugins;
  return plugins;
}

// Loads the library once per process; later registries reuse it.
const LoadedPlugin& load_library(const std::string& path, const std::string& canonical,
                                 const std::string& name) {
  for (const LoadedPlugin& p : loaded_plugins())
    if (p.canonical == canonical) return p;
  // Its static registrations (RLSIM_REGISTER) run while the library loads: they append to
  // the registration list, and are taken out of it here so that only registries that load
  // the plugin run them, after the ABI check.
  const std::size_t before = registration_count();
  boost::dll::shared_library lib;
  boost::system::error_code load_ec;
  lib.load(boost::dll::fs::path(path), load_ec, boost::dll::load_mode::rtld_now);
  std::vector<RegisterFunction> registrations = take_registrations_since(before);
  if (load_ec || !lib.is_loaded()) {
    std::string why = load_ec.message();
    if (const char* dl = ::dlerror()) why = dl;
    throw Error(name + " is not a loadable shared library (" + why +
                "); build it as in examples/plugin_env");
  }
  if (!lib.has("rlsim_plugin_abi_version") || !lib.has("rlsim_plugin_register"))
    throw Error(name +
                " is a shared library but not an rlsim plugin: it does not export "
                "rlsim_plugin_abi_version/rlsim_plugin_register (end one of its source files "
                "with RLSIM_PLUGIN())");
  const int abi = lib.get<int()>("rlsim_plugin_abi_version")();
  if (abi != RLSIM_ABI_VERSION)
    throw Error(name + " was built against rlsim ABI version " + std::to_string(abi) +
                " but this rlsim has ABI version " + std::to_string(RLSIM_ABI_VERSION) +
                ": rebuild the plugin against this rlsim");
  loaded_plugins().push_back({canonical, std::move(lib), std::move(registrations)});
  return loaded_plugins().back();
}
}  // namespace

void load_plugin(const std::string& path, Registry& registry, const std::string& source) {
  namespace fs = std::filesystem;
  const std::string name =
      "plugin '" + path + "'" + (source.empty() ? "" : " (from " + source + ")");
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw Error(name + " does not exist: give the path of a plugin .so file");
  if (fs::is_directory(path, ec))
    throw Error(name + " is a directory: give the path of a plugin .so file");
  if (!fs::is_regular_file(path, ec))
    throw Error(name + " is not a regular file: give the path of a plugin .so file");
  const std::string canonical = fs::canonical(path, ec).string();
  if (registry.has_plugin(canonical))
    throw Error(name + " is given twice (" + canonical +
                " is already loaded): give each plugin once, with --plugin or in "
                "RLSIM_PLUGIN_PATH");
  std::lock_guard<std::mutex> lock(plugin_mutex());
  const LoadedPlugin& plugin = load_library(path, canonical, name);
  // Register into a scratch copy first, so a plugin that fails half-way leaves no trace.
  Registry scratch;
  for (RegisterFunction fn : plugin.registrations) scratch.run_once(fn);
  plugin.library.get<void(Registry&)>("rlsim_plugin_register")(scratch);
  for (const auto& id : scratch.env_ids()) {
    EnvEntry e = scratch.env(id);
    e.origin = path;
    registry.add_env(std::move(e));
  }
  for (const auto& id : scratch.agent_ids()) {
    AgentEntry a = scratch.agent(id);
    a.origin = path;
    registry.add_agent(std::move(a));
  }
  registry.add_plugin(canonical);
}

std::vector<std::string> load_plugins_from_env(Registry& registry) {
  std::vector<std::string> loaded;
  const char* var = std::getenv("RLSIM_PLUGIN_PATH");
  if (!var || !*var) return loaded;
  std::string all = var;
  std::size_t start = 0;
  while (start <= all.size()) {
    std::size_t end = all.find(':', start);
    if (end == std::string::npos) end = all.size();
    std::string item = all.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    std::error_code ec;
    if (std::filesystem::is_directory(item, ec)) {
      std::vector<std::string> files;
      for (const auto& f : std::filesystem::directory_iterator(item, ec))
        if (f.path().extension() == ".so") files.push_back(f.path().string());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        load_plugin(f, registry, "RLSIM_PLUGIN_PATH");
        loaded.push_back(f);
      }
    } else {
      load_plugin(item, registry, "RLSIM_PLUGIN_PATH");
      loaded.push_back(item);
    }
  }
  return loaded;
}

}  // namespace rlsim

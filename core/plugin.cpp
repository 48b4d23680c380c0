#include "core/plugin.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include <boost/dll/shared_library.hpp>

#include "core/error.hpp"

namespace rlsim {

namespace {
std::mutex& plugin_mutex() {
  static std::mutex m;
  return m;
}
// Loaded libraries must outlive every env and agent they created: keep them to the end.
std::vector<boost::dll::shared_library>& loaded_libraries() {
  static std::vector<boost::dll::shared_library> libs;
  return libs;
}
}  // namespace

void load_plugin(const std::string& path, Registry& registry) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw Error("plugin '" + path + "' does not exist: give the path of a plugin .so file");
  if (fs::is_directory(path, ec))
    throw Error("plugin '" + path + "' is a directory: give the path of a plugin .so file");
  boost::dll::shared_library lib;
  boost::system::error_code load_ec;
  lib.load(boost::dll::fs::path(path), load_ec, boost::dll::load_mode::rtld_now);
  if (load_ec || !lib.is_loaded())
    throw Error("plugin '" + path + "' is not a loadable shared library (" + load_ec.message() +
                "); build it as in examples/plugin_env");
  if (!lib.has("rlsim_plugin_abi_version") || !lib.has("rlsim_plugin_register"))
    throw Error("'" + path +
                "' is a shared library but not an rlsim plugin: it does not export "
                "rlsim_plugin_abi_version/rlsim_plugin_register (end its source with "
                "RLSIM_PLUGIN(your_register_function))");
  const int abi = lib.get<int()>("rlsim_plugin_abi_version")();
  if (abi != RLSIM_ABI_VERSION)
    throw Error("plugin '" + path + "' was built against rlsim ABI version " + std::to_string(abi) +
                " but this rlsim has ABI version " + std::to_string(RLSIM_ABI_VERSION) +
                ": rebuild the plugin against this rlsim");
  // Register into a scratch copy first, so a plugin that fails half-way leaves no trace.
  Registry scratch;
  lib.get<void(Registry&)>("rlsim_plugin_register")(scratch);
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
  std::lock_guard<std::mutex> lock(plugin_mutex());
  loaded_libraries().push_back(std::move(lib));
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
        load_plugin(f, registry);
        loaded.push_back(f);
      }
    } else {
      load_plugin(item, registry);
      loaded.push_back(item);
    }
  }
  return loaded;
}

}  // namespace rlsim

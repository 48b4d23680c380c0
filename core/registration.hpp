// One registration idiom: every env, agent or policy source file ends with its own
// registration, and nothing else is edited to add one.
//
//   void register_cart_pole(Registry& registry) { registry.add_env(env_entry<...>(...)); }
//   RLSIM_REGISTER(register_cart_pole)
//
// RLSIM_REGISTER defines a static object whose constructor appends the function to one
// process-wide list when the library (or executable, or plugin) holding it is loaded.
// run_registrations(registry) runs every listed function once per registry, so the
// built-in libraries, a test's own file and the driver all meet in one list.
//
// Plugins use the same macro: load_plugin (run/plugin_loader.hpp) takes the functions its
// dlopen appended out of the list, so they run only for the registry that loads the
// plugin, with the plugin as their origin.
//
// Static linking: a static archive's object files that nothing references are dropped by
// the linker, and their registrations with them; rlsim's CMake links its libraries with
// WHOLE_ARCHIVE when they are static (BUILD_SHARED_LIBS=OFF).
#pragma once
#include <cstddef>
#include <vector>

namespace rlsim {

class Registry;
using RegisterFunction = void (*)(Registry&);

class Registration {
 public:
  Registration(RegisterFunction fn, const char* file) noexcept;
};

// Runs every registration function in the list that this registry has not run yet.
void run_registrations(Registry& registry);

// For the plugin loader: the number of listed functions now, and the functions appended
// after position `from`, which are removed from the list.
std::size_t registration_count();
std::vector<RegisterFunction> take_registrations_since(std::size_t from);

}  // namespace rlsim

#define RLSIM_REGISTRATION_CONCAT2(a, b) a##b
#define RLSIM_REGISTRATION_CONCAT(a, b) RLSIM_REGISTRATION_CONCAT2(a, b)
#define RLSIM_REGISTER(register_function)                                               \
  namespace {                                                                           \
  const ::rlsim::Registration RLSIM_REGISTRATION_CONCAT(rlsim_registration_, __LINE__){ \
      register_function, __FILE__};                                                     \
  }

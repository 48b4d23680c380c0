// What a plugin exports: shared libraries that add envs and agents at run time.
//
// A plugin registers its envs, agents and policies exactly as a built-in file does, with
// RLSIM_REGISTER (core/registration.hpp), and one of its source files ends with
// RLSIM_PLUGIN(), which exports
//   int  rlsim_plugin_abi_version()         — the RLSIM_ABI_VERSION it was built against
//   void rlsim_plugin_register(Registry&)   — RLSIM_PLUGIN(fn) calls fn here (the older form
//                                             of a plugin, one registration function)
// The loader (run/plugin_loader.hpp) refuses a library built against another ABI version
// before any of its registrations run.
#pragma once
#include <boost/config.hpp>

#include "core/registration.hpp"
#include "core/registry.hpp"
#include "core/version.hpp"

namespace rlsim::detail {
inline void call_plugin_register(Registry&) {}
inline void call_plugin_register(Registry& registry, RegisterFunction fn) {
  fn(registry);
}
}  // namespace rlsim::detail

#define RLSIM_PLUGIN(...)                                                                \
  extern "C" BOOST_SYMBOL_EXPORT int rlsim_plugin_abi_version() {                        \
    return RLSIM_ABI_VERSION;                                                            \
  }                                                                                      \
  extern "C" BOOST_SYMBOL_EXPORT void rlsim_plugin_register(rlsim::Registry& registry) { \
    ::rlsim::detail::call_plugin_register(registry __VA_OPT__(, ) __VA_ARGS__);          \
  }

// A plugin that claims another ABI version: the loader must refuse it.
#include <boost/config.hpp>

#include "core/registry.hpp"

extern "C" BOOST_SYMBOL_EXPORT int rlsim_plugin_abi_version() {
  return 999;
}
extern "C" BOOST_SYMBOL_EXPORT void rlsim_plugin_register(rlsim::Registry&) {}

// Shared by every test binary: the registry of the built-in components and a scratch
// directory.
//
// registry() registers every built-in env, bandit policy and agent once per binary.
// Registration is deterministic and the registry is read-only after it, so tests that need
// only envs (or only bandits) share the same instance; a test that enumerates env ids must
// filter them by what it needs (bandit problems are envs too).
#pragma once
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <system_error>

#include "agents/register.hpp"
#include "bandits/register.hpp"
#include "core/registry.hpp"
#include "envs/register.hpp"

namespace rlsim::test {

inline const Registry& registry() {
  static const Registry r = [] {
    Registry reg;
    register_envs(reg);
    register_bandits(reg);
    register_agents(reg);
    return reg;
  }();
  return r;
}

// A fresh directory under the system temp dir (mkdtemp), removed with its contents when the
// object goes out of scope.
struct TempDir {
  std::filesystem::path dir;
  explicit TempDir(const std::string& prefix = "rlsim_test") {
    std::string templ = (std::filesystem::temp_directory_path() / (prefix + "_XXXXXX")).string();
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    dir = templ;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string file(const std::string& name) const { return (dir / name).string(); }
};

}  // namespace rlsim::test

#!/usr/bin/env bash
# The whole test suite: installs the dependencies, builds rlsim (Release), runs every test,
# installs rlsim and builds the out-of-tree plugin example against it, then builds and runs
# the suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
# Usage: ./scripts/test.sh        (RLSIM_SKIP_SANITIZE=1 skips the sanitizer pass)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
./scripts/install-deps.sh

echo "== Release build and tests"
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
ctest --preset release

echo "== Install, then build and run the out-of-tree plugin example against the install"
rm -rf build/install build/plugin
cmake --install build/release --prefix build/install >/dev/null
cmake -S examples/plugin_env -B build/plugin -DCMAKE_PREFIX_PATH="$PWD/build/install" >/dev/null
cmake --build build/plugin -j "$jobs"
RLSIM_PLUGIN_PATH= ./build/install/bin/rlsim run examples/plugin_env/chain.toml -q \
  --plugin build/plugin/librlsim_chain_plugin.so --out build/plugin/chain.h5 --overwrite
./build/install/bin/rlsim analyze build/plugin/chain.h5

if [ "${RLSIM_SKIP_SANITIZE:-0}" != "1" ]; then
  echo "== ASan + UBSan build and tests"
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$jobs"
  ctest --preset asan
fi

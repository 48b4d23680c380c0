#!/usr/bin/env bash
# Quick start: installs the dependencies, builds rlsim (Release) and runs the default
# experiment. Usage: ./scripts/quickstart.sh
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target rlsim
./build/release/bin/rlsim run

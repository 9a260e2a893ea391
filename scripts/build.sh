#!/usr/bin/env bash
# Configures and builds keypaird into build/ (or $BUILD_DIR), warnings as errors.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build}"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DKEYPAIRD_WERROR=ON "$@"
cmake --build "$build_dir" -j"$(nproc)"

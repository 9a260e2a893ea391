#!/usr/bin/env bash
# Configures and builds keypaird and its unit tests into build/ (or $BUILD_DIR), warnings as
# errors. Extra arguments go to cmake (e.g. -DKEYPAIRD_TESTS=OFF: the binaries only).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build}"
# Tests on unless the arguments say otherwise (a later -D wins), so that a build directory
# configured by scripts/run.sh (-DKEYPAIRD_TESTS=OFF) builds the tests again here.
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DKEYPAIRD_WERROR=ON -DKEYPAIRD_TESTS=ON "$@"
cmake --build "$build_dir" -j"$(nproc)"

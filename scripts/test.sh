#!/usr/bin/env bash
# The README's second command: install what is needed, build, and run the whole test suite
# (unit tests, integration tests against the real binary, the conformance replay), once in a
# normal build and once under AddressSanitizer + UndefinedBehaviorSanitizer; then the clang
# build (-Wthread-safety -Werror) and each fuzzer for FUZZ_SECONDS (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

BUILD_DIR=build scripts/build.sh
(cd build && ctest --output-on-failure --timeout 900)

if [ "${KEYPAIRD_SKIP_SANITIZERS:-0}" != "1" ]; then
  BUILD_DIR=build-asan BUILD_TYPE=Debug scripts/build.sh -DKEYPAIRD_SANITIZE=ON
  # Tests labelled "external" drive outside servers (PostgreSQL, Keystone) whose own behaviour
  # the sanitizers do not see; they run once, in the normal build above.
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --output-on-failure --timeout 900 --label-exclude external)
fi

if [ "${KEYPAIRD_SKIP_FUZZ:-0}" != "1" ]; then
  # One fuzzer per core: on two cores, seven targets x 60 s take about four minutes.
  FUZZ_SECONDS="${FUZZ_SECONDS:-60}" scripts/fuzz.sh
fi

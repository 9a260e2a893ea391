#!/usr/bin/env bash
# The README's first command: install what building and running need (not the test servers and
# tools: scripts/test.sh installs those), build the binaries (not the tests), and start keypaird
# on the embedded SQLite store with the sample configuration (state under ./state/).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --run
scripts/build.sh -DKEYPAIRD_TESTS=OFF
mkdir -p state
exec build/keypaird --config-file etc/keypaird.conf "$@"

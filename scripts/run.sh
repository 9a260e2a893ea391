#!/usr/bin/env bash
# The README's first command: install what is needed, build, and start keypaird on the embedded
# SQLite store with the sample configuration (state under ./state/).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
mkdir -p state
exec build/keypaird --config-file etc/keypaird.conf "$@"

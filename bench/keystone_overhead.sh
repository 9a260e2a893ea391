#!/usr/bin/env bash
# Keystone authentication overhead with a warm token cache: GET show throughput of keypaird in
# auth_strategy = keystone versus noauth2, measured in the same run (wrk), printed as a ratio.
# Usage: bench/keystone_overhead.sh [path/to/keypaird] [extra options, see --help]
# Build a release binary first (scripts/build.sh does); needs keystone, uwsgi and wrk
# (scripts/install-deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-build/keypaird}"
shift || true
exec python3 bench/keystone_overhead.py --binary "$binary" "$@"

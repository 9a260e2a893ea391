#!/usr/bin/env bash
# Installs what keypaird needs from Debian 12's packages.
#   scripts/install-deps.sh --run    only what building and running keypaird need (scripts/run.sh)
#   scripts/install-deps.sh --bench  that, and what bench/run.py needs (wrk, nginx)
#   scripts/install-deps.sh          everything: also the unit-test, fuzzing and hardening tools,
#                                    and the servers and clients the tests start (scripts/test.sh,
#                                    .ci/run)
set -euo pipefail
# Building and running: the compiler and build tools, and the libraries keypaird links against
# (each -dev package pulls in its runtime library).
run_packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-program-options1.81-dev
  libssl-dev libsqlite3-dev libpq-dev libmariadb-dev libspdlog-dev libfmt-dev prometheus-cpp-dev
)
bench_packages=(wrk nginx-light)
test_packages=(
  git
  libgtest-dev libgmock-dev
  clang llvm libclang-rt-14-dev  # the clang build (-Wthread-safety) and the fuzzers
  python3 openssl sqlite3
  postgresql nginx-light  # servers the PostgreSQL tests start for themselves
  mariadb-server  # the MariaDB tests start their own mariadbd (tests/integration/mariadb_server.py)
  # Keystone tests: a real Keystone under uwsgi, and the real clients.
  keystone uwsgi uwsgi-plugin-python3 python3-openstackclient python3-openstacksdk
  python3-cryptography
  # The differential test (tests/differential): the real nova-api (python3-nova 26.2.2, Zed)
  # as the oracle, run by the test itself under uwsgi on loopback.
  nova-api
  # Nova on MariaDB and PostgreSQL (nova-manage api_db sync, nova-api beside keypaird in
  # schema = nova_api, import-nova): the drivers nova.conf's mysql+pymysql:// and
  # postgresql+psycopg2:// URLs name.
  python3-pymysql python3-psycopg2
  # One compute endpoint URL: haproxy sends keypair paths to keypaird, the rest to nova-api
  # (etc/haproxy/keypaird-beside-nova.cfg, tests/integration/test_haproxy_beside_nova.py).
  haproxy
  # Hardening tests: the unit's syscall filter (libseccomp), systemd-analyze, gcore, and the
  # reference policy engine.
  python3-seccomp systemd gdb python3-oslo.policy
  wrk  # the benchmarks
)
case "${1:-}" in
  --run) packages=("${run_packages[@]}") ;;
  --bench) packages=("${run_packages[@]}" "${bench_packages[@]}") ;;
  "") packages=("${run_packages[@]}" "${test_packages[@]}") ;;
  *) echo "usage: $0 [--run | --bench]" >&2; exit 2 ;;
esac
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # Debian's keystone, postgresql, mariadb-server, nginx and haproxy packages would start system-wide
  # servers (init script or systemd); the tests run their own. Deny service starts while installing, unless
  # the machine already has a policy (as many CI images do).
  temporary_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    temporary_policy=1
  fi
  $sudo apt-get update -qq
  status=0
  $sudo apt-get install -y --no-install-recommends "${missing[@]}" || status=$?
  [ -n "$temporary_policy" ] && $sudo rm -f /usr/sbin/policy-rc.d
  exit "$status"
fi

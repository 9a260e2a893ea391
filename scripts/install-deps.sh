#!/usr/bin/env bash
# Installs everything keypaird needs to build, run and test, from Debian 12's packages.
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-program-options1.81-dev
  libssl-dev libsqlite3-dev sqlite3 libpq-dev libspdlog-dev libfmt-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev
  clang llvm libclang-rt-14-dev
  python3 openssl
  postgresql nginx-light  # servers the PostgreSQL tests start for themselves
  # Keystone tests: a real Keystone under uwsgi, and the real clients.
  keystone uwsgi uwsgi-plugin-python3 python3-openstackclient python3-openstacksdk
  python3-cryptography
  # Hardening tests: the unit's syscall filter (libseccomp), systemd-analyze, gcore, and the
  # reference policy engine.
  python3-seccomp systemd gdb python3-oslo.policy
  # Benchmarks
  wrk
)
# --bench adds what bench/run.py needs.
if [ "${1:-}" = "--bench" ]; then packages+=(wrk nginx-light); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # Debian's keystone package would start a system-wide Keystone (init script or systemd) on
  # port 5000; the tests run their own. Deny service starts while installing, unless the
  # machine already has a policy (as many CI images do).
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

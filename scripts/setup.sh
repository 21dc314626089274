#!/usr/bin/env bash
# Installs the Debian 12 packages sluice needs that are missing, then
# configures and builds the release preset. Safe to run again.
#
#   scripts/setup.sh               # what building and running need
#   scripts/setup.sh --test-tools  # and what only the tests use (scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ cmake ninja-build pkg-config clang-format git
  libtbb-dev libtomlplusplus-dev libcli11-dev libfmt-dev libspdlog-dev
  nlohmann-json3-dev libsimdjson-dev libre2-dev libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev graphviz
  libnats-dev nats-server libjemalloc-dev
  libcurl4-openssl-dev libcpp-httplib-dev
)
if [ "${1:-}" = "--test-tools" ]; then
  # A real browser loads the live page of `sluice run --ui` (tests/ui_e2e_test.cpp).
  packages+=(chromium)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cmake --preset release >/dev/null
cmake --build --preset release

#!/usr/bin/env bash
# Installs everything Batchdeck needs to build, run and test on Debian 12 or Ubuntu 24.04.
# Used by both README quick-start commands and by .ci/run. Idempotent; needs root or sudo.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  qt6-base-dev qt6-httpserver-dev qt6-websockets-dev libqt6sql6-sqlite qt6-svg-dev
  qtkeychain-qt6-dev libsecret-1-0
  libarchive-dev libcpp-httplib-dev libssl-dev libmicrohttpd-dev libcurl4-openssl-dev libsqlite3-dev
  # a compiler cache (used when present: rebuilds after a pull take minutes, not a quarter hour)
  ccache
  # tests: a real secret service, a virtual display, screenshots, a loopback HTTP baseline
  dbus dbus-x11 gnome-keyring libsecret-tools xvfb xauth fonts-dejavu-core imagemagick curl time
  # benchmarks: bsdtar extracts the export baseline's archives (bench_export)
  libarchive-tools
)

# Node.js + npm for the cloud emulators of the tests (installer/npm-emulators.sh); a node already
# on PATH (e.g. a newer one from nodesource or nvm) is kept.
if ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "installer: installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "installer: all dependencies present"
fi

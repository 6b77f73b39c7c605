#!/usr/bin/env bash
# Installs the local cloud-storage emulators the end-to-end cloud tests start (tests/cloud):
# s3rver (S3) and azurite (Azure Blob), outside the source tree, into
#   ${BATCHDECK_NPM_DIR:-$HOME/.cache/batchdeck-npm}
# Idempotent: does nothing when the pinned versions are already there. Fails loudly (non-zero
# exit, npm's own log on standard error) when npm is missing or the install fails.
# azurite is pinned to 3.34.0: its newest releases require Node 22, Debian 12 ships Node 18.
set -euo pipefail

S3RVER_VERSION=3.7.1
AZURITE_VERSION=3.34.0
dir="${BATCHDECK_NPM_DIR:-$HOME/.cache/batchdeck-npm}"

if ! command -v npm >/dev/null 2>&1; then
  echo "npm-emulators: npm is not installed (installer/install-deps.sh installs nodejs and npm)" >&2
  exit 1
fi

installed_version() {   # $1 = package name; prints its installed version or nothing
  local manifest="$dir/node_modules/$1/package.json"
  [ -f "$manifest" ] && node -e 'process.stdout.write(require(process.argv[1]).version)' "$manifest" 2>/dev/null || true
}

if [ "$(installed_version s3rver)" = "$S3RVER_VERSION" ] && [ "$(installed_version azurite)" = "$AZURITE_VERSION" ]; then
  echo "npm-emulators: s3rver $S3RVER_VERSION and azurite $AZURITE_VERSION present in $dir"
  exit 0
fi

mkdir -p "$dir"
echo "npm-emulators: installing s3rver@$S3RVER_VERSION azurite@$AZURITE_VERSION into $dir"
if ! npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
     "s3rver@$S3RVER_VERSION" "azurite@$AZURITE_VERSION" >"$dir/npm-install.log" 2>&1; then
  cat "$dir/npm-install.log" >&2
  echo "npm-emulators: npm install failed (see above)" >&2
  exit 1
fi
for bin in s3rver azurite-blob; do
  if [ ! -x "$dir/node_modules/.bin/$bin" ]; then
    echo "npm-emulators: $dir/node_modules/.bin/$bin is missing after the install" >&2
    exit 1
  fi
done
echo "npm-emulators: done"

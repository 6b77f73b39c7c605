#!/usr/bin/env bash
# The README's two quick-start commands:
#   installer/batchdeck.sh run    install dependencies, build, and open Batchdeck on its embedded sandbox
#   installer/batchdeck.sh test   install dependencies, build, and run every test (ctest)
# Options come from the environment: BUILD_DIR (default build), BUILD_TYPE (default Release), JOBS.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
mode="${1:-run}"
BUILD_DIR="${BUILD_DIR:-build}"
# Release for running; the test build keeps debug info (-O2 -g) so a failure leaves a usable core.
if [ "$mode" = test ]; then BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"; else BUILD_TYPE="${BUILD_TYPE:-Release}"; fi
JOBS="${JOBS:-$(nproc)}"

bash installer/install-deps.sh

configure_and_build() {
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" "$@"
  cmake --build "$BUILD_DIR" -j "$JOBS"
}

case "$mode" in
  run)
    configure_and_build -DBATCHDECK_BUILD_TESTS=OFF
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
      echo "batchdeck: no display found; running on a virtual X display (xvfb-run)"
      exec xvfb-run -a "$BUILD_DIR/bin/batchdeck" --sandbox "${@:2}"
    fi
    exec "$BUILD_DIR/bin/batchdeck" --sandbox "${@:2}"
    ;;
  test)
    configure_and_build -DBATCHDECK_BUILD_TESTS=ON -DBATCHDECK_WERROR=ON
    # The cloud end-to-end tests start s3rver and azurite from npm; install them (once) outside
    # the tree, and pass their folder on before HOME is replaced below.
    export BATCHDECK_NPM_DIR="${BATCHDECK_NPM_DIR:-$HOME/.cache/batchdeck-npm}"
    bash installer/npm-emulators.sh
    # A private session bus with an unlocked gnome-keyring, so the keychain tests use a real
    # secret service; a throw-away HOME keeps the user's own keyring and settings untouched.
    test_home="$(mktemp -d)"
    trap 'rm -rf "$test_home"' EXIT
    export HOME="$test_home" XDG_DATA_HOME="$test_home/.local/share" XDG_CONFIG_HOME="$test_home/.config"
    export QT_QPA_PLATFORM=offscreen
    exec dbus-run-session -- sh -c '
      echo -n batchdeck-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
      ctest --test-dir "$0" --output-on-failure --timeout 900 -LE bench --repeat until-pass:2
    ' "$BUILD_DIR"
    ;;
  *)
    echo "usage: installer/batchdeck.sh run|test" >&2
    exit 2
    ;;
esac

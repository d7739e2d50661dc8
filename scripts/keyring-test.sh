#!/usr/bin/env bash
# Runs the credentials tests against a real OS keychain on Linux:
#   1. a private D-Bus session with gnome-keyring's Secret Service, unlocked with a
#      throwaway password and keeping its keyrings in a temporary directory (so an
#      agent's own login keyring is never read or written): tokens round-trip;
#   2. no reachable session bus at all: the store reports keychain_unavailable with a
#      fix instead of falling back to a file.
# The same tests skip themselves in a plain `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/outpost-target}"

if ! command -v gnome-keyring-daemon >/dev/null || ! command -v dbus-run-session >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gnome-keyring dbus-x11
    else
        echo "keyring-test: needs gnome-keyring and dbus-run-session; run: sudo apt-get install gnome-keyring dbus-x11" >&2
        exit 1
    fi
fi

# Compile outside the D-Bus session: the daemon should not idle through a build. The
# whole workspace, as `make rust-build` does, so these are the binaries (and features)
# the other test steps use and nothing is compiled a second time.
cargo test --workspace --no-run

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -m 700 "$scratch/run"

echo "keyring-test: Secret Service (gnome-keyring) running and unlocked"
XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run" \
    dbus-run-session -- bash -c '
        set -euo pipefail
        echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
        OUTPOST_TEST_SECRET_SERVICE=1 cargo test --workspace --lib credentials -- --nocapture
        # The real binary against a real server: the token is in the keychain and not
        # in the cache, its WAL, the profile or the trace log.
        # nextest picks the binary out of the workspace build; `cargo test --test
        # keychain` would resolve features for that target alone and rebuild the tree.
        OUTPOST_TEST_SECRET_SERVICE=1 cargo nextest run --workspace --no-capture \
            -E "package(outpost-cli) & binary(keychain)"
    '

echo "keyring-test: no session bus"
DBUS_SESSION_BUS_ADDRESS="unix:path=$scratch/no-such-bus" OUTPOST_TEST_NO_KEYCHAIN=1 \
    cargo test --workspace --lib credentials::tests::keychain_without_session_bus -- --nocapture

#!/usr/bin/env bash
# End-to-end test of the desktop app (issue 4): the real outpost-app binary on
# WebKitGTK, driven through tauri-driver + WebKitWebDriver, against a real
# outpost-server on a fresh SQLite demo database, in a throwaway desktop session
# (Xvfb, private D-Bus, unlocked gnome-keyring: scripts/desktop-session.sh).
# Screenshots of every step, the app, server and driver logs go to e2e/artifacts/.
#
# Needs: the debug builds of outpost-server and outpost-app in $CARGO_TARGET_DIR
# (`make app-e2e` builds them), tauri-driver (`cargo install tauri-driver --locked`),
# Debian packages xvfb dbus-x11 gnome-keyring webkit2gtk-driver, Node >= 20.
#
# Environment:
#   OUTPOST_E2E_TICKETS        demo tickets (default 200)
#   OUTPOST_E2E_TIMEOUT_SCALE  multiply every wait (slow machines; default 1)
#   OUTPOST_E2E_ARTIFACTS      where screenshots and logs go (default e2e/artifacts)
#   OUTPOST_APP_BIN            the app binary (default $CARGO_TARGET_DIR/debug/outpost-app)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/outpost-target}"
export PATH="$PATH:$HOME/.cargo/bin"

for tool in node tauri-driver WebKitWebDriver; do
    if ! command -v "$tool" >/dev/null; then
        case "$tool" in
            tauri-driver) fix="cargo install tauri-driver --locked" ;;
            WebKitWebDriver) fix="sudo apt-get install webkit2gtk-driver" ;;
            node) fix="sudo apt-get install nodejs" ;;
        esac
        echo "e2e: $tool not found; run: $fix" >&2
        exit 1
    fi
done

exec scripts/desktop-session.sh node e2e/scenario.mjs

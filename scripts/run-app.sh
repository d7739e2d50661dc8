#!/usr/bin/env bash
# `make run`: install what is missing, build the UI, the server and the desktop app,
# start a demo server on embedded SQLite (unless something already answers on the
# port), and open the app pointed at it with the demo credentials on its sign-in
# screen. Closing the app stops the server this script started.
#
# The app keeps its session token in the OS keychain (the Secret Service). Where the
# session has none (a headless machine under xvfb-run has no D-Bus session at all), the
# app runs in a private D-Bus session with a throwaway gnome-keyring, unlocked with a
# random password and kept in a temporary directory, and the script says so: sign-in
# works, and the token is forgotten when the app closes.
#
# Environment:
#   OUTPOST_DEMO_DB       SQLite file of the demo server (default ~/.local/share/outpost/demo.db)
#   OUTPOST_DEMO_BIND     address to serve on (default 127.0.0.1:8080)
#   OUTPOST_DEMO_TICKETS  tickets per tenant on first use (default 2000)
#   OUTPOST_PROFILE       the app's profile directory (default: the app's data directory)
#   CARGO_TARGET_DIR      build cache (default /var/tmp/outpost-target)
set -euo pipefail

cd "$(dirname "$0")/.."

# shellcheck source=demo-env.sh
source scripts/demo-env.sh
log_file="$(dirname "$db")/demo-server.log"

say() { echo "run: $*"; }

if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
    echo "run: no display (neither DISPLAY nor WAYLAND_DISPLAY is set), so the app cannot open a window." >&2
    echo "run: on a headless machine use \`xvfb-run -a make run\`, or \`make demo-server\` for the server alone." >&2
    exit 2
fi

# shellcheck source=install-deps.sh
source scripts/install-deps.sh
install_deps app

say "building the UI"
make --no-print-directory ui-build
say "building outpost-server and the desktop app"
cargo build --quiet -p outpost-server --bin outpost-server -p outpost-app
app="$CARGO_TARGET_DIR/debug/outpost-app"

server_pid=""
stop_server() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
}
trap stop_server EXIT

if listening; then
    # Most likely a demo server from an earlier `make run` or `make demo-server`.
    say "something already listens on $bind; using it"
else
    # The same server as `make demo-server`, in the background, its output in a log.
    mkdir -p "$(dirname "$db")"
    say "starting the demo server on http://$bind (log: $log_file)"
    [[ -e "$db" ]] || say "creating demo data in $db first (a few seconds)"
    OUTPOST_SERVER_BIN="$CARGO_TARGET_DIR/debug/outpost-server" \
        OUTPOST_DEMO_DB="$db" OUTPOST_DEMO_BIND="$bind" \
        OUTPOST_DEMO_TICKETS="${OUTPOST_DEMO_TICKETS:-2000}" \
        scripts/demo-server.sh >"$log_file" 2>&1 &
    server_pid=$!
    for _ in $(seq 1200); do
        listening && break
        if ! kill -0 "$server_pid" 2>/dev/null; then
            echo "run: the demo server exited; see $log_file" >&2
            tail -n 20 "$log_file" >&2
            exit 2
        fi
        sleep 0.1
    done
    listening || say "the server is not answering yet; the app connects when it does (log: $log_file)"
fi

# Is a Secret Service on the session bus (running, or started on demand)?
secret_service_reachable() {
    [[ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]] || return 1
    command -v dbus-send >/dev/null || return 1
    local names
    names=$(timeout 5 dbus-send --session --print-reply --dest=org.freedesktop.DBus \
        /org/freedesktop/DBus org.freedesktop.DBus.ListNames 2>/dev/null; \
        timeout 5 dbus-send --session --print-reply --dest=org.freedesktop.DBus \
        /org/freedesktop/DBus org.freedesktop.DBus.ListActivatableNames 2>/dev/null) || true
    grep -q '"org.freedesktop.secrets"' <<<"$names"
}

say "opening Outpost (demo accounts: agent1@demo.test … agent3@demo.test, password outpost-demo)"
if secret_service_reachable; then
    OUTPOST_SERVER="http://$bind" OUTPOST_DEMO=1 "$app"
else
    for tool in dbus-run-session gnome-keyring-daemon; do
        command -v "$tool" >/dev/null || {
            echo "run: no Secret Service on this session, and $tool is missing: sudo apt-get install dbus-x11 gnome-keyring" >&2
            exit 2
        }
    done
    keyring_dir=$(mktemp -d "${TMPDIR:-/tmp}/outpost-keyring.XXXXXX")
    trap 'stop_server; rm -rf "$keyring_dir"' EXIT
    say "no Secret Service (OS keychain) on this session: running the app in a private D-Bus session"
    say "with a throwaway gnome-keyring; sign-in works, and the session token is forgotten when the app closes"
    OUTPOST_SERVER="http://$bind" OUTPOST_DEMO=1 OUTPOST_KEYRING_DIR="$keyring_dir" \
        dbus-run-session -- bash -c '
            set -euo pipefail
            if [[ -z "${XDG_RUNTIME_DIR:-}" ]]; then
                export XDG_RUNTIME_DIR="$OUTPOST_KEYRING_DIR/run"
                mkdir -m 700 "$XDG_RUNTIME_DIR"
            fi
            head -c 24 /dev/urandom | base64 | XDG_DATA_HOME="$OUTPOST_KEYRING_DIR" \
                gnome-keyring-daemon --unlock --components=secrets >/dev/null
            exec "$@"
        ' run-app "$app"
fi

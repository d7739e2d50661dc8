#!/usr/bin/env bash
# `make run`: install what is missing, build the UI, the server and the desktop app,
# start a demo server on embedded SQLite (unless something already answers on the
# port), and open the app pointed at it with the demo credentials on its sign-in
# screen. Closing the app stops the server this script started.
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

say "opening Outpost (demo accounts: agent1@demo.test … agent3@demo.test, password outpost-demo)"
OUTPOST_SERVER="http://$bind" OUTPOST_DEMO=1 "$app"

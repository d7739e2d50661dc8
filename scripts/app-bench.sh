#!/usr/bin/env bash
# Desktop app benchmark (issue 4): the real outpost-app on WebKitGTK with a cache of
# 100 000 tickets / 1 000 000 messages (--quick: 5 000 x 5), in a throwaway desktop
# session (scripts/desktop-session.sh), measured by e2e/bench.mjs through tauri-driver:
# cold start to an interactive list, `j` to the next ticket painted (p95), search
# keystroke to results painted (p95), memory of the app and its WebKit processes idle
# and after scrolling the whole list; beside them, in the same run, the same stack's
# floor: an empty Tauri window (src-tauri/examples/empty-window.rs).
#
# Data, cached under /var/tmp/outpost-bench/ (shared with outpost-bench):
#   sqlite-<T>t-<M>m-<schema>.db       the demo server database (same file and key as
#                                      crates/outpost-bench, so either tool reuses it)
#   app-<T>t-<M>m-<schema>/            a profile synced once with the `outpost` CLI
#                                      (profile/) and the server database after that
#                                      sync (server.db); every run works on copies.
#
# Usage: scripts/app-bench.sh [--quick] [--debug] [--fresh] [-- bench.mjs options]
#   --quick   5 000 tickets x 5 messages instead of 100 000 x 10
#   --debug   use the debug builds (no release build; numbers are then pessimistic)
#   --fresh   regenerate the cached database and profile
#   --prepare-only  make the cached database and profile, measure nothing
# Environment: OUTPOST_APP_BIN (the app binary to measure), OUTPOST_BENCH_BASELINE_BIN
# (the empty window), CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/outpost-target}"
export PATH="$PATH:$HOME/.cargo/bin"

tickets=100000 messages=10 profile=release fresh="" prepare_only="" extra=()
while (($#)); do
    case "$1" in
        --quick) tickets=5000 messages=5 ;;
        --debug) profile=debug ;;
        --fresh) fresh=1 ;;
        --prepare-only) prepare_only=1 ;;
        --) shift; extra+=("$@"); break ;;
        *) extra+=("$1") ;;
    esac
    shift
done
if [[ "${OUTPOST_BENCH_QUICK:-}" =~ ^(1|true|yes)$ ]]; then tickets=5000 messages=5; fi

if [[ "$profile" == release ]]; then
    cargo build --release -p outpost-server --bin outpost-server -p outpost-cli --bin outpost
    if [[ -z "${OUTPOST_APP_BIN:-}" && -z "$prepare_only" ]]; then
        # The release binary embeds ui/dist: build the UI first.
        [[ -d ui/node_modules ]] || npm --prefix ui ci
        npm --prefix ui run build
        # The app and the bench's baseline (an empty window), one feature set.
        cargo build --release -p outpost-app --features tauri/custom-protocol \
            --bin outpost-app --example empty-window
    fi
else
    cargo build -p outpost-server --bin outpost-server -p outpost-cli --bin outpost
fi
bin="$CARGO_TARGET_DIR/$profile"
export OUTPOST_APP_BIN="${OUTPOST_APP_BIN:-$bin/outpost-app}"

# The same schema key as crates/outpost-bench (server.rs: schema_key): sha256 over each
# migration file's name and contents in name order, first 6 bytes in hex.
schema_key() {
    local f
    for f in $(ls "$1" | sort); do
        printf '%s' "$f"
        cat "$1/$f"
    done | sha256sum | cut -c1-12
}
work=/var/tmp/outpost-bench
mkdir -p "$work"
key=$(schema_key migrations/server-sqlite)
db="$work/sqlite-${tickets}t-${messages}m-$key.db"
cache="$work/app-${tickets}t-${messages}m-$key-$(schema_key migrations/client-cache)"
if [[ -n "$fresh" ]]; then rm -rf "$db" "$db-wal" "$db-shm" "$cache"; fi

if [[ ! -f "$db" ]]; then
    echo "app-bench: generating $db ($tickets tickets x $messages messages; minutes for the full set)"
    start=$(date +%s.%N)
    OUTPOST_LOG=warn,sqlx::pool::acquire=error "$bin/outpost-server" demo --database-url "sqlite://$db.tmp?mode=rwc" \
        --tickets "$tickets" --messages-per-ticket "$messages" >/dev/null
    sqlite3 "$db.tmp" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
    mv "$db.tmp" "$db"
    rm -f "$db.tmp-wal" "$db.tmp-shm"
    awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", e - s }' >"${db%.db}.seconds"
fi

if [[ ! -f "$cache/ready" ]]; then
    echo "app-bench: syncing a profile as agent1 with the outpost CLI into $cache"
    rm -rf "$cache"
    mkdir -p "$cache"
    cp "$db" "$cache/server.db"
    port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
    url="http://127.0.0.1:$port"
    OUTPOST_LOG=error OUTPOST_RATE_LIMIT=0 "$bin/outpost-server" serve \
        --database-url "sqlite://$cache/server.db?mode=rwc" --bind "127.0.0.1:$port" &
    server_pid=$!
    trap 'kill $server_pid 2>/dev/null || true' EXIT
    for _ in $(seq 1 300); do curl -fsS "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
    token=$(curl -fsS "$url/auth/v1/login" -H 'content-type: application/json' \
        -d '{"email":"agent1@demo.test","password":"outpost-demo","tenant":"demo"}' | jq -r .access_token)
    start=$(date +%s.%N)
    OUTPOST_TOKEN="$token" "$bin/outpost" --profile "$cache/profile" login --server "$url" --email agent1@demo.test
    OUTPOST_TOKEN="$token" "$bin/outpost" --profile "$cache/profile" sync
    echo "app-bench: profile synced in $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s"
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    trap - EXIT
    sqlite3 "$cache/server.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
    touch "$cache/ready"
fi

if [[ -n "$prepare_only" ]]; then
    echo "app-bench: data ready in $cache"
    exit 0
fi
[[ -x "$OUTPOST_APP_BIN" ]] || { echo "app-bench: $OUTPOST_APP_BIN not built" >&2; exit 1; }
baseline="${OUTPOST_BENCH_BASELINE_BIN:-$bin/examples/empty-window}"
if [[ -x "$baseline" ]]; then
    export OUTPOST_BENCH_BASELINE_BIN="$baseline"
else
    echo "app-bench: no baseline ($baseline not built): the empty window's column stays empty" >&2
fi
export OUTPOST_BENCH_SERVER_BIN="$bin/outpost-server" OUTPOST_BENCH_CACHE="$cache" \
    OUTPOST_BENCH_LABEL="${tickets} tickets x ${messages} messages, $profile build"
exec scripts/desktop-session.sh node e2e/bench.mjs "${extra[@]}"

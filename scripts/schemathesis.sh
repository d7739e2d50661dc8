#!/usr/bin/env bash
# Property-based API test: schemathesis (PyPI) generates requests from the server's own
# /openapi.json and fails on any 5xx (and on the other checks listed below). It runs
# the real binary on a throw-away SQLite database filled by `outpost-server demo`,
# authenticated as a support agent.
#
# Environment:
#   OUTPOST_VENV       Python venv for schemathesis (default ~/.cache/outpost/venv)
#   ST_MAX_EXAMPLES    test cases per operation and phase (default 100)
#   ST_SEED            random seed (default fixed, so CI runs are repeatable)
#   ST_CHECKS          comma-separated schemathesis checks (default: see below)
#   ST_TIMEOUT         hard limit for the schemathesis run, in seconds (default 900)
#   CARGO_TARGET_DIR   build cache (default /var/tmp/outpost-target)
set -euo pipefail

cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/outpost-target}"
venv="${OUTPOST_VENV:-$HOME/.cache/outpost/venv}"
max_examples="${ST_MAX_EXAMPLES:-100}"
seed="${ST_SEED:-20261122}"
st_timeout="${ST_TIMEOUT:-900}"
# No 5xx, responses that match the documented schemas and status codes, plus protocol
# checks. Not in the list: positive_data_acceptance and negative_data_rejection, which
# would need every semantic rule (e.g. "assigned_to needs an elevated user") encoded
# as a schema constraint.
checks="${ST_CHECKS:-not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance,response_headers_conformance,missing_required_header,unsupported_method,allow_header_conformance,use_after_free,ensure_resource_availability,ignored_auth}"

log() { echo "schemathesis.sh: $*"; }

# Schemathesis in its own venv, installed once per machine.
if [[ ! -x "$venv/bin/python" ]]; then
    log "creating Python venv at $venv"
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv"
fi
if [[ "$("$venv/bin/st" --version 2>/dev/null || true)" != *"$SCHEMATHESIS_VERSION"* ]]; then
    log "installing schemathesis $SCHEMATHESIS_VERSION"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# The server, on a free port with fresh demo data.
log "building outpost-server"
# The workspace test build (`make rust-build`): the server binary with the features
# every other test step uses, so nothing is compiled twice.
cargo test --quiet --workspace --no-run
server="$CARGO_TARGET_DIR/debug/outpost-server"

work="$(mktemp -d "${TMPDIR:-/tmp}/outpost-st.XXXXXX")"
pid=""
cleanup() {
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        # Graceful shutdown first; a server that hangs is not left behind.
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

db_url="sqlite://$work/outpost.db?mode=rwc"
log "filling $work/outpost.db with demo data"
OUTPOST_LOG=warn "$server" demo --database-url "$db_url" --tickets 30 --messages-per-ticket 4 --json >"$work/demo.json"

port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
log "starting the server on $base"
# The per-token rate limit is off: with it, most generated requests would be answered
# 429 before reaching a handler, and the handlers are what this run is for.
OUTPOST_RATE_LIMIT=0 OUTPOST_LOG="${OUTPOST_LOG:-info,sqlx=warn}" "$server" serve --database-url "$db_url" --bind "127.0.0.1:$port" \
    >"$work/server.log" 2>&1 &
pid=$!

server_log() {
    echo "---- server log (last 50 lines) ----"
    tail -n 50 "$work/server.log" || true
    echo "------------------------------------"
}

for _ in $(seq 300); do
    if curl -fsS -o /dev/null "$base/healthz" 2>/dev/null; then break; fi
    if ! kill -0 "$pid" 2>/dev/null; then
        log "the server exited before it answered"
        server_log
        exit 1
    fi
    sleep 0.1
done
if ! curl -fsS -o /dev/null "$base/openapi.json"; then
    log "the server did not answer $base/openapi.json within 30 s"
    server_log
    exit 1
fi

log "logging in as agent1@demo.test"
login="$(curl -fsS -X POST "$base/auth/v1/login" -H 'content-type: application/json' \
    -d '{"email":"agent1@demo.test","password":"outpost-demo","tenant":"demo"}')"
token="$(printf '%s' "$login" | "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"

# The run, in one worker thread: CPython 3.11 before 3.11.8 (Debian 12 ships 3.11.2)
# keeps the AST constructor's recursion depth in one interpreter-wide counter, and
# Hypothesis parses source files (to describe its lambdas) from every worker thread; a
# garbage collection inside one parse can hand the GIL to another worker's parse, and
# the run stops with "SystemError: AST constructor recursion depth mismatch" (CPython
# gh-106905), a crash about Python, not a finding about the server.
# Left out: logout would revoke the token every other request relies on, the SSE
# stream never ends by design (both are exercised by the Rust test suites instead),
# and the seed 001 JSON Schema files: the `$schema` URLs in every seed 001 body match
# their route, and schemathesis 4.32 infers stateful links from them that point at
# another operation and then refuses its own links as invalid (the files are tested in
# tests/api/seed001.rs).
run_st() {
    log "running schemathesis (max $max_examples examples per operation, seed $seed)"
    set +e
    (
        cd "$work"
        timeout --signal=INT --kill-after=30 "$st_timeout" \
            "$venv/bin/st" run "$base/openapi.json" \
            --url "$base" \
            --header "Authorization: Bearer $token" \
            --checks "$checks" \
            --exclude-path /auth/v1/logout \
            --exclude-path /sync/v1/events \
            --exclude-path '/api/v1/schemas/{file}' \
            --max-examples "$max_examples" \
            --seed "$seed" \
            --workers 1 \
            --request-timeout 10 \
            --generation-database none \
            --no-color
    ) 2>&1 | tee "$work/st.log"
    status=${PIPESTATUS[0]}
    set -e
}
run_st
# A crash inside schemathesis itself (a "Runtime Error" such as Hypothesis reporting
# its own flaky failure or a CPython error while it builds a strategy) is not a finding
# about the server. With errors of that kind and no failed check, run it once more; a
# failed check is never retried.
if [[ $status -ne 0 && $status -ne 124 ]] && grep -q "Runtime Error" "$work/st.log" &&
    ! grep -q "= FAILURES =" "$work/st.log"; then
    log "schemathesis crashed inside itself (no check failed); running it once more"
    run_st
fi

if [[ $status -ne 0 ]]; then
    if [[ $status -eq 124 ]]; then log "schemathesis did not finish within ${st_timeout}s"; fi
    log "FAILED (exit $status)"
    server_log
    exit "$status"
fi
if ! kill -0 "$pid" 2>/dev/null; then
    log "the server died during the run"
    server_log
    exit 1
fi
# A plain closing line, so a reader of the whole `make test` log sees the count.
if [[ "$(cat "$work/st.log")" =~ ([0-9]+)\ generated,\ ([0-9]+)\ passed ]]; then
    echo "schemathesis: ${BASH_REMATCH[2]} passed, 0 failed"
else
    log "all checks passed"
fi

#!/usr/bin/env bash
# `make demo-server`: build the server, fill a demo database on first use, print the
# demo accounts and serve on 127.0.0.1:8080 in the foreground (Ctrl-C stops it).
# `make run` starts the same server in the background and opens the desktop app.
#
# Environment:
#   OUTPOST_DEMO_DB       SQLite file to use (default ~/.local/share/outpost/demo.db)
#   OUTPOST_DEMO_BIND     address to serve on (default 127.0.0.1:8080)
#   OUTPOST_DEMO_TICKETS  tickets per tenant on first use (default: the demo command's)
#   OUTPOST_SERVER_BIN    a built outpost-server to use (default: build it now)
#   CARGO_TARGET_DIR      build cache (default /var/tmp/outpost-target)
set -euo pipefail

cd "$(dirname "$0")/.."

# shellcheck source=demo-env.sh
source scripts/demo-env.sh

# Something already answering on the port is most likely a demo server started
# earlier; starting a second one would only fail to bind.
if listening; then
    echo "Something is already listening on $bind; not starting another server."
    echo "If it is Outpost, its API document is at http://$bind/openapi.json"
    exit 0
fi

server="${OUTPOST_SERVER_BIN:-}"
if [[ -z "$server" ]]; then
    echo "Building outpost-server…"
    cargo build --quiet -p outpost-server --bin outpost-server
    server="$CARGO_TARGET_DIR/debug/outpost-server"
fi

mkdir -p "$(dirname "$db")"
url="sqlite://$db?mode=rwc"

# `demo` is idempotent: on a database that has the demo tenants it only prints their
# accounts again, so running it every time also shows the credentials every time.
demo_args=(demo --database-url "$url")
if [[ ! -e "$db" ]]; then
    echo "Creating demo data in $db (first run)…"
    if [[ -n "${OUTPOST_DEMO_TICKETS:-}" ]]; then
        demo_args+=(--tickets "$OUTPOST_DEMO_TICKETS")
    fi
fi
# Warnings only; sqlx's slow-acquire warnings are expected while the data is written.
OUTPOST_LOG="${OUTPOST_LOG:-warn,sqlx::pool::acquire=error}" "$server" "${demo_args[@]}"

cat <<EOF

Demo accounts (password for all: outpost-demo)
  admin@demo.test                     admin
  agent1@demo.test … agent3@demo.test support agents
  agent4@demo.test                    support agent, elevated
  agent5@demo.test                    agent outside the support queue
  customer1@demo.test …               customers
The acme tenant has the same accounts @acme.test. shared@example.test is in both
tenants, so its login names one: {"email":…, "password":…, "tenant":"demo"}.

Try it:
  curl -s http://$bind/auth/v1/login -H 'content-type: application/json' \\
       -d '{"email":"agent1@demo.test","password":"outpost-demo"}'

Serving on http://$bind (database $db). Ctrl-C stops the server; \`make clean-db\` starts over.
EOF

exec "$server" serve --database-url "$url" --bind "$bind"

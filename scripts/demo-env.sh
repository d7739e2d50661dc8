# Sourced by scripts/demo-server.sh and scripts/run-app.sh (from the repository root):
# where the demo server keeps its data and listens, and a check for that address.
#   OUTPOST_DEMO_DB    SQLite file (default ~/.local/share/outpost/demo.db)
#   OUTPOST_DEMO_BIND  address to serve on (default 127.0.0.1:8080)
#   CARGO_TARGET_DIR   build cache (default /var/tmp/outpost-target)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/outpost-target}"
db="${OUTPOST_DEMO_DB:-$HOME/.local/share/outpost/demo.db}"
bind="${OUTPOST_DEMO_BIND:-127.0.0.1:8080}"
host="${bind%:*}"
port="${bind##*:}"

# Does something accept connections on the demo address?
listening() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

#!/usr/bin/env bash
# Runs a command inside a throwaway Linux desktop session, for the end-to-end test and
# the app benchmark:
#   - Xvfb on a free display (Xvfb picks it and reports it once it accepts clients),
#   - a private D-Bus session bus (dbus-run-session) with gnome-keyring's Secret
#     Service unlocked with a throwaway password, keeping its keyrings in a temporary
#     XDG_DATA_HOME, so the app's keychain works and an agent's own login keyring is
#     never read or written.
# Everything it starts runs in one new process group (setsid), and that group and Xvfb
# are killed on exit, whatever way the command ends (including Ctrl-C), so a failed
# run leaves no app, WebKit, driver, server or keyring process behind.
#
# Usage: scripts/desktop-session.sh COMMAND [ARGS…]   (exit status: the command's)
# Environment: OUTPOST_E2E_SCREEN (default 1280x800x24).
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 COMMAND [ARGS…]" >&2
    exit 2
fi

missing=()
for tool in Xvfb dbus-run-session gnome-keyring-daemon setsid; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
    echo "desktop-session: missing ${missing[*]}; run: sudo apt-get install xvfb dbus-x11 gnome-keyring util-linux" >&2
    exit 1
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/outpost-desktop.XXXXXX")
mkdir -m 700 "$scratch/run"
xvfb_pid=""
session_pid=""

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -s "$scratch/pgid" ]]; then
        session_pid=$(tr -d '[:space:]' <"$scratch/pgid")
    fi
    if [[ -n "$session_pid" ]]; then
        # The whole group: the command, its children (server, tauri-driver,
        # WebKitWebDriver, the app and its WebKit processes, if they were not reaped
        # already), dbus-daemon and the keyring daemon.
        kill -TERM -- "-$session_pid" 2>/dev/null || true
        for _ in $(seq 1 30); do
            kill -0 -- "-$session_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL -- "-$session_pid" 2>/dev/null || true
    fi
    if [[ -n "$xvfb_pid" ]]; then
        kill "$xvfb_pid" 2>/dev/null || true
        wait "$xvfb_pid" 2>/dev/null || true
    fi
    rm -rf "$scratch"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

screen="${OUTPOST_E2E_SCREEN:-1280x800x24}"
# -displayfd: Xvfb chooses a free display number and writes it once it is ready for
# clients, so there is neither a guessed number nor a sleep.
Xvfb -displayfd 3 -screen 0 "$screen" -nolisten tcp -nolisten unix-abstract 3>"$scratch/display" \
    >"$scratch/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 1 100); do
    [[ -s "$scratch/display" ]] && break
    if ! kill -0 "$xvfb_pid" 2>/dev/null; then
        echo "desktop-session: Xvfb exited:" >&2
        cat "$scratch/xvfb.log" >&2
        exit 1
    fi
    sleep 0.1
done
if [[ ! -s "$scratch/display" ]]; then
    echo "desktop-session: Xvfb did not report a display within 10 s" >&2
    cat "$scratch/xvfb.log" >&2
    exit 1
fi
export DISPLAY=":$(tr -d '[:space:]' <"$scratch/display")"
echo "desktop-session: Xvfb on $DISPLAY ($screen)" >&2

# A Wayland socket of the caller's desktop would win over $DISPLAY in GTK.
unset WAYLAND_DISPLAY
export GDK_BACKEND=x11
export XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run" XDG_CONFIG_HOME="$scratch/config" \
    XDG_CACHE_HOME="$scratch/cache"
# No accessibility bus to find in this session; without this GTK waits for it.
export NO_AT_BRIDGE=1

# setsid forks only when this shell is a process-group leader (then --wait keeps `wait`
# meaningful); the group id is read back from inside the session either way.
export OUTPOST_SESSION_PGID_FILE="$scratch/pgid"
setsid --wait dbus-run-session -- bash -c '
    set -euo pipefail
    cut -d" " -f5 /proc/$$/stat >"$OUTPOST_SESSION_PGID_FILE"
    echo -n outpost-e2e | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec "$@"
' desktop-session "$@" &
session_pid=$!
rc=0
wait "$session_pid" || rc=$?
exit "$rc"

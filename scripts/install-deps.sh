#!/usr/bin/env bash
# Install the Debian packages Outpost needs that this machine lacks. Checked one by
# one, so a machine that has them all never touches apt. Sourced by .ci/run (which
# then uses `apt_install` for the PostgreSQL server) and run by `make run`.
#
#   scripts/install-deps.sh app    build and run the desktop app and the server
#   scripts/install-deps.sh all    also everything `make test` needs (default)
set -euo pipefail

sudo_() {
    if [[ "$(id -u)" -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

apt_updated=""
apt_install() {
    if [[ -z "$apt_updated" ]]; then
        sudo_ apt-get update -q
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive sudo_ apt-get install -y -q --no-install-recommends "$@"
}

install_deps() {
    local group="${1:-all}"
    local packages=(
        build-essential   # cc for crates that build C
        pkg-config
        libssl-dev
        curl
        git
        # The desktop app: Tauri 2 on WebKitGTK
        libwebkit2gtk-4.1-dev
        libayatana-appindicator3-dev
        librsvg2-dev
        libxdo-dev
        gnome-keyring     # the Secret Service the app keeps its token in
        dbus-x11          # dbus-run-session: a private session bus when there is none
    )
    if [[ "$group" == all ]]; then
        packages+=(
            file          # used by the deb/rpm bundlers
            rpm           # rpmbuild for `make package`
            # UI tests: Playwright drives Debian's Chromium; the end-to-end test drives
            # the real app through WebKitWebDriver on a virtual X display.
            chromium
            xvfb
            xauth
            webkit2gtk-driver
        )
    fi
    local missing=() p
    for p in "${packages[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$p")
        fi
    done
    if ! command -v npm >/dev/null; then
        missing+=(nodejs npm)
    fi
    if [[ "$group" == all ]]; then
        # pg_isready and psql come from a versioned package (postgresql-client-15).
        if ! command -v pg_isready >/dev/null || ! command -v psql >/dev/null; then
            missing+=(postgresql-client)
        fi
        # schemathesis runs in a venv; any python3 that can make one will do.
        if ! { command -v python3 >/dev/null && python3 -c 'import ensurepip, venv' 2>/dev/null; }; then
            missing+=(python3 python3-venv)
        fi
    fi
    if [[ ${#missing[@]} -gt 0 ]]; then
        echo "installing ${missing[*]}"
        apt_install "${missing[@]}"
    fi
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    install_deps "${1:-all}"
fi

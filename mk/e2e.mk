# End-to-end test and benchmark of the desktop app in the real binary (WebKitGTK via
# tauri-driver + WebKitWebDriver), each in a throwaway Xvfb + D-Bus + gnome-keyring
# session (scripts/desktop-session.sh). Test code: e2e/ (Node, no dependencies).

.PHONY: app-e2e bench-app e2e-tools

e2e-tools: ## tauri-driver from crates.io (WebKitWebDriver comes from Debian's webkit2gtk-driver)
	@command -v tauri-driver >/dev/null || test -x "$(HOME)/.cargo/bin/tauri-driver" || \
		env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS $(CARGO) install tauri-driver --locked
	@command -v WebKitWebDriver >/dev/null || { echo "WebKitWebDriver missing: sudo apt-get install webkit2gtk-driver" >&2; exit 1; }

# The debug server and app come from the workspace test build (RUST_BUILD), the same
# binaries the rest of `make test` compiled; the UI is built first because the app
# embeds it.
app-e2e: e2e-tools ui-build rust-build ## End to end in the real app: sign in, sync, claim, reply, offline work, exactly-once delivery, conflict (artifacts in e2e/artifacts/)
	scripts/e2e.sh

bench-app: e2e-tools ## Desktop app benchmark (release build; 100k tickets / 1M messages cached): cold start, j, search, memory; APP_BENCH_ARGS="--quick" for 5k
	scripts/app-bench.sh $(APP_BENCH_ARGS)

# End-to-end test and benchmark of the desktop app in the real binary (WebKitGTK via
# tauri-driver + WebKitWebDriver), each in a throwaway Xvfb + D-Bus + gnome-keyring
# session (scripts/desktop-session.sh). Test code: e2e/ (Node, no dependencies).

.PHONY: app-e2e bench-app e2e-tools

# The app is built by the shell's own target when mk/app.mk defines one (it also
# builds the UI the binary embeds), else by cargo directly.
define build_app_for_e2e
	@if $(MAKE) --no-print-directory -n app-build >/dev/null 2>&1; then \
		echo "+ make app-build"; $(MAKE) --no-print-directory app-build; \
	else \
		echo "+ cargo build -p outpost-app"; $(CARGO) build -p outpost-app; \
	fi
endef

e2e-tools: ## tauri-driver from crates.io (WebKitWebDriver comes from Debian's webkit2gtk-driver)
	@command -v tauri-driver >/dev/null || test -x "$(HOME)/.cargo/bin/tauri-driver" || \
		$(CARGO) install tauri-driver --locked
	@command -v WebKitWebDriver >/dev/null || { echo "WebKitWebDriver missing: sudo apt-get install webkit2gtk-driver" >&2; exit 1; }

app-e2e: e2e-tools ## End to end in the real app: sign in, sync, claim, reply, offline work, exactly-once delivery, conflict (artifacts in e2e/artifacts/)
	$(CARGO) build -p outpost-server --bin outpost-server
	$(build_app_for_e2e)
	scripts/e2e.sh

bench-app: e2e-tools ## Desktop app benchmark (release build; 100k tickets / 1M messages cached): cold start, j, search, memory; APP_BENCH_ARGS="--quick" for 5k
	scripts/app-bench.sh $(APP_BENCH_ARGS)

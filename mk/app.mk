# Tauri shell (src-tauri/, crate outpost-app): TypeScript bindings generated from the
# Rust commands and types, the app binary, its IPC tests, and the deb/rpm bundles.
APP_DIR := src-tauri
BINDINGS := ui/src/lib/backend/bindings.ts
# The app embeds ui/dist at compile time (tauri::generate_context!).
UI_DIST := ui/dist/index.html

.PHONY: bindings bindings-check app-ui app-build app-test app-run package app-tools icons

bindings: ## Regenerate ui/src/lib/backend/bindings.ts from the Rust commands and types
	OUTPOST_BINDINGS_OUT="$(CURDIR)/$(BINDINGS)" $(CARGO) test --workspace --lib -- --exact bindings_tests::bindings_are_current

bindings-check: ## Fail when the committed bindings.ts differs from what the Rust code generates
	@tmp=$$(mktemp --suffix=.ts); trap 'rm -f "$$tmp"' EXIT; \
	OUTPOST_BINDINGS_OUT="$$tmp" $(CARGO) test --workspace --lib -- --exact bindings_tests::bindings_are_current; \
	diff -u $(BINDINGS) "$$tmp" || { echo "$(BINDINGS) is stale: run make bindings and commit it" >&2; exit 1; }

# ui/dist when missing (the app cannot compile without it); `make ui-build` rebuilds it.
app-ui:
	@test -f $(UI_DIST) || $(MAKE) --no-print-directory ui-build

app-build: ui-build ## Build the UI, then the desktop app (debug binary $(CARGO_TARGET_DIR)/debug/outpost-app)
	$(CARGO) build -p outpost-app

app-test: app-ui ## Shell tests: bindings drift, permissions, commands over mock IPC against a real server
	$(CARGO) test -p outpost-app

app-run: app-build ## Start the app (OUTPOST_SERVER=… OUTPOST_DEMO=1 OUTPOST_PROFILE=… are passed through)
	$(CARGO_TARGET_DIR)/debug/outpost-app

# `npm install` over the committed lockfile, not `npm ci`: the registry this project
# builds from serves only some of the CLI's per-platform builds, so the lockfile cannot
# list every optional one and `npm ci` refuses it as out of sync. The version stays
# pinned in package.json and the lockfile is left as it is.
$(APP_DIR)/node_modules/.package-lock.json: $(APP_DIR)/package-lock.json $(APP_DIR)/package.json
	cd $(APP_DIR) && $(NPM) install --no-audit --no-fund --prefer-offline

app-tools: $(APP_DIR)/node_modules/.package-lock.json ## The pinned Tauri CLI (npm ci in src-tauri/)

package: app-tools ui-build ## Release build and the deb and rpm bundles (in $(CARGO_TARGET_DIR)/release/bundle/)
	cd $(APP_DIR) && npx tauri build --ci --bundles deb,rpm
	@ls -l $(CARGO_TARGET_DIR)/release/bundle/deb/*.deb $(CARGO_TARGET_DIR)/release/bundle/rpm/*.rpm

icons: app-tools ## Render icons/icon.svg into every size the bundles need
	cd $(APP_DIR) && npx tauri icon ../icons/icon.svg -o ../icons && cd .. && rm -rf icons/android icons/ios icons/Square*.png icons/StoreLogo.png

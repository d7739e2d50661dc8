# Svelte UI (ui/): dependencies, build + type check, unit tests, Playwright against the
# built UI with mocked IPC (Debian's chromium; never downloads a browser).
UI_DIR := ui
NPM ?= npm
CHROMIUM ?= /usr/bin/chromium

.PHONY: ui-deps ui-build ui-test ui-playwright ui-check-all

$(UI_DIR)/node_modules/.package-lock.json: $(UI_DIR)/package-lock.json $(UI_DIR)/package.json
	cd $(UI_DIR) && $(NPM) ci --no-audit --no-fund --prefer-offline

ui-deps: $(UI_DIR)/node_modules/.package-lock.json ## Install the UI's npm dependencies (npm ci from package-lock.json)

ui-build: ui-deps ## Type-check (svelte-check, warnings fail) and build the UI into ui/dist
	cd $(UI_DIR) && npx svelte-check --tsconfig ./tsconfig.json --fail-on-warnings
	cd $(UI_DIR) && npx vite build

ui-test: ui-deps ## Vitest: keymap, search filter parsing, stores with a fake backend
	cd $(UI_DIR) && npx vitest run

ui-playwright: ui-build ## Playwright (Debian chromium) against ui/dist with mocked IPC; screenshots in ui/test-results/
	cd $(UI_DIR) && CHROMIUM=$(CHROMIUM) node tests/playwright/run.mjs

ui-check-all: ui-build ui-test ui-playwright ## Every UI check, in the order make test runs them

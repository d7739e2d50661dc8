# Outpost developer entry points. `make help` lists them.
#
# One build cache for every checkout and for CI, so a fresh clone does not rebuild
# the world; override on the command line or in the environment.
export CARGO_TARGET_DIR ?= /var/tmp/outpost-target
# PostgreSQL server the test suites create (and drop) their own databases on.
export OUTPOST_TEST_PG ?= postgres://postgres@127.0.0.1:5432

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
# The test steps share one build cache and two cores; run them one after another.
.NOTPARALLEL:

CARGO ?= cargo
SERVER_BIN := $(CARGO_TARGET_DIR)/debug/outpost-server
# Where `make run` keeps its demo database (separate from the server's default
# database, so demo data never lands in a real one).
OUTPOST_DEMO_DB ?= $(HOME)/.local/share/outpost/demo.db

# Desktop-app targets (UI, Tauri shell, end-to-end) live in mk/*.mk, one file per part.
include $(sort $(wildcard mk/*.mk))

.PHONY: help run demo-server build rust-build test clippy-in-build test-rust keyring-test lint fmt fmt-check clippy schemathesis bench bench-client openapi clean-db

help: ## List the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z0-9-]+):.*## /  \1\t/' | expand -t 16

run: ## Build the desktop app and open it against a local demo server (started on 127.0.0.1:8080 unless one runs)
	@OUTPOST_DEMO_DB="$(OUTPOST_DEMO_DB)" scripts/run-app.sh

demo-server: ## Only the demo server, in the foreground, on 127.0.0.1:8080 (demo data in ~/.local/share/outpost/demo.db)
	@OUTPOST_DEMO_DB="$(OUTPOST_DEMO_DB)" scripts/demo-server.sh

build: ## Build every crate
	$(CARGO) build --workspace

# The one Rust build `make test` makes: every crate with its tests, binaries and
# dev-dependencies, so each later step (bindings check, test suites, the keychain test,
# the end-to-end test, schemathesis) finds its binary built with the same features. A
# `-p` build resolves features differently (the app without tauri's `test` feature,
# the server without `testing`) and would compile the Tauri tree a second time.
RUST_BUILD = $(CARGO) test --workspace --no-run
rust-build: ## Build every crate, test and binary once (what the other test steps reuse)
	$(RUST_BUILD)

# ui-build comes before the Rust steps: the app crate embeds ui/dist when it compiles.
# rust-build compiles once what every later step runs (see RUST_BUILD).
# Clippy runs inside that one build instead of as a second pass: clippy-driver wraps
# rustc for the workspace's own crates only (RUSTC_WORKSPACE_WRAPPER) and lints them
# with -D warnings as they compile, so dependencies are compiled once rather than again
# in check mode for `cargo clippy` (12 of a cold CI run's 43 minutes). Every cargo step
# of `make test` inherits it and reuses the same artifacts (a lint failure fails the
# build and caches nothing). `make clippy` and `make lint` run plain `cargo clippy`.
CLIPPY_DRIVER ?= $(shell command -v clippy-driver 2>/dev/null)
test: export RUSTC_WORKSPACE_WRAPPER := $(CLIPPY_DRIVER)
test: export CLIPPY_ARGS := -D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__
test: fmt-check clippy-in-build ui-build rust-build bindings-check test-rust keyring-test ui-test ui-playwright app-e2e schemathesis ## Formatting, UI build, one build linted by clippy, bindings drift, every test suite, the real-keychain test, the UI's checks, the end-to-end test in the real app, schemathesis

clippy-in-build:
	@if [ -z "$(CLIPPY_DRIVER)" ]; then echo "clippy-driver not found: rustup component add clippy" >&2; exit 1; fi
	@echo "clippy lints the workspace's crates as they compile ($(CLIPPY_DRIVER), -D warnings)"

test-rust: ## Rust test suites (nextest when installed, else cargo test); needs PostgreSQL
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
		echo "+ cargo test --workspace --doc"; \
		$(CARGO) test --workspace --doc; \
		echo "+ cargo nextest run --workspace"; \
		$(CARGO) nextest run --workspace; \
	else \
		echo "cargo-nextest not found; falling back to cargo test"; \
		$(CARGO) test --workspace; \
	fi

lint: fmt-check clippy ## Formatting check and clippy with warnings as errors

fmt: ## Format every crate
	$(CARGO) fmt --all

fmt-check:
	$(CARGO) fmt --all --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

keyring-test: ## Token storage against a real Secret Service (gnome-keyring in a private D-Bus session)
	scripts/keyring-test.sh

schemathesis: ## Property-based API test against /openapi.json (no 5xx allowed)
	scripts/schemathesis.sh

# Release builds of the server and the load generator, then crates/outpost-bench runs
# both engines, then two server processes on one PostgreSQL database (`BENCH_ARGS="--quick"`
# for a small data set, `--help` for the rest),
# then the client core benchmark (`CLIENT_BENCH_ARGS="--quick"`), then the desktop app
# benchmark (mk/e2e.mk; `APP_BENCH_ARGS="--quick"`). OUTPOST_BENCH_QUICK=1 makes all
# three quick. See docs/BENCHMARKS.md.
# The growth table's tenant sizes (tickets per tenant). 1M tickets take about 14 GB
# on SQLite and 18 GB on PostgreSQL, twice while a working copy exists, and 10-20
# minutes to generate the first time.
GROWTH_SIZES ?= 10000,100000,1000000

bench: ## Server benchmarks (loopback load, SQLite and PostgreSQL, then two server processes on one PostgreSQL database, then the growth table at GROWTH_SIZES), the client core benchmark, then the desktop app benchmark; BENCH_ARGS=… / CLIENT_BENCH_ARGS=… / APP_BENCH_ARGS=… pass options
	$(CARGO) build --release -p outpost-server -p outpost-bench
	$(CARGO_TARGET_DIR)/release/outpost-bench $(BENCH_ARGS)
	$(CARGO_TARGET_DIR)/release/outpost-bench --engine postgres --processes 2 --only list,listmix,send,sendrate $(BENCH_ARGS)
	$(CARGO_TARGET_DIR)/release/outpost-bench --growth $(GROWTH_SIZES) $(BENCH_ARGS)
	$(CARGO_TARGET_DIR)/release/outpost-client-bench $(CLIENT_BENCH_ARGS)
	$(MAKE) --no-print-directory bench-app

bench-client: ## Client core benchmark (initial sync vs SQLite bulk load, list, search, open, live); CLIENT_BENCH_ARGS=… passes options
	$(CARGO) build --release -p outpost-server -p outpost-bench
	$(CARGO_TARGET_DIR)/release/outpost-client-bench $(CLIENT_BENCH_ARGS)

openapi: ## Regenerate docs/openapi.json from the code
	$(CARGO) build -p outpost-server --bin outpost-server
	$(SERVER_BIN) openapi > docs/openapi.json.tmp || { rm -f docs/openapi.json.tmp; exit 1; }
	mv docs/openapi.json.tmp docs/openapi.json
	@echo "wrote docs/openapi.json"

clean-db: ## Delete the demo database used by `make run` (and its attachment files)
	rm -f "$(OUTPOST_DEMO_DB)" "$(OUTPOST_DEMO_DB)-wal" "$(OUTPOST_DEMO_DB)-shm"
	rm -rf "$(OUTPOST_DEMO_DB).files"
	@echo "removed $(OUTPOST_DEMO_DB)"

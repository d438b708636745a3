# Two commands set everything up on a fresh machine: `make run` and `make test`.
# Each installs only what is missing, so a second run goes straight to work.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
# cargo-leptos sets this at compile time; setting it for plain cargo too keeps
# `cargo test` from rebuilding the leptos crates after every `cargo leptos build`.
export LEPTOS_OUTPUT_NAME := lanyard

CARGO_LEPTOS_VERSION := 0.3.10
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ { getline; gsub(/"/, "", $$3); print $$3 }' Cargo.lock)
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
export TEST_DATABASE_URL

# Optimised server and wasm (wasm-opt comes from the npm package binaryen), every asset
# with a content-hashed name and a brotli and gzip copy beside it.
release: deps
	cargo leptos build --release --precompress --split

.PHONY: release run test bench deps test-deps build lint unit-and-integration end2end postgres chromium fmt check

run: deps
	LANYARD_DEMO=true cargo leptos serve --split

# end2end runs the release build, as a phone at the door would load it (the station's cold
# load on a throttled network is one of its tests).
test: test-deps lint unit-and-integration build end2end

deps: .make/wasm-target .make/cargo-leptos .make/wasm-bindgen-$(WASM_BINDGEN_VERSION) node_modules/.installed

test-deps: deps chromium postgres

build: release

# cargo-nextest runs each test in its own process and kills one that hangs (.ci/nextest.toml).
unit-and-integration: deps postgres .make/cargo-nextest
	cargo nextest run --config-file .ci/nextest.toml --features ssr

end2end: build chromium
	cd end2end && npx playwright test

# Import throughput on SQLite and PostgreSQL against the simulator (optimised build).
bench: deps postgres
	cargo build --release --features ssr --bin lanyard-bench
	./target/release/lanyard-bench

# The line CI holds: formatted, and no clippy warning on either side (server and wasm).
lint: deps
	cargo fmt --check
	cargo clippy --all-targets --features ssr -- -D warnings
	cargo clippy --features hydrate --lib --target wasm32-unknown-unknown -- -D warnings

check:
	cargo check --features ssr --all-targets
	cargo check --features hydrate --lib --target wasm32-unknown-unknown

fmt:
	cargo fmt

.make:
	mkdir -p .make

.make/wasm-target: | .make
	rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	touch $@

# cargo-leptos takes its tools from PATH (no_downloads): nothing is fetched at build time.
.make/cargo-leptos: | .make
	cargo leptos --version 2>/dev/null | grep -q "$(CARGO_LEPTOS_VERSION)" || \
		cargo install cargo-leptos@$(CARGO_LEPTOS_VERSION) --locked --features no_downloads
	touch $@

# On this project's machines nextest comes with the Rust toolchain; elsewhere it is built once.
.make/cargo-nextest: | .make
	cargo nextest --version >/dev/null 2>&1 || cargo install cargo-nextest --locked
	touch $@

# The CLI must equal the wasm-bindgen crate in Cargo.lock exactly.
.make/wasm-bindgen-$(WASM_BINDGEN_VERSION): | .make
	wasm-bindgen --version 2>/dev/null | grep -q " $(WASM_BINDGEN_VERSION)$$" || \
		cargo install wasm-bindgen-cli@$(WASM_BINDGEN_VERSION)
	touch $@

node_modules/.installed: package.json package-lock.json
	# `npm ci` trips over optional platform packages in this npm version; install honours the lock.
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund
	touch $@

# Playwright cannot download a browser here; Debian's Chromium is used instead.
chromium:
	@command -v chromium >/dev/null || { \
		echo "installing Debian's chromium"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }

# Start the machine's PostgreSQL if it is down. Integration tests skip PostgreSQL when it
# cannot be reached, except in CI (CI=true), where that fails the run.
postgres:
	@pg_isready -q -d "$(TEST_DATABASE_URL)" 2>/dev/null || { \
		command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1 && \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -n1) main start || true; \
		for i in $$(seq 1 30); do pg_isready -q -d "$(TEST_DATABASE_URL)" 2>/dev/null && break; sleep 1; done; }

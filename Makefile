# Strata: two commands do all the set-up on a fresh Debian or Ubuntu machine.
#   make run    installs what is missing, builds, starts the app
#   make test   installs what is missing, starts the real services, runs every test
# Everything is built once, in debug, into target/; the Rust tests and the GUI tests reuse it.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT   := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
TOOLS  := $(ROOT)/.tools
CARGO  ?= cargo
NPM    ?= npm
SUDO   := $(if $(filter 0,$(shell id -u)),,sudo)
export CARGO_TERM_COLOR ?= never

# Debian packages: the webview toolchain, the GUI test stack, the real peers the tests use,
# and what builds ISA-L's gzip (nasm and autotools, for the isal-sys crate).
APT_PACKAGES := build-essential pkg-config file libssl-dev libdbus-1-dev \
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev \
  xvfb xauth webkit2gtk-driver fonts-noto-cjk locales \
  docker-registry apache2-utils skopeo umoci runc slirp4netns busybox-static \
  gnome-keyring libsecret-tools dbus dbus-x11 python3-jsonschema podman docker.io \
  rpm db5.3-util squashfs-tools \
  nasm autoconf automake libtool

.PHONY: help deps apt-deps rust-deps build run test lint test-rust bench bench-transfer

help:
	@echo "make run     install what is missing, build, start Strata"
	@echo "make test    install what is missing, start the real services, run every test"
	@echo "make dist    the release app and the strata CLI in a .deb and an AppImage (target/release/bundle/)"
	@echo "make lint    cargo fmt --check, clippy -D warnings, svelte-check and tsc"
	@echo "make bench   benchmarks against skopeo, umoci, curl and raw HTTP (start-up, the app at scale, transfer, import/export, commit, store, tags, catalog)"

deps: apt-deps rust-deps ui-deps tauri-driver

# `$(call apt-install,PACKAGES)`: installs those of the Debian PACKAGES that are missing
# (apt-get as root, or with sudo), so a second run costs a few dpkg-query calls.
apt-install = missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "apt-get install:$$missing"; \
	  $(SUDO) apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

apt-deps:
	@$(call apt-install,$(APT_PACKAGES))
	@command -v node >/dev/null || { echo "error: Node.js 20 or newer is needed (node not found)"; exit 1; }
	@node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' || \
	  { echo "error: Node.js 20 or newer is needed, found $$(node --version)"; exit 1; }

rust-deps:
	@command -v $(CARGO) >/dev/null || { echo "error: cargo not found; install Rust with rustup"; exit 1; }
	@if command -v rustup >/dev/null; then \
	  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy; \
	  rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt; \
	fi

include mk/app.mk
include mk/services.mk
include mk/bench.mk
include mk/dist.mk

build: deps ui-build app-build
	$(CARGO) build --workspace --all-targets

run: deps ui-build app-build
	$(ROOT)/target/debug/strata-app

lint: deps ui-build
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps
	$(MAKE) --no-print-directory ui-check
	$(MAKE) --no-print-directory check-targets

# Rust tests run inside a private D-Bus session with an unlocked gnome-keyring, so the
# keychain tests use the real Secret Service and never the user's own keyring.
test-rust: build
	$(WITH_KEYCHAIN) $(CARGO) test --workspace --no-fail-fast

test: build lint test-rust test-ui test-e2e test-versions test-dist
	@echo "make test: every stage passed"

# Each benchmark runs Strata and its peer (skopeo, umoci, raw HTTP, gzip) on the same data
# in the same run and prints the ratio. Release builds; a few minutes each on 2 cores.
bench: bench-startup bench-app bench-transfer bench-import-export bench-archive-push bench-store-scale bench-tags-scale bench-catalog-scale bench-concurrent bench-commit

bench-transfer:
	$(CARGO) bench -p strata-core --bench transfer

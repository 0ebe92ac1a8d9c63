# Installable packages: the release app and the `strata` CLI in a .deb, made by Tauri's own
# bundler (the npm @tauri-apps/cli in ui/node_modules, the same version as the tauri crate;
# `make test-versions` checks that). Included by the top-level Makefile, after mk/app.mk.
#
#   make dist          target/release/bundle/deb/Strata_<version>_<arch>.deb
#   make test-dist     installs that .deb with dpkg -i, runs the installed CLI and app, removes it
#   make check-targets cargo check for Windows and macOS (see the README's "Where it is built")
#
# Every step is a file rule, so a second `make dist` with nothing changed runs cargo once
# (a no-op) and bundles nothing. No AppImage: Tauri's AppImage bundler downloads linuxdeploy
# and its plugins from GitHub at bundle time (README, "Installing").

DIST_DIR     := $(ROOT)/target/dist
# The one version: [workspace.package] in Cargo.toml (tauri.conf.json has none, so Tauri
# takes the crate's, as `strata --version` and the About box do).
VERSION      := $(shell sed -n 's/^version = "\(.*\)"$$/\1/p' $(ROOT)/Cargo.toml | head -n 1)
DEB_ARCH     := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
DEB          := $(ROOT)/target/release/bundle/deb/Strata_$(VERSION)_$(DEB_ARCH).deb
CLI_RELEASE  := $(ROOT)/target/release/strata
MAN_PAGE     := $(DIST_DIR)/man/strata.1.gz
TAURI_CLI    := $(UI_DIR)/node_modules/.bin/tauri
UI_SOURCES   := $(shell find $(UI_DIR)/src $(UI_DIR)/public -type f 2>/dev/null) \
                $(UI_DIR)/index.html $(UI_DIR)/vite.config.ts $(UI_DIR)/package-lock.json
DEB_INPUTS   := $(ROOT)/src-tauri/tauri.conf.json $(ROOT)/src-tauri/packaging/strata.desktop \
                $(wildcard $(ROOT)/icons/*)
CHECK_TARGETS := x86_64-pc-windows-gnu x86_64-apple-darwin aarch64-apple-darwin

.PHONY: dist test-dist check-targets FORCE

dist: $(DEB)
	@echo "dist: $(DEB) ($$(du -h $(DEB) | cut -f1))"

# The UI is built again only when its sources changed: a new ui/dist makes cargo rebuild
# the release app (it embeds ui/dist), which is most of a `make dist`.
$(UI_DIR)/dist/index.html: $(UI_SOURCES) | ui-deps
	cd $(UI_DIR) && $(NPM) run build

# cargo decides what is stale; when nothing is, it touches neither binary, and make then
# leaves the man pages and the .deb alone.
$(APP_RELEASE) $(CLI_RELEASE) &: $(UI_DIR)/dist/index.html FORCE
	$(CARGO) build --release -p strata-app -p strata-cli
FORCE:

# strata.1 and strata-COMMAND.1, from the same clap grammar as `strata help`.
$(MAN_PAGE): $(CLI_RELEASE)
	rm -rf $(DIST_DIR)/man && $(CLI_RELEASE) manpages $(DIST_DIR)/man >/dev/null
	gzip -9n $(DIST_DIR)/man/*.1

$(DEB): $(APP_RELEASE) $(CLI_RELEASE) $(MAN_PAGE) $(DEB_INPUTS) | ui-deps
	cd $(ROOT) && $(TAURI_CLI) bundle --bundles deb --ci --no-sign
	@touch $@

# What a person does with the .deb, on this machine: dpkg -i (as root), the installed CLI's
# --version and a pull and push against a real registry on 127.0.0.1, the installed app
# under Xvfb (a screenshot into target/e2e/), dpkg -r, and the store still there.
test-dist: dist tauri-driver
	$(CARGO) build -p strata-testkit --bins
	SUDO="$(SUDO)" DEB=$(DEB) VERSION=$(VERSION) TAURI_DRIVER=$(TAURI_DRIVER) \
	  WITH_KEYCHAIN=$(WITH_KEYCHAIN) \
	  $(ROOT)/tests/dist/install-test.sh

# The engine and the CLI (and the app where its C parts build) for Windows and macOS.
check-targets:
	$(ROOT)/tests/dist/check-targets.sh $(CHECK_TARGETS)

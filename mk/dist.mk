# Installable packages: the release app and the `strata` CLI in a .deb, made by Tauri's own
# bundler (the npm @tauri-apps/cli in ui/node_modules, the same version as the tauri crate;
# `make test-versions` checks that), and in an AppImage made here, offline: our own runtime
# (crates/strata-appimage-runtime), an AppDir of this machine's libraries
# (src-tauri/packaging/appimage/build-appdir.sh) and Debian's mksquashfs. Tauri's AppImage
# bundler is not used: it downloads linuxdeploy, its GTK plugin and the AppImage runtime from
# GitHub at bundle time. Included by the top-level Makefile, after mk/app.mk.
#
#   make dist          target/release/bundle/deb/Strata_<version>_<arch>.deb
#                      target/release/bundle/appimage/Strata_<version>_<arch>.AppImage
#   make test-dist     installs that .deb with dpkg -i, runs the installed CLI and app, removes it;
#                      then runs the AppImage (tests/dist/appimage-test.sh)
#   make check-targets cargo check of the engine and the CLI for Windows and macOS (README,
#                      "Where it is built and tested")
#
# Every step is a file rule, so a second `make dist` with nothing changed runs cargo twice
# (two no-ops: the AppImage runtime is built on its own, so that its dependencies' features
# never change the app's) and bundles nothing.

DIST_DIR     := $(ROOT)/target/dist
# The one version: [workspace.package] in Cargo.toml (tauri.conf.json has none, so Tauri
# takes the crate's, as `strata --version` and the About box do).
VERSION      := $(shell sed -n 's/^version = "\(.*\)"$$/\1/p' $(ROOT)/Cargo.toml | head -n 1)
DEB_ARCH     := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
DEB          := $(ROOT)/target/release/bundle/deb/Strata_$(VERSION)_$(DEB_ARCH).deb
CLI_RELEASE  := $(ROOT)/target/release/strata
MAN_PAGE     := $(DIST_DIR)/man/strata.1.gz
NOTICES      := $(DIST_DIR)/THIRD-PARTY-NOTICES
NOTICES_GEN  := $(ROOT)/src-tauri/packaging/third-party-notices.py
TAURI_CLI    := $(UI_DIR)/node_modules/.bin/tauri
UI_SOURCES   := $(shell find $(UI_DIR)/src $(UI_DIR)/public -type f 2>/dev/null) \
                $(UI_DIR)/index.html $(UI_DIR)/vite.config.ts $(UI_DIR)/package-lock.json
DEB_INPUTS   := $(ROOT)/src-tauri/tauri.conf.json $(ROOT)/src-tauri/packaging/strata.desktop \
                $(wildcard $(ROOT)/icons/*)
APPIMAGE     := $(ROOT)/target/release/bundle/appimage/Strata_$(VERSION)_$(DEB_ARCH).AppImage
RUNTIME_BIN  := $(ROOT)/target/release/strata-appimage-runtime
RUNTIME      := $(DIST_DIR)/appimage-runtime
APPDIR       := $(DIST_DIR)/Strata.AppDir
APPIMAGE_INPUTS := $(wildcard $(ROOT)/src-tauri/packaging/appimage/*) \
                $(ROOT)/src-tauri/packaging/strata.desktop $(wildcard $(ROOT)/icons/*)
CHECK_TARGETS := x86_64-pc-windows-gnu x86_64-apple-darwin aarch64-apple-darwin

.PHONY: dist test-dist check-targets FORCE

dist: $(DEB) $(APPIMAGE)
	@echo "dist: $(DEB) ($$(du -h $(DEB) | cut -f1))"
	@echo "dist: $(APPIMAGE) ($$(du -h $(APPIMAGE) | cut -f1))"

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

# The licences of the crates and the UI's JavaScript the binaries are built from (both
# packages install it as /usr/share/doc/strata/THIRD-PARTY-NOTICES).
$(NOTICES): $(ROOT)/Cargo.lock $(UI_DIR)/package-lock.json $(NOTICES_GEN) | ui-deps
	python3 $(NOTICES_GEN) $(ROOT) $@

$(DEB): $(APP_RELEASE) $(CLI_RELEASE) $(MAN_PAGE) $(NOTICES) $(DEB_INPUTS) | ui-deps
	cd $(ROOT) && $(TAURI_CLI) bundle --bundles deb --ci --no-sign
	@touch $@

# The AppImage: the runtime with the type-2 magic (`AI` 0x02 at offset 8 of its ELF header)
# written in, then the squashfs of the AppDir right after its last byte (where the runtime's
# section header table ends, which is where it looks). -all-time/-mkfs-time make the same
# AppDir give the same squashfs, so the same cache directory on the person's machine.
$(RUNTIME_BIN): FORCE
	$(CARGO) build --release -p strata-appimage-runtime

$(RUNTIME): $(RUNTIME_BIN)
	@mkdir -p $(DIST_DIR)
	cp $< $@.tmp && printf 'AI\002' | dd of=$@.tmp bs=1 seek=8 conv=notrunc status=none
	mv $@.tmp $@

$(APPIMAGE): $(RUNTIME) $(APP_RELEASE) $(CLI_RELEASE) $(MAN_PAGE) $(NOTICES) $(APPIMAGE_INPUTS)
	$(ROOT)/src-tauri/packaging/appimage/build-appdir.sh $(APPDIR) $(APP_RELEASE) $(CLI_RELEASE) \
	  $(DIST_DIR)/man $(ROOT)/icons $(ROOT)/src-tauri/packaging/strata.desktop $(NOTICES)
	rm -f $(DIST_DIR)/strata.squashfs
	mksquashfs $(APPDIR) $(DIST_DIR)/strata.squashfs -comp zstd -b 1M -all-root -no-xattrs \
	  -all-time 0 -mkfs-time 0 -quiet -no-progress
	@mkdir -p $(dir $@)
	cat $(RUNTIME) $(DIST_DIR)/strata.squashfs >$@.tmp && chmod 0755 $@.tmp && mv $@.tmp $@
	rm -rf $(APPDIR) $(DIST_DIR)/strata.squashfs

# What a person does with the .deb, on this machine: dpkg -i (as root), the installed CLI's
# --version and a pull and push against a real registry on 127.0.0.1, the installed app
# under Xvfb (a screenshot into target/e2e/), dpkg -r, and the store still there.
test-dist: dist tauri-driver
	$(CARGO) build -p strata-testkit --bins
	SUDO="$(SUDO)" DEB=$(DEB) VERSION=$(VERSION) TAURI_DRIVER=$(TAURI_DRIVER) \
	  WITH_KEYCHAIN=$(WITH_KEYCHAIN) \
	  $(ROOT)/tests/dist/install-test.sh
	APPIMAGE=$(APPIMAGE) VERSION=$(VERSION) TAURI_DRIVER=$(TAURI_DRIVER) WITH_KEYCHAIN=$(WITH_KEYCHAIN) \
	  $(ROOT)/tests/dist/appimage-test.sh

# `cargo check` of the engine and the CLI for Windows and macOS (README, "Where it is built
# and tested"). The Windows C (zstd-sys, ring) needs Debian's mingw-w64 compiler, installed
# here when missing as apt-deps does; macOS's C is stood in for (tests/dist/no-c.sh).
CROSS_APT_PACKAGES := gcc-mingw-w64-x86-64-posix
check-targets:
	@$(call apt-install,$(CROSS_APT_PACKAGES))
	$(ROOT)/tests/dist/check-targets.sh $(CHECK_TARGETS)

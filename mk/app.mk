# The desktop app: UI (ui/), shell (src-tauri/), GUI tests (tests/e2e/), start-up benchmark.
# Included by the top-level Makefile, which defines ROOT, TOOLS, CARGO and NPM.

UI_DIR        := $(ROOT)/ui
APP_DEBUG     := $(ROOT)/target/debug/strata-app
APP_RELEASE   := $(ROOT)/target/release/strata-app
TAURI_DRIVER  := $(TOOLS)/bin/tauri-driver
TAURI_DRIVER_VERSION := 2.1.0
# xvfb-run's default screen is 640x480x8: too small and too few colours for the window.
XVFB_RUN      := xvfb-run -a -s "-screen 0 1920x1080x24"
# node --test runs the GUI specs one at a time: each starts its own app and driver. The
# timeout turns a hang (a stray process holding node's pipes) into a failure, not a stuck CI.
NODE_TEST     := timeout --kill-after=30 1200 node --test --test-concurrency=1

.PHONY: ui-deps ui-build ui-check ui-dev app-build app-release tauri-driver \
        test-ui test-e2e test-versions bench-startup bench-app icons

# npm ci only when package-lock.json changed since the last install.
ui-deps: $(UI_DIR)/node_modules/.strata-installed
$(UI_DIR)/node_modules/.strata-installed: $(UI_DIR)/package-lock.json $(UI_DIR)/package.json
	cd $(UI_DIR) && $(NPM) ci --no-audit --no-fund
	@touch $@

ui-build: ui-deps
	cd $(UI_DIR) && $(NPM) run build

# svelte-check (Svelte + TypeScript in components) and tsc (the Vite config).
ui-check: ui-deps
	cd $(UI_DIR) && $(NPM) run check

# UI work in a browser-like loop: Vite with hot reload, the shell loading it (devUrl).
ui-dev: ui-deps
	cd $(UI_DIR) && $(NPM) run dev & \
	  trap 'kill %1' EXIT; $(CARGO) run -p strata-app --no-default-features

# The app in debug with the UI embedded (custom-protocol, as `tauri build` does): the
# binary `make run` starts and the GUI tests drive.
app-build: ui-build
	$(CARGO) build -p strata-app --features custom-protocol

app-release: ui-build
	$(CARGO) build --release -p strata-app --features custom-protocol

# tauri-driver goes into a folder the Makefile owns (.tools/, git-ignored).
tauri-driver: $(TAURI_DRIVER)
$(TAURI_DRIVER):
	$(CARGO) install --locked tauri-driver@$(TAURI_DRIVER_VERSION) --root $(TOOLS)

test-ui: ui-check
	cd $(UI_DIR) && $(NPM) test

# The real app under Xvfb, through tauri-driver and WebKitWebDriver; screenshots of every
# screen in both languages land in target/e2e/.
# They run inside the private keychain (the Registries screen logs in for real) and use the
# `strata` CLI and `strata-test-registry` (a real docker-registry on 127.0.0.1) to set up.
test-e2e: app-build tauri-driver
	@command -v xvfb-run >/dev/null || { echo "error: xvfb-run not found (Debian package xvfb)"; exit 1; }
	@test -x /usr/bin/WebKitWebDriver || { echo "error: /usr/bin/WebKitWebDriver not found (Debian package webkit2gtk-driver)"; exit 1; }
	$(CARGO) build -p strata-cli -p strata-testkit --bins
	STRATA_APP=$(APP_DEBUG) TAURI_DRIVER=$(TAURI_DRIVER) \
	  $(WITH_KEYCHAIN) $(XVFB_RUN) $(NODE_TEST) $(ROOT)/tests/e2e/*.test.mjs
	@echo "screenshots: $(ROOT)/target/e2e/"

# Tauri's Rust crate and its npm packages must agree on major.minor.
test-versions:
	$(CARGO) test -p strata-app --test versions

# Release build; 5 launches under Xvfb; median time to the first interactive screen and
# the idle memory of the whole process tree (app + WebKit processes).
# Inside a D-Bus session, as on a desktop: without one GTK autolaunches a bus and the
# accessibility bus on every launch, which is not what people's start-up costs.
bench-startup: app-release
	dbus-run-session -- $(XVFB_RUN) node $(ROOT)/tests/e2e/startup-bench.mjs $(APP_RELEASE) 10

# The app with real data: the Images screen at 2,000 images (first rows, scrolling), ten
# pulls and ten pushes at once from the app against one by one, memory over ten rounds of
# every screen, a 10,000-tag table and a terminal, against WebKitGTK's blank page.
bench-app: app-release tauri-driver
	$(CARGO) build --release -p strata-cli --bin strata --example bench_data
	$(CARGO) build -p strata-testkit --bins
	STRATA_APP=$(APP_RELEASE) STRATA_CLI=$(ROOT)/target/release/strata TAURI_DRIVER=$(TAURI_DRIVER) \
	  BENCH_DATA=$(ROOT)/target/release/examples/bench_data \
	  $(WITH_KEYCHAIN) $(XVFB_RUN) node $(ROOT)/tests/e2e/app-bench.mjs

# Regenerates every icon from icons/strata.svg.
icons: ui-deps
	cd $(UI_DIR) && npx tauri icon $(ROOT)/icons/strata.svg -o $(ROOT)/icons
	# the hicolor sizes the default set lacks, for the .deb (mk/dist.mk)
	cd $(UI_DIR) && npx tauri icon $(ROOT)/icons/strata.svg -o $(ROOT)/icons --png 16,24,48,256
	rm -rf $(ROOT)/icons/android $(ROOT)/icons/ios $(ROOT)/icons/Square*.png $(ROOT)/icons/StoreLogo.png
	cp $(ROOT)/icons/32x32.png $(UI_DIR)/public/icon-32.png
	cp $(ROOT)/icons/128x128.png $(UI_DIR)/public/icon-128.png

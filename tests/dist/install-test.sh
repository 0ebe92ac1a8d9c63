#!/usr/bin/env bash
# Installs the .deb `make dist` built, on this machine, and uses it as a person would:
#   1. its control fields: the version, and the packages it needs declared;
#   2. dpkg -i (as root: $SUDO), then dpkg -L: the app and the CLI on the PATH, the desktop
#      entry in English and 简体中文, the icons at every size, the man pages;
#   3. the installed `strata --version`, and a push and a pull against a real registry on
#      127.0.0.1 (strata-test-registry) into a store of the person's (STRATA_HOME);
#   4. the installed app under Xvfb on that store (tests/dist/installed.test.mjs: the Images
#      screen with the pulled image, the About box's version; screenshots in target/e2e/);
#   5. dpkg -r: the programs are gone, the store is byte for byte what it was.
#
# Environment (make test-dist sets it): DEB, VERSION, SUDO, TAURI_DRIVER, WITH_KEYCHAIN.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${DEB:?the .deb to install}" "${VERSION:?the workspace version}"
SUDO=${SUDO-}
TAURI_DRIVER=${TAURI_DRIVER:-$ROOT/.tools/bin/tauri-driver}
# as mk/app.mk's XVFB_RUN: xvfb-run's default screen is too small and has too few colours
XVFB_RUN=(xvfb-run -a -s "-screen 0 1920x1080x24")
WITH_KEYCHAIN=${WITH_KEYCHAIN:-tests/keychain/with-keychain.sh}

fail() { echo "test-dist: FAIL: $*" >&2; exit 1; }
ok() { echo "test-dist: ok: $*"; }

PKG=$(dpkg-deb -f "$DEB" Package)
[ "$(dpkg-deb -f "$DEB" Version)" = "$VERSION" ] || fail "the package's version is not $VERSION"
depends=$(dpkg-deb -f "$DEB" Depends)
for need in libwebkit2gtk-4.1-0 libgtk-3-0 libdbus-1-3 runc slirp4netns dbus-session-bus; do
  grep -q "$need" <<<"$depends" || fail "Depends does not name $need: $depends"
done
ok "$PKG $VERSION, $(du -h "$DEB" | cut -f1), Depends: $depends"

if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q "install ok installed"; then
  fail "package $PKG is already installed on this machine; remove it first (dpkg -r $PKG)"
fi

work=$(mktemp -d /tmp/strata-dist-XXXXXX)
installed=no
# shellcheck source=registry.sh
. "$(dirname "$0")/registry.sh"
cleanup() {
  if [ "$installed" = yes ]; then $SUDO dpkg -r "$PKG" >/dev/null || true; fi
  stop_registry
  rm -rf "$work"
}
trap cleanup EXIT

# ---- install ------------------------------------------------------------------------------
$SUDO dpkg -i "$DEB" >"$work/dpkg-i.log" 2>&1 || { cat "$work/dpkg-i.log" >&2; fail "dpkg -i"; }
installed=yes
ok "dpkg -i $(basename "$DEB")"

files=$(dpkg -L "$PKG")
has() { grep -qx "$1" <<<"$files" || fail "dpkg -L $PKG has no $1"; }
has /usr/bin/strata
has /usr/bin/strata-app
desktop=$(grep -E '^/usr/share/applications/.*\.desktop$' <<<"$files") || fail "no desktop entry"
for key in 'Name=Strata' 'Name\[zh_CN\]=.+' 'Comment=.+' 'Comment\[zh_CN\]=.+' 'Exec=strata-app' \
  'Icon=strata-app' 'Type=Application'; do
  grep -Eq "^$key\$" "$desktop" || fail "$desktop has no line $key"
done
if command -v desktop-file-validate >/dev/null; then desktop-file-validate "$desktop"; fi
for size in 16 24 32 48 64 128 256 512; do
  icon=/usr/share/icons/hicolor/${size}x${size}/apps/strata-app.png
  has "$icon"
  file "$icon" | grep -q "PNG image data, $size x $size," || fail "$icon is not $size x $size: $(file "$icon")"
done
has /usr/share/icons/hicolor/scalable/apps/strata-app.svg
has /usr/share/man/man1/strata.1.gz
has /usr/share/man/man1/strata-pull.1.gz
# The licences of what the binaries statically contain: crates, the C libraries -sys crates
# vendor (ISA-L, libdeflate, zstd), and the UI's JavaScript.
notices=/usr/share/doc/strata/THIRD-PARTY-NOTICES
has "$notices"
for carried in "isal-sys .*: isa-l/LICENSE" "libdeflate-sys .*: libdeflate/COPYING" \
  "zstd-sys .*: zstd/LICENSE" "^@xterm/xterm .*: LICENSE" "^svelte .*: LICENSE.md" "^tokio .*: LICENSE"; do
  grep -q "$carried" "$notices" || fail "$notices does not carry $carried"
done
ok "$notices: $(sed -n 's/^Licence texts (\([0-9]*\))$/\1/p' "$notices") licence texts, ISA-L's, libdeflate's, zstd's, xterm's and svelte's among them"
zcat /usr/share/man/man1/strata.1.gz | grep -q 'strata\\-pull(1)' || fail "strata.1 does not list strata-pull(1)"
zcat /usr/share/man/man1/strata.1.gz | grep -q "v$VERSION" || fail "strata.1 does not carry version $VERSION"
ok "dpkg -L: $(wc -l <<<"$files") paths: $desktop, /usr/bin/strata, /usr/bin/strata-app, icons 16…512 and scalable, $(grep -c '/man1/.*\.1\.gz$' <<<"$files") man pages"

# ---- the installed CLI --------------------------------------------------------------------
[ "$(command -v strata)" = /usr/bin/strata ] || fail "strata on the PATH is $(command -v strata), not /usr/bin/strata"
[ "$(/usr/bin/strata --version)" = "strata $VERSION" ] || fail "strata --version says $(/usr/bin/strata --version)"
ok "/usr/bin/strata --version: strata $VERSION"

start_registry

# The person's store, given to each command only: the GUI harness ends every process whose
# environment names the app's store (tests/e2e/app.mjs, endStrays), this script included.
STRATA_HOME=$work/store
strata() { STRATA_HOME=$STRATA_HOME command strata "$@"; }
mkdir -p "$work/rootfs/etc"
echo "installed from a .deb" >"$work/rootfs/etc/motd"
strata import-rootfs "$work/rootfs" --tag dist/hello:1 >/dev/null
strata push dist/hello:1 "$host/dist/hello:1" >/dev/null 2>"$work/push.log" ||
  { cat "$work/push.log" >&2; fail "strata push"; }
strata rmi dist/hello:1 >/dev/null
strata prune >/dev/null
strata pull "$host/dist/hello:1" >/dev/null 2>"$work/pull.log" ||
  { cat "$work/pull.log" >&2; fail "strata pull"; }
strata images | grep -q "$host/dist/hello" || fail "the pulled image is not in strata images"
[ "$(strata files "$host/dist/hello:1" --cat /etc/motd)" = "installed from a .deb" ] ||
  fail "the pulled image's /etc/motd differs"
ok "installed strata: push to $host and pull back into $STRATA_HOME"

# ---- the installed app --------------------------------------------------------------------
mkdir -p "$ROOT/target/e2e"
(cd "$ROOT" && STRATA_APP=/usr/bin/strata-app STRATA_CLI=/usr/bin/strata TAURI_DRIVER="$TAURI_DRIVER" \
  STRATA_DIST_STORE="$STRATA_HOME" STRATA_DIST_IMAGE="$host/dist/hello:1" STRATA_DIST_VERSION="$VERSION" \
  $WITH_KEYCHAIN "${XVFB_RUN[@]}" timeout --kill-after=30 300 \
  node --test --test-concurrency=1 tests/dist/installed.test.mjs) || fail "the installed app"
ok "installed app under Xvfb: $ROOT/target/e2e/installed-images.png, installed-about.png"

# ---- remove -------------------------------------------------------------------------------
store_before=$(cd "$STRATA_HOME" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
$SUDO dpkg -r "$PKG" >/dev/null
installed=no
for gone in /usr/bin/strata /usr/bin/strata-app "$desktop" /usr/share/man/man1/strata.1.gz \
  /usr/share/icons/hicolor/128x128/apps/strata-app.png; do
  [ ! -e "$gone" ] || fail "dpkg -r left $gone"
done
hash -r
[ "$(command -v strata || true)" != /usr/bin/strata ] || fail "strata is still on the PATH"
store_after=$(cd "$STRATA_HOME" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
[ "$store_before" = "$store_after" ] || fail "dpkg -r changed the store $STRATA_HOME"
ok "dpkg -r: programs gone, the store's $(wc -l <<<"$store_after") files untouched"
echo "test-dist: passed"

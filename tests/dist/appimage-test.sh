#!/usr/bin/env bash
# Runs the AppImage `make dist` built, as a person would, with a private cache
# (XDG_CACHE_HOME) and store (STRATA_HOME):
#   1. the file: an ELF with the type-2 magic `AI\x02` at offset 8, the squashfs right where
#      its section header table ends, which --appimage-offset prints and `unsquashfs -o`
#      (squashfs-tools, an independent reader) lists: AppRun, the desktop entry and icon,
#      both programs, WebKit's helpers, the libraries, the man pages;
#   2. --appimage-extract: ./squashfs-root is byte for byte what unsquashfs extracts;
#   3. the command line: `--cli --version`, a link named `strata`, and a push and a pull
#      against a real registry on 127.0.0.1 with paths relative to the caller's folder;
#   4. the cache: the first launch extracts into $XDG_CACHE_HOME/strata/appimage/<sha256 of
#      the squashfs> (0700), the second reuses it untouched; a launch killed with SIGKILL while
#      extracting leaves no tree under that name, and the next launch extracts afresh and
#      removes the half tree (as it does a simulated one);
#   5. the app under Xvfb (tests/dist/appimage.test.mjs): the pulled image on its Images screen
#      (target/e2e/appimage-*.png), the app and its WebKitWebProcess mapping libwebkit2gtk and
#      the other bundled libraries from the cache directory.
#
# Environment (make test-dist sets it): APPIMAGE, VERSION, TAURI_DRIVER, WITH_KEYCHAIN.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${APPIMAGE:?the AppImage to run}" "${VERSION:?the workspace version}"
TAURI_DRIVER=${TAURI_DRIVER:-$ROOT/.tools/bin/tauri-driver}
XVFB_RUN=(xvfb-run -a -s "-screen 0 1920x1080x24")
WITH_KEYCHAIN=${WITH_KEYCHAIN:-tests/keychain/with-keychain.sh}

fail() { echo "test-appimage: FAIL: $*" >&2; exit 1; }
ok() { echo "test-appimage: ok: $*"; }
ms() { date +%s%3N; }

[ -x "$APPIMAGE" ] || fail "$APPIMAGE is not an executable file"
work=$(mktemp -d /tmp/strata-appimage-XXXXXX)
# shellcheck source=registry.sh
. "$(dirname "$0")/registry.sh"
cleanup() {
  stop_registry
  rm -rf "$work"
}
trap cleanup EXIT
export XDG_CACHE_HOME=$work/cache

# ---- the file -----------------------------------------------------------------------------
[ "$(head -c 4 "$APPIMAGE" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] || fail "not an ELF file"
[ "$(od -An -tx1 -j 8 -N 3 "$APPIMAGE" | tr -d ' ')" = 414902 ] || fail "no AI\\x02 at offset 8"
offset=$("$APPIMAGE" --appimage-offset)
# where readelf (binutils) says the runtime's section header table ends
shoff=$(readelf -h "$APPIMAGE" | sed -n 's/.*Start of section headers: *\([0-9]*\).*/\1/p')
shentsize=$(readelf -h "$APPIMAGE" | sed -n 's/.*Size of section headers: *\([0-9]*\).*/\1/p')
shnum=$(readelf -h "$APPIMAGE" | sed -n 's/.*Number of section headers: *\([0-9]*\).*/\1/p')
[ "$offset" = $((shoff + shnum * shentsize)) ] || fail "--appimage-offset $offset is not the ELF's end"
[ "$(od -An -c -j "$offset" -N 4 "$APPIMAGE" | tr -d ' ')" = hsqs ] || fail "no squashfs at $offset"
unsquashfs -o "$offset" -l "$APPIMAGE" | sed -n 's|^squashfs-root/||p' | sort >"$work/listed"
for path in AppRun strata.desktop strata-app.png .DirIcon usr/bin/strata-app usr/bin/strata \
  usr/lib/libwebkit2gtk-4.1.so.0 usr/lib/libgtk-3.so.0 \
  usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/WebKitWebProcess \
  usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/WebKitNetworkProcess \
  usr/lib/gdk-pixbuf-2.0/2.10.0/loaders.cache usr/share/glib-2.0/schemas/gschemas.compiled \
  usr/share/applications/strata.desktop usr/share/icons/hicolor/256x256/apps/strata-app.png \
  usr/share/icons/hicolor/scalable/apps/strata-app.svg usr/share/man/man1/strata.1.gz \
  usr/share/man/man1/strata-pull.1.gz usr/share/doc/strata/THIRD-PARTY-NOTICES \
  usr/share/doc/libwebkit2gtk-4.1-0/copyright usr/share/doc/libgtk-3-0/copyright; do
  grep -qx "$path" "$work/listed" || fail "unsquashfs -l lists no $path"
done
for host in libc.so.6 libGL.so.1 libX11.so.6 libfontconfig.so.1; do
  ! grep -qx "usr/lib/$host" "$work/listed" || fail "$host is bundled; it must come from the host"
done
size=$(stat -c %s "$APPIMAGE")
ok "$(basename "$APPIMAGE"): $((size / 1024 / 1024)) MiB, runtime $offset bytes, squashfs at $offset" \
  "(unsquashfs -o $offset -l: $(wc -l <"$work/listed") paths, $(grep -c '^usr/lib/[^/]*\.so' "$work/listed") libraries)"

# ---- --appimage-extract -------------------------------------------------------------------
mkdir "$work/extract" "$work/reference"
(cd "$work/extract" && "$APPIMAGE" --appimage-extract >/dev/null 2>&1) || fail "--appimage-extract"
unsquashfs -q -n -o "$offset" -d "$work/reference/squashfs-root" "$APPIMAGE" >/dev/null
diff -r --no-dereference "$work/reference/squashfs-root" "$work/extract/squashfs-root" >/dev/null ||
  fail "--appimage-extract and unsquashfs extract different trees"
(cd "$work/extract/squashfs-root" && find . -printf '%y %m %p\n' | sort) >"$work/modes.extract"
(cd "$work/reference/squashfs-root" && find . -printf '%y %m %p\n' | sort) >"$work/modes.reference"
diff "$work/modes.reference" "$work/modes.extract" >/dev/null || fail "--appimage-extract's modes differ"
[ "$(readlink "$work/extract/squashfs-root/.DirIcon")" = strata-app.png ] || fail ".DirIcon"
(cd "$work/extract" && "$APPIMAGE" --appimage-extract >/dev/null 2>&1) &&
  fail "a second --appimage-extract wrote over ./squashfs-root"
[ "$("$work/extract/squashfs-root/AppRun" --cli --version)" = "strata $VERSION" ] ||
  fail "squashfs-root/AppRun --cli --version"
rm -rf "$work/reference" "$work/extract"
ok "--appimage-extract: ./squashfs-root is what unsquashfs extracts (contents, links, modes); its AppRun runs"

# ---- the command line, and the cache ------------------------------------------------------
digest=$(tail -c +$((offset + 1)) "$APPIMAGE" | sha256sum | cut -d' ' -f1)
appdir=$XDG_CACHE_HOME/strata/appimage/$digest
[ "$("$APPIMAGE" --appimage-cache-dir)" = "$appdir" ] || fail "--appimage-cache-dir is not $appdir"
[ ! -e "$appdir" ] || fail "$appdir exists before the first launch"
t0=$(ms)
[ "$("$APPIMAGE" --cli --version)" = "strata $VERSION" ] || fail "--cli --version"
first=$(($(ms) - t0))
[ -d "$appdir" ] || fail "the first launch made no $appdir"
[ "$(stat -c %a "$XDG_CACHE_HOME/strata/appimage")" = 700 ] || fail "the cache folder is not 0700"
before=$(stat -c '%i %Y' "$appdir" "$appdir/usr/lib/libwebkit2gtk-4.1.so.0")
t0=$(ms)
[ "$("$APPIMAGE" --cli --version)" = "strata $VERSION" ] || fail "--cli --version, second launch"
second=$(($(ms) - t0))
[ "$(stat -c '%i %Y' "$appdir" "$appdir/usr/lib/libwebkit2gtk-4.1.so.0")" = "$before" ] ||
  fail "the second launch extracted again"
[ "$(find "$XDG_CACHE_HOME/strata/appimage" -mindepth 1 -maxdepth 1 | wc -l)" = 1 ] ||
  fail "the cache holds more than $appdir: $(ls -A "$XDG_CACHE_HOME/strata/appimage")"
ok "--cli --version: strata $VERSION; first launch (extracts $(du -sh "$appdir" | cut -f1)) ${first} ms, second (reuses it) ${second} ms"

mkdir -p "$work/bin"
ln -s "$APPIMAGE" "$work/bin/strata"
[ "$("$work/bin/strata" --version)" = "strata $VERSION" ] || fail "a link named strata does not run the CLI"

start_registry

STRATA_HOME=$work/store
strata() { STRATA_HOME=$STRATA_HOME "$work/bin/strata" "$@"; }
mkdir -p "$work/rootfs/etc"
echo "from the AppImage" >"$work/rootfs/etc/motd"
# a path relative to the caller's folder: the CLI runs where it was started
(cd "$work" && strata import-rootfs ./rootfs --tag appimage/hello:1 >/dev/null) || fail "import-rootfs ./rootfs"
strata push appimage/hello:1 "$host/appimage/hello:1" >/dev/null 2>"$work/push.log" ||
  { cat "$work/push.log" >&2; fail "strata push"; }
strata rmi appimage/hello:1 >/dev/null
strata prune >/dev/null
strata pull "$host/appimage/hello:1" >/dev/null 2>"$work/pull.log" ||
  { cat "$work/pull.log" >&2; fail "strata pull"; }
[ "$(strata files "$host/appimage/hello:1" --cat /etc/motd)" = "from the AppImage" ] ||
  fail "the pulled image's /etc/motd differs"
ok "a link named strata: --version, import-rootfs ./rootfs, push to $host and pull back"

# ---- a launch killed while extracting -----------------------------------------------------
export XDG_CACHE_HOME=$work/cache-killed
killed_root=$XDG_CACHE_HOME/strata/appimage
"$APPIMAGE" --cli --version >/dev/null 2>&1 &
launch=$!
half=
for _ in $(seq 2000); do
  half=$(find "$killed_root" -mindepth 1 -maxdepth 1 -name ".$digest.tmp-*" 2>/dev/null | head -n 1 || true)
  # some of the tree written, not all of it
  if [ -n "$half" ] && [ -e "$half/usr/lib" ]; then break; fi
  half=
  sleep 0.005
done
kill -9 "$launch" 2>/dev/null || true
wait "$launch" 2>/dev/null || true
[ -n "$half" ] || fail "did not catch the first launch while it extracted"
[ ! -e "$killed_root/$digest" ] || fail "a launch killed while extracting left $killed_root/$digest"
[ -d "$half" ] || fail "the killed launch left no half tree (it finished first?)"
half_files=$(find "$half" -type f | wc -l)
# and a half tree of a launch that is long gone (pid 4194304 is above pid_max's limit)
mkdir -p "$killed_root/.$digest.tmp-4194304/usr"
t0=$(ms)
[ "$("$APPIMAGE" --cli --version)" = "strata $VERSION" ] || fail "the launch after the killed one"
again=$(($(ms) - t0))
[ -x "$killed_root/$digest/usr/bin/strata-app" ] || fail "the launch after the killed one made no tree"
[ "$(find "$killed_root" -mindepth 1 -maxdepth 1 | wc -l)" = 1 ] ||
  fail "half trees are left: $(ls -A "$killed_root")"
cmp -s "$killed_root/$digest/usr/lib/libwebkit2gtk-4.1.so.0" "$appdir/usr/lib/libwebkit2gtk-4.1.so.0" ||
  fail "the tree after the killed launch differs"
ok "kill -9 during the first launch ($half_files files written): no $digest tree; the next launch extracted afresh in ${again} ms and removed both half trees"
export XDG_CACHE_HOME=$work/cache

# ---- the app ------------------------------------------------------------------------------
mkdir -p "$ROOT/target/e2e"
(cd "$ROOT" && STRATA_APP="$APPIMAGE" TAURI_DRIVER="$TAURI_DRIVER" \
  STRATA_DIST_STORE="$STRATA_HOME" STRATA_DIST_IMAGE="$host/appimage/hello:1" STRATA_DIST_VERSION="$VERSION" \
  STRATA_APPIMAGE_DIR="$appdir" STRATA_APPIMAGE_CACHE="$XDG_CACHE_HOME" \
  $WITH_KEYCHAIN "${XVFB_RUN[@]}" timeout --kill-after=30 300 \
  node --test --test-concurrency=1 tests/dist/appimage.test.mjs) || fail "the AppImage's app"
[ "$(stat -c '%i %Y' "$appdir" "$appdir/usr/lib/libwebkit2gtk-4.1.so.0")" = "$before" ] ||
  fail "the app's launch extracted again"
ok "the AppImage's app under Xvfb: $ROOT/target/e2e/appimage-images.png, appimage-about.png"
echo "test-appimage: passed"

#!/usr/bin/env bash
# Lays out the AppDir of Strata's AppImage from the release build and this machine's
# libraries (mk/dist.mk runs it; mksquashfs then packs the AppDir after the runtime):
#
#   AppRun  strata.desktop  strata-app.png  .DirIcon -> strata-app.png
#   usr/bin/strata-app  usr/bin/strata
#   usr/lib/*.so*                          every library they need but the excludelist's
#   usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/{WebKitWebProcess,WebKitNetworkProcess,
#     WebKitGPUProcess,injected-bundle/}   WebKit's helper processes (see AppRun)
#   usr/lib/gio/modules  usr/lib/gdk-pixbuf-2.0/2.10.0/{loaders.cache} + loaders in usr/lib
#   usr/share/glib-2.0/schemas             GTK's GSettings schemas (the file chooser's)
#   usr/share/applications/strata.desktop  usr/share/icons/hicolor/*/apps/strata-app.*
#   usr/share/man/man1/*.1.gz
#   usr/share/doc/strata/THIRD-PARTY-NOTICES  what the binaries are built from (NOTICES)
#   usr/share/doc/PACKAGE/copyright        Debian's licence file of each package a bundled
#                                          library or helper comes from
#
# Usage: build-appdir.sh APPDIR APP CLI MANDIR ICONDIR DESKTOP_TEMPLATE NOTICES
set -euo pipefail

appdir=$1 app=$2 cli=$3 mandir=$4 icondir=$5 desktop_template=$6 notices=$7
here=$(cd "$(dirname "$0")" && pwd)
triplet=$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
syslib=/usr/lib/$triplet
webkit_dir=$syslib/webkit2gtk-4.1

fail() { echo "build-appdir: $*" >&2; exit 1; }

rm -rf "$appdir"
mkdir -p "$appdir/usr/bin" "$appdir/usr/lib" "$appdir/usr/share/applications" \
  "$appdir/usr/share/man/man1" "$appdir/usr/share/glib-2.0/schemas"
appdir=$(cd "$appdir" && pwd)
u=$appdir/usr

install -m 0755 "$here/AppRun" "$appdir/AppRun"
install -m 0755 "$app" "$u/bin/strata-app"
install -m 0755 "$cli" "$u/bin/strata"
install -m 0644 "$mandir"/*.1.gz "$u/share/man/man1/"
install -D -m 0644 "$notices" "$u/share/doc/strata/THIRD-PARTY-NOTICES"

# ---- desktop entry and icons ----------------------------------------------------------------
# The .deb's entry (src-tauri/packaging/strata.desktop), with what Tauri's bundler fills in.
sed -e 's/{{name}}/Strata/' -e 's/{{exec}}/strata-app/' -e 's/{{icon}}/strata-app/' \
  -e 's/{{categories}}/Development;/' "$desktop_template" >"$u/share/applications/strata.desktop"
grep -q '{{' "$u/share/applications/strata.desktop" && fail "unfilled field in the desktop entry"
cp "$u/share/applications/strata.desktop" "$appdir/strata.desktop"
for png in "$icondir"/*.png; do
  size=$(file -b "$png" | sed -n 's/^PNG image data, \([0-9]*\) x \([0-9]*\),.*/\1x\2/p')
  [ -n "$size" ] || fail "$png is not a PNG"
  mkdir -p "$u/share/icons/hicolor/$size/apps"
  install -m 0644 "$png" "$u/share/icons/hicolor/$size/apps/strata-app.png"
done
mkdir -p "$u/share/icons/hicolor/scalable/apps"
install -m 0644 "$icondir/strata.svg" "$u/share/icons/hicolor/scalable/apps/strata-app.svg"
cp "$u/share/icons/hicolor/256x256/apps/strata-app.png" "$appdir/strata-app.png"
ln -s strata-app.png "$appdir/.DirIcon"

# ---- WebKit's helper processes, GIO modules, pixbuf loaders, schemas ------------------------
# What is copied from the host here besides libraries, for its licence below.
host_files=()
mkdir -p "$u/lib/$triplet/webkit2gtk-4.1/injected-bundle"
for helper in WebKitWebProcess WebKitNetworkProcess WebKitGPUProcess; do
  [ -x "$webkit_dir/$helper" ] || continue
  install -m 0755 "$webkit_dir/$helper" "$u/lib/$triplet/webkit2gtk-4.1/"
  host_files+=("$webkit_dir/$helper")
done
[ -x "$u/lib/$triplet/webkit2gtk-4.1/WebKitWebProcess" ] || fail "no $webkit_dir/WebKitWebProcess"
install -m 0644 "$webkit_dir"/injected-bundle/*.so "$u/lib/$triplet/webkit2gtk-4.1/injected-bundle/"
host_files+=("$webkit_dir"/injected-bundle/*.so)

mkdir -p "$u/lib/gio/modules"
for m in libgiognutls.so libdconfsettings.so; do
  [ -f "$syslib/gio/modules/$m" ] || continue
  install -m 0644 "$syslib/gio/modules/$m" "$u/lib/gio/modules/"
  host_files+=("$syslib/gio/modules/$m")
done

# gdk-pixbuf loaders in usr/lib, named without a folder in loaders.cache: GModule then finds
# them through LD_LIBRARY_PATH (as linuxdeploy-plugin-gtk arranges it).
pixbuf_dir=$syslib/gdk-pixbuf-2.0/2.10.0
mkdir -p "$u/lib/gdk-pixbuf-2.0/2.10.0"
install -m 0644 "$pixbuf_dir"/loaders/*.so "$u/lib/"
host_files+=("$pixbuf_dir"/loaders/*.so)
"$syslib/gdk-pixbuf-2.0/gdk-pixbuf-query-loaders" "$u"/lib/libpixbufloader-*.so |
  sed "s|\"$u/lib/|\"|" >"$u/lib/gdk-pixbuf-2.0/2.10.0/loaders.cache"
grep -q '"libpixbufloader-svg.so"' "$u/lib/gdk-pixbuf-2.0/2.10.0/loaders.cache" ||
  fail "loaders.cache has no SVG loader"

install -m 0644 /usr/share/glib-2.0/schemas/org.gtk.Settings.*.gschema.xml "$u/share/glib-2.0/schemas/"
glib-compile-schemas "$u/share/glib-2.0/schemas"

# ---- libraries --------------------------------------------------------------------------
declare -A excluded=()
while read -r name; do excluded[$name]=1; done < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$here/excludelist")

elves=("$u/bin/strata-app" "$u/bin/strata" "$u/lib/$triplet/webkit2gtk-4.1"/WebKit*
  "$u/lib/$triplet/webkit2gtk-4.1/injected-bundle"/*.so "$u"/lib/gio/modules/*.so
  "$u"/lib/libpixbufloader-*.so)
declare -A bundled=() hosted=()
# ldd lists the whole closure of each object (NEEDED, recursively), resolved as the dynamic
# loader does; a missing one is an error.
for elf in "${elves[@]}"; do
  while read -r name arrow path _; do
    [ "$arrow" = "=>" ] || continue
    [ "$path" = "not" ] && fail "$elf: $name not found"
    if [ -n "${excluded[$name]-}" ]; then hosted[$name]=1; continue; fi
    [ -n "${bundled[$name]-}" ] && continue
    bundled[$name]=$(readlink -f "$path")
  done < <(ldd "$elf")
done
for name in "${!bundled[@]}"; do install -m 0644 "${bundled[$name]}" "$u/lib/$name"; done

# ---- the licences of what is bundled ----------------------------------------------------
# Each bundled library, helper, module and loader comes from a Debian package whose
# copyright file states its licence (LGPL for WebKitGTK and GTK, among others): it goes
# along, as the .deb's dependencies bring theirs. dpkg knows a file by the path it
# installed, /usr/lib/… or /lib/… (merged /usr), so both are asked.
sources=("${bundled[@]}")
for f in "${host_files[@]}"; do sources+=("$(readlink -f "$f")"); done
asked=()
for f in "${sources[@]}"; do asked+=("$f" "${f/#\/usr\/lib\//\/lib\/}"); done
declare -A packages=()
while IFS=: read -r pkg _; do
  packages[$pkg]=1
done < <(dpkg -S "${asked[@]}" 2>/dev/null | sed -n 's/^\([^:, ]*\)[^ ]*: \/.*/\1/p')
[ ${#packages[@]} -gt 0 ] || fail "dpkg -S found no package for the bundled libraries"
for pkg in "${!packages[@]}"; do
  copyright=/usr/share/doc/$pkg/copyright
  [ -f "$copyright" ] || fail "$pkg has no $copyright"
  install -D -m 0644 "$copyright" "$u/share/doc/$pkg/copyright"
done

# ---- WebKit's helper path ---------------------------------------------------------------
# libwebkit2gtk runs its helpers from $webkit_dir, compiled in. Rewrite that string (and
# only that one) to the same length relative one; AppRun starts the app in usr/.
webkit=$u/lib/libwebkit2gtk-4.1.so.0
[ -f "$webkit" ] || fail "libwebkit2gtk-4.1.so.0 was not bundled"
from=$webkit_dir to=././/lib/$triplet/webkit2gtk-4.1
[ ${#from} -eq ${#to} ] || fail "$from and $to differ in length"
count=$(grep -c -a -F "$from" "$webkit" || true)
[ "$count" -ge 1 ] || fail "$webkit does not name $from"
FROM=$from TO=$to perl -0777 -pi -e 's/\Q$ENV{FROM}\E/$ENV{TO}/g' "$webkit"
! grep -q -a -F "$from" "$webkit" || fail "$from is still in $webkit"

echo "build-appdir: $appdir: ${#bundled[@]} libraries bundled ($(du -sh "$u/lib" | cut -f1)," \
  "the copyright files of ${#packages[@]} Debian packages);" \
  "from the host: $(printf '%s\n' "${!hosted[@]}" | sort | tr '\n' ' ')"

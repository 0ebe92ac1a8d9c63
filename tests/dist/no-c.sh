#!/bin/sh
# A stand-in C compiler and archiver for `cargo check --target *-apple-darwin`, where no Apple
# SDK can be had: the build scripts of ring and zstd-sys (and any other C) "compile" to empty
# objects and archives. `cargo check` links nothing, so every Rust crate is still type-checked
# for macOS; none of the C is. Called as CC (… -o OUT …) and as AR (… LIB.a …).
out=""
prev=""
for a in "$@"; do
  case "$prev" in -o) out="$a" ;; esac
  case "$a" in -o*) [ "$a" != "-o" ] && out="${a#-o}" ;; *.a) [ -z "$out" ] && out="$a" ;; esac
  prev="$a"
done
case "$out" in
  "") exit 0 ;;                                  # --version, -E of a probe: nothing to write
  *.a) [ -s "$out" ] || printf '!<arch>\n' >"$out" ;;
  *) : >"$out" ;;
esac

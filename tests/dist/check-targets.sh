#!/usr/bin/env bash
# `cargo check` of the engine and the CLI (and the app, where asked) for other operating
# systems, with rustup's standard libraries and Debian's cross C compilers: gcc-mingw-w64
# for Windows (zstd-sys and ring build C); for macOS, clang for ring's assembly (no Apple
# SDK can be had here, so C that includes the C library's headers cannot build).
# Usage: check-targets.sh TARGET...   (prints one line per target; exits 1 if any failed)
set -uo pipefail
cd "$(dirname "$0")/../.."
export CARGO_INCREMENTAL=0
status=0
for target in "$@"; do
  rustup target list --installed 2>/dev/null | grep -qx "$target" || rustup target add "$target" >/dev/null
  case "$target" in
    *-windows-gnu) export "CC_${target//-/_}=${target%%-*}-w64-mingw32-gcc" ;;
    *-apple-darwin) export "CC_${target//-/_}=clang" ;;
  esac
  log=target/check-$target.log
  if cargo check --target "$target" -p strata-core -p strata-cli --message-format short >"$log" 2>&1; then
    echo "check-targets: $target: ok"
  else
    errors=$(grep -c '^.*error\(\[E[0-9]*\]\)\?: ' "$log" || true)
    first=$(grep -m1 -E '(^|: )error(\[E[0-9]+\])?: ' "$log")
    echo "check-targets: $target: FAILED ($errors error lines; first: ${first:0:200}; all in $log)"
    status=1
  fi
done
exit $status

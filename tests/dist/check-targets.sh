#!/usr/bin/env bash
# `cargo check` of the engine and the CLI (and whatever else is named in CHECK_PACKAGES) for
# other operating systems, with rustup's standard libraries:
# - Windows: Debian's gcc-mingw-w64 compiles the C of zstd-sys, ring and libdeflate-sys;
# - macOS: no Apple SDK can be had here, so tests/dist/no-c.sh stands in for the C compiler
#   and archiver: the C "compiles" to empty objects. `cargo check` links nothing, so every
#   Rust crate (ours, keyring's Keychain backend, …) is type-checked for macOS; no C is.
# Nothing is linked or run for either. README: "Where it is built and tested".
# Usage: check-targets.sh TARGET...   (one line per target; exits 1 if any failed)
set -uo pipefail
cd "$(dirname "$0")/../.."
export CARGO_INCREMENTAL=0
no_c=$PWD/tests/dist/no-c.sh
packages=${CHECK_PACKAGES:-strata-core strata-cli}
status=0
for target in "$@"; do
  rustup target list --installed 2>/dev/null | grep -qx "$target" || rustup target add "$target" >/dev/null
  var=${target//-/_}
  case "$target" in
    *-windows-gnu) export "CC_$var=${target%%-*}-w64-mingw32-gcc" ;;
    *-apple-darwin) export "CC_$var=$no_c" "CXX_$var=$no_c" "AR_$var=$no_c" ;;
  esac
  log=target/check-$target.log
  start=$SECONDS
  # shellcheck disable=SC2086
  if cargo check --target "$target" $(printf -- '-p %s ' $packages) --message-format short >"$log" 2>&1; then
    warnings=$(grep -c ': warning' "$log" || true)
    echo "check-targets: $target: ok ($packages; $((SECONDS - start)) s; $warnings warnings; $log)"
  else
    errors=$(grep -c ': error' "$log" || true)
    first=$(grep -m1 -E '(^|: )error(\[E[0-9]+\])?: ' "$log")
    echo "check-targets: $target: FAILED ($errors error lines; first: ${first:0:200}; all in $log)"
    status=1
  fi
done
exit $status

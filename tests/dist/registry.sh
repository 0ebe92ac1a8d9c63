# Sourced by the dist tests (install-test.sh, appimage-test.sh): a real docker-registry on
# 127.0.0.1 through the testkit's strata-test-registry, as the GUI tests start it.
# The caller has `ROOT`, `work` (a scratch folder) and `fail`.

REGISTRY_BIN=$ROOT/target/debug/strata-test-registry
registry_pid=

# Starts the registry (no auth) and sets `host` (127.0.0.1:PORT).
start_registry() {
  [ -x "$REGISTRY_BIN" ] || fail "$REGISTRY_BIN is missing (cargo build -p strata-testkit --bins)"
  mkfifo "$work/registry.in"
  "$REGISTRY_BIN" none <"$work/registry.in" >"$work/registry.out" &
  registry_pid=$!
  exec {registry_in}>"$work/registry.in"
  local described=
  for _ in $(seq 300); do
    # one JSON line, complete once its newline is there
    if [ "$(wc -l <"$work/registry.out")" -ge 1 ]; then described=$(head -n 1 "$work/registry.out"); break; fi
    kill -0 "$registry_pid" 2>/dev/null || fail "strata-test-registry exited"
    sleep 0.1
  done
  [ -n "$described" ] || fail "strata-test-registry did not start within 30 s"
  host=$(node -e 'console.log(JSON.parse(process.argv[1]).host)' "$described")
}

# Stops it: strata-test-registry stops its registry and removes its storage when its stdin
# closes. For the caller's EXIT trap; nothing when none was started.
stop_registry() {
  if [ -n "$registry_pid" ]; then
    exec {registry_in}>&-
    wait "$registry_pid" 2>/dev/null || true
  fi
}

#!/bin/sh
# Runs a command against a private, unlocked Secret Service, so that keychain tests use a
# real gnome-keyring and never the user's own keyring.
#
#   tests/keychain/with-keychain.sh [--no-secret-service] CMD [ARGS...]
#
# - A temporary HOME and XDG_* directories (the keyring files live there; removed at the end).
# - A private D-Bus session (dbus-run-session) whose configuration has no service
#   directories: nothing is D-Bus-activated behind our back, so with --no-secret-service
#   the bus really has no org.freedesktop.secrets (to test the "no keychain" message).
# - Otherwise gnome-keyring-daemon --foreground --unlock --components=secrets, with the
#   password on stdin (which creates and unlocks the "login" collection and makes it the
#   default), started by this script, stopped by its PID after CMD.
# - Exits with CMD's exit code. CARGO_HOME and RUSTUP_HOME keep pointing at the real ones,
#   so `cargo test` works inside.
#
# Needs (Debian): dbus (dbus-run-session, dbus-send), gnome-keyring, libsecret-tools for
# secret-tool in the smoke test.
set -eu

if [ "${1:-}" = "--inside" ]; then
    shift
    mode=$1
    shift
    gk_pid=
    if [ "$mode" = keyring ]; then
        printf '%s' "${WITH_KEYCHAIN_PASSWORD:-strata-test}" |
            gnome-keyring-daemon --foreground --unlock --components=secrets \
                >"$WITH_KEYCHAIN_DIR/gnome-keyring.log" 2>&1 &
        gk_pid=$!
        # Ready when the default alias resolves to a collection (the daemon owns the name
        # before it has created and unlocked "login").
        tries=0
        until dbus-send --session --print-reply --dest=org.freedesktop.secrets \
            /org/freedesktop/secrets org.freedesktop.Secret.Service.ReadAlias \
            string:default 2>/dev/null | grep -q 'collection/'; do
            tries=$((tries + 1))
            if [ "$tries" -gt 200 ] || ! kill -0 "$gk_pid" 2>/dev/null; then
                echo "with-keychain: gnome-keyring-daemon did not come up; its log:" >&2
                cat "$WITH_KEYCHAIN_DIR/gnome-keyring.log" >&2
                kill "$gk_pid" 2>/dev/null || true
                exit 70
            fi
            sleep 0.05
        done
    fi
    rc=0
    "$@" || rc=$?
    if [ -n "$gk_pid" ]; then
        kill "$gk_pid" 2>/dev/null || true
        wait "$gk_pid" 2>/dev/null || true
    fi
    exit "$rc"
fi

mode=keyring
if [ "${1:-}" = "--no-secret-service" ]; then
    mode=none
    shift
fi
if [ "$#" -eq 0 ]; then
    echo "usage: $0 [--no-secret-service] CMD [ARGS...]" >&2
    exit 64
fi
for tool in dbus-run-session dbus-send; do
    command -v "$tool" >/dev/null || {
        echo "with-keychain: $tool is missing; install the Debian package dbus" >&2
        exit 69
    }
done
if [ "$mode" = keyring ] && ! command -v gnome-keyring-daemon >/dev/null; then
    echo "with-keychain: gnome-keyring-daemon is missing; install the Debian package gnome-keyring" >&2
    exit 69
fi

script=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
dir=$(mktemp -d "${TMPDIR:-/tmp}/strata-keychain.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM

mkdir -p "$dir/home" "$dir/data" "$dir/config" "$dir/cache" "$dir/state" "$dir/run" "$dir/bus"
chmod 700 "$dir/run"
cat >"$dir/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:dir=$dir/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF

# Tools found through the real HOME keep working under the temporary one.
if [ -z "${CARGO_HOME:-}" ] && [ -d "$HOME/.cargo" ]; then export CARGO_HOME="$HOME/.cargo"; fi
if [ -z "${RUSTUP_HOME:-}" ] && [ -d "$HOME/.rustup" ]; then export RUSTUP_HOME="$HOME/.rustup"; fi
export HOME="$dir/home" XDG_DATA_HOME="$dir/data" XDG_CONFIG_HOME="$dir/config" \
    XDG_CACHE_HOME="$dir/cache" XDG_STATE_HOME="$dir/state" XDG_RUNTIME_DIR="$dir/run" \
    WITH_KEYCHAIN_DIR="$dir"
unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL SSH_AUTH_SOCK

rc=0
dbus-run-session --config-file="$dir/bus.conf" -- "$script" --inside "$mode" "$@" || rc=$?
exit "$rc"

# Real services for the tests: docker-registry (started by strata-testkit itself, per
# test) and a private, unlocked Secret Service for keychain tests.
#
# Include from the top Makefile:  include mk/services.mk
# Prefix a command with $(WITH_KEYCHAIN) to run it against a throw-away gnome-keyring in
# its own D-Bus session (temporary HOME and XDG dirs; CMD's exit code is kept), e.g.
#   $(WITH_KEYCHAIN) cargo test -p strata-core --test credentials
# and with $(WITHOUT_SECRET_SERVICE) to run it on a bus where no Secret Service exists.

CARGO ?= cargo
WITH_KEYCHAIN := tests/keychain/with-keychain.sh
WITHOUT_SECRET_SERVICE := tests/keychain/with-keychain.sh --no-secret-service

# Debian packages these targets need (the lead's `deps` target installs them).
SERVICES_DEBIAN_PACKAGES := docker-registry skopeo umoci apache2-utils gnome-keyring \
	libsecret-tools dbus dbus-x11

.PHONY: test-harness test-keychain-smoke

## test-harness: the registry harness in all auth modes, fixtures read by skopeo and umoci
test-harness:
	$(CARGO) test -p strata-testkit

## test-keychain-smoke: store a secret, read it from a second process, clear it
test-keychain-smoke:
	$(WITH_KEYCHAIN) tests/keychain/smoke.sh
	@if $(WITHOUT_SECRET_SERVICE) dbus-send --session --print-reply --dest=org.freedesktop.secrets \
		/org/freedesktop/secrets org.freedesktop.Secret.Service.ReadAlias string:default \
		>/dev/null 2>&1; then \
		echo "test-keychain-smoke: a Secret Service answered on a bus that should have none" >&2; \
		exit 1; \
	fi
	@echo "test-keychain-smoke: no Secret Service on the bare bus: ok"

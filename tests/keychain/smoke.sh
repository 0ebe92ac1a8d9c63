#!/bin/sh
# Run through with-keychain.sh: one process stores a secret, a second one reads it back,
# a third deletes it. Proves the Secret Service in the private session works across
# processes, as `strata login` followed by `strata pull` needs.
set -eu
secret="smoke-$$-$(date +%s)"
printf '%s' "$secret" | secret-tool store --label='strata smoke test' service strata-smoke account tester
got=$(sh -c 'secret-tool lookup service strata-smoke account tester')
if [ "$got" != "$secret" ]; then
    echo "keychain smoke: a second process read '$got', expected the stored secret" >&2
    exit 1
fi
secret-tool clear service strata-smoke account tester
if sh -c 'secret-tool lookup service strata-smoke account tester' >/dev/null 2>&1; then
    echo "keychain smoke: the secret is still there after clear" >&2
    exit 1
fi
case "$HOME" in
*/strata-keychain.*) ;;
*) echo "keychain smoke: HOME is not the temporary one ($HOME)" >&2; exit 1 ;;
esac
echo "keychain smoke: store, lookup from another process, clear: ok"

//! A registry behind a private CA: `strata registries add --ca-file` and what follows
//! from it (login, push, pull), against a real `docker-registry` serving HTTPS with a
//! certificate that a throw-away CA signed (strata-testkit's `RegistryBuilder::tls`).
//!
//! Logins write to the keychain, so these tests run inside the keychain runner:
//!
//! ```sh
//! tests/keychain/with-keychain.sh cargo test -p strata-cli --test tls
//! ```

mod support;

use std::path::Path;
use std::sync::MutexGuard;

use strata_testkit::registry::Registry;
use support::*;

/// Holds the private keychain for the rest of the test (see [`require_keychain`]).
fn keychain() -> MutexGuard<'static, ()> {
    require_keychain("tls")
}

/// Writes the registry's CA where a user would keep it; returns the file.
fn save_ca(dir: &Path, registry: &Registry) -> std::path::PathBuf {
    let path = dir.join("registry-ca.pem");
    std::fs::write(&path, registry.ca_pem().expect("a TLS registry")).unwrap();
    path
}

/// `strata login HOST -u alice --password-stdin`, the password on stdin.
fn login(home: &Path, host: &str) -> std::process::Output {
    output_with_stdin(
        &mut strata_cmd(home, &["login", host, "-u", USER, "--password-stdin"]),
        Some(&format!("{PASSWORD}\n")),
    )
}

/// The accounts `strata accounts --json` lists for `host`.
fn accounts_for(home: &Path, host: &str) -> Vec<serde_json::Value> {
    let list = json(home, &["accounts", "--json"]);
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
        .iter()
        .filter(|a| a["registry"] == host)
        .cloned()
        .collect()
}

#[test]
fn login_without_the_ca_is_refused_for_the_certificate_and_saves_nothing() {
    let _keychain = keychain();
    let registry = start_tls_registry("htpasswd");
    let host = registry.host();
    let (_tmp, home) = scratch();

    let err = assert_fails(&login(&home, &host));
    let first = err.lines().next().unwrap_or_default();
    assert!(
        first.contains(&host) && first.contains("certificate"),
        "the error says the registry's certificate was refused: {err}"
    );
    assert!(
        err.contains("CA certificate"),
        "the hint says how to trust it: {err}"
    );
    assert!(
        accounts_for(&home, &host).is_empty(),
        "nothing was saved: {}",
        ok(&home, &["accounts"])
    );
    assert_no_file_holds(&home, PASSWORD);
}

#[test]
fn a_saved_ca_lets_login_push_and_pull_go_through_tls() {
    let _keychain = keychain();
    let registry = start_tls_registry("htpasswd");
    let host = registry.host();
    let (tmp, src) = scratch();
    let ca = save_ca(tmp.path(), &registry);

    ok(&src, &["registries", "add", &host, "--ca-file", p(&ca)]);
    let out = login(&src, &host);
    assert!(
        assert_ok(&out).contains("Login succeeded"),
        "{}",
        stdout(&out)
    );
    let saved = accounts_for(&src, &host);
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert_eq!(saved[0]["username"], USER);

    // Push with the saved CA and the saved login: no --insecure, no --creds.
    let image = random_image(71, &[2048, 70_000]);
    put_image(&src, &image, "app:1");
    let remote = format!("{host}/tls/app:1");
    let pushed = json(&src, &["push", "app:1", &remote, "--json"]);
    assert_eq!(pushed["digest"], image.manifest_digest);
    assert!(
        registry
            .storage_dir()
            .join("docker/registry/v2/repositories/tls/app/_manifests/tags/1")
            .is_dir(),
        "the registry stores the tag"
    );

    // Another store, which knows the registry's CA too, pulls it back.
    let (_tmp2, dst) = scratch();
    ok(&dst, &["registries", "add", &host, "--ca-file", p(&ca)]);
    let pulled = json(&dst, &["pull", &remote, "--json", "--creds", &creds()]);
    assert_eq!(pulled["digest"], image.manifest_digest, "{pulled}");
    let got = inspect(&dst, &remote);
    assert_eq!(diff_ids(&got), diff_ids_of(&image));

    // Without the CA the same pull is refused for the certificate.
    let (_tmp3, stranger) = scratch();
    let err = error_line(&stranger, &["pull", &remote, "--creds", &creds()]);
    assert!(err.contains("certificate"), "{err}");
}

#[test]
fn a_ca_file_that_is_not_pem_is_a_clear_settings_error() {
    let _keychain = keychain();
    let registry = start_tls_registry("htpasswd");
    let host = registry.host();
    let (tmp, home) = scratch();
    let ca = tmp.path().join("not-a-cert.pem");
    std::fs::write(&ca, "this is not a certificate\n").unwrap();

    ok(&home, &["registries", "add", &host, "--ca-file", p(&ca)]);
    let err = assert_fails(&login(&home, &host));
    assert!(
        err.contains("the extra CA is not a PEM certificate"),
        "the error names the CA file's problem: {err}"
    );
    assert!(accounts_for(&home, &host).is_empty());
}

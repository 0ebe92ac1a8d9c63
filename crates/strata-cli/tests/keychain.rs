//! `strata login`, `logout`, `accounts` and `login --import-docker` against the real
//! Secret Service (gnome-keyring) and a real `docker-registry`.
//!
//! Run inside the keychain runner, which gives a private D-Bus session, an unlocked
//! gnome-keyring and a temporary HOME (the Makefile does):
//!
//! ```sh
//! tests/keychain/with-keychain.sh cargo test -p strata-cli --test keychain
//! ```
//!
//! Outside it every test fails at once with that instruction: these tests write to the
//! keychain, and must never touch a developer's own.

mod support;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::MutexGuard;

use base64::Engine as _;
use support::*;

/// Holds the private keychain for the rest of the test (see [`require_keychain`]).
fn keychain() -> MutexGuard<'static, ()> {
    require_keychain("keychain")
}

/// Everything the tests saw strata print, to search for secrets at the end.
#[derive(Default)]
struct Transcript(String);

impl Transcript {
    fn run(&mut self, cmd: &mut Command, stdin: Option<&str>) -> Output {
        let out = output_with_stdin(cmd, stdin);
        self.0.push_str(&stdout(&out));
        self.0.push_str(&stderr(&out));
        out
    }

    fn strata(&mut self, home: &Path, args: &[&str], stdin: Option<&str>) -> Output {
        self.run(&mut strata_cmd(home, args), stdin)
    }

    fn assert_never_contains(&self, secret: &str) {
        assert!(
            !self.0.contains(secret),
            "a secret appeared in strata's output:\n{}",
            self.0
        );
    }
}

/// `secret-tool lookup` of strata's entry: what another program sees in the keychain.
fn lookup(registry: &str, user: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args([
            "lookup",
            "service",
            &format!("strata:{registry}"),
            "username",
            user,
        ])
        .output()
        .expect("run secret-tool");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn accounts_json(t: &mut Transcript, home: &Path) -> Vec<serde_json::Value> {
    let out = t.strata(home, &["accounts", "--json"], None);
    serde_json::from_str(&assert_ok(&out)).expect("accounts --json is JSON")
}

fn login_round_trip(auth: &str) {
    let _keychain = keychain();
    let registry = start_registry(auth);
    let host = registry.host();
    let home = tempfile::tempdir().unwrap();
    let mut t = Transcript::default();

    let out = t.strata(
        home.path(),
        &["login", &host, "-u", USER, "--password-stdin"],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(assert_ok(&out).contains("Login succeeded"));
    // In the real keychain, where another program finds it (keyring's in-memory mock
    // would have lost it when strata exited).
    assert_eq!(lookup(&host, USER).as_deref(), Some(PASSWORD));

    // A new process lists the account and logs in with the saved secret, no --creds.
    let list = accounts_json(&mut t, home.path());
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["registry"], host.as_str());
    assert_eq!(list[0]["username"], USER);
    assert_eq!(list[0]["default"], true);
    let text = assert_ok(&t.strata(home.path(), &["accounts"], None));
    assert!(text.contains(&host) && text.contains(USER), "{text}");
    let out = t.strata(home.path(), &["login", &host], None);
    assert!(assert_ok(&out).contains("saved secret"));
    assert_no_file_holds(home.path(), PASSWORD);

    // Logout deletes the secret; the saved login no longer works.
    assert_ok(&t.strata(home.path(), &["logout", &host], None));
    assert_eq!(lookup(&host, USER), None);
    assert!(accounts_json(&mut t, home.path()).is_empty());
    let err = assert_fails(&t.strata(home.path(), &["login", &host], None));
    assert!(err.contains("not logged in"), "{err}");

    t.assert_never_contains(PASSWORD);
}

#[test]
fn htpasswd_login_is_kept_in_the_keychain_read_by_a_new_process_and_removed_by_logout() {
    login_round_trip("htpasswd");
}

#[test]
fn token_login_is_kept_in_the_keychain_read_by_a_new_process_and_removed_by_logout() {
    login_round_trip("token");
}

#[test]
fn a_wrong_password_is_refused_and_nothing_is_stored() {
    let _keychain = keychain();
    for auth in ["htpasswd", "token"] {
        let registry = start_registry(auth);
        let host = registry.host();
        let home = tempfile::tempdir().unwrap();
        let mut t = Transcript::default();
        let wrong = "wrong-Pw-4u!";
        let err = assert_fails(&t.strata(
            home.path(),
            &["login", &host, "-u", USER, "--password-stdin"],
            Some(wrong),
        ));
        assert!(err.contains("refused the login of alice"), "{auth}: {err}");
        assert!(err.contains("nothing was saved"), "{auth}: {err}");
        assert!(err.contains("hint:"), "{auth}: {err}");
        assert_eq!(lookup(&host, USER), None, "{auth}");
        assert!(
            files_under(home.path()).is_empty(),
            "{auth}: a file was written"
        );
        t.assert_never_contains(wrong);
    }
}

#[test]
fn without_a_secret_service_login_says_what_to_install_and_writes_nothing() {
    let _keychain = keychain();
    let registry = start_registry("htpasswd");
    let host = registry.host();
    let home = tempfile::tempdir().unwrap();
    let mut t = Transcript::default();
    let mut cmd = Command::new(keychain_runner());
    cmd.arg("--no-secret-service")
        .arg(env!("CARGO_BIN_EXE_strata"))
        .arg("--home")
        .arg(home.path())
        .args(["login", &host, "-u", USER, "--password-stdin"]);
    let out = t.run(&mut cmd, Some(PASSWORD));
    let err = assert_fails(&out);
    assert!(err.contains("no keychain is reachable"), "{err}");
    for words in [
        "gnome-keyring",
        "KeePassXC",
        "dbus-run-session",
        "never in a plain file",
    ] {
        assert!(err.contains(words), "the hint lacks `{words}`: {err}");
    }
    assert!(files_under(home.path()).is_empty(), "a file was written");
    assert_eq!(lookup(&host, USER), None);
    t.assert_never_contains(PASSWORD);
}

#[test]
fn a_10_kb_token_is_stored_in_parts_and_read_back_whole() {
    let _keychain = keychain();
    // Any credentials pass an open registry; what is checked is that the secret strata
    // reads back hashes to what it stored (a torn or truncated read fails the re-login).
    let registry = start_registry("none");
    let host = registry.host();
    let home = tempfile::tempdir().unwrap();
    let mut t = Transcript::default();
    let token: String = (0..10 * 1024)
        .map(|i| char::from(b'A' + (i % 26) as u8))
        .collect();
    assert_ok(&t.strata(
        home.path(),
        &["login", &host, "-u", "robot", "--password-stdin"],
        Some(&token),
    ));
    let header = lookup(&host, "robot").expect("the main entry");
    assert!(header.starts_with("strata-chunked:v1:"), "{header}");
    let part = lookup(&host, "robot:part1").expect("the first part");
    assert!(part.len() <= 1200 && token.starts_with(&part));
    assert_ok(&t.strata(home.path(), &["login", &host], None));
    assert_ok(&t.strata(home.path(), &["logout", &host], None));
    assert_eq!(lookup(&host, "robot"), None);
    assert_eq!(lookup(&host, "robot:part1"), None);
    assert_eq!(lookup(&host, "robot:part9"), None);
    t.assert_never_contains(&token[..64]);
}

/// A `docker-credential-test` that knows two logins, as the helper protocol says.
fn fake_helper(dir: &Path) {
    let script = r#"#!/bin/sh
case "$1" in
list)
    printf '{"https://helper.example.test":"bob"}'
    ;;
get)
    read -r server || true
    case "$server" in
    https://helper.example.test) printf '{"ServerURL":"%s","Username":"bob","Secret":"helper-Secret-B"}' "$server" ;;
    other.example.test) printf '{"ServerURL":"%s","Username":"<token>","Secret":"identity-Token-C"}' "$server" ;;
    *) echo "credentials not found in native keychain"; exit 1 ;;
    esac
    ;;
*) exit 1 ;;
esac
"#;
    let path = dir.join("docker-credential-test");
    std::fs::write(&path, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn docker_logins_and_helper_logins_are_imported_into_the_keychain_with_consent() {
    let _keychain = keychain();
    let registry = start_registry("htpasswd");
    let host = registry.host();
    let home = tempfile::tempdir().unwrap();
    let tools = tempfile::tempdir().unwrap();
    fake_helper(tools.path());
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    let config = tools.path().join("config.json");
    std::fs::write(
        &config,
        serde_json::json!({
            "auths": { host.clone(): {"auth": auth}, "https://helper.example.test": {} },
            "credsStore": "test",
            "credHelpers": { "other.example.test": "test" }
        })
        .to_string(),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        tools.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut t = Transcript::default();
    let import = |t: &mut Transcript, extra: &[&str]| {
        let mut cmd = strata_cmd(home.path(), &["login", "--import-docker", "--config"]);
        cmd.env("PATH", &path).arg(&config).args(extra);
        t.run(&mut cmd, None)
    };

    // No terminal and no --yes: it lists what it found and imports nothing.
    let out = import(&mut t, &[]);
    let err = assert_fails(&out);
    assert!(err.contains("consent") && err.contains("--yes"), "{err}");
    let listing = String::from_utf8_lossy(&out.stdout);
    for name in [
        host.as_str(),
        "helper.example.test",
        "other.example.test",
        "bob",
    ] {
        assert!(listing.contains(name), "{name} not listed: {listing}");
    }
    assert_eq!(lookup(&host, USER), None);

    let out = import(&mut t, &["--yes"]);
    assert!(assert_ok(&out).contains("Imported 3 login(s)"));
    assert_eq!(lookup(&host, USER).as_deref(), Some(PASSWORD));
    assert_eq!(
        lookup("helper.example.test", "bob").as_deref(),
        Some("helper-Secret-B")
    );
    assert_eq!(
        lookup("other.example.test", "<token>").as_deref(),
        Some("identity-Token-C")
    );
    // Importing again replaces, not duplicates; with --json stdout is only the accounts.
    let out = import(&mut t, &["--yes", "--json"]);
    let again: Vec<serde_json::Value> = serde_json::from_str(&assert_ok(&out)).expect("JSON");
    assert_eq!(again.len(), 3, "{again:?}");
    let list = accounts_json(&mut t, home.path());
    assert_eq!(list.len(), 3, "{list:?}");
    let token = list
        .iter()
        .find(|a| a["registry"] == "other.example.test")
        .unwrap();
    assert_eq!(token["kind"], "identity_token");

    // The imported docker login works from a new process.
    assert!(assert_ok(&t.strata(home.path(), &["login", &host], None)).contains("saved secret"));
    assert_no_file_holds(home.path(), PASSWORD);
    assert_no_file_holds(home.path(), "helper-Secret-B");
    for secret in [
        PASSWORD,
        "helper-Secret-B",
        "identity-Token-C",
        auth.as_str(),
    ] {
        t.assert_never_contains(secret);
    }
    for (reg, user) in [
        (host.as_str(), USER),
        ("helper.example.test", "bob"),
        ("other.example.test", "<token>"),
    ] {
        assert_ok(&t.strata(home.path(), &["logout", reg, "-u", user], None));
        assert_eq!(lookup(reg, user), None);
    }
}

#[test]
fn namespace_scoped_accounts_are_listed_and_a_second_account_needs_a_name_to_log_out() {
    let _keychain = keychain();
    let registry = start_registry("none");
    let host = registry.host();
    let home = tempfile::tempdir().unwrap();
    let mut t = Transcript::default();
    assert_ok(&t.strata(
        home.path(),
        &["login", &host, "-u", "main", "--password-stdin"],
        Some("m-pass"),
    ));
    assert_ok(&t.strata(
        home.path(),
        &[
            "login",
            &format!("{host}/team"),
            "-u",
            "ram-team",
            "--password-stdin",
        ],
        Some("t-pass"),
    ));
    let list = accounts_json(&mut t, home.path());
    let team = list.iter().find(|a| a["username"] == "ram-team").unwrap();
    assert_eq!(team["namespace"], "team");
    assert_eq!(team["default"], false);
    let main = list.iter().find(|a| a["username"] == "main").unwrap();
    assert_eq!(main["default"], true);
    // The scoped account becomes the default when asked, without its password again.
    let out = t.strata(
        home.path(),
        &["login", &host, "-u", "ram-team", "--default"],
        None,
    );
    assert!(assert_ok(&out).contains("default account"));
    let list = accounts_json(&mut t, home.path());
    let defaults: Vec<_> = list.iter().filter(|a| a["default"] == true).collect();
    assert_eq!(defaults.len(), 1, "{list:?}");
    assert_eq!(defaults[0]["username"], "ram-team");
    let err = assert_fails(&t.strata(home.path(), &["logout", &host], None));
    assert!(
        err.contains("several accounts") && err.contains("-u USER"),
        "{err}"
    );
    assert_ok(&t.strata(home.path(), &["logout", &host, "--all"], None));
    assert_eq!(lookup(&host, "main"), None);
    assert_eq!(lookup(&host, "ram-team"), None);
    t.assert_never_contains("m-pass");
    t.assert_never_contains("t-pass");
}

#[test]
fn outdated_asks_a_token_registry_with_the_keychains_login_as_a_pull_does() {
    let _keychain = keychain();
    let registry = start_registry("token");
    let host = registry.host();
    let remote = format!("{host}/team/app:1");
    let c = creds();
    let src = tempfile::tempdir().unwrap();
    put_image(src.path(), &random_image(41, &[700]), "app:1");
    put_image(src.path(), &random_image(42, &[800]), "app:2");
    ok(src.path(), &["push", "app:1", &remote, "--creds", &c]);

    let home = tempfile::tempdir().unwrap();
    let mut t = Transcript::default();
    let out = t.strata(
        home.path(),
        &["login", &host, "-u", USER, "--password-stdin"],
        Some(&format!("{PASSWORD}\n")),
    );
    assert_ok(&out);
    assert_ok(&t.strata(home.path(), &["pull", &remote], None));
    ok(src.path(), &["push", "app:2", &remote, "--creds", &c]);

    let state = |t: &mut Transcript| {
        let all: serde_json::Value = parse_json(&assert_ok(&t.strata(
            home.path(),
            &["outdated", "--json"],
            None,
        )));
        all.as_array().unwrap()[0].clone()
    };
    let e = state(&mut t);
    assert_eq!(e["state"], "update_available", "{e:#}");

    // Without the login the registry refuses to say: that image cannot be checked.
    assert_ok(&t.strata(home.path(), &["logout", &host], None));
    let e = state(&mut t);
    assert_eq!(e["state"], "cannot_check", "{e:#}");
    assert_eq!(e["problem"]["code"], "registry.unauthorized", "{e:#}");
    t.assert_never_contains(PASSWORD);
}

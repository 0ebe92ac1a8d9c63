//! `strata registries add --provider …`, `cloud-login`, `ns` and `repo` against local
//! management APIs: the testkit's ACR server (Personal and Enterprise, every request's
//! ACS3 signature verified), and its fake Harbor and Docker Hub; then "log in with
//! AccessKeys, and push" to a real `docker-registry` that accepts the ACR server's
//! temporary login.
//!
//! Run inside the keychain runner (the AccessKey secret goes to the real Secret Service):
//! `tests/keychain/with-keychain.sh cargo test -p strata-cli --test cloud`.

mod support;

use std::path::Path;

use serde_json::Value;
use strata_testkit::acr::{AcrConfig, AcrServer, Instance, Scope, Tag};
use strata_testkit::dockerhub::HubServer;
use strata_testkit::harbor::HarborServer;
use strata_testkit::registry::{Auth, Registry};
use support::*;

const KEY_ID: &str = "LTAI5tCliTestKeyId";
const SECRET: &str = "cli-test-secret-7b1f0c9e";
const INSTANCE: &str = "cri-testkit000001";

/// Everything strata printed, to search for the secret at the end.
#[derive(Default)]
struct Transcript(String);

impl Transcript {
    fn run(&mut self, home: &Path, args: &[&str], stdin: Option<&str>) -> std::process::Output {
        let out = output_with_stdin(&mut strata_cmd(home, args), stdin);
        self.0.push_str(&stdout(&out));
        self.0.push_str(&stderr(&out));
        out
    }

    fn ok(&mut self, home: &Path, args: &[&str]) -> String {
        let out = self.run(home, args, None);
        assert_ok(&out)
    }

    fn json(&mut self, home: &Path, args: &[&str]) -> Value {
        parse_json(&self.ok(home, args))
    }
}

/// Adds `endpoint` with `provider` and its API at `api`, then saves the AccessKey.
fn add_acr(t: &mut Transcript, home: &Path, endpoint: &str, extra: &[&str], api: &str) {
    let args = [
        &["registries", "add", endpoint, "--api-endpoint", api][..],
        extra,
    ]
    .concat();
    t.ok(home, &args);
    let login = t.run(
        home,
        &[
            "cloud-login",
            endpoint,
            "--access-key-id",
            KEY_ID,
            "--access-key-secret-stdin",
            "--json",
        ],
        Some(SECRET),
    );
    let saved = parse_json(&assert_ok(&login));
    assert_eq!(saved["api"]["access_key_id"], KEY_ID, "{saved}");
}

/// A Harbor API, and a real registry beside it that takes Harbor's admin account (the
/// registry's login is checked against its /v2/).
fn harbor_and_registry() -> (HarborServer, Registry) {
    let harbor = HarborServer::start("admin", "Harbor12345").unwrap();
    let registry = Registry::start(Auth::Htpasswd {
        users: vec![strata_testkit::user::User::new("admin", "Harbor12345")],
    })
    .unwrap();
    (harbor, registry)
}

/// Saves `host` as a Harbor registry whose API is at `api`, and logs in as its admin.
fn add_harbor_and_log_in(t: &mut Transcript, home: &Path, host: &str, api: &str) {
    t.ok(
        home,
        &[
            "registries",
            "add",
            host,
            "--provider",
            "harbor",
            "--api-endpoint",
            api,
        ],
    );
    let out = t.run(
        home,
        &["login", host, "-u", "admin", "--password-stdin"],
        Some("Harbor12345"),
    );
    assert_ok(&out);
}

fn names(list: &Value, key: &str) -> Vec<String> {
    let mut v = pluck(list, key);
    v.sort();
    v
}

/// No file under the store home holds the secret.
fn assert_no_file_holds(home: &Path, secret: &str) {
    for (path, bytes) in files_under(home) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(secret),
            "{} holds the secret",
            path.display()
        );
    }
}

/// A tag as a push leaves it in the ACR server.
fn tag(name: &str, size: u64) -> Tag {
    Tag {
        tag: name.into(),
        digest: format!("{size:064x}"),
        image_id: format!("{:064x}", size + 1),
        size,
        created_ms: 1_760_000_000_000,
        updated_ms: 1_760_000_100_000,
    }
}

/// `strata repo show` lists the tags the server holds, with size, digest and times.
fn assert_shows_tag(t: &mut Transcript, home: &Path, target: &str) {
    let shown = t.json(home, &["repo", "show", target, "--json"]);
    let first = &shown["tags"][0];
    assert_eq!(first["tag"], "v1", "{shown}");
    assert_eq!(first["size"], 4096, "{shown}");
    assert_eq!(first["digest"], format!("sha256:{:064x}", 4096), "{shown}");
    assert_eq!(first["updated"], "2025-10-09T08:55:00Z", "{shown}");
    assert_eq!(shown["repository"]["summary"], "the web app", "{shown}");
}

/// Namespaces and repositories through `strata ns` and `strata repo` on one registry.
fn namespace_and_repository_round_trip(
    t: &mut Transcript,
    home: &Path,
    endpoint: &str,
    server: Option<(&AcrServer, &Scope)>,
) {
    t.ok(home, &["ns", "create", &format!("{endpoint}/team")]);
    assert_eq!(
        names(&t.json(home, &["ns", "ls", endpoint, "--json"]), "name"),
        ["team"]
    );
    let created = t.json(
        home,
        &[
            "repo",
            "create",
            &format!("{endpoint}/team/app"),
            "--summary",
            "the web app",
            "--public",
            "--json",
        ],
    );
    assert_eq!(created["summary"], "the web app", "{created}");
    assert_eq!(created["public"], true, "{created}");
    t.ok(
        home,
        &[
            "repo",
            "create",
            &format!("{endpoint}/team/worker"),
            "--summary",
            "jobs",
        ],
    );
    let listed = t.json(home, &["repo", "ls", &format!("{endpoint}/team"), "--json"]);
    assert_eq!(names(&listed, "name"), ["app", "worker"]);
    let worker = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "worker")
        .unwrap();
    assert_eq!(worker["public"], false, "{worker}");
    if let Some((acr, scope)) = server {
        assert!(acr.put_tag(scope, "team", "app", tag("v1", 4096)));
        assert_shows_tag(t, home, &format!("{endpoint}/team/app"));
    }

    // Taken names are refused with our code's words.
    let again = t.run(
        home,
        &[
            "repo",
            "create",
            &format!("{endpoint}/team/app"),
            "--summary",
            "x",
        ],
        None,
    );
    let err = assert_fails(&again);
    assert!(err.contains("hint: that name is taken"), "{err}");

    // Deleting asks for --yes when there is no terminal.
    let unconfirmed = t.run(home, &["repo", "rm", &format!("{endpoint}/team/app")], None);
    assert_fails(&unconfirmed);
    t.ok(
        home,
        &["repo", "rm", &format!("{endpoint}/team/app"), "--yes"],
    );
    t.ok(
        home,
        &["repo", "rm", &format!("{endpoint}/team/worker"), "--yes"],
    );
    assert_eq!(
        names(
            &t.json(home, &["repo", "ls", &format!("{endpoint}/team"), "--json"]),
            "name"
        ),
        Vec::<String>::new()
    );
    t.ok(home, &["ns", "rm", &format!("{endpoint}/team"), "--yes"]);
    assert!(t
        .json(home, &["ns", "ls", endpoint, "--json"])
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn acr_personal_namespaces_and_repositories_with_an_access_key() {
    let _keychain = require_keychain("cloud");
    let acr = AcrServer::start(AcrConfig::new(KEY_ID, SECRET)).unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut t = Transcript::default();
    let endpoint = "registry.cn-hangzhou.aliyuncs.com";
    add_acr(
        &mut t,
        home.path(),
        endpoint,
        &["--provider", "acr-personal", "--region", "cn-hangzhou"],
        &acr.url(),
    );
    let scope = Scope::Personal;
    namespace_and_repository_round_trip(&mut t, home.path(), endpoint, Some((&acr, &scope)));
    assert!(acr
        .calls()
        .iter()
        .all(|c| c.code.as_deref() != Some("SignatureDoesNotMatch")));
    assert_no_file_holds(home.path(), SECRET);
    assert!(!t.0.contains(SECRET), "the secret was printed:\n{}", t.0);
}

#[test]
fn acr_enterprise_namespaces_and_repositories_on_an_instance() {
    let _keychain = require_keychain("cloud");
    let instance = Instance::new(INSTANCE, "testkit").internet_domain("127.0.0.1:5999");
    let config = AcrConfig::new(KEY_ID, SECRET).instances(vec![instance]);
    let acr = AcrServer::start(config).unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut t = Transcript::default();
    let endpoint = "testkit-registry.cn-hangzhou.cr.aliyuncs.com";
    add_acr(
        &mut t,
        home.path(),
        endpoint,
        &["--provider", "acr-enterprise", "--instance", INSTANCE],
        &acr.url(),
    );
    let scope = Scope::Instance(INSTANCE.into());
    namespace_and_repository_round_trip(&mut t, home.path(), endpoint, Some((&acr, &scope)));
    let instances = t.json(
        home.path(),
        &["registries", "instances", endpoint, "--json"],
    );
    assert_eq!(instances[0]["id"], INSTANCE, "{instances}");
    assert_eq!(instances[0]["internet"][0], "127.0.0.1:5999", "{instances}");
    assert_eq!(
        instances[0]["vpc"][0], "testkit-registry-vpc.cn-hangzhou.cr.aliyuncs.com",
        "{instances}"
    );
    assert!(acr
        .calls()
        .iter()
        .any(|c| c.action.as_deref() == Some("DeleteRepository") && c.status == 200));
    assert_no_file_holds(home.path(), SECRET);
    assert!(!t.0.contains(SECRET));
}

#[test]
fn lists_follow_the_pages_past_250_repositories() {
    let _keychain = require_keychain("cloud");
    let acr = AcrServer::start(AcrConfig::new(KEY_ID, SECRET)).unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut t = Transcript::default();
    let endpoint = "registry.cn-shanghai.aliyuncs.com";
    add_acr(
        &mut t,
        home.path(),
        endpoint,
        &["--provider", "acr-personal", "--region", "cn-shanghai"],
        &acr.url(),
    );
    t.ok(home.path(), &["ns", "create", &format!("{endpoint}/many")]);
    for i in 0..260 {
        let target = format!("{endpoint}/many/repo-{i:03}");
        t.ok(home.path(), &["repo", "create", &target, "--summary", "s"]);
    }
    let listed = t.json(
        home.path(),
        &["repo", "ls", &format!("{endpoint}/many"), "--json"],
    );
    let got = names(&listed, "name");
    assert_eq!(got.len(), 260);
    assert_eq!(got[259], "repo-259");
    let pages = acr
        .calls()
        .iter()
        .filter(|c| c.action.as_deref() == Some("GetRepoListByNamespace"))
        .count();
    assert_eq!(pages, 3, "100 per page");
    assert_eq!(acr.repositories(&Scope::Personal).len(), 260);
}

#[test]
fn a_wrong_secret_is_refused_with_our_code_and_hint_and_not_saved() {
    let _keychain = require_keychain("cloud");
    let acr = AcrServer::start(AcrConfig::new(KEY_ID, SECRET)).unwrap();
    let home = tempfile::tempdir().unwrap();
    let endpoint = "registry.cn-beijing.aliyuncs.com";
    ok(
        home.path(),
        &[
            "registries",
            "add",
            endpoint,
            "--provider",
            "acr-personal",
            "--api-endpoint",
            &acr.url(),
        ],
    );
    let wrong = "not-the-secret-3f9a";
    let out = output_with_stdin(
        &mut strata_cmd(
            home.path(),
            &[
                "cloud-login",
                endpoint,
                "--access-key-id",
                KEY_ID,
                "--access-key-secret-stdin",
            ],
        ),
        Some(wrong),
    );
    let err = assert_fails(&out);
    assert!(err.contains("SignatureDoesNotMatch"), "{err}");
    assert!(err.contains("hint: the signature did not match"), "{err}");
    assert!(!err.contains(wrong));
    // Nothing saved: the next call says to save an AccessKey first.
    let err = fails(home.path(), &["ns", "ls", endpoint]);
    assert!(err.contains("no AccessKey is saved"), "{err}");
    assert!(err.contains("hint: save an AccessKey first"), "{err}");
}

#[test]
fn log_in_with_access_keys_then_push() {
    let _keychain = require_keychain("cloud");
    // Logins said to last 5 minutes: within the 10-minute margin, so each push refreshes.
    let mut config = AcrConfig::new(KEY_ID, SECRET);
    config.token_ttl = std::time::Duration::from_secs(300);
    let acr = AcrServer::start(config).unwrap();
    let registry = Registry::start(Auth::Htpasswd {
        users: vec![acr.temporary_login()],
    })
    .unwrap();
    let host = registry.host();
    let home = tempfile::tempdir().unwrap();
    let mut t = Transcript::default();
    add_acr(
        &mut t,
        home.path(),
        &host,
        &["--provider", "acr-personal", "--region", "cn-hangzhou"],
        &acr.url(),
    );
    t.ok(home.path(), &["ns", "create", &format!("{host}/team")]);
    t.ok(
        home.path(),
        &[
            "repo",
            "create",
            &format!("{host}/team/app"),
            "--summary",
            "app",
        ],
    );
    // No password: the API hands out a temporary one, which the real registry accepts.
    let login = t.json(home.path(), &["login", &host, "--json"]);
    assert_eq!(login["username"], "cr_temp_user", "{login}");
    assert_eq!(acr.tokens_issued(), 1);

    let img = random_image(12, &[20_000]);
    put_image(home.path(), &img, "app:1");
    let remote = format!("{host}/team/app:1");
    t.ok(home.path(), &["push", "app:1", &remote, "--json"]);
    assert_eq!(
        acr.tokens_issued(),
        2,
        "the push replaced the expiring login first"
    );
    let tags = t.json(
        home.path(),
        &["tags", &format!("{host}/team/app"), "--json"],
    );
    assert!(tags.to_string().contains("\"1\""), "{tags}");
    assert_no_file_holds(home.path(), SECRET);
    assert_no_file_holds(home.path(), &acr.temporary_login().password);
    assert!(!t.0.contains(SECRET));
}

#[test]
fn harbor_projects_as_namespaces_through_the_cli() {
    let _keychain = require_keychain("cloud");
    let (harbor, registry) = harbor_and_registry();
    let host = registry.host();
    let home = tempfile::tempdir().unwrap();
    let mut t = Transcript::default();
    add_harbor_and_log_in(&mut t, home.path(), &host, &harbor.url());
    t.ok(
        home.path(),
        &["ns", "create", &format!("{host}/library"), "--public"],
    );
    t.ok(home.path(), &["ns", "create", &format!("{host}/private")]);
    let listed = t.json(home.path(), &["ns", "ls", &host, "--json"]);
    assert_eq!(names(&listed, "name"), ["library", "private"]);
    assert!(listed.to_string().contains("\"public\":true"), "{listed}");
    assert!(harbor.push("library", "web", "1.0", 1234));
    let repos = t.json(
        home.path(),
        &["repo", "ls", &format!("{host}/library"), "--json"],
    );
    assert_eq!(names(&repos, "name"), ["web"]);
    assert_eq!(repos[0]["public"], true);
    let shown = t.json(
        home.path(),
        &["repo", "show", &format!("{host}/library/web"), "--json"],
    );
    assert_eq!(shown["tags"][0]["tag"], "1.0", "{shown}");
    assert_eq!(shown["tags"][0]["size"], 1234);
    // Harbor creates repositories on push: creating one is refused with advice.
    let err = fails(
        home.path(),
        &[
            "repo",
            "create",
            &format!("{host}/library/api"),
            "--summary",
            "x",
        ],
    );
    assert!(
        err.contains("hint: this provider creates repositories on the first push"),
        "{err}"
    );
    // A project with repositories cannot go; empty it first.
    let err = fails(
        home.path(),
        &["ns", "rm", &format!("{host}/library"), "--yes"],
    );
    assert!(err.contains("PRECONDITION"), "{err}");
    t.ok(
        home.path(),
        &["repo", "rm", &format!("{host}/library/web"), "--yes"],
    );
    t.ok(
        home.path(),
        &["ns", "rm", &format!("{host}/library"), "--yes"],
    );
    assert_eq!(harbor.projects(), ["private"]);
}

#[test]
fn docker_hub_repositories_with_a_personal_access_token() {
    let _keychain = require_keychain("cloud");
    let token = "dckr_pat_cli-test-0b5e";
    let hub = HubServer::start("ann", token, &["acme"]).unwrap();
    let registry = Registry::start(Auth::Htpasswd {
        users: vec![strata_testkit::user::User::new("ann", token)],
    })
    .unwrap();
    let host = registry.host();
    let home = tempfile::tempdir().unwrap();
    let mut t = Transcript::default();
    t.ok(
        home.path(),
        &[
            "registries",
            "add",
            &host,
            "--provider",
            "dockerhub",
            "--api-endpoint",
            &hub.url(),
        ],
    );
    let out = t.run(
        home.path(),
        &["login", &host, "-u", "ann", "--password-stdin"],
        Some(token),
    );
    assert_ok(&out);
    assert_eq!(
        names(&t.json(home.path(), &["ns", "ls", &host, "--json"]), "name"),
        ["acme", "ann"]
    );
    t.ok(
        home.path(),
        &[
            "repo",
            "create",
            &format!("{host}/ann/tool"),
            "--summary",
            "a tool",
            "--public",
        ],
    );
    t.ok(
        home.path(),
        &["repo", "create", &format!("{host}/acme/secret-app")],
    );
    let mine = t.json(
        home.path(),
        &["repo", "ls", &format!("{host}/ann"), "--json"],
    );
    assert_eq!(names(&mine, "name"), ["tool"]);
    assert_eq!(mine[0]["public"], true);
    assert_eq!(mine[0]["summary"], "a tool");
    let org = t.json(
        home.path(),
        &["repo", "ls", &format!("{host}/acme"), "--json"],
    );
    assert_eq!(org[0]["public"], false, "{org}");
    t.ok(
        home.path(),
        &["repo", "rm", &format!("{host}/ann/tool"), "--yes"],
    );
    assert_eq!(hub.repositories(), ["acme/secret-app"]);
    // A namespace that is not the account's is refused by the API.
    let err = fails(home.path(), &["repo", "ls", &format!("{host}/other")]);
    assert!(err.contains("hint:"), "{err}");
    assert!(!t.0.contains(token));
}

/// `secret-tool lookup` of a keychain entry: what another program sees there.
fn keychain_has(service: &str, user: &str) -> bool {
    let out = std::process::Command::new("secret-tool")
        .args(["lookup", "service", service, "username", user])
        .output()
        .expect("run secret-tool");
    out.status.success() && !out.stdout.is_empty()
}

fn account_names(t: &mut Transcript, home: &Path) -> Vec<String> {
    names(&t.json(home, &["cloud-accounts", "ls", "--json"]), "name")
}

#[test]
fn named_cloud_accounts_are_shared_refused_while_used_and_leave_the_keychain() {
    let _keychain = require_keychain("cloud");
    let acr = AcrServer::start(AcrConfig::new(KEY_ID, SECRET)).unwrap();
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let mut t = Transcript::default();
    let (hz, sh) = (
        "registry.cn-hangzhou.aliyuncs.com",
        "registry.cn-shanghai.aliyuncs.com",
    );
    let add_account = |t: &mut Transcript, name: &str, secret: &str, extra: &[&str]| {
        let args = [
            &[
                "cloud-accounts",
                "add",
                name,
                "--access-key-id",
                KEY_ID,
                "--access-key-secret-stdin",
                "--json",
            ][..],
            extra,
        ]
        .concat();
        t.run(h, &args, Some(secret))
    };

    // An account by name: its secret in the keychain, its ID (never the secret) in the list.
    let added = parse_json(&assert_ok(&add_account(&mut t, "prod", SECRET, &[])));
    assert_eq!(added["access_key_id"], KEY_ID, "{added}");
    assert_eq!(added["provider"], "aliyun", "{added}");
    assert!(keychain_has("strata:cloud-account:prod", KEY_ID));
    let again = add_account(&mut t, "prod", SECRET, &[]);
    assert!(assert_fails(&again).contains("exists already"));

    // Two registries share it; each checks it with one signed call before it is saved.
    for (endpoint, name) in [(hz, "hz"), (sh, "sh")] {
        t.ok(
            h,
            &[
                "registries",
                "add",
                endpoint,
                "--name",
                name,
                "--provider",
                "acr-personal",
                "--api-endpoint",
                &acr.url(),
                "--account",
                "prod",
            ],
        );
    }
    t.ok(h, &["ns", "create", &format!("{hz}/team")]);
    assert_eq!(
        names(&t.json(h, &["ns", "ls", "sh", "--json"]), "name"),
        ["team"]
    );
    let listed = t.json(h, &["cloud-accounts", "ls", "--json"]);
    assert_eq!(
        listed[0]["registries"],
        serde_json::json!(["hz", "sh"]),
        "{listed}"
    );
    let text = t.ok(h, &["cloud-accounts", "ls"]);
    assert!(text.contains("prod") && text.contains("hz, sh"), "{text}");

    // An unknown account saves nothing.
    let err = fails(
        h,
        &[
            "registries",
            "add",
            "registry.cn-beijing.aliyuncs.com",
            "--provider",
            "acr-personal",
            "--api-endpoint",
            &acr.url(),
            "--account",
            "nope",
        ],
    );
    assert!(err.contains("no cloud account named `nope`"), "{err}");
    assert!(err.contains("hint: `strata cloud-accounts ls`"), "{err}");
    assert!(!t.ok(h, &["registries"]).contains("cn-beijing"));

    // A key checked against a registry (--registry) and refused there is not saved.
    let wrong = add_account(&mut t, "bad", "not-the-secret-1c2d", &["--registry", "hz"]);
    assert!(assert_fails(&wrong).contains("SignatureDoesNotMatch"));
    assert_eq!(account_names(&mut t, h), ["prod"]);
    assert!(!keychain_has("strata:cloud-account:bad", KEY_ID));

    // Removing an account a registry uses is refused, with the registries named.
    let err = fails(h, &["cloud-accounts", "rm", "prod"]);
    assert!(err.contains("is used by hz, sh"), "{err}");
    assert!(err.contains("--force"), "{err}");
    // A registry's removal keeps an account added by name (another registry may use it).
    t.ok(h, &["registries", "rm", "hz"]);
    let listed = t.json(h, &["cloud-accounts", "ls", "--json"]);
    assert_eq!(
        listed[0]["registries"],
        serde_json::json!(["sh"]),
        "{listed}"
    );
    assert!(keychain_has("strata:cloud-account:prod", KEY_ID));
    // --force removes it anyway: its secret leaves the keychain and sh has no AccessKey.
    t.ok(h, &["cloud-accounts", "rm", "prod", "--force"]);
    assert!(account_names(&mut t, h).is_empty());
    assert!(!keychain_has("strata:cloud-account:prod", KEY_ID));
    let err = fails(h, &["ns", "ls", "sh"]);
    assert!(err.contains("no AccessKey is saved"), "{err}");

    // cloud-login without --account keeps working: it makes an account named after the
    // registry, which goes (secret included) with the registry.
    let login = t.run(
        h,
        &[
            "cloud-login",
            "sh",
            "--access-key-id",
            KEY_ID,
            "--access-key-secret-stdin",
            "--json",
        ],
        Some(SECRET),
    );
    let saved = parse_json(&assert_ok(&login));
    assert_eq!(saved["api"]["account"], "sh", "{saved}");
    assert_eq!(account_names(&mut t, h), ["sh"]);
    assert!(keychain_has("strata:cloud-account:sh", KEY_ID));
    // --account NAME alone points a registry at an existing account.
    t.run(
        h,
        &[
            "cloud-accounts",
            "add",
            "team",
            "--access-key-id",
            KEY_ID,
            "--access-key-secret-stdin",
        ],
        Some(SECRET),
    );
    let moved = t.json(h, &["cloud-login", "sh", "--account", "team", "--json"]);
    assert_eq!(moved["api"]["account"], "team", "{moved}");
    t.ok(h, &["cloud-login", "sh", "--account", "sh"]);
    t.ok(h, &["registries", "rm", "sh"]);
    assert_eq!(account_names(&mut t, h), ["team"]);
    assert!(!keychain_has("strata:cloud-account:sh", KEY_ID));
    t.ok(h, &["cloud-accounts", "rm", "team"]);
    assert!(!keychain_has("strata:cloud-account:team", KEY_ID));

    assert_no_file_holds(h, SECRET);
    assert!(!t.0.contains(SECRET), "the secret was printed:\n{}", t.0);
}

/// Writes a keychain entry as strata (through the `keyring` crate) writes one.
fn keychain_store(service: &str, user: &str, value: &str) {
    use std::io::Write as _;
    let mut child = std::process::Command::new("secret-tool")
        .args([
            "store",
            "--label=strata test",
            "service",
            service,
            "username",
            user,
        ])
        .args(["target", "default", "application", "rust-keyring"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("run secret-tool");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(value.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_registry_saved_before_accounts_had_names_keeps_working_and_takes_its_key_along() {
    let _keychain = require_keychain("cloud");
    let acr = AcrServer::start(AcrConfig::new(KEY_ID, SECRET)).unwrap();
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let mut t = Transcript::default();
    let old = |t: &mut Transcript, endpoint: &str| {
        t.ok(
            h,
            &[
                "registries",
                "add",
                endpoint,
                "--provider",
                "acr-personal",
                "--api-endpoint",
                &acr.url(),
            ],
        );
        // As the version before named accounts left it: the ID in the registry's settings,
        // the pair under the registry's own keychain service.
        let file = files_under(h)
            .into_iter()
            .map(|(p, _)| p)
            .find(|p| p.ends_with("registries.json"))
            .expect("registries.json");
        let mut list: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        for r in list["registries"].as_array_mut().unwrap() {
            if r["endpoint"] == endpoint {
                r["api"]["access_key_id"] = KEY_ID.into();
            }
        }
        std::fs::write(&file, serde_json::to_vec(&list).unwrap()).unwrap();
        let service = format!("strata:cloud:{endpoint}");
        keychain_store(&service, KEY_ID, &format!("{{\"secret\":\"{SECRET}\"}}"));
        assert!(keychain_has(&service, KEY_ID));
        service
    };

    // Read as before; `registries rm` deletes the pair with the registry.
    let hz = "registry.cn-hangzhou.aliyuncs.com";
    let service = old(&mut t, hz);
    t.ok(h, &["ns", "create", &format!("{hz}/team")]);
    t.ok(h, &["registries", "rm", hz]);
    assert!(
        !keychain_has(&service, KEY_ID),
        "the old pair outlived its registry"
    );

    // cloud-login moves such a registry to a named account: the old entry goes.
    let sh = "registry.cn-shanghai.aliyuncs.com";
    let service = old(&mut t, sh);
    t.ok(h, &["ns", "ls", sh]);
    let out = t.run(
        h,
        &[
            "cloud-accounts",
            "add",
            "prod",
            "--access-key-id",
            KEY_ID,
            "--access-key-secret-stdin",
            "--registry",
            sh,
        ],
        Some(SECRET),
    );
    assert_ok(&out);
    assert!(
        !keychain_has(&service, KEY_ID),
        "the old pair stayed after the move"
    );
    assert_eq!(
        names(&t.json(h, &["ns", "ls", sh, "--json"]), "name"),
        ["team"]
    );
    assert!(!t.0.contains(SECRET));
}

/// A registry's login goes only where it belongs, whatever the settings say (a script in
/// the window could save them): Harbor's API must be on the registry's own host, and an
/// ACR temporary login goes only to an ACR address (an Enterprise instance's own domains).
/// Refused before anything is sent: the API never hears from Strata, no token is issued.
#[test]
fn a_login_is_not_sent_to_an_address_it_does_not_belong_to() {
    let _keychain = require_keychain("cloud");
    let home = tempfile::tempdir().unwrap();
    let mut t = Transcript::default();

    // Harbor: the registry on 127.0.0.1, its "API" named by another host.
    let (harbor, registry) = harbor_and_registry();
    let host = registry.host();
    let elsewhere = harbor.url().replace("127.0.0.1", "localhost");
    add_harbor_and_log_in(&mut t, home.path(), &host, &elsewhere);
    let heard = harbor.calls().len();
    let err = fails(home.path(), &["ns", "ls", &host]);
    assert!(err.contains("the login was not sent"), "{err}");
    assert!(
        err.contains("manage.login_elsewhere")
            || err.contains("LOGIN_ELSEWHERE")
            || err.contains("login_elsewhere")
            || err.contains("not sent"),
        "{err}"
    );
    assert_eq!(
        harbor.calls().len(),
        heard,
        "the API was sent a request: {:?}",
        harbor.calls()
    );

    // ACR Personal saved at an address outside aliyuncs.com: no temporary login.
    let acr = AcrServer::start(AcrConfig::new(KEY_ID, SECRET)).unwrap();
    add_acr(
        &mut t,
        home.path(),
        "registry.evil.example",
        &["--provider", "acr-personal", "--region", "cn-hangzhou"],
        &acr.url(),
    );
    let err = fails(home.path(), &["login", "registry.evil.example"]);
    assert!(err.contains("the login was not sent"), "{err}");
    assert!(err.contains("aliyuncs.com"), "{err}");
    assert_eq!(acr.tokens_issued(), 0);

    // ACR Enterprise: only the instance's own domains get its temporary login; the local
    // registry below (open to anyone, so that the login is accepted) is the instance's
    // internet domain.
    let instance_registry = Registry::start(Auth::None).unwrap();
    let domain = instance_registry.host();
    let instance = Instance::new(INSTANCE, "testkit").internet_domain(&domain);
    let ee = AcrServer::start(AcrConfig::new(KEY_ID, SECRET).instances(vec![instance])).unwrap();
    let enterprise = ["--provider", "acr-enterprise", "--instance", INSTANCE];
    add_acr(
        &mut t,
        home.path(),
        "cr.evil.example",
        &enterprise,
        &ee.url(),
    );
    let err = fails(home.path(), &["login", "cr.evil.example"]);
    assert!(err.contains("the login was not sent"), "{err}");
    assert!(
        err.contains(&domain),
        "the instance's addresses are named: {err}"
    );
    assert_eq!(ee.tokens_issued(), 0);
    add_acr(&mut t, home.path(), &domain, &enterprise, &ee.url());
    let login = t.json(home.path(), &["login", &domain, "--json"]);
    assert_eq!(ee.tokens_issued(), 1, "{login}");
    assert!(!t.0.contains(SECRET));
}

//! Shared by the `strata` CLI's integration tests: each `tests/*.rs` is a crate of its own
//! and says `mod support;`. Here are
//!
//! - the binary: [`strata`] runs it on a store; [`ok`], [`json`], [`fails`] and
//!   [`error_line`] run it and check how it ended; [`ok_with_env`] runs it with only
//!   the proxy variables given; [`strata_cmd`] for a test that sets an environment, feeds
//!   stdin or kills the process;
//! - the real peers ([`need`], [`peer`], [`skopeo`]), which fail the test, never skip it,
//!   when they are not installed;
//! - a scratch folder for a store ([`scratch`]), fixture images written as OCI layouts
//!   ([`import_image`]) or put straight into a store ([`put_image`]), and the store read
//!   back ([`manifest`], [`blob_json`], [`blob_names`]);
//! - JSON as strata and skopeo print it ([`pluck`], [`layer_digests`], [`diff_ids`]);
//! - registries started for a test ([`start_registry`]) and the private keychain
//!   ([`require_keychain`]);
//! - [`container`]: what only the container tests need (a store that removes its
//!   containers when dropped, a busybox image, a layer's tar entries).
//!
//! Every check fails with what the command printed, so a failure reads on its own.

// Each test crate uses only some of these helpers.
#![allow(dead_code)]

pub mod container;

use std::collections::BTreeSet;
use std::fmt::Display;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};

use oci_spec::image::{Descriptor, MediaType};
use serde_json::Value;
use strata_core::reference::Reference;
pub use strata_core::registry::http::PROXY_VARS;
use strata_core::store::Store;
use strata_testkit::fixtures::{Entry, Image, Index, Layer, OciLayout};
use strata_testkit::registry::{Auth, Registry};
use strata_testkit::user::User;
use tempfile::TempDir;

// ---- the `strata` binary -------------------------------------------------------------

/// `strata --home <home> <args>`, not started yet.
pub fn strata_cmd(home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
    cmd.arg("--home").arg(home).args(args);
    cmd
}

/// `strata` with exactly these proxy variables in its environment; must succeed. Returns
/// its stdout.
pub fn ok_with_env(home: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = strata_cmd(home, args);
    for k in PROXY_VARS {
        cmd.env_remove(k);
    }
    cmd.envs(env.iter().copied());
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert_ok(&out)
}

/// [`ok_with_env`] for a command that prints JSON.
pub fn json_with_env(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Value {
    parse_json(&ok_with_env(home, args, env))
}

/// Runs `strata` on the store at `home`, stdin closed, and returns how it ended.
pub fn strata(home: &Path, args: &[&str]) -> Output {
    strata_cmd(home, args)
        .stdin(Stdio::null())
        .output()
        .expect("run strata")
}

/// Runs `strata`, which must succeed; returns its stdout.
pub fn ok(home: &Path, args: &[&str]) -> String {
    succeeded(&strata(home, args), format_args!("strata {args:?}"))
}

/// Runs `strata`, which must succeed and print JSON; returns it.
pub fn json(home: &Path, args: &[&str]) -> Value {
    parse_json(&ok(home, args))
}

/// `strata inspect <name> --json`.
pub fn inspect(home: &Path, name: &str) -> Value {
    json(home, &["inspect", name, "--json"])
}

/// Runs `strata`, which must fail; returns its stderr.
pub fn fails(home: &Path, args: &[&str]) -> String {
    failed(&strata(home, args), format_args!("strata {args:?}"))
}

/// Runs `strata`, which must fail with exactly one `error:` line; returns that line.
pub fn error_line(home: &Path, args: &[&str]) -> String {
    let stderr = fails(home, args);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "one error line expected: {stderr}");
    errors[0].to_string()
}

/// The stdout of a run that must have succeeded (one started through [`strata_cmd`]).
pub fn assert_ok(out: &Output) -> String {
    succeeded(out, "strata")
}

/// The stderr of a run that must have failed.
pub fn assert_fails(out: &Output) -> String {
    failed(out, "strata")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Runs `cmd` with `input` written to its stdin (closed at once when `None`).
pub fn output_with_stdin(cmd: &mut Command, input: Option<&str>) -> Output {
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("start {cmd:?}: {e}"));
    if let Some(text) = input {
        let mut stdin = child.stdin.take().expect("piped stdin");
        stdin.write_all(text.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("wait for the process")
}

fn succeeded(out: &Output, what: impl Display) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}): {}{}",
        out.status,
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

fn failed(out: &Output, what: impl Display) -> String {
    assert!(
        !out.status.success(),
        "{what} should have failed: {}",
        stdout(out)
    );
    stderr(out)
}

/// A temporary folder, and where in it a test's store goes (`<folder>/home`, which the
/// first command creates).
pub fn scratch() -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    (tmp, home)
}

/// A path as a command argument.
pub fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

// ---- the real peers ------------------------------------------------------------------

/// Where a peer tool the Makefile installs is; a missing one fails the test with how to
/// install it.
pub fn need(tool: &str) -> PathBuf {
    ["/usr/bin", "/usr/sbin", "/bin", "/sbin"]
        .iter()
        .map(|d| Path::new(d).join(tool))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("{tool} is not installed: `make deps` installs it (Debian package {tool})")
        })
}

/// Runs a peer tool, which must succeed; returns its stdout. Its temporary files (skopeo
/// writes some for oci-archive) go where the test's own go.
pub fn peer(tool: &str, args: &[&str]) -> String {
    let out = Command::new(need(tool))
        .args(args)
        .env("TMPDIR", std::env::temp_dir())
        .output()
        .unwrap_or_else(|e| panic!("run {tool}: {e}"));
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        stderr(&out)
    );
    stdout(&out)
}

/// `skopeo <args>` without a policy file and for linux/amd64, whatever the host.
pub fn skopeo(args: &[&str]) -> String {
    let mut all = vec![
        "--insecure-policy",
        "--override-os",
        "linux",
        "--override-arch",
        "amd64",
    ];
    all.extend_from_slice(args);
    peer("skopeo", &all)
}

/// [`skopeo`], for a command that prints JSON.
pub fn skopeo_json(args: &[&str]) -> Value {
    parse_json(&skopeo(args))
}

// ---- JSON as strata and skopeo print it ----------------------------------------------

/// A JSON array of strings.
pub fn strings(list: &Value) -> Vec<String> {
    items(list).iter().map(string).collect()
}

/// The string `key` of each object in a JSON array.
pub fn pluck(list: &Value, key: &str) -> Vec<String> {
    items(list).iter().map(|v| string(&v[key])).collect()
}

/// The strings `a` and `b` of each object in a JSON array, paired.
pub fn pluck_pairs(list: &Value, a: &str, b: &str) -> Vec<(String, String)> {
    pluck(list, a).into_iter().zip(pluck(list, b)).collect()
}

fn items(list: &Value) -> &[Value] {
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
}

fn string(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_string()
}

/// The layer digests of a manifest or of `strata inspect --json`.
pub fn layer_digests(manifest: &Value) -> Vec<String> {
    pluck(&manifest["layers"], "digest")
}

/// The layer diff_ids of `strata inspect --json`.
pub fn diff_ids(details: &Value) -> Vec<String> {
    pluck(&details["layers"], "diff_id")
}

// ---- fixture images ------------------------------------------------------------------

/// The layer digests a fixture image was built with.
pub fn digests_of(image: &Image) -> Vec<String> {
    image.layers.iter().map(|l| l.digest.clone()).collect()
}

/// The layer diff_ids a fixture image was built with.
pub fn diff_ids_of(image: &Image) -> Vec<String> {
    image.layers.iter().map(|l| l.diff_id.clone()).collect()
}

/// An image of random layers of these sizes, different for each `seed`.
pub fn random_image(seed: u64, layer_sizes: &[usize]) -> Image {
    let mut b = Image::builder().label("seed", &seed.to_string());
    for (i, size) in layer_sizes.iter().enumerate() {
        b = b.layer(Layer::random(&format!("f{i}"), *size, seed * 100 + i as u64).unwrap());
    }
    b.build()
}

/// An index of two one-layer images of random bytes, linux/amd64 and linux/arm64/v8 in
/// that order, whose layers have these sizes.
pub fn random_index(seed: u64, amd64_size: usize, arm64_size: usize) -> Index {
    let image = |platform: &str, size: usize, n: u64| {
        Image::builder()
            .layer(Layer::random("data", size, seed * 100 + n).unwrap())
            .platform(platform)
            .build()
    };
    Index::build(vec![
        image("linux/amd64", amd64_size, 0),
        image("linux/arm64/v8", arm64_size, 1),
    ])
}

/// An index of `amd64` and a one-file linux/arm64/v8 image, in that order.
pub fn with_arm64(amd64: Image) -> Index {
    let arm = Image::builder()
        .layer(Layer::build(&[Entry::file("arch", "arm64\n")]).unwrap())
        .platform("linux/arm64/v8")
        .build();
    Index::build(vec![amd64, arm])
}

/// Writes `image` as an OCI layout at `dir`, under `name`; returns `dir`.
pub fn write_layout(dir: &Path, image: &Image, name: &str) -> PathBuf {
    let mut layout = OciLayout::create(dir).unwrap();
    layout.add_image(image, name).unwrap();
    dir.to_path_buf()
}

/// `strata import` of `image`, written as an OCI layout at `layout` under `name`; returns
/// what the import printed.
pub fn import_image(home: &Path, layout: &Path, image: &Image, name: &str) -> String {
    ok(home, &["import", p(&write_layout(layout, image, name))])
}

// ---- the store, read and written directly --------------------------------------------

/// Puts a fixture image into the store at `home` under `name`, through the engine.
pub fn put_image(home: &Path, image: &Image, name: &str) {
    let store = Store::open(home).unwrap();
    for (_, bytes) in image.blobs() {
        store.put_bytes(bytes).unwrap();
    }
    let (digest, size) = store.put_bytes(&image.manifest).unwrap();
    assert_eq!(digest.to_string(), image.manifest_digest);
    name_blob(
        &store,
        name,
        MediaType::from(image.manifest_media_type),
        size,
        &digest,
    );
}

/// Puts a fixture index and its images into the store at `home` under `name`.
pub fn put_index(home: &Path, index: &Index, name: &str) {
    let store = Store::open(home).unwrap();
    for image in &index.images {
        for (_, bytes) in image.blobs() {
            store.put_bytes(bytes).unwrap();
        }
        store.put_bytes(&image.manifest).unwrap();
    }
    let (digest, size) = store.put_bytes(&index.bytes).unwrap();
    assert_eq!(digest.to_string(), index.digest);
    name_blob(&store, name, MediaType::ImageIndex, size, &digest);
}

fn name_blob(
    store: &Store,
    name: &str,
    media_type: MediaType,
    size: u64,
    digest: &strata_core::digest::Digest,
) {
    let desc = Descriptor::new(media_type, size, oci_spec::image::Digest::from(digest));
    store
        .set_ref(&Reference::parse(name).unwrap(), desc)
        .unwrap();
}

pub fn blob_path(home: &Path, digest: &str) -> PathBuf {
    home.join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"))
}

pub fn blob_json(home: &Path, digest: &str) -> Value {
    serde_json::from_slice(&std::fs::read(blob_path(home, digest)).unwrap()).unwrap()
}

/// The file names under `blobs/sha256` (none when the store has no blob folder).
pub fn blob_names(home: &Path) -> BTreeSet<String> {
    let Ok(dir) = std::fs::read_dir(home.join("blobs/sha256")) else {
        return BTreeSet::new();
    };
    dir.flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// The manifest of a named image, read from the store's `index.json` (an OCI layout).
pub fn manifest(home: &Path, name: &str) -> Value {
    let index: Value =
        serde_json::from_slice(&std::fs::read(home.join("index.json")).unwrap()).unwrap();
    let full = if name.contains('/') {
        name.to_string()
    } else {
        format!("docker.io/library/{name}")
    };
    let desc = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["annotations"]["org.opencontainers.image.ref.name"] == full.as_str())
        .unwrap_or_else(|| panic!("{full} is not in index.json"))
        .clone();
    blob_json(home, desc["digest"].as_str().unwrap())
}

// ---- registries and the keychain -----------------------------------------------------

/// The one account of every registry a test starts.
pub const USER: &str = "alice";
pub const PASSWORD: &str = "pw-Zq8x!never-printed";

/// `--creds` for [`USER`].
pub fn creds() -> String {
    format!("{USER}:{PASSWORD}")
}

/// A real docker-registry on 127.0.0.1, with auth `mode` `none`, `htpasswd` or `token`
/// (knowing [`USER`]); it stops when dropped.
pub fn start_registry(mode: &str) -> Registry {
    let users = vec![User::new(USER, PASSWORD)];
    let auth = match mode {
        "none" => Auth::None,
        "htpasswd" => Auth::Htpasswd { users },
        "token" => Auth::Token { users },
        other => panic!("no registry auth mode {other}"),
    };
    Registry::start(auth).unwrap_or_else(|e| panic!("cannot start docker-registry: {e}"))
}

/// [`start_registry`], serving HTTPS with a certificate signed by a throw-away CA of its
/// own (`Registry::ca_pem`), which nothing trusts until a test says so.
pub fn start_tls_registry(mode: &str) -> Registry {
    let users = vec![User::new(USER, PASSWORD)];
    let auth = match mode {
        "none" => Auth::None,
        "htpasswd" => Auth::Htpasswd { users },
        "token" => Auth::Token { users },
        other => panic!("no registry auth mode {other}"),
    };
    Registry::builder(auth)
        .tls()
        .start()
        .unwrap_or_else(|e| panic!("cannot start docker-registry over TLS: {e}"))
}

/// `tests/keychain/with-keychain.sh`: a private D-Bus session with an unlocked
/// gnome-keyring and a temporary HOME.
pub fn keychain_runner() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/keychain/with-keychain.sh")
}

/// Fails unless the test runs inside [`keychain_runner`]; returns how to run it there.
pub fn require_keychain_runner(test: &str) -> String {
    let how = format!(
        "run these tests inside the keychain runner: `{} cargo test -p strata-cli --test {test}` \
         (needs the Debian packages dbus, gnome-keyring and libsecret-tools)",
        keychain_runner().display()
    );
    assert!(
        std::env::var_os("WITH_KEYCHAIN_DIR").is_some(),
        "not inside with-keychain.sh, so there is no private keychain to test against; {how}"
    );
    how
}

/// One test at a time talks to the keychain: gnome-keyring-daemon has been seen to drop
/// off the bus when several processes create items at once, and a test's lookups must
/// not see another test's entries come and go.
static KEYCHAIN: Mutex<()> = Mutex::new(());

/// Fails (never skips) unless a private Secret Service is running, saying how to run
/// `cargo test --test <test>` inside the runner; holds the keychain for the rest of the
/// test. These tests write to the keychain and must never touch a developer's own.
pub fn require_keychain(test: &str) -> MutexGuard<'static, ()> {
    let guard = KEYCHAIN.lock().unwrap_or_else(|e| e.into_inner());
    let how = require_keychain_runner(test);
    let owner = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            "string:org.freedesktop.secrets",
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run dbus-send ({e}); {how}"));
    assert!(
        String::from_utf8_lossy(&owner.stdout).contains("boolean true"),
        "no Secret Service on the session bus; {how}"
    );
    assert!(
        Command::new("secret-tool")
            .arg("--version")
            .output()
            .is_ok()
            || Path::new("/usr/bin/secret-tool").exists(),
        "secret-tool is missing: install the Debian package libsecret-tools"
    );
    guard
}

/// Every file under `dir` (none when it does not exist), read.
pub fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else if let Ok(bytes) = std::fs::read(&p) {
            out.push((p, bytes));
        }
    }
    out
}

/// No file under `dir` holds `secret`.
pub fn assert_no_file_holds(dir: &Path, secret: &str) {
    for (path, bytes) in files_under(dir) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(secret),
            "{} holds the secret",
            path.display()
        );
    }
}

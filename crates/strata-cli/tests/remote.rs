//! `strata repos`, `tags`, `rtag`, `rdelete`, `copy`, `registries` and `push-script`
//! against a real `docker-registry` (htpasswd and token modes), with skopeo as the judge
//! of what the registry holds afterwards. Tag pagination goes through the testkit proxy,
//! since distribution 2.8 does not paginate tags itself.
//!
//! skopeo and docker-registry must be installed (the Makefile installs them): these tests
//! fail, never skip, without them. The last test needs the keychain runner
//! (`tests/keychain/with-keychain.sh`), as `make test` provides.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use strata_testkit::fixtures::{Image, Index, Layer, OciLayout, CREATED};
use strata_testkit::proxy::{Proxy, Rule};
use strata_testkit::registry::{Auth, Registry};
use strata_testkit::user::User;

const USER: &str = "alice";
const PASSWORD: &str = "pw-Remote7!secret";

fn creds() -> String {
    format!("{USER}:{PASSWORD}")
}

fn strata(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .arg("--home")
        .arg(home)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run strata")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "strata failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(out: &Output) -> Value {
    let text = ok(out);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn skopeo(args: &[&str]) -> String {
    let path = "/usr/bin/skopeo";
    assert!(
        Path::new(path).exists(),
        "skopeo is required by this test but {path} is missing: install it (make deps, or apt-get install skopeo)"
    );
    let out = Command::new(path)
        .env("TMPDIR", std::env::temp_dir())
        .args([
            "--insecure-policy",
            "--override-os",
            "linux",
            "--override-arch",
            "amd64",
        ])
        .args(args)
        .output()
        .expect("run skopeo");
    assert!(
        out.status.success(),
        "skopeo {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The tags skopeo sees in a repository, sorted.
fn skopeo_tags(host: &str, repo: &str) -> Vec<String> {
    let c = creds();
    let v: Value = serde_json::from_str(&skopeo(&[
        "list-tags",
        "--tls-verify=false",
        "--creds",
        &c,
        &format!("docker://{host}/{repo}"),
    ]))
    .unwrap();
    let mut tags: Vec<String> = v["Tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    tags.sort();
    tags
}

/// The digest of a manifest as skopeo computes it from the raw bytes.
fn skopeo_digest(host: &str, reference: &str) -> String {
    let c = creds();
    let raw = skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        "--creds",
        &c,
        &format!("docker://{host}/{reference}"),
    ]);
    strata_testkit::fixtures::digest_of(raw.trim_end_matches('\n').as_bytes())
}

fn start(mode: &str) -> Registry {
    let users = vec![User::new(USER, PASSWORD)];
    let auth = match mode {
        "htpasswd" => Auth::Htpasswd { users },
        _ => Auth::Token { users },
    };
    Registry::start(auth).unwrap_or_else(|e| panic!("cannot start docker-registry: {e}"))
}

fn image(seed: u64, layer_bytes: usize) -> Image {
    Image::builder()
        .label("seed", &seed.to_string())
        .layer(Layer::random("data", layer_bytes, seed).unwrap())
        .build()
}

/// Puts fixtures on the registry with skopeo (an independent writer): `tag → image`.
fn seed(host: &str, images: &[(&str, &Image)]) {
    let dir = tempfile::tempdir().unwrap();
    let mut layout = OciLayout::create(dir.path()).unwrap();
    for (i, (_, img)) in images.iter().enumerate() {
        layout.add_image(img, &format!("t{i}")).unwrap();
    }
    let c = creds();
    for (i, (target, _)) in images.iter().enumerate() {
        skopeo(&[
            "copy",
            "--dest-tls-verify=false",
            "--dest-creds",
            &c,
            &format!("oci:{}:t{i}", dir.path().display()),
            &format!("docker://{host}/{target}"),
        ]);
    }
}

fn seed_index(host: &str, index: &Index, target: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut layout = OciLayout::create(dir.path()).unwrap();
    layout.add_index(index, "idx").unwrap();
    let c = creds();
    skopeo(&[
        "copy",
        "--all",
        "--dest-tls-verify=false",
        "--dest-creds",
        &c,
        &format!("oci:{}:idx", dir.path().display()),
        &format!("docker://{host}/{target}"),
    ]);
}

fn repo_names(tree: &Value) -> Vec<String> {
    let mut out: Vec<String> = tree["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|ns| ns["repositories"].as_array().unwrap().clone())
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

#[test]
fn the_catalog_is_read_page_by_page_and_grouped_by_namespace() {
    for mode in ["htpasswd", "token"] {
        let registry = start(mode);
        let host = registry.host();
        let img = image(1, 2000);
        let mut names: Vec<String> = (0..9).map(|i| format!("team/app{i}")).collect();
        names.extend(["other/tool".into(), "team/sub/deep".into(), "solo".into()]);
        let targets: Vec<String> = names.iter().map(|n| format!("{n}:1")).collect();
        let pairs: Vec<(&str, &Image)> = targets.iter().map(|t| (t.as_str(), &img)).collect();
        seed(&host, &pairs);

        let home = tempfile::tempdir().unwrap();
        let c = creds();
        let tree = json(&strata(
            home.path(),
            &["repos", &host, "--page-size", "5", "--creds", &c, "--json"],
        ));
        let mut want = names.clone();
        want.sort();
        assert_eq!(repo_names(&tree), want, "{mode}");
        // 12 repositories at 5 a page.
        assert_eq!(tree["catalog"]["state"], "listed", "{mode}: {tree}");
        assert_eq!(tree["catalog"]["pages"], 3, "{mode}: {tree}");
        let ns: Vec<&str> = tree["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].as_str().unwrap())
            .collect();
        assert_eq!(ns, vec!["(root)", "other", "team"], "{mode}");

        // One namespace only, as text, through the registry's saved name.
        ok(&strata(
            home.path(),
            &["registries", "add", &host, "--name", "local"],
        ));
        let text = ok(&strata(
            home.path(),
            &["repos", "local/team", "--page-size", "5", "--creds", &c],
        ));
        assert!(text.starts_with("team/\n  team/app0\n"), "{mode}: {text}");
        assert!(text.contains("  team/sub/deep\n"), "{mode}: {text}");
        assert!(!text.contains("solo"), "{mode}: {text}");
    }
}

#[test]
fn a_registry_that_refuses_the_catalog_shows_hand_added_repositories_with_a_hint() {
    let users = vec![User::new(USER, PASSWORD).without_catalog()];
    let registry = Registry::start(Auth::Token { users }).unwrap();
    let host = registry.host();
    seed(&host, &[("team/app:1", &image(2, 1000))]);
    let home = tempfile::tempdir().unwrap();
    let c = creds();
    let out = strata(
        home.path(),
        &["repos", &host, "--creds", &c, "--add", "team/app"],
    );
    let text = ok(&out);
    assert_eq!(text, "team/\n  team/app  (added by hand)\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("does not list its repositories") && err.contains("add them by hand"),
        "{err}"
    );
    // Remembered: the next listing shows it without --add, and the registry is saved.
    let tree = json(&strata(
        home.path(),
        &["repos", &host, "--creds", &c, "--json"],
    ));
    assert_eq!(repo_names(&tree), vec!["team/app"]);
    assert_eq!(tree["catalog"]["state"], "unavailable");
    let saved = json(&strata(home.path(), &["registries", "--json"]));
    assert_eq!(saved[0]["endpoint"], host.as_str());
    assert_eq!(saved[0]["repositories"][0], "team/app");
}

#[test]
fn tags_are_read_page_by_page_with_details_on_demand() {
    for mode in ["htpasswd", "token"] {
        let registry = start(mode);
        let host = registry.host();
        let img = image(3, 5000);
        seed(&host, &[("team/app:v00", &img)]);
        let home = tempfile::tempdir().unwrap();
        let c = creds();
        let mut want = vec!["v00".to_string()];
        for i in 1..25 {
            let tag = format!("v{i:02}");
            ok(&strata(
                home.path(),
                &["rtag", &format!("{host}/team/app:v00"), &tag, "--creds", &c],
            ));
            want.push(tag);
        }
        assert_eq!(skopeo_tags(&host, "team/app"), want, "{mode}");

        let proxy = Proxy::start(&registry, vec![Rule::paginate_tags(10)]).unwrap();
        let got = json(&strata(
            home.path(),
            &[
                "tags",
                &format!("{}/team/app", proxy.host()),
                "--creds",
                &c,
                "--json",
            ],
        ));
        let tags: Vec<String> = got["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect();
        assert_eq!(tags, want, "{mode}");
        assert_eq!(
            proxy.count("GET", "/v2/team/app/tags/list"),
            3,
            "{mode}: 25 tags at 10 a page"
        );

        // Details: one row per tag with the digest, the compressed size, the platform and
        // the config's created time.
        let details = json(&strata(
            home.path(),
            &[
                "tags",
                &format!("{host}/team/app"),
                "--details",
                "--creds",
                &c,
                "--json",
            ],
        ));
        let rows = details.as_array().unwrap();
        assert_eq!(rows.len(), 25);
        let size = img.config.len() as u64 + img.layers[0].size();
        for row in rows {
            assert_eq!(row["digest"], img.manifest_digest.as_str());
            assert_eq!(row["size"], size);
            assert_eq!(row["platforms"], serde_json::json!(["linux/amd64"]));
            assert_eq!(row["created"], CREATED);
            assert_eq!(row["index"], false);
        }
    }
}

#[test]
fn retag_puts_the_same_manifest_under_a_new_tag_without_pulling() {
    let registry = start("token");
    let host = registry.host();
    let img = image(4, 3000);
    seed(&host, &[("team/app:1", &img)]);
    let home = tempfile::tempdir().unwrap();
    let c = creds();
    let done = json(&strata(
        home.path(),
        &[
            "rtag",
            &format!("{host}/team/app:1"),
            &format!("{host}/team/app:stable"),
            "--creds",
            &c,
            "--json",
        ],
    ));
    assert_eq!(done["digest"], img.manifest_digest.as_str());
    assert_eq!(skopeo_tags(&host, "team/app"), vec!["1", "stable"]);
    assert_eq!(skopeo_digest(&host, "team/app:stable"), img.manifest_digest);
    // Nothing was stored locally.
    assert!(!home.path().join("blobs").exists() || walk_blobs(home.path()) == 0);

    // Another repository is a copy, not a retag.
    let out = strata(
        home.path(),
        &[
            "rtag",
            &format!("{host}/team/app:1"),
            &format!("{host}/other/app:1"),
            "--creds",
            &c,
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("strata copy"));
}

fn walk_blobs(home: &Path) -> usize {
    std::fs::read_dir(home.join("blobs/sha256"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn deleting_a_tag_warns_about_and_removes_the_tags_sharing_its_digest() {
    for mode in ["htpasswd", "token"] {
        let registry = start(mode);
        let host = registry.host();
        let (a, b) = (image(5, 1000), image(6, 1000));
        seed(&host, &[("team/app:1", &a), ("team/app:2", &b)]);
        let home = tempfile::tempdir().unwrap();
        let c = creds();
        ok(&strata(
            home.path(),
            &[
                "rtag",
                &format!("{host}/team/app:1"),
                "latest",
                "--creds",
                &c,
            ],
        ));
        assert_eq!(skopeo_tags(&host, "team/app"), vec!["1", "2", "latest"]);

        // Without --yes: refused, naming the other tag; nothing deleted.
        let out = strata(
            home.path(),
            &["rdelete", &format!("{host}/team/app:1"), "--creds", &c],
        );
        assert!(!out.status.success(), "{mode}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("latest") && err.contains("--yes"),
            "{mode}: {err}"
        );
        assert_eq!(
            skopeo_tags(&host, "team/app"),
            vec!["1", "2", "latest"],
            "{mode}"
        );

        // With --yes: both go, and the result says so.
        let plan = json(&strata(
            home.path(),
            &[
                "rdelete",
                &format!("{host}/team/app:1"),
                "--yes",
                "--creds",
                &c,
                "--json",
            ],
        ));
        assert_eq!(plan["digest"], a.manifest_digest.as_str(), "{mode}");
        assert_eq!(
            plan["also_removed"],
            serde_json::json!(["latest"]),
            "{mode}"
        );
        assert_eq!(skopeo_tags(&host, "team/app"), vec!["2"], "{mode}");

        // A tag that shares nothing goes without --yes, with no warning.
        let out = strata(
            home.path(),
            &["rdelete", &format!("{host}/team/app:2"), "--creds", &c],
        );
        ok(&out);
        assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"));
        assert!(skopeo_tags(&host, "team/app").is_empty(), "{mode}");
    }
}

#[test]
fn copy_mounts_within_a_registry_and_streams_between_registries() {
    let a = start("htpasswd");
    let b = start("token");
    let (ha, hb) = (a.host(), b.host());
    // A multi-platform index; one layer above the copy chunk size (8 MiB), so that the
    // stream goes up in several PATCH requests.
    let amd = Image::builder()
        .layer(Layer::random("big", 9 << 20, 70).unwrap())
        .build();
    let arm = Image::builder()
        .platform("linux/arm64/v8")
        .layer(Layer::random("small", 4000, 71).unwrap())
        .build();
    let index = Index::build(vec![amd.clone(), arm.clone()]);
    seed_index(&ha, &index, "team/multi:1");
    let home = tempfile::tempdir().unwrap();
    let c = creds();

    // Same registry, another repository: every blob mounted, nothing streamed.
    let same = json(&strata(
        home.path(),
        &[
            "copy",
            &format!("{ha}/team/multi:1"),
            &format!("{ha}/mirror/multi:1"),
            "--creds",
            &c,
            "--json",
        ],
    ));
    assert_eq!(same["digest"], index.digest.as_str());
    assert_eq!(same["manifests"], 3);
    assert_eq!(same["blobs_mounted"], 4, "{same}");
    assert_eq!(same["blobs_streamed"], 0, "{same}");
    assert_eq!(skopeo_digest(&ha, "mirror/multi:1"), index.digest);

    // Details of an index: both platforms, the size of every image in it.
    let rows = json(&strata(
        home.path(),
        &[
            "tags",
            &format!("{ha}/mirror/multi"),
            "--details",
            "--creds",
            &c,
            "--json",
        ],
    ));
    let row = &rows[0];
    assert_eq!(row["index"], true);
    assert_eq!(row["digest"], index.digest.as_str());
    assert_eq!(
        row["platforms"],
        serde_json::json!(["linux/amd64", "linux/arm64/v8"])
    );
    let size: u64 = [&amd, &arm]
        .iter()
        .map(|i| i.config.len() as u64 + i.layers[0].size())
        .sum();
    assert_eq!(row["size"], size);
    assert_eq!(row["created"], CREATED);

    // Another registry: streamed, and skopeo can copy every platform out of it (which
    // reads and verifies every blob).
    let via = Proxy::start(&b, vec![]).unwrap();
    let other = json(&strata(
        home.path(),
        &[
            "copy",
            &format!("{ha}/team/multi:1"),
            &format!("{}/team/multi:1", via.host()),
            "--creds",
            &c,
            "--json",
        ],
    ));
    assert_eq!(other["blobs_streamed"], 4, "{other}");
    let big = amd.layers[0].size();
    assert!(other["bytes_streamed"].as_u64().unwrap() > big, "{other}");
    assert!(
        via.count("PATCH", "/v2/team/multi/blobs/uploads/") >= 1,
        "the big layer went up in chunks"
    );
    assert_eq!(skopeo_digest(&hb, "team/multi:1"), index.digest);
    let out = tempfile::tempdir().unwrap();
    skopeo(&[
        "copy",
        "--all",
        "--src-tls-verify=false",
        "--src-creds",
        &c,
        &format!("docker://{hb}/team/multi:1"),
        &format!("oci:{}:x", out.path().display()),
    ]);
    // Nothing was stored in strata's own store.
    assert_eq!(walk_blobs(home.path()), 0);

    // Again: everything is already there.
    let again = json(&strata(
        home.path(),
        &[
            "copy",
            &format!("{ha}/team/multi:1"),
            &format!("{hb}/team/multi:1"),
            "--creds",
            &c,
            "--json",
        ],
    ));
    assert_eq!(again["blobs_skipped"], 4, "{again}");
    assert_eq!(again["bytes_streamed"], 0);
}

#[test]
fn saved_registries_detect_their_provider_and_fill_in_the_push_script() {
    let home = tempfile::tempdir().unwrap();
    let saved = json(&strata(
        home.path(),
        &[
            "registries",
            "add",
            "registry.cn-hangzhou.aliyuncs.com",
            "--name",
            "hz",
            "--username",
            "dev@example.com",
            "--json",
        ],
    ));
    assert_eq!(saved["provider"], "acr_personal");
    let list = json(&strata(home.path(), &["registries", "list", "--json"]));
    assert_eq!(list[0]["name"], "hz");
    assert_eq!(list[0]["effective_username"], "dev@example.com");
    assert_eq!(list[0]["lists_repositories"], false);

    for (args, want) in [
        (
            vec!["push-script", "hz/team/app"],
            "# 1. Log in to registry.cn-hangzhou.aliyuncs.com\n\
             $ docker login --username=dev@example.com registry.cn-hangzhou.aliyuncs.com\n\
             \n\
             # 2. Pull an image from the registry\n\
             $ docker pull registry.cn-hangzhou.aliyuncs.com/team/app:[tag]\n\
             \n\
             # 3. Push an image to the registry\n\
             $ docker login --username=dev@example.com registry.cn-hangzhou.aliyuncs.com\n\
             $ docker tag [ImageId] registry.cn-hangzhou.aliyuncs.com/team/app:[tag]\n\
             $ docker push registry.cn-hangzhou.aliyuncs.com/team/app:[tag]\n",
        ),
        (
            vec!["push-script", "hz/team/app", "--vpc", "--strata"],
            "# 1. Log in to registry-vpc.cn-hangzhou.aliyuncs.com\n\
             $ strata login --username=dev@example.com --password-stdin registry-vpc.cn-hangzhou.aliyuncs.com\n\
             \n\
             # 2. Pull an image from the registry\n\
             $ strata pull registry-vpc.cn-hangzhou.aliyuncs.com/team/app:[tag]\n\
             \n\
             # 3. Push an image to the registry\n\
             $ strata login --username=dev@example.com --password-stdin registry-vpc.cn-hangzhou.aliyuncs.com\n\
             $ strata tag [ImageId] registry-vpc.cn-hangzhou.aliyuncs.com/team/app:[tag]\n\
             $ strata push registry-vpc.cn-hangzhou.aliyuncs.com/team/app:[tag]\n",
        ),
    ] {
        let text = ok(&strata(home.path(), &args));
        assert!(text.starts_with(want), "{args:?}:\n{text}");
    }

    // The registry list never holds a secret, and duplicates are refused.
    let out = strata(
        home.path(),
        &[
            "registries",
            "add",
            "https://registry.cn-hangzhou.aliyuncs.com/",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already saved as `hz`"));
    ok(&strata(home.path(), &["registries", "remove", "hz"]));
    assert_eq!(
        json(&strata(home.path(), &["registries", "--json"])),
        serde_json::json!([])
    );
}

/// `strata login` once, then `pull`, `push`, `tags` and `copy` without `--creds`: the
/// keychain's secret is used. Needs the keychain runner.
#[test]
fn after_login_remote_commands_need_no_creds() {
    assert!(
        std::env::var_os("WITH_KEYCHAIN_DIR").is_some(),
        "run this test inside the keychain runner: `tests/keychain/with-keychain.sh cargo test \
         -p strata-cli --test remote` (needs the Debian packages dbus and gnome-keyring)"
    );
    let registry = start("token");
    let host = registry.host();
    let img = image(8, 2000);
    seed(&host, &[("team/app:1", &img)]);
    let home = tempfile::tempdir().unwrap();
    // Without a login: refused.
    let out = strata(home.path(), &["tags", &format!("{host}/team/app")]);
    assert!(!out.status.success());

    let mut login = Command::new(env!("CARGO_BIN_EXE_strata"))
        .arg("--home")
        .arg(home.path())
        .args(["login", &host, "-u", USER, "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    login
        .stdin
        .take()
        .unwrap()
        .write_all(PASSWORD.as_bytes())
        .unwrap();
    ok(&login.wait_with_output().unwrap());

    let tags = json(&strata(
        home.path(),
        &["tags", &format!("{host}/team/app"), "--json"],
    ));
    assert_eq!(tags["tags"], serde_json::json!(["1"]));
    let pulled = json(&strata(
        home.path(),
        &["pull", &format!("{host}/team/app:1"), "--json"],
    ));
    assert_eq!(pulled["digest"], img.manifest_digest.as_str());
    let pushed = json(&strata(
        home.path(),
        &[
            "push",
            &format!("{host}/team/app:1"),
            &format!("{host}/team/again:1"),
            "--json",
        ],
    ));
    assert_eq!(pushed["digest"], img.manifest_digest.as_str());
    assert_eq!(skopeo_digest(&host, "team/again:1"), img.manifest_digest);

    // The secret is in the keychain only: no file under the home and no output has it.
    let listed = ok(&strata(home.path(), &["registries", "--json"]));
    assert!(!listed.contains(PASSWORD));
    for entry in walkdir(home.path()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(PASSWORD),
            "{} holds the password",
            entry.display()
        );
    }
}

fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walkdir(&p));
        } else {
            out.push(p);
        }
    }
    out
}

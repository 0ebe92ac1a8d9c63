//! `strata repos`, `tags`, `rtag`, `rdelete`, `copy`, `registries` and `push-script`
//! against a real `docker-registry` (htpasswd and token modes), with skopeo as the judge
//! of what the registry holds afterwards. Tag pagination goes through the testkit proxy,
//! since distribution 2.8 does not paginate tags itself.
//!
//! skopeo and docker-registry must be installed (the Makefile installs them): these tests
//! fail, never skip, without them. The last test needs the keychain runner
//! (`tests/keychain/with-keychain.sh`), as `make test` provides.

mod support;

use serde_json::Value;
use strata_testkit::fixtures::{Image, Index, OciLayout, CREATED};
use strata_testkit::proxy::{Proxy, Rule};
use strata_testkit::registry::{Auth, Registry};
use strata_testkit::user::User;
use support::*;

/// The tags skopeo sees in a repository, sorted.
fn skopeo_tags(host: &str, repo: &str) -> Vec<String> {
    let c = creds();
    let repo = format!("docker://{host}/{repo}");
    let listed = skopeo_json(&["list-tags", "--tls-verify=false", "--creds", &c, &repo]);
    let mut tags = strings(&listed["Tags"]);
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

/// Copies `source` (as skopeo names it) to `host/target` with skopeo, as [`USER`]; every
/// platform of an index when `all`.
fn skopeo_push(source: &str, host: &str, target: &str, all: bool) {
    let c = creds();
    let dest = format!("docker://{host}/{target}");
    let mut args = vec![
        "copy",
        "--dest-tls-verify=false",
        "--dest-creds",
        &c,
        source,
        &dest,
    ];
    if all {
        args.insert(1, "--all");
    }
    skopeo(&args);
}

/// Puts fixtures on the registry with skopeo (an independent writer): `tag → image`.
fn seed(host: &str, images: &[(&str, &Image)]) {
    let dir = tempfile::tempdir().unwrap();
    let mut layout = OciLayout::create(dir.path()).unwrap();
    for (i, (_, img)) in images.iter().enumerate() {
        layout.add_image(img, &format!("t{i}")).unwrap();
    }
    for (i, (target, _)) in images.iter().enumerate() {
        let source = format!("oci:{}:t{i}", dir.path().display());
        skopeo_push(&source, host, target, false);
    }
}

/// Puts a fixture index on the registry with skopeo, under `target`.
fn seed_index(host: &str, index: &Index, target: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut layout = OciLayout::create(dir.path()).unwrap();
    layout.add_index(index, "idx").unwrap();
    skopeo_push(
        &format!("oci:{}:idx", dir.path().display()),
        host,
        target,
        true,
    );
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
        let registry = start_registry(mode);
        let host = registry.host();
        let img = random_image(1, &[2000]);
        let mut names: Vec<String> = (0..9).map(|i| format!("team/app{i}")).collect();
        names.extend(["other/tool".into(), "team/sub/deep".into(), "solo".into()]);
        let targets: Vec<String> = names.iter().map(|n| format!("{n}:1")).collect();
        let pairs: Vec<(&str, &Image)> = targets.iter().map(|t| (t.as_str(), &img)).collect();
        seed(&host, &pairs);

        let home = tempfile::tempdir().unwrap();
        let c = creds();
        let tree = json(
            home.path(),
            &["repos", &host, "--page-size", "5", "--creds", &c, "--json"],
        );
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
        ok(
            home.path(),
            &["registries", "add", &host, "--name", "local"],
        );
        let text = ok(
            home.path(),
            &["repos", "local/team", "--page-size", "5", "--creds", &c],
        );
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
    seed(&host, &[("team/app:1", &random_image(2, &[1000]))]);
    let home = tempfile::tempdir().unwrap();
    let c = creds();
    let out = strata(
        home.path(),
        &["repos", &host, "--creds", &c, "--add", "team/app"],
    );
    let text = assert_ok(&out);
    assert_eq!(text, "team/\n  team/app  (added by hand)\n");
    let err = stderr(&out);
    assert!(
        err.contains("does not list its repositories") && err.contains("add them by hand"),
        "{err}"
    );
    // Remembered: the next listing shows it without --add, and the registry is saved.
    let tree = json(home.path(), &["repos", &host, "--creds", &c, "--json"]);
    assert_eq!(repo_names(&tree), vec!["team/app"]);
    assert_eq!(tree["catalog"]["state"], "unavailable");
    let saved = json(home.path(), &["registries", "--json"]);
    assert_eq!(saved[0]["endpoint"], host.as_str());
    assert_eq!(saved[0]["repositories"][0], "team/app");
}

#[test]
fn tags_are_read_page_by_page_with_details_on_demand() {
    for mode in ["htpasswd", "token"] {
        let registry = start_registry(mode);
        let host = registry.host();
        let img = random_image(3, &[5000]);
        seed(&host, &[("team/app:v00", &img)]);
        let home = tempfile::tempdir().unwrap();
        let c = creds();
        let mut want = vec!["v00".to_string()];
        for i in 1..25 {
            let tag = format!("v{i:02}");
            ok(
                home.path(),
                &["rtag", &format!("{host}/team/app:v00"), &tag, "--creds", &c],
            );
            want.push(tag);
        }
        assert_eq!(skopeo_tags(&host, "team/app"), want, "{mode}");

        let proxy = Proxy::start(&registry, vec![Rule::paginate_tags(10)]).unwrap();
        let got = json(
            home.path(),
            &[
                "tags",
                &format!("{}/team/app", proxy.host()),
                "--creds",
                &c,
                "--json",
            ],
        );
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
        let details = json(
            home.path(),
            &[
                "tags",
                &format!("{host}/team/app"),
                "--details",
                "--creds",
                &c,
                "--json",
            ],
        );
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
    let registry = start_registry("token");
    let host = registry.host();
    let img = random_image(4, &[3000]);
    seed(&host, &[("team/app:1", &img)]);
    let home = tempfile::tempdir().unwrap();
    let c = creds();
    let done = json(
        home.path(),
        &[
            "rtag",
            &format!("{host}/team/app:1"),
            &format!("{host}/team/app:stable"),
            "--creds",
            &c,
            "--json",
        ],
    );
    assert_eq!(done["digest"], img.manifest_digest.as_str());
    assert_eq!(skopeo_tags(&host, "team/app"), vec!["1", "stable"]);
    assert_eq!(skopeo_digest(&host, "team/app:stable"), img.manifest_digest);
    // Nothing was stored locally.
    assert!(blob_names(home.path()).is_empty());

    // Another repository is a copy, not a retag.
    let err = fails(
        home.path(),
        &[
            "rtag",
            &format!("{host}/team/app:1"),
            &format!("{host}/other/app:1"),
            "--creds",
            &c,
        ],
    );
    assert!(err.contains("strata copy"));
}

#[test]
fn deleting_a_tag_warns_about_and_removes_the_tags_sharing_its_digest() {
    for mode in ["htpasswd", "token"] {
        let registry = start_registry(mode);
        let host = registry.host();
        let (a, b) = (random_image(5, &[1000]), random_image(6, &[1000]));
        seed(&host, &[("team/app:1", &a), ("team/app:2", &b)]);
        let home = tempfile::tempdir().unwrap();
        let c = creds();
        ok(
            home.path(),
            &[
                "rtag",
                &format!("{host}/team/app:1"),
                "latest",
                "--creds",
                &c,
            ],
        );
        assert_eq!(skopeo_tags(&host, "team/app"), vec!["1", "2", "latest"]);

        // Without --yes: refused, naming the other tag; nothing deleted.
        let out = strata(
            home.path(),
            &["rdelete", &format!("{host}/team/app:1"), "--creds", &c],
        );
        let err = assert_fails(&out);
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
        let plan = json(
            home.path(),
            &[
                "rdelete",
                &format!("{host}/team/app:1"),
                "--yes",
                "--creds",
                &c,
                "--json",
            ],
        );
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
        assert_ok(&out);
        assert!(!stderr(&out).contains("warning"));
        assert!(skopeo_tags(&host, "team/app").is_empty(), "{mode}");
    }
}

#[test]
fn copy_mounts_within_a_registry_and_streams_between_registries() {
    let a = start_registry("htpasswd");
    let b = start_registry("token");
    let (ha, hb) = (a.host(), b.host());
    // A multi-platform index; one layer above the copy chunk size (8 MiB), so that the
    // stream goes up in several PATCH requests.
    let index = random_index(70, 9 << 20, 4000);
    let (amd, arm) = (&index.images[0], &index.images[1]);
    seed_index(&ha, &index, "team/multi:1");
    let home = tempfile::tempdir().unwrap();
    let c = creds();

    // Same registry, another repository: every blob mounted, nothing streamed.
    let same = json(
        home.path(),
        &[
            "copy",
            &format!("{ha}/team/multi:1"),
            &format!("{ha}/mirror/multi:1"),
            "--creds",
            &c,
            "--json",
        ],
    );
    assert_eq!(same["digest"], index.digest.as_str());
    assert_eq!(same["manifests"], 3);
    assert_eq!(same["blobs_mounted"], 4, "{same}");
    assert_eq!(same["blobs_streamed"], 0, "{same}");
    assert_eq!(skopeo_digest(&ha, "mirror/multi:1"), index.digest);

    // Details of an index: both platforms, the size of every image in it.
    let rows = json(
        home.path(),
        &[
            "tags",
            &format!("{ha}/mirror/multi"),
            "--details",
            "--creds",
            &c,
            "--json",
        ],
    );
    let row = &rows[0];
    assert_eq!(row["index"], true);
    assert_eq!(row["digest"], index.digest.as_str());
    assert_eq!(
        row["platforms"],
        serde_json::json!(["linux/amd64", "linux/arm64/v8"])
    );
    let size: u64 = [amd, arm]
        .iter()
        .map(|i| i.config.len() as u64 + i.layers[0].size())
        .sum();
    assert_eq!(row["size"], size);
    assert_eq!(row["created"], CREATED);

    // Another registry: streamed, and skopeo can copy every platform out of it (which
    // reads and verifies every blob).
    let via = Proxy::start(&b, vec![]).unwrap();
    let other = json(
        home.path(),
        &[
            "copy",
            &format!("{ha}/team/multi:1"),
            &format!("{}/team/multi:1", via.host()),
            "--creds",
            &c,
            "--json",
        ],
    );
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
    assert_eq!(blob_names(home.path()).len(), 0);

    // Again: everything is already there.
    let again = json(
        home.path(),
        &[
            "copy",
            &format!("{ha}/team/multi:1"),
            &format!("{hb}/team/multi:1"),
            "--creds",
            &c,
            "--json",
        ],
    );
    assert_eq!(again["blobs_skipped"], 4, "{again}");
    assert_eq!(again["bytes_streamed"], 0);
}

#[test]
fn saved_registries_detect_their_provider_and_fill_in_the_push_script() {
    let home = tempfile::tempdir().unwrap();
    let saved = json(
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
    );
    assert_eq!(saved["provider"], "acr_personal");
    let list = json(home.path(), &["registries", "list", "--json"]);
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
        let text = ok(home.path(), &args);
        assert!(text.starts_with(want), "{args:?}:\n{text}");
    }

    // The registry list never holds a secret, and duplicates are refused.
    let err = fails(
        home.path(),
        &[
            "registries",
            "add",
            "https://registry.cn-hangzhou.aliyuncs.com/",
        ],
    );
    assert!(err.contains("already saved as `hz`"));
    ok(home.path(), &["registries", "remove", "hz"]);
    assert_eq!(
        json(home.path(), &["registries", "--json"]),
        serde_json::json!([])
    );
}

/// Names go into the push script shell-quoted where a shell would read them as more than
/// one word; names no registry may have are refused.
#[test]
fn push_script_quotes_or_refuses_what_a_shell_would_misread() {
    let home = tempfile::tempdir().unwrap();
    let args = |user| vec!["push-script", "[::1]:5000/team/app", "--username", user];
    let text = ok(home.path(), &args("ann smith"));
    assert!(
        text.contains("$ docker login --username='ann smith' '[::1]:5000'\n"),
        "{text}"
    );
    assert!(
        text.contains("$ docker pull '[::1]:5000/team/app:'[tag]\n"),
        "{text}"
    );
    let err = fails(home.path(), &args("ann\ntouch pwned"));
    assert!(err.contains("invalid username"), "{err}");
    for repo in ["127.0.0.1:5000/team/$(id)", "127.0.0.1:5000/team/a;id"] {
        let err = fails(home.path(), &["push-script", repo]);
        assert!(err.contains("invalid reference"), "{repo}: {err}");
    }
}

/// `strata login` once, then `pull`, `push`, `tags` and `copy` without `--creds`: the
/// keychain's secret is used. Needs the keychain runner.
#[test]
fn after_login_remote_commands_need_no_creds() {
    require_keychain_runner("remote");
    let registry = start_registry("token");
    let host = registry.host();
    let img = random_image(8, &[2000]);
    seed(&host, &[("team/app:1", &img)]);
    let home = tempfile::tempdir().unwrap();
    // Without a login: refused.
    fails(home.path(), &["tags", &format!("{host}/team/app")]);

    let mut login = strata_cmd(
        home.path(),
        &["login", &host, "-u", USER, "--password-stdin"],
    );
    assert_ok(&output_with_stdin(&mut login, Some(PASSWORD)));

    let tags = json(
        home.path(),
        &["tags", &format!("{host}/team/app"), "--json"],
    );
    assert_eq!(tags["tags"], serde_json::json!(["1"]));
    let pulled = json(
        home.path(),
        &["pull", &format!("{host}/team/app:1"), "--json"],
    );
    assert_eq!(pulled["digest"], img.manifest_digest.as_str());
    let pushed = json(
        home.path(),
        &[
            "push",
            &format!("{host}/team/app:1"),
            &format!("{host}/team/again:1"),
            "--json",
        ],
    );
    assert_eq!(pushed["digest"], img.manifest_digest.as_str());
    assert_eq!(skopeo_digest(&host, "team/again:1"), img.manifest_digest);

    // The secret is in the keychain only: no file under the home and no output has it.
    let listed = ok(home.path(), &["registries", "--json"]);
    assert!(!listed.contains(PASSWORD));
    assert_no_file_holds(home.path(), PASSWORD);
}

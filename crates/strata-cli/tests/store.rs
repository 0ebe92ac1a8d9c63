//! The local store through the `strata` binary: `images`, `tag`, `rmi`, `prune`, `df`,
//! `fsck`, read and written by the real `skopeo` and `umoci`, killed writers and
//! concurrent processes.
//!
//! Child processes that write through the engine are this test binary run again with
//! `STRATA_STORE_CHILD` set (see [`child_entry`]).

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use strata_core::digest::Digest;
use strata_core::store::Store;
use strata_testkit::fixtures::{Entry, Image, Layer};
use support::*;

const CHILD_ENV: &str = "STRATA_STORE_CHILD";

fn image(seed: &str, base: Option<&Layer>) -> Image {
    let own = Layer::build(&[Entry::file(
        &format!("{seed}.txt"),
        format!("content of {seed}\n"),
    )])
    .unwrap();
    let mut b = Image::builder().label("seed", seed).cmd(&["/bin/sh"]);
    if let Some(base) = base {
        b = b.layer(base.clone());
    }
    b.layer(own).build()
}

/// The names `strata images` lists.
fn names(home: &Path) -> BTreeSet<String> {
    pluck(&json(home, &["images", "--json"]), "name")
        .into_iter()
        .collect()
}

fn blob_exists(home: &Path, digest: &str) -> bool {
    blob_path(home, digest).is_file()
}

#[test]
fn images_lists_what_skopeo_and_umoci_read_with_the_same_digest() {
    need("skopeo");
    need("umoci");
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let img = image("one", None);
    put_image(home, &img, "busybox:1.36");
    ok(home, &["tag", "busybox:1.36", "localhost:5000/ns/app:v2"]);

    let table = ok(home, &["images"]);
    let header = table.lines().next().unwrap();
    for col in ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED"] {
        assert!(header.contains(col), "{table}");
    }
    let short = &img.manifest_digest["sha256:".len()..][..12];
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("busybox ") && l.contains("1.36") && l.contains(short)),
        "{table}"
    );
    assert!(table.contains("localhost:5000/ns/app"), "{table}");

    let rows = json(home, &["images", "--json"]);
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["repository"] == "busybox")
        .unwrap();
    assert_eq!(row["tag"], "1.36");
    assert_eq!(row["digest"], img.manifest_digest.as_str());
    let config: serde_json::Value = serde_json::from_slice(&img.config).unwrap();
    assert_eq!(row["created"], config["created"]);
    let expected_size = img.manifest.len()
        + img.config.len()
        + img.layers.iter().map(|l| l.gzip.len()).sum::<usize>();
    assert_eq!(row["size"], expected_size as u64);

    let home_s = home.to_str().unwrap();
    for name in ["docker.io/library/busybox:1.36", "localhost:5000/ns/app:v2"] {
        let inspect = skopeo_json(&["inspect", &format!("oci:{home_s}:{name}")]);
        assert_eq!(inspect["Digest"], img.manifest_digest.as_str(), "{name}");
        assert_eq!(inspect["Layers"][0], img.layers[0].digest.as_str());
    }
    let listed = peer("umoci", &["ls", "--layout", home_s]);
    assert!(
        listed
            .lines()
            .any(|l| l == "docker.io/library/busybox:1.36"),
        "{listed}"
    );
    assert!(
        listed.lines().any(|l| l == "localhost:5000/ns/app:v2"),
        "{listed}"
    );
    let stat = peer(
        "umoci",
        &[
            "stat",
            "--image",
            &format!("{home_s}:docker.io/library/busybox:1.36"),
            "--json",
        ],
    );
    assert!(stat.contains("history"), "{stat}");
    let bundle = dir.path().join("bundle");
    let image = format!("{home_s}:docker.io/library/busybox:1.36");
    peer(
        "umoci",
        &["unpack", "--rootless", "--image", &image, p(&bundle)],
    );
    assert_eq!(
        std::fs::read_to_string(bundle.join("rootfs/one.txt")).unwrap(),
        "content of one\n"
    );
}

#[test]
fn tag_explains_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    put_image(home, &image("t", None), "t:1");
    let err = fails(home, &["tag", "t:1", "Bad/Name"]);
    assert!(
        err.contains("invalid reference \"Bad/Name\": repository name must be lowercase"),
        "{err}"
    );
    let err = fails(home, &["tag", "missing:1", "new:1"]);
    assert!(err.contains("no image \"missing:1\""), "{err}");
    assert!(err.contains("hint: `strata images`"), "{err}");
    // Moving a name to another image keeps one entry for it; the image it named before
    // has no name left and is listed as dangling (no name), as in docker.
    put_image(home, &image("u", None), "u:1");
    ok(home, &["tag", "u:1", "t:1"]);
    let listed = names(home);
    assert_eq!(
        listed,
        BTreeSet::from([
            String::new(),
            "docker.io/library/t:1".to_string(),
            "docker.io/library/u:1".to_string()
        ]),
        "{listed:?}"
    );
}

#[test]
fn what_skopeo_writes_into_the_store_strata_reads() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("store");
    let other = dir.path().join("other");
    let img = image("two", None);
    put_image(&home, &img, "source:1");
    let (h, o) = (home.to_str().unwrap(), other.to_str().unwrap());
    skopeo(&[
        "copy",
        &format!("oci:{h}:docker.io/library/source:1"),
        &format!("oci:{o}:x"),
    ]);
    // Written by skopeo into our store, next to our own entries, under a full name and
    // under a bare tag (as people type it).
    for target in ["ghcr.io/o/copied:2", "v3"] {
        skopeo(&["copy", &format!("oci:{o}:x"), &format!("oci:{h}:{target}")]);
    }

    let listed = names(&home);
    for want in [
        "docker.io/library/source:1",
        "ghcr.io/o/copied:2",
        "docker.io/library/v3:latest",
    ] {
        assert!(listed.contains(want), "{listed:?}");
    }
    let rows = json(&home, &["images", "--json"]);
    for row in rows.as_array().unwrap() {
        assert_eq!(row["digest"], img.manifest_digest.as_str(), "{row}");
    }
    ok(&home, &["fsck"]);
    let out = ok(&home, &["rmi", "ghcr.io/o/copied:2"]);
    assert!(out.contains("Untagged: ghcr.io/o/copied:2"), "{out}");
    assert!(!out.contains("Deleted:"), "other names still use it: {out}");
}

#[test]
fn rmi_frees_a_shared_layer_only_with_the_last_image() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let base = Layer::build(&[
        Entry::dir("etc"),
        Entry::file("etc/os-release", "ID=test\n"),
    ])
    .unwrap();
    let a = image("a", Some(&base));
    let b = image("b", Some(&base));
    put_image(home, &a, "app-a:1");
    put_image(home, &b, "app-b:1");
    ok(home, &["tag", "app-a:1", "app-a:also"]);

    let df = json(home, &["df", "-v", "--json"]);
    for image in df["images"].as_array().unwrap() {
        assert_eq!(image["shared"], base.size(), "{image}");
        assert_eq!(
            image["unique"].as_u64().unwrap() + image["shared"].as_u64().unwrap(),
            image["size"].as_u64().unwrap()
        );
    }
    let text = ok(home, &["df", "-v"]);
    assert!(
        text.contains("SHARED SIZE") && text.contains("UNIQUE SIZE"),
        "{text}"
    );

    // One of two names: untagged, nothing deleted.
    let out = ok(home, &["rmi", "app-a:also"]);
    assert!(out.contains("Untagged: app-a:also"), "{out}");
    assert!(!out.contains("Deleted:"), "{out}");
    assert!(blob_exists(home, &a.manifest_digest));

    // By ID, an image with two names needs --force.
    ok(home, &["tag", "app-b:1", "app-b:2"]);
    let id = &b.manifest_digest["sha256:".len()..][..12];
    let err = fails(home, &["rmi", id]);
    assert!(err.contains("several names"), "{err}");
    ok(home, &["rmi", "app-b:2"]);

    // The last name of a: its manifest, config and own layer go; the base stays.
    let out = ok(home, &["rmi", "app-a:1"]);
    assert!(out.contains("Untagged: app-a:1"), "{out}");
    for d in [&a.manifest_digest, &a.config_digest, &a.layers[1].digest] {
        assert!(out.contains(&format!("Deleted: {d}")), "{d} in {out}");
        assert!(!blob_exists(home, d));
    }
    assert!(!out.contains(&base.digest), "{out}");
    assert!(blob_exists(home, &base.digest));
    assert!(out.contains("Total reclaimed space:"), "{out}");

    // Then b: the base goes with it.
    let out = ok(home, &["rmi", "app-b:1"]);
    assert!(out.contains(&format!("Deleted: {}", base.digest)), "{out}");
    assert!(blob_names(home).is_empty(), "{:?}", blob_names(home));

    // One name: its own problem is the error, said once (no "1 of 1 could not" summary).
    let err = error_line(home, &["rmi", "nothing-here"]);
    assert!(err.contains("no image \"nothing-here\""), "{err}");
    // Several: each problem, then how many failed.
    let err = fails(home, &["rmi", "nothing-here", "nor-this"]);
    assert!(err.contains("\"nor-this\""), "{err}");
    assert!(
        err.contains("2 of 2 image(s) could not be removed"),
        "{err}"
    );
}

#[test]
fn rmi_refuses_an_image_a_container_uses_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let img = image("used", None);
    put_image(home, &img, "used:1");
    let c = home.join("containers/abc123");
    std::fs::create_dir_all(&c).unwrap();
    std::fs::write(
        c.join("container.json"),
        format!(
            r#"{{"image_digest":"{}","name":"web"}}"#,
            img.manifest_digest
        ),
    )
    .unwrap();
    let err = fails(home, &["rmi", "used:1"]);
    assert!(err.contains("used by container(s) web"), "{err}");
    assert!(names(home).contains("docker.io/library/used:1"));
    let df = json(home, &["df", "--json"]);
    assert_eq!(df["active_images"], 1);
    let out = ok(home, &["rmi", "--force", "used:1"]);
    assert!(out.contains("Deleted:"), "{out}");
}

#[test]
fn prune_removes_dangling_images_and_unused_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let kept = image("kept", None);
    let dangling = image("dangling", None);
    put_image(home, &kept, "kept:1");
    put_image(home, &dangling, "dangling:1");
    // Make `dangling` nameless, as `skopeo copy … oci:DIR` (no name) writes entries.
    let index_path = home.join("index.json");
    let mut index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&index_path).unwrap()).unwrap();
    for m in index["manifests"].as_array_mut().unwrap() {
        if m["digest"] == dangling.manifest_digest.as_str() {
            m.as_object_mut().unwrap().remove("annotations");
        }
    }
    std::fs::write(&index_path, index.to_string()).unwrap();
    // And a stray blob no image uses.
    Store::open(home)
        .unwrap()
        .put_bytes(b"nobody uses me")
        .unwrap();

    let table = ok(home, &["images"]);
    assert!(table.lines().any(|l| l.starts_with("<none>")), "{table}");
    let out = ok(home, &["prune"]);
    assert!(
        out.contains(&format!("deleted: {}", dangling.manifest_digest)),
        "{out}"
    );
    assert!(
        out.contains(&format!("Deleted: {}", Digest::of(b"nobody uses me"))),
        "{out}"
    );
    assert!(!blob_exists(home, &dangling.config_digest));
    assert!(blob_exists(home, &kept.config_digest));
    assert_eq!(
        names(home),
        BTreeSet::from(["docker.io/library/kept:1".to_string()])
    );
    ok(home, &["fsck"]);
}

#[test]
fn multi_platform_images_are_listed_with_their_platforms() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let index = random_index(1, 100, 100);
    put_index(home, &index, "multi:1");

    let rows = json(home, &["images", "--json"]);
    let row = &rows[0];
    assert_eq!(row["digest"], index.digest.as_str());
    assert_eq!(
        row["platforms"],
        serde_json::json!(["linux/amd64", "linux/arm64/v8"])
    );
    let table = ok(home, &["images"]);
    assert!(
        table.contains("PLATFORMS") && table.contains("linux/amd64,linux/arm64/v8"),
        "{table}"
    );
    ok(home, &["fsck"]);
}

#[test]
fn fsck_reports_a_flipped_byte_and_a_missing_layer() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let a = image("flip", None);
    let b = image("gone", None);
    put_image(home, &a, "flip:1");
    put_image(home, &b, "gone:1");
    let clean = json(home, &["fsck", "--json"]);
    assert_eq!(clean["problems"], serde_json::json!([]));
    assert_eq!(clean["blobs_checked"], 6);

    let path = blob_path(home, &a.layers[0].digest);
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x20;
    let mut perm = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    std::fs::set_permissions(&path, perm).unwrap();
    std::fs::write(&path, bytes).unwrap();
    std::fs::remove_file(blob_path(home, &b.layers[0].digest)).unwrap();

    let out = strata(home, &["fsck"]);
    let err = assert_fails(&out);
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "problem: {}: content hashes to",
            a.layers[0].digest
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "problem: {}: layer referenced by {} is missing",
            b.layers[0].digest, b.manifest_digest
        )),
        "{text}"
    );
    assert!(err.contains("fsck found 2 problem(s)"), "{err}");

    let out = strata(home, &["fsck", "--json"]);
    assert_fails(&out);
    let report = parse_json(&stdout(&out));
    let kinds: BTreeSet<&str> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, BTreeSet::from(["corrupt_blob", "missing_blob"]));
}

/// Runs this test binary again as a child that does `mode` on the store at `root`.
fn child(mode: &str, root: &Path) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["child_entry", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, format!("{mode}:{}", root.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

/// Not a test of its own: the body of the child processes above. Does nothing when run
/// by the test harness.
#[test]
fn child_entry() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (mode, root) = spec.split_once(':').unwrap();
    let store = Store::open(Path::new(root)).unwrap();
    match mode {
        // Streams an endless blob, slowly enough to be killed in the middle.
        "endless" => {
            let endless = std::io::repeat(0x5a);
            let slow = SlowReader(endless);
            let _ = store.put_blob(slow, None);
            unreachable!("an endless blob never finishes");
        }
        // Writes images and names them, as a concurrent `strata import` would.
        m if m.starts_with("writer") => {
            let n = &m["writer".len()..];
            let base = Layer::build(&[Entry::file("base", "shared by every writer\n")]).unwrap();
            for i in 0..5 {
                let img = image(&format!("w{n}-{i}"), Some(&base));
                put_image(Path::new(root), &img, &format!("writer{n}:{i}"));
            }
        }
        other => panic!("unknown child mode {other}"),
    }
}

struct SlowReader<R>(R);

impl<R: std::io::Read> std::io::Read for SlowReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        std::thread::sleep(Duration::from_millis(2));
        let n = buf.len().min(64 * 1024);
        self.0.read(&mut buf[..n])
    }
}

#[test]
fn a_writer_killed_mid_blob_leaves_no_blob_and_fsck_passes() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let img = image("before", None);
    put_image(home, &img, "before:1");
    let before = blob_names(home);

    let mut writer = child("endless", home).spawn().unwrap();
    // Wait until it has written a good part of a blob.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let written: u64 = std::fs::read_dir(home.join("tmp"))
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("blob-"))
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum();
        if written > 4 * 1024 * 1024 {
            break;
        }
        assert!(Instant::now() < deadline, "the child wrote nothing");
        if let Some(status) = writer.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(writer.stderr.as_mut().unwrap(), &mut err).unwrap();
            panic!("child exited early ({status}): {err}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    writer.kill().unwrap(); // SIGKILL: no destructor runs.
    writer.wait().unwrap();

    assert_eq!(blob_names(home), before, "no half blob is visible");
    let report = json(home, &["fsck", "--json"]);
    assert_eq!(report["problems"], serde_json::json!([]));
    assert!(
        report["notes"].to_string().contains("temporary file"),
        "{report}"
    );
    assert_eq!(
        names(home),
        BTreeSet::from(["docker.io/library/before:1".to_string()])
    );
    // gc removes what the dead writer left.
    let pruned = json(home, &["prune", "--json"]);
    assert_eq!(pruned["gc"]["temp_files_removed"], 1, "{pruned}");
    assert_eq!(
        std::fs::read_dir(home.join("tmp"))
            .unwrap()
            .flatten()
            .filter(|e| e.path().is_file())
            .count(),
        0
    );
}

#[test]
fn rmi_killed_at_any_moment_leaves_every_other_image_whole() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let base = Layer::build(&[Entry::file("etc/os-release", "ID=shared\n")]).unwrap();
    let images: Vec<Image> = (0..12)
        .map(|i| image(&format!("k{i}"), Some(&base)))
        .collect();
    for (i, img) in images.iter().enumerate() {
        put_image(home, img, &format!("kill{i}:1"));
    }
    // The children cache is written by the first gc; rmi then reads it.
    ok(home, &["prune"]);
    let blobs_of = |img: &Image| {
        let mut d = vec![img.manifest_digest.clone(), img.config_digest.clone()];
        d.extend(img.layers.iter().map(|l| l.digest.clone()));
        d
    };
    // rmi writes index.json, then deletes blobs, then the cache: SIGKILL it after 0 to
    // 27 ms, somewhere in that sequence (or after it ended).
    for (i, img) in images.iter().enumerate().take(10) {
        let mut rmi = strata_cmd(home, &["rmi", &format!("kill{i}:1")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(3 * i as u64));
        let _ = rmi.kill();
        rmi.wait().unwrap();

        let report = json(home, &["fsck", "--json"]);
        assert_eq!(
            report["problems"],
            serde_json::json!([]),
            "kill {i}: {report}"
        );
        for other in &images[i + 1..] {
            for d in blobs_of(other) {
                assert!(blob_exists(home, &d), "kill {i}: {d} of a remaining image");
            }
        }
        // Killed before index.json was rewritten, the name is still there: remove it.
        if names(home).contains(&format!("docker.io/library/kill{i}:1")) {
            ok(home, &["rmi", &format!("kill{i}:1")]);
        }
        let _ = img;
    }
    // What a killed rmi did not get to delete, prune does; nothing of the rest goes.
    ok(home, &["prune"]);
    let mut left: BTreeSet<String> = BTreeSet::new();
    for img in &images[10..] {
        left.extend(
            blobs_of(img)
                .into_iter()
                .map(|d| d["sha256:".len()..].to_string()),
        );
    }
    assert_eq!(blob_names(home), left);
    let report = json(home, &["fsck", "--json"]);
    assert_eq!(report["problems"], serde_json::json!([]), "{report}");
    assert!(
        !report["notes"].to_string().contains("manifest-children"),
        "{report}"
    );
}

#[test]
fn concurrent_processes_do_not_corrupt_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let base = image("base", None);
    put_image(home, &base, "base:1");

    // Writers putting blobs and naming images, `strata tag` and `strata prune` at once.
    let writers: Vec<_> = (0..4)
        .map(|n| child(&format!("writer{n}"), home).spawn().unwrap())
        .collect();
    let taggers: Vec<_> = (0..6)
        .map(|n| {
            let home = home.to_path_buf();
            std::thread::spawn(move || {
                for i in 0..4 {
                    ok(&home, &["tag", "base:1", &format!("tag{n}:{i}")]);
                    if i % 2 == 0 {
                        ok(&home, &["prune"]);
                    }
                }
            })
        })
        .collect();
    for t in taggers {
        t.join().unwrap();
    }
    for mut w in writers {
        let status = w.wait().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(w.stderr.as_mut().unwrap(), &mut err).unwrap();
        assert!(status.success(), "writer failed: {err}");
    }

    let listed = names(home);
    assert_eq!(listed.len(), 1 + 6 * 4 + 4 * 5, "{listed:?}");
    for n in 0..4 {
        for i in 0..5 {
            assert!(
                listed.contains(&format!("docker.io/library/writer{n}:{i}")),
                "{listed:?}"
            );
        }
    }
    let report = json(home, &["fsck", "--json"]);
    assert_eq!(report["problems"], serde_json::json!([]), "{report}");
    // Nothing left for gc: every blob written was named.
    let pruned = json(home, &["prune", "--json"]);
    assert_eq!(pruned["gc"]["removed"], serde_json::json!([]), "{pruned}");
}

/// An import from Podman spools `podman save` into the store's temporary folder first (up
/// to hundreds of GiB): `prune` run beside it leaves that file alone, and once the import
/// is killed (no destructor runs) the next `prune` removes it; nothing is named.
#[test]
fn an_import_from_podman_killed_mid_save_leaves_a_file_only_until_prune() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let home = &dir.path().join("home");
    ok(home, &["images"]);
    // A podman whose save writes 8 MiB and then hangs, as a large image saving slowly.
    let pid_file = dir.path().join("podman.pid");
    let fake = dir.path().join("podman");
    let id = "1201e8944c9e9101c1c66132845f5a16402cd78539d1c20ff683efa011b97e40";
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\n\
             case \"$1\" in\n\
               image) echo '[{{\"Id\":\"{id}\",\"RepoTags\":[\"localhost/slow:1\"],\"Size\":100000000}}]' ;;\n\
               save) echo $$ > '{}'; head -c 8388608 /dev/zero; exec sleep 120 ;;\n\
             esac\n",
            p(&pid_file)
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut import = strata_cmd(
        home,
        &["import", "--from", "podman", "localhost/slow:1", "--json"],
    )
    .env("STRATA_PODMAN", &fake)
    .env_remove("STRATA_PODMAN_ARGS")
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let spooled = || -> Vec<(String, u64)> {
        std::fs::read_dir(home.join("tmp"))
            .unwrap()
            .flatten()
            .filter_map(|e| {
                Some((
                    e.file_name().to_string_lossy().into_owned(),
                    e.metadata().ok()?,
                ))
            })
            .filter(|(_, m)| m.is_file())
            .map(|(n, m)| (n, m.len()))
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !spooled().iter().any(|(_, len)| *len >= 8 << 20) {
        assert!(
            Instant::now() < deadline,
            "nothing spooled: {:?}",
            spooled()
        );
        if let Some(status) = import.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(import.stderr.as_mut().unwrap(), &mut err).unwrap();
            panic!("the import ended early ({status}): {err}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let files = spooled();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].0.starts_with(".write-engine-save-"), "{files:?}");

    // The import is alive: prune beside it keeps its file.
    let beside = json(home, &["prune", "--json"]);
    assert_eq!(beside["gc"]["temp_files_removed"], 0, "{beside}");
    assert_eq!(spooled(), files);

    import.kill().unwrap(); // SIGKILL: its temporary file stays behind.
    import.wait().unwrap();
    if let Ok(pid) = std::fs::read_to_string(&pid_file) {
        let _ = Command::new("kill").arg(pid.trim()).status();
    }
    assert_eq!(spooled(), files, "a killed process removes nothing");
    assert!(names(home).is_empty(), "a killed import named an image");
    let pruned = json(home, &["prune", "--json"]);
    assert_eq!(pruned["gc"]["temp_files_removed"], 1, "{pruned}");
    assert!(
        pruned["gc"]["bytes_freed"].as_u64().unwrap() >= 8 << 20,
        "{pruned}"
    );
    assert_eq!(spooled(), Vec::new());
}

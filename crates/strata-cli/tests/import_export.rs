//! `strata import`, `import-rootfs`, `export`, `inspect`, `history` through the binary, on
//! images generated here (strata-testkit fixtures): round trips keep digests and
//! diff_ids, multi-platform indexes survive, and a damaged archive is refused with a clear
//! message, leaving the store's names and blobs as they were.

mod support;

use std::io::{Read, Write};
use std::path::Path;

use serde_json::Value;
use strata_core::image::{self, ImageError, ImportOptions};
use strata_core::store::Store;
use strata_core::task::{CancellationToken, TaskCtx, Unit};
use strata_testkit::fixtures::{Entry, Image, Layer, OciLayout};
use support::*;

/// The name [`fixture`] is imported under.
const FIXTURE: &str = "example.com/fixture:v1";

/// Two layers: a base with files, a second that changes one and deletes another.
fn fixture() -> Image {
    let base = Layer::build(&[
        Entry::dir("etc"),
        Entry::file("etc/motd", "hello from strata\n"),
        Entry::file("etc/old", "to be deleted\n"),
        Entry::dir("bin"),
        Entry::executable("bin/tool", "#!/bin/sh\necho tool\n"),
    ])
    .unwrap();
    let top = Layer::build(&[
        Entry::dir("etc"),
        Entry::file("etc/motd", "changed\n"),
        Entry::whiteout("etc/old"),
    ])
    .unwrap();
    Image::builder()
        .layer(base)
        .layer(top)
        .env("GREETING=hi")
        .cmd(&["/bin/tool"])
        .label("org.example.kind", "fixture")
        .build()
}

/// The names in the store and whether fsck finds it clean: what must not change when an
/// import fails.
fn store_state(home: &Path) -> (Vec<String>, bool) {
    let store = Store::open(home).unwrap();
    let mut names: Vec<String> = store.refs().unwrap().into_iter().map(|r| r.name).collect();
    names.sort();
    let clean = store.fsck().unwrap().is_clean();
    (names, clean)
}

#[test]
fn oci_layout_import_keeps_every_digest_and_shows_config_and_history() {
    let (tmp, home) = scratch();
    let img = fixture();

    let out = import_image(&home, &tmp.path().join("layout"), &img, FIXTURE);
    assert!(out.contains(FIXTURE), "{out}");

    let d = inspect(&home, FIXTURE);
    assert_eq!(d["manifest_digest"], img.manifest_digest.as_str());
    assert_eq!(d["id"], img.config_digest.as_str());
    assert_eq!(layer_digests(&d), digests_of(&img));
    assert_eq!(diff_ids(&d), diff_ids_of(&img));
    assert_eq!(d["config"]["cmd"][0], "/bin/tool");
    assert!(d["config"]["env"]
        .as_array()
        .unwrap()
        .contains(&"GREETING=hi".into()));
    assert_eq!(d["config"]["labels"]["org.example.kind"], "fixture");
    assert_eq!(d["platform"]["architecture"], "amd64");
    // Inspect decompresses gzip layers to report their unpacked size: a tar's length.
    assert_eq!(
        d["layers"][0]["uncompressed_size"],
        img.layers[0].tar.len() as u64
    );

    let h = json(&home, &["history", FIXTURE, "--json"]);
    let h = h.as_array().unwrap();
    assert_eq!(h.len(), 2);
    // Newest first, each step matched to the layer it made.
    assert_eq!(h[0]["created_by"], "strata-testkit layer 1");
    assert_eq!(h[0]["layer"], img.layers[1].digest.as_str());
    assert_eq!(h[1]["layer"], img.layers[0].digest.as_str());
    let text = ok(&home, &["history", FIXTURE]);
    assert!(text.contains("strata-testkit layer 0"), "{text}");
}

#[test]
fn docker_archive_round_trip_keeps_image_id_and_diff_ids() {
    let tmp = tempfile::tempdir().unwrap();
    let (home, home2) = (tmp.path().join("h1"), tmp.path().join("h2"));
    let img = fixture();
    import_image(&home, &tmp.path().join("layout"), &img, FIXTURE);

    let archive = tmp.path().join("saved.tar");
    ok(&home, &["export", FIXTURE, p(&archive)]);
    // docker save's layout: <config>.json, <diff_id>/layer.tar, manifest.json, repositories.
    let mut names = Vec::new();
    let mut manifest = String::new();
    let mut ar = tar::Archive::new(std::fs::File::open(&archive).unwrap());
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().display().to_string();
        if name == "manifest.json" {
            e.read_to_string(&mut manifest).unwrap();
        }
        names.push(name);
    }
    let config_hex = img.config_digest.trim_start_matches("sha256:");
    assert!(names.contains(&format!("{config_hex}.json")), "{names:?}");
    for l in &img.layers {
        let hex = l.diff_id.trim_start_matches("sha256:");
        assert!(names.contains(&format!("{hex}/layer.tar")), "{names:?}");
    }
    assert!(names.contains(&"repositories".to_string()));
    let manifest: Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(manifest[0]["RepoTags"][0], FIXTURE);

    ok(&home2, &["import", p(&archive)]);
    let d = inspect(&home2, FIXTURE);
    assert_eq!(d["id"], img.config_digest.as_str(), "the image ID survives");
    let want_diffs = diff_ids_of(&img);
    assert_eq!(diff_ids(&d), want_diffs);
    // Uncompressed layers are stored as they are: digest = diff_id.
    assert_eq!(layer_digests(&d), want_diffs);
    assert_eq!(
        d["layers"][0]["media_type"],
        "application/vnd.oci.image.layer.v1.tar"
    );

    // And back out again: the same archive, byte for byte (exports are deterministic).
    let again = tmp.path().join("again.tar");
    ok(&home2, &["export", FIXTURE, p(&again)]);
    assert_eq!(
        std::fs::read(&archive).unwrap(),
        std::fs::read(&again).unwrap()
    );
}

#[test]
fn oci_archive_round_trip_and_tag_renames() {
    let tmp = tempfile::tempdir().unwrap();
    let (home, home2) = (tmp.path().join("h1"), tmp.path().join("h2"));
    let img = fixture();
    import_image(&home, &tmp.path().join("layout"), &img, FIXTURE);

    let archive = tmp.path().join("oci.tar");
    ok(&home, &["export", FIXTURE, p(&archive), "--format", "oci"]);
    let dir = tmp.path().join("oci-dir");
    let to_dir = ["export", FIXTURE, p(&dir), "--format", "oci-dir"];
    ok(&home, &to_dir);
    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    assert_eq!(
        index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
        FIXTURE
    );

    ok(&home2, &["import", p(&archive), "--tag", "renamed:1"]);
    let d = inspect(&home2, "renamed:1");
    assert_eq!(d["reference"], "docker.io/library/renamed:1");
    assert_eq!(d["manifest_digest"], img.manifest_digest.as_str());
    ok(&home2, &["import", p(&dir)]);
    let d = inspect(&home2, FIXTURE);
    assert_eq!(d["manifest_digest"], img.manifest_digest.as_str());

    // An export never overwrites a folder that has something in it.
    let err = fails(&home, &to_dir);
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn an_existing_file_is_replaced_only_with_force() {
    let (tmp, home) = scratch();
    let img = fixture();
    import_image(&home, &tmp.path().join("layout"), &img, FIXTURE);
    let out = tmp.path().join("out.tar");
    std::fs::write(&out, b"keep me").unwrap();
    for format in ["docker", "oci"] {
        let err = error_line(&home, &["export", FIXTURE, p(&out), "--format", format]);
        assert!(err.contains("already exists"), "{err}");
        assert_eq!(std::fs::read(&out).unwrap(), b"keep me", "{format}");
    }
    let hint = fails(&home, &["export", FIXTURE, p(&out)]);
    assert!(hint.contains("--force"), "{hint}");

    ok(&home, &["export", FIXTURE, p(&out), "--force"]);
    let home2 = tmp.path().join("h2");
    ok(&home2, &["import", p(&out)]);
    assert_eq!(inspect(&home2, FIXTURE)["id"], img.config_digest.as_str());

    // A folder in the way is never replaced, --force or not.
    let folder = tmp.path().join("folder.tar");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("precious"), b"x").unwrap();
    let err = error_line(&home, &["export", FIXTURE, p(&folder), "--force"]);
    assert!(err.contains("already exists"), "{err}");
    assert!(folder.join("precious").exists());
}

#[test]
fn multi_platform_index_is_kept_whole_and_platforms_are_selectable() {
    const MULTI: &str = "example.com/multi:1";
    let (tmp, home) = scratch();
    let index = with_arm64(fixture());
    let (amd, arm) = (&index.images[0], &index.images[1]);
    let mut layout = OciLayout::create(&tmp.path().join("layout")).unwrap();
    layout.add_index(&index, MULTI).unwrap();

    let out = ok(&home, &["import", p(layout.dir())]);
    assert!(out.contains("linux/amd64, linux/arm64/v8"), "{out}");

    let d = json(
        &home,
        &["inspect", MULTI, "--json", "--platform", "linux/arm64"],
    );
    assert_eq!(d["index_digest"], index.digest.as_str());
    assert_eq!(d["manifest_digest"], arm.manifest_digest.as_str());
    assert_eq!(d["platform"]["architecture"], "arm64");
    let d = json(
        &home,
        &["inspect", MULTI, "--json", "--platform", "linux/amd64"],
    );
    assert_eq!(d["manifest_digest"], amd.manifest_digest.as_str());
    let err = fails(&home, &["inspect", MULTI, "--platform", "linux/s390x"]);
    assert!(
        err.contains("has no image for linux/s390x; it has: linux/amd64, linux/arm64/v8"),
        "{err}"
    );

    // An OCI export keeps the index; a docker archive takes one platform.
    let archive = tmp.path().join("multi.tar");
    ok(&home, &["export", MULTI, p(&archive), "--format", "oci"]);
    let home2 = tmp.path().join("h2");
    ok(&home2, &["import", p(&archive)]);
    let d = inspect(&home2, MULTI);
    assert_eq!(d["index_digest"], index.digest.as_str());
    let docker = tmp.path().join("arm.tar");
    ok(
        &home,
        &["export", MULTI, p(&docker), "--platform", "linux/arm64"],
    );
    let home3 = tmp.path().join("h3");
    ok(&home3, &["import", p(&docker)]);
    let d = inspect(&home3, MULTI);
    assert_eq!(d["id"], arm.config_digest.as_str());
}

/// A file of a tar being built: its path and its bytes.
type TarFile = (String, Vec<u8>);

/// Builds a tar from (path, bytes) pairs, in order.
fn tar_of(files: &[TarFile]) -> Vec<u8> {
    tar_with_links(files, &[])
}

/// A tar of symlinks `(path, target)` first, then files, as docker ≥ 25 writes
/// `<id>/layer.tar -> ../blobs/sha256/…`.
fn tar_with_links(files: &[TarFile], links: &[(&str, &str)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, target) in links {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        h.set_mode(0o777);
        b.append_link(&mut h, path, target).unwrap();
    }
    for (path, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, path, &data[..]).unwrap();
    }
    b.into_inner().unwrap()
}

/// `blobs/sha256/<hex>`, where an OCI layout keeps a blob.
fn blob_entry(digest: &str) -> String {
    format!("blobs/sha256/{}", digest.trim_start_matches("sha256:"))
}

/// The files of an OCI layout holding `img` alone, layers first and index.json last (the
/// order a one-pass reader finds hardest), its index entry carrying `annotations`.
fn oci_files(img: &Image, annotations: Value) -> Vec<TarFile> {
    let mut files: Vec<TarFile> = img
        .layers
        .iter()
        .map(|l| (blob_entry(&l.digest), l.gzip.clone()))
        .collect();
    files.push((blob_entry(&img.config_digest), img.config.clone()));
    files.push((blob_entry(&img.manifest_digest), img.manifest.clone()));
    files.push((
        "oci-layout".into(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    ));
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [{
        "mediaType": img.manifest_media_type, "digest": img.manifest_digest,
        "size": img.manifest.len(), "annotations": annotations}]});
    files.push(("index.json".into(), index.to_string().into_bytes()));
    files
}

/// An OCI archive of `img` named `name`, with `edit` applied to its files.
fn oci_archive(img: &Image, name: &str, edit: impl FnOnce(&mut Vec<TarFile>)) -> Vec<u8> {
    let mut files = oci_files(
        img,
        serde_json::json!({"org.opencontainers.image.ref.name": name}),
    );
    edit(&mut files);
    tar_of(&files)
}

/// `manifest.json` of a docker archive: one image, its config and layers by path.
fn docker_manifest(config: &str, tag: &str, layers: &[&str]) -> TarFile {
    let manifest = serde_json::json!([{"Config": config, "RepoTags": [tag], "Layers": layers}]);
    ("manifest.json".into(), manifest.to_string().into_bytes())
}

#[test]
fn damaged_archives_are_refused_and_leave_the_store_as_it_was() {
    let (tmp, home) = scratch();
    let img = fixture();
    // Something already in the store, which must stay.
    import_image(
        &home,
        &tmp.path().join("layout"),
        &img,
        "example.com/kept:1",
    );
    let before = store_state(&home);
    assert!(before.1, "fsck is clean to begin with");

    let other = Image::builder()
        .layer(Layer::build(&[Entry::file("data", "x".repeat(5000))]).unwrap())
        .build();
    let good = oci_archive(&other, "example.com/bad:1", |_| {});

    let flipped = {
        let mut bytes = good.clone();
        // The first entry is the layer: flip a byte of its data (after the 512-byte header).
        bytes[512 + 20] ^= 0xff;
        bytes
    };
    let truncated = good[..good.len() / 2].to_vec();
    let missing_layer = oci_archive(&other, "example.com/bad:1", |e| {
        e.remove(0);
    });
    let not_a_tar = b"this is not an archive at all".repeat(100);
    let names_a_layer = [
        docker_manifest("c.json", "example.com/bad:1", &["abc/layer.tar"]),
        ("c.json".into(), other.config.clone()),
    ];
    let docker_missing = tar_of(&names_a_layer);
    let wrong_layer = ("abc/layer.tar".into(), img.layers[0].tar.clone());
    let docker_wrong_layer = tar_of(&[names_a_layer.as_slice(), &[wrong_layer]].concat());

    for (case, bytes, want) in [
        ("flipped byte", flipped, "does not match its digest"),
        ("truncated", truncated, "truncated"),
        ("missing layer", missing_layer, "is missing"),
        ("not a tar", not_a_tar, "not a complete tar archive"),
        (
            "docker: missing layer",
            docker_missing,
            "abc/layer.tar, which manifest.json names, is missing",
        ),
        (
            "docker: wrong layer",
            docker_wrong_layer,
            "does not match the diff_id",
        ),
    ] {
        let file = tmp.path().join("bad.tar");
        std::fs::File::create(&file)
            .unwrap()
            .write_all(&bytes)
            .unwrap();
        let err = fails(&home, &["import", p(&file)]);
        assert!(err.starts_with("error: "), "{case}: {err}");
        assert!(err.contains(want), "{case}: {err}");
        assert_eq!(
            err.lines().count(),
            2,
            "{case}: one error line and one hint: {err}"
        );
        assert_eq!(store_state(&home), before, "{case}: the store changed");
        fails(&home, &["inspect", "example.com/bad:1"]);
    }
}

#[test]
fn an_oci_archive_named_only_by_a_tag_needs_tag() {
    let (tmp, home) = scratch();
    let file = tmp.path().join("a.tar");
    std::fs::write(&file, oci_archive(&fixture(), "latest", |_| {})).unwrap();
    let err = fails(&home, &["import", p(&file)]);
    assert!(err.contains("only by the tag `latest`"), "{err}");
    assert!(err.contains("--tag"), "{err}");
    ok(
        &home,
        &["import", p(&file), "--tag", "example.com/named:latest"],
    );
    ok(&home, &["inspect", "example.com/named"]);
}

#[test]
fn import_rootfs_makes_a_one_layer_image_from_a_dir_or_a_tar() {
    let (tmp, home) = scratch();
    let root = tmp.path().join("rootfs");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/motd"), "from a directory\n").unwrap();

    ok(
        &home,
        &[
            "import-rootfs",
            p(&root),
            "--tag",
            "example.com/rootfs:dir",
            "-m",
            "my first import",
            "--change",
            r#"CMD ["/bin/sh"]"#,
            "-c",
            "ENV MODE=test",
        ],
    );
    let d = inspect(&home, "example.com/rootfs:dir");
    assert_eq!(d["layers"].as_array().unwrap().len(), 1);
    assert_eq!(d["config"]["cmd"][0], "/bin/sh");
    assert_eq!(d["config"]["env"][0], "MODE=test");
    assert_eq!(
        d["layers"][0]["media_type"],
        "application/vnd.oci.image.layer.v1.tar+gzip"
    );
    let h = json(&home, &["history", "example.com/rootfs:dir", "--json"]);
    assert_eq!(h[0]["comment"], "my first import");

    // A tar given as is becomes the layer as is: its digest is the diff_id.
    let layer = Layer::build(&[Entry::file("hello", "from a tar\n")]).unwrap();
    let tar_path = tmp.path().join("rootfs.tar");
    std::fs::write(&tar_path, &layer.tar).unwrap();
    ok(
        &home,
        &[
            "import-rootfs",
            p(&tar_path),
            "--tag",
            "example.com/rootfs:tar",
        ],
    );
    let d = inspect(&home, "example.com/rootfs:tar");
    assert_eq!(diff_ids(&d), vec![layer.diff_id.clone()]);

    // Not a tar: refused, nothing named.
    let junk = tmp.path().join("junk.tar");
    std::fs::write(&junk, vec![0x41u8; 3000]).unwrap();
    let err = fails(
        &home,
        &[
            "import-rootfs",
            p(&junk),
            "--tag",
            "example.com/rootfs:junk",
        ],
    );
    assert!(err.contains("is not a tar archive"), "{err}");
    let err = fails(
        &home,
        &["import-rootfs", p(&root), "--tag", "x:1", "-c", "RUN make"],
    );
    assert!(err.contains("cannot apply the change `RUN make`"), "{err}");
    fails(&home, &["inspect", "example.com/rootfs:junk"]);
}

#[test]
fn a_cancelled_import_stops_and_names_nothing() {
    let (tmp, home) = scratch();
    let img = random_image(1, &[4 << 20, 4 << 20]);
    let file = tmp.path().join("big.tar");
    std::fs::write(&file, oci_archive(&img, "example.com/big:1", |_| {})).unwrap();

    let store = Store::open(&home).unwrap();
    let cancel = CancellationToken::new();
    let progress = |_: Unit| cancel.cancel();
    // Cancel on the first report: the flag is raised while the first blob streams.
    let cancel_ref = &cancel;
    let err = image::import(
        &store,
        &file,
        &ImportOptions::default(),
        TaskCtx::new(&progress, cancel_ref),
    )
    .unwrap_err();
    assert!(matches!(err, ImageError::Cancelled), "{err}");
    assert!(store.refs().unwrap().is_empty());
    assert!(store.fsck().unwrap().is_clean());

    // The same import, not cancelled, reports progress up to the whole file.
    let seen = std::sync::Mutex::new(Vec::new());
    let progress = |u: Unit| seen.lock().unwrap().push(u);
    let never = CancellationToken::new();
    image::import(
        &store,
        &file,
        &ImportOptions::default(),
        TaskCtx::new(&progress, &never),
    )
    .unwrap();
    let seen = seen.into_inner().unwrap();
    let size = std::fs::metadata(&file).unwrap().len();
    let last = seen.last().unwrap();
    assert_eq!((last.done, last.total), (size, Some(size)));
    assert!(seen.iter().any(|u| u.id == img.layers[0].digest));
}

#[test]
fn docker_archive_variants_all_import() {
    let (tmp, home) = scratch();
    let img = fixture();
    let diffs = diff_ids_of(&img);

    // docker ≥ 25: an OCI layout plus manifest.json whose layers are symlinks into
    // blobs/, the links first (before what they point at), index.json naming the image
    // only under containerd's annotation.
    let mut files = oci_files(
        &img,
        serde_json::json!({"io.containerd.image.name": "example.com/docker25:1",
                           "org.opencontainers.image.ref.name": "1"}),
    );
    let config = blob_entry(&img.config_digest);
    let layers = ["l0/layer.tar", "l1/layer.tar"];
    files.push(docker_manifest(&config, "example.com/docker25:1", &layers));
    let l0 = format!("../{}", blob_entry(&img.layers[0].digest));
    let l1 = format!("../{}", blob_entry(&img.layers[1].digest));
    let docker25 = tmp.path().join("docker25.tar");
    std::fs::write(
        &docker25,
        tar_with_links(&files, &[("l0/layer.tar", &l0), ("l1/layer.tar", &l1)]),
    )
    .unwrap();
    ok(&home, &["import", p(&docker25)]);
    let d = inspect(&home, "example.com/docker25:1");
    assert_eq!(d["manifest_digest"], img.manifest_digest.as_str());

    // Classic docker save, gzip layers inside (docker load accepts them), the whole
    // archive gzip-compressed (docker save | gzip), manifest.json first.
    let tar = tar_of(&[
        docker_manifest(
            "config.json",
            "example.com/gz:1",
            &["a/layer.tar", "b/layer.tar"],
        ),
        ("config.json".into(), img.config.clone()),
        ("a/VERSION".into(), b"1.0".to_vec()),
        ("a/layer.tar".into(), img.layers[0].gzip.clone()),
        ("b/layer.tar".into(), img.layers[1].tar.clone()),
    ]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar).unwrap();
    let gz_path = tmp.path().join("saved.tar.gz");
    std::fs::write(&gz_path, gz.finish().unwrap()).unwrap();
    ok(&home, &["import", p(&gz_path)]);
    let d = inspect(&home, "example.com/gz:1");
    assert_eq!(diff_ids(&d), diffs);
    assert_eq!(d["id"], img.config_digest.as_str());
    assert_eq!(
        d["layers"][0]["media_type"],
        "application/vnd.oci.image.layer.v1.tar+gzip"
    );
    assert_eq!(d["layers"][0]["digest"], img.layers[0].digest.as_str());
    assert_eq!(
        d["layers"][1]["media_type"],
        "application/vnd.oci.image.layer.v1.tar"
    );

    // Docker schema 2 media types in an OCI layout (what `skopeo copy --format v2s2` or a
    // registry pull keeps) read the same way.
    let docker_img = Image::builder()
        .layer(img.layers[0].clone())
        .format(strata_testkit::fixtures::Format::Docker)
        .build();
    import_image(
        &home,
        &tmp.path().join("v2s2"),
        &docker_img,
        "example.com/v2s2:1",
    );
    let d = inspect(&home, "example.com/v2s2:1");
    assert_eq!(
        d["media_type"],
        "application/vnd.docker.distribution.manifest.v2+json"
    );
    assert_eq!(diff_ids(&d), vec![diffs[0].clone()]);
    // Exported as a docker archive, it is plain docker save again.
    let out = tmp.path().join("v2s2.tar");
    ok(&home, &["export", "example.com/v2s2:1", p(&out)]);
    assert!(store_state(&home).1, "fsck is clean after all of that");
}

#[test]
fn killing_an_import_at_any_point_leaves_no_half_image() {
    let (tmp, home) = scratch();
    let img = random_image(3, &[6 << 20, 6 << 20]);
    let file = tmp.path().join("big.tar");
    std::fs::write(&file, oci_archive(&img, "example.com/killed:1", |_| {})).unwrap();

    // Kill after various delays: before, during and (maybe) after the blobs stream.
    for delay_ms in [0u64, 5, 20, 60, 150] {
        let mut child = strata_cmd(&home, &["import", p(&file)])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let status = child.wait().unwrap();
        let (names, clean) = store_state(&home);
        assert!(clean, "fsck after a kill at {delay_ms} ms");
        if status.success() {
            // It finished before the kill: then the image is whole.
            assert_eq!(names, ["example.com/killed:1"]);
            ok(&home, &["inspect", "example.com/killed:1"]);
            std::fs::remove_dir_all(&home).unwrap();
        } else {
            assert!(
                names.is_empty(),
                "no name after a kill at {delay_ms} ms: {names:?}"
            );
        }
    }
}

#[test]
fn a_cancelled_export_leaves_no_file_behind() {
    let (tmp, home) = scratch();
    let img = random_image(5, &[4 << 20, 4 << 20]);
    import_image(&home, &tmp.path().join("layout"), &img, "example.com/big:1");
    let store = Store::open(&home).unwrap();
    let out_dir = tmp.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();

    for format in [
        image::ExportFormat::Docker,
        image::ExportFormat::Oci,
        image::ExportFormat::OciDir,
    ] {
        let cancel = CancellationToken::new();
        let progress = |_: Unit| cancel.cancel();
        let dest = out_dir.join("export");
        let err = image::export(
            &store,
            "example.com/big:1",
            &dest,
            &image::ExportOptions {
                format,
                platform: None,
                overwrite: false,
            },
            TaskCtx::new(&progress, &cancel),
        )
        .unwrap_err();
        assert!(matches!(err, ImageError::Cancelled), "{format:?}: {err}");
        let left: Vec<_> = std::fs::read_dir(&out_dir).unwrap().collect();
        assert!(left.is_empty(), "{format:?} left {left:?}");
    }
}

/// A layout folder is read inside itself only: a blob that is a symlink to a host file
/// (here one with exactly the bytes the manifest names, so no digest check would stop it)
/// is not followed, a `dir:` version file linking to a secret is not quoted, and a FIFO
/// where a document should be is refused at once instead of waiting for a writer for ever.
#[test]
fn a_layout_folder_never_reads_outside_itself_nor_waits_on_a_fifo() {
    let (tmp, home) = scratch();
    let img = fixture();
    let layout = write_layout(&tmp.path().join("layout"), &img, FIXTURE);
    let layer = &img.layers[0];
    let hex = layer.digest.trim_start_matches("sha256:");
    let host_file = tmp.path().join("host-secret");
    std::fs::write(&host_file, &layer.gzip).unwrap();
    let blob = layout.join("blobs/sha256").join(hex);
    std::fs::remove_file(&blob).unwrap();
    std::os::unix::fs::symlink(&host_file, &blob).unwrap();
    let err = fails(&home, &["import", p(&layout)]);
    assert!(err.contains(hex), "the missing blob is named: {err}");
    assert_eq!(
        store_state(&home).0,
        Vec::<String>::new(),
        "an image was named"
    );

    // skopeo's dir: whose version file links to a secret: not read, not quoted.
    let dir = tmp.path().join("dir");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("manifest.json"), &img.manifest).unwrap();
    let secret = tmp.path().join("id_rsa");
    std::fs::write(&secret, "TOPSECRET-key-material").unwrap();
    std::os::unix::fs::symlink(&secret, dir.join("version")).unwrap();
    let out = strata(&home, &["import", p(&dir)]);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!text.contains("TOPSECRET"), "{text}");

    // A FIFO for oci-layout: refused within seconds.
    let fifo_layout = write_layout(&tmp.path().join("fifo"), &img, FIXTURE);
    std::fs::remove_file(fifo_layout.join("oci-layout")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(fifo_layout.join("oci-layout"))
        .status()
        .unwrap();
    assert!(made.success());
    let started = std::time::Instant::now();
    let mut child = strata_cmd(&home, &["import", p(&fifo_layout)])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > std::time::Duration::from_secs(20) {
            let _ = child.kill();
            panic!("the import waited on the FIFO");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(!status.success());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(err.contains("oci-layout"), "{err}");
}

/// A small gzip holding one tar entry with a 64 MiB GNU long name: refused by `import` and
/// `import-rootfs` at the 1 MiB header limit, instead of read into memory whole (a 1 MB
/// file of a 1 GiB name peaked at 3.6 GB, and `import-rootfs` stored it).
#[test]
fn a_long_name_bomb_is_refused_at_the_header_limit() {
    let (tmp, home) = scratch();
    let mut tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(1);
    header.set_mode(0o644);
    let name = format!("{}/f", "a".repeat(64 << 20));
    tar.append_data(&mut header, &name, &b"x"[..]).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar.into_inner().unwrap()).unwrap();
    let bomb = tmp.path().join("bomb.tar.gz");
    std::fs::write(&bomb, gz.finish().unwrap()).unwrap();
    assert!(std::fs::metadata(&bomb).unwrap().len() < 1 << 20);
    for args in [
        vec!["import", p(&bomb)],
        vec!["import-rootfs", p(&bomb), "--tag", "localhost/bomb:1"],
    ] {
        let err = fails(&home, &args);
        assert!(err.contains("header"), "{args:?}: {err}");
    }
    assert_eq!(
        store_state(&home).0,
        Vec::<String>::new(),
        "an image was named"
    );
}

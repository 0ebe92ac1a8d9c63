//! Interoperability with the real peers: what `skopeo` writes (`docker-archive:`, `oci:`,
//! `oci-archive:`) strata imports with the same layer diff_ids (and, for OCI, the same
//! digests); what strata exports `skopeo inspect` reads with the same diff_ids and
//! `umoci unpack` unpacks with the right file contents.
//!
//! skopeo and umoci must be installed (the Makefile installs them): these tests fail, they
//! do not skip, when one is missing.

mod support;

use std::path::{Path, PathBuf};

use strata_testkit::fixtures::{Entry, Image, Layer, OciLayout};
use support::*;

fn fixture() -> Image {
    Image::builder()
        .layer(
            Layer::build(&[
                Entry::dir("etc"),
                Entry::file("etc/motd", "hello from the base layer\n"),
                Entry::file("etc/gone", "deleted above\n"),
            ])
            .unwrap(),
        )
        .layer(
            Layer::build(&[
                Entry::dir("etc"),
                Entry::file("etc/motd", "the top layer wins\n"),
                Entry::whiteout("etc/gone"),
                Entry::dir("srv"),
                Entry::file("srv/data.txt", "x".repeat(10_000)),
            ])
            .unwrap(),
        )
        .cmd(&["/bin/sh"])
        .build()
}

/// Exports `name` from the store at `home` as an OCI layout below `scratch` and unpacks it
/// there with umoci; returns the unpacked root.
fn unpack_with_umoci(home: &Path, name: &str, scratch: &Path) -> PathBuf {
    let dir = scratch.join("layout");
    ok(home, &["export", name, p(&dir), "--format", "oci-dir"]);
    let bundle = scratch.join("bundle");
    let image = format!("{}:{name}", p(&dir));
    peer(
        "umoci",
        &["unpack", "--rootless", "--image", &image, p(&bundle)],
    );
    bundle.join("rootfs")
}

#[test]
fn what_skopeo_writes_strata_imports_with_the_same_digests() {
    let tmp = tempfile::tempdir().unwrap();
    let img = fixture();
    let src = write_layout(&tmp.path().join("src"), &img, "v1");
    let src_ref = format!("oci:{}:v1", p(&src));
    let home = tmp.path().join("home");

    // docker-archive: uncompressed layers whose digests are the diff_ids.
    let archive = tmp.path().join("docker.tar");
    skopeo(&[
        "copy",
        &src_ref,
        &format!("docker-archive:{}:example.com/app:1", p(&archive)),
    ]);
    let out = ok(&home, &["import", p(&archive)]);
    assert!(out.contains("example.com/app:1"), "{out}");
    let d = inspect(&home, "example.com/app:1");
    assert_eq!(diff_ids(&d), diff_ids_of(&img));
    assert_eq!(layer_digests(&d), diff_ids_of(&img));
    assert_eq!(d["config"]["cmd"][0], "/bin/sh");

    // oci-archive and oci: every blob as skopeo wrote it, manifest included.
    let oci_archive = tmp.path().join("oci.tar");
    skopeo(&[
        "copy",
        &src_ref,
        &format!("oci-archive:{}:v1", p(&oci_archive)),
    ]);
    ok(
        &home,
        &[
            "import",
            p(&oci_archive),
            "--tag",
            "example.com/app:oci-archive",
        ],
    );
    let oci_dir = tmp.path().join("oci-dir");
    skopeo(&[
        "copy",
        &src_ref,
        &format!("oci:{}:example.com/app:oci", p(&oci_dir)),
    ]);
    ok(&home, &["import", p(&oci_dir)]);
    let layers = digests_of(&img);
    for name in ["example.com/app:oci-archive", "example.com/app:oci"] {
        let d = inspect(&home, name);
        assert_eq!(d["manifest_digest"], img.manifest_digest.as_str(), "{name}");
        assert_eq!(layer_digests(&d), layers, "{name}");
        assert_eq!(diff_ids(&d), diff_ids_of(&img), "{name}");
    }

    // The store itself is an OCI layout skopeo reads as it is.
    let raw = skopeo(&[
        "inspect",
        "--raw",
        &format!("oci:{}:example.com/app:oci", p(&home)),
    ]);
    let manifest = parse_json(&raw);
    assert_eq!(
        manifest["layers"][0]["digest"],
        img.layers[0].digest.as_str()
    );
}

#[test]
fn what_strata_exports_skopeo_inspects_and_umoci_unpacks() {
    let tmp = tempfile::tempdir().unwrap();
    let img = fixture();
    let home = tmp.path().join("home");
    import_image(&home, &tmp.path().join("src"), &img, "example.com/app:1");

    // docker-archive: skopeo sees the same config (diff_ids) and one layer per diff_id.
    let docker = tmp.path().join("docker.tar");
    ok(&home, &["export", "example.com/app:1", p(&docker)]);
    let docker_ref = format!("docker-archive:{}", p(&docker));
    let config = skopeo_json(&["inspect", "--config", &docker_ref]);
    assert_eq!(strings(&config["rootfs"]["diff_ids"]), diff_ids_of(&img));
    let info = skopeo_json(&["inspect", &docker_ref]);
    assert_eq!(strings(&info["Layers"]), diff_ids_of(&img));
    // And skopeo can copy it on, which reads every layer.
    let copied = tmp.path().join("copied");
    skopeo(&["copy", &docker_ref, &format!("oci:{}:x", p(&copied))]);

    // oci-archive: the same manifest digest as the store's.
    let oci = tmp.path().join("oci.tar");
    ok(
        &home,
        &["export", "example.com/app:1", p(&oci), "--format", "oci"],
    );
    let oci_ref = format!("oci-archive:{}", p(&oci));
    let info = skopeo_json(&["inspect", &oci_ref]);
    assert_eq!(info["Digest"], img.manifest_digest.as_str());
    let config = skopeo_json(&["inspect", "--config", &oci_ref]);
    assert_eq!(
        config["rootfs"]["diff_ids"][1],
        img.layers[1].diff_id.as_str()
    );

    // oci-dir: umoci unpacks it, applying the whiteout and the top layer's change.
    let rootfs = unpack_with_umoci(&home, "example.com/app:1", tmp.path());
    assert_eq!(
        std::fs::read_to_string(rootfs.join("etc/motd")).unwrap(),
        "the top layer wins\n"
    );
    assert_eq!(
        std::fs::read_to_string(rootfs.join("srv/data.txt")).unwrap(),
        "x".repeat(10_000)
    );
    assert!(
        !rootfs.join("etc/gone").exists(),
        "the whiteout was applied"
    );
}

#[test]
fn an_image_made_by_import_rootfs_unpacks_with_umoci() {
    let (tmp, home) = scratch();
    let root = tmp.path().join("rootfs");
    std::fs::create_dir_all(root.join("usr/share")).unwrap();
    std::fs::write(root.join("usr/share/greeting"), "made by import-rootfs\n").unwrap();
    std::os::unix::fs::symlink("share/greeting", root.join("usr/greeting")).unwrap();
    ok(
        &home,
        &[
            "import-rootfs",
            p(&root),
            "--tag",
            "example.com/rootfs:1",
            "-m",
            "from a folder",
        ],
    );
    let rootfs = unpack_with_umoci(&home, "example.com/rootfs:1", tmp.path());
    assert_eq!(
        std::fs::read_to_string(rootfs.join("usr/share/greeting")).unwrap(),
        "made by import-rootfs\n"
    );
    assert_eq!(
        std::fs::read_link(rootfs.join("usr/greeting")).unwrap(),
        Path::new("share/greeting")
    );
}

#[test]
fn multi_platform_index_through_skopeo() {
    let tmp = tempfile::tempdir().unwrap();
    let index = with_arm64(fixture());
    let src = tmp.path().join("src");
    OciLayout::create(&src)
        .unwrap()
        .add_index(&index, "multi")
        .unwrap();

    // skopeo --all keeps the index; strata imports it whole.
    let archive = tmp.path().join("multi.tar");
    skopeo(&[
        "copy",
        "--all",
        &format!("oci:{}:multi", p(&src)),
        &format!("oci-archive:{}:multi", p(&archive)),
    ]);
    let home = tmp.path().join("home");
    ok(
        &home,
        &["import", p(&archive), "--tag", "example.com/multi:1"],
    );
    let d = inspect(&home, "example.com/multi:1");
    assert_eq!(d["index_digest"], index.digest.as_str());
    assert_eq!(d["platforms"].as_array().unwrap().len(), 2);

    // strata's OCI export keeps it whole for skopeo too.
    let out = tmp.path().join("out.tar");
    ok(
        &home,
        &["export", "example.com/multi:1", p(&out), "--format", "oci"],
    );
    let raw = skopeo_json(&["inspect", "--raw", &format!("oci-archive:{}", p(&out))]);
    assert_eq!(raw["manifests"].as_array().unwrap().len(), 2);
    let arm = &index.images[1];
    assert_eq!(raw["manifests"][1]["digest"], arm.manifest_digest.as_str());
}

#[test]
fn what_skopeo_writes_as_dir_strata_imports_with_the_same_digests() {
    let tmp = tempfile::tempdir().unwrap();
    let img = fixture();
    let src = write_layout(&tmp.path().join("src"), &img, "v1");
    let home = tmp.path().join("home");

    // oci: → dir: keeps every blob and the manifest as they are.
    let dir = tmp.path().join("x");
    skopeo(&[
        "copy",
        &format!("oci:{}:v1", p(&src)),
        &format!("dir:{}", p(&dir)),
    ]);
    assert!(std::fs::read_to_string(dir.join("version"))
        .unwrap()
        .starts_with("Directory Transport Version: 1."));
    let out = json(
        &home,
        &["import", p(&dir), "--tag", "example.com/dir:1", "--json"],
    );
    assert_eq!(out["format"], "dir");
    assert_eq!(out["images"][0]["digest"], img.manifest_digest.as_str());
    let d = inspect(&home, "example.com/dir:1");
    assert_eq!(diff_ids(&d), diff_ids_of(&img));
    assert_eq!(
        layer_digests(&manifest(&home, "example.com/dir:1")),
        digests_of(&img)
    );

    // docker-archive: → dir: is a docker v2s2 manifest over the same config.
    let archive = tmp.path().join("d.tar");
    skopeo(&[
        "copy",
        &format!("oci:{}:v1", p(&src)),
        &format!("docker-archive:{}:example.com/app:1", p(&archive)),
    ]);
    let dir2 = tmp.path().join("x2");
    skopeo(&[
        "copy",
        &format!("docker-archive:{}", p(&archive)),
        &format!("dir:{}", p(&dir2)),
    ]);
    let want = skopeo_json(&["inspect", "--raw", &format!("dir:{}", p(&dir2))]);
    ok(&home, &["import", p(&dir2), "--tag", "example.com/dir:2"]);
    let d = inspect(&home, "example.com/dir:2");
    assert_eq!(diff_ids(&d), diff_ids_of(&img));
    assert_eq!(d["id"], img.config_digest.as_str());
    assert_eq!(
        layer_digests(&manifest(&home, "example.com/dir:2")),
        layer_digests(&want)
    );

    // Without --tag: a dir: carries no name, and the error says so.
    let err = fails(&home, &["import", p(&dir)]);
    assert!(err.contains("no name"), "{err}");
}

#[test]
fn hostile_dir_folders_are_refused_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let img = fixture();
    let src = write_layout(&tmp.path().join("src"), &img, "v1");
    let home = tmp.path().join("home");
    let good = tmp.path().join("good");
    skopeo(&[
        "copy",
        &format!("oci:{}:v1", p(&src)),
        &format!("dir:{}", p(&good)),
    ]);
    let manifest_json = std::fs::read_to_string(good.join("manifest.json")).unwrap();
    let copy = |name: &str| {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for e in std::fs::read_dir(&good).unwrap().flatten() {
            std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
        }
        dir
    };
    let layer_hex = img.layers[0]
        .digest
        .trim_start_matches("sha256:")
        .to_string();

    // A missing blob.
    let missing = copy("missing");
    std::fs::remove_file(missing.join(&layer_hex)).unwrap();
    let err = fails(&home, &["import", p(&missing), "--tag", "example.com/h:1"]);
    assert!(err.contains(&layer_hex) && err.contains("missing"), "{err}");

    // A blob named `../…`: never a path; a manifest whose digest does not parse.
    let climbing = copy("climbing");
    let evil = manifest_json.replace(
        &format!("sha256:{layer_hex}"),
        "sha256:../../../../etc/passwd",
    );
    std::fs::write(climbing.join("manifest.json"), evil).unwrap();
    let err = fails(&home, &["import", p(&climbing), "--tag", "example.com/h:2"]);
    assert!(!err.contains("root:"), "{err}");
    assert!(err.contains("not a valid image manifest"), "{err}");
    // What is wrong, not only that something is.
    assert!(!err.contains("serde failed"), "{err}");
    assert!(err.contains("line ") && err.contains("column "), "{err}");

    // A blob that is not what its name says.
    let swapped = copy("swapped");
    std::fs::write(swapped.join(&layer_hex), b"not the layer").unwrap();
    let err = fails(&home, &["import", p(&swapped), "--tag", "example.com/h:3"]);
    assert!(
        err.contains(&layer_hex) && err.contains("does not match"),
        "{err}"
    );

    // None of the formats: the error lists them.
    let other = tmp.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("README"), "hello").unwrap();
    let err = fails(&home, &["import", p(&other)]);
    assert!(
        err.contains("not a docker archive, an OCI layout or a skopeo dir:")
            && err.contains("expected one of"),
        "{err}"
    );
    let file = tmp.path().join("plain.txt");
    std::fs::write(&file, "just text, no tar").unwrap();
    let err = fails(&home, &["import", p(&file)]);
    assert!(err.contains("expected one of"), "{err}");

    // Nothing got a name.
    assert!(fails(&home, &["inspect", "example.com/h:1"]).contains("no image"));
}

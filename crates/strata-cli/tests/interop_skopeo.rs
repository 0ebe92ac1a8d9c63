//! Interoperability with the real peers: what `skopeo` writes (`docker-archive:`, `oci:`,
//! `oci-archive:`) strata imports with the same layer diff_ids (and, for OCI, the same
//! digests); what strata exports `skopeo inspect` reads with the same diff_ids and
//! `umoci unpack` unpacks with the right file contents.
//!
//! skopeo and umoci must be installed (the Makefile installs them): these tests fail, they
//! do not skip, when one is missing.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use strata_testkit::fixtures::{Entry, Image, Index, Layer, OciLayout};

fn tool(name: &str) -> Command {
    let path = format!("/usr/bin/{name}");
    assert!(
        Path::new(&path).exists(),
        "{name} is required by this test but {path} is missing: install it (make deps, or apt-get install {name})"
    );
    let mut cmd = Command::new(path);
    // skopeo writes temporary files for oci-archive; keep them with the test's own.
    cmd.env("TMPDIR", std::env::temp_dir());
    cmd
}

fn run(mut cmd: Command) -> String {
    let out: Output = cmd.output().expect("start the tool");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn skopeo(args: &[&str]) -> String {
    let mut cmd = tool("skopeo");
    cmd.args([
        "--insecure-policy",
        "--override-os",
        "linux",
        "--override-arch",
        "amd64",
    ]);
    cmd.args(args);
    run(cmd)
}

fn strata(home: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
    cmd.arg("--home").arg(home).args(args);
    run(cmd)
}

fn inspect(home: &Path, name: &str) -> Value {
    serde_json::from_str(&strata(home, &["inspect", name, "--json"])).unwrap()
}

fn field(v: &Value, list: &str, key: &str) -> Vec<String> {
    v[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l[key].as_str().unwrap().to_string())
        .collect()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

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

fn diff_ids(img: &Image) -> Vec<String> {
    img.layers.iter().map(|l| l.diff_id.clone()).collect()
}

#[test]
fn what_skopeo_writes_strata_imports_with_the_same_digests() {
    let tmp = tempfile::tempdir().unwrap();
    let img = fixture();
    let src = tmp.path().join("src");
    OciLayout::create(&src)
        .unwrap()
        .add_image(&img, "v1")
        .unwrap();
    let src_ref = format!("oci:{}:v1", p(&src));
    let home = tmp.path().join("home");

    // docker-archive: uncompressed layers whose digests are the diff_ids.
    let archive = tmp.path().join("docker.tar");
    skopeo(&[
        "copy",
        &src_ref,
        &format!("docker-archive:{}:example.com/app:1", p(&archive)),
    ]);
    let out = strata(&home, &["import", p(&archive)]);
    assert!(out.contains("example.com/app:1"), "{out}");
    let d = inspect(&home, "example.com/app:1");
    assert_eq!(field(&d, "layers", "diff_id"), diff_ids(&img));
    assert_eq!(field(&d, "layers", "digest"), diff_ids(&img));
    assert_eq!(d["config"]["cmd"][0], "/bin/sh");

    // oci-archive and oci: every blob as skopeo wrote it, manifest included.
    let oci_archive = tmp.path().join("oci.tar");
    skopeo(&[
        "copy",
        &src_ref,
        &format!("oci-archive:{}:v1", p(&oci_archive)),
    ]);
    strata(
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
    strata(&home, &["import", p(&oci_dir)]);
    let layers: Vec<String> = img.layers.iter().map(|l| l.digest.clone()).collect();
    for name in ["example.com/app:oci-archive", "example.com/app:oci"] {
        let d = inspect(&home, name);
        assert_eq!(d["manifest_digest"], img.manifest_digest.as_str(), "{name}");
        assert_eq!(field(&d, "layers", "digest"), layers, "{name}");
        assert_eq!(field(&d, "layers", "diff_id"), diff_ids(&img), "{name}");
    }

    // The store itself is an OCI layout skopeo reads as it is.
    let raw = skopeo(&[
        "inspect",
        "--raw",
        &format!("oci:{}:example.com/app:oci", p(&home)),
    ]);
    let manifest: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(
        manifest["layers"][0]["digest"],
        img.layers[0].digest.as_str()
    );
}

#[test]
fn what_strata_exports_skopeo_inspects_and_umoci_unpacks() {
    let tmp = tempfile::tempdir().unwrap();
    let img = fixture();
    let src = tmp.path().join("src");
    OciLayout::create(&src)
        .unwrap()
        .add_image(&img, "example.com/app:1")
        .unwrap();
    let home = tmp.path().join("home");
    strata(&home, &["import", p(&src)]);

    // docker-archive: skopeo sees the same config (diff_ids) and one layer per diff_id.
    let docker = tmp.path().join("docker.tar");
    strata(&home, &["export", "example.com/app:1", p(&docker)]);
    let config: Value = serde_json::from_str(&skopeo(&[
        "inspect",
        "--config",
        &format!("docker-archive:{}", p(&docker)),
    ]))
    .unwrap();
    let ids: Vec<String> = config["rootfs"]["diff_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, diff_ids(&img));
    let info: Value = serde_json::from_str(&skopeo(&[
        "inspect",
        &format!("docker-archive:{}", p(&docker)),
    ]))
    .unwrap();
    let layers: Vec<String> = info["Layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(layers, diff_ids(&img));
    // And skopeo can copy it on, which reads every layer.
    let copied = tmp.path().join("copied");
    skopeo(&[
        "copy",
        &format!("docker-archive:{}", p(&docker)),
        &format!("oci:{}:x", p(&copied)),
    ]);

    // oci-archive: the same manifest digest as the store's.
    let oci = tmp.path().join("oci.tar");
    strata(
        &home,
        &["export", "example.com/app:1", p(&oci), "--format", "oci"],
    );
    let info: Value =
        serde_json::from_str(&skopeo(&["inspect", &format!("oci-archive:{}", p(&oci))])).unwrap();
    assert_eq!(info["Digest"], img.manifest_digest.as_str());
    let config: Value = serde_json::from_str(&skopeo(&[
        "inspect",
        "--config",
        &format!("oci-archive:{}", p(&oci)),
    ]))
    .unwrap();
    assert_eq!(
        config["rootfs"]["diff_ids"][1],
        img.layers[1].diff_id.as_str()
    );

    // oci-dir: umoci unpacks it, applying the whiteout and the top layer's change.
    let dir = tmp.path().join("layout");
    strata(
        &home,
        &[
            "export",
            "example.com/app:1",
            p(&dir),
            "--format",
            "oci-dir",
        ],
    );
    let bundle = tmp.path().join("bundle");
    let mut umoci = tool("umoci");
    umoci
        .args(["unpack", "--rootless", "--image"])
        .arg(format!("{}:example.com/app:1", p(&dir)))
        .arg(&bundle);
    run(umoci);
    let rootfs = bundle.join("rootfs");
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
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let root = tmp.path().join("rootfs");
    std::fs::create_dir_all(root.join("usr/share")).unwrap();
    std::fs::write(root.join("usr/share/greeting"), "made by import-rootfs\n").unwrap();
    std::os::unix::fs::symlink("share/greeting", root.join("usr/greeting")).unwrap();
    strata(
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
    let dir = tmp.path().join("layout");
    strata(
        &home,
        &[
            "export",
            "example.com/rootfs:1",
            p(&dir),
            "--format",
            "oci-dir",
        ],
    );
    let bundle = tmp.path().join("bundle");
    let mut umoci = tool("umoci");
    umoci
        .args(["unpack", "--rootless", "--image"])
        .arg(format!("{}:example.com/rootfs:1", p(&dir)))
        .arg(&bundle);
    run(umoci);
    let rootfs = bundle.join("rootfs");
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
    let amd = fixture();
    let arm = Image::builder()
        .layer(Layer::build(&[Entry::file("arch", "arm64\n")]).unwrap())
        .platform("linux/arm64/v8")
        .build();
    let index = Index::build(vec![amd.clone(), arm.clone()]);
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
    strata(
        &home,
        &["import", p(&archive), "--tag", "example.com/multi:1"],
    );
    let d = inspect(&home, "example.com/multi:1");
    assert_eq!(d["index_digest"], index.digest.as_str());
    assert_eq!(d["platforms"].as_array().unwrap().len(), 2);

    // strata's OCI export keeps it whole for skopeo too.
    let out = tmp.path().join("out.tar");
    strata(
        &home,
        &["export", "example.com/multi:1", p(&out), "--format", "oci"],
    );
    let raw: Value = serde_json::from_str(&skopeo(&[
        "inspect",
        "--raw",
        &format!("oci-archive:{}", p(&out)),
    ]))
    .unwrap();
    assert_eq!(raw["manifests"].as_array().unwrap().len(), 2);
    assert_eq!(raw["manifests"][1]["digest"], arm.manifest_digest.as_str());
}

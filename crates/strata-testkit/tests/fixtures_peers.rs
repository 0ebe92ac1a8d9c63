//! Fixtures read by the real peers: skopeo copies an OCI layout (one image and a
//! multi-platform index) into the registry with the same digests, reads back a Docker
//! schema 2 image, and umoci unpacks a layout with whiteouts applied.

mod support;

use std::path::Path;
use std::process::Command;

use strata_testkit::fixtures::{Entry, Format, Image, Index, Layer, OciLayout};
use strata_testkit::registry::{Auth, Registry};
use support::{request, upload_blob, Cred};

fn peer(binary: &str) -> Command {
    assert!(
        Path::new(binary).exists(),
        "{binary} is not installed; run `make deps` (Debian: apt-get install skopeo umoci)"
    );
    Command::new(binary)
}

fn run(mut command: Command) -> String {
    let out = command.output().expect("peer runs");
    assert!(
        out.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn two_layer_image() -> Image {
    let base = Layer::build(&[
        Entry::dir("etc"),
        Entry::file("etc/motd", "base\n"),
        Entry::file("etc/old", "to be removed\n"),
        Entry::dir("var"),
        Entry::file("var/cache", "cached\n"),
    ])
    .expect("base layer");
    let top = Layer::build(&[
        Entry::whiteout("etc/old"),
        Entry::opaque("var"),
        Entry::file("var/fresh", "fresh\n"),
        Entry::hardlink("etc/motd-link", "etc/motd"),
        Entry::symlink("etc/greeting", "motd"),
    ])
    .expect("top layer");
    Image::builder()
        .layer(base)
        .layer(top)
        .cmd(&["/bin/sh"])
        .build()
}

#[test]
fn skopeo_copies_a_layout_image_and_index_with_the_same_digests() {
    let registry = Registry::start(Auth::None).expect("registry starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let image = two_layer_image();
    let arm = Image::builder()
        .layer(Layer::build(&[Entry::file("arch", "arm64\n")]).expect("layer"))
        .platform("linux/arm64/v8")
        .build();
    let index = Index::build(vec![image.clone(), arm]);
    let docker = Image::builder()
        .layer(Layer::build(&[Entry::file("fmt", "docker\n")]).expect("layer"))
        .format(Format::Docker)
        .build();
    let mut layout = OciLayout::create(dir.path()).expect("layout");
    layout.add_image(&image, "single").expect("add image");
    layout.add_index(&index, "multi").expect("add index");

    let raw = run({
        let mut c = peer("/usr/bin/skopeo");
        c.arg("inspect")
            .arg("--raw")
            .arg(format!("oci:{}:single", dir.path().display()));
        c
    });
    assert_eq!(raw.as_bytes(), image.manifest.as_slice());

    for (tag, digest, media_type) in [
        ("single", &image.manifest_digest, image.manifest_media_type),
        ("multi", &index.digest, index.media_type),
    ] {
        run({
            let mut c = peer("/usr/bin/skopeo");
            c.args(["--insecure-policy", "copy", "--all", "--preserve-digests"])
                .arg("--dest-tls-verify=false")
                .arg(format!("oci:{}:{tag}", dir.path().display()))
                .arg(format!("docker://{}/fixtures/app:{tag}", registry.host()));
            c
        });
        let got = request(
            "HEAD",
            &format!("{}/v2/fixtures/app/manifests/{tag}", registry.url()),
            &Cred::None,
            &[("Accept", media_type)],
            None,
        );
        assert_eq!(got.status, 200, "{tag}");
        assert_eq!(
            got.header("Docker-Content-Digest"),
            Some(digest.as_str()),
            "{tag}"
        );
    }
    // skopeo 1.9 ignores index.json entries with Docker media types, so a Docker-format
    // image goes in over HTTP and skopeo reads it back from the registry.
    for (digest, bytes) in docker.blobs() {
        assert_eq!(
            upload_blob(&registry.url(), "fixtures/docker", bytes, &Cred::None),
            201,
            "{digest}"
        );
    }
    let put = request(
        "PUT",
        &format!("{}/v2/fixtures/docker/manifests/v1", registry.url()),
        &Cred::None,
        &[("Content-Type", docker.manifest_media_type)],
        Some(&docker.manifest),
    );
    assert_eq!(put.status, 201, "{}", String::from_utf8_lossy(&put.body));
    let raw = run({
        let mut c = peer("/usr/bin/skopeo");
        c.args(["inspect", "--raw", "--tls-verify=false"])
            .arg(format!("docker://{}/fixtures/docker:v1", registry.host()));
        c
    });
    assert_eq!(raw.as_bytes(), docker.manifest.as_slice());

    // The arm64 image of the index arrived too.
    let arm_digest = &index.images[1].manifest_digest;
    let arm_url = format!("{}/v2/fixtures/app/manifests/{arm_digest}", registry.url());
    let accept = [("Accept", index.images[1].manifest_media_type)];
    assert_eq!(
        request("HEAD", &arm_url, &Cred::None, &accept, None).status,
        200
    );
}

#[test]
fn umoci_unpacks_a_layout_image_with_whiteouts_applied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let layout_dir = dir.path().join("layout");
    let mut layout = OciLayout::create(&layout_dir).expect("layout");
    layout.add_image(&two_layer_image(), "v1").expect("add");
    let bundle = dir.path().join("bundle");
    run({
        let mut c = peer("/usr/bin/umoci");
        c.args(["unpack", "--rootless", "--image"])
            .arg(format!("{}:v1", layout_dir.display()))
            .arg(&bundle);
        c
    });
    let rootfs = bundle.join("rootfs");
    let read = |p: &str| std::fs::read_to_string(rootfs.join(p)).ok();
    assert_eq!(read("etc/motd").as_deref(), Some("base\n"));
    assert_eq!(read("etc/motd-link").as_deref(), Some("base\n"));
    assert_eq!(
        read("etc/greeting").as_deref(),
        Some("base\n"),
        "symlink resolves"
    );
    assert_eq!(read("etc/old"), None, "whiteout removed it");
    assert_eq!(read("var/cache"), None, "opaque directory hid it");
    assert_eq!(read("var/fresh").as_deref(), Some("fresh\n"));
}

//! What a push sends of each layer, as a new user sees it: `docker save` (here skopeo's
//! `docker-archive:`, the same format) → `strata import` keeps the layers as plain tars →
//! `strata push` sends them gzipped, as docker and skopeo do, and skopeo and umoci read the
//! pushed image back with the right files. A second push of the same layers compresses
//! nothing again (the store keeps the compressed variant) and mounts them; `--compression
//! zstd` and `none` send what they say; gc keeps a variant as long as its layer.

mod support;

use std::path::Path;

use serde_json::Value;
use strata_testkit::fixtures::{Entry, Image, Layer};
use strata_testkit::forward::ForwardProxy;
use support::*;

fn fixture() -> Image {
    Image::builder()
        .layer(
            Layer::build(&[
                Entry::dir("etc"),
                Entry::file("etc/motd", "hello from the base layer\n"),
                // Compressible, so that gzip visibly shrinks it, and over 4 MiB, so that
                // it is compressed in several blocks (gzip members) on every core.
                Entry::file("etc/words", "strata layers ".repeat(300_000)),
            ])
            .unwrap(),
        )
        .layer(
            Layer::build(&[
                Entry::dir("etc"),
                Entry::file("etc/motd", "the top layer wins\n"),
            ])
            .unwrap(),
        )
        .cmd(&["/bin/sh"])
        .build()
}

/// Imports the fixture the way a user brings a `docker save` archive in.
fn import_docker_archive(home: &Path, scratch: &Path) -> Value {
    let layout = write_layout(&scratch.join("src"), &fixture(), "v1");
    let archive = scratch.join("saved.tar");
    skopeo(&[
        "copy",
        &format!("oci:{}:v1", p(&layout)),
        &format!("docker-archive:{}:example.com/app:1", p(&archive)),
    ]);
    ok(home, &["import", p(&archive)]);
    let d = inspect(home, "example.com/app:1");
    for layer in d["layers"].as_array().unwrap() {
        assert!(
            layer["media_type"].as_str().unwrap().ends_with(".tar"),
            "the imported layers are plain tars: {layer}"
        );
    }
    d
}

/// The manifest the registry serves for `remote`, as skopeo reads it.
fn remote_manifest(remote: &str) -> Value {
    skopeo_json(&[
        "inspect",
        "--tls-verify=false",
        "--raw",
        &format!("docker://{remote}"),
    ])
}

/// The image config the registry serves for `remote`, as skopeo reads it.
fn remote_config(remote: &str) -> Value {
    skopeo_json(&[
        "inspect",
        "--tls-verify=false",
        "--config",
        &format!("docker://{remote}"),
    ])
}

fn layer_types(manifest: &Value) -> Vec<String> {
    pluck(&manifest["layers"], "mediaType")
}

/// The sum of the `size` of each descriptor in `layers`.
fn total_size(layers: &Value) -> u64 {
    layers
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["size"].as_u64().unwrap())
        .sum()
}

fn variants(home: &Path) -> Value {
    let text = std::fs::read_to_string(home.join("compressed-variants.json")).unwrap_or_default();
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// How many gzip members a file holds (a reader that stops after the first would see
/// only the first MiB of a layer).
fn gzip_members(mut gz: &[u8]) -> usize {
    let mut n = 0;
    while !gz.is_empty() {
        let mut d = flate2::bufread::GzDecoder::new(gz);
        std::io::copy(&mut d, &mut std::io::sink()).unwrap();
        gz = d.into_inner();
        n += 1;
    }
    n
}

/// skopeo copies the image at `remote` (decompressing and checking every layer against its
/// diff_id), umoci unpacks the copy with the files of the top layer, and the system's gunzip
/// reads every pushed layer whole (all its members): each decompresses to its diff_id.
fn peers_read_it_whole(remote: &str, manifest: &Value, config: &Value, scratch: &Path) {
    let copied = scratch.join("copied");
    let _ = std::fs::remove_dir_all(&copied);
    skopeo(&[
        "copy",
        "--src-tls-verify=false",
        &format!("docker://{remote}"),
        &format!("oci:{}:x", p(&copied)),
    ]);
    let bundle = scratch.join("bundle");
    let _ = std::fs::remove_dir_all(&bundle);
    peer(
        "umoci",
        &[
            "unpack",
            "--rootless",
            "--image",
            &format!("{}:x", p(&copied)),
            p(&bundle),
        ],
    );
    let motd = std::fs::read_to_string(bundle.join("rootfs/etc/motd")).unwrap();
    assert_eq!(motd, "the top layer wins\n");
    let words = std::fs::read_to_string(bundle.join("rootfs/etc/words")).unwrap();
    assert_eq!(words.len(), "strata layers ".len() * 300_000);

    let raw = scratch.join("raw");
    let _ = std::fs::remove_dir_all(&raw);
    skopeo(&[
        "copy",
        "--src-tls-verify=false",
        &format!("docker://{remote}"),
        &format!("dir:{}", p(&raw)),
    ]);
    let diff_ids = strings(&config["rootfs"]["diff_ids"]);
    for (layer, diff_id) in manifest["layers"].as_array().unwrap().iter().zip(&diff_ids) {
        let digest = layer["digest"].as_str().unwrap();
        let blob = raw.join(digest.trim_start_matches("sha256:"));
        let out = std::process::Command::new("gzip")
            .arg("-dc")
            .arg(&blob)
            .output()
            .unwrap();
        assert!(out.status.success(), "gunzip refused {digest}");
        assert_eq!(
            &strata_core::digest::Digest::of(&out.stdout).to_string(),
            diff_id
        );
    }
    let big = raw.join(
        manifest["layers"][0]["digest"]
            .as_str()
            .unwrap()
            .trim_start_matches("sha256:"),
    );
    assert!(
        gzip_members(&std::fs::read(big).unwrap()) >= 4,
        "the 4 MiB layer is one gzip member per 1 MiB block"
    );
}

#[test]
fn a_docker_archive_is_pushed_gzipped_and_skopeo_and_umoci_read_it_back() {
    let registry = start_registry("none");
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let local = import_docker_archive(&home, tmp.path());
    let plain_sizes = total_size(&local["layers"]);

    let remote = format!("{}/team/app:1", registry.host());
    let pushed = json(&home, &["push", "example.com/app:1", &remote, "--json"]);
    let manifest = remote_manifest(&remote);
    assert_eq!(
        layer_types(&manifest),
        vec!["application/vnd.oci.image.layer.v1.tar+gzip"; 2],
        "{manifest}"
    );
    let sent = total_size(&manifest["layers"]);
    assert!(
        sent * 10 < plain_sizes,
        "gzip sent {sent} bytes of {plain_sizes}"
    );
    // The registry names what was pushed; the local image is unchanged (still plain tars).
    assert_eq!(pushed["digest"], manifest_digest_of(&remote));
    assert_eq!(
        inspect(&home, "example.com/app:1")["layers"],
        local["layers"]
    );
    // The diff_ids in the config are those of the uncompressed layers, as before.
    let config = remote_config(&remote);
    assert_eq!(
        diff_ids_of(&fixture()),
        strings(&config["rootfs"]["diff_ids"])
    );

    peers_read_it_whole(&remote, &manifest, &config, tmp.path());

    // The same layers to another repository: nothing compressed again (no new variant),
    // the blobs mounted from the first repository, the same manifest.
    let before = variants(&home);
    assert_eq!(before["variants"].as_object().map(|m| m.len()), Some(2));
    let other = format!("{}/other/app:1", registry.host());
    let again = json(&home, &["push", "example.com/app:1", &other, "--json"]);
    assert_eq!(variants(&home), before);
    assert_eq!(again["digest"], pushed["digest"]);
    assert_eq!(again["uploaded"], 0, "{again}");
    assert_eq!(
        again["mounted"], 3,
        "config and both layers mounted: {again}"
    );
}

/// Where no level is asked, a push picks one by where the registry is. Reached directly
/// on this machine (or a private network) the CPU is the limit, so gzip runs at its fast
/// level 2 (ISA-L's igzip on x86-64 Linux), which the peers read; the same registry
/// through a proxy, as a cloud registry is reached over an uplink, gets level 6, which
/// sends fewer bytes, and the faster variant the store keeps is not reused for it; asking
/// less than what the store keeps compresses nothing.
#[test]
fn the_default_level_is_fast_for_a_registry_nearby_and_small_through_a_proxy() {
    let registry = start_registry("none");
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    import_docker_archive(&home, tmp.path());

    let near = format!("{}/team/near:1", registry.host());
    let said = ok_with_env(&home, &["push", "example.com/app:1", &near], &[]);
    assert!(
        said.contains(
            "Compressed: 2 layers (gzip level 2: the registry is on this machine or a private network)"
        ),
        "{said}"
    );
    let levels = variants(&home)["levels"].clone();
    assert_eq!(
        levels
            .as_object()
            .map(|l| l.values().cloned().collect::<Vec<_>>()),
        Some(vec![serde_json::json!(2); 2]),
        "{levels}"
    );
    let near_manifest = remote_manifest(&near);
    assert_eq!(
        layer_types(&near_manifest),
        vec!["application/vnd.oci.image.layer.v1.tar+gzip"; 2]
    );
    peers_read_it_whole(&near, &near_manifest, &remote_config(&near), tmp.path());

    let proxy = ForwardProxy::start().unwrap();
    let far = format!("{}/team/far:1", registry.host());
    let pushed = json_with_env(
        &home,
        &["push", "example.com/app:1", &far, "--json"],
        &[("HTTP_PROXY", &proxy.url())],
    );
    assert_eq!(
        pushed["compressed"],
        serde_json::json!({"layers": 2, "compression": "gzip", "level": 6, "nearby": false}),
        "{pushed}"
    );
    let manifest_put = format!("PUT http://{}/v2/team/far/manifests/1", registry.host());
    assert_eq!(proxy.count(&manifest_put), 1, "{:?}", proxy.log());
    let manifest = remote_manifest(&far);
    assert_ne!(
        manifest["layers"][0]["digest"], near_manifest["layers"][0]["digest"],
        "the large layer was compressed again at level 6"
    );
    assert!(
        total_size(&manifest["layers"]) < total_size(&near_manifest["layers"]),
        "level 6 sends fewer bytes: {} vs {}",
        total_size(&manifest["layers"]),
        total_size(&near_manifest["layers"])
    );
    peers_read_it_whole(&far, &manifest, &remote_config(&far), tmp.path());

    // Asking less than what the store keeps takes what it keeps: nothing compressed.
    let before = variants(&home);
    let again = format!("{}/team/again:1", registry.host());
    let pushed = json(
        &home,
        &[
            "push",
            "example.com/app:1",
            &again,
            "--compression-level",
            "1",
            "--json",
        ],
    );
    assert_eq!(variants(&home), before);
    assert!(pushed.get("compressed").is_none(), "{pushed}");
    assert_eq!(pushed["digest"], manifest_digest_of(&far));
    assert_eq!(pushed["uploaded"], 0, "{pushed}");
}

#[test]
fn zstd_and_none_send_what_they_say_and_gc_keeps_variants_only_while_their_layer_lives() {
    let registry = start_registry("none");
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    import_docker_archive(&home, tmp.path());

    let zstd = format!("{}/team/zstd:1", registry.host());
    ok(
        &home,
        &["push", "example.com/app:1", &zstd, "--compression", "zstd"],
    );
    let manifest = remote_manifest(&zstd);
    assert_eq!(
        layer_types(&manifest),
        vec!["application/vnd.oci.image.layer.v1.tar+zstd"; 2]
    );
    // And skopeo reads it back, checking every layer against the config's diff_ids.
    skopeo(&[
        "copy",
        "--src-tls-verify=false",
        &format!("docker://{zstd}"),
        &format!("oci:{}:z", p(&tmp.path().join("z"))),
    ]);

    let plain = format!("{}/team/plain:1", registry.host());
    ok(
        &home,
        &["push", "example.com/app:1", &plain, "--compression", "none"],
    );
    assert_eq!(
        layer_types(&remote_manifest(&plain)),
        vec!["application/vnd.oci.image.layer.v1.tar"; 2],
        "none sends the layers as the import stored them"
    );

    // Pull the zstd image into a second store and push it with --compression gzip: every
    // zstd layer is converted.
    let home2 = tmp.path().join("home2");
    ok(&home2, &["pull", &zstd]);
    let gz = format!("{}/team/gz:1", registry.host());
    ok(&home2, &["push", &zstd, &gz, "--compression", "gzip"]);
    assert_eq!(
        layer_types(&remote_manifest(&gz)),
        vec!["application/vnd.oci.image.layer.v1.tar+gzip"; 2]
    );

    // gc keeps the variants while the image is there ...
    let auto = format!("{}/team/auto:1", registry.host());
    ok(&home, &["push", "example.com/app:1", &auto]);
    let kept = variants(&home);
    let made: Vec<String> = kept["variants"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|v| v.as_object().unwrap().values())
        .map(|d| d.as_str().unwrap().to_string())
        .collect();
    assert_eq!(made.len(), 4, "gzip and zstd of two layers: {kept}");
    ok(&home, &["prune"]);
    for d in &made {
        assert!(blob_exists(&home, d), "gc removed the variant {d}");
    }
    // ... and removes them with it.
    ok(&home, &["rmi", "example.com/app:1"]);
    ok(&home, &["prune"]);
    for d in &made {
        assert!(
            !blob_exists(&home, d),
            "gc kept the variant {d} of a removed image"
        );
    }
    assert_eq!(variants(&home)["variants"], serde_json::json!({}));
}

fn blob_exists(home: &Path, digest: &str) -> bool {
    let hex = digest.trim_start_matches("sha256:");
    home.join("blobs/sha256").join(hex).exists()
}

fn manifest_digest_of(remote: &str) -> String {
    let info = skopeo_json(&[
        "inspect",
        "--tls-verify=false",
        &format!("docker://{remote}"),
    ]);
    info["Digest"].as_str().unwrap().to_string()
}

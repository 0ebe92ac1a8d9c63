//! Interop with `umoci`, the reference for unpacking and repacking OCI layers: a layer
//! written by `layer::write_dir` unpacks with `umoci unpack` to the same tree, and a layer
//! made by `umoci repack` applies with `layer::apply` to the tree umoci has.
//!
//! The OCI layout around the layer is written here by hand (oci-layout, index.json,
//! manifest, config), so the test depends on nothing but the layer module.

// Tests and benches make their fixtures with plain paths (clippy.toml is for src/).
#![allow(clippy::disallowed_methods)]

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};
use strata_core::digest::Digest;
use strata_core::layer::{
    apply, write_dir, write_entries, ApplyOptions, LayerChange, WriteOptions,
};

const UMOCI: &str = "umoci";

fn umoci(args: &[&str]) {
    let out = Command::new(UMOCI).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run `umoci` ({e}): install it (Debian package `umoci`, `make deps`)")
    });
    assert!(
        out.status.success(),
        "umoci {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn rootless() -> Vec<&'static str> {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        vec![]
    } else {
        vec!["--rootless"]
    }
}

fn put_blob(layout: &Path, bytes: &[u8]) -> (Digest, u64) {
    let d = Digest::of(bytes);
    fs::write(layout.join("blobs/sha256").join(d.hex()), bytes).unwrap();
    (d, bytes.len() as u64)
}

/// A one-layer OCI layout with the image tagged `tag`.
fn layout_with_layer(layout: &Path, blob: &[u8], diff_id: &Digest, media_type: &str, tag: &str) {
    fs::create_dir_all(layout.join("blobs/sha256")).unwrap();
    fs::write(
        layout.join("oci-layout"),
        r#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    let (layer, layer_size) = put_blob(layout, blob);
    let config = json!({
        "architecture": "amd64", "os": "linux", "config": {},
        "rootfs": {"type": "layers", "diff_ids": [diff_id.to_string()]},
        "history": [{"created_by": "strata layer test"}]
    });
    let (cfg, cfg_size) = put_blob(layout, &serde_json::to_vec(&config).unwrap());
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": cfg.to_string(), "size": cfg_size},
        "layers": [{"mediaType": media_type, "digest": layer.to_string(), "size": layer_size}]
    });
    let (m, m_size) = put_blob(layout, &serde_json::to_vec(&manifest).unwrap());
    let index = json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "digest": m.to_string(), "size": m_size,
                       "annotations": {"org.opencontainers.image.ref.name": tag}}]
    });
    fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
}

fn sample_tree(root: &Path) {
    fs::create_dir_all(root.join("etc")).unwrap();
    fs::create_dir_all(root.join("usr/bin")).unwrap();
    fs::create_dir_all(root.join("var/empty")).unwrap();
    fs::write(root.join("etc/hosts"), "127.0.0.1 localhost\n").unwrap();
    fs::write(root.join("etc/motd"), "welcome\n").unwrap();
    fs::write(root.join("usr/bin/busybox"), vec![7u8; 100_000]).unwrap();
    fs::hard_link(root.join("usr/bin/busybox"), root.join("usr/bin/sh")).unwrap();
    std::os::unix::fs::symlink("usr/bin", root.join("bin")).unwrap();
    std::os::unix::fs::symlink("/etc/hosts", root.join("hosts-abs")).unwrap();
    fs::set_permissions(
        root.join("usr/bin/busybox"),
        fs::Permissions::from_mode(0o4755),
    )
    .unwrap();
    fs::set_permissions(root.join("etc/motd"), fs::Permissions::from_mode(0o600)).unwrap();
    let deep = root.join("d".repeat(110)).join("f".repeat(110));
    fs::create_dir_all(deep.parent().unwrap()).unwrap();
    fs::write(deep, "long names").unwrap();
}

/// (path, kind, mode, content or link target, inode-group) for every path under root.
fn describe(root: &Path) -> Vec<(String, &'static str, u32, Vec<u8>)> {
    walkdir::WalkDir::new(root)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .map(|e| {
            let e = e.unwrap();
            let m = e.path().symlink_metadata().unwrap();
            let rel = e.path().strip_prefix(root).unwrap().display().to_string();
            let (kind, data) = if m.is_dir() {
                ("dir", vec![])
            } else if m.file_type().is_symlink() {
                let t = fs::read_link(e.path()).unwrap();
                ("symlink", t.into_os_string().into_encoded_bytes())
            } else {
                ("file", fs::read(e.path()).unwrap())
            };
            (rel, kind, m.mode() & 0o7777, data)
        })
        .collect()
}

fn manifest_layers(layout: &Path, tag: &str) -> Vec<(Digest, String)> {
    let blob = |d: &str| -> Value {
        let hex = d.trim_start_matches("sha256:");
        serde_json::from_slice(&fs::read(layout.join("blobs/sha256").join(hex)).unwrap()).unwrap()
    };
    let index: Value =
        serde_json::from_slice(&fs::read(layout.join("index.json")).unwrap()).unwrap();
    let m = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == tag)
        .expect("tag in index.json");
    let manifest = blob(m["digest"].as_str().unwrap());
    manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["digest"].as_str().unwrap().parse().unwrap(),
                l["mediaType"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn umoci_unpacks_our_layer_and_we_apply_umocis_repack() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    sample_tree(&src);
    let (written, blob) = write_dir(&src, Vec::new(), &WriteOptions::default()).unwrap();
    let layout = tmp.path().join("layout");
    layout_with_layer(&layout, &blob, &written.diff_id, written.media_type, "test");

    // Ours → umoci.
    let bundle = tmp.path().join("bundle");
    let image = format!("{}:test", layout.display());
    let mut args = vec!["unpack"];
    args.extend(rootless());
    args.extend(["--image", &image, bundle.to_str().unwrap()]);
    umoci(&args);
    let rootfs = bundle.join("rootfs");
    assert_eq!(describe(&rootfs), describe(&src));
    let ino = |p: &str| fs::metadata(rootfs.join(p)).unwrap().ino();
    assert_eq!(
        ino("usr/bin/sh"),
        ino("usr/bin/busybox"),
        "umoci sees our hard link"
    );

    // umoci → ours: change the tree, let umoci make a layer of the change.
    fs::remove_file(rootfs.join("etc/hosts")).unwrap();
    fs::write(rootfs.join("etc/new.conf"), "added\n").unwrap();
    fs::set_permissions(
        rootfs.join("usr/bin/busybox"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    fs::remove_dir_all(rootfs.join("var")).unwrap();
    let repacked = format!("{}:test2", layout.display());
    umoci(&["repack", "--image", &repacked, bundle.to_str().unwrap()]);

    let layers = manifest_layers(&layout, "test2");
    assert_eq!(layers.len(), 2, "repack adds one layer: {layers:?}");
    assert_eq!(layers[0].0, written.digest, "the base layer is shared");
    let ours = tmp.path().join("ours");
    fs::create_dir(&ours).unwrap();
    for (digest, _) in &layers {
        let file = fs::File::open(layout.join("blobs/sha256").join(digest.hex())).unwrap();
        apply(file, &ours, &ApplyOptions::default()).unwrap();
    }
    assert_eq!(describe(&ours), describe(&rootfs));
}

/// A change layer from `write_entries` (what commit writes) on top of a base: umoci unpacks
/// the pair to the tree we changed.
#[test]
fn umoci_applies_our_whiteouts_and_opaque_dirs() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    sample_tree(&src);
    fs::write(src.join("var/empty/old"), "old").unwrap();
    let (base, base_blob) = write_dir(&src, Vec::new(), &WriteOptions::default()).unwrap();

    // The change: delete etc/motd, make var/empty opaque with one new file, add etc/new.
    let changed = tmp.path().join("changed");
    fs::create_dir_all(changed.join("var/empty")).unwrap();
    fs::create_dir_all(changed.join("etc")).unwrap();
    fs::write(changed.join("var/empty/fresh"), "fresh").unwrap();
    fs::write(changed.join("etc/new"), "new").unwrap();
    let (top, top_blob) = write_entries(
        &changed,
        &[
            LayerChange::Whiteout("etc/motd".into()),
            LayerChange::Opaque("var/empty".into()),
            LayerChange::Add("var/empty/fresh".into()),
            LayerChange::Add("etc/new".into()),
        ],
        Vec::new(),
        &WriteOptions::default(),
    )
    .unwrap();

    let layout = tmp.path().join("layout");
    layout_with_layer(&layout, &base_blob, &base.diff_id, base.media_type, "base");
    // Rewrite the index for a two-layer image.
    let (b, bs) = (base.digest.to_string(), base.size);
    let (t, ts) = put_blob(&layout, &top_blob);
    let config = json!({
        "architecture": "amd64", "os": "linux", "config": {},
        "rootfs": {"type": "layers", "diff_ids": [base.diff_id.to_string(), top.diff_id.to_string()]}
    });
    let (c, cs) = put_blob(&layout, &serde_json::to_vec(&config).unwrap());
    let manifest = json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": c.to_string(), "size": cs},
        "layers": [{"mediaType": base.media_type, "digest": b, "size": bs},
                   {"mediaType": top.media_type, "digest": t.to_string(), "size": ts}]
    });
    let (m, ms) = put_blob(&layout, &serde_json::to_vec(&manifest).unwrap());
    let index = json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": m.to_string(), "size": ms,
        "annotations": {"org.opencontainers.image.ref.name": "two"}}]});
    fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();

    let bundle = tmp.path().join("bundle");
    let image = format!("{}:two", layout.display());
    let mut args = vec!["unpack"];
    args.extend(rootless());
    args.extend(["--image", &image, bundle.to_str().unwrap()]);
    umoci(&args);
    let rootfs = bundle.join("rootfs");
    assert!(!rootfs.join("etc/motd").exists(), "whited out");
    assert!(
        !rootfs.join("var/empty/old").exists(),
        "hidden by the opaque dir"
    );
    assert_eq!(
        fs::read_to_string(rootfs.join("var/empty/fresh")).unwrap(),
        "fresh"
    );
    assert_eq!(fs::read_to_string(rootfs.join("etc/new")).unwrap(), "new");
    assert!(rootfs.join("etc/hosts").exists(), "untouched files stay");

    // Our apply of the same two layers gives umoci's tree.
    let ours = tmp.path().join("ours");
    fs::create_dir(&ours).unwrap();
    for blob in [&base_blob, &top_blob] {
        apply(&blob[..], &ours, &ApplyOptions::default()).unwrap();
    }
    assert_eq!(describe(&ours), describe(&rootfs));
}

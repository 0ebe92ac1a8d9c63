//! Unit tests of the store: layout, blobs, names, gc, fsck, concurrency.

use std::collections::HashMap;
use std::fs;
use std::io::Write;

use oci_spec::image::{Descriptor, MediaType};

use super::*;
use crate::reference::Reference;

/// A tiny but real image: one tar layer holding `file`, a config, a manifest.
/// Returns the manifest descriptor and the layer digest.
pub(crate) fn make_image(
    store: &Store,
    file: &str,
    content: &[u8],
    extra_layer: Option<&[u8]>,
) -> (Descriptor, Digest) {
    let mut tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(content.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, file, content).unwrap();
    let layer = tar.into_inner().unwrap();
    let (ld, ls) = store.put_bytes(&layer).unwrap();
    let mut layers = vec![serde_json::json!({
        "mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld.to_string(), "size": ls})];
    let mut diff_ids = vec![ld.to_string()];
    if let Some(extra) = extra_layer {
        let (d, s) = store.put_bytes(extra).unwrap();
        layers.push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d.to_string(), "size": s}));
        diff_ids.push(d.to_string());
    }
    let config = serde_json::json!({
        "created": "2024-05-01T10:00:00Z",
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": ["/bin/sh"], "Labels": {"file": file}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "2024-05-01T10:00:00Z", "created_by": "test"}],
    });
    let (cd, cs) = store
        .put_bytes(&serde_json::to_vec(&config).unwrap())
        .unwrap();
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd.to_string(), "size": cs},
        "layers": layers,
    });
    let (md, ms) = store
        .put_bytes(&serde_json::to_vec(&manifest).unwrap())
        .unwrap();
    (descriptor(MediaType::ImageManifest, &md, ms), ld)
}

fn descriptor(mt: MediaType, d: &Digest, size: u64) -> Descriptor {
    Descriptor::new(mt, size, oci_spec::image::Digest::from(d))
}

fn r(s: &str) -> Reference {
    Reference::parse(s).unwrap()
}

fn temp_files(store: &Store) -> Vec<String> {
    fs::read_dir(store.root().join("tmp"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn open_creates_a_layout_and_refuses_another_major_version() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let store = Store::open(&root).unwrap();
    let layout: serde_json::Value =
        serde_json::from_slice(&fs::read(root.join("oci-layout")).unwrap()).unwrap();
    assert_eq!(layout["imageLayoutVersion"], "1.0.0");
    let index: serde_json::Value =
        serde_json::from_slice(&fs::read(root.join("index.json")).unwrap()).unwrap();
    assert_eq!(index["schemaVersion"], 2);
    assert!(root.join("blobs/sha256").is_dir());
    assert!(store.refs().unwrap().is_empty());
    drop(store);
    Store::open(&root).unwrap();

    fs::write(root.join("oci-layout"), r#"{"imageLayoutVersion":"2.0.0"}"#).unwrap();
    let err = Store::open(&root).unwrap_err().to_string();
    assert!(err.contains("version 2.0.0 is not supported"), "{err}");
}

#[test]
fn blobs_are_stored_once_verified_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let data = b"some layer bytes".repeat(10_000);
    let d = Digest::of(&data);
    let (got, size) = store
        .put_blob(&data[..], Some((&d, data.len() as u64)))
        .unwrap();
    assert_eq!((got.clone(), size), (d.clone(), data.len() as u64));
    assert!(store.has_blob(&d));
    assert_eq!(store.blob_size(&d).unwrap(), size);
    assert_eq!(fs::read(store.blob_path(&d)).unwrap(), data);
    // Again: not rewritten, same answer.
    let mtime = fs::metadata(store.blob_path(&d))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(store.put_bytes(&data).unwrap(), (d.clone(), size));
    assert_eq!(
        fs::metadata(store.blob_path(&d))
            .unwrap()
            .modified()
            .unwrap(),
        mtime
    );

    assert!(matches!(
        store.read_blob(&d, 10),
        Err(StoreError::TooLarge { .. })
    ));
    assert_eq!(store.read_blob(&d, size).unwrap(), data);
    let missing = Digest::of(b"nope");
    let err = store.open_blob(&missing).unwrap_err();
    assert!(err.to_string().contains(&missing.to_string()), "{err}");
    assert!(temp_files(&store).is_empty(), "{:?}", temp_files(&store));
}

#[test]
fn a_blob_that_does_not_match_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let claimed = Digest::of(b"what the registry promised");
    let err = store
        .put_blob(&b"what it sent"[..], Some((&claimed, 12)))
        .unwrap_err();
    assert!(matches!(err, StoreError::Digest(_)), "{err}");
    // A source longer than announced is cut off, not stored.
    let err = store
        .put_blob(&b"0123456789abcdef"[..], Some((&claimed, 4)))
        .unwrap_err();
    assert!(err.to_string().contains("wrong size"), "{err}");
    assert!(store.list_blobs().unwrap().is_empty());
    assert!(temp_files(&store).is_empty(), "{:?}", temp_files(&store));

    // A writer dropped before commit removes its temporary file.
    let mut w = store.blob_writer().unwrap();
    w.write_all(b"half a layer").unwrap();
    assert_eq!(w.len(), 12);
    assert_eq!(temp_files(&store).len(), 1);
    drop(w);
    assert!(temp_files(&store).is_empty());
}

#[test]
fn names_resolve_like_docker() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (m1, _) = make_image(&store, "a", b"one", None);
    let (m2, _) = make_image(&store, "b", b"two", None);
    store.set_ref(&r("busybox"), m1.clone()).unwrap();
    store.set_ref(&r("ghcr.io/o/app:1"), m2.clone()).unwrap();

    let index: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("index.json")).unwrap()).unwrap();
    let ann = &index["manifests"][0]["annotations"];
    assert_eq!(
        ann["org.opencontainers.image.ref.name"],
        "docker.io/library/busybox:latest"
    );
    assert_eq!(
        ann["io.containerd.image.name"],
        "docker.io/library/busybox:latest"
    );
    assert_eq!(
        ann["org.opencontainers.image.created"],
        "2024-05-01T10:00:00Z"
    );

    let d1 = Digest::try_from(m1.digest()).unwrap();
    for input in [
        "busybox",
        "busybox:latest",
        "docker.io/library/busybox:latest",
        &d1.to_string(),
        &d1.hex()[..12],
        &format!("busybox@{d1}"),
    ] {
        let found = store
            .resolve(input)
            .unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(found.name, "docker.io/library/busybox:latest", "{input}");
        assert_eq!(found.digest().unwrap(), d1);
    }
    // The config digest (docker's classic image ID) finds the image too.
    let config = walk::config_of(&store, &d1).unwrap();
    assert_eq!(
        store
            .resolve(&config.hex()[..10])
            .unwrap()
            .digest()
            .unwrap(),
        d1
    );

    let err = store.resolve("busybox:1.36").unwrap_err();
    assert!(matches!(err, StoreError::ImageNotFound(_)), "{err}");
    assert!(err.to_string().contains("busybox:1.36"));
    let err = store.resolve("Foo").unwrap_err().to_string();
    assert!(err.contains("must be lowercase"), "{err}");
    // A name pinning another digest is refused.
    let err = store
        .set_ref(&r(&format!("busybox@{d1}")), m2.clone())
        .unwrap_err();
    assert!(matches!(err, StoreError::PinnedDigest { .. }), "{err}");
    // A manifest that is not stored cannot be named.
    let ghost = descriptor(MediaType::ImageManifest, &Digest::of(b"ghost"), 5);
    assert!(matches!(
        store.set_ref(&r("ghost"), ghost),
        Err(StoreError::BlobNotFound(_))
    ));

    // Moving a name replaces the entry.
    store.set_ref(&r("busybox"), m2.clone()).unwrap();
    assert_eq!(store.refs().unwrap().len(), 2);
    assert_eq!(
        store.resolve("busybox").unwrap().descriptor.digest(),
        m2.digest()
    );
}

#[test]
fn ambiguous_short_ids_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    // 17 images: two of them share their first hex digit (16 possible).
    let mut digests = Vec::new();
    for i in 0..17 {
        let (m, _) = make_image(&store, "f", format!("{i}").as_bytes(), None);
        store.set_ref(&r(&format!("img:{i}")), m.clone()).unwrap();
        digests.push(Digest::try_from(m.digest()).unwrap());
    }
    digests.sort();
    let pair = digests
        .windows(2)
        .find(|w| w[0].hex()[..1] == w[1].hex()[..1])
        .unwrap();
    let prefix = &pair[0].hex()[..1];
    // A 1-digit prefix is below the 4-digit minimum of `resolve`, so ask the matcher.
    let err = store
        .by_id_prefix(&store.entries().unwrap(), prefix, prefix)
        .unwrap_err();
    match err {
        StoreError::Ambiguous { candidates, .. } => assert!(candidates.len() >= 2),
        other => panic!("{other}"),
    }
    // Too short for an ID and not a stored name: not found.
    assert!(matches!(
        store.resolve("abc"),
        Err(StoreError::ImageNotFound(_))
    ));
}

#[test]
fn gc_frees_a_shared_blob_only_with_its_last_image() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let shared = b"a base layer both images share".to_vec();
    let (m1, l1) = make_image(&store, "one", b"1", Some(&shared));
    let (m2, l2) = make_image(&store, "two", b"2", Some(&shared));
    let base = Digest::of(&shared);
    store.set_ref(&r("one"), m1).unwrap();
    store.set_ref(&r("two"), m2).unwrap();
    assert!(store.gc().unwrap().removed.is_empty());

    let images = store.images().unwrap();
    assert_eq!(images.len(), 2);
    for image in &images {
        assert_eq!(image.shared, shared.len() as u64, "{image:?}");
        assert_eq!(image.unique + image.shared, image.size);
    }

    let out = store.remove_image("one", false).unwrap();
    assert_eq!(
        out.untagged,
        vec!["docker.io/library/one:latest".to_string()]
    );
    assert!(out.image_removed);
    let report = store.gc().unwrap();
    let removed: Vec<&Digest> = report.removed.iter().map(|b| &b.digest).collect();
    assert!(removed.contains(&&l1), "{removed:?}");
    assert!(!removed.contains(&&base));
    assert_eq!(
        report.removed.len(),
        3,
        "manifest, config, own layer: {removed:?}"
    );
    assert!(store.has_blob(&base) && store.has_blob(&l2));
    assert_eq!(
        report.bytes_freed,
        report.removed.iter().map(|b| b.size).sum::<u64>()
    );

    store.remove_image("two", false).unwrap();
    store.gc().unwrap();
    assert!(store.list_blobs().unwrap().is_empty());
    assert!(store.fsck().unwrap().is_clean());
}

#[test]
fn gc_keeps_blobs_a_live_writer_has_not_named_yet() {
    let dir = tempfile::tempdir().unwrap();
    let writer = Store::open(dir.path()).unwrap();
    let collector = Store::open(dir.path()).unwrap();
    let (d, _) = writer
        .put_bytes(b"a layer of an import in progress")
        .unwrap();
    let mut w = writer.blob_writer().unwrap();
    w.write_all(b"still streaming").unwrap();

    let report = collector.gc().unwrap();
    assert!(report.removed.is_empty(), "{report:?}");
    assert_eq!(report.kept_pending, 1);
    assert!(writer.has_blob(&d));
    assert_eq!(
        temp_files(&writer).len(),
        1,
        "a live writer's temp file stays"
    );

    // The writer goes away without naming anything: the next gc frees it all.
    drop(w);
    drop(writer);
    let report = collector.gc().unwrap();
    assert_eq!(report.removed.len(), 1);
    assert!(!collector.has_blob(&d));
}

#[test]
fn gc_removes_temp_files_of_dead_writers() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    // What a killed process leaves: an unlocked temp file.
    fs::write(dir.path().join("tmp/blob-killed"), vec![0u8; 1000]).unwrap();
    let fsck = store.fsck().unwrap();
    assert!(fsck.is_clean());
    assert!(
        fsck.notes.iter().any(|n| n.contains("temporary file")),
        "{:?}",
        fsck.notes
    );
    let report = store.gc().unwrap();
    assert_eq!((report.temp_files_removed, report.bytes_freed), (1, 1000));
}

#[test]
fn fsck_finds_a_flipped_byte_and_a_missing_layer() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (m1, l1) = make_image(&store, "one", b"first image", None);
    let (m2, l2) = make_image(&store, "two", b"second image", None);
    store.set_ref(&r("one"), m1).unwrap();
    store.set_ref(&r("two"), m2).unwrap();
    let clean = store.fsck().unwrap();
    assert!(clean.is_clean(), "{:?}", clean.problems);
    assert_eq!((clean.blobs_checked, clean.refs_checked), (6, 2));

    let path = store.blob_path(&l1);
    let mut bytes = fs::read(&path).unwrap();
    bytes[600] ^= 0x01;
    make_writable(&path);
    fs::write(&path, bytes).unwrap();
    fs::remove_file(store.blob_path(&l2)).unwrap();

    let report = store.fsck().unwrap();
    let kinds: Vec<(FsckKind, &str)> = report
        .problems
        .iter()
        .map(|p| (p.kind, p.subject.as_str()))
        .collect();
    assert!(
        kinds.contains(&(FsckKind::CorruptBlob, l1.to_string().as_str())),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&(FsckKind::MissingBlob, l2.to_string().as_str())),
        "{kinds:?}"
    );
    assert_eq!(report.problems.len(), 2, "{:?}", report.problems);
}

fn make_writable(path: &std::path::Path) {
    let mut perm = fs::metadata(path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    fs::set_permissions(path, perm).unwrap();
}

#[test]
fn rmi_follows_docker_rules() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (m, _) = make_image(&store, "x", b"x", None);
    let d = Digest::try_from(m.digest()).unwrap();
    store.set_ref(&r("app:1"), m.clone()).unwrap();
    store.set_ref(&r("app:2"), m.clone()).unwrap();

    // By ID with two names: refused without force.
    let err = store.remove_image(&d.hex()[..8], false).unwrap_err();
    assert!(matches!(err, StoreError::SeveralNames { .. }), "{err}");
    // By name: only that name.
    let out = store.remove_image("app:1", false).unwrap();
    assert_eq!(out.untagged, vec!["docker.io/library/app:1".to_string()]);
    assert!(!out.image_removed);

    // A container uses it: the last name cannot go without force.
    let cdir = dir.path().join("containers/c1");
    fs::create_dir_all(&cdir).unwrap();
    fs::write(
        cdir.join("container.json"),
        serde_json::json!({"image_digest": d.to_string(), "name": "web"}).to_string(),
    )
    .unwrap();
    assert_eq!(store.holders(&d), vec!["web".to_string()]);
    let err = store.remove_image("app:2", false).unwrap_err();
    assert!(
        err.to_string().contains("used by container(s) web"),
        "{err}"
    );
    let out = store.remove_image("app:2", true).unwrap();
    assert!(out.image_removed);
    assert!(store.refs().unwrap().is_empty());
}

#[test]
fn prune_removes_nameless_entries_and_unreachable_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (m, _) = make_image(&store, "kept", b"kept", None);
    store.set_ref(&r("kept"), m).unwrap();
    let (nameless, _) = make_image(&store, "nameless", b"nameless", None);
    // Another nameless image a container was made from: prune keeps it, as docker does.
    let (held, _) = make_image(&store, "held", b"held", None);
    {
        let _lock = store.lock().unwrap();
        let mut index = store.read_index().unwrap();
        index.manifests.push(nameless.clone());
        index.manifests.push(held.clone());
        store.write_index(&index).unwrap();
    }
    let cdir = dir.path().join("containers/c1");
    fs::create_dir_all(&cdir).unwrap();
    let record = serde_json::json!({"image_digest": held.digest().to_string(), "name": "job"});
    fs::write(cdir.join("container.json"), record.to_string()).unwrap();
    // As `strata prune` would run: another process, which protects no pending blob.
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    let images = store.images().unwrap();
    assert_eq!(images.len(), 3);
    assert_eq!(images.iter().filter(|i| i.names.is_empty()).count(), 2);
    let report = store.prune().unwrap();
    assert_eq!(
        report.images_removed,
        vec![Digest::try_from(nameless.digest()).unwrap()]
    );
    assert_eq!(report.gc.removed.len(), 3);
    let left = store.images().unwrap();
    assert_eq!(left.len(), 2);
    assert!(left
        .iter()
        .any(|i| i.names.is_empty() && i.containers == vec!["job"]));
    assert!(store.fsck().unwrap().is_clean());
}

#[test]
fn the_lock_is_reentrant_and_set_ref_works_under_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (m, _) = make_image(&store, "x", b"x", None);
    let _outer = store.lock().unwrap();
    store.set_ref(&r("x"), m).unwrap();
    store.gc().unwrap();
    assert_eq!(store.refs().unwrap().len(), 1);
    // Also through a handle opened separately on the same folder.
    let other = Store::open(dir.path()).unwrap();
    other.gc().unwrap();
    assert_eq!(other.refs().unwrap().len(), 1);
}

#[test]
fn concurrent_writers_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let root = dir.path().to_path_buf();
            std::thread::spawn(move || {
                // Half the threads share one handle's clones, half open their own.
                let store = Store::open(&root).unwrap();
                for i in 0..10 {
                    let (m, _) = make_image(
                        &store,
                        "f",
                        format!("{t}-{i}").as_bytes(),
                        Some(b"shared base"),
                    );
                    store.set_ref(&r(&format!("t{t}:v{i}")), m).unwrap();
                    if i % 3 == 0 {
                        store.gc().unwrap();
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.refs().unwrap().len(), 80);
    let report = store.fsck().unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
    assert_eq!(store.gc().unwrap().removed.len(), 0);
}

#[test]
fn foreign_names_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (m, _) = make_image(&store, "x", b"x", None);
    let mut foreign = m.clone();
    foreign.set_annotations(Some(HashMap::from([(
        "org.opencontainers.image.ref.name".to_string(),
        "v1.0".to_string(),
    )])));
    {
        let _lock = store.lock().unwrap();
        let mut index = store.read_index().unwrap();
        index.manifests.push(foreign);
        store.write_index(&index).unwrap();
    }
    // `v1.0` is a valid reference (docker.io/library/v1.0:latest): normalised.
    let refs = store.refs().unwrap();
    assert_eq!(refs[0].name, "docker.io/library/v1.0:latest");
    assert!(store.resolve("v1.0").is_ok());
}

#[test]
fn a_store_handle_can_be_shared_across_threads() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<Store>();
}

#[test]
fn released_blobs_are_freed_by_the_next_gc() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (d, _) = store.put_bytes(b"an import that was cancelled").unwrap();
    assert_eq!(store.gc().unwrap().kept_pending, 1);
    store.release_blobs(std::slice::from_ref(&d)).unwrap();
    let report = store.gc().unwrap();
    assert_eq!(report.removed.len(), 1);
    assert!(!store.has_blob(&d));
}

#[test]
fn fsck_reports_a_missing_layout_file_without_writing_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    fs::remove_file(dir.path().join("oci-layout")).unwrap();
    let report = store.fsck().unwrap();
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert_eq!(report.problems[0].kind, FsckKind::BadIndex);
    assert!(!dir.path().join("oci-layout").exists());
}

#[test]
fn an_image_whose_last_name_moves_stays_as_a_dangling_image_until_prune() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (m1, l1) = make_image(&store, "a", b"one", None);
    let (m2, l2) = make_image(&store, "b", b"two", None);
    let d1 = Digest::try_from(m1.digest()).unwrap();
    let d2 = Digest::try_from(m2.digest()).unwrap();
    store.set_ref(&r("app:1"), m1.clone()).unwrap();
    store.set_ref(&r("app:2"), m1.clone()).unwrap();
    // Another name still holds the first image: nothing dangles.
    store.set_ref(&r("app:1"), m2.clone()).unwrap();
    assert!(store.dangling().unwrap().is_empty());
    // Its last name moves: it stays, unnamed, once.
    store.set_ref(&r("app:2"), m2.clone()).unwrap();
    let dangling = store.dangling().unwrap();
    assert_eq!(dangling.len(), 1);
    assert_eq!(dangling[0].digest().unwrap(), d1);
    assert_eq!(store.resolve("app:2").unwrap().digest().unwrap(), d2);
    // Naming the same image again does not make it dangle.
    store.set_ref(&r("app:2"), m2.clone()).unwrap();
    assert_eq!(store.dangling().unwrap().len(), 1);
    // prune removes it and frees its blobs; the named image keeps its own.
    let report = store.prune().unwrap();
    assert_eq!(report.images_removed, vec![d1.clone()]);
    assert!(!store.has_blob(&d1) && !store.has_blob(&l1));
    assert!(store.has_blob(&d2) && store.has_blob(&l2));
}

/// Ten images on one base layer, each with its own layer; returns their manifest digests,
/// own layers and the base.
fn ten_images(store: &Store) -> (Vec<Digest>, Vec<Digest>, Digest) {
    let base = b"the base layer every image shares".to_vec();
    let mut manifests = Vec::new();
    let mut own = Vec::new();
    for i in 0..10 {
        let (m, l) = make_image(
            store,
            &format!("f{i}"),
            format!("{i}").as_bytes(),
            Some(&base),
        );
        manifests.push(Digest::try_from(m.digest()).unwrap());
        own.push(l);
        store.set_ref(&r(&format!("app{i}:1")), m).unwrap();
    }
    (manifests, own, Digest::of(&base))
}

fn blob_set(store: &Store) -> std::collections::BTreeSet<Digest> {
    store
        .list_blobs()
        .unwrap()
        .into_iter()
        .map(|(d, _)| d)
        .collect()
}

#[test]
fn removing_one_image_of_many_frees_exactly_its_own_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (manifests, own, base) = ten_images(&store);
    // A compressed variant of the image's own layer (a push made it) and one of the base.
    let (own_gz, _) = store.put_bytes(b"own layer, gzipped").unwrap();
    let (base_gz, _) = store.put_bytes(b"base layer, gzipped").unwrap();
    variants::Variants::record(
        store.root(),
        &own[3],
        crate::layer::Compression::Gzip,
        &own_gz,
        6,
    );
    variants::Variants::record(
        store.root(),
        &base,
        crate::layer::Compression::Gzip,
        &base_gz,
        6,
    );
    // Something nothing reaches that rmi is not about (an interrupted pull's layer).
    let (orphan, _) = store.put_bytes(b"left by an interrupted pull").unwrap();
    drop(store); // its pending records go with the process, as after `strata pull`
    let store = Store::open(dir.path()).unwrap();

    let config = walk::config_of(&store, &manifests[3]).unwrap();
    let before = blob_set(&store);
    let out = store.remove_image("app3:1", false).unwrap();
    assert!(out.image_removed);
    let report = store.free(&[out.image]).unwrap();
    let removed: std::collections::BTreeSet<Digest> =
        report.removed.iter().map(|b| b.digest.clone()).collect();
    let expected = std::collections::BTreeSet::from([
        manifests[3].clone(),
        config,
        own[3].clone(),
        own_gz.clone(),
    ]);
    assert_eq!(
        removed, expected,
        "manifest, config, own layer, its variant"
    );
    assert_eq!(
        blob_set(&store),
        before.difference(&expected).cloned().collect(),
        "nothing else went"
    );
    assert!(store.has_blob(&base) && store.has_blob(&base_gz) && store.has_blob(&orphan));
    assert_eq!(
        report.bytes_freed,
        report.removed.iter().map(|b| b.size).sum::<u64>()
    );
    let v = variants::Variants::load(store.root());
    assert_eq!(v.get(&own[3], crate::layer::Compression::Gzip, 6), None);
    assert_eq!(
        v.get(&base, crate::layer::Compression::Gzip, 6),
        Some(&base_gz)
    );
    assert!(store.fsck().unwrap().is_clean());

    // An image that still has a name frees nothing; the full gc takes the orphan.
    assert!(store
        .free(&[manifests[4].clone()])
        .unwrap()
        .removed
        .is_empty());
    let gc = store.gc().unwrap();
    assert_eq!(
        gc.removed.iter().map(|b| &b.digest).collect::<Vec<_>>(),
        vec![&orphan]
    );
    // The last images take the base and its variant with them.
    for i in (0..10).filter(|i| *i != 3) {
        let out = store.remove_image(&format!("app{i}:1"), false).unwrap();
        store.free(&[out.image]).unwrap();
    }
    assert!(store.list_blobs().unwrap().is_empty());
}

#[test]
fn images_and_df_show_each_image_with_the_containers_created_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (manifests, own, base) = ten_images(&store);
    // A multi-platform image listing app8's manifest.
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": manifests[8].to_string(),
            "size": store.blob_size(&manifests[8]).unwrap(),
            "platform": {"architecture": "amd64", "os": "linux"},
        }],
    });
    let (id, is) = store
        .put_bytes(&serde_json::to_vec(&index).unwrap())
        .unwrap();
    store
        .set_ref(&r("multi:1"), descriptor(MediaType::ImageIndex, &id, is))
        .unwrap();
    let container = |folder: &str, record: String| {
        let cdir = dir.path().join("containers").join(folder);
        fs::create_dir_all(&cdir).unwrap();
        fs::write(cdir.join("container.json"), record).unwrap();
    };
    let record = |d: &Digest, name: Option<&str>| {
        let mut v = serde_json::json!({"image_digest": d.to_string()});
        if let Some(name) = name {
            v["name"] = name.into();
        }
        v.to_string()
    };
    container("c1", record(&manifests[2], Some("web")));
    container("c2", record(&manifests[2], None));
    container("c3", record(&manifests[8], Some("api")));
    container("c4", "{not json".into());
    // A copy of c3's folder: its record names c3, and `strata ps` does not list it.
    let copied =
        serde_json::json!({"id": "c3", "image_digest": manifests[5].to_string(), "name": "copy"});
    container("c5", copied.to_string());

    let images = store.images().unwrap();
    let of = |name: &str| {
        images
            .iter()
            .find(|i| i.names == vec![format!("docker.io/library/{name}")])
            .unwrap_or_else(|| panic!("{name} listed"))
            .containers
            .clone()
    };
    assert_eq!(
        of("app2:1"),
        vec!["c2", "web"],
        "a record without a name shows its folder"
    );
    assert_eq!(of("app8:1"), vec!["api"]);
    assert_eq!(
        of("multi:1"),
        vec!["api"],
        "through the manifest the index lists"
    );
    assert!(of("app3:1").is_empty());
    assert!(of("app5:1").is_empty(), "a copied folder holds nothing");

    let df = store.disk_usage().unwrap();
    assert_eq!(df.active_images, 3);
    assert_eq!((df.unreferenced_blobs, df.image_bytes), (0, df.total_bytes));
    let used: std::collections::BTreeSet<Digest> = [2, 8]
        .into_iter()
        .flat_map(|i| {
            [
                manifests[i].clone(),
                walk::config_of(&store, &manifests[i]).unwrap(),
                own[i].clone(),
            ]
        })
        .chain([base, id])
        .collect();
    let kept: u64 = used.iter().map(|d| store.blob_size(d).unwrap()).sum();
    assert_eq!(df.reclaimable_bytes, df.total_bytes - kept);
}

#[test]
fn rmi_keeps_a_layer_that_is_the_compressed_variant_of_a_layer_still_used() {
    // As when an image pushed with compression is pulled back: the pulled image's layer
    // is the blob the push made from another image's plain layer.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (manifests, own, _) = ten_images(&store);
    let gzip = crate::layer::Compression::Gzip;
    variants::Variants::record(store.root(), &own[5], gzip, &own[3], 6);
    let config = walk::config_of(&store, &manifests[3]).unwrap();

    let out = store.remove_image("app3:1", false).unwrap();
    let freed: std::collections::BTreeSet<Digest> = store
        .free(&[out.image])
        .unwrap()
        .removed
        .into_iter()
        .map(|b| b.digest)
        .collect();
    assert_eq!(
        freed,
        std::collections::BTreeSet::from([manifests[3].clone(), config]),
        "the layer stays: app5's layer still has it as its gzip variant"
    );
    assert!(store.has_blob(&own[3]));
    assert_eq!(
        variants::Variants::load(store.root()).get(&own[5], gzip, 6),
        Some(&own[3])
    );
    // With app5 gone, both go.
    let out = store.remove_image("app5:1", false).unwrap();
    let freed = store.free(&[out.image]).unwrap();
    for layer in [&own[3], &own[5]] {
        assert!(freed.removed.iter().any(|b| &b.digest == layer));
        assert!(!store.has_blob(layer));
    }
    assert!(store.fsck().unwrap().is_clean());
}

#[test]
fn gc_and_rmi_read_manifests_once_then_use_the_children_cache() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (manifests, _, _) = ten_images(&store);
    store.gc().unwrap();
    let cache = children::Children::load(store.root());
    assert!(!cache.is_dirty());
    for m in &manifests {
        assert_eq!(
            cache.cached(m).map(<[_]>::len),
            Some(3),
            "config and two layers"
        );
    }
    // Another gc learns nothing: it reads no manifest.
    let mut again = children::Children::load(store.root());
    let mut out = std::collections::HashSet::new();
    for m in &manifests {
        again.reach(&store, m, &mut out);
    }
    assert_eq!(again.learned, 0);
    assert_eq!(
        out.len(),
        10 * 3 + 1,
        "ten manifests, configs, own layers, one base"
    );
}

#[test]
fn rmi_leaves_the_children_cache_unwritten_and_gc_drops_what_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (manifests, own, _) = ten_images(&store);
    store.gc().unwrap();
    let path = store.root().join(children::FILE_NAME);
    let before = fs::read(&path).unwrap();
    let out = store.remove_image("app3:1", false).unwrap();
    let freed = store.free(&[out.image]).unwrap();
    assert!(freed.removed.iter().any(|b| b.digest == own[3]));
    // Not rewritten: at 2,000 images the file is 1.5 MB, and its entries stay true.
    assert_eq!(fs::read(&path).unwrap(), before);
    assert!(store.fsck().unwrap().is_clean());
    store.gc().unwrap();
    let cache = children::Children::load(store.root());
    assert!(cache.cached(&manifests[3]).is_none(), "gc drops it");
    assert!(cache.cached(&manifests[4]).is_some());
}

/// Flips what a cache line says without fixing the checksum, as a torn write or a bad
/// disk would.
fn damage_cache(root: &std::path::Path, drop_child: &Digest) {
    let path = root.join(children::FILE_NAME);
    let text = fs::read_to_string(&path).unwrap();
    let damaged = text.replace(&format!(" b{}", drop_child.hex()), "");
    assert_ne!(damaged, text, "the cache lists {drop_child}");
    fs::write(&path, damaged).unwrap();
}

/// Rewrites the cache whole, with a correct checksum, without one child: a file that is
/// well formed and wrong.
fn forge_cache(root: &std::path::Path, drop_child: &Digest) {
    let path = root.join(children::FILE_NAME);
    let text = fs::read_to_string(&path).unwrap();
    let (head, body) = text.split_once('\n').unwrap();
    let body = body.replace(&format!(" b{}", drop_child.hex()), "");
    let mut words: Vec<&str> = head.split(' ').collect();
    let sum = Digest::of(body.as_bytes());
    words[2] = sum.hex();
    fs::write(&path, format!("{}\n{body}", words.join(" "))).unwrap();
}

#[test]
fn a_corrupted_children_cache_is_ignored_and_rebuilt_never_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (_, own, base) = ten_images(&store);
    store.gc().unwrap();
    // The damaged cache no longer lists image 5's own layer nor (for every image) the base.
    damage_cache(store.root(), &own[5]);
    damage_cache(store.root(), &base);

    let out = store.remove_image("app4:1", false).unwrap();
    let report = store.free(&[out.image]).unwrap();
    assert_eq!(report.removed.len(), 3, "{:?}", report.removed);
    assert!(store.has_blob(&own[5]) && store.has_blob(&base));
    assert!(store.gc().unwrap().removed.is_empty());
    assert!(store.fsck().unwrap().is_clean());
    // Rebuilt: valid again and complete.
    let cache = children::Children::load(store.root());
    assert!(!cache.is_dirty());
    let mut reach = std::collections::HashSet::new();
    let mut cache = cache;
    for i in [0, 5] {
        let d = store
            .resolve(&format!("app{i}:1"))
            .unwrap()
            .digest()
            .unwrap();
        cache.reach(&store, &d, &mut reach);
    }
    assert_eq!(cache.learned, 0);
    assert!(reach.contains(&own[5]) && reach.contains(&base));

    // Torn to nothing, or garbage: the same.
    for junk in [&b""[..], b"strata-manifest-children 1 00\n", b"\xff\xfe"] {
        fs::write(store.root().join(children::FILE_NAME), junk).unwrap();
        assert!(store.gc().unwrap().removed.is_empty());
        assert!(store.has_blob(&own[5]) && store.has_blob(&base));
        assert!(!children::Children::load(store.root()).is_dirty());
    }
}

#[test]
fn fsck_finds_a_well_formed_but_wrong_children_cache_and_rewrites_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (_, own, _) = ten_images(&store);
    store.gc().unwrap();
    forge_cache(store.root(), &own[7]);
    let report = store.fsck().unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("1 entry of manifest-children.cache did not match")),
        "{:?}",
        report.notes
    );
    // Rewritten: what gc and rmi rely on lists the layer again.
    let out = store.remove_image("app6:1", false).unwrap();
    store.free(&[out.image]).unwrap();
    assert!(store.gc().unwrap().removed.is_empty());
    assert!(store.has_blob(&own[7]));
    let again = store.fsck().unwrap();
    assert!(
        !again.notes.iter().any(|n| n.contains("manifest-children")),
        "{:?}",
        again.notes
    );
}

#[test]
fn a_crash_at_any_step_of_rmi_leaves_a_store_fsck_accepts() {
    // rmi writes, in order: index.json (atomic), then deletes blobs one by one, then the
    // children cache (atomic, not synced) and the variants file. Each state a kill can
    // leave is built here and checked: the store is consistent, the remaining images are
    // whole, and the next rmi or prune finishes the work.
    for step in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (manifests, own, base) = ten_images(&store);
        store.gc().unwrap();
        let out = store.remove_image("app2:1", false).unwrap();
        let config = walk::config_of(&store, &manifests[2]).unwrap();
        match step {
            // Killed right after index.json: nothing freed yet.
            0 => {}
            // Killed after the first deletions (the manifest first, then the config).
            1 => fs::remove_file(store.blob_path(&manifests[2])).unwrap(),
            2 => {
                fs::remove_file(store.blob_path(&config)).unwrap();
                fs::remove_file(store.blob_path(&own[2])).unwrap();
            }
            // Killed while writing the cache: a temporary file left, or a torn cache
            // (possible after a power cut, as the cache is not synced).
            3 => fs::write(dir.path().join("tmp/.write-children-x"), b"strata-manif").unwrap(),
            _ => {
                let path = dir.path().join(children::FILE_NAME);
                let text = fs::read(&path).unwrap();
                fs::write(&path, &text[..text.len() / 2]).unwrap();
            }
        }
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        let report = store.fsck().unwrap();
        assert!(report.is_clean(), "step {step}: {:?}", report.problems);
        for i in (0..10).filter(|i| *i != 2) {
            assert!(
                store.has_blob(&manifests[i]) && store.has_blob(&own[i]),
                "step {step}"
            );
        }
        assert!(store.has_blob(&base));
        // What rmi did not get to, prune finishes.
        store.prune().unwrap();
        assert!(
            !store.has_blob(&own[2]) && !store.has_blob(&manifests[2]),
            "step {step}"
        );
        assert_eq!(blob_set(&store).len(), 9 * 3 + 1, "step {step}");
        assert!(
            temp_files(&store).is_empty(),
            "step {step}: {:?}",
            temp_files(&store)
        );
        let _ = out;
    }
}

/// gc, `rmi` and `prune` read `index.json` for digests and names only
/// (`entry_summaries`); what they decide must be what reading each descriptor whole
/// decides, for entries other tools write too.
#[test]
fn reading_index_json_for_digests_and_names_only_agrees_with_reading_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (m1, _) = make_image(&store, "a", b"one", None);
    let (m2, _) = make_image(&store, "b", b"two", None);
    let index_path = dir.path().join("index.json");
    let write = |annotations: Vec<serde_json::Value>| {
        let manifests: Vec<serde_json::Value> = annotations
            .into_iter()
            .enumerate()
            .map(|(i, a)| {
                let m = if i % 2 == 0 { &m1 } else { &m2 };
                let mut e = serde_json::to_value(m).unwrap();
                if !a.is_null() {
                    e["annotations"] = a;
                }
                e
            })
            .collect();
        let index = serde_json::json!({"schemaVersion": 2, "manifests": manifests});
        fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
    };
    let whole_says_dangling = || store.entries().unwrap().iter().any(|e| e.name.is_empty());
    let named = |key: &str, name: &str| serde_json::json!({ key: name });
    let cases: Vec<(&str, Vec<serde_json::Value>)> = vec![
        (
            "names of both kinds",
            vec![
                named("io.containerd.image.name", "docker.io/library/a:1"),
                named("org.opencontainers.image.ref.name", "latest"),
            ],
        ),
        (
            "no annotations",
            vec![
                named("io.containerd.image.name", "a:1"),
                serde_json::Value::Null,
            ],
        ),
        (
            "other annotations only",
            vec![named(
                "org.opencontainers.image.created",
                "2024-01-01T00:00:00Z",
            )],
        ),
        (
            "an empty containerd name hides ref.name",
            vec![serde_json::json!({
            "io.containerd.image.name": "", "org.opencontainers.image.ref.name": "a:1"})],
        ),
        (
            "an empty ref.name",
            vec![named("org.opencontainers.image.ref.name", "")],
        ),
        (
            "containerd's name wins",
            vec![serde_json::json!({
            "io.containerd.image.name": "a:1", "org.opencontainers.image.ref.name": ""})],
        ),
    ];
    for (case, annotations) in cases {
        write(annotations);
        assert_eq!(store.has_dangling_entry(), whole_says_dangling(), "{case}");
        let mut quick = store.entry_digests().unwrap();
        let mut whole: Vec<Digest> = store
            .entries()
            .unwrap()
            .iter()
            .map(|e| e.digest().unwrap())
            .collect();
        quick.sort();
        whole.sort();
        assert_eq!(quick, whole, "{case}");
    }

    // A digest of another algorithm is skipped, as the whole reading skips it; one that
    // is not a digest is refused, as before: gc must not run on a file it cannot read.
    let mut index: serde_json::Value =
        serde_json::from_slice(&fs::read(&index_path).unwrap()).unwrap();
    let mut other = index["manifests"][0].clone();
    other["digest"] = format!("sha512:{}", "ab".repeat(64)).into();
    index["manifests"]
        .as_array_mut()
        .unwrap()
        .push(other.clone());
    fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
    assert_eq!(
        store.entry_digests().unwrap(),
        vec![Digest::try_from(m1.digest()).unwrap()]
    );
    other["digest"] = "sha256:not-hex".into();
    index["manifests"].as_array_mut().unwrap().push(other);
    fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
    assert!(store.entry_digests().is_err());
    assert!(
        store.has_dangling_entry(),
        "an unreadable file is read whole by prune"
    );
    assert!(
        store.prune().is_err(),
        "prune refuses a file it cannot read"
    );
}

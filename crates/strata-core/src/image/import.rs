//! `strata import`: images in from a `docker save` archive (what `skopeo copy …
//! docker-archive:` and `docker save` write), an OCI archive ([OCI image layout] in a tar)
//! or an OCI layout directory, multi-platform indexes included.
//!
//! **One pass, constant memory.** A tar is read once, front to back: each blob is streamed
//! into the store as it goes by (hashed while written; a `blobs/sha256/<hex>` entry is
//! verified against its name), only the small JSON documents (`manifest.json`,
//! `index.json`) are kept in memory, and the manifests are built at the end, since layer
//! entries may come before `manifest.json`. Peak memory does not depend on layer size.
//!
//! **Nothing visible until verified.** Every blob an image needs is checked (digest, size,
//! and for docker archives every layer against the config's `diff_ids`) before the names
//! are written, all at once, with `Store::set_refs`. A failure or a kill midway leaves no
//! name behind; blobs already written are unreferenced and go at the next `gc`.
//!
//! **Docker archives keep their layers uncompressed.** A docker archive's layers are plain
//! tars, whose digest is their diff_id. Strata stores them as they are, with OCI media type
//! `…layer.v1.tar`: the layer digests stay those of the archive (= the diff_ids), no CPU is
//! spent compressing on import (skopeo 1.9 gzips them on `docker-archive:` → `oci:`, which
//! is most of its time; Strata's import stays I/O-bound), and a push may still compress.
//! The cost is disk space, the same as `docker load`'s. Gzip layers in an archive (which
//! `docker load` accepts) are kept gzip, after their diff_id is checked. The manifest is
//! new (an OCI manifest over those layers and the archive's config, kept byte for byte, so
//! the image ID is the same): a docker archive carries no manifest, so a registry's
//! manifest digest cannot be reproduced from it. OCI archives and layouts keep every blob,
//! manifests included, so their digests are the source's.
//!
//! [OCI image layout]: https://github.com/opencontainers/image-spec/blob/main/image-layout.md

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};

use oci_spec::image::{Descriptor, ImageIndex, MediaType};
use serde::{Deserialize, Serialize};

use super::inspect::{decompressor, remember_uncompressed_size};
use super::model::{
    self, digest_of, Kind, ANNOTATION_CONTAINERD_NAME, ANNOTATION_REF_NAME, MAX_DOCUMENT,
};
use super::ImageError;
use crate::digest::{Digest, HashingReader};
use crate::layer::Compression;
use crate::media;
use crate::reference::Reference;
use crate::store::Store;
use crate::task::{TaskCtx, UnitKind, UnitState, Watch};

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The name to give the image, instead of the names the archive carries. Only for an
    /// archive that holds one image.
    pub tag: Option<Reference>,
}

/// What an import added.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    pub images: Vec<ImportedImage>,
    /// `docker-archive`, `oci-archive` or `oci-dir`.
    pub format: String,
}

/// One named image (or multi-platform index) that an import made visible.
#[derive(Debug, Clone, Serialize)]
pub struct ImportedImage {
    pub name: String,
    /// The digest of what the name points at: a manifest, or an index.
    pub digest: Digest,
    pub media_type: String,
    /// The platforms of an index; empty for a single image.
    pub platforms: Vec<String>,
}

/// Imports the archive or layout directory at `path`.
pub fn import(
    store: &Store,
    path: &Path,
    opts: &ImportOptions,
    ctx: TaskCtx<'_>,
) -> Result<Imported, ImageError> {
    let result = import_source(store, path, opts, ctx);
    if result.is_ok() {
        if let Ok(meta) = std::fs::metadata(path) {
            // The archive read whole; a layout folder's blobs reported themselves.
            if meta.is_file() {
                let archive = path.display().to_string();
                ctx.done(&archive, UnitKind::Archive, meta.len(), UnitState::Done);
            }
        }
    }
    // However an I/O error surfaced (through the store, the tar reader…), a raised flag
    // means the user stopped us.
    match result {
        Err(_) if ctx.is_cancelled() => Err(ImageError::Cancelled),
        other => other,
    }
}

fn import_source(
    store: &Store,
    path: &Path,
    opts: &ImportOptions,
    ctx: TaskCtx<'_>,
) -> Result<Imported, ImageError> {
    let meta = std::fs::metadata(path).map_err(|e| ImageError::io("open", path, e))?;
    let mut source = if meta.is_dir() {
        Source::Dir {
            root: path.to_path_buf(),
            wrote: Vec::new(),
        }
    } else {
        Source::Tar(read_tar(store, path, meta.len(), ctx)?)
    };
    let cut = matches!(&source, Source::Tar(c) if c.truncated);
    let result = name_source(store, path, meta.is_dir(), &mut source, opts, ctx);
    if result.is_err() {
        source.release(store);
    }
    match result {
        // Something is missing from a tar that also lacks its end: say why.
        Err(ImageError::NotAnArchive { .. } | ImageError::Missing { .. }) if cut => {
            Err(ImageError::Corrupt(format!(
                "{} ends without the tar end-of-archive block: it is truncated",
                path.display()
            )))
        }
        other => other,
    }
}

/// Finds the images in what was read, verifies them, and names them.
fn name_source(
    store: &Store,
    path: &Path,
    is_dir: bool,
    source: &mut Source,
    opts: &ImportOptions,
    ctx: TaskCtx<'_>,
) -> Result<Imported, ImageError> {
    let is_oci = source.meta("oci-layout")?.is_some() && source.meta("index.json")?.is_some();
    let docker = source.meta("manifest.json")?;
    let (format, found) = if is_oci {
        let format = if is_dir { "oci-dir" } else { "oci-archive" };
        (format, import_oci(store, source, docker.as_deref(), ctx)?)
    } else if let Some(docker) = docker {
        let format = "docker-archive";
        (format, import_docker(store, source, &docker, ctx)?)
    } else {
        return Err(ImageError::NotAnArchive {
            path: path.to_path_buf(),
        });
    };
    if found.is_empty() {
        return Err(ImageError::Corrupt("the archive lists no image".into()));
    }

    let named = name_all(found, opts)?;
    // The last check before anything becomes visible: every blob of every image is in
    // the store with the right size (digests were verified as they were written).
    for (_, desc, _) in &named {
        model::closure(store, desc)?;
    }
    let images = named
        .iter()
        .map(|(name, desc, platforms)| {
            Ok(ImportedImage {
                name: name.to_string(),
                digest: digest_of(desc)?,
                media_type: desc.media_type().to_string(),
                platforms: platforms.clone(),
            })
        })
        .collect::<Result<Vec<_>, ImageError>>()?;
    if ctx.is_cancelled() {
        return Err(ImageError::Cancelled);
    }
    store.set_refs(named.into_iter().map(|(n, d, _)| (n, d)).collect())?;
    Ok(Imported {
        images,
        format: format.into(),
    })
}

/// An image found in the archive, before naming: its names there, its top descriptor,
/// its platforms (for an index).
struct Found {
    names: Vec<Reference>,
    /// A tag without repository (an OCI `ref.name` like `latest`), kept for the message.
    bare_tag: Option<String>,
    descriptor: Descriptor,
    platforms: Vec<String>,
}

/// Decides the final names: `--tag` for a one-image archive, else the archive's own.
fn name_all(
    found: Vec<Found>,
    opts: &ImportOptions,
) -> Result<Vec<(Reference, Descriptor, Vec<String>)>, ImageError> {
    if let Some(tag) = &opts.tag {
        if found.len() > 1 {
            return Err(ImageError::NeedsName(format!(
                "the archive holds {} images and --tag can name only one; import it without --tag to keep the archive's names",
                found.len()
            )));
        }
        return Ok(found
            .into_iter()
            .map(|f| (tag.clone(), f.descriptor, f.platforms))
            .collect());
    }
    let mut out = Vec::new();
    for f in found {
        if f.names.is_empty() {
            return Err(ImageError::NeedsName(match f.bare_tag {
                Some(tag) => format!(
                    "the archive names image {} only by the tag `{tag}`, without a repository",
                    f.descriptor.digest()
                ),
                None => format!("the archive gives image {} no name", f.descriptor.digest()),
            }));
        }
        for name in f.names {
            out.push((name, f.descriptor.clone(), f.platforms.clone()));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Sources: a tar read in one pass, or a directory read on demand.

/// Files small enough to keep in memory, and the only ones we do.
const METADATA: [&str; 4] = ["manifest.json", "index.json", "oci-layout", "repositories"];

enum Source {
    Tar(Collected),
    /// A layout directory, and the blobs copied from it so far.
    Dir {
        root: PathBuf,
        wrote: Vec<Digest>,
    },
}

/// What one pass over a tar leaves: the metadata documents, and for every other file the
/// blob it became in the store.
#[derive(Default)]
struct Collected {
    meta: HashMap<String, Vec<u8>>,
    files: HashMap<String, (Digest, u64)>,
    /// Symlinks and hard links: path → target path (both relative to the archive root).
    links: HashMap<String, String>,
    /// The tar ended without its end-of-archive block.
    truncated: bool,
}

impl Source {
    /// After a failure: the blobs this import stored are not going to be named, so the
    /// next gc may take them (the store protects a live process's unnamed blobs).
    fn release(&self, store: &Store) {
        let digests: Vec<Digest> = match self {
            Source::Tar(c) => c.files.values().map(|(d, _)| d.clone()).collect(),
            Source::Dir { wrote, .. } => wrote.clone(),
        };
        // Best effort: at worst they stay until this process exits.
        let _ = store.release_blobs(&digests);
    }

    fn meta(&self, name: &str) -> Result<Option<Vec<u8>>, ImageError> {
        match self {
            Source::Tar(c) => Ok(c.meta.get(name).cloned()),
            Source::Dir { root, .. } => {
                let path = root.join(name);
                let Ok(file) = File::open(&path) else {
                    return Ok(None);
                };
                read_capped(file, name).map(Some)
            }
        }
    }

    /// The blob an archive path became. With `expected`, the blob must have that digest
    /// and size. `None` when the archive has no such file.
    fn blob(
        &mut self,
        store: &Store,
        path: &str,
        expected: Option<(&Digest, u64)>,
        ctx: TaskCtx<'_>,
    ) -> Result<Option<(Digest, u64)>, ImageError> {
        let found = match self {
            Source::Tar(c) => c.lookup(path),
            Source::Dir { root, wrote } => {
                let found = spool_file(store, root, path, expected, ctx)?;
                wrote.extend(found.iter().map(|(d, _)| d.clone()));
                found
            }
        };
        if let (Some((d, n)), Some((want, want_n))) = (&found, expected) {
            if d != want || *n != want_n {
                return Err(ImageError::Corrupt(format!(
                    "{path} is {d} ({n} bytes), but the manifest expects {want} ({want_n} bytes)"
                )));
            }
        }
        Ok(found)
    }
}

impl Collected {
    fn lookup(&self, path: &str) -> Option<(Digest, u64)> {
        let mut path = normalize(path)?;
        // Follow links a few hops (docker ≥ 25 links `<id>/layer.tar` to `blobs/sha256/…`).
        for _ in 0..8 {
            if let Some(found) = self.files.get(&path) {
                return Some(found.clone());
            }
            path = self.links.get(&path)?.clone();
        }
        None
    }
}

/// An archive path as a map key: no `.` or empty parts, `..` applied; `None` if it climbs
/// above the root (such a path names nothing in the archive).
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn read_capped(r: impl Read, what: &str) -> Result<Vec<u8>, ImageError> {
    let mut bytes = Vec::new();
    r.take(MAX_DOCUMENT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ImageError::io("read", what, e))?;
    if bytes.len() as u64 > MAX_DOCUMENT {
        return Err(ImageError::TooLarge {
            what: what.to_string(),
            size: bytes.len() as u64,
            limit: MAX_DOCUMENT,
        });
    }
    Ok(bytes)
}

/// Reads a (possibly gzip- or zstd-compressed) tar once, spooling every file into the store.
fn read_tar(
    store: &Store,
    path: &Path,
    size: u64,
    ctx: TaskCtx<'_>,
) -> Result<Collected, ImageError> {
    let mut c = Collected::default();
    match read_tar_into(store, path, size, ctx, &mut c) {
        Ok(()) => Ok(c),
        Err(e) => {
            Source::Tar(c).release(store);
            Err(e)
        }
    }
}

fn read_tar_into(
    store: &Store,
    path: &Path,
    size: u64,
    ctx: TaskCtx<'_>,
    c: &mut Collected,
) -> Result<(), ImageError> {
    let file = File::open(path).map_err(|e| ImageError::io("open", path, e))?;
    let unit = path.display().to_string();
    let watched = Watch::new(file, ctx, unit.clone(), UnitKind::Archive, Some(size));
    let plain = decompressor(BufReader::with_capacity(1 << 20, watched))
        .map_err(|e| ImageError::io("read", path, e))?;
    let mut archive = tar::Archive::new(Tail::new(plain));
    let bad_tar = |e: io::Error| {
        if crate::task::is_cancelled(&e) {
            ImageError::Cancelled
        } else {
            ImageError::Corrupt(format!(
                "{} is not a complete tar archive ({e})",
                path.display()
            ))
        }
    };
    for entry in archive.entries().map_err(bad_tar)? {
        let mut entry = entry.map_err(bad_tar)?;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(name) = normalize(&raw) else {
            continue;
        };
        let kind = entry.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            let Some(target) = entry.link_name_bytes() else {
                continue;
            };
            let target = String::from_utf8_lossy(&target).into_owned();
            // A symlink is relative to its own folder; a hard link to the archive root.
            let full = if kind.is_symlink() && !target.starts_with('/') {
                match name.rsplit_once('/') {
                    Some((dir, _)) => format!("{dir}/{target}"),
                    None => target,
                }
            } else {
                target
            };
            if let Some(full) = normalize(&full) {
                c.links.insert(name, full);
            }
            continue;
        }
        if !kind.is_file() {
            continue;
        }
        let declared = entry.header().size().map_err(bad_tar)?;
        if METADATA.contains(&name.as_str()) {
            let bytes = read_capped(&mut entry, &name)?;
            c.meta.insert(name, bytes);
            continue;
        }
        // docker save's legacy per-layer files: not needed, not worth a blob each.
        let base = name.rsplit('/').next().unwrap_or(&name);
        if base == "VERSION" || base == "json" {
            continue;
        }
        let found = spool_entry(store, &name, &mut entry, declared, (ctx, &unit))?;
        c.files.insert(name, found);
    }
    c.truncated = !archive.into_inner().ended_with_zero_block();
    Ok(())
}

/// Remembers whether the last 512 bytes read were zeros: a tar that ended with its
/// end-of-archive block, rather than one cut short at an entry boundary (which the tar
/// reader cannot tell from a proper end).
struct Tail<R> {
    inner: R,
    last: Vec<u8>,
}

impl<R: Read> Tail<R> {
    fn new(inner: R) -> Self {
        Tail {
            inner,
            last: Vec::with_capacity(1024),
        }
    }

    fn ended_with_zero_block(&self) -> bool {
        self.last.len() >= 512 && self.last[self.last.len() - 512..].iter().all(|&b| b == 0)
    }
}

impl<R: Read> Read for Tail<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let got = &buf[..n];
        if got.len() >= 512 {
            self.last.clear();
            self.last.extend_from_slice(&got[got.len() - 512..]);
        } else {
            self.last.extend_from_slice(got);
            let excess = self.last.len().saturating_sub(512);
            self.last.drain(..excess);
        }
        Ok(n)
    }
}

/// Streams one tar entry into the store. A `blobs/sha256/<hex>` entry must match its name.
/// Reported as a unit `within` the archive: its bytes are the archive's.
fn spool_entry(
    store: &Store,
    name: &str,
    entry: &mut impl Read,
    declared: u64,
    (ctx, within): (TaskCtx<'_>, &str),
) -> Result<(Digest, u64), ImageError> {
    let named = name
        .strip_prefix("blobs/sha256/")
        .map(|hex| {
            Digest::from_hex(hex).map_err(|_| {
                ImageError::Corrupt(format!(
                    "{name} is under blobs/sha256/ but is not named by a digest"
                ))
            })
        })
        .transpose()?;
    if let Some(d) = &named {
        if store.blob_size(d).ok() == Some(declared) {
            // Already stored (and verified when it was): let the tar reader skip it.
            ctx.done_within(
                within,
                &d.to_string(),
                UnitKind::Blob,
                declared,
                UnitState::Skipped,
            );
            return Ok((d.clone(), declared));
        }
    }
    let mut writer = store.blob_writer()?;
    let copied = io::copy(entry, &mut writer).map_err(|e| ImageError::io("read", name, e))?;
    if copied != declared {
        return Err(ImageError::Corrupt(format!(
            "the archive ends in the middle of {name} ({copied} of {declared} bytes): it is truncated"
        )));
    }
    writer
        .flush()
        .map_err(|e| ImageError::io("write", name, e))?;
    let expected = named.as_ref().map(|d| (d, declared));
    let (digest, size) = writer.commit(expected).map_err(|e| match &named {
        Some(d) => ImageError::Corrupt(format!(
            "{name} does not match its digest {d}: {}",
            crate::problem::Explain::problem(&e).message
        )),
        None => ImageError::Store(e),
    })?;
    ctx.done_within(
        within,
        &digest.to_string(),
        UnitKind::Blob,
        size,
        UnitState::Done,
    );
    Ok((digest, size))
}

/// Copies one file of a layout directory into the store (unless the store has it).
fn spool_file(
    store: &Store,
    root: &Path,
    path: &str,
    expected: Option<(&Digest, u64)>,
    ctx: TaskCtx<'_>,
) -> Result<Option<(Digest, u64)>, ImageError> {
    // The path comes from the layout's own JSON: never let it leave the directory.
    let rel = Path::new(path);
    if rel
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(ImageError::Corrupt(format!(
            "{path} points outside the image directory"
        )));
    }
    if let Some((d, n)) = expected {
        if store.blob_size(d).ok() == Some(n) {
            ctx.done(&d.to_string(), UnitKind::Blob, n, UnitState::Skipped);
            return Ok(Some((d.clone(), n)));
        }
    }
    let full = root.join(rel);
    let file = match File::open(&full) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ImageError::io("open", full, e)),
    };
    let len = file
        .metadata()
        .map_err(|e| ImageError::io("read", &full, e))?
        .len();
    let id = expected.map_or_else(|| path.to_string(), |(d, _)| d.to_string());
    let watched = Watch::new(file, ctx, id.clone(), UnitKind::Blob, Some(len));
    let (digest, size) = store.put_blob(watched, expected).map_err(|e| {
        if ctx.is_cancelled() {
            ImageError::Cancelled
        } else if expected.is_some() {
            ImageError::Corrupt(format!(
                "{path} does not match its digest: {}",
                crate::problem::Explain::problem(&e).message
            ))
        } else {
            ImageError::Store(e)
        }
    })?;
    ctx.done(&id, UnitKind::Blob, size, UnitState::Done);
    Ok(Some((digest, size)))
}

// ---------------------------------------------------------------------------------------
// OCI layout

fn import_oci(
    store: &Store,
    source: &mut Source,
    docker_manifest: Option<&[u8]>,
    ctx: TaskCtx<'_>,
) -> Result<Vec<Found>, ImageError> {
    let bytes = source.meta("index.json")?.unwrap_or_default();
    let index: ImageIndex = model::parse_index(&bytes, "index.json")?;
    // Docker ≥ 25 writes an OCI layout *and* manifest.json: its RepoTags name images
    // whose index.json entries carry no name.
    let repo_tags: Vec<Vec<String>> = docker_manifest
        .and_then(|b| serde_json::from_slice::<Vec<DockerEntry>>(b).ok())
        .map(|entries| {
            entries
                .into_iter()
                .map(|e| e.repo_tags.unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();

    let mut found = Vec::new();
    for (i, desc) in index.manifests().iter().enumerate() {
        fetch_oci(store, source, desc, ctx, 0)?;
        let annotations = desc.annotations().clone().unwrap_or_default();
        let mut names = Vec::new();
        let mut bare_tag = None;
        if let Some(full) = annotations.get(ANNOTATION_CONTAINERD_NAME) {
            names.push(Reference::parse(full)?);
        } else if let Some(name) = annotations.get(ANNOTATION_REF_NAME) {
            // `ref.name` is a full name for Strata and containerd, only a tag for skopeo.
            if name.contains('/') || name.contains(':') {
                names.push(Reference::parse(name)?);
            } else {
                bare_tag = Some(name.clone());
            }
        }
        if names.is_empty() && index.manifests().len() == repo_tags.len() {
            for tag in &repo_tags[i] {
                names.push(Reference::parse(tag)?);
            }
        }
        let mut top = Descriptor::new(
            desc.media_type().clone(),
            desc.size(),
            desc.digest().clone(),
        );
        top.set_platform(desc.platform().clone());
        let platforms = match model::read_kind(store, &top)? {
            (Kind::Index, bytes) => model::platforms_of(&model::parse_index(
                &bytes,
                &format!("index {}", desc.digest()),
            )?),
            (Kind::Manifest, _) => Vec::new(),
        };
        found.push(Found {
            names,
            bare_tag,
            descriptor: top,
            platforms,
        });
    }
    Ok(found)
}

/// Makes sure a descriptor's blob, and everything below it, is in the store.
fn fetch_oci(
    store: &Store,
    source: &mut Source,
    desc: &Descriptor,
    ctx: TaskCtx<'_>,
    depth: usize,
) -> Result<(), ImageError> {
    if depth > 4 {
        return Err(ImageError::Corrupt(
            "indexes nest more than four deep".into(),
        ));
    }
    let fetch = |source: &mut Source, d: &Descriptor, what: &str| {
        let digest = digest_of(d)?;
        let path = format!("blobs/sha256/{}", digest.hex());
        source
            .blob(store, &path, Some((&digest, d.size())), ctx)?
            .ok_or_else(|| ImageError::Missing {
                what: format!(
                    "{what} {digest} (blobs/sha256/{}) in the archive",
                    digest.hex()
                ),
            })
    };
    fetch(source, desc, "manifest")?;
    match model::read_kind(store, desc)? {
        (Kind::Index, bytes) => {
            let index = model::parse_index(&bytes, &format!("index {}", desc.digest()))?;
            for child in index.manifests() {
                fetch_oci(store, source, child, ctx, depth + 1)?;
            }
        }
        (Kind::Manifest, bytes) => {
            let manifest = model::parse_manifest(&bytes, &format!("manifest {}", desc.digest()))?;
            fetch(source, manifest.config(), "config")?;
            for layer in manifest.layers() {
                fetch(source, layer, "layer")?;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// docker save archives

/// One entry of a docker archive's `manifest.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerEntry {
    config: String,
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

fn import_docker(
    store: &Store,
    source: &mut Source,
    manifest_json: &[u8],
    ctx: TaskCtx<'_>,
) -> Result<Vec<Found>, ImageError> {
    let entries: Vec<DockerEntry> = serde_json::from_slice(manifest_json)
        .map_err(|e| ImageError::json("manifest.json", "docker archive manifest", e))?;
    let mut found = Vec::new();
    for entry in entries {
        let missing = |what: &str, path: &str| ImageError::Missing {
            what: format!("{what} {path}, which manifest.json names,"),
        };
        let (config_digest, config_size) = source
            .blob(store, &entry.config, None, ctx)?
            .ok_or_else(|| missing("the config", &entry.config))?;
        let what = format!("config {}", entry.config);
        let config_bytes = model::read_document(store, &config_digest, &what)?;
        let config = model::parse_config(&config_bytes, &what)?;
        let diff_ids = config.rootfs().diff_ids();
        if diff_ids.len() != entry.layers.len() {
            return Err(ImageError::Corrupt(format!(
                "manifest.json lists {} layers but the config has {} diff_ids",
                entry.layers.len(),
                diff_ids.len()
            )));
        }
        let mut layers = Vec::new();
        for (path, diff_id) in entry.layers.iter().zip(diff_ids) {
            if ctx.is_cancelled() {
                return Err(ImageError::Cancelled);
            }
            let (digest, size) = source
                .blob(store, path, None, ctx)?
                .ok_or_else(|| missing("the layer", path))?;
            let diff_id: Digest = diff_id.parse().map_err(|_| {
                ImageError::Corrupt(format!(
                    "the config's diff_id `{diff_id}` is not a sha256 digest"
                ))
            })?;
            let compression = check_diff_id(store, path, &digest, &diff_id)?;
            layers.push(serde_json::json!({
                "mediaType": compression.oci_media_type(),
                "digest": digest.to_string(),
                "size": size,
            }));
        }
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": media::OCI_MANIFEST,
            "config": {
                "mediaType": media::OCI_CONFIG,
                "digest": config_digest.to_string(),
                "size": config_size,
            },
            "layers": layers,
        });
        let bytes = serde_json::to_vec(&manifest)
            .map_err(|e| ImageError::json("the new manifest", "manifest", e))?;
        let (digest, size) = store.put_bytes(&bytes)?;
        let names = entry
            .repo_tags
            .unwrap_or_default()
            .iter()
            .map(|t| Reference::parse(t))
            .collect::<Result<Vec<_>, _>>()?;
        found.push(Found {
            names,
            bare_tag: None,
            descriptor: Descriptor::new(MediaType::ImageManifest, size, &digest),
            platforms: Vec::new(),
        });
    }
    Ok(found)
}

/// A docker archive's layer must be the tar its diff_id names: stored as is when it is
/// that tar, or compressed (docker load accepts gzip layers) and then checked by
/// decompressing it once. Returns how the stored blob is compressed.
fn check_diff_id(
    store: &Store,
    path: &str,
    digest: &Digest,
    diff_id: &Digest,
) -> Result<Compression, ImageError> {
    if digest == diff_id {
        return Ok(Compression::None);
    }
    let mismatch = || {
        ImageError::Corrupt(format!(
            "layer {path} does not match the diff_id {diff_id} its config gives"
        ))
    };
    let blob = BufReader::new(store.open_blob(digest)?);
    let mut reader = decompressor(blob).map_err(|e| ImageError::io("read", path, e))?;
    let mut head = [0u8; 4];
    let mut peek = store.open_blob(digest)?;
    let got = peek
        .read(&mut head)
        .map_err(|e| ImageError::io("read", path, e))?;
    let compression = Compression::detect(&head[..got]);
    if compression == Compression::None {
        return Err(mismatch());
    }
    let mut hashing = HashingReader::new(&mut reader);
    io::copy(&mut hashing, &mut io::sink()).map_err(|_| mismatch())?;
    let (actual, n) = hashing.finish();
    if &actual != diff_id {
        return Err(mismatch());
    }
    remember_uncompressed_size(store, digest, n);
    Ok(compression)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_keeps_archive_paths_inside() {
        assert_eq!(normalize("./a/b.tar").as_deref(), Some("a/b.tar"));
        assert_eq!(
            normalize("abc/../blobs/sha256/x").as_deref(),
            Some("blobs/sha256/x")
        );
        assert_eq!(normalize("../etc/passwd"), None);
        assert_eq!(
            normalize("/manifest.json").as_deref(),
            Some("manifest.json")
        );
    }

    #[test]
    fn links_resolve_to_spooled_files() {
        let d = Digest::of(b"x");
        let mut c = Collected::default();
        c.files
            .insert(format!("blobs/sha256/{}", d.hex()), (d.clone(), 1));
        c.links
            .insert("abc/layer.tar".into(), format!("blobs/sha256/{}", d.hex()));
        assert_eq!(c.lookup("abc/layer.tar"), Some((d, 1)));
        assert_eq!(c.lookup("nope/layer.tar"), None);
    }
}

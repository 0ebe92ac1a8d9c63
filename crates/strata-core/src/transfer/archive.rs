//! An image archive or layout folder as the source of a transfer: a `docker save` archive
//! (what `skopeo … docker-archive:` and `docker save` write), an OCI archive ([OCI image
//! layout] in a tar), an OCI layout folder, multi-platform indexes included, or a skopeo
//! `dir:` folder (`manifest.json` is the image's manifest, docker v2s2 or OCI; every blob
//! is a file named by its hex digest; a `version` file; the instances of an index as
//! `<hex>.manifest.json`). A blob's file name is always made from a parsed digest, so a
//! manifest cannot name a file outside the folder.
//!
//! [`Archive::open`] reads what the archive holds before any blob moves: for a tar, one
//! pass over its headers, which records where each member's bytes lie (the bytes are
//! skipped, never read) and keeps only the small JSON documents (`manifest.json`,
//! `index.json`, `oci-layout`, `repositories`, each capped); then the images those
//! documents list, with the names they give. An [`ArchiveSource`] serves one of them:
//! every blob is a [`Data::Reader`] over the member's bytes where they lie, so that the
//! store reads it on its writing thread.
//!
//! A compressed tar (`docker save | gzip`) cannot be read by offset: it is decompressed
//! once into a temporary file in the store, which is then read the same way.
//!
//! **Docker archives keep their layers uncompressed.** A docker archive carries no
//! manifest: its image is presented as an OCI manifest over its config (byte for byte, so
//! the image ID is the same) and its layers as they are: a plain layer tar is the blob
//! whose digest is its diff_id (the store verifies it on its way in), with media type
//! `…layer.v1.tar`, so no CPU is spent compressing on import (skopeo 1.9 gzips them on
//! `docker-archive:` → `oci:`, which is most of its time) and a push may still compress.
//! The cost is disk space, the same as `docker load`'s. A compressed layer (which `docker
//! load` accepts) is kept as it is, after its diff_id is checked here. A registry's
//! manifest digest cannot be reproduced from a docker archive; OCI archives and layouts
//! keep every blob, manifests included, so their digests are the source's.
//!
//! Member paths are the archive's own: `.` and `..` are applied within the archive and a
//! path that climbs out of it names nothing; a symbolic or hard link is followed only to
//! another member (docker ≥ 25 links `<id>/layer.tar` to `blobs/sha256/…`); a folder's
//! paths never leave the folder.
//!
//! [OCI image layout]: https://github.com/opencontainers/image-spec/blob/main/image-layout.md

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use bytes::Bytes;
use oci_spec::image::{Descriptor, ImageIndex};
use serde::Deserialize;

use super::endpoint::{Blob, BlobReader, Data, Origin, Source};
use crate::digest::{Digest, DigestError, HashingReader};
use crate::image::model::{self, ANNOTATION_CONTAINERD_NAME, ANNOTATION_REF_NAME, MAX_DOCUMENT};
use crate::image::ImageError;
use crate::layer::compression::unpacked;
use crate::layer::Compression;
use crate::media;
use crate::registry::client::MANIFEST_MAX;
use crate::registry::manifest;
use crate::registry::{RawManifest, RegistryError};
use crate::task::{TaskCtx, UnitKind, Watch};

/// Files small enough to keep in memory, and the only ones kept.
const METADATA: [&str; 4] = ["manifest.json", "index.json", "oci-layout", "repositories"];

/// What Strata reads, for the message about something that is none of them.
pub const FORMATS: &str = "expected one of: a docker archive (a tar with manifest.json \
    listing images, as docker save writes), an OCI image layout (index.json and oci-layout, \
    a folder or a tar), or a skopeo dir: folder (manifest.json, version and blobs named by \
    digest); a tar may be gzip- or zstd-compressed";

/// Links followed from one path, at most.
const MAX_HOPS: usize = 8;

/// An image archive or layout folder, opened: where its files are, and its images.
pub struct Archive {
    files: Files,
    /// The archive's path, for messages.
    describe: String,
    format: &'static str,
    images: Vec<Image>,
    /// Every blob served so far, for [`Archive::served`].
    served: Mutex<Vec<Digest>>,
}

/// One image an archive holds, as it names it.
pub struct Image {
    /// The names the archive gives it (`io.containerd.image.name`, a full
    /// `org.opencontainers.image.ref.name`, or docker's `RepoTags`).
    pub names: Vec<String>,
    /// A bare tag without repository (skopeo's `ref.name`), when that is all it has.
    pub bare_tag: Option<String>,
    /// The top descriptor: a manifest or an index.
    pub descriptor: Descriptor,
    top: Top,
}

enum Top {
    /// An OCI layout's entry: every blob is `blobs/sha256/<hex>`.
    Layout,
    /// A skopeo `dir:` folder's manifest (or index): every blob is `<hex>`, an index's
    /// manifests `<hex>.manifest.json`.
    Dir(RawManifest),
    /// A docker archive's entry, presented as an OCI manifest.
    Docker(Docker),
}

struct Docker {
    manifest: RawManifest,
    /// Where each blob is, and what it must be to be that blob.
    blobs: HashMap<Digest, (String, Expect)>,
    /// The layers kept compressed, with their uncompressed size.
    unpacked: Vec<(Digest, u64)>,
}

/// What a docker archive's member must match: the digest the archive names it by (its
/// config), or the diff_id its config gives (a plain layer).
#[derive(Clone, Copy)]
enum Expect {
    Config,
    DiffId,
    /// A compressed layer, its diff_id checked when the archive was opened.
    Checked,
}

/// Where an archive's files are.
enum Files {
    Folder(PathBuf),
    Tar(Tar),
}

/// A tar's members, where they lie.
#[derive(Default)]
struct Tar {
    /// The file read: the archive, or its decompressed copy.
    path: PathBuf,
    /// The decompressed copy, removed when the archive is dropped.
    plain: Option<tempfile::NamedTempFile>,
    meta: HashMap<String, Vec<u8>>,
    /// Regular files: path → (offset of the bytes, size).
    members: HashMap<String, (u64, u64)>,
    /// Symlinks and hard links: path → target path (both from the archive root).
    links: HashMap<String, String>,
    /// The tar ends early: a member is cut, or there is no end-of-archive block.
    truncated: bool,
}

impl Archive {
    /// Opens the archive or folder at `path`: reads what it holds and which images. A
    /// compressed tar is decompressed into a temporary file in `scratch` (reported on
    /// `ctx` as the archive unit, `unit`).
    pub fn open(
        path: &Path,
        scratch: &Path,
        ctx: TaskCtx<'_>,
        unit: &str,
    ) -> Result<Archive, ImageError> {
        let meta = std::fs::metadata(path).map_err(|e| ImageError::io("open", path, e))?;
        let files = if meta.is_dir() {
            Files::Folder(path.to_path_buf())
        } else {
            Files::Tar(Tar::read(path, meta.len(), scratch, ctx, unit)?)
        };
        let cut = matches!(&files, Files::Tar(t) if t.truncated);
        let mut archive = Archive {
            files,
            describe: path.display().to_string(),
            format: "",
            images: Vec::new(),
            served: Mutex::default(),
        };
        match archive.list(path, meta.is_dir()) {
            Ok(()) => Ok(archive),
            // Something is missing from a tar that also lacks its end: say why.
            Err(ImageError::NotAnArchive { .. } | ImageError::Missing { .. }) if cut => {
                Err(ImageError::Corrupt(format!(
                    "{} ends without the tar end-of-archive block: it is truncated",
                    path.display()
                )))
            }
            Err(e) => Err(e),
        }
    }

    /// Whether the archive was compressed, and is read from a decompressed copy.
    pub fn decompressed(&self) -> bool {
        matches!(&self.files, Files::Tar(t) if t.plain.is_some())
    }

    /// The archive's path, for messages.
    pub fn describe(&self) -> &str {
        &self.describe
    }

    /// `docker-archive`, `oci-archive` or `oci-dir`.
    pub fn format(&self) -> &'static str {
        self.format
    }

    /// The images, in the archive's order.
    pub fn images(&self) -> &[Image] {
        &self.images
    }

    /// The source of the archive's `n`th image.
    pub fn source(&self, n: usize) -> ArchiveSource<'_> {
        ArchiveSource {
            archive: self,
            image: &self.images[n],
        }
    }

    /// Every blob served so far (to release them after a failure).
    pub fn served(&self) -> Vec<Digest> {
        self.served.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Layers kept compressed, with their uncompressed size.
    pub fn unpacked_sizes(&self) -> impl Iterator<Item = &(Digest, u64)> {
        self.images.iter().flat_map(|i| match &i.top {
            Top::Docker(d) => d.unpacked.as_slice(),
            Top::Layout | Top::Dir(_) => &[],
        })
    }

    /// A blob that came out of the archive other than its digest says: which file it is
    /// and what it failed.
    pub fn mismatch(&self, what: &str, source: &DigestError) -> ImageError {
        for image in &self.images {
            let Top::Docker(d) = &image.top else { continue };
            for (digest, (path, expect)) in &d.blobs {
                if what == format!("blob {digest}") {
                    return match expect {
                        Expect::DiffId | Expect::Checked => ImageError::Corrupt(format!(
                            "layer {path} does not match the diff_id {digest} its config gives"
                        )),
                        Expect::Config => ImageError::Corrupt(format!(
                            "{path} does not match its digest {digest}: {source}"
                        )),
                    };
                }
            }
        }
        let digest = what.strip_prefix("blob ").unwrap_or(what);
        let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
        let file = if self.format == "dir" {
            hex.to_string()
        } else {
            format!("blobs/sha256/{hex}")
        };
        ImageError::Corrupt(format!(
            "{file} does not match its digest {digest}: {source}"
        ))
    }

    /// Reads the documents and lists the images.
    fn list(&mut self, path: &Path, is_dir: bool) -> Result<(), ImageError> {
        let is_oci = self.meta("oci-layout")?.is_some() && self.meta("index.json")?.is_some();
        let docker = self.meta("manifest.json")?;
        // skopeo's dir: holds one manifest (a JSON object), docker's manifest.json a list.
        let is_dir_transport = is_dir
            && docker
                .as_deref()
                .is_some_and(|d| d.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'));
        if is_dir_transport && !is_oci {
            self.format = "dir";
            self.images = vec![self.list_dir(docker.unwrap_or_default())?];
        } else if is_oci {
            self.format = if is_dir { "oci-dir" } else { "oci-archive" };
            self.images = self.list_layout(docker.as_deref())?;
        } else if let Some(docker) = docker {
            self.format = "docker-archive";
            self.images = self.list_docker(&docker)?;
        } else {
            return Err(ImageError::NotAnArchive {
                path: path.to_path_buf(),
            });
        }
        if self.images.is_empty() {
            return Err(ImageError::Corrupt("the archive lists no image".into()));
        }
        Ok(())
    }

    fn list_layout(&self, docker_manifest: Option<&[u8]>) -> Result<Vec<Image>, ImageError> {
        let bytes = self.meta("index.json")?.unwrap_or_default();
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
        let mut images = Vec::new();
        for (i, desc) in index.manifests().iter().enumerate() {
            model::digest_of(desc)?;
            let annotations = desc.annotations().clone().unwrap_or_default();
            let mut names = Vec::new();
            let mut bare_tag = None;
            if let Some(full) = annotations.get(ANNOTATION_CONTAINERD_NAME) {
                names.push(full.clone());
            } else if let Some(name) = annotations.get(ANNOTATION_REF_NAME) {
                // `ref.name` is a full name for Strata and containerd, only a tag for skopeo.
                if name.contains('/') || name.contains(':') {
                    names.push(name.clone());
                } else {
                    bare_tag = Some(name.clone());
                }
            }
            if names.is_empty() && index.manifests().len() == repo_tags.len() {
                names.extend(repo_tags[i].iter().cloned());
            }
            let mut top = Descriptor::new(
                desc.media_type().clone(),
                desc.size(),
                desc.digest().clone(),
            );
            top.set_platform(desc.platform().clone());
            images.push(Image {
                names,
                bare_tag,
                descriptor: top,
                top: Top::Layout,
            });
        }
        Ok(images)
    }

    /// skopeo's `dir:`: `manifest.json` is the top, as it is (its digest is the source's).
    fn list_dir(&self, bytes: Vec<u8>) -> Result<Image, ImageError> {
        if let Some(version) = self.read_small("version", 1024)? {
            let version = String::from_utf8_lossy(&version);
            if !version.starts_with("Directory Transport Version: 1.") {
                return Err(ImageError::Corrupt(format!(
                    "the dir: folder's version file says `{}`; Strata reads version 1.x",
                    version.trim().chars().take(80).collect::<String>()
                )));
            }
        }
        let media_type = manifest::media_type_of(None, &bytes);
        if !matches!(
            manifest::kind_of(&media_type),
            manifest::Kind::Manifest | manifest::Kind::Index
        ) {
            return Err(ImageError::MediaType {
                what: "manifest.json of the dir: folder".into(),
                media_type,
            });
        }
        let digest = Digest::of(&bytes);
        let descriptor = Descriptor::new(
            oci_spec::image::MediaType::from(media_type.as_str()),
            bytes.len() as u64,
            oci_spec::image::Digest::from(&digest),
        );
        Ok(Image {
            names: Vec::new(),
            bare_tag: None,
            descriptor,
            top: Top::Dir(RawManifest {
                bytes: Bytes::from(bytes),
                media_type,
                digest,
            }),
        })
    }

    /// Where the archive keeps the blob `digest`, as its messages name it.
    pub fn blob_file(&self, digest: &Digest) -> String {
        if self.format == "dir" {
            digest.hex().to_string()
        } else {
            layout_path(digest)
        }
    }

    fn list_docker(&self, manifest_json: &[u8]) -> Result<Vec<Image>, ImageError> {
        let entries: Vec<DockerEntry> = serde_json::from_slice(manifest_json)
            .map_err(|e| ImageError::json("manifest.json", "docker archive manifest", e))?;
        let mut images = Vec::new();
        for entry in entries {
            let missing = |what: &str, path: &str| ImageError::Missing {
                what: format!("{what} {path}, which manifest.json names,"),
            };
            let config = self
                .read_small(&entry.config, MAX_DOCUMENT)?
                .ok_or_else(|| missing("the config", &entry.config))?;
            let config_digest = Digest::of(&config);
            let what = format!("config {}", entry.config);
            let parsed = model::parse_config(&config, &what)?;
            let diff_ids = parsed.rootfs().diff_ids();
            if diff_ids.len() != entry.layers.len() {
                return Err(ImageError::Corrupt(format!(
                    "manifest.json lists {} layers but the config has {} diff_ids",
                    entry.layers.len(),
                    diff_ids.len()
                )));
            }
            let mut blobs = HashMap::new();
            blobs.insert(
                config_digest.clone(),
                (entry.config.clone(), Expect::Config),
            );
            let mut unpacked = Vec::new();
            let mut layers = Vec::new();
            for (path, diff_id) in entry.layers.iter().zip(diff_ids) {
                let (mut reader, size) =
                    self.file(path)?.ok_or_else(|| missing("the layer", path))?;
                let diff_id: Digest = diff_id.parse().map_err(|_| {
                    ImageError::Corrupt(format!(
                        "the config's diff_id `{diff_id}` is not a sha256 digest"
                    ))
                })?;
                let mut head = [0u8; 4];
                let got = read_head(&mut reader, &mut head)
                    .map_err(|e| ImageError::io("read", path, e))?;
                let compression = Compression::detect(&head[..got]);
                let (digest, expect) = if compression == Compression::None {
                    (diff_id, Expect::DiffId)
                } else {
                    let (digest, n) = self.check_diff_id(path, &diff_id)?;
                    unpacked.push((digest.clone(), n));
                    (digest, Expect::Checked)
                };
                layers.push(serde_json::json!({
                    "mediaType": compression.oci_media_type(),
                    "digest": digest.to_string(),
                    "size": size,
                }));
                blobs.insert(digest, (path.clone(), expect));
            }
            let manifest = serde_json::json!({
                "schemaVersion": 2,
                "mediaType": media::OCI_MANIFEST,
                "config": {
                    "mediaType": media::OCI_CONFIG,
                    "digest": config_digest.to_string(),
                    "size": config.len(),
                },
                "layers": layers,
            });
            let bytes = serde_json::to_vec(&manifest)
                .map_err(|e| ImageError::json("the new manifest", "manifest", e))?;
            let digest = Digest::of(&bytes);
            let descriptor = Descriptor::new(
                oci_spec::image::MediaType::ImageManifest,
                bytes.len() as u64,
                oci_spec::image::Digest::from(&digest),
            );
            images.push(Image {
                names: entry.repo_tags.unwrap_or_default(),
                bare_tag: None,
                descriptor,
                top: Top::Docker(Docker {
                    manifest: RawManifest {
                        bytes: Bytes::from(bytes),
                        media_type: media::OCI_MANIFEST.to_string(),
                        digest,
                    },
                    blobs,
                    unpacked,
                }),
            });
        }
        Ok(images)
    }

    /// A compressed docker-archive layer must unpack to its diff_id (docker load accepts
    /// such layers): read once here, decompressed. Returns its digest and unpacked size.
    fn check_diff_id(&self, path: &str, diff_id: &Digest) -> Result<(Digest, u64), ImageError> {
        let mismatch = || {
            ImageError::Corrupt(format!(
                "layer {path} does not match the diff_id {diff_id} its config gives"
            ))
        };
        let (reader, _) = self.file(path)?.ok_or_else(mismatch)?;
        let mut packed = HashingReader::new(reader);
        let (_, plain) = unpacked(&mut packed).map_err(|e| ImageError::io("read", path, e))?;
        let mut unpacking = HashingReader::new(plain);
        io::copy(&mut unpacking, &mut io::sink()).map_err(|_| mismatch())?;
        let (actual, n) = unpacking.finish();
        if &actual != diff_id {
            return Err(mismatch());
        }
        io::copy(&mut packed, &mut io::sink()).map_err(|e| ImageError::io("read", path, e))?;
        Ok((packed.finish().0, n))
    }

    /// A metadata document.
    fn meta(&self, name: &str) -> Result<Option<Vec<u8>>, ImageError> {
        match &self.files {
            Files::Tar(t) => Ok(t.meta.get(name).cloned()),
            Files::Folder(_) => self.read_small(name, MAX_DOCUMENT),
        }
    }

    /// A small file, whole, refused over `limit` bytes.
    fn read_small(&self, path: &str, limit: u64) -> Result<Option<Vec<u8>>, ImageError> {
        let Some((reader, _)) = self.file(path)? else {
            return Ok(None);
        };
        let mut bytes = Vec::new();
        reader
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| ImageError::io("read", path, e))?;
        if bytes.len() as u64 > limit {
            return Err(ImageError::TooLarge {
                what: path.to_string(),
                size: bytes.len() as u64,
                limit,
            });
        }
        Ok(Some(bytes))
    }

    /// A file's bytes and size; `None` when the archive has no such file.
    fn file(&self, path: &str) -> Result<Option<(BlobReader, u64)>, ImageError> {
        match &self.files {
            Files::Tar(t) => {
                let Some((offset, size)) = t.lookup(path) else {
                    return Ok(None);
                };
                let mut file =
                    File::open(&t.path).map_err(|e| ImageError::io("open", &t.path, e))?;
                file.seek(SeekFrom::Start(offset))
                    .map_err(|e| ImageError::io("read", &t.path, e))?;
                Ok(Some((Box::new(file.take(size)), size)))
            }
            Files::Folder(root) => {
                // The path comes from the layout's own JSON: never let it leave the folder.
                let rel = Path::new(path);
                if rel
                    .components()
                    .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
                {
                    return Err(ImageError::Corrupt(format!(
                        "{path} points outside the image directory"
                    )));
                }
                let full = root.join(rel);
                let file = match open_inside(root, rel) {
                    Ok(Some(f)) => f,
                    Ok(None) => return Ok(None),
                    Err(e) => return Err(ImageError::io("open", full, e)),
                };
                let meta = file
                    .metadata()
                    .map_err(|e| ImageError::io("read", &full, e))?;
                if !meta.is_file() {
                    return Ok(None);
                }
                Ok(Some((Box::new(file), meta.len())))
            }
        }
    }
}

/// Opens the regular file `rel` names inside the folder `root`, never leaving it: a
/// symlink in the folder resolves inside it (on Linux, through the rooted filesystem, as
/// a container's paths do; elsewhere a symlink on the way counts as absent), so a layout
/// whose blob links to a host file reads nothing of the host; a FIFO or a device is
/// refused without being opened (opening a FIFO waits for a writer for ever). `None`:
/// nothing there.
#[cfg(target_os = "linux")]
fn open_inside(root: &Path, rel: &Path) -> io::Result<Option<File>> {
    let tree = crate::fs::Root::open(root)?;
    match tree.open_regular(rel, crate::fs::Follow::Yes) {
        Ok(f) => Ok(Some(f)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(not(target_os = "linux"))]
fn open_inside(root: &Path, rel: &Path) -> io::Result<Option<File>> {
    let mut at = root.to_path_buf();
    for part in rel.components() {
        at.push(part);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => return Ok(None),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        }
    }
    if !std::fs::symlink_metadata(&at)?.is_file() {
        return Ok(None);
    }
    File::open(&at).map(Some)
}

/// Reads up to `head.len()` bytes from the start of `r`.
fn read_head(r: &mut dyn Read, head: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < head.len() {
        match r.read(&mut head[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}

/// One entry of a docker archive's `manifest.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerEntry {
    config: String,
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

impl Tar {
    /// One pass over the headers of the tar at `path` (decompressed first into `scratch`
    /// if it is compressed).
    fn read(
        path: &Path,
        size: u64,
        scratch: &Path,
        ctx: TaskCtx<'_>,
        unit: &str,
    ) -> Result<Tar, ImageError> {
        let mut file = File::open(path).map_err(|e| ImageError::io("open", path, e))?;
        let mut head = [0u8; 4];
        let got = read_head(&mut file, &mut head).map_err(|e| ImageError::io("read", path, e))?;
        let mut tar = Tar::default();
        if Compression::detect(&head[..got]) == Compression::None {
            tar.path = path.to_path_buf();
        } else {
            let file = File::open(path).map_err(|e| ImageError::io("open", path, e))?;
            let watched = Watch::new(file, ctx, unit.to_string(), UnitKind::Archive, Some(size));
            // Decompressed as a layer is, within its limits (64 GiB, 1 MiB per header, a
            // million entries): a 1 MB gzip of one 1 GiB GNU long name made the index of
            // members hold it whole in memory, several times.
            let mut plain = crate::layer::decompress(
                BufReader::with_capacity(1 << 20, watched),
                &crate::layer::Limits::default(),
            )?;
            // Locked while in use: gc leaves it alone, and removes the one a killed import
            // left.
            let mut copy = crate::store::locked_temp_file(scratch, "import")
                .map_err(|e| ImageError::io("create a file in", scratch, e))?;
            io::copy(&mut plain, copy.as_file_mut()).map_err(|e| {
                if crate::task::is_cancelled(&e) {
                    ImageError::Cancelled
                } else {
                    not_a_tar(path, e)
                }
            })?;
            tar.path = copy.path().to_path_buf();
            tar.plain = Some(copy);
        }
        tar.index(path)?;
        Ok(tar)
    }

    /// Records every member of the tar at `self.path`; `path` names it in errors.
    fn index(&mut self, path: &Path) -> Result<(), ImageError> {
        let file = File::open(&self.path).map_err(|e| ImageError::io("open", path, e))?;
        let len = file
            .metadata()
            .map_err(|e| ImageError::io("read", path, e))?
            .len();
        let mut archive = tar::Archive::new(file);
        let bad_tar = |e: io::Error| not_a_tar(path, e);
        let mut end = 0;
        for entry in archive.entries_with_seek().map_err(bad_tar)? {
            let mut entry = entry.map_err(bad_tar)?;
            let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let kind = entry.header().entry_type();
            let declared = entry.header().size().map_err(bad_tar)?;
            let offset = entry.raw_file_position();
            end = offset + declared.div_ceil(512) * 512;
            let Some(name) = normalize(&raw) else {
                continue;
            };
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
                    self.links.insert(name, full);
                }
                continue;
            }
            if !kind.is_file() {
                continue;
            }
            if offset + declared > len {
                // Cut in the middle of this member: it names nothing whole.
                self.truncated = true;
                break;
            }
            if METADATA.contains(&name.as_str()) {
                if declared > MAX_DOCUMENT {
                    return Err(ImageError::TooLarge {
                        what: name,
                        size: declared,
                        limit: MAX_DOCUMENT,
                    });
                }
                let mut bytes = Vec::with_capacity(declared as usize);
                entry
                    .read_to_end(&mut bytes)
                    .map_err(|e| ImageError::io("read", path, e))?;
                self.meta.insert(name, bytes);
                continue;
            }
            self.members.insert(name, (offset, declared));
        }
        // The end-of-archive block: a tar cut at a member's boundary lacks it.
        if end + 512 > len {
            self.truncated = true;
        }
        Ok(())
    }

    fn lookup(&self, path: &str) -> Option<(u64, u64)> {
        let mut path = normalize(path)?;
        for _ in 0..MAX_HOPS {
            if let Some(found) = self.members.get(&path) {
                return Some(*found);
            }
            path = self.links.get(&path)?.clone();
        }
        None
    }
}

fn not_a_tar(path: &Path, e: io::Error) -> ImageError {
    ImageError::Corrupt(format!(
        "{} is not a complete tar archive ({e}); {FORMATS}",
        path.display()
    ))
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

/// One image of an [`Archive`], as the source of a transfer.
pub struct ArchiveSource<'a> {
    archive: &'a Archive,
    image: &'a Image,
}

impl ArchiveSource<'_> {
    fn error(&self, e: ImageError) -> RegistryError {
        match e {
            ImageError::Store(e) => RegistryError::Store(e),
            ImageError::Cancelled => RegistryError::Cancelled,
            e => RegistryError::Protocol {
                registry: self.archive.describe.clone(),
                reason: e.to_string(),
            },
        }
    }

    /// Where a blob is in the archive.
    fn path_of(&self, digest: &Digest) -> String {
        match &self.image.top {
            Top::Docker(d) => match d.blobs.get(digest) {
                Some((path, _)) => path.clone(),
                None => layout_path(digest),
            },
            Top::Layout => layout_path(digest),
            Top::Dir(_) => digest.hex().to_string(),
        }
    }

    /// A manifest or index of the layout, checked against the descriptor naming it.
    fn read_manifest(&self, desc: &Descriptor) -> Result<RawManifest, RegistryError> {
        let from = &self.archive.describe;
        let digest = manifest::digest_of(desc, from)?;
        let path = match &self.image.top {
            Top::Dir(_) => format!("{}.manifest.json", digest.hex()),
            _ => layout_path(&digest),
        };
        let bytes = self
            .archive
            .read_small(&path, MANIFEST_MAX as u64)
            .map_err(|e| self.error(e))?
            .ok_or_else(|| RegistryError::MissingBlob(digest.clone()))?;
        let actual = Digest::of(&bytes);
        let wrong = if actual != digest {
            Some(DigestError::Mismatch {
                expected: Box::new(digest.clone()),
                actual: Box::new(actual),
            })
        } else if bytes.len() as u64 != desc.size() {
            Some(DigestError::Size {
                expected: desc.size(),
                actual: bytes.len() as u64,
            })
        } else {
            None
        };
        if let Some(source) = wrong {
            return Err(RegistryError::Digest {
                registry: from.clone(),
                what: format!("blob {digest}"),
                source,
            });
        }
        let media_type = manifest::media_type_of(Some(desc.media_type().as_ref()), &bytes);
        Ok(RawManifest {
            bytes: Bytes::from(bytes),
            media_type,
            digest,
        })
    }
}

fn layout_path(digest: &Digest) -> String {
    format!("blobs/sha256/{}", digest.hex())
}

impl Source for ArchiveSource<'_> {
    fn describe(&self) -> &str {
        &self.archive.describe
    }

    async fn top(&self) -> Result<RawManifest, RegistryError> {
        match &self.image.top {
            Top::Docker(d) => Ok(d.manifest.clone()),
            Top::Dir(m) => Ok(m.clone()),
            Top::Layout => self.read_manifest(&self.image.descriptor),
        }
    }

    async fn manifest(&self, entry: &Descriptor) -> Result<RawManifest, RegistryError> {
        self.read_manifest(entry)
    }

    async fn check(&self, blobs: &[Blob]) -> Result<(), RegistryError> {
        for blob in blobs {
            let here = match &self.archive.files {
                Files::Tar(t) => t.lookup(&self.path_of(&blob.digest)).is_some(),
                Files::Folder(_) => self
                    .archive
                    .file(&self.path_of(&blob.digest))
                    .map_err(|e| self.error(e))?
                    .is_some(),
            };
            if !here {
                return Err(RegistryError::MissingBlob(blob.digest.clone()));
            }
        }
        Ok(())
    }

    async fn blob<'a>(&'a self, blob: &'a Blob) -> Result<Data<'a>, RegistryError> {
        let (reader, _) = self
            .archive
            .file(&self.path_of(&blob.digest))
            .map_err(|e| self.error(e))?
            .ok_or_else(|| RegistryError::MissingBlob(blob.digest.clone()))?;
        if let Ok(mut served) = self.archive.served.lock() {
            served.push(blob.digest.clone());
        }
        Ok(Data::Reader(reader))
    }

    fn origin(&self) -> Option<Origin<'_>> {
        None
    }
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
    fn links_resolve_to_members() {
        let d = Digest::of(b"x");
        let mut t = Tar::default();
        t.members
            .insert(format!("blobs/sha256/{}", d.hex()), (512, 1));
        t.links
            .insert("abc/layer.tar".into(), format!("blobs/sha256/{}", d.hex()));
        t.links.insert("loop/a".into(), "loop/b".into());
        t.links.insert("loop/b".into(), "loop/a".into());
        assert_eq!(t.lookup("abc/layer.tar"), Some((512, 1)));
        assert_eq!(t.lookup("nope/layer.tar"), None);
        assert_eq!(t.lookup("loop/a"), None);
    }

    /// A tar of `(path, bytes)` files and `(path, target)` symlinks.
    fn tar(files: &[(&str, &[u8])], links: &[(&str, &str)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, target) in links {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_size(0);
            b.append_link(&mut h, path, target).unwrap();
        }
        for (path, data) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            // Written raw: the builder refuses `..` in a path.
            h.as_gnu_mut().unwrap().name[..path.len()].copy_from_slice(path.as_bytes());
            h.set_cksum();
            b.append(&h, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn index(bytes: &[u8]) -> Result<Tar, ImageError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.tar");
        std::fs::write(&path, bytes).unwrap();
        Tar::read(
            &path,
            bytes.len() as u64,
            dir.path(),
            TaskCtx::none(),
            "a.tar",
        )
    }

    #[test]
    fn members_outside_the_archive_and_links_out_of_it_name_nothing() {
        let t = index(&tar(
            &[("../escape", b"x"), ("a/../../b", b"y"), ("ok", b"z")],
            &[("passwd", "/etc/passwd"), ("up", "../../etc/passwd")],
        ))
        .unwrap();
        assert_eq!(t.lookup("ok").map(|(_, n)| n), Some(1));
        for path in ["../escape", "escape", "b", "passwd", "up", "/etc/passwd"] {
            assert_eq!(t.lookup(path), None, "{path}");
        }
        assert!(!t.truncated);
    }

    #[test]
    fn a_member_cut_short_marks_the_tar_truncated() {
        let whole = tar(&[("blob", &[7u8; 4000])], &[]);
        let t = index(&whole[..2000]).unwrap();
        assert!(t.truncated);
        assert_eq!(t.lookup("blob"), None);
        // Cut at a member's end: no end-of-archive block.
        let t = index(&whole[..512 + 4096]).unwrap();
        assert!(t.truncated);
    }

    #[test]
    fn an_oversize_document_is_refused_unread() {
        let big = vec![b' '; MAX_DOCUMENT as usize + 1];
        match index(&tar(&[("manifest.json", &big)], &[])) {
            Err(ImageError::TooLarge { what, .. }) => assert_eq!(what, "manifest.json"),
            other => panic!("{:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn the_last_of_two_members_of_one_name_counts() {
        let t = index(&tar(&[("m", b"first"), ("m", b"second!")], &[])).unwrap();
        assert_eq!(t.lookup("m").map(|(_, n)| n), Some(7));
    }
}

//! `strata import`: images in from a `docker save` archive (what `skopeo copy …
//! docker-archive:` and `docker save` write), an OCI archive ([OCI image layout] in a tar),
//! an OCI layout directory, multi-platform indexes included, or a skopeo `dir:` directory. Each image is a transfer
//! from the archive ([`ArchiveSource`], which says how an archive is read) into the store
//! ([`StoreSink::unnamed`]): the plan, the per-blob progress, the verification and the
//! cancellation are the transfer's.
//!
//! **Nothing visible until verified.** The names are decided before any blob moves
//! (`--tag`, or the archive's own). Every blob is verified on its way into the store
//! (digest and size; a docker archive's plain layer is the blob its diff_id names); the
//! images stay unnamed while they come in; once all are in, each is checked whole and the
//! names are written, all at once, with `Store::set_refs`. A failure, a cancel or a kill
//! midway leaves no name behind; blobs already written are unreferenced and go at the
//! next `gc`.
//!
//! **Constant memory.** A tar is never read whole: its headers once, then each blob where
//! it lies, straight into the store's writer (see [`crate::transfer::endpoint::Data`]).
//! Only the small JSON documents are kept in memory.
//!
//! [OCI image layout]: https://github.com/opencontainers/image-spec/blob/main/image-layout.md

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use oci_spec::image::Descriptor;
use serde::Serialize;

use super::inspect::remember_uncompressed_size;
use super::model::{self, digest_of, Kind};
use super::ImageError;
use crate::digest::Digest;
use crate::reference::Reference;
use crate::registry::RegistryError;
use crate::store::Store;
use crate::task::{Meter, Progress, TaskCtx, Unit, UnitKind, UnitState};
use crate::transfer::archive::Archive;
use crate::transfer::{copy_blocking, ArchiveSource, Options, Selection, StoreSink};

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
    /// `docker-archive`, `oci-archive`, `oci-dir` or `dir` (skopeo's).
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
    let unit = path.display().to_string();
    // An archive file is a unit of its own, its blobs read out of it; a folder is not.
    let size = std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    let archive = Archive::open(path, &store.tmp_dir(), ctx, &unit);
    let result = archive.and_then(|archive| {
        let within = size.map(|len| (unit.as_str(), len));
        let result = import_from(store, &archive, opts, ctx, within);
        if result.is_err() {
            // The blobs this import stored are not going to be named: the next gc may take
            // them (the store protects a live process's unnamed blobs). Best effort: at
            // worst they stay until this process exits.
            let _ = store.release_blobs(&archive.served());
        }
        result
    });
    if let (Ok(_), Some(len)) = (&result, size) {
        ctx.done(&unit, UnitKind::Archive, len, UnitState::Done);
    }
    // However an I/O error surfaced, a raised flag means the user stopped us.
    match result {
        Err(_) if ctx.is_cancelled() => Err(ImageError::Cancelled),
        other => other,
    }
}

/// Names the images, moves each into the store, and names them all at once. `within`:
/// the archive file's unit and size, which its blobs are read out of.
fn import_from(
    store: &Store,
    archive: &Archive,
    opts: &ImportOptions,
    ctx: TaskCtx<'_>,
    within: Option<(&str, u64)>,
) -> Result<Imported, ImageError> {
    let found = archive
        .images()
        .iter()
        .map(|image| {
            Ok(Found {
                names: image
                    .names
                    .iter()
                    .map(|name| Reference::parse(name))
                    .collect::<Result<_, _>>()?,
                bare_tag: image.bare_tag.clone(),
                descriptor: image.descriptor.clone(),
            })
        })
        .collect::<Result<Vec<_>, ImageError>>()?;
    let named = name_all(found, opts)?;

    // A tar's blobs are read out of it: their bytes are the archive's progress (a
    // compressed one's was its decompression).
    let meter = within
        .filter(|_| !archive.decompressed())
        .map(|(unit, len)| Meter::new(ctx.progress, unit, UnitKind::Archive, Some(len)));
    let progress = ReadOutOf {
        inner: ctx.progress,
        archive: meter.as_ref(),
        moved: Mutex::default(),
    };
    if let Some(meter) = &meter {
        meter.state(UnitState::Transferring, 0);
    }
    // One blob at a time: the blobs of a tar are read out of one file, in turn.
    let options = Options {
        selection: Selection::All,
        concurrency: 1,
        within: within.map(|(unit, _)| unit.to_string()),
        ..Options::default()
    };
    let sink = StoreSink::unnamed(store);
    for (n, image) in archive.images().iter().enumerate() {
        let what = format!(
            "image {} of {}",
            image.descriptor.digest(),
            archive.describe()
        );
        let source: ArchiveSource<'_> = archive.source(n);
        copy_blocking(
            &source,
            &sink,
            &what,
            &options,
            TaskCtx::new(&progress, ctx.cancel),
        )
        .map_err(|e| from_transfer(archive, e))?;
    }
    for (digest, size) in archive.unpacked_sizes() {
        remember_uncompressed_size(store, digest, *size);
    }

    // The last check before anything becomes visible: every blob of every image is in
    // the store with the right size (digests were verified as they were written).
    let mut images = Vec::new();
    let mut refs = Vec::new();
    for (name, desc) in named {
        model::closure(store, &desc)?;
        let platforms = match model::read_kind(store, &desc)? {
            (Kind::Index, bytes) => model::platforms_of(&model::parse_index(
                &bytes,
                &format!("index {}", desc.digest()),
            )?),
            (Kind::Manifest, _) => Vec::new(),
        };
        images.push(ImportedImage {
            name: name.to_string(),
            digest: digest_of(&desc)?,
            media_type: desc.media_type().to_string(),
            platforms,
        });
        refs.push((name, desc));
    }
    if ctx.is_cancelled() {
        return Err(ImageError::Cancelled);
    }
    store.set_refs(refs)?;
    Ok(Imported {
        images,
        format: archive.format().into(),
    })
}

/// Reports go through as they are; the bytes of the units read out of the archive add
/// up to the archive's own.
struct ReadOutOf<'a> {
    inner: &'a dyn Progress,
    archive: Option<&'a Meter<'a>>,
    moved: Mutex<HashMap<String, u64>>,
}

impl Progress for ReadOutOf<'_> {
    fn update(&self, u: Unit) {
        if let (Some(archive), Some(_)) = (self.archive, &u.within) {
            if let Ok(mut moved) = self.moved.lock() {
                moved.insert(u.id.clone(), u.moved());
                archive.bytes(moved.values().sum());
            }
        }
        self.inner.update(u);
    }
}

/// A transfer's error as an import's.
fn from_transfer(archive: &Archive, e: RegistryError) -> ImageError {
    match e {
        RegistryError::Cancelled => ImageError::Cancelled,
        RegistryError::Store(e) => ImageError::Store(e),
        RegistryError::Digest { what, source, .. } => archive.mismatch(&what, &source),
        RegistryError::MissingBlob(digest) => ImageError::Missing {
            what: format!(
                "blob {digest} ({}) in the archive",
                archive.blob_file(&digest)
            ),
        },
        RegistryError::Schema1 { reference } => ImageError::Schema1 { what: reference },
        RegistryError::MediaType { what, media_type } => ImageError::MediaType { what, media_type },
        RegistryError::Protocol { reason, .. } => ImageError::Corrupt(reason),
        other => ImageError::Corrupt(other.to_string()),
    }
}

/// An image found in the archive, before naming: its names there, its top descriptor.
struct Found {
    names: Vec<Reference>,
    /// A tag without repository (an OCI `ref.name` like `latest`), kept for the message.
    bare_tag: Option<String>,
    descriptor: Descriptor,
}

/// Decides the final names: `--tag` for a one-image archive, else the archive's own.
fn name_all(
    found: Vec<Found>,
    opts: &ImportOptions,
) -> Result<Vec<(Reference, Descriptor)>, ImageError> {
    if let Some(tag) = &opts.tag {
        if found.len() > 1 {
            return Err(ImageError::NeedsName(format!(
                "the archive holds {} images and --tag can name only one; import it without --tag to keep the archive's names",
                found.len()
            )));
        }
        return Ok(found
            .into_iter()
            .map(|f| (tag.clone(), f.descriptor))
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
            out.push((name, f.descriptor.clone()));
        }
    }
    Ok(out)
}

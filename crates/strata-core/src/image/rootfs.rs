//! `strata import-rootfs TAR|DIR --tag REF`: a new image of one layer from a root
//! filesystem, as `docker import` makes one. The layer is gzip-compressed on its way into
//! the store; its diff_id (uncompressed) and digest (compressed) are computed in the same
//! pass. The config gets the host's platform (or the one asked for), `rootfs.diff_ids`,
//! one history entry with the message, and any `--change` instructions.
//!
//! A tar given as input is checked to be a tar while it streams (every entry is read), and
//! may itself be gzip or zstd compressed; its uncompressed bytes become the layer as they
//! are, as with `docker import`.

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::Path;

use oci_spec::image::{Descriptor, MediaType};

use super::change::{apply_change, empty_config};
use super::import::ImportedImage;
use super::inspect::remember_uncompressed_size;
use super::ImageError;
use crate::digest::{Digest, HashingWriter};
use crate::layer::encode::Encoder;
use crate::layer::Compression;
use crate::media;
use crate::platform::Platform;
use crate::reference::Reference;
use crate::store::{BlobWriter, Store};
use crate::task::{TaskCtx, UnitKind, UnitState, Watch};

/// How to build the image.
#[derive(Debug, Clone)]
pub struct RootfsOptions {
    pub tag: Reference,
    /// The history entry's comment (`-m`).
    pub message: Option<String>,
    /// Dockerfile-style config changes (`--change 'CMD ["/app"]'`).
    pub changes: Vec<String>,
    /// The platform to record; this machine's by default.
    pub platform: Option<Platform>,
}

/// Builds and names the image; the name appears only once every blob is stored.
pub fn import_rootfs(
    store: &Store,
    path: &Path,
    opts: &RootfsOptions,
    ctx: TaskCtx<'_>,
) -> Result<ImportedImage, ImageError> {
    let result = build(store, path, opts, ctx);
    match result {
        Err(_) if ctx.is_cancelled() => Err(ImageError::Cancelled),
        other => other,
    }
}

fn build(
    store: &Store,
    path: &Path,
    opts: &RootfsOptions,
    ctx: TaskCtx<'_>,
) -> Result<ImportedImage, ImageError> {
    // Check the changes before the long part.
    let mut run = empty_config();
    for change in &opts.changes {
        apply_change(&mut run, change)?;
    }
    let meta = std::fs::metadata(path).map_err(|e| ImageError::io("open", path, e))?;
    // Both paths gzip the layer: what every registry and `docker load` accepts.
    let layer = if meta.is_dir() {
        layer_from_dir(store, path, ctx)?
    } else {
        layer_from_tar(store, path, meta.len(), ctx)?
    };
    remember_uncompressed_size(store, &layer.digest, layer.uncompressed_size);
    // The unit's size: the tar read, or the layer written from the folder.
    let unit = if meta.is_dir() {
        (UnitKind::Folder, layer.size)
    } else {
        (UnitKind::Archive, meta.len())
    };
    let result = name_image(store, path, unit, opts, run, &layer, ctx);
    if result.is_err() {
        // The layer will not be named: let the next gc take it (best effort).
        let _ = store.release_blobs(std::slice::from_ref(&layer.digest));
    }
    result
}

/// Writes the config and manifest over a stored layer and names the image.
fn name_image(
    store: &Store,
    path: &Path,
    (kind, len): (UnitKind, u64),
    opts: &RootfsOptions,
    run: oci_spec::image::Config,
    layer: &Layer,
    ctx: TaskCtx<'_>,
) -> Result<ImportedImage, ImageError> {
    let platform = opts.platform.clone().unwrap_or_else(Platform::current);
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let source = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let comment = opts
        .message
        .clone()
        .unwrap_or_else(|| format!("Imported from {source}"));
    let mut config = serde_json::json!({
        "created": now,
        "architecture": platform.architecture,
        "os": platform.os,
        "config": run,
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id.to_string()]},
        "history": [{"created": now, "created_by": "strata import-rootfs", "comment": comment}],
    });
    if let Some(v) = &platform.variant {
        config["variant"] = serde_json::json!(v);
    }
    let config_bytes =
        serde_json::to_vec(&config).map_err(|e| ImageError::json("the config", "config", e))?;
    let (config_digest, config_size) = store.put_bytes(&config_bytes)?;
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": media::OCI_MANIFEST,
        "config": {"mediaType": media::OCI_CONFIG, "digest": config_digest.to_string(), "size": config_size},
        "layers": [{
            "mediaType": Compression::Gzip.oci_media_type(),
            "digest": layer.digest.to_string(),
            "size": layer.size,
        }],
    });
    let manifest_bytes = serde_json::to_vec(&manifest)
        .map_err(|e| ImageError::json("the manifest", "manifest", e))?;
    let (digest, size) = store.put_bytes(&manifest_bytes)?;
    let descriptor = Descriptor::new(MediaType::ImageManifest, size, &digest);
    if ctx.is_cancelled() {
        return Err(ImageError::Cancelled);
    }
    store.set_ref(&opts.tag, descriptor)?;
    ctx.done(&path.display().to_string(), kind, len, UnitState::Done);
    Ok(ImportedImage {
        name: opts.tag.to_string(),
        digest,
        media_type: media::OCI_MANIFEST.into(),
        platforms: Vec::new(),
    })
}

/// A layer as stored.
struct Layer {
    diff_id: Digest,
    digest: Digest,
    size: u64,
    uncompressed_size: u64,
}

/// The uncompressed tar is hashed (diff_id) and gzip-compressed (on every core) into a
/// store blob, at the default level as `commit` does: the stored layer is what a push sends
/// as it is, so its bytes are what an uplink carries.
type Sink = HashingWriter<Encoder<BlobWriter>>;

fn sink(store: &Store) -> Result<Sink, ImageError> {
    let encoder = Encoder::new(store.blob_writer()?, Compression::Gzip, None)
        .map_err(|e| ImageError::io("compress", "a new layer", e))?;
    Ok(HashingWriter::new(encoder))
}

fn commit(sink: Sink, what: &Path) -> Result<Layer, ImageError> {
    let (gz, diff_id, uncompressed_size) = sink.finish();
    let blob = gz
        .finish()
        .map_err(|e| ImageError::io("compress", what, e))?;
    let (digest, size) = blob.commit(None)?;
    Ok(Layer {
        diff_id,
        digest,
        size,
        uncompressed_size,
    })
}

fn layer_from_tar(
    store: &Store,
    path: &Path,
    len: u64,
    ctx: TaskCtx<'_>,
) -> Result<Layer, ImageError> {
    let file = File::open(path).map_err(|e| ImageError::io("open", path, e))?;
    let watched = Watch::new(
        file,
        ctx,
        path.display().to_string(),
        UnitKind::Archive,
        Some(len),
    );
    // Decompressed as a layer is, within its limits (64 GiB, 1 MiB per header, a million
    // entries): one 1 GiB long name in a small gzip was read into memory whole, and the
    // layer stored.
    let plain = crate::layer::decompress(
        BufReader::with_capacity(1 << 20, watched),
        &crate::layer::Limits::default(),
    )?;
    let mut tee = Tee {
        inner: plain,
        out: sink(store)?,
    };
    let not_tar = |e: io::Error| {
        if crate::task::is_cancelled(&e) {
            ImageError::Cancelled
        } else {
            ImageError::Corrupt(format!("{} is not a tar archive ({e})", path.display()))
        }
    };
    {
        // Reading every entry proves it is a tar; the tee stores exactly what was read.
        let mut archive = tar::Archive::new(&mut tee);
        for entry in archive.entries().map_err(not_tar)? {
            let mut entry = entry.map_err(not_tar)?;
            io::copy(&mut entry, &mut io::sink()).map_err(not_tar)?;
        }
    }
    // The end-of-archive blocks and any trailing padding belong to the layer too.
    io::copy(&mut tee, &mut io::sink()).map_err(not_tar)?;
    commit(tee.out, path)
}

/// A directory becomes a deterministic layer through the layer module's writer (sorted
/// entries, numeric owners, hard links and xattrs kept).
fn layer_from_dir(store: &Store, dir: &Path, ctx: TaskCtx<'_>) -> Result<Layer, ImageError> {
    let out = Watch::new(
        store.blob_writer()?,
        ctx,
        dir.display().to_string(),
        UnitKind::Folder,
        None,
    );
    let opts = crate::layer::write::WriteOptions {
        clamp_mtime: crate::layer::write::WriteOptions::source_date_epoch(),
        ..Default::default()
    };
    let (written, out) = crate::layer::write::write_dir(dir, out, &opts)?;
    let (digest, size) = out
        .into_inner()
        .commit(Some((&written.digest, written.size)))?;
    Ok(Layer {
        diff_id: written.diff_id,
        digest,
        size,
        uncompressed_size: written.uncompressed_size,
    })
}

/// A reader that copies everything it reads into a writer.
struct Tee<R, W> {
    inner: R,
    out: W,
}

impl<R: Read, W: Write> Read for Tee<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out.write_all(&buf[..n])?;
        Ok(n)
    }
}

//! `strata export`: an image out of the store as a docker archive (what `docker save`
//! writes and `docker load` / `skopeo … docker-archive:` read), an [OCI image layout]
//! directory, or an OCI archive (that layout in a tar).
//!
//! Everything is written aside (a temporary file or folder next to the target) and renamed
//! into place at the end, so a failed or cancelled export leaves nothing behind and never
//! half-overwrites an earlier export. An existing file is replaced only when asked
//! ([`ExportOptions::overwrite`]: `strata export --force`, or the app's Replace answer);
//! otherwise it is refused up front and again at the final rename (which never replaces),
//! so a file that appears meanwhile is not lost either. A folder in the way is never
//! replaced (only an empty one, for `oci-dir`).
//!
//! The image moves through the one transfer pipeline ([`crate::transfer`]): the store is
//! the source, and the sink a [`DockerArchiveSink`] or a [`LayoutSink`] writing into the
//! temporary file or folder. The walk, the per-blob progress, the cancellation and the
//! re-hashing of every blob (and, for a docker archive, of every layer against its
//! diff_id: a damaged store cannot produce a damaged archive silently) are the
//! pipeline's; what stays here is the export's own rule, where it may write and how the
//! result is put in place.
//!
//! Docker archives hold uncompressed layers (`<diff_id hex>/layer.tar`, as `docker save`
//! names them); OCI exports copy blobs as they are: the same digests as the store.
//!
//! [OCI image layout]: https://github.com/opencontainers/image-spec/blob/main/image-layout.md

use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Serialize;

use super::ImageError;
use crate::digest::Digest;
use crate::platform::Platform;
use crate::reference::Reference;
use crate::registry::RegistryError;
use crate::store::Store;
use crate::task::TaskCtx;
use crate::transfer::{
    copy_blocking, DockerArchiveSink, LayoutSink, Options, Selection, Sink, StoreSource,
};

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExportFormat {
    /// A `docker save` archive: one image (one platform of an index).
    #[default]
    Docker,
    /// An OCI layout in a tar; keeps a multi-platform index whole.
    Oci,
    /// An OCI layout directory; keeps a multi-platform index whole.
    OciDir,
}

impl FromStr for ExportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "docker" | "docker-archive" => Ok(ExportFormat::Docker),
            "oci" | "oci-archive" => Ok(ExportFormat::Oci),
            "oci-dir" | "oci-layout" => Ok(ExportFormat::OciDir),
            other => Err(format!(
                "unknown export format `{other}`: use docker, oci or oci-dir"
            )),
        }
    }
}

/// How to export.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    pub format: ExportFormat,
    /// For a docker archive of an index: which platform (this machine's by default).
    pub platform: Option<Platform>,
    /// Replace an existing file at the destination (the person said so). Without it an
    /// existing file is refused with [`ImageError::WouldOverwrite`]. Never replaces a
    /// folder that holds something.
    pub overwrite: bool,
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    pub path: PathBuf,
    pub format: ExportFormat,
    /// The name written into the archive, when the image was named.
    pub name: Option<String>,
    /// The digest of what was exported (a manifest, or an index for OCI formats).
    pub digest: Digest,
    /// Bytes of blobs written (for a docker archive, uncompressed layers).
    pub bytes: u64,
}

/// Exports the image `name_or_id` to `dest`.
pub fn export(
    store: &Store,
    name_or_id: &str,
    dest: &Path,
    opts: &ExportOptions,
    ctx: TaskCtx<'_>,
) -> Result<Exported, ImageError> {
    check_destination(dest, opts)?;
    let found = store.resolve(name_or_id)?;
    // A name goes into the archive only when the user named the image: exporting by ID
    // writes an unnamed image, as `docker save ID` does.
    let name = Reference::parse(name_or_id)
        .ok()
        .filter(|r| r.to_string() == found.name);
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let what = (name_or_id, name.as_ref());
    let result = match opts.format {
        ExportFormat::Docker => write_docker(store, what, &parent, dest, opts, ctx),
        ExportFormat::Oci => write_oci_archive(store, what, &parent, dest, opts.overwrite, ctx),
        ExportFormat::OciDir => write_oci_dir(store, what, &parent, dest, ctx),
    };
    let (digest, bytes) = match result {
        Err(_) if ctx.is_cancelled() => return Err(ImageError::Cancelled),
        other => other?,
    };
    Ok(Exported {
        path: dest.to_path_buf(),
        format: opts.format,
        name: name.map(|n| n.to_string()),
        digest,
        bytes,
    })
}

/// Whether an export may write `dest`: refuses a folder in the way of an archive, an
/// existing file without [`ExportOptions::overwrite`], and (for `oci-dir`) anything but an
/// empty folder. [`export`] checks this first; a shell may call it to refuse at once,
/// before it starts the export as a task.
pub fn check_destination(dest: &Path, opts: &ExportOptions) -> Result<(), ImageError> {
    // A symlink counts as what is there: it is not followed, and never replaced silently.
    let Ok(meta) = std::fs::symlink_metadata(dest) else {
        return Ok(());
    };
    let exists = || ImageError::Exists {
        path: dest.to_path_buf(),
    };
    match opts.format {
        ExportFormat::OciDir => {
            // An empty folder (made by a file dialog, say) may be replaced; anything else not.
            let empty_dir =
                meta.is_dir() && std::fs::read_dir(dest).is_ok_and(|mut d| d.next().is_none());
            if empty_dir {
                Ok(())
            } else {
                Err(exists())
            }
        }
        ExportFormat::Docker | ExportFormat::Oci if meta.is_dir() => Err(exists()),
        ExportFormat::Docker | ExportFormat::Oci if !opts.overwrite => {
            Err(ImageError::WouldOverwrite {
                path: dest.to_path_buf(),
            })
        }
        ExportFormat::Docker | ExportFormat::Oci => Ok(()),
    }
}

fn temp_file(parent: &Path) -> Result<tempfile::NamedTempFile, ImageError> {
    tempfile::Builder::new()
        .prefix(".strata-export-")
        .tempfile_in(parent)
        .map_err(|e| ImageError::io("create a file in", parent, e))
}

/// Renames the finished archive into place: replacing what is there only with
/// `overwrite`, else atomically refusing a file that appeared since the export began.
fn persist(tmp: tempfile::NamedTempFile, dest: &Path, overwrite: bool) -> Result<(), ImageError> {
    // Temporary files are private (0600); an export is an ordinary file.
    readable(tmp.path())?;
    let kept = if overwrite {
        tmp.persist(dest)
    } else {
        tmp.persist_noclobber(dest)
    };
    kept.map(|_| ()).map_err(|e| {
        if !overwrite && e.error.kind() == io::ErrorKind::AlreadyExists {
            ImageError::WouldOverwrite {
                path: dest.to_path_buf(),
            }
        } else {
            ImageError::io("write", dest, e.error)
        }
    })
}

/// Gives a finished export the usual permissions: 0644 for a file, 0755 for a folder
/// (temporary files and folders are created private).
fn readable(path: &Path) -> Result<(), ImageError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if path.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| ImageError::io("set permissions on", path, e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Moves the image `name_or_id` from the store into `sink`, one blob at a time (an
/// archive is written in order: the same image gives the same bytes).
fn send(
    store: &Store,
    name_or_id: &str,
    sink: &impl Sink,
    selection: Selection,
    ctx: TaskCtx<'_>,
) -> Result<(), ImageError> {
    let source = StoreSource::new(store, name_or_id);
    let options = Options {
        selection,
        concurrency: 1,
        no_mount: true,
        ..Options::default()
    };
    copy_blocking(&source, sink, name_or_id, &options, ctx)
        .map(drop)
        .map_err(from_transfer)
}

/// A transfer's error as an export's: a blob that does not match its digest is a damaged
/// store.
fn from_transfer(e: RegistryError) -> ImageError {
    match e {
        RegistryError::Cancelled => ImageError::Cancelled,
        RegistryError::Store(e) => ImageError::Store(e),
        RegistryError::Digest { what, source, .. } => ImageError::Corrupt(format!(
            "the store's {what} is damaged ({source}); run `strata fsck`"
        )),
        RegistryError::MissingBlob(digest) => ImageError::Missing {
            what: format!("blob {digest} of the image in the store"),
        },
        RegistryError::NoPlatform {
            reference,
            wanted,
            available,
        } => ImageError::NoPlatform {
            what: reference,
            wanted,
            available,
        },
        RegistryError::MediaType { what, media_type } => ImageError::MediaType { what, media_type },
        RegistryError::Protocol { reason, .. } => ImageError::Corrupt(reason),
        other => ImageError::Corrupt(other.to_string()),
    }
}

fn write_docker(
    store: &Store,
    (name_or_id, name): (&str, Option<&Reference>),
    parent: &Path,
    dest: &Path,
    opts: &ExportOptions,
    ctx: TaskCtx<'_>,
) -> Result<(Digest, u64), ImageError> {
    let tmp = temp_file(parent)?;
    let file = tmp
        .as_file()
        .try_clone()
        .map_err(|e| ImageError::io("write", tmp.path(), e))?;
    let sink = DockerArchiveSink::new(file, name);
    let wanted = opts.platform.clone().unwrap_or_else(Platform::current);
    send(store, name_or_id, &sink, Selection::Platform(wanted), ctx)?;
    let done = sink.finish().map_err(from_transfer)?;
    if ctx.is_cancelled() {
        return Err(ImageError::Cancelled);
    }
    persist(tmp, dest, opts.overwrite)?;
    Ok(done)
}

/// Writes the image `name_or_id` as a docker archive into `out`, a stream that cannot
/// seek (a pipe into `podman load`, Docker Engine's `/images/load`): nothing is written
/// to disk. A compressed layer's unpacked size, which its tar header needs first, comes
/// from the store's cache or one decompression to count. Returns the name written into
/// the archive (only when the image was named so), the manifest's digest and the bytes of
/// blobs written.
pub fn export_docker_stream(
    store: &Store,
    name_or_id: &str,
    out: Box<dyn io::Write + Send>,
    platform: Option<Platform>,
    ctx: TaskCtx<'_>,
) -> Result<(Option<Reference>, Digest, u64), ImageError> {
    let found = store.resolve(name_or_id)?;
    let name = Reference::parse(name_or_id)
        .ok()
        .filter(|r| r.to_string() == found.name);
    let for_sizes = store.clone();
    let sizes: crate::transfer::docker::UnpackedSize =
        std::sync::Arc::new(move |d| super::inspect::unpacked_size_of(&for_sizes, d));
    let sink = DockerArchiveSink::streaming(out, name.as_ref(), sizes);
    let wanted = platform.unwrap_or_else(Platform::current);
    let result = send(store, name_or_id, &sink, Selection::Platform(wanted), ctx)
        .and_then(|()| sink.finish().map_err(from_transfer));
    match result {
        Err(_) if ctx.is_cancelled() => Err(ImageError::Cancelled),
        Ok(_) if ctx.is_cancelled() => Err(ImageError::Cancelled),
        Ok((digest, bytes)) => Ok((name, digest, bytes)),
        Err(e) => Err(e),
    }
}

fn write_oci_archive(
    store: &Store,
    (name_or_id, name): (&str, Option<&Reference>),
    parent: &Path,
    dest: &Path,
    overwrite: bool,
    ctx: TaskCtx<'_>,
) -> Result<(Digest, u64), ImageError> {
    let tmp = temp_file(parent)?;
    let file = tmp
        .as_file()
        .try_clone()
        .map_err(|e| ImageError::io("write", tmp.path(), e))?;
    let sink = LayoutSink::archive(file, name).map_err(from_transfer)?;
    send(store, name_or_id, &sink, Selection::All, ctx)?;
    let done = sink.finish().map_err(from_transfer)?;
    if ctx.is_cancelled() {
        return Err(ImageError::Cancelled);
    }
    persist(tmp, dest, overwrite)?;
    Ok(done)
}

fn write_oci_dir(
    store: &Store,
    (name_or_id, name): (&str, Option<&Reference>),
    parent: &Path,
    dest: &Path,
    ctx: TaskCtx<'_>,
) -> Result<(Digest, u64), ImageError> {
    // An empty folder (made by a file dialog, say) may be replaced; anything else not
    // (checked by `check_destination` before this).
    let empty_dir = std::fs::read_dir(dest).is_ok_and(|mut d| d.next().is_none());
    let tmp = tempfile::Builder::new()
        .prefix(".strata-export-")
        .tempdir_in(parent)
        .map_err(|e| ImageError::io("create a folder in", parent, e))?;
    let root = tmp.path();
    let sink = LayoutSink::dir(root.to_path_buf(), name).map_err(from_transfer)?;
    send(store, name_or_id, &sink, Selection::All, ctx)?;
    let done = sink.finish().map_err(from_transfer)?;
    if ctx.is_cancelled() {
        return Err(ImageError::Cancelled);
    }
    if empty_dir {
        std::fs::remove_dir(dest).map_err(|e| ImageError::io("replace", dest, e))?;
    }
    readable(root)?;
    let kept = tmp.keep();
    std::fs::rename(&kept, dest).map_err(|e| {
        let _ = std::fs::remove_dir_all(&kept);
        ImageError::io("move the export to", dest, e)
    })?;
    Ok(done)
}

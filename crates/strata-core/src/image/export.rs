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
//! Every blob is re-hashed on its way out, and every docker-archive layer is checked
//! against its diff_id, so a damaged store cannot produce a damaged archive silently.
//!
//! Docker archives hold uncompressed layers (`<diff_id hex>/layer.tar`, as `docker save`
//! names them); compressed layers are decompressed on the fly into the archive (see
//! [`super::tarout`]). OCI exports copy blobs as they are: the same digests as the store.
//!
//! [OCI image layout]: https://github.com/opencontainers/image-spec/blob/main/image-layout.md

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use oci_spec::image::Descriptor;
use serde::Serialize;

use super::inspect::decompressor;
use super::model::{self, digest_of, ANNOTATION_CONTAINERD_NAME, ANNOTATION_REF_NAME};
use super::tarout::TarOut;
use super::ImageError;
use crate::digest::{Digest, HashingReader};
use crate::platform::Platform;
use crate::reference::Reference;
use crate::store::Store;
use crate::task::{TaskCtx, UnitKind, UnitState, Watch};

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
    let result = match opts.format {
        ExportFormat::Docker => write_docker(
            store,
            &found.descriptor,
            name.as_ref(),
            &parent,
            dest,
            opts,
            ctx,
        ),
        ExportFormat::Oci => write_oci_archive(
            store,
            &found.descriptor,
            name.as_ref(),
            &parent,
            dest,
            opts.overwrite,
            ctx,
        ),
        ExportFormat::OciDir => {
            write_oci_dir(store, &found.descriptor, name.as_ref(), &parent, dest, ctx)
        }
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

/// A temporary file in `parent` for the archive, and the tar writer onto it.
fn temp_archive(parent: &Path) -> Result<(tempfile::NamedTempFile, TarOut), ImageError> {
    let tmp = tempfile::Builder::new()
        .prefix(".strata-export-")
        .tempfile_in(parent)
        .map_err(|e| ImageError::io("create a file in", parent, e))?;
    let file = tmp
        .as_file()
        .try_clone()
        .map_err(|e| ImageError::io("write", tmp.path(), e))?;
    Ok((tmp, TarOut::new(file)))
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

/// Copies a blob out of the store, re-hashing it on the way.
fn copy_blob(
    store: &Store,
    desc: &Descriptor,
    write: impl FnOnce(&mut dyn Read, u64) -> io::Result<u64>,
    ctx: TaskCtx<'_>,
) -> Result<u64, ImageError> {
    let digest = digest_of(desc)?;
    let path = store.blob_path(&digest);
    let file = store.open_blob(&digest)?;
    let kind = UnitKind::of_media_type(desc.media_type().as_ref());
    let watched = Watch::new(file, ctx, digest.to_string(), kind, Some(desc.size()));
    let mut hashing = HashingReader::new(BufReader::with_capacity(1 << 20, watched));
    let n = write(&mut hashing, desc.size()).map_err(|e| ImageError::io("copy", &path, e))?;
    hashing.verify(&digest, Some(desc.size())).map_err(|e| {
        ImageError::Corrupt(format!(
            "the store's blob {digest} is damaged ({e}); run `strata fsck`"
        ))
    })?;
    ctx.done(&digest.to_string(), kind, n, UnitState::Done);
    Ok(n)
}

// ---------------------------------------------------------------------------------------
// docker archive

fn write_docker(
    store: &Store,
    top: &Descriptor,
    name: Option<&Reference>,
    parent: &Path,
    dest: &Path,
    opts: &ExportOptions,
    ctx: TaskCtx<'_>,
) -> Result<(Digest, u64), ImageError> {
    let image = model::resolve(store, top, opts.platform.as_ref())?;
    let (tmp, mut out) = temp_archive(parent)?;
    let io_err = |e| ImageError::io("write", dest, e);
    let mut bytes = 0;

    let config_digest = image.id()?;
    let config_name = format!("{}.json", config_digest.hex());
    bytes += copy_blob(
        store,
        image.manifest.config(),
        |r, size| out.stream(&config_name, Some(size), r),
        ctx,
    )?;

    let diff_ids = image.config.rootfs().diff_ids();
    if diff_ids.len() != image.manifest.layers().len() {
        return Err(ImageError::Corrupt(format!(
            "image {config_digest} has {} layers but {} diff_ids",
            image.manifest.layers().len(),
            diff_ids.len()
        )));
    }
    let mut layer_paths = Vec::new();
    let mut written = HashSet::new();
    for (layer, diff_id) in image.manifest.layers().iter().zip(diff_ids) {
        let diff_id: Digest = diff_id.parse().map_err(|_| {
            ImageError::Corrupt(format!("the diff_id `{diff_id}` is not a sha256 digest"))
        })?;
        let path = format!("{}/layer.tar", diff_id.hex());
        layer_paths.push(path.clone());
        if !written.insert(diff_id.clone()) {
            continue;
        }
        out.dir(&format!("{}/", diff_id.hex())).map_err(io_err)?;
        bytes += write_layer_tar(store, layer, &diff_id, &path, &mut out, ctx)?;
    }

    let repo_tags: Vec<String> = name
        .filter(|n| n.tag.is_some())
        .map(|n| vec![strip_digest(n).familiar()])
        .unwrap_or_default();
    let manifest = serde_json::json!([{
        "Config": config_name,
        "RepoTags": repo_tags,
        "Layers": layer_paths,
    }]);
    out.bytes("manifest.json", &to_json(&manifest)?)
        .map_err(io_err)?;
    if let (Some(n), Some(last)) = (name, layer_paths.last()) {
        if let Some(tag) = &n.tag {
            let last_id = last.trim_end_matches("/layer.tar");
            let mut repos = BTreeMap::new();
            repos.insert(
                n.familiar_name(),
                BTreeMap::from([(tag.clone(), last_id.to_string())]),
            );
            out.bytes("repositories", &to_json(&repos)?)
                .map_err(io_err)?;
        }
    }
    out.finish().map_err(io_err)?;
    if ctx.is_cancelled() {
        return Err(ImageError::Cancelled);
    }
    persist(tmp, dest, opts.overwrite)?;
    Ok((digest_of(&image.manifest_descriptor)?, bytes))
}

fn strip_digest(r: &Reference) -> Reference {
    Reference {
        digest: None,
        ..r.clone()
    }
}

/// Streams one layer, decompressed, into the archive; checks it against its diff_id.
fn write_layer_tar(
    store: &Store,
    layer: &Descriptor,
    diff_id: &Digest,
    path: &str,
    out: &mut TarOut,
    ctx: TaskCtx<'_>,
) -> Result<u64, ImageError> {
    let digest = digest_of(layer)?;
    let blob_path = store.blob_path(&digest);
    let file = store.open_blob(&digest)?;
    // Progress counts the stored (compressed) bytes: their total is known up front.
    let watched = Watch::new(
        file,
        ctx,
        digest.to_string(),
        UnitKind::Layer,
        Some(layer.size()),
    );
    let plain = decompressor(BufReader::with_capacity(1 << 20, watched))
        .map_err(|e| ImageError::io("read", &blob_path, e))?;
    let mut hashing = HashingReader::new(plain);
    let known = (&digest == diff_id).then_some(layer.size());
    let n = out
        .stream(path, known, &mut hashing)
        .map_err(|e| ImageError::io("decompress", &blob_path, e))?;
    let (actual, _) = hashing.finish();
    if &actual != diff_id {
        return Err(ImageError::Corrupt(format!(
            "the store's layer {digest} does not unpack to its diff_id {diff_id}; run `strata fsck`"
        )));
    }
    ctx.done(
        &digest.to_string(),
        UnitKind::Layer,
        layer.size(),
        UnitState::Done,
    );
    Ok(n)
}

fn to_json<T: Serialize>(v: &T) -> Result<Vec<u8>, ImageError> {
    serde_json::to_vec(v).map_err(|e| ImageError::json("the export", "document", e))
}

// ---------------------------------------------------------------------------------------
// OCI layout

const OCI_LAYOUT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;

/// `index.json` of an exported layout: one entry, named by its full reference (which
/// `skopeo oci:DIR:NAME` and `umoci --image DIR:NAME` both accept), also under
/// containerd's annotation so docker and containerd find the name.
fn layout_index(top: &Descriptor, name: Option<&Reference>) -> Result<Vec<u8>, ImageError> {
    let mut entry = serde_json::json!({
        "mediaType": top.media_type().to_string(),
        "digest": top.digest().to_string(),
        "size": top.size(),
    });
    if let Some(n) = name {
        entry["annotations"] = serde_json::json!({
            ANNOTATION_REF_NAME: n.to_string(),
            ANNOTATION_CONTAINERD_NAME: n.to_string(),
        });
    }
    to_json(&serde_json::json!({"schemaVersion": 2, "manifests": [entry]}))
}

fn write_oci_archive(
    store: &Store,
    top: &Descriptor,
    name: Option<&Reference>,
    parent: &Path,
    dest: &Path,
    overwrite: bool,
    ctx: TaskCtx<'_>,
) -> Result<(Digest, u64), ImageError> {
    let blobs = model::closure(store, top)?;
    let (tmp, mut out) = temp_archive(parent)?;
    let io_err = |e| ImageError::io("write", dest, e);
    out.bytes("oci-layout", OCI_LAYOUT).map_err(io_err)?;
    out.dir("blobs/").map_err(io_err)?;
    out.dir("blobs/sha256/").map_err(io_err)?;
    let mut bytes = 0;
    for desc in &blobs {
        let path = format!("blobs/sha256/{}", digest_of(desc)?.hex());
        bytes += copy_blob(store, desc, |r, size| out.stream(&path, Some(size), r), ctx)?;
    }
    out.bytes("index.json", &layout_index(top, name)?)
        .map_err(io_err)?;
    out.finish().map_err(io_err)?;
    if ctx.is_cancelled() {
        return Err(ImageError::Cancelled);
    }
    persist(tmp, dest, overwrite)?;
    Ok((digest_of(top)?, bytes))
}

fn write_oci_dir(
    store: &Store,
    top: &Descriptor,
    name: Option<&Reference>,
    parent: &Path,
    dest: &Path,
    ctx: TaskCtx<'_>,
) -> Result<(Digest, u64), ImageError> {
    // An empty folder (made by a file dialog, say) may be replaced; anything else not
    // (checked by `check_destination` before this).
    let empty_dir = std::fs::read_dir(dest).is_ok_and(|mut d| d.next().is_none());
    let blobs = model::closure(store, top)?;
    let tmp = tempfile::Builder::new()
        .prefix(".strata-export-")
        .tempdir_in(parent)
        .map_err(|e| ImageError::io("create a folder in", parent, e))?;
    let root = tmp.path();
    let write = |path: &Path, data: &[u8]| -> Result<(), ImageError> {
        std::fs::write(path, data).map_err(|e| ImageError::io("write", path, e))
    };
    write(&root.join("oci-layout"), OCI_LAYOUT)?;
    let blob_dir = root.join("blobs").join("sha256");
    std::fs::create_dir_all(&blob_dir).map_err(|e| ImageError::io("create", &blob_dir, e))?;
    let mut bytes = 0;
    for desc in &blobs {
        let path = blob_dir.join(digest_of(desc)?.hex());
        let mut file = File::create(&path).map_err(|e| ImageError::io("create", &path, e))?;
        bytes += copy_blob(
            store,
            desc,
            |r, _| {
                let n = io::copy(r, &mut file)?;
                file.flush()?;
                file.sync_all()?;
                Ok(n)
            },
            ctx,
        )?;
    }
    write(&root.join("index.json"), &layout_index(top, name)?)?;
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
    Ok((digest_of(top)?, bytes))
}

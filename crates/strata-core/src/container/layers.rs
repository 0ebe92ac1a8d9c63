//! The layer cache: each layer unpacked once, by diff_id, into
//! `<root>/layers/<diff_id hex>/`, and shared read-only by every overlay container on it
//! (ten containers on one base cost the base once).
//!
//! A cached layer is in overlayfs's own format, as docker's overlay2 keeps it: the layer's
//! files, a whiteout (`.wh.NAME`) as a character device 0/0 named `NAME`, an opaque
//! directory (`.wh..wh..opq`) as the xattr `trusted.overlay.opaque=y` on it. Making these
//! needs root, which overlayfs needs anyway; without root containers use the baseline copy,
//! built straight from the blobs by `apply_image`.
//!
//! Both come from [`layer::apply`](mod@crate::layer::apply) ([`Whiteouts::Overlay`]).
//!
//! A layer is unpacked into a temporary folder beside its final place, checked against its
//! diff_id, and renamed into place only then: a crash never leaves a half layer visible.
//! Unpacking goes through [`layer::apply`](mod@crate::layer::apply) and its safety rules.
//!
//! [OCI image spec: layer.md § Whiteouts]: https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts

use std::fs;
use std::io::{self, BufReader};
#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use oci_spec::image::Descriptor;

use super::ContainerError;
use crate::digest::{Digest, HashingReader};
use crate::layer::{self, ApplyOptions, Limits, Whiteouts};
use crate::store::Store;
use crate::task::{TaskCtx, UnitKind, UnitState};

/// Folder of the layer cache inside the store's root.
pub const LAYERS_DIR: &str = "layers";
/// The overlayfs xattr that marks a directory opaque.
pub const OPAQUE_XATTR: &str = "trusted.overlay.opaque";
/// Prefix of every xattr overlayfs keeps for itself; never part of a layer.
pub const OVERLAY_XATTR_PREFIX: &str = "trusted.overlay.";

#[cfg(unix)]
pub(crate) fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// No root user outside Unix.
#[cfg(not(unix))]
pub(crate) fn is_root() -> bool {
    false
}

pub(crate) fn apply_options() -> ApplyOptions {
    ApplyOptions {
        limits: Limits::default(),
        allow_devices: true,
        same_owner: true,
        no_xattrs: false,
        whiteouts: Whiteouts::Delete,
    }
}

/// Where a layer is cached (whether or not it is).
pub fn layer_dir(store: &Store, diff_id: &Digest) -> PathBuf {
    store.root().join(LAYERS_DIR).join(diff_id.hex())
}

/// Makes sure every layer is in the cache, unpacking the missing ones; returns their
/// folders, bottom first. Each layer is reported done (by blob digest and stored size);
/// a cancel stops between layers.
pub(crate) fn ensure_all(
    store: &Store,
    layers: &[(Descriptor, Digest)],
    ctx: TaskCtx<'_>,
) -> Result<Vec<PathBuf>, ContainerError> {
    layers
        .iter()
        .map(|(desc, diff_id)| {
            stop_if_cancelled(ctx)?;
            let dir = ensure(store, desc, diff_id)?;
            report(ctx, desc);
            Ok(dir)
        })
        .collect()
}

fn stop_if_cancelled(ctx: TaskCtx<'_>) -> Result<(), ContainerError> {
    if ctx.is_cancelled() {
        Err(ContainerError::Cancelled)
    } else {
        Ok(())
    }
}

fn report(ctx: TaskCtx<'_>, desc: &Descriptor) {
    ctx.done(
        desc.digest().as_ref(),
        UnitKind::Layer,
        desc.size(),
        UnitState::Done,
    );
}

/// Makes sure one layer is in the cache.
pub(crate) fn ensure(
    store: &Store,
    desc: &Descriptor,
    diff_id: &Digest,
) -> Result<PathBuf, ContainerError> {
    let dest = layer_dir(store, diff_id);
    if dest.is_dir() {
        return Ok(dest);
    }
    let parent = store.root().join(LAYERS_DIR);
    // Root's alone: unpacked layers keep the image's setuid files and device nodes.
    super::private_dir(&parent)?;
    let tmp = tempfile::Builder::new()
        .prefix(".unpack-")
        .tempdir_in(&parent)
        .map_err(|e| ContainerError::io("create a temporary folder in", &parent, e))?;
    // Whiteouts become overlayfs's own markers (char device 0/0, opaque xattr).
    let opts = ApplyOptions {
        whiteouts: Whiteouts::Overlay,
        ..apply_options()
    };
    apply_verified(store, &digest_of(desc)?, diff_id, tmp.path(), &opts)?;
    #[cfg(unix)]
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755))
        .map_err(|e| ContainerError::io("set the mode of", tmp.path(), e))?;
    let kept = tmp.keep();
    match fs::rename(&kept, &dest) {
        Ok(()) => Ok(dest),
        // Another process unpacked the same layer meanwhile: theirs is as good as ours.
        Err(_) if dest.is_dir() => {
            let _ = fs::remove_dir_all(&kept);
            Ok(dest)
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&kept);
            Err(ContainerError::io("move the unpacked layer to", &dest, e))
        }
    }
}

/// Applies every layer of an image, bottom first, to `target` (the baseline copy).
pub(crate) fn apply_image(
    store: &Store,
    layers: &[(Descriptor, Digest)],
    target: &Path,
    ctx: TaskCtx<'_>,
) -> Result<(), ContainerError> {
    for (desc, diff_id) in layers {
        stop_if_cancelled(ctx)?;
        apply_verified(store, &digest_of(desc)?, diff_id, target, &apply_options())?;
        report(ctx, desc);
    }
    Ok(())
}

/// Applies one layer blob to `target`, checking that its uncompressed bytes have the
/// diff_id the config lists.
fn apply_verified(
    store: &Store,
    blob: &Digest,
    diff_id: &Digest,
    target: &Path,
    opts: &ApplyOptions,
) -> Result<(), ContainerError> {
    let limits = Limits::default();
    let file = store.open_blob(blob)?;
    let plain = layer::decompress(BufReader::with_capacity(1 << 20, file), &limits)?;
    let mut hashed = HashingReader::new(plain);
    layer::apply(&mut hashed, target, opts)?;
    // The end-of-archive blocks and padding count in the diff_id too.
    io::copy(&mut hashed, &mut io::sink())
        .map_err(|e| ContainerError::io("read", &store.blob_path(blob), e))?;
    let (actual, _) = hashed.finish();
    if &actual != diff_id {
        return Err(ContainerError::DiffIdMismatch {
            layer: blob.to_string(),
            expected: diff_id.to_string(),
            actual: actual.to_string(),
        });
    }
    Ok(())
}

fn digest_of(desc: &Descriptor) -> Result<Digest, ContainerError> {
    Ok(crate::image::model::digest_of(desc)?)
}

/// Removes cached layers that no container in `keep` uses (after `rm`).
pub(crate) fn prune(
    store: &Store,
    keep: &std::collections::BTreeSet<String>,
) -> Result<Vec<String>, ContainerError> {
    let dir = store.root().join(LAYERS_DIR);
    let Ok(listing) = fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut removed = Vec::new();
    for entry in listing.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if keep.contains(&name) {
            continue;
        }
        // Leftovers of an unpack that died are removed too; live ones are younger than
        // an hour and are left alone.
        if name.starts_with('.') {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 3600);
            if !old {
                continue;
            }
        }
        let path = entry.path();
        make_writable(&path);
        fs::remove_dir_all(&path).map_err(|e| ContainerError::io("remove", &path, e))?;
        removed.push(name);
    }
    Ok(removed)
}

/// Nothing to do outside Unix, where no layer is unpacked.
#[cfg(not(unix))]
pub(crate) fn make_writable(_root: &Path) {}

/// Read-only directories inside a tree would stop `remove_dir_all` as a non-root user.
#[cfg(unix)]
pub(crate) fn make_writable(root: &Path) {
    if is_root() {
        return;
    }
    for entry in walkdir::WalkDir::new(root)
        .follow_links(false)
        .into_iter()
        .flatten()
    {
        if entry.file_type().is_dir() {
            if let Ok(m) = entry.metadata() {
                let mode = m.permissions().mode();
                if mode & 0o700 != 0o700 {
                    let _ =
                        fs::set_permissions(entry.path(), fs::Permissions::from_mode(mode | 0o700));
                }
            }
        }
    }
}

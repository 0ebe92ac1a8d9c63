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
    // Decompressed once, above: what is hashed is what is applied.
    layer::apply_tar(&mut hashed, target, opts)?;
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
    if !is_root() {
        open_up_dirs(root);
    }
}

/// Gives the owner every right on each directory below `root` (special bits dropped).
/// Through handles: a container still running can swap a directory for a symlink to a
/// host path between a look at a name and a chmod of that name, and the chmod would then
/// land on the host path; a handle's chmod lands on the directory that was opened.
#[cfg(unix)]
fn open_up_dirs(root: &Path) {
    use crate::fs::{walk_tree, Follow, Handle, Kind, Meta, Root};
    let Ok(tree) = Root::open(root) else { return };
    let open_up = |handle: &Handle, meta: &Meta| {
        if meta.kind == Kind::Dir && meta.mode & 0o7700 != 0o700 {
            let _ = handle.set_mode((meta.mode & 0o777) | 0o700);
        }
    };
    // The top too: a layer's `./` entry sets its mode.
    if let Ok(top) = tree.handle(Path::new(""), Follow::No) {
        if let Ok(meta) = top.stat() {
            open_up(&top, &meta);
        }
    }
    let _ = walk_tree(&tree, Path::new(""), &|_, _| (), &mut |_, handle, meta| {
        open_up(handle, meta);
        Ok(true)
    });
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in entries {
            let mut h = tar::Header::new_ustar();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, name, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(bytes).unwrap();
        gz.finish().unwrap()
    }

    /// Bytes that are a tar of `shown` and also a gzip stream of the tar `hidden`: the
    /// gzip header's extra field (FEXTRA) is long enough to hold the whole tar, whose first
    /// header name starts with the gzip magic.
    fn tar_and_gzip(shown: &[(&str, &[u8])], hidden: &[u8]) -> Vec<u8> {
        let rest = tar_of(shown);
        let extra = (512 - 12) + rest.len();
        let mut head = [0u8; 512];
        head[..4].copy_from_slice(&[0x1f, 0x8b, 8, 4]); // gzip, deflate, FEXTRA
        head[4..10].copy_from_slice(b"MTIMEX"); // mtime, xfl, os: any non-zero bytes
        head[10..12].copy_from_slice(&(extra as u16).to_le_bytes());
        assert!(
            head[10] != 0 && head[11] != 0,
            "a NUL would end the tar name"
        );
        head[100..108].copy_from_slice(b"0000644\0");
        head[108..124].copy_from_slice(b"0000000\x000000000\x00");
        head[124..148].copy_from_slice(b"00000000000\x0000000000000\x00");
        head[156] = b'0';
        head[257..265].copy_from_slice(b"ustar\x0000");
        head[148..156].copy_from_slice(b"        ");
        let sum: u32 = head.iter().map(|&b| u32::from(b)).sum();
        head[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        let mut out = head.to_vec();
        out.extend_from_slice(&rest);
        out.extend_from_slice(&gzip(hidden)[10..]); // deflate data and trailer
        out
    }

    /// A layer whose plain bytes are both a tar and a gzip stream: a container gets what
    /// every other reader (docker, `strata files`, the package scan) sees, the tar, and
    /// never the second layer hidden in the gzip reading of it.
    #[test]
    fn a_layer_that_is_also_a_gzip_stream_applies_as_the_tar_everyone_else_sees() {
        let hidden = tar_of(&[("etc/hidden", b"only a second decompression sees this")]);
        let plain = tar_and_gzip(&[("etc/shown", b"what docker sees")], &hidden);
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store")).unwrap();
        let (blob, _) = store.put_bytes(&gzip(&plain)).unwrap();
        let target = dir.path().join("rootfs");
        std::fs::create_dir(&target).unwrap();
        apply_verified(
            &store,
            &blob,
            &Digest::of(&plain),
            &target,
            &ApplyOptions::default(),
        )
        .unwrap();
        assert!(target.join("etc/shown").is_file());
        assert!(
            !target.join("etc/hidden").exists(),
            "the hidden layer was applied"
        );

        // And a plain layer whose first name starts with the gzip magic still applies.
        let odd = {
            use std::os::unix::ffi::OsStrExt;
            let mut b = tar::Builder::new(Vec::new());
            let mut h = tar::Header::new_ustar();
            h.set_size(1);
            h.set_mode(0o644);
            let name = std::ffi::OsStr::from_bytes(&[0x1f, 0x8b, b'x']);
            b.append_data(&mut h, name, &b"x"[..]).unwrap();
            b.into_inner().unwrap()
        };
        let (blob, _) = store.put_bytes(&gzip(&odd)).unwrap();
        let target = dir.path().join("odd");
        std::fs::create_dir(&target).unwrap();
        apply_verified(
            &store,
            &blob,
            &Digest::of(&odd),
            &target,
            &ApplyOptions::default(),
        )
        .unwrap();
    }

    /// A running container swaps one of thousands of directories with a symlink to a host
    /// directory, over and over, while `rm` opens the tree up for removal: the host
    /// directory keeps its mode (a chmod by name would follow the symlink when the swap
    /// lands between the look and the chmod), and the container's directories are opened.
    #[test]
    fn opening_a_tree_up_never_chmods_through_a_symlink_swapped_in() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("host-dir");
        std::fs::create_dir(&victim).unwrap();
        std::fs::set_permissions(&victim, fs::Permissions::from_mode(0o500)).unwrap();
        let root = dir.path().join("rootfs");
        std::fs::create_dir(&root).unwrap();
        for i in 0..2000 {
            std::fs::create_dir(root.join(format!("d{i:04}"))).unwrap();
        }
        std::os::unix::fs::symlink(&victim, root.join("link")).unwrap();
        let victim_mode = || std::fs::metadata(&victim).unwrap().permissions().mode() & 0o7777;
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                // What the container does: exchange a directory and the symlink, again
                // and again, so that the name `d1000` is now one, now the other.
                let rootfs = std::fs::File::open(&root).unwrap();
                while !stop.load(Ordering::Relaxed) {
                    let _ = rustix::fs::renameat_with(
                        &rootfs,
                        "d1000",
                        &rootfs,
                        "link",
                        rustix::fs::RenameFlags::EXCHANGE,
                    );
                }
            });
            for _ in 0..20 {
                for i in (0..2000).step_by(7) {
                    let _ = std::fs::set_permissions(
                        root.join(format!("d{i:04}")),
                        fs::Permissions::from_mode(0o4055),
                    );
                }
                open_up_dirs(&root);
                if victim_mode() != 0o500 {
                    break;
                }
            }
            stop.store(true, Ordering::Relaxed);
        });
        assert_eq!(victim_mode(), 0o500, "the host directory was changed");
        let mode = std::fs::metadata(root.join("d0007"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o7777,
            0o755,
            "a directory of the tree was not opened up"
        );
    }
}

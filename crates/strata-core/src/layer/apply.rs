//! Applying a layer to a directory ([§ Applying changesets]) so that no entry, however
//! crafted, writes outside it: the layer cache, `umoci`-like unpacks and container roots all
//! come through here.
//!
//! The rules, for every entry:
//! - its path is normalised as [`entry`](super::entry) describes: absolute paths are taken
//!   from the target's root, a `..` that climbs out is refused;
//! - every path is resolved through [`crate::fs::Root`], with container semantics: a
//!   symlink on the way is followed inside the target (`var/run -> /run` resolves to
//!   `<target>/run`, as it will inside the container; `..` stops at the target), and
//!   every operation happens relative to a directory handle, so no path string is
//!   resolved twice;
//! - the last component is never followed: whatever is there is removed first and the new
//!   file is created with `O_EXCL | O_NOFOLLOW`;
//! - a hard link must point at a path already in the target (earlier in this layer, or below
//!   it), resolved by the same rules;
//! - device nodes are refused unless [`ApplyOptions::allow_devices`] is set *and* we run as
//!   root; fifos are always allowed;
//! - `.wh.NAME` deletes `NAME`, `.wh..wh..opq` empties its directory of everything this
//!   layer did not itself create (whiteouts never touch their own layer's files, known by
//!   device and inode);
//! - owners (only as root with [`ApplyOptions::same_owner`]), modes, times and xattrs are
//!   set through a handle of the object itself (xattrs best effort, each failure reported in
//!   [`ApplyStats::warnings`]). Directories get their mode and time last, so that read-only
//!   ones can still be filled: each is found again inside the target at the end and set
//!   only if it is still the directory this layer made (same device and inode), so a
//!   directory that a later entry replaced, or whose parent became a symlink, is skipped.
//!
//! **What the caller gets on failure.** [`apply`] stops at the first bad entry with an error
//! naming it; entries before it stay applied (the caller decides whether to discard the
//! directory). [`apply_fresh`] applies into a temporary sibling of the target and renames it
//! into place only on success: on failure the target does not exist and the temporary
//! directory is removed.
//!
//! [§ Applying changesets]: https://github.com/opencontainers/image-spec/blob/main/layer.md#applying-changesets

// Untrusted trees: every path through crate::fs (see clippy.toml).
#![warn(clippy::disallowed_methods)]

use std::collections::HashSet;
use std::fs;
use std::io::{self, Read};
#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::compression::{decompress, plain_tar, LayerReader, Limits};
use super::entry::{classify, Entry, EntryAction, Kind};
use super::error::LayerError;
use crate::fs::{Follow, Handle, Kind as FsKind, Meta, Parent, Root};

/// How to apply a layer.
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    pub limits: Limits,
    /// Create character and block devices (only honoured when running as root).
    pub allow_devices: bool,
    /// Give files the layer's uid/gid (only honoured when running as root).
    pub same_owner: bool,
    /// Skip extended attributes entirely.
    pub no_xattrs: bool,
    /// What whiteouts and opaque markers become.
    pub whiteouts: Whiteouts,
}

/// How [`apply`] carries out `.wh.NAME` and `.wh..wh..opq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Whiteouts {
    /// Delete what they name (one directory holding the whole stack).
    #[default]
    Delete,
    /// Write them as overlayfs does, for a directory used as one `lowerdir` of a stack (the
    /// layer cache): a whiteout is a character device 0/0 (needs root), an opaque directory
    /// has the xattr `trusted.overlay.opaque=y`. Nothing is deleted.
    Overlay,
    /// As `Overlay`, with `user.overlay.opaque=y`: for mounts with `userxattr` in an
    /// unprivileged user namespace.
    OverlayUserXattr,
}

/// What an apply did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApplyStats {
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    pub hardlinks: u64,
    pub devices: u64,
    pub fifos: u64,
    pub whiteouts: u64,
    pub opaque_dirs: u64,
    /// Content bytes written.
    pub bytes: u64,
    /// Things that did not stop the apply (an xattr the filesystem refused, …).
    pub warnings: Vec<String>,
}

#[cfg(unix)]
fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// No root user outside Unix.
#[cfg(not(unix))]
fn is_root() -> bool {
    false
}

/// Applies a layer blob (any compression) to the existing directory `target`.
pub fn apply<R: Read>(
    blob: R,
    target: &Path,
    opts: &ApplyOptions,
) -> Result<ApplyStats, LayerError> {
    apply_stream(decompress(blob, &opts.limits)?, target, opts)
}

/// [`apply`] for a stream the caller decompressed already (to hash it on the way): read
/// as a tar, never decompressed again.
pub fn apply_tar<R: Read>(
    tar: R,
    target: &Path,
    opts: &ApplyOptions,
) -> Result<ApplyStats, LayerError> {
    apply_stream(plain_tar(tar, &opts.limits), target, opts)
}

fn apply_stream(
    tar: LayerReader<'_>,
    target: &Path,
    opts: &ApplyOptions,
) -> Result<ApplyStats, LayerError> {
    let root = Root::open(target)
        .map_err(|e| LayerError::io("open the target directory", target, None, e))?;
    let mut job = Job {
        root,
        opts,
        root_user: is_root(),
        created: HashSet::new(),
        dirs: Vec::new(),
        stats: ApplyStats::default(),
    };
    let mut archive = tar::Archive::new(tar);
    let entries = archive
        .entries()
        .map_err(|e| LayerError::from_stream(e, "reading the layer"))?;
    for (number, entry) in entries.enumerate() {
        let mut entry = entry.map_err(|e| LayerError::from_stream(e, format!("entry {number}")))?;
        match classify(&mut entry, &opts.limits)? {
            EntryAction::Put(e) => job.put(e, &mut entry)?,
            EntryAction::Whiteout { path, raw } => job.whiteout(&path, &raw)?,
            EntryAction::Opaque { dir, raw } => job.opaque(&dir, &raw)?,
            EntryAction::Skip { .. } => {}
        }
        // Whatever content is left (a hard link's, a skipped entry's) is read here, so that
        // a truncated layer fails on apply too.
        io::copy(&mut entry, &mut io::sink())
            .map_err(|e| LayerError::from_stream(e, format!("entry {number}")))?;
    }
    job.finish_dirs()?;
    Ok(job.stats)
}

/// Applies a layer blob into `target`, which must not exist yet: the work happens in a
/// temporary sibling directory renamed to `target` only when every entry applied. On error
/// `target` does not exist.
// `target` and its temporary sibling are the caller's own folders (the store's), made
// here; the layer's content goes through `apply`, inside the root.
#[allow(clippy::disallowed_methods)]
pub fn apply_fresh<R: Read>(
    blob: R,
    target: &Path,
    opts: &ApplyOptions,
) -> Result<ApplyStats, LayerError> {
    if fs::symlink_metadata(target).is_ok() {
        return Err(LayerError::TargetExists {
            path: target.to_path_buf(),
        });
    }
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".strata-apply-")
        .tempdir_in(parent)
        .map_err(|e| LayerError::io("create a temporary directory in", parent, None, e))?;
    let stats = apply(blob, tmp.path(), opts)?;
    #[cfg(unix)]
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755))
        .map_err(|e| LayerError::io("set the mode of", tmp.path(), None, e))?;
    let kept = tmp.keep();
    fs::rename(&kept, target).map_err(|e| {
        let _ = fs::remove_dir_all(&kept);
        LayerError::io("move the applied layer to", target, None, e)
    })?;
    Ok(stats)
}

struct Job<'o> {
    root: Root,
    opts: &'o ApplyOptions,
    root_user: bool,
    /// Objects (device, inode) this layer created: whiteouts and opaque markers leave them
    /// alone.
    created: HashSet<(u64, u64)>,
    /// Directories whose mode and mtime are set at the end, once they are filled.
    dirs: Vec<DeferredDir>,
    stats: ApplyStats,
}

/// A directory's mode and time, kept for the end of the layer.
struct DeferredDir {
    path: PathBuf,
    /// The directory made (or kept) for it: set only if the path still names it.
    object: Meta,
    mode: u32,
    mtime: i64,
}

impl Job<'_> {
    /// The host path of `rel`, for messages only.
    fn shown(&self, rel: &Path) -> PathBuf {
        self.root.path().join(rel)
    }

    /// An I/O error about `rel`; a symlink loop on the way is the layer's fault.
    fn io_err(&self, action: &'static str, rel: &Path, raw: &str, err: io::Error) -> LayerError {
        match err.raw_os_error() {
            Some(libc::ELOOP) => LayerError::unsafe_entry(raw, "too many levels of symlinks"),
            Some(libc::ENOTDIR) => {
                LayerError::unsafe_entry(raw, "a parent of it is not a directory".to_string())
            }
            _ => LayerError::io(action, self.shown(rel), Some(raw), err),
        }
    }

    /// The parent of `rel`, creating missing directories (recorded as this layer's).
    fn parent_create(&mut self, rel: &Path, raw: &str) -> Result<Parent, LayerError> {
        let created = &mut self.created;
        self.root
            .parent_create(rel, 0o755, &mut |m| {
                created.insert((m.dev, m.ino));
            })
            .map_err(|e| self.io_err("create the parent directories of", rel, raw, e))
    }

    fn put<R: Read>(&mut self, e: Entry, content: &mut R) -> Result<(), LayerError> {
        let raw = e.raw.as_str();
        if matches!(e.kind, Kind::CharDevice | Kind::BlockDevice)
            && !(self.opts.allow_devices && self.root_user)
        {
            return Err(LayerError::DeviceRefused {
                entry: e.raw.clone(),
                kind: if e.kind == Kind::CharDevice {
                    "character"
                } else {
                    "block"
                },
            });
        }
        let parent = self.parent_create(&e.path, raw)?;
        let rel = e.path.as_path();

        // Whatever is at the destination goes, except a directory a directory replaces.
        let existing = parent
            .stat()
            .map_err(|err| self.io_err("look at", rel, raw, err))?;
        match &existing {
            Some(m) if m.kind == FsKind::Dir && e.kind == Kind::Dir => {}
            Some(_) => parent
                .remove_all()
                .map_err(|err| self.io_err("replace", rel, raw, err))?,
            None => {}
        }

        let handle = match e.kind {
            Kind::Dir => {
                if !existing.as_ref().is_some_and(|m| m.kind == FsKind::Dir) {
                    parent
                        .mkdir(0o700)
                        .map_err(|err| self.io_err("create the directory", rel, raw, err))?;
                }
                self.stats.dirs += 1;
                let h = parent
                    .handle()
                    .map_err(|err| self.io_err("open", rel, raw, err))?;
                let object = h
                    .stat()
                    .map_err(|err| self.io_err("look at", rel, raw, err))?;
                self.dirs.push(DeferredDir {
                    path: rel.to_path_buf(),
                    object,
                    mode: e.mode,
                    mtime: e.mtime,
                });
                h
            }
            Kind::File => {
                let mut file = parent
                    .create_new(0o600)
                    .map_err(|err| self.io_err("create", rel, raw, err))?;
                let n = io::copy(content, &mut file).map_err(|err| {
                    if err.get_ref().is_some() || err.kind() == io::ErrorKind::UnexpectedEof {
                        LayerError::from_stream(err, format!("content of `{raw}`"))
                    } else {
                        LayerError::io("write", self.shown(rel), Some(raw), err)
                    }
                })?;
                self.stats.files += 1;
                self.stats.bytes += n;
                // The open file is the handle: metadata lands on what was written.
                Handle::from(file)
            }
            Kind::Symlink => {
                let target = e.link_target.as_deref().unwrap_or(Path::new(""));
                parent
                    .symlink(target)
                    .map_err(|err| self.io_err("create the symlink", rel, raw, err))?;
                self.stats.symlinks += 1;
                parent
                    .handle()
                    .map_err(|err| self.io_err("open", rel, raw, err))?
            }
            Kind::Hardlink => {
                self.hard_link(&e, &parent)?;
                return Ok(());
            }
            Kind::CharDevice | Kind::BlockDevice | Kind::Fifo => {
                let (major, minor) = e.device.unwrap_or((0, 0));
                let kind = match e.kind {
                    Kind::CharDevice => FsKind::Char,
                    Kind::BlockDevice => FsKind::Block,
                    _ => FsKind::Fifo,
                };
                parent
                    .mknod(kind, 0o600, major, minor)
                    .map_err(|err| self.io_err("create the special file", rel, raw, err))?;
                if e.kind == Kind::Fifo {
                    self.stats.fifos += 1;
                } else {
                    self.stats.devices += 1;
                }
                parent
                    .handle()
                    .map_err(|err| self.io_err("open", rel, raw, err))?
            }
        };
        let object = handle
            .stat()
            .map_err(|err| self.io_err("look at", rel, raw, err))?;
        self.created.insert((object.dev, object.ino));
        self.metadata(&e, &parent, &handle)
    }

    /// A hard link to a path already in the target; never to a directory.
    fn hard_link(&mut self, e: &Entry, parent: &Parent) -> Result<(), LayerError> {
        let raw = e.raw.as_str();
        let target = e.link_target.as_deref().unwrap_or(Path::new(""));
        let missing = || {
            LayerError::unsafe_entry(
                raw,
                format!(
                    "its hard link target `{}` is not in the layer or below it",
                    target.display()
                ),
            )
        };
        let t = self.root.parent(target).map_err(|_| missing())?;
        match t.stat() {
            Ok(Some(m)) if m.kind != FsKind::Dir => {}
            Ok(Some(_)) => {
                return Err(LayerError::unsafe_entry(
                    raw,
                    "its hard link target is a directory",
                ))
            }
            _ => return Err(missing()),
        }
        t.hard_link_as(parent)
            .map_err(|err| self.io_err("create the hard link", &e.path, raw, err))?;
        self.stats.hardlinks += 1;
        // A hard link shares its target's inode: no metadata of its own to set, and the
        // inode is not this layer's to protect from whiteouts.
        Ok(())
    }

    fn metadata(&mut self, e: &Entry, parent: &Parent, h: &Handle) -> Result<(), LayerError> {
        let raw = e.raw.as_str();
        let rel = e.path.as_path();
        if self.opts.same_owner && self.root_user {
            h.set_owner(e.uid as u32, e.gid as u32)
                .map_err(|err| self.io_err("set the owner of", rel, raw, err))?;
        }
        if !self.opts.no_xattrs {
            for (name, value) in &e.xattrs {
                // overlayfs reads its own xattrs (opaque, redirect, origin) from lower and
                // upper dirs: one smuggled in by a layer would change what a container sees.
                if is_overlay_xattr(name) {
                    self.stats.warnings.push(format!(
                        "xattr {name} on `{raw}` ignored: overlayfs reserves it"
                    ));
                    continue;
                }
                let set = if e.kind == Kind::Symlink {
                    parent.set_xattr(name, value)
                } else {
                    h.set_xattr(name, value)
                };
                if let Err(err) = set {
                    self.stats
                        .warnings
                        .push(format!("xattr {name} on `{raw}` not set: {err}"));
                }
            }
        }
        match e.kind {
            Kind::Symlink => parent
                .set_times(e.mtime, 0)
                .map_err(|err| self.io_err("set the time of", rel, raw, err))?,
            Kind::Dir => {}
            _ => {
                // After chown, which clears setuid bits.
                h.set_mode(e.mode)
                    .map_err(|err| self.io_err("set the mode of", rel, raw, err))?;
                h.set_times(e.mtime, 0)
                    .map_err(|err| self.io_err("set the time of", rel, raw, err))?;
            }
        }
        Ok(())
    }

    fn whiteout(&mut self, path: &Path, raw: &str) -> Result<(), LayerError> {
        let overlay = self.opts.whiteouts != Whiteouts::Delete;
        let parent = if overlay {
            self.parent_create(path, raw)?
        } else {
            match self.root.parent(path) {
                Ok(p) => p,
                // Nothing below to delete.
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => return Ok(()),
                Err(e) => return Err(self.io_err("delete", path, raw, e)),
            }
        };
        let existing = parent
            .stat()
            .map_err(|e| self.io_err("look at", path, raw, e))?;
        if existing
            .as_ref()
            .is_some_and(|m| self.created.contains(&(m.dev, m.ino)))
        {
            return Ok(());
        }
        parent
            .remove_all()
            .map_err(|e| self.io_err("delete", path, raw, e))?;
        if overlay {
            parent.mknod(FsKind::Char, 0, 0, 0).map_err(|e| {
                LayerError::io(
                    "create the overlay whiteout (a 0/0 device, which needs root)",
                    self.shown(path),
                    Some(raw),
                    e,
                )
            })?;
            if let Ok(Some(m)) = parent.stat() {
                self.created.insert((m.dev, m.ino));
            }
        }
        self.stats.whiteouts += 1;
        Ok(())
    }

    fn opaque(&mut self, dir: &Path, raw: &str) -> Result<(), LayerError> {
        let xattr = match self.opts.whiteouts {
            Whiteouts::Delete => None,
            Whiteouts::Overlay => Some("trusted.overlay.opaque"),
            Whiteouts::OverlayUserXattr => Some("user.overlay.opaque"),
        };
        let handle = if xattr.is_some() {
            let created = &mut self.created;
            self.root.mkdir_all_reporting(dir, 0o755, &mut |m| {
                created.insert((m.dev, m.ino));
            })
        } else {
            self.root.handle(dir, Follow::Yes)
        };
        let handle = match handle {
            Ok(h) => h,
            Err(e) if xattr.is_none() && e.raw_os_error() == Some(libc::ENOENT) => return Ok(()),
            Err(e) => return Err(self.io_err("open", dir, raw, e)),
        };
        if let Some(name) = xattr {
            handle.set_xattr(name, b"y").map_err(|e| {
                LayerError::io(
                    "mark as an opaque overlay directory",
                    self.shown(dir),
                    Some(raw),
                    e,
                )
            })?;
        } else {
            self.clear_lower(&handle, dir, raw, 0)?;
        }
        self.stats.opaque_dirs += 1;
        Ok(())
    }

    /// Removes everything below the directory `h` that this layer did not create.
    fn clear_lower(
        &mut self,
        h: &Handle,
        shown: &Path,
        raw: &str,
        depth: usize,
    ) -> Result<(), LayerError> {
        if depth > 4096 {
            return Err(LayerError::unsafe_entry(raw, "directories nested too deep"));
        }
        let entries = h
            .read_dir()
            .map_err(|e| self.io_err("list", shown, raw, e))?;
        for (name, m) in entries {
            let child = h
                .child(&name)
                .map_err(|e| self.io_err("open", shown, raw, e))?;
            if !self.created.contains(&(m.dev, m.ino)) {
                child
                    .remove_all()
                    .map_err(|e| self.io_err("delete", &shown.join(&name), raw, e))?;
            } else if m.kind == FsKind::Dir {
                let sub = child
                    .handle()
                    .map_err(|e| self.io_err("open", &shown.join(&name), raw, e))?;
                self.clear_lower(&sub, &shown.join(&name), raw, depth + 1)?;
            }
        }
        Ok(())
    }

    fn finish_dirs(&mut self) -> Result<(), LayerError> {
        // Deepest first, so setting a parent's time is not undone by its children.
        self.dirs
            .sort_by_key(|d| std::cmp::Reverse(d.path.components().count()));
        for d in std::mem::take(&mut self.dirs) {
            let shown = d.path.display().to_string();
            // Found again inside the target: a path that a later entry replaced, or that
            // now goes through a symlink to another directory, is not this directory.
            let Ok(h) = self.root.handle(&d.path, Follow::No) else {
                continue;
            };
            match h.stat() {
                Ok(m) if m.kind == FsKind::Dir && m.same_object(&d.object) => {}
                _ => continue,
            }
            h.set_mode(d.mode)
                .map_err(|e| self.io_err("set the mode of", &d.path, &shown, e))?;
            h.set_times(d.mtime, 0)
                .map_err(|e| self.io_err("set the time of", &d.path, &shown, e))?;
        }
        Ok(())
    }
}

/// xattrs that overlayfs interprets (`trusted.overlay.*`, and `user.overlay.*` on
/// `userxattr` mounts): never taken from a layer.
fn is_overlay_xattr(name: &str) -> bool {
    name.starts_with("trusted.overlay.") || name.starts_with("user.overlay.")
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;
    use crate::layer::merged::tests::three_layers;
    use crate::layer::merged::MergedTree;

    #[test]
    fn overlay_xattrs_from_a_layer_are_never_set() {
        // A hostile layer marks a directory opaque for overlayfs through a PAX xattr.
        let mut b = tar::Builder::new(Vec::new());
        b.append_pax_extensions([
            ("SCHILY.xattr.trusted.overlay.opaque", &b"y"[..]),
            ("SCHILY.xattr.user.overlay.opaque", &b"y"[..]),
        ])
        .unwrap();
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_path("etc/").unwrap();
        h.set_mode(0o755);
        h.set_size(0);
        h.set_cksum();
        b.append(&h, std::io::empty()).unwrap();
        let blob = b.into_inner().unwrap();

        let dir = tempfile::tempdir().unwrap();
        let stats = apply(&blob[..], dir.path(), &ApplyOptions::default()).unwrap();
        let etc = dir.path().join("etc");
        assert!(etc.is_dir());
        for name in ["trusted.overlay.opaque", "user.overlay.opaque"] {
            assert_eq!(xattr::get(&etc, name).unwrap(), None, "{name} was set");
            assert!(
                stats
                    .warnings
                    .iter()
                    .any(|w| w.contains(name) && w.contains("ignored")),
                "{:?}",
                stats.warnings
            );
        }
    }

    #[test]
    fn applying_three_layers_gives_the_merged_tree() {
        let layers = three_layers();
        let dir = tempfile::tempdir().unwrap();
        let mut stats = Vec::new();
        for l in &layers {
            stats.push(apply(&l[..], dir.path(), &ApplyOptions::default()).unwrap());
        }
        assert_eq!((stats[1].whiteouts, stats[1].opaque_dirs), (1, 1));
        assert_eq!(stats[2].whiteouts, 1);
        let on_disk: Vec<PathBuf> = walkdir::WalkDir::new(dir.path())
            .min_depth(1)
            .sort_by_file_name()
            .into_iter()
            .map(|e| {
                e.unwrap()
                    .path()
                    .strip_prefix(dir.path())
                    .unwrap()
                    .to_path_buf()
            })
            .collect();
        let tree = MergedTree::build(layers.iter().map(|l| &l[..]), &Limits::default()).unwrap();
        let merged: Vec<PathBuf> = tree.iter().map(|(p, _)| p.to_path_buf()).collect();
        assert_eq!(on_disk, merged);
        assert_eq!(
            fs::read_to_string(dir.path().join("etc/motd")).unwrap(),
            "back again"
        );
    }

    #[test]
    fn read_only_directories_are_still_filled() {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o555);
        h.set_size(0);
        b.append_data(&mut h, "ro/", io::empty()).unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o444);
        h.set_size(2);
        b.append_data(&mut h, "ro/f", &b"hi"[..]).unwrap();
        let blob = b.into_inner().unwrap();
        let dir = tempfile::tempdir().unwrap();
        apply(&blob[..], dir.path(), &ApplyOptions::default()).unwrap();
        let m = fs::metadata(dir.path().join("ro")).unwrap();
        assert_eq!(m.permissions().mode() & 0o777, 0o555);
        fs::set_permissions(dir.path().join("ro"), fs::Permissions::from_mode(0o755)).unwrap();
    }
}

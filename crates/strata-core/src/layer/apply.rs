//! Applying a layer to a directory ([§ Applying changesets]) so that no entry, however
//! crafted, writes outside it: the layer cache, `umoci`-like unpacks and container roots all
//! come through here.
//!
//! The rules, for every entry:
//! - its path is normalised as [`entry`](super::entry) describes: absolute paths are taken
//!   from the target's root, a `..` that climbs out is refused;
//! - every parent directory is walked one component at a time with `symlink_metadata`, as
//!   if the target were `/` (what `filepath-securejoin` does for umoci and runc): a relative
//!   symlink is followed while it stays inside (`lib -> usr/lib`); an absolute one is
//!   re-rooted at the target (`var/run -> /run` resolves to `<target>/run`, as it will inside
//!   the container); a relative one that climbs above the target is refused, since no
//!   honest image needs it;
//! - the last component is never followed: whatever is there is removed first and the new
//!   file is created with `O_EXCL | O_NOFOLLOW`;
//! - a hard link must point at a path already in the target (earlier in this layer, or below
//!   it), resolved by the same rules;
//! - device nodes are refused unless [`ApplyOptions::allow_devices`] is set *and* we run as
//!   root; fifos are always allowed;
//! - `.wh.NAME` deletes `NAME`, `.wh..wh..opq` empties its directory of everything this
//!   layer did not itself create (whiteouts never touch their own layer's files);
//! - modes and times are set, directories' last so that read-only directories can still be
//!   filled; owners only as root with [`ApplyOptions::same_owner`]; xattrs best effort, each
//!   failure reported in [`ApplyStats::warnings`].
//!
//! The checks assume nothing else writes to the target while a layer is applied (a fresh or
//! private directory, as the layer cache and unpacks use), so there is no race between a
//! check and the write.
//!
//! **What the caller gets on failure.** [`apply`] stops at the first bad entry with an error
//! naming it; entries before it stay applied (the caller decides whether to discard the
//! directory). [`apply_fresh`] applies into a temporary sibling of the target and renames it
//! into place only on success: on failure the target does not exist and the temporary
//! directory is removed.
//!
//! [§ Applying changesets]: https://github.com/opencontainers/image-spec/blob/main/layer.md#applying-changesets

use std::collections::{HashSet, VecDeque};
use std::ffi::{CString, OsString};
use std::fs;
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use super::compression::{decompress, Limits};
use super::entry::{classify, Entry, EntryAction, Kind};
use super::error::LayerError;

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

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Applies a layer blob (any compression) to the existing directory `target`.
pub fn apply<R: Read>(
    blob: R,
    target: &Path,
    opts: &ApplyOptions,
) -> Result<ApplyStats, LayerError> {
    let root = fs::canonicalize(target)
        .map_err(|e| LayerError::io("open the target directory", target, None, e))?;
    let mut job = Job {
        root,
        opts,
        root_user: is_root(),
        created: HashSet::new(),
        dirs: Vec::new(),
        stats: ApplyStats::default(),
    };
    let mut archive = tar::Archive::new(decompress(blob, &opts.limits)?);
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
    root: PathBuf,
    opts: &'o ApplyOptions,
    root_user: bool,
    /// Real paths (relative to the root) this layer created: whiteouts and opaque markers
    /// leave them alone.
    created: HashSet<PathBuf>,
    /// Directories whose mode and mtime are set at the end, once they are filled.
    dirs: Vec<(PathBuf, u32, i64)>,
    stats: ApplyStats,
}

impl Job<'_> {
    /// Walks `rel` (a normalised relative path) from the root, following only symlinks that
    /// stay inside it, and creating missing directories when `create`. Returns the real
    /// relative path, or `None` when something is missing and `create` is false.
    fn walk(&mut self, rel: &Path, raw: &str, create: bool) -> Result<Option<PathBuf>, LayerError> {
        let mut queue: VecDeque<OsString> = rel
            .components()
            .filter_map(|c| match c {
                Component::Normal(n) => Some(n.to_os_string()),
                _ => None,
            })
            .collect();
        let mut real = PathBuf::new();
        let mut hops = 0;
        while let Some(name) = queue.pop_front() {
            if name == ".." {
                if !real.pop() {
                    return Err(LayerError::unsafe_entry(
                        raw,
                        "it goes through a symlink that climbs out of the target directory",
                    ));
                }
                continue;
            }
            if name == "." {
                continue;
            }
            let next = real.join(&name);
            let abs = self.root.join(&next);
            match fs::symlink_metadata(&abs) {
                Ok(m) if m.is_dir() => real = next,
                Ok(m) if m.file_type().is_symlink() => {
                    let link = fs::read_link(&abs)
                        .map_err(|e| LayerError::io("read the symlink", &abs, Some(raw), e))?;
                    if link.is_absolute() {
                        // Inside the container `/` is the target: resolve from there.
                        real = PathBuf::new();
                    }
                    hops += 1;
                    if hops > 40 {
                        return Err(LayerError::unsafe_entry(raw, "too many levels of symlinks"));
                    }
                    // Only names and `..` go on: a root or prefix component would make
                    // `Path::join` leave the target.
                    for part in link.components().rev() {
                        match part {
                            Component::Normal(n) => queue.push_front(n.to_os_string()),
                            Component::ParentDir => queue.push_front(OsString::from("..")),
                            Component::RootDir | Component::Prefix(_) | Component::CurDir => {}
                        }
                    }
                }
                Ok(_) => {
                    return Err(LayerError::unsafe_entry(
                        raw,
                        format!("its parent `{}` is not a directory", next.display()),
                    ))
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    if !create {
                        return Ok(None);
                    }
                    fs::create_dir(&abs)
                        .map_err(|e| LayerError::io("create the directory", &abs, Some(raw), e))?;
                    self.created.insert(next.clone());
                    real = next;
                }
                Err(e) => return Err(LayerError::io("look at", &abs, Some(raw), e)),
            }
        }
        Ok(Some(real))
    }

    fn put<R: Read>(&mut self, e: Entry, content: &mut R) -> Result<(), LayerError> {
        let raw = e.raw.as_str();
        let name = e.path.file_name().unwrap_or_default().to_os_string();
        let parent = e.path.parent().unwrap_or(Path::new(""));
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
        // With `create`, walk makes what is missing, so `None` does not happen.
        let real_parent = self
            .walk(parent, raw, true)?
            .ok_or_else(|| LayerError::unsafe_entry(raw, "its parent directory is missing"))?;
        let rel = real_parent.join(&name);
        let dest = self.root.join(&rel);

        // Whatever is at the destination goes, except a directory a directory replaces.
        let existing = fs::symlink_metadata(&dest).ok();
        match (&existing, e.kind) {
            (Some(m), Kind::Dir) if m.is_dir() => {}
            (Some(m), _) if m.is_dir() => fs::remove_dir_all(&dest)
                .map_err(|err| LayerError::io("replace the directory", &dest, Some(raw), err))?,
            (Some(_), _) => fs::remove_file(&dest)
                .map_err(|err| LayerError::io("replace", &dest, Some(raw), err))?,
            (None, _) => {}
        }

        match e.kind {
            Kind::Dir => {
                if existing.as_ref().is_none_or(|m| !m.is_dir()) {
                    fs::create_dir(&dest).map_err(|err| {
                        LayerError::io("create the directory", &dest, Some(raw), err)
                    })?;
                }
                self.stats.dirs += 1;
                self.dirs.push((rel.clone(), e.mode, e.mtime));
            }
            Kind::File => {
                let mut file = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .custom_flags(libc::O_NOFOLLOW)
                    .open(&dest)
                    .map_err(|err| LayerError::io("create", &dest, Some(raw), err))?;
                let n = io::copy(content, &mut file).map_err(|err| {
                    if err.get_ref().is_some() || err.kind() == io::ErrorKind::UnexpectedEof {
                        LayerError::from_stream(err, format!("content of `{raw}`"))
                    } else {
                        LayerError::io("write", &dest, Some(raw), err)
                    }
                })?;
                self.stats.files += 1;
                self.stats.bytes += n;
            }
            Kind::Symlink => {
                let target = e.link_target.as_deref().unwrap_or(Path::new(""));
                std::os::unix::fs::symlink(target, &dest)
                    .map_err(|err| LayerError::io("create the symlink", &dest, Some(raw), err))?;
                self.stats.symlinks += 1;
            }
            Kind::Hardlink => {
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
                let t_parent = target.parent().unwrap_or(Path::new(""));
                let t_name = target.file_name().ok_or_else(missing)?;
                let real_t = self
                    .walk(t_parent, raw, false)?
                    .ok_or_else(missing)?
                    .join(t_name);
                let abs_t = self.root.join(&real_t);
                match fs::symlink_metadata(&abs_t) {
                    Ok(m) if !m.is_dir() => {}
                    Ok(_) => {
                        return Err(LayerError::unsafe_entry(
                            raw,
                            "its hard link target is a directory",
                        ))
                    }
                    Err(_) => return Err(missing()),
                }
                fs::hard_link(&abs_t, &dest)
                    .map_err(|err| LayerError::io("create the hard link", &dest, Some(raw), err))?;
                self.stats.hardlinks += 1;
                // A hard link shares its target's inode: no metadata of its own to set.
                self.created.insert(rel);
                return Ok(());
            }
            Kind::CharDevice | Kind::BlockDevice | Kind::Fifo => {
                let (major, minor) = e.device.unwrap_or((0, 0));
                let fmt = match e.kind {
                    Kind::CharDevice => libc::S_IFCHR,
                    Kind::BlockDevice => libc::S_IFBLK,
                    _ => libc::S_IFIFO,
                };
                let c = CString::new(dest.as_os_str().as_bytes())
                    .map_err(|_| LayerError::unsafe_entry(raw, "its path holds a NUL byte"))?;
                // SAFETY: `c` is a valid NUL-terminated path; mknod does not keep it.
                let rc =
                    unsafe { libc::mknod(c.as_ptr(), fmt | 0o600, libc::makedev(major, minor)) };
                if rc != 0 {
                    return Err(LayerError::io(
                        "create the special file",
                        &dest,
                        Some(raw),
                        io::Error::last_os_error(),
                    ));
                }
                if e.kind == Kind::Fifo {
                    self.stats.fifos += 1;
                } else {
                    self.stats.devices += 1;
                }
            }
        }
        self.created.insert(rel);
        self.metadata(&e, &dest)
    }

    fn metadata(&mut self, e: &Entry, dest: &Path) -> Result<(), LayerError> {
        let raw = e.raw.as_str();
        if self.opts.same_owner && self.root_user {
            std::os::unix::fs::lchown(dest, Some(e.uid as u32), Some(e.gid as u32))
                .map_err(|err| LayerError::io("set the owner of", dest, Some(raw), err))?;
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
                if let Err(err) = xattr::set(dest, name, value) {
                    self.stats
                        .warnings
                        .push(format!("xattr {name} on `{raw}` not set: {err}"));
                }
            }
        }
        match e.kind {
            Kind::Symlink => {
                let t = filetime::FileTime::from_unix_time(e.mtime, 0);
                filetime::set_symlink_file_times(dest, t, t)
                    .map_err(|err| LayerError::io("set the time of", dest, Some(raw), err))?;
            }
            Kind::Dir => {}
            _ => {
                // After chown, which clears setuid bits.
                fs::set_permissions(dest, fs::Permissions::from_mode(e.mode))
                    .map_err(|err| LayerError::io("set the mode of", dest, Some(raw), err))?;
                let t = filetime::FileTime::from_unix_time(e.mtime, 0);
                filetime::set_symlink_file_times(dest, t, t)
                    .map_err(|err| LayerError::io("set the time of", dest, Some(raw), err))?;
            }
        }
        Ok(())
    }

    fn whiteout(&mut self, path: &Path, raw: &str) -> Result<(), LayerError> {
        let parent = path.parent().unwrap_or(Path::new(""));
        let Some(name) = path.file_name() else {
            return Ok(());
        };
        let overlay = self.opts.whiteouts != Whiteouts::Delete;
        let Some(real_parent) = self.walk(parent, raw, overlay)? else {
            return Ok(());
        };
        let rel = real_parent.join(name);
        if self.created.contains(&rel) {
            return Ok(());
        }
        self.remove(&rel, raw)?;
        if overlay {
            let dest = self.root.join(&rel);
            let c = CString::new(dest.as_os_str().as_bytes())
                .map_err(|_| LayerError::unsafe_entry(raw, "its path holds a NUL byte"))?;
            // SAFETY: `c` is a valid NUL-terminated path; mknod does not keep it.
            if unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR, 0) } != 0 {
                return Err(LayerError::io(
                    "create the overlay whiteout (a 0/0 device, which needs root)",
                    &dest,
                    Some(raw),
                    io::Error::last_os_error(),
                ));
            }
            self.created.insert(rel);
        }
        self.stats.whiteouts += 1;
        Ok(())
    }

    fn remove(&mut self, rel: &Path, raw: &str) -> Result<(), LayerError> {
        let abs = self.root.join(rel);
        match fs::symlink_metadata(&abs) {
            Ok(m) if m.is_dir() => fs::remove_dir_all(&abs),
            Ok(_) => fs::remove_file(&abs),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
        .map_err(|e| LayerError::io("delete", &abs, Some(raw), e))
    }

    fn opaque(&mut self, dir: &Path, raw: &str) -> Result<(), LayerError> {
        let xattr = match self.opts.whiteouts {
            Whiteouts::Delete => None,
            Whiteouts::Overlay => Some("trusted.overlay.opaque"),
            Whiteouts::OverlayUserXattr => Some("user.overlay.opaque"),
        };
        let Some(real) = self.walk(dir, raw, xattr.is_some())? else {
            return Ok(());
        };
        if let Some(name) = xattr {
            let abs = self.root.join(&real);
            xattr::set(&abs, name, b"y").map_err(|e| {
                LayerError::io("mark as an opaque overlay directory", &abs, Some(raw), e)
            })?;
        } else {
            self.clear_lower(&real, raw)?;
        }
        self.stats.opaque_dirs += 1;
        Ok(())
    }

    /// Removes everything below `rel` that this layer did not create.
    fn clear_lower(&mut self, rel: &Path, raw: &str) -> Result<(), LayerError> {
        let abs = self.root.join(rel);
        let mut names: Vec<OsString> = fs::read_dir(&abs)
            .map_err(|e| LayerError::io("list", &abs, Some(raw), e))?
            .filter_map(|d| d.ok().map(|d| d.file_name()))
            .collect();
        names.sort();
        for name in names {
            let child = rel.join(&name);
            if !self.created.contains(&child) {
                self.remove(&child, raw)?;
            } else if fs::symlink_metadata(self.root.join(&child)).is_ok_and(|m| m.is_dir()) {
                self.clear_lower(&child, raw)?;
            }
        }
        Ok(())
    }

    fn finish_dirs(&mut self) -> Result<(), LayerError> {
        // Deepest first, so setting a parent's time is not undone by its children.
        self.dirs
            .sort_by_key(|(p, _, _)| std::cmp::Reverse(p.components().count()));
        for (rel, mode, mtime) in std::mem::take(&mut self.dirs) {
            let abs = self.root.join(&rel);
            let shown = rel.display().to_string();
            fs::set_permissions(&abs, fs::Permissions::from_mode(mode))
                .map_err(|e| LayerError::io("set the mode of", &abs, Some(&shown), e))?;
            let t = filetime::FileTime::from_unix_time(mtime, 0);
            filetime::set_symlink_file_times(&abs, t, t)
                .map_err(|e| LayerError::io("set the time of", &abs, Some(&shown), e))?;
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

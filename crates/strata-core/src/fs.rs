//! The rooted filesystem: a directory handle, and every operation on the tree below it
//! done relative to that handle with container semantics. Layer apply, the container's
//! files, `cp`, commit, diff and the `USER` lookup all touch untrusted trees through this
//! module and nothing else.
//!
//! **Why.** A tree that came from an image, or that a process inside a running container
//! can change, is hostile: a path that was checked and later handed to the kernel as a
//! string can meanwhile have a parent replaced by a symlink to a host folder (the
//! `docker cp` CVE-2018-15664 pattern). So nothing here resolves a path twice:
//! - resolution happens inside the root: `..` stops at the root and a symlink, absolute
//!   or relative, is followed from the root, never from the host's `/`. Linux's `openat2`
//!   with `RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS` does it in the kernel; where openat2
//!   is missing, a walk opens one component at a time with `O_NOFOLLOW` relative to the
//!   directory handle before it (`..` pops a stack of handles, so it cannot leave);
//! - an operation on a path's last component is done relative to a handle of its parent
//!   directory with the bare name ([`Parent`]), and never follows that name;
//! - metadata is set through a handle of the object itself ([`Handle`]: an `O_PATH`
//!   descriptor; mode and times through its `/proc/self/fd` link, owner with
//!   `AT_EMPTY_PATH`), so it lands on the object that was checked;
//! - content is opened only after the type was checked on the same inode: a regular
//!   file is reopened from its handle, so a device node or a FIFO swapped in is never
//!   opened, and opens are `O_NONBLOCK`.
//!
//! We wrote this on `rustix` instead of taking `pathrs` (libpathrs) or `cap-std`: cap-std
//! refuses absolute symlinks (sandbox semantics, where an image needs `/var/run -> /run`
//! to resolve inside the root), and libpathrs resolves whole paths but does not hand out
//! the parent-handle-plus-name pair that every `*at` call on a last component needs, nor
//! directory listing, xattrs, times and owners through handles: those would have been
//! written on rustix anyway. The README says the same.

// Untrusted trees: every path through crate::fs (see clippy.toml).
#![warn(clippy::disallowed_methods)]

mod handle;
mod kind;
mod meta;
mod walk;

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use rustix::fs::{AtFlags, Mode};

pub use handle::Handle;
pub(crate) use kind::not_regular;
pub use kind::{Kind, Meta, NotRegular};
/// How [`Handle::open_regular`] opens a file (`RDONLY`, `WRONLY`).
pub use rustix::fs::OFlags;

/// How many symlinks one resolution may follow (Linux's own limit).
pub const MAX_SYMLINKS: usize = 40;

/// A directory that untrusted paths are resolved in, as `/` is inside a container.
#[derive(Debug)]
pub struct Root {
    fd: OwnedFd,
    /// For messages only: nothing is ever resolved from it after [`Root::open`].
    path: PathBuf,
    /// Resolve with the `O_NOFOLLOW` walk even where openat2 exists (tests of the walk).
    walk_only: bool,
}

/// A directory handle plus one name in it: where an operation on a path's last component
/// happens. The name is never followed.
#[derive(Debug)]
pub struct Parent {
    dir: OwnedFd,
    name: OsString,
}

/// What to do with a symlink in the last component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    /// Resolve it (inside the root), as `open` does.
    Yes,
    /// Act on the link itself, as `lstat` does.
    No,
}

impl Root {
    /// Opens `path` (a trusted host path: the store's own folder) as a root.
    pub fn open(path: &Path) -> io::Result<Root> {
        let fd = rustix::fs::open(
            path,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Root {
            fd,
            path: path.to_path_buf(),
            walk_only: false,
        })
    }

    /// The same root, resolving with the component walk only (to test the fallback).
    pub fn walk_only(mut self) -> Root {
        self.walk_only = true;
        self
    }

    /// The host path it was opened at, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// A handle of what `path` names (the root itself for `/` or an empty path).
    pub fn handle(&self, path: &Path, follow: Follow) -> io::Result<Handle> {
        walk::resolve(self, path, follow).map(Handle::new)
    }

    /// The metadata of what `path` names.
    pub fn stat(&self, path: &Path, follow: Follow) -> io::Result<Meta> {
        self.handle(path, follow)?.stat()
    }

    /// The parent directory of `path`'s last component, resolved inside the root, and
    /// that component. Refused for the root itself and for a path ending in `..`.
    pub fn parent(&self, path: &Path) -> io::Result<Parent> {
        let (dir, name) = split_last(path)?;
        let dir = walk::resolve(self, &dir, Follow::Yes)?;
        if Meta::of_fd(dir.as_fd())?.kind != Kind::Dir {
            return Err(io::Error::from_raw_os_error(libc::ENOTDIR));
        }
        Ok(Parent { dir, name })
    }

    /// Like [`parent`](Root::parent), creating missing directories on the way with
    /// `mode`; `created` hears of each one made.
    pub fn parent_create(
        &self,
        path: &Path,
        mode: u32,
        created: &mut dyn FnMut(&Meta),
    ) -> io::Result<Parent> {
        let (dir, name) = split_last(path)?;
        let dir = walk::walk(self, &dir, Follow::Yes, Some((mode, created)))?;
        Ok(Parent { dir, name })
    }

    /// Creates `path` and its missing parents as directories (`mkdir -p`).
    pub fn mkdir_all(&self, path: &Path, mode: u32) -> io::Result<Handle> {
        walk::walk(self, path, Follow::Yes, Some((mode, &mut |_| {}))).map(Handle::new)
    }

    /// [`mkdir_all`](Root::mkdir_all), telling `created` of each directory it made.
    pub fn mkdir_all_reporting(
        &self,
        path: &Path,
        mode: u32,
        created: &mut dyn FnMut(&Meta),
    ) -> io::Result<Handle> {
        walk::walk(self, path, Follow::Yes, Some((mode, created))).map(Handle::new)
    }

    /// Opens a regular file for reading; anything else (a directory, a device, a FIFO, a
    /// socket) is refused before it is opened.
    pub fn open_regular(&self, path: &Path, follow: Follow) -> io::Result<File> {
        self.handle(path, follow)?.open_regular(OFlags::RDONLY)
    }

    /// Opens the regular file `path` names (a symlink followed inside the root) for
    /// writing, truncated, or creates it with `mode` when nothing is there. Whatever else
    /// is there (a device, a FIFO, a socket, a folder) is refused without being opened.
    /// Returns the file and whether it was created.
    pub fn write_regular(&self, path: &Path, mode: u32) -> io::Result<(File, bool)> {
        // A racing creator turns our O_EXCL into EEXIST: look again, a bounded number of
        // times.
        for _ in 0..8 {
            match self.handle(path, Follow::Yes) {
                Ok(h) => {
                    let f = h.open_regular(OFlags::WRONLY)?;
                    f.set_len(0)?;
                    return Ok((f, false));
                }
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
                    match self.parent(path)?.create_new(mode) {
                        Ok(f) => return Ok((f, true)),
                        Err(e) if e.raw_os_error() == Some(libc::EEXIST) => continue,
                        Err(e) => return Err(e),
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::from_raw_os_error(libc::EAGAIN))
    }

    /// The entries of a directory, with their metadata (symlinks not followed), sorted
    /// by name.
    pub fn read_dir(&self, path: &Path, follow: Follow) -> io::Result<Vec<(OsString, Meta)>> {
        self.handle(path, follow)?.read_dir()
    }

    /// A symlink's target, as stored.
    pub fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        self.handle(path, Follow::No)?.read_link()
    }

    /// Renames inside the root (neither name is followed).
    pub fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let a = self.parent(from)?;
        let b = self.parent(to)?;
        rustix::fs::renameat(&a.dir, &a.name, &b.dir, &b.name)?;
        Ok(())
    }

    /// Hard-links `link` to the existing `target` (its last component not followed).
    pub fn hard_link(&self, link: &Path, target: &Path) -> io::Result<()> {
        let t = self.parent(target)?;
        let l = self.parent(link)?;
        rustix::fs::linkat(&t.dir, &t.name, &l.dir, &l.name, AtFlags::empty())?;
        Ok(())
    }
}

impl Parent {
    /// The last component's name.
    pub fn name(&self) -> &OsStr {
        &self.name
    }

    /// A handle of the parent directory.
    pub fn dir(&self) -> BorrowedFd<'_> {
        self.dir.as_fd()
    }

    /// The metadata of the name (not followed); `None` when nothing is there.
    pub fn stat(&self) -> io::Result<Option<Meta>> {
        match Meta::at(self.dir.as_fd(), self.name.as_os_str()) {
            Ok(m) => Ok(Some(m)),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A handle of the object the name is (a symlink is the link itself).
    pub fn handle(&self) -> io::Result<Handle> {
        let fd = rustix::fs::openat(
            &self.dir,
            &self.name,
            OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Handle::new(fd))
    }

    /// Creates a new regular file (never one that exists, never through a symlink).
    pub fn create_new(&self, mode: u32) -> io::Result<File> {
        let fd = rustix::fs::openat(
            &self.dir,
            &self.name,
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(mode & 0o777),
        )?;
        Ok(File::from(fd))
    }

    /// Opens the regular file at the name for writing, creating it with `mode` when
    /// missing, truncated. Whatever else is there (a device, a FIFO, a symlink, a folder)
    /// is refused without being opened.
    pub fn write_regular(&self, mode: u32) -> io::Result<(File, bool)> {
        // A racing creator turns our O_EXCL into EEXIST: look again, a bounded number of
        // times.
        for _ in 0..8 {
            match self.handle() {
                Ok(h) => {
                    let f = h.open_regular(OFlags::WRONLY)?;
                    f.set_len(0)?;
                    return Ok((f, false));
                }
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => match self.create_new(mode) {
                    Ok(f) => return Ok((f, true)),
                    Err(e) if e.raw_os_error() == Some(libc::EEXIST) => continue,
                    Err(e) => return Err(e),
                },
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::from_raw_os_error(libc::EAGAIN))
    }

    /// Makes the name a new hard link to the object `to` holds (which must not be a
    /// directory). Goes through the handle's `/proc/self/fd` link, so it is that object.
    pub fn link_to(&self, to: &Handle) -> io::Result<()> {
        rustix::fs::linkat(
            rustix::fs::CWD,
            proc_fd(to.fd()),
            &self.dir,
            &self.name,
            AtFlags::SYMLINK_FOLLOW,
        )?;
        Ok(())
    }

    /// Renames the name to `to`'s name (neither is followed).
    pub fn rename_to(&self, to: &Parent) -> io::Result<()> {
        rustix::fs::renameat(&self.dir, &self.name, &to.dir, &to.name)?;
        Ok(())
    }

    /// Makes `link`'s name a new hard link to what this name is (not followed).
    pub fn hard_link_as(&self, link: &Parent) -> io::Result<()> {
        rustix::fs::linkat(
            &self.dir,
            &self.name,
            &link.dir,
            &link.name,
            AtFlags::empty(),
        )?;
        Ok(())
    }

    /// Creates a directory.
    pub fn mkdir(&self, mode: u32) -> io::Result<()> {
        rustix::fs::mkdirat(&self.dir, &self.name, Mode::from_raw_mode(mode & 0o7777))?;
        Ok(())
    }

    /// Creates a symlink pointing at `target` (stored as given: it is resolved inside
    /// the root whenever it is followed).
    pub fn symlink(&self, target: &Path) -> io::Result<()> {
        rustix::fs::symlinkat(target, &self.dir, &self.name)?;
        Ok(())
    }

    /// Creates a device node, FIFO or whiteout (`S_IFCHR` 0/0).
    pub fn mknod(&self, kind: Kind, mode: u32, major: u32, minor: u32) -> io::Result<()> {
        let file_type = match kind {
            Kind::Char => rustix::fs::FileType::CharacterDevice,
            Kind::Block => rustix::fs::FileType::BlockDevice,
            Kind::Fifo => rustix::fs::FileType::Fifo,
            _ => return Err(io::Error::from_raw_os_error(libc::EINVAL)),
        };
        rustix::fs::mknodat(
            &self.dir,
            &self.name,
            file_type,
            Mode::from_raw_mode(mode & 0o7777),
            rustix::fs::makedev(major, minor),
        )?;
        Ok(())
    }

    /// Removes the name: a file, a symlink (not its target) or a whole directory, whose
    /// contents are walked through handles (a directory swapped for a symlink meanwhile
    /// stops the removal rather than following it). Nothing there is not an error.
    pub fn remove_all(&self) -> io::Result<()> {
        match self.stat()? {
            None => Ok(()),
            Some(m) if m.kind == Kind::Dir => {
                let dir = rustix::fs::openat(
                    &self.dir,
                    &self.name,
                    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                    Mode::empty(),
                )?;
                handle::empty_dir(dir.as_fd(), 0)?;
                rustix::fs::unlinkat(&self.dir, &self.name, AtFlags::REMOVEDIR)?;
                Ok(())
            }
            Some(_) => {
                rustix::fs::unlinkat(&self.dir, &self.name, AtFlags::empty())?;
                Ok(())
            }
        }
    }

    /// Sets the times of the name itself (a symlink is not followed).
    pub fn set_times(&self, mtime: i64, mtime_nsec: u32) -> io::Result<()> {
        let t = rustix::fs::Timespec {
            tv_sec: mtime,
            tv_nsec: mtime_nsec.into(),
        };
        let times = rustix::fs::Timestamps {
            last_access: t,
            last_modification: t,
        };
        rustix::fs::utimensat(&self.dir, &self.name, &times, AtFlags::SYMLINK_NOFOLLOW)?;
        Ok(())
    }

    /// Sets an extended attribute on the name itself (a symlink is not followed).
    pub fn set_xattr(&self, name: &str, value: &[u8]) -> io::Result<()> {
        let mut path = proc_fd(self.dir.as_fd()).into_os_string();
        path.push("/");
        path.push(&self.name);
        rustix::fs::lsetxattr(
            Path::new(&path),
            name,
            value,
            rustix::fs::XattrFlags::empty(),
        )?;
        Ok(())
    }
}

/// Visits everything below `start` (not `start` itself), depth first, siblings in name
/// order, each object opened through its parent's handle without being followed. `visit`
/// gets the path relative to `start`, the object's handle and metadata, and says whether
/// to go into it (a directory). Nesting deeper than 4096 fails with `ELOOP`.
pub fn walk_tree<E>(
    root: &Root,
    start: &Path,
    io_err: &dyn Fn(&Path, io::Error) -> E,
    visit: &mut dyn FnMut(&Path, &Handle, &Meta) -> Result<bool, E>,
) -> Result<(), E> {
    let top = root
        .handle(start, Follow::No)
        .map_err(|e| io_err(start, e))?;
    walk_below(&top, Path::new(""), io_err, visit, 0)
}

fn walk_below<E>(
    dir: &Handle,
    rel: &Path,
    io_err: &dyn Fn(&Path, io::Error) -> E,
    visit: &mut dyn FnMut(&Path, &Handle, &Meta) -> Result<bool, E>,
    depth: usize,
) -> Result<(), E> {
    if depth > 4096 {
        return Err(io_err(rel, io::Error::from_raw_os_error(libc::ELOOP)));
    }
    for (name, _) in dir.read_dir().map_err(|e| io_err(rel, e))? {
        let path = rel.join(&name);
        let child = match dir.child(&name).and_then(|p| p.handle()) {
            Ok(h) => h,
            // Gone since the listing (a running container): nothing to visit.
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
            Err(e) => return Err(io_err(&path, e)),
        };
        // The metadata of the object opened, not of the name listed a moment before.
        let meta = child.stat().map_err(|e| io_err(&path, e))?;
        if visit(&path, &child, &meta)? && meta.kind == Kind::Dir {
            walk_below(&child, &path, io_err, visit, depth + 1)?;
        }
    }
    Ok(())
}

/// `/proc/self/fd/N`: the kernel's link to what a descriptor holds. Used to act on the
/// object an `O_PATH` handle holds where no `f*` call takes such a handle (chmod, times,
/// xattrs, reopening); the link jumps to that exact inode and is not a path in the tree.
pub(crate) fn proc_fd(fd: BorrowedFd<'_>) -> PathBuf {
    use std::os::fd::AsRawFd;
    PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()))
}

/// Splits off the last component: (what comes before it, the name).
fn split_last(path: &Path) -> io::Result<(PathBuf, OsString)> {
    let mut parts: Vec<Component<'_>> = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    match parts.pop() {
        Some(Component::Normal(name)) if !name.as_bytes().is_empty() => {
            Ok((parts.iter().collect(), name.to_os_string()))
        }
        // `/`, empty, or ending in `..`: no name to act on.
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the path names the root or ends in `..`",
        )),
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)]
mod tests;

//! A handle of one object in a tree: an `O_PATH` descriptor opened without following the
//! object, so that whatever is done through it is done to the object that was checked,
//! even if a name on the way is swapped meanwhile.

// Untrusted trees: every path through handles (see clippy.toml).
#![warn(clippy::disallowed_methods)]

use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use rustix::fs::{AtFlags, Mode, OFlags};

use super::{not_regular, proc_fd, Kind, Meta, Parent};

/// Directories nested deeper than this are not removed (a tree that deep is hostile).
const MAX_DEPTH: usize = 4096;

/// An object in a rooted tree (see the module header).
#[derive(Debug)]
pub struct Handle {
    fd: OwnedFd,
}

impl Handle {
    pub(crate) fn new(fd: OwnedFd) -> Handle {
        Handle { fd }
    }

    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// One name in this directory, to act on without following it.
    pub fn child(&self, name: &std::ffi::OsStr) -> io::Result<Parent> {
        Ok(Parent {
            dir: self.fd.try_clone()?,
            name: name.to_os_string(),
        })
    }

    /// Its metadata (a symlink's own).
    pub fn stat(&self) -> io::Result<Meta> {
        Meta::of_fd(self.fd.as_fd())
    }

    /// Opens it for reading or writing if, and only if, it is a regular file. The open
    /// goes through the handle, so it is the inode that was checked, and is non-blocking
    /// (which changes nothing for a regular file).
    pub fn open_regular(&self, access: OFlags) -> io::Result<File> {
        let m = self.stat()?;
        if m.kind != Kind::File {
            return Err(not_regular(m.kind));
        }
        let fd = rustix::fs::open(
            proc_fd(self.fd.as_fd()),
            access | OFlags::CLOEXEC | OFlags::NONBLOCK | OFlags::NOCTTY,
            Mode::empty(),
        )?;
        let f = File::from(fd);
        // The same inode, whatever happened to the name (the proc link cannot be
        // swapped, but a check costs nothing).
        if !Meta::of_fd(f.as_fd())?.same_object(&m) {
            return Err(io::Error::from_raw_os_error(libc::EXDEV));
        }
        Ok(f)
    }

    /// The directory's entries with their metadata (not followed), sorted by name.
    pub fn read_dir(&self) -> io::Result<Vec<(OsString, Meta)>> {
        let dir = self.open_dir()?;
        let mut out = Vec::new();
        for entry in rustix::fs::Dir::read_from(&dir)? {
            let entry = entry?;
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let m = Meta::at(dir.as_fd(), entry.file_name())?;
            out.push((OsString::from(std::ffi::OsStr::from_bytes(name)), m));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// A readable descriptor of the directory (for `*at` calls below it).
    pub(crate) fn open_dir(&self) -> io::Result<OwnedFd> {
        // `.` relative to the directory's own handle: the same directory, no path.
        Ok(rustix::fs::openat(
            &self.fd,
            ".",
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?)
    }

    /// A symlink's target as stored.
    pub fn read_link(&self) -> io::Result<PathBuf> {
        let target = rustix::fs::readlinkat(&self.fd, "", Vec::new())?;
        Ok(PathBuf::from(std::ffi::OsStr::from_bytes(
            target.as_bytes(),
        )))
    }

    /// Sets the permission bits (`0o7777`). A symlink has none: nothing is done.
    pub fn set_mode(&self, mode: u32) -> io::Result<()> {
        if self.stat()?.kind == Kind::Symlink {
            return Ok(());
        }
        rustix::fs::chmod(proc_fd(self.fd.as_fd()), Mode::from_raw_mode(mode & 0o7777))?;
        Ok(())
    }

    /// Sets the owner (of a symlink itself, not its target). Clears setuid bits, so it
    /// goes before [`set_mode`](Handle::set_mode).
    pub fn set_owner(&self, uid: u32, gid: u32) -> io::Result<()> {
        let (u, g) = (
            rustix::fs::Uid::from_raw(uid),
            rustix::fs::Gid::from_raw(gid),
        );
        rustix::fs::chownat(&self.fd, "", Some(u), Some(g), AtFlags::EMPTY_PATH)?;
        Ok(())
    }

    /// Sets the access and modification times. A symlink's are set through its parent
    /// ([`Parent::set_times`](super::Parent::set_times)); here it is left alone.
    pub fn set_times(&self, mtime: i64, mtime_nsec: u32) -> io::Result<()> {
        if self.stat()?.kind == Kind::Symlink {
            return Ok(());
        }
        let t = rustix::fs::Timespec {
            tv_sec: mtime,
            tv_nsec: mtime_nsec.into(),
        };
        let times = rustix::fs::Timestamps {
            last_access: t,
            last_modification: t,
        };
        rustix::fs::utimensat(
            rustix::fs::CWD,
            proc_fd(self.fd.as_fd()),
            &times,
            AtFlags::empty(),
        )?;
        Ok(())
    }

    /// Sets an extended attribute (not on symlinks: see [`Parent::set_xattr`](super::Parent::set_xattr)).
    pub fn set_xattr(&self, name: &str, value: &[u8]) -> io::Result<()> {
        rustix::fs::setxattr(
            proc_fd(self.fd.as_fd()),
            name,
            value,
            rustix::fs::XattrFlags::empty(),
        )?;
        Ok(())
    }

    /// The object's extended attributes (names and values), for a regular file or a
    /// directory; others have none worth carrying.
    pub fn xattrs(&self) -> io::Result<Vec<(String, Vec<u8>)>> {
        let m = self.stat()?;
        if !matches!(m.kind, Kind::File | Kind::Dir) {
            return Ok(Vec::new());
        }
        let path = proc_fd(self.fd.as_fd());
        let mut names = vec![0u8; 4096];
        let n = match rustix::fs::listxattr(&path, &mut names) {
            Ok(n) => n,
            Err(rustix::io::Errno::NOTSUP) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut out = Vec::new();
        for raw in names[..n].split(|b| *b == 0).filter(|n| !n.is_empty()) {
            let name = String::from_utf8_lossy(raw).into_owned();
            let mut value = vec![0u8; 65536];
            match rustix::fs::getxattr(&path, name.as_str(), &mut value) {
                Ok(len) => {
                    value.truncate(len);
                    out.push((name, value));
                }
                Err(rustix::io::Errno::NODATA) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(out)
    }
}

/// An open file is a handle of itself (its metadata is set through it).
impl From<File> for Handle {
    fn from(f: File) -> Handle {
        Handle::new(OwnedFd::from(f))
    }
}

/// Removes everything in an open directory, through handles: a subdirectory is opened
/// with `O_NOFOLLOW` relative to its parent's descriptor, so one swapped for a symlink
/// fails the removal instead of being followed.
pub(crate) fn empty_dir(dir: BorrowedFd<'_>, depth: usize) -> io::Result<()> {
    if depth > MAX_DEPTH {
        return Err(io::Error::from_raw_os_error(libc::ELOOP));
    }
    let mut names = Vec::new();
    for entry in rustix::fs::Dir::read_from(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_owned();
        if name.as_bytes() == b"." || name.as_bytes() == b".." {
            continue;
        }
        names.push(name);
    }
    for name in names {
        let m = match Meta::at(dir, name.as_c_str()) {
            Ok(m) => m,
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
            Err(e) => return Err(e),
        };
        if m.kind == Kind::Dir {
            let sub = rustix::fs::openat(
                dir,
                name.as_c_str(),
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
            )?;
            empty_dir(sub.as_fd(), depth + 1)?;
            rustix::fs::unlinkat(dir, name.as_c_str(), AtFlags::REMOVEDIR)?;
        } else {
            match rustix::fs::unlinkat(dir, name.as_c_str(), AtFlags::empty()) {
                Ok(()) | Err(rustix::io::Errno::NOENT) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

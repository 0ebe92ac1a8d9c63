//! Resolving a path inside a [`Root`]: the kernel's `openat2(RESOLVE_IN_ROOT)` where it
//! exists, else (and whenever directories are created on the way) a walk that opens one
//! component at a time with `O_NOFOLLOW` relative to the handle before it.
//!
//! Both give the same answer: `..` never climbs above the root, an absolute symlink starts
//! again from the root, a relative one from the directory holding it, and at most
//! [`MAX_SYMLINKS`] links are followed (`ELOOP` after).

// Untrusted trees: every path through handles (see clippy.toml).
#![warn(clippy::disallowed_methods)]

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path};
use std::sync::atomic::{AtomicBool, Ordering};

use rustix::fs::{Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

use super::{Follow, Kind, Meta, Root, MAX_SYMLINKS};

/// Set once openat2 was found missing (an old kernel, or a seccomp filter that hides it).
static NO_OPENAT2: AtomicBool = AtomicBool::new(false);

/// An `O_PATH` descriptor of what `path` names inside `root`.
pub(super) fn resolve(root: &Root, path: &Path, follow: Follow) -> io::Result<OwnedFd> {
    if !root.walk_only && !NO_OPENAT2.load(Ordering::Relaxed) {
        match openat2(root.fd(), path, follow) {
            Err(e) if e == Errno::NOSYS || e == Errno::PERM => {
                NO_OPENAT2.store(true, Ordering::Relaxed);
            }
            other => return other.map_err(io::Error::from),
        }
    }
    walk(root, path, follow, None)
}

fn openat2(root: BorrowedFd<'_>, path: &Path, follow: Follow) -> Result<OwnedFd, Errno> {
    let mut flags = OFlags::PATH | OFlags::CLOEXEC;
    if follow == Follow::No {
        flags |= OFlags::NOFOLLOW;
    }
    // An empty path names the root itself.
    let path: &Path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    let how = ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS;
    // EAGAIN: a rename elsewhere in the tree raced the `..` check; the kernel asks to retry.
    let mut tries = 0;
    loop {
        match rustix::fs::openat2(root, path, flags, Mode::empty(), how) {
            Err(Errno::AGAIN) if tries < 16 => tries += 1,
            other => return other,
        }
    }
}

/// What to do with a missing directory on the way: make it with this mode and tell the
/// callback.
pub(super) type Create<'a> = (u32, &'a mut dyn FnMut(&Meta));

/// The component walk. With `create`, missing directories are made with its mode and
/// reported to its callback (the last component included).
pub(super) fn walk(
    root: &Root,
    path: &Path,
    follow: Follow,
    mut create: Option<Create<'_>>,
) -> io::Result<OwnedFd> {
    let mut queue = components(path);
    // The directories walked so far, below the root; empty = at the root.
    let mut stack: Vec<OwnedFd> = Vec::new();
    let mut hops = 0;
    while let Some(name) = queue.pop_front() {
        if name == ".." {
            stack.pop();
            continue;
        }
        let last = queue.is_empty();
        let here = stack.last().map_or(root.fd(), |d| d.as_fd());
        let fd = match open_nofollow(here, &name) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => match create.as_mut() {
                Some((mode, report)) => {
                    match rustix::fs::mkdirat(here, name.as_os_str(), Mode::from_raw_mode(*mode)) {
                        Ok(()) | Err(Errno::EXIST) => {}
                        Err(e) => return Err(e.into()),
                    }
                    let fd = open_nofollow(here, &name)?;
                    let m = Meta::of_fd(fd.as_fd())?;
                    if m.kind == Kind::Dir {
                        report(&m);
                    }
                    fd
                }
                None => return Err(Errno::NOENT.into()),
            },
            Err(e) => return Err(e.into()),
        };
        let m = Meta::of_fd(fd.as_fd())?;
        match m.kind {
            Kind::Symlink if !last || follow == Follow::Yes => {
                hops += 1;
                if hops > MAX_SYMLINKS {
                    return Err(Errno::LOOP.into());
                }
                let target = rustix::fs::readlinkat(&fd, "", Vec::new())?;
                let target = Path::new(std::ffi::OsStr::from_bytes(target.as_bytes()));
                if target.has_root() {
                    stack.clear();
                }
                let mut next = components(target);
                next.extend(queue);
                queue = next;
            }
            Kind::Dir if !last => stack.push(fd),
            _ if last => return Ok(fd),
            _ => return Err(Errno::NOTDIR.into()),
        }
    }
    // Ended on a directory (or on the root itself): a fresh handle of it.
    let here = stack.last().map_or(root.fd(), |d| d.as_fd());
    Ok(rustix::fs::openat(
        here,
        ".",
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

fn open_nofollow(dir: BorrowedFd<'_>, name: &OsString) -> Result<OwnedFd, Errno> {
    rustix::fs::openat(
        dir,
        name.as_os_str(),
        OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
}

/// Names and `..`, in order; `/`, `.` and empty components are dropped.
fn components(path: &Path) -> VecDeque<OsString> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect()
}

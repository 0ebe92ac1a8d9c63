//! The rooted filesystem where Linux's is not there (Windows, macOS): the same API, and no
//! root can be opened, so nothing that touches an untrusted tree (unpacking layers,
//! a container's files, diff and commit, a folder imported as an image) runs there.
//!
//! The Linux module's safety rests on `openat2(RESOLVE_IN_ROOT)`, `O_PATH` handles,
//! `/proc/self/fd` and `statx`; none has a faithful stand-in elsewhere, and a backend that
//! resolves paths as strings is exactly what the module exists to prevent. So
//! [`Root::open`] fails with [`io::ErrorKind::Unsupported`], and [`Root`], [`Parent`] and
//! [`Handle`] cannot exist: their methods are never reached. The callers say so first
//! with their own error (`container.unsupported`, `layer.unsupported`). README: "Where it
//! is built and tested".

use std::convert::Infallible;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

#[path = "kind.rs"]
mod kind;

pub(crate) use kind::not_regular;
pub use kind::{Kind, Meta, NotRegular};

/// How many symlinks one resolution may follow (Linux's own limit).
pub const MAX_SYMLINKS: usize = 40;

/// Why nothing here works: one sentence, for messages.
pub fn unsupported_reason() -> String {
    format!(
        "this is {}, and Strata's safe access to a tree from an image (openat2, O_PATH) needs Linux",
        std::env::consts::OS
    )
}

fn unsupported() -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, unsupported_reason())
}

/// A directory that untrusted paths are resolved in: never opened outside Linux.
#[derive(Debug)]
pub struct Root {
    never: Infallible,
}

/// A directory handle plus one name in it (see the Linux module).
#[derive(Debug)]
pub struct Parent {
    never: Infallible,
}

/// An object in a rooted tree (see the Linux module).
#[derive(Debug)]
pub struct Handle {
    never: Infallible,
}

/// What to do with a symlink in the last component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    /// Resolve it (inside the root), as `open` does.
    Yes,
    /// Act on the link itself, as `lstat` does.
    No,
}

/// How [`Handle::open_regular`] opens a file (rustix's `OFlags` on Linux).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OFlags(u8);

impl OFlags {
    pub const RDONLY: OFlags = OFlags(0);
    pub const WRONLY: OFlags = OFlags(1);
}

impl Root {
    /// Fails: there is no rooted filesystem on this system.
    pub fn open(_path: &Path) -> io::Result<Root> {
        Err(unsupported())
    }

    pub fn walk_only(self) -> Root {
        self
    }

    pub fn path(&self) -> &Path {
        match self.never {}
    }

    pub fn handle(&self, _path: &Path, _follow: Follow) -> io::Result<Handle> {
        match self.never {}
    }

    pub fn stat(&self, _path: &Path, _follow: Follow) -> io::Result<Meta> {
        match self.never {}
    }

    pub fn parent(&self, _path: &Path) -> io::Result<Parent> {
        match self.never {}
    }

    pub fn parent_create(
        &self,
        _path: &Path,
        _mode: u32,
        _created: &mut dyn FnMut(&Meta),
    ) -> io::Result<Parent> {
        match self.never {}
    }

    pub fn mkdir_all(&self, _path: &Path, _mode: u32) -> io::Result<Handle> {
        match self.never {}
    }

    pub fn mkdir_all_reporting(
        &self,
        _path: &Path,
        _mode: u32,
        _created: &mut dyn FnMut(&Meta),
    ) -> io::Result<Handle> {
        match self.never {}
    }

    pub fn open_regular(&self, _path: &Path, _follow: Follow) -> io::Result<File> {
        match self.never {}
    }

    pub fn write_regular(&self, _path: &Path, _mode: u32) -> io::Result<(File, bool)> {
        match self.never {}
    }

    pub fn read_dir(&self, _path: &Path, _follow: Follow) -> io::Result<Vec<(OsString, Meta)>> {
        match self.never {}
    }

    pub fn read_link(&self, _path: &Path) -> io::Result<PathBuf> {
        match self.never {}
    }

    pub fn rename(&self, _from: &Path, _to: &Path) -> io::Result<()> {
        match self.never {}
    }

    pub fn hard_link(&self, _link: &Path, _target: &Path) -> io::Result<()> {
        match self.never {}
    }
}

impl Parent {
    pub fn name(&self) -> &OsStr {
        match self.never {}
    }

    pub fn stat(&self) -> io::Result<Option<Meta>> {
        match self.never {}
    }

    pub fn handle(&self) -> io::Result<Handle> {
        match self.never {}
    }

    pub fn create_new(&self, _mode: u32) -> io::Result<File> {
        match self.never {}
    }

    pub fn write_regular(&self, _mode: u32) -> io::Result<(File, bool)> {
        match self.never {}
    }

    pub fn link_to(&self, _to: &Handle) -> io::Result<()> {
        match self.never {}
    }

    pub fn rename_to(&self, _to: &Parent) -> io::Result<()> {
        match self.never {}
    }

    pub fn hard_link_as(&self, _link: &Parent) -> io::Result<()> {
        match self.never {}
    }

    pub fn mkdir(&self, _mode: u32) -> io::Result<()> {
        match self.never {}
    }

    pub fn symlink(&self, _target: &Path) -> io::Result<()> {
        match self.never {}
    }

    pub fn mknod(&self, _kind: Kind, _mode: u32, _major: u32, _minor: u32) -> io::Result<()> {
        match self.never {}
    }

    pub fn remove_all(&self) -> io::Result<()> {
        match self.never {}
    }

    pub fn set_times(&self, _mtime: i64, _mtime_nsec: u32) -> io::Result<()> {
        match self.never {}
    }

    pub fn set_xattr(&self, _name: &str, _value: &[u8]) -> io::Result<()> {
        match self.never {}
    }
}

impl Handle {
    pub fn child(&self, _name: &OsStr) -> io::Result<Parent> {
        match self.never {}
    }

    pub fn stat(&self) -> io::Result<Meta> {
        match self.never {}
    }

    pub fn open_regular(&self, _access: OFlags) -> io::Result<File> {
        match self.never {}
    }

    pub fn read_dir(&self) -> io::Result<Vec<(OsString, Meta)>> {
        match self.never {}
    }

    pub fn read_link(&self) -> io::Result<PathBuf> {
        match self.never {}
    }

    pub fn set_mode(&self, _mode: u32) -> io::Result<()> {
        match self.never {}
    }

    pub fn set_owner(&self, _uid: u32, _gid: u32) -> io::Result<()> {
        match self.never {}
    }

    pub fn set_times(&self, _mtime: i64, _mtime_nsec: u32) -> io::Result<()> {
        match self.never {}
    }

    pub fn set_xattr(&self, _name: &str, _value: &[u8]) -> io::Result<()> {
        match self.never {}
    }

    pub fn xattrs(&self) -> io::Result<Vec<(String, Vec<u8>)>> {
        match self.never {}
    }
}

/// Visits everything below `start`: never reached, as no [`Root`] exists.
pub fn walk_tree<E>(
    root: &Root,
    _start: &Path,
    _io_err: &dyn Fn(&Path, io::Error) -> E,
    _visit: &mut dyn FnMut(&Path, &Handle, &Meta) -> Result<bool, E>,
) -> Result<(), E> {
    match root.never {}
}

/// An open file is a handle of itself on Linux. Here every file this is called with came
/// from a [`Root`] or a [`Parent`], which cannot exist.
impl From<File> for Handle {
    fn from(_file: File) -> Handle {
        unreachable!("{}", unsupported_reason())
    }
}

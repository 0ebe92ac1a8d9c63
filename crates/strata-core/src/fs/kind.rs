//! What a tree's object is, as the engine reads it (a small copy of `stat`, so that callers
//! need not know rustix): shared by the Linux backend and the one for other systems.

use std::io;

/// The kind of a filesystem object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Char,
    Block,
    Fifo,
    Socket,
}

impl Kind {
    /// Docker's one-word name: `file`, `dir`, `symlink`, `char`, `block`, `fifo`, `socket`.
    pub fn word(self) -> &'static str {
        match self {
            Kind::File => "file",
            Kind::Dir => "dir",
            Kind::Symlink => "symlink",
            Kind::Char => "char",
            Kind::Block => "block",
            Kind::Fifo => "fifo",
            Kind::Socket => "socket",
        }
    }

    /// One letter per kind (`f d l c b p s`), as the container baseline stores it.
    pub fn letter(self) -> u8 {
        match self {
            Kind::File => b'f',
            Kind::Dir => b'd',
            Kind::Symlink => b'l',
            Kind::Char => b'c',
            Kind::Block => b'b',
            Kind::Fifo => b'p',
            Kind::Socket => b's',
        }
    }

    /// The same kind as the standard library's metadata names it (trusted host files);
    /// outside Unix only folders, symlinks and files exist.
    pub fn of_std(ft: &std::fs::FileType) -> Kind {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if ft.is_char_device() {
                return Kind::Char;
            } else if ft.is_block_device() {
                return Kind::Block;
            } else if ft.is_fifo() {
                return Kind::Fifo;
            } else if ft.is_socket() {
                return Kind::Socket;
            }
        }
        if ft.is_dir() {
            Kind::Dir
        } else if ft.is_symlink() {
            Kind::Symlink
        } else {
            Kind::File
        }
    }
}

/// The metadata of one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub kind: Kind,
    /// Permission bits with setuid, setgid and sticky (`0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub mtime: i64,
    pub mtime_nsec: u32,
    /// Change time: moved by every write, chmod, chown, link; no call sets it back.
    pub ctime: (i64, u32),
    /// Birth time, `(0, 0)` where the filesystem does not keep one.
    pub btime: (i64, u32),
    pub dev: u64,
    pub ino: u64,
    pub nlink: u64,
    /// The device number a device node stands for.
    pub rdev: u64,
}

impl Meta {
    /// The same object (device and inode) as `other`.
    pub fn same_object(&self, other: &Meta) -> bool {
        self.dev == other.dev && self.ino == other.ino
    }

    /// Major and minor of a device node, from `rdev` in Linux's encoding (what
    /// `makedev` writes; plain arithmetic, so the same on every system).
    pub fn device_numbers(&self) -> (u32, u32) {
        let dev = self.rdev;
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
        let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
        (major as u32, minor as u32)
    }
}

/// What a content operation found instead of a regular file; the `io::Error`'s inner
/// error, so that callers can tell it from an I/O failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotRegular(pub Kind);

impl NotRegular {
    /// What it is, in words: "a character device".
    pub fn what(self) -> &'static str {
        match self.0 {
            Kind::Dir => "a folder",
            Kind::Symlink => "a symlink",
            Kind::Char => "a character device",
            Kind::Block => "a block device",
            Kind::Fifo => "a FIFO (named pipe)",
            Kind::Socket => "a socket",
            Kind::File => "a regular file",
        }
    }

    /// The `NotRegular` inside an error, if that is what it is.
    pub fn of(e: &io::Error) -> Option<NotRegular> {
        e.get_ref()?.downcast_ref::<NotRegular>().copied()
    }
}

impl std::fmt::Display for NotRegular {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "it is {}, not a regular file", self.what())
    }
}

impl std::error::Error for NotRegular {}

/// The error for "this is not a regular file", naming what it is.
pub(crate) fn not_regular(kind: Kind) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, NotRegular(kind))
}

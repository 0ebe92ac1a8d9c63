//! What a tree's object is: its kind and the metadata the engine reads (a small copy of
//! `stat`, so that callers need not know rustix).

// Untrusted trees: every path through handles (see clippy.toml).
#![warn(clippy::disallowed_methods)]

use std::io;
use std::os::fd::BorrowedFd;

use rustix::fs::{AtFlags, FileType, Statx, StatxFlags};

use super::{Kind, Meta};

impl Meta {
    fn from_statx(st: &Statx) -> Meta {
        let kind = match FileType::from_raw_mode(u32::from(st.stx_mode) as _) {
            FileType::Directory => Kind::Dir,
            FileType::Symlink => Kind::Symlink,
            FileType::CharacterDevice => Kind::Char,
            FileType::BlockDevice => Kind::Block,
            FileType::Fifo => Kind::Fifo,
            FileType::Socket => Kind::Socket,
            _ => Kind::File,
        };
        let btime = if st.stx_mask & StatxFlags::BTIME.bits() != 0 {
            (st.stx_btime.tv_sec, st.stx_btime.tv_nsec)
        } else {
            (0, 0)
        };
        Meta {
            kind,
            mode: u32::from(st.stx_mode) & 0o7777,
            uid: st.stx_uid,
            gid: st.stx_gid,
            size: st.stx_size,
            mtime: st.stx_mtime.tv_sec,
            mtime_nsec: st.stx_mtime.tv_nsec,
            ctime: (st.stx_ctime.tv_sec, st.stx_ctime.tv_nsec),
            btime,
            dev: rustix::fs::makedev(st.stx_dev_major, st.stx_dev_minor) as u64,
            ino: st.stx_ino,
            nlink: u64::from(st.stx_nlink),
            rdev: rustix::fs::makedev(st.stx_rdev_major, st.stx_rdev_minor) as u64,
        }
    }

    /// The metadata of `name` in the directory `dir`, not followed.
    pub(crate) fn at(dir: BorrowedFd<'_>, name: impl rustix::path::Arg) -> io::Result<Meta> {
        let st = rustix::fs::statx(
            dir,
            name,
            AtFlags::SYMLINK_NOFOLLOW,
            StatxFlags::BASIC_STATS | StatxFlags::BTIME,
        )?;
        Ok(Meta::from_statx(&st))
    }

    /// The metadata of what a descriptor holds (an `O_PATH` one included; a symlink
    /// handle gives the link's own).
    pub(crate) fn of_fd(fd: BorrowedFd<'_>) -> io::Result<Meta> {
        let st = rustix::fs::statx(
            fd,
            "",
            AtFlags::EMPTY_PATH | AtFlags::SYMLINK_NOFOLLOW,
            StatxFlags::BASIC_STATS | StatxFlags::BTIME,
        )?;
        Ok(Meta::from_statx(&st))
    }
}

//! The Unix extension traits the engine uses on layer paths and host files, and stand-ins
//! where there are none (Windows, where the engine is type-checked only: README, "Where it
//! is built and tested"). On Unix these are the standard library's own.

#[cfg(unix)]
pub(crate) use std::os::unix::ffi::OsStrExt;
#[cfg(unix)]
pub(crate) use std::os::unix::fs::MetadataExt;

#[cfg(not(unix))]
pub(crate) use other::{MetadataExt, OsStrExt};

#[cfg(not(unix))]
mod other {
    use std::ffi::OsStr;

    /// A path from a layer is bytes. Without Unix's byte paths they are read as UTF-8, as
    /// the `tar` crate does there; a name that is not UTF-8 reads as U+FFFD.
    pub(crate) trait OsStrExt {
        fn from_bytes(bytes: &[u8]) -> &Self;
        fn as_bytes(&self) -> &[u8];
    }

    impl OsStrExt for OsStr {
        fn from_bytes(bytes: &[u8]) -> &OsStr {
            OsStr::new(std::str::from_utf8(bytes).unwrap_or("\u{FFFD}"))
        }

        fn as_bytes(&self) -> &[u8] {
            self.as_encoded_bytes()
        }
    }

    /// What a host file's metadata says in Unix terms: no inode or link count to share,
    /// and a mode from the read-only flag.
    pub(crate) trait MetadataExt {
        fn dev(&self) -> u64;
        fn ino(&self) -> u64;
        fn nlink(&self) -> u64;
        fn mode(&self) -> u32;
    }

    impl MetadataExt for std::fs::Metadata {
        fn dev(&self) -> u64 {
            0
        }

        fn ino(&self) -> u64 {
            0
        }

        fn nlink(&self) -> u64 {
            1
        }

        fn mode(&self) -> u32 {
            let write = if self.permissions().readonly() {
                0
            } else {
                0o200
            };
            if self.is_dir() {
                0o555 | write
            } else {
                0o444 | write
            }
        }
    }
}

//! The parts of Strata's AppImage runtime that are worth testing on their own: where the
//! squashfs starts in the AppImage (the end of the runtime's ELF, as the AppImage type 2
//! specification and the reference runtime compute it) and the extractor, which treats the
//! squashfs as untrusted input.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use backhand::{FilesystemReader, InnerNode};
use sha2::{Digest, Sha256};

/// `AI` and the AppImage type, at offset 8 of the ELF header (EI_ABIVERSION and the padding
/// after it); `make dist` writes them into the built runtime.
pub const MAGIC: [u8; 3] = *b"AI\x02";

/// Where the payload starts: the end of the ELF file as its section header table gives it,
/// `e_shoff + e_shnum * e_shentsize` (the table is the last thing a linker writes).
pub fn elf_end(file: &mut File) -> io::Result<u64> {
    let mut header = [0u8; 64];
    file.seek(SeekFrom::Start(0))?;
    file.read_exact(&mut header[..52])?;
    if header[..4] != *b"\x7fELF" {
        return Err(bad("not an ELF file"));
    }
    let little = match header[5] {
        1 => true,
        2 => false,
        _ => return Err(bad("unknown ELF byte order")),
    };
    let u16_at = |b: &[u8], at: usize| {
        let v = [b[at], b[at + 1]];
        u64::from(if little {
            u16::from_le_bytes(v)
        } else {
            u16::from_be_bytes(v)
        })
    };
    let u32_at = |b: &[u8], at: usize| {
        let v = [b[at], b[at + 1], b[at + 2], b[at + 3]];
        u64::from(if little {
            u32::from_le_bytes(v)
        } else {
            u32::from_be_bytes(v)
        })
    };
    let (shoff, shentsize, shnum) = match header[4] {
        1 => (
            u32_at(&header, 0x20),
            u16_at(&header, 0x2E),
            u16_at(&header, 0x30),
        ),
        2 => {
            file.read_exact(&mut header[52..])?;
            let v: [u8; 8] = header[0x28..0x30].try_into().unwrap();
            let shoff = if little {
                u64::from_le_bytes(v)
            } else {
                u64::from_be_bytes(v)
            };
            (shoff, u16_at(&header, 0x3A), u16_at(&header, 0x3C))
        }
        _ => return Err(bad("unknown ELF class")),
    };
    shoff
        .checked_add(shentsize * shnum)
        .ok_or_else(|| bad("ELF section header table out of range"))
}

/// SHA-256 of everything from `offset` to the end of the file, in hex.
pub fn digest_from(file: &mut File, offset: u64) -> io::Result<String> {
    file.seek(SeekFrom::Start(offset))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// What [`extract`] wrote.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Extracted {
    pub dirs: usize,
    pub files: usize,
    pub symlinks: usize,
    pub bytes: u64,
}

/// Extracts the squashfs at `offset` of `image` into `dest`, which must not exist: it is
/// created (0700) and everything is written inside it. The image is untrusted: an entry whose
/// path is not made of plain names fails the extraction, every entry's parent must be a
/// directory this extraction created (so a symlink from the image is never followed while
/// writing, whatever it points at), files are created with O_EXCL|O_NOFOLLOW, set-id and
/// sticky bits are dropped, and devices, pipes and sockets are refused. On error `dest` may
/// hold part of the tree: callers extract into a temporary name and rename when done.
pub fn extract(image: &Path, offset: u64, dest: &Path) -> io::Result<Extracted> {
    let reader = BufReader::new(File::open(image)?);
    let fs = FilesystemReader::from_reader_with_offset(reader, offset)
        .map_err(|e| bad(&format!("not a squashfs image this runtime reads: {e:?}")))?;
    fs::DirBuilder::new().mode(0o700).create(dest)?;
    let mut made = Extracted::default();
    // Relative paths of the directories this extraction made, and the modes to give them
    // once everything inside is written.
    let mut dirs: HashSet<PathBuf> = HashSet::new();
    let mut dir_modes: Vec<(PathBuf, u32)> = Vec::new();
    for node in fs.files() {
        let Some(rel) = plain_relative(&node.fullpath)? else {
            // the root: `dest` itself
            dir_modes.push((PathBuf::new(), u32::from(node.header.permissions)));
            continue;
        };
        let parent = rel.parent().unwrap_or(Path::new(""));
        if !parent.as_os_str().is_empty() && !dirs.contains(parent) {
            return Err(bad(&format!(
                "{}: its parent is not a directory of the image",
                node.fullpath.display()
            )));
        }
        let target = dest.join(&rel);
        let mode = u32::from(node.header.permissions) & 0o777;
        match &node.inner {
            InnerNode::Dir(_) => {
                fs::DirBuilder::new().mode(0o700).create(&target)?;
                dirs.insert(rel.clone());
                dir_modes.push((rel, mode));
                made.dirs += 1;
            }
            InnerNode::File(file) => {
                let mut out = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .custom_flags(libc::O_NOFOLLOW)
                    .open(&target)?;
                made.bytes += io::copy(&mut fs.file(file).reader(), &mut out)?;
                out.set_permissions(fs::Permissions::from_mode(mode))?;
                made.files += 1;
            }
            InnerNode::Symlink(link) => {
                std::os::unix::fs::symlink(&link.link, &target)?;
                made.symlinks += 1;
            }
            _ => {
                return Err(bad(&format!(
                    "{}: devices, pipes and sockets are not extracted",
                    node.fullpath.display()
                )))
            }
        }
    }
    // Deepest first, so that a read-only directory is closed after its children; the owner
    // keeps rwx so that the cache can always be removed.
    for (rel, mode) in dir_modes.iter().rev() {
        fs::set_permissions(
            dest.join(rel),
            fs::Permissions::from_mode((mode & 0o777) | 0o700),
        )?;
    }
    Ok(made)
}

/// `/a/b` → `a/b`; `/` → None; anything with `..`, `.` or an empty name is an error.
fn plain_relative(full: &Path) -> io::Result<Option<PathBuf>> {
    let mut rel = PathBuf::new();
    for (i, c) in full.components().enumerate() {
        match c {
            Component::RootDir if i == 0 => {}
            Component::Normal(name) => rel.push(name),
            _ => {
                return Err(bad(&format!(
                    "{}: not a plain path in the image",
                    full.display()
                )))
            }
        }
    }
    Ok(if rel.as_os_str().is_empty() {
        None
    } else {
        Some(rel)
    })
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    // backhand already refuses `..` and names with a slash (tests/extract.rs); this is the
    // extractor's own check, which does not depend on it.
    #[test]
    fn only_plain_paths_are_extracted() {
        assert_eq!(plain_relative(Path::new("/")).unwrap(), None);
        assert_eq!(
            plain_relative(Path::new("/usr/lib/x.so")).unwrap(),
            Some(PathBuf::from("usr/lib/x.so"))
        );
        for hostile in ["/../x", "/a/../../b", "/a/..", "..", "a/../../etc/passwd"] {
            assert!(
                plain_relative(Path::new(hostile)).is_err(),
                "{hostile} was accepted"
            );
        }
    }
}

//! The baseline of a copy-mode container: for every path of the merged copy as it was
//! created, the facts that any later change would alter, so that a diff is one walk of
//! the tree with no file read (as git's index does it).
//!
//! The decisive facts are the inode number and the change time (`ctime`, nanoseconds):
//! writing, truncating, `chmod`, `chown`, a new xattr, a new hard link all move `ctime`,
//! and no user call can set it back; a new inode (or birth time, as inode numbers are
//! reused at once) means the path was replaced. Kind, size,
//! mode, owner and mtime are kept too, to report what was deleted.
//!
//! Stored as `<container>/baseline`, one line per path:
//! `ino ctime_s ctime_ns btime_s btime_ns kind size mode uid gid mtime path`, the path with every byte
//! outside printable ASCII (and `\`) written `\xHH`, so any file name round-trips.

// Untrusted trees: every path through crate::fs (see clippy.toml).
#![warn(clippy::disallowed_methods)]

use crate::os_ext::OsStrExt;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::ContainerError;
use crate::fs::{walk_tree, Kind, Meta, Root};

/// The file name inside a container's folder.
pub const BASELINE_FILE: &str = "baseline";

/// What the baseline knows of one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub ino: u64,
    pub ctime: (i64, i64),
    /// Birth time, `(0, 0)` where the filesystem has none: a path removed and made again
    /// may get the same inode number back at once, but never the same birth time.
    pub btime: (i64, i64),
    pub kind: u8,
    pub size: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub mtime: i64,
}

impl Stat {
    pub fn of(m: &Meta) -> Stat {
        Stat {
            ino: m.ino,
            ctime: (m.ctime.0, i64::from(m.ctime.1)),
            btime: (m.btime.0, i64::from(m.btime.1)),
            kind: m.kind.letter(),
            size: if m.kind == Kind::File { m.size } else { 0 },
            mode: m.mode,
            uid: m.uid,
            gid: m.gid,
            mtime: m.mtime,
        }
    }

    pub fn is_dir(&self) -> bool {
        self.kind == b'd'
    }

    /// Whether `now` is another file than `self` at the same path.
    pub fn replaced_by(&self, now: &Stat) -> bool {
        self.ino != now.ino || (self.btime != (0, 0) && self.btime != now.btime)
    }
}

/// Every path under the root (relative, not the root itself) and its facts.
pub type Baseline = BTreeMap<PathBuf, Stat>;

/// Records the tree under `root` (walked through handles, see [`crate::fs`]).
pub fn record(root: &Path) -> Result<Baseline, ContainerError> {
    let mut out = Baseline::new();
    let top = Root::open(root).map_err(|e| ContainerError::io("open", root, e))?;
    walk_tree(
        &top,
        Path::new(""),
        &|rel, e| ContainerError::io("read", &root.join(rel), e),
        &mut |rel, _, meta| {
            out.insert(rel.to_path_buf(), Stat::of(meta));
            Ok(true)
        },
    )?;
    Ok(out)
}

pub fn save(baseline: &Baseline, path: &Path) -> Result<(), ContainerError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = tempfile::Builder::new()
        .prefix(".baseline-")
        .tempfile_in(dir)
        .map_err(|e| ContainerError::io("create a temporary file in", dir, e))?;
    {
        let mut w = BufWriter::new(tmp.as_file());
        for (p, s) in baseline {
            writeln!(
                w,
                "{} {} {} {} {} {} {} {} {} {} {} {}",
                s.ino,
                s.ctime.0,
                s.ctime.1,
                s.btime.0,
                s.btime.1,
                s.kind as char,
                s.size,
                s.mode,
                s.uid,
                s.gid,
                s.mtime,
                escape(p.as_os_str())
            )
            .map_err(|e| ContainerError::io("write", tmp.path(), e))?;
        }
        w.flush()
            .map_err(|e| ContainerError::io("write", tmp.path(), e))?;
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| ContainerError::io("write", tmp.path(), e))?;
    tmp.persist(path)
        .map_err(|e| ContainerError::io("replace", path, e.error))?;
    Ok(())
}

pub fn load(path: &Path) -> Result<Baseline, ContainerError> {
    // The container's own record, in the store: not part of any tree.
    #[allow(clippy::disallowed_methods)]
    let file = fs::File::open(path).map_err(|e| ContainerError::io("open", path, e))?;
    let corrupt = |line: usize, why: &str| ContainerError::Corrupt {
        path: path.to_path_buf(),
        reason: format!("line {line}: {why}"),
    };
    let mut out = Baseline::new();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| ContainerError::io("read", path, e))?;
        let mut f = line.splitn(12, ' ');
        let mut num = |what: &str| -> Result<i64, ContainerError> {
            f.next()
                .and_then(|v| v.parse::<i64>().ok())
                .ok_or_else(|| corrupt(n + 1, what))
        };
        let ino = num("inode")? as u64;
        let ctime = (num("ctime")?, num("ctime")?);
        let btime = (num("btime")?, num("btime")?);
        let kind = f
            .next()
            .and_then(|k| k.bytes().next())
            .ok_or_else(|| corrupt(n + 1, "kind"))?;
        let mut num = |what: &str| -> Result<i64, ContainerError> {
            f.next()
                .and_then(|v| v.parse::<i64>().ok())
                .ok_or_else(|| corrupt(n + 1, what))
        };
        let stat = Stat {
            ino,
            ctime,
            btime,
            kind,
            size: num("size")? as u64,
            mode: num("mode")? as u32,
            uid: num("uid")? as u32,
            gid: num("gid")? as u32,
            mtime: num("mtime")?,
        };
        let raw = f.next().ok_or_else(|| corrupt(n + 1, "path"))?;
        let p = unescape(raw).ok_or_else(|| corrupt(n + 1, "path escape"))?;
        out.insert(PathBuf::from(OsStr::from_bytes(&p)), stat);
    }
    Ok(out)
}

fn escape(s: &OsStr) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if (0x21..=0x7e).contains(&b) && b != b'\\' {
            out.push(b as char);
        } else {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

fn unescape(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            let hex = s.get(i + 2..i + 4)?;
            if b.get(i + 1) != Some(&b'x') {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;

    #[test]
    fn odd_names_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        fs::create_dir(&root).unwrap();
        let odd = OsStr::from_bytes(b"sp ace\\back\nline\xff");
        fs::write(root.join(odd), b"x").unwrap();
        fs::create_dir(root.join("d")).unwrap();
        let b = record(&root).unwrap();
        save(&b, &dir.path().join(BASELINE_FILE)).unwrap();
        let back = load(&dir.path().join(BASELINE_FILE)).unwrap();
        assert_eq!(b, back);
        assert!(back.contains_key(Path::new(odd)));
        assert_eq!(back[Path::new(odd)].size, 1);
    }
}

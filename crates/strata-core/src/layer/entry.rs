//! One tar entry of a layer, classified: its kind ([§ Change types]), its path normalised,
//! and whether it is a whiteout (`.wh.NAME` deletes `NAME`) or an opaque-directory marker
//! (`.wh..wh..opq`) ([§ Whiteouts]). PAX and GNU long names and links, PAX `mtime`,
//! `uid`/`gid` and `SCHILY.xattr.*` records are honoured.
//!
//! **Paths.** Every path is made relative to the layer's root, as the spec intends
//! (`/etc/passwd`, `./etc/passwd` and `etc/passwd` are one file — the same choice
//! containerd, umoci and GNU tar make): a leading `/` and `.` components are dropped and
//! `a/../b` is read as `b`. A `..` that would climb above the root is **refused** (containerd
//! and umoci silently clamp it to the root; a layer that needs that is broken or hostile, and
//! saying so is clearer). Hard link targets follow the same rules, since they name a file of
//! the layer. Symlink targets are kept as written: they are only read inside the container,
//! and [`apply`](mod@super::apply) never follows one while extracting.
//!
//! [§ Change types]: https://github.com/opencontainers/image-spec/blob/main/layer.md#change-types
//! [§ Whiteouts]: https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts

use crate::os_ext::OsStrExt;
use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::compression::Limits;
use super::error::LayerError;

/// The prefix that marks a whiteout file.
pub const WHITEOUT_PREFIX: &str = ".wh.";
/// The name that marks its directory as opaque.
pub const OPAQUE_MARKER: &str = ".wh..wh..opq";

/// What a layer entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Hardlink,
    CharDevice,
    BlockDevice,
    Fifo,
}

impl Kind {
    /// A word for messages and the UI.
    pub fn name(self) -> &'static str {
        match self {
            Kind::File => "file",
            Kind::Dir => "directory",
            Kind::Symlink => "symlink",
            Kind::Hardlink => "hard link",
            Kind::CharDevice => "character device",
            Kind::BlockDevice => "block device",
            Kind::Fifo => "fifo",
        }
    }
}

/// A file, directory, link or device that a layer puts in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Normalised, relative to the layer root, never empty, never with `..`.
    pub path: PathBuf,
    /// The path as the tar wrote it (lossy UTF-8), for messages.
    pub raw: String,
    pub kind: Kind,
    /// Content size for files; 0 for everything else.
    pub size: u64,
    /// Permission bits, with setuid/setgid/sticky (`0o7777`).
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Seconds since the epoch.
    pub mtime: i64,
    /// For a symlink, its target as written; for a hard link, the normalised path of the
    /// file it links to.
    pub link_target: Option<PathBuf>,
    /// `(major, minor)` for device nodes.
    pub device: Option<(u32, u32)>,
    /// Extended attributes from `SCHILY.xattr.*` PAX records.
    pub xattrs: Vec<(String, Vec<u8>)>,
}

/// What one tar entry asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryAction {
    /// Put this entry in place.
    Put(Entry),
    /// `.wh.NAME`: delete `path` (and all below it) from the lower layers.
    Whiteout { path: PathBuf, raw: String },
    /// `.wh..wh..opq`: hide everything the lower layers have below `dir`.
    Opaque { dir: PathBuf, raw: String },
    /// Nothing to do: the root directory itself, a PAX global header, an AUFS `.wh..wh.`
    /// bookkeeping file.
    Skip { raw: String },
}

/// Normalises a tar path (see the module header for the rules).
pub fn normalize(raw: &[u8]) -> Result<PathBuf, &'static str> {
    let mut parts: Vec<&[u8]> = Vec::new();
    for part in raw.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                if parts.pop().is_none() {
                    return Err("its path climbs out of the layer root with `..`");
                }
            }
            name => parts.push(name),
        }
    }
    Ok(parts
        .iter()
        .map(|p| Path::new(OsStr::from_bytes(p)))
        .collect())
}

fn lossy(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).into_owned()
}

/// A prefix of a very long name, for messages.
fn shortened(raw: &[u8]) -> String {
    lossy(&raw[..raw.len().min(80)])
}

/// Classifies one entry of a layer's tar stream. The entry's content is left unread.
pub fn classify<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    limits: &Limits,
) -> Result<EntryAction, LayerError> {
    let raw_path = entry.path_bytes().into_owned();
    if raw_path.len() > limits.max_path {
        return Err(LayerError::PathTooLong {
            entry: shortened(&raw_path),
            len: raw_path.len(),
            limit: limits.max_path,
        });
    }
    let raw = lossy(&raw_path);
    let flag = entry.header().entry_type();
    let Some(kind) = kind_of(flag, &raw_path, entry.size(), &raw)? else {
        return Ok(EntryAction::Skip { raw });
    };
    let path = normalize(&raw_path).map_err(|why| LayerError::unsafe_entry(&raw, why))?;
    let Some(name) = path.file_name().map(OsStrExt::as_bytes) else {
        return Ok(EntryAction::Skip { raw });
    };
    let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
    if let Some(action) = whiteout(name, &parent, &raw)? {
        return Ok(action);
    }
    let link_target = link_target(entry, kind, &raw_path, &raw, limits)?;

    // An empty or unreadable numeric field is 0, as Go's archive/tar reads it: these values
    // decide nothing about where an entry goes.
    let header = entry.header();
    let mode = header.mode().unwrap_or(0) & 0o7777;
    let uid = header.uid().unwrap_or(0);
    let gid = header.gid().unwrap_or(0);
    let mtime = header.mtime().unwrap_or(0) as i64;
    let device = match kind {
        Kind::CharDevice | Kind::BlockDevice => Some((
            header.device_major().ok().flatten().unwrap_or(0),
            header.device_minor().ok().flatten().unwrap_or(0),
        )),
        _ => None,
    };
    // For a GNU sparse entry `entry.size()` is its real size, holes included: what reading
    // it yields. The layer reader already counted its holes against the total; this is the
    // same cap for one entry, in case that reader could not follow the framing.
    let size = if kind == Kind::File { entry.size() } else { 0 };
    if flag == tar::EntryType::GNUSparse && size > limits.max_uncompressed {
        return Err(LayerError::SparseTooLarge {
            real: size,
            limit: limits.max_uncompressed,
        });
    }
    let (xattrs, pax_mtime) = pax_records(entry);

    Ok(EntryAction::Put(Entry {
        path,
        raw,
        kind,
        size,
        mode,
        uid,
        gid,
        mtime: pax_mtime.unwrap_or(mtime),
        link_target,
        device,
        xattrs,
    }))
}

/// What a tar entry type makes; `None` for one to skip (a global PAX header).
fn kind_of(
    flag: tar::EntryType,
    raw_path: &[u8],
    size: u64,
    raw: &str,
) -> Result<Option<Kind>, LayerError> {
    use tar::EntryType as T;
    Ok(Some(match flag {
        T::Regular | T::Continuous | T::GNUSparse => {
            // Pre-POSIX tars marked directories with a trailing slash only.
            if raw_path.ends_with(b"/") && flag == T::Regular && size == 0 {
                Kind::Dir
            } else {
                Kind::File
            }
        }
        T::Directory => Kind::Dir,
        T::Symlink => Kind::Symlink,
        T::Link => Kind::Hardlink,
        T::Char => Kind::CharDevice,
        T::Block => Kind::BlockDevice,
        T::Fifo => Kind::Fifo,
        T::XGlobalHeader => return Ok(None),
        other => {
            return Err(LayerError::unsafe_entry(
                raw,
                format!(
                    "its tar entry type {:?} is not one a layer may hold",
                    other.as_byte() as char
                ),
            ))
        }
    }))
}

/// `.wh.NAME` and `.wh..wh..opq` as actions; `None` for an ordinary name.
fn whiteout(name: &[u8], parent: &Path, raw: &str) -> Result<Option<EntryAction>, LayerError> {
    let raw = raw.to_string();
    let Some(hidden) = name.strip_prefix(WHITEOUT_PREFIX.as_bytes()) else {
        return Ok(None);
    };
    if name == OPAQUE_MARKER.as_bytes() {
        return Ok(Some(EntryAction::Opaque {
            dir: parent.to_path_buf(),
            raw,
        }));
    }
    if hidden.starts_with(WHITEOUT_PREFIX.as_bytes()) {
        // `.wh..wh.plnk` and friends: AUFS bookkeeping, meaningless elsewhere.
        return Ok(Some(EntryAction::Skip { raw }));
    }
    if hidden.is_empty() || hidden == b"." || hidden == b".." {
        return Err(LayerError::unsafe_entry(
            raw,
            "a whiteout must name a file in its own directory, not `.` or `..`",
        ));
    }
    Ok(Some(EntryAction::Whiteout {
        path: parent.join(OsStr::from_bytes(hidden)),
        raw,
    }))
}

/// A link's target: a symlink's as written, a hard link's normalised inside the layer.
fn link_target<R: Read>(
    entry: &tar::Entry<'_, R>,
    kind: Kind,
    raw_path: &[u8],
    raw: &str,
    limits: &Limits,
) -> Result<Option<PathBuf>, LayerError> {
    if !matches!(kind, Kind::Symlink | Kind::Hardlink) {
        return Ok(None);
    }
    let link = entry.link_name_bytes().map(|l| l.into_owned());
    let Some(link) = link.filter(|l| !l.is_empty()) else {
        return Err(LayerError::unsafe_entry(raw, "its link has no target"));
    };
    if link.len() > limits.max_path {
        return Err(LayerError::PathTooLong {
            entry: shortened(raw_path),
            len: link.len(),
            limit: limits.max_path,
        });
    }
    if kind == Kind::Symlink {
        return Ok(Some(PathBuf::from(OsStr::from_bytes(&link))));
    }
    let target = normalize(&link).map_err(|_| {
        LayerError::unsafe_entry(
            raw,
            format!(
                "its hard link target `{}` climbs out of the layer root",
                lossy(&link)
            ),
        )
    })?;
    if target.as_os_str().is_empty() {
        return Err(LayerError::unsafe_entry(
            raw,
            "its hard link points at the layer root",
        ));
    }
    Ok(Some(target))
}

/// The entry's `SCHILY.xattr.*` records, and its PAX `mtime` if it has one (PAX times
/// may carry a fraction: "1700000000.123456789").
fn pax_records<R: Read>(entry: &mut tar::Entry<'_, R>) -> (Vec<(String, Vec<u8>)>, Option<i64>) {
    let mut xattrs = Vec::new();
    let mut mtime = None;
    if let Ok(Some(pax)) = entry.pax_extensions() {
        for record in pax.flatten() {
            let Ok(key) = record.key() else { continue };
            if let Some(name) = key.strip_prefix("SCHILY.xattr.") {
                xattrs.push((name.to_string(), record.value_bytes().to_vec()));
            } else if key == "mtime" {
                if let Some(secs) = record
                    .value()
                    .ok()
                    .and_then(|v| v.split('.').next())
                    .and_then(|v| v.parse::<i64>().ok())
                {
                    mtime = Some(secs);
                }
            }
        }
    }
    (xattrs, mtime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_table() {
        for (raw, want) in [
            ("etc/passwd", Ok("etc/passwd")),
            ("./etc/passwd", Ok("etc/passwd")),
            ("/etc/passwd", Ok("etc/passwd")),
            ("//etc//./passwd/", Ok("etc/passwd")),
            ("a/../b", Ok("b")),
            ("./", Ok("")),
            ("../etc/passwd", Err(())),
            ("a/../../b", Err(())),
            ("/../x", Err(())),
        ] {
            let got = normalize(raw.as_bytes()).map_err(|_| ());
            assert_eq!(got, want.map(PathBuf::from), "{raw}");
        }
    }

    fn one(builder: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> Result<EntryAction, LayerError> {
        let mut b = tar::Builder::new(Vec::new());
        builder(&mut b);
        let bytes = b.into_inner().unwrap();
        let mut ar = tar::Archive::new(&bytes[..]);
        let mut entries = ar.entries().unwrap();
        let mut e = entries.next().unwrap().unwrap();
        classify(&mut e, &Limits::default())
    }

    fn file(name: &str) -> impl FnOnce(&mut tar::Builder<Vec<u8>>) + '_ {
        move |b| {
            let mut h = tar::Header::new_gnu();
            h.set_size(0);
            h.set_mode(0o644);
            b.append_data(&mut h, name, &[][..]).unwrap();
        }
    }

    #[test]
    fn whiteouts_and_opaque_markers() {
        assert_eq!(
            one(file("etc/.wh.hosts")).unwrap(),
            EntryAction::Whiteout {
                path: "etc/hosts".into(),
                raw: "etc/.wh.hosts".into()
            }
        );
        assert_eq!(
            one(file("./var/cache/.wh..wh..opq")).unwrap(),
            EntryAction::Opaque {
                dir: "var/cache".into(),
                raw: "var/cache/.wh..wh..opq".into()
            }
        );
        assert!(matches!(
            one(file("a/.wh..wh.plnk")).unwrap(),
            EntryAction::Skip { .. }
        ));
        let err = one(file("a/.wh...")).unwrap_err().to_string();
        assert!(err.contains("not `.` or `..`"), "{err}");
    }

    #[test]
    fn kinds_links_xattrs_and_long_names() {
        let long = format!("{}/file", "d".repeat(300));
        let EntryAction::Put(e) = one(|b| {
            b.append_pax_extensions([
                ("SCHILY.xattr.user.color", &b"blue"[..]),
                ("mtime", b"1700000000.5"),
            ])
            .unwrap();
            let mut h = tar::Header::new_gnu();
            h.set_size(3);
            h.set_mode(0o4755);
            h.set_uid(1000);
            b.append_data(&mut h, &long, &b"abc"[..]).unwrap();
        })
        .unwrap() else {
            panic!("not a put")
        };
        assert_eq!(e.path, PathBuf::from(&long));
        assert_eq!(
            (e.kind, e.size, e.mode, e.uid),
            (Kind::File, 3, 0o4755, 1000)
        );
        assert_eq!(e.mtime, 1_700_000_000);
        assert_eq!(e.xattrs, vec![("user.color".to_string(), b"blue".to_vec())]);

        let EntryAction::Put(l) = one(|b| {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Link);
            h.set_size(0);
            b.append_link(&mut h, "bin/b", "/bin/a").unwrap();
        })
        .unwrap() else {
            panic!("not a put")
        };
        assert_eq!(
            (l.kind, l.link_target),
            (Kind::Hardlink, Some("bin/a".into()))
        );

        let err = one(|b| {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Link);
            h.set_size(0);
            b.append_link(&mut h, "x", "../outside").unwrap();
        })
        .unwrap_err();
        assert!(
            err.to_string().contains("climbs out of the layer root"),
            "{err}"
        );
    }
}

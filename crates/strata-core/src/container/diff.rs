//! What a container changed, two ways from one walk: the `docker diff` list (added,
//! changed, deleted, with sizes) and the change list a commit writes as a layer
//! ([OCI image spec: layer.md § Changesets]).
//!
//! - **Overlay**: the upper folder *is* the change. A character device 0/0 is a deleted
//!   path (`.wh.NAME`), a directory with `trusted.overlay.opaque=y` hides the lower one
//!   (`.wh..wh..opq`). Only the upper folder is walked, so the cost follows the size of
//!   the change; the layer folders are only looked up, path by path.
//! - **Baseline**: the merged copy is walked and each path compared with its recorded
//!   [`baseline`](super::baseline) (inode and ctime).
//!
//! Both give the same layer for the same change: a directory removed and created again is
//! opaque, with everything in it added; a directory that only holds changes is written
//! only as their parent (the layer writer adds parents with their current metadata); a
//! directory whose own metadata changed (mode, owner, mtime, xattrs) is written itself.
//!
//! The mount points a runtime makes in a root that lacks them (`/proc`, `/sys`, `/dev`)
//! are left out while empty, as docker's init layer keeps them out of `docker diff`.
//!
//! [OCI image spec: layer.md § Changesets]: https://github.com/opencontainers/image-spec/blob/main/layer.md#changesets

use std::collections::{BTreeSet, HashSet};
use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::baseline::{kind_letter, Baseline, Stat};
use super::layers::{OPAQUE_XATTR, OVERLAY_XATTR_PREFIX};
use super::ContainerError;
use crate::layer::LayerChange;

/// Paths a runtime creates as mount points when the image lacks them.
const RUNTIME_PATHS: &[&str] = &["proc", "sys", "dev"];

/// `docker diff`'s three letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiffKind {
    #[serde(rename = "A")]
    Added,
    #[serde(rename = "C")]
    Changed,
    #[serde(rename = "D")]
    Deleted,
}

impl DiffKind {
    pub fn letter(self) -> char {
        match self {
            DiffKind::Added => 'A',
            DiffKind::Changed => 'C',
            DiffKind::Deleted => 'D',
        }
    }
}

/// One changed path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffEntry {
    /// As seen inside the container: `/etc/motd`.
    pub path: String,
    pub change: DiffKind,
    /// `file`, `dir`, `symlink`, `char`, `block`, `fifo` or `socket`.
    pub kind: String,
    /// Content bytes of a file (for a deleted one, what it had).
    pub size: u64,
}

/// A diff and the layer change list that goes with it.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    pub entries: Vec<DiffEntry>,
    pub layer: Vec<LayerChange>,
}

impl Changes {
    fn report(&mut self, rel: &Path, change: DiffKind, kind: u8, size: u64) {
        self.entries.push(DiffEntry {
            path: format!("/{}", rel.display()),
            change,
            kind: kind_name(kind).to_string(),
            size,
        });
    }
}

fn kind_name(letter: u8) -> &'static str {
    match letter {
        b'd' => "dir",
        b'l' => "symlink",
        b'c' => "char",
        b'b' => "block",
        b'p' => "fifo",
        b's' => "socket",
        _ => "file",
    }
}

fn size_of(m: &fs::Metadata) -> u64 {
    if m.is_file() {
        m.len()
    } else {
        0
    }
}

fn walk_err(root: &Path, e: walkdir::Error) -> ContainerError {
    let path = e.path().unwrap_or(root).to_path_buf();
    ContainerError::io("read", &path, e.into())
}

/// An empty mount point left by a runtime.
fn runtime_artifact(rel: &Path, abs: &Path, m: &fs::Metadata) -> bool {
    RUNTIME_PATHS.iter().any(|p| rel == Path::new(p))
        && m.is_dir()
        && fs::read_dir(abs).is_ok_and(|mut d| d.next().is_none())
}

/// overlayfs's whiteout: a character device 0/0.
pub(crate) fn is_whiteout(m: &fs::Metadata) -> bool {
    m.file_type().is_char_device() && m.rdev() == 0
}

/// The xattrs a layer carries (overlayfs's own left out), sorted.
fn layer_xattrs(path: &Path) -> Vec<(OsString, Vec<u8>)> {
    let Ok(names) = xattr::list(path) else {
        return Vec::new();
    };
    let mut out: Vec<(OsString, Vec<u8>)> = names
        .filter(|n| !n.to_string_lossy().starts_with(OVERLAY_XATTR_PREFIX))
        .filter_map(|n| {
            let v = xattr::get(path, &n).ok().flatten()?;
            Some((n, v))
        })
        .collect();
    out.sort();
    out
}

/// The read-only layers of an overlay container, looked up as overlayfs merges them.
pub(crate) struct LowerView {
    /// Top first.
    layers: Vec<PathBuf>,
}

impl LowerView {
    /// `layers` bottom first, as the image lists them.
    pub fn new(layers: &[PathBuf]) -> LowerView {
        LowerView {
            layers: layers.iter().rev().cloned().collect(),
        }
    }

    /// The lower file at `rel`, if the merged lower layers have one.
    pub fn lookup(&self, rel: &Path) -> Option<(PathBuf, fs::Metadata)> {
        let parts: Vec<_> = rel.components().collect();
        for layer in &self.layers {
            let mut at = layer.clone();
            let mut hidden = false;
            for (i, part) in parts.iter().enumerate() {
                at.push(part);
                let last = i + 1 == parts.len();
                match fs::symlink_metadata(&at) {
                    Err(_) => break,
                    Ok(m) if is_whiteout(&m) => return None,
                    Ok(m) if last => return Some((at, m)),
                    // A file on the way hides everything the layers below have under it.
                    Ok(m) if !m.is_dir() => return None,
                    Ok(_) => {
                        if xattr::get(&at, OPAQUE_XATTR).ok().flatten().as_deref() == Some(b"y") {
                            hidden = true;
                        }
                    }
                }
            }
            if hidden {
                return None;
            }
        }
        None
    }
}

/// The changes in an overlay container's upper folder.
pub(crate) fn overlay(upper: &Path, lower: &LowerView) -> Result<Changes, ContainerError> {
    let mut out = Changes::default();
    // Everything under a new, replaced or opaque directory is simply added.
    let mut fresh: Option<PathBuf> = None;
    let mut walk = walkdir::WalkDir::new(upper)
        .min_depth(1)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    while let Some(item) = walk.next() {
        let item = item.map_err(|e| walk_err(upper, e))?;
        let abs = item.path();
        let rel = abs.strip_prefix(upper).unwrap_or(abs).to_path_buf();
        let meta = fs::symlink_metadata(abs).map_err(|e| ContainerError::io("read", abs, e))?;
        let kind = kind_letter(&meta.file_type());
        if fresh.as_ref().is_some_and(|f| !rel.starts_with(f)) {
            fresh = None;
        }
        if is_whiteout(&meta) {
            if fresh.is_none() {
                if let Some((_, gone)) = lower.lookup(&rel) {
                    out.report(
                        &rel,
                        DiffKind::Deleted,
                        kind_letter(&gone.file_type()),
                        size_of(&gone),
                    );
                    out.layer.push(LayerChange::Whiteout(rel));
                }
            }
            continue;
        }
        if runtime_artifact(&rel, abs, &meta) {
            walk.skip_current_dir();
            continue;
        }
        if fresh.is_some() {
            out.report(&rel, DiffKind::Added, kind, size_of(&meta));
            out.layer.push(LayerChange::Add(rel));
            continue;
        }
        let below = lower.lookup(&rel);
        match below {
            None => {
                out.report(&rel, DiffKind::Added, kind, size_of(&meta));
                out.layer.push(LayerChange::Add(rel.clone()));
                if meta.is_dir() {
                    fresh = Some(rel);
                }
            }
            Some((_, b)) if meta.is_dir() && !b.is_dir() => {
                out.report(&rel, DiffKind::Changed, kind, 0);
                out.layer.push(LayerChange::Add(rel.clone()));
                fresh = Some(rel);
            }
            Some(_)
                if meta.is_dir()
                    && xattr::get(abs, OPAQUE_XATTR).ok().flatten().as_deref() == Some(b"y") =>
            {
                out.report(&rel, DiffKind::Changed, kind, 0);
                out.layer.push(LayerChange::Opaque(rel.clone()));
                out.layer.push(LayerChange::Add(rel.clone()));
                fresh = Some(rel);
            }
            Some((lower_abs, b)) if meta.is_dir() => {
                let differs = meta.mode() != b.mode()
                    || meta.uid() != b.uid()
                    || meta.gid() != b.gid()
                    || meta.mtime() != b.mtime()
                    || meta.mtime_nsec() != b.mtime_nsec()
                    || layer_xattrs(abs) != layer_xattrs(&lower_abs);
                if differs {
                    out.report(&rel, DiffKind::Changed, kind, 0);
                    out.layer.push(LayerChange::Add(rel));
                }
            }
            Some(_) => {
                out.report(&rel, DiffKind::Changed, kind, size_of(&meta));
                out.layer.push(LayerChange::Add(rel));
            }
        }
    }
    out.entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// The changes in a baseline container's merged copy.
pub(crate) fn baseline(root: &Path, base: &Baseline) -> Result<Changes, ContainerError> {
    let mut out = Changes::default();
    let mut fresh: Option<PathBuf> = None;
    let mut seen: HashSet<PathBuf> = HashSet::new();
    // Directories still there as they were: a deleted path is reported under one of these
    // (or at the root) and nowhere else, so that `rm -r dir` is one line.
    let mut kept_dirs: HashSet<PathBuf> = HashSet::new();
    let mut walk = walkdir::WalkDir::new(root)
        .min_depth(1)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    while let Some(item) = walk.next() {
        let item = item.map_err(|e| walk_err(root, e))?;
        let abs = item.path();
        let rel = abs.strip_prefix(root).unwrap_or(abs).to_path_buf();
        let meta = fs::symlink_metadata(abs).map_err(|e| ContainerError::io("read", abs, e))?;
        let now = Stat::of(&meta);
        seen.insert(rel.clone());
        if fresh.as_ref().is_some_and(|f| !rel.starts_with(f)) {
            fresh = None;
        }
        if fresh.is_some() {
            out.report(&rel, DiffKind::Added, now.kind, now.size);
            out.layer.push(LayerChange::Add(rel));
            continue;
        }
        match base.get(&rel) {
            None => {
                if runtime_artifact(&rel, abs, &meta) {
                    walk.skip_current_dir();
                    continue;
                }
                out.report(&rel, DiffKind::Added, now.kind, now.size);
                out.layer.push(LayerChange::Add(rel.clone()));
                if now.is_dir() {
                    fresh = Some(rel);
                }
            }
            Some(was) if now.is_dir() && (!was.is_dir() || was.replaced_by(&now)) => {
                out.report(&rel, DiffKind::Changed, now.kind, 0);
                if was.is_dir() {
                    out.layer.push(LayerChange::Opaque(rel.clone()));
                }
                out.layer.push(LayerChange::Add(rel.clone()));
                fresh = Some(rel);
            }
            Some(was)
                if was.replaced_by(&now) || was.ctime != now.ctime || was.kind != now.kind =>
            {
                out.report(&rel, DiffKind::Changed, now.kind, now.size);
                out.layer.push(LayerChange::Add(rel.clone()));
                if now.is_dir() {
                    kept_dirs.insert(rel);
                }
            }
            Some(_) => {
                if now.is_dir() {
                    kept_dirs.insert(rel);
                }
            }
        }
    }
    let gone: BTreeSet<&PathBuf> = base.keys().filter(|p| !seen.contains(*p)).collect();
    for p in gone {
        let parent = p.parent().unwrap_or(Path::new(""));
        if parent.as_os_str().is_empty() || kept_dirs.contains(parent) {
            let was = &base[p];
            out.report(p, DiffKind::Deleted, was.kind, was.size);
            out.layer.push(LayerChange::Whiteout(p.clone()));
        }
    }
    out.entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

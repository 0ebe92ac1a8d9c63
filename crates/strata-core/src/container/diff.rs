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

// Untrusted trees: every path through crate::fs (see clippy.toml).
#![warn(clippy::disallowed_methods)]

use std::collections::{BTreeSet, HashSet};
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::baseline::{Baseline, Stat};
use super::layers::{OPAQUE_XATTR, OVERLAY_XATTR_PREFIX};
use super::ContainerError;
use crate::fs::{walk_tree, Follow, Handle, Kind, Meta, Root};
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

fn size_of(m: &Meta) -> u64 {
    if m.kind == Kind::File {
        m.size
    } else {
        0
    }
}

fn walk_err(root: &Path) -> impl Fn(&Path, io::Error) -> ContainerError + '_ {
    move |rel, e| ContainerError::io("read", &root.join(rel), e)
}

/// An empty mount point left by a runtime.
fn runtime_artifact(rel: &Path, h: &Handle, m: &Meta) -> bool {
    RUNTIME_PATHS.iter().any(|p| rel == Path::new(p))
        && m.kind == Kind::Dir
        && h.read_dir().is_ok_and(|d| d.is_empty())
}

/// overlayfs's whiteout: a character device 0/0.
pub(crate) fn is_whiteout(m: &Meta) -> bool {
    m.kind == Kind::Char && m.rdev == 0
}

/// Whether a directory is marked opaque for overlayfs.
fn is_opaque(h: &Handle) -> bool {
    h.xattrs()
        .unwrap_or_default()
        .iter()
        .any(|(k, v)| k == OPAQUE_XATTR && v == b"y")
}

/// The xattrs a layer carries (overlayfs's own left out), sorted.
fn layer_xattrs(h: &Handle) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = h
        .xattrs()
        .unwrap_or_default()
        .into_iter()
        .filter(|(n, _)| !n.starts_with(OVERLAY_XATTR_PREFIX))
        .collect();
    out.sort();
    out
}

/// The read-only layers of an overlay container, looked up as overlayfs merges them.
pub(crate) struct LowerView {
    /// Top first.
    layers: Vec<Root>,
}

impl LowerView {
    /// `layers` bottom first, as the image lists them.
    pub fn new(layers: &[PathBuf]) -> Result<LowerView, ContainerError> {
        let layers = layers
            .iter()
            .rev()
            .map(|p| Root::open(p).map_err(|e| ContainerError::io("open the layer", p, e)))
            .collect::<Result<_, _>>()?;
        Ok(LowerView { layers })
    }

    /// The lower object at `rel`, if the merged lower layers have one.
    pub fn lookup(&self, rel: &Path) -> Option<(Handle, Meta)> {
        let parts: Vec<_> = rel.components().collect();
        for layer in &self.layers {
            let mut at = PathBuf::new();
            let mut hidden = false;
            for (i, part) in parts.iter().enumerate() {
                at.push(part);
                let last = i + 1 == parts.len();
                // Each prefix on its own, not followed: a symlink on the way stops the
                // lookup below (it is not a directory), as overlayfs stops there too.
                let Ok(h) = layer.handle(&at, Follow::No) else {
                    break;
                };
                let Ok(m) = h.stat() else {
                    break;
                };
                match m {
                    m if is_whiteout(&m) => return None,
                    m if last => return Some((h, m)),
                    // A file on the way hides everything the layers below have under it.
                    m if m.kind != Kind::Dir => return None,
                    _ => {
                        if is_opaque(&h) {
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
    let root = Root::open(upper).map_err(|e| ContainerError::io("open", upper, e))?;
    walk_tree(
        &root,
        Path::new(""),
        &walk_err(upper),
        &mut |rel, h, meta| {
            let rel = rel.to_path_buf();
            let kind = meta.kind.letter();
            if fresh.as_ref().is_some_and(|f| !rel.starts_with(f)) {
                fresh = None;
            }
            if is_whiteout(meta) {
                if fresh.is_none() {
                    if let Some((_, gone)) = lower.lookup(&rel) {
                        out.report(&rel, DiffKind::Deleted, gone.kind.letter(), size_of(&gone));
                        out.layer.push(LayerChange::Whiteout(rel));
                    }
                }
                return Ok(false);
            }
            if runtime_artifact(&rel, h, meta) {
                return Ok(false);
            }
            if fresh.is_some() {
                out.report(&rel, DiffKind::Added, kind, size_of(meta));
                out.layer.push(LayerChange::Add(rel));
                return Ok(true);
            }
            let is_dir = meta.kind == Kind::Dir;
            match lower.lookup(&rel) {
                None => {
                    out.report(&rel, DiffKind::Added, kind, size_of(meta));
                    out.layer.push(LayerChange::Add(rel.clone()));
                    if is_dir {
                        fresh = Some(rel);
                    }
                }
                Some((_, b)) if is_dir && b.kind != Kind::Dir => {
                    out.report(&rel, DiffKind::Changed, kind, 0);
                    out.layer.push(LayerChange::Add(rel.clone()));
                    fresh = Some(rel);
                }
                Some(_) if is_dir && is_opaque(h) => {
                    out.report(&rel, DiffKind::Changed, kind, 0);
                    out.layer.push(LayerChange::Opaque(rel.clone()));
                    out.layer.push(LayerChange::Add(rel.clone()));
                    fresh = Some(rel);
                }
                Some((lower_h, b)) if is_dir => {
                    let differs = meta.mode != b.mode
                        || meta.uid != b.uid
                        || meta.gid != b.gid
                        || meta.mtime != b.mtime
                        || meta.mtime_nsec != b.mtime_nsec
                        || layer_xattrs(h) != layer_xattrs(&lower_h);
                    if differs {
                        out.report(&rel, DiffKind::Changed, kind, 0);
                        out.layer.push(LayerChange::Add(rel));
                    }
                }
                Some(_) => {
                    out.report(&rel, DiffKind::Changed, kind, size_of(meta));
                    out.layer.push(LayerChange::Add(rel));
                }
            }
            Ok(true)
        },
    )?;
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
    let top = Root::open(root).map_err(|e| ContainerError::io("open", root, e))?;
    walk_tree(&top, Path::new(""), &walk_err(root), &mut |rel, h, meta| {
        let rel = rel.to_path_buf();
        let now = Stat::of(meta);
        seen.insert(rel.clone());
        if fresh.as_ref().is_some_and(|f| !rel.starts_with(f)) {
            fresh = None;
        }
        if fresh.is_some() {
            out.report(&rel, DiffKind::Added, now.kind, now.size);
            out.layer.push(LayerChange::Add(rel));
            return Ok(true);
        }
        match base.get(&rel) {
            None => {
                if runtime_artifact(&rel, h, meta) {
                    return Ok(false);
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
        Ok(true)
    })?;
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

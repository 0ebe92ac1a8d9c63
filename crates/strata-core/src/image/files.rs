//! An image's files, layer by layer: the merged tree at
//! layer N, one layer's changes, and one file's content, for `strata files` and the app's
//! Layers and Files tabs. It ties the store (which blob is layer N) to
//! [`crate::layer::merged`] and [`layer::changes`](mod@crate::layer::changes),
//! which implement [OCI layer § Applying changesets] and [§ Changesets].
//!
//! Layers are numbered from 0 (the bottom layer), as `MergedTree` and the app number them.
//! Every layer is read as a stream; nothing is unpacked.
//!
//! [OCI layer § Applying changesets]: https://github.com/opencontainers/image-spec/blob/main/layer.md#applying-changesets
//! [§ Changesets]: https://github.com/opencontainers/image-spec/blob/main/layer.md#changesets

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::inspect::{history_of, layer_details, LayerDetails};
use super::model::{self, digest_of};
use super::ImageError;
use crate::digest::Digest;
use crate::layer::{self, Change, Deletion, DeletionKind, Kind, LayerError, Limits, MergedTree};
use crate::platform::Platform;
use crate::problem::{Code, Explain, Hint, HintKey};
use crate::store::{Store, StoreError};

/// Why browsing an image's files failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FilesError {
    #[error(transparent)]
    Image(#[from] ImageError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Layer(#[from] LayerError),
    /// A layer number past the top.
    #[error("the image has {count} layer(s), numbered 0 to {}; there is no layer {asked}", count.saturating_sub(1))]
    LayerOutOfRange { asked: usize, count: usize },
    /// The image has no layers at all, so there is no layer to show.
    #[error("the image has no layers")]
    NoLayers,
    /// A path that is not in the merged tree.
    #[error("`{path}` is not in the image's files at layer {layer}{}", deleted_by.map(|l| format!(" (layer {l} deleted it)")).unwrap_or_default())]
    NotFound {
        path: String,
        layer: usize,
        deleted_by: Option<usize>,
    },
    /// A directory (or another non-file) where content was asked for.
    #[error("`{path}` is a {kind}, not a regular file")]
    NotAFile { path: String, kind: &'static str },
    /// Something other than a folder where a folder's listing was asked for.
    #[error("{path} is not a folder in this image{}", layer.map(|l| format!(" at layer {l}")).unwrap_or_default())]
    NotAFolder { path: String, layer: Option<usize> },
}

impl Explain for FilesError {
    fn code(&self) -> Code {
        match self {
            FilesError::Image(e) => e.code(),
            FilesError::Store(e) => e.code(),
            FilesError::Layer(e) => e.code(),
            FilesError::LayerOutOfRange { .. } | FilesError::NoLayers => Code::ImageLayerOutOfRange,
            FilesError::NotFound { .. } => Code::LayerNotFound,
            FilesError::NotAFile { .. } => Code::LayerNotAFile,
            FilesError::NotAFolder { .. } => Code::LayerNotAFolder,
        }
    }

    fn hint(&self) -> Option<Hint> {
        let key = match self {
            FilesError::Image(e) => return e.hint(),
            FilesError::Store(e) => return e.hint(),
            FilesError::Layer(e) => return e.hint(),
            FilesError::LayerOutOfRange { .. } | FilesError::NoLayers => HintKey::ImageListLayers,
            FilesError::NotFound { .. } => HintKey::LayerListParent,
            FilesError::NotAFile { .. } => HintKey::LayerListInstead,
            FilesError::NotAFolder { .. } => return None,
        };
        Some(key.into())
    }
}

/// An image resolved for browsing: which blob is layer N.
#[derive(Debug, Clone)]
pub struct ImageFiles {
    pub manifest: Digest,
    /// Bottom first; index = layer number.
    pub layers: Vec<LayerDetails>,
    /// Per layer (same index), the history step that made it, when the config says.
    pub created_by: Vec<Option<String>>,
    pub limits: Limits,
}

/// One line of a listing: an entry of the merged tree, or one a whiteout deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileRow {
    /// From the root, with a leading `/`.
    pub path: String,
    /// `None` for a deleted entry.
    pub kind: Option<Kind>,
    pub size: u64,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub mtime: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_target: Option<String>,
    /// The layer it comes from; for a deleted entry, the layer that deleted it.
    pub layer: usize,
    pub layer_digest: Digest,
    /// Set when a whiteout deleted it: it is not in the merged view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<Removal>,
    /// Set on a directory an opaque marker emptied of what lower layers had.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opaque: Option<Removal>,
}

/// A whiteout or opaque marker and the layer that holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Removal {
    pub kind: DeletionKind,
    pub layer: usize,
    pub layer_digest: Digest,
    /// Paths of lower layers it hid.
    pub removed: u64,
}

/// What a listing shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListOptions {
    /// Everything below the folder, not only its children.
    pub recursive: bool,
    /// Also the entries whiteouts deleted, and which directories are opaque.
    pub deleted: bool,
}

impl ImageFiles {
    /// Resolves `name_or_id` (through an index, the manifest for `platform`, this
    /// machine's by default) to its layers.
    pub fn open(
        store: &Store,
        name_or_id: &str,
        platform: Option<&Platform>,
    ) -> Result<ImageFiles, FilesError> {
        let found = store.resolve(name_or_id)?;
        let image = model::resolve(store, &found.descriptor, platform)?;
        let layers = layer_details(store, &image, false)?;
        let history = history_of(&image, &layers);
        let created_by = layers
            .iter()
            .map(|l| {
                history
                    .iter()
                    .find(|h| h.layer.as_ref() == Some(&l.digest))
                    .and_then(|h| h.created_by.clone())
            })
            .collect();
        Ok(ImageFiles {
            manifest: digest_of(&image.manifest_descriptor)?,
            layers,
            created_by,
            limits: Limits::default(),
        })
    }

    /// The layer number to show: `asked`, checked, or the top one.
    pub fn layer_index(&self, asked: Option<usize>) -> Result<usize, FilesError> {
        let count = self.layers.len();
        match asked {
            _ if count == 0 => Err(FilesError::NoLayers),
            Some(n) if n >= count => Err(FilesError::LayerOutOfRange { asked: n, count }),
            Some(n) => Ok(n),
            None => Ok(count - 1),
        }
    }

    fn open_layer(&self, store: &Store, index: usize) -> Result<BufReader<File>, FilesError> {
        let digest = &self.layers[index].digest;
        Ok(BufReader::with_capacity(1 << 20, store.open_blob(digest)?))
    }

    /// The merged tree of layers `0..count` (bottom first).
    pub fn tree(&self, store: &Store, count: usize) -> Result<MergedTree, FilesError> {
        let mut tree = MergedTree::new();
        for i in 0..count.min(self.layers.len()) {
            tree.push_layer(self.open_layer(store, i)?, &self.limits)?;
        }
        Ok(tree)
    }

    /// The merged tree as of layer `top` (that layer and all below it).
    pub fn tree_at(&self, store: &Store, top: usize) -> Result<MergedTree, FilesError> {
        self.tree(store, top + 1)
    }

    /// Calls `each` with every change layer `index` makes to the layers below, in tar order.
    pub fn visit_changes(
        &self,
        store: &Store,
        index: usize,
        each: impl FnMut(Change) -> ControlFlow<()>,
    ) -> Result<(), FilesError> {
        let below = self.tree(store, index)?;
        layer::visit_changes(self.open_layer(store, index)?, &below, &self.limits, each)?;
        Ok(())
    }

    /// Calls `each(layer, change)` with every change of every layer, bottom first, in one
    /// pass: each layer is compared with the tree merged so far and then pushed onto it, so
    /// the layers below are not merged again for each layer (as [`Self::visit_changes`]
    /// per layer would). Returns the merged tree of the whole image.
    pub fn visit_all_changes(
        &self,
        store: &Store,
        each: impl FnMut(usize, Change),
    ) -> Result<MergedTree, FilesError> {
        walk_changes(
            self.layers.len(),
            |i| self.open_layer(store, i),
            &self.limits,
            each,
        )
    }

    /// Every change layer `index` makes, collected.
    pub fn changes(&self, store: &Store, index: usize) -> Result<Vec<Change>, FilesError> {
        let mut out = Vec::new();
        self.visit_changes(store, index, |c| {
            out.push(c);
            ControlFlow::Continue(())
        })?;
        Ok(out)
    }

    /// Streams the content of `path` in `tree` (symlinks followed inside the image) to
    /// `out`, reading only the layer that holds it. Returns the bytes written.
    pub fn read_file(
        &self,
        store: &Store,
        tree: &MergedTree,
        path: &str,
        out: &mut impl Write,
    ) -> Result<u64, FilesError> {
        let shown = shown(path);
        let real = tree.resolve(path)?;
        let node = tree
            .get(&real)
            .ok_or_else(|| self.not_found(tree, &real, &shown))?;
        if !matches!(node.kind, Kind::File | Kind::Hardlink) {
            return Err(FilesError::NotAFile {
                path: shown,
                kind: node.kind.name(),
            });
        }
        let open = |i: usize| {
            self.open_layer(store, i).map_err(|e| match e {
                FilesError::Layer(l) => l,
                other => LayerError::Io {
                    action: "open",
                    path: PathBuf::from(self.layers[i].digest.to_string()),
                    entry: None,
                    source: std::io::Error::other(other.to_string()),
                },
            })
        };
        Ok(layer::read_file(tree, &real, open, &self.limits, out)?)
    }

    fn not_found(&self, tree: &MergedTree, real: &Path, shown: &str) -> FilesError {
        let deleted_by = tree
            .deletions()
            .find(|(p, d)| d.kind == DeletionKind::Whiteout && real.starts_with(p))
            .map(|(_, d)| d.layer);
        FilesError::NotFound {
            path: shown.to_string(),
            layer: tree.layer_count().saturating_sub(1),
            deleted_by,
        }
    }

    /// The rows under `path` in `tree`: a folder's children (all below it with
    /// `recursive`), or the entry itself when `path` is not a folder. Symlinks in the path
    /// are followed; a trailing `/` follows the last one too, as `ls` does.
    pub fn list(
        &self,
        tree: &MergedTree,
        path: &str,
        opts: ListOptions,
    ) -> Result<Vec<FileRow>, FilesError> {
        let shown = shown(path);
        let real = self.locate(tree, path)?;
        if real.as_os_str().is_empty() {
            return Ok(self.rows_below(tree, &real, opts));
        }
        match tree.get(&real) {
            Some(n) if n.kind == Kind::Dir => Ok(self.rows_below(tree, &real, opts)),
            Some(n) => Ok(vec![self.row(&real, n)]),
            None => {
                let deleted = tree
                    .deletions()
                    .find(|(p, d)| *p == real && d.kind == DeletionKind::Whiteout);
                match deleted {
                    Some((p, d)) if opts.deleted => Ok(vec![self.deleted_row(p, d)]),
                    _ => Err(self.not_found(tree, &real, &shown)),
                }
            }
        }
    }

    /// The tree's own path for a user's path.
    fn locate(&self, tree: &MergedTree, path: &str) -> Result<PathBuf, FilesError> {
        let p = Path::new(path);
        if path.ends_with('/') {
            return Ok(tree.resolve(p)?);
        }
        match (p.parent(), p.file_name()) {
            (Some(parent), Some(name)) => Ok(tree.resolve(parent)?.join(name)),
            _ => Ok(tree.resolve(p)?),
        }
    }

    fn rows_below(&self, tree: &MergedTree, dir: &Path, opts: ListOptions) -> Vec<FileRow> {
        let mut rows: Vec<FileRow> = if opts.recursive {
            tree.iter()
                .filter(|(p, _)| p.starts_with(dir) && *p != dir)
                .map(|(p, n)| self.row(p, n))
                .collect()
        } else {
            tree.list(dir)
                .into_iter()
                .map(|(p, n)| self.row(p, n))
                .collect()
        };
        if !opts.deleted {
            return rows;
        }
        let deletions: Vec<(&Path, &Deletion)> = if opts.recursive {
            tree.deletions()
                .filter(|(p, _)| p.starts_with(dir) && *p != dir)
                .collect()
        } else {
            tree.deletions_in(dir)
                .into_iter()
                .filter(|(p, _)| *p != dir)
                .collect()
        };
        for (p, d) in deletions {
            let path = shown_path(p);
            match rows.iter_mut().find(|r| r.path == path) {
                // A whiteout beside an entry of the same layer hid only the lower version,
                // which the entry replaces: nothing more to show for it.
                Some(row) if d.kind == DeletionKind::Opaque => row.opaque = Some(self.removal(d)),
                Some(_) => {}
                None if d.kind == DeletionKind::Whiteout => rows.push(self.deleted_row(p, d)),
                // An opaque marker on a directory a later layer removed: nothing to show.
                None => {}
            }
        }
        rows.sort_by(|a, b| a.path.cmp(&b.path));
        rows
    }

    fn removal(&self, d: &Deletion) -> Removal {
        Removal {
            kind: d.kind,
            layer: d.layer,
            layer_digest: self.layers[d.layer].digest.clone(),
            removed: d.removed,
        }
    }

    fn row(&self, path: &Path, n: &layer::Node) -> FileRow {
        FileRow {
            path: shown_path(path),
            kind: Some(n.kind),
            size: n.size,
            mode: n.mode,
            uid: n.uid,
            gid: n.gid,
            mtime: n.mtime,
            link_target: n.link_target.as_ref().map(|t| t.display().to_string()),
            layer: n.layer,
            layer_digest: self.layers[n.layer].digest.clone(),
            deleted: None,
            opaque: None,
        }
    }

    fn deleted_row(&self, path: &Path, d: &Deletion) -> FileRow {
        FileRow {
            path: shown_path(path),
            kind: None,
            size: 0,
            mode: 0,
            uid: 0,
            gid: 0,
            mtime: 0,
            link_target: None,
            layer: d.layer,
            layer_digest: self.layers[d.layer].digest.clone(),
            deleted: Some(self.removal(d)),
            opaque: None,
        }
    }
}

/// The one-pass walk behind [`ImageFiles::visit_all_changes`]; `open(i)` reads layer `i`
/// (twice: once for its changes, once onto the tree).
fn walk_changes<R: Read>(
    count: usize,
    mut open: impl FnMut(usize) -> Result<R, FilesError>,
    limits: &Limits,
    mut each: impl FnMut(usize, Change),
) -> Result<MergedTree, FilesError> {
    let mut tree = MergedTree::new();
    for i in 0..count {
        layer::visit_changes(open(i)?, &tree, limits, |c| {
            each(i, c);
            ControlFlow::Continue(())
        })?;
        tree.push_layer(open(i)?, limits)?;
    }
    Ok(tree)
}

fn shown_path(path: &Path) -> String {
    format!("/{}", path.display())
}

/// A user's path as messages show it: absolute.
fn shown(path: &str) -> String {
    format!("/{}", path.trim_start_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layer_past_the_top_names_the_range() {
        let files = ImageFiles {
            manifest: Digest::of(b"m"),
            layers: Vec::new(),
            created_by: Vec::new(),
            limits: Limits::default(),
        };
        assert!(matches!(files.layer_index(None), Err(FilesError::NoLayers)));
        let err = FilesError::LayerOutOfRange { asked: 5, count: 3 };
        assert_eq!(
            err.to_string(),
            "the image has 3 layer(s), numbered 0 to 2; there is no layer 5"
        );
    }

    /// A tar layer from (path, content) pairs; a `None` content is a directory.
    fn layer_tar(entries: &[(&str, Option<&str>)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, content) in entries {
            let mut h = tar::Header::new_gnu();
            let data = content.unwrap_or("");
            h.set_entry_type(match content {
                Some(_) => tar::EntryType::Regular,
                None => tar::EntryType::Directory,
            });
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, path, data.as_bytes()).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn one_pass_tells_each_layers_changes_against_the_layers_below() {
        let layers = [
            layer_tar(&[
                ("etc", None),
                ("etc/hosts", Some("a")),
                ("etc/motd", Some("hi")),
            ]),
            layer_tar(&[("etc/.wh.motd", Some("")), ("etc/hosts", Some("b"))]),
            layer_tar(&[("etc/motd", Some("back"))]),
        ];
        let mut seen = Vec::new();
        let tree = walk_changes(
            layers.len(),
            |i| Ok(&layers[i][..]),
            &Limits::default(),
            |i, c| seen.push((i, c.path.display().to_string(), c.change)),
        )
        .unwrap();
        use layer::ChangeKind::*;
        let want = [
            (0, "etc", Added),
            (0, "etc/hosts", Added),
            (0, "etc/motd", Added),
            (1, "etc/motd", WhitedOut),
            (1, "etc/hosts", Changed),
            // Deleted by layer 1, so layer 2 adds it rather than changing it.
            (2, "etc/motd", Added),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|(i, p, k)| (*i, p.to_string(), *k))
            .collect();
        assert_eq!(seen, want);
        assert_eq!(tree.layer_count(), 3);
        assert_eq!(tree.get(Path::new("etc/motd")).map(|n| n.layer), Some(2));
    }
}

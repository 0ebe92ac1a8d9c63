//! The Layers and Files tabs: each layer's changes ([OCI layer § Changesets]) and one
//! folder of the merged (UnionFS) tree at layer N, with the layer every entry comes from
//! and the whiteouts that deleted lower entries.
//!
//! The walking is `strata_core::image::files` (as `strata files` uses it); this module only
//! maps its rows to the transport types below and keeps a few merged trees.
//!
//! [OCI layer § Changesets]: https://github.com/opencontainers/image-spec/blob/main/layer.md#changesets

use std::sync::{Arc, Mutex};

use serde::Serialize;
use strata_core::digest::Digest;
use strata_core::image::files::{self, FileRow, ImageFiles, ListOptions};
use strata_core::layer::{ChangeKind, DeletionKind, Kind, MergedTree};
use strata_core::problem::Problem;
use strata_core::store::Store;

use super::super::support::problem;

/// Changes listed per layer; the counts still cover all of them.
pub const MAX_CHANGES: usize = 2000;

/// Merged trees kept (each holds one entry per path of the image).
const TREES_KEPT: usize = 3;

/// One layer of the Layers tab, bottom first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct LayerView {
    /// 0 = bottom.
    pub index: usize,
    pub digest: String,
    #[cfg_attr(test, ts(type = "string | null"))]
    pub diff_id: Option<String>,
    pub media_type: String,
    /// Bytes as stored.
    #[cfg_attr(test, ts(type = "number"))]
    pub size: u64,
    /// The history step that made it.
    #[cfg_attr(test, ts(type = "string | null"))]
    pub created_by: Option<String>,
    pub added: usize,
    pub changed: usize,
    /// Whiteouts: paths of lower layers deleted.
    pub deleted: usize,
    /// Opaque directories: lower contents hidden.
    pub opaque: usize,
    /// The first [`MAX_CHANGES`] changes, in tar order.
    pub changes: Vec<ChangeRow>,
    /// Changes not listed.
    pub more: usize,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ChangeRow {
    pub path: String,
    #[cfg_attr(test, ts(type = r#""added" | "changed" | "whitedout" | "opaque""#))]
    pub change: ChangeKind,
    /// For a whiteout, what it deleted (`null` when nothing was there).
    #[cfg_attr(test, ts(type = "EntryKind | null"))]
    pub kind: Option<Kind>,
    #[cfg_attr(test, ts(type = "number"))]
    pub size: u64,
}

/// The kind of a tree entry, as `strata_core::layer::Kind` serialises it.
#[cfg(test)]
#[derive(ts_rs::TS)]
#[ts(rename = "EntryKind", rename_all = "lowercase")]
#[allow(dead_code)] // only its TypeScript declaration is used
pub enum EntryKindShape {
    File,
    Dir,
    Symlink,
    Hardlink,
    CharDevice,
    BlockDevice,
    Fifo,
}

/// A whiteout or opaque marker, and the layer that holds it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Removal {
    #[cfg_attr(test, ts(type = r#""whiteout" | "opaque""#))]
    pub kind: DeletionKind,
    pub layer: usize,
    /// Paths of lower layers it hid.
    #[cfg_attr(test, ts(type = "number"))]
    pub paths: u64,
}

/// One name in a folder of the merged tree.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct FileEntry {
    pub name: String,
    /// From the root, without a leading `/`.
    pub path: String,
    /// `null` for a deleted entry.
    #[cfg_attr(test, ts(type = "EntryKind | null"))]
    pub kind: Option<Kind>,
    #[cfg_attr(test, ts(type = "number"))]
    pub size: u64,
    pub mode: u32,
    /// The layer it comes from; `null` for a deleted entry.
    #[cfg_attr(test, ts(type = "number | null"))]
    pub layer: Option<usize>,
    #[cfg_attr(test, ts(type = "string | null"))]
    pub link_target: Option<String>,
    /// Set when a whiteout deleted it: the entry is gone from the merged view.
    #[cfg_attr(test, ts(type = "Removal | null"))]
    pub removed: Option<Removal>,
    /// Set when the directory is opaque: lower layers' contents are hidden.
    #[cfg_attr(test, ts(type = "Removal | null"))]
    pub opaque: Option<Removal>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct FileListing {
    pub layer_count: usize,
    /// The top layer merged (0 = bottom).
    pub layer: usize,
    pub dir: String,
    /// Folders first, then by name; deleted entries among them.
    pub entries: Vec<FileEntry>,
}

/// A merged tree with what it is: (manifest digest, layers merged, tree).
type CachedTree = (Digest, usize, Arc<MergedTree>);

/// Merged trees by (manifest digest, layers merged). Kept because the Files tab opens
/// folders one by one: without it every click would read all the layers again.
#[derive(Clone, Default)]
pub struct TreeCache {
    trees: Arc<Mutex<Vec<CachedTree>>>,
}

impl TreeCache {
    fn get(&self, manifest: &Digest, layers: usize) -> Option<Arc<MergedTree>> {
        let trees = self.trees.lock().unwrap_or_else(|e| e.into_inner());
        trees
            .iter()
            .find(|(d, n, _)| d == manifest && *n == layers)
            .map(|(_, _, t)| t.clone())
    }

    fn put(&self, manifest: Digest, layers: usize, tree: Arc<MergedTree>) {
        let mut trees = self.trees.lock().unwrap_or_else(|e| e.into_inner());
        trees.retain(|(d, n, _)| !(d == &manifest && *n == layers));
        trees.push((manifest, layers, tree));
        if trees.len() > TREES_KEPT {
            trees.remove(0);
        }
    }
}

/// Every layer with its changes against the layers below; the merged tree of the whole
/// image is kept for the Files tab on the way.
pub fn layer_views(
    store: &Store,
    trees: &TreeCache,
    reference: &str,
) -> Result<Vec<LayerView>, Problem> {
    let image = ImageFiles::open(store, reference, None).map_err(problem)?;
    let mut out: Vec<LayerView> = image
        .layers
        .iter()
        .enumerate()
        .map(|(index, l)| LayerView {
            index,
            digest: l.digest.to_string(),
            diff_id: l.diff_id.clone(),
            media_type: l.media_type.clone(),
            size: l.size,
            created_by: image.created_by.get(index).cloned().flatten(),
            added: 0,
            changed: 0,
            deleted: 0,
            opaque: 0,
            changes: Vec::new(),
            more: 0,
        })
        .collect();
    let tree = image
        .visit_all_changes(store, |index, c| {
            let Some(view) = out.get_mut(index) else {
                return;
            };
            match c.change {
                ChangeKind::Added => view.added += 1,
                ChangeKind::Changed => view.changed += 1,
                ChangeKind::WhitedOut => view.deleted += 1,
                ChangeKind::Opaque => view.opaque += 1,
            }
            if view.changes.len() < MAX_CHANGES {
                view.changes.push(ChangeRow {
                    path: c.path.display().to_string(),
                    change: c.change,
                    kind: c.kind,
                    size: c.size,
                });
            } else {
                view.more += 1;
            }
        })
        .map_err(problem)?;
    trees.put(image.manifest.clone(), image.layers.len(), Arc::new(tree));
    Ok(out)
}

/// One folder of the merged tree after layer `layer` (the top one when `None`).
pub fn list_dir(
    store: &Store,
    trees: &TreeCache,
    reference: &str,
    layer: Option<usize>,
    dir: &str,
) -> Result<FileListing, Problem> {
    let image = ImageFiles::open(store, reference, None).map_err(problem)?;
    let count = image.layers.len();
    let dir = dir.trim_matches('/').to_string();
    // An image without layers has an empty root and nothing else.
    if count == 0 && layer.is_none() {
        if dir.is_empty() {
            return Ok(FileListing {
                layer_count: 0,
                layer: 0,
                dir,
                entries: Vec::new(),
            });
        }
        return Err(problem(files::FilesError::NotAFolder {
            path: format!("/{dir}"),
            layer: None,
        }));
    }
    let top = image.layer_index(layer).map_err(problem)?;
    let tree = match trees.get(&image.manifest, top + 1) {
        Some(tree) => tree,
        None => {
            let tree = Arc::new(image.tree_at(store, top).map_err(problem)?);
            trees.put(image.manifest.clone(), top + 1, tree.clone());
            tree
        }
    };
    if !dir.is_empty() && tree.get(&dir).is_none_or(|n| n.kind != Kind::Dir) {
        return Err(problem(files::FilesError::NotAFolder {
            path: format!("/{dir}"),
            layer: Some(top),
        }));
    }
    let opts = ListOptions {
        recursive: false,
        deleted: true,
    };
    let rows = image.list(&tree, &dir, opts).map_err(problem)?;
    Ok(FileListing {
        layer_count: count,
        layer: top,
        entries: entries(rows),
        dir,
    })
}

fn removal(r: files::Removal) -> Removal {
    Removal {
        kind: r.kind,
        layer: r.layer,
        paths: r.removed,
    }
}

/// The engine's rows as the Files tab shows them: folders first, then by name.
fn entries(rows: Vec<FileRow>) -> Vec<FileEntry> {
    let mut out: Vec<FileEntry> = rows
        .into_iter()
        .map(|r| {
            let path = r.path.trim_start_matches('/').to_string();
            let name = path.rsplit('/').next().unwrap_or_default().to_string();
            let deleted = r.deleted.is_some();
            FileEntry {
                name,
                path,
                kind: r.kind,
                size: r.size,
                mode: r.mode,
                layer: (!deleted).then_some(r.layer),
                link_target: r.link_target,
                removed: r.deleted.map(removal),
                opaque: r.opaque.map(removal),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        let dir_first = |e: &FileEntry| e.kind != Some(Kind::Dir);
        dir_first(a)
            .cmp(&dir_first(b))
            .then_with(|| a.name.cmp(&b.name))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(path: &str, kind: Option<Kind>, layer: usize, deleted: bool) -> FileRow {
        let digest = Digest::of(b"layer");
        FileRow {
            path: path.into(),
            kind,
            size: 0,
            mode: 0o644,
            uid: 0,
            gid: 0,
            mtime: 0,
            link_target: None,
            layer,
            layer_digest: digest.clone(),
            deleted: deleted.then_some(files::Removal {
                kind: DeletionKind::Whiteout,
                layer,
                layer_digest: digest,
                removed: 1,
            }),
            opaque: None,
        }
    }

    #[test]
    fn a_folder_lists_folders_first_and_deleted_entries_without_a_layer() {
        let rows = vec![
            row("/etc/app.conf", Some(Kind::File), 1, false),
            row("/etc/motd", None, 1, true),
            row("/etc/ssl", Some(Kind::Dir), 0, false),
        ];
        let shown: Vec<_> = entries(rows)
            .iter()
            .map(|e| {
                (
                    e.name.clone(),
                    e.path.clone(),
                    e.layer,
                    e.removed.as_ref().map(|r| r.layer),
                )
            })
            .collect();
        let want = [
            ("ssl", "etc/ssl", Some(0), None),
            ("app.conf", "etc/app.conf", Some(1), None),
            ("motd", "etc/motd", None, Some(1)),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|(n, p, l, r)| (n.to_string(), p.to_string(), *l, *r))
            .collect();
        assert_eq!(shown, want);
    }
}

//! The Layers and Files tabs: each layer's changes ([OCI layer § Changesets]) and one
//! folder of the merged (UnionFS) tree at layer N, with the layer every entry comes from
//! and the whiteouts that deleted lower entries.
//!
//! Everything is read through `strata_core::layer` as streams (nothing is unpacked);
//! merged trees are kept for the last few (image, layer) pairs so that opening folders
//! one by one does not read the layers again.
//!
//! [OCI layer § Changesets]: https://github.com/opencontainers/image-spec/blob/main/layer.md#changesets

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use strata_core::digest::Digest;
use strata_core::image::{inspect, model};
use strata_core::layer::{self, ChangeKind, DeletionKind, Kind, Limits, MergedTree};
use strata_core::problem::{Explain, Problem};
use strata_core::store::Store;

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

/// Merged trees by (manifest digest, layers merged).
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

fn problem(e: impl Explain) -> Problem {
    e.problem()
}

/// The image's manifest digest and its layers (digest, descriptor details), bottom first.
fn resolve(
    store: &Store,
    reference: &str,
) -> Result<(model::ResolvedImage, Digest, Vec<inspect::LayerDetails>), Problem> {
    let found = store.resolve(reference).map_err(problem)?;
    let image = model::resolve(store, &found.descriptor, None).map_err(problem)?;
    let manifest = model::digest_of(&image.manifest_descriptor).map_err(problem)?;
    let layers = inspect::layer_details(store, &image, false).map_err(problem)?;
    Ok((image, manifest, layers))
}

fn open(store: &Store, digest: &Digest) -> Result<BufReader<File>, Problem> {
    let file = store.open_blob(digest).map_err(problem)?;
    Ok(BufReader::with_capacity(1 << 20, file))
}

/// Every layer with its changes against the layers below; the merged tree of the whole
/// image is kept for the Files tab on the way.
pub fn layer_views(
    store: &Store,
    trees: &TreeCache,
    reference: &str,
) -> Result<Vec<LayerView>, Problem> {
    let (image, manifest, layers) = resolve(store, reference)?;
    let steps: HashMap<String, String> = inspect::history_of(&image, &layers)
        .into_iter()
        .filter_map(|h| Some((h.layer?.to_string(), h.created_by?)))
        .collect();
    let limits = Limits::default();
    let mut tree = MergedTree::new();
    let mut out = Vec::with_capacity(layers.len());
    for (index, l) in layers.iter().enumerate() {
        let mut view = LayerView {
            index,
            digest: l.digest.to_string(),
            diff_id: l.diff_id.clone(),
            media_type: l.media_type.clone(),
            size: l.size,
            created_by: steps.get(&l.digest.to_string()).cloned(),
            added: 0,
            changed: 0,
            deleted: 0,
            opaque: 0,
            changes: Vec::new(),
            more: 0,
        };
        layer::visit_changes(open(store, &l.digest)?, &tree, &limits, |c| {
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
            ControlFlow::Continue(())
        })
        .map_err(problem)?;
        tree.push_layer(open(store, &l.digest)?, &limits)
            .map_err(problem)?;
        out.push(view);
    }
    trees.put(manifest, layers.len(), Arc::new(tree));
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
    let (_, manifest, layers) = resolve(store, reference)?;
    let count = layers.len();
    let top = match layer {
        Some(n) if n >= count => {
            return Err(Problem::new(
                "image.layer_out_of_range",
                format!("the image has {count} layer(s); there is no layer {n}"),
            ))
        }
        Some(n) => n,
        None => count.saturating_sub(1),
    };
    let merged = if count == 0 { 0 } else { top + 1 };
    let tree = match trees.get(&manifest, merged) {
        Some(tree) => tree,
        None => {
            let blobs = layers[..merged]
                .iter()
                .map(|l| open(store, &l.digest))
                .collect::<Result<Vec<_>, _>>()?;
            let tree = Arc::new(MergedTree::build(blobs, &Limits::default()).map_err(problem)?);
            trees.put(manifest, merged, tree.clone());
            tree
        }
    };
    let dir = dir.trim_matches('/').to_string();
    if !dir.is_empty() && tree.get(&dir).is_none_or(|n| n.kind != Kind::Dir) {
        return Err(Problem::new(
            "layer.not_found",
            format!("/{dir} is not a folder in this image at layer {top}"),
        ));
    }
    Ok(FileListing {
        layer_count: count,
        layer: top,
        entries: entries(&tree, &dir),
        dir,
    })
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn removal(d: &layer::Deletion) -> Removal {
    Removal {
        kind: d.kind,
        layer: d.layer,
        paths: d.removed,
    }
}

/// The children of `dir`: what is there, and what whiteouts deleted.
fn entries(tree: &MergedTree, dir: &str) -> Vec<FileEntry> {
    let mut out: Vec<FileEntry> = tree
        .list(dir)
        .into_iter()
        .map(|(path, n)| FileEntry {
            name: name_of(path),
            path: path.display().to_string(),
            kind: Some(n.kind),
            size: n.size,
            mode: n.mode,
            layer: Some(n.layer),
            link_target: n.link_target.as_ref().map(|t| t.display().to_string()),
            removed: None,
            opaque: None,
        })
        .collect();
    for (path, d) in tree.deletions_in(dir) {
        let path_text = path.display().to_string();
        if path_text == dir {
            continue; // the folder's own marker shows on the folder's entry, one level up
        }
        match out.iter_mut().find(|e| e.path == path_text) {
            // The entry is there: an opaque marker hid what was below it; a whiteout from
            // the same layer that put it back hides nothing visible.
            Some(entry) => {
                if d.kind == DeletionKind::Opaque {
                    entry.opaque = Some(removal(d));
                }
            }
            None => out.push(FileEntry {
                name: name_of(path),
                path: path_text,
                kind: None,
                size: 0,
                mode: 0,
                layer: None,
                link_target: None,
                removed: Some(removal(d)),
                opaque: None,
            }),
        }
    }
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

    /// A tar layer from (path, content) pairs; a `None` content is a directory.
    fn layer_tar(entries: &[(&str, Option<&str>)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, content) in entries {
            let mut h = tar::Header::new_gnu();
            match content {
                Some(c) => {
                    h.set_entry_type(tar::EntryType::Regular);
                    h.set_size(c.len() as u64);
                    h.set_mode(0o644);
                    b.append_data(&mut h, path, c.as_bytes()).unwrap();
                }
                None => {
                    h.set_entry_type(tar::EntryType::Directory);
                    h.set_size(0);
                    h.set_mode(0o755);
                    b.append_data(&mut h, path, &[][..]).unwrap();
                }
            }
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn a_folder_lists_what_is_there_and_what_a_whiteout_deleted() {
        let bottom = layer_tar(&[
            ("etc", None),
            ("etc/hosts", Some("127.0.0.1")),
            ("etc/motd", Some("hi")),
        ]);
        let top = layer_tar(&[("etc/.wh.motd", Some("")), ("etc/app.conf", Some("x=1"))]);
        let tree = MergedTree::build([&bottom[..], &top[..]], &Limits::default()).unwrap();
        let listed = entries(&tree, "etc");
        let shown: Vec<_> = listed
            .iter()
            .map(|e| {
                (
                    e.name.as_str(),
                    e.layer,
                    e.removed.as_ref().map(|r| r.layer),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("app.conf", Some(1), None),
                ("hosts", Some(0), None),
                ("motd", None, Some(1)),
            ]
        );
    }
}

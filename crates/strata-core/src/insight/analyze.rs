//! Wasted space in an image, measured two ways from one pass over its layers.
//!
//! **dive's measure** (github.com/wagoodman/dive, `filetree/efficiency.go` and
//! `image/image.go`), reproduced so that a score here means what it means there:
//! - every layer is a tree of its own tar entries; only its *leaves* count (an entry with
//!   nothing of the same layer below it), each as one *version* of its path, sized by its
//!   tar header (files their content, directories, links and devices 0);
//! - a whiteout `.wh.X` is a version of `X` sized as what it deletes: the bytes of every
//!   file below `X` in the layers beneath when `X` was a directory, **0 when `X` was a
//!   file** (so a deleted file's versions all count as waste); opaque markers
//!   (`.wh..wh..opq`) are not counted at all, as dive skips them;
//! - **efficiency** = Σ over paths of its smallest version ÷ Σ over paths of all its
//!   versions (1 when there are no bytes at all);
//! - **wasted bytes** = Σ of all versions (the smallest included) of every path that has
//!   two versions or more; **user wasted percent** = wasted ÷ the bytes of every layer but
//!   the first.
//!
//! One difference: dive sizes a whiteout on a tree stacked without opaque markers; here it
//! is the merged tree beneath, opaque markers honoured (they change the answer only when a
//! directory is both emptied by an opaque marker and deleted later).
//!
//! **Hidden bytes** (ours): a file's content stored in layer N is *hidden* when the final
//! image cannot see it: a later entry overwrote it, a whiteout or opaque marker deleted it,
//! or a later file replaced a directory above it. Every stored byte is either visible or
//! hidden, per layer and per path, and each hidden version names the layer that hid it. A
//! hard link keeps its target's content visible.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::image::files::{FilesError, ImageFiles};
use crate::layer::{EntryAction, Kind, Limits, MergedTree};
use crate::platform::Platform;
use crate::store::Store;

/// How much of each list to keep.
#[derive(Debug, Clone, Copy)]
pub struct AnalyzeOptions {
    /// Rows kept in each list (wasted, hidden, deleted, largest); the counts cover all.
    pub top: usize,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions { top: 20 }
    }
}

/// An image's wasted space.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Analysis {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub manifest: String,
    pub dive: DiveScore,
    /// File content bytes stored in all layers.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub stored_bytes: u64,
    /// Of those, what the final image shows.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub visible_bytes: u64,
    /// Of those, what no one can see: overwritten or deleted by a later layer.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub hidden_bytes: u64,
    /// Bottom first.
    pub layers: Vec<LayerUse>,
    /// dive's inefficient paths (two versions or more), most bytes first.
    pub wasted: Vec<WastedPath>,
    pub wasted_count: usize,
    /// Paths with hidden bytes, most first.
    pub hidden: Vec<HiddenPath>,
    pub hidden_count: usize,
    /// Files a layer added and a later layer deleted, largest first.
    pub deleted: Vec<HiddenVersion>,
    pub deleted_count: usize,
    /// The largest files of the final image.
    pub largest: Vec<LargeFile>,
}

/// dive's figures, computed as dive computes them (see the module header).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DiveScore {
    /// 0..=1; dive's `--ci` fails below `lowestEfficiency` (0.9 by default).
    pub efficiency: f64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub wasted_bytes: u64,
    /// Wasted bytes ÷ the bytes of every layer above the first (0 when there are none).
    pub user_wasted_percent: f64,
    /// Σ of every version of every path: the score's denominator.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub version_bytes: u64,
    /// Σ of each path's smallest version: the score's numerator.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub minimum_bytes: u64,
}

/// One layer's stored bytes, split by what the final image sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LayerUse {
    pub index: usize,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub digest: String,
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub created_by: Option<String>,
    /// File content bytes in the layer's tar (dive's layer size).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub visible_bytes: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub hidden_bytes: u64,
    /// Hidden because a later entry replaced them.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub overwritten_bytes: u64,
    /// Hidden because a later layer deleted them.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub deleted_bytes: u64,
    /// Regular files in the layer.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub files: u64,
}

/// A path with more than one version, as dive lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WastedPath {
    /// From the root, with a leading `/`.
    pub path: String,
    /// All its versions together (dive's cumulative size).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
    /// The layers holding a version, bottom first (a whiteout is a version).
    pub layers: Vec<usize>,
}

/// A path whose older content the image cannot see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HiddenPath {
    pub path: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
    /// The layers storing the hidden versions, bottom first.
    pub layers: Vec<usize>,
    /// Still in the final image (overwritten), or gone (deleted).
    pub visible: bool,
}

/// Why a version is hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Why {
    /// A later entry put something else at the path.
    Overwritten,
    /// A later layer removed the path (a whiteout, an opaque directory, a file in place of
    /// a directory above it).
    Deleted,
}

/// One stored file version the final image cannot see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HiddenVersion {
    pub path: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    /// The layer that stores it.
    pub layer: usize,
    /// The layer that hid it.
    pub hidden_by: usize,
    pub why: Why,
}

/// A file of the final image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LargeFile {
    pub path: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    pub layer: usize,
}

/// Analyses `name_or_id` (the manifest for `platform`, this machine's by default).
pub fn analyze(
    store: &Store,
    name_or_id: &str,
    platform: Option<&Platform>,
    opts: &AnalyzeOptions,
) -> Result<Analysis, FilesError> {
    let image = ImageFiles::open(store, name_or_id, platform)?;
    let open = |i: usize| -> Result<BufReader<File>, FilesError> {
        let blob = store.open_blob(&image.layers[i].digest)?;
        Ok(BufReader::with_capacity(1 << 20, blob))
    };
    let mut analysis = measure(image.layers.len(), open, &image.limits, opts)?;
    analysis.manifest = image.manifest.to_string();
    for (l, d) in analysis.layers.iter_mut().zip(&image.layers) {
        l.digest = d.digest.to_string();
    }
    for (l, c) in analysis.layers.iter_mut().zip(&image.created_by) {
        l.created_by = c.clone();
    }
    Ok(analysis)
}

/// A stored file version: `(layer, entry number)` is its key, as `Node::content` names it.
struct Version {
    path: PathBuf,
    size: u64,
}

/// dive's tally for one path.
#[derive(Default)]
struct DivePath {
    cumulative: u64,
    minimum: Option<u64>,
    layers: Vec<usize>,
}

/// Everything [`measure`] keeps while it walks the layers.
#[derive(Default)]
struct Walk {
    versions: HashMap<(usize, u64), Version>,
    /// Versions the tree merged so far shows.
    live: HashSet<(usize, u64)>,
    hidden: Vec<((usize, u64), usize, Why)>,
    dive: HashMap<PathBuf, DivePath>,
    layers: Vec<LayerUse>,
}

/// The analysis of `count` layers read by `open(i)` (bottom first); digests and history
/// are left empty for the caller.
pub(crate) fn measure<R: Read>(
    count: usize,
    mut open: impl FnMut(usize) -> Result<R, FilesError>,
    limits: &Limits,
    opts: &AnalyzeOptions,
) -> Result<Analysis, FilesError> {
    let mut tree = MergedTree::new();
    let mut walk = Walk::default();
    for i in 0..count {
        // This layer's own tree, as dive builds it: path → (the path its size counts for,
        // size). Parents that the tar does not list are there too, sized 0.
        let mut own: BTreeMap<PathBuf, (PathBuf, u64)> = BTreeMap::new();
        let mut use_ = LayerUse {
            index: i,
            digest: String::new(),
            created_by: None,
            bytes: 0,
            visible_bytes: 0,
            hidden_bytes: 0,
            overwritten_bytes: 0,
            deleted_bytes: 0,
            files: 0,
        };
        let mut added = Vec::new();
        tree.push_layer_with(open(i)?, limits, |below, number, action| match action {
            EntryAction::Put(e) => {
                let size = if e.kind == Kind::File { e.size } else { 0 };
                if e.kind == Kind::File {
                    use_.bytes += e.size;
                    use_.files += 1;
                    walk.versions.insert(
                        (i, number),
                        Version {
                            path: e.path.clone(),
                            size: e.size,
                        },
                    );
                    added.push((i, number));
                }
                parents(&mut own, &e.path);
                own.insert(e.path.clone(), (e.path.clone(), size));
            }
            EntryAction::Whiteout { path, .. } => {
                // dive sizes a directory's contents only when a tar listed the directory.
                let was_dir = below
                    .get(path)
                    .is_some_and(|n| n.kind == Kind::Dir && !n.implicit && n.layer < i);
                let size = if was_dir {
                    below
                        .below(path)
                        .filter(|(_, n)| n.layer < i && n.kind == Kind::File)
                        .map(|(_, n)| n.size)
                        .sum()
                } else {
                    0
                };
                let mut marker = path.clone();
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                marker.set_file_name(format!(".wh.{name}"));
                parents(&mut own, &marker);
                own.insert(marker, (path.clone(), size));
            }
            EntryAction::Opaque { dir, .. } => {
                // dive drops the marker but makes its directory as a parent.
                parents(&mut own, &dir.join("x"));
            }
            EntryAction::Skip { .. } => {}
        })?;
        walk.count_leaves(i, &own);
        walk.settle(i, &tree, added);
        walk.layers.push(use_);
    }
    Ok(walk.finish(&tree, opts))
}

/// Puts every parent of `path` in a layer's own tree (sized 0 unless the tar lists it).
fn parents(own: &mut BTreeMap<PathBuf, (PathBuf, u64)>, path: &Path) {
    for p in path.ancestors().skip(1) {
        if p.as_os_str().is_empty() {
            break;
        }
        own.entry(p.to_path_buf())
            .or_insert_with(|| (p.to_path_buf(), 0));
    }
}

impl Walk {
    /// dive counts the leaves of each layer's own tree.
    fn count_leaves(&mut self, layer: usize, own: &BTreeMap<PathBuf, (PathBuf, u64)>) {
        let mut it = own.iter().peekable();
        while let Some((path, (counts_for, size))) = it.next() {
            // Descendants sort right after their parent (paths compare by component).
            if it.peek().is_some_and(|(next, _)| next.starts_with(path)) {
                continue;
            }
            let d = self.dive.entry(counts_for.clone()).or_default();
            d.cumulative += size;
            d.minimum = Some(d.minimum.map_or(*size, |m| m.min(*size)));
            d.layers.push(layer);
        }
    }

    /// After layer `layer`: versions the tree no longer shows were hidden by it.
    fn settle(&mut self, layer: usize, tree: &MergedTree, added: Vec<(usize, u64)>) {
        let now: HashSet<(usize, u64)> = tree
            .iter()
            .filter(|(_, n)| matches!(n.kind, Kind::File | Kind::Hardlink))
            .filter_map(|(_, n)| n.content)
            .collect();
        for key in self.live.iter().chain(added.iter()) {
            if now.contains(key) {
                continue;
            }
            let Some(v) = self.versions.get(key) else {
                continue;
            };
            let why = if tree.get(&v.path).is_some() {
                Why::Overwritten
            } else {
                Why::Deleted
            };
            self.hidden.push((*key, layer, why));
        }
        self.live = now;
    }

    fn finish(self, tree: &MergedTree, opts: &AnalyzeOptions) -> Analysis {
        let mut layers = self.layers;
        let mut per_path: BTreeMap<&Path, HiddenPath> = BTreeMap::new();
        let mut deleted = Vec::new();
        for (key, by, why) in &self.hidden {
            let v = &self.versions[key];
            let l = &mut layers[key.0];
            l.hidden_bytes += v.size;
            match why {
                Why::Overwritten => l.overwritten_bytes += v.size,
                Why::Deleted => l.deleted_bytes += v.size,
            }
            if v.size == 0 {
                continue;
            }
            let p = per_path.entry(&v.path).or_insert_with(|| HiddenPath {
                path: shown(&v.path),
                bytes: 0,
                layers: Vec::new(),
                visible: tree.get(&v.path).is_some(),
            });
            p.bytes += v.size;
            if !p.layers.contains(&key.0) {
                p.layers.push(key.0);
            }
            if *why == Why::Deleted {
                deleted.push(HiddenVersion {
                    path: shown(&v.path),
                    size: v.size,
                    layer: key.0,
                    hidden_by: *by,
                    why: *why,
                });
            }
        }
        for l in &mut layers {
            l.visible_bytes = l.bytes - l.hidden_bytes;
        }
        let mut hidden: Vec<HiddenPath> = per_path.into_values().collect();
        for h in &mut hidden {
            h.layers.sort_unstable();
        }
        hidden.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
        deleted.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.path.cmp(&b.path)));

        let (dive, mut wasted) = dive_score(&self.dive, &layers);
        wasted.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));

        let mut largest: Vec<LargeFile> = tree
            .iter()
            .filter(|(_, n)| n.kind == Kind::File && n.size > 0)
            .map(|(p, n)| LargeFile {
                path: shown(p),
                size: n.size,
                layer: n.layer,
            })
            .collect();
        largest.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.path.cmp(&b.path)));
        largest.truncate(opts.top);

        let stored_bytes = layers.iter().map(|l| l.bytes).sum();
        let hidden_bytes = layers.iter().map(|l| l.hidden_bytes).sum();
        let (wasted_count, hidden_count, deleted_count) =
            (wasted.len(), hidden.len(), deleted.len());
        wasted.truncate(opts.top);
        hidden.truncate(opts.top);
        deleted.truncate(opts.top);
        Analysis {
            manifest: String::new(),
            dive,
            stored_bytes,
            visible_bytes: stored_bytes - hidden_bytes,
            hidden_bytes,
            layers,
            wasted,
            wasted_count,
            hidden,
            hidden_count,
            deleted,
            deleted_count,
            largest,
        }
    }
}

fn dive_score(
    paths: &HashMap<PathBuf, DivePath>,
    layers: &[LayerUse],
) -> (DiveScore, Vec<WastedPath>) {
    let mut minimum_bytes = 0;
    let mut version_bytes = 0;
    let mut wasted_bytes = 0;
    let mut wasted = Vec::new();
    for (path, d) in paths {
        minimum_bytes += d.minimum.unwrap_or(0);
        version_bytes += d.cumulative;
        if d.layers.len() >= 2 {
            wasted_bytes += d.cumulative;
            wasted.push(WastedPath {
                path: shown(path),
                bytes: d.cumulative,
                layers: d.layers.clone(),
            });
        }
    }
    let efficiency = if version_bytes == 0 {
        1.0
    } else {
        minimum_bytes as f64 / version_bytes as f64
    };
    let user: u64 = layers.iter().skip(1).map(|l| l.bytes).sum();
    let user_wasted_percent = if user == 0 {
        0.0
    } else {
        wasted_bytes as f64 / user as f64
    };
    let score = DiveScore {
        efficiency,
        wasted_bytes,
        user_wasted_percent,
        version_bytes,
        minimum_bytes,
    };
    (score, wasted)
}

fn shown(path: &Path) -> String {
    format!("/{}", path.display())
}

#[cfg(test)]
mod tests;

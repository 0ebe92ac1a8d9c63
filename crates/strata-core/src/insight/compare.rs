//! Two local images compared: the layers they share (by digest), what differs in their
//! merged trees, and what differs in their run configs.
//!
//! A file is *changed* when its kind, mode, owner, symlink or hard link target, size or
//! content differs; modification times are not compared (a commit rewrites them). Content
//! is compared for real: two files whose bytes come from the same entry of the same layer
//! blob are equal; otherwise the candidates of equal size are hashed, each layer read once
//! per side. Directories compare by mode and owner only.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{self, Read};
use std::path::Path;

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::digest::Digest;
use crate::image::files::{FilesError, ImageFiles};
use crate::image::inspect::{self, InspectOptions, RunConfig};
use crate::layer::{decompress, Kind, LayerError, Limits, MergedTree, Node};
use crate::platform::Platform;
use crate::store::Store;

/// Two images side by side.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Comparison {
    pub a: Side,
    pub b: Side,
    /// The same manifest: nothing differs.
    pub identical: bool,
    pub layers: LayerComparison,
    /// Paths that differ, in path order.
    pub files: Vec<FileDiff>,
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub config: Vec<ConfigDiff>,
}

/// One of the two images.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Side {
    pub reference: String,
    pub id: String,
    pub manifest: String,
    pub layers: usize,
}

/// Which layers the two images share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LayerComparison {
    /// Layers both hold, with their index in each.
    pub shared: Vec<SharedLayer>,
    /// Stored bytes of the shared layers: kept once in the store.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub shared_bytes: u64,
    /// How many bottom layers the two have in common, in the same order (a common base).
    pub common_base: usize,
    pub only_a: Vec<LayerRef>,
    pub only_b: Vec<LayerRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SharedLayer {
    pub digest: String,
    pub a: usize,
    pub b: usize,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LayerRef {
    pub index: usize,
    pub digest: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
}

/// How a path differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum FileChange {
    /// Only in B.
    Added,
    /// Only in A.
    Removed,
    Changed,
}

/// One path that differs. The `_a` fields are A's entry, the `_b` fields B's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FileDiff {
    /// From the root, with a leading `/`.
    pub path: String,
    pub change: FileChange,
    /// For a changed path, what differs: `kind`, `size`, `content`, `mode`, `owner`, `target`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(type = "string[]"))]
    pub what: Vec<&'static str>,
    pub a: Option<FileSide>,
    pub b: Option<FileSide>,
}

/// A path's entry in one image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FileSide {
    #[cfg_attr(feature = "ts", ts(type = "EntryKind"))]
    pub kind: Kind,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    pub mode: u32,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub uid: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub gid: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub target: Option<String>,
    /// The layer it comes from.
    pub layer: usize,
}

/// One config value that differs (`a`: A's value, `b`: B's; `None` where unset).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConfigDiff {
    /// `env`, `entrypoint`, `cmd`, `working_dir`, `user`, `labels`, `exposed_ports`,
    /// `volumes`, `stop_signal`.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub field: &'static str,
    /// The variable, label, port or volume, for the fields that are lists or maps.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub key: Option<String>,
    pub a: Option<String>,
    pub b: Option<String>,
}

/// Compares the images `a` and `b` (for `platform`, this machine's by default).
pub fn compare(
    store: &Store,
    a: &str,
    b: &str,
    platform: Option<&Platform>,
) -> Result<Comparison, FilesError> {
    let opts = InspectOptions {
        platform: platform.cloned(),
        ..InspectOptions::default()
    };
    let (da, db) = (
        inspect::inspect(store, a, &opts)?,
        inspect::inspect(store, b, &opts)?,
    );
    let (fa, fb) = (
        ImageFiles::open(store, a, platform)?,
        ImageFiles::open(store, b, platform)?,
    );
    let side = |d: &inspect::ImageDetails, f: &ImageFiles| Side {
        reference: d.reference.clone(),
        id: d.id.to_string(),
        manifest: f.manifest.to_string(),
        layers: f.layers.len(),
    };
    let identical = fa.manifest == fb.manifest;
    let layers = layer_comparison(&fa, &fb);
    let digests = |f: &ImageFiles| {
        f.layers
            .iter()
            .map(|l| l.digest.clone())
            .collect::<Vec<_>>()
    };
    let (ta, tb) = (
        fa.tree(store, fa.layers.len())?,
        fb.tree(store, fb.layers.len())?,
    );
    let open = |d: &Digest| -> Result<_, FilesError> {
        Ok(io::BufReader::with_capacity(1 << 20, store.open_blob(d)?))
    };
    let files = if identical {
        Vec::new()
    } else {
        diff_trees((&ta, &digests(&fa)), (&tb, &digests(&fb)), open, &fa.limits)?
    };
    let count = |c: FileChange| files.iter().filter(|f| f.change == c).count();
    Ok(Comparison {
        a: side(&da, &fa),
        b: side(&db, &fb),
        identical,
        layers,
        added: count(FileChange::Added),
        removed: count(FileChange::Removed),
        changed: count(FileChange::Changed),
        files,
        config: config_diff(&da.config, &db.config),
    })
}

fn layer_comparison(a: &ImageFiles, b: &ImageFiles) -> LayerComparison {
    let in_b: HashMap<&Digest, usize> = b
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| (&l.digest, i))
        .collect();
    let in_a: HashSet<&Digest> = a.layers.iter().map(|l| &l.digest).collect();
    let shared: Vec<SharedLayer> = a
        .layers
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            in_b.get(&l.digest).map(|&j| SharedLayer {
                digest: l.digest.to_string(),
                a: i,
                b: j,
                size: l.size,
            })
        })
        .collect();
    let only = |f: &ImageFiles, keep: &dyn Fn(&Digest) -> bool| {
        f.layers
            .iter()
            .enumerate()
            .filter(|(_, l)| keep(&l.digest))
            .map(|(i, l)| LayerRef {
                index: i,
                digest: l.digest.to_string(),
                size: l.size,
            })
            .collect()
    };
    LayerComparison {
        shared_bytes: shared.iter().map(|s| s.size).sum(),
        common_base: a
            .layers
            .iter()
            .zip(&b.layers)
            .take_while(|(x, y)| x.digest == y.digest)
            .count(),
        shared,
        only_a: only(a, &|d| !in_b.contains_key(d)),
        only_b: only(b, &|d| !in_a.contains(d)),
    }
}

/// Where a file's bytes are: (layer digest, entry number).
type Source = (Digest, u64);

fn source(n: &Node, digests: &[Digest]) -> Option<Source> {
    n.content
        .and_then(|(l, e)| digests.get(l).map(|d| (d.clone(), e)))
}

/// The differences between two merged trees; `open` reads a layer blob by digest.
pub(crate) fn diff_trees<R: Read>(
    (ta, da): (&MergedTree, &[Digest]),
    (tb, db): (&MergedTree, &[Digest]),
    mut open: impl FnMut(&Digest) -> Result<R, FilesError>,
    limits: &Limits,
) -> Result<Vec<FileDiff>, FilesError> {
    let paths: BTreeSet<&Path> = ta
        .iter()
        .map(|(p, _)| p)
        .chain(tb.iter().map(|(p, _)| p))
        .collect();
    // Files of equal size whose bytes come from different places: hash them.
    let mut wanted: BTreeMap<Digest, HashSet<u64>> = BTreeMap::new();
    let mut pending = Vec::new();
    let mut out = Vec::new();
    for path in paths {
        let (na, nb) = (ta.get(path), tb.get(path));
        let (Some(x), Some(y)) = (na, nb) else {
            out.push(FileDiff {
                path: shown(path),
                change: if na.is_some() {
                    FileChange::Removed
                } else {
                    FileChange::Added
                },
                what: Vec::new(),
                a: na.map(file_side),
                b: nb.map(file_side),
            });
            continue;
        };
        let mut what = metadata_diff(x, y);
        if what.is_empty() && x.kind == Kind::File {
            let (sa, sb) = (source(x, da), source(y, db));
            if sa != sb {
                match (sa, sb) {
                    (Some(sa), Some(sb)) => {
                        wanted.entry(sa.0.clone()).or_default().insert(sa.1);
                        wanted.entry(sb.0.clone()).or_default().insert(sb.1);
                        pending.push((out.len(), sa, sb));
                    }
                    _ => what.push("content"),
                }
            }
        }
        out.push(FileDiff {
            path: shown(path),
            change: FileChange::Changed,
            what,
            a: Some(file_side(x)),
            b: Some(file_side(y)),
        });
    }
    let mut hashes: HashMap<Source, [u8; 32]> = HashMap::new();
    for (digest, numbers) in &wanted {
        hash_entries(open(digest)?, numbers, limits, |n, h| {
            hashes.insert((digest.clone(), n), h);
        })?;
    }
    for (i, sa, sb) in pending {
        if hashes.get(&sa) != hashes.get(&sb) || !hashes.contains_key(&sa) {
            out[i].what.push("content");
        }
    }
    out.retain(|f| f.change != FileChange::Changed || !f.what.is_empty());
    Ok(out)
}

fn metadata_diff(x: &Node, y: &Node) -> Vec<&'static str> {
    let mut what = Vec::new();
    if x.kind != y.kind {
        what.push("kind");
        return what;
    }
    if x.kind == Kind::File && x.size != y.size {
        what.push("size");
    }
    if x.mode != y.mode {
        what.push("mode");
    }
    if (x.uid, x.gid) != (y.uid, y.gid) {
        what.push("owner");
    }
    if x.link_target != y.link_target {
        what.push("target");
    }
    what
}

/// Calls `each(number, sha256)` for the entries of a layer blob whose numbers are asked.
fn hash_entries<R: Read>(
    blob: R,
    numbers: &HashSet<u64>,
    limits: &Limits,
    mut each: impl FnMut(u64, [u8; 32]),
) -> Result<(), FilesError> {
    let mut archive = tar::Archive::new(decompress(blob, limits)?);
    let entries = archive
        .entries()
        .map_err(|e| LayerError::from_stream(e, "reading a layer to compare files"))?;
    let mut left = numbers.len();
    for (n, entry) in entries.enumerate() {
        if left == 0 {
            break;
        }
        let mut entry = entry.map_err(|e| LayerError::from_stream(e, format!("entry {n}")))?;
        if !numbers.contains(&(n as u64)) {
            continue;
        }
        let mut sha = Sha256::new();
        io::copy(&mut entry, &mut sha)
            .map_err(|e| LayerError::from_stream(e, format!("entry {n}")))?;
        each(n as u64, sha.finalize().into());
        left -= 1;
    }
    Ok(())
}

fn file_side(n: &Node) -> FileSide {
    FileSide {
        kind: n.kind,
        size: n.size,
        mode: n.mode,
        uid: n.uid,
        gid: n.gid,
        target: n.link_target.as_ref().map(|t| t.display().to_string()),
        layer: n.layer,
    }
}

fn shown(path: &Path) -> String {
    format!("/{}", path.display())
}

/// The config values that differ, field by field; lists and maps key by key.
pub(crate) fn config_diff(a: &RunConfig, b: &RunConfig) -> Vec<ConfigDiff> {
    let mut out = Vec::new();
    let env = |c: &RunConfig| -> BTreeMap<String, String> {
        c.env
            .iter()
            .map(|e| match e.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (e.clone(), String::new()),
            })
            .collect()
    };
    keyed(&mut out, "env", &env(a), &env(b));
    let words =
        |v: &[String]| (!v.is_empty()).then(|| serde_json::to_string(v).unwrap_or_default());
    single(
        &mut out,
        "entrypoint",
        words(&a.entrypoint),
        words(&b.entrypoint),
    );
    single(&mut out, "cmd", words(&a.cmd), words(&b.cmd));
    single(
        &mut out,
        "working_dir",
        a.working_dir.clone(),
        b.working_dir.clone(),
    );
    single(&mut out, "user", a.user.clone(), b.user.clone());
    keyed(&mut out, "labels", &a.labels, &b.labels);
    let set = |v: &[String]| v.iter().map(|s| (s.clone(), s.clone())).collect();
    keyed(
        &mut out,
        "exposed_ports",
        &set(&a.exposed_ports),
        &set(&b.exposed_ports),
    );
    keyed(&mut out, "volumes", &set(&a.volumes), &set(&b.volumes));
    single(
        &mut out,
        "stop_signal",
        a.stop_signal.clone(),
        b.stop_signal.clone(),
    );
    out
}

fn single(out: &mut Vec<ConfigDiff>, field: &'static str, a: Option<String>, b: Option<String>) {
    let empty = |v: Option<String>| v.filter(|s| !s.is_empty());
    let (a, b) = (empty(a), empty(b));
    if a != b {
        out.push(ConfigDiff {
            field,
            key: None,
            a,
            b,
        });
    }
}

fn keyed(
    out: &mut Vec<ConfigDiff>,
    field: &'static str,
    a: &BTreeMap<String, String>,
    b: &BTreeMap<String, String>,
) {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for k in keys {
        let (x, y) = (a.get(k), b.get(k));
        if x != y {
            out.push(ConfigDiff {
                field,
                key: Some(k.clone()),
                a: x.cloned(),
                b: y.cloned(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(entries: &[(&str, &str)]) -> Vec<u8> {
        crate::layer::merged::tests::layer(entries)
    }

    fn tree(layers: &[&Vec<u8>]) -> MergedTree {
        MergedTree::build(layers.iter().map(|l| &l[..]), &Limits::default()).unwrap()
    }

    #[test]
    fn files_differ_by_content_size_mode_and_target_and_equal_bytes_are_equal() {
        let base = layer(&[
            ("etc/", "dir"),
            ("etc/same", "file:abc"),
            ("etc/rewritten-same", "file:abc"),
            ("etc/rewritten-other", "file:abc"),
            ("etc/grown", "file:abc"),
            ("etc/gone", "file:x"),
            ("lib", "link:usr/lib"),
        ]);
        let top = layer(&[
            ("etc/rewritten-same", "file:abc"),
            ("etc/rewritten-other", "file:xyz"),
            ("etc/grown", "file:abcd"),
            ("etc/.wh.gone", "wh"),
            ("etc/new", "file:n"),
            ("lib", "link:usr/lib64"),
        ]);
        let blobs = HashMap::from([(Digest::of(&base), &base), (Digest::of(&top), &top)]);
        let (ta, da) = (tree(&[&base]), vec![Digest::of(&base)]);
        let (tb, db) = (
            tree(&[&base, &top]),
            vec![Digest::of(&base), Digest::of(&top)],
        );
        let diffs = diff_trees(
            (&ta, &da),
            (&tb, &db),
            |d| Ok(&blobs[d][..]),
            &Limits::default(),
        )
        .unwrap();
        let got: Vec<(&str, FileChange, Vec<&str>)> = diffs
            .iter()
            .map(|f| (f.path.as_str(), f.change, f.what.clone()))
            .collect();
        use FileChange::*;
        assert_eq!(
            got,
            vec![
                ("/etc/gone", Removed, vec![]),
                ("/etc/grown", Changed, vec!["size"]),
                ("/etc/new", Added, vec![]),
                ("/etc/rewritten-other", Changed, vec!["content"]),
                ("/lib", Changed, vec!["target"]),
            ]
        );
        assert_eq!(
            diffs[4].b.as_ref().unwrap().target.as_deref(),
            Some("usr/lib64")
        );
    }

    #[test]
    fn config_differences_key_by_key() {
        let a = RunConfig {
            env: vec!["PATH=/bin".into(), "MODE=prod".into()],
            cmd: vec!["sh".into()],
            labels: BTreeMap::from([("a".into(), "1".into())]),
            exposed_ports: vec!["80/tcp".into()],
            ..RunConfig::default()
        };
        let b = RunConfig {
            env: vec!["PATH=/bin".into(), "MODE=dev".into(), "NEW=1".into()],
            cmd: vec!["sh".into(), "-c".into(), "run".into()],
            user: Some("app".into()),
            labels: BTreeMap::new(),
            exposed_ports: vec!["80/tcp".into(), "443/tcp".into()],
            ..RunConfig::default()
        };
        let owned = config_diff(&a, &b);
        let got: Vec<_> = owned
            .iter()
            .map(|d| (d.field, d.key.as_deref(), d.a.as_deref(), d.b.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("env", Some("MODE"), Some("prod"), Some("dev")),
                ("env", Some("NEW"), None, Some("1")),
                ("cmd", None, Some(r#"["sh"]"#), Some(r#"["sh","-c","run"]"#)),
                ("user", None, None, Some("app")),
                ("labels", Some("a"), Some("1"), None),
                ("exposed_ports", Some("443/tcp"), None, Some("443/tcp")),
            ]
        );
    }
}

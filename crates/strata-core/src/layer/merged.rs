//! The merged (UnionFS) view of a stack of layers, as [§ Applying changesets] describes it:
//! each layer's tar is streamed once, in order, and nothing is unpacked to disk. Every path
//! remembers the layer it comes from; every whiteout and opaque directory is remembered with
//! the layer that made it, so a UI can show what was deleted and by whom.
//!
//! Whiteouts follow the spec's rule that they "MUST only apply to resources in lower/parent
//! layers": a `.wh.x` never hides an `x` from its own layer, whatever the order in the tar.
//!
//! [§ Applying changesets]: https://github.com/opencontainers/image-spec/blob/main/layer.md#applying-changesets

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::compression::{decompress, Limits};
use super::entry::{classify, Entry, EntryAction, Kind};
use super::error::LayerError;

/// One path of the merged tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub kind: Kind,
    /// Content bytes (a hard link reports its target's size).
    pub size: u64,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub mtime: i64,
    /// A symlink's target as written, or a hard link's target path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_target: Option<PathBuf>,
    /// Index (0 = bottom) of the layer this entry comes from.
    pub layer: usize,
    /// True for a directory no layer listed, created because something lives below it.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub implicit: bool,
    /// Where the bytes are: `(layer, entry number in that layer's tar)`. For a hard link,
    /// its target's content.
    #[serde(skip)]
    pub content: Option<(usize, u64)>,
}

/// What a whiteout or opaque marker removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeletionKind {
    /// `.wh.NAME`: the path and all below it.
    Whiteout,
    /// `.wh..wh..opq`: everything lower layers had below this directory.
    Opaque,
}

/// A deletion, as the merged tree remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deletion {
    pub kind: DeletionKind,
    /// The layer whose marker did it.
    pub layer: usize,
    /// How many paths it hid (0: the marker named nothing that existed).
    pub removed: u64,
}

/// The merged tree after some number of layers.
#[derive(Debug, Clone, Default)]
pub struct MergedTree {
    nodes: BTreeMap<PathBuf, Node>,
    deletions: BTreeMap<PathBuf, Deletion>,
    layers: usize,
}

impl MergedTree {
    /// The empty tree, below the first layer.
    pub fn new() -> Self {
        MergedTree::default()
    }

    /// The tree of these layer blobs (bottom first, any compression).
    pub fn build<R: Read>(
        layers: impl IntoIterator<Item = R>,
        limits: &Limits,
    ) -> Result<Self, LayerError> {
        let mut tree = MergedTree::new();
        for layer in layers {
            tree.push_layer(layer, limits)?;
        }
        Ok(tree)
    }

    /// Applies the next layer blob on top; it gets index [`layer_count`](Self::layer_count).
    /// On error the tree holds part of the layer: build it again rather than use it.
    pub fn push_layer<R: Read>(&mut self, blob: R, limits: &Limits) -> Result<(), LayerError> {
        self.push_layer_with(blob, limits, |_, _, _| {})
    }

    /// [`push_layer`](Self::push_layer), calling `each(tree, number, action)` with every
    /// entry just before it is applied: `tree` holds the layers below and this layer's
    /// earlier entries. For a reader that needs what an entry replaces or deletes.
    pub fn push_layer_with<R: Read>(
        &mut self,
        blob: R,
        limits: &Limits,
        mut each: impl FnMut(&MergedTree, u64, &EntryAction),
    ) -> Result<(), LayerError> {
        let index = self.layers;
        let mut archive = tar::Archive::new(decompress(blob, limits)?);
        let entries = archive
            .entries()
            .map_err(|e| LayerError::from_stream(e, format!("layer {index}")))?;
        for (number, entry) in entries.enumerate() {
            let mut entry = entry.map_err(|e| {
                LayerError::from_stream(e, format!("layer {index}, entry {number}"))
            })?;
            let action = classify(&mut entry, limits)?;
            // Drain the content so that a truncated layer fails here, as it would on apply.
            io::copy(&mut entry, &mut io::sink()).map_err(|e| {
                LayerError::from_stream(e, format!("layer {index}, entry {number}"))
            })?;
            each(self, number as u64, &action);
            self.take(index, number as u64, action);
        }
        self.layers += 1;
        Ok(())
    }

    fn take(&mut self, layer: usize, number: u64, action: EntryAction) {
        match action {
            EntryAction::Put(entry) => self.put(layer, number, entry),
            EntryAction::Whiteout { path, .. } => {
                let removed = self.remove_below(&path, layer, true);
                self.record(path, DeletionKind::Whiteout, layer, removed);
            }
            EntryAction::Opaque { dir, .. } => {
                let removed = self.remove_below(&dir, layer, false);
                self.record(dir, DeletionKind::Opaque, layer, removed);
            }
            EntryAction::Skip { .. } => {}
        }
    }

    fn put(&mut self, layer: usize, number: u64, e: Entry) {
        let mut parent = PathBuf::new();
        if let Some(dir) = e.path.parent() {
            for part in dir.components() {
                parent.push(part);
                match self.nodes.get(&parent) {
                    Some(n) if n.kind == Kind::Dir => {}
                    _ => {
                        self.remove_below(&parent.clone(), usize::MAX, true);
                        self.forget_deletion(&parent, layer);
                        self.nodes.insert(
                            parent.clone(),
                            Node {
                                kind: Kind::Dir,
                                size: 0,
                                mode: 0o755,
                                uid: 0,
                                gid: 0,
                                mtime: 0,
                                link_target: None,
                                layer,
                                implicit: true,
                                content: None,
                            },
                        );
                    }
                }
            }
        }
        if e.kind != Kind::Dir && self.nodes.get(&e.path).is_some_and(|n| n.kind == Kind::Dir) {
            // A file replacing a directory takes the directory's contents with it.
            self.remove_below(&e.path.clone(), usize::MAX, true);
        }
        self.forget_deletion(&e.path, layer);
        let (size, content) = match e.kind {
            Kind::File => (e.size, Some((layer, number))),
            Kind::Hardlink => e
                .link_target
                .as_ref()
                .and_then(|t| self.nodes.get(t))
                .map(|t| (t.size, t.content))
                .unwrap_or((0, None)),
            _ => (0, None),
        };
        self.nodes.insert(
            e.path,
            Node {
                kind: e.kind,
                size,
                mode: e.mode,
                uid: e.uid,
                gid: e.gid,
                mtime: e.mtime,
                link_target: e.link_target,
                layer,
                implicit: false,
                content,
            },
        );
    }

    /// Removes what lower layers (index < `layer`) have at `path` (when `itself`) and below.
    fn remove_below(&mut self, path: &Path, layer: usize, itself: bool) -> u64 {
        let doomed: Vec<PathBuf> = self
            .nodes
            .range(path.to_path_buf()..)
            .take_while(|(p, _)| p.starts_with(path))
            .filter(|(p, n)| n.layer < layer && (itself || p.as_path() != path))
            .map(|(p, _)| p.clone())
            .collect();
        for p in &doomed {
            self.nodes.remove(p);
        }
        doomed.len() as u64
    }

    fn record(&mut self, path: PathBuf, kind: DeletionKind, layer: usize, removed: u64) {
        // Older deletions below this one are moot now.
        let moot: Vec<PathBuf> = self
            .deletions
            .range(path.clone()..)
            .take_while(|(p, _)| p.starts_with(&path))
            .filter(|(p, d)| d.layer < layer && (kind == DeletionKind::Whiteout || *p != &path))
            .map(|(p, _)| p.clone())
            .collect();
        for p in moot {
            self.deletions.remove(&p);
        }
        self.deletions.insert(
            path,
            Deletion {
                kind,
                layer,
                removed,
            },
        );
    }

    fn forget_deletion(&mut self, path: &Path, layer: usize) {
        if self
            .deletions
            .get(path)
            .is_some_and(|d| d.kind == DeletionKind::Whiteout && d.layer < layer)
        {
            self.deletions.remove(path);
        }
    }

    /// How many layers are merged.
    pub fn layer_count(&self) -> usize {
        self.layers
    }

    /// The node at a path (`"etc/passwd"`, `"/etc/passwd"` and `"./etc/passwd"` alike).
    pub fn get(&self, path: impl AsRef<Path>) -> Option<&Node> {
        self.nodes.get(&clean(path.as_ref()))
    }

    /// Every path, in order, with its node.
    pub fn iter(&self) -> impl Iterator<Item = (&Path, &Node)> {
        self.nodes.iter().map(|(p, n)| (p.as_path(), n))
    }

    /// Number of paths in the tree.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node at `path` (when there is one) and every node below it, in order.
    pub fn below(&self, path: impl AsRef<Path>) -> impl Iterator<Item = (&Path, &Node)> {
        let path = clean(path.as_ref());
        self.nodes
            .range(path.clone()..)
            .take_while(move |(p, _)| p.starts_with(&path))
            .map(|(p, n)| (p.as_path(), n))
    }

    /// The children of a directory (`""` or `"/"` for the root), by name.
    pub fn list(&self, dir: impl AsRef<Path>) -> Vec<(&Path, &Node)> {
        let dir = clean(dir.as_ref());
        children(&self.nodes, &dir)
    }

    /// The whiteouts and opaque markers still in effect, with the paths they apply to.
    pub fn deletions(&self) -> impl Iterator<Item = (&Path, &Deletion)> {
        self.deletions.iter().map(|(p, d)| (p.as_path(), d))
    }

    /// The deletions recorded directly inside a directory (what a file browser shows as
    /// struck-through entries), plus an opaque marker on the directory itself.
    pub fn deletions_in(&self, dir: impl AsRef<Path>) -> Vec<(&Path, &Deletion)> {
        let dir = clean(dir.as_ref());
        let mut out = children(&self.deletions, &dir);
        if let Some((p, d)) = self.deletions.get_key_value(&dir) {
            if d.kind == DeletionKind::Opaque {
                out.insert(0, (p.as_path(), d));
            }
        }
        out
    }

    /// Follows symlinks (in every component, as the container would see them: absolute
    /// targets start at the root, `..` stops at the root) to the path that holds the node.
    pub fn resolve(&self, path: impl AsRef<Path>) -> Result<PathBuf, LayerError> {
        let shown = path.as_ref().display().to_string();
        let mut todo: Vec<PathBuf> = vec![clean(path.as_ref())];
        let mut done = PathBuf::new();
        let mut hops = 0;
        while let Some(rest) = todo.pop() {
            let mut comps = rest.components();
            let Some(first) = comps.next() else { continue };
            let tail: PathBuf = comps.collect();
            if !tail.as_os_str().is_empty() {
                todo.push(tail);
            }
            match first {
                Component::ParentDir => {
                    done.pop();
                }
                Component::Normal(name) => {
                    let candidate = done.join(name);
                    match self.nodes.get(&candidate) {
                        Some(n) if n.kind == Kind::Symlink => {
                            hops += 1;
                            if hops > 40 {
                                return Err(LayerError::NotFound { path: shown });
                            }
                            let target = n.link_target.clone().unwrap_or_default();
                            if target.is_absolute() {
                                done = PathBuf::new();
                            }
                            let relative: PathBuf = target
                                .components()
                                .filter(|c| !matches!(c, Component::RootDir | Component::CurDir))
                                .collect();
                            todo.push(relative);
                        }
                        _ => done = candidate,
                    }
                }
                _ => {}
            }
        }
        Ok(done)
    }
}

fn children<'a, T>(map: &'a BTreeMap<PathBuf, T>, dir: &Path) -> Vec<(&'a Path, &'a T)> {
    map.range(dir.to_path_buf()..)
        .take_while(|(p, _)| p.starts_with(dir))
        .filter(|(p, _)| p.parent() == Some(dir))
        .map(|(p, t)| (p.as_path(), t))
        .collect()
}

/// A user-given path as the tree stores it: relative, no `.`; `..` resolved lexically.
fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::ParentDir => {
                out.pop();
            }
            _ => {}
        }
    }
    out
}

/// Streams a file's content out of the merged view into `out`, reading only the layer that
/// holds it (a hard link's content comes from its target's entry). Symlinks are followed
/// inside the tree. `open_layer(i)` opens layer `i`'s blob. Returns the bytes written.
pub fn read_file<R: Read, W: Write>(
    tree: &MergedTree,
    path: impl AsRef<Path>,
    mut open_layer: impl FnMut(usize) -> Result<R, LayerError>,
    limits: &Limits,
    out: &mut W,
) -> Result<u64, LayerError> {
    let shown = path.as_ref().display().to_string();
    let real = tree.resolve(path.as_ref())?;
    let node = tree.nodes.get(&real).ok_or_else(|| LayerError::NotFound {
        path: shown.clone(),
    })?;
    let (layer, number) = match (node.kind, node.content) {
        (Kind::File | Kind::Hardlink, Some(content)) => content,
        (Kind::Hardlink, None) => {
            return Err(LayerError::NotFound {
                path: format!("{shown} (its hard link target)"),
            })
        }
        (kind, _) => {
            return Err(LayerError::NotAFile {
                path: shown,
                kind: kind.name(),
            })
        }
    };
    let mut archive = tar::Archive::new(decompress(open_layer(layer)?, limits)?);
    let entries = archive
        .entries()
        .map_err(|e| LayerError::from_stream(e, format!("layer {layer}")))?;
    for (i, entry) in entries.enumerate() {
        let mut entry =
            entry.map_err(|e| LayerError::from_stream(e, format!("layer {layer}, entry {i}")))?;
        if i as u64 == number {
            return io::copy(&mut entry, out)
                .map_err(|e| LayerError::from_stream(e, format!("layer {layer}, entry {i}")));
        }
    }
    Err(LayerError::NotFound { path: shown })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A layer tar from a list of (path, spec): `"file:CONTENT"`, `"dir"`, `"link:TARGET"`,
    /// `"hard:TARGET"`, `"wh"` (the path is written as given, whiteouts included).
    pub(crate) fn layer(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, spec) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_mode(0o644);
            h.set_mtime(1_000);
            h.set_size(0);
            if let Some(content) = spec.strip_prefix("file:") {
                h.set_size(content.len() as u64);
                b.append_data(&mut h, path, content.as_bytes()).unwrap();
            } else if *spec == "dir" {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                b.append_data(&mut h, path, &[][..]).unwrap();
            } else if let Some(t) = spec.strip_prefix("link:") {
                h.set_entry_type(tar::EntryType::Symlink);
                b.append_link(&mut h, path, t).unwrap();
            } else if let Some(t) = spec.strip_prefix("hard:") {
                h.set_entry_type(tar::EntryType::Link);
                b.append_link(&mut h, path, t).unwrap();
            } else {
                b.append_data(&mut h, path, &[][..]).unwrap();
            }
        }
        b.into_inner().unwrap()
    }

    pub(crate) fn three_layers() -> Vec<Vec<u8>> {
        vec![
            layer(&[
                ("etc/", "dir"),
                ("etc/hosts", "file:localhost"),
                ("etc/motd", "file:hello"),
                ("var/cache/", "dir"),
                ("var/cache/a", "file:aaa"),
                ("var/cache/sub/b", "file:bbb"),
                ("bin/busybox", "file:BUSYBOX"),
                ("bin/sh", "hard:bin/busybox"),
                ("lib", "link:usr/lib"),
                ("usr/lib/libc.so", "file:libc"),
            ]),
            layer(&[
                ("etc/hosts", "file:changed hosts"),
                ("etc/.wh.motd", "wh"),
                ("var/cache/", "dir"),
                ("var/cache/.wh..wh..opq", "wh"),
                ("var/cache/fresh", "file:new"),
                ("tmp/.wh.never", "wh"),
            ]),
            layer(&[("etc/motd", "file:back again"), ("bin/.wh.sh", "wh")]),
        ]
    }

    fn read(tree: &MergedTree, layers: &[Vec<u8>], path: &str) -> Result<String, LayerError> {
        let mut out = Vec::new();
        read_file(
            tree,
            path,
            |i| Ok(&layers[i][..]),
            &Limits::default(),
            &mut out,
        )?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn three_layers_add_change_delete_opaque_readd() {
        let layers = three_layers();
        let limits = Limits::default();
        let tree = MergedTree::build(layers.iter().map(|l| &l[..]), &limits).unwrap();
        assert_eq!(tree.layer_count(), 3);

        let at = |p: &str| tree.get(p).map(|n| n.layer);
        assert_eq!(at("etc/hosts"), Some(1), "changed in layer 1");
        assert_eq!(at("etc/motd"), Some(2), "re-added after its whiteout");
        assert_eq!(at("var/cache/a"), None, "hidden by the opaque dir");
        assert_eq!(at("var/cache/sub/b"), None);
        assert_eq!(at("var/cache/fresh"), Some(1));
        assert_eq!(at("bin/sh"), None, "whited out in layer 2");
        assert_eq!(at("bin/busybox"), Some(0));
        assert_eq!(tree.get("/usr").map(|n| n.implicit), Some(true));

        let names: Vec<_> = tree
            .list("/")
            .iter()
            .map(|(p, _)| p.to_path_buf())
            .collect();
        assert_eq!(
            names,
            ["bin", "etc", "lib", "usr", "var"]
                .map(PathBuf::from)
                .to_vec()
        );
        let deleted: Vec<_> = tree
            .deletions()
            .map(|(p, d)| (p.display().to_string(), d.kind, d.layer, d.removed))
            .collect();
        assert_eq!(
            deleted,
            vec![
                ("bin/sh".into(), DeletionKind::Whiteout, 2, 1),
                ("tmp/never".into(), DeletionKind::Whiteout, 1, 0),
                ("var/cache".into(), DeletionKind::Opaque, 1, 3),
            ]
        );
        assert_eq!(tree.deletions_in("var/cache").len(), 1);

        assert_eq!(read(&tree, &layers, "etc/hosts").unwrap(), "changed hosts");
        assert_eq!(read(&tree, &layers, "/etc/motd").unwrap(), "back again");
        assert_eq!(read(&tree, &layers, "lib/libc.so").unwrap(), "libc");
        let err = read(&tree, &layers, "var/cache/a").unwrap_err();
        assert!(
            err.to_string().contains("is not in the image's files"),
            "{err}"
        );
        let err = read(&tree, &layers, "etc").unwrap_err();
        assert!(err.to_string().contains("is a directory"), "{err}");
    }

    #[test]
    fn hardlinks_read_their_target_and_whiteouts_spare_their_own_layer() {
        let layers = vec![layer(&[
            ("bin/busybox", "file:BUSYBOX"),
            ("bin/sh", "hard:bin/busybox"),
            ("bin/.wh.sh", "wh"),
        ])];
        let tree = MergedTree::build(layers.iter().map(|l| &l[..]), &Limits::default()).unwrap();
        let sh = tree
            .get("bin/sh")
            .expect("a whiteout never hides its own layer");
        assert_eq!((sh.kind, sh.size), (Kind::Hardlink, 7));
        assert_eq!(read(&tree, &layers, "bin/sh").unwrap(), "BUSYBOX");
    }

    #[test]
    fn a_file_replacing_a_directory_drops_its_children() {
        let layers = [
            layer(&[("a/b/c", "file:x")]),
            layer(&[("a/b", "file:now a file")]),
        ];
        let tree = MergedTree::build(layers.iter().map(|l| &l[..]), &Limits::default()).unwrap();
        assert_eq!(tree.get("a/b").map(|n| n.kind), Some(Kind::File));
        assert!(tree.get("a/b/c").is_none());
    }
}

//! One layer's changes, read against the layers below it ([§ Changesets]): every entry is
//! an addition, a change (the path existed below), a whiteout or an opaque directory.
//!
//! [§ Changesets]: https://github.com/opencontainers/image-spec/blob/main/layer.md#changesets
//!
//! The layer is read as a stream and each change handed to a callback as it is met, so a
//! UI can show the first changes of a large layer before the last are read.

use std::io::{self, Read};
use std::ops::ControlFlow;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::compression::{decompress, Limits};
use super::entry::{classify, EntryAction, Kind};
use super::error::LayerError;
use super::merged::MergedTree;

/// What a layer does to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// The path did not exist below.
    Added,
    /// The path existed below and this layer replaces it (content or metadata).
    Changed,
    /// `.wh.NAME`: the path is deleted.
    WhitedOut,
    /// `.wh..wh..opq`: the directory's lower contents are hidden.
    Opaque,
}

/// One change of a layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub path: PathBuf,
    pub change: ChangeKind,
    /// The entry's kind; for a whiteout, what it deleted (`None` if nothing was there).
    pub kind: Option<Kind>,
    /// Content bytes (for a whiteout, the deleted file's size).
    pub size: u64,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub mtime: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_target: Option<PathBuf>,
}

/// Reads a layer blob and calls `each` with every change, in tar order, against `below`
/// (the merged tree of the layers under it). `each` may stop early with
/// `ControlFlow::Break`.
pub fn visit_changes<R: Read>(
    blob: R,
    below: &MergedTree,
    limits: &Limits,
    mut each: impl FnMut(Change) -> ControlFlow<()>,
) -> Result<(), LayerError> {
    let mut archive = tar::Archive::new(decompress(blob, limits)?);
    let entries = archive
        .entries()
        .map_err(|e| LayerError::from_stream(e, "reading the layer"))?;
    for (number, entry) in entries.enumerate() {
        let mut entry = entry.map_err(|e| LayerError::from_stream(e, format!("entry {number}")))?;
        let action = classify(&mut entry, limits)?;
        io::copy(&mut entry, &mut io::sink())
            .map_err(|e| LayerError::from_stream(e, format!("entry {number}")))?;
        let change = match action {
            EntryAction::Put(e) => Change {
                change: if below.get(&e.path).is_some() {
                    ChangeKind::Changed
                } else {
                    ChangeKind::Added
                },
                path: e.path,
                kind: Some(e.kind),
                size: e.size,
                mode: e.mode,
                uid: e.uid,
                gid: e.gid,
                mtime: e.mtime,
                link_target: e.link_target,
            },
            EntryAction::Whiteout { path, .. } => {
                let gone = below.get(&path);
                Change {
                    change: ChangeKind::WhitedOut,
                    kind: gone.map(|n| n.kind),
                    size: gone.map_or(0, |n| n.size),
                    mode: gone.map_or(0, |n| n.mode),
                    uid: gone.map_or(0, |n| n.uid),
                    gid: gone.map_or(0, |n| n.gid),
                    mtime: gone.map_or(0, |n| n.mtime),
                    link_target: None,
                    path,
                }
            }
            EntryAction::Opaque { dir, .. } => Change {
                path: dir,
                change: ChangeKind::Opaque,
                kind: Some(Kind::Dir),
                size: 0,
                mode: 0,
                uid: 0,
                gid: 0,
                mtime: 0,
                link_target: None,
            },
            EntryAction::Skip { .. } => continue,
        };
        if each(change).is_break() {
            break;
        }
    }
    Ok(())
}

/// Every change of a layer blob against `below`, collected.
pub fn changes<R: Read>(
    blob: R,
    below: &MergedTree,
    limits: &Limits,
) -> Result<Vec<Change>, LayerError> {
    let mut out = Vec::new();
    visit_changes(blob, below, limits, |c| {
        out.push(c);
        ControlFlow::Continue(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::merged::tests::three_layers;

    #[test]
    fn second_layer_against_the_first() {
        let layers = three_layers();
        let limits = Limits::default();
        let below = MergedTree::build([&layers[0][..]], &limits).unwrap();
        let got: Vec<(String, ChangeKind, Option<Kind>, u64)> =
            changes(&layers[1][..], &below, &limits)
                .unwrap()
                .into_iter()
                .map(|c| (c.path.display().to_string(), c.change, c.kind, c.size))
                .collect();
        use ChangeKind::*;
        assert_eq!(
            got,
            vec![
                ("etc/hosts".into(), Changed, Some(Kind::File), 13),
                ("etc/motd".into(), WhitedOut, Some(Kind::File), 5),
                ("var/cache".into(), Changed, Some(Kind::Dir), 0),
                ("var/cache".into(), Opaque, Some(Kind::Dir), 0),
                ("var/cache/fresh".into(), Added, Some(Kind::File), 3),
                ("tmp/never".into(), WhitedOut, None, 0),
            ]
        );
    }

    #[test]
    fn stops_when_asked() {
        let layers = three_layers();
        let mut seen = 0;
        visit_changes(
            &layers[0][..],
            &MergedTree::new(),
            &Limits::default(),
            |_| {
                seen += 1;
                ControlFlow::Break(())
            },
        )
        .unwrap();
        assert_eq!(seen, 1);
    }
}

//! The Files and Diff tabs' rows: a folder of the merged tree with `docker diff`'s badges
//! on each entry (A added, C changed), the folder's deleted paths (D) listed with it so
//! that a deletion is visible where it happened, and a mark on folders holding changes.

use std::collections::HashMap;

use serde::Serialize;
use strata_core::container::{DiffEntry, DiffKind, FileEntry};

/// One entry of a folder.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct FileRow {
    pub name: String,
    /// As the container sees it: `/etc/motd`.
    pub path: String,
    /// `file`, `dir`, `symlink`, `char`, `block`, `fifo`, `socket`.
    pub kind: String,
    #[cfg_attr(test, ts(type = "number"))]
    pub size: u64,
    /// Permission bits.
    pub mode: u32,
    #[cfg_attr(test, ts(type = "number"))]
    pub mtime: i64,
    #[cfg_attr(test, ts(type = "string | null"))]
    pub link_target: Option<String>,
    /// `A`, `C` or `D` against the image; `null` when unchanged.
    #[cfg_attr(test, ts(type = r#""A" | "C" | "D" | null"#))]
    pub change: Option<char>,
    /// A folder with changed paths inside.
    pub changed_inside: bool,
}

/// One folder of a container.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ContainerListing {
    /// The folder, normalised (`/`, `/etc`).
    pub dir: String,
    /// Its entries sorted by name, then the deleted ones.
    pub entries: Vec<FileRow>,
}

/// One path of `docker diff`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DiffRow {
    pub path: String,
    #[cfg_attr(test, ts(type = r#""A" | "C" | "D""#))]
    pub change: char,
    pub kind: String,
    /// File content bytes (what a deleted file had).
    #[cfg_attr(test, ts(type = "number"))]
    pub size: u64,
}

/// `/a//b/` → `/a/b`; `` → `/`. `..` is left to the engine, which resolves it safely.
pub fn normalise(dir: &str) -> String {
    let parts: Vec<&str> = dir
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    format!("/{}", parts.join("/"))
}

fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// The rows of `dir`: `entries` as the engine listed them, with the badges from `diff`.
pub fn listing(dir: &str, entries: Vec<FileEntry>, diff: &[DiffEntry]) -> ContainerListing {
    let dir = normalise(dir);
    let by_path: HashMap<&str, &DiffEntry> = diff.iter().map(|d| (d.path.as_str(), d)).collect();
    let prefix = if dir == "/" {
        "/".to_string()
    } else {
        format!("{dir}/")
    };
    let mut rows: Vec<FileRow> = entries
        .into_iter()
        .map(|e| {
            let inside = format!("{}/", e.path);
            FileRow {
                change: by_path.get(e.path.as_str()).map(|d| d.change.letter()),
                changed_inside: e.kind == "dir" && diff.iter().any(|d| d.path.starts_with(&inside)),
                name: e.name,
                path: e.path,
                kind: e.kind,
                size: e.size,
                mode: e.mode,
                mtime: e.mtime,
                link_target: e.link_target,
            }
        })
        .collect();
    rows.extend(
        diff.iter()
            .filter(|d| d.change == DiffKind::Deleted && parent(&d.path) == dir)
            .map(|d| FileRow {
                name: d.path[prefix.len()..].to_string(),
                path: d.path.clone(),
                kind: d.kind.clone(),
                size: d.size,
                mode: 0,
                mtime: 0,
                link_target: None,
                change: Some('D'),
                changed_inside: false,
            }),
    );
    ContainerListing { dir, entries: rows }
}

pub fn diff_rows(diff: &[DiffEntry]) -> Vec<DiffRow> {
    diff.iter()
        .map(|d| DiffRow {
            path: d.path.clone(),
            change: d.change.letter(),
            kind: d.kind.clone(),
            size: d.size,
        })
        .collect()
}

/// Bytes of file content the writable layer holds: added and changed files.
pub fn layer_bytes(diff: &[DiffEntry]) -> u64 {
    diff.iter()
        .filter(|d| d.change != DiffKind::Deleted && d.kind == "file")
        .map(|d| d.size)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, kind: &str, size: u64) -> FileEntry {
        FileEntry {
            name: path.rsplit('/').next().unwrap_or("").to_string(),
            path: path.to_string(),
            kind: kind.to_string(),
            size,
            mode: 0o644,
            uid: 0,
            gid: 0,
            mtime: 0,
            link_target: None,
        }
    }

    fn change(path: &str, change: DiffKind, kind: &str, size: u64) -> DiffEntry {
        DiffEntry {
            path: path.to_string(),
            change,
            kind: kind.to_string(),
            size,
        }
    }

    #[test]
    fn a_folder_shows_badges_deletions_and_changed_subfolders() {
        let diff = [
            change("/etc", DiffKind::Changed, "dir", 0),
            change("/etc/motd", DiffKind::Changed, "file", 6),
            change("/etc/new", DiffKind::Added, "file", 3),
            change("/etc/old", DiffKind::Deleted, "file", 4),
            change("/etc/ssl/x", DiffKind::Added, "file", 1),
            change("/var/y", DiffKind::Deleted, "file", 1),
        ];
        let entries = vec![
            file("/etc/motd", "file", 6),
            file("/etc/new", "file", 3),
            file("/etc/passwd", "file", 30),
            file("/etc/ssl", "dir", 0),
        ];
        let got = listing("/etc/", entries, &diff);
        assert_eq!(got.dir, "/etc");
        let shown: Vec<_> = got
            .entries
            .iter()
            .map(|r| (r.name.as_str(), r.change, r.changed_inside))
            .collect();
        assert_eq!(
            shown,
            [
                ("motd", Some('C'), false),
                ("new", Some('A'), false),
                ("passwd", None, false),
                ("ssl", None, true),
                ("old", Some('D'), false),
            ]
        );
        // The root lists /etc as changed, and nothing of /var's deletions but the mark.
        let root = listing(
            "",
            vec![file("/etc", "dir", 0), file("/var", "dir", 0)],
            &diff,
        );
        let shown: Vec<_> = root
            .entries
            .iter()
            .map(|r| (r.name.as_str(), r.change, r.changed_inside))
            .collect();
        assert_eq!(shown, [("etc", Some('C'), true), ("var", None, true)]);
        // Sizes count what the layer will hold: not deletions, not folders.
        assert_eq!(layer_bytes(&diff), 10);
    }
}

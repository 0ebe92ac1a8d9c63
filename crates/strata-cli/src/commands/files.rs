//! `strata files`: an image's merged tree, one layer's changes, or one file's content
//! (DESIGN.md § The command line). Parse, call
//! `strata_core::image::files`, render. Layers count from 0 (the bottom), as the engine,
//! `inspect --json`'s layer list and the app's Layers tab count them.

use std::io::{self, Write};
use std::ops::ControlFlow;

use serde::Serialize;
use strata_core::digest::Digest;
use strata_core::home::Home;
use strata_core::image::files::{FileRow, ImageFiles, ListOptions};
use strata_core::layer::{Change, ChangeKind, Kind};
use strata_core::problem::{Explain, Problem};
use strata_core::store::Store;

use crate::render;
use crate::vocabulary::CliCode;

/// The arguments of `strata files`.
pub struct FilesArgs<'a> {
    pub image: &'a str,
    pub path: &'a str,
    pub layer: Option<usize>,
    pub recursive: bool,
    pub deleted: bool,
    pub changes: bool,
    pub cat: Option<&'a str>,
    pub platform: Option<&'a str>,
    pub json: bool,
}

/// A listing as `--json` prints it.
#[derive(Serialize)]
struct Listing<'a> {
    manifest: &'a Digest,
    layer_count: usize,
    /// The top layer merged.
    layer: usize,
    path: &'a str,
    entries: Vec<FileRow>,
}

/// One layer's changes as `--json` prints them.
#[derive(Serialize)]
struct Changes<'a> {
    manifest: &'a Digest,
    layer: usize,
    digest: &'a Digest,
    changes: Vec<Change>,
}

pub fn files(home: &Home, args: FilesArgs<'_>) -> Result<(), Problem> {
    let platform = super::image::platform(args.platform)?;
    let store = Store::open(&home.path).map_err(|e| e.problem())?;
    let image = ImageFiles::open(&store, args.image, platform.as_ref()).map_err(|e| e.problem())?;
    let top = image.layer_index(args.layer).map_err(|e| e.problem())?;
    if args.changes {
        return changes(&store, &image, top, args.json);
    }
    let tree = image.tree_at(&store, top).map_err(|e| e.problem())?;
    if let Some(path) = args.cat {
        let stdout = io::stdout();
        let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
        image
            .read_file(&store, &tree, path, &mut out)
            .map_err(|e| e.problem())?;
        return out
            .flush()
            .map_err(|e| Problem::new(CliCode::Io, format!("cannot write to stdout: {e}")));
    }
    let opts = ListOptions {
        recursive: args.recursive,
        deleted: args.deleted,
    };
    let rows = image
        .list(&tree, args.path, opts)
        .map_err(|e| e.problem())?;
    if args.json {
        return render::json(&Listing {
            manifest: &image.manifest,
            layer_count: image.layers.len(),
            layer: top,
            path: args.path,
            entries: rows,
        });
    }
    let mut out = io::stdout().lock();
    for r in &rows {
        // A closed pipe (`| head`) ends the listing quietly.
        if writeln!(out, "{}", line(r)).is_err() {
            break;
        }
    }
    Ok(())
}

fn changes(store: &Store, image: &ImageFiles, index: usize, json: bool) -> Result<(), Problem> {
    let digest = &image.layers[index].digest;
    if json {
        let changes = image.changes(store, index).map_err(|e| e.problem())?;
        return render::json(&Changes {
            manifest: &image.manifest,
            layer: index,
            digest,
            changes,
        });
    }
    // Streamed: the first changes of a large layer show before the last are read.
    let mut out = io::stdout().lock();
    image
        .visit_changes(store, index, |c| {
            match writeln!(out, "{}", change_line(&c)) {
                Ok(()) => ControlFlow::Continue(()),
                Err(_) => ControlFlow::Break(()),
            }
        })
        .map_err(|e| e.problem())
}

/// `-rw-r--r--  0/0  18  2026-01-01 00:00  L1 sha256:abcdef123456  /etc/motd`, like `ls -l`
/// with the layer the entry comes from; a deleted entry is `D` and names the layer that
/// deleted it.
fn line(r: &FileRow) -> String {
    let layer = format!("L{} {}", r.layer, short(&r.layer_digest));
    let Some(kind) = r.kind else {
        return format!(
            "{:<10}  {:>9}  {:>10}  {:<16}  {layer}  {}  (deleted)",
            "D", "-", "-", "-", r.path
        );
    };
    let mut name = r.path.clone();
    if let Some(target) = &r.link_target {
        let arrow = if kind == Kind::Hardlink {
            "link to"
        } else {
            "->"
        };
        name = format!("{name} {arrow} {target}");
    }
    if let Some(o) = &r.opaque {
        name = format!("{name}  (opaque: layer {} hid what was below)", o.layer);
    }
    format!(
        "{}  {:>9}  {:>10}  {:<16}  {layer}  {name}",
        mode_string(kind, r.mode),
        format!("{}/{}", r.uid, r.gid),
        r.size,
        time(r.mtime),
    )
}

/// `A  file   18  /etc/app.conf`: the change, what it is (for a whiteout, what it
/// deleted), its size and path.
fn change_line(c: &Change) -> String {
    let letter = match c.change {
        ChangeKind::Added => "A",
        ChangeKind::Changed => "C",
        ChangeKind::WhitedOut => "D",
        ChangeKind::Opaque => "O",
    };
    let kind = c.kind.map_or("nothing", Kind::name);
    let size = match c.kind {
        Some(Kind::File | Kind::Hardlink) => c.size.to_string(),
        _ => "-".into(),
    };
    format!("{letter}  {kind:<9}  {size:>10}  /{}", c.path.display())
}

fn short(d: &Digest) -> String {
    format!("sha256:{}", d.short())
}

fn time(mtime: i64) -> String {
    chrono::DateTime::from_timestamp(mtime, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "-".into())
}

/// `drwxr-xr-x`, as `ls -l` prints it.
fn mode_string(kind: Kind, mode: u32) -> String {
    let first = match kind {
        Kind::Dir => 'd',
        Kind::Symlink => 'l',
        Kind::CharDevice => 'c',
        Kind::BlockDevice => 'b',
        Kind::Fifo => 'p',
        Kind::File | Kind::Hardlink => '-',
    };
    let mut s = String::with_capacity(10);
    s.push(first);
    for (shift, special, set_char) in [(6, 0o4000, 's'), (3, 0o2000, 's'), (0, 0o1000, 't')] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        let x = bits & 1 != 0;
        s.push(match (mode & special != 0, x) {
            (true, true) => set_char,
            (true, false) => set_char.to_ascii_uppercase(),
            (false, true) => 'x',
            (false, false) => '-',
        });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_read_like_ls() {
        assert_eq!(mode_string(Kind::Dir, 0o755), "drwxr-xr-x");
        assert_eq!(mode_string(Kind::File, 0o4755), "-rwsr-xr-x");
        assert_eq!(mode_string(Kind::Dir, 0o1777), "drwxrwxrwt");
        assert_eq!(mode_string(Kind::File, 0o644), "-rw-r--r--");
    }
}

//! Making a layer ([§ Creating]): a tar of a directory, or of an explicit list of changes
//! (additions and whiteouts, what a commit produces), compressed, with its uncompressed
//! digest (the `diff_id`), its compressed digest and both sizes computed in the same pass:
//! `tar → HashingWriter (diff_id) → encoder → HashingWriter (digest) → sink`.
//!
//! The tar is deterministic, as umoci's is: entries in sorted order, numeric uid/gid with no
//! user or group names, the files' own mtimes (or, with [`WriteOptions::clamp_mtime`], none
//! later than `SOURCE_DATE_EPOCH`), hard links (files sharing a device and inode) written
//! once and then as links to the first path, symlinks as links, xattrs as PAX
//! `SCHILY.xattr.*` records ([§ Whiteouts] for the `.wh.` entries).
//!
//! The source tree is read through [`crate::fs::Root`] handles only: a directory is listed
//! through its own descriptor and each child opened relative to it without following it,
//! so a folder that a running container swaps for a symlink to a host folder is read as
//! the symlink it now is, never followed. Contents are read only from regular files, and a
//! file must still hold the size its header announced: one that shrinks while it is read
//! fails the write instead of leaving a malformed tar.
//!
//! [§ Creating]: https://github.com/opencontainers/image-spec/blob/main/layer.md#creating
//! [§ Whiteouts]: https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts

// Untrusted trees: every path through crate::fs (see clippy.toml).
#![warn(clippy::disallowed_methods)]

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::compression::Compression;
use super::encode::Encoder;
use super::entry::{OPAQUE_MARKER, WHITEOUT_PREFIX};
use super::error::LayerError;
use crate::digest::{Digest, HashingWriter};
use crate::fs::{Follow, Handle, Kind, Meta, Root};

/// How to write a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    pub compression: Compression,
    /// Compression level (gzip 0–9, default 6; zstd 1–22, default 3).
    pub level: Option<i32>,
    /// Clamp every mtime to at most this (seconds since the epoch), for reproducible layers.
    pub clamp_mtime: Option<i64>,
    /// Write extended attributes.
    pub xattrs: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            compression: Compression::Gzip,
            level: None,
            clamp_mtime: None,
            xattrs: true,
        }
    }
}

impl WriteOptions {
    /// `SOURCE_DATE_EPOCH` from the environment, if set and a number (see
    /// <https://reproducible-builds.org/specs/source-date-epoch/>).
    pub fn source_date_epoch() -> Option<i64> {
        std::env::var("SOURCE_DATE_EPOCH").ok()?.trim().parse().ok()
    }
}

/// What was written: the descriptor's fields and the config's `diff_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerWritten {
    /// Digest of the uncompressed tar (goes in the config's `rootfs.diff_ids`).
    pub diff_id: Digest,
    /// Digest of the blob as written (goes in the manifest).
    pub digest: Digest,
    /// Size of the blob as written.
    pub size: u64,
    pub uncompressed_size: u64,
    /// The OCI media type for the compression used.
    pub media_type: &'static str,
    pub compression: Compression,
}

/// One item of an explicit change list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayerChange {
    /// This path (relative to the source root) as it is there now; not what is below it.
    Add(PathBuf),
    /// This path and everything below it.
    AddTree(PathBuf),
    /// A `.wh.NAME` entry deleting this path.
    Whiteout(PathBuf),
    /// A `.wh..wh..opq` entry inside this directory.
    Opaque(PathBuf),
}

/// Writes a layer holding every file under `root` (not `root` itself) to `sink`.
pub fn write_dir<W: Write>(
    root: &Path,
    sink: W,
    opts: &WriteOptions,
) -> Result<(LayerWritten, W), LayerError> {
    let top = open_root(root)?;
    let mut w = LayerSink::new(sink, opts)?;
    w.add_tree(&top, Path::new(""))?;
    w.finish()
}

/// Writes a layer from an explicit change list, reading added files under `root`. Parent
/// directories of added paths are included (with their current metadata) when the list
/// does not name them, so that the layer applies with the right modes. Entries are sorted.
pub fn write_entries<W: Write>(
    root: &Path,
    changes: &[LayerChange],
    sink: W,
    opts: &WriteOptions,
) -> Result<(LayerWritten, W), LayerError> {
    enum Item {
        Add,
        AddTree,
        Marker,
    }
    let top = open_root(root)?;
    let mut items: BTreeMap<PathBuf, Item> = BTreeMap::new();
    let add = |items: &mut BTreeMap<PathBuf, Item>, rel: &Path, item: Item| {
        let mut parent = PathBuf::new();
        if let Some(dir) = rel.parent() {
            for part in dir.components() {
                parent.push(part);
                items.entry(parent.clone()).or_insert(Item::Add);
            }
        }
        items.insert(rel.to_path_buf(), item);
    };
    for change in changes {
        match change {
            LayerChange::Add(p) => add(&mut items, p, Item::Add),
            LayerChange::AddTree(p) => add(&mut items, p, Item::AddTree),
            LayerChange::Whiteout(p) => {
                let name = p.file_name().unwrap_or_default();
                let mut marker = std::ffi::OsString::from(WHITEOUT_PREFIX);
                marker.push(name);
                items.insert(p.with_file_name(marker), Item::Marker);
            }
            LayerChange::Opaque(p) => {
                items.insert(p.join(OPAQUE_MARKER), Item::Marker);
            }
        }
    }
    let mut w = LayerSink::new(sink, opts)?;
    let items: Vec<(PathBuf, Item)> = items.into_iter().collect();
    // A tree's own entries come from its walk, right after it; what the list names below
    // a tree is written by that walk (or, for markers, just before it), not again.
    let mut trees: Vec<PathBuf> = Vec::new();
    for (i, (path, item)) in items.iter().enumerate() {
        if trees.iter().any(|t| path.starts_with(t) && path != t) {
            continue;
        }
        match item {
            Item::Add | Item::AddTree => {
                let h = top
                    .handle(path, Follow::No)
                    .map_err(|e| LayerError::io("read", root.join(path), None, e))?;
                let meta = h
                    .stat()
                    .map_err(|e| LayerError::io("read", root.join(path), None, e))?;
                w.add(path, &h, &meta)?;
                if matches!(item, Item::AddTree) && meta.kind == Kind::Dir {
                    for (marker, _) in items[i + 1..]
                        .iter()
                        .take_while(|(p, _)| p.starts_with(path))
                        .filter(|(_, it)| matches!(it, Item::Marker))
                    {
                        w.marker(marker)?;
                    }
                    w.add_children(&h, path)?;
                    trees.push(path.clone());
                }
            }
            Item::Marker => w.marker(path)?,
        }
    }
    w.finish()
}

/// Writes the layer an overlayfs upper directory holds (a container's changes), turning
/// overlay's own markers into the spec's: a character device 0/0 becomes `.wh.NAME`, a
/// directory with `<xattr_ns>.overlay.opaque=y` gets a `.wh..wh..opq` entry, and no
/// `<xattr_ns>.overlay.*` xattr is copied. `xattr_ns` is `"trusted"` for a mount by root,
/// `"user"` for one with `userxattr`. Mounts must not use `redirect_dir` or `metacopy`,
/// whose upper directories do not hold whole files.
pub fn write_overlay_upper<W: Write>(
    upper: &Path,
    xattr_ns: &'static str,
    sink: W,
    opts: &WriteOptions,
) -> Result<(LayerWritten, W), LayerError> {
    let top = open_root(upper)?;
    let mut w = LayerSink::new(sink, opts)?;
    w.overlay = Some(xattr_ns);
    w.add_tree(&top, Path::new(""))?;
    w.finish()
}

fn open_root(path: &Path) -> Result<Root, LayerError> {
    Root::open(path).map_err(|e| LayerError::io("open", path, None, e))
}

/// Reads exactly `len` bytes: a source that ends sooner is an error, not a short entry.
struct Exact<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Exact<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Ok(0);
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file shrank while it was read",
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

type Pipeline<W> = tar::Builder<HashingWriter<Encoder<HashingWriter<W>>>>;

struct LayerSink<W: Write> {
    tar: Pipeline<W>,
    opts: WriteOptions,
    links: HashMap<(u64, u64), PathBuf>,
    /// Set when reading an overlay upper directory: the xattr namespace of its markers.
    overlay: Option<&'static str>,
}

fn sink_err(e: io::Error) -> LayerError {
    LayerError::io("write the layer to", "its destination", None, e)
}

impl<W: Write> LayerSink<W> {
    fn new(sink: W, opts: &WriteOptions) -> Result<Self, LayerError> {
        let compressed = HashingWriter::new(sink);
        let encoder = Encoder::new(compressed, opts.compression, opts.level).map_err(sink_err)?;
        let mut tar = tar::Builder::new(HashingWriter::new(encoder));
        tar.mode(tar::HeaderMode::Complete);
        Ok(LayerSink {
            tar,
            opts: *opts,
            links: HashMap::new(),
            overlay: None,
        })
    }

    fn header(&self, kind: tar::EntryType, meta: Option<&Meta>) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(0);
        if let Some(m) = meta {
            h.set_mode(m.mode);
            h.set_uid(u64::from(m.uid));
            h.set_gid(u64::from(m.gid));
            let mtime = match self.opts.clamp_mtime {
                Some(max) => m.mtime.min(max),
                None => m.mtime,
            };
            h.set_mtime(mtime.max(0) as u64);
        } else {
            h.set_mode(0o644);
            h.set_mtime(self.opts.clamp_mtime.unwrap_or(0).max(0) as u64);
        }
        h
    }

    /// Adds everything below the directory `rel` of `root` (not `rel` itself).
    fn add_tree(&mut self, root: &Root, rel: &Path) -> Result<(), LayerError> {
        let h = root
            .handle(rel, Follow::No)
            .map_err(|e| LayerError::io("open", root.path().join(rel), None, e))?;
        self.add_children(&h, rel)
    }

    /// Adds the entries of the directory `dir` (at `rel`), depth first in name order,
    /// each opened through `dir`'s handle without following it.
    fn add_children(&mut self, dir: &Handle, rel: &Path) -> Result<(), LayerError> {
        let shown = rel.display().to_string();
        let entries = dir
            .read_dir()
            .map_err(|e| LayerError::io("list", rel, Some(&shown), e))?;
        for (name, _) in entries {
            let path = rel.join(&name);
            let child = dir
                .child(&name)
                .and_then(|p| p.handle())
                .map_err(|e| LayerError::io("open", &path, Some(&shown), e))?;
            // The metadata of the object opened, not of the name listed a moment before.
            let meta = child
                .stat()
                .map_err(|e| LayerError::io("read", &path, Some(&shown), e))?;
            self.add(&path, &child, &meta)?;
            if meta.kind == Kind::Dir {
                self.add_children(&child, &path)?;
            }
        }
        Ok(())
    }

    fn add(&mut self, rel: &Path, h: &Handle, meta: &Meta) -> Result<(), LayerError> {
        let shown = rel.display().to_string();
        let write_err = |e: io::Error| LayerError::io("add to the layer", rel, Some(&shown), e);

        if self.overlay.is_some() && meta.kind == Kind::Char && meta.rdev == 0 {
            let mut marker = std::ffi::OsString::from(WHITEOUT_PREFIX);
            marker.push(rel.file_name().unwrap_or_default());
            return self.marker(&rel.with_file_name(marker));
        }
        if meta.kind == Kind::File && meta.nlink > 1 {
            if let Some(first) = self.links.get(&(meta.dev, meta.ino)).cloned() {
                let mut hd = self.header(tar::EntryType::Link, Some(meta));
                self.tar
                    .append_link(&mut hd, rel, &first)
                    .map_err(write_err)?;
                return Ok(());
            }
            self.links.insert((meta.dev, meta.ino), rel.to_path_buf());
        }
        let xattrs = if matches!(meta.kind, Kind::File | Kind::Dir) {
            // A filesystem without xattrs has none to keep.
            h.xattrs().unwrap_or_default()
        } else {
            Vec::new()
        };
        if self.opts.xattrs {
            self.xattrs(&xattrs, rel, &shown)?;
        }
        match meta.kind {
            Kind::Dir => {
                let mut hd = self.header(tar::EntryType::Directory, Some(meta));
                let mut name = rel.as_os_str().to_os_string();
                name.push("/");
                self.tar
                    .append_data(&mut hd, Path::new(&name), io::empty())
                    .map_err(write_err)?;
                if let Some(ns) = self.overlay {
                    let key = format!("{ns}.overlay.opaque");
                    if xattrs.iter().any(|(k, v)| *k == key && v == b"y") {
                        self.marker(&rel.join(OPAQUE_MARKER))?;
                    }
                }
            }
            Kind::File => {
                let mut hd = self.header(tar::EntryType::Regular, Some(meta));
                hd.set_size(meta.size);
                let file = h
                    .open_regular(crate::fs::OFlags::RDONLY)
                    .map_err(|e| LayerError::io("open", rel, Some(&shown), e))?;
                // The header already says `size`: a file that shrinks while read fails
                // here; one that grows gives its first `size` bytes.
                let mut exact = Exact {
                    inner: file,
                    left: meta.size,
                };
                self.tar
                    .append_data(&mut hd, rel, &mut exact)
                    .map_err(write_err)?;
            }
            Kind::Symlink => {
                let target = h
                    .read_link()
                    .map_err(|e| LayerError::io("read the symlink", rel, Some(&shown), e))?;
                let mut hd = self.header(tar::EntryType::Symlink, Some(meta));
                self.tar
                    .append_link(&mut hd, rel, &target)
                    .map_err(write_err)?;
            }
            Kind::Char | Kind::Block | Kind::Fifo => {
                let kind = match meta.kind {
                    Kind::Char => tar::EntryType::Char,
                    Kind::Block => tar::EntryType::Block,
                    _ => tar::EntryType::Fifo,
                };
                let mut hd = self.header(kind, Some(meta));
                if kind != tar::EntryType::Fifo {
                    let (major, minor) = meta.device_numbers();
                    hd.set_device_major(major).map_err(write_err)?;
                    hd.set_device_minor(minor).map_err(write_err)?;
                }
                self.tar
                    .append_data(&mut hd, rel, io::empty())
                    .map_err(write_err)?;
            }
            // Sockets cannot be represented in a tar; like docker and umoci, leave them out.
            Kind::Socket => {}
        }
        Ok(())
    }

    fn xattrs(
        &mut self,
        xattrs: &[(String, Vec<u8>)],
        rel: &Path,
        shown: &str,
    ) -> Result<(), LayerError> {
        let mut records: Vec<(String, Vec<u8>)> = Vec::new();
        for (name, value) in xattrs {
            // Overlay's own bookkeeping is not part of the change.
            if self
                .overlay
                .is_some_and(|ns| name.starts_with(&format!("{ns}.overlay.")))
            {
                continue;
            }
            records.push((format!("SCHILY.xattr.{name}"), value.clone()));
        }
        if records.is_empty() {
            return Ok(());
        }
        records.sort();
        self.tar
            .append_pax_extensions(records.iter().map(|(k, v)| (k.as_str(), v.as_slice())))
            .map_err(|e| LayerError::io("add xattrs to the layer for", rel, Some(shown), e))
    }

    fn marker(&mut self, path: &Path) -> Result<(), LayerError> {
        let mut h = self.header(tar::EntryType::Regular, None);
        self.tar
            .append_data(&mut h, path, io::empty())
            .map_err(sink_err)
    }

    fn finish(self) -> Result<(LayerWritten, W), LayerError> {
        let compression = self.opts.compression;
        let uncompressed = self.tar.into_inner().map_err(sink_err)?;
        let (encoder, diff_id, uncompressed_size) = uncompressed.finish();
        let mut compressed = encoder.finish().map_err(sink_err)?;
        compressed.flush().map_err(sink_err)?;
        let (sink, digest, size) = compressed.finish();
        Ok((
            LayerWritten {
                diff_id,
                digest,
                size,
                uncompressed_size,
                media_type: compression.oci_media_type(),
                compression,
            },
            sink,
        ))
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;
    use crate::layer::apply::{apply, ApplyOptions};
    use crate::layer::compression::{decompress, Limits};
    use crate::layer::merged::MergedTree;
    use std::fs;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    pub(crate) fn sample_tree(root: &Path) {
        fs::create_dir_all(root.join("etc")).unwrap();
        fs::create_dir_all(root.join("usr/bin")).unwrap();
        fs::write(root.join("etc/hosts"), "127.0.0.1 localhost\n").unwrap();
        fs::write(root.join("usr/bin/busybox"), vec![7u8; 70_000]).unwrap();
        fs::hard_link(root.join("usr/bin/busybox"), root.join("usr/bin/sh")).unwrap();
        std::os::unix::fs::symlink("usr/bin", root.join("bin")).unwrap();
        fs::set_permissions(
            root.join("usr/bin/busybox"),
            fs::Permissions::from_mode(0o4755),
        )
        .unwrap();
        fs::create_dir(root.join("secret")).unwrap();
        fs::set_permissions(root.join("secret"), fs::Permissions::from_mode(0o700)).unwrap();
        let long = root.join("l".repeat(120)).join("m".repeat(120));
        fs::create_dir_all(long.parent().unwrap()).unwrap();
        fs::write(long, "deep").unwrap();
    }

    /// (path, kind, mode, content or link) for every path under root.
    pub(crate) fn describe(root: &Path) -> Vec<(String, String, u32, Vec<u8>)> {
        walkdir::WalkDir::new(root)
            .min_depth(1)
            .sort_by_file_name()
            .into_iter()
            .map(|e| {
                let e = e.unwrap();
                let m = e.path().symlink_metadata().unwrap();
                let rel = e.path().strip_prefix(root).unwrap().display().to_string();
                let (kind, data) = if m.is_dir() {
                    ("dir", vec![])
                } else if m.file_type().is_symlink() {
                    (
                        "link",
                        fs::read_link(e.path())
                            .unwrap()
                            .into_os_string()
                            .into_encoded_bytes(),
                    )
                } else {
                    ("file", fs::read(e.path()).unwrap())
                };
                (rel, kind.to_string(), m.mode() & 0o7777, data)
            })
            .collect()
    }

    /// A file that shrinks between the stat its header is written from and the read of
    /// its content (a running container truncating it) fails the layer: never a tar whose
    /// header announces more bytes than follow.
    #[test]
    fn a_file_that_shrinks_while_read_fails_the_write() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("log"), vec![b'x'; 10_000]).unwrap();
        let root = Root::open(dir.path()).unwrap();
        let h = root.handle(Path::new("log"), Follow::No).unwrap();
        let meta = h.stat().unwrap();
        // The container truncates it after the stat.
        fs::write(dir.path().join("log"), b"short").unwrap();
        let mut w = LayerSink::new(Vec::new(), &WriteOptions::default()).unwrap();
        let err = w.add(Path::new("log"), &h, &meta).unwrap_err();
        let message = crate::problem::Explain::problem(&err).message;
        assert!(
            message.contains("the file shrank while it was read"),
            "{message}"
        );
    }

    #[test]
    fn digests_are_computed_in_the_same_pass_and_verify() {
        let src = tempfile::tempdir().unwrap();
        sample_tree(src.path());
        for compression in [Compression::Gzip, Compression::Zstd, Compression::None] {
            let opts = WriteOptions {
                compression,
                ..WriteOptions::default()
            };
            let (w, blob) = write_dir(src.path(), Vec::new(), &opts).unwrap();
            assert_eq!(w.digest, Digest::of(&blob));
            assert_eq!(w.size, blob.len() as u64);
            let mut tar = Vec::new();
            decompress(&blob[..], &Limits::default())
                .unwrap()
                .read_to_end(&mut tar)
                .unwrap();
            assert_eq!(w.diff_id, Digest::of(&tar));
            assert_eq!(w.uncompressed_size, tar.len() as u64);
            assert_eq!(w.media_type, compression.oci_media_type());
        }
    }

    #[test]
    fn roundtrip_through_apply_keeps_modes_links_and_long_names() {
        let src = tempfile::tempdir().unwrap();
        sample_tree(src.path());
        let (_, blob) = write_dir(src.path(), Vec::new(), &WriteOptions::default()).unwrap();
        let dst = tempfile::tempdir().unwrap();
        let stats = apply(&blob[..], dst.path(), &ApplyOptions::default()).unwrap();
        assert_eq!(stats.hardlinks, 1);
        assert_eq!(describe(src.path()), describe(dst.path()));
        let a = fs::metadata(dst.path().join("usr/bin/sh")).unwrap();
        let b = fs::metadata(dst.path().join("usr/bin/busybox")).unwrap();
        assert_eq!(a.ino(), b.ino(), "the hard link is a hard link again");
        let mtime = fs::metadata(src.path().join("etc/hosts")).unwrap().mtime();
        assert_eq!(
            fs::metadata(dst.path().join("etc/hosts")).unwrap().mtime(),
            mtime
        );
    }

    #[test]
    fn same_tree_same_digest_and_clamped_mtimes() {
        let src = tempfile::tempdir().unwrap();
        sample_tree(src.path());
        let opts = WriteOptions {
            clamp_mtime: Some(1_000_000),
            ..WriteOptions::default()
        };
        let (first, _) = write_dir(src.path(), Vec::new(), &opts).unwrap();
        // Touch every file: with clamping, the digest must not move.
        let now = filetime::FileTime::now();
        for e in walkdir::WalkDir::new(src.path()) {
            filetime::set_symlink_file_times(e.unwrap().path(), now, now).unwrap();
        }
        let (second, blob) = write_dir(src.path(), Vec::new(), &opts).unwrap();
        assert_eq!(first.diff_id, second.diff_id);
        assert_eq!(first.digest, second.digest);
        let mut ar = tar::Archive::new(decompress(&blob[..], &Limits::default()).unwrap());
        for e in ar.entries().unwrap() {
            let e = e.unwrap();
            assert_eq!(e.header().mtime().unwrap(), 1_000_000);
            assert_eq!(e.header().username_bytes(), Some(&b""[..]));
        }
    }

    #[test]
    fn write_entries_makes_adds_and_whiteouts_in_order() {
        let src = tempfile::tempdir().unwrap();
        sample_tree(src.path());
        let changes = [
            LayerChange::Whiteout("etc/motd".into()),
            LayerChange::Add("etc/hosts".into()),
            LayerChange::Opaque("var/cache".into()),
            LayerChange::AddTree("usr".into()),
        ];
        let (_, blob) =
            write_entries(src.path(), &changes, Vec::new(), &WriteOptions::default()).unwrap();
        let mut ar = tar::Archive::new(decompress(&blob[..], &Limits::default()).unwrap());
        let names: Vec<String> = ar
            .entries()
            .unwrap()
            .map(|e| String::from_utf8(e.unwrap().path_bytes().into_owned()).unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "etc/",
                "etc/.wh.motd",
                "etc/hosts",
                "usr/",
                "usr/bin/",
                "usr/bin/busybox",
                "usr/bin/sh",
                "var/cache/.wh..wh..opq",
            ]
        );
        let tree = MergedTree::build([&blob[..]], &Limits::default()).unwrap();
        assert_eq!(tree.get("usr/bin/sh").map(|n| n.size), Some(70_000));
        assert_eq!(tree.deletions().count(), 2);
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)]
mod overlay_tests {
    use super::*;
    use crate::layer::apply::{apply, ApplyOptions, Whiteouts};
    use crate::layer::compression::Limits;
    use crate::layer::merged::tests::three_layers;
    use crate::layer::merged::MergedTree;
    use std::fs;
    use std::os::unix::fs::{FileTypeExt, MetadataExt};

    /// Root only (overlay whiteouts are 0/0 devices and `trusted.*` xattrs): a layer applied
    /// in overlay form and written back from that directory merges to the same tree.
    #[test]
    fn overlay_form_roundtrips_through_apply_and_write_overlay_upper() {
        // SAFETY: geteuid cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            let dir = tempfile::tempdir().unwrap();
            let opts = ApplyOptions {
                whiteouts: Whiteouts::Overlay,
                ..ApplyOptions::default()
            };
            let err = apply(&three_layers()[1][..], dir.path(), &opts).unwrap_err();
            assert!(err.to_string().contains("needs root"), "{err}");
            return;
        }
        let layers = three_layers();
        let opts = ApplyOptions {
            whiteouts: Whiteouts::Overlay,
            ..ApplyOptions::default()
        };
        let mut rewritten = Vec::new();
        for l in &layers {
            let dir = tempfile::tempdir().unwrap();
            apply(&l[..], dir.path(), &opts).unwrap();
            let (_, blob) =
                write_overlay_upper(dir.path(), "trusted", Vec::new(), &WriteOptions::default())
                    .unwrap();
            rewritten.push(blob);
        }
        let motd = tempfile::tempdir().unwrap();
        apply(&layers[1][..], motd.path(), &opts).unwrap();
        let m = fs::symlink_metadata(motd.path().join("etc/motd")).unwrap();
        assert!(m.file_type().is_char_device() && m.rdev() == 0);
        assert_eq!(
            xattr::get(motd.path().join("var/cache"), "trusted.overlay.opaque").unwrap(),
            Some(b"y".to_vec())
        );

        let limits = Limits::default();
        let a = MergedTree::build(layers.iter().map(|l| &l[..]), &limits).unwrap();
        let b = MergedTree::build(rewritten.iter().map(|l| &l[..]), &limits).unwrap();
        let paths = |t: &MergedTree| {
            t.iter()
                // The upper directories hold every parent as a real directory; the original
                // tars leave some implicit. Compare what is not a directory.
                .filter(|(_, n)| n.kind != crate::layer::Kind::Dir)
                .map(|(p, n)| (p.to_path_buf(), n.kind, n.layer, n.size))
                .collect::<Vec<_>>()
        };
        assert_eq!(paths(&a), paths(&b));
        let dels = |t: &MergedTree| {
            t.deletions()
                .map(|(p, d)| (p.to_path_buf(), d.kind, d.layer))
                .collect::<Vec<_>>()
        };
        assert_eq!(dels(&a), dels(&b));
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)]
mod xattr_tests {
    use super::*;
    use crate::layer::apply::{apply, ApplyOptions};
    use std::fs;

    #[test]
    fn user_xattrs_survive_write_and_apply() {
        let src = tempfile::tempdir().unwrap();
        let f = src.path().join("tagged");
        fs::write(&f, "x").unwrap();
        xattr::set(&f, "user.color", b"blue").expect("the test filesystem keeps user xattrs");
        let (_, blob) = write_dir(src.path(), Vec::new(), &WriteOptions::default()).unwrap();
        let dst = tempfile::tempdir().unwrap();
        let stats = apply(&blob[..], dst.path(), &ApplyOptions::default()).unwrap();
        assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
        assert_eq!(
            xattr::get(dst.path().join("tagged"), "user.color").unwrap(),
            Some(b"blue".to_vec())
        );
    }
}

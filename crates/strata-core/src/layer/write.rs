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
//! [§ Creating]: https://github.com/opencontainers/image-spec/blob/main/layer.md#creating
//! [§ Whiteouts]: https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::compression::Compression;
use super::entry::{OPAQUE_MARKER, WHITEOUT_PREFIX};
use super::error::LayerError;
use crate::digest::{Digest, HashingWriter};

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
    let mut w = LayerSink::new(sink, opts)?;
    for item in walkdir::WalkDir::new(root)
        .min_depth(1)
        .follow_links(false)
        .sort_by_file_name()
    {
        let item = item.map_err(|e| {
            let path = e.path().unwrap_or(root).to_path_buf();
            LayerError::io("read", path, None, e.into())
        })?;
        let rel = item.path().strip_prefix(root).unwrap_or(item.path());
        w.add(root, rel)?;
    }
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
        Add(PathBuf),
        Marker,
    }
    let mut items: BTreeMap<PathBuf, Item> = BTreeMap::new();
    let add = |items: &mut BTreeMap<PathBuf, Item>, rel: &Path| {
        let mut parent = PathBuf::new();
        if let Some(dir) = rel.parent() {
            for part in dir.components() {
                parent.push(part);
                items
                    .entry(parent.clone())
                    .or_insert_with(|| Item::Add(parent.clone()));
            }
        }
        items.insert(rel.to_path_buf(), Item::Add(rel.to_path_buf()));
    };
    for change in changes {
        match change {
            LayerChange::Add(p) => add(&mut items, p),
            LayerChange::AddTree(p) => {
                add(&mut items, p);
                let top = root.join(p);
                if fs::symlink_metadata(&top).is_ok_and(|m| m.is_dir()) {
                    for item in walkdir::WalkDir::new(&top).min_depth(1).follow_links(false) {
                        let item = item.map_err(|e| {
                            let path = e.path().unwrap_or(&top).to_path_buf();
                            LayerError::io("read", path, None, e.into())
                        })?;
                        let rel = item.path().strip_prefix(root).unwrap_or(item.path());
                        items.insert(rel.to_path_buf(), Item::Add(rel.to_path_buf()));
                    }
                }
            }
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
    for (path, item) in items {
        match item {
            Item::Add(rel) => w.add(root, &rel)?,
            Item::Marker => w.marker(&path)?,
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
    let mut w = LayerSink::new(sink, opts)?;
    w.overlay = Some(xattr_ns);
    for item in walkdir::WalkDir::new(upper)
        .min_depth(1)
        .follow_links(false)
        .sort_by_file_name()
    {
        let item = item.map_err(|e| {
            let path = e.path().unwrap_or(upper).to_path_buf();
            LayerError::io("read", path, None, e.into())
        })?;
        let rel = item.path().strip_prefix(upper).unwrap_or(item.path());
        w.add(upper, rel)?;
    }
    w.finish()
}

/// The compressor between the two hashing writers.
enum Encoder<W: Write> {
    None(W),
    Gzip(flate2::write::GzEncoder<W>),
    Zstd(zstd::stream::write::Encoder<'static, W>),
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::None(w) => w.write(buf),
            Encoder::Gzip(w) => w.write(buf),
            Encoder::Zstd(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::None(w) => w.flush(),
            Encoder::Gzip(w) => w.flush(),
            Encoder::Zstd(w) => w.flush(),
        }
    }
}

impl<W: Write> Encoder<W> {
    fn finish(self) -> io::Result<W> {
        match self {
            Encoder::None(w) => Ok(w),
            Encoder::Gzip(w) => w.finish(),
            Encoder::Zstd(w) => w.finish(),
        }
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
        let encoder = match opts.compression {
            Compression::None => Encoder::None(compressed),
            Compression::Gzip => Encoder::Gzip(flate2::write::GzEncoder::new(
                compressed,
                flate2::Compression::new(opts.level.unwrap_or(6).clamp(0, 9) as u32),
            )),
            Compression::Zstd => Encoder::Zstd(
                zstd::stream::write::Encoder::new(compressed, opts.level.unwrap_or(3))
                    .map_err(sink_err)?,
            ),
        };
        let mut tar = tar::Builder::new(HashingWriter::new(encoder));
        tar.mode(tar::HeaderMode::Complete);
        Ok(LayerSink {
            tar,
            opts: *opts,
            links: HashMap::new(),
            overlay: None,
        })
    }

    fn header(&self, kind: tar::EntryType, meta: Option<&fs::Metadata>) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(0);
        if let Some(m) = meta {
            h.set_mode(m.mode() & 0o7777);
            h.set_uid(u64::from(m.uid()));
            h.set_gid(u64::from(m.gid()));
            let mtime = match self.opts.clamp_mtime {
                Some(max) => m.mtime().min(max),
                None => m.mtime(),
            };
            h.set_mtime(mtime.max(0) as u64);
        } else {
            h.set_mode(0o644);
            h.set_mtime(self.opts.clamp_mtime.unwrap_or(0).max(0) as u64);
        }
        h
    }

    fn add(&mut self, root: &Path, rel: &Path) -> Result<(), LayerError> {
        let abs = root.join(rel);
        let shown = rel.display().to_string();
        let meta = fs::symlink_metadata(&abs)
            .map_err(|e| LayerError::io("read", &abs, Some(&shown), e))?;
        let ft = meta.file_type();
        let write_err = |e: io::Error| LayerError::io("add to the layer", &abs, Some(&shown), e);

        if self.overlay.is_some() && ft.is_char_device() && meta.rdev() == 0 {
            let mut marker = std::ffi::OsString::from(WHITEOUT_PREFIX);
            marker.push(rel.file_name().unwrap_or_default());
            return self.marker(&rel.with_file_name(marker));
        }
        if ft.is_file() && meta.nlink() > 1 {
            if let Some(first) = self.links.get(&(meta.dev(), meta.ino())).cloned() {
                let mut h = self.header(tar::EntryType::Link, Some(&meta));
                self.tar
                    .append_link(&mut h, rel, &first)
                    .map_err(write_err)?;
                return Ok(());
            }
            self.links
                .insert((meta.dev(), meta.ino()), rel.to_path_buf());
        }
        if self.opts.xattrs {
            self.xattrs(&abs, &shown)?;
        }
        if ft.is_dir() {
            let mut h = self.header(tar::EntryType::Directory, Some(&meta));
            let mut name = rel.as_os_str().to_os_string();
            name.push("/");
            self.tar
                .append_data(&mut h, Path::new(&name), io::empty())
                .map_err(write_err)?;
            if let Some(ns) = self.overlay {
                let opaque = xattr::get(&abs, format!("{ns}.overlay.opaque"));
                if matches!(opaque, Ok(Some(v)) if v == b"y") {
                    self.marker(&rel.join(OPAQUE_MARKER))?;
                }
            }
        } else if ft.is_file() {
            let mut h = self.header(tar::EntryType::Regular, Some(&meta));
            h.set_size(meta.len());
            let file =
                fs::File::open(&abs).map_err(|e| LayerError::io("open", &abs, Some(&shown), e))?;
            // A file that changes size while read would corrupt the tar: refuse it.
            let mut limited = io::Read::take(file, meta.len());
            self.tar
                .append_data(&mut h, rel, &mut limited)
                .map_err(write_err)?;
        } else if ft.is_symlink() {
            let target = fs::read_link(&abs)
                .map_err(|e| LayerError::io("read the symlink", &abs, Some(&shown), e))?;
            let mut h = self.header(tar::EntryType::Symlink, Some(&meta));
            self.tar
                .append_link(&mut h, rel, &target)
                .map_err(write_err)?;
        } else if ft.is_char_device() || ft.is_block_device() || ft.is_fifo() {
            let kind = if ft.is_char_device() {
                tar::EntryType::Char
            } else if ft.is_block_device() {
                tar::EntryType::Block
            } else {
                tar::EntryType::Fifo
            };
            let mut h = self.header(kind, Some(&meta));
            if kind != tar::EntryType::Fifo {
                let dev = meta.rdev();
                h.set_device_major(libc::major(dev)).map_err(write_err)?;
                h.set_device_minor(libc::minor(dev)).map_err(write_err)?;
            }
            self.tar
                .append_data(&mut h, rel, io::empty())
                .map_err(write_err)?;
        }
        // Sockets cannot be represented in a tar; like docker and umoci, leave them out.
        Ok(())
    }

    fn xattrs(&mut self, abs: &Path, shown: &str) -> Result<(), LayerError> {
        let names = match xattr::list(abs) {
            Ok(n) => n,
            // A filesystem without xattrs has none to keep.
            Err(_) => return Ok(()),
        };
        let mut records: Vec<(String, Vec<u8>)> = Vec::new();
        for name in names {
            let Some(name) = name.to_str().map(str::to_string) else {
                continue;
            };
            // Overlay's own bookkeeping is not part of the change.
            if self
                .overlay
                .is_some_and(|ns| name.starts_with(&format!("{ns}.overlay.")))
            {
                continue;
            }
            if let Ok(Some(value)) = xattr::get(abs, &name) {
                records.push((format!("SCHILY.xattr.{name}"), value));
            }
        }
        if records.is_empty() {
            return Ok(());
        }
        records.sort();
        self.tar
            .append_pax_extensions(records.iter().map(|(k, v)| (k.as_str(), v.as_slice())))
            .map_err(|e| LayerError::io("add xattrs to the layer for", abs, Some(shown), e))
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
mod tests {
    use super::*;
    use crate::layer::apply::{apply, ApplyOptions};
    use crate::layer::compression::{decompress, Limits};
    use crate::layer::merged::MergedTree;
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;

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
mod overlay_tests {
    use super::*;
    use crate::layer::apply::{apply, ApplyOptions, Whiteouts};
    use crate::layer::compression::Limits;
    use crate::layer::merged::tests::three_layers;
    use crate::layer::merged::MergedTree;

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
mod xattr_tests {
    use super::*;
    use crate::layer::apply::{apply, ApplyOptions};

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

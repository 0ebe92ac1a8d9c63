//! Layer compression: which of gzip, zstd or nothing a blob uses (by its magic bytes, not by
//! what a manifest claims), the media types that name each ([OCI image spec: media types],
//! [§ Distributable format]), and a decompressing reader with caps, so that a decompression
//! bomb is a clear error and not a full disk or an exhausted memory.
//!
//! Three caps ([`Limits`]): the total number of uncompressed bytes, the size of one tar
//! extension header (GNU long name / long link, PAX records), which the `tar` crate reads into
//! memory whole before we ever see the entry, and the number of entries. The total counts
//! what a layer *unpacks to*, not only what it streams: the holes of a GNU sparse entry
//! (which the `tar` crate expands into zeros, so that ~1 KiB of tar could otherwise claim
//! gigabytes per entry) count as if they were in the stream.
//!
//! [OCI image spec: media types]: https://github.com/opencontainers/image-spec/blob/main/media-types.md
//! [§ Distributable format]: https://github.com/opencontainers/image-spec/blob/main/layer.md#distributable-format

use std::io::{self, Read};

use serde::{Deserialize, Serialize};

use super::error::{LayerError, LimitHit};
use crate::media;

/// How a layer blob is compressed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// A plain tar.
    None,
    /// gzip (RFC 1952): what almost every registry serves.
    #[default]
    Gzip,
    /// zstd (RFC 8878).
    Zstd,
}

impl std::fmt::Display for Compression {
    /// `none`, `gzip`, `zstd`: as the CLI's `--compression` and JSON spell it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        })
    }
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

impl Compression {
    /// What the first bytes of a blob say it is. Anything that is neither gzip nor zstd is
    /// taken as a plain tar; the tar reader refuses it if it is not one.
    pub fn detect(prefix: &[u8]) -> Compression {
        if prefix.starts_with(&GZIP_MAGIC) {
            Compression::Gzip
        } else if prefix.starts_with(&ZSTD_MAGIC) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// The OCI media type for a layer compressed this way.
    pub fn oci_media_type(self) -> &'static str {
        match self {
            Compression::None => media::OCI_LAYER,
            Compression::Gzip => media::OCI_LAYER_GZIP,
            Compression::Zstd => media::OCI_LAYER_ZSTD,
        }
    }

    /// The Docker schema 2 media type, where Docker has one (it has none for zstd; for a
    /// plain tar Docker uses the gzip type's sibling without suffix, which `docker load`
    /// accepts as `application/vnd.docker.image.rootfs.diff.tar`).
    pub fn docker_media_type(self) -> Option<&'static str> {
        match self {
            Compression::Gzip => Some(media::DOCKER_LAYER_GZIP),
            Compression::None => Some(media::DOCKER_LAYER),
            Compression::Zstd => None,
        }
    }

    /// The compression a layer media type names (OCI, Docker, and their non-distributable
    /// variants); `None` for a media type that is not a layer.
    pub fn from_media_type(media_type: &str) -> Option<Compression> {
        match media_type {
            media::OCI_LAYER | media::OCI_LAYER_NONDISTRIBUTABLE | media::DOCKER_LAYER => {
                Some(Compression::None)
            }
            media::OCI_LAYER_GZIP
            | media::OCI_LAYER_NONDISTRIBUTABLE_GZIP
            | media::DOCKER_LAYER_GZIP
            | media::DOCKER_LAYER_FOREIGN => Some(Compression::Gzip),
            media::OCI_LAYER_ZSTD | media::OCI_LAYER_NONDISTRIBUTABLE_ZSTD => {
                Some(Compression::Zstd)
            }
            _ => None,
        }
    }
}

/// Caps on what one layer may make us read. The defaults fit every real image we know of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Total bytes the layer unpacks to (default 64 GiB): its uncompressed tar stream plus
    /// the holes of its GNU sparse entries, which the `tar` crate fills with zeros.
    pub max_uncompressed: u64,
    /// One tar extension header (GNU long name/link, PAX records, default 1 MiB): these are
    /// held in memory whole.
    pub max_header: u64,
    /// One entry's path or link target, in bytes (default 4096, Linux's `PATH_MAX`).
    pub max_path: usize,
    /// Entries in one layer (default 1,000,000). Big real layers hold tens of thousands of
    /// files, the very largest (a full TeX Live) some 200,000; a million is well past any of
    /// them, yet it bounds what one layer can cost in inodes on apply and in memory for the
    /// merged tree (one node per path) to a few hundred MB.
    pub max_entries: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_uncompressed: 64 << 30,
            max_header: 1 << 20,
            max_path: 4096,
            max_entries: 1_000_000,
        }
    }
}

/// A layer's tar stream: decompressed, counted against [`Limits`], with its extension
/// headers checked before the `tar` crate buffers them.
pub struct LayerReader<'a> {
    inner: HeaderGuard<Box<dyn Read + 'a>>,
    compression: Compression,
}

impl LayerReader<'_> {
    /// The compression the blob turned out to use.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Uncompressed bytes read so far (sparse holes not included).
    pub fn uncompressed_len(&self) -> u64 {
        self.inner.inner.count
    }
}

impl Read for LayerReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

/// A blob's bytes uncompressed, whatever its compression (told by its magic bytes, which
/// are read without being lost), through the decoders' own small buffers.
pub(crate) fn unpacked<'a, R: Read + 'a>(
    mut blob: R,
) -> io::Result<(Compression, Box<dyn Read + 'a>)> {
    // Read up to four bytes of magic: short reads are legal.
    let mut magic = [0u8; 4];
    let mut got = 0;
    while got < magic.len() {
        match blob.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let compression = Compression::detect(&magic[..got]);
    let whole = io::Cursor::new(magic[..got].to_vec()).chain(blob);
    let raw: Box<dyn Read + 'a> = match compression {
        Compression::None => Box::new(whole),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(whole)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(whole)?),
    };
    Ok((compression, raw))
}

/// Opens a layer blob as a tar stream, whatever its compression, bounded by `limits`.
pub fn decompress<'a, R: Read + 'a>(
    blob: R,
    limits: &Limits,
) -> Result<LayerReader<'a>, LayerError> {
    let (compression, raw) =
        unpacked(blob).map_err(|e| LayerError::from_stream(e, "reading the first bytes"))?;
    Ok(LayerReader {
        inner: HeaderGuard::new(
            CapReader {
                inner: raw,
                count: 0,
                holes: 0,
                limit: limits.max_uncompressed,
            },
            limits,
        ),
        compression,
    })
}

/// Opens a stream that is a tar already (a blob decompressed by the caller) with the same
/// bounds as [`decompress`], without looking for a compression in it: decompressing twice
/// would apply, from a tar whose bytes are also a gzip stream, a content that every other
/// reader (docker, `strata files`, the diff_id's own producer) does not see.
pub fn plain_tar<'a, R: Read + 'a>(tar: R, limits: &Limits) -> LayerReader<'a> {
    LayerReader {
        inner: HeaderGuard::new(
            CapReader {
                inner: Box::new(tar),
                count: 0,
                holes: 0,
                limit: limits.max_uncompressed,
            },
            limits,
        ),
        compression: Compression::None,
    }
}

/// Counts bytes and fails once more than `limit` went by, sparse holes included.
struct CapReader<R> {
    inner: R,
    /// Bytes of the stream.
    count: u64,
    /// Zeros the `tar` crate adds for sparse entries' holes: they reach the disk on apply
    /// as surely as the stream's bytes do.
    holes: u64,
    limit: u64,
}

impl<R> CapReader<R> {
    /// Everything the layer unpacks to so far.
    fn total(&self) -> u64 {
        self.count.saturating_add(self.holes)
    }

    /// Counts the holes of a sparse entry whose real (expanded) size is `real`, before the
    /// `tar` crate expands them.
    fn charge_holes(&mut self, holes: u64, real: u64) -> io::Result<()> {
        self.holes = self.holes.saturating_add(holes);
        if self.total() > self.limit {
            return Err(LimitHit::Sparse {
                real,
                limit: self.limit,
            }
            .into_io());
        }
        Ok(())
    }
}

impl<R: Read> Read for CapReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.total() >= self.limit {
            // Only an error if there is more: a stream of exactly `limit` bytes is fine.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(LimitHit::Total { limit: self.limit }.into_io()),
            };
        }
        let room = usize::try_from(self.limit - self.total()).unwrap_or(usize::MAX);
        let want = buf.len().min(room);
        let n = self.inner.read(&mut buf[..want])?;
        self.count += n as u64;
        Ok(n)
    }
}

/// Follows the tar framing (512-byte headers, padded data) just enough to see each header
/// before the `tar` crate reads it, and enforces the caps the crate cannot:
/// - extension headers larger than [`Limits::max_header`] are refused: the `tar` crate reads
///   those into memory whole, so a 10 GB "long name" would otherwise be 10 GB of RAM;
/// - a GNU sparse entry's holes (its real size less the data it stores) are counted against
///   [`Limits::max_uncompressed`] before the crate expands them into zeros;
/// - more than [`Limits::max_entries`] entries are refused.
///
/// It parses numbers exactly as the `tar` crate does, so the two never frame a stream
/// differently. When it cannot follow the framing (a size field neither can read) it steps
/// aside, and the `tar` crate fails on that same header.
struct HeaderGuard<R> {
    inner: CapReader<R>,
    max_header: u64,
    max_entries: u64,
    /// Entries seen: every header but the extension headers (GNU long name / long link,
    /// PAX local records) that the `tar` crate folds into the entry after them.
    entries: u64,
    state: Guard,
    block: Vec<u8>,
    pax: Vec<u8>,
    pax_size: Option<u64>,
}

enum Guard {
    Header,
    SparseExt { data: u64 },
    Data { left: u64, pax_left: u64 },
    Off,
}

const BLOCK: usize = 512;

/// Where a tar header keeps its size, its type, and (GNU) the sparse "isextended" flag and
/// real size.
const SIZE_FIELD: std::ops::Range<usize> = 124..136;
const TYPE_FLAG: usize = 156;
const GNU_IS_EXTENDED: usize = 482;
const GNU_REAL_SIZE: std::ops::Range<usize> = 483..495;
/// The "isextended" flag of a GNU sparse extension block.
const GNU_EXT_IS_EXTENDED: usize = 504;

impl<R: Read> HeaderGuard<R> {
    fn new(inner: CapReader<R>, limits: &Limits) -> Self {
        HeaderGuard {
            inner,
            max_header: limits.max_header,
            max_entries: limits.max_entries,
            entries: 0,
            state: Guard::Header,
            block: Vec::with_capacity(BLOCK),
            pax: Vec::new(),
            pax_size: None,
        }
    }

    fn observe(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            match &mut self.state {
                Guard::Off => return Ok(()),
                Guard::Data { left, pax_left } => {
                    let take = bytes
                        .len()
                        .min(usize::try_from(*left).unwrap_or(usize::MAX));
                    let pax_take = take.min(usize::try_from(*pax_left).unwrap_or(usize::MAX));
                    self.pax.extend_from_slice(&bytes[..pax_take]);
                    *pax_left -= pax_take as u64;
                    *left -= take as u64;
                    bytes = &bytes[take..];
                    if *left == 0 {
                        if !self.pax.is_empty() {
                            self.pax_size = pax_size(&self.pax);
                            self.pax.clear();
                        }
                        self.state = Guard::Header;
                    }
                }
                Guard::Header | Guard::SparseExt { .. } => {
                    let take = bytes.len().min(BLOCK - self.block.len());
                    self.block.extend_from_slice(&bytes[..take]);
                    bytes = &bytes[take..];
                    if self.block.len() == BLOCK {
                        self.next_state()?;
                        self.block.clear();
                    }
                }
            }
        }
        Ok(())
    }

    fn next_state(&mut self) -> io::Result<()> {
        if let Guard::SparseExt { data } = self.state {
            // Old GNU sparse: extension blocks until one's "isextended" byte is zero.
            self.state = if self.block[GNU_EXT_IS_EXTENDED] != 0 {
                Guard::SparseExt { data }
            } else {
                data_state(data, 0)
            };
            return Ok(());
        }
        if self.block.iter().all(|&x| x == 0) {
            return Ok(());
        }
        let Some(size) = tar_number(&self.block[SIZE_FIELD]) else {
            self.state = Guard::Off;
            return Ok(());
        };
        let kind = self.block[TYPE_FLAG];
        if !matches!(kind, b'L' | b'K' | b'x') {
            self.count_entry()?;
        }
        if matches!(kind, b'L' | b'K' | b'x' | b'g') {
            if size > self.max_header {
                return Err(LimitHit::Header {
                    size,
                    limit: self.max_header,
                }
                .into_io());
            }
            self.state = data_state(size, if kind == b'x' { size } else { 0 });
            return Ok(());
        }
        // A PAX `size` record overrides the header's size field for the next entry.
        let size = self.pax_size.take().unwrap_or(size);
        if kind == b'S' {
            self.charge_sparse(size)?;
        }
        self.state = if kind == b'S' && self.block[GNU_IS_EXTENDED] != 0 {
            Guard::SparseExt { data: size }
        } else {
            data_state(size, 0)
        };
        Ok(())
    }

    fn count_entry(&mut self) -> io::Result<()> {
        self.entries += 1;
        if self.entries > self.max_entries {
            return Err(LimitHit::Entries {
                limit: self.max_entries,
            }
            .into_io());
        }
        Ok(())
    }

    /// A GNU sparse entry stores `data` bytes and unpacks to its real size: the `tar` crate
    /// fills the difference with zeros, which count as if they were in the stream. (A real
    /// size the crate cannot read makes it refuse the entry, so there is nothing to count.)
    fn charge_sparse(&mut self, data: u64) -> io::Result<()> {
        let Some(real) = tar_number(&self.block[GNU_REAL_SIZE]) else {
            return Ok(());
        };
        self.inner.charge_holes(real.saturating_sub(data), real)
    }
}

fn data_state(size: u64, pax_left: u64) -> Guard {
    match size.checked_add(511) {
        Some(padded) if padded & !511 > 0 => Guard::Data {
            left: padded & !511,
            pax_left,
        },
        Some(_) => Guard::Header,
        None => Guard::Off,
    }
}

/// A 12-byte tar numeric field, read as the `tar` crate reads it: GNU base-256 (its last
/// eight bytes) when the high bit is set, else octal text up to the first NUL, trimmed.
/// Any other reading would let a crafted field frame the stream one way for this guard and
/// another for the crate, and so slip past the caps.
fn tar_number(field: &[u8]) -> Option<u64> {
    if field[0] & 0x80 != 0 {
        let tail = &field[field.len().saturating_sub(8)..];
        return Some(tail.iter().fold(0u64, |v, &b| (v << 8) | u64::from(b)));
    }
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    let text = std::str::from_utf8(&field[..end]).ok()?;
    u64::from_str_radix(text.trim(), 8).ok()
}

/// The PAX `size` record, read as the `tar` crate reads it: the first `size` key, and
/// nothing at all if a malformed record comes before it.
fn pax_size(records: &[u8]) -> Option<u64> {
    for record in tar::PaxExtensions::new(records) {
        let record = record.ok()?;
        if record.key() == Ok("size") {
            return record.value().ok()?.parse().ok();
        }
    }
    None
}

impl<R: Read> Read for HeaderGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.observe(&buf[..n])?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn tar_with(name_len: usize, data: &[u8]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, "x".repeat(name_len), data).unwrap();
        b.into_inner().unwrap()
    }

    fn entries(blob: &[u8], limits: &Limits) -> Result<Vec<String>, LayerError> {
        let r = decompress(blob, limits)?;
        let mut ar = tar::Archive::new(r);
        let mut out = vec![];
        for e in ar.entries().map_err(|e| LayerError::from_stream(e, "t"))? {
            let mut e = e.map_err(|e| LayerError::from_stream(e, "t"))?;
            io::copy(&mut e, &mut io::sink()).map_err(|e| LayerError::from_stream(e, "t"))?;
            out.push(String::from_utf8_lossy(&e.path_bytes()).into_owned());
        }
        Ok(out)
    }

    #[test]
    fn detects_by_magic_and_names_media_types() {
        let tar = tar_with(3, b"hi");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&tar).unwrap();
        let gz = gz.finish().unwrap();
        let zst = zstd::encode_all(&tar[..], 1).unwrap();
        for (blob, want) in [
            (&tar, Compression::None),
            (&gz, Compression::Gzip),
            (&zst, Compression::Zstd),
        ] {
            assert_eq!(Compression::detect(blob), want);
            let r = decompress(&blob[..], &Limits::default()).unwrap();
            assert_eq!(r.compression(), want);
            assert_eq!(entries(blob, &Limits::default()).unwrap(), vec!["xxx"]);
            assert_eq!(
                Compression::from_media_type(want.oci_media_type()),
                Some(want)
            );
        }
        assert_eq!(
            Compression::from_media_type("application/vnd.docker.image.rootfs.diff.tar.gzip"),
            Some(Compression::Gzip)
        );
        assert_eq!(
            Compression::from_media_type("application/vnd.oci.image.config.v1+json"),
            None
        );
    }

    #[test]
    fn a_bomb_stops_at_the_cap() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..64 {
            gz.write_all(&zeros).unwrap();
        }
        let gz = gz.finish().unwrap();
        assert!(gz.len() < 100_000);
        let limits = Limits {
            max_uncompressed: 1 << 20,
            ..Limits::default()
        };
        let mut r = decompress(&gz[..], &limits).unwrap();
        let err = io::copy(&mut r, &mut io::sink()).unwrap_err();
        let err = LayerError::from_stream(err, "reading");
        assert!(
            err.to_string()
                .contains("larger than the 1048576-byte limit once decompressed"),
            "{err}"
        );
    }

    #[test]
    fn exactly_at_the_cap_is_fine() {
        let tar = tar_with(3, b"hi");
        let limits = Limits {
            max_uncompressed: tar.len() as u64,
            ..Limits::default()
        };
        assert_eq!(entries(&tar, &limits).unwrap(), vec!["xxx"]);
    }

    #[test]
    fn long_names_over_the_header_cap_are_refused_before_buffering() {
        let tar = tar_with(5000, b"data");
        let limits = Limits {
            max_header: 1024,
            ..Limits::default()
        };
        let err = entries(&tar, &limits).unwrap_err();
        assert!(
            matches!(err, LayerError::HeaderTooLarge { size: 5001, .. }),
            "{err}"
        );
        // Under the cap the same archive reads, so the guard follows framing correctly.
        assert_eq!(
            entries(&tar, &Limits::default()).unwrap(),
            vec!["x".repeat(5000)]
        );
    }

    #[test]
    fn the_guard_follows_a_pax_size_override() {
        // A PAX `size=600` record, then an entry whose header says 0 bytes but which holds
        // 600 (as tar writers do for files over 8 GiB), then an oversized long name: the
        // guard must skip exactly 1024 bytes of data to see that long name's header.
        let mut b = tar::Builder::new(Vec::new());
        b.append_pax_extensions([("size", &b"600"[..])]).unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_size(0);
        h.set_mode(0o644);
        h.set_path("big").unwrap();
        h.set_cksum();
        b.append(&h, io::empty()).unwrap();
        // Not `into_inner`: that would end the archive here.
        let mut tar = b.get_ref().clone();
        tar.extend_from_slice(&[b'z'; 1024]);
        let mut rest = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(0);
        h.set_mode(0o644);
        rest.append_data(&mut h, "n".repeat(3000), io::empty())
            .unwrap();
        tar.extend_from_slice(&rest.into_inner().unwrap());

        let limits = Limits {
            max_header: 1024,
            ..Limits::default()
        };
        let err = entries(&tar, &limits).unwrap_err();
        assert!(
            matches!(err, LayerError::HeaderTooLarge { size: 3001, .. }),
            "{err}"
        );
        let names = entries(&tar, &Limits::default()).unwrap();
        assert_eq!(names, vec!["big".to_string(), "n".repeat(3000)]);
    }

    #[test]
    fn tar_number_reads_fields_as_the_tar_crate_does() {
        assert_eq!(tar_number(b"00000001750\0"), Some(1000));
        let mut f = [0u8; 12];
        f[0] = 0x80;
        f[11] = 7;
        assert_eq!(tar_number(&f), Some(7));
        assert_eq!(tar_number(b"zz\0\0\0\0\0\0\0\0\0\0"), None);
        // Text after the first NUL and surrounding whitespace are ignored, as the crate
        // ignores them; so are the base-256 bytes before the last eight.
        assert_eq!(tar_number(b" 1750\0\xff\xfe\0\0\0\0"), Some(1000));
        assert_eq!(tar_number(b"\t1750 \0\0\0\0\0\0"), Some(1000));
        let mut f = [0xffu8; 12];
        f[4..].copy_from_slice(&9u64.to_be_bytes());
        assert_eq!(tar_number(&f), Some(9));
        for field in [&b" 1750\0\xff\xfe\0\0\0\0"[..], &f] {
            let mut h = tar::Header::new_old();
            h.as_old_mut().size.copy_from_slice(field);
            assert_eq!(h.entry_size().ok(), tar_number(field));
        }
    }

    /// A GNU sparse header (type `S`) for `name` whose map holds `chunks` (offset, length)
    /// and whose real size is `real`; the data (the chunks' bytes) must follow it.
    fn sparse_header(name: &str, chunks: &[(u64, u64)], real: u64) -> [u8; 512] {
        let mut h = tar::Header::new_gnu();
        h.set_path(name).unwrap();
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::GNUSparse);
        h.set_size(chunks.iter().map(|c| c.1).sum());
        let gnu = h.as_gnu_mut().unwrap();
        for (slot, (offset, len)) in gnu.sparse.iter_mut().zip(chunks) {
            slot.set_offset(*offset);
            slot.set_length(*len);
        }
        gnu.set_real_size(real);
        h.set_cksum();
        *h.as_bytes()
    }

    #[test]
    fn sparse_holes_count_against_the_total() {
        // 5 stored bytes claiming 1 TiB: refused as soon as the header is read, before the
        // `tar` crate would hand out a terabyte of zeros.
        let mut tar = sparse_header("holes", &[((1 << 40) - 5, 5)], 1 << 40).to_vec();
        tar.extend_from_slice(&[b'x'; 512]);
        tar.extend_from_slice(&[0; 1024]);
        let mut ar = tar::Archive::new(decompress(&tar[..], &Limits::default()).unwrap());
        let err = match ar.entries().unwrap().next().unwrap() {
            Ok(_) => panic!("a 1 TiB sparse entry was accepted"),
            Err(e) => LayerError::from_stream(e, "t"),
        };
        assert!(
            matches!(err, LayerError::SparseTooLarge { real, .. } if real == 1 << 40),
            "{err}"
        );

        // An honest sparse file within the limit reads, holes and all.
        let mut tar = sparse_header("ok", &[(0, 512), (4096, 3)], 4099).to_vec();
        tar.extend_from_slice(&[b'a'; 512]);
        tar.extend_from_slice(b"end");
        tar.resize(2048, 0);
        let limits = Limits {
            max_uncompressed: 8192,
            ..Limits::default()
        };
        let mut ar = tar::Archive::new(decompress(&tar[..], &limits).unwrap());
        let mut e = ar.entries().unwrap().next().unwrap().unwrap();
        let mut got = Vec::new();
        e.read_to_end(&mut got).unwrap();
        assert_eq!(got.len(), 4099);
        assert_eq!(&got[4096..], b"end");
        // The same file, over a limit its holes exceed.
        let limits = Limits {
            max_uncompressed: 4000,
            ..Limits::default()
        };
        assert!(matches!(
            entries(&tar, &limits),
            Err(LayerError::SparseTooLarge { real: 4099, .. })
        ));
    }

    #[test]
    fn entries_over_the_cap_are_refused() {
        let mut b = tar::Builder::new(Vec::new());
        for i in 0..4 {
            let mut h = tar::Header::new_gnu();
            h.set_size(0);
            h.set_mode(0o644);
            // Long names: their extension headers are not entries.
            b.append_data(&mut h, format!("{i}{}", "n".repeat(200)), io::empty())
                .unwrap();
        }
        let tar = b.into_inner().unwrap();
        let limits = |max_entries| Limits {
            max_entries,
            ..Limits::default()
        };
        assert_eq!(entries(&tar, &limits(4)).unwrap().len(), 4);
        let err = entries(&tar, &limits(3)).unwrap_err();
        assert!(
            matches!(err, LayerError::TooManyEntries { limit: 3 }),
            "{err}"
        );
        assert_eq!(Limits::default().max_entries, 1_000_000);
    }
}

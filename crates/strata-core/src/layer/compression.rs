//! Layer compression: which of gzip, zstd or nothing a blob uses (by its magic bytes, not by
//! what a manifest claims), the media types that name each ([OCI image spec: media types],
//! [§ Distributable format]), and a decompressing reader with caps, so that a decompression
//! bomb is a clear error and not a full disk or an exhausted memory.
//!
//! Two caps ([`Limits`]): the total number of uncompressed bytes, and the size of one tar
//! extension header (GNU long name / long link, PAX records), which the `tar` crate reads into
//! memory whole before we ever see the entry.
//!
//! [OCI image spec: media types]: https://github.com/opencontainers/image-spec/blob/main/media-types.md
//! [§ Distributable format]: https://github.com/opencontainers/image-spec/blob/main/layer.md#distributable-format

use std::io::{self, Read};

use serde::{Deserialize, Serialize};

use super::error::{LayerError, LimitHit};

/// How a layer blob is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
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

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// OCI media type of an uncompressed layer.
pub const MEDIA_TYPE_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
/// OCI media type of a gzip layer.
pub const MEDIA_TYPE_TAR_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// OCI media type of a zstd layer.
pub const MEDIA_TYPE_TAR_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
/// Docker (schema 2) media type of a gzip layer.
pub const DOCKER_MEDIA_TYPE_TAR_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/// Docker media type of a layer that must not be pushed to other registries.
pub const DOCKER_MEDIA_TYPE_FOREIGN: &str =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

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
            Compression::None => MEDIA_TYPE_TAR,
            Compression::Gzip => MEDIA_TYPE_TAR_GZIP,
            Compression::Zstd => MEDIA_TYPE_TAR_ZSTD,
        }
    }

    /// The Docker schema 2 media type, where Docker has one (it has none for zstd; for a
    /// plain tar Docker uses the gzip type's sibling without suffix, which `docker load`
    /// accepts as `application/vnd.docker.image.rootfs.diff.tar`).
    pub fn docker_media_type(self) -> Option<&'static str> {
        match self {
            Compression::Gzip => Some(DOCKER_MEDIA_TYPE_TAR_GZIP),
            Compression::None => Some("application/vnd.docker.image.rootfs.diff.tar"),
            Compression::Zstd => None,
        }
    }

    /// The compression a layer media type names (OCI, Docker, and their non-distributable
    /// variants); `None` for a media type that is not a layer.
    pub fn from_media_type(media_type: &str) -> Option<Compression> {
        match media_type {
            MEDIA_TYPE_TAR
            | "application/vnd.oci.image.layer.nondistributable.v1.tar"
            | "application/vnd.docker.image.rootfs.diff.tar" => Some(Compression::None),
            MEDIA_TYPE_TAR_GZIP
            | "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
            | DOCKER_MEDIA_TYPE_TAR_GZIP
            | DOCKER_MEDIA_TYPE_FOREIGN => Some(Compression::Gzip),
            MEDIA_TYPE_TAR_ZSTD
            | "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd" => {
                Some(Compression::Zstd)
            }
            _ => None,
        }
    }
}

/// Caps on what one layer may make us read. The defaults fit every real image we know of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Total uncompressed bytes of the tar stream (default 64 GiB).
    pub max_uncompressed: u64,
    /// One tar extension header (GNU long name/link, PAX records, default 1 MiB): these are
    /// held in memory whole.
    pub max_header: u64,
    /// One entry's path or link target, in bytes (default 4096, Linux's `PATH_MAX`).
    pub max_path: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_uncompressed: 64 << 30,
            max_header: 1 << 20,
            max_path: 4096,
        }
    }
}

/// A layer's tar stream: decompressed, counted against [`Limits`], with its extension
/// headers checked before the `tar` crate buffers them.
pub struct LayerReader<'a> {
    inner: HeaderGuard<CapReader<Box<dyn Read + 'a>>>,
    compression: Compression,
}

impl LayerReader<'_> {
    /// The compression the blob turned out to use.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Uncompressed bytes read so far.
    pub fn uncompressed_len(&self) -> u64 {
        self.inner.inner.count
    }
}

impl Read for LayerReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

/// Opens a layer blob as a tar stream, whatever its compression, bounded by `limits`.
pub fn decompress<'a, R: Read + 'a>(
    mut blob: R,
    limits: &Limits,
) -> Result<LayerReader<'a>, LayerError> {
    // Read up to four bytes of magic without losing them: short reads are legal.
    let mut magic = [0u8; 4];
    let mut got = 0;
    while got < magic.len() {
        match blob.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(LayerError::from_stream(e, "reading the first bytes")),
        }
    }
    let compression = Compression::detect(&magic[..got]);
    let whole = io::Cursor::new(magic[..got].to_vec()).chain(blob);
    let raw: Box<dyn Read + 'a> = match compression {
        Compression::None => Box::new(whole),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(whole)),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::new(whole)
                .map_err(|e| LayerError::from_stream(e, "starting zstd"))?,
        ),
    };
    Ok(LayerReader {
        inner: HeaderGuard::new(
            CapReader {
                inner: raw,
                count: 0,
                limit: limits.max_uncompressed,
            },
            limits.max_header,
        ),
        compression,
    })
}

/// Counts bytes and fails once more than `limit` went by.
struct CapReader<R> {
    inner: R,
    count: u64,
    limit: u64,
}

impl<R: Read> Read for CapReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.count >= self.limit {
            // Only an error if there is more: a stream of exactly `limit` bytes is fine.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(LimitHit::Total { limit: self.limit }.into_io()),
            };
        }
        let room = usize::try_from(self.limit - self.count).unwrap_or(usize::MAX);
        let want = buf.len().min(room);
        let n = self.inner.read(&mut buf[..want])?;
        self.count += n as u64;
        Ok(n)
    }
}

/// Follows the tar framing (512-byte headers, padded data) just enough to see each header's
/// type and size before the `tar` crate reads it, and refuses extension headers larger than
/// the cap: the `tar` crate reads those into memory whole, so a 10 GB "long name" would
/// otherwise be 10 GB of RAM. When it cannot follow the framing it steps aside, and the `tar`
/// crate's own parsing (which decides everything else) goes on.
struct HeaderGuard<R> {
    inner: R,
    limit: u64,
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

impl<R: Read> HeaderGuard<R> {
    fn new(inner: R, limit: u64) -> Self {
        HeaderGuard {
            inner,
            limit,
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
        let b = &self.block;
        if let Guard::SparseExt { data } = self.state {
            // Old GNU sparse: extension blocks until one's "isextended" byte is zero.
            self.state = if b[504] != 0 {
                Guard::SparseExt { data }
            } else {
                data_state(data, 0)
            };
            return Ok(());
        }
        if b.iter().all(|&x| x == 0) {
            return Ok(());
        }
        let Some(size) = header_size(&b[124..136]) else {
            self.state = Guard::Off;
            return Ok(());
        };
        let kind = b[156];
        let extension = matches!(kind, b'L' | b'K' | b'x' | b'g');
        if extension {
            if size > self.limit {
                return Err(LimitHit::Header {
                    size,
                    limit: self.limit,
                }
                .into_io());
            }
            self.state = data_state(size, if kind == b'x' { size } else { 0 });
            return Ok(());
        }
        // A PAX `size` record overrides the header's size field for the next entry.
        let size = self.pax_size.take().unwrap_or(size);
        self.state = if kind == b'S' && b[482] != 0 {
            Guard::SparseExt { data: size }
        } else {
            data_state(size, 0)
        };
        Ok(())
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

/// A tar numeric field: octal text, or GNU base-256 when the high bit is set.
fn header_size(field: &[u8]) -> Option<u64> {
    if field[0] & 0x80 != 0 {
        let mut v: u64 = u64::from(field[0] & 0x7f);
        for &b in &field[1..] {
            v = v.checked_mul(256)?.checked_add(u64::from(b))?;
        }
        return Some(v);
    }
    let text = std::str::from_utf8(field).ok()?;
    let text = text.trim_matches(|c: char| c == '\0' || c == ' ');
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, 8).ok()
}

fn pax_size(records: &[u8]) -> Option<u64> {
    tar::PaxExtensions::new(records)
        .filter_map(Result::ok)
        .find(|e| e.key_bytes() == b"size")
        .and_then(|e| e.value().ok()?.parse().ok())
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
    fn header_size_reads_octal_and_base256() {
        assert_eq!(header_size(b"00000001750\0"), Some(1000));
        let mut f = [0u8; 12];
        f[0] = 0x80;
        f[11] = 7;
        assert_eq!(header_size(&f), Some(7));
        assert_eq!(header_size(b"zz\0\0\0\0\0\0\0\0\0\0"), None);
    }
}

//! Content digests (`sha256:<64 hex>`, [OCI image spec: descriptor § digests]) and the
//! streaming readers and writers that compute them as bytes go by, so that a blob is never
//! read twice just to be verified.
//!
//! [OCI image spec: descriptor § digests]: https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests

use std::fmt;
use std::io::{self, Read, Write};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::problem::{Code, Hint, HintKey};

/// A `sha256:` digest. Other algorithms are refused when parsed: every registry and tool
/// Strata talks to uses sha256, and accepting an unknown one would mean not verifying it.
///
/// Held inline as its 64 lowercase hex digits (always ASCII, checked when built): a store
/// of 2,000 images parses some 25,000 digests for `rmi` or `images`, and a heap string each
/// made allocation the largest single cost.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Digest {
    hex: [u8; 64],
}

/// Hashes every digit. Not a prefix, though a sha256 is evenly spread: the digests a
/// manifest lists are text its author chose, not hashes Strata computed, and a hostile
/// manifest listing thousands of digests with one prefix would put them all in one bucket
/// of every map they enter.
impl std::hash::Hash for Digest {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write(&self.hex);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    #[error("`{0}` is not a digest: expected sha256: followed by 64 lowercase hex digits")]
    Invalid(String),
    #[error("unsupported digest algorithm `{0}`: only sha256 is supported")]
    Algorithm(String),
    #[error("content does not match its digest: expected {expected}, got {actual}")]
    // Boxed: two inline digests would make every error that can carry this one large.
    Mismatch {
        expected: Box<Digest>,
        actual: Box<Digest>,
    },
    #[error("content has the wrong size: expected {expected} bytes, got {actual}")]
    Size { expected: u64, actual: u64 },
}

impl crate::problem::Explain for DigestError {
    fn code(&self) -> Code {
        match self {
            DigestError::Invalid(_) | DigestError::Algorithm(_) => Code::DigestInvalid,
            DigestError::Mismatch { .. } | DigestError::Size { .. } => Code::DigestMismatch,
        }
    }
    fn hint(&self) -> Option<Hint> {
        match self {
            DigestError::Mismatch { .. } | DigestError::Size { .. } => {
                Some(HintKey::DigestNothingStored.into())
            }
            _ => None,
        }
    }
}

impl Digest {
    /// The digest of a byte slice.
    pub fn of(bytes: &[u8]) -> Digest {
        Digest::from_hasher(Sha256::new_with_prefix(bytes))
    }

    fn from_hasher(hasher: Sha256) -> Digest {
        let mut hex = [0u8; 64];
        hex::encode_to_slice(hasher.finalize(), &mut hex).expect("32 bytes fill 64 hex digits");
        Digest { hex }
    }

    /// Builds a digest from 64 lowercase hex digits (a blob's file name in the store).
    pub fn from_hex(hex: &str) -> Result<Digest, DigestError> {
        if let Ok(bytes) = <[u8; 64]>::try_from(hex.as_bytes()) {
            if bytes
                .iter()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
            {
                return Ok(Digest { hex: bytes });
            }
        }
        Err(DigestError::Invalid(hex.to_string()))
    }

    /// `sha256`
    pub fn algorithm(&self) -> &'static str {
        "sha256"
    }

    /// The 64 hex digits, which are also the blob's file name.
    pub fn hex(&self) -> &str {
        std::str::from_utf8(&self.hex).expect("a digest is ASCII hex")
    }

    /// The first 12 hex digits, as `docker images` shows an image ID.
    pub fn short(&self) -> &str {
        &self.hex()[..12]
    }

    /// [`short`](Digest::short) for a text that may be a digest (`sha256:…`): its first
    /// 12 hex digits; any other text (a file path, a name) as it is.
    pub fn shorten(text: &str) -> &str {
        match text.strip_prefix("sha256:") {
            Some(hex) if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                &hex[..12]
            }
            _ => text,
        }
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest(sha256:{})", self.hex())
    }
}

impl FromStr for Digest {
    type Err = DigestError;
    fn from_str(s: &str) -> Result<Digest, DigestError> {
        match s.split_once(':') {
            Some(("sha256", hex)) => {
                Digest::from_hex(hex).map_err(|_| DigestError::Invalid(s.into()))
            }
            Some((alg, _)) if !alg.is_empty() => Err(DigestError::Algorithm(alg.into())),
            _ => Err(DigestError::Invalid(s.into())),
        }
    }
}

impl Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Digest, D::Error> {
        // Through `visit_str`, which sees the text in place: no string is allocated.
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = Digest;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sha256: digest")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Digest, E> {
                s.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(Text)
    }
}

impl TryFrom<&oci_spec::image::Digest> for Digest {
    type Error = DigestError;
    fn try_from(d: &oci_spec::image::Digest) -> Result<Digest, DigestError> {
        d.as_ref().parse()
    }
}

impl From<&Digest> for oci_spec::image::Digest {
    fn from(d: &Digest) -> oci_spec::image::Digest {
        // A `Digest` is always a valid sha256 digest, which oci-spec accepts.
        oci_spec::image::Digest::from_str(&d.to_string()).expect("sha256 digest is valid")
    }
}

/// Incremental hashing with a byte count: what every streaming reader and writer keeps.
#[derive(Clone, Default)]
pub struct Hasher {
    sha: Sha256,
    len: u64,
}

impl Hasher {
    pub fn new() -> Hasher {
        Hasher::default()
    }
    pub fn update(&mut self, bytes: &[u8]) {
        self.sha.update(bytes);
        self.len += bytes.len() as u64;
    }
    pub fn len(&self) -> u64 {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn finish(self) -> (Digest, u64) {
        (Digest::from_hasher(self.sha), self.len)
    }
}

/// A reader that hashes everything read through it.
pub struct HashingReader<R> {
    inner: R,
    hasher: Hasher,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: Hasher::new(),
        }
    }
    /// Bytes read so far.
    pub fn len(&self) -> u64 {
        self.hasher.len()
    }
    pub fn is_empty(&self) -> bool {
        self.hasher.is_empty()
    }
    /// The digest and size of what was read.
    pub fn finish(self) -> (Digest, u64) {
        self.hasher.finish()
    }
    /// Checks what was read against an expected digest and size.
    pub fn verify(self, expected: &Digest, size: Option<u64>) -> Result<(), DigestError> {
        let (actual, len) = self.finish();
        verify(expected, size, &actual, len)
    }
    pub fn get_ref(&self) -> &R {
        &self.inner
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// A writer that hashes everything written through it.
pub struct HashingWriter<W> {
    inner: W,
    hasher: Hasher,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Hasher::new(),
        }
    }
    pub fn len(&self) -> u64 {
        self.hasher.len()
    }
    pub fn is_empty(&self) -> bool {
        self.hasher.is_empty()
    }
    pub fn get_ref(&self) -> &W {
        &self.inner
    }
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }
    /// The inner writer, and the digest and size of what was written.
    pub fn finish(self) -> (W, Digest, u64) {
        let (d, n) = self.hasher.finish();
        (self.inner, d, n)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Compares an actual digest and size with what was expected.
pub fn verify(
    expected: &Digest,
    expected_size: Option<u64>,
    actual: &Digest,
    actual_size: u64,
) -> Result<(), DigestError> {
    if let Some(size) = expected_size {
        if size != actual_size {
            return Err(DigestError::Size {
                expected: size,
                actual: actual_size,
            });
        }
    }
    if expected != actual {
        return Err(DigestError::Mismatch {
            expected: Box::new(expected.clone()),
            actual: Box::new(actual.clone()),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn parses_and_prints_sha256() {
        let d: Digest = EMPTY.parse().unwrap();
        assert_eq!(d.to_string(), EMPTY);
        assert_eq!(d, Digest::of(b""));
        assert_eq!(d.short(), "e3b0c44298fc");
        assert_eq!(Digest::shorten(&d.to_string()), "e3b0c44298fc");
        assert_eq!(Digest::shorten("layer.tar"), "layer.tar");
        assert_eq!(Digest::shorten("sha256:abc"), "sha256:abc");
    }

    #[test]
    fn reads_from_json_and_keys_maps_by_value() {
        let d: Digest = serde_json::from_str(&format!("\"{EMPTY}\"")).unwrap();
        assert_eq!(d, Digest::of(b""));
        assert!(serde_json::from_str::<Digest>("\"sha256:abc\"").is_err());
        assert!(serde_json::from_str::<Digest>("7").is_err());
        // Digests a hostile manifest lists, alike but for their last digit, hash apart
        // (a hash of a prefix would put them all in one bucket).
        let a = Digest::from_hex(&format!("{}a", "0".repeat(63))).unwrap();
        let b = Digest::from_hex(&format!("{}b", "0".repeat(63))).unwrap();
        let keyed = std::collections::hash_map::RandomState::new();
        use std::hash::BuildHasher;
        assert_ne!(keyed.hash_one(&a), keyed.hash_one(&b));
        assert_eq!(keyed.hash_one(&a), keyed.hash_one(a.clone()));
        let map = std::collections::HashMap::from([(a.clone(), 1), (b.clone(), 2)]);
        assert_eq!((map[&a], map[&b], map.len()), (1, 2, 2));
    }

    #[test]
    fn refuses_bad_digests() {
        for (input, want) in [
            ("sha256:abc", "not a digest"),
            (
                "md5:d41d8cd98f00b204e9800998ecf8427e",
                "unsupported digest algorithm `md5`",
            ),
            (
                &EMPTY.to_uppercase().replace("SHA256", "sha256"),
                "not a digest",
            ),
            ("e3b0c44298fc", "not a digest"),
        ] {
            let err = input.parse::<Digest>().unwrap_err().to_string();
            assert!(err.contains(want), "{input}: {err}");
        }
    }

    #[test]
    fn hashing_reader_verifies_while_streaming() {
        let data = b"hello layers".repeat(1000);
        let mut r = HashingReader::new(&data[..]);
        io::copy(&mut r, &mut io::sink()).unwrap();
        r.verify(&Digest::of(&data), Some(data.len() as u64))
            .unwrap();

        let mut r = HashingReader::new(&data[..]);
        io::copy(&mut r, &mut io::sink()).unwrap();
        let err = r.verify(&Digest::of(b"other"), None).unwrap_err();
        assert!(matches!(err, DigestError::Mismatch { .. }));
    }

    #[test]
    fn hashing_writer_counts_and_hashes() {
        let mut w = HashingWriter::new(Vec::new());
        w.write_all(b"abc").unwrap();
        let (buf, d, n) = w.finish();
        assert_eq!((buf.as_slice(), n), (&b"abc"[..], 3));
        assert_eq!(d, Digest::of(b"abc"));
    }
}

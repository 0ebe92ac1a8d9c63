//! rpm's package databases, read from their bytes without rpm, sqlite or Berkeley DB:
//! the sqlite `rpmdb.sqlite` (Fedora 33 and later, RHEL 9, openSUSE), with its write-ahead
//! log when one is beside it, and the Berkeley DB hash `Packages` (RHEL and CentOS up to 8,
//! Amazon Linux 2), and rpm's own ndb `Packages.db` (SUSE). Each keeps one RPM header blob
//! per installed package; [`header`] reads the few tags a package record needs.
//!
//! The files come from an image and are hostile input: every offset and count is checked
//! against the bytes it points into, a header blob is at most [`BLOB_MAX`] bytes, and each
//! page of a database is used at most once in a walk, so a page loop, a cycle in an
//! overflow chain or two cells sharing one chain ends in an error, never a hang or a
//! huge allocation. Errors are sentences for a database's note.

use std::collections::{HashMap, HashSet};

/// A header blob larger than this is refused (rpm's largest, texlive's, are a few MiB).
pub(crate) const BLOB_MAX: usize = 32 << 20;
/// Why a walk that copied more bytes than its file holds stops: no byte of a well-formed
/// database belongs to two records, so cells pointing at the same bytes are refused before
/// they add up to gigabytes.
const SHARED: &str = "its records hold more bytes than the file (records share bytes)";

/// Adds `n` bytes to a walk's count; past `budget`, the walk ends.
fn charge(count: &mut usize, n: usize, budget: usize) -> Result<(), String> {
    *count = count.saturating_add(n);
    if *count > budget {
        return Err(SHARED.into());
    }
    Ok(())
}
/// Header blobs read from one database at most.
const PACKAGES_MAX: usize = 200_000;

/// What a header says about its package.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Header {
    pub name: String,
    pub epoch: Option<u32>,
    pub version: String,
    pub release: String,
    pub arch: Option<String>,
    /// `SOURCERPM`: `bash-5.2.15-3.fc38.src.rpm`.
    pub source_rpm: Option<String>,
    pub license: Option<String>,
}

impl Header {
    /// `[epoch:]version-release`, as rpm's `%{EVR}`.
    pub fn evr(&self) -> String {
        let mut out = String::new();
        if let Some(e) = self.epoch {
            out.push_str(&format!("{e}:"));
        }
        out.push_str(&self.version);
        if !self.release.is_empty() {
            out.push('-');
            out.push_str(&self.release);
        }
        out
    }

    /// The source package's name: `bash` from `bash-5.2.15-3.fc38.src.rpm`.
    pub fn source_name(&self) -> Option<String> {
        let s = self.source_rpm.as_deref()?;
        let s = s
            .strip_suffix(".src.rpm")
            .or_else(|| s.strip_suffix(".nosrc.rpm"))?;
        let (rest, _release) = s.rsplit_once('-')?;
        let (name, _version) = rest.rsplit_once('-')?;
        (!name.is_empty()).then(|| name.to_string())
    }
}

/// The headers of a database's packages, and why some were not read.
#[derive(Debug, Default)]
pub(crate) struct Headers {
    pub headers: Vec<Header>,
    /// Records skipped, with the first reason.
    pub skipped: usize,
    pub first_error: Option<String>,
    /// Header bytes read so far, and at most: the database's own size, since no byte of
    /// a well-formed database belongs to two headers.
    bytes: usize,
    budget: usize,
}

impl Headers {
    fn new(budget: usize) -> Self {
        Headers {
            budget,
            ..Headers::default()
        }
    }

    fn skip(&mut self, why: String) {
        self.skipped += 1;
        self.first_error.get_or_insert(why);
    }

    /// Reads one header blob; `Err` ends the walk.
    fn push(&mut self, blob: &[u8]) -> Result<(), String> {
        charge(&mut self.bytes, blob.len(), self.budget)?;
        if self.headers.len() >= PACKAGES_MAX {
            return Err(format!("more than {PACKAGES_MAX} packages"));
        }
        match header::parse(blob) {
            Ok(h) => self.headers.push(h),
            Err(e) => self.skip(e),
        }
        Ok(())
    }
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([s[0], s[1]]))
}

/// RPM headers as rpm keeps them in its database: no lead, no magic.
pub(crate) mod header {
    use super::*;

    /// Index entries read at most (rpm's own limit is far higher, no real header comes close).
    const TAGS_MAX: usize = 65_536;
    /// A string value longer than this is refused.
    const STRING_MAX: usize = 16 << 10;

    const NAME: u32 = 1000;
    const VERSION: u32 = 1001;
    const RELEASE: u32 = 1002;
    const EPOCH: u32 = 1003;
    const LICENSE: u32 = 1014;
    const ARCH: u32 = 1022;
    const SOURCERPM: u32 = 1044;

    const INT32: u32 = 4;
    const STRING: u32 = 6;
    const STRING_ARRAY: u32 = 8;
    const I18NSTRING: u32 = 9;

    /// Reads a header blob: `il` and `dl` (big-endian), `il` index entries of
    /// `(tag, type, offset, count)`, then `dl` bytes of data.
    pub(crate) fn parse(blob: &[u8]) -> Result<Header, String> {
        if blob.len() > BLOB_MAX {
            return Err(format!(
                "a header of {} bytes, more than the {} MiB read at most",
                blob.len(),
                BLOB_MAX >> 20
            ));
        }
        let (Some(il), Some(dl)) = (be32(blob, 0), be32(blob, 4)) else {
            return Err(format!("a header of {} bytes is truncated", blob.len()));
        };
        let (il, dl) = (il as usize, dl as usize);
        if il == 0 || il > TAGS_MAX {
            return Err(format!("a header with {il} tags (1 to {TAGS_MAX} read)"));
        }
        let data_at = 8 + il * 16;
        if data_at.checked_add(dl).is_none_or(|end| end > blob.len()) {
            return Err(format!(
                "a header claims {il} tags and {dl} bytes of data but has {} bytes",
                blob.len()
            ));
        }
        let data = &blob[data_at..data_at + dl];
        let mut found: HashMap<u32, (u32, usize, usize)> = HashMap::new();
        for i in 0..il {
            let at = 8 + i * 16;
            let (Some(tag), Some(kind), Some(offset), Some(count)) = (
                be32(blob, at),
                be32(blob, at + 4),
                be32(blob, at + 8),
                be32(blob, at + 12),
            ) else {
                return Err("a header's index is truncated".into());
            };
            if matches!(
                tag,
                NAME | VERSION | RELEASE | EPOCH | LICENSE | ARCH | SOURCERPM
            ) {
                found
                    .entry(tag)
                    .or_insert((kind, offset as usize, count as usize));
            }
        }
        let string = |tag: u32| -> Result<Option<String>, String> {
            let Some(&(kind, offset, count)) = found.get(&tag) else {
                return Ok(None);
            };
            if !matches!(kind, STRING | STRING_ARRAY | I18NSTRING) || count == 0 {
                return Err(format!("tag {tag} is of type {kind}, not a string"));
            }
            let Some(rest) = data.get(offset..) else {
                return Err(format!(
                    "tag {tag} points at {offset}, past the header's {dl} bytes of data"
                ));
            };
            let window = &rest[..rest.len().min(STRING_MAX + 1)];
            match window.iter().position(|&b| b == 0) {
                Some(end) => Ok(Some(String::from_utf8_lossy(&window[..end]).into_owned())),
                None if rest.len() > STRING_MAX => Err(format!(
                    "tag {tag} is longer than the {} KiB read at most",
                    STRING_MAX >> 10
                )),
                None => Err(format!("tag {tag} runs past the header's data")),
            }
        };
        let name = string(NAME)?
            .filter(|n| !n.is_empty())
            .ok_or_else(|| "a header without a name".to_string())?;
        let epoch = match found.get(&EPOCH) {
            None => None,
            Some(&(INT32, offset, count)) if count >= 1 => Some(
                be32(data, offset)
                    .ok_or_else(|| format!("the epoch of {name} points past the header's data"))?,
            ),
            Some(&(kind, ..)) => return Err(format!("the epoch of {name} is of type {kind}")),
        };
        Ok(Header {
            epoch,
            version: string(VERSION)?.unwrap_or_default(),
            release: string(RELEASE)?.unwrap_or_default(),
            arch: string(ARCH)?.filter(|a| !a.is_empty()),
            source_rpm: string(SOURCERPM)?.filter(|s| !s.is_empty()),
            license: string(LICENSE)?.filter(|s| !s.is_empty()),
            name,
        })
    }
}

/// Just enough of sqlite's file format to read rpm's `Packages(hnum, blob)` table: the
/// schema table on page 1, a table b-tree, overflow chains, records, and committed frames
/// of a write-ahead log. <https://www.sqlite.org/fileformat2.html>
pub(crate) mod sqlite {
    use super::*;

    const MAGIC: &[u8; 16] = b"SQLite format 3\0";
    const WAL_MAGIC_LE: u32 = 0x377f_0682;
    const WAL_MAGIC_BE: u32 = 0x377f_0683;

    struct Db<'a> {
        file: &'a [u8],
        page_size: usize,
        usable: usize,
        pages: u32,
        /// Pages as the write-ahead log's last commit has them.
        wal: HashMap<u32, &'a [u8]>,
        /// Every page used in the walk so far: none is used twice.
        used: HashSet<u32>,
        /// Payload bytes copied so far, and at most (the file's and the log's size).
        copied: usize,
        budget: usize,
    }

    /// A varint: big-endian 7-bit groups, the ninth byte whole.
    fn varint(b: &[u8], at: usize) -> Option<(u64, usize)> {
        let mut v: u64 = 0;
        for i in 0..9 {
            let byte = *b.get(at + i)?;
            if i == 8 {
                return Some(((v << 8) | u64::from(byte), 9));
            }
            v = (v << 7) | u64::from(byte & 0x7f);
            if byte & 0x80 == 0 {
                return Some((v, i + 1));
            }
        }
        None
    }

    impl<'a> Db<'a> {
        fn open(file: &'a [u8], wal: Option<&'a [u8]>) -> Result<Self, String> {
            if file.len() < 512 || &file[..16] != MAGIC {
                return Err("not an sqlite database".into());
            }
            let page_size = match be16(file, 16).unwrap_or(0) {
                1 => 65536,
                n => usize::from(n),
            };
            if !page_size.is_power_of_two() || !(512..=65536).contains(&page_size) {
                return Err(format!("an sqlite page size of {page_size}"));
            }
            let reserved = usize::from(file[20]);
            let usable = page_size - reserved;
            if usable < 480 {
                return Err(format!("{reserved} reserved bytes a page"));
            }
            if be32(file, 56) != Some(1) {
                return Err("an sqlite database not in UTF-8".into());
            }
            let mut db = Db {
                file,
                page_size,
                usable,
                pages: u32::try_from(file.len() / page_size).unwrap_or(u32::MAX),
                wal: HashMap::new(),
                used: HashSet::new(),
                copied: 0,
                budget: file.len().saturating_add(wal.map_or(0, <[u8]>::len)),
            };
            if let Some(wal) = wal.filter(|w| !w.is_empty()) {
                db.read_wal(wal)?;
            }
            Ok(db)
        }

        /// Takes the frames of the log up to its last valid commit: each frame's salts
        /// match the log's and its running checksum holds.
        fn read_wal(&mut self, wal: &'a [u8]) -> Result<(), String> {
            let magic = be32(wal, 0).unwrap_or(0);
            let big = match magic {
                WAL_MAGIC_BE => true,
                WAL_MAGIC_LE => false,
                _ => return Err("the write-ahead log beside the database is not one".into()),
            };
            if be32(wal, 8).map(|p| p as usize) != Some(self.page_size) || wal.len() < 32 {
                return Err("the write-ahead log's page size is not the database's".into());
            }
            let word = |b: &[u8], at: usize| -> u32 {
                let w = [b[at], b[at + 1], b[at + 2], b[at + 3]];
                if big {
                    u32::from_be_bytes(w)
                } else {
                    u32::from_le_bytes(w)
                }
            };
            let sum = |mut s: (u32, u32), b: &[u8]| -> (u32, u32) {
                for at in (0..b.len()).step_by(8) {
                    s.0 = s.0.wrapping_add(word(b, at)).wrapping_add(s.1);
                    s.1 = s.1.wrapping_add(word(b, at + 4)).wrapping_add(s.0);
                }
                s
            };
            let mut s = sum((0, 0), &wal[..24]);
            if (be32(wal, 24), be32(wal, 28)) != (Some(s.0), Some(s.1)) {
                // A log whose header does not hold was never written whole: sqlite ignores it.
                return Ok(());
            }
            let salts = &wal[16..24];
            let frame = 24 + self.page_size;
            let mut pending: HashMap<u32, &'a [u8]> = HashMap::new();
            let mut at = 32;
            while at + frame <= wal.len() {
                let f = &wal[at..at + frame];
                if &f[8..16] != salts {
                    break;
                }
                s = sum(s, &f[..8]);
                s = sum(s, &f[24..]);
                if (be32(f, 16), be32(f, 20)) != (Some(s.0), Some(s.1)) {
                    break;
                }
                let page = be32(f, 0).unwrap_or(0);
                if page == 0 {
                    break;
                }
                pending.insert(page, &f[24..]);
                let commit = be32(f, 4).unwrap_or(0);
                if commit != 0 {
                    self.wal.extend(pending.drain());
                    self.pages = commit;
                }
                at += frame;
            }
            Ok(())
        }

        /// Page `n` (from 1), once in a walk.
        fn page(&mut self, n: u32) -> Result<&'a [u8], String> {
            if n == 0 || n > self.pages {
                return Err(format!(
                    "page {n} is out of the database's {} pages",
                    self.pages
                ));
            }
            if !self.used.insert(n) {
                return Err(format!("page {n} is used twice (a loop)"));
            }
            if let Some(p) = self.wal.get(&n) {
                return Ok(*p);
            }
            let start = (n as usize - 1) * self.page_size;
            self.file
                .get(start..start + self.page_size)
                .ok_or_else(|| format!("page {n} is past the end of the file"))
        }

        /// Calls `each(payload)` for every row of the table b-tree at `root`, in rowid
        /// order; an `Err` from `each` or from the walk ends it.
        fn walk(
            &mut self,
            root: u32,
            each: &mut dyn FnMut(Vec<u8>) -> Result<(), String>,
        ) -> Result<(), String> {
            let mut stack = vec![root];
            while let Some(n) = stack.pop() {
                let page = self.page(n)?;
                let h = if n == 1 { 100 } else { 0 };
                let kind = *page.get(h).ok_or("a page without a header")?;
                let cells = usize::from(be16(page, h + 3).unwrap_or(0));
                let header = match kind {
                    5 => 12,
                    13 => 8,
                    _ => return Err(format!("page {n} is not a table b-tree page (type {kind})")),
                };
                let pointers = h + header;
                if pointers + cells * 2 > self.usable {
                    return Err(format!("page {n} claims {cells} cells"));
                }
                let usable = self.usable;
                let cell_at = |i: usize| -> Result<usize, String> {
                    let at = usize::from(be16(page, pointers + 2 * i).unwrap_or(0));
                    if at < pointers + cells * 2 || at >= usable {
                        return Err(format!("page {n}: cell {i} at {at} is outside the page"));
                    }
                    Ok(at)
                };
                if kind == 5 {
                    // Interior: children pushed so the leftmost is walked first.
                    let right = be32(page, h + 8).unwrap_or(0);
                    stack.push(right);
                    for i in (0..cells).rev() {
                        let at = cell_at(i)?;
                        stack.push(be32(page, at).ok_or("a cell past its page")?);
                    }
                    continue;
                }
                for i in 0..cells {
                    let at = cell_at(i)?;
                    let payload = self.payload(page, at, n)?;
                    each(payload)?;
                }
            }
            Ok(())
        }

        /// A leaf cell's payload, its overflow chain followed.
        fn payload(&mut self, page: &'a [u8], at: usize, n: u32) -> Result<Vec<u8>, String> {
            let body = &page[..self.usable];
            let (size, a) = varint(body, at).ok_or(format!("page {n}: a truncated cell"))?;
            let (_rowid, b) = varint(body, at + a).ok_or(format!("page {n}: a truncated cell"))?;
            let size = usize::try_from(size).unwrap_or(usize::MAX);
            if size > BLOB_MAX + 1024 {
                return Err(format!(
                    "a row of {size} bytes, more than the {} MiB read at most",
                    BLOB_MAX >> 20
                ));
            }
            if size > self.budget {
                return Err(format!(
                    "a row of {size} bytes in a file of {}",
                    self.budget
                ));
            }
            charge(&mut self.copied, size, self.budget)?;
            let start = at + a + b;
            let u = self.usable;
            let x = u - 35;
            let local = if size <= x {
                size
            } else {
                let m = ((u - 12) * 32 / 255) - 23;
                let k = m + ((size - m) % (u - 4));
                if k <= x {
                    k
                } else {
                    m
                }
            };
            let mut out = Vec::with_capacity(size.min(1 << 20));
            out.extend_from_slice(
                body.get(start..start + local)
                    .ok_or(format!("page {n}: a cell runs past its page"))?,
            );
            let mut next = if local < size {
                be32(body, start + local).ok_or(format!("page {n}: a cell runs past its page"))?
            } else {
                0
            };
            while out.len() < size {
                let ov = self.page(next)?;
                let take = (size - out.len()).min(u - 4);
                out.extend_from_slice(&ov[4..4 + take]);
                next = be32(ov, 0).unwrap_or(0);
            }
            Ok(out)
        }
    }

    /// A record's columns: `(serial type, bytes)`, up to `want` of them.
    fn columns(rec: &[u8], want: usize) -> Result<Vec<(u64, &[u8])>, String> {
        let (hlen, mut at) = varint(rec, 0).ok_or("a truncated record")?;
        let hlen = usize::try_from(hlen).unwrap_or(usize::MAX);
        if hlen > rec.len() {
            return Err("a record's header runs past it".into());
        }
        let mut body = hlen;
        let mut out = Vec::new();
        while at < hlen && out.len() < want {
            let (t, n) = varint(rec, at).ok_or("a truncated record")?;
            at += n;
            let len = match t {
                0 | 8 | 9 | 10 | 11 => 0,
                1..=4 => t as usize,
                5 => 6,
                6 | 7 => 8,
                _ => usize::try_from((t - 12) / 2).unwrap_or(usize::MAX),
            };
            let bytes = body
                .checked_add(len)
                .and_then(|end| rec.get(body..end))
                .ok_or("a record's column runs past it")?;
            out.push((t, bytes));
            body += len;
        }
        Ok(out)
    }

    fn int(t: u64, b: &[u8]) -> Option<i64> {
        match t {
            1..=6 => {
                let mut v: i64 = if b[0] & 0x80 != 0 { -1 } else { 0 };
                for &x in b {
                    v = (v << 8) | i64::from(x);
                }
                Some(v)
            }
            8 => Some(0),
            9 => Some(1),
            _ => None,
        }
    }

    /// The blobs of table `Packages`.
    pub(crate) fn read(file: &[u8], wal: Option<&[u8]>) -> Result<Headers, String> {
        let mut db = Db::open(file, wal)?;
        let mut root = None;
        db.walk(1, &mut |rec| {
            let c = columns(&rec, 4)?;
            if let [(_, kind), (_, name), _, (t, page)] = c.as_slice() {
                if *kind == b"table" && *name == b"Packages" {
                    root = int(*t, page);
                }
            }
            Ok(())
        })?;
        let root = root.ok_or("no Packages table")?;
        let root = u32::try_from(root).map_err(|_| format!("the Packages table at page {root}"))?;
        let budget = file.len().saturating_add(wal.map_or(0, <[u8]>::len));
        let mut out = Headers::new(budget);
        db.walk(root, &mut |rec| match columns(&rec, 2) {
            // `hnum INTEGER PRIMARY KEY` is the rowid, stored as NULL.
            Ok(c) if c.len() == 2 && c[1].0 >= 12 && c[1].0 % 2 == 0 => out.push(c[1].1),
            Ok(_) => {
                out.skip("a row without a blob".into());
                Ok(())
            }
            Err(e) => {
                out.skip(e);
                Ok(())
            }
        })?;
        Ok(out)
    }

    #[cfg(test)]
    pub(crate) fn varint_for_tests(b: &[u8]) -> Option<(u64, usize)> {
        varint(b, 0)
    }
}

/// Berkeley DB hash databases, as rpm's `Packages`: every hash page's key/data pairs,
/// the data inline or on a chain of overflow pages. The pages are read in file order, as
/// the hash's bucket chains would visit the same pages.
pub(crate) mod bdb {
    use super::*;

    const HASH_MAGIC: u32 = 0x0006_1561;
    const PAGE_HASH_UNSORTED: u8 = 2;
    const PAGE_OVERFLOW: u8 = 7;
    const PAGE_HASH: u8 = 13;
    const KEYDATA: u8 = 1;
    const OFFPAGE: u8 = 3;

    struct Db<'a> {
        file: &'a [u8],
        page_size: usize,
        pages: usize,
        big: bool,
        /// Overflow pages used so far: none is used twice.
        used: HashSet<usize>,
        /// Item bytes copied so far, and at most (the file's size).
        copied: usize,
    }

    impl<'a> Db<'a> {
        fn u32(&self, b: &[u8], at: usize) -> Option<u32> {
            let s = b.get(at..at + 4)?;
            let w = [s[0], s[1], s[2], s[3]];
            Some(if self.big {
                u32::from_be_bytes(w)
            } else {
                u32::from_le_bytes(w)
            })
        }

        fn u16(&self, b: &[u8], at: usize) -> Option<usize> {
            let s = b.get(at..at + 2)?;
            let w = [s[0], s[1]];
            Some(usize::from(if self.big {
                u16::from_be_bytes(w)
            } else {
                u16::from_le_bytes(w)
            }))
        }

        fn page(&self, n: usize) -> Option<&'a [u8]> {
            if n >= self.pages {
                return None;
            }
            self.file.get(n * self.page_size..(n + 1) * self.page_size)
        }

        /// `len` bytes from the overflow chain at page `n`.
        fn overflow(&mut self, mut n: usize, len: usize) -> Result<Vec<u8>, String> {
            if len > BLOB_MAX {
                return Err(format!(
                    "a value of {len} bytes, more than the {} MiB read at most",
                    BLOB_MAX >> 20
                ));
            }
            if len > self.file.len() {
                return Err(format!(
                    "a value of {len} bytes in a file of {}",
                    self.file.len()
                ));
            }
            charge(&mut self.copied, len, self.file.len())?;
            let mut out = Vec::with_capacity(len.min(1 << 20));
            while out.len() < len {
                if !self.used.insert(n) {
                    return Err(format!("overflow page {n} is used twice (a loop)"));
                }
                let page = self
                    .page(n)
                    .filter(|p| n != 0 && self.u32(p, 8) == Some(n as u32))
                    .ok_or(format!("overflow page {n} is missing"))?;
                if page[25] != PAGE_OVERFLOW {
                    return Err(format!("page {n} is not an overflow page"));
                }
                let here = self.u16(page, 22).unwrap_or(0);
                if 26 + here > self.page_size || here > len - out.len() || here == 0 {
                    return Err(format!("overflow page {n} claims {here} bytes"));
                }
                out.extend_from_slice(&page[26..26 + here]);
                n = self.u32(page, 16).unwrap_or(0) as usize;
            }
            Ok(out)
        }

        /// An item of a hash page: its bytes.
        fn item(&mut self, page: &[u8], at: usize, len: usize) -> Result<Vec<u8>, String> {
            if len == 0 || at + len > self.page_size {
                return Err("an item outside its page".into());
            }
            match page[at] {
                KEYDATA => {
                    charge(&mut self.copied, len, self.file.len())?;
                    Ok(page[at + 1..at + len].to_vec())
                }
                OFFPAGE if len >= 12 => {
                    let n = self.u32(page, at + 4).unwrap_or(0) as usize;
                    let total = self.u32(page, at + 8).unwrap_or(0) as usize;
                    self.overflow(n, total)
                }
                t => Err(format!("an item of type {t}")),
            }
        }
    }

    /// The data of every key/data pair whose key is not 0 (rpm's record 0 holds the next
    /// header number).
    pub(crate) fn read(file: &[u8]) -> Result<Headers, String> {
        if file.len() < 512 {
            return Err("not a Berkeley DB database".into());
        }
        let le = u32::from_le_bytes([file[12], file[13], file[14], file[15]]);
        let be = u32::from_be_bytes([file[12], file[13], file[14], file[15]]);
        let big = match (le, be) {
            (HASH_MAGIC, _) => false,
            (_, HASH_MAGIC) => true,
            _ => return Err("not a Berkeley DB hash database".into()),
        };
        let mut db = Db {
            file,
            page_size: 0,
            pages: 0,
            big,
            used: HashSet::new(),
            copied: 0,
        };
        let page_size = db.u32(file, 20).unwrap_or(0) as usize;
        if !page_size.is_power_of_two() || !(512..=65536).contains(&page_size) {
            return Err(format!("a Berkeley DB page size of {page_size}"));
        }
        let last = db.u32(file, 32).unwrap_or(0) as usize;
        db.page_size = page_size;
        db.pages = (file.len() / page_size).min(last.saturating_add(1));
        let mut out = Headers::new(file.len());
        for n in 1..db.pages {
            let Some(page) = db.page(n) else { break };
            if db.u32(page, 8) != Some(n as u32)
                || !matches!(page[25], PAGE_HASH | PAGE_HASH_UNSORTED)
            {
                continue;
            }
            let entries = db.u16(page, 20).unwrap_or(0);
            if 26 + entries * 2 > page_size {
                out.skip(format!("hash page {n} claims {entries} entries"));
                continue;
            }
            let big = db.big;
            let offset = |i: usize| {
                let w = [page[26 + 2 * i], page[27 + 2 * i]];
                usize::from(if big {
                    u16::from_be_bytes(w)
                } else {
                    u16::from_le_bytes(w)
                })
            };
            for pair in 0..entries / 2 {
                let (k, v) = (pair * 2, pair * 2 + 1);
                let koff = offset(k);
                let voff = offset(v);
                let kend = if k == 0 { page_size } else { offset(k - 1) };
                if koff < 26 + entries * 2 || voff >= koff || koff >= kend || kend > page_size {
                    out.skip(format!("hash page {n}: entry {k} is out of order"));
                    continue;
                }
                let key = match db.item(page, koff, kend - koff) {
                    Ok(key) => key,
                    Err(e) if e == SHARED => return Err(e),
                    Err(e) => {
                        out.skip(format!("hash page {n}: {e}"));
                        continue;
                    }
                };
                if key.iter().all(|&b| b == 0) {
                    continue;
                }
                match db.item(page, voff, koff - voff) {
                    Ok(value) => out.push(&value)?,
                    Err(e) if e == SHARED => return Err(e),
                    Err(e) => out.skip(format!("hash page {n}: {e}")),
                }
            }
        }
        Ok(out)
    }
}

/// rpm's own "ndb" `Packages.db` (SUSE): a 32-byte header (`RpmP`), slot pages of 16-byte
/// slots (`Slot`, package index, block offset, block count) and blobs in 16-byte blocks,
/// each framed by a head (`BlbS`, package index, time, length) and a tail (Adler-32,
/// length, `BlbE`). Every slot and frame is checked as rpm checks it, the blobs may not
/// overlap, and each blob's Adler-32 must hold.
pub(crate) mod ndb {
    use super::*;

    const MAGIC: &[u8; 4] = b"RpmP";
    const SLOT: &[u8; 4] = b"Slot";
    const HEAD: &[u8; 4] = b"BlbS";
    const TAIL: &[u8; 4] = b"BlbE";
    const PAGE: usize = 4096;
    const BLK: usize = 16;

    fn le32(b: &[u8], at: usize) -> Option<u32> {
        let s = b.get(at..at.checked_add(4)?)?;
        Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }

    fn adler32(bytes: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for chunk in bytes.chunks(5552) {
            for &x in chunk {
                a += u32::from(x);
                b += a;
            }
            a %= 65521;
            b %= 65521;
        }
        (b << 16) | a
    }

    /// The blob of one slot, or why not.
    fn blob(file: &[u8], pkgidx: u32, blkoff: usize, blkcnt: usize) -> Result<&[u8], String> {
        let start = blkoff * BLK;
        let frame = &file[start..start + blkcnt * BLK];
        if frame.len() < 28 || &frame[..4] != HEAD || le32(frame, 4) != Some(pkgidx) {
            return Err(format!("package {pkgidx}: its blob has no head"));
        }
        let len = le32(frame, 12).unwrap_or(0) as usize;
        if len > BLOB_MAX || (16 + len + 12).div_ceil(BLK) != blkcnt {
            return Err(format!(
                "package {pkgidx}: a blob of {len} bytes in {blkcnt} blocks"
            ));
        }
        let tail = &frame[frame.len() - 12..];
        if &tail[8..] != TAIL || le32(tail, 4) != Some(len as u32) {
            return Err(format!("package {pkgidx}: its blob has no tail"));
        }
        if le32(tail, 0) != Some(adler32(&frame[..frame.len() - 12])) {
            return Err(format!(
                "package {pkgidx}: its blob's checksum does not hold"
            ));
        }
        Ok(&frame[16..16 + len])
    }

    pub(crate) fn read(file: &[u8]) -> Result<Headers, String> {
        if file.len() < PAGE || &file[..4] != MAGIC {
            return Err("not an rpm ndb database".into());
        }
        if le32(file, 4) != Some(0) {
            return Err(format!("ndb version {}", le32(file, 4).unwrap_or(0)));
        }
        let slot_pages = le32(file, 12).unwrap_or(0) as usize;
        if slot_pages == 0 || slot_pages > file.len() / PAGE {
            return Err(format!(
                "{slot_pages} slot pages in a file of {} bytes",
                file.len()
            ));
        }
        let blocks = file.len() / BLK;
        let first_block = slot_pages * (PAGE / BLK);
        let mut slots = Vec::new();
        for at in (32..slot_pages * PAGE).step_by(16) {
            if &file[at..at + 4] != SLOT {
                return Err(format!("slot {} is not one", at / 16));
            }
            let (pkgidx, blkoff, blkcnt) = (
                le32(file, at + 4).unwrap_or(0),
                le32(file, at + 8).unwrap_or(0) as usize,
                le32(file, at + 12).unwrap_or(0) as usize,
            );
            if blkoff == 0 {
                continue;
            }
            if pkgidx == 0 || blkcnt == 0 || blkoff < first_block || blkoff + blkcnt > blocks {
                return Err(format!(
                    "slot {}: package {pkgidx} at block {blkoff}, {blkcnt} blocks, in a file of {blocks}",
                    at / 16
                ));
            }
            if slots.len() >= PACKAGES_MAX {
                return Err(format!("more than {PACKAGES_MAX} packages"));
            }
            slots.push((blkoff, blkcnt, pkgidx));
        }
        slots.sort_unstable();
        if slots.windows(2).any(|w| w[0].0 + w[0].1 > w[1].0) {
            return Err("two packages' blobs overlap".into());
        }
        let mut out = Headers::new(file.len());
        for (blkoff, blkcnt, pkgidx) in slots {
            match blob(file, pkgidx, blkoff, blkcnt) {
                Ok(b) => out.push(b)?,
                Err(e) => out.skip(e),
            }
        }
        Ok(out)
    }

    #[cfg(test)]
    pub(crate) fn adler32_for_tests(bytes: &[u8]) -> u32 {
        adler32(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header blob of `(tag, type, data)` entries (strings given with their NUL).
    fn header_blob(entries: &[(u32, u32, &[u8])]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, kind, bytes) in entries {
            index.extend_from_slice(&tag.to_be_bytes());
            index.extend_from_slice(&kind.to_be_bytes());
            index.extend_from_slice(&(data.len() as u32).to_be_bytes());
            index.extend_from_slice(&1u32.to_be_bytes());
            data.extend_from_slice(bytes);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend(index);
        out.extend(data);
        out
    }

    fn bash() -> Vec<u8> {
        header_blob(&[
            (1000, 6, b"bash\0"),
            (1001, 6, b"5.2.26\0"),
            (1002, 6, b"3.fc40\0"),
            (1003, 4, &1u32.to_be_bytes()),
            (1014, 6, b"GPL-3.0-or-later\0"),
            (1022, 6, b"x86_64\0"),
            (1044, 6, b"bash-5.2.26-3.fc40.src.rpm\0"),
        ])
    }

    #[test]
    fn a_header_gives_its_package() {
        let h = header::parse(&bash()).unwrap();
        assert_eq!(h.evr(), "1:5.2.26-3.fc40");
        assert_eq!(h.source_name().as_deref(), Some("bash"));
        assert_eq!(h.license.as_deref(), Some("GPL-3.0-or-later"));
        assert_eq!(h.arch.as_deref(), Some("x86_64"));
    }

    /// Sets the big-endian u32 at `at`.
    fn set32(b: &mut [u8], at: usize, v: u32) {
        b[at..at + 4].copy_from_slice(&v.to_be_bytes());
    }

    #[test]
    fn hostile_headers_are_refused_with_a_reason() {
        let good = bash();
        let mut cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("empty", vec![], "truncated"),
            ("truncated", good[..good.len() - 3].to_vec(), "has"),
            ("no tags", header_blob(&[]), "0 tags"),
        ];
        let mut many = good.clone();
        set32(&mut many, 0, u32::MAX);
        cases.push(("a huge tag count", many, "tags"));
        let mut long_data = good.clone();
        set32(&mut long_data, 4, u32::MAX);
        cases.push(("a huge data length", long_data, "bytes of data"));
        let mut far = good.clone();
        set32(&mut far, 8 + 8, 1 << 30); // NAME's offset
        cases.push(("an offset past the data", far, "past"));
        let mut epoch = good.clone();
        set32(&mut epoch, 8 + 3 * 16 + 8, 0xffff_fffe); // EPOCH's offset
        cases.push(("an epoch past the data", epoch, "epoch"));
        let mut kind = good.clone();
        set32(&mut kind, 8 + 4, 4); // NAME as an INT32
        cases.push(("a name of the wrong type", kind, "not a string"));
        let unterminated = header_blob(&[(1000, 6, b"bash")]);
        cases.push(("an unterminated name", unterminated, "runs past"));
        let overlong = [vec![b'x'; 100_000], vec![0]].concat();
        cases.push((
            "an overlong license",
            header_blob(&[(1000, 6, b"bash\0"), (1014, 6, &overlong)]),
            "longer than",
        ));
        cases.push((
            "no name",
            header_blob(&[(1001, 6, b"1\0")]),
            "without a name",
        ));
        for (what, blob, says) in cases {
            let err = header::parse(&blob).expect_err(what);
            assert!(err.contains(says), "{what}: {err}");
        }
    }

    fn varint(mut v: u64) -> Vec<u8> {
        // Values below 2^56 only, enough here.
        let mut groups = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            groups.push((v & 0x7f) as u8 | 0x80);
            v >>= 7;
        }
        groups.reverse();
        groups
    }

    #[test]
    fn varints_round_trip() {
        for v in [0u64, 1, 127, 128, 300, 1 << 20, (1 << 40) + 5] {
            let b = varint(v);
            assert_eq!(sqlite::varint_for_tests(&b), Some((v, b.len())));
        }
    }

    /// An sqlite record of text, integer and blob columns.
    enum Col<'a> {
        Null,
        Int(u8),
        Text(&'a str),
        Blob(&'a [u8]),
    }

    fn record(cols: &[Col]) -> Vec<u8> {
        let mut types = Vec::new();
        let mut body = Vec::new();
        for c in cols {
            match c {
                Col::Null => types.extend(varint(0)),
                Col::Int(v) => {
                    types.extend(varint(1));
                    body.push(*v);
                }
                Col::Text(t) => {
                    types.extend(varint(13 + 2 * t.len() as u64));
                    body.extend_from_slice(t.as_bytes());
                }
                Col::Blob(b) => {
                    types.extend(varint(12 + 2 * b.len() as u64));
                    body.extend_from_slice(b);
                }
            }
        }
        let mut out = varint(1 + types.len() as u64);
        out.extend(types);
        out.extend(body);
        out
    }

    const PAGE: usize = 512;

    /// A table leaf page (at `header` in the page) with these cells, each `(size claimed,
    /// bytes after the rowid)`.
    fn leaf(page: &mut [u8], header: usize, cells: &[(u64, Vec<u8>)]) {
        page[header] = 13;
        page[header + 3..header + 5].copy_from_slice(&(cells.len() as u16).to_be_bytes());
        let mut end = PAGE;
        for (i, (size, bytes)) in cells.iter().enumerate() {
            let cell = [varint(*size), varint(i as u64 + 1), bytes.clone()].concat();
            end -= cell.len();
            page[end..end + cell.len()].copy_from_slice(&cell);
            let at = header + 8 + 2 * i;
            page[at..at + 2].copy_from_slice(&(end as u16).to_be_bytes());
        }
    }

    /// A 512-byte-page sqlite file: page 1 holds the schema (table `Packages` at page 2),
    /// then `pages` as given.
    fn sqlite_file(pages: &[Vec<u8>]) -> Vec<u8> {
        let mut first = vec![0u8; PAGE];
        first[..16].copy_from_slice(b"SQLite format 3\0");
        first[16..18].copy_from_slice(&(PAGE as u16).to_be_bytes());
        set32(&mut first, 56, 1);
        let schema = record(&[
            Col::Text("table"),
            Col::Text("Packages"),
            Col::Text("Packages"),
            Col::Int(2),
            Col::Text("CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)"),
        ]);
        leaf(&mut first, 100, &[(schema.len() as u64, schema)]);
        let mut out = first;
        for p in pages {
            out.extend_from_slice(p);
        }
        out
    }

    fn row(blob: &[u8]) -> Vec<u8> {
        record(&[Col::Null, Col::Blob(blob)])
    }

    #[test]
    fn a_hand_made_sqlite_database_is_read() {
        // The bash header fits in a 512-byte page; the row for it in the leaf.
        let blob = bash();
        let r = row(&blob);
        let mut p2 = vec![0u8; PAGE];
        leaf(&mut p2, 0, &[(r.len() as u64, r)]);
        let got = sqlite::read(&sqlite_file(&[p2]), None).unwrap();
        assert_eq!(got.headers.len(), 1);
        assert_eq!(got.headers[0].name, "bash");
    }

    #[test]
    fn hostile_sqlite_databases_end_in_an_error_not_a_hang() {
        let mut cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("not sqlite", vec![0u8; 4096], "not an sqlite database"),
            (
                "short",
                b"SQLite format 3\0".to_vec(),
                "not an sqlite database",
            ),
        ];
        let mut bad_size = sqlite_file(&[vec![0u8; PAGE]]);
        bad_size[16..18].copy_from_slice(&1000u16.to_be_bytes());
        cases.push(("a page size of 1000", bad_size, "page size"));

        // An interior page whose child is itself.
        let mut looped = vec![0u8; PAGE];
        looped[0] = 5;
        set32(&mut looped, 8, 2);
        cases.push(("a b-tree loop", sqlite_file(&[looped]), "used twice"));

        // A child past the end of the file.
        let mut far = vec![0u8; PAGE];
        far[0] = 5;
        set32(&mut far, 8, 0x7fff_ffff);
        cases.push((
            "a child past the end",
            sqlite_file(&[far]),
            "out of the database",
        ));

        // A leaf claiming more cells than a page holds.
        let mut crowded = vec![0u8; PAGE];
        crowded[0] = 13;
        crowded[3..5].copy_from_slice(&60_000u16.to_be_bytes());
        cases.push(("60000 cells", sqlite_file(&[crowded]), "claims 60000 cells"));

        // A cell pointer into the page's header.
        let mut inside = vec![0u8; PAGE];
        inside[0] = 13;
        inside[3..5].copy_from_slice(&1u16.to_be_bytes());
        inside[8..10].copy_from_slice(&2u16.to_be_bytes());
        cases.push((
            "a cell in the header",
            sqlite_file(&[inside]),
            "outside the page",
        ));

        // A row spilling onto an overflow chain that comes back to itself.
        let spill = [row(&[7u8; 2000])[..PAGE - 100].to_vec()].concat();
        let mut p2 = vec![0u8; PAGE];
        // Payload of 2000+ bytes: the local part is M = ((512-12)*32/255)-23 = 39 bytes,
        // then the first overflow page's number.
        let local = 39;
        let mut cell = spill[..local].to_vec();
        cell.extend_from_slice(&3u32.to_be_bytes());
        leaf(&mut p2, 0, &[(2006, cell)]);
        let mut p3 = vec![0u8; PAGE];
        set32(&mut p3, 0, 3);
        let room = vec![0u8; PAGE];
        cases.push((
            "an overflow loop",
            sqlite_file(&[p2, p3, room.clone(), room.clone(), room.clone(), room]),
            "used twice",
        ));

        // A row claiming a payload of 1 TiB.
        let mut huge = vec![0u8; PAGE];
        leaf(&mut huge, 0, &[(1 << 40, vec![0u8; 8])]);
        cases.push(("a 1 TiB row", sqlite_file(&[huge]), "read at most"));

        // Many cells sharing the same bytes: more header bytes than the file holds.
        let r = row(&bash());
        let mut shared = vec![0u8; PAGE];
        leaf(&mut shared, 0, &[(r.len() as u64, r)]);
        let at = u16::from_be_bytes([shared[8], shared[9]]);
        let cells = 100u16;
        shared[3..5].copy_from_slice(&cells.to_be_bytes());
        for i in 0..usize::from(cells) {
            shared[8 + 2 * i..10 + 2 * i].copy_from_slice(&at.to_be_bytes());
        }
        cases.push(("cells sharing bytes", sqlite_file(&[shared]), "share bytes"));

        // The same with rows that are no records at all (skipped, not read as headers):
        // the bytes copied still count.
        let mut junk = vec![0u8; PAGE];
        leaf(&mut junk, 0, &[(400, vec![0xff; 400])]);
        let at = u16::from_be_bytes([junk[8], junk[9]]);
        junk[3..5].copy_from_slice(&50u16.to_be_bytes());
        for i in 0..50 {
            junk[8 + 2 * i..10 + 2 * i].copy_from_slice(&at.to_be_bytes());
        }
        cases.push((
            "junk cells sharing bytes",
            sqlite_file(&[junk]),
            "share bytes",
        ));

        for (what, file, says) in cases {
            let err = sqlite::read(&file, None).expect_err(what);
            assert!(err.contains(says), "{what}: {err}");
        }
    }

    /// A little-endian Berkeley DB hash file of 512-byte pages: the meta page, then `pages`.
    fn bdb_file(pages: &[Vec<u8>]) -> Vec<u8> {
        let mut meta = vec![0u8; PAGE];
        meta[12..16].copy_from_slice(&0x0006_1561u32.to_le_bytes());
        meta[16..20].copy_from_slice(&9u32.to_le_bytes());
        meta[20..24].copy_from_slice(&(PAGE as u32).to_le_bytes());
        meta[32..36].copy_from_slice(&(pages.len() as u32).to_le_bytes());
        let mut out = meta;
        for p in pages {
            out.extend_from_slice(p);
        }
        out
    }

    /// A hash page `n` with one pair: a 4-byte key and an off-page value at `ovfl`.
    fn hash_page(n: u32, ovfl: u32, len: u32) -> Vec<u8> {
        let mut p = vec![0u8; PAGE];
        p[8..12].copy_from_slice(&n.to_le_bytes());
        p[20..22].copy_from_slice(&2u16.to_le_bytes());
        p[25] = 13;
        let key = PAGE - 5;
        p[key] = 1;
        p[key + 1..key + 5].copy_from_slice(&7u32.to_le_bytes());
        let value = key - 12;
        p[value] = 3;
        p[value + 4..value + 8].copy_from_slice(&ovfl.to_le_bytes());
        p[value + 8..value + 12].copy_from_slice(&len.to_le_bytes());
        p[26..28].copy_from_slice(&(key as u16).to_le_bytes());
        p[28..30].copy_from_slice(&(value as u16).to_le_bytes());
        p
    }

    fn overflow_page(n: u32, next: u32, bytes: &[u8]) -> Vec<u8> {
        let mut p = vec![0u8; PAGE];
        p[8..12].copy_from_slice(&n.to_le_bytes());
        p[16..20].copy_from_slice(&next.to_le_bytes());
        p[22..24].copy_from_slice(&(bytes.len() as u16).to_le_bytes());
        p[25] = 7;
        p[26..26 + bytes.len()].copy_from_slice(bytes);
        p
    }

    #[test]
    fn a_hand_made_berkeley_db_is_read_and_hostile_ones_are_noted() {
        let blob = bash();
        let (a, b) = blob.split_at(blob.len() / 2);
        let good = bdb_file(&[
            hash_page(1, 2, blob.len() as u32),
            overflow_page(2, 3, a),
            overflow_page(3, 0, b),
        ]);
        let got = bdb::read(&good).unwrap();
        assert_eq!(got.headers.len(), 1, "{got:?}");
        assert_eq!(got.headers[0].name, "bash");

        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            (
                "an overflow loop",
                bdb_file(&[hash_page(1, 2, 1200), overflow_page(2, 2, &[1; 400])]),
                "used twice",
            ),
            (
                "a 4 GiB value",
                bdb_file(&[hash_page(1, 2, u32::MAX), overflow_page(2, 0, &[1; 400])]),
                "read at most",
            ),
            (
                "a value larger than the file",
                bdb_file(&[hash_page(1, 2, 1 << 20), overflow_page(2, 0, &[1; 400])]),
                "in a file of",
            ),
            (
                "a chain to nowhere",
                bdb_file(&[hash_page(1, 900, 300)]),
                "missing",
            ),
            (
                "a chain shorter than its value",
                bdb_file(&[hash_page(1, 2, 1000), overflow_page(2, 0, &[1; 400])]),
                "missing",
            ),
        ];
        for (what, file, says) in cases {
            let got = bdb::read(&file).unwrap();
            assert_eq!((got.headers.len(), got.skipped), (0, 1), "{what}");
            let err = got.first_error.unwrap();
            assert!(err.contains(says), "{what}: {err}");
        }
        let mut pages = vec![0u8; 4096];
        pages[12..16].copy_from_slice(&0x0006_1561u32.to_le_bytes());
        pages[20..24].copy_from_slice(&1000u32.to_le_bytes());
        assert!(bdb::read(&pages).unwrap_err().contains("page size"));
        assert!(bdb::read(&[0u8; 4096])
            .unwrap_err()
            .contains("not a Berkeley DB"));
    }

    /// An ndb file as rpm's rpmpkg.c writes one: a slot page, then each blob framed.
    fn ndb_file(blobs: &[&[u8]]) -> Vec<u8> {
        let mut out = vec![0u8; 4096];
        out[..4].copy_from_slice(b"RpmP");
        out[12..16].copy_from_slice(&1u32.to_le_bytes());
        for at in (32..4096).step_by(16) {
            out[at..at + 4].copy_from_slice(b"Slot");
        }
        for (i, blob) in blobs.iter().enumerate() {
            let blkoff = out.len() / 16;
            let mut frame = Vec::new();
            frame.extend_from_slice(b"BlbS");
            frame.extend_from_slice(&(i as u32 + 1).to_le_bytes());
            frame.extend_from_slice(&1_700_000_000u32.to_le_bytes());
            frame.extend_from_slice(&(blob.len() as u32).to_le_bytes());
            frame.extend_from_slice(blob);
            let blkcnt = (frame.len() + 12).div_ceil(16);
            frame.resize(blkcnt * 16 - 12, 0);
            let adler = ndb::adler32_for_tests(&frame);
            frame.extend_from_slice(&adler.to_le_bytes());
            frame.extend_from_slice(&(blob.len() as u32).to_le_bytes());
            frame.extend_from_slice(b"BlbE");
            out.extend(frame);
            let slot = 32 + 16 * i;
            out[slot + 4..slot + 8].copy_from_slice(&(i as u32 + 1).to_le_bytes());
            out[slot + 8..slot + 12].copy_from_slice(&(blkoff as u32).to_le_bytes());
            out[slot + 12..slot + 16].copy_from_slice(&(blkcnt as u32).to_le_bytes());
        }
        out
    }

    #[test]
    fn an_ndb_database_is_read_and_hostile_ones_are_refused() {
        let other = header_blob(&[(1000, 6, b"zlib\0"), (1001, 6, b"1.3\0")]);
        let good = ndb_file(&[&bash(), &other]);
        let got = ndb::read(&good).unwrap();
        let names: Vec<_> = got.headers.iter().map(|h| h.name.as_str()).collect();
        assert_eq!((names, got.skipped), (vec!["bash", "zlib"], 0));

        // A changed byte in a blob: its checksum no longer holds.
        let mut flipped = good.clone();
        flipped[4096 + 40] ^= 1;
        let got = ndb::read(&flipped).unwrap();
        assert_eq!((got.headers.len(), got.skipped), (1, 1));
        assert!(got.first_error.unwrap().contains("checksum"));

        let mut overlap = good.clone();
        overlap[32 + 16 + 8..32 + 16 + 12].copy_from_slice(&256u32.to_le_bytes());
        let mut past = good.clone();
        past[32 + 12..32 + 16].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut in_slots = good.clone();
        in_slots[32 + 8..32 + 12].copy_from_slice(&3u32.to_le_bytes());
        let mut pages = good.clone();
        pages[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut not_slot = good.clone();
        not_slot[4000..4004].copy_from_slice(b"Xlot");
        for (what, file, says) in [
            ("overlapping blobs", overlap, "overlap"),
            ("a blob past the end", past, "in a file of"),
            ("a blob among the slots", in_slots, "at block 3"),
            ("4 G slot pages", pages, "slot pages"),
            ("a slot without its magic", not_slot, "is not one"),
            ("not ndb", vec![0u8; 8192], "not an rpm ndb"),
        ] {
            let err = ndb::read(&file).expect_err(what);
            assert!(err.contains(says), "{what}: {err}");
        }
    }

    /// Each of 3,000 copies of a good database with a few bytes changed (a fixed
    /// xorshift sequence) is read to an answer or an error, never a panic.
    #[test]
    fn mangled_databases_never_panic() {
        let blob = bash();
        let r = row(&blob);
        let mut p2 = vec![0u8; PAGE];
        leaf(&mut p2, 0, &[(r.len() as u64, r)]);
        let sqlite_good = sqlite_file(&[p2]);
        let (a, b) = blob.split_at(blob.len() / 2);
        let bdb_good = bdb_file(&[
            hash_page(1, 2, blob.len() as u32),
            overflow_page(2, 3, a),
            overflow_page(3, 0, b),
        ]);
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let ndb_good = ndb_file(&[&blob]);
        for i in 0..3000 {
            let good = [&sqlite_good, &bdb_good, &ndb_good][i % 3];
            let mut bad = good.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() as usize) % bad.len();
                bad[at] = next() as u8;
            }
            let _ = sqlite::read(&bad, None);
            let _ = bdb::read(&bad);
            let _ = ndb::read(&bad);
            let _ = header::parse(&bad[..(next() as usize) % bad.len()]);
        }
    }
}

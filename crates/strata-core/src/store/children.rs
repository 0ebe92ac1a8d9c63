//! The children cache: what each manifest and index references, kept in one file so that
//! gc, `rmi` and `prune` do not open, hash and parse every image's manifest each time.
//!
//! A manifest or index is named by the digest of its content, so the list of what it
//! references never changes: an entry, once learned from a blob whose digest was checked,
//! stays true for as long as that digest exists, whatever `index.json` says (so another
//! tool writing the layout cannot make it stale). Entries are learned lazily, by the walk
//! that needs one and does not find it, and dropped by gc (`prune`) once their blob is
//! gone; `rmi` leaves them, as they stay true, so as not to rewrite the file each time.
//!
//! Kept in `<store>/manifest-children.cache`, a text file:
//!
//! ```text
//! strata-manifest-children 1 <sha256 hex of everything after this line>
//! <document hex> <child> <child> …      one line per manifest or index
//! ```
//!
//! where a child is `m<hex>` for a manifest an index lists (followed further) and `b<hex>`
//! for a config or layer. Every child a document declares is listed, present or not, so
//! that a multi-platform index pulled for one platform reaches the manifests pulled later.
//!
//! Trust: the file is written whole, to a temporary file renamed over it, and only ever
//! under the store lock (gc, `rmi`, `prune` and `fsck` hold it), so no process sees half
//! a file or loses another's update. On reading, a file whose checksum, header or any line
//! is wrong is ignored as a whole (the walk then reads the manifests again and rewrites
//! it): a torn or corrupted cache costs one full walk, never a blob. `fsck` compares every
//! entry against the manifest it describes and rewrites the file when one differs.
//! Writing a well-formed file that lies takes write access to the store, which can delete
//! blobs directly anyway.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::walk::{Doc, Role};
use super::{Store, TMP_DIR};
use crate::digest::Digest;

pub const FILE_NAME: &str = "manifest-children.cache";
const MAGIC: &str = "strata-manifest-children";
const VERSION: u32 = 1;
/// The file is ignored beyond this (some 500,000 documents of 10 children).
const MAX_FILE: u64 = 512 << 20;
/// Indexes inside indexes deeper than this are not followed (as in the walk).
const MAX_DEPTH: usize = 8;

/// One thing a document references.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Child {
    pub digest: Digest,
    /// A manifest listed by an index: what it references is reached too.
    pub manifest: bool,
}

/// The cache, loaded. Changes are written back by [`Children::save`].
#[derive(Debug, Default)]
pub(crate) struct Children {
    docs: HashMap<Digest, Vec<Child>>,
    dirty: bool,
    /// Documents read because the cache did not know them (for tests and reports).
    pub learned: usize,
}

impl Children {
    fn path(root: &Path) -> PathBuf {
        root.join(FILE_NAME)
    }

    /// Loads the cache. A missing file is empty; one that fails any check is empty and
    /// dirty, so that it is rewritten whole.
    pub fn load(root: &Path) -> Children {
        let path = Self::path(root);
        let bytes = match fs::metadata(&path) {
            Ok(m) if m.len() <= MAX_FILE => fs::read(&path).ok(),
            Ok(_) => None,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Children::default(),
            Err(_) => None,
        };
        match bytes.as_deref().and_then(parse) {
            Some(docs) => Children {
                docs,
                ..Children::default()
            },
            None => Children {
                dirty: true,
                ..Children::default()
            },
        }
    }

    /// Whether the file was unusable, or entries were learned or dropped since loading.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// What `doc` references, reading the document when the cache does not know it.
    /// `None` when the document is absent or not a readable manifest or index.
    pub fn of(&mut self, store: &Store, doc: &Digest) -> Option<&[Child]> {
        if !self.docs.contains_key(doc) {
            let children = read_children(store, doc)?;
            self.docs.insert(doc.clone(), children);
            self.dirty = true;
            self.learned += 1;
        }
        self.docs.get(doc).map(Vec::as_slice)
    }

    /// The cached entry for `doc`, without reading anything.
    pub fn cached(&self, doc: &Digest) -> Option<&[Child]> {
        self.docs.get(doc).map(Vec::as_slice)
    }

    /// Sets the entry for `doc` (fsck, from the manifest it has just read).
    pub fn set(&mut self, doc: Digest, children: Vec<Child>) {
        if self.docs.get(&doc) != Some(&children) {
            self.docs.insert(doc, children);
            self.dirty = true;
        }
    }

    /// Keeps only the entries `keep` accepts.
    pub fn retain(&mut self, keep: impl Fn(&Digest) -> bool) {
        let before = self.docs.len();
        self.docs.retain(|d, _| keep(d));
        if self.docs.len() != before {
            self.dirty = true;
        }
    }

    /// Adds `root` and everything it reaches to `out`: the documents, and the configs and
    /// layers they declare (present or not).
    pub fn reach(&mut self, store: &Store, root: &Digest, out: &mut HashSet<Digest>) {
        let mut blobs = Vec::new();
        self.follow(store, root, out, |d| blobs.push(d.clone()));
        out.extend(blobs);
    }

    /// Adds to `out` the digests of `wanted` that `root` reaches, without collecting
    /// everything else: what `rmi` needs to know of the images it keeps. `seen` holds the
    /// documents already followed, shared across roots so that a manifest several indexes
    /// list is followed once.
    pub fn reached_among(
        &mut self,
        store: &Store,
        root: &Digest,
        wanted: &HashSet<Digest>,
        seen: &mut HashSet<Digest>,
        out: &mut HashSet<Digest>,
    ) {
        self.follow(store, root, seen, |d| {
            if wanted.contains(d) {
                out.insert(d.clone());
            }
        });
    }

    /// Follows `root` and the manifests the indexes on the way list, skipping documents
    /// already in `seen` (and adding those it follows), and calls `found` with every
    /// document followed and every config and layer they declare.
    fn follow(
        &mut self,
        store: &Store,
        root: &Digest,
        seen: &mut HashSet<Digest>,
        mut found: impl FnMut(&Digest),
    ) {
        let mut stack = vec![(root.clone(), 0usize)];
        while let Some((d, depth)) = stack.pop() {
            if !seen.insert(d.clone()) {
                continue;
            }
            found(&d);
            if depth > MAX_DEPTH {
                continue;
            }
            let Some(children) = self.of(store, &d) else {
                continue;
            };
            for c in children {
                if c.manifest {
                    stack.push((c.digest.clone(), depth + 1));
                } else {
                    found(&c.digest);
                }
            }
        }
    }

    /// Writes the file when it changed. The caller holds the store lock. A failure only
    /// costs a walk next time, so it is not an error.
    pub fn save(&mut self, root: &Path) {
        if !self.dirty {
            return;
        }
        if write(root, &self.docs).is_ok() {
            self.dirty = false;
        }
    }
}

/// What the document `d` references, from the blob itself (its digest checked on reading).
pub(crate) fn read_children(store: &Store, d: &Digest) -> Option<Vec<Child>> {
    let doc: Doc = store.read_json(d).ok()?;
    Some(children_of(&doc))
}

/// Every child a document declares that is named by a sha256 digest; other references
/// name nothing the store can hold.
pub(crate) fn children_of(doc: &Doc) -> Vec<Child> {
    doc.children()
        .filter_map(|(desc, role)| {
            let digest = desc.digest.parse::<Digest>().ok()?;
            Some(Child {
                digest,
                manifest: role == Role::Manifest,
            })
        })
        .collect()
}

fn parse(bytes: &[u8]) -> Option<HashMap<Digest, Vec<Child>>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let (head, body) = text.split_once('\n')?;
    let mut words = head.split(' ');
    if words.next()? != MAGIC || words.next()?.parse::<u32>().ok()? != VERSION {
        return None;
    }
    let sum = words.next()?;
    if words.next().is_some() || Digest::of(body.as_bytes()).hex() != sum {
        return None;
    }
    let mut docs = HashMap::new();
    for line in body.lines() {
        let mut words = line.split(' ');
        let doc = Digest::from_hex(words.next()?).ok()?;
        let mut children = Vec::new();
        for w in words {
            let manifest = match w.as_bytes().first()? {
                b'm' => true,
                b'b' => false,
                _ => return None,
            };
            let digest = Digest::from_hex(&w[1..]).ok()?;
            children.push(Child { digest, manifest });
        }
        if docs.insert(doc, children).is_some() {
            return None;
        }
    }
    Some(docs)
}

fn write(root: &Path, docs: &HashMap<Digest, Vec<Child>>) -> io::Result<()> {
    let mut body = String::with_capacity(docs.len() * 800);
    let mut keys: Vec<&Digest> = docs.keys().collect();
    keys.sort();
    for d in keys {
        body.push_str(d.hex());
        for c in &docs[d] {
            let _ = write!(
                body,
                " {}{}",
                if c.manifest { 'm' } else { 'b' },
                c.digest.hex()
            );
        }
        body.push('\n');
    }
    let sum = Digest::of(body.as_bytes());
    // Not fsynced: after a crash a torn file fails its checksum and is rebuilt.
    let mut tmp = tempfile::Builder::new()
        .prefix(".write-children-")
        .tempfile_in(root.join(TMP_DIR))?;
    let mut out = io::BufWriter::new(tmp.as_file_mut());
    writeln!(out, "{MAGIC} {VERSION} {}", sum.hex())?;
    out.write_all(body.as_bytes())?;
    out.flush()?;
    drop(out);
    tmp.persist(Children::path(root)).map_err(|e| e.error)?;
    Ok(())
}

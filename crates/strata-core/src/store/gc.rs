//! Garbage collection of what `index.json` does not reach, and `fsck`.
//!
//! Reachability comes from the children cache ([`children`](super::children)): what each
//! manifest and index references, learned once from the blob (through the store's one
//! manifest walk, [`walk`](super::walk), for fsck) and kept, so that neither gc nor `rmi`
//! opens every image's manifest. gc removes every blob under `blobs/sha256/` that no
//! `index.json` entry reaches, except blobs a live process has written and not yet named
//! (see `lock.rs`), and removes temporary files whose writer is gone; [`Store::free`]
//! (`rmi`) removes only what the removed images reached. Both hold the store lock
//! throughout, so no name can be added to a blob they are deleting. fsck reports what the
//! walk found wrong, re-hashes every blob, and checks and rewrites the children cache.

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File};
use std::io;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::blob::{NEW_PREFIX, TEMP_PREFIX, WRITE_PREFIX};
use super::children::{Child, Children, FILE_NAME as CHILDREN_FILE};
use super::index::{descriptor_digest, ImageRef};
use super::variants::Variants;
use super::walk::{Finding, Walk, Wrong};
use super::{Store, StoreError, INDEX_FILE, LAYOUT_FILE};
use crate::digest::{Digest, Hasher};

/// A temporary file whose lock cannot be tested (a filesystem without `flock`) is
/// considered abandoned when it has not changed for this long.
const TEMP_GRACE: Duration = Duration::from_secs(30 * 60);

/// One blob removed by gc.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemovedBlob {
    pub digest: Digest,
    pub size: u64,
}

/// What gc did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GcReport {
    /// Blobs removed, in digest order.
    pub removed: Vec<RemovedBlob>,
    /// Bytes freed: removed blobs and temporary files.
    pub bytes_freed: u64,
    /// Temporary files of dead writers removed.
    pub temp_files_removed: usize,
    /// Unreachable blobs kept because a live process is about to name them.
    pub kept_pending: usize,
}

/// What kind of problem fsck found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FsckKind {
    /// A blob's content does not hash to its name.
    CorruptBlob,
    /// A manifest, config or layer a name needs is absent.
    MissingBlob,
    /// A descriptor's size differs from the blob's.
    SizeMismatch,
    /// A manifest or index cannot be parsed.
    BadManifest,
    /// `oci-layout` or `index.json` is unreadable, or an entry is unusable.
    BadIndex,
    /// A file in `blobs/sha256/` that is not named by a digest.
    StrayFile,
}

/// One problem found by fsck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FsckProblem {
    pub kind: FsckKind,
    /// The blob digest, name or file concerned.
    pub subject: String,
    pub message: String,
}

impl FsckProblem {
    fn new(kind: FsckKind, subject: String, message: impl Into<String>) -> Self {
        FsckProblem {
            kind,
            subject,
            message: message.into(),
        }
    }
}

/// What fsck checked and found. It reports; it does not repair.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FsckReport {
    pub blobs_checked: usize,
    pub bytes_checked: u64,
    pub refs_checked: usize,
    /// Things that are wrong: an image that cannot be used, a blob that lies.
    pub problems: Vec<FsckProblem>,
    /// Things worth knowing that are not wrong (partial multi-platform images,
    /// unreferenced blobs, leftover temporary files).
    pub notes: Vec<String>,
}

impl FsckReport {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

impl Store {
    /// Removes every blob `index.json` does not reach (see the module doc) and the
    /// temporary files of dead writers.
    pub fn gc(&self) -> Result<GcReport, StoreError> {
        let _lock = self.lock()?;
        let mut report = GcReport::default();
        let mut children = Children::load(self.root());
        let live = self.live(&mut children)?;
        let pending: HashSet<Digest> = self.pending_blobs()?.into_iter().collect();
        // Names only: a blob kept needs no stat, so gc's cost beyond the walk is the
        // directory listing plus what it removes.
        for digest in self.blob_names()? {
            if live.contains(&digest) {
                continue;
            }
            if pending.contains(&digest) {
                report.kept_pending += 1;
                continue;
            }
            self.remove_blob(digest, &mut report)?;
        }
        if !report.removed.is_empty() {
            super::sync_dir(&self.blobs_dir())?;
        }
        children.retain(|d| live.contains(d));
        children.save(self.root());
        let live = |d: &Digest| live.contains(d);
        Variants::retain(self.root(), &live, &|d| self.has_blob(d));
        let (files, bytes) = self.remove_dead_temps()?;
        report.temp_files_removed = files;
        report.bytes_freed += bytes;
        Ok(report)
    }

    /// Frees what only the images `removed` (manifest or index digests no longer in
    /// `index.json`, as [`Store::remove_image`] reports them) reached: their manifests,
    /// configs, layers and the compressed variants of those layers, unless an image still
    /// named reaches them or a live process is about to name them. Unlike [`Store::gc`] it
    /// does not list the store's blobs, and of the images kept it collects only which of
    /// these few blobs they reach, so its cost beyond reading `index.json` and the children
    /// cache follows what it removes; blobs left unreachable by something else (an
    /// interrupted pull) wait for `prune`. An image still in `index.json` frees nothing.
    pub fn free(&self, removed: &[Digest]) -> Result<GcReport, StoreError> {
        let _lock = self.lock()?;
        let mut report = GcReport::default();
        // `rmi` of names whose image stays frees nothing: the cache is not even read.
        let mut children = if removed.is_empty() {
            Children::default()
        } else {
            Children::load(self.root())
        };
        let mut candidates = HashSet::new();
        for d in removed {
            children.reach(self, d, &mut candidates);
        }
        if !candidates.is_empty() {
            let variants = Variants::load(self.root());
            let made_from_candidates = variants.of(&|d| candidates.contains(d));
            candidates.extend(made_from_candidates);
            // A candidate that is a compressed variant stays while the layer it was made
            // from is reached, so those layers are looked for too.
            let mut wanted = candidates.clone();
            wanted.extend(variants.sources(&|v| candidates.contains(v)));
            let mut reached = HashSet::new();
            let mut seen = HashSet::new();
            for d in self.entry_digests()? {
                children.reached_among(self, &d, &wanted, &mut seen, &mut reached);
            }
            let kept_variants = variants.of(&|d| reached.contains(d));
            let mut doomed: Vec<Digest> = candidates
                .into_iter()
                .filter(|d| !reached.contains(d) && !kept_variants.contains(d))
                .collect();
            if !doomed.is_empty() {
                let pending: HashSet<Digest> = self.pending_blobs()?.into_iter().collect();
                doomed.sort();
                for digest in doomed {
                    if pending.contains(&digest) {
                        report.kept_pending += 1;
                    } else {
                        self.remove_blob(digest, &mut report)?;
                    }
                }
            }
        }
        if !report.removed.is_empty() {
            super::sync_dir(&self.blobs_dir())?;
        }
        // The removed documents' entries stay: an entry is true of its digest forever
        // (see `children`), and dropping them would rewrite the whole file on every rmi;
        // gc drops them. Saved only when a document had to be read.
        children.save(self.root());
        let gone: HashSet<&Digest> = report.removed.iter().map(|b| &b.digest).collect();
        if !gone.is_empty() {
            // Only the entries of what went now; others of layers no longer reached wait
            // for gc, which knows everything reached.
            let kept = |d: &Digest| !gone.contains(d);
            Variants::retain(self.root(), &kept, &kept);
        }
        let (files, bytes) = self.remove_dead_temps()?;
        report.temp_files_removed = files;
        report.bytes_freed += bytes;
        Ok(report)
    }

    /// Everything an `index.json` entry reaches (documents, configs and layers, present
    /// or not), from the children cache, and the compressed variants of those layers.
    /// The caller holds the lock.
    fn live(&self, children: &mut Children) -> Result<HashSet<Digest>, StoreError> {
        let mut out = HashSet::new();
        for d in self.entry_digests()? {
            children.reach(self, &d, &mut out);
        }
        let variants = Variants::load(self.root()).of(&|d| out.contains(d));
        out.extend(variants);
        Ok(out)
    }

    /// Removes one unreachable blob, noting it in `report`; one already gone is skipped.
    fn remove_blob(&self, digest: Digest, report: &mut GcReport) -> Result<(), StoreError> {
        let path = self.blob_path(&digest);
        let size = match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() => meta.len(),
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(StoreError::io("read", &path, e)),
        };
        match fs::remove_file(&path) {
            Ok(()) => {
                report.bytes_freed += size;
                report.removed.push(RemovedBlob { digest, size });
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StoreError::io("remove", &path, e)),
        }
    }

    /// The names of the blobs present, from the directory listing alone (no stat). Files
    /// not named by a digest are skipped.
    fn blob_names(&self) -> Result<Vec<Digest>, StoreError> {
        let dir = self.blobs_dir();
        let mut out = Vec::new();
        let entries = fs::read_dir(&dir).map_err(|e| StoreError::io("list", &dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| StoreError::io("list", &dir, e))?;
            if let Some(d) = entry
                .file_name()
                .to_str()
                .and_then(|n| Digest::from_hex(n).ok())
            {
                out.push(d);
            }
        }
        out.sort();
        Ok(out)
    }

    /// The blobs present, with sizes. Files not named by a digest are skipped.
    pub(crate) fn list_blobs(&self) -> Result<Vec<(Digest, u64)>, StoreError> {
        let dir = self.blobs_dir();
        let mut out = Vec::new();
        let entries = fs::read_dir(&dir).map_err(|e| StoreError::io("list", &dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| StoreError::io("list", &dir, e))?;
            let name = entry.file_name();
            let Some(d) = name.to_str().and_then(|n| Digest::from_hex(n).ok()) else {
                continue;
            };
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_file() {
                out.push((d, meta.len()));
            }
        }
        out.sort();
        Ok(out)
    }

    /// Temporary files in `tmp/` whose writer is gone: not locked (or, where locks cannot
    /// be tested, unchanged for [`TEMP_GRACE`]).
    fn dead_temps(&self) -> Result<Vec<(std::path::PathBuf, u64)>, StoreError> {
        let dir = self.tmp_dir();
        let mut out = Vec::new();
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(StoreError::io("list", &dir, e)),
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let fresh_name = name.starts_with(NEW_PREFIX);
            if !(fresh_name || name.starts_with(TEMP_PREFIX) || name.starts_with(WRITE_PREFIX)) {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            let path = entry.path();
            let old = || {
                meta.modified()
                    .ok()
                    .and_then(|m| SystemTime::now().duration_since(m).ok())
                    .is_some_and(|age| age > TEMP_GRACE)
            };
            let dead = match File::open(&path).map(|f| f.try_lock()) {
                // Not locked yet: its writer may be between create and lock.
                _ if fresh_name => old(),
                Ok(Ok(())) => true,
                Ok(Err(fs::TryLockError::WouldBlock)) => false,
                Ok(Err(fs::TryLockError::Error(_))) | Err(_) => old(),
            };
            if dead {
                out.push((path, meta.len()));
            }
        }
        Ok(out)
    }

    fn remove_dead_temps(&self) -> Result<(usize, u64), StoreError> {
        let (mut files, mut bytes) = (0, 0);
        for (path, size) in self.dead_temps()? {
            // `.write-` files of atomic writes are only ever written under the store lock,
            // which gc holds, and the others are locked while in use (`locked_temp_file`):
            // any found unlocked now is a leftover.
            if fs::remove_file(&path).is_ok() {
                files += 1;
                bytes += size;
            }
        }
        Ok((files, bytes))
    }

    /// Re-hashes every blob and checks that every name's manifest, config and layers are
    /// present with the sizes their descriptors state. Reports; does not repair.
    pub fn fsck(&self) -> Result<FsckReport, StoreError> {
        let mut report = FsckReport::default();
        // Checked, never rewritten: fsck reports and does not repair.
        if let Err(e) = self.check_layout_version(&self.path(LAYOUT_FILE)) {
            report.problems.push(FsckProblem::new(
                FsckKind::BadIndex,
                LAYOUT_FILE.into(),
                e.to_string(),
            ));
        }

        // Names and what they reach, under the lock so that gc does not remove blobs
        // under our feet and make a consistent store look broken.
        let reachable = {
            let _lock = self.lock()?;
            let entries = match self.entries() {
                Ok(e) => e,
                Err(e) => {
                    report.problems.push(FsckProblem::new(
                        FsckKind::BadIndex,
                        INDEX_FILE.into(),
                        e.to_string(),
                    ));
                    Vec::new()
                }
            };
            let mut walk = Walk::recording_docs();
            let mut reachable = BTreeMap::new();
            for entry in &entries {
                report.refs_checked += 1;
                self.check_entry(entry, &mut walk, &mut reachable, &mut report);
            }
            self.rebuild_children(walk.docs.take().unwrap_or_default(), &mut report);
            for finding in walk.findings {
                match finding {
                    Finding::Wrong {
                        kind,
                        subject,
                        message,
                    } => report.problems.push(FsckProblem::new(
                        match kind {
                            Wrong::BadManifest => FsckKind::BadManifest,
                            Wrong::SizeMismatch => FsckKind::SizeMismatch,
                            Wrong::MissingBlob => FsckKind::MissingBlob,
                        },
                        subject,
                        message,
                    )),
                    Finding::Note(note) => report.notes.push(note),
                }
            }
            reachable
        };

        // Every blob's content, without the lock: this is the long part, and a blob,
        // once renamed into place, never changes.
        let dir = self.blobs_dir();
        let listing = fs::read_dir(&dir).map_err(|e| StoreError::io("list", &dir, e))?;
        let mut unreferenced = (0usize, 0u64);
        for entry in listing.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(d) = Digest::from_hex(&name) else {
                report.problems.push(FsckProblem::new(
                    FsckKind::StrayFile,
                    format!("blobs/sha256/{name}"),
                    "a file not named by a sha256 digest",
                ));
                continue;
            };
            match self.hash_blob(&d) {
                Ok(Some((actual, size))) => {
                    report.blobs_checked += 1;
                    report.bytes_checked += size;
                    if actual != d {
                        report.problems.push(FsckProblem::new(
                            FsckKind::CorruptBlob,
                            d.to_string(),
                            format!("content hashes to {actual}"),
                        ));
                    }
                    if !reachable.contains_key(&d) {
                        unreferenced.0 += 1;
                        unreferenced.1 += size;
                    }
                }
                Ok(None) => {}
                Err(e) => report.problems.push(FsckProblem::new(
                    FsckKind::CorruptBlob,
                    d.to_string(),
                    e.to_string(),
                )),
            }
        }
        if unreferenced.0 > 0 {
            report.notes.push(format!(
                "{} blob(s), {} bytes, are not used by any image; `strata prune` removes them",
                unreferenced.0, unreferenced.1
            ));
        }
        let temps = self.dead_temps()?;
        if !temps.is_empty() {
            report.notes.push(format!(
                "{} temporary file(s) left by interrupted writes; `strata prune` removes them",
                temps.len()
            ));
        }
        Ok(report)
    }

    /// Checks the children cache against the manifests and indexes fsck's walk has just
    /// read, and rewrites it from them: entries that differ are noted and replaced,
    /// entries of documents no name reaches dropped, missing ones added. The caller holds
    /// the lock.
    fn rebuild_children(&self, docs: Vec<(Digest, Vec<Child>)>, report: &mut FsckReport) {
        let mut children = Children::load(self.root());
        let unreadable = children.is_dirty();
        let mut wrong = 0usize;
        let mut seen = HashSet::new();
        for (d, found) in docs {
            if children.cached(&d).is_some_and(|c| c != found.as_slice()) {
                wrong += 1;
            }
            children.set(d.clone(), found);
            seen.insert(d);
        }
        children.retain(|d| seen.contains(d));
        children.save(self.root());
        if unreadable {
            report.notes.push(format!(
                "{CHILDREN_FILE} was unreadable (torn or corrupted); rebuilt from the manifests"
            ));
        }
        if wrong > 0 {
            report.notes.push(format!(
                "{wrong} entr{} of {CHILDREN_FILE} did not match the manifest(s) they describe; rewritten",
                if wrong == 1 { "y" } else { "ies" }
            ));
        }
    }

    fn check_entry(
        &self,
        entry: &ImageRef,
        walk: &mut Walk,
        reachable: &mut BTreeMap<Digest, u64>,
        report: &mut FsckReport,
    ) {
        let subject = if entry.name.is_empty() {
            entry.descriptor.digest().to_string()
        } else {
            entry.name.clone()
        };
        let d = match descriptor_digest(&entry.descriptor) {
            Ok(d) => d,
            Err(e) => {
                report
                    .problems
                    .push(FsckProblem::new(FsckKind::BadIndex, subject, e.to_string()));
                return;
            }
        };
        match self.blob_size(&d) {
            Ok(size) if size != entry.descriptor.size() => {
                report.problems.push(FsckProblem::new(
                    FsckKind::SizeMismatch,
                    subject,
                    format!(
                        "index.json says {} bytes for {d}, the blob has {size}",
                        entry.descriptor.size()
                    ),
                ));
            }
            Ok(_) => {}
            Err(_) => {
                report.problems.push(FsckProblem::new(
                    FsckKind::MissingBlob,
                    subject,
                    format!("its manifest {d} is missing"),
                ));
                return;
            }
        }
        walk.visit(self, &d, 0, reachable);
    }

    /// Hashes a blob; `None` when it vanished meanwhile (gc).
    fn hash_blob(&self, d: &Digest) -> Result<Option<(Digest, u64)>, StoreError> {
        let mut file = match self.open_blob(d) {
            Ok(f) => f,
            Err(StoreError::BlobNotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut hasher = Hasher::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = io::Read::read(&mut file, &mut buf)
                .map_err(|e| StoreError::io("read", &self.blob_path(d), e))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(Some(hasher.finish()))
    }
}

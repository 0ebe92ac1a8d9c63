//! The local store: an [OCI image layout] that `skopeo` (`oci:DIR:REF`) and `umoci` read
//! as it is.
//!
//! ```text
//! <root>/oci-layout            {"imageLayoutVersion":"1.0.0"}
//! <root>/index.json            one descriptor per name (see [`index`](self) below)
//! <root>/blobs/sha256/<hex>    content, named by its digest, written once
//! <root>/tmp/                  Strata's temporary files (same filesystem, so rename is atomic)
//! <root>/tmp/sessions/         blobs written but not yet named, per live process (see gc)
//! <root>/index.lock            the cross-process lock around index updates and gc
//! <root>/containers/<id>/container.json   containers (see [`Store::holders`])
//! ```
//!
//! Crash safety: a blob is streamed into `tmp/`, hashed while written, fsynced, checked
//! against its expected digest and size, and only then renamed into `blobs/sha256/`; the
//! directory is fsynced after. `index.json` is rewritten the same way (temp, fsync,
//! rename) under [`Store::lock`]. A reader therefore sees either the old or the new state,
//! never a half blob or a half index, whatever process dies when.
//!
//! [OCI image layout]: https://github.com/opencontainers/image-spec/blob/main/image-layout.md

mod blob;
mod children;
mod gc;
mod index;
mod lock;
mod remove;
mod tag;
mod usage;
pub mod variants;
mod walk;

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::de::DeserializeOwned;

use crate::digest::{Digest, DigestError};
use crate::problem::{Code, Hint, HintKey};
use crate::reference::ReferenceError;

pub(crate) use blob::locked_temp_file;
pub use blob::BlobWriter;
pub use gc::{FsckKind, FsckProblem, FsckReport, GcReport, RemovedBlob};
pub use index::{ImageRef, ANNOTATION_CONTAINERD_NAME};
pub use lock::StoreLock;
pub use remove::{PruneReport, RemoveOutcome};
pub use usage::{ContainerRecord, DiskUsage, ImageSummary};

/// JSON blobs (manifests, configs, indexes) larger than this are refused by
/// [`Store::read_json`]: real ones are kilobytes, and a hostile one should not exhaust memory.
pub const JSON_MAX: u64 = 4 * 1024 * 1024;

const LAYOUT_FILE: &str = "oci-layout";
const LAYOUT_VERSION: &str = "1.0.0";
const INDEX_FILE: &str = "index.json";
const LOCK_FILE: &str = "index.lock";
const TMP_DIR: &str = "tmp";
const CONTAINERS_DIR: &str = "containers";

/// Errors from the store. Every message names the blob, image or file concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A filesystem operation failed.
    #[error("cannot {action} {}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The blob is not in the store.
    #[error("blob {0} is not in the store")]
    BlobNotFound(Digest),
    /// No image has this name or ID.
    #[error("no image \"{0}\" in the store")]
    ImageNotFound(String),
    /// A short ID matches more than one image.
    #[error("\"{input}\" matches several images: {}", candidates.join(", "))]
    Ambiguous {
        input: String,
        candidates: Vec<String>,
    },
    /// A blob is larger than the caller allows (JSON read into memory).
    #[error("blob {digest} is {size} bytes, more than the {max} bytes allowed for it")]
    TooLarge { digest: Digest, size: u64, max: u64 },
    /// Content did not match its digest or size: nothing was stored.
    #[error("refused a blob: {0}")]
    Digest(#[from] DigestError),
    /// A blob is not the JSON document expected.
    #[error("blob {digest} is not a valid {what}")]
    Json {
        digest: Digest,
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// The folder is not an OCI layout Strata can use (wrong version, unreadable index).
    #[error("{} is not a usable OCI image layout: {reason}", path.display())]
    Layout { path: PathBuf, reason: String },
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    /// A name pins a digest that is not the descriptor's.
    #[error("cannot point {name} at {actual}: the name pins another digest")]
    PinnedDigest { name: String, actual: String },
    /// A descriptor names a digest algorithm the store does not keep.
    #[error("unsupported digest `{0}`: the store keeps sha256 blobs only")]
    UnsupportedDigest(String),
    /// The image is used by containers and `force` was not given.
    #[error("image {image} is used by container(s) {}", holders.join(", "))]
    InUse { image: String, holders: Vec<String> },
    /// An image ID names an image with several names and `force` was not given.
    #[error("image {id} has several names ({}); remove them by name, or force", names.join(", "))]
    SeveralNames { id: String, names: Vec<String> },
}

impl crate::problem::Explain for StoreError {
    fn code(&self) -> Code {
        match self {
            StoreError::Io { .. } => Code::StoreIo,
            StoreError::BlobNotFound(_) => Code::StoreBlobNotFound,
            StoreError::ImageNotFound(_) => Code::StoreNotFound,
            StoreError::Ambiguous { .. } => Code::StoreAmbiguous,
            StoreError::TooLarge { .. } => Code::StoreTooLarge,
            StoreError::Digest(e) => crate::problem::Explain::code(e),
            StoreError::Json { .. } => Code::StoreInvalidJson,
            StoreError::Layout { .. } => Code::StoreLayout,
            StoreError::Reference(e) => crate::problem::Explain::code(e),
            StoreError::PinnedDigest { .. } => Code::StorePinnedDigest,
            StoreError::UnsupportedDigest(_) => Code::DigestInvalid,
            StoreError::InUse { .. } => Code::StoreInUse,
            StoreError::SeveralNames { .. } => Code::StoreSeveralNames,
        }
    }
    fn hint(&self) -> Option<Hint> {
        let key = match self {
            StoreError::ImageNotFound(_) => HintKey::StoreListImages,
            StoreError::Ambiguous { .. } => HintKey::StoreMoreDigits,
            StoreError::BlobNotFound(_) | StoreError::Json { .. } => HintKey::StoreRepair,
            StoreError::Layout { .. } => HintKey::StoreChooseHome,
            StoreError::InUse { .. } => HintKey::StoreRemoveContainersFirst,
            StoreError::SeveralNames { .. } => HintKey::StoreForceAllNames,
            StoreError::Reference(e) => return crate::problem::Explain::hint(e),
            StoreError::Digest(e) => return crate::problem::Explain::hint(e),
            _ => return None,
        };
        Some(key.into())
    }
}

impl StoreError {
    pub(crate) fn io(action: &'static str, path: &Path, source: io::Error) -> StoreError {
        StoreError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// A handle on one store. Cheap to clone; clones share the in-process lock state.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    root: PathBuf,
    /// Shared by every handle on the same folder in this process (see `lock.rs`).
    lock: Arc<lock::LockState>,
    session: Mutex<lock::Session>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("root", &self.inner.root)
            .finish()
    }
}

impl Store {
    /// Opens the store at `root`, creating the layout (folders, `oci-layout`, an empty
    /// `index.json`) when missing. An existing layout of another major version is refused.
    pub fn open(root: &Path) -> Result<Store, StoreError> {
        for dir in [
            root.to_path_buf(),
            root.join("blobs").join("sha256"),
            root.join(TMP_DIR),
        ] {
            fs::create_dir_all(&dir).map_err(|e| StoreError::io("create the folder", &dir, e))?;
        }
        let store = Store {
            inner: Arc::new(Inner {
                root: root.to_path_buf(),
                lock: lock::LockState::for_root(root),
                session: Mutex::new(lock::Session::default()),
            }),
        };
        store.check_layout()?;
        Ok(store)
    }

    /// The layout's folder.
    pub fn root(&self) -> &Path {
        &self.inner.root
    }

    fn path(&self, name: &str) -> PathBuf {
        self.inner.root.join(name)
    }

    /// The store's own temporary folder, on the store's disk. `gc` removes only the
    /// store's own dead temporary files from it, never folders.
    pub fn tmp_dir(&self) -> PathBuf {
        self.path(TMP_DIR)
    }

    fn blobs_dir(&self) -> PathBuf {
        self.inner.root.join("blobs").join("sha256")
    }

    fn check_layout(&self) -> Result<(), StoreError> {
        let layout = self.path(LAYOUT_FILE);
        let index = self.path(INDEX_FILE);
        if layout.exists() && index.exists() {
            return self.check_layout_version(&layout);
        }
        // Two processes may open a new store at once: create the files under the lock,
        // and each by rename, so that neither sees a half-written one.
        let _lock = self.lock()?;
        if layout.exists() {
            self.check_layout_version(&layout)?;
        } else {
            let text = format!("{{\"imageLayoutVersion\":\"{LAYOUT_VERSION}\"}}");
            self.write_atomic(&layout, text.as_bytes())?;
        }
        if !index.exists() {
            self.write_index(&index::IndexFile::default())?;
        }
        Ok(())
    }

    fn check_layout_version(&self, path: &Path) -> Result<(), StoreError> {
        #[derive(serde::Deserialize)]
        struct Layout {
            #[serde(rename = "imageLayoutVersion")]
            version: String,
        }
        let bytes = read_capped(path, 64 * 1024)?;
        let layout: Layout = serde_json::from_slice(&bytes).map_err(|e| StoreError::Layout {
            path: self.root().to_path_buf(),
            reason: format!("oci-layout is not valid: {e}"),
        })?;
        if !layout.version.starts_with("1.") {
            return Err(StoreError::Layout {
                path: self.root().to_path_buf(),
                reason: format!(
                    "image layout version {} is not supported (expected 1.x)",
                    layout.version
                ),
            });
        }
        Ok(())
    }

    /// Writes a small file atomically: temp in `tmp/`, fsync, rename, fsync the folder.
    fn write_atomic(&self, dest: &Path, bytes: &[u8]) -> Result<(), StoreError> {
        let mut tmp = tempfile::Builder::new()
            .prefix(".write-")
            .tempfile_in(self.tmp_dir())
            .map_err(|e| StoreError::io("create a temporary file in", &self.tmp_dir(), e))?;
        io::Write::write_all(&mut tmp, bytes)
            .and_then(|_| tmp.as_file().sync_all())
            .map_err(|e| StoreError::io("write", tmp.path(), e))?;
        tmp.persist(dest)
            .map_err(|e| StoreError::io("replace", dest, e.error))?;
        sync_dir(dest.parent().unwrap_or(self.root()))
    }

    // ---- blobs -------------------------------------------------------------------------

    /// Whether the blob is present (its content is not re-verified; `fsck` does that).
    pub fn has_blob(&self, d: &Digest) -> bool {
        self.blob_path(d).is_file()
    }

    /// Where the blob lives (whether or not it is present).
    pub fn blob_path(&self, d: &Digest) -> PathBuf {
        self.blobs_dir().join(d.hex())
    }

    /// Opens a blob for reading. A missing blob is [`StoreError::BlobNotFound`].
    pub fn open_blob(&self, d: &Digest) -> Result<File, StoreError> {
        let path = self.blob_path(d);
        File::open(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => StoreError::BlobNotFound(d.clone()),
            _ => StoreError::io("open", &path, e),
        })
    }

    /// The blob's size in bytes.
    pub fn blob_size(&self, d: &Digest) -> Result<u64, StoreError> {
        let path = self.blob_path(d);
        match fs::metadata(&path) {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(StoreError::BlobNotFound(d.clone()))
            }
            Err(e) => Err(StoreError::io("read the size of", &path, e)),
        }
    }

    /// Reads a whole blob into memory, refusing one larger than `max`, and checks its
    /// digest (cheap for the small blobs this is meant for, and it stops a corrupted
    /// manifest from being trusted).
    pub fn read_blob(&self, d: &Digest, max: u64) -> Result<Vec<u8>, StoreError> {
        let file = self.open_blob(d)?;
        let size = file
            .metadata()
            .map_err(|e| StoreError::io("read the size of", &self.blob_path(d), e))?
            .len();
        if size > max {
            return Err(StoreError::TooLarge {
                digest: d.clone(),
                size,
                max,
            });
        }
        let mut bytes = Vec::with_capacity(size as usize);
        file.take(max + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| StoreError::io("read", &self.blob_path(d), e))?;
        let actual = Digest::of(&bytes);
        crate::digest::verify(d, None, &actual, bytes.len() as u64)?;
        Ok(bytes)
    }

    /// Reads and parses a JSON blob (manifest, index, config), capped at [`JSON_MAX`].
    pub fn read_json<T: DeserializeOwned>(&self, d: &Digest) -> Result<T, StoreError> {
        let bytes = self.read_blob(d, JSON_MAX)?;
        serde_json::from_slice(&bytes).map_err(|source| StoreError::Json {
            digest: d.clone(),
            what: std::any::type_name::<T>()
                .rsplit("::")
                .next()
                .map_or("JSON document", json_what),
            source,
        })
    }

    /// Streams `r` into the store. With `expected`, the content must have that digest and
    /// size (at most `size + 1` bytes are read, so a lying source cannot fill the disk);
    /// a blob already present is not read or rewritten.
    pub fn put_blob(
        &self,
        r: impl Read,
        expected: Option<(&Digest, u64)>,
    ) -> Result<(Digest, u64), StoreError> {
        if let Some((d, size)) = expected {
            if self.keep_existing(d)? {
                return Ok((d.clone(), size));
            }
        }
        let mut w = self.blob_writer()?;
        let mut r: Box<dyn Read> = match expected {
            Some((_, size)) => Box::new(r.take(size.saturating_add(1))),
            None => Box::new(r),
        };
        io::copy(&mut r, &mut w)
            .map_err(|e| StoreError::io("write a blob into", &self.tmp_dir(), e))?;
        w.commit(expected)
    }

    /// Stores a small blob held in memory (a manifest, a config).
    pub fn put_bytes(&self, bytes: &[u8]) -> Result<(Digest, u64), StoreError> {
        let d = Digest::of(bytes);
        let size = bytes.len() as u64;
        if self.keep_existing(&d)? {
            return Ok((d, size));
        }
        let mut w = self.blob_writer()?;
        io::Write::write_all(&mut w, bytes)
            .map_err(|e| StoreError::io("write a blob into", &self.tmp_dir(), e))?;
        w.commit(Some((&d, size)))
    }

    /// A writer for a blob whose digest is known only at the end (a layer being built).
    pub fn blob_writer(&self) -> Result<BlobWriter, StoreError> {
        BlobWriter::new(self.clone())
    }

    /// When the blob is already present, records it as pending for this process (so that
    /// a concurrent gc keeps it until it is named) and says so.
    fn keep_existing(&self, d: &Digest) -> Result<bool, StoreError> {
        if !self.has_blob(d) {
            return Ok(false);
        }
        let _lock = self.lock()?;
        // Re-checked under the lock: gc, which holds it, may have just removed it.
        if self.has_blob(d) {
            self.record_pending(std::slice::from_ref(d))?;
            return Ok(true);
        }
        Ok(false)
    }

    // ---- containers --------------------------------------------------------------------

    /// Containers that use the image `target` (a manifest or index digest), by name.
    ///
    /// Containers live in `<root>/containers/<id>/container.json`, a JSON object with at
    /// least `"image_digest": "sha256:…"` (the manifest or index the container was created
    /// from) and optionally `"name"`; see [`ContainerRecord`]. A container counts as a
    /// holder when its `image_digest` is `target` or a manifest inside the index `target`.
    /// Until containers exist the folder is absent and this returns nothing.
    pub fn holders(&self, target: &Digest) -> Vec<String> {
        usage::holders(self, target)
    }

    pub(crate) fn containers_dir(&self) -> PathBuf {
        self.path(CONTAINERS_DIR)
    }
}

fn json_what(type_name: &str) -> &'static str {
    match type_name {
        n if n.starts_with("ImageManifest") => "image manifest",
        n if n.starts_with("ImageIndex") => "image index",
        n if n.starts_with("ImageConfiguration") => "image config",
        _ => "JSON document",
    }
}

/// Reads a small file, refusing more than `max` bytes.
pub(crate) fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, StoreError> {
    let file = File::open(path).map_err(|e| StoreError::io("open", path, e))?;
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| StoreError::io("read", path, e))?;
    if bytes.len() as u64 > max {
        return Err(StoreError::Layout {
            path: path.to_path_buf(),
            reason: format!("the file is larger than {max} bytes"),
        });
    }
    Ok(bytes)
}

/// Makes a rename or a new file in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|f| f.sync_all())
            .map_err(|e| StoreError::io("sync the folder", dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests;

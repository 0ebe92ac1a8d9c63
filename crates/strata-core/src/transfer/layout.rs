//! An [OCI image layout] as the end of a transfer: a folder, or the same in a tar (an OCI
//! archive). Every blob goes to `blobs/sha256/<hex>`, re-hashed on its way in, so that a
//! damaged source cannot produce a damaged layout silently; manifests too, the top one
//! last; [`LayoutSink::finish`] then writes `index.json`, one entry naming the top.
//!
//! The layout is written where the caller says (a temporary file or folder): putting it
//! in place is the caller's rule, not the sink's.
//!
//! [OCI image layout]: https://github.com/opencontainers/image-spec/blob/main/image-layout.md

use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::endpoint::{Blob, Data, Manifest, Mount, Origin, Role, Sink};
use super::files::{digest_error, io_error, on_thread, Files, QUEUED_PIECES};
use crate::digest::{Digest, HashingReader};
use crate::image::model::{ANNOTATION_CONTAINERD_NAME, ANNOTATION_REF_NAME};
use crate::image::tarout::TarOut;
use crate::reference::Reference;
use crate::registry::RegistryError;
use crate::task::{Meter, UnitState};

/// `oci-layout`: the version of the layout.
const OCI_LAYOUT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;

/// An OCI layout being written.
pub struct LayoutSink {
    files: Arc<Mutex<Option<Files>>>,
    /// The name `index.json` gives the top, if any.
    name: Option<Reference>,
    /// The top manifest or index, once written: media type, digest, size.
    top: Mutex<Option<(String, Digest, u64)>>,
    bytes: Arc<AtomicU64>,
}

impl LayoutSink {
    /// A layout in a tar, written into `file` (an OCI archive).
    pub fn archive(file: File, name: Option<&Reference>) -> Result<LayoutSink, RegistryError> {
        Self::start(Files::Tar(TarOut::new(file)), name)
    }

    /// A layout in the folder `root`, which exists and is empty.
    pub fn dir(root: PathBuf, name: Option<&Reference>) -> Result<LayoutSink, RegistryError> {
        Self::start(Files::Dir(root), name)
    }

    fn start(mut files: Files, name: Option<&Reference>) -> Result<LayoutSink, RegistryError> {
        let at = files.describe().to_path_buf();
        (|| {
            files.bytes("oci-layout", OCI_LAYOUT)?;
            files.dir("blobs/")?;
            files.dir("blobs/sha256/")
        })()
        .map_err(|e| io_error(&at, e))?;
        Ok(LayoutSink {
            files: Arc::new(Mutex::new(Some(files))),
            name: name.cloned(),
            top: Mutex::new(None),
            bytes: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Writes `index.json` (the top, named as the sink was told) and ends the layout;
    /// returns the top's digest and the bytes of blobs written.
    pub fn finish(self) -> Result<(Digest, u64), RegistryError> {
        let Some((media_type, digest, size)) = self.top.lock().unwrap().take() else {
            return Err(RegistryError::Protocol {
                registry: "the store".into(),
                reason: "the image has no top manifest".into(),
            });
        };
        let mut entry = serde_json::json!({
            "mediaType": media_type,
            "digest": digest.to_string(),
            "size": size,
        });
        if let Some(n) = &self.name {
            entry["annotations"] = serde_json::json!({
                ANNOTATION_REF_NAME: n.to_string(),
                ANNOTATION_CONTAINERD_NAME: n.to_string(),
            });
        }
        let index = serde_json::json!({"schemaVersion": 2, "manifests": [entry]});
        let files = self.files.lock().unwrap().take();
        let mut files = files.expect("a layout is finished once");
        let at = files.describe().to_path_buf();
        files
            .bytes("index.json", index.to_string().as_bytes())
            .and_then(|()| files.finish())
            .map_err(|e| io_error(&at, e))?;
        Ok((digest, self.bytes.load(Ordering::Relaxed)))
    }
}

/// The path of a blob in a layout.
fn blob_path(digest: &Digest) -> String {
    format!("blobs/sha256/{}", digest.hex())
}

impl Sink for LayoutSink {
    type Upload = ();

    fn reads_files(&self) -> bool {
        true
    }

    async fn present(&self, _: &Blob) -> Result<bool, RegistryError> {
        Ok(false)
    }

    async fn mount(&self, _: &Blob, _: Option<Origin<'_>>) -> Result<Mount<()>, RegistryError> {
        Ok(Mount::Upload(None))
    }

    async fn write(
        &self,
        blob: &Blob,
        from: &str,
        data: Data<'_>,
        _: Option<()>,
        meter: &Meter<'_>,
    ) -> Result<(), RegistryError> {
        let (files, bytes) = (self.files.clone(), self.bytes.clone());
        let (blob, from) = (blob.clone(), from.to_string());
        let size = blob.size;
        on_thread(data, QUEUED_PIECES, move |reader| {
            let mut guard = files.lock().unwrap();
            let files = guard
                .as_mut()
                .expect("a layout is written before it is finished");
            let at = files.describe().to_path_buf();
            let mut hashing = HashingReader::new(reader);
            files
                .stream(&blob_path(&blob.digest), Some(blob.size), &mut hashing)
                .map_err(|e| io_error(&at, e))?;
            hashing
                .verify(&blob.digest, Some(blob.size))
                .map_err(|e| digest_error(&from, &blob.digest, e))?;
            bytes.fetch_add(blob.size, Ordering::Relaxed);
            Ok(())
        })
        .await?;
        meter.state(UnitState::Verifying, size);
        Ok(())
    }

    async fn keep(&self, _: &[Manifest]) -> Result<(), RegistryError> {
        Ok(())
    }

    async fn put_manifest(&self, manifest: &Manifest) -> Result<Digest, RegistryError> {
        let raw = manifest.raw.clone();
        let size = raw.bytes.len() as u64;
        let (files, bytes) = (self.files.clone(), self.bytes.clone());
        tokio::task::spawn_blocking(move || {
            let actual = Digest::of(&raw.bytes);
            if actual != raw.digest {
                let source = crate::digest::DigestError::Mismatch {
                    expected: Box::new(raw.digest.clone()),
                    actual: Box::new(actual),
                };
                return Err(digest_error("the store", &raw.digest, source));
            }
            let mut guard = files.lock().unwrap();
            let files = guard
                .as_mut()
                .expect("a layout is written before it is finished");
            let at = files.describe().to_path_buf();
            files
                .bytes(&blob_path(&raw.digest), &raw.bytes)
                .map_err(|e| io_error(&at, e))?;
            bytes.fetch_add(size, Ordering::Relaxed);
            Ok(())
        })
        .await
        .map_err(|e| RegistryError::Protocol {
            registry: "the store".into(),
            reason: format!("a background task failed: {e}"),
        })??;
        if matches!(manifest.role, Role::Top { .. }) {
            let raw = &manifest.raw;
            *self.top.lock().unwrap() = Some((raw.media_type.clone(), raw.digest.clone(), size));
        }
        Ok(manifest.raw.digest.clone())
    }
}

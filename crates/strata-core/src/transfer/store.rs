//! The local store as an end of a transfer. As a source it serves a named image: its
//! manifests and its blobs, read off the async threads, the next piece read while one is
//! on its way. As a sink it streams each blob into a [`BlobWriter`](crate::store::BlobWriter),
//! which verifies digest and size before the blob becomes visible; keeps the manifests
//! unnamed while the layers move; and names the image last, so that a failed or cancelled
//! transfer leaves no image, only blobs that a later one reuses and gc removes.

use std::io::{Read, Write};

use bytes::Bytes;
use futures::StreamExt;
use oci_spec::image::{Descriptor, MediaType};

use super::endpoint::{Blob, Chunks, Manifest, Mount, Origin, Role, Sink, Source};
use crate::digest::Digest;
use crate::reference::Reference;
use crate::registry::client::MANIFEST_MAX;
use crate::registry::manifest;
use crate::registry::{RawManifest, RegistryError};
use crate::store::{Store, StoreError};
use crate::task::{Meter, UnitState};

/// Bytes read from a blob file at once.
const READ_PIECE: usize = 1 << 20;
/// Pieces read ahead of the sink, per blob (16 MiB: a chunk of a chunked upload).
const READ_AHEAD: usize = 16;
/// Pieces of one blob queued between the source and the thread writing it. Enough for a
/// download to carry on through a short disk stall (a journal commit of other programs'
/// writes) instead of waiting on it: hyper hands out at most about 400 KiB a piece, so at
/// most some 25 MiB per blob, and only while the disk lags (on the 512 MiB pull benchmark
/// under load, 16 made it about 10% slower).
const QUEUED_PIECES: usize = 64;

/// Runs blocking store work on tokio's blocking pool.
async fn blocking<T, F>(f: F) -> Result<T, RegistryError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, RegistryError> + Send + 'static,
{
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(RegistryError::Protocol {
            registry: "the store".into(),
            reason: format!("a background task failed: {e}"),
        })
    })
}

/// A named local image to send.
pub struct StoreSource {
    store: Store,
    /// A name or ID, as [`Store::resolve`] takes it.
    local: String,
}

impl StoreSource {
    pub fn new(store: &Store, local: &str) -> StoreSource {
        StoreSource {
            store: store.clone(),
            local: local.to_string(),
        }
    }

    async fn read(&self, digest: Digest, media_type: String) -> Result<RawManifest, RegistryError> {
        let store = self.store.clone();
        blocking(move || {
            if !store.has_blob(&digest) {
                return Err(RegistryError::MissingBlob(digest));
            }
            let bytes = store.read_blob(&digest, MANIFEST_MAX as u64)?;
            let media_type = manifest::media_type_of(Some(&media_type), &bytes);
            Ok(RawManifest {
                bytes: Bytes::from(bytes),
                media_type,
                digest,
            })
        })
        .await
    }
}

impl Source for StoreSource {
    fn describe(&self) -> &str {
        "the store"
    }

    async fn top(&self) -> Result<RawManifest, RegistryError> {
        let (store, local) = (self.store.clone(), self.local.clone());
        let image = blocking(move || Ok(store.resolve(&local)?)).await?;
        let digest = image.digest()?;
        self.read(digest, image.descriptor.media_type().to_string())
            .await
    }

    async fn manifest(&self, entry: &Descriptor) -> Result<RawManifest, RegistryError> {
        let digest = manifest::digest_of(entry, "the store")?;
        self.read(digest, entry.media_type().to_string()).await
    }

    async fn check(&self, blobs: &[Blob]) -> Result<(), RegistryError> {
        match blobs.iter().find(|b| !self.store.has_blob(&b.digest)) {
            Some(b) => Err(RegistryError::MissingBlob(b.digest.clone())),
            None => Ok(()),
        }
    }

    async fn blob<'a>(&'a self, blob: &'a Blob) -> Result<Chunks<'a>, RegistryError> {
        let file = self.store.open_blob(&blob.digest)?;
        let path = self.store.blob_path(&blob.digest);
        let (tx, rx) = tokio::sync::mpsc::channel(READ_AHEAD);
        tokio::task::spawn_blocking(move || {
            let mut file = file;
            loop {
                let mut piece = vec![0u8; READ_PIECE];
                let read = match file.read(&mut piece) {
                    Ok(0) => return,
                    Ok(n) => {
                        piece.truncate(n);
                        Ok(Bytes::from(piece))
                    }
                    Err(e) => Err(StoreError::io("read", &path, e).into()),
                };
                let failed = read.is_err();
                // A closed channel: the transfer stopped (failed or cancelled).
                if tx.blocking_send(read).is_err() || failed {
                    return;
                }
            }
        });
        Ok(futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|piece| (piece, rx))
        })
        .boxed())
    }

    fn origin(&self) -> Option<Origin<'_>> {
        None
    }
}

/// The store, receiving an image under a name.
pub struct StoreSink {
    store: Store,
    name: Reference,
}

impl StoreSink {
    /// The image will be named `name` (see [`StoreSink::stored_name`]).
    pub fn new(store: &Store, name: &Reference) -> StoreSink {
        StoreSink {
            store: store.clone(),
            name: name.clone(),
        }
    }

    /// The name the image gets: the reference as given, except that a digest it pins is
    /// replaced by the manifest's when that digest was an index's (the store names the
    /// platform's manifest, which has another digest).
    pub fn stored_name(reference: &Reference, manifest: &Digest) -> Reference {
        match (&reference.digest, &reference.tag) {
            (Some(d), _) if d == manifest => reference.clone(),
            (Some(_), Some(tag)) => Reference {
                tag: Some(tag.clone()),
                digest: None,
                ..reference.clone()
            },
            (Some(_), None) => reference.with_digest(manifest.clone()),
            (None, _) => reference.clone(),
        }
    }
}

/// What the async side tells the thread that writes a blob.
enum Msg {
    Data(Bytes),
    /// Every byte is there: verify and make the blob visible.
    Commit,
}

impl Sink for StoreSink {
    type Upload = ();

    async fn present(&self, blob: &Blob) -> Result<bool, RegistryError> {
        Ok(self.store.has_blob(&blob.digest))
    }

    async fn mount(&self, _: &Blob, _: Option<Origin<'_>>) -> Result<Mount<()>, RegistryError> {
        Ok(Mount::Upload(None))
    }

    async fn write(
        &self,
        blob: &Blob,
        from: &str,
        mut chunks: Chunks<'_>,
        _: Option<()>,
        meter: &Meter<'_>,
    ) -> Result<(), RegistryError> {
        let (tx, rx) = tokio::sync::mpsc::channel::<Msg>(QUEUED_PIECES);
        let writer = {
            let store = self.store.clone();
            let expected = (blob.digest.clone(), blob.size);
            tokio::task::spawn_blocking(move || write_blob(store, rx, expected))
        };
        let streamed = async {
            while let Some(chunk) = chunks.next().await {
                // A closed channel: the writer failed, and says why below.
                if tx.send(Msg::Data(chunk?)).await.is_err() {
                    return Ok(false);
                }
            }
            meter.state(UnitState::Verifying, blob.size);
            Ok::<_, RegistryError>(tx.send(Msg::Commit).await.is_ok())
        }
        .await;
        drop(tx);
        let written = writer.await.map_err(|e| {
            StoreError::io(
                "write",
                self.store.root(),
                std::io::Error::other(e.to_string()),
            )
        })?;
        // A writer error (disk full, digest mismatch) explains a broken channel best.
        match (written, streamed) {
            (Err(StoreError::Digest(source)), _) => Err(RegistryError::Digest {
                registry: from.to_string(),
                what: format!("blob {}", blob.digest),
                source,
            }),
            (Err(e), _) => Err(e.into()),
            (Ok(_), Err(e)) => Err(e),
            (Ok(true), Ok(true)) => Ok(()),
            (Ok(_), Ok(_)) => Err(RegistryError::Cancelled),
        }
    }

    async fn keep(&self, manifests: &[Manifest]) -> Result<(), RegistryError> {
        let store = self.store.clone();
        let all: Vec<Bytes> = manifests.iter().map(|m| m.raw.bytes.clone()).collect();
        blocking(move || {
            for bytes in all {
                store.put_bytes(&bytes)?;
            }
            Ok(())
        })
        .await
    }

    async fn put_manifest(&self, manifest: &Manifest) -> Result<Digest, RegistryError> {
        let raw = &manifest.raw;
        let Role::Top { platform } = &manifest.role else {
            // Kept already.
            return Ok(raw.digest.clone());
        };
        let mut descriptor = Descriptor::new(
            MediaType::from(raw.media_type.as_str()),
            raw.bytes.len() as u64,
            oci_spec::image::Digest::from(&raw.digest),
        );
        descriptor.set_platform(platform.clone());
        let name = Self::stored_name(&self.name, &raw.digest);
        let store = self.store.clone();
        blocking(move || Ok(store.set_ref(&name, descriptor)?)).await?;
        Ok(raw.digest.clone())
    }
}

/// The blocking side: writes what arrives; commits on [`Msg::Commit`]; discards the
/// temporary file when the channel closes first (failure or cancel). Returns whether it
/// committed.
fn write_blob(
    store: Store,
    mut rx: tokio::sync::mpsc::Receiver<Msg>,
    (digest, size): (Digest, u64),
) -> Result<bool, StoreError> {
    let mut w = store.blob_writer()?;
    while let Some(msg) = rx.blocking_recv() {
        match msg {
            Msg::Data(bytes) => w
                .write_all(&bytes)
                .map_err(|e| StoreError::io("write a blob into", store.root(), e))?,
            Msg::Commit => {
                w.commit(Some((&digest, size)))?;
                return Ok(true);
            }
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_index_digest_names_the_manifest_pulled() {
        let m = Digest::of(b"manifest");
        let i = Digest::of(b"index");
        let r = Reference::parse("127.0.0.1:5000/app:1").unwrap();
        assert_eq!(StoreSink::stored_name(&r, &m), r);
        let by_index = r.with_digest(i.clone());
        assert_eq!(
            StoreSink::stored_name(&by_index, &m),
            r.with_digest(m.clone())
        );
        let both = Reference {
            digest: Some(i),
            ..r.clone()
        };
        assert_eq!(StoreSink::stored_name(&both, &m), r);
    }
}

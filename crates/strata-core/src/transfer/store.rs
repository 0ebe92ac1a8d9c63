//! The local store as an end of a transfer. As a source it serves a named image: its
//! manifests, and its blobs as the files they are (see [`Data::Reader`]). As a sink it
//! streams each blob into a [`BlobWriter`](crate::store::BlobWriter), on a thread of its
//! own, which verifies digest and size before the blob becomes visible; keeps the
//! manifests unnamed while the layers move; and names the image last (or leaves the
//! naming to its caller, see [`StoreSink::unnamed`]), so that a failed or cancelled
//! transfer leaves no image, only blobs that a later one reuses and gc removes.

use bytes::Bytes;
use oci_spec::image::{Descriptor, MediaType};

use super::endpoint::{Blob, Data, Manifest, Mount, Origin, Role, Sink, Source};
use super::files::{copy_through, on_thread, COPY_BUFFER};
use crate::digest::Digest;
use crate::reference::Reference;
use crate::registry::client::MANIFEST_MAX;
use crate::registry::manifest;
use crate::registry::{RawManifest, RegistryError};
use crate::store::{Store, StoreError};
use crate::task::{Meter, UnitState};

/// Pieces of one blob queued between a registry and the thread writing it. Enough for a
/// download to carry on through a short disk stall (a journal commit of other programs'
/// writes) instead of waiting on it: hyper hands out at most about 400 KiB a piece, so at
/// most some 25 MiB per blob, and only while the disk lags (on the 512 MiB pull benchmark
/// under load, 16 made it about 10% slower). A local source's blob is not queued at all.
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

    async fn blob<'a>(&'a self, blob: &'a Blob) -> Result<Data<'a>, RegistryError> {
        Ok(Data::Reader(Box::new(self.store.open_blob(&blob.digest)?)))
    }

    fn origin(&self) -> Option<Origin<'_>> {
        None
    }
}

/// The store, receiving an image under a name.
pub struct StoreSink {
    store: Store,
    /// None: the caller names what came (an import names all its images at once).
    name: Option<Reference>,
}

impl StoreSink {
    /// The image will be named `name` (see [`StoreSink::stored_name`]).
    pub fn new(store: &Store, name: &Reference) -> StoreSink {
        StoreSink {
            store: store.clone(),
            name: Some(name.clone()),
        }
    }

    /// The image is kept unnamed: the caller names it once every image it brings is in.
    pub fn unnamed(store: &Store) -> StoreSink {
        StoreSink {
            store: store.clone(),
            name: None,
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

impl Sink for StoreSink {
    type Upload = ();

    async fn present(&self, blob: &Blob) -> Result<bool, RegistryError> {
        Ok(self.store.has_blob(&blob.digest))
    }

    async fn mount(&self, _: &Blob, _: Option<Origin<'_>>) -> Result<Mount<()>, RegistryError> {
        Ok(Mount::Upload(None))
    }

    fn reads_files(&self) -> bool {
        true
    }

    async fn write(
        &self,
        blob: &Blob,
        from: &str,
        data: Data<'_>,
        _: Option<()>,
        meter: &Meter<'_>,
    ) -> Result<(), RegistryError> {
        let store = self.store.clone();
        let writer = on_thread(data, QUEUED_PIECES, move |reader| {
            let mut w = store.blob_writer()?;
            copy_through(reader, &mut w, COPY_BUFFER)
                .map_err(|e| StoreError::io("write a blob into", store.root(), e))?;
            Ok(w)
        })
        .await?;
        meter.state(UnitState::Verifying, blob.size);
        let expected = (blob.digest.clone(), blob.size);
        let committed =
            blocking(move || Ok(writer.commit(Some((&expected.0, expected.1))))).await?;
        match committed {
            Err(StoreError::Digest(source)) => Err(RegistryError::Digest {
                registry: from.to_string(),
                what: format!("blob {}", blob.digest),
                source,
            }),
            Err(e) => Err(e.into()),
            Ok(_) => Ok(()),
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
        let (Role::Top { platform }, Some(name)) = (&manifest.role, &self.name) else {
            // Kept already.
            return Ok(raw.digest.clone());
        };
        let mut descriptor = Descriptor::new(
            MediaType::from(raw.media_type.as_str()),
            raw.bytes.len() as u64,
            oci_spec::image::Digest::from(&raw.digest),
        );
        descriptor.set_platform(platform.clone());
        let name = Self::stored_name(name, &raw.digest);
        let store = self.store.clone();
        blocking(move || Ok(store.set_ref(&name, descriptor)?)).await?;
        Ok(raw.digest.clone())
    }
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

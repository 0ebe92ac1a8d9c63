//! A registry repository as an end of a transfer. As a source it serves manifests and
//! blobs with `GET` (resumed with `Range`, see [`registry::download`](crate::registry::download)).
//! As a sink it `HEAD`s each blob (present: skipped), mounts what another repository of the
//! same registry has (the source's own, then those where [`BlobSources`] saw the blob), and
//! uploads the rest: one `PUT` for a blob up to the chunk size, `PATCH` chunks above it
//! (see [`registry::upload`](crate::registry::upload)). The digest is checked before the
//! final `PUT`, so a corrupt source never completes an upload. Manifests are `HEAD`ed first
//! and not sent again when the registry already has them under that name, so that a
//! repeated push sends only `HEAD` requests.

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use oci_spec::image::Descriptor;
use reqwest::header::ACCEPT;
use reqwest::{Method, StatusCode};

use super::endpoint::{Blob, Chunks, Data, Manifest, Mount, Origin, Role, Sink, Source};
use crate::digest::{Digest, Hasher};
use crate::reference::Reference;
use crate::registry::auth::Scope;
use crate::registry::client::{Req, MANIFEST_ACCEPT};
use crate::registry::download::Download;
use crate::registry::manifest;
use crate::registry::sources::BlobSources;
use crate::registry::upload::{self, Chunked, Session};
use crate::registry::{Client, RawManifest, RegistryError};
use crate::task::{Meter, UnitState};

/// Blobs up to this size go in one `PUT`; larger ones in chunks of this size.
pub const DEFAULT_CHUNK: u64 = 16 * 1024 * 1024;
/// Other repositories tried for a mount before uploading.
const MAX_MOUNT_TRIES: usize = 2;

/// An image in a registry repository, to read.
pub struct RegistrySource {
    client: Client,
    reference: Reference,
}

impl RegistrySource {
    pub fn new(client: &Client, reference: &Reference) -> RegistrySource {
        RegistrySource {
            client: client.clone(),
            reference: reference.clone(),
        }
    }
}

impl Source for RegistrySource {
    fn describe(&self) -> &str {
        self.client.registry()
    }

    async fn top(&self) -> Result<RawManifest, RegistryError> {
        let repo = &self.reference.repository;
        self.client
            .get_manifest(repo, &self.reference.tag_or_digest())
            .await
    }

    async fn manifest(&self, entry: &Descriptor) -> Result<RawManifest, RegistryError> {
        let digest = manifest::digest_of(entry, self.client.registry())?;
        self.client
            .get_manifest(&self.reference.repository, &digest.to_string())
            .await
    }

    async fn check(&self, _: &[Blob]) -> Result<(), RegistryError> {
        Ok(())
    }

    async fn blob<'a>(&'a self, blob: &'a Blob) -> Result<Data<'a>, RegistryError> {
        let download = Download::new(
            &self.client,
            &self.reference.repository,
            &blob.digest,
            blob.size,
        );
        Ok(Data::Chunks(
            futures::stream::try_unfold(download, |mut d| async move {
                Ok(d.next().await?.map(|chunk| (chunk, d)))
            })
            .boxed(),
        ))
    }

    fn origin(&self) -> Option<Origin<'_>> {
        Some(Origin {
            registry: self.client.registry(),
            repository: &self.reference.repository,
        })
    }
}

/// A registry repository, receiving an image under a tag (or its digest).
pub struct RegistrySink {
    client: Client,
    target: Reference,
    /// Blobs up to this size go in one `PUT`, larger ones in chunks of it.
    chunk: u64,
    /// Where blobs were seen on this registry, to mount from; empty: mount only from the
    /// source's repository.
    seen: BlobSources,
}

impl RegistrySink {
    /// `chunk` 0: [`DEFAULT_CHUNK`].
    pub fn new(client: &Client, target: &Reference, chunk: u64, seen: BlobSources) -> Self {
        RegistrySink {
            client: client.clone(),
            target: target.clone(),
            chunk: if chunk == 0 { DEFAULT_CHUNK } else { chunk },
            seen,
        }
    }

    fn repo(&self) -> &str {
        &self.target.repository
    }

    /// Repositories of this registry to mount `blob` from: the source's, then those where
    /// it was seen.
    fn mount_candidates(&self, blob: &Blob, origin: Option<Origin<'_>>) -> Vec<String> {
        let registry = self.client.registry();
        let mut out: Vec<String> = origin
            .filter(|o| o.registry == registry && o.repository != self.repo())
            .map(|o| o.repository.to_string())
            .into_iter()
            .collect();
        for repo in self.seen.candidates(registry, &blob.digest, self.repo()) {
            if !out.contains(&repo) {
                out.push(repo);
            }
        }
        out.truncate(MAX_MOUNT_TRIES);
        out
    }

    /// Whether the registry already has `manifest` under `tag_or_digest` (`HEAD`, compared
    /// by its `Docker-Content-Digest`). Any doubt (no digest in the answer, an error) means
    /// no: the `PUT` follows and reports the real problem if there is one.
    async fn has_manifest(&self, tag_or_digest: &str, manifest: &RawManifest) -> bool {
        let repo = self.repo();
        let scopes = [Scope::push(repo)];
        let action = format!("check the manifest {repo}:{tag_or_digest}");
        let url = self.client.url(repo, &format!("manifests/{tag_or_digest}"));
        let req = Req::new(Method::HEAD, url, &scopes, &action).header(ACCEPT, MANIFEST_ACCEPT);
        match self.client.send(req).await {
            Ok(resp) if resp.status() == StatusCode::OK => resp
                .headers()
                .get("docker-content-digest")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|d| d.trim() == manifest.digest.to_string()),
            _ => false,
        }
    }

    /// Reads until `buf` holds `want` bytes or the blob ends, hashing what it reads.
    async fn fill(
        chunks: &mut Chunks<'_>,
        buf: &mut BytesMut,
        hasher: &mut Hasher,
        want: usize,
    ) -> Result<(), RegistryError> {
        while buf.len() < want {
            match chunks.next().await {
                Some(chunk) => {
                    let chunk = chunk?;
                    hasher.update(&chunk);
                    buf.extend_from_slice(&chunk);
                }
                None => break,
            }
        }
        Ok(())
    }
}

impl Sink for RegistrySink {
    type Upload = Session;

    async fn present(&self, blob: &Blob) -> Result<bool, RegistryError> {
        // With the push scope: one token serves the whole transfer.
        let scopes = [Scope::push(self.repo())];
        Ok(self
            .client
            .head_blob_scoped(self.repo(), &blob.digest, &scopes)
            .await?
            .is_some())
    }

    async fn mount(
        &self,
        blob: &Blob,
        origin: Option<Origin<'_>>,
    ) -> Result<Mount<Session>, RegistryError> {
        for from in self.mount_candidates(blob, origin) {
            match upload::mount(&self.client, self.repo(), &blob.digest, &from).await {
                Ok(None) => return Ok(Mount::Mounted),
                Ok(Some(session)) => return Ok(Mount::Upload(Some(session))),
                // A mount is an optimisation: a refused source scope means upload instead.
                Err(RegistryError::Denied { .. } | RegistryError::Unauthorized { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Mount::Upload(None))
    }

    async fn write(
        &self,
        blob: &Blob,
        from: &str,
        data: Data<'_>,
        started: Option<Session>,
        meter: &Meter<'_>,
    ) -> Result<(), RegistryError> {
        // A local source's reader was made chunks already (see `Sink::reads_files`).
        let mut chunks = data.into_chunks(from);
        let repo = self.repo();
        let session = match started {
            Some(s) => s,
            None => upload::start(&self.client, repo).await?,
        };
        let mut hasher = Hasher::new();
        let verify = |hasher: Hasher| {
            let (actual, len) = hasher.finish();
            crate::digest::verify(&blob.digest, Some(blob.size), &actual, len).map_err(|source| {
                RegistryError::Digest {
                    registry: from.to_string(),
                    what: format!("blob {}", blob.digest),
                    source,
                }
            })
        };
        if blob.size <= self.chunk {
            let mut buf = BytesMut::with_capacity(blob.size as usize);
            Self::fill(&mut chunks, &mut buf, &mut hasher, usize::MAX).await?;
            verify(hasher)?;
            meter.state(UnitState::Verifying, blob.size);
            let body: Bytes = buf.freeze();
            return upload::put_whole(&self.client, repo, &blob.digest, session, body).await;
        }
        let chunk = self.chunk.max(session.min_chunk()).max(1) as usize;
        let mut upload = Chunked::new(&self.client, repo, &blob.digest, session);
        let mut buf = BytesMut::with_capacity(chunk);
        loop {
            Self::fill(&mut chunks, &mut buf, &mut hasher, chunk).await?;
            if buf.is_empty() {
                break;
            }
            let body = buf.split_to(buf.len().min(chunk)).freeze();
            upload.send(body).await?;
        }
        verify(hasher)?;
        meter.state(UnitState::Verifying, blob.size);
        upload.finish().await
    }

    async fn keep(&self, _: &[Manifest]) -> Result<(), RegistryError> {
        Ok(())
    }

    async fn put_manifest(&self, manifest: &Manifest) -> Result<Digest, RegistryError> {
        let raw = &manifest.raw;
        let at = match manifest.role {
            Role::Part => raw.digest.to_string(),
            Role::Top { .. } => self.target.tag_or_digest(),
        };
        if self.has_manifest(&at, raw).await {
            return Ok(raw.digest.clone());
        }
        self.client.put_manifest(self.repo(), &at, raw).await
    }
}

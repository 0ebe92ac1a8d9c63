//! Push: a local image under any remote name. Each blob the repository lacks is mounted
//! from a repository of the same registry where it was seen, or uploaded; manifests go
//! last, an index's images first and the tag last, so that the registry never names an
//! incomplete image. ([OCI distribution spec § pushing blobs], [§ pushing manifests])
//!
//! [OCI distribution spec § pushing blobs]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs
//! [§ pushing manifests]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-manifests

use serde::Serialize;

use super::pull::record;
use super::{compress, copy, How, LayerCompression, Options, RegistrySink, Selection, StoreSource};
use crate::digest::Digest;
use crate::reference::Reference;
use crate::registry::sources::BlobSources;
use crate::registry::{Client, RegistryError, RegistryOptions};
use crate::store::Store;
use crate::task::TaskCtx;

/// What a push does besides the names.
#[derive(Clone, Debug, Default)]
pub struct PushOptions {
    pub registry: RegistryOptions,
    /// Blobs pushed at once; 0: [`DEFAULT_CONCURRENCY`](super::DEFAULT_CONCURRENCY).
    pub concurrency: usize,
    /// Blobs larger than this go in `PATCH` chunks of this size; 0:
    /// [`DEFAULT_CHUNK`](super::DEFAULT_CHUNK).
    pub chunk_size: u64,
    /// Whether to skip cross-repository mounts (default: mount; off only for benchmarks).
    pub no_mount: bool,
    /// How layers are compressed on the way (default: gzip what is stored uncompressed).
    pub compression: LayerCompression,
}

/// How one blob got to the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlobOutcome {
    Skipped,
    Mounted,
    Uploaded,
}

/// What a push did.
#[derive(Debug, Clone, Serialize)]
pub struct PushResult {
    /// `127.0.0.1:5000/app:1`
    pub name: String,
    /// The digest of what the tag now points at on the registry.
    pub digest: Digest,
    pub uploaded: usize,
    pub mounted: usize,
    pub skipped: usize,
    /// Compressed bytes sent.
    pub bytes_uploaded: u64,
}

/// Pushes the local image `local` (a name or ID, as `Store::resolve` takes it) to
/// `remote` (its tag, or its digest when it has no tag), reporting one unit per blob.
pub async fn push(
    store: &Store,
    local: &str,
    remote: &Reference,
    options: &PushOptions,
    ctx: TaskCtx<'_>,
) -> Result<PushResult, RegistryError> {
    // A local image that is not there fails before any connection.
    {
        let (store, local) = (store.clone(), local.to_string());
        tokio::task::spawn_blocking(move || store.resolve(&local).map(|_| ()))
            .await
            .map_err(|e| RegistryError::Protocol {
                registry: "the store".into(),
                reason: format!("a background task failed: {e}"),
            })??;
    }
    let client = tokio::select! {
        biased;
        _ = ctx.cancel.cancelled() => return Err(RegistryError::Cancelled),
        c = Client::connect(&remote.registry, &options.registry) => c?,
    };
    let seen = if options.no_mount {
        BlobSources::default()
    } else {
        let root = store.root().to_path_buf();
        tokio::task::spawn_blocking(move || BlobSources::load(&root))
            .await
            .unwrap_or_default()
    };
    let stored = StoreSource::new(store, local);
    let source = compress::compressed(store, &stored, options.compression, ctx).await?;
    let sink = RegistrySink::new(&client, remote, options.chunk_size, seen);
    let opts = Options {
        selection: Selection::All,
        concurrency: options.concurrency,
        within: None,
        no_mount: options.no_mount,
    };
    let done = copy(&source, &sink, local, &opts, ctx).await?;
    let blobs: Vec<Digest> = done.blobs.iter().map(|(b, _)| b.digest.clone()).collect();
    record(store, client.registry(), &remote.repository, blobs).await;
    Ok(PushResult {
        name: remote.to_string(),
        digest: done.digest.clone(),
        uploaded: done.count(How::Moved),
        mounted: done.count(How::Mounted),
        skipped: done.count(How::Skipped),
        bytes_uploaded: done.bytes_moved(),
    })
}

//! Push: a local image under any remote name. Each blob the repository lacks is mounted
//! from a repository of the same registry where it was seen, or uploaded; manifests go
//! last, an index's images first and the tag last, so that the registry never names an
//! incomplete image. ([OCI distribution spec § pushing blobs], [§ pushing manifests])
//! Layers the push compresses (see [`compress`]) go up one by one as soon as each is in the
//! store, while the next is compressed (`upload_ready`); the transfer that follows counts
//! them as uploaded and sends the rest.
//!
//! [OCI distribution spec § pushing blobs]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs
//! [§ pushing manifests]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-manifests

use std::collections::{HashMap, HashSet};

use futures::stream::FuturesUnordered;
use futures::StreamExt;
use serde::Serialize;
use tokio::sync::mpsc::UnboundedReceiver;

use super::blob::move_blob;
use super::endpoint::{Blob, Sink};
use super::pull::record;
use super::{
    compress, concurrency_or_default, copy, How, LayerCompression, LayersCompressed, Options,
    RegistrySink, Selection, StoreSource,
};
use crate::digest::Digest;
use crate::reference::Reference;
use crate::registry::sources::BlobSources;
use crate::registry::{Client, RegistryError, RegistryOptions};
use crate::store::Store;
use crate::task::{Meter, TaskCtx, UnitState};

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
    /// The layers this push compressed (`None`: it compressed none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compressed: Option<LayersCompressed>,
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
    let compression = LayerCompression {
        nearby: client.is_nearby(),
        ..options.compression
    };
    let sink = RegistrySink::new(&client, remote, options.chunk_size, seen);
    let concurrency = concurrency_or_default(options.concurrency);
    // Each layer goes up as soon as it is compressed, while the next one is: the upload
    // no longer waits for the last layer's compression.
    // A failed upload also stops the compression of the layers after it (on its own token,
    // a child of the task's): their work would be thrown away.
    let (ready, layers) = tokio::sync::mpsc::unbounded_channel();
    let compressing = ctx.cancel.child_token();
    let compress_ctx = TaskCtx::new(ctx.progress, &compressing);
    let (source, sent) = tokio::try_join!(
        compress::compressed(store, &stored, compression, Some(ready), compress_ctx),
        async {
            upload_ready(layers, &stored, &sink, concurrency, !options.no_mount, ctx)
                .await
                .inspect_err(|_| compressing.cancel())
        },
    )?;
    let opts = Options {
        selection: Selection::All,
        concurrency: options.concurrency,
        within: None,
        no_mount: options.no_mount,
        sent,
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
        compressed: source.made,
    })
}

/// Uploads each compressed layer `compressed` announces, `concurrency` at a time, while the
/// next ones are compressed; ends when compression has ended and every upload with it.
/// Returns how each got there, for the transfer that follows to count and not ask again.
async fn upload_ready(
    mut layers: UnboundedReceiver<Blob>,
    source: &StoreSource,
    sink: &RegistrySink,
    concurrency: usize,
    mount: bool,
    ctx: TaskCtx<'_>,
) -> Result<HashMap<Digest, How>, RegistryError> {
    let one = |blob: Blob| async move {
        let meter = Meter::new(
            ctx.progress,
            blob.digest.to_string(),
            blob.kind,
            Some(blob.size),
        );
        let how = if sink.present(&blob).await? {
            meter.state(UnitState::Skipped, blob.size);
            How::Skipped
        } else {
            move_blob(source, sink, &blob, &meter, mount, ctx.cancel).await?
        };
        Ok::<_, RegistryError>((blob.digest, how))
    };
    let mut sent = HashMap::new();
    // A layer listed twice in an image (or in two images of an index) goes up once.
    let mut queued = HashSet::new();
    let mut running = FuturesUnordered::new();
    let mut open = true;
    while open || !running.is_empty() {
        tokio::select! {
            _ = ctx.cancel.cancelled() => return Err(RegistryError::Cancelled),
            next = layers.recv(), if open && running.len() < concurrency => match next {
                Some(blob) if queued.insert(blob.digest.clone()) => running.push(one(blob)),
                Some(_) => {}
                None => open = false,
            },
            Some(done) = running.next(), if !running.is_empty() => {
                let (digest, how) = done?;
                sent.insert(digest, how);
            }
        }
    }
    Ok(sent)
}

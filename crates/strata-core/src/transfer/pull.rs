//! Pull: a registry image into the store, named as the reference says. An index is
//! resolved to one platform's image; the index is stored too, unnamed, so that `inspect`
//! can show the other platforms. Blobs the store has are never fetched again; the name is
//! written last, so that a pull that fails or is cancelled leaves no image.
//!
//! With [mirrors](crate::registry::mirrors) the pull tries each in order, then the registry
//! itself: a mirror that cannot be reached, answers an error or serves a blob that does not
//! match its digest is passed over. Blobs one mirror delivered are kept (they were verified)
//! and not fetched again from the next.

use serde::Serialize;

use super::{copy, How, Options, RegistrySource, Selection, StoreSink};
use crate::digest::Digest;
use crate::platform::Platform;
use crate::reference::Reference;
use crate::registry::mirrors::Mirror;
use crate::registry::sources::BlobSources;
use crate::registry::{Client, RegistryError, RegistryOptions};
use crate::store::Store;
use crate::task::TaskCtx;

/// What a pull does besides the reference.
#[derive(Clone, Debug, Default)]
pub struct PullOptions {
    pub registry: RegistryOptions,
    /// The platform to take from a multi-platform index; `None`: this machine's.
    pub platform: Option<Platform>,
    /// Blobs fetched at once; 0: [`DEFAULT_CONCURRENCY`](super::DEFAULT_CONCURRENCY).
    pub concurrency: usize,
    /// Mirrors tried, in order, before the registry itself.
    pub mirrors: Vec<Mirror>,
}

/// What a pull did.
#[derive(Debug, Clone, Serialize)]
pub struct PullResult {
    /// The name written in the store: `docker.io/library/busybox:latest`.
    pub name: String,
    /// The image manifest the name points at.
    pub digest: Digest,
    /// The index it was chosen from, when the reference named an index.
    pub index_digest: Option<Digest>,
    /// The platform chosen from the index.
    pub platform: Option<String>,
    /// Blobs (config and layers) fetched, and already in the store.
    pub fetched: usize,
    pub skipped: usize,
    /// Compressed bytes downloaded.
    pub bytes_fetched: u64,
    /// The mirror the image came from (`x.mirror.aliyuncs.com`); absent: the registry itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<String>,
}

/// Pulls `reference` into `store`, reporting one unit per blob on `ctx`.
pub async fn pull(
    store: &Store,
    reference: &Reference,
    options: &PullOptions,
    ctx: TaskCtx<'_>,
) -> Result<PullResult, RegistryError> {
    for mirror in &options.mirrors {
        // A mirror gets one retry: the next endpoint is a better use of the time.
        let mut registry = mirror.options.clone();
        registry.retries = Some(registry.retries.unwrap_or(1).min(1));
        match pull_from(store, reference, &mirror.host, &registry, options, ctx).await {
            Ok(mut done) => {
                done.mirror = Some(mirror.host.clone());
                return Ok(done);
            }
            Err(RegistryError::Cancelled) => return Err(RegistryError::Cancelled),
            Err(e) if ctx.cancel.is_cancelled() => return Err(e),
            Err(e) => {
                tracing::warn!(mirror = %mirror.host, error = %e, "mirror failed, trying the next");
            }
        }
    }
    pull_from(
        store,
        reference,
        &reference.registry,
        &options.registry,
        options,
        ctx,
    )
    .await
}

/// One attempt: `reference` read from `host` (the registry itself or a mirror of it).
async fn pull_from(
    store: &Store,
    reference: &Reference,
    host: &str,
    registry: &RegistryOptions,
    options: &PullOptions,
    ctx: TaskCtx<'_>,
) -> Result<PullResult, RegistryError> {
    let client = tokio::select! {
        biased;
        _ = ctx.cancel.cancelled() => return Err(RegistryError::Cancelled),
        c = Client::connect(host, registry) => c?,
    };
    let source = RegistrySource::new(&client, reference);
    let sink = StoreSink::new(store, reference);
    let wanted = options.platform.clone().unwrap_or_else(Platform::current);
    let opts = Options {
        selection: Selection::Platform(wanted),
        concurrency: options.concurrency,
        no_mount: true,
        ..Options::default()
    };
    let done = copy(&source, &sink, &reference.to_string(), &opts, ctx).await?;
    let blobs: Vec<Digest> = done.blobs.iter().map(|(b, _)| b.digest.clone()).collect();
    record(store, client.registry(), &reference.repository, blobs).await;
    Ok(PullResult {
        name: StoreSink::stored_name(reference, &done.digest).to_string(),
        digest: done.digest.clone(),
        index_digest: done.index.clone(),
        platform: done.platform.as_ref().map(|p| p.to_string()),
        fetched: done.count(How::Moved),
        skipped: done.count(How::Skipped),
        bytes_fetched: done.bytes_moved(),
        mirror: None,
    })
}

/// Notes that `repo` on `registry` has these blobs, for later mounts. Best effort.
pub(super) async fn record(store: &Store, registry: &str, repo: &str, blobs: Vec<Digest>) {
    let root = store.root().to_path_buf();
    let (registry, repo) = (registry.to_string(), repo.to_string());
    let _ =
        tokio::task::spawn_blocking(move || BlobSources::record(&root, &registry, &repo, &blobs))
            .await;
}

//! One way to move an image: read it from a [`Source`], write it to a [`Sink`]. Pull
//! (registry → store), push (store → registry), copy (registry → registry), import
//! (docker archive, OCI archive or OCI layout folder → store, [`import`](mod@crate::image::import))
//! and export (store → docker archive, OCI archive or OCI layout folder,
//! [`export`](mod@crate::image::export)) are its cases; the manifest walk, the skip of what the sink
//! has, mounts, verification, retries, progress and cancellation are all here, once.
//!
//! The order of work, for every pair of ends:
//!
//! 1. the plan ([`plan`]): the top manifest or index, the images taken from it, the blobs
//!    they list; a source that can tell a blob is missing says so before anything moves;
//! 2. every blob is reported at once, `Skipped` when the sink has it, else `Waiting`;
//! 3. the others move concurrently ([`blob`]): mounted where the sink can, else streamed
//!    (a local source's file read on the sink's writing thread, see [`Data`]), counted and
//!    verified, started again after a failure that may pass; meanwhile the sink keeps what
//!    it may keep early (the store: the manifest blobs);
//! 4. the manifests, the top one last, so that nothing names an incomplete image.
//!
//! Cancelling the task's token stops the transfer at once, wherever it is; no manifest is
//! written after it, so the target name is never half made.
//!
//! | file | job |
//! |---|---|
//! | [`endpoint`] | the [`Source`] and [`Sink`] traits, [`Blob`], [`Data`], [`Manifest`] |
//! | [`plan`] | the manifest walk (nested indexes four deep at most) |
//! | [`blob`] | one blob: mount, move, count, retry |
//! | [`compress`] | what a push sends of each layer: compressed on every core, reused from the store's variants |
//! | [`store`] | the local store as a source and a sink (named, or unnamed for an import) |
//! | [`registry`] | a registry repository as a source and a sink |
//! | [`archive`] | a docker archive, an OCI archive or an OCI layout folder as a source: a tar's members read where they lie |
//! | [`layout`] | an OCI layout, a folder or in a tar, as a sink |
//! | [`docker`] | a `docker save` archive as a sink |
//! | `files` | what those two write into, and how a blob's [`Data`] reaches a thread writing files |
//! | [`pull`](mod@pull) / [`push`](mod@push) | the store's two cases, with their options and results |

pub mod archive;
pub mod blob;
pub mod compress;
pub mod docker;
pub mod endpoint;
pub(crate) mod files;
pub mod layout;
pub mod plan;
pub mod pull;
pub mod push;
pub mod registry;
pub mod store;

use std::collections::HashMap;

use futures::{StreamExt, TryStreamExt};

pub use archive::{Archive, ArchiveSource};
pub use blob::How;
pub use compress::{LayerCompression, LayersCompressed};
pub use docker::DockerArchiveSink;
pub use endpoint::{Blob, BlobReader, Chunks, Data, Manifest, Mount, Origin, Role, Sink, Source};
pub use layout::LayoutSink;
pub use plan::Selection;
pub use pull::{pull, PullOptions, PullResult};
pub use push::{push, PushOptions, PushResult};
pub use registry::{RegistrySink, RegistrySource, DEFAULT_CHUNK};
pub use store::{StoreSink, StoreSource};

use crate::digest::Digest;
use crate::platform::Platform;
use crate::registry::RegistryError;
use crate::task::{Meter, TaskCtx, UnitState};

/// Blobs moved at once when the caller does not say.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// `n` blobs at once, 0 meaning [`DEFAULT_CONCURRENCY`].
fn concurrency_or_default(n: usize) -> usize {
    match n {
        0 => DEFAULT_CONCURRENCY,
        n => n,
    }
}

/// How a transfer runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Which images of an index to take.
    pub selection: Selection,
    /// Blobs moved at once; 0: [`DEFAULT_CONCURRENCY`].
    pub concurrency: usize,
    /// Whether to skip mounts (default: mount where possible; off only for benchmarks).
    pub no_mount: bool,
    /// The unit the blobs are read out of (an archive): each blob is reported within it,
    /// so that its bytes count once, as the archive's.
    pub within: Option<String>,
    /// Blobs the caller already brought to the sink, and how (a push's compressed layers,
    /// uploaded while the next ones were compressed): counted as such, not asked for again.
    pub sent: HashMap<Digest, How>,
}

/// What a transfer did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The digest of what the sink now names.
    pub digest: Digest,
    /// The media type of what the sink now names.
    pub media_type: String,
    /// The index a platform's image was chosen from.
    pub index: Option<Digest>,
    pub platform: Option<Platform>,
    /// Manifests written (an index's images and the top one).
    pub manifests: usize,
    /// Every blob, and how it got there.
    pub blobs: Vec<(Blob, How)>,
}

impl Outcome {
    /// How many blobs got there this way.
    pub fn count(&self, how: How) -> usize {
        self.blobs.iter().filter(|(_, h)| *h == how).count()
    }

    /// Bytes of the blobs moved.
    pub fn bytes_moved(&self) -> u64 {
        self.blobs
            .iter()
            .filter(|(_, h)| *h == How::Moved)
            .map(|(b, _)| b.size)
            .sum()
    }
}

/// Moves the image `what` (its reference, for messages) from `source` to `sink`; see the
/// module doc for the order of work. Reports one unit per blob on `ctx`.
pub async fn copy(
    source: &impl Source,
    sink: &impl Sink,
    what: &str,
    options: &Options,
    ctx: TaskCtx<'_>,
) -> Result<Outcome, RegistryError> {
    tokio::select! {
        biased;
        _ = ctx.cancel.cancelled() => Err(RegistryError::Cancelled),
        r = run(source, sink, what, options, ctx) => r,
    }
}

/// [`copy`] for a caller without an async runtime (import and export are blocking calls),
/// between local ends: runs it on a runtime of its own (timers, no network), on this
/// thread, or on a thread of its own when this one is inside a runtime already; returns
/// once every thread the transfer started has ended (the runtime is dropped, which waits
/// for them), so that nothing writes into a sink's files after this returns (a cancelled
/// export removes them).
pub fn copy_blocking(
    source: &impl Source,
    sink: &impl Sink,
    what: &str,
    options: &Options,
    ctx: TaskCtx<'_>,
) -> Result<Outcome, RegistryError> {
    let run = || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .map_err(|e| RegistryError::Protocol {
                registry: source.describe().to_string(),
                reason: format!("cannot start the transfer: {e}"),
            })?;
        runtime.block_on(copy(source, sink, what, options, ctx))
    };
    if tokio::runtime::Handle::try_current().is_err() {
        return run();
    }
    std::thread::scope(|scope| {
        scope
            .spawn(run)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

async fn run(
    source: &impl Source,
    sink: &impl Sink,
    what: &str,
    options: &Options,
    ctx: TaskCtx<'_>,
) -> Result<Outcome, RegistryError> {
    let plan = plan::walk(source, &options.selection, what).await?;
    source.check(&plan.blobs).await?;
    sink.expect(&plan.manifests)?;
    let concurrency = concurrency_or_default(options.concurrency);
    let present: Vec<bool> = futures::stream::iter(plan.blobs.iter().map(|b| async move {
        if options.sent.contains_key(&b.digest) {
            Ok(true)
        } else {
            sink.present(b).await
        }
    }))
    .buffered(concurrency)
    .try_collect()
    .await?;
    let meters: Vec<Meter> = plan
        .blobs
        .iter()
        .map(|b| {
            let meter = Meter::new(ctx.progress, b.digest.to_string(), b.kind, Some(b.size));
            match &options.within {
                Some(unit) => meter.within(unit.clone()),
                None => meter,
            }
        })
        .collect();
    for ((meter, blob), here) in meters.iter().zip(&plan.blobs).zip(&present) {
        match options.sent.get(&blob.digest) {
            // Reported by the caller as it went; said once more, as it ended.
            Some(How::Moved) => meter.state(UnitState::Done, blob.size),
            Some(How::Mounted) => meter.state(UnitState::Mounted, blob.size),
            Some(How::Skipped) => meter.state(UnitState::Skipped, blob.size),
            None if *here => meter.state(UnitState::Skipped, blob.size),
            None => meter.state(UnitState::Waiting, 0),
        }
    }

    let jobs = plan
        .blobs
        .iter()
        .zip(&meters)
        .enumerate()
        .filter(|(i, _)| !present[*i])
        .map(|(i, (blob, meter))| async move {
            let how =
                blob::move_blob(source, sink, blob, meter, !options.no_mount, ctx.cancel).await?;
            Ok::<_, RegistryError>((i, how))
        });
    let moving = futures::stream::iter(jobs)
        .buffer_unordered(concurrency)
        .try_collect::<Vec<(usize, How)>>();
    let (moved, kept) = tokio::join!(moving, sink.keep(&plan.manifests));
    let mut hows: Vec<How> = plan
        .blobs
        .iter()
        .map(|b| options.sent.get(&b.digest).copied().unwrap_or(How::Skipped))
        .collect();
    for (i, how) in moved? {
        hows[i] = how;
    }
    kept?;

    let mut digest = None;
    for manifest in &plan.manifests {
        if ctx.is_cancelled() {
            return Err(RegistryError::Cancelled);
        }
        let written = sink.put_manifest(manifest).await?;
        if matches!(manifest.role, Role::Top { .. }) {
            digest = Some(written);
        }
    }
    let top = plan.top().ok_or_else(|| RegistryError::Protocol {
        registry: source.describe().to_string(),
        reason: format!("{what} names no image"),
    })?;
    Ok(Outcome {
        digest: digest.unwrap_or_else(|| top.digest.clone()),
        media_type: top.media_type.clone(),
        index: plan.index.clone(),
        platform: plan.platform.clone(),
        manifests: plan
            .manifests
            .iter()
            .filter(|m| plan.index.as_ref() != Some(&m.raw.digest))
            .count(),
        blobs: plan.blobs.into_iter().zip(hows).collect(),
    })
}

//! Remote operations that never pull ([OCI distribution spec § pushing manifests], [§
//! deleting], [§ mounting a blob]):
//!
//! - **retag**: the manifest's exact bytes, with its media type, `PUT` under the new tag,
//!   so the digest is the same.
//! - **delete a tag**: resolve its digest, find which other tags name the same digest
//!   (deleting by digest removes all of them: distribution cannot delete a tag alone), then
//!   `DELETE` by digest.
//! - **copy**: an image or an index with all its manifests to another repository or
//!   registry, through the one [`crate::transfer`] pipeline: each blob skipped
//!   when the target has it, mounted when source and target are on the same registry, else
//!   streamed from one to the other in chunks of [`COPY_CHUNK`], never stored on disk.
//!   Manifests go last, the tag very last. [`copy_with`] reports each blob as a push does
//!   and stops when its task is cancelled; [`copy`] is the same without either.
//!
//! [OCI distribution spec § pushing manifests]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-manifests
//! [§ deleting]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#deleting-manifests
//! [§ mounting a blob]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#mounting-a-blob-from-another-repository

use futures::{StreamExt, TryStreamExt};
use serde::Serialize;

use super::tags;
use super::CatalogError;
use crate::digest::Digest;
use crate::reference::Reference;
use crate::registry::sources::BlobSources;
use crate::registry::{Client, RegistryError};
use crate::task::TaskCtx;
use crate::transfer::{self, How, Options, RegistrySink, RegistrySource};

/// Streamed blobs go up in chunks of this size (the memory a copy holds per blob).
pub const COPY_CHUNK: u64 = 8 * 1024 * 1024;
/// Other tags checked at once when deleting.
const TAG_CHECKS: usize = 8;

/// What a retag did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Retagged {
    pub source: String,
    pub target: String,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub digest: Digest,
    pub media_type: String,
}

/// Puts the manifest of `source` under `target`'s tag in the same repository.
pub async fn retag(
    client: &Client,
    source: &Reference,
    target: &Reference,
) -> Result<Retagged, CatalogError> {
    if source.registry != target.registry || source.repository != target.repository {
        return Err(CatalogError::CrossRepository {
            source_ref: source.to_string(),
            target: target.to_string(),
        });
    }
    let Some(tag) = &target.tag else {
        return Err(CatalogError::NoTag(target.to_string()));
    };
    let raw = client
        .get_manifest(&source.repository, &source.tag_or_digest())
        .await?;
    let digest = client.put_manifest(&target.repository, tag, &raw).await?;
    Ok(Retagged {
        source: source.to_string(),
        target: target.with_tag(tag)?.to_string(),
        digest,
        media_type: raw.media_type,
    })
}

/// What deleting a tag will do, before it is done.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeletePlan {
    pub reference: String,
    pub repository: String,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub digest: Digest,
    /// Other tags naming the same digest: they go too.
    pub also_removed: Vec<String>,
}

/// Resolves what deleting `reference` (a tag or a digest) removes.
pub async fn plan_delete(
    client: &Client,
    reference: &Reference,
) -> Result<DeletePlan, CatalogError> {
    let repo = reference.repository.as_str();
    let digest = match &reference.digest {
        Some(d) => d.clone(),
        None => {
            tags::head_of(client, repo, &reference.tag_or_digest())
                .await?
                .digest
        }
    };
    let all = tags::list(client, repo, 0, |_| {}).await?;
    let others: Vec<String> = all
        .into_iter()
        .filter(|t| reference.tag.as_deref() != Some(t.as_str()))
        .collect();
    let digest_ref = &digest;
    let shared: Vec<Option<String>> =
        futures::stream::iter(others.into_iter().map(|t| async move {
            match tags::head_of(client, repo, &t).await.map(|h| h.digest) {
                Ok(d) if &d == digest_ref => Ok(Some(t)),
                Ok(_) => Ok(None),
                // A tag deleted meanwhile is no longer shared.
                Err(CatalogError::Registry(RegistryError::NotFound { .. })) => Ok(None),
                Err(e) => Err(e),
            }
        }))
        .buffered(TAG_CHECKS)
        .try_collect()
        .await?;
    let mut also_removed: Vec<String> = shared.into_iter().flatten().collect();
    also_removed.sort();
    Ok(DeletePlan {
        reference: reference.to_string(),
        repository: repo.to_string(),
        digest,
        also_removed,
    })
}

/// Deletes `reference`'s manifest by digest. With `allow_shared` false, refuses when
/// other tags name the same digest ([`CatalogError::SharedDigest`]), so that a UI can ask
/// first. Returns the plan carried out.
pub async fn delete(
    client: &Client,
    reference: &Reference,
    allow_shared: bool,
) -> Result<DeletePlan, CatalogError> {
    let plan = plan_delete(client, reference).await?;
    if !plan.also_removed.is_empty() && !allow_shared {
        return Err(CatalogError::SharedDigest {
            reference: plan.reference,
            digest: plan.digest.to_string(),
            others: plan.also_removed,
        });
    }
    match client
        .delete_manifest(&plan.repository, &plan.digest.to_string())
        .await
    {
        Ok(()) => Ok(plan),
        Err(e)
            if e.has_code("UNSUPPORTED")
                || matches!(e, RegistryError::Status { status: 405, .. }) =>
        {
            Err(CatalogError::DeleteUnsupported {
                registry: client.registry().to_string(),
                reference: plan.reference,
                detail: e.to_string(),
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// How a copy went.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Copied {
    pub source: String,
    pub target: String,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub digest: Option<Digest>,
    /// Manifests written (an index's children and the top one).
    pub manifests: usize,
    pub blobs_skipped: usize,
    pub blobs_mounted: usize,
    pub blobs_streamed: usize,
    pub bytes_streamed: u64,
}

/// Copies `source` (read through `from`) to `target` (written through `to`): an image,
/// or an index with every manifest in it. `from` and `to` may be the same client.
pub async fn copy(
    from: &Client,
    source: &Reference,
    to: &Client,
    target: &Reference,
) -> Result<Copied, CatalogError> {
    copy_with(from, source, to, target, TaskCtx::none()).await
}

/// [`copy`] as a task: one unit per blob on `ctx`, as a push reports them (skipped,
/// mounted, or waiting → transferring → verifying → done), and a stop when its token is
/// cancelled ([`CatalogError::Cancelled`]); no manifest is written after it, so the target
/// tag is never half made (blobs already uploaded stay, as after any interrupted push).
pub async fn copy_with(
    from: &Client,
    source: &Reference,
    to: &Client,
    target: &Reference,
    ctx: TaskCtx<'_>,
) -> Result<Copied, CatalogError> {
    let reader = RegistrySource::new(from, source);
    let writer = RegistrySink::new(to, target, COPY_CHUNK, BlobSources::default());
    let done = transfer::copy(
        &reader,
        &writer,
        &source.to_string(),
        &Options::default(),
        ctx,
    )
    .await
    .map_err(|e| match e {
        RegistryError::Cancelled => CatalogError::Cancelled,
        e => e.into(),
    })?;
    Ok(Copied {
        source: source.to_string(),
        target: target.to_string(),
        digest: Some(done.digest.clone()),
        manifests: done.manifests,
        blobs_skipped: done.count(How::Skipped),
        blobs_mounted: done.count(How::Mounted),
        blobs_streamed: done.count(How::Moved),
        bytes_streamed: done.bytes_moved(),
    })
}

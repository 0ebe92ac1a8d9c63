//! Remote operations that never pull ([OCI distribution spec § pushing manifests], [§
//! deleting], [§ mounting a blob]):
//!
//! - **retag**: the manifest's exact bytes, with its media type, `PUT` under the new tag,
//!   so the digest is the same.
//! - **delete a tag**: resolve its digest, find which other tags name the same digest
//!   (deleting by digest removes all of them: distribution cannot delete a tag alone), then
//!   `DELETE` by digest.
//! - **copy**: an image or an index with all its manifests to another repository or
//!   registry. Each blob is skipped when the target has it (`HEAD`), mounted when source
//!   and target are on the same registry, else streamed `GET` → upload in bounded chunks,
//!   never stored on disk. Manifests go last, the tag very last. [`copy_with`] reports
//!   each blob's bytes to a [`Progress`] and stops at a raised cancel flag (the app's copy
//!   task); [`copy`] is the same without either.
//!
//! [OCI distribution spec § pushing manifests]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-manifests
//! [§ deleting]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#deleting-manifests
//! [§ mounting a blob]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#mounting-a-blob-from-another-repository

use std::sync::atomic::{AtomicBool, Ordering};

use bytes::{Bytes, BytesMut};
use futures::{StreamExt, TryStreamExt};
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, LOCATION};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use url::Url;

use super::tags;
use super::CatalogError;
use crate::digest::{Digest, Hasher};
use crate::reference::Reference;
use crate::registry::auth::Scope;
use crate::registry::client::{describe_reqwest, Req};
use crate::registry::manifest::{self, Kind};
use crate::registry::{Client, RawManifest, RegistryError};
use crate::task::{NoProgress, Progress, ProgressState, ProgressUpdate, NEVER};

/// Blobs copied at once.
const PARALLEL: usize = 4;
/// Streamed blobs go up in chunks of this size (the memory a copy holds per blob).
pub const COPY_CHUNK: usize = 8 * 1024 * 1024;
/// Attempts per streamed blob (a broken stream starts the blob again).
const BLOB_ATTEMPTS: u32 = 3;
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
        None => tags::digest_of(client, repo, &reference.tag_or_digest()).await?,
    };
    let all = tags::list(client, repo, 0, |_| {}).await?;
    let others: Vec<String> = all
        .into_iter()
        .filter(|t| reference.tag.as_deref() != Some(t.as_str()))
        .collect();
    let digest_ref = &digest;
    let shared: Vec<Option<String>> =
        futures::stream::iter(others.into_iter().map(|t| async move {
            match tags::digest_of(client, repo, &t).await {
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

#[derive(Clone, Copy, PartialEq, Eq)]
enum How {
    Skipped,
    Mounted,
    Streamed(u64),
}

/// Copies `source` (read through `from`) to `target` (written through `to`): an image,
/// or an index with every manifest in it. `from` and `to` may be the same client.
pub async fn copy(
    from: &Client,
    source: &Reference,
    to: &Client,
    target: &Reference,
) -> Result<Copied, CatalogError> {
    copy_with(from, source, to, target, &NoProgress, &NEVER).await
}

/// [`copy`], reporting progress and stopping when `cancel` is raised.
///
/// Progress: one unit per blob, id = its digest, `total` = its size. Every blob is first
/// reported at 0 bytes (so that a watcher knows the whole size before any byte moves),
/// then while it streams, then `Done` (streamed or mounted) or `Skipped` (already there).
/// Cancelling stops between chunks and before each blob and manifest with
/// [`CatalogError::Cancelled`]; no manifest is written after it, so the target tag is
/// never half-made (blobs already uploaded stay, as after any interrupted push).
pub async fn copy_with(
    from: &Client,
    source: &Reference,
    to: &Client,
    target: &Reference,
    progress: &dyn Progress,
    cancel: &AtomicBool,
) -> Result<Copied, CatalogError> {
    let ctx = CopyCtx { progress, cancel };
    let src_repo = source.repository.as_str();
    let dst_repo = target.repository.as_str();
    let top = from.get_manifest(src_repo, &source.tag_or_digest()).await?;
    let what = source.to_string();
    let mut manifests: Vec<RawManifest> = Vec::new();
    let mut children: Vec<RawManifest> = Vec::new();
    match manifest::kind_of(&top.media_type) {
        Kind::Manifest => manifests.push(top.clone()),
        Kind::Index => {
            let idx = manifest::parse_index(&top.bytes, &what, from.registry())?;
            for entry in idx.manifests() {
                let d = manifest::digest_of(entry, from.registry())?;
                let child = from.get_manifest(src_repo, &d.to_string()).await?;
                if manifest::kind_of(&child.media_type) == Kind::Manifest {
                    manifests.push(child.clone());
                }
                children.push(child);
            }
        }
        Kind::Schema1 => return Err(RegistryError::Schema1 { reference: what }.into()),
        Kind::Other => {
            return Err(RegistryError::MediaType {
                what,
                media_type: top.media_type,
            }
            .into())
        }
    }
    let mut blobs: Vec<(Digest, u64)> = Vec::new();
    for m in &manifests {
        let parsed = manifest::parse_manifest(&m.bytes, &what, from.registry())?;
        for desc in std::iter::once(parsed.config()).chain(parsed.layers().iter()) {
            let d = manifest::digest_of(desc, from.registry())?;
            if !blobs.iter().any(|(x, _)| *x == d) {
                blobs.push((d, desc.size()));
            }
        }
    }
    for (d, size) in &blobs {
        ctx.report(d, 0, *size, ProgressState::Running);
    }
    let same_registry = from.registry() == to.registry();
    let outcomes: Vec<How> =
        futures::stream::iter(blobs.iter().map(|(d, size)| {
            copy_blob(from, src_repo, to, dst_repo, d, *size, same_registry, &ctx)
        }))
        .buffer_unordered(PARALLEL)
        .try_collect()
        .await?;
    for child in &children {
        ctx.check()?;
        to.put_manifest(dst_repo, &child.digest.to_string(), child)
            .await?;
    }
    ctx.check()?;
    let digest = to
        .put_manifest(dst_repo, &target.tag_or_digest(), &top)
        .await?;
    let count = |h: fn(&How) -> bool| outcomes.iter().filter(|o| h(o)).count();
    Ok(Copied {
        source: source.to_string(),
        target: target.to_string(),
        digest: Some(digest),
        manifests: children.len() + 1,
        blobs_skipped: count(|h| *h == How::Skipped),
        blobs_mounted: count(|h| *h == How::Mounted),
        blobs_streamed: count(|h| matches!(h, How::Streamed(_))),
        bytes_streamed: outcomes
            .iter()
            .map(|h| match h {
                How::Streamed(n) => *n,
                _ => 0,
            })
            .sum(),
    })
}

/// What a copy reports to and listens for.
struct CopyCtx<'a> {
    progress: &'a dyn Progress,
    cancel: &'a AtomicBool,
}

impl CopyCtx<'_> {
    fn report(&self, digest: &Digest, done: u64, total: u64, state: ProgressState) {
        self.progress.update(ProgressUpdate {
            id: digest.to_string(),
            done,
            total: Some(total),
            state,
        });
    }

    fn check(&self) -> Result<(), CatalogError> {
        if self.cancel.load(Ordering::Relaxed) {
            Err(CatalogError::Cancelled)
        } else {
            Ok(())
        }
    }
}

#[allow(clippy::too_many_arguments)] // one blob's whole context; private
async fn copy_blob(
    from: &Client,
    src_repo: &str,
    to: &Client,
    dst_repo: &str,
    digest: &Digest,
    size: u64,
    same_registry: bool,
    ctx: &CopyCtx<'_>,
) -> Result<How, CatalogError> {
    ctx.check()?;
    if to.head_blob(dst_repo, digest).await?.is_some() {
        ctx.report(digest, size, size, ProgressState::Skipped);
        return Ok(How::Skipped);
    }
    if same_registry && src_repo != dst_repo {
        match mount(to, dst_repo, digest, src_repo).await {
            Ok(true) => {
                ctx.report(digest, size, size, ProgressState::Done);
                return Ok(How::Mounted);
            }
            // 202 (the registry started an upload instead) or a refused source scope:
            // stream it.
            Ok(false) | Err(RegistryError::Denied { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        match stream_blob(from, src_repo, to, dst_repo, digest, size, ctx).await {
            Ok(()) => {
                ctx.report(digest, size, size, ProgressState::Done);
                return Ok(How::Streamed(size));
            }
            Err(Streamed::Cancelled) => return Err(CatalogError::Cancelled),
            Err(Streamed::Failed(e)) if attempt < BLOB_ATTEMPTS && transient(&e) => {
                tracing::debug!(error = %e, attempt, "copying the blob again");
                ctx.report(digest, 0, size, ProgressState::Running);
                tokio::time::sleep(crate::registry::client::backoff(attempt, None)).await;
            }
            Err(Streamed::Failed(e)) => return Err(e.into()),
        }
    }
}

fn transient(e: &RegistryError) -> bool {
    match e {
        RegistryError::Connect { .. } => true,
        RegistryError::Status { status, .. } => *status >= 500 || *status == 429 || *status == 416,
        _ => false,
    }
}

/// `POST …/blobs/uploads/?mount=&from=`: `true` when mounted (201). A 202 session the
/// registry opened instead is left to expire.
async fn mount(
    client: &Client,
    repo: &str,
    digest: &Digest,
    from: &str,
) -> Result<bool, RegistryError> {
    let scopes = [Scope::push(repo), Scope::pull(from)];
    let action = format!("mount blob {} from {from} into {repo}", digest.short());
    let mut url = client.url(repo, "blobs/uploads/");
    url.query_pairs_mut()
        .append_pair("mount", &digest.to_string())
        .append_pair("from", from);
    let resp = client
        .send(Req::new(Method::POST, url, &scopes, &action).header(CONTENT_LENGTH, "0"))
        .await?;
    match resp.status() {
        StatusCode::CREATED => Ok(true),
        StatusCode::ACCEPTED => Ok(false),
        _ => client.expect(resp, &[], &action, None).await.map(|_| false),
    }
}

fn location(client: &Client, resp: &reqwest::Response) -> Result<Url, RegistryError> {
    let loc = resp
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| client.protocol("an upload answer has no Location"))?;
    client.resolve(loc)
}

/// Why a streamed blob stopped.
enum Streamed {
    Failed(RegistryError),
    Cancelled,
}

impl From<RegistryError> for Streamed {
    fn from(e: RegistryError) -> Self {
        Streamed::Failed(e)
    }
}

/// Streams one blob from the source to the target: `GET` on one side, `PATCH` chunks of
/// [`COPY_CHUNK`] and a final `PUT ?digest=` on the other. The digest and size are checked
/// before the final `PUT`, so a corrupt source never completes an upload.
async fn stream_blob(
    from: &Client,
    src_repo: &str,
    to: &Client,
    dst_repo: &str,
    digest: &Digest,
    size: u64,
    ctx: &CopyCtx<'_>,
) -> Result<(), Streamed> {
    let get_scopes = [Scope::pull(src_repo)];
    let get_action = format!("fetch blob {} of {src_repo}", digest.short());
    let what = format!("blob {digest} of {src_repo}");
    let url = from.url(src_repo, &format!("blobs/{digest}"));
    let resp = from
        .send(Req::new(Method::GET, url, &get_scopes, &get_action))
        .await?;
    let mut resp = from
        .expect(resp, &[StatusCode::OK], &get_action, Some(&what))
        .await?;

    let put_scopes = [Scope::push(dst_repo)];
    let put_action = format!("upload blob {} to {dst_repo}", digest.short());
    let start = to
        .send(
            Req::new(
                Method::POST,
                to.url(dst_repo, "blobs/uploads/"),
                &put_scopes,
                &put_action,
            )
            .header(CONTENT_LENGTH, "0"),
        )
        .await?;
    let start = to
        .expect(start, &[StatusCode::ACCEPTED], &put_action, None)
        .await?;
    let mut upload = location(to, &start)?;

    let mut hasher = Hasher::new();
    let mut buf = BytesMut::with_capacity(COPY_CHUNK.min(size as usize + 1));
    let mut sent = 0u64;
    loop {
        let chunk = resp
            .chunk()
            .await
            .map_err(|e| from.connect_error(format!("{what}: {}", describe_reqwest(&e))))?;
        if ctx.cancel.load(Ordering::Relaxed) {
            return Err(Streamed::Cancelled);
        }
        let done = chunk.is_none();
        if let Some(c) = chunk {
            hasher.update(&c);
            // Bytes read from the source count as moved: the chunks go up as they fill.
            ctx.report(digest, hasher.len().min(size), size, ProgressState::Running);
            buf.extend_from_slice(&c);
            if hasher.len() > size {
                break;
            }
        }
        if buf.len() >= COPY_CHUNK && !done {
            let body: Bytes = buf.split().freeze();
            let len = body.len() as u64;
            let req = Req::new(Method::PATCH, upload.clone(), &put_scopes, &put_action)
                .header(CONTENT_TYPE, "application/octet-stream")
                .header(CONTENT_RANGE, &format!("{sent}-{}", sent + len - 1))
                .body(body)
                .no_retry();
            let r = to.send(req).await?;
            let r = to
                .expect(r, &[StatusCode::ACCEPTED], &put_action, None)
                .await?;
            upload = location(to, &r)?;
            sent += len;
        }
        if done {
            break;
        }
    }
    let (actual, len) = hasher.finish();
    crate::digest::verify(digest, Some(size), &actual, len).map_err(|source| {
        RegistryError::Digest {
            registry: from.registry().to_string(),
            what: what.clone(),
            source,
        }
    })?;
    let mut url = upload;
    url.query_pairs_mut()
        .append_pair("digest", &digest.to_string());
    let body = buf.freeze();
    let req = Req::new(Method::PUT, url, &put_scopes, &put_action)
        .header(CONTENT_TYPE, "application/octet-stream")
        .body(body)
        .no_retry();
    let r = to.send(req).await?;
    to.expect(r, &[StatusCode::CREATED], &put_action, None)
        .await?;
    Ok(())
}

//! Push: a local image under any remote name. For each blob, in parallel: `HEAD` (present:
//! skip), else mount from a sibling repository where [`BlobSources`] saw it (the registry
//! may answer 202 instead, which starts an ordinary upload), else upload: one `PUT` for a
//! small blob, `PATCH` chunks with `Content-Range` for a large one (at least the
//! registry's `OCI-Chunk-Min-Length`). Manifests go last: an index's children first, the
//! tag last, so that the registry never names an incomplete image; each is `HEAD`ed
//! first and not sent again when the registry already has it under that name.
//! ([OCI distribution spec § pushing blobs], [§ pushing manifests])
//!
//! A chunk that fails (broken connection, 5xx, 429) is resumed from where the registry
//! says the upload stands (`GET` on the upload URL, its `Range` header); when the
//! registry no longer knows the upload (distribution forgets one whose chunk was cut
//! mid-body) or a monolithic upload fails, the blob starts again in a new session.
//!
//! [OCI distribution spec § pushing blobs]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs
//! [§ pushing manifests]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-manifests

use std::io::{Read, Seek, SeekFrom};

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use reqwest::header::{ACCEPT, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, LOCATION, RANGE};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::auth::Scope;
use super::client::{Client, RawManifest, Req, MANIFEST_ACCEPT, MANIFEST_MAX};
use super::error::RegistryError;
use super::manifest::{self, Kind};
use super::progress::{BlobKind, Tracker, TransferProgress, TransferState};
use super::sources::BlobSources;
use super::{blocking, RegistryOptions};
use crate::digest::Digest;
use crate::reference::Reference;
use crate::store::Store;

/// Blobs up to this size go in one `PUT`; larger ones in chunks of this size.
pub const DEFAULT_CHUNK: u64 = 16 * 1024 * 1024;
/// Failed chunks (or monolithic attempts) tolerated per blob.
const MAX_BLOB_FAILURES: u32 = 6;
/// Sibling repositories tried for a mount before uploading.
const MAX_MOUNT_TRIES: usize = 2;

/// What a push does besides the names.
#[derive(Clone, Debug, Default)]
pub struct PushOptions {
    pub registry: RegistryOptions,
    /// Blobs pushed at once; 0: 4.
    pub concurrency: usize,
    /// Blobs larger than this go in `PATCH` chunks of this size; 0: [`DEFAULT_CHUNK`].
    pub chunk_size: u64,
    /// Whether to try cross-repository mounts (default on; off only for benchmarks).
    pub no_mount: bool,
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
/// `remote` (its tag, or its digest when it has no tag).
pub async fn push(
    store: &Store,
    local: &str,
    remote: &Reference,
    options: &PushOptions,
    progress: &dyn TransferProgress,
    cancel: &CancellationToken,
) -> Result<PushResult, RegistryError> {
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(RegistryError::Cancelled),
        r = push_inner(store, local, remote, options, progress) => r,
    }
}

struct Blob {
    digest: Digest,
    size: u64,
    kind: BlobKind,
}

/// A local manifest or index read for pushing.
fn read_manifest(
    store: &Store,
    digest: &Digest,
    media_type: Option<String>,
) -> Result<RawManifest, RegistryError> {
    if !store.has_blob(digest) {
        return Err(RegistryError::MissingBlob(digest.clone()));
    }
    let bytes = store.read_blob(digest, MANIFEST_MAX as u64)?;
    let media_type = manifest::media_type_of(media_type.as_deref(), &bytes);
    Ok(RawManifest {
        bytes: Bytes::from(bytes),
        media_type,
        digest: digest.clone(),
    })
}

async fn push_inner(
    store: &Store,
    local: &str,
    remote: &Reference,
    options: &PushOptions,
    progress: &dyn TransferProgress,
) -> Result<PushResult, RegistryError> {
    // Read everything local first: a missing blob fails before anything is sent.
    let (top, children, blobs) = {
        let store = store.clone();
        let local = local.to_string();
        blocking(move || collect_local(&store, &local)).await?
    };
    let client = Client::connect(&remote.registry, &options.registry).await?;
    let repo = remote.repository.as_str();
    let sources = if options.no_mount {
        BlobSources::default()
    } else {
        let root = store.root().to_path_buf();
        blocking(move || Ok(BlobSources::load(&root))).await?
    };

    let trackers: Vec<Tracker> = blobs
        .iter()
        .map(|b| Tracker::new(progress, b.digest.to_string(), b.kind, b.size))
        .collect();
    for t in &trackers {
        t.state(TransferState::Waiting, 0);
    }
    let concurrency = match options.concurrency {
        0 => super::pull::DEFAULT_CONCURRENCY,
        n => n,
    };
    let chunk = match options.chunk_size {
        0 => DEFAULT_CHUNK,
        n => n,
    };
    let jobs = blobs.iter().zip(&trackers).map(|(b, t)| {
        let candidates = sources.candidates(client.registry(), &b.digest, repo);
        push_blob(&client, repo, store, b, t, candidates, chunk)
    });
    let outcomes: Vec<(BlobOutcome, u64)> = futures::stream::iter(jobs)
        .buffer_unordered(concurrency)
        .try_collect()
        .await?;

    for child in &children {
        let at = child.digest.to_string();
        if !manifest_in_place(&client, repo, &at, child).await {
            client.put_manifest(repo, &at, child).await?;
        }
    }
    let target = remote.tag_or_digest();
    let digest = if manifest_in_place(&client, repo, &target, &top).await {
        top.digest.clone()
    } else {
        client.put_manifest(repo, &target, &top).await?
    };

    let all: Vec<Digest> = blobs.iter().map(|b| b.digest.clone()).collect();
    let root = store.root().to_path_buf();
    let (reg, repo_owned) = (client.registry().to_string(), repo.to_string());
    let _ =
        tokio::task::spawn_blocking(move || BlobSources::record(&root, &reg, &repo_owned, &all))
            .await;

    let count = |o: BlobOutcome| outcomes.iter().filter(|(x, _)| *x == o).count();
    Ok(PushResult {
        name: remote.to_string(),
        digest,
        uploaded: count(BlobOutcome::Uploaded),
        mounted: count(BlobOutcome::Mounted),
        skipped: count(BlobOutcome::Skipped),
        bytes_uploaded: outcomes.iter().map(|(_, n)| n).sum(),
    })
}

/// Whether the registry already has `manifest` under `tag_or_digest` (`HEAD`, compared by
/// its `Docker-Content-Digest`), so that a re-push of an unchanged image sends only
/// `HEAD` requests. Any doubt (no digest in the answer, an error) means no: the `PUT`
/// follows and reports the real problem if there is one.
async fn manifest_in_place(
    client: &Client,
    repo: &str,
    tag_or_digest: &str,
    manifest: &RawManifest,
) -> bool {
    let scopes = [Scope::push(repo)];
    let action = format!("check the manifest {repo}:{tag_or_digest}");
    let url = client.url(repo, &format!("manifests/{tag_or_digest}"));
    let req = Req::new(Method::HEAD, url, &scopes, &action).header(ACCEPT, MANIFEST_ACCEPT);
    match client.send(req).await {
        Ok(resp) if resp.status() == StatusCode::OK => resp
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|d| d.trim() == manifest.digest.to_string()),
        _ => false,
    }
}

/// The top manifest or index, the manifests under it (for an index), and every blob
/// they list, deduplicated.
fn collect_local(
    store: &Store,
    local: &str,
) -> Result<(RawManifest, Vec<RawManifest>, Vec<Blob>), RegistryError> {
    let image = store.resolve(local)?;
    let digest = image.digest()?;
    let top = read_manifest(
        store,
        &digest,
        Some(image.descriptor.media_type().to_string()),
    )?;
    let mut manifests = Vec::new();
    let mut children = Vec::new();
    match manifest::kind_of(&top.media_type) {
        Kind::Manifest => manifests.push(top.clone()),
        Kind::Index => {
            let idx = manifest::parse_index(&top.bytes, local, "the store")?;
            for entry in idx.manifests() {
                let d = manifest::digest_of(entry, "the store")?;
                let child = read_manifest(store, &d, Some(entry.media_type().to_string()))?;
                if manifest::kind_of(&child.media_type) != Kind::Manifest {
                    return Err(RegistryError::MediaType {
                        what: format!("an entry of the index {local}"),
                        media_type: child.media_type,
                    });
                }
                manifests.push(child.clone());
                children.push(child);
            }
        }
        _ => {
            return Err(RegistryError::MediaType {
                what: local.to_string(),
                media_type: top.media_type,
            })
        }
    }
    let mut blobs: Vec<Blob> = Vec::new();
    for m in &manifests {
        let parsed = manifest::parse_manifest(&m.bytes, local, "the store")?;
        let listed = std::iter::once((parsed.config(), BlobKind::Config))
            .chain(parsed.layers().iter().map(|l| (l, BlobKind::Layer)));
        for (desc, kind) in listed {
            let digest = manifest::digest_of(desc, "the store")?;
            if blobs.iter().any(|b| b.digest == digest) {
                continue;
            }
            if !store.has_blob(&digest) {
                return Err(RegistryError::MissingBlob(digest));
            }
            blobs.push(Blob {
                digest,
                size: desc.size(),
                kind,
            });
        }
    }
    Ok((top, children, blobs))
}

/// Whether starting the blob again may help: a broken connection, a registry failure,
/// or a range it no longer agrees with (416).
fn transient(e: &RegistryError) -> bool {
    match e {
        RegistryError::Connect { .. } => true,
        RegistryError::Status { status, .. } => *status >= 500 || *status == 429 || *status == 416,
        _ => false,
    }
}

/// Pushes one blob; returns how, and the bytes sent.
async fn push_blob(
    client: &Client,
    repo: &str,
    store: &Store,
    blob: &Blob,
    tracker: &Tracker<'_>,
    mount_from: Vec<String>,
    chunk: u64,
) -> Result<(BlobOutcome, u64), RegistryError> {
    let push_scope = [Scope::push(repo)];
    if client
        .head_blob_scoped(repo, &blob.digest, &push_scope)
        .await?
        .is_some()
    {
        tracker.state(TransferState::Skipped, blob.size);
        return Ok((BlobOutcome::Skipped, 0));
    }
    let mut session = None;
    for from in mount_from.iter().take(MAX_MOUNT_TRIES) {
        match mount(client, repo, &blob.digest, from).await {
            Ok(None) => {
                tracker.state(TransferState::Mounted, blob.size);
                return Ok((BlobOutcome::Mounted, 0));
            }
            Ok(Some(started)) => {
                session = Some(started);
                break;
            }
            // A mount is an optimisation: a refused source scope means upload instead.
            Err(RegistryError::Denied { .. } | RegistryError::Unauthorized { .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    tracker.state(TransferState::Transferring, 0);
    let mut failures = 0u32;
    loop {
        let started = match session.take() {
            Some(s) => s,
            None => start_upload(client, repo).await?,
        };
        let sent = if blob.size <= chunk {
            upload_monolithic(client, repo, store, blob, tracker, started).await
        } else {
            upload_chunked(client, repo, store, blob, tracker, started, chunk).await
        };
        match sent {
            Ok(()) => break,
            Err(e) if transient(&e) && failures < MAX_BLOB_FAILURES => {
                failures += 1;
                tracing::debug!(error = %e, failures, "uploading the blob again");
                tokio::time::sleep(super::client::backoff(failures, None)).await;
            }
            Err(e) => return Err(e),
        }
    }
    tracker.state(TransferState::Done, blob.size);
    Ok((BlobOutcome::Uploaded, blob.size))
}

/// An upload session: where to send the bytes, and the smallest chunk the registry takes.
struct Session {
    location: Url,
    min_chunk: u64,
}

fn session_of(client: &Client, resp: &reqwest::Response) -> Result<Session, RegistryError> {
    let location = resp
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| client.protocol("an upload answer has no Location"))?;
    let min_chunk = resp
        .headers()
        .get("oci-chunk-min-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    Ok(Session {
        location: client.resolve(location)?,
        min_chunk,
    })
}

/// `POST …/blobs/uploads/?mount=&from=`: `None` when mounted (201), else the upload
/// session the registry started instead (202).
async fn mount(
    client: &Client,
    repo: &str,
    digest: &Digest,
    from: &str,
) -> Result<Option<Session>, RegistryError> {
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
        StatusCode::CREATED => Ok(None),
        StatusCode::ACCEPTED => Ok(Some(session_of(client, &resp)?)),
        _ => client.expect(resp, &[], &action, None).await.map(|_| None),
    }
}

async fn start_upload(client: &Client, repo: &str) -> Result<Session, RegistryError> {
    let scopes = [Scope::push(repo)];
    let action = format!("start an upload to {repo}");
    let url = client.url(repo, "blobs/uploads/");
    let resp = client
        .send(Req::new(Method::POST, url, &scopes, &action).header(CONTENT_LENGTH, "0"))
        .await?;
    let resp = client
        .expect(resp, &[StatusCode::ACCEPTED], &action, None)
        .await?;
    session_of(client, &resp)
}

fn with_digest(mut url: Url, digest: &Digest) -> Url {
    url.query_pairs_mut()
        .append_pair("digest", &digest.to_string());
    url
}

/// Reads `len` bytes at `offset` of a blob, off the async threads.
async fn read_range(
    store: &Store,
    digest: &Digest,
    offset: u64,
    len: u64,
) -> Result<Bytes, RegistryError> {
    let store = store.clone();
    let digest = digest.clone();
    blocking(move || {
        let mut f = store.open_blob(&digest)?;
        let path = store.blob_path(&digest);
        let io = |e| crate::store::StoreError::io("read", &path, e);
        f.seek(SeekFrom::Start(offset)).map_err(io)?;
        let mut buf = vec![0u8; len as usize];
        f.read_exact(&mut buf).map_err(io)?;
        Ok(Bytes::from(buf))
    })
    .await
}

async fn upload_monolithic(
    client: &Client,
    repo: &str,
    store: &Store,
    blob: &Blob,
    tracker: &Tracker<'_>,
    session: Session,
) -> Result<(), RegistryError> {
    let scopes = [Scope::push(repo)];
    let action = format!("upload blob {} to {repo}", blob.digest.short());
    let body = read_range(store, &blob.digest, 0, blob.size).await?;
    // Not retried here: a broken PUT may have appended to the session; a new one is used.
    let req = Req::new(
        Method::PUT,
        with_digest(session.location, &blob.digest),
        &scopes,
        &action,
    )
    .header(CONTENT_TYPE, "application/octet-stream")
    .body(body)
    .no_retry();
    tracker.state(TransferState::Verifying, blob.size);
    let resp = client.send(req).await?;
    client
        .expect(resp, &[StatusCode::CREATED], &action, None)
        .await?;
    Ok(())
}

async fn upload_chunked(
    client: &Client,
    repo: &str,
    store: &Store,
    blob: &Blob,
    tracker: &Tracker<'_>,
    session: Session,
    chunk: u64,
) -> Result<(), RegistryError> {
    let scopes = [Scope::push(repo)];
    let action = format!("upload blob {} to {repo}", blob.digest.short());
    let chunk = chunk.max(session.min_chunk).max(1);
    let mut location = session.location;
    let mut offset = 0u64;
    let mut failures = 0u32;
    // The next chunk is read from disk while this one is on the wire.
    let mut ahead: Option<(u64, tokio::task::JoinHandle<Result<Bytes, RegistryError>>)> = None;
    while offset < blob.size {
        let len = chunk.min(blob.size - offset);
        let body = match ahead.take() {
            Some((at, read)) if at == offset => read.await.unwrap_or_else(|e| {
                Err(RegistryError::Protocol {
                    registry: "the store".into(),
                    reason: format!("a background read failed: {e}"),
                })
            })?,
            _ => read_range(store, &blob.digest, offset, len).await?,
        };
        let next = offset + len;
        if next < blob.size {
            let (store, digest) = (store.clone(), blob.digest.clone());
            let next_len = chunk.min(blob.size - next);
            ahead = Some((
                next,
                tokio::spawn(async move { read_range(&store, &digest, next, next_len).await }),
            ));
        }
        let req = Req::new(Method::PATCH, location.clone(), &scopes, &action)
            .header(CONTENT_TYPE, "application/octet-stream")
            .header(CONTENT_RANGE, &format!("{offset}-{}", offset + len - 1))
            .body(body)
            .no_retry();
        let failure = match client.send(req).await {
            Ok(resp) if resp.status() == StatusCode::ACCEPTED => {
                location = session_of(client, &resp)?.location;
                offset += len;
                tracker.bytes(offset);
                continue;
            }
            Ok(resp) => {
                let wait = super::client::backoff(
                    failures + 1,
                    resp.headers().get(reqwest::header::RETRY_AFTER),
                );
                let err = client.expect(resp, &[], &action, None).await.err();
                (
                    err.unwrap_or_else(|| client.protocol("an unexpected answer to a chunk")),
                    wait,
                )
            }
            Err(e) => (e, super::client::backoff(failures + 1, None)),
        };
        let (err, wait) = failure;
        failures += 1;
        if !transient(&err) || failures > MAX_BLOB_FAILURES {
            return Err(err);
        }
        tokio::time::sleep(wait).await;
        // Where does the upload stand? Resume from there.
        match upload_status(client, repo, &location).await {
            Ok((end, loc)) => {
                location = loc;
                offset = end;
                tracker.bytes(offset);
            }
            Err(_) => return Err(err),
        }
    }
    tracker.state(TransferState::Verifying, blob.size);
    let req = Req::new(
        Method::PUT,
        with_digest(location, &blob.digest),
        &scopes,
        &action,
    )
    .header(CONTENT_LENGTH, "0");
    let resp = client.send(req).await?;
    match client
        .expect(resp, &[StatusCode::CREATED], &action, None)
        .await
    {
        Ok(_) => Ok(()),
        // A retried final PUT whose first attempt did land finds the session gone.
        Err(e)
            if client
                .head_blob_scoped(repo, &blob.digest, &scopes)
                .await?
                .is_some() =>
        {
            tracing::debug!(error = %e, "the blob is there after all");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// `GET` on an upload URL: the bytes the registry has (from `Range: 0-N`) and the URL
/// to continue at.
async fn upload_status(
    client: &Client,
    repo: &str,
    location: &Url,
) -> Result<(u64, Url), RegistryError> {
    let scopes = [Scope::push(repo)];
    let action = format!("check an upload to {repo}");
    let resp = client
        .send(Req::new(Method::GET, location.clone(), &scopes, &action))
        .await?;
    let resp = client
        .expect(resp, &[StatusCode::NO_CONTENT], &action, None)
        .await?;
    let end = resp
        .headers()
        .get(RANGE)
        .and_then(|v| v.to_str().ok())
        .map_or(0, range_end);
    let loc = session_of(client, &resp).map_or_else(|_| location.clone(), |s| s.location);
    Ok((end, loc))
}

/// The bytes an upload holds, from its `Range: 0-N` (N the last byte). Distribution
/// answers `0-0` both for nothing and for one byte; nothing is assumed, and a wrong guess
/// costs a 416 that restarts the blob.
fn range_end(header: &str) -> u64 {
    let last = header
        .trim()
        .trim_start_matches("bytes=")
        .split('-')
        .nth(1)
        .and_then(|s| s.trim().parse::<u64>().ok());
    match last {
        Some(0) | None => 0,
        Some(n) => n + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_range_gives_the_next_offset() {
        assert_eq!(range_end("0-0"), 0);
        assert_eq!(range_end("0-1048575"), 1048576);
        assert_eq!(range_end("bytes=0-9"), 10);
        assert_eq!(range_end("garbage"), 0);
    }
}

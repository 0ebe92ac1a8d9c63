//! Pull: reference → manifest (an index resolved to one platform) → the blobs the store
//! lacks, fetched concurrently, each hashed and counted as it streams into a
//! [`BlobWriter`](crate::store::BlobWriter) and committed only when digest and size match
//! (the manifest and index blobs stored meanwhile) → the name, written last. A pull that
//! fails or is cancelled therefore leaves no image, only blobs that a later pull reuses
//! and gc removes.
//!
//! A connection that drops mid-blob is resumed with `Range: bytes=N-` when the server
//! answers 206; a server that answers 200 instead is read again from the start.
//! ([OCI distribution spec § pulling blobs])
//!
//! [OCI distribution spec § pulling blobs]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-blobs

use std::io::Write;
use std::str::FromStr;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use oci_spec::image::{Descriptor, MediaType};
use reqwest::header::{CONTENT_RANGE, RANGE};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::auth::Scope;
use super::client::{Client, Req};
use super::error::RegistryError;
use super::manifest::{self, Kind, Platform};
use super::progress::{BlobKind, Tracker, TransferProgress, TransferState};
use super::sources::BlobSources;
use super::{blocking, RegistryOptions};
use crate::digest::Digest;
use crate::reference::Reference;
use crate::store::{Store, StoreError};

/// How many times one blob's download is resumed after a broken connection.
const MAX_RESUMES: u32 = 8;
/// Chunks of one blob queued between the download and the thread writing it. Enough for
/// the download to carry on through a short disk stall (a journal commit of other
/// programs' writes) instead of waiting on it: hyper hands out at most about 400 KiB a
/// chunk, so at most some 25 MiB per blob, and only while the disk lags (measured on the
/// 512 MiB pull benchmark under load: 16 chunks made it about 10% slower).
const QUEUED_CHUNKS: usize = 64;
/// Blobs fetched at once when the caller does not say.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// What a pull does besides the reference.
#[derive(Clone, Debug, Default)]
pub struct PullOptions {
    pub registry: RegistryOptions,
    /// The platform to take from a multi-platform index; `None`: this machine's.
    pub platform: Option<Platform>,
    /// Blobs fetched at once; 0: [`DEFAULT_CONCURRENCY`].
    pub concurrency: usize,
}

/// What a pull did.
#[derive(Debug, Clone, Serialize)]
pub struct PullResult {
    /// The name written in the store: `docker.io/library/busybox:latest`.
    pub name: String,
    /// The image manifest the name points at.
    pub digest: Digest,
    /// The index it was chosen from, when the reference named an index (the index blob
    /// is stored too, unnamed, so that `inspect` can show the other platforms).
    pub index_digest: Option<Digest>,
    /// The platform chosen from the index.
    pub platform: Option<String>,
    /// Blobs (config and layers) fetched, and already in the store.
    pub fetched: usize,
    pub skipped: usize,
    /// Compressed bytes downloaded.
    pub bytes_fetched: u64,
}

/// Pulls `reference` into `store`. See the module doc for the order of writes.
pub async fn pull(
    store: &Store,
    reference: &Reference,
    options: &PullOptions,
    progress: &dyn TransferProgress,
    cancel: &CancellationToken,
) -> Result<PullResult, RegistryError> {
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(RegistryError::Cancelled),
        r = pull_inner(store, reference, options, progress, cancel) => r,
    }
}

struct Blob {
    digest: Digest,
    size: u64,
    kind: BlobKind,
}

async fn pull_inner(
    store: &Store,
    reference: &Reference,
    options: &PullOptions,
    progress: &dyn TransferProgress,
    cancel: &CancellationToken,
) -> Result<PullResult, RegistryError> {
    let client = Client::connect(&reference.registry, &options.registry).await?;
    let registry = client.registry().to_string();
    let repo = reference.repository.as_str();
    let display = reference.to_string();

    let top = client
        .get_manifest(repo, &reference.tag_or_digest())
        .await?;
    let (image, index, platform) = match manifest::kind_of(&top.media_type) {
        Kind::Manifest => (top, None, None),
        Kind::Index => {
            let idx = manifest::parse_index(&top.bytes, &display, &registry)?;
            let wanted = options.platform.clone().unwrap_or_else(Platform::host);
            let entry = manifest::select(&idx, &wanted, &display)?.clone();
            let child_digest = manifest::digest_of(&entry, &registry)?;
            let child = client.get_manifest(repo, &child_digest.to_string()).await?;
            if manifest::kind_of(&child.media_type) != Kind::Manifest {
                return Err(RegistryError::MediaType {
                    what: format!("the {wanted} entry of {display}"),
                    media_type: child.media_type,
                });
            }
            (child, Some((top, entry)), Some(wanted))
        }
        Kind::Schema1 => return Err(RegistryError::Schema1 { reference: display }),
        Kind::Other => {
            return Err(RegistryError::MediaType {
                what: display,
                media_type: top.media_type,
            })
        }
    };

    let parsed = manifest::parse_manifest(&image.bytes, &display, &registry)?;
    let mut blobs = vec![Blob {
        digest: manifest::digest_of(parsed.config(), &registry)?,
        size: parsed.config().size(),
        kind: BlobKind::Config,
    }];
    for layer in parsed.layers() {
        let digest = manifest::digest_of(layer, &registry)?;
        if blobs.iter().all(|b| b.digest != digest) {
            blobs.push(Blob {
                digest,
                size: layer.size(),
                kind: BlobKind::Layer,
            });
        }
    }

    let present: Vec<bool> = {
        let store = store.clone();
        let digests: Vec<Digest> = blobs.iter().map(|b| b.digest.clone()).collect();
        blocking(move || Ok(digests.iter().map(|d| store.has_blob(d)).collect())).await?
    };
    let trackers: Vec<Tracker> = blobs
        .iter()
        .map(|b| Tracker::new(progress, b.digest.to_string(), b.kind, b.size))
        .collect();
    for (t, (b, here)) in trackers.iter().zip(blobs.iter().zip(&present)) {
        if *here {
            t.state(TransferState::Skipped, b.size);
        } else {
            t.state(TransferState::Waiting, 0);
        }
    }

    let concurrency = match options.concurrency {
        0 => DEFAULT_CONCURRENCY,
        n => n,
    };
    let jobs = blobs
        .iter()
        .zip(&trackers)
        .zip(&present)
        .filter(|(_, here)| !**here)
        .map(|((b, t), _)| fetch_blob(&client, repo, store, b, t));
    let fetching = futures::stream::iter(jobs)
        .buffer_unordered(concurrency)
        .try_collect::<Vec<u64>>();
    // The manifest (and index) blobs are stored while the layers stream: unnamed, they
    // make no image yet, and their fsyncs stay off the path to the end of the pull.
    let storing = {
        let store = store.clone();
        let image_bytes = image.bytes.clone();
        let index_bytes = index.as_ref().map(|(raw, _)| raw.bytes.clone());
        blocking(move || {
            if let Some(bytes) = index_bytes {
                store.put_bytes(&bytes)?;
            }
            store.put_bytes(&image_bytes)?;
            Ok(())
        })
    };
    let (fetched, stored) = tokio::join!(fetching, storing);
    let fetched = fetched?;
    stored?;

    // The name last, so that a failure before leaves no image.
    let descriptor = {
        let mut d = Descriptor::new(
            MediaType::from(image.media_type.as_str()),
            image.bytes.len() as u64,
            oci_spec::image::Digest::from(&image.digest),
        );
        if let Some((_, entry)) = &index {
            d.set_platform(entry.platform().clone());
        }
        d
    };
    let name = stored_name(reference, &image.digest);
    if cancel.is_cancelled() {
        return Err(RegistryError::Cancelled);
    }
    {
        let store = store.clone();
        let name = name.clone();
        blocking(move || Ok(store.set_ref(&name, descriptor)?)).await?;
    }

    let all: Vec<Digest> = blobs.iter().map(|b| b.digest.clone()).collect();
    let root = store.root().to_path_buf();
    let (reg, repo_owned) = (registry.clone(), repo.to_string());
    let _ =
        tokio::task::spawn_blocking(move || BlobSources::record(&root, &reg, &repo_owned, &all))
            .await;

    Ok(PullResult {
        name: name.to_string(),
        digest: image.digest,
        index_digest: index.map(|(raw, _)| raw.digest),
        platform: platform.map(|p| p.to_string()),
        fetched: fetched.len(),
        skipped: present.iter().filter(|p| **p).count(),
        bytes_fetched: fetched.iter().sum(),
    })
}

/// The name the pulled image gets: the reference as given, except that a digest it pins
/// is replaced by the manifest's when that digest was an index's (the store names the
/// platform's manifest, which has another digest).
fn stored_name(reference: &Reference, manifest: &Digest) -> Reference {
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

/// What the streaming side tells the thread that writes the blob.
enum Msg {
    Data(Bytes),
    /// The server restarted from byte 0: drop what was written.
    Restart,
    /// All bytes are there: verify and make the blob visible.
    Commit,
}

/// Fetches one blob into the store; returns the bytes downloaded.
async fn fetch_blob(
    client: &Client,
    repo: &str,
    store: &Store,
    blob: &Blob,
    tracker: &Tracker<'_>,
) -> Result<u64, RegistryError> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Msg>(QUEUED_CHUNKS);
    let writer = {
        let store = store.clone();
        let digest = blob.digest.clone();
        let size = blob.size;
        tokio::task::spawn_blocking(move || write_blob(store, rx, &digest, size))
    };
    tracker.state(TransferState::Transferring, 0);
    let streamed = stream_blob(client, repo, blob, tracker, &tx).await;
    let sent_commit = match &streamed {
        Ok(_) => {
            tracker.state(TransferState::Verifying, blob.size);
            tx.send(Msg::Commit).await.is_ok()
        }
        Err(_) => false,
    };
    drop(tx);
    let written = writer
        .await
        .map_err(|e| StoreError::io("write", store.root(), std::io::Error::other(e.to_string())))?;
    // A writer error (disk full, digest mismatch) explains a broken channel best.
    match (written, streamed) {
        (Err(e), _) => Err(match e {
            StoreError::Digest(source) => RegistryError::Digest {
                registry: client.registry().to_string(),
                what: format!("blob {}", blob.digest),
                source,
            },
            e => e.into(),
        }),
        (Ok(_), Err(e)) => Err(e),
        (Ok(true), Ok(n)) if sent_commit => {
            tracker.state(TransferState::Done, blob.size);
            Ok(n)
        }
        (Ok(_), Ok(_)) => Err(RegistryError::Cancelled),
    }
}

/// The blocking side: writes what arrives; commits on [`Msg::Commit`]; discards the
/// temporary file when the channel closes first (failure or cancel). Returns whether
/// it committed.
fn write_blob(
    store: Store,
    mut rx: tokio::sync::mpsc::Receiver<Msg>,
    digest: &Digest,
    size: u64,
) -> Result<bool, StoreError> {
    let mut w = store.blob_writer()?;
    while let Some(msg) = rx.blocking_recv() {
        match msg {
            Msg::Data(bytes) => w
                .write_all(&bytes)
                .map_err(|e| StoreError::io("write a blob into", store.root(), e))?,
            Msg::Restart => w = store.blob_writer()?,
            Msg::Commit => {
                w.commit(Some((digest, size)))?;
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Streams the blob's bytes into `tx`, resuming with `Range` after a broken connection.
async fn stream_blob(
    client: &Client,
    repo: &str,
    blob: &Blob,
    tracker: &Tracker<'_>,
    tx: &tokio::sync::mpsc::Sender<Msg>,
) -> Result<u64, RegistryError> {
    let scopes = [Scope::pull(repo)];
    let action = format!("fetch blob {} of {repo}", blob.digest.short());
    let what = format!("blob {} of {repo}", blob.digest);
    let url = client.url(repo, &format!("blobs/{}", blob.digest));
    let gone = || RegistryError::Cancelled;
    let mut received = 0u64;
    let mut downloaded = 0u64;
    let mut resumes = 0u32;
    loop {
        let mut req = Req::new(Method::GET, url.clone(), &scopes, &action);
        if received > 0 {
            req = req.header(RANGE, &format!("bytes={received}-"));
        }
        let resp = client.send(req).await?;
        let mut resp = match resp.status() {
            StatusCode::PARTIAL_CONTENT if received > 0 => {
                let start = resp
                    .headers()
                    .get(CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(range_start);
                if start != Some(received) {
                    return Err(client.protocol(format!(
                        "asked for {what} from byte {received}, got another range"
                    )));
                }
                resp
            }
            StatusCode::OK => {
                if received > 0 {
                    // No range support: start over.
                    tx.send(Msg::Restart).await.map_err(|_| gone())?;
                    received = 0;
                    tracker.bytes(0);
                }
                resp
            }
            _ => client.expect(resp, &[], &action, Some(&what)).await?,
        };
        let broken = loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    received += chunk.len() as u64;
                    downloaded += chunk.len() as u64;
                    if received > blob.size {
                        return Err(RegistryError::Digest {
                            registry: client.registry().to_string(),
                            what: format!("blob {}", blob.digest),
                            source: crate::digest::DigestError::Size {
                                expected: blob.size,
                                actual: received,
                            },
                        });
                    }
                    tx.send(Msg::Data(chunk)).await.map_err(|_| gone())?;
                    tracker.bytes(received);
                }
                Ok(None) => break None,
                Err(e) => break Some(super::client::describe_reqwest(&e)),
            }
        };
        if broken.is_none() && received == blob.size {
            return Ok(downloaded);
        }
        resumes += 1;
        let reason = broken.unwrap_or_else(|| {
            format!(
                "the connection closed after {received} of {} bytes",
                blob.size
            )
        });
        if resumes > MAX_RESUMES {
            return Err(client.connect_error(format!("{what}: {reason}")));
        }
        tracing::debug!(%reason, received, resumes, "resuming a blob download");
        tokio::time::sleep(super::client::backoff(resumes, None)).await;
    }
}

/// The first byte of a `Content-Range: bytes 100-199/200` answer.
fn range_start(header: &str) -> Option<u64> {
    let rest = header.trim().strip_prefix("bytes")?.trim_start();
    u64::from_str(rest.split('-').next()?.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_start() {
        assert_eq!(range_start("bytes 100-199/200"), Some(100));
        assert_eq!(range_start("bytes 0-0/*"), Some(0));
        assert_eq!(range_start("items 1-2"), None);
    }

    #[test]
    fn a_pinned_index_digest_names_the_manifest_pulled() {
        let m = Digest::of(b"manifest");
        let i = Digest::of(b"index");
        let r = Reference::parse("127.0.0.1:5000/app:1").unwrap();
        assert_eq!(stored_name(&r, &m), r);
        let by_index = r.with_digest(i.clone());
        assert_eq!(stored_name(&by_index, &m), r.with_digest(m.clone()));
        let both = Reference {
            digest: Some(i),
            ..r.clone()
        };
        assert_eq!(stored_name(&both, &m), r);
    }
}

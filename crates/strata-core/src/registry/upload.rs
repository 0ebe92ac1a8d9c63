//! The protocol of putting one blob into a repository ([OCI distribution spec § pushing
//! blobs], [§ mounting a blob]): start an upload session (`POST`), or ask to mount the blob
//! from another repository of the same registry (the registry may answer 202 instead, which
//! starts an ordinary session); then one `PUT` for a small blob, or `PATCH` chunks with
//! `Content-Range` and a final `PUT ?digest=` for a large one.
//!
//! A chunk that fails (broken connection, 5xx, 429) is resumed from where the registry
//! says the upload stands (`GET` on the upload URL, its `Range` header), from the chunk
//! still in memory. When the registry no longer knows the upload (distribution forgets one
//! whose chunk was cut mid-body), or a whole-blob `PUT` fails, the error goes back to the
//! caller, who starts the blob again in a new session.
//!
//! [OCI distribution spec § pushing blobs]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs
//! [§ mounting a blob]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#mounting-a-blob-from-another-repository

use bytes::Bytes;
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, LOCATION, RANGE, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use url::Url;

use super::auth::Scope;
use super::client::{Client, Req};
use super::error::RegistryError;
use super::http::{backoff, transient};
use crate::digest::Digest;

/// Failed chunks tolerated per upload before the error goes back to the caller.
const MAX_CHUNK_FAILURES: u32 = 6;

/// An upload session the registry opened: where to send the bytes, and the smallest chunk
/// it takes.
pub struct Session {
    location: Url,
    min_chunk: u64,
}

impl Session {
    /// The smallest `PATCH` the registry accepts (`OCI-Chunk-Min-Length`), 0 when it says
    /// nothing.
    pub fn min_chunk(&self) -> u64 {
        self.min_chunk
    }
}

/// The largest `OCI-Chunk-Min-Length` honoured: each upload holds one chunk in memory,
/// several uploads run at once, and a registry could otherwise ask for a chunk the size of
/// the address space (the allocation then aborts the process).
pub const MAX_MIN_CHUNK: u64 = 64 << 20;

/// The registry's `OCI-Chunk-Min-Length`: 0 when absent or unreadable, refused above
/// [`MAX_MIN_CHUNK`].
fn min_chunk_of(headers: &reqwest::header::HeaderMap) -> Result<u64, String> {
    let asked = headers
        .get("oci-chunk-min-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(0);
    if asked > MAX_MIN_CHUNK {
        return Err(format!(
            "the registry asks for upload chunks of at least {asked} bytes \
             (OCI-Chunk-Min-Length); Strata sends at most {MAX_MIN_CHUNK} at once"
        ));
    }
    Ok(asked)
}

fn session_of(client: &Client, resp: &reqwest::Response) -> Result<Session, RegistryError> {
    let location = resp
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| client.protocol("an upload answer has no Location"))?;
    let min_chunk = min_chunk_of(resp.headers()).map_err(|reason| client.protocol(reason))?;
    Ok(Session {
        location: client.resolve(location)?,
        min_chunk,
    })
}

/// `POST …/blobs/uploads/?mount=&from=`: `None` when mounted (201), else the upload
/// session the registry started instead (202).
pub(crate) async fn mount(
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

/// `POST …/blobs/uploads/`: a new session.
pub(crate) async fn start(client: &Client, repo: &str) -> Result<Session, RegistryError> {
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

/// The whole blob in one `PUT`. Not retried here: a broken `PUT` may have appended to the
/// session; the caller starts again in a new one.
pub(crate) async fn put_whole(
    client: &Client,
    repo: &str,
    digest: &Digest,
    session: Session,
    body: Bytes,
) -> Result<(), RegistryError> {
    let scopes = [Scope::push(repo)];
    let action = format!("upload blob {} to {repo}", digest.short());
    let req = Req::new(
        Method::PUT,
        with_digest(session.location, digest),
        &scopes,
        &action,
    )
    .header(CONTENT_TYPE, "application/octet-stream")
    .body(body)
    .no_retry();
    let resp = client.send(req).await?;
    client
        .expect(resp, &[StatusCode::CREATED], &action, None)
        .await?;
    Ok(())
}

/// A blob going up in `PATCH` chunks.
pub(crate) struct Chunked<'a> {
    client: &'a Client,
    repo: &'a str,
    digest: &'a Digest,
    location: Url,
    /// Bytes the registry has.
    offset: u64,
    failures: u32,
}

impl<'a> Chunked<'a> {
    pub fn new(client: &'a Client, repo: &'a str, digest: &'a Digest, session: Session) -> Self {
        Chunked {
            client,
            repo,
            digest,
            location: session.location,
            offset: 0,
            failures: 0,
        }
    }

    fn action(&self) -> String {
        format!("upload blob {} to {}", self.digest.short(), self.repo)
    }

    /// Sends the next chunk. A failure worth retrying is resumed where the registry says
    /// the upload stands, from `body` (the registry has at most all of it).
    pub async fn send(&mut self, mut body: Bytes) -> Result<(), RegistryError> {
        let scopes = [Scope::push(self.repo)];
        let action = self.action();
        while !body.is_empty() {
            let len = body.len() as u64;
            let req = Req::new(Method::PATCH, self.location.clone(), &scopes, &action)
                .header(CONTENT_TYPE, "application/octet-stream")
                .header(
                    CONTENT_RANGE,
                    &format!("{}-{}", self.offset, self.offset + len - 1),
                )
                .body(body.clone())
                .no_retry();
            let (err, wait) = match self.client.send(req).await {
                Ok(resp) if resp.status() == StatusCode::ACCEPTED => {
                    self.location = session_of(self.client, &resp)?.location;
                    self.offset += len;
                    return Ok(());
                }
                Ok(resp) => {
                    let wait = backoff(self.failures + 1, resp.headers().get(RETRY_AFTER));
                    let err = self.client.expect(resp, &[], &action, None).await.err();
                    let err = err
                        .unwrap_or_else(|| self.client.protocol("an unexpected answer to a chunk"));
                    (err, wait)
                }
                Err(e) => (e, backoff(self.failures + 1, None)),
            };
            self.failures += 1;
            if !transient(&err) || self.failures > MAX_CHUNK_FAILURES {
                return Err(err);
            }
            tokio::time::sleep(wait).await;
            // Where does the upload stand? Resume from there, within this chunk.
            let Ok((end, location)) = self.status().await else {
                return Err(err);
            };
            if end < self.offset || end > self.offset + body.len() as u64 {
                return Err(err);
            }
            self.location = location;
            body = body.slice((end - self.offset) as usize..);
            self.offset = end;
        }
        Ok(())
    }

    /// `GET` on the upload URL: the bytes the registry has (from `Range: 0-N`) and the
    /// URL to continue at.
    async fn status(&self) -> Result<(u64, Url), RegistryError> {
        let scopes = [Scope::push(self.repo)];
        let action = format!("check an upload to {}", self.repo);
        let resp = self
            .client
            .send(Req::new(
                Method::GET,
                self.location.clone(),
                &scopes,
                &action,
            ))
            .await?;
        let resp = self
            .client
            .expect(resp, &[StatusCode::NO_CONTENT], &action, None)
            .await?;
        let end = resp
            .headers()
            .get(RANGE)
            .and_then(|v| v.to_str().ok())
            .map_or(0, range_end);
        let location =
            session_of(self.client, &resp).map_or_else(|_| self.location.clone(), |s| s.location);
        Ok((end, location))
    }

    /// The final `PUT ?digest=`, once every byte is sent.
    pub async fn finish(self) -> Result<(), RegistryError> {
        let scopes = [Scope::push(self.repo)];
        let action = self.action();
        let req = Req::new(
            Method::PUT,
            with_digest(self.location, self.digest),
            &scopes,
            &action,
        )
        .header(CONTENT_LENGTH, "0");
        let resp = self.client.send(req).await?;
        match self
            .client
            .expect(resp, &[StatusCode::CREATED], &action, None)
            .await
        {
            Ok(_) => Ok(()),
            // A retried final PUT whose first attempt did land finds the session gone.
            Err(e)
                if self
                    .client
                    .head_blob_scoped(self.repo, self.digest, &scopes)
                    .await?
                    .is_some() =>
            {
                tracing::debug!(error = %e, "the blob is there after all");
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
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

    /// A registry sets the size of the buffer each upload holds: a hostile one asking for
    /// `u64::MAX` made the push panic on a capacity overflow (or abort on the allocation).
    #[test]
    fn a_chunk_minimum_beyond_what_strata_buffers_is_refused() {
        let with = |value: &str| {
            let mut h = reqwest::header::HeaderMap::new();
            h.insert("oci-chunk-min-length", value.parse().unwrap());
            min_chunk_of(&h)
        };
        assert_eq!(min_chunk_of(&reqwest::header::HeaderMap::new()), Ok(0));
        assert_eq!(with("5242880"), Ok(5 << 20));
        assert_eq!(with(&MAX_MIN_CHUNK.to_string()), Ok(MAX_MIN_CHUNK));
        assert_eq!(with("garbage"), Ok(0));
        for hostile in ["18446744073709551615", "70368744177664", "67108865"] {
            let err = with(hostile).unwrap_err();
            assert!(err.contains("OCI-Chunk-Min-Length"), "{err}");
        }
    }

    #[test]
    fn upload_range_gives_the_next_offset() {
        assert_eq!(range_end("0-0"), 0);
        assert_eq!(range_end("0-1048575"), 1048576);
        assert_eq!(range_end("bytes=0-9"), 10);
        assert_eq!(range_end("garbage"), 0);
    }
}

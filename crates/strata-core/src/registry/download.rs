//! The protocol of reading one blob ([OCI distribution spec § pulling blobs]): `GET`, and
//! when the connection drops mid-blob, `GET` again with `Range: bytes=N-`. A server that
//! answers 206 continues where the bytes stopped; one that answers 200 sends the blob from
//! the start, and the bytes already had are read past, so that the caller sees every byte
//! once, in order.
//!
//! [OCI distribution spec § pulling blobs]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-blobs

use std::str::FromStr;

use bytes::Bytes;
use reqwest::header::{CONTENT_RANGE, RANGE};
use reqwest::{Method, Response, StatusCode};
use url::Url;

use super::auth::Scope;
use super::client::{Client, Req};
use super::error::RegistryError;
use super::http::{backoff, describe_reqwest};
use crate::digest::Digest;

/// How many times one blob's download is resumed after a broken connection.
const MAX_RESUMES: u32 = 8;

/// One blob being read.
pub(crate) struct Download {
    client: Client,
    repo: String,
    digest: Digest,
    size: u64,
    url: Url,
    resp: Option<Response>,
    /// Bytes handed to the caller.
    received: u64,
    /// Bytes of the current answer still to read past (a 200 to a `Range` request).
    skip: u64,
    resumes: u32,
}

impl Download {
    /// A download of `digest` (of `size` bytes) from `repo`; nothing is sent until
    /// [`Download::next`].
    pub fn new(client: &Client, repo: &str, digest: &Digest, size: u64) -> Download {
        Download {
            client: client.clone(),
            repo: repo.to_string(),
            digest: digest.clone(),
            size,
            url: client.url(repo, &format!("blobs/{digest}")),
            resp: None,
            received: 0,
            skip: 0,
            resumes: 0,
        }
    }

    fn what(&self) -> String {
        format!("blob {} of {}", self.digest, self.repo)
    }

    /// The next bytes of the blob; `None` at its end (the server's end: the caller checks
    /// the size).
    pub async fn next(&mut self) -> Result<Option<Bytes>, RegistryError> {
        loop {
            if self.resp.is_none() {
                self.resp = Some(self.request().await?);
            }
            let Some(resp) = self.resp.as_mut() else {
                continue;
            };
            let broken = match resp.chunk().await {
                Ok(Some(mut chunk)) => {
                    if self.skip > 0 {
                        let n = self.skip.min(chunk.len() as u64);
                        self.skip -= n;
                        chunk = chunk.slice(n as usize..);
                        if chunk.is_empty() {
                            continue;
                        }
                    }
                    self.received += chunk.len() as u64;
                    return Ok(Some(chunk));
                }
                Ok(None) if self.received >= self.size => return Ok(None),
                Ok(None) => format!(
                    "the connection closed after {} of {} bytes",
                    self.received, self.size
                ),
                Err(e) => describe_reqwest(&e),
            };
            self.resp = None;
            self.resumes += 1;
            if self.resumes > MAX_RESUMES {
                let what = self.what();
                return Err(self.client.connect_error(format!("{what}: {broken}")));
            }
            tracing::debug!(reason = %broken, received = self.received, resumes = self.resumes, "resuming a blob download");
            tokio::time::sleep(backoff(self.resumes, None)).await;
        }
    }

    /// `GET`, from where the bytes stopped.
    async fn request(&mut self) -> Result<Response, RegistryError> {
        let scopes = [Scope::pull(&self.repo)];
        let action = format!("fetch blob {} of {}", self.digest.short(), self.repo);
        let what = self.what();
        let mut req = Req::new(Method::GET, self.url.clone(), &scopes, &action);
        if self.received > 0 {
            req = req.header(RANGE, &format!("bytes={}-", self.received));
        }
        let resp = self.client.send(req).await?;
        match resp.status() {
            StatusCode::PARTIAL_CONTENT if self.received > 0 => {
                let start = resp
                    .headers()
                    .get(CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(range_start);
                if start != Some(self.received) {
                    return Err(self.client.protocol(format!(
                        "asked for {what} from byte {}, got another range",
                        self.received
                    )));
                }
                Ok(resp)
            }
            StatusCode::OK => {
                // No range support: the blob again from its start, read past what we have.
                self.skip = self.received;
                Ok(resp)
            }
            _ => self.client.expect(resp, &[], &action, Some(&what)).await,
        }
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
}

//! The proxy's request log: one [`Exchange`] per request, in arrival order, so that tests
//! can assert what a client did ("the re-push sent only HEAD requests", "the second push
//! mounted the blob").
//!
//! An entry is created when the request arrives and filled in while its bodies stream,
//! so its byte counts are current at any moment. Bytes are counted when the proxy hands
//! them on, which is before the peer receives them: once a client has read a body, the
//! log already holds its full count.

use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// One request through the proxy, as the client saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// `GET`, `HEAD`, `POST`, …
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The raw query (empty when there is none).
    pub query: String,
    /// The status sent to the client; 0 when the connection was cut before an answer.
    pub status: u16,
    /// The request's `Range` header.
    pub range: Option<String>,
    /// Request body bytes received from the client.
    pub request_bytes: u64,
    /// Response body bytes sent to the client.
    pub response_bytes: u64,
    /// Whether the proxy cut the connection during this exchange.
    pub cut: bool,
    /// The label of the rule that fired, if one did.
    pub rule: Option<String>,
    /// Whether the request reached the registry.
    pub forwarded: bool,
}

impl Exchange {
    /// The first value of query parameter `name`, decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// A cross-repository mount that the registry accepted (`POST …/blobs/uploads/?mount=`
    /// answered 201; a 202 means the registry started an upload instead).
    pub fn is_mount(&self) -> bool {
        self.method == "POST" && self.query_param("mount").is_some() && self.status == 201
    }
}

/// The live form of an [`Exchange`], shared with the body streams that fill it in.
#[derive(Debug)]
pub(crate) struct Entry {
    method: String,
    path: String,
    query: String,
    range: Option<String>,
    rule: Option<String>,
    status: AtomicU16,
    request_bytes: AtomicU64,
    response_bytes: AtomicU64,
    cut: AtomicBool,
    forwarded: AtomicBool,
}

/// Which body of the exchange a counter belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Request,
    Response,
}

impl Entry {
    pub(crate) fn set_status(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    pub(crate) fn set_forwarded(&self) {
        self.forwarded.store(true, Ordering::SeqCst);
    }

    pub(crate) fn set_cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
    }

    pub(crate) fn is_cut(&self) -> bool {
        self.cut.load(Ordering::SeqCst)
    }

    pub(crate) fn add_bytes(&self, side: Side, n: u64) {
        match side {
            Side::Request => &self.request_bytes,
            Side::Response => &self.response_bytes,
        }
        .fetch_add(n, Ordering::SeqCst);
    }

    fn snapshot(&self) -> Exchange {
        Exchange {
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            status: self.status.load(Ordering::SeqCst),
            range: self.range.clone(),
            request_bytes: self.request_bytes.load(Ordering::SeqCst),
            response_bytes: self.response_bytes.load(Ordering::SeqCst),
            cut: self.cut.load(Ordering::SeqCst),
            rule: self.rule.clone(),
            forwarded: self.forwarded.load(Ordering::SeqCst),
        }
    }
}

/// All entries, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Log {
    entries: Mutex<Vec<Arc<Entry>>>,
}

impl Log {
    pub(crate) fn open(
        &self,
        method: &str,
        path: &str,
        query: &str,
        range: Option<String>,
        rule: Option<String>,
    ) -> Arc<Entry> {
        let entry = Arc::new(Entry {
            method: method.to_string(),
            path: path.to_string(),
            query: query.to_string(),
            range,
            rule,
            status: AtomicU16::new(0),
            request_bytes: AtomicU64::new(0),
            response_bytes: AtomicU64::new(0),
            cut: AtomicBool::new(false),
            forwarded: AtomicBool::new(false),
        });
        lock(&self.entries).push(Arc::clone(&entry));
        entry
    }

    pub(crate) fn snapshot(&self) -> Vec<Exchange> {
        lock(&self.entries).iter().map(|e| e.snapshot()).collect()
    }

    pub(crate) fn clear(&self) {
        lock(&self.entries).clear();
    }
}

/// A panic in one handler must not make every later call fail too.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mount_is_a_post_with_mount_answered_201() {
        let log = Log::default();
        let mount = log.open(
            "POST",
            "/v2/b/blobs/uploads/",
            "mount=sha256%3Aab&from=a",
            None,
            None,
        );
        mount.set_status(201);
        let fallback = log.open(
            "POST",
            "/v2/c/blobs/uploads/",
            "mount=sha256:ab",
            None,
            None,
        );
        fallback.set_status(202);
        let got = log.snapshot();
        assert_eq!(got[0].query_param("mount").as_deref(), Some("sha256:ab"));
        assert!(got[0].is_mount());
        assert!(
            !got[1].is_mount(),
            "202 means the registry refused to mount"
        );
    }
}

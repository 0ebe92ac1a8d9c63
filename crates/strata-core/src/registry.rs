//! An [OCI Distribution] client: pull and push with auth, progress, resume and cancel,
//! plus the manifest, tag and catalog calls the `catalog` module builds on.
//!
//! | file | job |
//! |---|---|
//! | [`auth`] | credentials, `WWW-Authenticate` challenges, bearer tokens per scope, refresh tokens |
//! | [`client`] | one registry session: scheme, auth header, redirects, retries, manifests, listings |
//! | [`error`] | [`RegistryError`] and the registry's JSON error body in words |
//! | [`manifest`] | media types, platform selection from an index |
//! | [`paging`] | `Link` pagination for listings, bounded: no loops, at most [`paging::MAX_PAGES`] pages |
//! | [`pull`] / [`push`] | the two transfers |
//! | [`progress`] | per-blob progress reports, throttled |
//! | [`sources`] | where blobs were seen, for cross-repository mounts |
//!
//! Entry points for the shells:
//!
//! ```no_run
//! # async fn f(store: strata_core::store::Store) -> Result<(), strata_core::registry::RegistryError> {
//! use strata_core::reference::Reference;
//! use strata_core::registry::{self, Credentials, PullOptions, PushOptions, RegistryOptions};
//! use tokio_util::sync::CancellationToken;
//!
//! let cancel = CancellationToken::new();
//! let progress = |u: registry::TransferUpdate| eprintln!("{} {:?} {}/{}", u.id, u.state, u.done, u.total);
//! let opts = PullOptions {
//!     registry: RegistryOptions { credentials: Credentials::basic("ann", "secret"), ..Default::default() },
//!     ..Default::default()
//! };
//! let pulled = registry::pull(&store, &Reference::parse("127.0.0.1:5000/app:1").unwrap(), &opts, &progress, &cancel).await?;
//! let remote = Reference::parse("127.0.0.1:5000/copy:1").unwrap();
//! registry::push(&store, &pulled.name, &remote, &PushOptions::default(), &progress, &cancel).await?;
//! # Ok(()) }
//! ```
//!
//! Blocking store work (hashing to disk, fsync, `index.json`) runs on tokio's blocking
//! pool, never on the async threads.
//!
//! [OCI Distribution]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md

pub mod auth;
pub mod client;
pub mod error;
pub mod manifest;
pub mod paging;
pub mod progress;
pub mod pull;
pub mod push;
pub mod sources;

pub use auth::{Credentials, Scope};
pub use client::{Client, RawManifest, RegistryOptions};
pub use error::{RegistryError, RegistryErrorEntry};
pub use manifest::{parse_platform, Platform};
pub use progress::{BlobKind, NoTransferProgress, TransferProgress, TransferState, TransferUpdate};
pub use pull::{pull, PullOptions, PullResult};
pub use push::{push, BlobOutcome, PushOptions, PushResult};

/// Runs blocking store work on tokio's blocking pool.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T, RegistryError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, RegistryError> + Send + 'static,
{
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(RegistryError::Protocol {
            registry: "the store".into(),
            reason: format!("a background task failed: {e}"),
        })
    })
}

/// Lets `?` take store errors inside [`blocking`] closures.
impl From<crate::reference::ReferenceError> for RegistryError {
    fn from(e: crate::reference::ReferenceError) -> Self {
        RegistryError::Store(e.into())
    }
}

//! An [OCI Distribution] client: a registry session with auth, retries and redirects; the
//! manifest, tag and catalog calls the `catalog` module builds on; and the protocol of
//! reading and writing one blob, which [`transfer`](crate::transfer) builds pull, push and
//! copy on.
//!
//! | file | job |
//! |---|---|
//! | [`auth`] | credentials, `WWW-Authenticate` challenges, bearer tokens per scope, refresh tokens |
//! | [`client`] | one registry session: scheme, auth header, redirects, retries, manifests, listings |
//! | [`http`] | what every request shares: errors in words, capped bodies, backoff, what is worth a retry |
//! | [`error`] | [`RegistryError`] and the registry's JSON error body in words |
//! | [`manifest`] | media types, platform selection from an index |
//! | [`paging`] | `Link` pagination for listings, bounded: no loops, at most [`paging::MAX_PAGES`] pages |
//! | [`download`] | one blob's `GET`, resumed with `Range` |
//! | [`upload`] | one blob's upload: sessions, mounts, `PUT` or `PATCH` chunks, resume |
//! | [`mirrors`] | mirrors tried before a registry for pulls, and reading them from docker's and podman's files |
//! | [`sources`] | where blobs were seen, for cross-repository mounts |
//!
//! [OCI Distribution]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md

pub mod auth;
pub mod client;
pub mod download;
pub mod error;
pub mod http;
pub mod manifest;
pub mod mirrors;
pub mod nearby;
pub mod paging;
pub mod sources;
pub mod upload;

pub use auth::{Credentials, Scope};
pub use client::{Client, RawManifest, RegistryOptions};
pub use error::{RegistryError, RegistryErrorEntry};
pub use manifest::{parse_platform, Platform};

/// Lets `?` take reference errors where registry work names things in the store.
impl From<crate::reference::ReferenceError> for RegistryError {
    fn from(e: crate::reference::ReferenceError) -> Self {
        RegistryError::Store(e.into())
    }
}

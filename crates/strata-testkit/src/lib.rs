//! Test harness for Strata: real services started by the tests themselves.
//!
//! - [`registry`]: Debian's `docker-registry` (CNCF distribution) on a free loopback port,
//!   with no auth, htpasswd Basic auth, or Bearer tokens from the [`token`] issuer
//!   (Docker's token protocol, <https://distribution.github.io/distribution/spec/auth/token/>).
//!   Over plain HTTP, or over HTTPS with a throw-away CA (`RegistryBuilder::tls`).
//! - [`user`]: accounts and what each may do, shared by the htpasswd file and the issuer.
//! - [`proxy`]: a loopback HTTP proxy in front of a registry that cuts connections,
//!   answers 500/429, delays, throttles, paginates tag lists, and logs every request.
//! - [`forward`]: a forward proxy (`CONNECT` tunnels and absolute-form requests), as a
//!   client configured with `HTTPS_PROXY` uses, that logs what went through it.
//! - [`acr`], [`harbor`], [`dockerhub`]: management APIs that keep state (ACR verifies
//!   every request's ACS3 signature), for the registries' namespace and repository calls.
//! - [`fixtures`]: tar layers, image configs, manifests, indexes and OCI layout
//!   directories built in memory, so that no test downloads an image.
//!
//! ```no_run
//! use strata_testkit::registry::{Auth, Registry};
//! use strata_testkit::user::User;
//!
//! let registry = Registry::start(Auth::Token { users: vec![User::new("alice", "s3cret")] })?;
//! println!("push to {}/library/demo:1", registry.host());
//! # Ok::<(), strata_testkit::registry::RegistryError>(())
//! ```
//!
//! The keychain runner (`tests/keychain/with-keychain.sh`) lives outside this crate: it is
//! a shell wrapper around any command.

pub mod acr;
pub mod dockerhub;
pub mod fixtures;
pub mod forward;
pub mod harbor;
mod http_fake;
mod jwt;
mod logged;
mod process;
pub mod proxy;
pub mod registry;
pub mod socks;
mod tls;
pub mod token;
pub mod user;

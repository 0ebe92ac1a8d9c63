//! # strata-core
//!
//! Strata's engine: everything the desktop app and the `strata` command line do with
//! container images, with no GUI and no Tauri. The shells (`strata-cli`, `src-tauri`) parse
//! their input, call one function here and render the result.
//!
//! | module | owns |
//! |---|---|
//! | [`home`] | where the store lives (`--home`, `$STRATA_HOME`, the platform data dir) |
//! | [`problem`] | the `{code, message, hint}` shape every error takes at the edges |
//! | [`digest`] | digests; readers and writers that hash while they stream |
//! | [`fs`] | the rooted filesystem: every operation on an untrusted tree through handles, inside its root (Linux; elsewhere no root opens) |
//! | [`reference`](mod@reference) | image references in Docker's grammar |
//! | [`platform`] | `os/arch[/variant]`: parsing, normalising, matching |
//! | [`media`] | the OCI and Docker media types of manifests, indexes, configs and layers |
//! | [`settings`] | non-secret settings (language, theme) in one JSON file, written atomically |
//! | [`store`] | the local OCI image layout: blobs, index, locks, GC, fsck |
//! | [`image`] | manifests, configs, history; import and export |
//! | [`task`] | long work: one progress report, one cancellation token, the task list |
//! | [`transfer`] | one pipeline from a source to a sink: pull, push and copy |
//! | [`layer`] | tar layers: read, write, whiteouts, safe apply, the merged view |
//! | [`registry`] | the OCI Distribution client: auth, retries, manifests, listings, one blob's download and upload |
//! | [`credentials`] | registry logins: secrets in the OS keychain, the account list, import from docker/podman |
//! | [`catalog`] | saved registries and provider presets, namespaces/repositories/tags, retag/delete/copy without pulling, push scripts |
//! | [`container`] | containers: cached layers + a writable layer (overlayfs or a copy); files, diff, commit, run through runc |
//! | [`engines`] | Podman and Docker beside Strata: send an image to Podman, import one from it |
//! | [`insight`] | what an image wastes: dive's efficiency and wasted bytes, hidden bytes per layer and path |
//! | [`secret`] | `Sensitive<T>`: secrets that never print or serialise |

// The trust-boundary modules turn this on for themselves (clippy.toml says which calls).
#![allow(clippy::disallowed_methods)]

pub mod atomic_file;
pub mod catalog;
pub mod container;
pub mod credentials;
pub mod digest;
pub mod engines;
#[cfg(target_os = "linux")]
pub mod fs;
/// Elsewhere the same API, and no root opens (README: "Where it is built and tested").
#[cfg(not(target_os = "linux"))]
#[path = "fs/unsupported.rs"]
pub mod fs;
pub mod home;
pub mod image;
pub mod insight;
pub mod layer;
pub mod media;
mod os_ext;
pub mod platform;
pub mod problem;
pub mod reference;
pub mod registry;
pub mod secret;
pub mod settings;
pub mod store;
pub mod task;
pub mod transfer;

/// The version of the engine, shown by `strata --version` and the app's Settings screen.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

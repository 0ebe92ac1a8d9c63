//! What the user manages on registries (DESIGN.md, module `catalog`):
//! saved registries with provider presets, the tree registry → namespace → repository,
//! tags with details on demand, remote operations that never pull (retag, delete a tag,
//! copy between repositories or registries), and push scripts in the ACR console's shape.
//!
//! | file | job |
//! |---|---|
//! | [`provider`] | ACR Personal/Enterprise, Docker Hub, GHCR, Harbor, Quay, generic: detection, regions, VPC endpoints |
//! | [`registries`] | `registries.json`: saved registries and hand-added repositories; never a secret |
//! | [`access`] | the [`RegistryOptions`] for a registry: saved settings + `--creds` or the keychain |
//! | [`browse`] | `/v2/_catalog` with pagination, grouped into namespaces, plus hand-added repositories |
//! | [`tags`] | tag lists with pagination; per tag: digest, size, platforms, created |
//! | [`remote`] | retag, delete a tag, copy an image ([OCI distribution spec]) |
//! | [`script`] | push scripts for `docker` and `strata` |
//! | [`manage`] | registries with a management API (ACR Personal/Enterprise, Harbor, Docker Hub): namespaces, repositories, tags, temporary logins |
//! | [`suggest`] | what a push is offered: saved registries with known repositories; a push script with the login name |
//!
//! ```no_run
//! # async fn f(home: &strata_core::home::Home) -> Result<(), strata_core::catalog::CatalogError> {
//! use strata_core::catalog::{self, Access};
//! let client = catalog::connect(home, "127.0.0.1:5000", "team/app", &Access::default()).await?;
//! let tree = catalog::browse::repositories(&client, &[], &Default::default()).await?;
//! for ns in &tree.namespaces {
//!     println!("{}: {} repositories", ns.name, ns.repositories.len());
//! }
//! let details = catalog::tags::details(&client, "team/app", "1").await?;
//! println!("{} {} bytes", details.digest, details.size);
//! # Ok(()) }
//! ```
//!
//! [OCI distribution spec]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md

use std::path::PathBuf;

use crate::credentials::CredentialsError;
use crate::problem::{Code, Explain, Hint, HintKey, HintName as _};
use crate::reference::ReferenceError;
use crate::registry::RegistryError;

pub mod access;
pub mod acs3;
pub mod browse;
pub mod manage;
pub mod provider;
pub mod registries;
pub mod remote;
pub mod script;
pub mod suggest;
pub mod tags;

pub use access::{connect, registry_options, transport_options, Access};
pub use provider::{ApiField, Preset, Provider};
pub use registries::{view, views, NewRegistry, RegistriesFile, RegistryView, SavedRegistry};

use crate::registry::RegistryOptions;

/// Why a catalog operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// The registry refused or failed.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The registry does not list its repositories (`/v2/_catalog` refused or missing).
    #[error("{registry} does not list its repositories ({reason})")]
    NoCatalog { registry: String, reason: String },
    /// The keychain failed.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    /// `registries.json` cannot be read or written.
    #[error("cannot {action} the registry list {}", path.display())]
    File {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The extra CA file of a saved registry cannot be read.
    #[error("cannot read the CA file {} of {registry}", path.display())]
    CaFile {
        registry: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot find a configuration folder for the registry list")]
    NoConfigDir,
    #[error("`{0}` is not a registry endpoint: expected a host name with an optional port")]
    BadEndpoint(String),
    #[error("`{0}` is not a repository name")]
    BadRepository(String),
    #[error("invalid username `{0}`: it must be non-empty, with no `:` and no control characters")]
    BadUsername(String),
    #[error("`{0}` is not a registry provider")]
    UnknownProvider(String),
    #[error("no saved registry is called `{0}`")]
    UnknownRegistry(String),
    #[error("the registry {endpoint} is already saved as `{name}`")]
    Duplicate { name: String, endpoint: String },
    /// Retag works inside one repository.
    #[error(
        "{source_ref} and {target} are in different repositories: a retag stays in one repository"
    )]
    CrossRepository { source_ref: String, target: String },
    /// A reference without a tag where a tag is needed.
    #[error("{0} names no tag")]
    NoTag(String),
    /// Deleting by digest would remove other tags too, and the caller did not allow it.
    #[error("deleting {reference} deletes its manifest {digest}, which the tags {} also name", .others.join(", "))]
    SharedDigest {
        reference: String,
        digest: String,
        others: Vec<String>,
    },
    /// The registry does not allow deleting manifests.
    #[error("{registry} does not allow deleting {reference}{}", detail_suffix(.detail))]
    DeleteUnsupported {
        registry: String,
        reference: String,
        detail: String,
    },
    /// The work was cancelled (a copy's cancel flag was raised).
    #[error("cancelled")]
    Cancelled,
}

/// What to do when a registry does not list its repositories.
pub(crate) fn no_catalog_hint(registry: &str) -> Hint {
    HintKey::CatalogAddRepositoriesByHand.with("registry", registry)
}

fn detail_suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    }
}

impl Explain for CatalogError {
    fn code(&self) -> Code {
        match self {
            CatalogError::Registry(e) => e.code(),
            CatalogError::NoCatalog { .. } => Code::CatalogNoCatalog,
            CatalogError::Credentials(e) => e.code(),
            CatalogError::Reference(e) => e.code(),
            CatalogError::File { .. } => Code::CatalogFile,
            CatalogError::CaFile { .. } => Code::CatalogCaFile,
            CatalogError::NoConfigDir => Code::CatalogNoConfigDir,
            CatalogError::BadEndpoint(_) => Code::RegistryInvalidName,
            CatalogError::BadRepository(_) => Code::RegistryInvalidRepository,
            CatalogError::BadUsername(_) => Code::CredentialsInvalidUsername,
            CatalogError::UnknownProvider(_) => Code::CatalogUnknownProvider,
            CatalogError::UnknownRegistry(_) => Code::CatalogUnknownRegistry,
            CatalogError::Duplicate { .. } => Code::CatalogDuplicate,
            CatalogError::CrossRepository { .. } => Code::CatalogCrossRepository,
            CatalogError::NoTag(_) => Code::CatalogNoTag,
            CatalogError::SharedDigest { .. } => Code::CatalogSharedDigest,
            CatalogError::DeleteUnsupported { .. } => Code::CatalogDeleteUnsupported,
            CatalogError::Cancelled => Code::TaskCancelled,
        }
    }

    fn hint(&self) -> Option<Hint> {
        let key = match self {
            CatalogError::Registry(e) => return e.hint(),
            CatalogError::Credentials(e) => return e.hint(),
            CatalogError::Reference(e) => return e.hint(),
            CatalogError::NoCatalog { registry, .. } => return Some(no_catalog_hint(registry)),
            CatalogError::File { path, .. } => {
                return Some(HintKey::CatalogFixRegistryList.with("path", path.display()))
            }
            CatalogError::UnknownProvider(_) => {
                let list = Provider::ALL.map(|p| p.id()).join(", ");
                return Some(HintKey::CatalogProviders.with("list", list));
            }
            CatalogError::CaFile { .. } => HintKey::CatalogFixCaFile,
            CatalogError::NoConfigDir => HintKey::HomeSetEnv,
            CatalogError::BadEndpoint(_) => HintKey::RegistryEndpointExample,
            CatalogError::BadRepository(_) => HintKey::RegistryRepositoryGrammar,
            CatalogError::BadUsername(_) => HintKey::CredentialsUsernameOnly,
            CatalogError::UnknownRegistry(_) => HintKey::CatalogListRegistries,
            CatalogError::Duplicate { .. } => HintKey::CatalogRemoveDuplicate,
            CatalogError::CrossRepository { .. } => HintKey::CatalogUseCopy,
            CatalogError::NoTag(_) => HintKey::CatalogAddTag,
            CatalogError::SharedDigest { .. } => HintKey::CatalogConfirmSharedDelete,
            CatalogError::DeleteUnsupported { .. } => HintKey::CatalogDeletePermission,
            CatalogError::Cancelled => return None,
        };
        Some(key.into())
    }
}

/// Loads a saved registry's extra CA, if it has one.
pub(crate) fn read_ca(saved: &SavedRegistry) -> Result<Option<Vec<u8>>, CatalogError> {
    let Some(path) = &saved.ca_file else {
        return Ok(None);
    };
    std::fs::read(path)
        .map(Some)
        .map_err(|source| CatalogError::CaFile {
            registry: saved.endpoint.clone(),
            path: path.clone(),
            source,
        })
}

/// The options a saved registry implies, before credentials.
pub(crate) fn saved_options(
    saved: Option<&SavedRegistry>,
) -> Result<RegistryOptions, CatalogError> {
    let Some(saved) = saved else {
        return Ok(RegistryOptions::default());
    };
    Ok(RegistryOptions {
        insecure: saved.insecure,
        extra_ca_pem: read_ca(saved)?,
        ..Default::default()
    })
}

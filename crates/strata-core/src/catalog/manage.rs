//! Registries with a management API: namespaces and repositories listed, created and
//! deleted through the provider's own API rather than its web console, tags with sizes
//! and times, and temporary registry logins where the provider hands them out.
//!
//! One trait, [`Manage`], with one implementation per API; callers (the CLI, the app's
//! commands) never know which one answers:
//!
//! | file | provider | API |
//! |---|---|---|
//! | `acr_personal.rs` | ACR Personal Edition | 2016-06-07, path style on `cr.<region>.aliyuncs.com`, ACS3-signed ([`acs3`](super::acs3)) |
//! | `acr_enterprise.rs` | ACR Enterprise Edition | 2018-12-01, RPC style, ACS3-signed, one instance |
//! | `harbor.rs` | Harbor v2 | `/api/v2.0`: projects as namespaces, Basic auth with the registry login |
//! | `dockerhub.rs` | Docker Hub | `hub.docker.com/v2`: a namespace's repositories, with a personal access token |
//! | `api.rs` | all | the HTTP client, the API's refusals as [`ManageError`], paging bounds |
//! | `keys.rs` | ACR | AccessKey pairs in the OS keychain |
//! | `accounts.rs` | ACR | named cloud accounts (several registries may share one) |
//!
//! A registry without such an API (a generic `registry:2`, GHCR, Quay) keeps the
//! catalog's behaviour (`/v2/_catalog` plus hand-added repositories): [`open`] refuses it
//! with [`ManageError::NoApi`].
//!
//! Each function below is one call for a shell: `manage::repositories(&home, "hz", "team")`.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use super::registries::{find_in, NewRegistry, RegistriesFile, SavedRegistry};
use super::{CatalogError, Provider};
use crate::credentials::{CredentialsError, Keychain};
use crate::home::Home;
use crate::problem::{Code, Explain, Hint, HintKey, HintName as _};
use crate::secret::Sensitive;

pub mod accounts;
mod acr_enterprise;
mod acr_personal;
mod api;
mod dockerhub;
mod harbor;
pub mod keys;

pub use accounts::{CloudAccount, CloudAccountView, CloudAccountsFile, CloudProvider};
pub use api::{ApiKind, MAX_PAGES, PAGE_SIZE};

/// How a saved registry's management API is reached. Kept in `registries.json`: no secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ApiSettings {
    /// ACR: the region, `cn-hangzhou`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub region: Option<String>,
    /// ACR Enterprise: the instance ID, `cri-…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub instance: Option<String>,
    /// The API's base URL when not the provider's default (a VPC endpoint, a proxy, a
    /// server on loopback): `https://cr-vpc.cn-hangzhou.aliyuncs.com`, `http://127.0.0.1:8080`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub endpoint: Option<String>,
    /// ACR: the AccessKey ID in use (its secret is in the keychain), the named cloud
    /// account's when [`ApiSettings::account`] is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub access_key_id: Option<String>,
    /// ACR: the named cloud account whose AccessKey this registry uses
    /// ([`accounts`]); several registries may name the same one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub account: Option<String>,
    /// The temporary registry login's expiry (Unix ms), when one was fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "number"))]
    pub login_expires_ms: Option<i64>,
}

/// A namespace (ACR namespace, Harbor project, Docker Hub account or organisation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ManagedNamespace"))]
pub struct Namespace {
    pub name: String,
    /// Whether new repositories (Harbor: the project) are public; `None` when not told.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub public: Option<bool>,
    /// ACR: a push to an unknown repository creates it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub auto_create: Option<bool>,
}

/// A repository as the provider describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ManagedRepository"))]
pub struct Repository {
    pub namespace: String,
    /// Without the namespace: `app`.
    pub name: String,
    pub summary: String,
    pub public: bool,
    /// The long description, when the provider gave it (ACR's `detail`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub detail: Option<String>,
    /// The provider's ID (ACR Enterprise `crr-…`), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "string"))]
    pub created: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "string"))]
    pub modified: Option<DateTime<Utc>>,
}

/// What `repo create` takes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewRepository {
    pub namespace: String,
    pub name: String,
    pub summary: String,
    pub detail: String,
    pub public: bool,
}

/// One tag with what the provider says about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagInfo {
    pub tag: String,
    /// `sha256:…`, when told.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Bytes, when told.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
}

/// A registry login handed out by the API. Not serialisable: the password is a secret.
#[derive(Debug, Clone)]
pub struct TemporaryLogin {
    pub username: String,
    pub password: Sensitive<String>,
    pub expires: Option<DateTime<Utc>>,
}

/// An ACR Enterprise instance and its registry domains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "AcrInstance"))]
pub struct InstanceInfo {
    pub id: String,
    pub name: String,
    pub status: String,
    /// Registry domains of the internet endpoint.
    pub internet: Vec<String>,
    /// Registry domains of the VPC endpoint.
    pub vpc: Vec<String>,
}

/// What a provider's API offers, so a UI can hide what cannot be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Capabilities {
    pub create_namespace: bool,
    pub delete_namespace: bool,
    pub create_repository: bool,
    pub delete_repository: bool,
    pub temporary_login: bool,
}

/// What every [`Manage`] method returns: a boxed future, so the trait can be a `dyn`.
pub type Fut<'a, T> = BoxFuture<'a, Result<T, ManageError>>;

/// A registry's management API. Every list follows the API's paging to the end, at most
/// [`MAX_PAGES`] pages.
pub trait Manage: Send + Sync {
    fn capabilities(&self) -> Capabilities;
    fn namespaces(&self) -> Fut<'_, Vec<Namespace>>;
    fn create_namespace<'a>(&'a self, name: &'a str, public: bool) -> Fut<'a, Namespace>;
    fn delete_namespace<'a>(&'a self, name: &'a str) -> Fut<'a, ()>;
    fn repositories<'a>(&'a self, namespace: &'a str) -> Fut<'a, Vec<Repository>>;
    /// One repository with its detail.
    fn repository<'a>(&'a self, namespace: &'a str, name: &'a str) -> Fut<'a, Repository>;
    fn create_repository<'a>(&'a self, new: &'a NewRepository) -> Fut<'a, Repository>;
    fn delete_repository<'a>(&'a self, namespace: &'a str, name: &'a str) -> Fut<'a, ()>;
    fn tags<'a>(&'a self, namespace: &'a str, name: &'a str) -> Fut<'a, Vec<TagInfo>>;
    /// A registry login from the API; `None` when the provider has none.
    fn temporary_login(&self) -> Fut<'_, Option<TemporaryLogin>>;
    /// One cheap call that proves the credentials (the first page of namespaces).
    fn check(&self) -> Fut<'_, ()> {
        Box::pin(async move { self.namespaces().await.map(|_| ()) })
    }
}

/// Why a management call failed. Never carries a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManageError {
    /// The API answered with a refusal: its code and message, classified.
    #[error("{api} refused {operation}: {code}: {message}")]
    Api {
        api: String,
        operation: String,
        status: u16,
        code: String,
        message: String,
        kind: ApiKind,
        /// The saved registry, for the hint.
        registry: String,
    },
    #[error("cannot reach {url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("{url} answered something that is not the API's shape: {detail}")]
    BadAnswer { url: String, detail: String },
    #[error("{registry} ({provider}) has no management API that Strata speaks")]
    NoApi { registry: String, provider: String },
    #[error("{provider} cannot {operation} through its API")]
    Unsupported {
        provider: String,
        operation: &'static str,
    },
    #[error("no AccessKey is saved for {registry}")]
    NoAccessKey { registry: String },
    #[error("there is no cloud account named `{0}`")]
    UnknownAccount(String),
    #[error("a cloud account named `{0}` exists already")]
    AccountExists(String),
    #[error("the cloud account `{name}` is used by {}", registries.join(", "))]
    AccountInUse {
        name: String,
        registries: Vec<String>,
    },
    #[error("`{0}` is not a valid cloud account name (1 to 128 characters, no control character)")]
    InvalidAccountName(String),
    #[error("{registry} needs its {setting} for the management API")]
    NeedsSetting {
        registry: String,
        setting: &'static str,
    },
    #[error("{url} is plain HTTP and not on this machine")]
    InsecureApi { url: String },
    #[error("`{0}` is not a valid namespace or repository name")]
    InvalidName(String),
    /// A login would leave for a host it does not belong to: a registry's login for an
    /// API address on another host, or an instance's temporary login for a registry
    /// address that is not one of the instance's.
    #[error("{registry}: {reason}; the login was not sent")]
    LoginElsewhere { registry: String, reason: String },
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
}

impl Explain for ManageError {
    fn code(&self) -> Code {
        match self {
            ManageError::Api { kind, .. } => kind.code(),
            ManageError::Unreachable { .. } => Code::ManageUnreachable,
            ManageError::BadAnswer { .. } => Code::ManageBadAnswer,
            ManageError::NoApi { .. } => Code::ManageNoApi,
            ManageError::Unsupported { .. } => Code::ManageUnsupported,
            ManageError::NoAccessKey { .. } => Code::ManageNoAccessKey,
            ManageError::UnknownAccount(_) => Code::ManageUnknownAccount,
            ManageError::AccountExists(_) => Code::ManageAccountExists,
            ManageError::AccountInUse { .. } => Code::ManageAccountInUse,
            ManageError::InvalidAccountName(_) => Code::ManageInvalidAccountName,
            ManageError::NeedsSetting { .. } => Code::ManageNeedsSetting,
            ManageError::InsecureApi { .. } => Code::ManageInsecureApi,
            ManageError::InvalidName(_) => Code::ManageInvalidName,
            ManageError::LoginElsewhere { .. } => Code::ManageLoginElsewhere,
            ManageError::Catalog(e) => e.code(),
            ManageError::Credentials(e) => e.code(),
        }
    }

    fn hint(&self) -> Option<Hint> {
        match self {
            ManageError::Api { kind, registry, .. } => kind.hint(registry),
            ManageError::NoApi { registry, .. } => Some(super::no_catalog_hint(registry)),
            ManageError::NoAccessKey { registry } => {
                Some(HintKey::ManageCloudLogin.with("registry", registry))
            }
            ManageError::NeedsSetting { registry, setting } => Some(
                HintKey::ManageAddSetting
                    .with("registry", registry)
                    .arg("setting", *setting),
            ),
            ManageError::InsecureApi { .. } => Some(HintKey::ManageUseHttps.into()),
            ManageError::InvalidName(_) => Some(HintKey::ManageNameGrammar.into()),
            ManageError::UnknownAccount(_) | ManageError::AccountExists(_) => {
                Some(HintKey::ManageListAccounts.into())
            }
            ManageError::AccountInUse { name, .. } => {
                Some(HintKey::ManageAccountUsers.with("account", name))
            }
            ManageError::InvalidAccountName(_) => None,
            ManageError::Unsupported { .. } => Some(HintKey::ManagePushCreates.into()),
            ManageError::Unreachable { .. } => Some(HintKey::ManageCheckEndpoint.into()),
            ManageError::Catalog(e) => e.hint(),
            ManageError::Credentials(e) => e.hint(),
            ManageError::BadAnswer { .. } | ManageError::LoginElsewhere { .. } => None,
        }
    }
}

/// [`check_name`]'s rule as a regular expression (for a UI that checks as a person types;
/// the engine checks again).
pub const NAME_PATTERN: &str = "[a-z0-9][a-z0-9._-]{1,63}";

/// A name the APIs accept for a namespace or a repository: 2 to 64 of `a-z 0-9 - _ .`,
/// starting with a letter or digit (ACR allows 2–30 for namespaces; its API says so).
pub fn check_name(name: &str) -> Result<(), ManageError> {
    let ok = (2..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b))
        && name.as_bytes()[0].is_ascii_alphanumeric();
    if ok {
        Ok(())
    } else {
        Err(ManageError::InvalidName(name.to_string()))
    }
}

fn saved(home: &Home, registry: &str) -> Result<SavedRegistry, ManageError> {
    let list = RegistriesFile::for_home(home)?.load()?;
    find_in(&list, registry)
        .cloned()
        .ok_or_else(|| CatalogError::UnknownRegistry(registry.to_string()).into())
}

/// Saves a registry together with its API settings (`registries add --provider acr-…`).
pub fn add_registry(
    home: &Home,
    new: NewRegistry,
    api: Option<ApiSettings>,
) -> Result<SavedRegistry, ManageError> {
    let file = RegistriesFile::for_home(home)?;
    let saved = file.add(new)?;
    match api {
        Some(api) if api != ApiSettings::default() => {
            Ok(file.update(&saved.endpoint, |r| r.api = Some(api))?)
        }
        _ => Ok(saved),
    }
}

/// The management API of a saved registry (by name or endpoint), with its credentials.
pub fn open(home: &Home, registry: &str) -> Result<Box<dyn Manage>, ManageError> {
    let saved = saved(home, registry)?;
    let api = saved.api.clone().unwrap_or_default();
    match saved.provider {
        Provider::AcrPersonal => {
            let key = load_key(home, &saved)?;
            Ok(Box::new(acr_personal::AcrPersonal::new(&saved, &api, key)?))
        }
        Provider::AcrEnterprise => {
            let key = load_key(home, &saved)?;
            Ok(Box::new(acr_enterprise::AcrEnterprise::new(
                &saved, &api, key,
            )?))
        }
        Provider::Harbor => {
            let login = registry_login(home, &saved)?;
            Ok(Box::new(harbor::Harbor::new(&saved, &api, login)?))
        }
        Provider::DockerHub => {
            let login = registry_login(home, &saved)?;
            Ok(Box::new(dockerhub::DockerHub::new(&saved, &api, login)?))
        }
        other => Err(ManageError::NoApi {
            registry: saved.endpoint,
            provider: other.preset().label.to_string(),
        }),
    }
}

/// The saved registry login (username and password or token) Harbor and Docker Hub's APIs
/// take.
fn registry_login(
    home: &Home,
    saved: &SavedRegistry,
) -> Result<(String, Sensitive<String>), ManageError> {
    let keychain = Keychain::open(home)?;
    let not_logged_in = || CredentialsError::NotLoggedIn {
        registry: saved.endpoint.clone(),
        username: saved.username.clone(),
    };
    let account = keychain
        .account_for(&saved.endpoint, "")?
        .ok_or_else(not_logged_in)?;
    match keychain.credentials(&account)? {
        Some(crate::registry::Credentials::Basic { username, password }) => {
            Ok((username, password))
        }
        _ => Err(not_logged_in().into()),
    }
}

/// The namespaces of a saved registry.
pub async fn namespaces(home: &Home, registry: &str) -> Result<Vec<Namespace>, ManageError> {
    open(home, registry)?.namespaces().await
}

/// Creates a namespace.
pub async fn create_namespace(
    home: &Home,
    registry: &str,
    name: &str,
    public: bool,
) -> Result<Namespace, ManageError> {
    check_name(name)?;
    open(home, registry)?.create_namespace(name, public).await
}

/// Deletes a namespace (and, on most providers, every repository in it).
pub async fn delete_namespace(home: &Home, registry: &str, name: &str) -> Result<(), ManageError> {
    check_name(name)?;
    open(home, registry)?.delete_namespace(name).await
}

/// The repositories of a namespace.
pub async fn repositories(
    home: &Home,
    registry: &str,
    namespace: &str,
) -> Result<Vec<Repository>, ManageError> {
    open(home, registry)?.repositories(namespace).await
}

/// One repository with its detail.
pub async fn repository(
    home: &Home,
    registry: &str,
    namespace: &str,
    name: &str,
) -> Result<Repository, ManageError> {
    check_name(namespace)?;
    check_name(name)?;
    open(home, registry)?.repository(namespace, name).await
}

/// Creates a repository.
pub async fn create_repository(
    home: &Home,
    registry: &str,
    new: &NewRepository,
) -> Result<Repository, ManageError> {
    check_name(&new.namespace)?;
    check_name(&new.name)?;
    open(home, registry)?.create_repository(new).await
}

/// Deletes a repository and its tags.
pub async fn delete_repository(
    home: &Home,
    registry: &str,
    namespace: &str,
    name: &str,
) -> Result<(), ManageError> {
    check_name(namespace)?;
    check_name(name)?;
    open(home, registry)?
        .delete_repository(namespace, name)
        .await
}

/// The tags of a repository, with sizes and times.
pub async fn tags(
    home: &Home,
    registry: &str,
    namespace: &str,
    name: &str,
) -> Result<Vec<TagInfo>, ManageError> {
    open(home, registry)?.tags(namespace, name).await
}

/// Where an AccessKey comes from: typed in (ID, secret, STS token), or a named cloud
/// account whose secret is in the keychain.
pub enum KeySource {
    Key(crate::catalog::acs3::AccessKey),
    Account(String),
}

/// The AccessKey a saved registry uses: its cloud account's, else (registries saved
/// before accounts had names) its own pair in the keychain.
fn load_key(
    home: &Home,
    saved: &SavedRegistry,
) -> Result<crate::catalog::acs3::AccessKey, ManageError> {
    let missing = || ManageError::NoAccessKey {
        registry: saved.endpoint.clone(),
    };
    if let Some(name) = saved.api.as_ref().and_then(|a| a.account.as_deref()) {
        return match account_key(home, name) {
            Err(ManageError::UnknownAccount(_)) => Err(missing()),
            other => other,
        };
    }
    keys::load_registry_pair(saved)?.ok_or_else(missing)
}

/// The AccessKey of the cloud account `name`.
fn account_key(home: &Home, name: &str) -> Result<crate::catalog::acs3::AccessKey, ManageError> {
    let account = CloudAccountsFile::for_home(home)?
        .find(name)?
        .ok_or_else(|| ManageError::UnknownAccount(name.to_string()))?;
    keys::load_account(&account.name, &account.access_key_id)?
        .ok_or_else(|| ManageError::UnknownAccount(name.to_string()))
}

/// Refuses an AccessKey that cannot be one before anything is asked.
fn check_key(key: &crate::catalog::acs3::AccessKey) -> Result<(), ManageError> {
    if key.id.is_empty() || key.id.chars().any(|c| c.is_control() || c == ':') {
        return Err(CredentialsError::InvalidUsername(key.id.clone()).into());
    }
    if key.secret.expose().is_empty() {
        return Err(CredentialsError::EmptySecret.into());
    }
    Ok(())
}

/// One cheap signed call to `saved`'s API with `key` (the first page of namespaces).
async fn probe(
    saved: &SavedRegistry,
    key: &crate::catalog::acs3::AccessKey,
) -> Result<(), ManageError> {
    let api = saved.api.clone().unwrap_or_default();
    let probe: Box<dyn Manage> = match saved.provider {
        Provider::AcrPersonal => {
            Box::new(acr_personal::AcrPersonal::new(saved, &api, key.clone())?)
        }
        Provider::AcrEnterprise => Box::new(acr_enterprise::AcrEnterprise::new(
            saved,
            &api,
            key.clone(),
        )?),
        other => {
            return Err(ManageError::NoApi {
                registry: saved.endpoint.clone(),
                provider: other.preset().label.to_string(),
            })
        }
    };
    probe.check().await
}

/// Creates the cloud account `name` with `key`, or gives it the new key when it exists
/// (the old pair leaves the keychain). `made_for`: the registry `cloud-login` names it
/// after, noted only when the account is new.
fn put_account(
    home: &Home,
    name: &str,
    key: &crate::catalog::acs3::AccessKey,
    made_for: Option<&str>,
    replace: bool,
) -> Result<CloudAccount, ManageError> {
    accounts::check_account_name(name)?;
    check_key(key)?;
    Keychain::open(home)?.ensure_available()?;
    let file = CloudAccountsFile::for_home(home)?;
    let old_id = file.find(name)?.map(|a| a.access_key_id);
    if old_id.is_some() && !replace {
        return Err(ManageError::AccountExists(name.to_string()));
    }
    // The secret first: a keychain that refuses it leaves the list as it was.
    keys::save_account(name, key)?;
    let account = file.modify(|list| {
        let account = match list.iter().position(|a| a.name == name) {
            Some(i) => {
                list[i].access_key_id = key.id.clone();
                list[i].sts = key.security_token.is_some();
                return Ok::<_, ManageError>(list[i].clone());
            }
            None => CloudAccount {
                name: name.to_string(),
                provider: CloudProvider::Aliyun,
                access_key_id: key.id.clone(),
                sts: key.security_token.is_some(),
                created: Utc::now(),
                made_for: made_for.map(str::to_string),
                other: Default::default(),
            },
        };
        list.push(account.clone());
        Ok(account)
    })?;
    if let Some(old) = old_id.filter(|old| *old != key.id) {
        keys::delete_account(name, &old)?;
    }
    Ok(account)
}

/// Points a saved registry at the cloud account `account` (its AccessKey ID noted too);
/// the registry's own pair from before named accounts leaves the keychain.
fn link(
    home: &Home,
    saved: &SavedRegistry,
    account: &CloudAccount,
) -> Result<SavedRegistry, ManageError> {
    if let Some(old) = saved.api.as_ref().filter(|a| a.account.is_none()) {
        if let Some(id) = old.access_key_id.as_deref() {
            keys::delete(&saved.endpoint, id)?;
        }
    }
    Ok(
        RegistriesFile::for_home(home)?.update(&saved.endpoint, |r| {
            let api = r.api.get_or_insert_with(Default::default);
            api.access_key_id = Some(account.access_key_id.clone());
            api.account = Some(account.name.clone());
            api.login_expires_ms = None;
        })?,
    )
}

/// Saves an AccessKey pair for an ACR registry after one cheap signed call (the first
/// page of namespaces) proved it: the secret goes to the keychain as the cloud account
/// `account` (created, or given the new key when it exists; by default the account is
/// named after the registry), which the registry then uses. A refused key is not saved.
pub async fn cloud_login(
    home: &Home,
    registry: &str,
    key: crate::catalog::acs3::AccessKey,
    account: Option<&str>,
) -> Result<SavedRegistry, ManageError> {
    let saved = saved(home, registry)?;
    let name = account.unwrap_or(&saved.name).to_string();
    accounts::check_account_name(&name)?;
    check_key(&key)?;
    probe(&saved, &key).await?;
    let made_for = account.is_none().then_some(saved.endpoint.as_str());
    let account = put_account(home, &name, &key, made_for, true)?;
    link(home, &saved, &account)
}

/// Lets a saved registry use the existing cloud account `account`, after one signed call
/// with its key proved that it works there.
pub async fn use_account(
    home: &Home,
    registry: &str,
    account: &str,
) -> Result<SavedRegistry, ManageError> {
    let saved = saved(home, registry)?;
    let key = account_key(home, account)?;
    probe(&saved, &key).await?;
    let account = CloudAccountsFile::for_home(home)?
        .find(account)?
        .ok_or_else(|| ManageError::UnknownAccount(account.to_string()))?;
    link(home, &saved, &account)
}

/// Saves a registry with its API settings and an AccessKey (typed in, saved as the cloud
/// account `account`, by default named after the registry; or an existing account), which
/// one signed call checks first: a refused key leaves nothing saved (the app's "Add
/// registry" with a cloud provider, `registries add --account`).
pub async fn add_with_key(
    home: &Home,
    new: NewRegistry,
    api: ApiSettings,
    key: KeySource,
    account: Option<&str>,
) -> Result<SavedRegistry, ManageError> {
    if let Some(name) = account {
        accounts::check_account_name(name)?;
    }
    if let KeySource::Account(name) = &key {
        account_key(home, name)?;
    }
    let saved = add_registry(home, new, Some(api))?;
    let linked = match key {
        KeySource::Key(key) => cloud_login(home, &saved.endpoint, key, account).await,
        KeySource::Account(name) => use_account(home, &saved.endpoint, &name).await,
    };
    match linked {
        Ok(saved) => Ok(saved),
        Err(e) => {
            RegistriesFile::for_home(home)?.remove(&saved.endpoint)?;
            Err(e)
        }
    }
}

/// Every cloud account with the registries that use it (`strata cloud-accounts ls`).
pub fn cloud_accounts(home: &Home) -> Result<Vec<CloudAccountView>, ManageError> {
    Ok(accounts::views(home)?)
}

/// Adds the cloud account `name`. With `check_with` (a saved registry), one signed call to
/// that registry's API proves the key first and the registry then uses the account;
/// without, the key is checked at its first use (`registries add --account`,
/// `cloud-login --account`), since an AccessKey belongs to no region or registry.
pub async fn add_cloud_account(
    home: &Home,
    name: &str,
    key: crate::catalog::acs3::AccessKey,
    check_with: Option<&str>,
) -> Result<CloudAccountView, ManageError> {
    accounts::check_account_name(name)?;
    check_key(&key)?;
    if CloudAccountsFile::for_home(home)?.find(name)?.is_some() {
        return Err(ManageError::AccountExists(name.to_string()));
    }
    let registry = match check_with {
        Some(registry) => {
            let saved = saved(home, registry)?;
            probe(&saved, &key).await?;
            Some(saved)
        }
        None => None,
    };
    let account = put_account(home, name, &key, None, false)?;
    if let Some(saved) = registry {
        link(home, &saved, &account)?;
    }
    view_of_account(home, name)
}

fn view_of_account(home: &Home, name: &str) -> Result<CloudAccountView, ManageError> {
    accounts::views(home)?
        .into_iter()
        .find(|v| v.account.name == name)
        .ok_or_else(|| ManageError::UnknownAccount(name.to_string()))
}

/// Removes the cloud account `name` and its secret from the keychain. Refused while a
/// saved registry uses it, unless `force`, which leaves those registries without an
/// AccessKey.
pub fn remove_cloud_account(
    home: &Home,
    name: &str,
    force: bool,
) -> Result<CloudAccountView, ManageError> {
    let registries = RegistriesFile::for_home(home)?;
    let users = accounts::users(&registries.load()?, name);
    if !users.is_empty() && !force {
        return Err(ManageError::AccountInUse {
            name: name.to_string(),
            registries: users,
        });
    }
    let removed = CloudAccountsFile::for_home(home)?.modify(|list| {
        let i = list
            .iter()
            .position(|a| a.name == name)
            .ok_or_else(|| ManageError::UnknownAccount(name.to_string()))?;
        Ok::<_, ManageError>(list.remove(i))
    })?;
    for user in &users {
        registries.update(user, |r| {
            if let Some(api) = r.api.as_mut() {
                api.account = None;
                api.access_key_id = None;
                api.login_expires_ms = None;
            }
        })?;
    }
    keys::delete_account(&removed.name, &removed.access_key_id)?;
    Ok(CloudAccountView {
        account: removed,
        registries: users,
    })
}

/// Forgets a saved registry (its registry logins stay: `strata logout` removes those) and
/// the AccessKey only it had: its own pair from before named accounts, and the cloud
/// account `cloud-login` made for it when no other registry uses that account. Accounts
/// added by name stay.
pub fn remove_registry(home: &Home, registry: &str) -> Result<SavedRegistry, ManageError> {
    let file = RegistriesFile::for_home(home)?;
    let removed = file.remove(registry)?;
    let Some(api) = removed.api.as_ref() else {
        return Ok(removed);
    };
    match api.account.as_deref() {
        None => {
            if let Some(id) = api.access_key_id.as_deref() {
                keys::delete(&removed.endpoint, id)?;
            }
        }
        Some(name) => {
            let made_for_it = CloudAccountsFile::for_home(home)?
                .find(name)?
                .is_some_and(|a| a.made_for.as_deref() == Some(removed.endpoint.as_str()));
            if made_for_it && accounts::users(&file.load()?, name).is_empty() {
                remove_cloud_account(home, name, false)?;
            }
        }
    }
    Ok(removed)
}

/// Logs in to a registry whose login comes from its API ([`has_cloud_login`]): a
/// temporary password from the API, checked with the registry and kept in the keychain as
/// the registry's default login, like any other. No password is asked.
pub async fn log_in_with_api(
    home: &Home,
    registry: &str,
    namespace: Option<String>,
    transport: &crate::registry::RegistryOptions,
) -> Result<crate::credentials::Account, ManageError> {
    let saved = saved(home, registry)?;
    let Some(temporary) = temporary_login(home, &saved.endpoint).await? else {
        return Err(ManageError::Unsupported {
            provider: saved.provider.preset().label.to_string(),
            operation: "hand out a temporary login",
        });
    };
    let keychain = Keychain::open(home)?;
    let login = crate::credentials::Login {
        registry: saved.endpoint.clone(),
        username: temporary.username,
        namespace,
        make_default: true,
        kind: crate::credentials::SecretKind::Password,
        secret: temporary.password,
    };
    Ok(crate::credentials::login(&keychain, &login, transport).await?)
}

/// The tree registry → namespace → repository as the management API lists it (every
/// namespace, each with its repositories, summaries and visibility); `None` when the
/// registry has no API that is set up (no API, no AccessKey saved, not logged in), where
/// the catalog and hand-added repositories answer instead ([`super::browse`]).
pub async fn tree(
    home: &Home,
    registry: &str,
) -> Result<Option<super::browse::RepositoryTree>, ManageError> {
    use super::browse::{CatalogState, Namespace as Branch, RepositoryEntry, Source};
    let api = match open(home, registry) {
        Ok(api) => api,
        Err(ManageError::NoApi { .. } | ManageError::NoAccessKey { .. })
        | Err(ManageError::Credentials(CredentialsError::NotLoggedIn { .. })) => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut namespaces = api.namespaces().await?;
    namespaces.sort_by(|a, b| a.name.cmp(&b.name));
    let lists = namespaces.iter().map(|ns| api.repositories(&ns.name));
    let repositories = futures::future::try_join_all(lists).await?;
    let namespaces = namespaces
        .into_iter()
        .zip(repositories)
        .map(|(ns, mut repos)| {
            repos.sort_by(|a, b| a.name.cmp(&b.name));
            Branch {
                repositories: repos
                    .into_iter()
                    .map(|r| RepositoryEntry {
                        name: format!("{}/{}", ns.name, r.name),
                        source: Source::Api,
                        summary: Some(r.summary).filter(|s| !s.is_empty()),
                        public: Some(r.public),
                    })
                    .collect(),
                name: ns.name,
                public: ns.public,
            }
        })
        .collect();
    Ok(Some(super::browse::RepositoryTree {
        registry: saved(home, registry)?.endpoint,
        catalog: CatalogState::Api,
        namespaces,
        api: Some(api.capabilities()),
    }))
}

/// A repository that a push to `target` needs created first: `Some((namespace, name))`
/// when the registry's management API can create repositories and says this one does not
/// exist (ACR Personal refuses pushes to unknown repositories); `None` when it exists, or
/// when the registry has no such API set up (the push goes ahead as it is).
pub async fn missing_repository(
    home: &Home,
    target: &crate::reference::Reference,
) -> Result<Option<(String, String)>, ManageError> {
    let Some((namespace, name)) = target.repository.split_once('/') else {
        return Ok(None);
    };
    if check_name(namespace).is_err() || check_name(name).is_err() {
        return Ok(None);
    }
    let api = match open(home, &target.registry) {
        Ok(api) => api,
        Err(ManageError::NoApi { .. } | ManageError::NoAccessKey { .. })
        | Err(ManageError::Credentials(CredentialsError::NotLoggedIn { .. }))
        | Err(ManageError::Catalog(CatalogError::UnknownRegistry(_))) => return Ok(None),
        Err(e) => return Err(e),
    };
    if !api.capabilities().create_repository {
        return Ok(None);
    }
    match api.repository(namespace, name).await {
        Ok(_) => Ok(None),
        Err(ManageError::Api {
            kind: ApiKind::NotFound,
            ..
        }) => Ok(Some((namespace.to_string(), name.to_string()))),
        Err(e) => Err(e),
    }
}

/// What a failed tag listing of `repository` means on `registry`: on a registry with a
/// management API, a repository created through the API that nothing was pushed to yet is
/// unknown to the registry itself ("not found"), which is a repository without tags, not
/// an error. Any other failure, or any other registry, stays the error it was.
pub fn no_tags_yet(
    home: &Home,
    registry: &str,
    failure: CatalogError,
) -> Result<Vec<String>, CatalogError> {
    let not_found = matches!(
        failure,
        CatalogError::Registry(crate::registry::RegistryError::NotFound { .. })
    );
    let managed = || {
        saved_registry(home, registry)
            .ok()
            .flatten()
            .is_some_and(|s| !s.provider.preset().api_fields.is_empty())
    };
    if not_found && managed() {
        Ok(Vec::new())
    } else {
        Err(failure)
    }
}

/// ACR Enterprise: the account's instances and their registry domains, with the
/// registry's AccessKey.
pub async fn instances(home: &Home, registry: &str) -> Result<Vec<InstanceInfo>, ManageError> {
    let saved = saved(home, registry)?;
    let api = saved.api.clone().unwrap_or_default();
    let key = load_key(home, &saved)?;
    acr_enterprise::instances(&saved, &api, &key).await
}

/// ACR Enterprise, before a registry is saved (the app's "Add registry"): the instances
/// `key` (or the cloud account `account`) sees in the region of `api`, with their
/// registry domains, so that the registry's endpoint can be chosen instead of typed.
pub async fn instances_for(
    home: &Home,
    api: &ApiSettings,
    key: KeySource,
) -> Result<Vec<InstanceInfo>, ManageError> {
    let key = match key {
        KeySource::Key(key) => key,
        KeySource::Account(name) => account_key(home, &name)?,
    };
    let placeholder = SavedRegistry {
        endpoint: String::new(),
        name: String::new(),
        provider: Provider::AcrEnterprise,
        username: None,
        insecure: false,
        ca_file: None,
        repositories: Vec::new(),
        api: Some(api.clone()),
        other: Default::default(),
    };
    acr_enterprise::instances(&placeholder, api, &key).await
}

/// Asks the API for a temporary registry login; `None` when the provider has none.
/// Its expiry is noted in the registry's settings so that [`login_is_fresh`] can tell
/// when to ask again.
pub async fn temporary_login(
    home: &Home,
    registry: &str,
) -> Result<Option<TemporaryLogin>, ManageError> {
    let login = open(home, registry)?.temporary_login().await?;
    if let Some(expires) = login.as_ref().and_then(|l| l.expires) {
        let file = RegistriesFile::for_home(home)?;
        file.update(registry, |r| {
            r.api.get_or_insert_with(Default::default).login_expires_ms =
                Some(expires.timestamp_millis())
        })?;
    }
    Ok(login)
}

/// How long before its expiry a temporary login is replaced.
pub const REFRESH_MARGIN: chrono::Duration = chrono::Duration::minutes(10);

/// Whether the temporary login last fetched for `saved` is good for at least
/// [`REFRESH_MARGIN`] more (false when none was fetched).
pub fn login_is_fresh(saved: &SavedRegistry, now: DateTime<Utc>) -> bool {
    saved
        .api
        .as_ref()
        .and_then(|a| a.login_expires_ms)
        .and_then(DateTime::from_timestamp_millis)
        .is_some_and(|expires| expires - REFRESH_MARGIN > now)
}

/// Before a pull or a push: when `registry` has a saved AccessKey, a temporary login was
/// fetched before and it expires within [`REFRESH_MARGIN`], fetches a new one and keeps
/// it as the registry's default login. Returns whether it did; does nothing for any other
/// registry (and never before a first `strata login`).
pub async fn refresh_login(home: &Home, registry: &str) -> Result<bool, ManageError> {
    let Some(saved) = saved_registry(home, registry)? else {
        return Ok(false);
    };
    let fetched_before = saved
        .api
        .as_ref()
        .is_some_and(|a| a.login_expires_ms.is_some());
    if !has_cloud_login(&saved) || !fetched_before || login_is_fresh(&saved, Utc::now()) {
        return Ok(false);
    }
    let Some(login) = temporary_login(home, &saved.endpoint).await? else {
        return Ok(false);
    };
    Keychain::open(home)?.save(&crate::credentials::Login {
        registry: saved.endpoint.clone(),
        username: login.username,
        namespace: None,
        make_default: true,
        kind: crate::credentials::SecretKind::Password,
        secret: login.password,
    })?;
    Ok(true)
}

/// Whether the saved registry gets its registry login from its API (an AccessKey saved).
pub fn has_cloud_login(saved: &SavedRegistry) -> bool {
    matches!(
        saved.provider,
        Provider::AcrPersonal | Provider::AcrEnterprise
    ) && saved
        .api
        .as_ref()
        .is_some_and(|a| a.access_key_id.is_some() || a.account.is_some())
}

/// The saved registry named `registry`, for shells that branch on [`has_cloud_login`].
pub fn saved_registry(home: &Home, registry: &str) -> Result<Option<SavedRegistry>, ManageError> {
    let list = RegistriesFile::for_home(home)?.load()?;
    Ok(find_in(&list, registry).cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_apis_grammar() {
        for good in ["team", "my-app", "a1", "web_2.0"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["", "a", "Team", "-x", "a/b", "has space", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_login_is_fresh_until_ten_minutes_before_it_expires() {
        let now = Utc::now();
        let mut saved = SavedRegistry {
            endpoint: "r".into(),
            name: "r".into(),
            provider: Provider::AcrPersonal,
            username: None,
            insecure: false,
            ca_file: None,
            repositories: vec![],
            api: None,
            other: Default::default(),
        };
        assert!(!login_is_fresh(&saved, now));
        let at = |d: chrono::Duration| ApiSettings {
            login_expires_ms: Some((now + d).timestamp_millis()),
            ..Default::default()
        };
        saved.api = Some(at(chrono::Duration::minutes(30)));
        assert!(login_is_fresh(&saved, now));
        saved.api = Some(at(chrono::Duration::minutes(5)));
        assert!(!login_is_fresh(&saved, now));
    }
}

//! The registries the user works with (DESIGN.md, module `catalog`): endpoint, provider,
//! display name, default username, insecure flag, extra CA, and repositories added by
//! hand (ACR Personal and Docker Hub offer no catalog). Never a secret.
//!
//! Where: `registries.json` beside `settings.json` and `accounts.json` (the store home when
//! it was named with `--home` or `$STRATA_HOME`, else the platform's config directory).
//! Written atomically (temp file, fsync, rename) under an exclusive lock on
//! `registries.lock`. Fields another version wrote are kept.
//!
//! Logins are not kept here: `accounts.json` (module `credentials`) owns which usernames
//! have a secret in the keychain. A saved registry's `username` only says which of those
//! accounts to prefer (and what to pre-fill before the first login); [`RegistryView`]
//! joins the two files so that the app shows each registry with its accounts.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::provider::Provider;
use super::CatalogError;
use crate::credentials::{host, Account, Keychain};
use crate::home::Home;
use crate::settings::SettingsFile;

pub const FILE_NAME: &str = "registries.json";
const LOCK_NAME: &str = "registries.lock";
const MAX_BYTES: u64 = 8 * 1024 * 1024;

/// One saved registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SavedRegistry {
    /// The registry as references name it: `registry.cn-hangzhou.aliyuncs.com`,
    /// `docker.io`, `127.0.0.1:5000`. The key that `accounts.json` uses too.
    pub endpoint: String,
    /// What the user calls it; the endpoint when not given.
    pub name: String,
    #[serde(default)]
    pub provider: Provider,
    /// The account to prefer: a username of this registry in `accounts.json`, or the
    /// name to pre-fill at login. Never a password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub username: Option<String>,
    /// Plain HTTP or an unverified certificate allowed (a registry on this machine may
    /// always use HTTP).
    #[serde(default)]
    pub insecure: bool,
    /// A PEM file with extra CA certificates trusted for this registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "string"))]
    pub ca_file: Option<PathBuf>,
    /// Repositories added by hand (full paths: `team/app`), shown beside the catalog's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repositories: Vec<String>,
    /// How to reach the provider's management API (ACR region, instance, AccessKey ID),
    /// when the registry has one and it was set up (`catalog::manage`). Never a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub api: Option<super::manage::ApiSettings>,
    /// Fields another version wrote.
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub other: Map<String, Value>,
}

/// What `registries add` takes.
#[derive(Debug, Clone, Default)]
pub struct NewRegistry {
    pub endpoint: String,
    pub name: Option<String>,
    /// `None`: detected from the endpoint.
    pub provider: Option<Provider>,
    pub username: Option<String>,
    pub insecure: bool,
    pub ca_file: Option<PathBuf>,
}

/// A saved registry with its logins, as `strata registries --json` and the app show it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RegistryView {
    #[serde(flatten)]
    pub registry: SavedRegistry,
    /// The accounts of `accounts.json` for this endpoint (usernames, never secrets).
    pub accounts: Vec<Account>,
    /// The username push scripts and logins use: the saved one, else the default account.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub effective_username: Option<String>,
    /// Whether the registry is expected to list its repositories.
    pub lists_repositories: bool,
    /// Whether its registry login comes from its management API (an AccessKey is saved):
    /// logging in needs no password.
    pub api_login: bool,
}

impl RegistryView {
    pub fn new(registry: SavedRegistry, all_accounts: &[Account]) -> RegistryView {
        let accounts: Vec<Account> = all_accounts
            .iter()
            .filter(|a| a.registry == registry.endpoint)
            .cloned()
            .collect();
        let effective_username = registry.username.clone().or_else(|| {
            accounts
                .iter()
                .find(|a| a.default)
                .map(|a| a.username.clone())
        });
        let lists_repositories = registry.provider.preset().lists_repositories;
        let api_login = super::manage::has_cloud_login(&registry);
        RegistryView {
            registry,
            accounts,
            effective_username,
            lists_repositories,
            api_login,
        }
    }
}

/// Every saved registry with its accounts, sorted by name: what `strata registries` lists
/// and the app's Registries screen shows. The account list is a plain file: reading it
/// needs no keychain.
pub fn views(home: &Home) -> Result<Vec<RegistryView>, CatalogError> {
    let saved = RegistriesFile::for_home(home)?.load()?;
    let accounts = Keychain::open(home)?.accounts()?;
    Ok(saved
        .into_iter()
        .map(|r| RegistryView::new(r, &accounts))
        .collect())
}

/// The view of the saved registry named `key` (its name or its endpoint).
pub fn view(home: &Home, key: &str) -> Result<RegistryView, CatalogError> {
    let list = views(home)?;
    let saved: Vec<SavedRegistry> = list.iter().map(|v| v.registry.clone()).collect();
    let found = find_in(&saved, key).map(|s| s.endpoint.clone());
    list.into_iter()
        .find(|v| Some(&v.registry.endpoint) == found.as_ref())
        .ok_or_else(|| CatalogError::UnknownRegistry(key.to_string()))
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct ListFile {
    #[serde(default)]
    registries: Vec<SavedRegistry>,
    #[serde(flatten)]
    other: Map<String, Value>,
}

/// The saved registries file at one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistriesFile {
    path: PathBuf,
}

/// `Example.com:5000/` → `example.com:5000`; refuses what is not a host.
pub fn normalize_endpoint(text: &str) -> Result<String, CatalogError> {
    let (host, path) =
        host::parse_target(text).map_err(|_| CatalogError::BadEndpoint(text.to_string()))?;
    if path.is_some() {
        return Err(CatalogError::BadEndpoint(text.to_string()));
    }
    Ok(host)
}

impl RegistriesFile {
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file that belongs with a store home: beside its `settings.json`.
    pub fn for_home(home: &Home) -> Result<Self, CatalogError> {
        let settings = SettingsFile::for_home(home).map_err(|_| CatalogError::NoConfigDir)?;
        let dir = settings.path().parent().unwrap_or(Path::new("."));
        Ok(Self::at(dir.join(FILE_NAME)))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, action: &'static str) -> impl Fn(std::io::Error) -> CatalogError + '_ {
        move |source| CatalogError::File {
            action,
            path: self.path.clone(),
            source,
        }
    }

    /// Every saved registry, sorted by name. No file: none.
    pub fn load(&self) -> Result<Vec<SavedRegistry>, CatalogError> {
        Ok(self.read()?.registries)
    }

    /// The saved registry named `key` (its name or its endpoint, in any spelling).
    pub fn find(&self, key: &str) -> Result<Option<SavedRegistry>, CatalogError> {
        Ok(find_in(&self.load()?, key).cloned())
    }

    /// The saved registry whose endpoint is `endpoint` (normalised), ignoring names.
    pub fn by_endpoint(&self, endpoint: &str) -> Result<Option<SavedRegistry>, CatalogError> {
        let endpoint = normalize_endpoint(endpoint)?;
        Ok(self.load()?.into_iter().find(|r| r.endpoint == endpoint))
    }

    fn read(&self) -> Result<ListFile, CatalogError> {
        let mut list: ListFile = crate::atomic_file::read_json(&self.path, MAX_BYTES)
            .map_err(self.err("read"))?
            .unwrap_or_default();
        list.registries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(list)
    }

    fn modify<T>(
        &self,
        change: impl FnOnce(&mut Vec<SavedRegistry>) -> Result<T, CatalogError>,
    ) -> Result<T, CatalogError> {
        let _lock =
            crate::atomic_file::lock_beside(&self.path, LOCK_NAME).map_err(self.err("lock"))?;
        let mut list = self.read()?;
        let out = change(&mut list.registries)?;
        list.registries.sort_by(|a, b| a.name.cmp(&b.name));
        self.write(&list)?;
        Ok(out)
    }

    fn write(&self, list: &ListFile) -> Result<(), CatalogError> {
        crate::atomic_file::write_json(&self.path, list).map_err(self.err("write"))
    }

    /// Saves a registry. An endpoint or name already saved is refused: remove it first
    /// (the app edits with [`RegistriesFile::update`]).
    pub fn add(&self, new: NewRegistry) -> Result<SavedRegistry, CatalogError> {
        let endpoint = normalize_endpoint(&new.endpoint)?;
        if let Some(user) = &new.username {
            if user.is_empty() || user.contains(':') || user.chars().any(char::is_control) {
                return Err(CatalogError::BadUsername(user.clone()));
            }
        }
        let name = new
            .name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| endpoint.clone());
        let saved = SavedRegistry {
            provider: new.provider.unwrap_or_else(|| Provider::detect(&endpoint)),
            endpoint,
            name,
            username: new.username,
            insecure: new.insecure,
            ca_file: new.ca_file,
            repositories: Vec::new(),
            api: None,
            other: Map::new(),
        };
        self.modify(|list| {
            if let Some(old) = list
                .iter()
                .find(|r| r.endpoint == saved.endpoint || r.name == saved.name)
            {
                return Err(CatalogError::Duplicate {
                    name: old.name.clone(),
                    endpoint: old.endpoint.clone(),
                });
            }
            list.push(saved.clone());
            Ok(saved)
        })
    }

    /// Changes a saved registry in place (the app's edit form); returns it as saved.
    pub fn update(
        &self,
        key: &str,
        change: impl FnOnce(&mut SavedRegistry),
    ) -> Result<SavedRegistry, CatalogError> {
        self.modify(|list| {
            let i = position(list, key).ok_or_else(|| CatalogError::UnknownRegistry(key.into()))?;
            let endpoint = list[i].endpoint.clone();
            change(&mut list[i]);
            // The endpoint is the key accounts.json shares: it does not change here.
            list[i].endpoint = endpoint;
            Ok(list[i].clone())
        })
    }

    /// Forgets a saved registry (its logins stay: `strata logout` removes those).
    pub fn remove(&self, key: &str) -> Result<SavedRegistry, CatalogError> {
        self.modify(|list| {
            let i = position(list, key).ok_or_else(|| CatalogError::UnknownRegistry(key.into()))?;
            Ok(list.remove(i))
        })
    }

    /// Adds repositories by hand to a registry, saving the registry first when it is
    /// not saved yet. Returns the registry as saved.
    pub fn add_repositories(
        &self,
        endpoint: &str,
        repositories: &[String],
    ) -> Result<SavedRegistry, CatalogError> {
        let endpoint = normalize_endpoint(endpoint)?;
        for r in repositories {
            check_repository(r)?;
        }
        self.modify(|list| {
            let i = match position(list, &endpoint) {
                Some(i) => i,
                None => {
                    list.push(SavedRegistry {
                        provider: Provider::detect(&endpoint),
                        name: endpoint.clone(),
                        endpoint: endpoint.clone(),
                        username: None,
                        insecure: false,
                        ca_file: None,
                        repositories: Vec::new(),
                        api: None,
                        other: Map::new(),
                    });
                    list.len() - 1
                }
            };
            let repos = &mut list[i].repositories;
            for r in repositories {
                let r = r.trim_matches('/').to_string();
                if !repos.contains(&r) {
                    repos.push(r);
                }
            }
            repos.sort();
            Ok(list[i].clone())
        })
    }

    /// Removes hand-added repositories; unknown ones are ignored.
    pub fn forget_repositories(
        &self,
        key: &str,
        repositories: &[String],
    ) -> Result<SavedRegistry, CatalogError> {
        self.update(key, |r| {
            r.repositories
                .retain(|x| !repositories.iter().any(|y| y.trim_matches('/') == x))
        })
    }
}

/// A repository path as references allow it: `team/app` (no tag, no host).
fn check_repository(repo: &str) -> Result<(), CatalogError> {
    let trimmed = repo.trim_matches('/');
    let ok = !trimmed.is_empty()
        && crate::reference::Reference::parse_name(&format!("example.invalid/{trimmed}"))
            .is_ok_and(|r| r.tag.is_none() && r.digest.is_none() && r.repository == trimmed);
    if ok {
        Ok(())
    } else {
        Err(CatalogError::BadRepository(repo.to_string()))
    }
}

fn position(list: &[SavedRegistry], key: &str) -> Option<usize> {
    let as_endpoint = normalize_endpoint(key).ok();
    list.iter().position(|r| r.name == key).or_else(|| {
        list.iter()
            .position(|r| Some(&r.endpoint) == as_endpoint.as_ref())
    })
}

/// The saved registry named `key` (name first, then endpoint in any spelling).
pub fn find_in<'a>(list: &'a [SavedRegistry], key: &str) -> Option<&'a SavedRegistry> {
    position(list, key).map(|i| &list[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(endpoint: &str) -> NewRegistry {
        NewRegistry {
            endpoint: endpoint.into(),
            ..Default::default()
        }
    }

    #[test]
    fn registries_are_saved_detected_and_found_by_name_or_endpoint() {
        let dir = tempfile::tempdir().unwrap();
        let file = RegistriesFile::at(dir.path().join(FILE_NAME));
        let acr = file
            .add(NewRegistry {
                name: Some("hz".into()),
                username: Some("dev@example.com".into()),
                ..new("https://Registry.CN-Hangzhou.aliyuncs.com/")
            })
            .unwrap();
        assert_eq!(acr.endpoint, "registry.cn-hangzhou.aliyuncs.com");
        assert_eq!(acr.provider, Provider::AcrPersonal);
        file.add(new("index.docker.io")).unwrap();
        assert_eq!(
            file.find("docker.io").unwrap().unwrap().provider,
            Provider::DockerHub
        );
        assert_eq!(file.find("hz").unwrap().unwrap().endpoint, acr.endpoint);
        assert!(matches!(
            file.add(new("registry.cn-hangzhou.aliyuncs.com")),
            Err(CatalogError::Duplicate { .. })
        ));
        assert!(matches!(
            file.add(new("host/ns")),
            Err(CatalogError::BadEndpoint(_))
        ));

        // By name or by endpoint; duplicates collapse.
        file.add_repositories("hz", &["team/app".into()]).unwrap();
        let saved = file
            .add_repositories(
                "registry.cn-hangzhou.aliyuncs.com",
                &["team/app".into(), "/solo/".into()],
            )
            .unwrap();
        assert_eq!(saved.repositories, vec!["solo", "team/app"]);
        assert!(file
            .add_repositories("docker.io", &["Bad Name".into()])
            .is_err());
        file.remove("hz").unwrap();
        assert!(file.find("hz").unwrap().is_none());
        let text = std::fs::read_to_string(file.path()).unwrap();
        assert!(!text.contains("password"));
    }

    #[test]
    fn a_view_takes_the_default_account_when_no_username_is_saved() {
        let saved = SavedRegistry {
            endpoint: "r.example".into(),
            name: "r".into(),
            provider: Provider::Generic,
            username: None,
            insecure: false,
            ca_file: None,
            repositories: vec![],
            api: None,
            other: Map::new(),
        };
        let accounts = vec![Account {
            registry: "r.example".into(),
            username: "ann".into(),
            namespace: None,
            default: true,
            kind: Default::default(),
        }];
        let view = RegistryView::new(saved, &accounts);
        assert_eq!(view.effective_username.as_deref(), Some("ann"));
        assert_eq!(view.accounts.len(), 1);
    }
}

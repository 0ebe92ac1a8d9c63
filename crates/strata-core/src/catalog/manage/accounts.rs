//! Named cloud accounts (Alibaba Cloud AccessKey pairs): several per machine, each with a
//! name; a registry with a management API names the account it uses (`api.account`),
//! and several registries may share one.
//!
//! The secret (and an STS token) is in the OS keychain ([`super::keys`]); the list of
//! accounts (name, provider, AccessKey ID, when it was added, never a secret) is
//! `cloud-accounts.json` beside `registries.json`, written atomically under an exclusive
//! lock on `cloud-accounts.lock`, as [`RegistriesFile`] is. Fields another version wrote
//! are kept.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ManageError;
use crate::catalog::registries::{RegistriesFile, SavedRegistry};
use crate::catalog::CatalogError;
use crate::home::Home;

pub const FILE_NAME: &str = "cloud-accounts.json";
const LOCK_NAME: &str = "cloud-accounts.lock";
const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// Whose AccessKey it is. Only Alibaba Cloud (ACR) for now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum CloudProvider {
    #[default]
    Aliyun,
}

/// One named cloud account, as `cloud-accounts.json` keeps it. Never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CloudAccount {
    /// What the user calls it: `prod`, `team-hz`.
    pub name: String,
    #[serde(default)]
    pub provider: CloudProvider,
    /// The AccessKey ID (not a secret): `LTAI…`.
    pub access_key_id: String,
    /// An STS token is kept with the secret (a temporary pair).
    #[serde(default)]
    pub sts: bool,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub created: DateTime<Utc>,
    /// The registry `cloud-login` made this account for (it was named after it): removed
    /// with that registry when no other registry uses it. `None`: added by name, kept
    /// until removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub made_for: Option<String>,
    /// Fields another version wrote.
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub other: Map<String, Value>,
}

/// An account with the saved registries that use it, as `strata cloud-accounts ls` and
/// the app list them.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CloudAccountView {
    #[serde(flatten)]
    pub account: CloudAccount,
    /// The names of the saved registries that use it.
    pub registries: Vec<String>,
}

/// `LTAI5tAbcdefgh1234` → `LTAI****1234`: how an AccessKey ID is shown.
pub fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len().max(4));
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// A name an account may have: 1 to 128 characters (a registry's endpoint, which
/// `cloud-login` names accounts after, fits), no control character, not starting or
/// ending with a space.
pub fn check_account_name(name: &str) -> Result<(), ManageError> {
    let ok = !name.is_empty()
        && name.chars().count() <= 128
        && name.trim() == name
        && !name.chars().any(char::is_control);
    if ok {
        Ok(())
    } else {
        Err(ManageError::InvalidAccountName(name.to_string()))
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct ListFile {
    #[serde(default)]
    accounts: Vec<CloudAccount>,
    #[serde(flatten)]
    other: Map<String, Value>,
}

/// The cloud accounts file at one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudAccountsFile {
    path: PathBuf,
}

impl CloudAccountsFile {
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file that belongs with a store home: beside its `registries.json`.
    pub fn for_home(home: &Home) -> Result<Self, CatalogError> {
        let registries = RegistriesFile::for_home(home)?;
        let dir = registries.path().parent().unwrap_or(Path::new("."));
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

    /// Every account, sorted by name. No file: none.
    pub fn load(&self) -> Result<Vec<CloudAccount>, CatalogError> {
        Ok(self.read()?.accounts)
    }

    pub fn find(&self, name: &str) -> Result<Option<CloudAccount>, CatalogError> {
        Ok(self.load()?.into_iter().find(|a| a.name == name))
    }

    fn read(&self) -> Result<ListFile, CatalogError> {
        let mut list: ListFile = crate::atomic_file::read_json(&self.path, MAX_BYTES)
            .map_err(self.err("read"))?
            .unwrap_or_default();
        list.accounts.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(list)
    }

    /// Changes the list under the lock and writes it back.
    pub fn modify<T, E: From<CatalogError>>(
        &self,
        change: impl FnOnce(&mut Vec<CloudAccount>) -> Result<T, E>,
    ) -> Result<T, E> {
        let _lock =
            crate::atomic_file::lock_beside(&self.path, LOCK_NAME).map_err(self.err("lock"))?;
        let mut list = self.read()?;
        let out = change(&mut list.accounts)?;
        list.accounts.sort_by(|a, b| a.name.cmp(&b.name));
        crate::atomic_file::write_json(&self.path, &list).map_err(self.err("write"))?;
        Ok(out)
    }
}

/// The names of the saved registries that use the account `name`.
pub fn users(registries: &[SavedRegistry], name: &str) -> Vec<String> {
    registries
        .iter()
        .filter(|r| r.api.as_ref().and_then(|a| a.account.as_deref()) == Some(name))
        .map(|r| r.name.clone())
        .collect()
}

/// Every cloud account with the registries that use it. Needs no keychain.
pub fn views(home: &Home) -> Result<Vec<CloudAccountView>, CatalogError> {
    let registries = RegistriesFile::for_home(home)?.load()?;
    Ok(CloudAccountsFile::for_home(home)?
        .load()?
        .into_iter()
        .map(|account| CloudAccountView {
            registries: users(&registries, &account.name),
            account,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_masked_and_names_checked() {
        assert_eq!(mask_id("LTAI5tAbcdefgh1234"), "LTAI****1234");
        assert_eq!(mask_id("short"), "*****");
        assert!(check_account_name("prod hz").is_ok());
        assert!(check_account_name("127.0.0.1:5000").is_ok());
        for bad in ["", " x", "x\n", &"n".repeat(129)] {
            assert!(check_account_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_file_keeps_accounts_sorted_and_unknown_fields() {
        let dir = tempfile::tempdir().unwrap();
        let file = CloudAccountsFile::at(dir.path().join(FILE_NAME));
        for name in ["b", "a"] {
            file.modify(|list| {
                list.push(CloudAccount {
                    name: name.into(),
                    provider: CloudProvider::Aliyun,
                    access_key_id: "LTAI1".into(),
                    sts: false,
                    created: Utc::now(),
                    made_for: None,
                    other: Map::new(),
                });
                Ok::<_, CatalogError>(())
            })
            .unwrap();
        }
        let names: Vec<String> = file.load().unwrap().into_iter().map(|a| a.name).collect();
        assert_eq!(names, ["a", "b"]);
        let text = std::fs::read_to_string(file.path()).unwrap();
        assert!(text.contains("\"provider\": \"aliyun\""), "{text}");
    }
}

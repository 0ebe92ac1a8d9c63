//! The account list: which logins exist (registry, username, default flag, namespace
//! scope, secret kind), never the secrets themselves. The keychain cannot list its entries
//! on every platform, so this file is how Strata knows what to ask it for.
//!
//! Where: `accounts.json` in the folder of `settings.json` (the store home when it was named
//! with `--home` or `$STRATA_HOME`, else the platform's config directory). Written
//! atomically (temp file, fsync, rename) under an exclusive lock on `accounts.lock`, so
//! that two `strata login` at once do not lose an account.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::CredentialsError;
use crate::home::Home;
use crate::settings::SettingsFile;

pub const FILE_NAME: &str = "accounts.json";
const LOCK_NAME: &str = "accounts.lock";
/// A list larger than this is not ours (an account is about 150 bytes).
const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// What the keychain entry of an account holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum SecretKind {
    /// A password or access token sent with Basic auth (or to the token server).
    #[default]
    Password,
    /// Docker's identity (refresh) token.
    IdentityToken,
}

/// One saved login, as the CLI's `accounts --json` and the app show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Account {
    /// The registry as references name it: `docker.io`, `127.0.0.1:5000`.
    pub registry: String,
    pub username: String,
    /// Only for repositories under this namespace (`team` covers `team/app` and
    /// `team/sub/app`); `None`: any repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub namespace: Option<String>,
    /// The account used when no namespace scope matches. One per registry at most.
    #[serde(default)]
    pub default: bool,
    #[serde(default)]
    pub kind: SecretKind,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct ListFile {
    #[serde(default)]
    accounts: Vec<Account>,
    /// Fields written by another version: kept.
    #[serde(flatten)]
    other: Map<String, Value>,
}

/// The account to use for `repository` on `registry` (already normalized): the one whose
/// namespace is the longest path prefix of the repository, else the default.
pub fn pick<'a>(accounts: &'a [Account], registry: &str, repository: &str) -> Option<&'a Account> {
    let repository = repository.trim_matches('/');
    let mine = accounts.iter().filter(|a| a.registry == registry);
    let scoped = mine
        .clone()
        .filter_map(|a| {
            let ns = a.namespace.as_deref()?.trim_matches('/');
            let covers = repository == ns
                || (repository.starts_with(ns) && repository[ns.len()..].starts_with('/'));
            covers.then_some((ns.len(), a))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, a)| a);
    scoped.or_else(|| mine.clone().find(|a| a.default))
}

/// The account list file at one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountsFile {
    path: PathBuf,
}

impl AccountsFile {
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The list that belongs with a store home: beside its `settings.json`.
    pub fn for_home(home: &Home) -> Result<Self, CredentialsError> {
        let settings = SettingsFile::for_home(home).map_err(|_| CredentialsError::NoConfigDir)?;
        let dir = settings.path().parent().unwrap_or(Path::new("."));
        Ok(Self::at(dir.join(FILE_NAME)))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, action: &'static str) -> impl Fn(std::io::Error) -> CredentialsError + '_ {
        move |source| CredentialsError::AccountsFile {
            action,
            path: self.path.clone(),
            source,
        }
    }

    /// Every account, sorted by registry then username. No file: no accounts.
    pub fn load(&self) -> Result<Vec<Account>, CredentialsError> {
        Ok(self.read()?.accounts)
    }

    fn read(&self) -> Result<ListFile, CredentialsError> {
        let mut list: ListFile = crate::atomic_file::read_json(&self.path, MAX_BYTES)
            .map_err(self.err("read"))?
            .unwrap_or_default();
        list.accounts
            .sort_by(|a, b| (&a.registry, &a.username).cmp(&(&b.registry, &b.username)));
        Ok(list)
    }

    /// Reads, changes and writes the list under the lock.
    fn modify<T>(
        &self,
        change: impl FnOnce(&mut Vec<Account>) -> T,
    ) -> Result<T, CredentialsError> {
        let _lock =
            crate::atomic_file::lock_beside(&self.path, LOCK_NAME).map_err(self.err("lock"))?;
        let mut list = self.read()?;
        let out = change(&mut list.accounts);
        self.write(&list)?;
        Ok(out)
    }

    fn write(&self, list: &ListFile) -> Result<(), CredentialsError> {
        crate::atomic_file::write_json(&self.path, list).map_err(self.err("write"))
    }

    /// Adds or replaces the account (registry, username). It becomes the default when
    /// asked, when it was already, or when the registry has no default yet and it is not
    /// namespace-scoped. Returns the account as saved.
    pub fn upsert(&self, account: Account) -> Result<Account, CredentialsError> {
        self.modify(|accounts| {
            let mut account = account;
            let keep_default = accounts.iter().any(|a| {
                a.registry == account.registry && a.username == account.username && a.default
            });
            accounts
                .retain(|a| !(a.registry == account.registry && a.username == account.username));
            let has_default = accounts
                .iter()
                .any(|a| a.registry == account.registry && a.default);
            if account.default {
                for a in accounts
                    .iter_mut()
                    .filter(|a| a.registry == account.registry)
                {
                    a.default = false;
                }
            } else {
                // A scoped account is the default only when asked: used outside its
                // namespace it would send credentials the registry is likely to refuse.
                account.default = keep_default || (!has_default && account.namespace.is_none());
            }
            accounts.push(account.clone());
            accounts.sort_by(|a, b| (&a.registry, &a.username).cmp(&(&b.registry, &b.username)));
            account
        })
    }

    /// Makes (registry, username) the registry's default account. `false`: no such account.
    pub fn set_default(&self, registry: &str, username: &str) -> Result<bool, CredentialsError> {
        if !self.path.exists() {
            return Ok(false);
        }
        self.modify(|accounts| {
            let known = accounts
                .iter()
                .any(|a| a.registry == registry && a.username == username);
            if known {
                for a in accounts.iter_mut().filter(|a| a.registry == registry) {
                    a.default = a.username == username;
                }
            }
            known
        })
    }

    /// Removes these usernames of `registry`. When the default goes, the first remaining
    /// account without a namespace scope becomes the default.
    pub fn remove(&self, registry: &str, usernames: &[String]) -> Result<(), CredentialsError> {
        if !self.path.exists() {
            return Ok(());
        }
        self.modify(|accounts| {
            accounts.retain(|a| !(a.registry == registry && usernames.contains(&a.username)));
            let mine = || accounts.iter().filter(|a| a.registry == registry);
            if !mine().any(|a| a.default) {
                let next = mine()
                    .position(|a| a.namespace.is_none())
                    .and_then(|i| mine().nth(i).map(|a| a.username.clone()));
                if let Some(user) = next {
                    for a in accounts.iter_mut() {
                        a.default = a.registry == registry && a.username == user;
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(registry: &str, user: &str, ns: Option<&str>) -> Account {
        Account {
            registry: registry.into(),
            username: user.into(),
            namespace: ns.map(Into::into),
            default: false,
            kind: SecretKind::Password,
        }
    }

    #[test]
    fn a_namespace_covers_whole_path_segments_only() {
        let list = vec![
            acct("r", "team", Some("team")),
            acct("r", "x", Some("team/app")),
        ];
        assert_eq!(pick(&list, "r", "team/app").unwrap().username, "x");
        assert_eq!(pick(&list, "r", "team/other").unwrap().username, "team");
        assert!(pick(&list, "r", "teamwork/a").is_none());
        assert!(pick(&list, "other", "team/app").is_none());
    }

    #[test]
    fn the_list_keeps_fields_it_does_not_know_and_writes_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = AccountsFile::at(dir.path().join(FILE_NAME));
        std::fs::write(file.path(), r#"{"accounts":[],"bookmarks":["a"]}"#).unwrap();
        let saved = file.upsert(acct("r", "ann", None)).unwrap();
        assert!(saved.default);
        let json: Value = serde_json::from_slice(&std::fs::read(file.path()).unwrap()).unwrap();
        assert_eq!(json["bookmarks"][0], "a");
        assert_eq!(json["accounts"][0]["username"], "ann");
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, vec![FILE_NAME.to_string(), LOCK_NAME.to_string()]);
    }

    #[test]
    fn a_scoped_account_is_not_made_default_over_an_unscoped_one() {
        let dir = tempfile::tempdir().unwrap();
        let file = AccountsFile::at(dir.path().join(FILE_NAME));
        file.upsert(acct("r", "scoped", Some("ns"))).unwrap();
        assert!(!file.load().unwrap()[0].default);
        let file2 = AccountsFile::at(dir.path().join("b.json"));
        file2.upsert(acct("r", "main", None)).unwrap();
        let s = file2.upsert(acct("r", "scoped", Some("ns"))).unwrap();
        assert!(!s.default);
        // Logging in again keeps the default flag.
        let again = file2.upsert(acct("r", "main", None)).unwrap();
        assert!(again.default);
        assert!(file2.set_default("r", "scoped").unwrap());
        let list = file2.load().unwrap();
        let default: Vec<_> = list
            .iter()
            .filter(|a| a.default)
            .map(|a| a.username.as_str())
            .collect();
        assert_eq!(default, vec!["scoped"]);
        assert!(!file2.set_default("r", "nobody").unwrap());
    }
}

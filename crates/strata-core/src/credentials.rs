//! Registry logins, with every secret in the OS keychain (DESIGN.md, module
//! `credentials`): Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows. Never a secret in a file, a log line, an error or `--json` output.
//!
//! | file | job |
//! |---|---|
//! | [`accounts`] | the non-secret list: registry → accounts (username, default, namespace scope) |
//! | [`host`] | registry names as references spell them (`docker.io`, `127.0.0.1:5000`) |
//! | [`store`] | the keychain backend; long secrets split into chunks |
//! | [`verify`] | checking a login against the registry's `/v2/` before it is saved |
//! | [`import`] | logins from docker's `config.json`, `docker-credential-*` helpers, podman's `auth.json` |
//!
//! Each account's secret is one keychain entry with service `strata:<registry>` and the
//! username as account (`secret-tool lookup service strata:127.0.0.1:5000 username ann`).
//! The keychain cannot list its entries portably, so which accounts exist is kept in
//! `accounts.json` beside `settings.json` (see [`accounts`]); it never holds a secret.
//!
//! When no keychain is reachable (a Linux machine with no Secret Service on D-Bus), every
//! call that needs one fails with [`CredentialsError::NoKeychain`], which says what to
//! install or start; there is no plaintext fallback.
//!
//! ```no_run
//! # fn f(home: &strata_core::home::Home) -> Result<(), strata_core::credentials::CredentialsError> {
//! use strata_core::credentials::Keychain;
//! let keychain = Keychain::open(home)?;
//! // The most specific account: one scoped to `team` if there is one, else the default.
//! if let Some(creds) = keychain.get("registry.cn-hangzhou.aliyuncs.com", "team/app")? {
//!     // hand `creds` to registry::RegistryOptions { credentials: creds, .. }
//! #   let _ = creds;
//! }
//! # Ok(()) }
//! ```

use std::path::PathBuf;

use crate::home::Home;
use crate::problem::{Code, Explain, Hint, HintKey, HintName as _};
use crate::registry::{Credentials, RegistryError};
use crate::secret::Sensitive;

pub mod accounts;
pub mod host;
pub mod import;
pub mod store;
pub mod verify;

pub use accounts::{Account, AccountsFile, SecretKind};
pub use import::{discover, import_sources, Discovery, FoundLogin};
pub use store::Backend;

/// Why a credentials operation failed. No variant ever carries a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// No keychain answers: on Linux, nothing owns `org.freedesktop.secrets` on the D-Bus
    /// session bus, or there is no session bus at all.
    #[error("no keychain is reachable, so the secret cannot be kept safely ({detail})")]
    NoKeychain { detail: String },
    /// The keychain is there but refused access (locked, or the user said no).
    #[error("the keychain refused access: it is locked or access was denied ({detail})")]
    Locked { detail: String },
    /// Any other keychain failure.
    #[error("the keychain failed to {action}: {detail}")]
    Keychain { action: String, detail: String },
    /// A chunked secret whose parts do not add up (a write was interrupted).
    #[error("the secret kept for {username} on {registry} is damaged")]
    Corrupt { registry: String, username: String },
    /// The registry rejected the username and password at login; nothing was saved.
    #[error("{registry} refused the login of {username} (401 Unauthorized); nothing was saved")]
    Refused { registry: String, username: String },
    /// The registry could not be asked (connection, TLS, protocol); nothing was saved.
    #[error("cannot check the login with {registry}; nothing was saved: {source}")]
    Check {
        registry: String,
        #[source]
        source: RegistryError,
    },
    /// An account list file that cannot be read, parsed or written.
    #[error("cannot {action} the account list {}", path.display())]
    AccountsFile {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Neither a store home nor a platform config directory is known.
    #[error("cannot find a configuration folder for the account list")]
    NoConfigDir,
    /// No saved login matches.
    #[error("not logged in to {registry}{}", user_suffix(.username))]
    NotLoggedIn {
        registry: String,
        username: Option<String>,
    },
    /// Several accounts match and the request did not say which.
    #[error("{registry} has several accounts ({}); say which one", .usernames.join(", "))]
    Ambiguous {
        registry: String,
        usernames: Vec<String>,
    },
    /// A registry argument that is not a host name.
    #[error("`{0}` is not a registry name")]
    InvalidRegistry(String),
    /// A username that the registry's Basic auth cannot carry.
    #[error("invalid username `{0}`: it must be non-empty and have no `:`")]
    InvalidUsername(String),
    /// An empty password or token.
    #[error("the password is empty")]
    EmptySecret,
    /// A docker or podman config file that cannot be read or is not JSON.
    #[error("cannot read the login file {}: {reason}", path.display())]
    ImportFile { path: PathBuf, reason: String },
    /// A `docker-credential-*` helper that failed.
    #[error("the credential helper docker-credential-{helper} failed: {reason}")]
    Helper { helper: String, reason: String },
}

fn user_suffix(username: &Option<String>) -> String {
    username
        .as_ref()
        .map(|u| format!(" as {u}"))
        .unwrap_or_default()
}

/// What to install or start when no keychain answers, per platform.
fn no_keychain_hint() -> HintKey {
    if cfg!(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd"
    )) {
        HintKey::CredentialsInstallKeychain
    } else {
        HintKey::CredentialsKeychainUnavailable
    }
}

impl Explain for CredentialsError {
    fn code(&self) -> Code {
        match self {
            CredentialsError::NoKeychain { .. } => Code::CredentialsNoKeychain,
            CredentialsError::Locked { .. } => Code::CredentialsLocked,
            CredentialsError::Keychain { .. } => Code::CredentialsKeychain,
            CredentialsError::Corrupt { .. } => Code::CredentialsCorrupt,
            CredentialsError::Refused { .. } => Code::CredentialsRefused,
            CredentialsError::Check { .. } => Code::CredentialsCheck,
            CredentialsError::AccountsFile { .. } => Code::CredentialsAccountsFile,
            CredentialsError::NoConfigDir => Code::CredentialsNoConfigDir,
            CredentialsError::NotLoggedIn { .. } => Code::CredentialsNotLoggedIn,
            CredentialsError::Ambiguous { .. } => Code::CredentialsAmbiguous,
            CredentialsError::InvalidRegistry(_) => Code::RegistryInvalidName,
            CredentialsError::InvalidUsername(_) => Code::CredentialsInvalidUsername,
            CredentialsError::EmptySecret => Code::CredentialsEmptySecret,
            CredentialsError::ImportFile { .. } => Code::CredentialsImportFile,
            CredentialsError::Helper { .. } => Code::CredentialsHelper,
        }
    }

    fn hint(&self) -> Option<Hint> {
        let key = match self {
            CredentialsError::NoKeychain { .. } => no_keychain_hint(),
            CredentialsError::Locked { .. } => HintKey::CredentialsUnlock,
            CredentialsError::Keychain { .. } => HintKey::CredentialsCheckKeychain,
            CredentialsError::Corrupt { registry, .. } => {
                return Some(HintKey::CredentialsLogInAgain.with("registry", registry))
            }
            CredentialsError::Refused { .. } => HintKey::CredentialsCheckPassword,
            CredentialsError::Check { source, .. } => return source.hint(),
            CredentialsError::AccountsFile { path, .. } => {
                return Some(HintKey::CredentialsFixAccountsFile.with("path", path.display()))
            }
            CredentialsError::NoConfigDir => HintKey::HomeSetEnv,
            CredentialsError::NotLoggedIn { registry, .. } => {
                return Some(HintKey::CredentialsLogIn.with("registry", registry))
            }
            CredentialsError::Ambiguous { .. } => HintKey::CredentialsNameAccount,
            CredentialsError::InvalidRegistry(_) => HintKey::CredentialsRegistryExample,
            CredentialsError::InvalidUsername(_) => HintKey::CredentialsGiveUsername,
            CredentialsError::EmptySecret => HintKey::CredentialsGivePassword,
            CredentialsError::ImportFile { .. } => HintKey::CredentialsFixImportFile,
            CredentialsError::Helper { helper, .. } => {
                return Some(HintKey::CredentialsCheckHelper.with("helper", helper))
            }
        };
        Some(key.into())
    }
}

/// A login to save: who, where, and the secret.
#[derive(Debug, Clone)]
pub struct Login {
    /// The registry as references name it (see [`host::parse_target`]).
    pub registry: String,
    pub username: String,
    /// Use this account only for repositories under this namespace.
    pub namespace: Option<String>,
    /// Make this the registry's default account.
    pub make_default: bool,
    pub kind: SecretKind,
    pub secret: Sensitive<String>,
}

impl Login {
    /// The credentials a registry request sends.
    pub fn credentials(&self) -> Credentials {
        to_credentials(&self.username, self.kind, &self.secret)
    }

    fn check(&self) -> Result<(), CredentialsError> {
        if self.username.is_empty() || self.username.contains(':') {
            return Err(CredentialsError::InvalidUsername(self.username.clone()));
        }
        if self.secret.expose().is_empty() {
            return Err(CredentialsError::EmptySecret);
        }
        Ok(())
    }
}

fn to_credentials(username: &str, kind: SecretKind, secret: &Sensitive<String>) -> Credentials {
    match kind {
        SecretKind::Password => Credentials::Basic {
            username: username.to_string(),
            password: secret.clone(),
        },
        SecretKind::IdentityToken => Credentials::IdentityToken {
            token: secret.clone(),
        },
    }
}

/// The keychain plus the account list: what the CLI and the app use.
#[derive(Debug, Clone)]
pub struct Keychain {
    backend: Backend,
    accounts: AccountsFile,
}

impl Keychain {
    /// The OS keychain and the account list that belongs with this store home.
    pub fn open(home: &Home) -> Result<Keychain, CredentialsError> {
        Ok(Keychain {
            backend: Backend::Native,
            accounts: AccountsFile::for_home(home)?,
        })
    }

    /// Any backend and account file (tests use the in-memory backend).
    pub fn with_backend(backend: Backend, accounts: AccountsFile) -> Keychain {
        Keychain { backend, accounts }
    }

    pub fn accounts_file(&self) -> &AccountsFile {
        &self.accounts
    }

    /// Fails with [`CredentialsError::NoKeychain`] when no keychain answers; writes nothing.
    pub fn ensure_available(&self) -> Result<(), CredentialsError> {
        self.backend.probe()
    }

    /// Every saved account, sorted by registry then username. Never a secret.
    pub fn accounts(&self) -> Result<Vec<Account>, CredentialsError> {
        self.accounts.load()
    }

    /// The account `strata` uses for `repository` on `registry`: the one whose namespace
    /// scope matches most specifically, else the registry's default.
    pub fn account_for(
        &self,
        registry: &str,
        repository: &str,
    ) -> Result<Option<Account>, CredentialsError> {
        let registry = host::normalize_registry(registry);
        Ok(accounts::pick(&self.accounts.load()?, &registry, repository).cloned())
    }

    /// The credentials for `repository` on `registry` (see [`Keychain::account_for`]);
    /// `None` when no account applies or its secret is gone from the keychain.
    pub fn get(
        &self,
        registry: &str,
        repository: &str,
    ) -> Result<Option<Credentials>, CredentialsError> {
        match self.account_for(registry, repository)? {
            Some(account) => self.credentials(&account),
            None => Ok(None),
        }
    }

    /// The secret of one account, as credentials. `None` when the keychain has no entry.
    pub fn credentials(&self, account: &Account) -> Result<Option<Credentials>, CredentialsError> {
        let secret = self.backend.read(&account.registry, &account.username)?;
        Ok(secret.map(|s| to_credentials(&account.username, account.kind, &s)))
    }

    /// Saves a login that has been checked: the secret first, then the account entry. When
    /// the account list cannot be written, the secret is removed again, so that a failure
    /// leaves nothing behind.
    pub fn save(&self, login: &Login) -> Result<Account, CredentialsError> {
        login.check()?;
        let registry = host::normalize_registry(&login.registry);
        self.backend
            .write(&registry, &login.username, login.secret.expose())?;
        let account = Account {
            registry: registry.clone(),
            username: login.username.clone(),
            namespace: login.namespace.clone().filter(|n| !n.is_empty()),
            default: login.make_default,
            kind: login.kind,
        };
        match self.accounts.upsert(account) {
            Ok(saved) => Ok(saved),
            Err(e) => {
                if let Err(undo) = self.backend.delete(&registry, &login.username) {
                    tracing::warn!(error = %undo, "could not remove the secret after a failed save");
                }
                Err(e)
            }
        }
    }

    /// Makes an existing account the registry's default (no secret is touched).
    pub fn make_default(&self, registry: &str, username: &str) -> Result<(), CredentialsError> {
        let registry = host::normalize_registry(registry);
        if self.accounts.set_default(&registry, username)? {
            Ok(())
        } else {
            Err(CredentialsError::NotLoggedIn {
                registry,
                username: Some(username.to_string()),
            })
        }
    }

    /// Removes the accounts of `registry` (one username, or every one with `all`): the
    /// keychain entries first, then the list entries. Returns what was removed.
    pub fn remove(
        &self,
        registry: &str,
        username: Option<&str>,
        all: bool,
    ) -> Result<Vec<Account>, CredentialsError> {
        let registry = host::normalize_registry(registry);
        let known: Vec<Account> = self
            .accounts
            .load()?
            .into_iter()
            .filter(|a| a.registry == registry)
            .collect();
        let targets: Vec<String> = match username {
            Some(u) => vec![u.to_string()],
            None if all || known.len() <= 1 => known.iter().map(|a| a.username.clone()).collect(),
            None => {
                return Err(CredentialsError::Ambiguous {
                    registry,
                    usernames: known.iter().map(|a| a.username.clone()).collect(),
                })
            }
        };
        let mut removed = Vec::new();
        for user in &targets {
            // A secret with no list entry (e.g. the list was deleted) is removed too.
            let had_secret = self.backend.delete(&registry, user)?;
            let listed = known.iter().find(|a| &a.username == user).cloned();
            match listed {
                Some(account) => removed.push(account),
                None if had_secret => removed.push(Account {
                    registry: registry.clone(),
                    username: user.clone(),
                    namespace: None,
                    default: false,
                    kind: SecretKind::Password,
                }),
                None => {}
            }
        }
        if removed.is_empty() {
            return Err(CredentialsError::NotLoggedIn {
                registry,
                username: username.map(str::to_string),
            });
        }
        self.accounts.remove(&registry, &targets)?;
        Ok(removed)
    }

    /// Saves imported logins (the user has agreed). Not checked against the registries:
    /// import works offline, and a stale login shows at its first use.
    pub fn import(&self, found: &[FoundLogin]) -> Result<Vec<Account>, CredentialsError> {
        self.ensure_available()?;
        let mut saved = Vec::new();
        for f in found {
            saved.push(self.save(&Login {
                registry: f.registry.clone(),
                username: f.username.clone(),
                namespace: f.namespace.clone(),
                make_default: false,
                kind: f.kind,
                secret: f.secret.clone(),
            })?);
        }
        Ok(saved)
    }
}

/// Logs in: makes sure the keychain answers, checks the credentials against the registry,
/// then saves them. Any failure leaves the keychain and the account list as they were.
pub async fn login(
    keychain: &Keychain,
    login: &Login,
    transport: &crate::registry::RegistryOptions,
) -> Result<Account, CredentialsError> {
    login.check()?;
    keychain.ensure_available()?;
    verify::check(
        &login.registry,
        &login.username,
        &login.credentials(),
        transport,
    )
    .await?;
    keychain.save(login)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keychain(dir: &tempfile::TempDir) -> (Keychain, Backend) {
        let backend = Backend::memory();
        let file = AccountsFile::at(dir.path().join("accounts.json"));
        (Keychain::with_backend(backend.clone(), file), backend)
    }

    fn login(registry: &str, user: &str, pass: &str) -> Login {
        Login {
            registry: registry.into(),
            username: user.into(),
            namespace: None,
            make_default: false,
            kind: SecretKind::Password,
            secret: Sensitive::new(pass.into()),
        }
    }

    #[test]
    fn a_saved_login_is_found_for_any_repository_and_the_file_has_no_secret() {
        let dir = tempfile::tempdir().unwrap();
        let (kc, _) = keychain(&dir);
        kc.save(&login("Example.COM:5000", "ann", "pa55-word"))
            .unwrap();
        let creds = kc.get("example.com:5000", "team/app").unwrap().unwrap();
        assert_eq!(creds, Credentials::basic("ann", "pa55-word"));
        let text = std::fs::read_to_string(dir.path().join("accounts.json")).unwrap();
        assert!(!text.contains("pa55-word"), "{text}");
        assert!(text.contains("\"ann\""), "{text}");
        // The first account of a registry becomes its default.
        assert!(kc.accounts().unwrap()[0].default);
    }

    #[test]
    fn the_most_specific_account_wins() {
        let dir = tempfile::tempdir().unwrap();
        let (kc, _) = keychain(&dir);
        let reg = "registry.cn-hangzhou.aliyuncs.com";
        kc.save(&login(reg, "main@corp", "m")).unwrap();
        kc.save(&Login {
            namespace: Some("team".into()),
            ..login(reg, "ram-team", "t")
        })
        .unwrap();
        kc.save(&Login {
            namespace: Some("team/sub".into()),
            ..login(reg, "ram-sub", "s")
        })
        .unwrap();
        let user = |repo: &str| kc.account_for(reg, repo).unwrap().map(|a| a.username);
        assert_eq!(user("team/app").as_deref(), Some("ram-team"));
        assert_eq!(user("team/sub/app").as_deref(), Some("ram-sub"));
        assert_eq!(user("teamwork/app").as_deref(), Some("main@corp"));
        assert_eq!(user("other/app").as_deref(), Some("main@corp"));
        assert_eq!(kc.account_for("elsewhere.io", "team/app").unwrap(), None);
    }

    #[test]
    fn default_moves_with_the_flag_and_survives_a_logout() {
        let dir = tempfile::tempdir().unwrap();
        let (kc, backend) = keychain(&dir);
        kc.save(&login("r.io", "ann", "a")).unwrap();
        kc.save(&Login {
            make_default: true,
            ..login("r.io", "bob", "b")
        })
        .unwrap();
        let default = |kc: &Keychain| kc.account_for("r.io", "x/y").unwrap().unwrap().username;
        assert_eq!(default(&kc), "bob");
        // Two accounts: logout must be told which.
        let err = kc.remove("r.io", None, false).unwrap_err();
        assert_eq!(err.problem().code, "credentials.ambiguous");
        kc.remove("r.io", Some("bob"), false).unwrap();
        assert_eq!(default(&kc), "ann");
        assert!(backend.read("r.io", "bob").unwrap().is_none());
        kc.remove("r.io", None, false).unwrap();
        assert!(kc.accounts().unwrap().is_empty());
        let err = kc.remove("r.io", None, false).unwrap_err();
        assert_eq!(err.problem().code, "credentials.not_logged_in");
    }

    #[test]
    fn an_identity_token_comes_back_as_one() {
        let dir = tempfile::tempdir().unwrap();
        let (kc, _) = keychain(&dir);
        kc.save(&Login {
            kind: SecretKind::IdentityToken,
            ..login("docker.io", "<token>", "refresh-abc")
        })
        .unwrap();
        let creds = kc
            .get("index.docker.io", "library/alpine")
            .unwrap()
            .unwrap();
        assert_eq!(
            creds,
            Credentials::IdentityToken {
                token: Sensitive::new("refresh-abc".into())
            }
        );
    }

    #[test]
    fn a_failed_list_write_leaves_no_secret() {
        let dir = tempfile::tempdir().unwrap();
        let backend = Backend::memory();
        // A directory where the file should be: the list cannot be written.
        let path = dir.path().join("accounts.json");
        std::fs::create_dir_all(path.join("x")).unwrap();
        let kc = Keychain::with_backend(backend.clone(), AccountsFile::at(&path));
        let err = kc.save(&login("r.io", "ann", "secret-1")).unwrap_err();
        assert_eq!(err.problem().code, "credentials.accounts_file");
        assert!(backend.read("r.io", "ann").unwrap().is_none());
        assert!(!err.problem().to_string().contains("secret-1"));
    }

    #[test]
    fn bad_input_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let (kc, backend) = keychain(&dir);
        for (l, code) in [
            (login("r.io", "", "x"), "credentials.invalid_username"),
            (login("r.io", "a:b", "x"), "credentials.invalid_username"),
            (login("r.io", "ann", ""), "credentials.empty_secret"),
        ] {
            assert_eq!(kc.save(&l).unwrap_err().problem().code, code);
        }
        assert!(backend.is_empty());
        assert!(!dir.path().join("accounts.json").exists());
    }

    #[test]
    fn no_keychain_says_what_to_install() {
        let p = CredentialsError::NoKeychain {
            detail: "org.freedesktop.DBus.Error.ServiceUnknown".into(),
        }
        .problem();
        assert_eq!(p.code, "credentials.no_keychain");
        let hint = p.hint.unwrap();
        if cfg!(target_os = "linux") {
            assert!(hint.is(&HintKey::CredentialsInstallKeychain), "{hint:?}");
        } else {
            assert!(
                hint.is(&HintKey::CredentialsKeychainUnavailable),
                "{hint:?}"
            );
        }
    }
}

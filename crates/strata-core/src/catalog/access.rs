//! How a command reaches a registry: the saved registry's settings (insecure flag, extra
//! CA, preferred account) and credentials from `--creds` or, without it, the keychain
//! (module `credentials`). No account for the registry means anonymous access, without
//! touching the keychain, so that a machine with no keychain can still pull public images.

use super::registries::RegistriesFile;
use super::{saved_options, CatalogError};
use crate::credentials::{host, Keychain};
use crate::home::Home;
use crate::registry::mirrors::{self, Mirror};
use crate::registry::{Client, Credentials, RegistryOptions};
use crate::settings::SettingsFile;

/// What the user said on the command line (or the app's request) about access.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// Explicit credentials (`--creds`); `None`: the keychain's.
    pub credentials: Option<Credentials>,
    /// Allow plain HTTP or an unverified certificate, on top of the saved setting.
    pub insecure: bool,
}

/// The options for `repository` on `registry`: saved settings, then credentials (given,
/// else the saved registry's preferred account, else the keychain's most specific
/// account for the repository, else anonymous).
pub fn registry_options(
    home: &Home,
    registry: &str,
    repository: &str,
    access: &Access,
) -> Result<RegistryOptions, CatalogError> {
    let endpoint = host::normalize_registry(registry);
    let saved = RegistriesFile::for_home(home)?.by_endpoint(&endpoint)?;
    let saved = saved.as_ref();
    let mut options = saved_options(saved)?;
    options.insecure |= access.insecure;
    options.proxy = SettingsFile::current(home).proxy;
    options.credentials = match &access.credentials {
        Some(c) => c.clone(),
        None => keychain_credentials(
            home,
            &endpoint,
            repository,
            saved.and_then(|s| s.username.as_deref()),
        )?
        .unwrap_or_default(),
    };
    Ok(options)
}

/// How to reach `registry` without credentials: the saved registry's insecure flag and
/// extra CA, plus `insecure` from the command. A login check uses it, so that a registry
/// behind a private CA can be logged into exactly as it is later pulled from.
pub fn transport_options(
    home: &Home,
    registry: &str,
    insecure: bool,
) -> Result<RegistryOptions, CatalogError> {
    let endpoint = host::normalize_registry(registry);
    let saved = RegistriesFile::for_home(home)?.by_endpoint(&endpoint)?;
    let mut options = saved_options(saved.as_ref())?;
    options.insecure |= insecure;
    options.proxy = SettingsFile::current(home).proxy;
    Ok(options)
}

/// The mirrors to try before `registry` for reading `repository`, from the settings.
/// Each gets its own saved settings and only a login made to the mirror itself, never the
/// registry's credentials nor `--creds`.
pub fn mirrors(home: &Home, registry: &str, repository: &str) -> Result<Vec<Mirror>, CatalogError> {
    let settings = SettingsFile::current(home);
    mirrors::mirrors_of(&settings.mirrors, registry)
        .into_iter()
        .map(|(host, plain)| {
            let access = Access {
                credentials: None,
                insecure: plain,
            };
            Ok(Mirror {
                options: registry_options(home, &host, repository, &access)?,
                host,
            })
        })
        .collect()
}

/// Runs a read of `repository` (a tag list, a manifest) on each mirror of `registry` in
/// turn, then on the registry itself: the first answer wins, and a mirror that cannot be
/// reached or answers an error is passed over. Never for writes.
pub async fn read<T>(
    home: &Home,
    registry: &str,
    repository: &str,
    access: &Access,
    op: impl AsyncFn(&Client) -> Result<T, CatalogError>,
) -> Result<T, CatalogError> {
    for mirror in mirrors(home, registry, repository)? {
        let mut options = mirror.options;
        options.retries = Some(options.retries.unwrap_or(1).min(1));
        let attempt = match Client::connect(&mirror.host, &options).await {
            Ok(client) => op(&client).await,
            Err(e) => Err(e.into()),
        };
        match attempt {
            Ok(t) => return Ok(t),
            Err(CatalogError::Cancelled) => return Err(CatalogError::Cancelled),
            Err(e) => {
                tracing::warn!(mirror = %mirror.host, error = %e, "mirror failed, trying the next");
            }
        }
    }
    let client = connect(home, registry, repository, access).await?;
    op(&client).await
}

fn keychain_credentials(
    home: &Home,
    endpoint: &str,
    repository: &str,
    preferred: Option<&str>,
) -> Result<Option<Credentials>, CatalogError> {
    let keychain = Keychain::open(home)?;
    if let Some(user) = preferred {
        // A namespace-scoped account still wins inside its namespace.
        let best = keychain.account_for(endpoint, repository)?;
        let scoped = best.as_ref().is_some_and(|a| a.namespace.is_some());
        if !scoped {
            if let Some(account) = keychain
                .accounts()?
                .into_iter()
                .find(|a| a.registry == endpoint && a.username == user)
            {
                return Ok(keychain.credentials(&account)?);
            }
        }
    }
    Ok(keychain.get(endpoint, repository)?)
}

/// Connects to `registry` for work on `repository` (which picks the account).
pub async fn connect(
    home: &Home,
    registry: &str,
    repository: &str,
    access: &Access,
) -> Result<Client, CatalogError> {
    let options = registry_options(home, registry, repository, access)?;
    Ok(Client::connect(&host::normalize_registry(registry), &options).await?)
}

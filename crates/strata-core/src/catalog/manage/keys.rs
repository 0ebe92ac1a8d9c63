//! Cloud AccessKey pairs (ACR) in the OS keychain, the way registry passwords are kept:
//! one entry per registry with service `strata:cloud:<endpoint>` and the AccessKey ID as
//! account; the secret (and an STS token, when the pair is temporary) is the entry's
//! value. The ID, which is not a secret, is noted in the registry's `api` settings so that
//! the entry can be found; nothing else about the key is written to a file.

use serde::{Deserialize, Serialize};

use super::ManageError;
use crate::catalog::acs3::AccessKey;
use crate::catalog::registries::SavedRegistry;
use crate::credentials::Backend;
use crate::secret::Sensitive;

/// The keychain "registry" under which a registry's AccessKey is kept.
fn slot(endpoint: &str) -> String {
    format!("cloud:{endpoint}")
}

/// The entry's value: the secret and the STS token. Lives only in memory and the keychain.
#[derive(Serialize, Deserialize)]
struct Entry {
    secret: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    security_token: Option<String>,
}

/// Writes the pair for `endpoint`, replacing the one kept before.
pub fn save(endpoint: &str, key: &AccessKey) -> Result<(), ManageError> {
    let entry = Entry {
        secret: key.secret.expose().clone(),
        security_token: key.security_token.as_ref().map(|t| t.expose().clone()),
    };
    let value = Sensitive::new(serde_json::to_string(&entry).unwrap_or_default());
    Backend::Native.write(&slot(endpoint), &key.id, value.expose())?;
    Ok(())
}

/// Deletes the pair `id` of `endpoint`; false when there was none.
pub fn delete(endpoint: &str, id: &str) -> Result<bool, ManageError> {
    Ok(Backend::Native.delete(&slot(endpoint), id)?)
}

/// The pair saved for a registry.
pub fn load(saved: &SavedRegistry) -> Result<AccessKey, ManageError> {
    let missing = || ManageError::NoAccessKey {
        registry: saved.endpoint.clone(),
    };
    let id = saved
        .api
        .as_ref()
        .and_then(|a| a.access_key_id.clone())
        .ok_or_else(missing)?;
    let value = Backend::Native
        .read(&slot(&saved.endpoint), &id)?
        .ok_or_else(missing)?;
    let entry: Entry = serde_json::from_str(value.expose()).map_err(|_| missing())?;
    let key = AccessKey::new(id, entry.secret);
    Ok(match entry.security_token {
        Some(token) => key.with_security_token(token),
        None => key,
    })
}

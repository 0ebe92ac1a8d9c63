//! Cloud AccessKey pairs (ACR) in the OS keychain, the way registry passwords are kept.
//!
//! - A named cloud account ([`super::accounts`]): service `strata:cloud-account:<name>`,
//!   account = the AccessKey ID.
//! - Before accounts had names, one pair per registry: service `strata:cloud:<endpoint>`,
//!   account = the AccessKey ID noted in the registry's `api` settings. Still read, and
//!   deleted with the registry or when `cloud-login` moves the registry to an account.
//!
//! The entry's value is the secret (and an STS token, when the pair is temporary);
//! nothing else about the key is written to a file.

use serde::{Deserialize, Serialize};

use super::ManageError;
use crate::catalog::acs3::AccessKey;
use crate::catalog::registries::SavedRegistry;
use crate::credentials::Backend;
use crate::secret::Sensitive;

/// The keychain "registry" under which a registry's own pair (the older scheme) is kept.
fn registry_slot(endpoint: &str) -> String {
    format!("cloud:{endpoint}")
}

/// The keychain "registry" under which a named cloud account's pair is kept.
fn account_slot(name: &str) -> String {
    format!("cloud-account:{name}")
}

/// The entry's value: the secret and the STS token. Lives only in memory and the keychain.
#[derive(Serialize, Deserialize)]
struct Entry {
    secret: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    security_token: Option<String>,
}

fn write(slot: &str, key: &AccessKey) -> Result<(), ManageError> {
    let entry = Entry {
        secret: key.secret.expose().clone(),
        security_token: key.security_token.as_ref().map(|t| t.expose().clone()),
    };
    let value = Sensitive::new(serde_json::to_string(&entry).unwrap_or_default());
    Backend::Native.write(slot, &key.id, value.expose())?;
    Ok(())
}

fn read(slot: &str, id: &str) -> Result<Option<AccessKey>, ManageError> {
    let Some(value) = Backend::Native.read(slot, id)? else {
        return Ok(None);
    };
    let Ok(entry) = serde_json::from_str::<Entry>(value.expose()) else {
        return Ok(None);
    };
    let key = AccessKey::new(id, entry.secret);
    Ok(Some(match entry.security_token {
        Some(token) => key.with_security_token(token),
        None => key,
    }))
}

/// Writes the pair of the cloud account `name`, replacing the one kept before.
pub fn save_account(name: &str, key: &AccessKey) -> Result<(), ManageError> {
    write(&account_slot(name), key)
}

/// The pair of the cloud account `name` whose AccessKey ID is `id`; `None` when the
/// keychain has none.
pub fn load_account(name: &str, id: &str) -> Result<Option<AccessKey>, ManageError> {
    read(&account_slot(name), id)
}

/// Deletes the pair `id` of the cloud account `name`; false when there was none.
pub fn delete_account(name: &str, id: &str) -> Result<bool, ManageError> {
    Ok(Backend::Native.delete(&account_slot(name), id)?)
}

/// Deletes a registry's own pair `id` (the scheme before named accounts); false when
/// there was none.
pub fn delete(endpoint: &str, id: &str) -> Result<bool, ManageError> {
    Ok(Backend::Native.delete(&registry_slot(endpoint), id)?)
}

/// A registry's own pair (the scheme before named accounts), when the keychain has one.
pub fn load_registry_pair(saved: &SavedRegistry) -> Result<Option<AccessKey>, ManageError> {
    let Some(id) = saved.api.as_ref().and_then(|a| a.access_key_id.clone()) else {
        return Ok(None);
    };
    read(&registry_slot(&saved.endpoint), &id)
}

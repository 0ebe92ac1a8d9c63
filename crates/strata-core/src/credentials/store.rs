//! The keychain behind a small backend enum (as uv's `uv-auth/src/keyring.rs`): the OS
//! store, and an in-memory map that exists only in this crate's unit tests.
//!
//! **Never the mock.** The `keyring` crate silently keeps secrets in memory when it is
//! built without a platform feature. Here each platform's credential type is named
//! explicitly (`SsCredential`, `MacCredential`, `WinCredential`), and those types only
//! exist when the real store is compiled in, so a build without it fails to compile
//! instead of forgetting secrets at exit. On any other OS the native backend reports
//! [`CredentialsError::NoKeychain`].
//!
//! **Entries.** One entry per account: service `strata:<registry>`, account `<username>`.
//!
//! **Long secrets.** Windows' Credential Manager refuses a secret over 2,560 bytes
//! (`CRED_MAX_CREDENTIAL_BLOB_SIZE`, and `keyring` stores UTF-16, so 1,280 characters);
//! registry tokens (ACR's, GitHub's JWTs) can be longer. A secret over [`CHUNK_UNITS`]
//! UTF-16 units is stored, **on every platform** (so that the path Windows needs is the
//! one tested on Linux), as numbered parts `<username>:part1`…`:partN` (`:` cannot occur
//! in a username) plus a header in the main entry:
//! `strata-chunked:v1:<parts>:<sha256 of the secret>`. Parts are written before the
//! header and removed after it, and the hash catches a torn update. A short secret that
//! itself starts with the header prefix is stored chunked too, so the encoding is never
//! ambiguous.

use std::fmt;

use sha2::{Digest as _, Sha256};

use super::CredentialsError;
use crate::secret::Sensitive;

/// The most UTF-16 code units stored in one entry: 2,400 bytes, under Windows' 2,560.
pub const CHUNK_UNITS: usize = 1200;
const HEADER_PREFIX: &str = "strata-chunked:v1:";
/// The keychain service of a registry's accounts.
pub const SERVICE_PREFIX: &str = "strata:";

/// The keychain service for a registry: `strata:127.0.0.1:5000`.
pub fn service(registry: &str) -> String {
    format!("{SERVICE_PREFIX}{registry}")
}

fn part_user(username: &str, n: usize) -> String {
    format!("{username}:part{n}")
}

/// Where secrets go.
#[derive(Clone)]
pub enum Backend {
    /// The operating system's keychain.
    Native,
    /// A map in memory, for this module's unit tests only.
    #[cfg(test)]
    Memory(std::sync::Arc<std::sync::Mutex<MemoryMap>>),
}

/// The unit tests' keychain: (service, user) → secret.
#[cfg(test)]
type MemoryMap = std::collections::BTreeMap<(String, String), String>;

/// The unit tests' keychain, locked, and the key of (service, user) in it.
#[cfg(test)]
fn memory<'a>(
    m: &'a std::sync::Mutex<MemoryMap>,
    service: &str,
    user: &str,
) -> Result<(std::sync::MutexGuard<'a, MemoryMap>, (String, String)), Fault> {
    let map = m.lock().map_err(|_| Fault::Other("poisoned".into()))?;
    Ok((map, (service.to_string(), user.to_string())))
}

impl fmt::Debug for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Backend::Native => f.write_str("Native"),
            #[cfg(test)]
            Backend::Memory(_) => f.write_str("Memory"),
        }
    }
}

/// A keychain call's failure, before it is given context.
enum Fault {
    Unavailable(String),
    Locked(String),
    Other(String),
}

impl Fault {
    fn into_error(self, action: &str) -> CredentialsError {
        match self {
            Fault::Unavailable(detail) => CredentialsError::NoKeychain { detail },
            Fault::Locked(detail) => CredentialsError::Locked { detail },
            Fault::Other(detail) => CredentialsError::Keychain {
                action: action.to_string(),
                detail,
            },
        }
    }
}

impl Backend {
    #[cfg(test)]
    pub fn memory() -> Backend {
        Backend::Memory(Default::default())
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Backend::Memory(m) => m.lock().map(|m| m.is_empty()).unwrap_or(false),
            Backend::Native => false,
        }
    }

    /// Asks the keychain for an entry that does not exist: answers only if a keychain is
    /// there, and writes nothing.
    pub fn probe(&self) -> Result<(), CredentialsError> {
        self.get_raw(&service("probe"), "strata-probe")
            .map(|_| ())
            .map_err(|f| f.into_error("answer"))
    }

    /// The secret of (registry, username); `None` when there is none.
    pub fn read(
        &self,
        registry: &str,
        username: &str,
    ) -> Result<Option<Sensitive<String>>, CredentialsError> {
        let service = service(registry);
        let fail = |f: Fault| f.into_error("read a secret");
        let Some(main) = self.get_raw(&service, username).map_err(fail)? else {
            return Ok(None);
        };
        let Some((parts, hash)) = parse_header(&main) else {
            return Ok(Some(Sensitive::new(main)));
        };
        let corrupt = || CredentialsError::Corrupt {
            registry: registry.to_string(),
            username: username.to_string(),
        };
        let mut secret = String::new();
        for n in 1..=parts {
            let part = self
                .get_raw(&service, &part_user(username, n))
                .map_err(fail)?
                .ok_or_else(corrupt)?;
            secret.push_str(&part);
        }
        if hex::encode(Sha256::digest(secret.as_bytes())) != hash {
            return Err(corrupt());
        }
        Ok(Some(Sensitive::new(secret)))
    }

    /// Stores the secret of (registry, username), replacing any earlier one.
    pub fn write(
        &self,
        registry: &str,
        username: &str,
        secret: &str,
    ) -> Result<(), CredentialsError> {
        let service = service(registry);
        let fail = |f: Fault| f.into_error("save the secret");
        let old_parts = self.old_parts(&service, username).map_err(fail)?;
        let new_parts =
            if secret.encode_utf16().count() > CHUNK_UNITS || secret.starts_with(HEADER_PREFIX) {
                let parts = split(secret);
                for (i, part) in parts.iter().enumerate() {
                    self.set_raw(&service, &part_user(username, i + 1), part)
                        .map_err(fail)?;
                }
                let header = format!(
                    "{HEADER_PREFIX}{}:{}",
                    parts.len(),
                    hex::encode(Sha256::digest(secret.as_bytes()))
                );
                self.set_raw(&service, username, &header).map_err(fail)?;
                parts.len()
            } else {
                self.set_raw(&service, username, secret).map_err(fail)?;
                0
            };
        for n in new_parts + 1..=old_parts {
            self.delete_raw(&service, &part_user(username, n))
                .map_err(fail)?;
        }
        Ok(())
    }

    /// Deletes the secret of (registry, username) and its parts. `false`: there was none.
    pub fn delete(&self, registry: &str, username: &str) -> Result<bool, CredentialsError> {
        let service = service(registry);
        let fail = |f: Fault| f.into_error("delete the secret");
        let parts = self.old_parts(&service, username).map_err(fail)?;
        let existed = self.delete_raw(&service, username).map_err(fail)?;
        for n in 1..=parts {
            self.delete_raw(&service, &part_user(username, n))
                .map_err(fail)?;
        }
        Ok(existed)
    }

    /// How many parts the current entry has (0 for a plain or missing secret).
    fn old_parts(&self, service: &str, username: &str) -> Result<usize, Fault> {
        Ok(self
            .get_raw(service, username)?
            .as_deref()
            .and_then(parse_header)
            .map(|(n, _)| n)
            .unwrap_or(0))
    }

    fn get_raw(&self, service: &str, user: &str) -> Result<Option<String>, Fault> {
        match self {
            Backend::Native => native::get(service, user),
            #[cfg(test)]
            Backend::Memory(m) => {
                let (map, key) = memory(m, service, user)?;
                Ok(map.get(&key).cloned())
            }
        }
    }

    fn set_raw(&self, service: &str, user: &str, value: &str) -> Result<(), Fault> {
        match self {
            Backend::Native => native::set(service, user, value),
            #[cfg(test)]
            Backend::Memory(m) => {
                // Mirror Windows' limit so that the unit tests catch an oversized entry.
                if value.encode_utf16().count() * 2 > 2560 {
                    return Err(Fault::Other("entry too long for Windows".into()));
                }
                let (mut map, key) = memory(m, service, user)?;
                map.insert(key, value.to_string());
                Ok(())
            }
        }
    }

    fn delete_raw(&self, service: &str, user: &str) -> Result<bool, Fault> {
        match self {
            Backend::Native => native::delete(service, user),
            #[cfg(test)]
            Backend::Memory(m) => {
                let (mut map, key) = memory(m, service, user)?;
                Ok(map.remove(&key).is_some())
            }
        }
    }
}

/// `strata-chunked:v1:<n>:<sha256>` → (n, sha256).
fn parse_header(text: &str) -> Option<(usize, &str)> {
    let rest = text.strip_prefix(HEADER_PREFIX)?;
    let (n, hash) = rest.split_once(':')?;
    let n: usize = n.parse().ok()?;
    (n > 0 && hash.len() == 64).then_some((n, hash))
}

/// Splits at character boundaries into parts of at most [`CHUNK_UNITS`] UTF-16 units.
fn split(secret: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut units = 0;
    for (i, c) in secret.char_indices() {
        if units + c.len_utf16() > CHUNK_UNITS {
            parts.push(&secret[start..i]);
            start = i;
            units = 0;
        }
        units += c.len_utf16();
    }
    parts.push(&secret[start..]);
    parts
}

/// The OS keychain through `keyring`, with each platform's type named explicitly.
mod native {
    use super::Fault;

    #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
    fn entry(service: &str, user: &str) -> Result<keyring::Entry, Fault> {
        let mut cred = keyring::secret_service::SsCredential::new_with_target(None, service, user)
            .map_err(ops::fault)?;
        // What a person sees in Seahorse or KeePassXC.
        cred.label = format!(
            "Strata: {user} on {}",
            service.trim_start_matches(super::SERVICE_PREFIX)
        );
        Ok(keyring::Entry::new_with_credential(Box::new(cred)))
    }

    #[cfg(target_os = "macos")]
    fn entry(service: &str, user: &str) -> Result<keyring::Entry, Fault> {
        let cred = keyring::macos::MacCredential::new_with_target(None, service, user)
            .map_err(ops::fault)?;
        Ok(keyring::Entry::new_with_credential(Box::new(cred)))
    }

    #[cfg(target_os = "windows")]
    fn entry(service: &str, user: &str) -> Result<keyring::Entry, Fault> {
        let cred = keyring::windows::WinCredential::new_with_target(None, service, user)
            .map_err(ops::fault)?;
        Ok(keyring::Entry::new_with_credential(Box::new(cred)))
    }

    #[cfg(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "macos",
        target_os = "windows"
    ))]
    mod ops {
        use super::{entry, is_unreachable, Fault};

        pub fn get(service: &str, user: &str) -> Result<Option<String>, Fault> {
            match entry(service, user)?.get_password() {
                Ok(v) => Ok(Some(v)),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(fault(e)),
            }
        }

        pub fn set(service: &str, user: &str, value: &str) -> Result<(), Fault> {
            entry(service, user)?.set_password(value).map_err(fault)
        }

        pub fn delete(service: &str, user: &str) -> Result<bool, Fault> {
            match entry(service, user)?.delete_credential() {
                Ok(()) => Ok(true),
                Err(keyring::Error::NoEntry) => Ok(false),
                Err(e) => Err(fault(e)),
            }
        }

        /// Sorts `keyring`'s errors into "no keychain", "locked" and the rest. On Linux a
        /// missing Secret Service (or session bus) is a `PlatformFailure` from D-Bus.
        pub(super) fn fault(e: keyring::Error) -> Fault {
            match e {
                keyring::Error::NoStorageAccess(inner) => Fault::Locked(inner.to_string()),
                keyring::Error::PlatformFailure(inner) => {
                    let text = inner.to_string();
                    if is_unreachable(&text) {
                        Fault::Unavailable(text)
                    } else {
                        Fault::Other(text)
                    }
                }
                other => Fault::Other(other.to_string()),
            }
        }
    }

    /// D-Bus's words for "nobody provides the Secret Service" and "there is no bus".
    #[cfg_attr(
        not(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd")),
        allow(dead_code)
    )]
    pub(super) fn is_unreachable(text: &str) -> bool {
        [
            "ServiceUnknown",
            "org.freedesktop.secrets",
            "NameHasNoOwner",
            "DBUS_SESSION_BUS_ADDRESS",
            "autolaunch",
            "Failed to connect to socket",
            "NoServer",
            "FileNotFound",
            "Connection refused",
            "No such file or directory",
        ]
        .iter()
        .any(|needle| text.contains(needle))
    }

    #[cfg(not(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "macos",
        target_os = "windows"
    )))]
    mod ops {
        use super::Fault;
        fn none() -> Fault {
            Fault::Unavailable("Strata knows no keychain on this operating system".into())
        }
        pub fn get(_: &str, _: &str) -> Result<Option<String>, Fault> {
            Err(none())
        }
        pub fn set(_: &str, _: &str, _: &str) -> Result<(), Fault> {
            Err(none())
        }
        pub fn delete(_: &str, _: &str) -> Result<bool, Fault> {
            Err(none())
        }
    }

    pub use ops::{delete, get, set};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_10_kb_token_round_trips_in_parts_each_within_windows_limit() {
        let backend = Backend::memory();
        // A JWT-like token with a few non-ASCII characters at a part boundary.
        let token: String = (0..10 * 1024)
            .map(|i| {
                if i % 1199 == 0 {
                    'é'
                } else {
                    char::from(b'a' + (i % 26) as u8)
                }
            })
            .collect();
        backend.write("r.io", "ann", &token).unwrap();
        assert_eq!(
            backend.read("r.io", "ann").unwrap().unwrap().expose(),
            &token
        );
        let Backend::Memory(map) = &backend else {
            unreachable!()
        };
        let entries = map.lock().unwrap().clone();
        assert!(entries.len() > 8, "{}", entries.len());
        for ((service, _), value) in &entries {
            assert_eq!(service, "strata:r.io");
            assert!(value.encode_utf16().count() <= CHUNK_UNITS);
        }
        // Replaced by a short one: the parts go.
        backend.write("r.io", "ann", "short").unwrap();
        assert_eq!(
            backend.read("r.io", "ann").unwrap().unwrap().expose(),
            "short"
        );
        assert_eq!(map.lock().unwrap().len(), 1);
        assert!(backend.delete("r.io", "ann").unwrap());
        assert!(backend.is_empty());
        assert!(!backend.delete("r.io", "ann").unwrap());
    }

    #[test]
    fn a_secret_that_looks_like_a_header_is_kept_as_it_is() {
        let backend = Backend::memory();
        let tricky = format!("{HEADER_PREFIX}1:{}", "0".repeat(64));
        backend.write("r", "u", &tricky).unwrap();
        assert_eq!(backend.read("r", "u").unwrap().unwrap().expose(), &tricky);
    }

    #[test]
    fn a_torn_chunked_secret_is_reported_not_returned() {
        let backend = Backend::memory();
        backend.write("r", "u", &"x".repeat(5000)).unwrap();
        backend.set_raw(&service("r"), &part_user("u", 2), "y").ok();
        let err = backend.read("r", "u").unwrap_err();
        assert!(matches!(err, CredentialsError::Corrupt { .. }), "{err:?}");
    }

    #[test]
    fn splitting_respects_characters_and_the_limit() {
        let s = "𝄞".repeat(1000); // 2 UTF-16 units each
        let parts = split(&s);
        assert_eq!(parts.concat(), s);
        assert!(parts
            .iter()
            .all(|p| p.encode_utf16().count() <= CHUNK_UNITS));
        assert_eq!(split("abc"), vec!["abc"]);
    }

    #[test]
    fn dbus_errors_for_a_missing_secret_service_are_recognised() {
        assert!(native::is_unreachable(
            "org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided by any .service files"
        ));
        assert!(!native::is_unreachable("Item is locked"));
    }
}

//! Finds the logins docker and podman already have, for `strata login --import-docker`:
//!
//! - docker's `config.json` ([docker's file format]): `auths` entries with `auth`
//!   (base64 `user:password`), `username`/`password`, or `identitytoken`; `credHelpers`
//!   (one helper per registry) and `credsStore` (one helper for all), read through
//!   `docker-credential-<name> list` and `get` ([docker-credential-helpers protocol]:
//!   `get` reads the server URL on stdin and answers `{"ServerURL","Username","Secret"}`;
//!   the username `<token>` marks an identity token);
//! - podman's `auth.json` (same `auths` shape; keys may carry a namespace, `quay.io/org`,
//!   which becomes the account's namespace scope): `$REGISTRY_AUTH_FILE`,
//!   `$XDG_RUNTIME_DIR/containers/auth.json`, `~/.config/containers/auth.json`.
//!
//! Nothing is saved here: [`discover`] only reads, so the CLI and the app can show what
//! was found (never the secrets) and ask before [`super::Keychain::import`] saves it.
//! Precedence within a file follows docker: `credHelpers`, then `credsStore`, then inline
//! `auths`; the first login found for (registry, namespace, username) wins.
//!
//! [docker's file format]: https://docs.docker.com/reference/cli/docker/#credential-store-options
//! [docker-credential-helpers protocol]: https://github.com/docker/docker-credential-helpers

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::{host, CredentialsError, SecretKind};
use crate::secret::Sensitive;

/// A config larger than this is not a login file.
const MAX_BYTES: u64 = 16 * 1024 * 1024;
/// Docker's username for an identity token kept by a helper.
const TOKEN_USER: &str = "<token>";

/// A login found in a file or a helper. Serialises without its secret.
#[derive(Debug, Clone, Serialize)]
pub struct FoundLogin {
    pub registry: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub username: String,
    pub kind: SecretKind,
    /// Where it was found: a file path, or `docker-credential-NAME`.
    pub source: String,
    #[serde(skip)]
    pub secret: Sensitive<String>,
}

/// What [`discover`] found, plus what it had to skip and why (no secrets in either).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Discovery {
    pub found: Vec<FoundLogin>,
    pub skipped: Vec<String>,
}

#[derive(Deserialize, Default)]
struct ConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

#[derive(Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// The login files that exist on this machine: docker's (`$DOCKER_CONFIG/config.json`,
/// else `~/.docker/config.json`), then podman's.
pub fn import_sources() -> Vec<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
    let mut paths = Vec::new();
    match env("DOCKER_CONFIG") {
        Some(dir) => paths.push(dir.join("config.json")),
        None => paths.extend(home.as_ref().map(|h| h.join(".docker/config.json"))),
    }
    paths.extend(env("REGISTRY_AUTH_FILE"));
    paths.extend(env("XDG_RUNTIME_DIR").map(|d| d.join("containers/auth.json")));
    let config = env("XDG_CONFIG_HOME").or_else(|| home.as_ref().map(|h| h.join(".config")));
    paths.extend(config.map(|d| d.join("containers/auth.json")));
    let mut seen = Vec::new();
    paths.retain(|p| {
        p.is_file() && !seen.contains(p) && {
            seen.push(p.clone());
            true
        }
    });
    paths
}

/// Reads every file (a missing or broken file is an error: the user named it or it is
/// ours to read) and asks its helpers (a failing helper is skipped and reported).
pub fn discover(paths: &[PathBuf]) -> Result<Discovery, CredentialsError> {
    let mut out = Discovery::default();
    for path in paths {
        let config = read_config(path)?;
        from_config(path, &config, &mut out);
    }
    let mut seen = std::collections::HashSet::new();
    out.found
        .retain(|f| seen.insert((f.registry.clone(), f.namespace.clone(), f.username.clone())));
    Ok(out)
}

fn read_config(path: &Path) -> Result<ConfigFile, CredentialsError> {
    let fail = |reason: String| CredentialsError::ImportFile {
        path: path.to_path_buf(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(fail("it is too large to be a login file".into()));
    }
    // serde_json's message names a line and column, never the content.
    serde_json::from_slice(&bytes).map_err(|e| fail(format!("it is not valid JSON ({e})")))
}

fn from_config(path: &Path, config: &ConfigFile, out: &mut Discovery) {
    let source = path.display().to_string();
    for (server, helper) in &config.cred_helpers {
        match helper_get(helper, server) {
            Ok(Some(answer)) => push(
                out,
                server,
                answer.username,
                answer.secret,
                &helper_name(helper),
            ),
            Ok(None) => {}
            Err(e) => out.skipped.push(format!("{server}: {e}")),
        }
    }
    if let Some(store) = config.creds_store.as_deref().filter(|s| !s.is_empty()) {
        match helper_list(store) {
            Ok(servers) => {
                for server in servers {
                    match helper_get(store, &server) {
                        Ok(Some(answer)) => push(
                            out,
                            &server,
                            answer.username,
                            answer.secret,
                            &helper_name(store),
                        ),
                        Ok(None) => {}
                        Err(e) => out.skipped.push(format!("{server}: {e}")),
                    }
                }
            }
            Err(e) => out.skipped.push(e.to_string()),
        }
    }
    for (server, entry) in &config.auths {
        if let Some(token) = entry.identitytoken.as_deref().filter(|t| !t.is_empty()) {
            let user = decode_auth(entry.auth.as_deref())
                .map(|(u, _)| u)
                .or_else(|| entry.username.clone())
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| TOKEN_USER.to_string());
            push_kind(
                out,
                server,
                user,
                token.to_string(),
                SecretKind::IdentityToken,
                &source,
            );
        } else if let Some((user, pass)) = decode_auth(entry.auth.as_deref()) {
            push(out, server, user, pass, &source);
        } else if let (Some(user), Some(pass)) = (&entry.username, &entry.password) {
            push(out, server, user.clone(), pass.clone(), &source);
        } else if entry.auth.as_deref().is_some_and(|a| !a.is_empty()) {
            out.skipped.push(format!(
                "{server}: its `auth` is not base64 of USER:PASSWORD"
            ));
        }
        // An empty entry only marks a login kept by credsStore.
    }
}

fn helper_name(helper: &str) -> String {
    format!("docker-credential-{helper}")
}

fn push(out: &mut Discovery, server: &str, user: String, secret: String, source: &str) {
    let kind = if user == TOKEN_USER {
        SecretKind::IdentityToken
    } else {
        SecretKind::Password
    };
    push_kind(out, server, user, secret, kind, source);
}

fn push_kind(
    out: &mut Discovery,
    server: &str,
    username: String,
    secret: String,
    kind: SecretKind,
    source: &str,
) {
    let Ok((registry, namespace)) = host::parse_target(server) else {
        out.skipped.push(format!("{server}: not a registry name"));
        return;
    };
    // Docker Desktop keeps its own tokens under paths like `/v1/access-token`.
    if namespace
        .as_deref()
        .is_some_and(|ns| ns.starts_with("v1/") || ns.starts_with("v2/"))
    {
        return;
    }
    if username.is_empty() || username.contains(':') || secret.is_empty() {
        out.skipped.push(format!(
            "{server}: the login has an empty or invalid username or secret"
        ));
        return;
    }
    out.found.push(FoundLogin {
        registry,
        namespace,
        username,
        kind,
        source: source.to_string(),
        secret: Sensitive::new(secret),
    });
}

/// base64 `user:password` → (user, password).
fn decode_auth(auth: Option<&str>) -> Option<(String, String)> {
    let auth = auth?.trim();
    if auth.is_empty() {
        return None;
    }
    let engine = base64::engine::general_purpose::STANDARD;
    let bytes = engine
        .decode(auth)
        .or_else(|_| {
            base64::engine::general_purpose::STANDARD_NO_PAD.decode(auth.trim_end_matches('='))
        })
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, pass) = text.split_once(':')?;
    (!user.is_empty()).then(|| (user.to_string(), pass.to_string()))
}

fn helper_command(helper: &str) -> Result<Command, CredentialsError> {
    // A helper name picks a program on PATH; a path in it would run anything.
    if helper.is_empty()
        || !helper
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(CredentialsError::Helper {
            helper: helper.to_string(),
            reason: "the name is not a plain program name".into(),
        });
    }
    let mut cmd = Command::new(helper_name(helper));
    cmd.stderr(Stdio::piped()).stdout(Stdio::piped());
    Ok(cmd)
}

fn helper_fail(helper: &str, reason: impl Into<String>) -> CredentialsError {
    CredentialsError::Helper {
        helper: helper.to_string(),
        reason: reason.into(),
    }
}

/// The first line of a helper's complaint, short; helpers print errors, not secrets.
fn complaint(stdout: &[u8], stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(if stderr.is_empty() { stdout } else { stderr });
    let line = text.lines().next().unwrap_or("").trim();
    line.chars().take(200).collect()
}

fn spawn_error(helper: &str, e: std::io::Error) -> CredentialsError {
    if e.kind() == std::io::ErrorKind::NotFound {
        helper_fail(helper, format!("{} is not on PATH", helper_name(helper)))
    } else {
        helper_fail(helper, e.to_string())
    }
}

/// `docker-credential-X list` → the server URLs it keeps.
fn helper_list(helper: &str) -> Result<Vec<String>, CredentialsError> {
    let output = helper_command(helper)?
        .arg("list")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| spawn_error(helper, e))?;
    if !output.status.success() {
        return Err(helper_fail(
            helper,
            format!(
                "`list` failed: {}",
                complaint(&output.stdout, &output.stderr)
            ),
        ));
    }
    let map: BTreeMap<String, String> = serde_json::from_slice(&output.stdout)
        .map_err(|e| helper_fail(helper, format!("`list` did not answer JSON: {e}")))?;
    Ok(map.into_keys().collect())
}

/// `docker-credential-X get` with the server on stdin. `None`: it has no login for it.
fn helper_get(helper: &str, server: &str) -> Result<Option<HelperAnswer>, CredentialsError> {
    let mut child = helper_command(helper)?
        .arg("get")
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| spawn_error(helper, e))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading is judged by its exit status below.
        let _ = stdin.write_all(server.as_bytes());
    }
    let output = child
        .wait_with_output()
        .map_err(|e| helper_fail(helper, e.to_string()))?;
    if !output.status.success() {
        let why = complaint(&output.stdout, &output.stderr);
        if why.to_ascii_lowercase().contains("credentials not found") {
            return Ok(None);
        }
        return Err(helper_fail(helper, format!("`get` failed: {why}")));
    }
    let answer: HelperAnswer = serde_json::from_slice(&output.stdout)
        .map_err(|_| helper_fail(helper, "`get` did not answer the helper protocol's JSON"))?;
    Ok((!answer.secret.is_empty()).then_some(answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn inline_auths_of_docker_and_podman_are_found_without_showing_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let docker = write(
            dir.path(),
            "config.json",
            &serde_json::json!({
                "auths": {
                    "https://index.docker.io/v1/": {"auth": b64("ann:pw:1")},
                    "ghcr.io": {"auth": b64("bob:x"), "identitytoken": "id-tok"},
                    "marker.example": {},
                    "https://index.docker.io/v1/access-token": {"auth": b64("dd:internal")}
                },
                "psFormat": "table"
            })
            .to_string(),
        );
        let podman = write(
            dir.path(),
            "auth.json",
            &serde_json::json!({"auths": {"quay.io/org": {"auth": b64("cat:y")}}}).to_string(),
        );
        let d = discover(&[docker, podman]).unwrap();
        let got: Vec<_> = d
            .found
            .iter()
            .map(|f| {
                (
                    f.registry.as_str(),
                    f.namespace.as_deref(),
                    f.username.as_str(),
                    f.kind,
                    f.secret.expose().as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("ghcr.io", None, "bob", SecretKind::IdentityToken, "id-tok"),
                ("docker.io", None, "ann", SecretKind::Password, "pw:1"),
                ("quay.io", Some("org"), "cat", SecretKind::Password, "y"),
            ]
        );
        let shown = serde_json::to_string(&d).unwrap() + &format!("{d:?}");
        for secret in ["pw:1", "id-tok", "\"y\""] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn a_missing_helper_is_skipped_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write(
            dir.path(),
            "config.json",
            r#"{"credsStore":"strata-test-no-such-helper","credHelpers":{"x.io":"../evil"}}"#,
        );
        let d = discover(&[cfg]).unwrap();
        assert!(d.found.is_empty());
        assert_eq!(d.skipped.len(), 2, "{:?}", d.skipped);
        assert!(
            d.skipped.iter().any(|s| s.contains("not on PATH")),
            "{:?}",
            d.skipped
        );
        assert!(
            d.skipped
                .iter()
                .any(|s| s.contains("not a plain program name")),
            "{:?}",
            d.skipped
        );
    }

    #[test]
    fn a_broken_file_names_itself() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write(dir.path(), "config.json", "{ nope");
        let err = discover(&[cfg]).unwrap_err();
        assert!(err.to_string().contains("config.json"), "{err}");
    }
}

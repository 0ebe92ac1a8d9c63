//! Registry authentication ([distribution token auth], [OCI distribution spec §
//! authentication]): anonymous, Basic, and Bearer tokens fetched from the realm named in
//! the `WWW-Authenticate` challenge, one token per set of scopes, cached until it expires.
//!
//! Tokens come either from `GET realm?service=…&scope=…` (with Basic credentials when
//! there are some) or, when an identity token (Docker's `refresh_token`) is known, from
//! `POST realm` with `grant_type=refresh_token`, so that a password is not sent again.
//!
//! The realm is whatever the registry's challenge names, so it is checked before use
//! (`check_realm`): a registry served over HTTPS may not send us to a plain-HTTP realm
//! (the token, and any password, would cross the network in clear), and credentials go to a
//! realm on another host only over HTTPS. Plain HTTP between a registry and a realm that
//! are both on this machine is fine: nothing crosses a network.
//!
//! [distribution token auth]: https://distribution.github.io/distribution/spec/auth/token/
//! [OCI distribution spec § authentication]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::Deserialize;

use super::error::RegistryError;
use crate::secret::Sensitive;

/// How a registry is logged in to. Its `Debug` never shows a secret, and it does not
/// serialise: the keychain (`credentials` module) or `--creds` hand it over in memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// No login.
    #[default]
    Anonymous,
    /// Username and password (or an access token used as the password).
    Basic {
        username: String,
        password: Sensitive<String>,
    },
    /// Docker's identity token (`identitytoken` in `~/.docker/config.json`): a refresh
    /// token exchanged at the token server with `grant_type=refresh_token`.
    IdentityToken { token: Sensitive<String> },
}

impl Credentials {
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Credentials {
        Credentials::Basic {
            username: username.into(),
            password: Sensitive::new(password.into()),
        }
    }

    /// Parses `USER:PASS` as `--creds` takes it (the password may contain `:`).
    pub fn from_user_pass(text: &str) -> Option<Credentials> {
        let (user, pass) = text.split_once(':')?;
        if user.is_empty() {
            return None;
        }
        Some(Credentials::basic(user, pass))
    }

    pub fn is_anonymous(&self) -> bool {
        matches!(self, Credentials::Anonymous)
    }

    /// The `Authorization` value for Basic auth.
    pub(crate) fn basic_header(&self) -> Option<String> {
        match self {
            Credentials::Basic { username, password } => {
                let raw = format!("{username}:{}", password.expose());
                Some(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                ))
            }
            _ => None,
        }
    }
}

/// An access a token is asked for: `repository:ns/app:pull,push`, `registry:catalog:*`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope {
    pub kind: &'static str,
    pub name: String,
    pub actions: &'static str,
}

impl Scope {
    pub fn pull(repository: &str) -> Scope {
        Scope {
            kind: "repository",
            name: repository.to_string(),
            actions: "pull",
        }
    }
    pub fn push(repository: &str) -> Scope {
        Scope {
            kind: "repository",
            name: repository.to_string(),
            actions: "pull,push",
        }
    }
    /// Deleting a manifest needs its own action on most registries.
    pub fn delete(repository: &str) -> Scope {
        Scope {
            kind: "repository",
            name: repository.to_string(),
            actions: "delete",
        }
    }
    /// Listing the repositories of a registry (`/v2/_catalog`).
    pub fn catalog() -> Scope {
        Scope {
            kind: "registry",
            name: "catalog".into(),
            actions: "*",
        }
    }
    /// What a 403 denied, as a person reads it: `push to ns/app`.
    pub(crate) fn describe(scopes: &[Scope]) -> String {
        if scopes.is_empty() {
            return "the registry".into();
        }
        scopes
            .iter()
            .map(|s| match (s.kind, s.actions) {
                ("registry", _) => "the repository catalog".to_string(),
                (_, "pull") => format!("pull from {}", s.name),
                (_, "pull,push") => format!("push to {}", s.name),
                (_, a) => format!("{a} on {}", s.name),
            })
            .collect::<Vec<_>>()
            .join(" and ")
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.kind, self.name, self.actions)
    }
}

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
    },
}

/// Parses the challenge of a 401. Schemes other than Basic and Bearer give `None`.
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header
        .split_once(char::is_whitespace)
        .unwrap_or((header, ""));
    let params = parse_params(rest);
    match scheme.to_ascii_lowercase().as_str() {
        "basic" => Some(Challenge::Basic),
        "bearer" => Some(Challenge::Bearer {
            realm: params.get("realm")?.clone(),
            service: params.get("service").cloned(),
        }),
        _ => None,
    }
}

/// `key="value", key2=value2` with commas allowed inside quotes (scopes contain them).
fn parse_params(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=')).collect();
        if key.is_empty() || chars.next() != Some('=') {
            return out;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            value = std::iter::from_fn(|| chars.next_if(|c| *c != ',')).collect();
        }
        out.insert(key.trim().to_ascii_lowercase(), value.trim().to_string());
    }
}

/// A bearer token and when to stop using it.
#[derive(Clone)]
pub(crate) struct Token {
    pub value: Sensitive<String>,
    pub expires: Instant,
}

/// The token server's answer (both the `token` and the OAuth2 `access_token` spellings).
#[derive(Deserialize)]
struct TokenResponse {
    token: Option<String>,
    access_token: Option<String>,
    expires_in: Option<u64>,
    refresh_token: Option<String>,
}

/// The spec's default lifetime when the server gives none.
const DEFAULT_TOKEN_SECONDS: u64 = 60;
/// A token is renewed this long before it expires, so that it does not expire in flight.
const EXPIRY_MARGIN: Duration = Duration::from_secs(10);
const TOKEN_BODY_MAX: usize = 1024 * 1024;

/// Whether the token realm `realm` may be used for a registry reached at `registry` (its
/// base URL); `sends_secret` when the request carries credentials (a password or a refresh
/// token). `Err` says why not.
pub(crate) fn check_realm(
    registry: &url::Url,
    realm: &url::Url,
    sends_secret: bool,
) -> Result<(), String> {
    match realm.scheme() {
        "https" => return Ok(()),
        "http" => {}
        other => return Err(format!("its scheme `{other}` is neither https nor http")),
    }
    if on_this_machine(registry) && on_this_machine(realm) {
        return Ok(());
    }
    if registry.scheme() == "https" {
        return Err(
            "the registry is served over https but the token server over plain http, \
             where a token (and any password) would cross the network unencrypted"
                .into(),
        );
    }
    if sends_secret && realm.host_str() != registry.host_str() {
        return Err(
            "it is on another host than the registry and over plain http: credentials \
             go to another host only over https"
                .into(),
        );
    }
    Ok(())
}

fn on_this_machine(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// What a token request sends, and what it returns besides the token.
pub(crate) struct TokenRequest<'a> {
    pub registry: &'a str,
    /// How the registry is reached (`https://ghcr.io/`), which decides what realm is safe.
    pub base: &'a url::Url,
    pub realm: &'a str,
    pub service: Option<&'a str>,
    pub scopes: &'a [Scope],
    pub credentials: &'a Credentials,
    /// A refresh token from an earlier answer or an identity token.
    pub refresh: Option<&'a Sensitive<String>>,
}

/// Fetches a token. Returns it and, when the server sent one, a new refresh token.
pub(crate) async fn fetch_token(
    http: &reqwest::Client,
    req: TokenRequest<'_>,
) -> Result<(Token, Option<Sensitive<String>>), RegistryError> {
    let fail = |reason: String| RegistryError::Token {
        registry: req.registry.to_string(),
        realm: req.realm.to_string(),
        reason,
    };
    let realm = url::Url::parse(req.realm).map_err(|e| fail(format!("invalid realm: {e}")))?;
    let refresh = req.refresh.or(match req.credentials {
        Credentials::IdentityToken { token } => Some(token),
        _ => None,
    });
    let sends_secret = refresh.is_some() || !req.credentials.is_anonymous();
    check_realm(req.base, &realm, sends_secret).map_err(|reason| RegistryError::UnsafeRealm {
        registry: req.registry.to_string(),
        realm: req.realm.to_string(),
        reason,
    })?;
    let scope_text = req
        .scopes
        .iter()
        .map(Scope::to_string)
        .collect::<Vec<_>>()
        .join(" ");
    let builder = match refresh {
        Some(refresh) => {
            let mut form = vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh.expose().as_str()),
                ("client_id", "strata"),
            ];
            if let Some(service) = req.service {
                form.push(("service", service));
            }
            if !scope_text.is_empty() {
                form.push(("scope", scope_text.as_str()));
            }
            http.post(realm).form(&form)
        }
        None => {
            let mut url = realm;
            {
                let mut q = url.query_pairs_mut();
                if let Some(service) = req.service {
                    q.append_pair("service", service);
                }
                for scope in req.scopes {
                    q.append_pair("scope", &scope.to_string());
                }
                q.append_pair("client_id", "strata");
                if !req.credentials.is_anonymous() {
                    // Ask for a refresh token, so that later scopes are fetched with it
                    // rather than by sending the password again (and so that a login can
                    // keep it instead of the password, as Docker does).
                    q.append_pair("offline_token", "true");
                }
            }
            let mut b = http.get(url);
            if let Some(basic) = req.credentials.basic_header() {
                b = b.header(reqwest::header::AUTHORIZATION, basic);
            }
            b
        }
    };
    let started = Instant::now();
    let resp = builder
        .send()
        .await
        .map_err(|e| fail(super::http::describe_reqwest(&e)))?;
    let status = resp.status();
    if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
        return Err(RegistryError::Unauthorized {
            registry: req.registry.to_string(),
            with_credentials: !req.credentials.is_anonymous(),
        });
    }
    let body = super::http::read_capped(resp, TOKEN_BODY_MAX)
        .await
        .map_err(|e| fail(super::http::describe_reqwest(&e)))?;
    if !status.is_success() {
        return Err(fail(format!("it answered {status}")));
    }
    let parsed: TokenResponse = serde_json::from_slice(&body)
        .map_err(|e| fail(format!("the answer is not a token: {e}")))?;
    let value = parsed
        .token
        .or(parsed.access_token)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| fail("the answer holds no token".into()))?;
    let lifetime = Duration::from_secs(parsed.expires_in.unwrap_or(DEFAULT_TOKEN_SECONDS));
    let token = Token {
        value: Sensitive::new(value),
        expires: started + lifetime.saturating_sub(EXPIRY_MARGIN.min(lifetime / 2)),
    };
    Ok((token, parsed.refresh_token.map(Sensitive::new)))
}

/// The key a token is cached under: its scopes, sorted.
pub(crate) fn scope_key(scopes: &[Scope]) -> String {
    let mut v: Vec<String> = scopes.iter().map(Scope::to_string).collect();
    v.sort();
    v.dedup();
    v.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_challenges_with_commas_in_quotes() {
        for (header, want) in [
            (
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push""#,
                Some(Challenge::Bearer {
                    realm: "https://auth.docker.io/token".into(),
                    service: Some("registry.docker.io".into()),
                }),
            ),
            (
                r#"bearer realm=http://127.0.0.1:1/token"#,
                Some(Challenge::Bearer {
                    realm: "http://127.0.0.1:1/token".into(),
                    service: None,
                }),
            ),
            (r#"Basic realm="Registry Realm""#, Some(Challenge::Basic)),
            (r#"Negotiate abc"#, None),
            (r#"Bearer service="x""#, None),
        ] {
            assert_eq!(parse_challenge(header), want, "{header}");
        }
    }

    #[test]
    fn creds_split_at_the_first_colon_and_never_print() {
        let c = Credentials::from_user_pass("ann:pa:ss").unwrap();
        assert_eq!(c, Credentials::basic("ann", "pa:ss"));
        assert!(!format!("{c:?}").contains("pa:ss"));
        assert!(Credentials::from_user_pass("nopass").is_none());
        assert!(Credentials::from_user_pass(":x").is_none());
        assert_eq!(c.basic_header().unwrap(), "Basic YW5uOnBhOnNz");
    }

    #[test]
    fn scopes_key_is_order_independent() {
        let a = [Scope::push("a"), Scope::pull("b")];
        let b = [Scope::pull("b"), Scope::push("a")];
        assert_eq!(scope_key(&a), scope_key(&b));
        assert_eq!(scope_key(&a), "repository:a:pull,push repository:b:pull");
    }

    #[test]
    fn realms_are_checked_against_the_registry() {
        let url = |s: &str| url::Url::parse(s).unwrap();
        // (registry, realm, sends credentials, allowed)
        for (registry, realm, secret, ok) in [
            // HTTPS realms are always fine, on any host.
            ("https://ghcr.io/", "https://ghcr.io/token", true, true),
            (
                "https://registry-1.docker.io/",
                "https://auth.docker.io/token",
                true,
                true,
            ),
            (
                "http://10.0.0.5:5000/",
                "https://auth.example.com/token",
                true,
                true,
            ),
            // An HTTPS registry may not send anyone to plain HTTP.
            (
                "https://registry.example.com/",
                "http://registry.example.com/token",
                false,
                false,
            ),
            (
                "https://registry.example.com/",
                "http://auth.example.com/token",
                true,
                false,
            ),
            (
                "https://registry.example.com/",
                "http://127.0.0.1:8080/token",
                false,
                false,
            ),
            // A plain-HTTP registry: its own host may be plain HTTP too, with credentials;
            // another host only without them.
            (
                "http://10.0.0.5:5000/",
                "http://10.0.0.5:5001/token",
                true,
                true,
            ),
            (
                "http://10.0.0.5:5000/",
                "http://10.0.0.6/token",
                false,
                true,
            ),
            (
                "http://10.0.0.5:5000/",
                "http://10.0.0.6/token",
                true,
                false,
            ),
            (
                "http://10.0.0.5:5000/",
                "http://evil.example.com/token",
                true,
                false,
            ),
            // Registry and realm both on this machine (the tests' token issuer): fine.
            (
                "http://127.0.0.1:5000/",
                "http://127.0.0.1:40000/token",
                true,
                true,
            ),
            (
                "https://127.0.0.1:5000/",
                "http://localhost:40000/token",
                true,
                true,
            ),
            (
                "http://[::1]:5000/",
                "http://127.0.0.1:40000/token",
                true,
                true,
            ),
            // A loopback registry does not make a remote plain-HTTP realm safe.
            (
                "http://127.0.0.1:5000/",
                "http://evil.example.com/token",
                true,
                false,
            ),
            // Neither HTTPS nor HTTP.
            ("https://ghcr.io/", "ftp://ghcr.io/token", false, false),
        ] {
            let got = check_realm(&url(registry), &url(realm), secret);
            assert_eq!(got.is_ok(), ok, "{registry} {realm} {secret}: {got:?}");
        }
        let err = check_realm(
            &url("https://registry.example.com/"),
            &url("http://registry.example.com/token"),
            false,
        )
        .unwrap_err();
        assert!(err.contains("over plain http"), "{err}");
    }
}

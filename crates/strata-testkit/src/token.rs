//! A token issuer speaking Docker's token protocol, for a registry in token mode.
//!
//! - `GET /token?service=…&scope=…&account=…[&offline_token=true]` with optional Basic
//!   auth (<https://distribution.github.io/distribution/spec/auth/token/>);
//! - `POST /token` with an OAuth2 form, `grant_type=password` or
//!   `grant_type=refresh_token` (<https://distribution.github.io/distribution/spec/auth/oauth/>),
//!   which is how Docker turns a stored identity token into access tokens.
//!
//! Tokens are RS256 JWTs (see `jwt`) whose `access` claim holds only what the user's
//! [`Grant`](crate::user::Grant)s allow. Every request is logged (never a password) and
//! issued tokens are counted, so tests can assert that a client caches its tokens.

use std::collections::HashMap;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rand::distributions::{Alphanumeric, DistString};
use serde::Serialize;
use serde_json::json;

use crate::jwt;
pub use crate::jwt::JwtError;
use crate::user::User;

/// Why the issuer could not start.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(transparent)]
    Signing(#[from] JwtError),
    #[error("the token issuer could not listen on 127.0.0.1: {0}")]
    Listen(String),
}

/// How the issuer is set up.
#[derive(Debug, Clone)]
pub struct IssuerConfig {
    /// The `service` the registry names in its challenge; it is the tokens' `aud`.
    pub service: String,
    /// The tokens' `iss`, which the registry's `auth.token.issuer` must equal.
    pub issuer: String,
    /// `expires_in` of every token.
    pub ttl: Duration,
    /// The accounts.
    pub users: Vec<User>,
}

/// One entry of the `access` claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Access {
    /// `repository` or `registry`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Repository name, or `catalog`.
    pub name: String,
    /// Granted actions.
    pub actions: Vec<String>,
}

/// How a token request authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantKind {
    /// `GET` without an `Authorization` header.
    Anonymous,
    /// `GET` with Basic auth.
    Basic,
    /// `POST` with `grant_type=password`.
    Password,
    /// `POST` with `grant_type=refresh_token`.
    RefreshToken,
    /// Anything else (answered with 400).
    Other(String),
}

/// What the issuer saw and answered; never contains a password or a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// How it authenticated.
    pub grant: GrantKind,
    /// The user the request authenticated as (or claimed to be, when refused).
    pub account: Option<String>,
    /// The `service` parameter.
    pub service: Option<String>,
    /// The requested scopes, one per entry, as sent.
    pub scopes: Vec<String>,
    /// The HTTP status answered.
    pub status: u16,
    /// What the issued token allows (empty when refused).
    pub granted: Vec<Access>,
}

struct State {
    config: IssuerConfig,
    issued: AtomicUsize,
    log: Mutex<Vec<TokenRequest>>,
    /// refresh token → user name.
    refresh_tokens: Mutex<HashMap<String, String>>,
}

/// A running issuer; stops (and joins its thread) on drop.
pub struct TokenIssuer {
    /// `None` only while dropping.
    server: Option<Arc<tiny_http::Server>>,
    thread: Option<JoinHandle<()>>,
    state: Arc<State>,
    addr: SocketAddr,
}

impl std::fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenIssuer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl TokenIssuer {
    /// Listens on a free loopback port and serves on a thread.
    pub fn start(config: IssuerConfig) -> Result<Self, TokenError> {
        jwt::identity()?;
        let server = tiny_http::Server::http((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| TokenError::Listen(e.to_string()))?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| TokenError::Listen("not an IP address".into()))?;
        let server = Arc::new(server);
        let state = Arc::new(State {
            config,
            issued: AtomicUsize::new(0),
            log: Mutex::new(Vec::new()),
            refresh_tokens: Mutex::new(HashMap::new()),
        });
        let thread = {
            let server = Arc::clone(&server);
            let state = Arc::clone(&state);
            std::thread::Builder::new()
                .name("testkit-token-issuer".into())
                .spawn(move || {
                    for request in server.incoming_requests() {
                        handle(&state, request);
                    }
                })
                .map_err(|e| TokenError::Listen(e.to_string()))?
        };
        Ok(Self {
            server: Some(server),
            thread: Some(thread),
            state,
            addr,
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The `realm` of the registry's challenge: `http://127.0.0.1:PORT/token`.
    pub fn realm(&self) -> String {
        format!("http://{}/token", self.addr)
    }

    /// How many tokens it has issued so far.
    pub fn tokens_issued(&self) -> usize {
        self.state.issued.load(Ordering::SeqCst)
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<TokenRequest> {
        lock(&self.state.log).clone()
    }

    /// Forgets the log and the count (not the refresh tokens), e.g. between two phases of
    /// a test.
    pub fn clear_log(&self) {
        lock(&self.state.log).clear();
        self.state.issued.store(0, Ordering::SeqCst);
    }

    /// Makes every refresh token issued so far invalid, as a password change would.
    pub fn revoke_refresh_tokens(&self) {
        lock(&self.state.refresh_tokens).clear();
    }
}

impl Drop for TokenIssuer {
    fn drop(&mut self) {
        if let Some(server) = &self.server {
            server.unblock();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // tiny_http closes its listener from its own accept thread after the last handle
        // is dropped; wait for that, so that "dropped" means "port closed" for the tests.
        drop(self.server.take());
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_secs(2)
            && std::net::TcpStream::connect_timeout(&self.addr, Duration::from_millis(100)).is_ok()
        {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// A panic in one handler must not make every later request fail too.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The answer to one request, before it is logged and sent.
struct Outcome {
    status: u16,
    body: serde_json::Value,
    grant: GrantKind,
    account: Option<String>,
    service: Option<String>,
    scopes: Vec<String>,
    granted: Vec<Access>,
}

fn handle(state: &State, mut request: tiny_http::Request) {
    let method = request.method().to_string();
    let (path, query) = match request.url().split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (request.url().to_string(), String::new()),
    };
    let outcome = if path != "/token" {
        None
    } else if method == "GET" {
        let basic = basic_credentials(&request);
        Some(handle_get(state, &query, basic))
    } else if method == "POST" {
        let mut body = Vec::new();
        // Forms are small; the cap keeps a broken client from filling memory.
        let read = request.as_reader().take(64 * 1024).read_to_end(&mut body);
        Some(match read {
            Ok(_) => handle_post(state, &body),
            Err(e) => refusal(
                400,
                "invalid_request",
                &e.to_string(),
                GrantKind::Other(String::new()),
            ),
        })
    } else {
        None
    };
    let Some(outcome) = outcome else {
        let _ =
            request.respond(tiny_http::Response::from_string("not found").with_status_code(404));
        return;
    };
    lock(&state.log).push(TokenRequest {
        method,
        grant: outcome.grant,
        account: outcome.account,
        service: outcome.service,
        scopes: outcome.scopes,
        status: outcome.status,
        granted: outcome.granted,
    });
    let mut response =
        tiny_http::Response::from_string(outcome.body.to_string()).with_status_code(outcome.status);
    if let Ok(h) = tiny_http::Header::from_bytes("Content-Type", "application/json") {
        response = response.with_header(h);
    }
    if outcome.status == 401 {
        if let Ok(h) =
            tiny_http::Header::from_bytes("WWW-Authenticate", "Basic realm=\"strata-testkit\"")
        {
            response = response.with_header(h);
        }
    }
    let _ = request.respond(response);
}

fn refusal(status: u16, error: &str, description: &str, grant: GrantKind) -> Outcome {
    Outcome {
        status,
        body: json!({
            "error": error,
            "error_description": description,
            "errors": [{"code": "UNAUTHORIZED", "message": description}],
        }),
        grant,
        account: None,
        service: None,
        scopes: Vec::new(),
        granted: Vec::new(),
    }
}

fn basic_credentials(request: &tiny_http::Request) -> Option<Option<(String, String)>> {
    let header = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Authorization"))?;
    let value = header.value.as_str();
    let decoded = value
        .strip_prefix("Basic ")
        .and_then(|b64| STANDARD.decode(b64.trim()).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok());
    // Some(None): an Authorization header we cannot read, which is a refusal, not anonymous.
    Some(decoded.and_then(|pair| {
        pair.split_once(':')
            .map(|(u, p)| (u.to_string(), p.to_string()))
    }))
}

fn handle_get(state: &State, query: &str, basic: Option<Option<(String, String)>>) -> Outcome {
    let mut service = None;
    let mut scopes = Vec::new();
    let mut offline = false;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "service" => service = Some(value.into_owned()),
            "scope" => scopes.extend(value.split_whitespace().map(str::to_string)),
            "offline_token" => offline = value == "true",
            _ => {}
        }
    }
    let (grant, user) = match basic {
        None => (GrantKind::Anonymous, None),
        Some(None) => {
            return refusal(
                401,
                "invalid_client",
                "unreadable Basic credentials",
                GrantKind::Basic,
            )
        }
        Some(Some((name, password))) => match authenticate(state, &name, &password) {
            Some(user) => (GrantKind::Basic, Some(user)),
            None => {
                let mut out = refusal(
                    401,
                    "invalid_grant",
                    "wrong user name or password",
                    GrantKind::Basic,
                );
                out.account = Some(name);
                out.service = service;
                out.scopes = scopes;
                return out;
            }
        },
    };
    issue(state, grant, user, service, scopes, offline)
}

fn handle_post(state: &State, body: &[u8]) -> Outcome {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let service = form.get("service").cloned();
    let scopes: Vec<String> = form
        .get("scope")
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let grant_type = form.get("grant_type").cloned().unwrap_or_default();
    let grant = match grant_type.as_str() {
        "password" => GrantKind::Password,
        "refresh_token" => GrantKind::RefreshToken,
        other => GrantKind::Other(other.to_string()),
    };
    if form.get("client_id").is_none_or(|c| c.is_empty()) {
        // The OAuth2 spec of distribution makes client_id required; Docker sends "docker".
        return refusal(400, "invalid_request", "client_id is required", grant);
    }
    let user = match &grant {
        GrantKind::Password => {
            let name = form.get("username").cloned().unwrap_or_default();
            let password = form.get("password").cloned().unwrap_or_default();
            match authenticate(state, &name, &password) {
                Some(user) => user,
                None => {
                    let mut out =
                        refusal(401, "invalid_grant", "wrong user name or password", grant);
                    out.account = Some(name);
                    out.service = service;
                    out.scopes = scopes;
                    return out;
                }
            }
        }
        GrantKind::RefreshToken => {
            let token = form.get("refresh_token").cloned().unwrap_or_default();
            let owner = lock(&state.refresh_tokens).get(&token).cloned();
            match owner.and_then(|name| state.config.users.iter().find(|u| u.name == name).cloned())
            {
                Some(user) => user,
                None => {
                    let mut out = refusal(
                        401,
                        "invalid_grant",
                        "unknown or revoked refresh token",
                        grant,
                    );
                    out.service = service;
                    out.scopes = scopes;
                    return out;
                }
            }
        }
        _ => {
            return refusal(
                400,
                "unsupported_grant_type",
                "grant_type must be password or refresh_token",
                grant,
            )
        }
    };
    // A refresh grant keeps its refresh token; a password grant returns one when asked for
    // offline access, which is what `docker login` stores as the identity token.
    let offline = form.get("access_type").is_some_and(|a| a == "offline");
    let mut out = issue(
        state,
        grant.clone(),
        Some(user),
        service,
        scopes,
        offline && grant == GrantKind::Password,
    );
    if grant == GrantKind::RefreshToken && out.status == 200 {
        if let Some(token) = form.get("refresh_token") {
            out.body["refresh_token"] = json!(token);
        }
    }
    out
}

fn authenticate(state: &State, name: &str, password: &str) -> Option<User> {
    state
        .config
        .users
        .iter()
        .find(|u| u.name == name && u.password == password)
        .cloned()
}

/// `type:name:actions`; the name may itself contain `:` (a port), so split at both ends.
fn parse_scope(scope: &str) -> Option<(String, String, Vec<String>)> {
    let (kind, rest) = scope.split_once(':')?;
    let (name, actions) = rest.rsplit_once(':')?;
    let actions = actions
        .split(',')
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect();
    Some((kind.to_string(), name.to_string(), actions))
}

fn granted_access(user: Option<&User>, scopes: &[String]) -> Vec<Access> {
    let Some(user) = user else {
        // Anonymous requests get a token with no access, as public registries do for
        // private repositories; the registry then answers 401 with the scope it wants.
        return Vec::new();
    };
    let mut out = Vec::new();
    for scope in scopes {
        let Some((kind, name, requested)) = parse_scope(scope) else {
            continue;
        };
        let actions = match kind.as_str() {
            "repository" => user.allowed_actions(&name, &requested),
            "registry" if name == "catalog" && user.catalog => {
                requested.into_iter().filter(|a| a == "*").collect()
            }
            _ => Vec::new(),
        };
        if !actions.is_empty() {
            out.push(Access {
                kind,
                name,
                actions,
            });
        }
    }
    out
}

fn issue(
    state: &State,
    grant: GrantKind,
    user: Option<User>,
    service: Option<String>,
    scopes: Vec<String>,
    with_refresh_token: bool,
) -> Outcome {
    if let Some(s) = &service {
        if *s != state.config.service {
            let mut out = refusal(400, "invalid_request", "unknown service", grant);
            out.account = user.map(|u| u.name);
            out.service = service;
            out.scopes = scopes;
            return out;
        }
    }
    let identity = match jwt::identity() {
        Ok(identity) => identity,
        Err(e) => return refusal(500, "server_error", &e.to_string(), grant),
    };
    let granted = granted_access(user.as_ref(), &scopes);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let ttl = state.config.ttl.as_secs();
    let claims = json!({
        "iss": state.config.issuer,
        "sub": user.as_ref().map(|u| u.name.as_str()).unwrap_or(""),
        "aud": state.config.service,
        "exp": now + ttl,
        "nbf": now,
        "iat": now,
        "jti": Alphanumeric.sample_string(&mut rand::thread_rng(), 24),
        "access": granted,
    });
    let token = identity.sign(&claims);
    let mut body = json!({
        "token": token,
        "access_token": token,
        "expires_in": ttl,
        "issued_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    if let (true, Some(user)) = (with_refresh_token, &user) {
        let refresh = Alphanumeric.sample_string(&mut rand::thread_rng(), 40);
        lock(&state.refresh_tokens).insert(refresh.clone(), user.name.clone());
        body["refresh_token"] = json!(refresh);
    }
    state.issued.fetch_add(1, Ordering::SeqCst);
    Outcome {
        status: 200,
        body,
        grant,
        account: user.map(|u| u.name),
        service,
        scopes,
        granted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_with_a_port_in_the_name_keeps_the_name_whole() {
        let (kind, name, actions) =
            parse_scope("repository:localhost:5000/app:pull,push").expect("parses");
        assert_eq!(kind, "repository");
        assert_eq!(name, "localhost:5000/app");
        assert_eq!(actions, vec!["pull", "push"]);
    }

    #[test]
    fn anonymous_gets_no_access_and_catalog_needs_the_flag() {
        let scopes = vec!["registry:catalog:*".to_string()];
        assert!(granted_access(None, &scopes).is_empty());
        let user = User::new("a", "b");
        assert_eq!(granted_access(Some(&user), &scopes).len(), 1);
        let user = user.without_catalog();
        assert!(granted_access(Some(&user), &scopes).is_empty());
    }
}

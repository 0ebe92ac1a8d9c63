//! A local Alibaba Cloud Container Registry management API on a loopback port, so that
//! Strata's ACR provider (V3-signed calls, paging, create/delete, temporary logins) is
//! exercised end to end without an Alibaba Cloud account.
//!
//! One server answers both editions, told apart by `x-acs-version`:
//! - **Personal Edition**, API 2016-06-07, path style on `cr.<region>.aliyuncs.com`
//!   (`acr/personal.rs`): namespaces, repositories, tags, and `GET /tokens`;
//! - **Enterprise Edition**, API 2018-12-01, RPC style: `x-acs-action`, parameters in the
//!   query (`acr/enterprise.rs`): instances and their endpoints, namespaces, repositories
//!   by `RepoId`, tags, `GetAuthorizationToken`.
//!
//! Every request must carry a valid `ACS3-HMAC-SHA256` signature made with the AccessKey
//! the server was given (`acr/verify.rs`): a wrong secret, an `x-acs-date` more than 15
//! minutes off, or a nonce seen before is refused with the API's own error codes
//! ([`code`]).
//!
//! The temporary login that `/tokens` and `GetAuthorizationToken` hand out is minted when
//! the server starts ([`AcrServer::temporary_login`]), because distribution 2.8 reads its
//! htpasswd file once at start: give that [`User`] to
//! [`Registry::start`](crate::registry::Registry::start) and the password a client gets
//! from the API logs in to a real registry.
//!
//! ```no_run
//! use strata_testkit::acr::{AcrConfig, AcrServer};
//! use strata_testkit::registry::{Auth, Registry};
//!
//! let acr = AcrServer::start(AcrConfig::new("LTAI-test", "secret"))?;
//! let registry = Registry::start(Auth::Htpasswd { users: vec![acr.temporary_login()] })?;
//! println!("API on {}, registry on {}", acr.url(), registry.host());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::Utc;
use rand::distributions::{Alphanumeric, DistString};
use serde_json::Value;

use crate::user::User;

mod enterprise;
mod error;
mod personal;
mod store;
mod verify;

pub use error::code;
pub use store::Tag;

use error::ApiError;
use store::Store;
use verify::{Credential, Incoming, Nonces};

/// `x-acs-version` of the Personal Edition API.
pub const PERSONAL_VERSION: &str = "2016-06-07";
/// `x-acs-version` of the Enterprise Edition API.
pub const ENTERPRISE_VERSION: &str = "2018-12-01";
/// The user name temporary logins carry, as ACR's do.
pub const TEMP_USERNAME: &str = "cr_temp_user";
/// Bodies larger than this are refused; management calls are small.
const MAX_BODY: u64 = 64 * 1024;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum AcrError {
    #[error("the ACR API server could not listen on 127.0.0.1: {0}")]
    Listen(String),
}

/// An Enterprise Edition instance the server knows.
#[derive(Debug, Clone)]
pub struct Instance {
    /// `cri-…`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Registry domain of the internet endpoint; `<name>-registry.<region>.cr.aliyuncs.com`
    /// when empty. A test points it at its real registry (`127.0.0.1:PORT`).
    pub internet_domain: String,
    /// Registry domain of the VPC endpoint; `<name>-registry-vpc.<region>.cr.aliyuncs.com`
    /// when empty.
    pub vpc_domain: String,
}

impl Instance {
    /// An instance with the default domains.
    pub fn new(id: &str, name: &str) -> Self {
        Self {
            id: id.to_string(),
            name: name.to_string(),
            internet_domain: String::new(),
            vpc_domain: String::new(),
        }
    }

    /// The registry domain of its internet endpoint.
    pub fn internet_domain(mut self, domain: &str) -> Self {
        self.internet_domain = domain.to_string();
        self
    }
}

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct AcrConfig {
    /// The only AccessKey ID accepted.
    pub access_key_id: String,
    /// Its secret, the HMAC key.
    pub access_key_secret: String,
    /// When set, requests must carry this `x-acs-security-token` (an STS key).
    pub security_token: Option<String>,
    /// `cn-hangzhou` by default.
    pub region: String,
    /// The Personal Edition registry domain (`repoDomainList.public`);
    /// `registry.<region>.aliyuncs.com` when empty.
    pub personal_domain: String,
    /// Enterprise Edition instances; one, `cri-testkit000001`, by default.
    pub instances: Vec<Instance>,
    /// How long a temporary login is said to last (`expireDate`), one hour by default.
    pub token_ttl: Duration,
    /// Allowed distance between `x-acs-date` and the server's clock: 15 minutes.
    pub date_window: Duration,
}

impl AcrConfig {
    /// The defaults, accepting this AccessKey pair.
    pub fn new(access_key_id: &str, access_key_secret: &str) -> Self {
        Self {
            access_key_id: access_key_id.to_string(),
            access_key_secret: access_key_secret.to_string(),
            security_token: None,
            region: "cn-hangzhou".into(),
            personal_domain: String::new(),
            instances: vec![Instance::new("cri-testkit000001", "testkit")],
            token_ttl: Duration::from_secs(3600),
            date_window: Duration::from_secs(15 * 60),
        }
    }

    /// Requires an STS token with every request.
    pub fn security_token(mut self, token: &str) -> Self {
        self.security_token = Some(token.to_string());
        self
    }

    /// Replaces the Enterprise Edition instances.
    pub fn instances(mut self, instances: Vec<Instance>) -> Self {
        self.instances = instances;
        self
    }

    /// The Personal Edition registry domain.
    pub fn personal_domain(mut self, domain: &str) -> Self {
        self.personal_domain = domain.to_string();
        self
    }

    fn api_host(&self) -> String {
        format!("cr.{}.aliyuncs.com", self.region)
    }
}

/// Which content a call or an assertion is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The Personal Edition account.
    Personal,
    /// An Enterprise Edition instance, by ID.
    Instance(String),
}

/// One request as the server judged it; never a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcrCall {
    /// HTTP method.
    pub method: String,
    /// Request target as sent (encoded path and query).
    pub target: String,
    /// `x-acs-action`, when sent.
    pub action: Option<String>,
    /// HTTP status answered.
    pub status: u16,
    /// The error code, when refused (in band or not).
    pub code: Option<String>,
}

pub(crate) struct State {
    config: AcrConfig,
    credential: Credential,
    login: User,
    personal: Mutex<Store>,
    instances: Mutex<BTreeMap<String, Store>>,
    nonces: Mutex<Nonces>,
    log: Mutex<Vec<AcrCall>>,
    tokens_issued: AtomicUsize,
}

impl State {
    fn new(config: AcrConfig) -> Self {
        let credential = Credential {
            id: config.access_key_id.clone(),
            secret: config.access_key_secret.clone(),
            security_token: config.security_token.clone(),
        };
        let password = Alphanumeric.sample_string(&mut rand::thread_rng(), 40);
        let instances = config
            .instances
            .iter()
            .map(|i| (i.id.clone(), Store::default()))
            .collect();
        Self {
            config,
            credential,
            login: User::new(TEMP_USERNAME, &password),
            personal: Mutex::new(Store::default()),
            instances: Mutex::new(instances),
            nonces: Mutex::new(Nonces::default()),
            log: Mutex::new(Vec::new()),
            tokens_issued: AtomicUsize::new(0),
        }
    }

    /// The temporary login, counted as issued, and when it is said to expire (ms).
    pub(crate) fn issue_token(&self) -> (&User, i64) {
        self.tokens_issued.fetch_add(1, Ordering::SeqCst);
        let ttl = i64::try_from(self.config.token_ttl.as_millis()).unwrap_or(i64::MAX);
        (&self.login, now_ms().saturating_add(ttl))
    }

    /// Runs `f` on the content of `scope`; `None` for an unknown instance.
    fn with_store<T>(&self, scope: &Scope, f: impl FnOnce(&mut Store) -> T) -> Option<T> {
        match scope {
            Scope::Personal => Some(f(&mut lock(&self.personal))),
            Scope::Instance(id) => lock(&self.instances).get_mut(id).map(f),
        }
    }
}

/// A running server; stops (and joins its thread) on drop.
pub struct AcrServer {
    /// `None` only while dropping.
    server: Option<Arc<tiny_http::Server>>,
    thread: Option<JoinHandle<()>>,
    state: Arc<State>,
    addr: SocketAddr,
}

impl std::fmt::Debug for AcrServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AcrServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl AcrServer {
    /// Listens on a free loopback port and serves on a thread.
    pub fn start(config: AcrConfig) -> Result<Self, AcrError> {
        let server = tiny_http::Server::http((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| AcrError::Listen(e.to_string()))?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| AcrError::Listen("not an IP address".into()))?;
        let server = Arc::new(server);
        let state = Arc::new(State::new(config));
        let thread = {
            let server = Arc::clone(&server);
            let state = Arc::clone(&state);
            std::thread::Builder::new()
                .name("testkit-acr-api".into())
                .spawn(move || {
                    for request in server.incoming_requests() {
                        serve(&state, request);
                    }
                })
                .map_err(|e| AcrError::Listen(e.to_string()))?
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

    /// `127.0.0.1:PORT`: the `Host` header clients send, and so the one they sign.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// `http://127.0.0.1:PORT`, what a client's `--api-endpoint` points at.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The login every temporary token is: `cr_temp_user` and a password minted at start.
    /// Give it to a test registry so that the token a client fetches logs in there.
    pub fn temporary_login(&self) -> User {
        self.state.login.clone()
    }

    /// How many temporary logins were handed out.
    pub fn tokens_issued(&self) -> usize {
        self.state.tokens_issued.load(Ordering::SeqCst)
    }

    /// Every request so far, oldest first.
    pub fn calls(&self) -> Vec<AcrCall> {
        lock(&self.state.log).clone()
    }

    /// Namespace names in `scope`, sorted (empty for an unknown instance).
    pub fn namespaces(&self, scope: &Scope) -> Vec<String> {
        self.state
            .with_store(scope, |s| {
                s.namespaces().iter().map(|n| n.name.clone()).collect()
            })
            .unwrap_or_default()
    }

    /// Repository names (`namespace/name`) in `scope`, sorted.
    pub fn repositories(&self, scope: &Scope) -> Vec<String> {
        self.state
            .with_store(scope, |s| {
                s.repos(None)
                    .iter()
                    .map(|r| format!("{}/{}", r.namespace, r.name))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Adds or replaces a tag, as a push would; false when the repository is unknown.
    pub fn put_tag(&self, scope: &Scope, namespace: &str, repo: &str, tag: Tag) -> bool {
        self.state
            .with_store(scope, |s| s.put_tag(namespace, repo, tag).is_ok())
            .unwrap_or(false)
    }
}

impl Drop for AcrServer {
    fn drop(&mut self) {
        if let Some(server) = &self.server {
            server.unblock();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // tiny_http closes its listener from its own thread once the last handle is
        // gone; wait for that, so that "dropped" means "port closed".
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
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// A request ID in the API's shape: uppercase hex, 8-4-4-4-12.
fn request_id() -> String {
    let hex = hex::encode_upper(rand::random::<[u8; 16]>());
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The answer to one request, before it is logged and sent.
struct Answer {
    status: u16,
    body: Value,
    code: Option<String>,
}

fn serve(state: &State, mut request: tiny_http::Request) {
    let method = request.method().to_string();
    let target = request.url().to_string();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|h| (h.field.to_string(), h.value.to_string()))
        .collect();
    let mut body = Vec::new();
    let read = request
        .as_reader()
        .take(MAX_BODY + 1)
        .read_to_end(&mut body);
    let incoming = Incoming {
        method: &method,
        target: &target,
        headers: &headers,
        body: &body,
    };
    let answer = match read {
        Ok(n) if n as u64 > MAX_BODY => personal_error(&ApiError::gateway(
            413,
            code::INVALID_PARAMETER,
            "the request body is too large",
        )),
        Ok(_) => answer(state, &incoming),
        Err(e) => personal_error(&ApiError::gateway(
            400,
            code::INVALID_PARAMETER,
            e.to_string(),
        )),
    };
    lock(&state.log).push(AcrCall {
        method,
        target,
        action: verify::header(&headers, "x-acs-action").map(str::to_string),
        status: answer.status,
        code: answer.code.clone(),
    });
    respond(request, answer);
}

/// Gateway checks, then the edition that `x-acs-version` names.
fn answer(state: &State, incoming: &Incoming<'_>) -> Answer {
    let enterprise = verify::header(incoming.headers, "x-acs-version") == Some(ENTERPRISE_VERSION);
    let verified = {
        let mut nonces = lock(&state.nonces);
        verify::verify(
            incoming,
            &state.credential,
            &mut nonces,
            Utc::now(),
            state.config.date_window,
        )
    };
    let result = verified.and_then(|call| match call.version.as_str() {
        PERSONAL_VERSION => personal::handle(state, incoming.method, &call, incoming.body),
        ENTERPRISE_VERSION => enterprise::handle(state, &call, incoming),
        _ => Err(ApiError::gateway(
            400,
            code::INVALID_VERSION,
            "Specified parameter Version is not valid.",
        )),
    });
    let request_id = request_id();
    match (result, enterprise) {
        (Ok(data), false) => ok(serde_json::json!({ "data": data, "requestId": request_id })),
        (Ok(mut body), true) => {
            body["Code"] = "success".into();
            body["IsSuccess"] = true.into();
            body["RequestId"] = request_id.into();
            ok(body)
        }
        (Err(e), false) => personal_error_with_id(&e, &request_id),
        (Err(e), true) => {
            let (status, body) = e.enterprise_body(&request_id, &state.config.api_host());
            Answer {
                status,
                body,
                code: Some(e.code.to_string()),
            }
        }
    }
}

fn ok(body: Value) -> Answer {
    Answer {
        status: 200,
        body,
        code: None,
    }
}

fn personal_error(e: &ApiError) -> Answer {
    personal_error_with_id(e, &request_id())
}

fn personal_error_with_id(e: &ApiError, request_id: &str) -> Answer {
    let (status, body) = e.personal_body(request_id);
    Answer {
        status,
        body,
        code: Some(e.code.to_string()),
    }
}

fn respond(request: tiny_http::Request, answer: Answer) {
    let mut response =
        tiny_http::Response::from_string(answer.body.to_string()).with_status_code(answer.status);
    if let Ok(h) = tiny_http::Header::from_bytes("Content-Type", "application/json;charset=utf-8") {
        response = response.with_header(h);
    }
    let _ = request.respond(response);
}

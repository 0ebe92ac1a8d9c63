//! One registry's HTTP session ([OCI distribution spec § API]): how to reach it (HTTPS, or
//! plain HTTP for loopback and `insecure` registries), its auth challenge and cached
//! tokens, and `Client::send`, which every request goes through: it adds the
//! `Authorization` header (only for the registry's own host: a blob redirected to object
//! storage gets none), follows redirects by hand, renews a token once on 401, turns
//! 401/403 into errors that say what was refused, and retries connection failures, 5xx
//! and 429 with exponential backoff that honours `Retry-After`.
//!
//! [OCI distribution spec § API]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#api

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, LOCATION};
use reqwest::{Method, Response, StatusCode};
use url::Url;

use super::auth::{self, Challenge, Credentials, Scope, Token};
use super::error::{parse_error_body, RegistryError, ERROR_BODY_MAX};
use super::http::{backoff, describe_reqwest, is_tls_error, proxy_for, read_capped};
use super::nearby::is_nearby_address;
use super::paging::Pager;
use crate::digest::Digest;
use crate::secret::Sensitive;

/// Per-registry settings: what the `catalog` module keeps for each registry, or what
/// the command line's flags say.
#[derive(Clone, Debug, Default)]
pub struct RegistryOptions {
    pub credentials: Credentials,
    /// Allow plain HTTP and unverified certificates for a registry that is not on
    /// this machine (loopback registries may always use HTTP, as Docker allows).
    pub insecure: bool,
    /// An extra CA (PEM, one or more certificates) trusted for this registry on top of
    /// the system's roots.
    pub extra_ca_pem: Option<Vec<u8>>,
    /// How many times a failed request (connection, 5xx, 429) is retried. `None`: 5.
    pub retries: Option<u32>,
    /// The proxy from Settings; `None`: the environment's (`HTTPS_PROXY`, `NO_PROXY`…).
    pub proxy: Option<crate::settings::ProxySettings>,
}

const DEFAULT_RETRIES: u32 = 5;
const MAX_REDIRECTS: usize = 5;
/// Manifests and indexes larger than this are refused (real ones are kilobytes).
pub const MANIFEST_MAX: usize = 4 * 1024 * 1024;

/// Every manifest type Strata reads, plus schema 1 so that it can be recognised and
/// refused with a clear message rather than a 404.
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.v2+json;q=0.9, \
application/vnd.docker.distribution.manifest.v1+prettyjws;q=0.1, \
application/vnd.docker.distribution.manifest.v1+json;q=0.1";

/// A session with one registry. Cheap to clone: clones share tokens and connections.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    /// The registry as references name it (`docker.io`, `127.0.0.1:5000`).
    registry: String,
    /// `https://registry-1.docker.io/`, `http://127.0.0.1:5000/`.
    base: Url,
    /// The proxy requests go through (see [`proxy_for`]), for error messages.
    proxy: Option<String>,
    /// The address the first request reached (the proxy's when there is one).
    peer: Option<IpAddr>,
    http: reqwest::Client,
    credentials: Credentials,
    retries: u32,
    challenge: Mutex<Option<Challenge>>,
    tokens: Mutex<HashMap<String, Token>>,
    refresh: Mutex<Option<Sensitive<String>>>,
    /// One token fetch at a time, so that four parallel layers ask once, not four times.
    token_fetch: tokio::sync::Mutex<()>,
}

/// One request. `body` is `Bytes` so that a retry can send it again without a copy.
pub(crate) struct Req<'a> {
    pub method: Method,
    pub url: Url,
    pub headers: HeaderMap,
    pub body: Option<Bytes>,
    pub scopes: &'a [Scope],
    /// What the request does, for error messages: `fetch the manifest of app:1`.
    pub action: &'a str,
    /// Whether a failure may be retried here (not for a PATCH, which may have appended).
    pub retry: bool,
}

impl<'a> Req<'a> {
    pub fn new(method: Method, url: Url, scopes: &'a [Scope], action: &'a str) -> Self {
        Req {
            method,
            url,
            headers: HeaderMap::new(),
            body: None,
            scopes,
            action,
            retry: true,
        }
    }
    pub fn header(mut self, name: reqwest::header::HeaderName, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.insert(name, v);
        }
        self
    }
    pub fn body(mut self, body: Bytes) -> Self {
        self.body = Some(body);
        self
    }
    pub fn no_retry(mut self) -> Self {
        self.retry = false;
        self
    }
}

/// Whether a registry host (`localhost:5000`, `127.0.0.1`, `[::1]:5000`) is this machine.
pub fn is_loopback(host: &str) -> bool {
    match Url::parse(&format!("http://{host}/"))
        .ok()
        .and_then(|u| u.host().map(|h| h.to_owned()))
    {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The host that serves a registry's API (Docker Hub's is not `docker.io`).
pub fn api_host(registry: &str) -> &str {
    if registry == crate::reference::DOCKER_HUB {
        crate::reference::DOCKER_HUB_API_HOST
    } else {
        registry
    }
}

impl Client {
    /// Opens a session: builds the HTTP client for the registry's settings, finds how it
    /// is reached (HTTPS; for loopback or `insecure` registries HTTP when HTTPS fails) and
    /// what auth it asks for (`GET /v2/`).
    pub async fn connect(
        registry: &str,
        options: &RegistryOptions,
    ) -> Result<Client, RegistryError> {
        let host = api_host(registry);
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(format!("strata/{}", crate::VERSION))
            .connect_timeout(Duration::from_secs(30))
            // A stalled connection mid-blob is noticed and resumed, not waited on forever.
            .read_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(16)
            // Over HTTP/2 all layers share one connection: let its flow-control window
            // grow with the bandwidth, or large blobs crawl on long links.
            .http2_adaptive_window(true);
        if let Some(pem) = &options.extra_ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                RegistryError::Settings {
                    registry: registry.to_string(),
                    reason: format!("the extra CA is not a PEM certificate: {e}"),
                }
            })?;
            // A file without any `BEGIN CERTIFICATE` block parses as an empty bundle:
            // trusting nothing extra would surface later as a puzzling certificate error.
            if certs.is_empty() {
                return Err(RegistryError::Settings {
                    registry: registry.to_string(),
                    reason: "the extra CA is not a PEM certificate: it holds no \
                             `-----BEGIN CERTIFICATE-----` block"
                        .to_string(),
                });
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        if options.insecure {
            builder = builder.danger_accept_invalid_certs(true);
        }
        if let Some(proxy) = &options.proxy {
            // An explicit proxy replaces the environment's, NO_PROXY included.
            let p = reqwest::Proxy::all(&proxy.url).map_err(|e| RegistryError::Settings {
                registry: registry.to_string(),
                reason: format!(
                    "the proxy `{}` is not usable: {}",
                    proxy.url,
                    describe_reqwest(&e)
                ),
            })?;
            builder = builder.proxy(p.no_proxy(reqwest::NoProxy::from_string(&proxy.no_proxy)));
        }
        let http = builder.build().map_err(|e| RegistryError::Settings {
            registry: registry.to_string(),
            reason: describe_reqwest(&e),
        })?;

        let plain_allowed = options.insecure || is_loopback(host);
        let proxy = |scheme: &str| proxy_for(options.proxy.as_ref(), scheme, host);
        let (base, challenge, peer) = match ping(&http, registry, host, plain_allowed).await {
            Ok(found) => found,
            Err(RegistryError::Connect {
                registry, reason, ..
            }) => {
                return Err(RegistryError::Connect {
                    registry,
                    reason,
                    proxy: proxy("https"),
                })
            }
            Err(e) => return Err(e),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                proxy: proxy(base.scheme()),
                peer,
                registry: registry.to_string(),
                base,
                http,
                credentials: options.credentials.clone(),
                retries: options.retries.unwrap_or(DEFAULT_RETRIES),
                challenge: Mutex::new(challenge),
                tokens: Mutex::new(HashMap::new()),
                refresh: Mutex::new(None),
                token_fetch: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// Checks the credentials against the registry (what `strata login` does before it
    /// saves anything): a token for no particular scope in token mode, `GET /v2/` with
    /// them in Basic mode. Returns the identity (refresh) token the token server gave,
    /// which a caller may keep instead of the password.
    pub async fn check_login(&self) -> Result<Option<Sensitive<String>>, RegistryError> {
        if self.inner.credentials.is_anonymous() {
            return Ok(None);
        }
        let mut url = self.inner.base.clone();
        url.set_path("/v2/");
        let resp = self.send(Req::new(Method::GET, url, &[], "log in")).await?;
        self.expect(resp, &[StatusCode::OK], "log in", None).await?;
        Ok(self.identity_token())
    }

    /// The refresh token the token server gave in this session, if any.
    pub fn identity_token(&self) -> Option<Sensitive<String>> {
        self.inner.refresh.lock().ok().and_then(|r| r.clone())
    }

    /// The registry as references name it.
    pub fn registry(&self) -> &str {
        &self.inner.registry
    }

    /// Whether the registry is reached directly at an address on this machine or a
    /// private network ([`nearby`](super::nearby)).
    pub fn is_nearby(&self) -> bool {
        self.inner.proxy.is_none() && self.inner.peer.is_some_and(is_nearby_address)
    }

    /// `http://127.0.0.1:5000/`: how the registry is reached.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// `<base>/v2/<repository>/<rest>`.
    pub(crate) fn url(&self, repository: &str, rest: &str) -> Url {
        let mut url = self.inner.base.clone();
        url.set_path(&format!("/v2/{repository}/{rest}"));
        url
    }

    /// A URL the registry gave (`Location`), which may be relative.
    pub(crate) fn resolve(&self, location: &str) -> Result<Url, RegistryError> {
        self.inner
            .base
            .join(location)
            .map_err(|e| self.protocol(format!("invalid Location `{location}`: {e}")))
    }

    pub(crate) fn protocol(&self, reason: impl Into<String>) -> RegistryError {
        RegistryError::Protocol {
            registry: self.inner.registry.clone(),
            reason: reason.into(),
        }
    }

    fn same_origin(&self, url: &Url) -> bool {
        let base = &self.inner.base;
        url.scheme() == base.scheme()
            && url.host_str() == base.host_str()
            && url.port_or_known_default() == base.port_or_known_default()
    }

    /// The `Authorization` value for a request needing `scopes`, fetching a token if
    /// needed.
    async fn authorization(&self, scopes: &[Scope]) -> Result<Option<String>, RegistryError> {
        let challenge = self.lock_challenge().clone();
        let (realm, service) = match challenge {
            None => return Ok(None),
            Some(Challenge::Basic) => return Ok(self.inner.credentials.basic_header()),
            Some(Challenge::Bearer { realm, service }) => (realm, service),
        };
        let key = auth::scope_key(scopes);
        if let Some(t) = self.cached_token(&key) {
            return Ok(Some(t));
        }
        let _one_at_a_time = self.inner.token_fetch.lock().await;
        if let Some(t) = self.cached_token(&key) {
            return Ok(Some(t));
        }
        let refresh = self
            .inner
            .refresh
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default();
        let (token, new_refresh) = auth::fetch_token(
            &self.inner.http,
            auth::TokenRequest {
                registry: &self.inner.registry,
                base: &self.inner.base,
                realm: &realm,
                service: service.as_deref(),
                scopes,
                credentials: &self.inner.credentials,
                refresh: refresh.as_ref(),
            },
        )
        .await?;
        if let (Some(r), Ok(mut slot)) = (new_refresh, self.inner.refresh.lock()) {
            *slot = Some(r);
        }
        let header = format!("Bearer {}", token.value.expose());
        if let Ok(mut tokens) = self.inner.tokens.lock() {
            tokens.insert(key, token);
        }
        Ok(Some(header))
    }

    fn cached_token(&self, key: &str) -> Option<String> {
        let tokens = self.inner.tokens.lock().ok()?;
        let t = tokens.get(key)?;
        (t.expires > Instant::now()).then(|| format!("Bearer {}", t.value.expose()))
    }

    fn lock_challenge(&self) -> std::sync::MutexGuard<'_, Option<Challenge>> {
        // A poisoned lock only means another task panicked mid-update of a plain value.
        self.inner
            .challenge
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn unauthorized(&self) -> RegistryError {
        RegistryError::Unauthorized {
            registry: self.inner.registry.clone(),
            with_credentials: !self.inner.credentials.is_anonymous(),
        }
    }

    /// Sends a request: auth, redirects, one re-auth on 401, retries. Returns any other
    /// response as it is, for the caller to check with [`Client::expect`].
    pub(crate) async fn send(&self, req: Req<'_>) -> Result<Response, RegistryError> {
        let mut url = req.url.clone();
        let mut method = req.method.clone();
        let mut attempt = 0u32;
        let mut hops = 0usize;
        let mut reauthed = false;
        loop {
            let same_origin = self.same_origin(&url);
            let mut b = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .headers(req.headers.clone());
            if same_origin {
                if let Some(value) = self.authorization(req.scopes).await? {
                    b = b.header(AUTHORIZATION, value);
                }
            }
            if let Some(body) = &req.body {
                b = b.body(body.clone());
            }
            let resp = match b.send().await {
                Ok(r) => r,
                Err(e) => {
                    let text = describe_reqwest(&e);
                    if req.retry && attempt < self.inner.retries && !is_tls_error(&text) {
                        attempt += 1;
                        tracing::debug!(%text, attempt, "retrying after a connection error");
                        tokio::time::sleep(backoff(attempt, None)).await;
                        continue;
                    }
                    return Err(self.connect_error(text));
                }
            };
            let status = resp.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                if let Some(loc) = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()) {
                    hops += 1;
                    if hops > MAX_REDIRECTS {
                        return Err(self.protocol(format!("too many redirects to {}", req.action)));
                    }
                    url = url
                        .join(loc)
                        .map_err(|e| self.protocol(format!("invalid redirect `{loc}`: {e}")))?;
                    if status == StatusCode::SEE_OTHER {
                        method = Method::GET;
                    }
                    continue;
                }
            }
            if status == StatusCode::UNAUTHORIZED && same_origin {
                // The token may have expired early or lack a scope the registry names in
                // its new challenge: renew once, then give up.
                let header = resp
                    .headers()
                    .get(reqwest::header::WWW_AUTHENTICATE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                let fresh = auth::parse_challenge(&header);
                let had_auth = self.lock_challenge().is_some();
                if !reauthed && (fresh.is_some() || had_auth) {
                    reauthed = true;
                    if let Some(fresh) = fresh {
                        *self.lock_challenge() = Some(fresh);
                    }
                    if let Ok(mut tokens) = self.inner.tokens.lock() {
                        tokens.remove(&auth::scope_key(req.scopes));
                    }
                    continue;
                }
                // A valid token without the access asked for: the token server granted
                // less than the scope (distribution answers 401, not 403, for that).
                if header.contains("insufficient_scope") && !self.inner.credentials.is_anonymous() {
                    return Err(RegistryError::Denied {
                        registry: self.inner.registry.clone(),
                        scope: Scope::describe(req.scopes),
                        detail: String::new(),
                    });
                }
                return Err(self.unauthorized());
            }
            if status == StatusCode::FORBIDDEN {
                let body = read_capped(resp, ERROR_BODY_MAX).await.unwrap_or_default();
                return Err(RegistryError::Denied {
                    registry: self.inner.registry.clone(),
                    scope: Scope::describe(req.scopes),
                    detail: super::error::describe(&parse_error_body(&body)),
                });
            }
            if (status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS)
                && req.retry
                && attempt < self.inner.retries
            {
                attempt += 1;
                let wait = backoff(attempt, resp.headers().get(reqwest::header::RETRY_AFTER));
                tracing::debug!(%status, attempt, ?wait, action = req.action, "retrying");
                tokio::time::sleep(wait).await;
                continue;
            }
            return Ok(resp);
        }
    }

    pub(crate) fn connect_error(&self, text: String) -> RegistryError {
        if is_tls_error(&text) {
            RegistryError::Tls {
                registry: self.inner.registry.clone(),
                reason: text,
            }
        } else {
            RegistryError::Connect {
                registry: self.inner.registry.clone(),
                reason: text,
                proxy: self.inner.proxy.clone(),
            }
        }
    }

    /// Checks a response's status; any other status becomes an error with the
    /// registry's error body (404 on a manifest or repository as [`RegistryError::NotFound`]).
    pub(crate) async fn expect(
        &self,
        resp: Response,
        ok: &[StatusCode],
        action: &str,
        not_found: Option<&str>,
    ) -> Result<Response, RegistryError> {
        let status = resp.status();
        if ok.contains(&status) {
            return Ok(resp);
        }
        let body = read_capped(resp, ERROR_BODY_MAX).await.unwrap_or_default();
        let errors = parse_error_body(&body);
        if status == StatusCode::NOT_FOUND {
            if let Some(what) = not_found {
                return Err(RegistryError::NotFound {
                    registry: self.inner.registry.clone(),
                    what: what.to_string(),
                    detail: super::error::describe(&errors),
                });
            }
        }
        Err(RegistryError::Status {
            registry: self.inner.registry.clone(),
            action: action.to_string(),
            status: status.as_u16(),
            errors,
        })
    }

    // ---- manifests ---------------------------------------------------------------------

    /// Fetches a manifest or index by tag or digest. The digest is checked when the
    /// reference names one, and computed otherwise.
    pub async fn get_manifest(
        &self,
        repository: &str,
        tag_or_digest: &str,
    ) -> Result<RawManifest, RegistryError> {
        let scopes = [Scope::pull(repository)];
        let action = format!("fetch the manifest {repository}:{tag_or_digest}");
        let what = format!("{repository}:{tag_or_digest}");
        let url = self.url(repository, &format!("manifests/{tag_or_digest}"));
        let req = Req::new(Method::GET, url, &scopes, &action).header(ACCEPT, MANIFEST_ACCEPT);
        let resp = self.send(req).await?;
        let resp = self
            .expect(resp, &[StatusCode::OK], &action, Some(&what))
            .await?;
        let content_type = media_type_header(&resp);
        let bytes = read_capped(resp, MANIFEST_MAX)
            .await
            .map_err(|e| self.connect_error(describe_reqwest(&e)))?;
        if bytes.len() > MANIFEST_MAX {
            return Err(self.protocol(format!("the manifest of {what} is larger than 4 MiB")));
        }
        let digest = Digest::of(&bytes);
        if let Ok(expected) = tag_or_digest.parse::<Digest>() {
            crate::digest::verify(&expected, None, &digest, bytes.len() as u64).map_err(
                |source| RegistryError::Digest {
                    registry: self.inner.registry.clone(),
                    what: format!("the manifest {what}"),
                    source,
                },
            )?;
        }
        let media_type = super::manifest::media_type_of(content_type.as_deref(), &bytes);
        Ok(RawManifest {
            bytes: Bytes::from(bytes),
            media_type,
            digest,
        })
    }

    /// Uploads a manifest under a tag or digest; returns its digest.
    pub async fn put_manifest(
        &self,
        repository: &str,
        tag_or_digest: &str,
        manifest: &RawManifest,
    ) -> Result<Digest, RegistryError> {
        let scopes = [Scope::push(repository)];
        let action = format!("upload the manifest {repository}:{tag_or_digest}");
        let url = self.url(repository, &format!("manifests/{tag_or_digest}"));
        let req = Req::new(Method::PUT, url, &scopes, &action)
            .header(CONTENT_TYPE, &manifest.media_type)
            .body(manifest.bytes.clone());
        let resp = self.send(req).await?;
        self.expect(resp, &[StatusCode::CREATED, StatusCode::OK], &action, None)
            .await?;
        Ok(manifest.digest.clone())
    }

    /// Deletes a manifest by digest (which removes every tag pointing at it) or, where the
    /// registry allows it, by tag.
    pub async fn delete_manifest(
        &self,
        repository: &str,
        tag_or_digest: &str,
    ) -> Result<(), RegistryError> {
        let scopes = [Scope::delete(repository)];
        let action = format!("delete the manifest {repository}:{tag_or_digest}");
        let what = format!("{repository}:{tag_or_digest}");
        let url = self.url(repository, &format!("manifests/{tag_or_digest}"));
        let resp = self
            .send(Req::new(Method::DELETE, url, &scopes, &action))
            .await?;
        self.expect(
            resp,
            &[StatusCode::ACCEPTED, StatusCode::OK, StatusCode::NO_CONTENT],
            &action,
            Some(&what),
        )
        .await?;
        Ok(())
    }

    // ---- blobs -------------------------------------------------------------------------

    /// Whether the repository has the blob (`HEAD`), and its size when it does.
    pub async fn head_blob(
        &self,
        repository: &str,
        digest: &Digest,
    ) -> Result<Option<u64>, RegistryError> {
        self.head_blob_scoped(repository, digest, &[Scope::pull(repository)])
            .await
    }

    /// [`Client::head_blob`] under the scopes given: a push asks with its push scope,
    /// so that one token serves the whole push.
    pub(crate) async fn head_blob_scoped(
        &self,
        repository: &str,
        digest: &Digest,
        scopes: &[Scope],
    ) -> Result<Option<u64>, RegistryError> {
        let action = format!("check blob {} in {repository}", digest.short());
        let url = self.url(repository, &format!("blobs/{digest}"));
        let resp = self
            .send(Req::new(Method::HEAD, url, scopes, &action))
            .await?;
        match resp.status() {
            StatusCode::OK => Ok(Some(resp.content_length().unwrap_or(0))),
            StatusCode::NOT_FOUND => Ok(None),
            _ => self.expect(resp, &[], &action, None).await.map(|_| None),
        }
    }

    // ---- listings (used by the catalog) --------------------------------------------------

    /// Every tag of a repository, following `Link` pagination as far as
    /// [`paging`](super::paging) allows.
    pub async fn list_tags(&self, repository: &str) -> Result<Vec<String>, RegistryError> {
        #[derive(serde::Deserialize)]
        struct Tags {
            #[serde(default)]
            tags: Option<Vec<String>>,
        }
        let scopes = [Scope::pull(repository)];
        let what = format!("repository {repository}");
        let first = self.url(repository, "tags/list");
        let mut pager = Pager::new(format!("the tag list of {repository}"), &first);
        let mut out = Vec::new();
        let mut next = Some(first);
        while let Some(url) = next.take() {
            let (page, link): (Tags, _) = self.get_json_page(url, &scopes, &what).await?;
            next = pager
                .page(page.tags.unwrap_or_default(), link, &mut out)
                .map_err(|reason| self.protocol(reason))?;
        }
        Ok(out)
    }

    /// Every repository of the registry (`/v2/_catalog`), following `Link` pagination as far
    /// as [`paging`](super::paging) allows.
    pub async fn list_repositories(&self) -> Result<Vec<String>, RegistryError> {
        #[derive(serde::Deserialize)]
        struct Catalog {
            #[serde(default)]
            repositories: Option<Vec<String>>,
        }
        let scopes = [Scope::catalog()];
        let mut first = self.inner.base.clone();
        first.set_path("/v2/_catalog");
        let mut pager = Pager::new("the catalog", &first);
        let mut out = Vec::new();
        let mut next = Some(first);
        while let Some(url) = next.take() {
            let (page, link): (Catalog, _) =
                self.get_json_page(url, &scopes, "the catalog").await?;
            next = pager
                .page(page.repositories.unwrap_or_default(), link, &mut out)
                .map_err(|reason| self.protocol(reason))?;
        }
        Ok(out)
    }

    async fn get_json_page<T: serde::de::DeserializeOwned>(
        &self,
        url: Url,
        scopes: &[Scope],
        what: &str,
    ) -> Result<(T, Option<Url>), RegistryError> {
        let action = format!("list {what}");
        let resp = self.get_ok(url, scopes, &action, what).await?;
        self.json_page(resp, &format!("the listing of {what}"))
            .await
    }

    /// GET `url`, expecting 200 (a 404 is [`RegistryError::NotFound`] of `what`).
    pub(crate) async fn get_ok(
        &self,
        url: Url,
        scopes: &[Scope],
        action: &str,
        what: &str,
    ) -> Result<Response, RegistryError> {
        let resp = self
            .send(Req::new(Method::GET, url, scopes, action))
            .await?;
        self.expect(resp, &[StatusCode::OK], action, Some(what))
            .await
    }

    /// One page of a listing, from an answer already accepted: its JSON body (at most
    /// 16 MiB) and the `rel="next"` target of its `Link` header. `listing` names it in the
    /// error for a body that is not JSON.
    pub(crate) async fn json_page<T: serde::de::DeserializeOwned>(
        &self,
        resp: Response,
        listing: &str,
    ) -> Result<(T, Option<Url>), RegistryError> {
        let link = resp
            .headers()
            .get(reqwest::header::LINK)
            .and_then(|v| v.to_str().ok())
            .and_then(next_link)
            .map(|l| self.resolve(&l))
            .transpose()?;
        let body = read_capped(resp, 16 * 1024 * 1024)
            .await
            .map_err(|e| self.connect_error(describe_reqwest(&e)))?;
        let page = serde_json::from_slice(&body)
            .map_err(|e| self.protocol(format!("{listing} is not valid JSON: {e}")))?;
        Ok((page, link))
    }
}

/// A response's `Content-Type` without its parameters (`; charset=…`): the media type a
/// registry says a manifest has.
pub(crate) fn media_type_header(resp: &Response) -> Option<String> {
    let value = resp.headers().get(CONTENT_TYPE)?.to_str().ok()?;
    Some(value.split(';').next().unwrap_or(value).trim().to_string())
}

/// The `rel="next"` target of a `Link` header: `</v2/_catalog?last=b&n=2>; rel="next"`.
pub(crate) fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"" || p.trim() == "rel=next")
            .then(|| {
                target
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
    })
}

/// A manifest or index exactly as the registry serves it: the bytes are what the digest
/// covers, so they are stored and pushed unchanged.
#[derive(Debug, Clone)]
pub struct RawManifest {
    pub bytes: Bytes,
    pub media_type: String,
    pub digest: Digest,
}

/// `GET /v2/`: finds the scheme and the auth challenge.
async fn ping(
    http: &reqwest::Client,
    registry: &str,
    host: &str,
    plain_allowed: bool,
) -> Result<(Url, Option<Challenge>, Option<IpAddr>), RegistryError> {
    let mut last_error = None;
    let schemes: &[&str] = if plain_allowed {
        &["https", "http"]
    } else {
        &["https"]
    };
    for scheme in schemes {
        let base =
            Url::parse(&format!("{scheme}://{host}/")).map_err(|e| RegistryError::Settings {
                registry: registry.to_string(),
                reason: format!("`{host}` is not a host name: {e}"),
            })?;
        let Ok(ping_url) = base.join("/v2/") else {
            continue;
        };
        match http.get(ping_url).send().await {
            Ok(resp) => {
                let status = resp.status();
                let peer = resp.remote_addr().map(|a| a.ip());
                let challenge = resp
                    .headers()
                    .get(reqwest::header::WWW_AUTHENTICATE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(auth::parse_challenge);
                return match status {
                    s if s.is_success() => Ok((base, None, peer)),
                    StatusCode::UNAUTHORIZED => Ok((base, challenge, peer)),
                    // HTTPS failed on the certificate and plain HTTP got Go's "Client sent
                    // an HTTP request to an HTTPS server": the registry speaks TLS, and
                    // its certificate is what the user must hear about.
                    StatusCode::BAD_REQUEST if last_error.as_deref().is_some_and(is_tls_error) => {
                        Err(RegistryError::Tls {
                            registry: registry.to_string(),
                            reason: last_error.unwrap_or_default(),
                        })
                    }
                    s => Err(RegistryError::Protocol {
                        registry: registry.to_string(),
                        reason: format!(
                            "{scheme}://{host}/v2/ answered {s}: is this an OCI registry?"
                        ),
                    }),
                };
            }
            Err(e) => last_error = Some(describe_reqwest(&e)),
        }
    }
    let reason = last_error.unwrap_or_default();
    if is_tls_error(&reason) && !plain_allowed {
        return Err(RegistryError::Tls {
            registry: registry.to_string(),
            reason,
        });
    }
    Err(RegistryError::Connect {
        registry: registry.to_string(),
        reason,
        proxy: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_recognised() {
        for (host, want) in [
            ("127.0.0.1:5000", true),
            ("127.1.2.3", true),
            ("localhost:5000", true),
            ("[::1]:5000", true),
            ("registry.example.com", false),
            ("10.0.0.1:5000", false),
            ("localhost.example.com", false),
        ] {
            assert_eq!(is_loopback(host), want, "{host}");
        }
    }

    #[test]
    fn link_header_gives_the_next_page() {
        assert_eq!(
            next_link(r#"</v2/_catalog?last=b&n=2>; rel="next""#).as_deref(),
            Some("/v2/_catalog?last=b&n=2")
        );
        assert_eq!(next_link(r#"</x>; rel="prev""#), None);
    }
}

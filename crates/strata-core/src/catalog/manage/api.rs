//! What every management API client shares: an HTTP client bound to one base URL (HTTPS,
//! or plain HTTP on loopback as for registries), answers read with a size cap, the API's
//! refusal codes sorted into the few kinds a person acts on ([`ApiKind`]), and the paging
//! bounds.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Method;
use serde::Serialize;
use serde_json::Value;
use url::Url;

use super::ManageError;
use crate::problem::{Code, Hint, HintKey, HintName as _};
use crate::registry::client::is_loopback;

/// Items asked per page.
pub const PAGE_SIZE: usize = 100;
/// Pages followed at most per list (so at most 20,000 items); a list that goes on is cut.
pub const MAX_PAGES: usize = 200;
/// Answers larger than this are refused: management answers are small.
const MAX_ANSWER: usize = 16 * 1024 * 1024;

/// What kind of refusal an API code is: one per thing the person does about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiKind {
    /// The AccessKey ID (or STS token) is unknown, disabled or expired.
    WrongKey,
    /// The signature did not match: the secret is wrong.
    SignatureMismatch,
    /// The request's date is too far from the server's clock, or a nonce was reused.
    Clock,
    /// A RAM policy (or the account's role) does not allow the operation.
    Forbidden,
    /// Too many requests.
    Throttled,
    /// A namespace or repository of that name exists.
    NameTaken,
    /// The API endpoint's region is not the resource's.
    RegionMismatch,
    /// The namespace, repository or instance does not exist.
    NotFound,
    /// The registry login (Harbor, Docker Hub) was refused.
    Unauthorized,
    /// Anything else.
    Other,
}

impl ApiKind {
    /// Sorts an API's `code` (and HTTP status) into a kind.
    pub fn classify(status: u16, code: &str) -> ApiKind {
        let has = |s: &str| code.contains(s);
        if code.starts_with("InvalidAccessKeyId")
            || code.starts_with("InvalidSecurityToken")
            || code == "MissingSecurityToken"
        {
            ApiKind::WrongKey
        } else if code == "SignatureDoesNotMatch" || code == "IncompleteSignature" {
            ApiKind::SignatureMismatch
        } else if code.starts_with("InvalidTimeStamp") || code == "SignatureNonceUsed" {
            ApiKind::Clock
        } else if code.starts_with("Throttling") || status == 429 {
            ApiKind::Throttled
        } else if code.starts_with("Forbidden")
            || has("NoPermission")
            || has("AccessDenied")
            || status == 403
        {
            ApiKind::Forbidden
        } else if has("ALREADY_EXIST") || has("AlreadyExist") || has("CONFLICT") || status == 409 {
            ApiKind::NameTaken
        } else if has("Region") || has("REGION") {
            ApiKind::RegionMismatch
        } else if code.starts_with("InvalidAction") || code == "InvalidVersion" {
            ApiKind::Other
        } else if has("NOT_EXIST") || has("NotExist") || has("NOT_FOUND") || status == 404 {
            ApiKind::NotFound
        } else if status == 401 || code == "UNAUTHORIZED" {
            ApiKind::Unauthorized
        } else {
            ApiKind::Other
        }
    }

    pub(super) fn code(self) -> Code {
        match self {
            ApiKind::WrongKey => Code::ManageWrongKey,
            ApiKind::SignatureMismatch => Code::ManageSignatureMismatch,
            ApiKind::Clock => Code::ManageClock,
            ApiKind::Forbidden => Code::ManageForbidden,
            ApiKind::Throttled => Code::ManageThrottled,
            ApiKind::NameTaken => Code::ManageNameTaken,
            ApiKind::RegionMismatch => Code::ManageRegionMismatch,
            ApiKind::NotFound => Code::ManageNotFound,
            ApiKind::Unauthorized => Code::ManageUnauthorized,
            ApiKind::Other => Code::ManageRefused,
        }
    }

    pub(super) fn hint(self, registry: &str) -> Option<Hint> {
        let key = match self {
            ApiKind::WrongKey => HintKey::ManageCheckAccessKey,
            ApiKind::SignatureMismatch => HintKey::ManageCheckSecret,
            ApiKind::Clock => HintKey::ManageCheckClock,
            ApiKind::Forbidden => HintKey::ManageGrantPolicy,
            ApiKind::Throttled => HintKey::ManageRetryLater,
            ApiKind::NameTaken => HintKey::ManageChooseOtherName,
            ApiKind::RegionMismatch => HintKey::ManageCheckRegion,
            ApiKind::NotFound => HintKey::ManageListFirst,
            ApiKind::Unauthorized => {
                return Some(HintKey::CredentialsLogIn.with("registry", registry))
            }
            ApiKind::Other => return None,
        };
        Some(if key.params().contains(&"registry") {
            key.with("registry", registry)
        } else {
            key.into()
        })
    }
}

/// One answer: status, headers and the body (capped).
pub(super) struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub url: String,
}

impl Reply {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as JSON (an empty body is `null`).
    pub fn json(&self) -> Result<Value, ManageError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|e| self.bad(e))
    }

    pub fn bad(&self, detail: impl std::fmt::Display) -> ManageError {
        ManageError::BadAnswer {
            url: self.url.clone(),
            detail: detail.to_string(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// An HTTP client for one API base URL.
pub(super) struct Http {
    client: reqwest::Client,
    base: Url,
}

impl Http {
    /// `base` must be HTTPS, or HTTP on this machine (or with `insecure`).
    pub fn new(base: &str, insecure: bool) -> Result<Http, ManageError> {
        let url = Url::parse(base.trim_end_matches('/')).map_err(|e| ManageError::BadAnswer {
            url: base.to_string(),
            detail: format!("not a URL: {e}"),
        })?;
        let host = url.host_str().unwrap_or_default().to_string();
        match url.scheme() {
            "https" => {}
            "http" if insecure || is_loopback(&host) => {}
            _ => {
                return Err(ManageError::InsecureApi {
                    url: base.to_string(),
                })
            }
        }
        let client = reqwest::Client::builder()
            .user_agent(concat!("strata/", env!("CARGO_PKG_VERSION")))
            .timeout(std::time::Duration::from_secs(60))
            // A redirect would re-send a login body (Docker Hub's token request) or the
            // ACR security token to wherever it points, even over plain HTTP: none is
            // followed, as the registry client follows none.
            .redirect(reqwest::redirect::Policy::none())
            .danger_accept_invalid_certs(insecure)
            .build()
            .map_err(|e| ManageError::Unreachable {
                url: base.to_string(),
                detail: e.to_string(),
            })?;
        Ok(Http { client, base: url })
    }

    /// The `Host` header the client sends: host, and `:port` when not the default.
    pub fn host(&self) -> String {
        let host = self.base.host_str().unwrap_or_default();
        match self.base.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        }
    }

    /// The base URL's path without a trailing `/` (empty for the root).
    pub fn base_path(&self) -> &str {
        self.base.path().trim_end_matches('/')
    }

    /// `scheme://host[:port]` + `path_and_query` (already encoded).
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}://{}{path_and_query}", self.base.scheme(), self.host())
    }

    /// A JSON API call: `accept: application/json`, and `body` (when given) sent as JSON.
    pub async fn send_json(
        &self,
        method: &str,
        url: &str,
        mut headers: Vec<(String, String)>,
        body: Option<Value>,
    ) -> Result<Reply, ManageError> {
        headers.push(("accept".into(), "application/json".into()));
        let body = match body {
            Some(b) => {
                headers.push(("content-type".into(), "application/json".into()));
                b.to_string().into_bytes()
            }
            None => Vec::new(),
        };
        self.send(method, url, &headers, body).await
    }

    /// Sends one request to `url` and reads the answer.
    pub async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<Reply, ManageError> {
        let unreachable = |e: &dyn std::fmt::Display| ManageError::Unreachable {
            url: url.to_string(),
            detail: e.to_string(),
        };
        let method = Method::from_bytes(method.as_bytes()).map_err(|e| unreachable(&e))?;
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| unreachable(&e))?;
            let value = HeaderValue::from_str(value).map_err(|e| unreachable(&e))?;
            map.append(name, value);
        }
        let mut request = self.client.request(method, url).headers(map);
        if !body.is_empty() {
            request = request.body(body);
        }
        let mut response = request.send().await.map_err(|e| unreachable(&e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| unreachable(&e))? {
            if bytes.len() + chunk.len() > MAX_ANSWER {
                return Err(ManageError::BadAnswer {
                    url: url.to_string(),
                    detail: format!("the answer is larger than {MAX_ANSWER} bytes"),
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Reply {
            status,
            headers,
            body: bytes,
            url: url.to_string(),
        })
    }
}

/// Follows pages numbered from 1 until `fetch` returns fewer than [`PAGE_SIZE`] items, the
/// total it reports is reached, or [`MAX_PAGES`] pages were read.
pub(super) async fn all_pages<T, F, Fut>(mut fetch: F) -> Result<Vec<T>, ManageError>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<usize>), ManageError>>,
{
    let mut all = Vec::new();
    for page in 1..=MAX_PAGES {
        let (items, total) = fetch(page).await?;
        let count = items.len();
        all.extend(items);
        let done = count < PAGE_SIZE || total.is_some_and(|t| all.len() >= t);
        if done {
            return Ok(all);
        }
    }
    tracing::warn!(
        pages = MAX_PAGES,
        "a list went on for more pages than Strata follows"
    );
    Ok(all)
}

/// A JSON number or numeric string as a count (`"TotalCount": "250"`).
pub(super) fn count(value: &Value) -> Option<usize> {
    match value {
        Value::Number(n) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A JSON string field, or empty.
/// The API's refusal as our error: its own code (else the HTTP status) and message, sorted
/// into a kind that picks the hint.
pub(super) fn refused(
    api: &str,
    operation: String,
    status: u16,
    code: String,
    message: String,
    registry: &str,
) -> ManageError {
    ManageError::Api {
        api: api.into(),
        operation,
        status,
        kind: ApiKind::classify(status, &code),
        code: if code.is_empty() {
            format!("HTTP {status}")
        } else {
            code
        },
        message,
        registry: registry.to_string(),
    }
}

pub(super) fn text(value: &Value, key: &str) -> String {
    match &value[key] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// Unix milliseconds (a number or a numeric string) as a time.
pub(super) fn millis(value: &Value) -> Option<chrono::DateTime<chrono::Utc>> {
    let ms = match value {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.parse().ok()?,
        _ => return None,
    };
    chrono::DateTime::from_timestamp_millis(ms)
}

/// An RFC 3339 time.
pub(super) fn rfc3339(value: &Value) -> Option<chrono::DateTime<chrono::Utc>> {
    value
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// A digest as `sha256:…` (ACR gives bare hex).
pub(super) fn digest(value: &Value) -> Option<String> {
    let d = value.as_str().filter(|s| !s.is_empty())?;
    Some(if d.contains(':') {
        d.to_string()
    } else {
        format!("sha256:{d}")
    })
}

/// The host of a registry address (`host`, `host:port`, `[v6]:port`), lowercased.
fn registry_host(registry: &str) -> Option<String> {
    reqwest::Url::parse(&format!("http://{registry}"))
        .ok()?
        .host_str()
        .map(str::to_ascii_lowercase)
}

/// Whether two registry addresses are on the same host (ports aside).
pub(crate) fn same_registry_host(a: &str, b: &str) -> bool {
    registry_host(a).is_some_and(|h| Some(h) == registry_host(b))
}

/// Whether a registry address may receive an Alibaba Cloud temporary login: under
/// `aliyuncs.com` (every ACR registry domain is: `registry.<region>.aliyuncs.com`,
/// `*.cr.aliyuncs.com`, `*.personal.cr.aliyuncs.com`), or on this machine.
pub(crate) fn is_acr_address(registry: &str) -> bool {
    crate::registry::client::is_loopback(registry)
        || registry_host(registry).is_some_and(|h| h.ends_with(".aliyuncs.com"))
}

/// Whether a registry's saved login may be sent to the management API at `base`: only to
/// the registry's own host (any port: Harbor serves its API beside the registry), or to
/// `official`, the provider's own API for it (Docker Hub's for docker.io). Anything else
/// would hand the password to whoever the API address names, which a settings file or a
/// hostile script in the window could set.
pub(crate) fn login_may_go_to(base: &str, registry: &str, official: Option<&str>) -> bool {
    let host = |url: &str| {
        reqwest::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
    };
    let Some(api) = host(base) else {
        return false;
    };
    registry_host(registry).is_some_and(|r| r == api) || official.and_then(host) == Some(api)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_goes_to_its_registry_host_or_the_official_api_only() {
        let hub = Some("https://hub.docker.com");
        for (base, registry, official, ok) in [
            ("https://harbor.corp", "harbor.corp", None, true),
            ("https://HARBOR.corp:8443/x", "harbor.corp:443", None, true),
            ("http://127.0.0.1:9000", "127.0.0.1:5000", None, true),
            ("http://[::1]:9000", "[::1]:5000", None, true),
            ("https://evil.example", "harbor.corp", None, false),
            ("http://localhost:9000", "127.0.0.1:5000", None, false),
            (
                "https://harbor.corp.evil.example",
                "harbor.corp",
                None,
                false,
            ),
            ("https://hub.docker.com", "docker.io", hub, true),
            ("https://evil.example", "docker.io", hub, false),
            ("not a url", "harbor.corp", None, false),
        ] {
            assert_eq!(
                login_may_go_to(base, registry, official),
                ok,
                "{base} for {registry}"
            );
        }
        for (registry, ok) in [
            ("registry.cn-hangzhou.aliyuncs.com", true),
            ("crpi-abc.cn-hangzhou.personal.cr.aliyuncs.com", true),
            ("127.0.0.1:5000", true),
            ("localhost:5000", true),
            ("aliyuncs.com.evil.example", false),
            ("evilaliyuncs.com", false),
            ("registry.evil.example", false),
        ] {
            assert_eq!(is_acr_address(registry), ok, "{registry}");
        }
        assert!(same_registry_host("127.0.0.1:5999", "127.0.0.1:5000"));
        assert!(!same_registry_host("a.example", "b.example"));
    }

    #[test]
    fn api_codes_sort_into_what_a_person_does() {
        let cases = [
            (404, "InvalidAccessKeyId.NotFound", ApiKind::WrongKey),
            (400, "SignatureDoesNotMatch", ApiKind::SignatureMismatch),
            (400, "InvalidTimeStamp.Expired", ApiKind::Clock),
            (400, "SignatureNonceUsed", ApiKind::Clock),
            (403, "Forbidden.RAM", ApiKind::Forbidden),
            (400, "Throttling.User", ApiKind::Throttled),
            (400, "NAMESPACE_ALREADY_EXIST", ApiKind::NameTaken),
            (409, "CONFLICT", ApiKind::NameTaken),
            (400, "InvalidRegionId", ApiKind::RegionMismatch),
            (404, "REPO_NOT_EXIST", ApiKind::NotFound),
            (404, "InvalidAction.NotFound", ApiKind::Other),
            (401, "UNAUTHORIZED", ApiKind::Unauthorized),
            (400, "InvalidParameter", ApiKind::Other),
        ];
        for (status, code, want) in cases {
            assert_eq!(ApiKind::classify(status, code), want, "{code}");
        }
    }

    #[tokio::test]
    async fn paging_stops_at_a_short_page_or_the_total() {
        let pages = all_pages(|page| async move {
            let n = if page < 3 { PAGE_SIZE } else { 50 };
            Ok((vec![page; n], None))
        })
        .await
        .unwrap();
        assert_eq!(pages.len(), 2 * PAGE_SIZE + 50);
        let exact = all_pages(|_| async { Ok((vec![0; PAGE_SIZE], Some(PAGE_SIZE))) })
            .await
            .unwrap();
        assert_eq!(exact.len(), PAGE_SIZE);
        let endless = all_pages(|_| async { Ok((vec![0; PAGE_SIZE], None)) })
            .await
            .unwrap();
        assert_eq!(endless.len(), PAGE_SIZE * MAX_PAGES);
    }
}
